/* The byte-level BPE tokenizer: exact round trip of arbitrary bytes (NUL, 0xFF, invalid UTF-8)
   and of real text, compression on the text it was trained on, determinism, the first merge on
   a known text, save/load, and the errors of a bad merges file. */
#include <stdlib.h>
#include <unistd.h>
#include "check_util.h"
#include "rng.h"
#include "io/files.h"
#include "text/bpe.h"

static int round_trip(const Bpe *b, const unsigned char *text, size_t n, long *ntok) {
    int *tok = malloc(sizeof(int) * (n + 1));
    unsigned char *back = malloc(n + 1);
    *ntok = bpe_encode(b, text, n, tok, n + 1);
    long m = *ntok >= 0 ? bpe_decode(b, tok, (size_t)*ntok, back, n + 1) : -1;
    int ok = m == (long)n && memcmp(back, text, n) == 0;
    free(tok); free(back);
    return ok;
}

int main(void) {
    char err[512];
    size_t n;
    char rerr[512];
    unsigned char *text = file_read_all("README.md", &n, rerr, sizeof rerr);
    CHECK(text && n > 10000, "README.md readable as training text");
    if (!text) return test_exit("test_bpe");
    Bpe b, b2, b3;
    CHECK(bpe_train(&b, text, n, 512, err, sizeof err) == 0 && b.vocab == 512, "train 512: vocab %d (%s)", b.vocab, err);
    long ntok;
    CHECK(round_trip(&b, text, n, &ntok), "README.md round trip");
    CHECK_LE((double)ntok / n, 0.6, "tokens per byte on the training text (512 tokens; bytes = 1)");
    unsigned char rnd[4096];
    Rng rng;
    rng_seed(&rng, 9);
    for (int i = 0; i < 4096; i++) rnd[i] = (unsigned char)(rng_u64(&rng) & 0xFF);
    rnd[0] = 0; rnd[1] = 0xFF; rnd[2] = 0xC3; rnd[3] = 0x28;   /* NUL, 0xFF, invalid UTF-8 */
    CHECK(round_trip(&b, rnd, sizeof rnd, &ntok), "4096 random bytes round trip");
    CHECK(round_trip(&b, (const unsigned char *)"", 0, &ntok) && ntok == 0, "empty input");
    /* determinism: training twice gives the same merges */
    bpe_train(&b2, text, n, 512, err, sizeof err);
    int same = b2.vocab == b.vocab;
    for (int i = 256; same && i < b.vocab; i++) same = b.left[i] == b2.left[i] && b.right[i] == b2.right[i];
    CHECK(same, "training is deterministic");
    bpe_free(&b2);
    /* a known text: the most frequent pair is learned first */
    const char *known = "abab abab abab cd";
    bpe_train(&b2, (const unsigned char *)known, strlen(known), 258, err, sizeof err);
    CHECK(b2.vocab >= 257 && b2.left[256] == 'a' && b2.right[256] == 'b', "first merge of 'abab abab abab cd' is (a, b)");
    bpe_free(&b2);
    /* save and load */
    char path[] = "/tmp/loft-bpe-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK(bpe_save(&b, path, err, sizeof err) == 0 && bpe_load(&b3, path, err, sizeof err) == 0, "save/load: %s", err);
    same = b3.vocab == b.vocab;
    for (int i = 256; same && i < b.vocab; i++) same = b.left[i] == b3.left[i] && b.right[i] == b3.right[i] && b.len[i] == b3.len[i];
    CHECK(same, "loaded merges equal the trained ones");
    FILE *f = fopen(path, "w");
    fputs("loft-bpe 1 258\n97 98\n300 1\n", f);
    fclose(f);
    int rc = bpe_load(&b2, path, err, sizeof err);
    CHECK(rc != 0 && strstr(err, ":3: expected two earlier token ids"), "bad merges file: '%s'", err);
    printf("  %s %s\n", rc ? "ok  " : "FAIL", err);
    remove(path);
    bpe_free(&b); bpe_free(&b3);
    free(text);
    return test_exit("test_bpe");
}
