/* The small ViT: allocation, init, adapters, forward, backward, trainable tensors. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../check.h"
#include "../init.h"
#include "../compute/backend.h"
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "vit.h"

const char *const VIT_PARAM_NAMES[VIT_NPARAM] = {
    "patch_w", "patch_b", "cls", "pos", "ln1_w", "ln1_b", "qkv_w", "qkv_b", "proj_w", "proj_b",
    "ln2_w", "ln2_b", "fc1_w", "fc1_b", "fc2_w", "fc2_b", "lnf_w", "lnf_b", "head_w", "head_b" };

static real **param_slots(VitParams *p) {
    static real **slots[VIT_NPARAM];
    (void)slots;
    return (real **)p;   /* VitParams is VIT_NPARAM pointers in VIT_PARAM_NAMES order */
}

static void param_sizes(const Vit *v, size_t *sz) {
    const size_t C = v->s.width, L = v->s.depth, H = v->s.mlp, K = v->s.classes, T = v->T, pp = v->pp;
    size_t s[VIT_NPARAM] = { C * pp, C, C, T * C, L * C, L * C, L * 3 * C * C, L * 3 * C, L * C * C, L * C,
                             L * C, L * C, L * H * C, L * H, L * C * H, L * C, C, C, K * C, K };
    memcpy(sz, s, sizeof s);
}

static void point(VitParams *p, real *base, const size_t *sizes) {
    real **slots = param_slots(p);
    for (int i = 0; i < VIT_NPARAM; i++) { slots[i] = base; base += sizes[i]; }
}

/* the AdaptedLinear views of block l's four linear layers (plain, no adapter) */
static void bind_linears(Vit *v) {
    const int C = v->s.width, H = v->s.mlp;
    for (int l = 0; l < v->s.depth; l++) {
        int in[4] = { C, C, C, H }, out[4] = { 3 * C, C, H, C };
        real *W[4] = { v->p.qkv_w + (size_t)l * 3 * C * C, v->p.proj_w + (size_t)l * C * C,
                       v->p.fc1_w + (size_t)l * H * C, v->p.fc2_w + (size_t)l * C * H };
        real *b[4] = { v->p.qkv_b + (size_t)l * 3 * C, v->p.proj_b + (size_t)l * C, v->p.fc1_b + (size_t)l * H,
                       v->p.fc2_b + (size_t)l * C };
        real *gW[4] = { v->g.qkv_w + (size_t)l * 3 * C * C, v->g.proj_w + (size_t)l * C * C,
                        v->g.fc1_w + (size_t)l * H * C, v->g.fc2_w + (size_t)l * C * H };
        real *gb[4] = { v->g.qkv_b + (size_t)l * 3 * C, v->g.proj_b + (size_t)l * C, v->g.fc1_b + (size_t)l * H,
                        v->g.fc2_b + (size_t)l * C };
        for (int m = 0; m < VIT_NMOD; m++) {
            AdaptedLinear *L = &v->blk.lin[l][m];
            memset(L, 0, sizeof(*L));
            L->in = in[m]; L->out = out[m]; L->W = W[m]; L->b = b[m]; L->gW = gW[m]; L->gb = gb[m];
        }
    }
}

Vit *vit_create(VitShape s, int Bmax) {
    if (s.depth > VIT_MAX_DEPTH || s.image % s.patch || s.width % s.heads) return NULL;
    Vit *v = mallocCheck(sizeof(Vit));
    v->s = s;
    v->pp = s.patch * s.patch;
    v->P = (s.image / s.patch) * (s.image / s.patch);
    v->T = v->P + 1;
    param_sizes(v, v->sizes);
    for (int i = 0; i < VIT_NPARAM; i++) v->nparams += v->sizes[i];
    v->params = tensor_alloc(v->nparams);
    v->grads = tensor_alloc(v->nparams);
    point(&v->p, v->params, v->sizes);
    point(&v->g, v->grads, v->sizes);
    blocks_alloc(&v->blk, s.depth, s.width, s.heads, s.mlp, Bmax, v->T, 0);
    Blocks *k = &v->blk;
    k->ln1_w = v->p.ln1_w; k->ln1_b = v->p.ln1_b; k->ln2_w = v->p.ln2_w; k->ln2_b = v->p.ln2_b;
    k->g_ln1_w = v->g.ln1_w; k->g_ln1_b = v->g.ln1_b; k->g_ln2_w = v->g.ln2_w; k->g_ln2_b = v->g.ln2_b;
    bind_linears(v);
    /* activations around the blocks */
    const size_t B = Bmax, C = s.width, K = s.classes, P = v->P;
    const struct { real **slot; size_t size; } table[] = {   /* the size table (shapes in vit.h) */
        { &v->patches, B * P * v->pp }, { &v->pe, B * P * C }, { &v->clsx, B * C }, { &v->lnf, B * C },
        { &v->lnf_mean, B }, { &v->lnf_rstd, B }, { &v->logits, B * K }, { &v->probs, B * K }, { &v->dlogits, B * K },
        { &v->dlnf, B * C }, { &v->dcls, B * C }, { &v->dpe, B * P * C },
    };
    size_t n = sizeof table / sizeof table[0], total = 0;
    for (size_t i = 0; i < n; i++) total += table[i].size;
    v->acts = tensor_alloc(total);
    real *a = v->acts;
    for (size_t i = 0; i < n; i++) { *table[i].slot = a; a += table[i].size; }
    v->Bmax = Bmax;
    return v;
}

void vit_free(Vit *v) {
    if (!v) return;
    blocks_free(&v->blk);
    tensor_free(v->params); tensor_free(v->grads); tensor_free(v->acts); tensor_free(v->adapter); tensor_free(v->adapter_grad); free(v);
}

real *vit_param(Vit *v, const char *name, size_t *count) {
    real **slots = param_slots(&v->p);
    for (int i = 0; i < VIT_NPARAM; i++)
        if (strcmp(VIT_PARAM_NAMES[i], name) == 0) { if (count) *count = v->sizes[i]; return slots[i]; }
    return NULL;
}

static void init_linear(real *W, real *b, int out, int in, Rng *rng) {
    init_linear_uniform(W, out, in, rng);
    init_uniform(b, out, -1.0 / sqrt((double)in), 1.0 / sqrt((double)in), rng);
}

void vit_init(Vit *v, Rng *rng) {
    const int C = v->s.width, H = v->s.mlp, L = v->s.depth;
    init_linear(v->p.patch_w, v->p.patch_b, C, v->pp, rng);
    init_normal(v->p.cls, C, 0, 0.02, rng);
    init_normal(v->p.pos, (size_t)v->T * C, 0, 0.02, rng);
    compute_host_access();   /* the layer norms are set on the host */
    for (int l = 0; l < L; l++) {
        for (int i = 0; i < C; i++) {
            v->p.ln1_w[l * C + i] = 1; v->p.ln1_b[l * C + i] = 0;
            v->p.ln2_w[l * C + i] = 1; v->p.ln2_b[l * C + i] = 0;
        }
        for (int m = 0; m < VIT_NMOD; m++) init_linear(v->blk.lin[l][m].W, v->blk.lin[l][m].b, v->blk.lin[l][m].out, v->blk.lin[l][m].in, rng);
        (void)H;
    }
    for (int i = 0; i < C; i++) { v->p.lnf_w[i] = 1; v->p.lnf_b[i] = 0; }
    init_linear(v->p.head_w, v->p.head_b, v->s.classes, C, rng);
}

int vit_add_adapters(Vit *v, const char *target, AdaptKind kind, int r, double s, int gaussian_init,
                     Rng *rng, char *err, size_t errlen) {
    return blocks_add_adapters(&v->blk, target, kind, r, s, gaussian_init, rng, &v->adapter, &v->adapter_grad,
                               &v->nadapter, "the ViT", err, errlen);
}

void vit_merge(Vit *v) { blocks_merge(&v->blk); }

double vit_forward(Vit *v, const real *images, const int *targets, int B) {
    const int T = v->T, C = v->s.width, K = v->s.classes;
    patchify(v->patches, images, B, v->s.image, v->s.image, v->s.patch);
    linear_forward(v->pe, v->patches, v->p.patch_w, v->p.patch_b, B * v->P, v->pp, C);
    tokens_forward(v->blk.x, v->pe, v->p.cls, v->p.pos, B, v->P, C);
    blocks_forward(&v->blk, B, T);
    const real *xl = blocks_output(&v->blk);
    for (int b = 0; b < B; b++) vec_copy(v->clsx + (size_t)b * C, xl + (size_t)b * T * C, C);
    layernorm_forward(v->lnf, v->lnf_mean, v->lnf_rstd, v->clsx, v->p.lnf_w, v->p.lnf_b, B, C);
    linear_forward(v->logits, v->lnf, v->p.head_w, v->p.head_b, B, C, K);
    return targets ? crossentropy_forward(v->probs, v->logits, targets, B, K) : 0.0;
}

void vit_backward(Vit *v, const int *targets, int B) {
    const int T = v->T, C = v->s.width, K = v->s.classes, BT = B * T;
    vec_zero(v->grads, v->nparams);
    if (v->nadapter) vec_zero(v->adapter_grad, v->nadapter);
    vec_zero(v->dlogits, (size_t)B * K);
    crossentropy_backward(v->dlogits, v->probs, targets, B, K);
    vec_zero(v->dlnf, (size_t)B * C);
    linear_backward(v->dlnf, v->g.head_w, v->g.head_b, v->dlogits, v->lnf, v->p.head_w, B, C, K);
    vec_zero(v->dcls, (size_t)B * C);
    layernorm_backward(v->dcls, v->g.lnf_w, v->g.lnf_b, v->dlnf, v->clsx, v->p.lnf_w, v->lnf_mean, v->lnf_rstd, B, C);
    vec_zero(v->blk.dx, (size_t)BT * C);   /* only the class token reaches the head */
    for (int b = 0; b < B; b++) vec_copy(v->blk.dx + (size_t)b * T * C, v->dcls + (size_t)b * C, C);
    blocks_backward(&v->blk, B, T);
    vec_zero(v->dpe, (size_t)B * v->P * C);
    tokens_backward(v->dpe, v->g.cls, v->g.pos, v->blk.dx, B, v->P, C);
    linear_backward(NULL, v->g.patch_w, v->g.patch_b, v->dpe, v->patches, v->p.patch_w, B * v->P, v->pp, C);
}

int vit_trainables(Vit *v, int full, const char *modules_to_save, AdapterPair *pairs, int *npairs,
                   PlainTensor *plain, int *nplain, int max_plain, char *err, size_t errlen) {
    *npairs = 0;
    *nplain = 0;
    if (full) {
        plain[(*nplain)++] = (PlainTensor){ v->params, v->grads, v->nparams };
        return 0;
    }
    if (blocks_adapter_params(&v->blk, pairs, npairs, plain, nplain, max_plain, err, errlen)) return -1;
    static const struct { const char *name; const char *tensors[4]; } groups[] = {
        { "head", { "head_w", "head_b", NULL } }, { "norm", { "ln1_w", "ln1_b", "ln2_w", "ln2_b" } },
        { "pos", { "cls", "pos", NULL } }, { "patch", { "patch_w", "patch_b", NULL } } };
    char buf[256];
    snprintf(buf, sizeof buf, "%s", modules_to_save);
    for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
        int found = 0;
        for (size_t gi = 0; gi < sizeof groups / sizeof groups[0]; gi++) {
            if (strcmp(tok, groups[gi].name) != 0) continue;
            found = 1;
            for (int t = 0; t < 4 && groups[gi].tensors[t]; t++) {
                size_t n;
                real *p = vit_param(v, groups[gi].tensors[t], &n);
                real *g = v->grads + (p - v->params);
                if (*nplain == max_plain) { snprintf(err, errlen, "modules_to_save: more than %d trainable tensors", max_plain); return -1; }
                plain[(*nplain)++] = (PlainTensor){ p, g, n };
            }
            if (strcmp(tok, "norm") == 0) {
                if (*nplain + 2 > max_plain) { snprintf(err, errlen, "modules_to_save: more than %d trainable tensors", max_plain); return -1; }
                plain[(*nplain)++] = (PlainTensor){ v->p.lnf_w, v->g.lnf_w, (size_t)v->s.width };
                plain[(*nplain)++] = (PlainTensor){ v->p.lnf_b, v->g.lnf_b, (size_t)v->s.width };
            }
        }
        if (!found) {
            snprintf(err, errlen, "modules_to_save: '%s' matches no part of the ViT (expected names among head, norm, pos, patch)", tok);
            return -1;
        }
    }
    return 0;
}
