/* Reading GPT-2's vocab.json and merges.txt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "../io/json.h"
#include "gpt2_vocab.h"

static int read_merges(Tokenizer *t, const char *merges_txt, const char *vocab_json, char *err, size_t errlen) {
    FILE *f = fopen(merges_txt, "r");
    if (!f) { snprintf(err, errlen, "%s: cannot open", merges_txt); return -1; }
    char line[2 * TOK_MAX_TOKEN];
    int lineno = 0, rank = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if ((lineno == 1 && strncmp(line, "#version", 8) == 0) || !line[0]) continue;
        char *sp = strchr(line, ' ');
        if (!sp || strchr(sp + 1, ' ')) { snprintf(err, errlen, "%s:%d: expected two tokens 'LEFT RIGHT'", merges_txt, lineno); fclose(f); return -1; }
        *sp = 0;
        unsigned char ab[2 * TOK_MAX_TOKEN];
        int na = byte_level_decode(line, ab, TOK_MAX_TOKEN), nb = na < 0 ? -1 : byte_level_decode(sp + 1, ab + na, TOK_MAX_TOKEN);
        int l = na > 0 ? tok_find(t, ab, (size_t)na) : -1, r = nb > 0 ? tok_find(t, ab + na, (size_t)nb) : -1;
        int id = l >= 0 && r >= 0 ? tok_find(t, ab, (size_t)(na + nb)) : -1;
        if (id < 0) {
            snprintf(err, errlen, "%s:%d: '%s', '%s' or their merge '%s%s' is not in %s", merges_txt, lineno, line, sp + 1, line, sp + 1, vocab_json);
            fclose(f);
            return -1;
        }
        tok_add_merge(t, l, r, id, rank++);
    }
    fclose(f);
    return 0;
}

int tok_load_vocab_merges(Tokenizer *t, const char *vocab_json, const char *merges_txt, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    JsonValue j;
    if (json_read_file(vocab_json, &j, err, errlen)) return -1;
    int rc = -1, maxid = -1;
    if (j.type != JSON_OBJ || j.len == 0) { snprintf(err, errlen, "%s: expected an object of token: id", vocab_json); goto done; }
    for (size_t k = 0; k < j.len; k++) {
        double id = j.items[k].num;
        if (j.items[k].type != JSON_NUM || id < 0 || id > 1e7 || id != (int)id) {
            snprintf(err, errlen, "%s: token '%s': expected a non-negative integer id", vocab_json, j.keys[k]);
            goto done;
        }
        if ((int)id > maxid) maxid = (int)id;
    }
    if ((size_t)maxid + 1 != j.len) {   /* ids 0 .. N-1, each once */
        snprintf(err, errlen, "%s: %zu tokens but ids up to %d: the ids must be 0 .. %zu, each used once", vocab_json, j.len, maxid, j.len - 1);
        goto done;
    }
    tok_init(t, maxid + 1);
    int eot = -1;
    for (size_t k = 0; k < j.len; k++) {
        int id = (int)j.items[k].num, cap = (int)strlen(j.keys[k]);
        unsigned char *by = mallocCheck((size_t)cap + 1);
        int n = byte_level_decode(j.keys[k], by, cap);
        if (n < 0) n = cap, memcpy(by, j.keys[k], (size_t)cap);   /* not in the alphabet: its own text */
        int bad = n > TOK_MAX_TOKEN || tok_set(t, id, by, n);
        free(by);
        if (bad) { snprintf(err, errlen, "%s: id %d is given to two tokens (the second is '%s')", vocab_json, id, j.keys[k]); goto done; }
        if (strcmp(j.keys[k], "<|endoftext|>") == 0) eot = id;
    }
    if (eot >= 0) { tok_add_special(t, eot, 0); t->bos = t->eos = eot; }
    tok_index(t);
    for (int i = 0; i < 256; i++)
        if (t->byte_id[i] < 0) { snprintf(err, errlen, "%s: no token for the byte 0x%02x (not a byte-level BPE vocabulary?)", vocab_json, i); goto done; }
    if (read_merges(t, merges_txt, vocab_json, err, errlen) || pretok_add(&t->pre, PRETOK_GPT2, err, errlen)) goto done;
    rc = 0;
done:
    json_free(&j);
    if (rc && t->bytes) tok_free(t);
    return rc;
}

int bpe_load_gpt2(Bpe *b, const char *vocab_json, const char *merges_txt, char *err, size_t errlen) {
    memset(b, 0, sizeof *b);
    Tokenizer *t = mallocCheck(sizeof *t);
    if (tok_load_vocab_merges(t, vocab_json, merges_txt, err, errlen)) { free(t); return -1; }
    b->vocab = t->vocab;
    b->left = mallocCheck(sizeof(int) * (size_t)b->vocab);
    b->right = mallocCheck(sizeof(int) * (size_t)b->vocab);
    b->rank = mallocCheck(sizeof(int) * (size_t)b->vocab);
    b->len = mallocCheck(sizeof(int) * (size_t)b->vocab);
    b->bytes = mallocCheck(sizeof(unsigned char *) * (size_t)b->vocab);
    for (int i = 0; i < b->vocab; i++) {
        b->left[i] = b->right[i] = b->rank[i] = -1;
        b->len[i] = t->len[i];
        b->bytes[i] = mallocCheck((size_t)t->len[i] + 1);
        memcpy(b->bytes[i], t->bytes[i], (size_t)t->len[i]);
    }
    memcpy(b->byte_id, t->byte_id, sizeof b->byte_id);
    b->exact = t;
    return 0;
}
