/* LoFT-AdamW for one adapter pair: gradient rescaling, moment transport, second-moment cross
   terms, the projected full AdamW update streamed by row blocks (never an m x n buffer), the
   factor-space fallback, alternation, and the parity mode of the authors' public code.

   The scale s of W = W0 + s B A (alpha / r, rsLoRA's alpha / sqrt(r)). docs/algorithm.md writes
   LoFT for W = W0 + U V^T; with a scale, the step runs on a factorisation of the same product,
   U = sqrt(s) B (m,r) and V = sqrt(s) A^T (n,r), so U V^T = s B A. The loss's factor gradients
   carry s (dL/dB = s G A^T, dL/dA = s B^T G with G = dL/dW), so the gradients w.r.t. U and V
   are dL/dB / sqrt(s) = G V and (dL/dA)^T / sqrt(s) = G^T U: its nabla U, nabla V (§1).
   After the step B = U / sqrt(s), A = V^T / sqrt(s). Consequences (docs/algorithm.md §8,
   invariance to alpha and to rescaling the factors; tests/test_loft_invariance.c):
   - s = 1 skips every one of these multiplications: bit for bit the unscaled step;
   - with block 5 (the projected full step) and damping 0, the step of W depends on U V^T only
     through its row and column spaces (U -> U/c, V -> cV leaves G P_V, the moments in the full
     space, the AdamW direction with its eps, and the step of W unchanged), so W's trajectory does
     not depend on s for a given start s B A, nor on where s sits: alpha is redundant, exactly.
     Without block 5 (a factor-space Adam step) it is not: there alpha acts as A -> sqrt(s) A
     would, the same factors of sqrt(s) that make LoRA's trajectory depend on alpha;
   - the parity mode keeps the authors' code, whose optimizer never sees s: it steps B, A on
     the raw gradients, and alpha changes the trajectory (to first order it scales W's step like
     the learning rate; eps and the damping D6 do not follow it). */
#include <math.h>
#include <string.h>
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "loft.h"
#include "pair_optimizer.h"

#define STREAM_ELEMS (1 << 18)   /* elements per streamed block buffer when row_block = 0 */

static int parity(const OptimConfig *cfg) { return optim_parity(cfg); }
/* block 2 off in the consistent reading of docs/algorithm.md §3.1: raw moments, transported and reconstructed
   exactly (the parity mode keeps the authors' S = I) */
static int raw_moments(const OptimConfig *cfg) { return !cfg->rescale_grads && !parity(cfg); }

/* in parity mode blocks 4 and 5 are tied (the authors' code has one switch for both) */
static int use_full_update(const OptimConfig *cfg) {
    return parity(cfg) ? cfg->reproject_second_moment : cfg->project_full_update;
}

static int side_rows(const LoftPair *lp, int s) { return s == 0 ? lp->pair.m : lp->pair.n; }
/* the factor of side s in rows x r layout: B for side 0, the copy V = A^T for side 1 */
static real *factor(LoftPair *lp, int s) { return s == 0 ? (lp->U ? lp->U : lp->pair.B) : lp->V; }
static real *held(LoftPair *lp, int s) { return factor(lp, 1 - s); }
static real *raw_grad(LoftPair *lp, int s) { return s == 0 ? lp->pair.gB : lp->gV; }

/* rows per block of the streamed update of a side with `rows` rows and `hrows` held rows: row_block,
   or as many as fit STREAM_ELEMS elements of (rows, hrows); at least 1, at most rows */
static int block_rows(const OptimConfig *cfg, int rows, int hrows) {
    int blk = cfg->row_block > 0 ? cfg->row_block : STREAM_ELEMS / (hrows > 0 ? hrows : 1);
    if (blk < 1) blk = 1;
    return blk > rows ? rows : blk;
}

void loft_pair_init(LoftPair *lp, const AdapterPair *pair, const OptimConfig *cfg) {
    memset(lp, 0, sizeof(*lp));
    lp->pair = *pair;
    const int r = pair->r, m = pair->m, n = pair->n, big = m > n ? m : n;
    for (int s = 0; s < 2; s++) {
        LoftSide *sd = &lp->side[s];
        int rows = s == 0 ? m : n, held_rows = s == 0 ? n : m;
        sd->rows = rows;
        sd->mom = tensor_alloc((size_t)rows * r);
        if (cfg->reproject_second_moment) {
            sd->P = tensor_alloc((size_t)rows * r * r);
            sd->vhat = tensor_alloc((size_t)rows * r);
        } else {
            sd->v = tensor_alloc((size_t)rows * r);
        }
        sd->Hprev = tensor_alloc((size_t)held_rows * r);
        if (raw_moments(cfg)) sd->Sprev = tensor_alloc((size_t)r * r);
        sd->g = tensor_alloc((size_t)rows * r);
        sd->delta = tensor_alloc((size_t)rows * r);
        lp->gram[s] = tensor_alloc((size_t)r * r);
        lp->S[s] = tensor_alloc((size_t)r * r);
        lp->S_of[s] = tensor_alloc((size_t)r * r);
    }
    lp->V = tensor_alloc((size_t)n * r);
    lp->gV = tensor_alloc((size_t)n * r);
    /* the step runs on U = sqrt(s) B, V = sqrt(s) A^T (header); not in parity mode (the authors'
       optimizer never sees s), nor at s = 1 */
    lp->root_s = parity(cfg) || pair->s == 1.0 || !(pair->s > 0) ? 1.0 : sqrt(pair->s);
    if (lp->root_s != 1.0) lp->U = tensor_alloc((size_t)m * r);
    lp->C = tensor_alloc((size_t)r * r);
    lp->tmp = tensor_alloc((size_t)(big > 2 * r ? big : 2 * r) * r);
    lp->phase = cfg->alternate_first[0] == 'A' ? 1 : 0;
    /* the streamed update's buffers: blocks of rows of at most STREAM_ELEMS elements (at least one row) */
    lp->stream = cfg->row_block > 0 ? (size_t)cfg->row_block * big : (STREAM_ELEMS > big ? STREAM_ELEMS : (size_t)big);
    lp->K = tensor_alloc((size_t)r * r * big);
    lp->M = tensor_alloc(lp->stream);
    lp->Q = tensor_alloc(lp->stream);
    lp->T = tensor_alloc((size_t)big * r);
    if (cfg->reproject_second_moment) {   /* the larger block of the two sides (projected_direction) */
        int b0 = block_rows(cfg, m, n), b1 = block_rows(cfg, n, m);
        lp->Pp = tensor_alloc((size_t)(b0 > b1 ? b0 : b1) * loft_packed_width(r));
    }
}

void loft_pair_free(LoftPair *lp) {
    for (int s = 0; s < 2; s++) {
        LoftSide *sd = &lp->side[s];
        tensor_free(sd->Sprev); tensor_free(sd->mom); tensor_free(sd->P); tensor_free(sd->v); tensor_free(sd->vhat); tensor_free(sd->Hprev);
        tensor_free(sd->g); tensor_free(sd->delta); tensor_free(lp->gram[s]); tensor_free(lp->S[s]); tensor_free(lp->S_of[s]);
    }
    tensor_free(lp->V); tensor_free(lp->gV); tensor_free(lp->U); tensor_free(lp->C); tensor_free(lp->tmp);
    tensor_free(lp->K); tensor_free(lp->M); tensor_free(lp->Q); tensor_free(lp->T); tensor_free(lp->Pp);
}

size_t loft_pair_state_bytes(const LoftPair *lp) {
    size_t b = 0;
    const int r = lp->pair.r;
    for (int s = 0; s < 2; s++) {
        const LoftSide *sd = &lp->side[s];
        int held_rows = s == 0 ? lp->pair.n : lp->pair.m;
        b += (size_t)sd->rows * r;                                 /* first moment */
        b += sd->P ? (size_t)sd->rows * r * r : (size_t)sd->rows * r;  /* cross terms or v */
        b += (size_t)held_rows * r;                                /* snapshot of the held factor */
        if (sd->Sprev) b += (size_t)r * r;                         /* and its S (block 2 off) */
    }
    return b * sizeof(real);
}

/* gram[s] = H^T H and S[s] = (gram + damping I)^+ for side s; S = I when rescaling is off in
   parity mode (the authors' code) */
static void held_gram(LoftPair *lp, int s, const OptimConfig *cfg) {
    const int r = lp->pair.r, hrows = side_rows(lp, 1 - s);
    const real *H = held(lp, s);
    blas_gemm(1, 0, r, r, hrows, 1, H, r, H, r, 0, lp->gram[s], r);
    if (!cfg->rescale_grads && parity(cfg)) {
        mat_identity(lp->S[s], r);
        return;
    }
    /* S is a function of the Gram alone (and the side's fixed damping): under alternation the
       held factor of one side did not move in the last step, so its Gram is the same to the bit
       and the pseudo-inverse is kept (what it would give again, without its r x r solve).
       Without alternation both factors move every step: no compare (a GPU sync) */
    const size_t rr = (size_t)r * r;
    if (cfg->alternate_update && lp->S_known[s] && vec_equal(lp->gram[s], lp->S_of[s], rr)) return;
    /* parity D6: 1e-6 when moving A (held B, side 1), 1e-8 when moving B (held A, side 0) */
    double damping = parity(cfg) ? (s == 1 ? 1e-6 : 1e-8) : cfg->damping;
    sym_pinv(lp->S[s], lp->gram[s], r, damping);
    vec_copy(lp->S_of[s], lp->gram[s], rr);
    lp->S_known[s] = 1;
}

void loft_pair_begin(LoftPair *lp, const OptimConfig *cfg) {
    const AdapterPair *p = &lp->pair;
    transpose(lp->V, p->A, p->r, p->n);
    transpose(lp->gV, p->gA, p->r, p->n);
    if (lp->U) {   /* U = sqrt(s) B, V = sqrt(s) A^T and their gradients dL/dB / sqrt(s), dL/dA^T / sqrt(s)
                      (header); gA too, for the clipping norm of the raw gradients (block 6 off) */
        const real up = (real)lp->root_s, down = (real)(1.0 / lp->root_s);
        const size_t mr = (size_t)p->m * p->r, nr = (size_t)p->n * p->r;
        vec_copy(lp->U, p->B, mr);
        vec_scale(lp->U, up, mr);
        vec_scale(lp->V, up, nr);
        vec_scale(p->gB, down, mr);
        vec_scale(lp->gV, down, nr);
        vec_scale(p->gA, down, nr);
    }
    held_gram(lp, 0, cfg);
    held_gram(lp, 1, cfg);
}

static int moves(const LoftPair *lp, const OptimConfig *cfg, int s) {
    return !cfg->alternate_update || lp->phase == s;
}

double loft_pair_sqnorm(LoftPair *lp, const OptimConfig *cfg) {
    const AdapterPair *p = &lp->pair;
    if (!cfg->clip_projected)
        return blas_sumsq(p->gA, (size_t)p->r * p->n) + blas_sumsq(p->gB, (size_t)p->m * p->r);
    double total = 0.0;
    const int r = p->r;
    for (int s = 0; s < 2; s++) {
        if (!moves(lp, cfg, s)) continue;
        /* ||G P_H||_F^2 = sum_i g[i]^T (H^T H) g[i] with g = grad S: O(rows r^2), no m x n */
        LoftSide *sd = &lp->side[s];
        blas_gemm(0, 0, sd->rows, r, r, 1, raw_grad(lp, s), r, lp->S[s], r, 0, sd->g, r);
        blas_gemm(0, 0, sd->rows, r, r, 1, sd->g, r, lp->gram[s], r, 0, sd->delta, r);
        total += vec_dot(sd->g, sd->delta, (size_t)sd->rows * r);
    }
    return total;
}

void loft_pair_scale_grads(LoftPair *lp, real scale) {
    const AdapterPair *p = &lp->pair;
    vec_scale(p->gA, scale, (size_t)p->r * p->n);
    vec_scale(lp->gV, scale, (size_t)p->r * p->n);
    vec_scale(p->gB, scale, (size_t)p->m * p->r);
}

/* Rescale side s's gradient, transport its state to the held factor's current basis, take the
   gradient into the moments, and snapshot the held factor (docs/algorithm.md §2, lines 2-9 of the step). */
static void side_accumulate(LoftPair *lp, int s, const OptimConfig *cfg) {
    LoftSide *sd = &lp->side[s];
    const int r = lp->pair.r, rows = sd->rows, hrows = side_rows(lp, 1 - s);
    const real *H = held(lp, s);
    const size_t nr = (size_t)rows * r;
    if (cfg->rescale_grads) blas_gemm(0, 0, rows, r, r, 1, raw_grad(lp, s), r, lp->S[s], r, 0, sd->g, r);
    else vec_copy(sd->g, raw_grad(lp, s), nr);

    int move_first, move_second, snapshot;
    if (parity(cfg)) {   /* transport only when rescaling and momentum reprojection are both on */
        snapshot = cfg->rescale_grads && cfg->reproject_momentum;
        move_first = snapshot && sd->has_prev;
        move_second = move_first && cfg->reproject_second_moment;
    } else {
        snapshot = cfg->reproject_momentum || cfg->reproject_second_moment;
        move_first = cfg->reproject_momentum && sd->has_prev;
        move_second = cfg->reproject_second_moment && sd->has_prev;
    }
    if (move_first || move_second) {   /* C = (Hprev^T H) S, or Sprev (Hprev^T H) for raw moments (docs/algorithm.md §3.1) */
        blas_gemm(1, 0, r, r, hrows, 1, sd->Hprev, r, H, r, 0, lp->tmp, r);
        if (raw_moments(cfg)) blas_gemm(0, 0, r, r, r, 1, sd->Sprev, r, lp->tmp, r, 0, lp->C, r);
        else blas_gemm(0, 0, r, r, r, 1, lp->tmp, r, lp->S[s], r, 0, lp->C, r);
    }
    if (move_first) {
        blas_gemm(0, 0, rows, r, r, 1, sd->mom, r, lp->C, r, 0, lp->tmp, r);
        vec_copy(sd->mom, lp->tmp, nr);
    }
    if (snapshot) {
        vec_copy(sd->Hprev, H, (size_t)hrows * r);
        if (sd->Sprev) vec_copy(sd->Sprev, lp->S[s], (size_t)r * r);
        sd->has_prev = 1;
    }

    const double b1 = cfg->beta1, b2 = cfg->beta2;
    if (!sd->P) {   /* block 4 off: element-wise second moment, the AdamW kernel */
        adam_moments(sd->mom, sd->v, sd->g, nr, b1, b2);
        return;
    }
    vec_axpby(sd->mom, (real)(1.0 - b1), sd->g, (real)b1, nr);   /* mom = b1 mom + (1 - b1) g */
    /* the cross terms transported (when they move) and updated; K: free until projected_direction */
    loft_cross_terms_step(sd->P, sd->g, move_second ? lp->C : NULL, rows, r, parity(cfg), b2, lp->K);
}

/* delta (rows,r) [OUT] = (D H) S where D (rows, hrows) is AdamW's direction in the full space,
   D_ij = (mom[i].H[j] / bc1) / (sqrt(max(0, H[j]^T P[i] H[j]) / bc2) + eps) (or with the
   diagonal v[i] in place of P[i]); streamed by blocks of rows, never stored whole. */
static void projected_direction(LoftPair *lp, int s, const OptimConfig *cfg, long step) {
    LoftSide *sd = &lp->side[s];
    const int r = lp->pair.r, rows = sd->rows, hrows = side_rows(lp, 1 - s);
    const real *H = held(lp, s);
    /* the full-space moments read the held factor as H' = H S when the moments are raw (docs/algorithm.md §3.1:
       m_rescaled = m_raw S, P_rescaled = S P_raw S); the projection back always uses H and S */
    const real *Hm = H;
    if (raw_moments(cfg)) {
        blas_gemm(0, 0, hrows, r, r, 1, H, r, lp->S[s], r, 0, lp->tmp, r);
        Hm = lp->tmp;
    }
    /* inner dimension of the second-moment product: the pairs a <= b of the symmetric cross
       terms (h^T P h sums each off-diagonal pair once, folded), or the diagonal v */
    const int kdim = sd->P ? loft_packed_width(r) : r;
    real *K = lp->K;   /* (kdim, hrows) */
    loft_khatri_rao(K, Hm, hrows, r, sd->P != NULL);
    const int blk = block_rows(cfg, rows, hrows);
    real *M = lp->M, *Q = lp->Q, *T = lp->T;   /* (blk, hrows), (blk, hrows), (blk, r) */
    const double inv_bc1 = 1.0 / (1.0 - pow(cfg->beta1, (double)step)), sqrt_bc2 = sqrt(1.0 - pow(cfg->beta2, (double)step));
    for (int i0 = 0; i0 < rows; i0 += blk) {
        int nb = rows - i0 < blk ? rows - i0 : blk;
        const real *second = lp->Pp;   /* (nb, kdim) */
        if (sd->P) loft_pack_cross_terms(lp->Pp, sd->P + (size_t)i0 * r * r, nb, r);
        else second = sd->v + (size_t)i0 * r;
        blas_gemm(0, 1, nb, hrows, r, 1, sd->mom + (size_t)i0 * r, r, Hm, r, 0, M, hrows);
        blas_gemm(0, 0, nb, hrows, kdim, 1, second, kdim, K, hrows, 0, Q, hrows);
        loft_adam_direction(M, Q, (size_t)nb * hrows, inv_bc1, sqrt_bc2, cfg->eps);
        blas_gemm(0, 0, nb, r, hrows, 1, M, hrows, H, r, 0, T, r);
        blas_gemm(0, 0, nb, r, r, 1, T, r, lp->S[s], r, 0, sd->delta + (size_t)i0 * r, r);
    }
}

/* the step of the moving side s: the projected full update (block 5) or the factor-space Adam
   step, with decoupled weight decay on the moving factor (parity D5: p - lambda p) */
static void side_apply(LoftPair *lp, int s, const OptimConfig *cfg, double lr, long step) {
    LoftSide *sd = &lp->side[s];
    const int r = lp->pair.r;
    const size_t nr = (size_t)sd->rows * r;
    real *X = factor(lp, s);
    const double decay = parity(cfg) ? cfg->weight_decay : lr * cfg->weight_decay;
    if (use_full_update(cfg)) {
        vec_axpby(X, -(real)lr, sd->delta, (real)(1.0 - decay), nr);   /* X = (1 - decay) X - lr delta */
    } else {
        const real *vhat = sd->v;
        if (sd->P) {   /* block 4 on, 5 off: the diagonal of the cross terms */
            loft_cross_diagonal(sd->vhat, sd->P, sd->rows, r);
            vhat = sd->vhat;
        }
        adamw_apply(X, sd->mom, vhat, nr, lr, cfg->beta1, cfg->beta2, cfg->eps, decay, step);
    }
    if (lp->U) {   /* back to B = U / sqrt(s), A = V^T / sqrt(s) (V stays scaled: begin rebuilds it) */
        const real down = (real)(1.0 / lp->root_s);
        if (s == 0) {
            vec_copy(lp->pair.B, lp->U, nr);
            vec_scale(lp->pair.B, down, nr);
        } else {
            transpose(lp->pair.A, lp->V, lp->pair.n, r);
            vec_scale(lp->pair.A, down, nr);
        }
    } else if (s == 1) transpose(lp->pair.A, lp->V, lp->pair.n, r);
}

void loft_pair_step(LoftPair *lp, const OptimConfig *cfg, double lr, long step) {
    const int full = use_full_update(cfg);
    if (parity(cfg)) {
        /* D2: A (side 1) first, in place; B then sees the updated A */
        for (int s = 1; s >= 0; s--) {
            held_gram(lp, s, cfg);
            side_accumulate(lp, s, cfg);
            if (moves(lp, cfg, s)) {
                if (full) projected_direction(lp, s, cfg, step);
                side_apply(lp, s, cfg, lr, step);
            }
        }
    } else {
        /* exact: both sides read the factors as they were at the start of the step */
        for (int s = 0; s < 2; s++) side_accumulate(lp, s, cfg);
        for (int s = 0; s < 2; s++)
            if (full && moves(lp, cfg, s)) projected_direction(lp, s, cfg, step);
        for (int s = 0; s < 2; s++)
            if (moves(lp, cfg, s)) side_apply(lp, s, cfg, lr, step);
    }
    if (cfg->alternate_update) lp->phase = 1 - lp->phase;
}

/* both sides' moments and snapshots, the cached S of each Gram (an alternating step reuses it
   when the Gram is unchanged) and the phase */
void loft_pair_walk(LoftPair *lp, StateWalk *w) {
    const int r = lp->pair.r;
    const size_t rr = (size_t)r * r;
    for (int s = 0; s < 2; s++) {
        LoftSide *sd = &lp->side[s];
        const size_t rows = (size_t)sd->rows, held = (size_t)(s == 0 ? lp->pair.n : lp->pair.m);
        tensor_walk(w, s ? "V/mom" : "U/mom", sd->mom, rows * r);
        tensor_walk(w, s ? "V/P" : "U/P", sd->P, sd->P ? rows * rr : 0);
        tensor_walk(w, s ? "V/v" : "U/v", sd->v, sd->v ? rows * r : 0);
        tensor_walk(w, s ? "V/Hprev" : "U/Hprev", sd->Hprev, held * r);
        tensor_walk(w, s ? "V/Sprev" : "U/Sprev", sd->Sprev, sd->Sprev ? rr : 0);
        state_walk(w, s ? "V/has_prev" : "U/has_prev", &sd->has_prev, sizeof sd->has_prev);
        tensor_walk(w, s ? "S/V" : "S/U", lp->S[s], rr);
        tensor_walk(w, s ? "S_of/V" : "S_of/U", lp->S_of[s], rr);
        state_walk(w, s ? "S_known/V" : "S_known/U", &lp->S_known[s], sizeof lp->S_known[s]);
    }
    state_walk(w, "phase", &lp->phase, sizeof lp->phase);
}

/* the PairOptimizer of method loft (methods.def) over the functions above */
static void pair_init(void *state, const AdapterPair *pair, const OptimConfig *cfg) { loft_pair_init(state, pair, cfg); }
static void pair_begin(void *state, const OptimConfig *cfg) { loft_pair_begin(state, cfg); }
static void pair_sqnorm(void *state, const OptimConfig *cfg, double *acc) { *acc += loft_pair_sqnorm(state, cfg); }
static void pair_scale(void *state, real coef) { loft_pair_scale_grads(state, coef); }
static void pair_step(void *state, const OptimConfig *cfg, double lr, long k) { loft_pair_step(state, cfg, lr, k); }
static size_t pair_state_bytes(const void *state) { return loft_pair_state_bytes(state); }
static void pair_free(void *state) { loft_pair_free(state); }

static void pair_walk(void *state, StateWalk *w) { loft_pair_walk(state, w); }

const PairOptimizer LOFT_NAME(loft_pairs) = { sizeof(LoftPair), pair_init, pair_begin, pair_sqnorm, pair_scale, pair_step,
                                              pair_state_bytes, pair_free, pair_walk };
