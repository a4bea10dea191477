/* Reading GPT-2's vocab.json and merges.txt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "../io/json.h"
#include "gpt2_vocab.h"

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other 68 bytes
   for the code points 256, 257, ... in byte order */
static void byte_alphabet(unsigned cp[256]) {
    int n = 0;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        cp[b] = printable ? (unsigned)b : 256u + (unsigned)n++;
    }
}

/* the bytes of a token string (UTF-8 over the alphabet); -1 if a code point is not in it */
static int token_bytes(const char *s, const unsigned cp[256], unsigned char *out, int cap) {
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned u;
        int k = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        u = k == 1 ? *p : k == 2 ? *p & 31u : k == 3 ? *p & 15u : *p & 7u;
        for (int i = 1; i < k; i++) { if ((p[i] & 0xC0) != 0x80) return -1; u = u << 6 | (p[i] & 63u); }
        p += k;
        int b = 0;
        while (b < 256 && cp[b] != u) b++;
        if (b == 256 || n == cap) return -1;
        out[n++] = (unsigned char)b;
    }
    return n;
}

/* vocab.json's keys by string: open addressing over indices into j */
typedef struct { size_t cap; int *slot; const JsonValue *j; } Lookup;

static size_t str_hash(const char *s) {
    size_t h = 1469598103934665603ull;
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 1099511628211ull; }
    return h;
}

static void lookup_build(Lookup *L, const JsonValue *j) {
    L->j = j;
    L->cap = 1024;
    while (L->cap < 2 * j->len) L->cap <<= 1;
    L->slot = mallocCheck(sizeof(int) * L->cap);
    for (size_t h = 0; h < L->cap; h++) L->slot[h] = -1;
    for (size_t k = 0; k < j->len; k++) {
        size_t h = str_hash(j->keys[k]) & (L->cap - 1);
        while (L->slot[h] >= 0) h = (h + 1) & (L->cap - 1);
        L->slot[h] = (int)k;
    }
}

/* the id of a token string, or -1 */
static int lookup(const Lookup *L, const char *s) {
    for (size_t h = str_hash(s) & (L->cap - 1); L->slot[h] >= 0; h = (h + 1) & (L->cap - 1))
        if (strcmp(L->j->keys[L->slot[h]], s) == 0) return (int)L->j->items[L->slot[h]].num;
    return -1;
}

int bpe_load_gpt2(Bpe *b, const char *vocab_json, const char *merges_txt, char *err, size_t errlen) {
    memset(b, 0, sizeof *b);
    JsonValue j;
    if (json_read_file(vocab_json, &j, err, errlen)) return -1;
    int rc = -1, maxid = -1;
    Lookup L = { 0, NULL, NULL };
    unsigned cp[256];
    byte_alphabet(cp);
    if (j.type != JSON_OBJ || j.len == 0) { snprintf(err, errlen, "%s: expected an object of token: id", vocab_json); goto done; }
    for (size_t k = 0; k < j.len; k++) {
        double id = j.items[k].num;
        if (j.items[k].type != JSON_NUM || id < 0 || id > 1e7 || id != (int)id) {
            snprintf(err, errlen, "%s: token '%s': expected a non-negative integer id", vocab_json, j.keys[k]);
            goto done;
        }
        if ((int)id > maxid) maxid = (int)id;
    }
    b->vocab = maxid + 1;
    b->left = mallocCheck(sizeof(int) * (size_t)b->vocab);
    b->right = mallocCheck(sizeof(int) * (size_t)b->vocab);
    b->rank = mallocCheck(sizeof(int) * (size_t)b->vocab);
    b->len = mallocCheck(sizeof(int) * (size_t)b->vocab);
    b->bytes = mallocCheck(sizeof(unsigned char *) * (size_t)b->vocab);
    b->gpt2_split = 1;
    for (int i = 0; i < b->vocab; i++) b->left[i] = b->right[i] = b->rank[i] = -1;
    for (int i = 0; i < 256; i++) b->byte_id[i] = -1;
    if ((size_t)b->vocab != j.len) {   /* ids 0 .. N-1, each once */
        snprintf(err, errlen, "%s: %zu tokens but ids up to %d: the ids must be 0 .. %zu, each used once", vocab_json, j.len,
                 maxid, j.len - 1);
        goto done;
    }
    for (size_t k = 0; k < j.len; k++) {
        int id = (int)j.items[k].num, cap = (int)strlen(j.keys[k]);
        if (b->bytes[id]) { snprintf(err, errlen, "%s: id %d is given to two tokens (the second is '%s')", vocab_json, id, j.keys[k]); goto done; }
        unsigned char *by = mallocCheck((size_t)cap + 1);
        int n = token_bytes(j.keys[k], cp, by, cap);
        if (n < 0) n = cap, memcpy(by, j.keys[k], (size_t)cap);   /* a special token such as <|endoftext|>: its own text */
        b->bytes[id] = by;
        b->len[id] = n;
        if (n == 1 && b->byte_id[by[0]] < 0) b->byte_id[by[0]] = id;
    }
    for (int i = 0; i < 256; i++)
        if (b->byte_id[i] < 0) { snprintf(err, errlen, "%s: no token for the byte 0x%02x (not a byte-level BPE vocabulary?)", vocab_json, i); goto done; }
    lookup_build(&L, &j);
    FILE *f = fopen(merges_txt, "r");
    if (!f) { snprintf(err, errlen, "%s: cannot open", merges_txt); goto done; }
    char line[1024];
    int lineno = 0, rank = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if ((lineno == 1 && strncmp(line, "#version", 8) == 0) || !line[0]) continue;
        char *sp = strchr(line, ' '), joined[1024];
        if (!sp || strchr(sp + 1, ' ')) { snprintf(err, errlen, "%s:%d: expected two tokens 'LEFT RIGHT'", merges_txt, lineno); fclose(f); goto done; }
        *sp = 0;
        snprintf(joined, sizeof joined, "%s%s", line, sp + 1);
        int l = lookup(&L, line), r = lookup(&L, sp + 1), id = lookup(&L, joined);
        if (l < 0 || r < 0 || id < 0) {
            snprintf(err, errlen, "%s:%d: '%s', '%s' or their merge '%s' is not in %s", merges_txt, lineno, line, sp + 1, joined, vocab_json);
            fclose(f);
            goto done;
        }
        if (b->rank[id] < 0) { b->left[id] = l; b->right[id] = r; b->rank[id] = rank; }
        rank++;
    }
    fclose(f);
    bpe_index(b);
    rc = 0;
done:
    free(L.slot);
    json_free(&j);
    if (rc) {
        if (b->bytes) bpe_free(b);
        else memset(b, 0, sizeof *b);
    }
    return rc;
}
