/* The fuzz suite's mutator: writes a mutated copy of a seed file. Deterministic for a given seed
   number, so every crash is reproducible (the driver keeps the file). Mutations: flip bits,
   overwrite, insert or delete bytes, duplicate or cut a chunk, truncate, replace a number by an
   extreme one (0, -1, 1e308, 2^31, nan, a long run of digits), double a line.
   Usage: mutate SEED_FILE OUT_FILE SEED [MUTATIONS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;
static uint64_t next(void) {   /* splitmix64 */
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static size_t below(size_t n) { return n ? (size_t)(next() % n) : 0; }

typedef struct { unsigned char *p; size_t n, cap; } Buf;

static void reserve(Buf *b, size_t n) {
    if (n <= b->cap) return;
    b->cap = n * 2 + 64;
    b->p = realloc(b->p, b->cap);
    if (!b->p) { perror("mutate"); exit(2); }
}

static void insert(Buf *b, size_t at, const unsigned char *src, size_t k) {
    reserve(b, b->n + k);
    memmove(b->p + at + k, b->p + at, b->n - at);
    memcpy(b->p + at, src, k);
    b->n += k;
}

static void erase(Buf *b, size_t at, size_t k) {
    if (at + k > b->n) k = b->n - at;
    memmove(b->p + at, b->p + at + k, b->n - at - k);
    b->n -= k;
}

static const char *const EXTREMES[] = { "0", "-1", "1e308", "-1e308", "2147483648", "4294967297", "nan", "inf",
                                        "99999999999999999999", "1e-320", "0.5", "65536", "-2147483649", "\"\"" };

static void mutate_once(Buf *b) {
    size_t at = below(b->n + 1);
    switch (below(9)) {
    case 0: if (b->n) b->p[below(b->n)] ^= (unsigned char)(1u << below(8)); break;                 /* bit flip */
    case 1: if (b->n) b->p[below(b->n)] = (unsigned char)next(); break;                            /* byte */
    case 2: { unsigned char c = (unsigned char)next(); insert(b, at, &c, 1); break; }              /* insert */
    case 3: if (b->n) erase(b, below(b->n), 1 + below(16)); break;                                  /* delete */
    case 4: if (b->n) {                                                                             /* duplicate a chunk */
        size_t from = below(b->n), k = 1 + below(b->n - from < 256 ? b->n - from : 256);
        unsigned char tmp[256];
        memcpy(tmp, b->p + from, k);
        insert(b, at, tmp, k);
    } break;
    case 5: if (b->n) b->n = below(b->n); break;                                                    /* truncate */
    case 6: {                                                                                       /* a number -> extreme */
        size_t start = below(b->n + 1), i = start;
        while (i < b->n && !(b->p[i] >= '0' && b->p[i] <= '9')) i++;
        if (i >= b->n) break;
        size_t j = i;
        while (j < b->n && ((b->p[j] >= '0' && b->p[j] <= '9') || b->p[j] == '.' || b->p[j] == 'e' || b->p[j] == '-')) j++;
        erase(b, i, j - i);
        const char *x = EXTREMES[below(sizeof EXTREMES / sizeof EXTREMES[0])];
        insert(b, i, (const unsigned char *)x, strlen(x));
    } break;
    case 7: if (b->n) {                                                                             /* double a line */
        size_t s = below(b->n);
        while (s > 0 && b->p[s - 1] != '\n') s--;
        size_t e = s;
        while (e < b->n && b->p[e] != '\n') e++;
        if (e < b->n) e++;
        size_t k = e - s;
        unsigned char *tmp = malloc(k + 1);
        memcpy(tmp, b->p + s, k);
        insert(b, e, tmp, k);
        free(tmp);
    } break;
    default: {                                                                                      /* special bytes */
        static const char *const SPECIAL[] = { "*", "&a ", "!!binary ", "\0", "\xff\xfe", "'", "\"", "{", "}", "[", "]",
                                               ":", "\n", "--", "..", "\\", "%s%n" };
        const char *x = SPECIAL[below(sizeof SPECIAL / sizeof SPECIAL[0])];
        insert(b, at, (const unsigned char *)x, strlen(x) ? strlen(x) : 1);
    }
    }
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: mutate SEED_FILE OUT_FILE SEED [MUTATIONS]\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    Buf b = { 0 };
    unsigned char chunk[1 << 16];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) { reserve(&b, b.n + k); memcpy(b.p + b.n, chunk, k); b.n += k; }
    fclose(f);
    state = strtoull(argv[3], NULL, 10) * 0x2545f4914f6cdd1dull + 1;
    int m = argc > 4 ? atoi(argv[4]) : 1 + (int)below(4);
    for (int i = 0; i < m; i++) mutate_once(&b);
    FILE *o = fopen(argv[2], "wb");
    if (!o) { perror(argv[2]); return 2; }
    if (b.n) fwrite(b.p, 1, b.n, o);
    fclose(o);
    free(b.p);
    return 0;
}
