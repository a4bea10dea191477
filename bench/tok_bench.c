/* Tokenizer throughput and ids: encodes text files with a Hugging Face tokenizer.json, GPT-2's
   vocab.json + merges.txt, or a SentencePiece .model. `--ids` prints "FILE<TAB>COUNT<TAB>ids..."
   per file (scripts/compare_tokenizers.sh compares them with a reference encoder); otherwise the
   load time and tokens/s (best of 5 passes over all files, one thread). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "io/files.h"
#include "text/gpt2_vocab.h"
#include "text/hf_tokenizer.h"
#include "text/spm.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int ends_with(const char *s, const char *tail) { size_t a = strlen(s), b = strlen(tail); return a >= b && strcmp(s + a - b, tail) == 0; }

int main(int argc, char **argv) {
    int ids_mode = argc > 1 && strcmp(argv[1], "--ids") == 0, a = 1 + ids_mode;
    if (argc - a < 2) {
        fprintf(stderr, "usage: tok_bench [--ids] (tokenizer.json | vocab.json merges.txt | tokenizer.model) FILE...\n");
        return 2;
    }
    char err[1024];
    Tokenizer t;
    SpmModel *sp = NULL;
    double t0 = now();
    int rc;
    if (ends_with(argv[a], ".model")) rc = (sp = spm_load(argv[a], err, sizeof err)) ? 0 : -1, a++;
    else if (ends_with(argv[a], "vocab.json")) rc = tok_load_vocab_merges(&t, argv[a], argv[a + 1], err, sizeof err), a += 2;
    else rc = tok_load_hf(&t, argv[a], err, sizeof err), a++;
    if (rc) { fprintf(stderr, "error: %s\n", err); return 1; }
    double load = now() - t0;
    int nf = argc - a;
    unsigned char **text = mallocCheck(sizeof(unsigned char *) * (size_t)nf);
    size_t *n = mallocCheck(sizeof(size_t) * (size_t)nf), total = 0, maxn = 0;
    for (int f = 0; f < nf; f++) {
        if (!(text[f] = file_read_all(argv[a + f], &n[f], err, sizeof err))) { fprintf(stderr, "error: %s\n", err); return 1; }
        total += n[f];
        if (n[f] > maxn) maxn = n[f];
    }
    int *ids = mallocCheck(sizeof(int) * (maxn + 16));
    double best = 1e30;
    long ntok = 0;
    for (int pass = 0; pass < (ids_mode ? 1 : 5); pass++) {
        double s = now();
        ntok = 0;
        for (int f = 0; f < nf; f++) {
            long m = sp ? spm_encode(sp, (const char *)text[f], n[f], 0, 0, ids, maxn + 16)
                        : tok_encode(&t, text[f], n[f], 0, ids, maxn + 16);
            if (m < 0) { fprintf(stderr, "error: %s: encoding failed\n", argv[a + f]); return 1; }
            ntok += m;
            if (ids_mode) {
                printf("%s\t%ld\t", argv[a + f], m);
                for (long i = 0; i < m; i++) printf(i ? " %d" : "%d", ids[i]);
                printf("\n");
            }
        }
        if (now() - s < best) best = now() - s;
    }
    if (!ids_mode)
        printf("%s: loaded in %.0f ms; %d files, %.2f MB, %ld tokens: %.0f tokens/s (%.1f MB/s)\n", argv[sp ? a - 1 : 1], 1e3 * load, nf,
               1e-6 * (double)total, ntok, (double)ntok / best, 1e-6 * (double)total / best);
    if (sp) spm_free(sp);
    else tok_free(&t);
    for (int f = 0; f < nf; f++) free(text[f]);
    free(text); free(n); free(ids);
    return 0;
}
