/* Real GPT-2 checkpoints (tests/gen_gpt2_golden.py writes a tiny one by hand): config.json,
   vocab.json + merges.txt (GPT-2's pre-tokenizer and byte alphabet) give the reference token
   ids exactly; model.safetensors (Conv1D in x out, extra lm_head / attn.bias tensors) gives
   torch's logits with gelu_new; LoRA merged and saved back to safetensors reloads to the
   adapted logits; malformed files fail with messages naming the file and what was expected. */
#define LOFT_F32
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "check_util.h"
#include "io/safetensors.h"
#include "tasks/gpt2_hf.h"
#include "text/gpt2_vocab.h"

#define DIR "tests/golden/gpt2_tiny"
/* the text of expected.h5's "sample" attribute */
static const char *SAMPLE = "The hacker's dog  jumps: 1984 programs, they'll run.\n\n  It's done!  ";

static int err_has(int rc, const char *err, const char *a, const char *b) { return rc != 0 && strstr(err, a) && strstr(err, b); }

int main(void) {
    char err[1024];
    GptShape s;
    CHECK(gpt2_read_config(DIR "/config.json", &s, err, sizeof err) == 0, "config: %s", err);
    CHECK(s.vocab == 400 && s.ctx == 24 && s.width == 16 && s.depth == 2 && s.heads == 2 && s.mlp == 64 && s.gelu_tanh == 1,
          "config.json: vocab %d ctx %d width %d depth %d heads %d mlp %d tanh %d", s.vocab, s.ctx, s.width, s.depth, s.heads, s.mlp, s.gelu_tanh);

    /* tokenizer: GPT-2's algorithm, ids exactly */
    Bpe b;
    CHECK(bpe_load_gpt2(&b, DIR "/vocab.json", DIR "/merges.txt", err, sizeof err) == 0, "tokenizer: %s", err);
    size_t nid;
    double *want = golden_doubles(DIR "/expected.h5", "ids", &nid);
    int ids[256];
    long n = bpe_encode(&b, (const unsigned char *)SAMPLE, strlen(SAMPLE), ids, 256);
    int same = n == (long)nid;
    for (long i = 0; same && i < n; i++) same = ids[i] == (int)want[i];
    CHECK(same, "GPT-2 token ids of the sample: %ld tokens, reference %zu, equal %d", n, nid, same);
    printf("  ok   GPT-2 tokenizer: %ld ids equal to the reference encoder's\n", n);
    unsigned char back[256];
    long nb = bpe_decode(&b, ids, (size_t)n, back, sizeof back);
    CHECK(nb == (long)strlen(SAMPLE) && memcmp(back, SAMPLE, (size_t)nb) == 0, "decode(encode(sample)) == sample");
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++) bytes[i] = (unsigned char)i;
    n = bpe_encode(&b, bytes, 256, ids, 256);
    nb = n > 0 ? bpe_decode(&b, ids, (size_t)n, back, sizeof back) : -1;
    CHECK(nb == 256 && memcmp(back, bytes, 256) == 0, "all 256 byte values round-trip");

    /* weights: logits vs torch */
    const int T = (int)golden_attr(DIR "/expected.h5", "/", "seq");
    Gpt *m = gpt_create(s, 1, T);
    CHECK(gpt2_load(m, DIR "/model.safetensors", err, sizeof err) == 0, "load: %s", err);
    int tok[64];
    for (int i = 0; i < T; i++) tok[i] = (int)want[i];
    gpt_forward(m, tok, NULL, 1, T);
    size_t nl;
    double *logits = golden_doubles(DIR "/expected.h5", "logits", &nl);
    CHECK(nl == (size_t)T * s.vocab, "expected logits: %zu numbers", nl);
    CHECK_LE(rel_err_d(m->logits, logits, nl), 1e-5, "GPT-2 (gelu_new, Conv1D layout) logits vs torch (rel)");

    /* LoRA on every projection, merged, saved, reloaded */
    Rng rng;
    rng_seed(&rng, 3);
    CHECK(gpt_add_adapters(m, "qkv,proj,fc1,fc2", ADAPT_LORA, 2, 1.0, 0, &rng, err, sizeof err) == 0, "%s", err);
    for (size_t i = 0; i < m->nadapter; i++) m->adapter[i] += 0.1f * (float)rng_normal(&rng);
    gpt_forward(m, tok, NULL, 1, T);
    real *adapted = malloc(sizeof(real) * nl);
    memcpy(adapted, m->logits, sizeof(real) * nl);
    gpt_merge(m);
    char dir[] = "/tmp/loft-gpt2-XXXXXX", path[128], cpath[128];
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(cpath, sizeof cpath, "%s/config.json", dir);
    CHECK(gpt2_save(m, path, err, sizeof err) == 0 && gpt2_write_config(cpath, &m->s, err, sizeof err) == 0, "save: %s", err);
    GptShape s2;
    CHECK(gpt2_read_config(cpath, &s2, err, sizeof err) == 0 && memcmp(&s, &s2, sizeof s) == 0, "written config.json reads back the same shape: %s", err);
    Gpt *m2 = gpt_create(s2, 1, T);
    CHECK(gpt2_load(m2, path, err, sizeof err) == 0, "reload: %s", err);
    gpt_forward(m2, tok, NULL, 1, T);
    CHECK_LE(rel_err(m2->logits, adapted, nl), 1e-5, "LoRA merged, saved to safetensors, reloaded: logits vs adapted (rel)");
    Safetensors st;
    CHECK(st_open(&st, path, err, sizeof err) == 0, "%s", err);
    const StTensor *t = st_find(&st, "h.1.mlp.c_fc.weight");
    CHECK(t && t->ndim == 2 && t->shape[0] == 16 && t->shape[1] == 64 && strcmp(t->dtype, "F32") == 0,
          "saved c_fc weight in HF's in x out layout [16, 64] F32");
    st_close(&st);

    /* malformed inputs */
    Gpt *m3 = gpt_create((GptShape){ 400, 24, 16, 3, 2, 64, 1 }, 1, 4), *m4 = gpt_create((GptShape){ 400, 24, 16, 2, 2, 32, 1 }, 1, 4);
    int rc = gpt2_load(m3, DIR "/model.safetensors", err, sizeof err);
    CHECK(err_has(rc, err, "model.safetensors", "h.2.ln_1.weight"), "missing layer named: %s", err);
    printf("  ok   %s\n", err);
    rc = gpt2_load(m4, DIR "/model.safetensors", err, sizeof err);
    CHECK(err_has(rc, err, "c_fc.weight", "expected [16, 32]"), "wrong shape named: %s", err);
    printf("  ok   %s\n", err);
    FILE *f = fopen(path, "r+b");
    if (f) { fputc(0xFF, f); fputc(0xFF, f); fputc(0xFF, f); fclose(f); }   /* header length now absurd */
    rc = st_open(&st, path, err, sizeof err);
    CHECK(err_has(rc, err, path, "header length"), "corrupt header length: %s", err);
    f = fopen(path, "wb");
    const char *hdr = "{\"a\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
    if (f) { unsigned char h[8] = { (unsigned char)strlen(hdr) }; fwrite(h, 1, 8, f); fputs(hdr, f); fputc(0, f); fclose(f); }
    rc = st_open(&st, path, err, sizeof err);
    CHECK(err_has(rc, err, "tensor 'a'", "dtype I8 not supported"), "unsupported dtype: %s", err);
    printf("  ok   %s\n", err);
    rc = gpt2_read_config(write_temp(dir, "bad.json", "{\"n_embd\": 16, \"n_layer\": 2, \"n_head\": 2, \"vocab_size\": 10,\n"
                                                      " \"n_positions\": 8, \"activation_function\": \"relu\"}"), &s2, err, sizeof err);
    CHECK(err_has(rc, err, "bad.json", "'activation_function'"), "unsupported activation: %s", err);
    printf("  ok   %s\n", err);
    rc = gpt2_read_config(write_temp(dir, "bad.json", "{\"n_embd\": 16,\n \"n_layer\": 2 \"n_head\": 2}"), &s2, err, sizeof err);
    CHECK(err_has(rc, err, "bad.json", "line 2, column 22: '}' expected near '\"n_head\"'"), "JSON syntax error located (jansson: the column after the token): %s", err);
    printf("  ok   %s\n", err);
    rc = gpt2_read_config(write_temp(dir, "bad.json", "{\"n_embd\": 16.5, \"n_layer\": 2}"), &s2, err, sizeof err);
    CHECK(err_has(rc, err, "'n_embd'", "positive integer"), "non-integer width: %s", err);
    bpe_free(&b);
    rc = bpe_load_gpt2(&b, DIR "/vocab.json", write_temp(dir, "merges.txt", "#version: 0.2\nh e\nq zz\n"), err, sizeof err);
    CHECK(err_has(rc, err, "merges.txt:3", "'zz'"), "merge of unknown tokens named with its line: %s", err);
    printf("  ok   %s\n", err);

    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0, "cleanup");
    free(want); free(logits); free(adapted);
    gpt_free(m); gpt_free(m2); gpt_free(m3); gpt_free(m4);
    return test_exit("test_gpt2_hf");
}
