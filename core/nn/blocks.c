/* Forward and backward of a stack of pre-norm transformer blocks (blocks.h). */
#include <stdio.h>
#include <string.h>
#include "../adapters/dora.h"
#include "../adapters/lora.h"
#include "../check.h"
#include "blocks.h"
#include "layers.h"

void blocks_alloc(Blocks *k, int L, int C, int NH, int H, int Bmax, int Tmax, int causal) {
    memset(k, 0, sizeof(*k));
    k->L = L; k->C = C; k->NH = NH; k->H = H; k->Bmax = Bmax; k->Tmax = Tmax; k->causal = causal;
    const size_t BT = (size_t)Bmax * Tmax, W = H > 3 * C ? (size_t)H : (size_t)3 * C;
    size_t sizes[] = { (L + 1) * BT * C, L * BT * C, L * BT, L * BT, L * BT * 3 * C, (size_t)L * Bmax * NH * Tmax * Tmax,
                       L * BT * C, L * BT * C, L * BT * C, L * BT, L * BT, L * BT * H, L * BT * H, BT * C,
                       (size_t)L * BLOCKS_NMOD * BT * 3 * C, BT * C, BT * C, BT * C, BT * W, BT * W,
                       (size_t)Bmax * NH * Tmax * Tmax };
    real **slots[] = { &k->x, &k->ln1, &k->ln1_mean, &k->ln1_rstd, &k->qkv, &k->att, &k->atto, &k->res1, &k->ln2,
                       &k->ln2_mean, &k->ln2_rstd, &k->h, &k->gact, &k->f, &k->xa, &k->dx, &k->dres, &k->dtmp,
                       &k->dh, &k->dqkv, &k->datt };
    size_t n = sizeof sizes / sizeof sizes[0], total = 0;
    for (size_t i = 0; i < n; i++) total += sizes[i];
    k->acts = mallocCheck(sizeof(real) * total);
    real *a = k->acts;
    for (size_t i = 0; i < n; i++) { *slots[i] = a; a += sizes[i]; }
}

void blocks_free(Blocks *k) {
    for (int l = 0; l < k->L; l++)
        for (int m = 0; m < BLOCKS_NMOD; m++) { free(k->lin[l][m].V); free(k->lin[l][m].Wd); free(k->lin[l][m].norm); }
    free(k->acts);
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
        attention_forward(atto, att, qkv, B, T, C, NH, k->causal);
        alinear_forward(&k->lin[l][1], res1, xa_of(k, l, 1), atto, BT);
        for (size_t i = 0; i < (size_t)BT * C; i++) res1[i] += x[i];          /* res1 = x + proj(att) */
        layernorm_forward(ln2, k->ln2_mean + o, k->ln2_rstd + o, res1, k->ln2_w + l * C, k->ln2_b + l * C, BT, C);
        alinear_forward(&k->lin[l][2], h, xa_of(k, l, 2), ln2, BT);
        (k->gelu_tanh ? gelu_tanh_forward : gelu_forward)(ga, h, (size_t)BT * H);
        alinear_forward(&k->lin[l][3], k->f, xa_of(k, l, 3), ga, BT);
        for (size_t i = 0; i < (size_t)BT * C; i++) xn[i] = res1[i] + k->f[i];  /* x' = res1 + fc2(gelu(fc1)) */
    }
}

void blocks_backward(Blocks *k, int B, int T) {
    const int C = k->C, H = k->H, NH = k->NH, BT = B * T;
    for (int l = k->L - 1; l >= 0; l--) {
        const size_t o = (size_t)l * k->Bmax * k->Tmax;
        real *x = k->x + o * C, *ln1 = k->ln1 + o * C, *qkv = k->qkv + o * 3 * C, *atto = k->atto + o * C;
        real *res1 = k->res1 + o * C, *ln2 = k->ln2 + o * C, *h = k->h + o * H, *ga = k->gact + o * H;
        real *att = k->att + (size_t)l * k->Bmax * NH * k->Tmax * k->Tmax;
        /* x' = res1 + fc2(gelu(fc1(ln2(res1)))): dres = dx + the MLP path */
        memcpy(k->dres, k->dx, sizeof(real) * (size_t)BT * C);
        memset(k->dh, 0, sizeof(real) * (size_t)BT * H);
        alinear_backward(&k->lin[l][3], k->dh, k->dx, ga, xa_of(k, l, 3), BT);          /* dgelu */
        memset(k->dqkv, 0, sizeof(real) * (size_t)BT * H);
        (k->gelu_tanh ? gelu_tanh_backward : gelu_backward)(k->dqkv, h, k->dh, (size_t)BT * H);                               /* dh (in dqkv) */
        memset(k->dtmp, 0, sizeof(real) * (size_t)BT * C);
        alinear_backward(&k->lin[l][2], k->dtmp, k->dqkv, ln2, xa_of(k, l, 2), BT);     /* dln2 */
        layernorm_backward(k->dres, k->g_ln2_w + l * C, k->g_ln2_b + l * C, k->dtmp, res1, k->ln2_w + l * C,
                           k->ln2_mean + o, k->ln2_rstd + o, BT, C);
        /* res1 = x + proj(attention(qkv(ln1(x)))): dx = dres + the attention path */
        memcpy(k->dx, k->dres, sizeof(real) * (size_t)BT * C);
        memset(k->dtmp, 0, sizeof(real) * (size_t)BT * C);
        alinear_backward(&k->lin[l][1], k->dtmp, k->dres, atto, xa_of(k, l, 1), BT);    /* datto */
        memset(k->dqkv, 0, sizeof(real) * (size_t)BT * 3 * C);
        attention_backward(k->dqkv, k->datt, k->dtmp, qkv, att, B, T, C, NH, k->causal);
        memset(k->dtmp, 0, sizeof(real) * (size_t)BT * C);
        alinear_backward(&k->lin[l][0], k->dtmp, k->dqkv, ln1, xa_of(k, l, 0), BT);     /* dln1 */
        layernorm_backward(k->dx, k->g_ln1_w + l * C, k->g_ln1_b + l * C, k->dtmp, x, k->ln1_w + l * C,
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
    *adapter = mallocCheck(sizeof(real) * (total ? total : 1));
    *adapter_grad = mallocCheck(sizeof(real) * (total ? total : 1));
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
                L->V = mallocCheck(sizeof(real) * (size_t)L->in * L->out);
                L->Wd = mallocCheck(sizeof(real) * (size_t)L->in * L->out);
                L->norm = mallocCheck(sizeof(real) * L->out);
            }
        }
    return 0;
}

void blocks_merge(Blocks *k) {
    for (int l = 0; l < k->L; l++)
        for (int m = 0; m < BLOCKS_NMOD; m++) alinear_merge(&k->lin[l][m]);
}

void blocks_adapter_params(Blocks *k, AdapterPair *pairs, int *npairs, PlainTensor *plain, int *nplain, int max_plain) {
    for (int l = 0; l < k->L; l++)
        for (int m = 0; m < BLOCKS_NMOD; m++) {
            AdaptedLinear *L = &k->lin[l][m];
            L->gW = NULL;   /* frozen: skip the weight-gradient GEMM */
            L->gb = NULL;
            if (L->kind == ADAPT_NONE) continue;
            pairs[(*npairs)++] = (AdapterPair){ L->A, L->B, L->gA, L->gB, L->out, L->in, L->r };
            if (L->kind == ADAPT_DORA && *nplain < max_plain) plain[(*nplain)++] = (PlainTensor){ L->mag, L->gmag, (size_t)L->out };
        }
}
