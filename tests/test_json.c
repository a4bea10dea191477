/* The JSON reader: values, nesting, string escapes (\uXXXX, surrogate pairs, raw UTF-8), big
   integers as doubles, and errors that give the line and column of the fault (invalid UTF-8, a
   key twice, nesting deeper than 64 included). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check_util.h"
#include "io/json.h"

static int parse(const char *t, JsonValue *v, char *err) { return json_parse(t, strlen(t), v, err, 256); }

int main(void) {
    char err[256];
    JsonValue v;
    const char *doc = "{\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\\"\\\\\\n\\u0120\\ud83d\\ude00\xc4\xa0\",\n"
                      " \"o\": {\"k\": {}}, \"e\": []}";
    CHECK(parse(doc, &v, err) == 0, "valid document: %s", err);
    const JsonValue *a = json_get(&v, "a"), *s = json_get(&v, "s"), *o = json_get(&v, "o");
    CHECK(a && a->type == JSON_ARR && a->len == 5 && a->items[0].num == 1 && a->items[1].num == -2500 &&
          a->items[2].type == JSON_BOOL && a->items[2].num == 1 && a->items[3].num == 0 && a->items[4].type == JSON_NULL,
          "array of number, number, true, false, null");
    /* x " \ newline U+0120 (C4 A0) U+1F600 (F0 9F 98 80) raw C4 A0 */
    CHECK(s && s->type == JSON_STR && s->len == 12 && memcmp(s->str, "x\"\\\n\xc4\xa0\xf0\x9f\x98\x80\xc4\xa0", 12) == 0,
          "escapes decoded to UTF-8 (%zu bytes)", s ? s->len : 0);
    CHECK(o && json_get(o, "k") && json_get(o, "k")->type == JSON_OBJ && json_get(o, "k")->len == 0, "nested empty object");
    CHECK(json_get(&v, "e")->type == JSON_ARR && json_get(&v, "missing") == NULL, "empty array; missing key is NULL");
    json_free(&v);
    CHECK(parse("[12345678901234567890123]", &v, err) == 0 && v.items[0].num == 12345678901234567890123.0, "a big integer as a double");
    json_free(&v);
    static const struct { const char *text, *msg; } bad[] = {
        { "{\"a\": 1,\n \"b\" 2}", "line 2, column 6: ':' expected" },
        { "[1, 2", "']' expected near end of file" },
        { "{\"a\": tru}", "invalid token near 'tru'" },
        { "\"abc", "premature end of input" },
        { "{} x", "end of file expected near 'x'" },
        { "\"\\q\"", "invalid escape" },
        { "[1.2.3]", "']' expected near '.'" },
        { "{\"a\": 1, \"a\": 2}", "duplicate object key" },
        { "\"\xff\"", "unable to decode byte 0xff" },
        { "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "nested too deeply" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int rc = parse(bad[k].text, &v, err);
        CHECK(rc != 0 && strstr(err, bad[k].msg), "bad JSON %zu: got '%s', expected '%s'", k, rc ? err : "success", bad[k].msg);
        if (rc == 0) json_free(&v);
    }
    printf("  ok   %s\n", err);
    return test_exit("test_json");
}
