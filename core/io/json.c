/* Recursive-descent JSON parser into JsonValue trees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "files.h"
#include "json.h"

#define JSON_MAX_DEPTH 64

typedef struct { const char *t; size_t n, i; char *err; size_t errlen; int failed; } Parser;

static int fail(Parser *p, const char *what) {
    if (p->failed) return -1;
    int line = 1, col = 1;
    for (size_t k = 0; k < p->i && k < p->n; k++) {
        if (p->t[k] == '\n') { line++; col = 1; } else col++;
    }
    snprintf(p->err, p->errlen, "line %d, column %d: %s", line, col, what);
    p->failed = 1;
    return -1;
}

static void skip_ws(Parser *p) {
    while (p->i < p->n && (p->t[p->i] == ' ' || p->t[p->i] == '\t' || p->t[p->i] == '\n' || p->t[p->i] == '\r')) p->i++;
}

static int hex4(Parser *p, unsigned *u) {
    *u = 0;
    for (int k = 0; k < 4; k++, p->i++) {
        char c = p->i < p->n ? p->t[p->i] : 0;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return fail(p, "expected 4 hex digits after \\u");
        *u = *u * 16 + (unsigned)d;
    }
    return 0;
}

static size_t put_utf8(char *o, unsigned u) {
    if (u < 0x80) { o[0] = (char)u; return 1; }
    if (u < 0x800) { o[0] = (char)(0xC0 | u >> 6); o[1] = (char)(0x80 | (u & 63)); return 2; }
    if (u < 0x10000) { o[0] = (char)(0xE0 | u >> 12); o[1] = (char)(0x80 | (u >> 6 & 63)); o[2] = (char)(0x80 | (u & 63)); return 3; }
    o[0] = (char)(0xF0 | u >> 18); o[1] = (char)(0x80 | (u >> 12 & 63)); o[2] = (char)(0x80 | (u >> 6 & 63)); o[3] = (char)(0x80 | (u & 63));
    return 4;
}

/* at the opening quote; the decoded string is never longer than its source */
static int parse_string(Parser *p, char **out, size_t *len) {
    p->i++;
    size_t start = p->i;
    while (p->i < p->n && p->t[p->i] != '"') p->i += p->t[p->i] == '\\' ? 2 : 1;
    if (p->i >= p->n) return fail(p, "unterminated string");
    char *s = mallocCheck(p->i - start + 1);
    size_t k = 0;
    for (p->i = start; p->t[p->i] != '"';) {
        char c = p->t[p->i++];
        if ((unsigned char)c < 0x20) { free(s); return fail(p, "control character in a string"); }
        if (c != '\\') { s[k++] = c; continue; }
        c = p->t[p->i++];
        switch (c) {
        case '"': case '\\': case '/': s[k++] = c; break;
        case 'b': s[k++] = '\b'; break;
        case 'f': s[k++] = '\f'; break;
        case 'n': s[k++] = '\n'; break;
        case 'r': s[k++] = '\r'; break;
        case 't': s[k++] = '\t'; break;
        case 'u': {
            unsigned u, lo;
            if (hex4(p, &u)) { free(s); return -1; }
            if (u >= 0xD800 && u < 0xDC00 && p->i + 1 < p->n && p->t[p->i] == '\\' && p->t[p->i + 1] == 'u') {
                p->i += 2;
                if (hex4(p, &lo)) { free(s); return -1; }
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            k += put_utf8(s + k, u);
            break;
        }
        default: free(s); p->i--; return fail(p, "unknown escape in a string");
        }
    }
    p->i++;
    s[k] = 0;
    *out = s;
    *len = k;
    return 0;
}

static int parse_value(Parser *p, JsonValue *v, int depth);

static int parse_container(Parser *p, JsonValue *v, int depth, int object) {
    size_t cap = 8;
    v->type = object ? JSON_OBJ : JSON_ARR;
    v->items = mallocCheck(sizeof(JsonValue) * cap);
    if (object) v->keys = mallocCheck(sizeof(char *) * cap);
    p->i++;
    skip_ws(p);
    if (p->i < p->n && p->t[p->i] == (object ? '}' : ']')) { p->i++; return 0; }
    for (;;) {
        if (v->len == cap) {
            cap *= 2;
            v->items = reallocCheck(v->items, sizeof(JsonValue) * cap);
            if (object) v->keys = reallocCheck(v->keys, sizeof(char *) * cap);
        }
        skip_ws(p);
        if (object) {
            size_t kl;
            if (p->i >= p->n || p->t[p->i] != '"') return fail(p, "expected a string key");
            if (parse_string(p, &v->keys[v->len], &kl)) return -1;
            skip_ws(p);
            if (p->i >= p->n || p->t[p->i] != ':') { free(v->keys[v->len]); return fail(p, "expected ':' after a key"); }
            p->i++;
        }
        memset(&v->items[v->len], 0, sizeof(JsonValue));
        int rc = parse_value(p, &v->items[v->len], depth + 1);
        v->len++;
        if (rc) return -1;
        skip_ws(p);
        if (p->i < p->n && p->t[p->i] == ',') { p->i++; continue; }
        if (p->i < p->n && p->t[p->i] == (object ? '}' : ']')) { p->i++; return 0; }
        return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(Parser *p, JsonValue *v, int depth) {
    if (depth > JSON_MAX_DEPTH) return fail(p, "nested too deeply");
    skip_ws(p);
    if (p->i >= p->n) return fail(p, "expected a value, got the end of the text");
    char c = p->t[p->i];
    if (c == '{' || c == '[') return parse_container(p, v, depth, c == '{');
    if (c == '"') { v->type = JSON_STR; return parse_string(p, &v->str, &v->len); }
    static const struct { const char *word; JsonType type; double num; } words[] = {
        { "null", JSON_NULL, 0 }, { "true", JSON_BOOL, 1 }, { "false", JSON_BOOL, 0 } };
    for (int k = 0; k < 3; k++) {
        size_t wl = strlen(words[k].word);
        if (p->n - p->i >= wl && memcmp(p->t + p->i, words[k].word, wl) == 0) {
            v->type = words[k].type; v->num = words[k].num; p->i += wl;
            return 0;
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char buf[64];
        size_t k = 0;
        while (p->i < p->n && k < sizeof buf - 1 && strchr("+-0123456789.eE", p->t[p->i])) buf[k++] = p->t[p->i++];
        buf[k] = 0;
        char *end;
        v->type = JSON_NUM;
        v->num = strtod(buf, &end);
        if (*end) return fail(p, "malformed number");
        return 0;
    }
    return fail(p, "expected a value (object, array, string, number, true, false or null)");
}

int json_parse(const char *text, size_t n, JsonValue *out, char *err, size_t errlen) {
    Parser p = { text, n, 0, err, errlen, 0 };
    memset(out, 0, sizeof *out);
    if (parse_value(&p, out, 0) == 0) {
        skip_ws(&p);
        if (p.i == p.n) return 0;
        fail(&p, "unexpected text after the value");
    }
    json_free(out);
    return -1;
}

int json_read_file(const char *path, JsonValue *out, char *err, size_t errlen) {
    size_t n;
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
