/* The pairs of LoRA-Pro (Wang et al. 2024; re-derived from the authors' standalone optimizer,
   mrflogs/LoRA-Pro peta/optim.py at 85d74c9, class AdamW; not copied). A pair W0 + s B A,
   A (r,n), B (m,r), gradients gA = s B^T G, gB = s G A^T of the full gradient G. With
   Sa = (A A^T + d I)^+, Sb = (B^T B + d I)^+, d = 1e-8, the gradients that make s (B dA + dB A)
   closest to a full-gradient step D (dA, dB from gA, gB of D) are
       hA = Sb gA / s^2 + X A,   hB = (I - B Sb B^T) gB Sa / s^2 - B X,
   with X (r,r) one of (lorapro_x): sylvester, solving B^T B X + X A A^T = -Sb gA A^T / s^2;
   symmetry, X = -Sb B^T gB A A^T / (2 s^2); zero.
   - efficient mode: AdamW on hA and hB per factor (moments of A's and B's shapes, decoupled
     decay A, B *= 1 - lr wd, bias correction per step);
   - full mode: AdamW's moments of the equivalent full gradient G~ = s (B hA + hB A) with X = 0,
     kept in (m,n); its direction D = (M / bc1) / (sqrt(V) / sqrt(bc2) + eps) gives
     gA = s B^T D, gB = s D A^T, whose hA, hB (X per lorapro_x) are the step: A -= lr hA,
     B -= lr hB, after decaying A, B by sqrt(1 - lr wd) and W0 by 1 - lr wd.
   Both factors use the A, B of the step's start. Clipping looks at the raw gA, gB (their trainer
   clips before the optimizer). The authors' DeepSpeed version (fe26027, stage_1_and_2.py) has
   full mode only, with the sylvester X, bias correction from t = 2, s fixed at 2 and the step
   applied through ZeRO's clipping and SGD: we follow the standalone optimizer. */
#include <math.h>
#include <string.h>
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "pair_optimizer.h"

#define LORAPRO_DAMPING 1e-8   /* their delta in pinv(B^T B + delta I) */

typedef enum { X_SYLVESTER = 0, X_SYMMETRY = 1, X_ZERO = 2 } XMode;

typedef struct {
    AdapterPair pair;
    int full;                     /* full mode */
    XMode xmode;
    real *mA, *vA, *mB, *vB;      /* efficient: (r,n) (r,n) (m,r) (m,r) moments */
    real *M, *V, *D;              /* full: (m,n) moments, (m,n) work (equivalent gradient, direction) */
    real *BtB, *AAt, *Sb, *Sa, *T, *Y, *X;   /* (r,r) work */
    real *hA, *gA2;               /* (r,n) work: adjusted gradient, full mode's gA of D */
    real *hB, *gB2, *P;           /* (m,r) work: adjusted gradient, full mode's gB of D, projection */
} ProPair;

static size_t size_A(const ProPair *p) { return (size_t)p->pair.r * p->pair.n; }
static size_t size_B(const ProPair *p) { return (size_t)p->pair.m * p->pair.r; }
static size_t size_W(const ProPair *p) { return (size_t)p->pair.m * p->pair.n; }

static void init(void *state, const AdapterPair *pair, const OptimConfig *cfg) {
    ProPair *p = state;
    memset(p, 0, sizeof *p);
    p->pair = *pair;
    p->full = strcmp(cfg->lorapro_mode, "full") == 0;
    p->xmode = strcmp(cfg->lorapro_x, "symmetry") == 0 ? X_SYMMETRY : strcmp(cfg->lorapro_x, "zero") == 0 ? X_ZERO : X_SYLVESTER;
    const size_t a = size_A(p), b = size_B(p), rr = (size_t)pair->r * pair->r;
    if (p->full) {
        p->M = tensor_alloc(size_W(p)); p->V = tensor_alloc(size_W(p)); p->D = tensor_alloc(size_W(p));
        p->gA2 = tensor_alloc(a); p->gB2 = tensor_alloc(b);
    } else {
        p->mA = tensor_alloc(a); p->vA = tensor_alloc(a); p->mB = tensor_alloc(b); p->vB = tensor_alloc(b);
    }
    real **small[] = { &p->BtB, &p->AAt, &p->Sb, &p->Sa, &p->T, &p->Y, &p->X };
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) *small[i] = tensor_alloc(rr);
    p->hA = tensor_alloc(a); p->hB = tensor_alloc(b); p->P = tensor_alloc(b);
}

static void sqnorm(void *state, const OptimConfig *cfg, double *acc) {
    (void)cfg;
    pair_grad_sqnorm(&((ProPair *)state)->pair, acc);
}

static void scale_grads(void *state, real coef) { pair_scale_grads(&((ProPair *)state)->pair, coef); }

/* Sb, Sa from the current A, B (BtB, AAt kept for the Sylvester equation) */
static void inverses(ProPair *p) {
    const int r = p->pair.r, m = p->pair.m, n = p->pair.n;
    blas_gemm(1, 0, r, r, m, 1, p->pair.B, r, p->pair.B, r, 0, p->BtB, r);   /* B^T B */
    blas_gemm(0, 1, r, r, n, 1, p->pair.A, n, p->pair.A, n, 0, p->AAt, r);   /* A A^T */
    sym_pinv(p->Sb, p->BtB, r, LORAPRO_DAMPING);
    sym_pinv(p->Sa, p->AAt, r, LORAPRO_DAMPING);
}

/* hA (r,n), hB (m,r) [OUT] from gA (r,n), gB (m,r) with the X of mode (inverses() done) */
static void adjust(ProPair *p, const real *gA, const real *gB, XMode mode) {
    const int r = p->pair.r, m = p->pair.m, n = p->pair.n;
    const real *A = p->pair.A, *B = p->pair.B;
    const double s = p->pair.s, is2 = 1.0 / (s * s);
    blas_gemm(1, 0, r, r, m, 1, B, r, gB, r, 0, p->T, r);                 /* T = B^T gB */
    blas_gemm(0, 0, r, r, r, 1, p->Sb, r, p->T, r, 0, p->Y, r);           /* Y = Sb B^T gB */
    if (mode == X_SYLVESTER) {
        real *C = p->T;                                                   /* T is free again below */
        blas_gemm(0, 1, r, r, n, 1, gA, n, A, n, 0, p->X, r);             /* X = gA A^T (scratch) */
        blas_gemm(0, 0, r, r, r, (real)-is2, p->Sb, r, p->X, r, 0, C, r); /* C = -Sb gA A^T / s^2 */
        sym_sylvester(p->X, p->BtB, p->AAt, C, r);
    } else if (mode == X_SYMMETRY) {
        blas_gemm(0, 0, r, r, r, (real)(-0.5 * is2), p->Y, r, p->AAt, r, 0, p->X, r);
    } else {
        vec_zero(p->X, (size_t)r * r);
    }
    blas_gemm(0, 0, r, n, r, (real)is2, p->Sb, r, gA, n, 0, p->hA, n);    /* hA = Sb gA / s^2 */
    blas_gemm(0, 0, r, n, r, 1, p->X, r, A, n, 1, p->hA, n);             /*    + X A */
    vec_copy(p->P, gB, size_B(p));
    blas_gemm(0, 0, m, r, r, -1, B, r, p->Y, r, 1, p->P, r);              /* P = (I - B Sb B^T) gB */
    blas_gemm(0, 0, m, r, r, (real)is2, p->P, r, p->Sa, r, 0, p->hB, r);  /* hB = P Sa / s^2 */
    blas_gemm(0, 0, m, r, r, -1, B, r, p->X, r, 1, p->hB, r);            /*    - B X */
}

static void step_efficient(ProPair *p, const OptimConfig *c, double lr, long k) {
    inverses(p);
    adjust(p, p->pair.gA, p->pair.gB, p->xmode);
    adamw_step(p->pair.A, p->mA, p->vA, p->hA, size_A(p), lr, c->beta1, c->beta2, c->eps, lr * c->weight_decay, k);
    adamw_step(p->pair.B, p->mB, p->vB, p->hB, size_B(p), lr, c->beta1, c->beta2, c->eps, lr * c->weight_decay, k);
}

static void step_full(ProPair *p, const OptimConfig *c, double lr, long k) {
    const int r = p->pair.r, m = p->pair.m, n = p->pair.n;
    real *A = p->pair.A, *B = p->pair.B;
    const double s = p->pair.s;
    inverses(p);
    adjust(p, p->pair.gA, p->pair.gB, X_ZERO);
    blas_gemm(0, 0, m, n, r, (real)s, B, r, p->hA, n, 0, p->D, n);        /* D = s B hA */
    blas_gemm(0, 0, m, n, r, (real)s, p->hB, r, A, n, 1, p->D, n);        /*   + s hB A */
    adam_moments(p->M, p->V, p->D, size_W(p), c->beta1, c->beta2);
    vec_copy(p->D, p->M, size_W(p));
    loft_adam_direction(p->D, p->V, size_W(p), 1.0 / (1.0 - pow(c->beta1, (double)k)),
                        sqrt(1.0 - pow(c->beta2, (double)k)), c->eps);
    blas_gemm(1, 0, r, n, m, (real)s, B, r, p->D, n, 0, p->gA2, n);       /* gA of D = s B^T D */
    blas_gemm(0, 1, m, r, n, (real)s, p->D, n, A, n, 0, p->gB2, r);       /* gB of D = s D A^T */
    adjust(p, p->gA2, p->gB2, p->xmode);
    if (c->weight_decay > 0) {   /* decay of the equivalent weight W0 + s B A */
        const real f = (real)sqrt(1.0 - lr * c->weight_decay);
        vec_scale(A, f, size_A(p));
        vec_scale(B, f, size_B(p));
        if (p->pair.W0) vec_scale(p->pair.W0, (real)(1.0 - lr * c->weight_decay), size_W(p));
    }
    vec_axpby(A, (real)-lr, p->hA, 1, size_A(p));
    vec_axpby(B, (real)-lr, p->hB, 1, size_B(p));
}

static void step(void *state, const OptimConfig *c, double lr, long k) {
    ProPair *p = state;
    if (p->full) step_full(p, c, lr, k);
    else step_efficient(p, c, lr, k);
}

static size_t state_bytes(const void *state) {
    const ProPair *p = state;
    return (p->full ? 2 * size_W(p) : 2 * (size_A(p) + size_B(p))) * sizeof(real);
}

static void release(void *state) {
    ProPair *p = state;
    real *t[] = { p->mA, p->vA, p->mB, p->vB, p->M, p->V, p->D, p->BtB, p->AAt, p->Sb, p->Sa, p->T, p->Y, p->X,
                  p->hA, p->gA2, p->hB, p->gB2, p->P };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) tensor_free(t[i]);
}

/* the moments; the rest is work recomputed every step (W0, which the full mode's decay scales,
   belongs to the task) */
static void walk(void *state, StateWalk *w) {
    ProPair *p = state;
    if (p->full) {
        tensor_walk(w, "M", p->M, size_W(p));
        tensor_walk(w, "V", p->V, size_W(p));
        return;
    }
    tensor_walk(w, "mA", p->mA, size_A(p));
    tensor_walk(w, "vA", p->vA, size_A(p));
    tensor_walk(w, "mB", p->mB, size_B(p));
    tensor_walk(w, "vB", p->vB, size_B(p));
}

const PairOptimizer LOFT_NAME(lorapro_pairs) = { sizeof(ProPair), init, NULL, sqnorm, scale_grads, step, state_bytes, release, walk };
