/* The pairs of AltLoRA and AltLoRA+ (Yu et al. 2025; the authors' optimizer_new.py at
   LucasXinYu/AltLoRA 94b2198, re-derived here, not copied). A pair W0 + s B A, A (r,n), B (m,r):
   moving A: S = (B^T B + delta I)^-1, the gradient projected g = S gA, the first moment carried
   from the basis of the B it last saw, m = b1 (S B^T B_old) m + (1 - b1) g, and
   A -= lr / (1 - b1^t) m, then A -= lr wd A; moving B the same on the right:
   S = (A A^T + delta I)^-1, g = gB S, m = b1 m (A_old A^T S) + (1 - b1) g. t counts the factor's
   own updates. AltLoRA+ steps along u = b1 (carried m) + (1 - b1) g divided by sqrt(v) + eps,
   v = b2 v + (1 - b2) g^2 element-wise and never corrected or carried, and keeps the moment
   uncarried: m = b1 m + (1 - b1) g. With alternation (alternate_update) one factor moves per step
   (alternate_first first); without it A then B every step, B seeing the new A (the authors'
   default trainer). The snapshots start at zero, as theirs do. */
#include <math.h>
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "pair_optimizer.h"

typedef struct {
    AdapterPair pair;
    int plus;                 /* AltLoRA+ */
    real *mA, *vA, *Bold;     /* (r,n) (r,n) (m,r): A's moments, B when A last moved */
    real *mB, *vB, *Aold;     /* (m,r) (m,r) (r,n): B's moments, A when B last moved */
    real *G, *S, *T, *P;      /* (r,r) work */
    real *g, *u;              /* (max(m,n) r) work: projected gradient, step direction */
    long tA, tB;              /* updates of each factor so far */
    int phase;                /* under alternation: 0 = A moves next, 1 = B */
} AltPair;

static size_t size_A(const AltPair *p) { return (size_t)p->pair.r * p->pair.n; }
static size_t size_B(const AltPair *p) { return (size_t)p->pair.m * p->pair.r; }

static void init(void *state, const AdapterPair *pair, const OptimConfig *cfg) {
    AltPair *p = state;
    p->pair = *pair;
    p->plus = cfg->method == METHOD_ALTLORA_PLUS;
    const size_t a = size_A(p), b = size_B(p), rr = (size_t)pair->r * pair->r, big = a > b ? a : b;
    p->mA = tensor_alloc(a); p->Bold = tensor_alloc(b);
    p->mB = tensor_alloc(b); p->Aold = tensor_alloc(a);
    p->vA = p->plus ? tensor_alloc(a) : NULL;
    p->vB = p->plus ? tensor_alloc(b) : NULL;
    p->G = tensor_alloc(rr); p->S = tensor_alloc(rr); p->T = tensor_alloc(rr); p->P = tensor_alloc(rr);
    p->g = tensor_alloc(big); p->u = tensor_alloc(big);
    p->tA = p->tB = 0;
    p->phase = cfg->alternate_first[0] == 'B' ? 1 : 0;
}

static int moves(const AltPair *p, const OptimConfig *cfg, int side) { return !cfg->alternate_update || p->phase == side; }

static void sqnorm(void *state, const OptimConfig *cfg, double *acc) {
    AltPair *p = state;   /* the gradients the step uses: a held factor has none (the authors freeze it) */
    if (moves(p, cfg, 0)) *acc += blas_sumsq(p->pair.gA, size_A(p));
    if (moves(p, cfg, 1)) *acc += blas_sumsq(p->pair.gB, size_B(p));
}

static void scale_grads(void *state, real coef) {
    AltPair *p = state;
    vec_scale(p->pair.gA, coef, size_A(p));
    vec_scale(p->pair.gB, coef, size_B(p));
}

/* X (n,) [OUT] -= lr / bc1 m (AltLoRA) or lr / bc1 u / (sqrt(v) + eps) (AltLoRA+), with the
   projected gradient in p->g; carried (n,) [BUFFER]: the first moment carried to the new basis */
static void update(AltPair *p, const OptimConfig *c, real *X, real *m, real *v, real *carried, size_t n,
                   double lr, long t) {
    const double b1 = c->beta1, step = lr / (1.0 - pow(b1, (double)t));
    if (!p->plus) {
        vec_copy(m, carried, n);
        vec_axpby(m, (real)(1.0 - b1), p->g, (real)b1, n);               /* m = b1 carried + (1 - b1) g */
        vec_axpby(X, (real)-step, m, 1, n);
    } else {
        sq_moment(v, p->g, n, c->beta2);
        vec_axpby(carried, (real)(1.0 - b1), p->g, (real)b1, n);         /* u = b1 carried + (1 - b1) g */
        precond_step(X, carried, v, n, step, c->eps);
        vec_axpby(m, (real)(1.0 - b1), p->g, (real)b1, n);               /* m = b1 m + (1 - b1) g, uncarried */
    }
    if (c->weight_decay > 0) vec_axpby(X, (real)(-lr * c->weight_decay), X, 1, n);   /* X -= lr wd X */
}

static void step(void *state, const OptimConfig *c, double lr, long k) {
    (void)k;
    AltPair *p = state;
    const int r = p->pair.r, m = p->pair.m, n = p->pair.n;
    real *A = p->pair.A, *B = p->pair.B;
    const int moveA = moves(p, c, 0), moveB = moves(p, c, 1);
    if (moveA) {
        blas_gemm(1, 0, r, r, m, 1, B, r, B, r, 0, p->G, r);                  /* G = B^T B */
        sym_pinv(p->S, p->G, r, c->damping);                                  /* S = (G + delta I)^-1 */
        blas_gemm(1, 0, r, r, m, 1, B, r, p->Bold, r, 0, p->T, r);            /* T = B^T B_old */
        blas_gemm(0, 0, r, r, r, 1, p->S, r, p->T, r, 0, p->P, r);            /* P = S B^T B_old */
        blas_gemm(0, 0, r, n, r, 1, p->S, r, p->pair.gA, n, 0, p->g, n);      /* g = S gA */
        blas_gemm(0, 0, r, n, r, 1, p->P, r, p->mA, n, 0, p->u, n);           /* carried = P m */
        update(p, c, A, p->mA, p->vA, p->u, size_A(p), lr, ++p->tA);
        vec_copy(p->Bold, B, size_B(p));
    }
    if (moveB) {
        blas_gemm(0, 1, r, r, n, 1, A, n, A, n, 0, p->G, r);                  /* G = A A^T (A as it is now) */
        sym_pinv(p->S, p->G, r, c->damping);
        blas_gemm(0, 1, r, r, n, 1, p->Aold, n, A, n, 0, p->T, r);            /* T = A_old A^T */
        blas_gemm(0, 0, r, r, r, 1, p->T, r, p->S, r, 0, p->P, r);            /* P = A_old A^T S */
        blas_gemm(0, 0, m, r, r, 1, p->pair.gB, r, p->S, r, 0, p->g, r);      /* g = gB S */
        blas_gemm(0, 0, m, r, r, 1, p->mB, r, p->P, r, 0, p->u, r);           /* carried = m P */
        update(p, c, B, p->mB, p->vB, p->u, size_B(p), lr, ++p->tB);
        vec_copy(p->Aold, A, size_A(p));
    }
    if (c->alternate_update) p->phase = 1 - p->phase;
}

static size_t state_bytes(const void *state) {
    const AltPair *p = state;
    return (size_t)(2 + p->plus) * (size_A(p) + size_B(p)) * sizeof(real);   /* m, snapshots (, v) */
}

static void release(void *state) {
    AltPair *p = state;
    tensor_free(p->mA); tensor_free(p->vA); tensor_free(p->Bold); tensor_free(p->mB); tensor_free(p->vB); tensor_free(p->Aold);
    tensor_free(p->G); tensor_free(p->S); tensor_free(p->T); tensor_free(p->P); tensor_free(p->g); tensor_free(p->u);
}

static void walk(void *state, StateWalk *w) {
    AltPair *p = state;
    tensor_walk(w, "mA", p->mA, size_A(p));
    tensor_walk(w, "vA", p->vA, p->vA ? size_A(p) : 0);
    tensor_walk(w, "Bold", p->Bold, size_B(p));
    tensor_walk(w, "mB", p->mB, size_B(p));
    tensor_walk(w, "vB", p->vB, p->vB ? size_B(p) : 0);
    tensor_walk(w, "Aold", p->Aold, size_A(p));
    state_walk(w, "tA", &p->tA, sizeof p->tA);
    state_walk(w, "tB", &p->tB, sizeof p->tB);
    state_walk(w, "phase", &p->phase, sizeof p->phase);
}

const PairOptimizer LOFT_NAME(altlora_pairs) = { sizeof(AltPair), init, NULL, sqnorm, scale_grads, step, state_bytes, release, walk };
