/* JSON through jansson (Debian's libjansson-dev): jansson parses and checks the text (UTF-8,
   escapes, numbers, duplicate keys), its tree is copied into JsonValue trees (keys in the file's
   order) and freed. Messages keep the form "line L, column C: what was expected". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "files.h"
/* jansson names its own null type JSON_NULL too: ours is JSON_NULL_ in this file only */
#define JSON_NULL JSON_NULL_
#include "json.h"
#undef JSON_NULL
#include <jansson.h>

#define JSON_MAX_DEPTH 64

static char *copy_bytes(const char *s, size_t n) {
    char *c = mallocCheck(n + 1);
    memcpy(c, s, n);
    c[n] = 0;
    return c;
}

/* v [OUT] from j; -1 when nested deeper than JSON_MAX_DEPTH (v is then freeable) */
static int convert(const json_t *j, JsonValue *v, int depth) {
    memset(v, 0, sizeof *v);
    if (depth > JSON_MAX_DEPTH) return -1;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(j), k = 0;
        const char *key;
        json_t *item;
        v->type = JSON_OBJ;
        v->items = mallocCheck(sizeof(JsonValue) * (n ? n : 1));
        v->keys = mallocCheck(sizeof(char *) * (n ? n : 1));
        json_object_foreach((json_t *)j, key, item) {
            v->keys[k] = copy_bytes(key, strlen(key));
            v->len = ++k;
            if (convert(item, &v->items[k - 1], depth + 1)) return -1;
        }
        return 0;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        v->type = JSON_ARR;
        v->items = mallocCheck(sizeof(JsonValue) * (n ? n : 1));
        for (size_t k = 0; k < n; k++) {
            v->len = k + 1;
            if (convert(json_array_get(j, k), &v->items[k], depth + 1)) return -1;
        }
        return 0;
    }
    case JSON_STRING:
        v->type = JSON_STR;
        v->len = json_string_length(j);
        v->str = copy_bytes(json_string_value(j), v->len);
        return 0;
    case JSON_INTEGER: v->type = JSON_NUM; v->num = (double)json_integer_value(j); return 0;
    case JSON_REAL: v->type = JSON_NUM; v->num = json_real_value(j); return 0;
    case JSON_TRUE: v->type = JSON_BOOL; v->num = 1; return 0;
    case JSON_FALSE: v->type = JSON_BOOL; v->num = 0; return 0;
    default: v->type = JSON_NULL_; return 0;
    }
}

int json_parse(const char *text, size_t n, JsonValue *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    json_error_t e;
    /* any value at the top; integers as doubles (no "too big integer"); a key twice is an error */
    json_t *j = json_loadb(text, n, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        snprintf(err, errlen, "line %d, column %d: %s", e.line, e.column, e.text);
        return -1;
    }
    int rc = convert(j, out, 0);
    json_decref(j);
    if (rc) {
        json_free(out);
        snprintf(err, errlen, "nested too deeply (more than %d arrays / objects inside each other)", JSON_MAX_DEPTH);
    }
    return rc;
}

int json_read_file(const char *path, JsonValue *out, char *err, size_t errlen) {
    size_t n;
    memset(out, 0, sizeof *out);
    char *t = (char *)file_read_all(path, &n, err, errlen);
    if (!t) return -1;
    char e[512];
    int rc = json_parse(t, n, out, e, sizeof e);
    if (rc) snprintf(err, errlen, "%s: %s", path, e);
    free(t);
    return rc;
}

const JsonValue *json_get(const JsonValue *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJ) return NULL;
    for (size_t k = 0; k < obj->len; k++) if (strcmp(obj->keys[k], key) == 0) return &obj->items[k];
    return NULL;
}

void json_free(JsonValue *v) {
    if (!v) return;
    if (v->type == JSON_ARR || v->type == JSON_OBJ) {
        for (size_t k = 0; k < v->len; k++) {
            json_free(&v->items[k]);
            if (v->keys) free(v->keys[k]);
        }
        free(v->items);
        free(v->keys);
    }
    if (v->type == JSON_STR) free(v->str);
    memset(v, 0, sizeof *v);
}
