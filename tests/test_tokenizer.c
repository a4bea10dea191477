/* The exact tokenizers against independent references, on committed data (no download):
   Meta-Llama-3's and Qwen3's tokenizer.json, cut down to what the texts use (tests/tokenizer_refs.js
   --prune), must give the ids of @lenml/tokenizers (pure JavaScript, transformers.js' algorithm)
   for real multilingual text and a file of Unicode traps (tests/golden/tokenizers/); a SentencePiece
   model trained by spm_train must give spm_encode's ids (tests/gen_spm_golden.sh); templates add
   BOS / EOS, Digits isolates digits, invalid UTF-8 round-trips; unsupported files fail by name. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check_util.h"
#include "io/files.h"
#include "text/hf_tokenizer.h"
#include "text/spm.h"

#define G "tests/golden/tokenizers"

/* the next line of expected.tsv: file name [OUT], ids [OUT] (capacity cap); their count, or -1 at the end */
static long next_expected(FILE *f, char *name, size_t namelen, int *ids, long cap) {
    long n;
    if (fscanf(f, " %255[^\t]\t%ld", name, &n) != 2 || n > cap) return -1;
    (void)namelen;
    for (long i = 0; i < n; i++) if (fscanf(f, "%d", &ids[i]) != 1) return -1;
    return n;
}

static unsigned char *text_of(const char *name, size_t *n) {
    char path[512], err[512];
    snprintf(path, sizeof path, G "/texts/%s", name);
    unsigned char *t = file_read_all(path, n, err, sizeof err);
    if (!t) { fprintf(stderr, "%s\n", err); exit(1); }
    return t;
}

/* every file of dir/expected.tsv encoded by the tokenizer.json there; returns the tokens compared */
static long check_hf(const char *dir, int roundtrip) {
    char path[512], err[1024], name[256];
    Tokenizer t;
    snprintf(path, sizeof path, G "/%s/tokenizer.json", dir);
    CHECK(tok_load_hf(&t, path, err, sizeof err) == 0, "%s: %s", dir, err);
    snprintf(path, sizeof path, G "/%s/expected.tsv", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "%s missing", path);
    if (!f) return 0;
    int *want = malloc(sizeof(int) * 100000), *got = malloc(sizeof(int) * 100000);
    long n, total = 0, files = 0;
    while ((n = next_expected(f, name, sizeof name, want, 100000)) >= 0) {
        size_t len;
        unsigned char *text = text_of(name, &len);
        long m = tok_encode(&t, text, len, 0, got, 100000);
        long i = 0;
        while (i < n && i < m && got[i] == want[i]) i++;
        CHECK(m == n && i == n, "%s, %s: %ld ids, reference %ld, first difference at %ld", dir, name, m, n, i);
        if (roundtrip) {
            unsigned char *back = malloc(len + 1);
            long b = m > 0 ? tok_decode(&t, got, (size_t)m, back, len + 1) : -1;
            CHECK(b == (long)len && memcmp(back, text, len) == 0, "%s, %s: decode(encode(text)) == text", dir, name);
            free(back);
        }
        total += n;
        files++;
        free(text);
    }
    fclose(f);
    CHECK(files == 7, "%s: 7 files compared (%ld)", dir, files);
    printf("  ok   %s: %ld files, %ld ids equal to the reference's\n", dir, files, total);
    /* bytes that are not UTF-8 are pieces of their own and round-trip */
    const unsigned char raw[] = "caf\xe9 \xff\xfe\xc3(x";
    long m = tok_encode(&t, raw, sizeof raw - 1, 0, got, 100);
    unsigned char back[64];
    long b = m > 0 ? tok_decode(&t, got, (size_t)m, back, sizeof back) : -1;
    CHECK(b == (long)sizeof raw - 1 && memcmp(back, raw, sizeof raw - 1) == 0, "%s: invalid UTF-8 round-trips", dir);
    CHECK(tok_encode(&t, raw, sizeof raw - 1, 0, got, 1) == -1, "%s: too small an output is -1", dir);
    tok_free(&t);
    free(want); free(got);
    return total;
}

/* a byte-level tokenizer.json with the 256 byte tokens and the given extra tokens, merges, parts */
static const char *tiny_json(const char *dir, const char *extra_vocab, const char *merges, const char *pre, const char *post) {
    static char buf[65536];
    size_t k = 0;
    k += (size_t)snprintf(buf + k, sizeof buf - k, "{\"added_tokens\": [{\"id\": 300, \"content\": \"<s>\", \"special\": true},"
                          " {\"id\": 301, \"content\": \"</s>\", \"special\": true}], \"normalizer\": null, \"pre_tokenizer\": %s,"
                          " \"post_processor\": %s, \"model\": {\"type\": \"BPE\", \"vocab\": {", pre, post);
    for (int b = 0; b < 256; b++) {   /* GPT-2's byte alphabet, as UTF-8 */
        int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        static int n = 0;
        if (b == 0) n = 0;
        unsigned u = printable ? (unsigned)b : 256u + (unsigned)n++;
        char s[8];
        if (u == '"' || u == '\\') snprintf(s, sizeof s, "\\%c", (char)u);
        else if (u < 0x80) snprintf(s, sizeof s, "%c", (char)u);
        else snprintf(s, sizeof s, "%c%c", (char)(0xC0 | u >> 6), (char)(0x80 | (u & 63)));
        k += (size_t)snprintf(buf + k, sizeof buf - k, "\"%s\": %d, ", s, b);
    }
    snprintf(buf + k, sizeof buf - k, "%s}, \"merges\": [%s]}}", extra_vocab, merges);
    return write_temp(dir, "tokenizer.json", buf);
}

int main(void) {
    long total = check_hf("llama3", 1) + check_hf("qwen3", 0);   /* Qwen normalizes to NFC: no round trip */
    char err[1024], dir[] = "/tmp/loft-tok-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "temp dir");

    /* Llama-3's bos / eos from tokenizer_config.json */
    Tokenizer t;
    CHECK(tok_load_hf(&t, G "/llama3/tokenizer.json", err, sizeof err) == 0 && t.bos == 128000 && t.eos == 128001,
          "Llama-3: bos %d eos %d from tokenizer_config.json", t.bos, t.eos);
    tok_free(&t);

    /* a template adds BOS / EOS; Digits (SmolLM2's) keeps "12" apart although "1 2" is a merge */
    const char *p = tiny_json(dir, "\"12\": 256, \"ab\": 257", "\"1 2\", \"a b\"",
                              "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Digits\", \"individual_digits\": true},"
                              " {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}]}",
                              "{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}},"
                              " {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"</s>\", \"type_id\": 0}}],"
                              " \"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [300]}, \"</s>\": {\"id\": \"</s>\", \"ids\": [301]}}}");
    int rc = tok_load_hf(&t, p, err, sizeof err), ids[16];
    CHECK(rc == 0, "tiny tokenizer.json: %s", err);
    if (rc == 0) {
        long n = tok_encode(&t, (const unsigned char *)"ab12</s>", 8, 1, ids, 16);
        CHECK(n == 6 && ids[0] == 300 && ids[1] == 257 && ids[2] == '1' && ids[3] == '2' && ids[4] == 301 && ids[5] == 301,
              "template BOS + [ab][1][2] + </s> (an added token in the text) + EOS: %ld ids", n);
        CHECK(t.bos == 300 && t.nsuffix == 1, "bos from the template");
        tok_free(&t);
    }
    /* without Digits, the merge applies */
    p = tiny_json(dir, "\"12\": 256", "\"1 2\"", "{\"type\": \"ByteLevel\", \"add_prefix_space\": true}", "null");
    rc = tok_load_hf(&t, p, err, sizeof err);
    CHECK(rc == 0 && tok_encode(&t, (const unsigned char *)"12", 2, 1, ids, 16) == 2 && ids[0] == ' ' && ids[1] == 256,
          "ByteLevel with add_prefix_space: ' ' + [12] (%s)", rc ? err : "");
    if (rc == 0) tok_free(&t);

    /* unsupported or broken files fail by name */
    static const struct { const char *pre, *merges, *want; } bad[] = {
        { "{\"type\": \"Whitespace\"}", "", "pre_tokenizer 'Whitespace' is not supported" },
        { "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, \"behavior\": \"Isolated\"}", "", "pre-tokenizer regex '('" },
        { "{\"type\": \"Split\", \"pattern\": {\"String\": \" \"}, \"behavior\": \"Removed\"}", "", "behavior 'Removed'" },
        { "{\"type\": \"ByteLevel\"}", "\"q zz\"", "model.merges[0]: 'q', 'zz' or their merge is not a token" },
        { "null", "", "expected a ByteLevel step" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        p = tiny_json(dir, "\"12\": 256", bad[k].merges, bad[k].pre, "null");
        rc = tok_load_hf(&t, p, err, sizeof err);
        CHECK(rc != 0 && strstr(err, "tokenizer.json: ") && strstr(err, bad[k].want), "bad tokenizer.json %zu: got '%s', expected '%s'", k,
              rc ? err : "success", bad[k].want);
        if (rc == 0) tok_free(&t);
        else printf("  ok   %s\n", err);
    }
    rc = tok_load_hf(&t, write_temp(dir, "tokenizer.json", "{\"model\": {\"type\": \"Unigram\"}}"), err, sizeof err);
    CHECK(rc != 0 && strstr(err, "expected a BPE model, got 'Unigram'"), "a Unigram model is refused: %s", err);

    /* SentencePiece: spm_encode's ids, a line at a time (as the CLI reads) */
    SpmModel *sp = spm_load(G "/spm/tokenizer.model", err, sizeof err);
    CHECK(sp != NULL, "spm: %s", err);
    long spm_total = 0;
    if (sp) {
        FILE *f = fopen(G "/spm/expected.tsv", "r");
        char name[256];
        int *want = malloc(sizeof(int) * 100000), *got = malloc(sizeof(int) * 100000);
        long n, files = 0;
        while (f && (n = next_expected(f, name, sizeof name, want, 100000)) >= 0) {
            size_t len;
            unsigned char *text = text_of(name, &len);
            long m = 0;
            for (size_t i = 0; i < len;) {
                size_t e = i;
                while (e < len && text[e] != '\n') e++;
                long k = spm_encode(sp, (const char *)text + i, e - i, 0, 0, got + m, (size_t)(100000 - m));
                if (k < 0) { m = -1; break; }
                m += k;
                i = e + 1;
            }
            long i = 0;
            while (i < n && i < m && got[i] == want[i]) i++;
            CHECK(m == n && i == n, "spm, %s: %ld ids, spm_encode's %ld, first difference at %ld", name, m, n, i);
            spm_total += n;
            files++;
            free(text);
        }
        if (f) fclose(f);
        CHECK(files == 7, "spm: 7 files compared (%ld)", files);
        printf("  ok   SentencePiece: %ld files, %ld ids equal to spm_encode's\n", files, spm_total);
        const char *s = "Copyright \xc2\xa9 2007 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80";
        long m = spm_encode(sp, s, strlen(s), 1, 1, got, 100);
        char back[256];
        long b = m > 2 ? spm_decode(sp, got + 1, (size_t)m - 2, back, sizeof back) : -1;
        CHECK(m > 2 && got[0] == spm_bos(sp) && got[0] == 1 && got[m - 1] == spm_eos(sp) && b == (long)strlen(s) && strcmp(back, s) == 0,
              "spm: BOS 1 first, EOS last, decode gives the text back (emoji by byte fallback)");
        CHECK(spm_vocab(sp) == 2000, "spm: 2000 pieces (%d)", spm_vocab(sp));
        spm_free(sp);
        free(want); free(got);
    }
    CHECK(spm_load(write_temp(dir, "bad.model", "not a model"), err, sizeof err) == NULL && strstr(err, "bad.model: not a SentencePiece model"),
          "a broken .model is refused by name: %s", err);
    printf("  ok   %s\n", err);

    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0, "cleanup");
    printf("  ok   %ld byte-level BPE ids, %ld SentencePiece ids compared\n", total, spm_total);
    return test_exit("test_tokenizer");
}
