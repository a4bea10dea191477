/* Byte-level BPE encoding and decoding (see tokenizer.h), the merge and token tables, and GPT-2's
   byte alphabet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "../check.h"
#include "tokenizer.h"

unsigned byte_level_char(int b) {
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) return (unsigned)b;
    int n = 0;   /* the others, in byte order, from U+0100 */
    for (int c = 0; c < b; c++) n += !((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF));
    return 256u + (unsigned)n;
}

int byte_level_decode(const char *s, unsigned char *out, int cap) {
    static int back[324];   /* code point (< 256 + 68) -> byte, + 1 (0: none) */
    if (!back['!']) for (int b = 0; b < 256; b++) back[byte_level_char(b)] = b + 1;
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int k = utf8_char_len(p, strlen((const char *)p));
        if (k == 0 || k > 2) return -1;   /* the alphabet is U+0021 .. U+0143 */
        unsigned u = k == 1 ? *p : (*p & 31u) << 6 | (p[1] & 63u);
        p += k;
        if (u >= 324 || !back[u] || n == cap) return -1;
        out[n++] = (unsigned char)(back[u] - 1);
    }
    return n;
}

static uint64_t hash_bytes(const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; }
    return h;
}

void tok_init(Tokenizer *t, int vocab) {
    memset(t, 0, sizeof *t);
    t->vocab = vocab;
    t->bytes = mallocCheck((size_t)vocab * sizeof(unsigned char *));
    t->len = mallocCheck(sizeof(int) * (size_t)vocab);
    for (int i = 0; i < vocab; i++) t->len[i] = -1;
    t->unk = t->bos = t->eos = -1;
    t->mcap = 1024;
    while (t->mcap < 4 * (size_t)vocab) t->mcap <<= 1;
    t->mkey = mallocCheck(sizeof(uint64_t) * t->mcap);
    t->mrank = mallocCheck(sizeof(int) * t->mcap);
    t->mid = mallocCheck(sizeof(int) * t->mcap);
    for (size_t h = 0; h < t->mcap; h++) t->mid[h] = -1;
    t->added = mallocCheck(sizeof(int) * (size_t)vocab);
    t->added_strip = mallocCheck((size_t)vocab);
}

int tok_set(Tokenizer *t, int id, const unsigned char *b, int n) {
    if (id < 0 || id >= t->vocab || t->len[id] >= 0 || n < 0 || n > TOK_MAX_TOKEN) return -1;
    t->bytes[id] = mallocCheck((size_t)n + 1);
    memcpy(t->bytes[id], b, (size_t)n);
    t->len[id] = n;
    return 0;
}

static int is_added(const Tokenizer *t, int id) {
    for (int k = 0; k < t->nadded; k++) if (t->added[k] == id) return 1;
    return 0;
}

void tok_index(Tokenizer *t) {
    free(t->wslot);
    t->wcap = 1024;
    while (t->wcap < 2 * (size_t)t->vocab) t->wcap <<= 1;
    t->wslot = mallocCheck(sizeof(int) * t->wcap);
    for (size_t h = 0; h < t->wcap; h++) t->wslot[h] = -1;
    for (int i = 0; i < 256; i++) t->byte_id[i] = -1;
    for (int id = 0; id < t->vocab; id++) {
        if (t->len[id] < 0 || is_added(t, id) || tok_find(t, t->bytes[id], (size_t)t->len[id]) >= 0) continue;
        size_t h = hash_bytes(t->bytes[id], (size_t)t->len[id]) & (t->wcap - 1);
        while (t->wslot[h] >= 0) h = (h + 1) & (t->wcap - 1);
        t->wslot[h] = id;
        if (t->len[id] == 1) t->byte_id[t->bytes[id][0]] = id;
    }
}

int tok_find(const Tokenizer *t, const unsigned char *b, size_t n) {
    for (size_t h = hash_bytes(b, n) & (t->wcap - 1); t->wslot[h] >= 0; h = (h + 1) & (t->wcap - 1)) {
        int id = t->wslot[h];
        if ((size_t)t->len[id] == n && memcmp(t->bytes[id], b, n) == 0) return id;
    }
    return -1;
}

static uint64_t pair_key(int l, int r) { return (uint64_t)(uint32_t)l << 32 | (uint32_t)r; }

static size_t pair_slot(const Tokenizer *t, uint64_t key) {
    size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (t->mcap - 1);
    while (t->mid[h] >= 0 && t->mkey[h] != key) h = (h + 1) & (t->mcap - 1);
    return h;
}

void tok_add_merge(Tokenizer *t, int l, int r, int id, int rank) {
    size_t h = pair_slot(t, pair_key(l, r));
    if (t->mid[h] >= 0) return;   /* the first (lowest-rank) merge of a pair stands */
    t->mkey[h] = pair_key(l, r);
    t->mrank[h] = rank;
    t->mid[h] = id;
}

void tok_add_special(Tokenizer *t, int id, int strip) {
    t->added[t->nadded] = id;
    t->added_strip[t->nadded++] = (unsigned char)strip;
    if (t->len[id] > 0) t->added_first[t->bytes[id][0]] = 1;
}

/* --- encoding --- */

/* the output and the memo of pieces already encoded (their bytes and ids kept in arenas) */
typedef struct {
    int *ids; size_t cap, n; int full;
    size_t mcap, mused;                   /* memo slots, used */
    size_t *mkey_at, *mkey_len, *mval_at; int *mval_n;
    unsigned char *keys; size_t keys_n, keys_cap;
    int *vals; size_t vals_n, vals_cap;
    int *sym; size_t sym_cap;             /* the piece being merged */
    Span *pieces; size_t pcap;
} Enc;

static void emit(Enc *e, int id) {
    if (e->n == e->cap) { e->full = 1; return; }
    e->ids[e->n++] = id;
}

/* the merges of one piece (n bytes), into e->sym; returns the token count */
static size_t merge_piece(const Tokenizer *t, Enc *e, const unsigned char *p, size_t n) {
    if (e->sym_cap < n) { e->sym_cap = 2 * n; e->sym = reallocCheck(e->sym, sizeof(int) * e->sym_cap); }
    int *s = e->sym;
    size_t m = 0;
    if (t->ignore_merges) {
        int id = tok_find(t, p, n);
        if (id >= 0) { s[0] = id; return 1; }
    }
    for (size_t i = 0; i < n; i++) {
        int id = t->byte_id[p[i]];
        if (id < 0) id = t->unk;                       /* no token for the byte: unk, or dropped */
        if (id >= 0 && !(id == t->unk && m && s[m - 1] == t->unk)) s[m++] = id;
    }
    for (;;) {   /* the pair of lowest rank, leftmost, merged everywhere it stands, until none */
        int best = -1, bid = -1, bl = -1, br = -1;
        for (size_t j = 0; j + 1 < m; j++) {
            size_t h = pair_slot(t, pair_key(s[j], s[j + 1]));
            if (t->mid[h] >= 0 && (best < 0 || t->mrank[h] < best)) { best = t->mrank[h]; bid = t->mid[h]; bl = s[j]; br = s[j + 1]; }
        }
        if (best < 0) return m;
        size_t w = 0;
        for (size_t j = 0; j < m; j++) {
            if (j + 1 < m && s[j] == bl && s[j + 1] == br) { s[w++] = bid; j++; }
            else s[w++] = s[j];
        }
        m = w;
    }
}

static void memo_grow(Enc *e) {
    size_t oc = e->mcap, *oka = e->mkey_at, *okl = e->mkey_len, *ova = e->mval_at;
    int *ovn = e->mval_n;
    e->mcap = oc ? 2 * oc : 1024;
    e->mkey_at = mallocCheck(sizeof(size_t) * e->mcap);
    e->mkey_len = mallocCheck(e->mcap * sizeof(size_t));   /* 0: an empty slot (pieces are never empty) */
    e->mval_at = mallocCheck(sizeof(size_t) * e->mcap);
    e->mval_n = mallocCheck(sizeof(int) * e->mcap);
    for (size_t k = 0; k < oc; k++) {
        if (!okl[k]) continue;
        size_t h = hash_bytes(e->keys + oka[k], okl[k]) & (e->mcap - 1);
        while (e->mkey_len[h]) h = (h + 1) & (e->mcap - 1);
        e->mkey_at[h] = oka[k]; e->mkey_len[h] = okl[k]; e->mval_at[h] = ova[k]; e->mval_n[h] = ovn[k];
    }
    free(oka); free(okl); free(ova); free(ovn);
}

static void encode_piece(const Tokenizer *t, Enc *e, const unsigned char *p, size_t n) {
    if (2 * (e->mused + 1) > e->mcap) memo_grow(e);
    size_t h = hash_bytes(p, n) & (e->mcap - 1);
    while (e->mkey_len[h] && (e->mkey_len[h] != n || memcmp(e->keys + e->mkey_at[h], p, n)))
        h = (h + 1) & (e->mcap - 1);
    if (!e->mkey_len[h]) {
        size_t m = merge_piece(t, e, p, n);
        while (e->keys_n + n > e->keys_cap) { e->keys_cap = e->keys_cap ? 2 * e->keys_cap : 65536; e->keys = reallocCheck(e->keys, e->keys_cap); }
        while (e->vals_n + m > e->vals_cap) { e->vals_cap = e->vals_cap ? 2 * e->vals_cap : 16384; e->vals = reallocCheck(e->vals, sizeof(int) * e->vals_cap); }
        memcpy(e->keys + e->keys_n, p, n);
        memcpy(e->vals + e->vals_n, e->sym, sizeof(int) * m);
        e->mkey_at[h] = e->keys_n; e->mkey_len[h] = n; e->mval_at[h] = e->vals_n; e->mval_n[h] = (int)m;
        e->keys_n += n; e->vals_n += m; e->mused++;
    }
    for (int k = 0; k < e->mval_n[h]; k++) emit(e, e->vals[e->mval_at[h] + (size_t)k]);
}

/* a stretch of text between added tokens: normalizer, prefix space, pre-tokenizer, BPE */
static void encode_segment(const Tokenizer *t, Enc *e, const unsigned char *text, size_t n) {
    if (n == 0) return;
    unsigned char *norm = NULL;
    if (t->nfc) {   /* NFC where the text is valid UTF-8 (utf8proc refuses it otherwise: left as it is) */
        utf8proc_uint8_t *dst;
        utf8proc_ssize_t r = utf8proc_map(text, (utf8proc_ssize_t)n, &dst, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        if (r >= 0) { norm = dst; text = dst; n = (size_t)r; }
    }
    unsigned char *spaced = NULL;
    if (t->prefix_space && text[0] != ' ') {
        spaced = mallocCheck(n + 1);
        spaced[0] = ' ';
        memcpy(spaced + 1, text, n);
        text = spaced; n++;
    }
    size_t np = pretok_split(&t->pre, text, n, &e->pieces, &e->pcap);
    for (size_t k = 0; k < np && !e->full; k++) encode_piece(t, e, text + e->pieces[k].at, e->pieces[k].len);
    free(norm);
    free(spaced);
}

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* the longest added token at text[i], or -1 */
static int added_at(const Tokenizer *t, const unsigned char *text, size_t i, size_t n) {
    int best = -1;
    for (int k = 0; k < t->nadded; k++) {
        int id = t->added[k], l = t->len[id];
        if (l > 0 && (size_t)l <= n - i && memcmp(text + i, t->bytes[id], (size_t)l) == 0 && (best < 0 || l > t->len[t->added[best]])) best = k;
    }
    return best;
}

long tok_encode(const Tokenizer *t, const unsigned char *text, size_t n, int add_special, int *ids, size_t cap) {
    Enc e;
    memset(&e, 0, sizeof e);
    e.ids = ids; e.cap = cap;
    if (add_special) for (int k = 0; k < t->nprefix; k++) emit(&e, t->prefix[k]);
    size_t seg = 0;
    for (size_t i = 0; i < n && !e.full;) {
        int k = t->added_first[text[i]] ? added_at(t, text, i, n) : -1;
        if (k < 0) { i++; continue; }
        size_t end = i;
        if (t->added_strip[k] & 1) while (end > seg && is_space(text[end - 1])) end--;
        encode_segment(t, &e, text + seg, end - seg);
        emit(&e, t->added[k]);
        i += (size_t)t->len[t->added[k]];
        if (t->added_strip[k] & 2) while (i < n && is_space(text[i])) i++;
        seg = i;
    }
    if (!e.full) encode_segment(t, &e, text + seg, n - seg);
    if (add_special) for (int k = 0; k < t->nsuffix; k++) emit(&e, t->suffix[k]);
    free(e.mkey_at); free(e.mkey_len); free(e.mval_at); free(e.mval_n);
    free(e.keys); free(e.vals); free(e.sym); free(e.pieces);
    return e.full ? -1 : (long)e.n;
}

long tok_decode(const Tokenizer *t, const int *ids, size_t nids, unsigned char *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < nids; i++) {
        int id = ids[i];
        if (id < 0 || id >= t->vocab || t->len[id] < 0 || n + (size_t)t->len[id] > cap) return -1;
        memcpy(out + n, t->bytes[id], (size_t)t->len[id]);
        n += (size_t)t->len[id];
    }
    return (long)n;
}

void tok_free(Tokenizer *t) {
    if (t->bytes) for (int i = 0; i < t->vocab; i++) free(t->bytes[i]);
    free(t->bytes); free(t->len); free(t->mkey); free(t->mrank); free(t->mid); free(t->wslot);
    free(t->added); free(t->added_strip);
    pretok_free(&t->pre);
    memset(t, 0, sizeof *t);
}
