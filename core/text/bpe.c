/* Byte-level BPE: training by repeated most-frequent-pair merges over weighted unique chunks,
   encoding by lowest-rank-first merges per chunk, decoding, and the merges file. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bpe.h"
#include "tokenizer.h"

/* a chunk: a run of whitespace followed by a run of non-whitespace (or the tail) */
static size_t chunk_end(const unsigned char *t, size_t i, size_t n) {
    while (i < n && isspace(t[i])) i++;
    while (i < n && !isspace(t[i])) i++;
    return i;
}

static void set_token(Bpe *b, int id, int l, int r) {
    b->left[id] = l;
    b->right[id] = r;
    b->len[id] = b->len[l] + b->len[r];
    b->bytes[id] = malloc((size_t)b->len[id]);
    memcpy(b->bytes[id], b->bytes[l], (size_t)b->len[l]);
    memcpy(b->bytes[id] + b->len[l], b->bytes[r], (size_t)b->len[r]);
}

static void bpe_alloc(Bpe *b, int vocab) {
    memset(b, 0, sizeof *b);
    b->vocab = vocab;
    b->left = calloc((size_t)vocab, sizeof(int));
    b->right = calloc((size_t)vocab, sizeof(int));
    b->len = calloc((size_t)vocab, sizeof(int));
    b->bytes = calloc((size_t)vocab, sizeof(unsigned char *));
    b->rank = malloc(sizeof(int) * (size_t)vocab);
    for (int i = 0; i < vocab; i++) b->rank[i] = i < 256 ? -1 : i - 256;
    for (int i = 0; i < 256; i++) {
        b->byte_id[i] = i;
        b->left[i] = b->right[i] = -1;
        b->len[i] = 1;
        b->bytes[i] = malloc(1);
        b->bytes[i][0] = (unsigned char)i;
    }
}

/* --- unique chunks with counts: open addressing on the chunk's bytes --- */
typedef struct { const unsigned char *p; size_t len; long count; } Chunk;

static uint64_t hash_bytes(const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; }
    return h;
}

int bpe_train(Bpe *b, const unsigned char *text, size_t n, int vocab, char *err, size_t errlen) {
    if (vocab < 256) { snprintf(err, errlen, "bpe: vocabulary size %d must be >= 256", vocab); return -1; }
    bpe_alloc(b, vocab);
    size_t cap = 1 << 16, nchunks = 0;
    while (cap < n / 2 + 16) cap <<= 1;
    Chunk *table = calloc(cap, sizeof(Chunk));
    for (size_t i = 0; i < n;) {
        size_t e = chunk_end(text, i, n);
        uint64_t h = hash_bytes(text + i, e - i) & (cap - 1);
        while (table[h].p && !(table[h].len == e - i && memcmp(table[h].p, text + i, e - i) == 0)) h = (h + 1) & (cap - 1);
        if (!table[h].p) { table[h].p = text + i; table[h].len = e - i; nchunks++; }
        table[h].count++;
        i = e;
    }
    /* each unique chunk as a token sequence (bytes at first) with its count */
    int **seq = malloc(sizeof(int *) * (nchunks + 1));
    int *slen = malloc(sizeof(int) * (nchunks + 1));
    long *cnt = malloc(sizeof(long) * (nchunks + 1));
    size_t k = 0;
    for (size_t h = 0; h < cap; h++) {
        if (!table[h].p) continue;
        seq[k] = malloc(sizeof(int) * table[h].len);
        for (size_t j = 0; j < table[h].len; j++) seq[k][j] = table[h].p[j];
        slen[k] = (int)table[h].len;
        cnt[k++] = table[h].count;
    }
    free(table);
    long *pairs = calloc((size_t)vocab * vocab, sizeof(long));   /* counts of (left, right) */
    int merges = 0;
    for (int id = 256; id < vocab; id++) {
        memset(pairs, 0, sizeof(long) * (size_t)id * vocab);
        for (size_t c = 0; c < nchunks; c++)
            for (int j = 0; j + 1 < slen[c]; j++) pairs[(size_t)seq[c][j] * vocab + seq[c][j + 1]] += cnt[c];
        long best = 0;
        size_t bi = 0;
        for (size_t p = 0; p < (size_t)id * vocab; p++)
            if (pairs[p] > best) { best = pairs[p]; bi = p; }
        if (best < 2) break;   /* nothing left worth merging */
        int l = (int)(bi / vocab), r = (int)(bi % vocab);
        set_token(b, id, l, r);
        merges++;
        for (size_t c = 0; c < nchunks; c++) {   /* replace (l, r) by id, left to right */
            int w = 0;
            for (int j = 0; j < slen[c]; j++) {
                if (j + 1 < slen[c] && seq[c][j] == l && seq[c][j + 1] == r) { seq[c][w++] = id; j++; }
                else seq[c][w++] = seq[c][j];
            }
            slen[c] = w;
        }
    }
    b->vocab = 256 + merges;
    bpe_index(b);
    for (size_t c = 0; c < nchunks; c++) free(seq[c]);
    free(seq); free(slen); free(cnt); free(pairs);
    return 0;
}

/* --- the pair index --- */
static uint64_t pair_key(int l, int r) { return (uint64_t)(uint32_t)l << 32 | (uint32_t)r; }

static size_t pair_slot(const Bpe *b, uint64_t key) {
    size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (b->pcap - 1);
    while (b->pval[h] >= 0 && b->pkey[h] != key) h = (h + 1) & (b->pcap - 1);
    return h;
}

void bpe_index(Bpe *b) {
    free(b->pkey); free(b->pval);
    b->pcap = 1024;
    while (b->pcap < 2 * (size_t)b->vocab) b->pcap <<= 1;
    b->pkey = calloc(b->pcap, sizeof(uint64_t));
    b->pval = malloc(sizeof(int) * b->pcap);
    for (size_t h = 0; h < b->pcap; h++) b->pval[h] = -1;
    for (int id = 0; id < b->vocab; id++) {
        if (b->rank[id] < 0) continue;
        size_t h = pair_slot(b, pair_key(b->left[id], b->right[id]));
        if (b->pval[h] < 0 || b->rank[id] < b->rank[b->pval[h]]) { b->pkey[h] = pair_key(b->left[id], b->right[id]); b->pval[h] = id; }
    }
}

static int merged(const Bpe *b, int l, int r) { return b->pval[pair_slot(b, pair_key(l, r))]; }

/* one chunk (len bytes ids in buf) merged in place, lowest rank first; returns its token count */
static int encode_chunk(const Bpe *b, int *buf, int len) {
    for (;;) {   /* merge every occurrence of the pair with the lowest rank until none applies */
        int best = -1;
        for (int j = 0; j + 1 < len; j++) {
            int id = merged(b, buf[j], buf[j + 1]);
            if (id >= 0 && (best < 0 || b->rank[id] < b->rank[best])) best = id;
        }
        if (best < 0) break;
        int w = 0;
        for (int j = 0; j < len; j++) {
            if (j + 1 < len && buf[j] == b->left[best] && buf[j + 1] == b->right[best]) { buf[w++] = best; j++; }
            else buf[w++] = buf[j];
        }
        len = w;
    }
    return len;
}

/* Encoding memo: a text repeats its chunks (words), so each distinct chunk is merged once; the
   table maps a chunk's bytes (a span of the text) to its tokens (a span of the output). */
typedef struct { size_t at, len, tok_at; int ntok; } Seen;

long bpe_encode(const Bpe *b, const unsigned char *text, size_t n, int *tokens, size_t cap) {
    if (b->exact) return tok_encode(b->exact, text, n, 0, tokens, cap);   /* GPT-2's own files: the exact tokenizer */
    size_t out = 0, cap_seen = 1024, nseen = 0;
    int *buf = malloc(sizeof(int) * (n + 1));
    Seen *seen = calloc(cap_seen, sizeof(Seen));   /* len 0 = empty slot */
    for (size_t i = 0; i < n;) {
        size_t e = chunk_end(text, i, n), slot = hash_bytes(text + i, e - i) & (cap_seen - 1);
        while (seen[slot].len && (seen[slot].len != e - i || memcmp(text + seen[slot].at, text + i, e - i)))
            slot = (slot + 1) & (cap_seen - 1);
        const int *src;
        int len;
        if (seen[slot].len) {
            src = tokens + seen[slot].tok_at;
            len = seen[slot].ntok;
        } else {
            len = 0;
            for (size_t j = i; j < e; j++) buf[len++] = b->byte_id[text[j]];
            len = encode_chunk(b, buf, len);
            src = buf;
        }
        if (out + (size_t)len > cap) { free(buf); free(seen); return -1; }
        memmove(tokens + out, src, sizeof(int) * (size_t)len);
        if (!seen[slot].len) {
            seen[slot] = (Seen){ i, e - i, out, len };
            if (2 * ++nseen > cap_seen) {   /* keep the table at most half full */
                Seen *old = seen;
                size_t old_cap = cap_seen;
                cap_seen *= 2;
                seen = calloc(cap_seen, sizeof(Seen));
                for (size_t k = 0; k < old_cap; k++) {
                    if (!old[k].len) continue;
                    size_t s = hash_bytes(text + old[k].at, old[k].len) & (cap_seen - 1);
                    while (seen[s].len) s = (s + 1) & (cap_seen - 1);
                    seen[s] = old[k];
                }
                free(old);
            }
        }
        out += (size_t)len;
        i = e;
    }
    free(buf);
    free(seen);
    return (long)out;
}

long bpe_decode(const Bpe *b, const int *tokens, size_t ntok, unsigned char *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < ntok; i++) {
        int t = tokens[i];
        if (t < 0 || t >= b->vocab || n + (size_t)b->len[t] > cap) return -1;
        memcpy(out + n, b->bytes[t], (size_t)b->len[t]);
        n += (size_t)b->len[t];
    }
    return (long)n;
}

int bpe_save(const Bpe *b, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "w");
    if (!f) { snprintf(err, errlen, "%s: cannot write the tokenizer", path); return -1; }
    fprintf(f, "loft-bpe 1 %d\n", b->vocab);
    for (int id = 256; id < b->vocab; id++) fprintf(f, "%d %d\n", b->left[id], b->right[id]);
    int bad = ferror(f);
    fclose(f);
    if (bad) { snprintf(err, errlen, "%s: write failed", path); return -1; }
    return 0;
}

int bpe_load(Bpe *b, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) { snprintf(err, errlen, "%s: cannot open the tokenizer", path); return -1; }
    int vocab;
    if (fscanf(f, "loft-bpe 1 %d", &vocab) != 1 || vocab < 256 || vocab > (1 << 20)) {
        snprintf(err, errlen, "%s:1: expected 'loft-bpe 1 VOCAB' with VOCAB >= 256", path);
        fclose(f);
        return -1;
    }
    bpe_alloc(b, vocab);
    for (int id = 256; id < vocab; id++) {
        int l, r;
        if (fscanf(f, "%d %d", &l, &r) != 2 || l < 0 || r < 0 || l >= id || r >= id || b->len[l] + b->len[r] > BPE_MAX_TOKEN) {
            snprintf(err, errlen, "%s:%d: expected two earlier token ids 'LEFT RIGHT' for token %d, together at most %d bytes",
                     path, id - 254, id, BPE_MAX_TOKEN);
            fclose(f);
            b->vocab = id;
            bpe_free(b);
            return -1;
        }
        set_token(b, id, l, r);
    }
    fclose(f);
    bpe_index(b);
    return 0;
}

void bpe_free(Bpe *b) {
    for (int i = 0; i < b->vocab; i++) free(b->bytes[i]);
    free(b->bytes); free(b->left); free(b->right); free(b->len); free(b->rank); free(b->pkey); free(b->pval);
    if (b->exact) { tok_free(b->exact); free(b->exact); }
    memset(b, 0, sizeof(*b));
}
