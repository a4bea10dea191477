/* Every kernel of the compute seam (compute/kernels.h) on seeded inputs, in one precision (built
   with and without -DLOFT_F32). The same source is linked twice: against the CPU backend it
   records every output (`kernel_check record FILE`), against the CUDA backend it recomputes them
   on the GPU and compares (`kernel_check check FILE`): normwise relative error
   max |gpu - cpu| / max |cpu| per output, against the bound stated beside each kernel below.
   Without a usable GPU `check` prints SKIP and exits 77. Shapes are deliberately not multiples of
   the GPU's warp or block sizes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compute/backend.h"
#include "compute/kernels.h"
#include "compute/memory.h"
#include "record.h"

#ifdef LOFT_F32
#define PREC(f32, f64) (f32)
#else
#define PREC(f32, f64) (f64)
#endif
/* the bounds, by kind of kernel (float32 / float64) */
#define TOL_ELEM PREC(2e-6, 1e-14)    /* element-wise arithmetic (a fused multiply-add rounds once) */
#define TOL_MATH PREC(2e-5, 1e-13)    /* exp / erf / tanh / sqrt, softmax, norms */
#define TOL_GEMM PREC(2e-5, 1e-13)    /* sums of products over K <= 70 in a different order */
#define TOL_SUM 1e-12                 /* double accumulations of the same terms, another order */
#define TOL_HOST 0.0                  /* host code both backends share (compute/host/): the same bits */

static uint64_t lcg = 88172645463325252ull;

static double uniform(void) {   /* in [-1, 1) */
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg >> 11) / 9007199254740992.0 * 2 - 1;
}

/* a tensor of n seeded numbers in [lo, hi) */
static real *rand_tensor(size_t n, double lo, double hi) {
    double *h = malloc(sizeof(double) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) h[i] = lo + (hi - lo) * (uniform() + 1) / 2;
    real *t = tensor_alloc(n);
    tensor_from_host(t, h, n);
    free(h);
    return t;
}

static int *index_tensor(const int *host, size_t n) {
    int *t = itensor_alloc(n);
    itensor_upload(t, host, n);
    return t;
}

static void scalar(const char *name, double v, double tol) { values(name, &v, 1, tol); }

static void gemms(void) {
    const int M = 37, N = 29, K = 70;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            real *A = rand_tensor((size_t)M * K, -1, 1), *B = rand_tensor((size_t)K * N, -1, 1), *C = rand_tensor((size_t)M * N, -1, 1);
            const int lda = ta ? M : K, ldb = tb ? K : N;
            char name[64];
            snprintf(name, sizeof name, "blas_gemm %c%c beta=0.5", ta ? 'T' : 'N', tb ? 'T' : 'N');
            blas_gemm(ta, tb, M, N, K, (real)0.75, A, lda, B, ldb, (real)0.5, C, N);
            tensor(name, C, (size_t)M * N, TOL_GEMM);
            tensor_free(A); tensor_free(B); tensor_free(C);
        }
    /* strided views (ldc > N) and beta = 0 over NaN: C is not read */
    real *A = rand_tensor(20 * 16, -1, 1), *B = rand_tensor(16 * 12, -1, 1), *C = rand_tensor(20 * 14, -1, 1);
    vec_fill(C, (real)NAN, 20 * 14);
    blas_gemm(0, 0, 20, 12, 10, 1, A, 16, B, 12, 0, C, 14);
    tensor("blas_gemm strided, beta=0 over NaN", C, 20 * 14, TOL_GEMM);
    scalar("blas_sumsq", blas_sumsq(A, 20 * 16), TOL_SUM);
    scalar("blas_rel_dist", blas_rel_dist(A, B, 16 * 12), TOL_SUM);
    scalar("vec_dot", vec_dot(A, B, 16 * 12), TOL_SUM);
    tensor_free(A); tensor_free(B); tensor_free(C);
}

static void vectors(void) {
    const size_t n = 1003;
    real *a = rand_tensor(n, -1, 1), *b = rand_tensor(n, -1, 1), *c = tensor_alloc(n);
    vec_add(c, a, b, n);                tensor("vec_add", c, n, TOL_ELEM);
    vec_scale(c, (real)-1.5, n);        tensor("vec_scale", c, n, TOL_ELEM);
    vec_axpby(c, (real)0.3, a, (real)0.7, n); tensor("vec_axpby", c, n, TOL_ELEM);
    vec_copy(c, b, n);                  tensor("vec_copy", c, n, 0);
    vec_fill(c, (real)2.5, n);          tensor("vec_fill", c, n, 0);
    scalar("vec_any_nonzero (filled)", vec_any_nonzero(c, n), 0);
    vec_zero(c, n);                     tensor("vec_zero", c, n, 0);
    scalar("vec_any_nonzero (zero)", vec_any_nonzero(c, n), 0);
    mat_identity(c, 7);                 tensor("mat_identity", c, 49, 0);
    vec_copy(c, a, n);
    scalar("vec_equal (a copy)", vec_equal(c, a, n), 0);
    compute_host_access();              /* a host write to the tensor follows */
    c[n - 1] = -c[n - 1];
    scalar("vec_equal (last entry negated)", vec_equal(c, a, n), 0);
    vec_zero(a, 1);
    vec_copy(c, a, n);
    vec_scale(c, (real)-1, 1);          /* -0 against 0: the bits differ */
    scalar("vec_equal (-0 against 0)", vec_equal(c, a, n), 0);
    tensor_free(a); tensor_free(b); tensor_free(c);
}

static void layers(void) {
    const int N = 37, C = 70, OC = 29;
    real *inp = rand_tensor((size_t)N * C, -1, 1), *W = rand_tensor((size_t)OC * C, -0.5, 0.5), *bias = rand_tensor(OC, -1, 1);
    real *out = rand_tensor((size_t)N * OC, -1, 1), *dout = rand_tensor((size_t)N * OC, -1, 1);
    real *dinp = rand_tensor((size_t)N * C, -1, 1), *dW = rand_tensor((size_t)OC * C, -1, 1), *db = rand_tensor(OC, -1, 1);
    linear_forward(out, inp, W, bias, N, C, OC);          tensor("linear_forward", out, (size_t)N * OC, TOL_GEMM);
    linear_forward(out, inp, W, NULL, N, C, OC);          tensor("linear_forward (no bias)", out, (size_t)N * OC, TOL_GEMM);
    linear_backward(dinp, dW, db, dout, inp, W, N, C, OC);
    tensor("linear_backward dinp (+=)", dinp, (size_t)N * C, TOL_GEMM);
    tensor("linear_backward dweight (+=)", dW, (size_t)OC * C, TOL_GEMM);
    tensor("linear_backward dbias (+=)", db, OC, TOL_GEMM);
    bias_broadcast(out, bias, N, OC);                     tensor("bias_broadcast", out, (size_t)N * OC, 0);
    bias_broadcast(out, NULL, N, OC);                     tensor("bias_broadcast (NULL)", out, (size_t)N * OC, 0);
    bias_backward(db, dout, N, OC);                       tensor("bias_backward (+=)", db, OC, TOL_GEMM);

    real *lnw = rand_tensor(C, 0.5, 1.5), *lnb = rand_tensor(C, -0.5, 0.5), *lo = tensor_alloc((size_t)N * C);
    real *mean = tensor_alloc(N), *rstd = tensor_alloc(N), *ldout = rand_tensor((size_t)N * C, -1, 1);
    real *ldw = rand_tensor(C, -1, 1), *ldb = rand_tensor(C, -1, 1);
    layernorm_forward(lo, mean, rstd, inp, lnw, lnb, N, C);
    tensor("layernorm_forward out", lo, (size_t)N * C, TOL_MATH);
    tensor("layernorm_forward mean", mean, N, TOL_MATH);
    tensor("layernorm_forward rstd", rstd, N, TOL_MATH);
    layernorm_backward(dinp, ldw, ldb, ldout, inp, lnw, mean, rstd, N, C);
    tensor("layernorm_backward dinp (+=)", dinp, (size_t)N * C, TOL_MATH);
    tensor("layernorm_backward dweight (+=)", ldw, C, TOL_MATH);
    tensor("layernorm_backward dbias (+=)", ldb, C, TOL_MATH);

    const size_t n = (size_t)N * C;
    real *x = rand_tensor(n, -4, 4), *y = tensor_alloc(n), *dx = rand_tensor(n, -1, 1), *dy = rand_tensor(n, -1, 1);
    gelu_forward(y, x, n);              tensor("gelu_forward", y, n, TOL_MATH);
    gelu_backward(dx, x, dy, n);        tensor("gelu_backward (+=)", dx, n, TOL_MATH);
    gelu_tanh_forward(y, x, n);         tensor("gelu_tanh_forward", y, n, TOL_MATH);
    gelu_tanh_backward(dx, x, dy, n);   tensor("gelu_tanh_backward (+=)", dx, n, TOL_MATH);
    /* many rows: the GPU sums columns in chunks of rows (more than one chunk from 129 rows) */
    const int NB = 1037;
    real *bx = rand_tensor((size_t)NB * C, -1, 1), *bd = rand_tensor((size_t)NB * C, -1, 1), *bdx = rand_tensor((size_t)NB * C, -1, 1);
    real *bm = tensor_alloc(NB), *br = tensor_alloc(NB), *bo = tensor_alloc((size_t)NB * C);
    bias_backward(db, bd, NB, OC);
    tensor("bias_backward, 1037 rows (+=)", db, OC, TOL_GEMM);
    layernorm_forward(bo, bm, br, bx, lnw, lnb, NB, C);
    layernorm_backward(bdx, ldw, ldb, bd, bx, lnw, bm, br, NB, C);
    tensor("layernorm_backward dweight, 1037 rows", ldw, C, TOL_GEMM);
    tensor("layernorm_backward dbias, 1037 rows", ldb, C, TOL_GEMM);
    tensor_free(bx); tensor_free(bd); tensor_free(bdx); tensor_free(bm); tensor_free(br); tensor_free(bo);
    real *all[] = { inp, W, bias, out, dout, dinp, dW, db, lnw, lnb, lo, mean, rstd, ldout, ldw, ldb, x, y, dx, dy };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) tensor_free(all[i]);
}

static void attention(void) {
    const int B = 2, T = 13, C = 24, NH = 3;
    const size_t nqkv = (size_t)B * T * 3 * C, natt = (size_t)B * NH * T * T, nout = (size_t)B * T * C;
    real *qkv = rand_tensor(nqkv, -1, 1), *out = tensor_alloc(nout), *att = tensor_alloc(natt), *datt = tensor_alloc(natt);
    real *dout = rand_tensor(nout, -1, 1), *dqkv = rand_tensor(nqkv, -1, 1);
    int hskip[2 * 13];
    for (int t = 0; t < T; t++) { hskip[2 * t] = t >= 8 ? 5 : 0; hskip[2 * t + 1] = t >= 8 ? 8 : 0; }   /* rows 8.. blind to 5..7 */
    int *skip = index_tensor(hskip, 2 * T);
    for (int mode = 0; mode < 3; mode++) {
        const int causal = mode > 0;
        const char *label = mode == 0 ? "bidirectional" : mode == 1 ? "causal" : "causal + skip";
        char name[64];
        attention_forward(out, att, qkv, B, T, C, NH, causal, mode == 2 ? skip : NULL);
        snprintf(name, sizeof name, "attention_forward out, %s", label);
        tensor(name, out, nout, TOL_MATH);
        snprintf(name, sizeof name, "attention_forward att, %s", label);
        tensor(name, att, natt, TOL_MATH);
        attention_backward(dqkv, datt, dout, qkv, att, B, T, C, NH, causal);
        snprintf(name, sizeof name, "attention_backward dqkv, %s", label);
        tensor(name, dqkv, nqkv, TOL_MATH);
    }
    tensor_free(qkv); tensor_free(out); tensor_free(att); tensor_free(datt); tensor_free(dout); tensor_free(dqkv);
    itensor_free(skip);
}

static void losses_and_embeddings(void) {
    const int N = 19, V = 300;
    int ht[19];
    for (int n = 0; n < N; n++) ht[n] = (n * 37 + 11) % V;
    int *targets = index_tensor(ht, N);
    real *logits = rand_tensor((size_t)N * V, -6, 6), *probs = tensor_alloc((size_t)N * V), *dl = rand_tensor((size_t)N * V, -1, 1);
    scalar("crossentropy_forward loss", crossentropy_forward(probs, logits, targets, N, V), TOL_MATH);
    tensor("crossentropy_forward probs", probs, (size_t)N * V, TOL_MATH);
    crossentropy_backward(dl, probs, targets, N, V);
    tensor("crossentropy_backward (+=)", dl, (size_t)N * V, TOL_MATH);

    const int B = 2, H = 28, Wd = 28, p = 7, P = 16, Cw = 24, T = 13, Vt = 50;
    real *images = rand_tensor((size_t)B * H * Wd, 0, 1), *patches = tensor_alloc((size_t)B * P * p * p);
    patchify(patches, images, B, H, Wd, p);
    tensor("patchify", patches, (size_t)B * P * p * p, 0);
    real *emb = rand_tensor((size_t)B * P * Cw, -1, 1), *cls = rand_tensor(Cw, -1, 1), *pos = rand_tensor((size_t)(P + 1) * Cw, -1, 1);
    real *tokens = tensor_alloc((size_t)B * (P + 1) * Cw), *dtok = rand_tensor((size_t)B * (P + 1) * Cw, -1, 1);
    real *demb = rand_tensor((size_t)B * P * Cw, -1, 1), *dcls = rand_tensor(Cw, -1, 1), *dpos = rand_tensor((size_t)(P + 1) * Cw, -1, 1);
    tokens_forward(tokens, emb, cls, pos, B, P, Cw);
    tensor("tokens_forward", tokens, (size_t)B * (P + 1) * Cw, TOL_ELEM);
    tokens_backward(demb, dcls, dpos, dtok, B, P, Cw);
    tensor("tokens_backward demb (+=)", demb, (size_t)B * P * Cw, TOL_ELEM);
    tensor("tokens_backward dcls (+=)", dcls, Cw, TOL_ELEM);
    tensor("tokens_backward dpos (+=)", dpos, (size_t)(P + 1) * Cw, TOL_ELEM);

    int htok[2 * 13], hpos[13];
    for (int i = 0; i < B * T; i++) htok[i] = (i * 7) % 9;   /* tokens repeat: rows share gradient rows */
    for (int t = 0; t < T; t++) hpos[t] = t < 7 ? t : t - 4;  /* packed continuations share positions */
    int *tok = index_tensor(htok, B * T), *ipos = index_tensor(hpos, T);
    real *wte = rand_tensor((size_t)Vt * Cw, -1, 1), *wpe = rand_tensor((size_t)T * Cw, -1, 1), *eo = tensor_alloc((size_t)B * T * Cw);
    real *dwte = rand_tensor((size_t)Vt * Cw, -1, 1), *dwpe = rand_tensor((size_t)T * Cw, -1, 1), *deo = rand_tensor((size_t)B * T * Cw, -1, 1);
    embedding_forward(eo, tok, wte, wpe, NULL, B, T, Cw);
    tensor("embedding_forward", eo, (size_t)B * T * Cw, TOL_ELEM);
    embedding_forward(eo, tok, wte, wpe, ipos, B, T, Cw);
    tensor("embedding_forward (pos)", eo, (size_t)B * T * Cw, TOL_ELEM);
    embedding_backward(dwte, dwpe, deo, tok, NULL, B, T, Cw);
    embedding_backward(dwte, dwpe, deo, tok, ipos, B, T, Cw);
    tensor("embedding_backward dwte (+=)", dwte, (size_t)Vt * Cw, TOL_GEMM);
    tensor("embedding_backward dwpe (+=)", dwpe, (size_t)T * Cw, TOL_GEMM);
    real *all[] = { logits, probs, dl, images, patches, emb, cls, pos, tokens, dtok, demb, dcls, dpos, wte, wpe, eo, dwte, dwpe, deo };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) tensor_free(all[i]);
    itensor_free(targets); itensor_free(tok); itensor_free(ipos);
}

static void optimizers(void) {
    const size_t n = 1003;
    real *p = rand_tensor(n, -1, 1), *m = rand_tensor(n, -0.1, 0.1), *v = rand_tensor(n, 0, 0.01), *g = rand_tensor(n, -1, 1);
    adam_moments(m, v, g, n, 0.9, 0.999);
    tensor("adam_moments m", m, n, TOL_ELEM);
    tensor("adam_moments v", v, n, TOL_ELEM);
    adamw_apply(p, m, v, n, 1e-2, 0.9, 0.999, 1e-8, 1e-4, 3);
    tensor("adamw_apply", p, n, TOL_MATH);
    adamw_step(p, m, v, g, n, 1e-2, 0.9, 0.999, 1e-8, 1e-4, 4);
    tensor("adamw_step p", p, n, TOL_MATH);
    tensor("adamw_step m", m, n, TOL_ELEM);
    tensor("adamw_step v", v, n, TOL_ELEM);
    sq_moment(v, g, n, 0.99);
    tensor("sq_moment", v, n, TOL_ELEM);
    precond_step(p, g, v, n, 0.01, 1e-6);
    tensor("precond_step", p, n, TOL_MATH);
    tensor_free(p); tensor_free(m); tensor_free(v); tensor_free(g);
}

static void small_and_rows(void) {
    const int r = 5;
    real *A = rand_tensor(r * r, -1, 1), *B = rand_tensor(r * r, -1, 1), *O = tensor_alloc(r * r);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            char name[64];
            snprintf(name, sizeof name, "small_matmul %c%c", ta ? 'T' : 'N', tb ? 'T' : 'N');
            small_matmul(O, A, ta, B, tb, r);
            tensor(name, O, r * r, TOL_GEMM);
        }
    /* G = A A^T (symmetric PSD), made on the device, inverted on the host */
    real *G = tensor_alloc(r * r), *S = tensor_alloc(r * r), *Q = tensor_alloc(r * r), *X = tensor_alloc(r * r);
    small_matmul(G, A, 0, A, 1, r);
    small_matmul(Q, B, 0, B, 1, r);
    scalar("sym_pinv rank", sym_pinv(S, G, r, 1e-3), 0);
    tensor("sym_pinv", S, r * r, TOL_GEMM);
    sym_sylvester(X, G, Q, A, r);
    tensor("sym_sylvester", X, r * r, TOL_GEMM);
    const int rows = 37, cols = 70;
    real *M = rand_tensor((size_t)rows * cols, -1, 1), *Mt = tensor_alloc((size_t)rows * cols);
    transpose(Mt, M, rows, cols);
    tensor("transpose", Mt, (size_t)rows * cols, 0);

    const int out = 29, in = 70;
    real *V = rand_tensor((size_t)out * in, -1, 1), *mag = rand_tensor(out, 0.5, 2), *norm = tensor_alloc(out), *Wd = tensor_alloc((size_t)out * in);
    real *frozen = rand_tensor(out, 1, 3), *dWd = rand_tensor((size_t)out * in, -1, 1), *dmag = rand_tensor(out, -1, 1), *dV = tensor_alloc((size_t)out * in);
    row_norms(norm, V, in, out);
    tensor("row_norms", norm, out, TOL_MATH);
    dora_rows_forward(norm, Wd, V, mag, NULL, 1e-6, in, out);
    tensor("dora_rows_forward norm", norm, out, TOL_MATH);
    tensor("dora_rows_forward Wd", Wd, (size_t)out * in, TOL_MATH);
    dora_rows_forward(norm, Wd, V, mag, frozen, 1e-6, in, out);
    tensor("dora_rows_forward Wd (frozen norm)", Wd, (size_t)out * in, TOL_MATH);
    dora_rows_backward(dmag, dV, dWd, V, norm, mag, in, out);
    tensor("dora_rows_backward dmag (+=)", dmag, out, TOL_MATH);
    tensor("dora_rows_backward dV", dV, (size_t)out * in, TOL_MATH);

    const int lrows = 37, lr = 4;
    real *P = tensor_alloc((size_t)lrows * lr * lr), *mom = rand_tensor((size_t)lrows * lr, -1, 1), *lg = rand_tensor((size_t)lrows * lr, -1, 1);
    real *Cm = rand_tensor(lr * lr, -1, 1), *work = tensor_alloc((size_t)lrows * lr * lr), *vhat = tensor_alloc((size_t)lrows * lr);
    loft_cross_terms_step(P, lg, NULL, lrows, lr, 0, 0.999, work);   /* P from 0: b2 0 + (1-b2) g g^T, symmetric */
    loft_cross_terms_step(P, mom, NULL, lrows, lr, 0, 0.999, work);
    tensor("loft_cross_terms_step update", P, (size_t)lrows * lr * lr, TOL_ELEM);
    loft_cross_terms_step(P, lg, Cm, lrows, lr, 0, 0.999, work);
    tensor("loft_cross_terms_step exact", P, (size_t)lrows * lr * lr, TOL_GEMM);
    loft_cross_terms_step(P, mom, Cm, lrows, lr, 1, 0.999, work);
    tensor("loft_cross_terms_step parity", P, (size_t)lrows * lr * lr, TOL_GEMM);
    loft_cross_diagonal(vhat, P, lrows, lr);
    tensor("loft_cross_diagonal", vhat, (size_t)lrows * lr, TOL_GEMM);
    const int hrows = 45;
    real *Hf = rand_tensor((size_t)hrows * lr, -1, 1), *K = tensor_alloc((size_t)lr * lr * hrows);
    loft_khatri_rao(K, Hf, hrows, lr, 1);
    tensor("loft_khatri_rao cross", K, (size_t)loft_packed_width(lr) * hrows, TOL_ELEM);
    real *Pn = rand_tensor((size_t)lrows * lr * lr, -1, 1), *Pp = tensor_alloc((size_t)lrows * loft_packed_width(lr));   /* not symmetric */
    loft_pack_cross_terms(Pp, Pn, lrows, lr);
    tensor("loft_pack_cross_terms", Pp, (size_t)lrows * loft_packed_width(lr), TOL_ELEM);
    loft_khatri_rao(K, Hf, hrows, lr, 0);
    tensor("loft_khatri_rao diagonal", K, (size_t)lr * hrows, TOL_ELEM);
    real *Mq = rand_tensor((size_t)hrows * lr, -1, 1), *Qq = rand_tensor((size_t)hrows * lr, -0.1, 1);
    loft_adam_direction(Mq, Qq, (size_t)hrows * lr, 1 / 0.19, sqrt(0.002), 1e-8);
    tensor("loft_adam_direction", Mq, (size_t)hrows * lr, TOL_MATH);

    const int min = 130, mout = 70;   /* past the CPU kernel's 64 x 64 tiles */
    real *mW = rand_tensor((size_t)mout * min, -1, 1), *mb = rand_tensor(mout, -1, 1), *mT = rand_tensor((size_t)mout * min, -1, 1);
    real *mdW = tensor_alloc((size_t)mout * min), *mdb = tensor_alloc(mout);
    scalar("mse_loss_grad loss", mse_loss_grad(mdW, mW, mb, mT, 2.0 / (min * mout), min, mout), TOL_SUM);
    tensor("mse_loss_grad dW", mdW, (size_t)mout * min, TOL_ELEM);
    row_sums(mdb, mdW, min, mout);
    tensor("row_sums", mdb, mout, TOL_SUM);
    real *all[] = { A, B, O, G, S, Q, X, M, Mt, V, mag, norm, Wd, frozen, dWd, dmag, dV, P, mom, lg, Cm, work, vhat, Hf, K, Pn, Pp, Mq, Qq,
                    mW, mb, mT, mdW, mdb };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) tensor_free(all[i]);
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "record") != 0 && strcmp(argv[1], "check") != 0)) {
        fprintf(stderr, "usage: %s record|check FILE\n", argv[0]);
        return 2;
    }
    checking = strcmp(argv[1], "check") == 0;
    char err[512];
    if (compute_select(compute_device(), 0, err, sizeof err) != 0) {
        printf("SKIP kernel_check (%s): %s\n", LOFT_PRECISION, err);
        return 77;
    }
    io = fopen(argv[2], checking ? "rb" : "wb");
    if (!io) { fprintf(stderr, "error: cannot open %s\n", argv[2]); return 2; }
    if (checking) printf("kernel_check %s on %s\n", LOFT_PRECISION, compute_backend());
    gemms();
    vectors();
    layers();
    attention();
    losses_and_embeddings();
    optimizers();
    small_and_rows();
    fclose(io);
    if (!checking) { printf("kernel_check %s: recorded the CPU backend's outputs in %s\n", LOFT_PRECISION, argv[2]); return 0; }
    printf("kernel_check %s: %d outputs compared, %d beyond their bound\n", LOFT_PRECISION, checks, failures);
    return failures ? 1 : 0;
}
