/* The Llama-family model against the torch float64 reference of tests/gen_llama_golden.py, on
   two tiny random models in the Hugging Face layout: a Llama (GQA, untied head, llama3 rope
   scaling, sharded F32 + BF16 safetensors) and a Qwen2 (q/k/v biases, tied embedding, F16): the
   logits, the loss over the labels not ignored and every parameter's gradient of one batch,
   relative errors in float32. Then the PEFT adapter round trip: a LoRA / DoRA model's adapters
   written in PEFT's layout and read into a fresh model give the same logits. */
#define LOFT_F32
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
#include "compute/memory.h"
#include "io/safetensors.h"
#include "tasks/llama.h"
#include "tasks/llama_hf.h"

#define TOL_LOGITS 2e-5   /* relative, float32 against float64 */
#define TOL_GRAD 1e-4

static Llama *load(const char *dir, int B, int T) {
    LlamaShape s;
    int bos, eos;
    char err[1024];
    if (llama_read_config(dir, &s, &bos, &eos, err, sizeof err)) { printf("  FAIL %s\n", err); exit(1); }
    Llama *m = llama_create(s, B, T);
    if (!m || llama_load(m, dir, err, sizeof err)) { printf("  FAIL %s\n", err); exit(1); }
    return m;
}

static void golden(const char *name) {
    char dir[256], h5[300], err[1024];
    snprintf(dir, sizeof dir, "tests/golden/%s", name);
    snprintf(h5, sizeof h5, "%s/expected.h5", dir);
    size_t n, dims[8];
    int nd;
    double *tok = h5_read_doubles(h5, "tokens", &n, dims, &nd, err, sizeof err), *tgt = h5_read_doubles(h5, "targets", &n, NULL, NULL, err, sizeof err);
    double *logits = h5_read_doubles(h5, "logits", &n, NULL, NULL, err, sizeof err), *loss = h5_read_doubles(h5, "loss", &n, NULL, NULL, err, sizeof err);
    if (!tok || !tgt || !logits || !loss) { printf("  FAIL %s\n", err); exit(1); }
    const int B = (int)dims[0], T = (int)dims[1];
    Llama *m = load(dir, B, T);
    int x[64], y[64], count = 0;
    for (int i = 0; i < B * T; i++) { x[i] = (int)tok[i]; y[i] = (int)tgt[i]; count += y[i] >= 0; }
    int *xt = itensor_alloc((size_t)B * T), *yt = itensor_alloc((size_t)B * T);
    itensor_upload(xt, x, (size_t)B * T);
    itensor_upload(yt, y, (size_t)B * T);
    AdapterPair pairs[1];
    PlainTensor plain[1];
    int np, nl;
    llama_trainables(m, 1, pairs, &np, plain, &nl, 1, err, sizeof err);
    const double l = llama_forward(m, xt, yt, count, B, T);
    llama_backward(m, yt, B, T);
    char what[160];
    snprintf(what, sizeof what, "%s: logits (rel)", name);
    CHECK_LE(rel_err_d(m->logits, logits, (size_t)B * T * m->s.vocab), TOL_LOGITS, what);
    snprintf(what, sizeof what, "%s: loss over the labels not ignored (rel)", name);
    CHECK_LE(fabs(l - loss[0]) / loss[0], TOL_LOGITS, what);
    /* every tensor's gradient, by its HF name */
    const char *tensors[] = { "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight" };
    const char *per_layer[] = { "input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                                "self_attn.o_proj.weight", "self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias",
                                "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight" };
    double worst = 0;
    int checked = 0;
    for (int k = 0; k < 3 + 12 * m->s.depth; k++) {
        char hf[128], ds[160];
        if (k < 3) snprintf(hf, sizeof hf, "%s", tensors[k]);
        else snprintf(hf, sizeof hf, "model.layers.%d.%s", (k - 3) / 12, per_layer[(k - 3) % 12]);
        size_t cnt;
        real *p = llama_hf_tensor(m, hf, &cnt);
        if (!p) continue;   /* tied head, no biases */
        snprintf(ds, sizeof ds, "grad/%s", hf);
        double *g = h5_read_doubles(h5, ds, &n, NULL, NULL, err, sizeof err);
        CHECK(g && n == cnt, "%s: %s: %s", name, ds, g ? "size differs" : err);
        if (!g) continue;
        const double e = rel_err_d(m->grads + (p - m->params), g, cnt);
        if (e > worst) worst = e;
        checked++;
        free(g);
    }
    snprintf(what, sizeof what, "%s: the worst of %d gradients (rel)", name, checked);
    CHECK_LE(worst, TOL_GRAD, what);
    llama_free(m);
    itensor_free(xt); itensor_free(yt);
    free(tok); free(tgt); free(logits); free(loss);
}

/* adapters written in PEFT's layout and read back into a fresh model: the same logits */
static void adapter_round_trip(AdaptKind kind) {
    const char *dir = "tests/golden/llama_tiny";
    const int B = 1, T = 6;
    char err[1024], tmp[] = "/tmp/loft-peft-XXXXXX";
    if (!mkdtemp(tmp)) { printf("  FAIL mkdtemp\n"); exit(1); }
    Llama *a = load(dir, B, T), *b = load(dir, B, T);
    Rng rng;
    rng_seed(&rng, 3);
    llama_add_adapters(a, "q_proj,v_proj,down_proj", kind, 4, 2.0, 1, &rng, err, sizeof err);
    llama_add_adapters(b, "q_proj,v_proj,down_proj", kind, 4, 2.0, 1, &rng, err, sizeof err);
    for (size_t i = 0; i < a->ad.n; i++) a->ad.adapter[i] += (real)(0.01 * ((int)(i % 7) - 3));   /* B != 0 */
    double alpha = 0;
    int ok = llama_adapter_save(a, tmp, dir, 8.0, 0, err, sizeof err) == 0 && llama_adapter_load(b, tmp, &alpha, err, sizeof err) == 0;
    CHECK(ok, "adapter save / load: %s", err);
    int x[6] = { 5, 17, 300, 2, 99, 316 }, *xt = itensor_alloc(6);
    itensor_upload(xt, x, 6);
    llama_forward(a, xt, NULL, 0, B, T);
    llama_forward(b, xt, NULL, 0, B, T);
    CHECK_LE(rel_err(b->logits, a->logits, (size_t)T * a->s.vocab), 0,
             kind == ADAPT_DORA ? "PEFT round trip (DoRA): logits after loading (rel)" : "PEFT round trip (LoRA): logits after loading (rel)");
    CHECK(alpha == 8.0, "lora_alpha read back: %g", alpha);
    Safetensors st;
    char p[300];
    snprintf(p, sizeof p, "%s/adapter_model.safetensors", tmp);
    CHECK(st_open(&st, p, err, sizeof err) == 0, "%s", err);
    CHECK(st_find(&st, "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight") != NULL, "PEFT's key for layer 1's down_proj lora_B");
    if (kind == ADAPT_DORA) CHECK(st_find(&st, "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector") != NULL, "DoRA magnitude key");
    st_close(&st);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd)) printf("  (could not remove %s)\n", tmp);
    itensor_free(xt);
    llama_free(a); llama_free(b);
}

int main(void) {
    golden("llama_tiny");
    golden("qwen_tiny");
    adapter_round_trip(ADAPT_LORA);
    adapter_round_trip(ADAPT_DORA);
    printf("test_llama_golden: %d checks, %d failed\n", g_checks, g_failures);
    return g_failures != 0;
}
