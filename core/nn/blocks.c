/* Forward and backward of a stack of pre-norm transformer blocks (blocks.h). */
#include <stdio.h>
#include <string.h>
#include "../adapters/dora.h"
#include "../adapters/lora.h"
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "blocks.h"

void blocks_alloc(Blocks *k, int L, int C, int NH, int H, int Bmax, int Tmax, int causal) {
    memset(k, 0, sizeof(*k));
    k->L = L; k->C = C; k->NH = NH; k->H = H; k->Bmax = Bmax; k->Tmax = Tmax; k->causal = causal;
    const size_t BT = (size_t)Bmax * Tmax, att = (size_t)Bmax * NH * Tmax * Tmax;
    /* the size table: one row per named activation (shapes in blocks.h) */
    const struct { real **slot; size_t size; } table[] = {
        { &k->x, (L + 1) * BT * C }, { &k->ln1, L * BT * C }, { &k->ln1_mean, L * BT }, { &k->ln1_rstd, L * BT },
        { &k->qkv, L * BT * 3 * C }, { &k->att, L * att }, { &k->atto, L * BT * C }, { &k->res1, L * BT * C },
        { &k->ln2, L * BT * C }, { &k->ln2_mean, L * BT }, { &k->ln2_rstd, L * BT }, { &k->h, L * BT * H },
        { &k->gact, L * BT * H }, { &k->f, BT * C }, { &k->xa, (size_t)L * BLOCKS_NMOD * BT * 3 * C },
        { &k->dx, BT * C }, { &k->dgact, BT * H }, { &k->dh, BT * H }, { &k->dln2, BT * C },
        { &k->datto, BT * C }, { &k->dqkv, BT * 3 * C }, { &k->datt, att }, { &k->dln1, BT * C },
    };
    size_t n = sizeof table / sizeof table[0], total = 0;
    for (size_t i = 0; i < n; i++) total += table[i].size;
    k->acts = tensor_alloc(total);
    real *a = k->acts;
    for (size_t i = 0; i < n; i++) { *table[i].slot = a; a += table[i].size; }
}

void blocks_free(Blocks *k) {
    tensor_free(k->adapter_work);
    tensor_free(k->acts);
}

real *blocks_output(Blocks *k) { return k->x + (size_t)k->L * k->Bmax * k->Tmax * k->C; }

/* the xa cache (N, r) slot of block l, module m: sized for the widest module */
static real *xa_of(Blocks *k, int l, int m) {
    return k->xa + ((size_t)l * BLOCKS_NMOD + m) * (size_t)k->Bmax * k->Tmax * 3 * k->C;
}

void blocks_forward(Blocks *k, int B, int T) {
    const int C = k->C, H = k->H, NH = k->NH, BT = B * T;
    for (int l = 0; l < k->L; l++) {
        const size_t o = (size_t)l * k->Bmax * k->Tmax;   /* per-layer offset in tokens */
        real *x = k->x + o * C, *xn = k->x + (o + (size_t)k->Bmax * k->Tmax) * C;
        real *ln1 = k->ln1 + o * C, *qkv = k->qkv + o * 3 * C, *atto = k->atto + o * C, *res1 = k->res1 + o * C;
        real *ln2 = k->ln2 + o * C, *h = k->h + o * H, *ga = k->gact + o * H;
        real *att = k->att + (size_t)l * k->Bmax * NH * k->Tmax * k->Tmax;
        layernorm_forward(ln1, k->ln1_mean + o, k->ln1_rstd + o, x, k->ln1_w + l * C, k->ln1_b + l * C, BT, C);
        alinear_forward(&k->lin[l][0], qkv, xa_of(k, l, 0), ln1, BT);
        attention_forward(atto, att, qkv, B, T, C, NH, k->causal, k->att_skip);
        alinear_forward(&k->lin[l][1], res1, xa_of(k, l, 1), atto, BT);
        vec_add(res1, res1, x, (size_t)BT * C);                              /* res1 = x + proj(att) */
        layernorm_forward(ln2, k->ln2_mean + o, k->ln2_rstd + o, res1, k->ln2_w + l * C, k->ln2_b + l * C, BT, C);
        alinear_forward(&k->lin[l][2], h, xa_of(k, l, 2), ln2, BT);
        (k->gelu_tanh ? gelu_tanh_forward : gelu_forward)(ga, h, (size_t)BT * H);
        alinear_forward(&k->lin[l][3], k->f, xa_of(k, l, 3), ga, BT);
        vec_add(xn, res1, k->f, (size_t)BT * C);                             /* x' = res1 + fc2(gelu(fc1)) */
    }
}

void blocks_backward(Blocks *k, int B, int T) {
    const int C = k->C, H = k->H, NH = k->NH, BT = B * T;
    for (int l = k->L - 1; l >= 0; l--) {
        const size_t o = (size_t)l * k->Bmax * k->Tmax;
        real *x = k->x + o * C, *ln1 = k->ln1 + o * C, *qkv = k->qkv + o * 3 * C, *atto = k->atto + o * C;
        real *res1 = k->res1 + o * C, *ln2 = k->ln2 + o * C, *h = k->h + o * H, *ga = k->gact + o * H;
        real *att = k->att + (size_t)l * k->Bmax * NH * k->Tmax * k->Tmax;
        /* x' = res1 + fc2(gelu(fc1(ln2(res1)))): d res1 = dx + the MLP path, gathered in dx itself
           (the MLP's backward reads dx before layernorm's backward adds to it) */
        vec_zero(k->dgact, (size_t)BT * H);
        alinear_backward(&k->lin[l][3], k->dgact, k->dx, ga, xa_of(k, l, 3), BT);
        vec_zero(k->dh, (size_t)BT * H);
        (k->gelu_tanh ? gelu_tanh_backward : gelu_backward)(k->dh, h, k->dgact, (size_t)BT * H);
        vec_zero(k->dln2, (size_t)BT * C);
        alinear_backward(&k->lin[l][2], k->dln2, k->dh, ln2, xa_of(k, l, 2), BT);
        layernorm_backward(k->dx, k->g_ln2_w + l * C, k->g_ln2_b + l * C, k->dln2, res1, k->ln2_w + l * C,
                           k->ln2_mean + o, k->ln2_rstd + o, BT, C);
        /* res1 = x + proj(attention(qkv(ln1(x)))): d x = d res1 + the attention path, again in dx */
        vec_zero(k->datto, (size_t)BT * C);
        alinear_backward(&k->lin[l][1], k->datto, k->dx, atto, xa_of(k, l, 1), BT);
        vec_zero(k->dqkv, (size_t)BT * 3 * C);
        attention_backward(k->dqkv, k->datt, k->datto, qkv, att, B, T, C, NH, k->causal);
        vec_zero(k->dln1, (size_t)BT * C);
        alinear_backward(&k->lin[l][0], k->dln1, k->dqkv, ln1, xa_of(k, l, 0), BT);
        layernorm_backward(k->dx, k->g_ln1_w + l * C, k->g_ln1_b + l * C, k->dln1, x, k->ln1_w + l * C,
                           k->ln1_mean + o, k->ln1_rstd + o, BT, C);
    }
}

static const char *const MOD_NAMES[BLOCKS_NMOD] = { "qkv", "proj", "fc1", "fc2" };

int blocks_add_adapters(Blocks *k, const char *target, AdaptKind kind, int r, double s, int gaussian_init,
                        Rng *rng, real **adapter, real **adapter_grad, size_t *n, const char *model,
                        char *err, size_t errlen) {
    int use[BLOCKS_NMOD] = { 0 };
    char buf[256];
    snprintf(buf, sizeof buf, "%s", target);
    for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
        int found = 0;
        for (int m = 0; m < BLOCKS_NMOD; m++) if (strcmp(tok, MOD_NAMES[m]) == 0) { use[m] = 1; found = 1; }
        if (!found) {
            snprintf(err, errlen, "target_modules: '%s' matches no layer of %s (expected names among qkv, proj, fc1, fc2)", tok, model);
            return -1;
        }
    }
    size_t total = 0;
    for (int l = 0; l < k->L; l++)
        for (int m = 0; m < BLOCKS_NMOD; m++)
            if (use[m]) total += (size_t)r * (k->lin[l][m].in + k->lin[l][m].out) + (kind == ADAPT_DORA ? k->lin[l][m].out : 0);
    /* the layers' work buffers, one block: LoRA dyB (Bmax*Tmax, r); DoRA V, Wd, dWd, dV (out,in), norm (out,) */
    size_t work = 0;
    const size_t BT = (size_t)k->Bmax * k->Tmax;
    for (int l = 0; l < k->L; l++)
        for (int m = 0; m < BLOCKS_NMOD; m++) {
            const size_t io = (size_t)k->lin[l][m].in * k->lin[l][m].out;
            if (use[m]) work += kind == ADAPT_DORA ? 4 * io + (size_t)k->lin[l][m].out : BT * r;
        }
    tensor_free(k->adapter_work);
    k->adapter_work = tensor_alloc(work);
    real *w = k->adapter_work;
    *adapter = tensor_alloc(total);
    *adapter_grad = tensor_alloc(total);
    *n = total;
    real *a = *adapter, *g = *adapter_grad;
    for (int l = 0; l < k->L; l++)
        for (int m = 0; m < BLOCKS_NMOD; m++) {
            if (!use[m]) continue;
            AdaptedLinear *L = &k->lin[l][m];
            L->kind = kind; L->r = r; L->s = s;
            L->A = a; L->gA = g; a += (size_t)r * L->in; g += (size_t)r * L->in;
            L->B = a; L->gB = g; a += (size_t)L->out * r; g += (size_t)L->out * r;
            lora_init(L->A, L->B, L->in, L->out, r, gaussian_init ? LORA_INIT_GAUSSIAN : LORA_INIT_KAIMING, rng);
            if (kind == ADAPT_DORA) {
                L->mag = a; L->gmag = g; a += L->out; g += L->out;
                dora_init_magnitude(L->mag, L->W, L->in, L->out);
                const size_t io = (size_t)L->in * L->out;
                L->V = w; L->Wd = w + io; L->dWd = w + 2 * io; L->dV = w + 3 * io; L->norm = w + 4 * io;
                w += 4 * io + (size_t)L->out;
            } else {
                L->dyB = w;
                w += BT * r;
            }
        }
    return 0;
}

void blocks_merge(Blocks *k) {
    for (int l = 0; l < k->L; l++)
        for (int m = 0; m < BLOCKS_NMOD; m++) alinear_merge(&k->lin[l][m]);
}

int blocks_spectral_init(Blocks *k, SpectralInit kind, double gamma, int nbatches, void (*grad_batch)(void *ctx, int j),
                         void *ctx, char *err, size_t errlen) {
    size_t total = 0;
    for (int l = 0; l < k->L; l++)
        for (int m = 0; m < BLOCKS_NMOD; m++)
            if (k->lin[l][m].kind == ADAPT_LORA) total += (size_t)k->lin[l][m].out * k->lin[l][m].in;
    real *G = spectral_needs_grad(kind) && total ? tensor_alloc(total) : NULL;
    unsigned char switched[BLOCKS_MAX_DEPTH][BLOCKS_NMOD] = { { 0 } };
    if (G) {
        size_t off = 0;
        for (int l = 0; l < k->L; l++)
            for (int m = 0; m < BLOCKS_NMOD; m++) {
                AdaptedLinear *L = &k->lin[l][m];
                if (L->kind != ADAPT_LORA) continue;
                L->kind = ADAPT_NONE;   /* W0 x + b: LoRA's function while B = 0 */
                switched[l][m] = 1;
                L->gW = G + off;        /* backward accumulates: the sum over the batches */
                off += (size_t)L->out * L->in;
            }
        for (int j = 0; j < nbatches; j++) grad_batch(ctx, j);
        vec_scale(G, (real)(1.0 / nbatches), total);
    }
    for (int l = 0; l < k->L; l++)       /* back to LoRA layers with frozen W0 */
        for (int m = 0; m < BLOCKS_NMOD; m++) {
            AdaptedLinear *L = &k->lin[l][m];
            if (switched[l][m]) { L->kind = ADAPT_LORA; L->gW = NULL; }
        }
    size_t off = 0;
    int rc = 0;
    for (int l = 0; l < k->L && rc == 0; l++)
        for (int m = 0; m < BLOCKS_NMOD && rc == 0; m++) {
            AdaptedLinear *L = &k->lin[l][m];
            if (L->kind != ADAPT_LORA) continue;
            rc = spectral_init(kind, L->A, L->B, L->W, G ? G + off : NULL, L->in, L->out, L->r, L->s, gamma, err, errlen);
            off += (size_t)L->out * L->in;
        }
    tensor_free(G);
    return rc;
}

int blocks_adapter_params(Blocks *k, AdapterPair *pairs, int *npairs, PlainTensor *plain, int *nplain, int max_plain,
                          char *err, size_t errlen) {
    for (int l = 0; l < k->L; l++)
        for (int m = 0; m < BLOCKS_NMOD; m++) {
            AdaptedLinear *L = &k->lin[l][m];
            L->gW = NULL;   /* frozen: skip the weight-gradient GEMM */
            L->gb = NULL;
            if (L->kind == ADAPT_NONE) continue;
            pairs[(*npairs)++] = (AdapterPair){ L->A, L->B, L->gA, L->gB, L->out, L->in, L->r, L->s, L->W };
            if (L->kind != ADAPT_DORA) continue;
            if (*nplain == max_plain) { snprintf(err, errlen, "more than %d trainable tensors besides the adapter pairs", max_plain); return -1; }
            plain[(*nplain)++] = (PlainTensor){ L->mag, L->gmag, (size_t)L->out };
        }
    return 0;
}
