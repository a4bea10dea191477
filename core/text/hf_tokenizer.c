/* Reading tokenizer.json: the BPE model's vocab and merges, added tokens, normalizer,
   pre-tokenizer and post-processor; then bos / eos from tokenizer_config.json. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "../io/json.h"
#include "hf_tokenizer.h"

typedef struct { const char *path; char *err; size_t errlen; } Ctx;

static int fail(const Ctx *c, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s: %s", c->path, msg);
    return -1;
}

static const char *str_of(const JsonValue *v) { return v && v->type == JSON_STR ? v->str : NULL; }
static int is_true(const JsonValue *v) { return v && v->type == JSON_BOOL && v->num; }
static int type_is(const JsonValue *v, const char *type) { const char *s = str_of(json_get(v, "type")); return s && strcmp(s, type) == 0; }

static int id_of(const JsonValue *v, int *id) {
    if (!v || v->type != JSON_NUM || v->num < 0 || v->num >= (1 << 24) || v->num != (int)v->num) return -1;
    *id = (int)v->num;
    return 0;
}

/* a literal string as a PCRE2 pattern: every non-alphanumeric ASCII byte escaped */
static char *quote_literal(const char *s) {
    char *q = mallocCheck(2 * strlen(s) + 1), *o = q;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) *o++ = '\\';
        *o++ = *s;
    }
    *o = 0;
    return q;
}

static int load_normalizer(Tokenizer *t, const JsonValue *n, const Ctx *c) {
    if (!n || n->type == JSON_NULL) return 0;
    if (type_is(n, "NFC")) { t->nfc = 1; return 0; }
    if (type_is(n, "Sequence")) {
        const JsonValue *l = json_get(n, "normalizers");
        if (!l || l->type != JSON_ARR) return fail(c, "normalizer Sequence: expected a list 'normalizers'");
        for (size_t k = 0; k < l->len; k++) if (load_normalizer(t, &l->items[k], c)) return -1;
        return 0;
    }
    return fail(c, "normalizer '%s' is not supported (expected null, NFC or a Sequence of them)", str_of(json_get(n, "type")) ? str_of(json_get(n, "type")) : "?");
}

/* *byte_level: set when a ByteLevel step is seen */
static int load_pretok(Tokenizer *t, const JsonValue *p, int *byte_level, const Ctx *c) {
    char e[512];
    if (!p || p->type == JSON_NULL) return 0;
    if (type_is(p, "Sequence")) {
        const JsonValue *l = json_get(p, "pretokenizers");
        if (!l || l->type != JSON_ARR) return fail(c, "pre_tokenizer Sequence: expected a list 'pretokenizers'");
        for (size_t k = 0; k < l->len; k++) if (load_pretok(t, &l->items[k], byte_level, c)) return -1;
        return 0;
    }
    if (type_is(p, "ByteLevel")) {
        *byte_level = 1;
        if (is_true(json_get(p, "add_prefix_space"))) {
            if (t->pre.nsteps > 0) return fail(c, "pre_tokenizer ByteLevel with add_prefix_space after another split is not supported");
            t->prefix_space = 1;
        }
        const JsonValue *r = json_get(p, "use_regex");
        if ((!r || is_true(r)) && pretok_add(&t->pre, PRETOK_GPT2, e, sizeof e)) return fail(c, "%s", e);
        return 0;
    }
    if (type_is(p, "Digits")) {
        if (pretok_add(&t->pre, is_true(json_get(p, "individual_digits")) ? "\\p{N}" : "\\p{N}+", e, sizeof e)) return fail(c, "%s", e);
        return 0;
    }
    if (type_is(p, "Split")) {
        const JsonValue *pat = json_get(p, "pattern");
        const char *behavior = str_of(json_get(p, "behavior")), *re = str_of(json_get(pat, "Regex")), *lit = str_of(json_get(pat, "String"));
        if (!behavior || strcmp(behavior, "Isolated") != 0 || is_true(json_get(p, "invert")))
            return fail(c, "pre_tokenizer Split: behavior '%s'%s is not supported (expected Isolated, invert false)", behavior ? behavior : "?",
                        is_true(json_get(p, "invert")) ? " with invert" : "");
        if (!re && !lit) return fail(c, "pre_tokenizer Split: expected a pattern {\"Regex\": ...} or {\"String\": ...}");
        char *q = lit ? quote_literal(lit) : NULL;
        int rc = pretok_add(&t->pre, re ? re : q, e, sizeof e);
        free(q);
        return rc ? fail(c, "%s", e) : 0;
    }
    return fail(c, "pre_tokenizer '%s' is not supported (expected Split, Digits, ByteLevel or a Sequence of them)",
                str_of(json_get(p, "type")) ? str_of(json_get(p, "type")) : "?");
}

static int load_post(Tokenizer *t, const JsonValue *p, const Ctx *c) {
    if (!p || p->type == JSON_NULL || type_is(p, "ByteLevel")) return 0;
    if (type_is(p, "Sequence")) {
        const JsonValue *l = json_get(p, "processors");
        if (!l || l->type != JSON_ARR) return fail(c, "post_processor Sequence: expected a list 'processors'");
        for (size_t k = 0; k < l->len; k++) if (load_post(t, &l->items[k], c)) return -1;
        return 0;
    }
    if (!type_is(p, "TemplateProcessing"))
        return fail(c, "post_processor '%s' is not supported (expected ByteLevel, TemplateProcessing or a Sequence of them)",
                    str_of(json_get(p, "type")) ? str_of(json_get(p, "type")) : "?");
    const JsonValue *single = json_get(p, "single"), *special = json_get(p, "special_tokens");
    if (!single || single->type != JSON_ARR) return fail(c, "post_processor TemplateProcessing: expected a list 'single'");
    int after = 0;
    for (size_t k = 0; k < single->len; k++) {
        const JsonValue *it = &single->items[k], *sp = json_get(it, "SpecialToken");
        if (json_get(it, "Sequence")) { after = 1; continue; }
        const char *name = str_of(json_get(sp, "id"));
        const JsonValue *ids = json_get(json_get(special, name ? name : ""), "ids");
        if (!name || !ids || ids->type != JSON_ARR)
            return fail(c, "post_processor: template item %zu: expected a Sequence or a SpecialToken named in special_tokens with its ids", k);
        for (size_t i = 0; i < ids->len; i++) {
            int id, *n = after ? &t->nsuffix : &t->nprefix;
            if (id_of(&ids->items[i], &id) || id >= t->vocab || t->len[id] < 0 || *n == TOK_MAX_TEMPLATE)
                return fail(c, "post_processor: special token '%s': expected ids of tokens (at most %d around the text)", name, TOK_MAX_TEMPLATE);
            (after ? t->suffix : t->prefix)[(*n)++] = id;
        }
    }
    return 0;
}

/* the id of a token given by its text (added tokens first), or -1 */
static int id_by_text(const Tokenizer *t, const char *s) {
    size_t n = strlen(s);
    for (int k = 0; k < t->nadded; k++) {
        int id = t->added[k];
        if ((size_t)t->len[id] == n && memcmp(t->bytes[id], s, n) == 0) return id;
    }
    unsigned char b[TOK_MAX_TOKEN];
    int m = byte_level_decode(s, b, TOK_MAX_TOKEN);
    return m > 0 ? tok_find(t, b, (size_t)m) : -1;
}

/* bos_token / eos_token of tokenizer_config.json in the same folder, when it is there */
static int load_config(Tokenizer *t, const char *tokenizer_json, char *err, size_t errlen) {
    char path[4096];
    const char *slash = strrchr(tokenizer_json, '/');
    snprintf(path, sizeof path, "%.*stokenizer_config.json", slash ? (int)(slash - tokenizer_json + 1) : 0, tokenizer_json);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    fclose(f);
    JsonValue j;
    if (json_read_file(path, &j, err, errlen)) return -1;
    Ctx c = { path, err, errlen };
    static const char *keys[2] = { "bos_token", "eos_token" };
    int rc = 0;
    for (int k = 0; k < 2 && !rc; k++) {
        const JsonValue *v = json_get(&j, keys[k]);
        if (!v || v->type == JSON_NULL) continue;
        const char *s = str_of(v) ? str_of(v) : str_of(json_get(v, "content"));
        int id = s ? id_by_text(t, s) : -1;
        if (id < 0) rc = fail(&c, "%s: expected the text of a token of the tokenizer, got '%s'", keys[k], s ? s : "(not a string)");
        else *(k ? &t->eos : &t->bos) = id;
    }
    json_free(&j);
    return rc;
}

static int load_merges(Tokenizer *t, const JsonValue *merges, const Ctx *c) {
    for (size_t r = 0; r < merges->len; r++) {
        const JsonValue *m = &merges->items[r];
        char a[TOK_MAX_TOKEN], b[TOK_MAX_TOKEN];
        if (m->type == JSON_STR) {
            const char *sp = strchr(m->str, ' ');
            if (!sp || strchr(sp + 1, ' ') || (size_t)(sp - m->str) >= sizeof a || strlen(sp + 1) >= sizeof b)
                return fail(c, "model.merges[%zu] '%s': expected two tokens 'LEFT RIGHT'", r, m->str);
            snprintf(a, sizeof a, "%.*s", (int)(sp - m->str), m->str);
            snprintf(b, sizeof b, "%s", sp + 1);
        } else if (m->type == JSON_ARR && m->len == 2 && str_of(&m->items[0]) && str_of(&m->items[1])) {
            snprintf(a, sizeof a, "%s", m->items[0].str);
            snprintf(b, sizeof b, "%s", m->items[1].str);
        } else return fail(c, "model.merges[%zu]: expected a string 'LEFT RIGHT' or a pair [LEFT, RIGHT]", r);
        unsigned char ab[2 * TOK_MAX_TOKEN];
        int na = byte_level_decode(a, ab, TOK_MAX_TOKEN), nb = na < 0 ? -1 : byte_level_decode(b, ab + na, TOK_MAX_TOKEN);
        int l = na > 0 ? tok_find(t, ab, (size_t)na) : -1, rr = nb > 0 ? tok_find(t, ab + na, (size_t)nb) : -1;
        int id = l >= 0 && rr >= 0 ? tok_find(t, ab, (size_t)(na + nb)) : -1;
        if (id < 0) return fail(c, "model.merges[%zu]: '%s', '%s' or their merge is not a token of model.vocab", r, a, b);
        tok_add_merge(t, l, rr, id, (int)r);
    }
    return 0;
}

int tok_load_hf(Tokenizer *t, const char *path, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    JsonValue j;
    if (json_read_file(path, &j, err, errlen)) return -1;
    Ctx c = { path, err, errlen };
    int rc = -1, byte_level = 0, maxid = -1, id = 0;
    const JsonValue *model = json_get(&j, "model"), *vocab = json_get(model, "vocab"), *merges = json_get(model, "merges"),
                    *added = json_get(&j, "added_tokens");
    if (!model || (json_get(model, "type") && !type_is(model, "BPE"))) {
        fail(&c, "model: expected a BPE model, got '%s'", str_of(json_get(model, "type")) ? str_of(json_get(model, "type")) : "none");
        goto done;
    }
    if (!vocab || vocab->type != JSON_OBJ || !merges || merges->type != JSON_ARR) { fail(&c, "model: expected 'vocab' {token: id} and a list 'merges'"); goto done; }
    if (added && added->type != JSON_ARR) { fail(&c, "added_tokens: expected a list"); goto done; }
    const JsonValue *drop = json_get(model, "dropout"), *pre = json_get(model, "continuing_subword_prefix"), *suf = json_get(model, "end_of_word_suffix");
    if ((drop && drop->type == JSON_NUM && drop->num != 0) || (str_of(pre) && *pre->str) || (str_of(suf) && *suf->str)) {
        fail(&c, "model: dropout, continuing_subword_prefix and end_of_word_suffix are not supported (expected null or empty)");
        goto done;
    }
    for (size_t k = 0; k < vocab->len; k++) {
        if (id_of(&vocab->items[k], &id)) { fail(&c, "model.vocab: token '%s': expected an id in [0, 2^24)", vocab->keys[k]); goto done; }
        if (id > maxid) maxid = id;
    }
    for (size_t k = 0; added && k < added->len; k++) {
        if (id_of(json_get(&added->items[k], "id"), &id) || !str_of(json_get(&added->items[k], "content"))) {
            fail(&c, "added_tokens[%zu]: expected an id in [0, 2^24) and a string 'content'", k);
            goto done;
        }
        if (id > maxid) maxid = id;
    }
    tok_init(t, maxid + 1);
    for (size_t k = 0; k < vocab->len; k++) {
        unsigned char b[TOK_MAX_TOKEN];
        int n = byte_level_decode(vocab->keys[k], b, TOK_MAX_TOKEN);
        id_of(&vocab->items[k], &id);
        if (n <= 0) { fail(&c, "model.vocab: token '%s' is not spelt in GPT-2's byte alphabet (expected a byte-level BPE)", vocab->keys[k]); goto done; }
        if (tok_set(t, id, b, n)) { fail(&c, "model.vocab: id %d is given to two tokens (the second is '%s')", id, vocab->keys[k]); goto done; }
    }
    for (size_t k = 0; added && k < added->len; k++) {
        const JsonValue *a = &added->items[k];
        const char *s = str_of(json_get(a, "content"));
        id_of(json_get(a, "id"), &id);
        if (is_true(json_get(a, "single_word"))) { fail(&c, "added_tokens[%zu] '%s': single_word is not supported", k, s); goto done; }
        if (t->len[id] >= 0 && ((size_t)t->len[id] != strlen(s) || memcmp(t->bytes[id], s, strlen(s)))) {
            fail(&c, "added_tokens[%zu] '%s': id %d is a different token of model.vocab", k, s, id);
            goto done;
        }
        if (!*s) { fail(&c, "added_tokens[%zu]: expected a non-empty 'content'", k); goto done; }
        if (t->len[id] < 0 && tok_set(t, id, (const unsigned char *)s, (int)strlen(s))) { fail(&c, "added_tokens[%zu]: content longer than %d bytes", k, TOK_MAX_TOKEN); goto done; }
        tok_add_special(t, id, is_true(json_get(a, "lstrip")) | is_true(json_get(a, "rstrip")) << 1);
    }
    tok_index(t);
    t->ignore_merges = is_true(json_get(model, "ignore_merges"));
    const char *unk = str_of(json_get(model, "unk_token"));
    if (unk && (t->unk = id_by_text(t, unk)) < 0) { fail(&c, "model.unk_token '%s': expected a token of the vocabulary", unk); goto done; }
    if (load_merges(t, merges, &c) || load_normalizer(t, json_get(&j, "normalizer"), &c) ||
        load_pretok(t, json_get(&j, "pre_tokenizer"), &byte_level, &c) || load_post(t, json_get(&j, "post_processor"), &c))
        goto done;
    if (!byte_level) { fail(&c, "pre_tokenizer: expected a ByteLevel step (only byte-level BPE is read here)"); goto done; }
    for (int b = 0; b < 256; b++)
        if (t->byte_id[b] < 0) { fail(&c, "model.vocab: no token for the byte 0x%02x (expected all 256 in a byte-level BPE)", b); goto done; }
    if (t->nprefix) t->bos = t->prefix[0];
    if (load_config(t, path, err, errlen)) goto done;
    rc = 0;
done:
    json_free(&j);
    if (rc && t->bytes) tok_free(t);
    return rc;
}
