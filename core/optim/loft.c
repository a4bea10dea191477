/* LoFT-AdamW for one adapter pair: gradient rescaling, moment transport, second-moment cross
   terms, the projected full AdamW update streamed by row blocks (never an m x n buffer), the
   factor-space fallback, alternation, and the parity mode of the authors' public code. */
#include <math.h>
#include <string.h>
#include "../blas.h"
#include "../check.h"
#include "../linalg.h"
#include "adamw.h"
#include "loft.h"

#define STREAM_ELEMS (1 << 18)   /* elements per streamed block buffer when row_block = 0 */

static int parity(const OptimConfig *cfg) { return cfg->parity == PARITY_TNURBEK_148998D; }
/* in parity mode blocks 4 and 5 are tied (the authors' code has one switch for both) */
static int use_full_update(const OptimConfig *cfg) {
    return parity(cfg) ? cfg->reproject_second_moment : cfg->project_full_update;
}

static int side_rows(const LoftPair *lp, int s) { return s == 0 ? lp->pair.m : lp->pair.n; }
/* the factor of side s in rows x r layout: B for side 0, the copy V = A^T for side 1 */
static real *factor(LoftPair *lp, int s) { return s == 0 ? lp->pair.B : lp->V; }
static real *held(LoftPair *lp, int s) { return factor(lp, 1 - s); }
static real *raw_grad(LoftPair *lp, int s) { return s == 0 ? lp->pair.gB : lp->gV; }

void loft_pair_init(LoftPair *lp, const AdapterPair *pair, const OptimConfig *cfg) {
    memset(lp, 0, sizeof(*lp));
    lp->pair = *pair;
    const int r = pair->r, m = pair->m, n = pair->n, big = m > n ? m : n;
    for (int s = 0; s < 2; s++) {
        LoftSide *sd = &lp->side[s];
        int rows = s == 0 ? m : n, held_rows = s == 0 ? n : m;
        sd->rows = rows;
        sd->mom = mallocCheck(sizeof(real) * rows * r);
        if (cfg->reproject_second_moment) {
            sd->P = mallocCheck(sizeof(real) * (size_t)rows * r * r);
            sd->vhat = mallocCheck(sizeof(real) * rows * r);
        } else {
            sd->v = mallocCheck(sizeof(real) * rows * r);
        }
        sd->Hprev = mallocCheck(sizeof(real) * held_rows * r);
        sd->g = mallocCheck(sizeof(real) * rows * r);
        sd->delta = mallocCheck(sizeof(real) * rows * r);
        lp->gram[s] = mallocCheck(sizeof(real) * r * r);
        lp->S[s] = mallocCheck(sizeof(real) * r * r);
    }
    lp->V = mallocCheck(sizeof(real) * n * r);
    lp->gV = mallocCheck(sizeof(real) * n * r);
    lp->C = mallocCheck(sizeof(real) * r * r);
    lp->tmp = mallocCheck(sizeof(real) * (big > 2 * r ? big : 2 * r) * r);
    lp->phase = cfg->alternate_first_A ? 1 : 0;
    /* the streamed update's buffers: blocks of rows of at most STREAM_ELEMS elements (at least one row) */
    lp->stream = cfg->row_block > 0 ? (size_t)cfg->row_block * big : (STREAM_ELEMS > big ? STREAM_ELEMS : (size_t)big);
    lp->K = mallocCheck(sizeof(real) * (size_t)r * r * big);
    lp->M = mallocCheck(sizeof(real) * lp->stream);
    lp->Q = mallocCheck(sizeof(real) * lp->stream);
    lp->T = mallocCheck(sizeof(real) * (size_t)big * r);
}

void loft_pair_free(LoftPair *lp) {
    for (int s = 0; s < 2; s++) {
        LoftSide *sd = &lp->side[s];
        free(sd->mom); free(sd->P); free(sd->v); free(sd->vhat); free(sd->Hprev);
        free(sd->g); free(sd->delta); free(lp->gram[s]); free(lp->S[s]);
    }
    free(lp->V); free(lp->gV); free(lp->C); free(lp->tmp);
    free(lp->K); free(lp->M); free(lp->Q); free(lp->T);
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
    }
    return b * sizeof(real);
}

/* gram[s] = H^T H and S[s] = (gram + damping I)^+ (or I when rescaling is off) for side s */
static void held_gram(LoftPair *lp, int s, const OptimConfig *cfg) {
    const int r = lp->pair.r, hrows = side_rows(lp, 1 - s);
    const real *H = held(lp, s);
    blas_gemm(1, 0, r, r, hrows, 1, H, r, H, r, 0, lp->gram[s], r);
    if (!cfg->rescale_grads) {
        for (int i = 0; i < r * r; i++) lp->S[s][i] = (i % (r + 1)) == 0;
        return;
    }
    /* parity D6: 1e-6 when moving A (held B, side 1), 1e-8 when moving B (held A, side 0) */
    double damping = parity(cfg) ? (s == 1 ? 1e-6 : 1e-8) : cfg->damping;
    sym_pinv(lp->S[s], lp->gram[s], r, damping);
}

void loft_pair_begin(LoftPair *lp, const OptimConfig *cfg) {
    const AdapterPair *p = &lp->pair;
    transpose(lp->V, p->A, p->r, p->n);
    transpose(lp->gV, p->gA, p->r, p->n);
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
        for (size_t i = 0; i < (size_t)sd->rows * r; i++) total += (double)sd->g[i] * sd->delta[i];
    }
    return total;
}

void loft_pair_scale_grads(LoftPair *lp, real scale) {
    const AdapterPair *p = &lp->pair;
    for (size_t i = 0; i < (size_t)p->r * p->n; i++) { p->gA[i] *= scale; lp->gV[i] *= scale; }
    for (size_t i = 0; i < (size_t)p->m * p->r; i++) p->gB[i] *= scale;
}

/* P[i] <- C^T P[i] C (exact) or C P[i] C^T (parity D1), for each of the rows (r,r) blocks */
static void transport_cross_terms(real *P, int rows, const real *C, int r, int parity_d1, real *work) {
    real *t = work, *out = work + r * r;
    for (int i = 0; i < rows; i++) {
        real *Pi = P + (size_t)i * r * r;
        if (parity_d1) { small_matmul(t, Pi, 0, C, 1, r); small_matmul(out, C, 0, t, 0, r); }
        else           { small_matmul(t, Pi, 0, C, 0, r); small_matmul(out, C, 1, t, 0, r); }
        memcpy(Pi, out, sizeof(real) * r * r);
    }
}

/* Rescale side s's gradient, transport its state to the held factor's current basis, take the
   gradient into the moments, and snapshot the held factor (spec section 2, lines 2-9). */
static void side_accumulate(LoftPair *lp, int s, const OptimConfig *cfg) {
    LoftSide *sd = &lp->side[s];
    const int r = lp->pair.r, rows = sd->rows, hrows = side_rows(lp, 1 - s);
    const real *H = held(lp, s);
    const size_t nr = (size_t)rows * r;
    if (cfg->rescale_grads) blas_gemm(0, 0, rows, r, r, 1, raw_grad(lp, s), r, lp->S[s], r, 0, sd->g, r);
    else memcpy(sd->g, raw_grad(lp, s), sizeof(real) * nr);

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
    if (move_first || move_second) {   /* C = (Hprev^T H) S */
        blas_gemm(1, 0, r, r, hrows, 1, sd->Hprev, r, H, r, 0, lp->tmp, r);
        blas_gemm(0, 0, r, r, r, 1, lp->tmp, r, lp->S[s], r, 0, lp->C, r);
    }
    if (move_first) {
        blas_gemm(0, 0, rows, r, r, 1, sd->mom, r, lp->C, r, 0, lp->tmp, r);
        memcpy(sd->mom, lp->tmp, sizeof(real) * nr);
    }
    if (move_second) transport_cross_terms(sd->P, rows, lp->C, r, parity(cfg), lp->tmp);
    if (snapshot) {
        memcpy(sd->Hprev, H, sizeof(real) * hrows * r);
        sd->has_prev = 1;
    }

    const double b1 = cfg->beta1, b2 = cfg->beta2;
    if (!sd->P) {   /* block 4 off: element-wise second moment, the AdamW kernel */
        adam_moments(sd->mom, sd->v, sd->g, nr, b1, b2);
        return;
    }
    const real rb1 = (real)b1, rc1 = (real)(1.0 - b1), rb2 = (real)b2, rc2 = (real)(1.0 - b2);
    for (size_t i = 0; i < nr; i++) sd->mom[i] = rb1 * sd->mom[i] + rc1 * sd->g[i];
    for (int i = 0; i < rows; i++) {
        real *Pi = sd->P + (size_t)i * r * r;
        const real *gi = sd->g + (size_t)i * r;
        for (int a = 0; a < r; a++)
            for (int b = 0; b < r; b++) Pi[a * r + b] = rb2 * Pi[a * r + b] + rc2 * gi[a] * gi[b];
    }
}

/* delta (rows,r) [OUT] = (D H) S where D (rows, hrows) is AdamW's direction in the full space,
   D_ij = (mom[i].H[j] / bc1) / (sqrt(max(0, H[j]^T P[i] H[j]) / bc2) + eps) (or with the
   diagonal v[i] in place of P[i]); streamed by blocks of rows, never stored whole. */
static void projected_direction(LoftPair *lp, int s, const OptimConfig *cfg, long step) {
    LoftSide *sd = &lp->side[s];
    const int r = lp->pair.r, rows = sd->rows, hrows = side_rows(lp, 1 - s);
    const real *H = held(lp, s);
    const int kdim = sd->P ? r * r : r;      /* inner dimension of the second-moment product */
    real *K = lp->K;   /* (kdim, hrows) */
    for (int j = 0; j < hrows; j++) {
        const real *h = H + (size_t)j * r;
        if (sd->P) { for (int a = 0; a < r; a++) for (int b = 0; b < r; b++) K[(size_t)(a * r + b) * hrows + j] = h[a] * h[b]; }
        else       { for (int a = 0; a < r; a++) K[(size_t)a * hrows + j] = h[a] * h[a]; }
    }
    int blk = cfg->row_block > 0 ? cfg->row_block : STREAM_ELEMS / (hrows > 0 ? hrows : 1);
    if (blk < 1) blk = 1;
    if (blk > rows) blk = rows;
    real *M = lp->M, *Q = lp->Q, *T = lp->T;   /* (blk, hrows), (blk, hrows), (blk, r) */
    const real inv_bc1 = (real)(1.0 / (1.0 - pow(cfg->beta1, (double)step)));
    const real sqrt_bc2 = (real)sqrt(1.0 - pow(cfg->beta2, (double)step)), eps = (real)cfg->eps;
    const real *second = sd->P ? sd->P : sd->v;
    for (int i0 = 0; i0 < rows; i0 += blk) {
        int nb = rows - i0 < blk ? rows - i0 : blk;
        blas_gemm(0, 1, nb, hrows, r, 1, sd->mom + (size_t)i0 * r, r, H, r, 0, M, hrows);
        blas_gemm(0, 0, nb, hrows, kdim, 1, second + (size_t)i0 * kdim, kdim, K, hrows, 0, Q, hrows);
        for (size_t e = 0; e < (size_t)nb * hrows; e++) {
            real q = Q[e] > 0 ? Q[e] : 0;
            M[e] = (M[e] * inv_bc1) / (sqrtr(q) / sqrt_bc2 + eps);
        }
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
        const real keep = (real)(1.0 - decay), rlr = (real)lr;
        for (size_t i = 0; i < nr; i++) X[i] = X[i] * keep - rlr * sd->delta[i];
    } else {
        const real *vhat = sd->v;
        if (sd->P) {   /* block 4 on, 5 off: the diagonal of the cross terms */
            for (int i = 0; i < sd->rows; i++)
                for (int a = 0; a < r; a++) sd->vhat[(size_t)i * r + a] = sd->P[(size_t)i * r * r + a * r + a];
            vhat = sd->vhat;
        }
        adamw_apply(X, sd->mom, vhat, nr, lr, cfg->beta1, cfg->beta2, cfg->eps, decay, step);
    }
    if (s == 1) transpose(lp->pair.A, lp->V, lp->pair.n, r);
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
