/* The JSON reader for the files of real checkpoints (the safetensors header, config.json,
   vocab.json, tokenizer.json), parsed by jansson: the whole text becomes a tree of values; strings
   are UTF-8 (\uXXXX escapes and surrogate pairs decoded). Errors give the line and column. */
#ifndef LOFT_JSON_H
#define LOFT_JSON_H
#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ } JsonType;

typedef struct JsonValue {
    JsonType type;
    double num;                /* JSON_NUM, JSON_BOOL (0 / 1) */
    char *str;                 /* JSON_STR: NUL-terminated UTF-8 */
    size_t len;                /* JSON_STR: bytes; JSON_ARR / JSON_OBJ: items */
    struct JsonValue *items;   /* JSON_ARR / JSON_OBJ: (len,) */
    char **keys;               /* JSON_OBJ: (len,) */
} JsonValue;

/* parses text (n bytes): valid UTF-8, no key twice in an object, at most 64 levels deep, numbers
   as doubles; 0, or -1 with "line L, column C: what was expected" */
int json_parse(const char *text, size_t n, JsonValue *out, char *err, size_t errlen);
/* reads and parses a file; errors name the file */
int json_read_file(const char *path, JsonValue *out, char *err, size_t errlen);
/* the member named key of an object, or NULL */
const JsonValue *json_get(const JsonValue *obj, const char *key);
void json_free(JsonValue *v);
#endif
