/* The spectral initialisations (adapters/spectral_init.h), in double: PiSSA, LoRA-GA and LoRA-One
   of one pair against their re-derivations from the references' code (tests/gen_spectral.py);
   their identities (PiSSA and LoRA-GA keep the function: W0' + s B A = W0; LoRA-One's s B A is
   the rank-r gradient step -(s / (gamma S_0)) trunc_r(G)); the rank bound; and, through the ViT,
   that the gradient the blocks accumulate with the adapters switched to plain layers is the
   plain model's gradient of W0 averaged over the init batches, and that the ViT's logits are
   unchanged by PiSSA and LoRA-GA. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "check_util.h"
#include "compute/kernels.h"
#include "init.h"
#include "tasks/vit.h"

#define TOL 1e-12

/* W (out,in) [OUT] = scale U_r diag(S_r) V_r^T from the SVD of M (out,in) */
static void truncated(real *W, const real *M, int out, int in, int r, double scale) {
    const int k = out < in ? out : in;
    double *U = mallocCheck(sizeof(double) * out * k), *S = mallocCheck(sizeof(double) * k);
    double *Vt = mallocCheck(sizeof(double) * k * in), *Md = mallocCheck(sizeof(double) * out * in);
    for (int i = 0; i < out * in; i++) Md[i] = M[i];
    CHECK(svd_dense(U, S, Vt, Md, out, in) == 0, "svd_dense converges");
    for (int i = 0; i < out; i++)
        for (int j = 0; j < in; j++) {
            double a = 0;
            for (int l = 0; l < r; l++) a += U[i * k + l] * S[l] * Vt[l * in + j];
            W[i * in + j] = (real)(scale * a);
        }
    free(U); free(S); free(Vt); free(Md);
}

static double top_singular(const real *M, int out, int in) {
    const int k = out < in ? out : in;
    double *U = mallocCheck(sizeof(double) * out * k), *S = mallocCheck(sizeof(double) * k);
    double *Vt = mallocCheck(sizeof(double) * k * in), *Md = mallocCheck(sizeof(double) * out * in);
    for (int i = 0; i < out * in; i++) Md[i] = M[i];
    svd_dense(U, S, Vt, Md, out, in);
    double s0 = S[0];
    free(U); free(S); free(Vt); free(Md);
    return s0;
}

/* W (out,in) [OUT] = W0 + s B A */
static void effective(real *W, const real *W0, const real *A, const real *B, double s, int out, int in, int r) {
    memcpy(W, W0, sizeof(real) * out * in);
    blas_gemm(0, 0, out, in, r, (real)s, B, r, A, in, 1, W, in);
}

static void golden_pair(const char *file) {
    size_t n;
    const double s = golden_attr(file, "/", "scale");
    const int r = (int)golden_attr(file, "/", "rank");
    double *W0 = golden_doubles(file, "W0", &n), *G = golden_doubles(file, "G", &n);
    const int out = 10, in = (int)(n / 10);
    const char *kinds[] = { "pissa", "lora-ga", "lora-one" };
    for (int i = 0; i < 3; i++) {
        char path[64], what[160], err[256];
        real A[64], B[64], W[128], Weff[128], T[128];
        memcpy(W, W0, sizeof(real) * n);
        SpectralInit kind = spectral_init_of(kinds[i]);
        int rc = spectral_init(kind, A, B, W, G, in, out, r, s, kind == SPECTRAL_LORA_ONE ? 128 : 16, err, sizeof err);
        CHECK(rc == 0, "%s: %s", kinds[i], rc ? err : "ok");
        const char *names[] = { "A", "B", "W0" };
        real *ours[] = { A, B, W };
        for (int t = 0; t < 3; t++) {
            snprintf(path, sizeof path, "%s/%s", kinds[i], names[t]);
            size_t m;
            double *gold = golden_doubles(file, path, &m);
            snprintf(what, sizeof what, "%s: %s vs the re-derived reference (tests/gen_spectral.py) (rel)", kinds[i], names[t]);
            CHECK_LE(rel_err_d(ours[t], gold, m), TOL, what);
            free(gold);
        }
        effective(Weff, W, A, B, s, out, in, r);
        if (kind != SPECTRAL_LORA_ONE) {
            snprintf(what, sizeof what, "%s: W0' + s B A = W0, the function is unchanged (rel)", kinds[i]);
            CHECK_LE(rel_err_d(Weff, W0, n), 1e-14, what);
        } else {   /* s B A = -(s / (gamma S_0)) trunc_r(G) */
            truncated(T, G, out, in, r, -s / (128.0 * top_singular(G, out, in)));
            for (size_t j = 0; j < n; j++) Weff[j] -= W0[j];
            snprintf(what, sizeof what, "lora-one: s B A = -(s / (gamma S_0)) trunc_r(G), a rank-r gradient step (rel)");
            CHECK_LE(rel_err(Weff, T, n), 1e-13, what);
        }
    }
    real A[64], B[64], W[128];
    char err[256];
    memcpy(W, W0, sizeof(real) * n);
    int rc = spectral_init(SPECTRAL_LORA_GA, A, B, W, G, in, out, 4, s, 16, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "2 rank <= min(out, in) = 7"), "lora-ga at rank 4 of a 10 x 7 layer is refused: %s", err);
    free(W0); free(G);
}

/* ---- through the ViT ---- */
enum { B = 3, NB = 2 };
static const VitShape SHAPE = { 28, 7, 8, 2, 2, 16, 4 };
typedef struct { Vit *v; real *images; int targets[NB][B]; } Ctx;

static void grad_batch(void *p, int j) {
    Ctx *c = p;
    vit_forward(c->v, c->images + (size_t)j * B * 28 * 28, c->targets[j], B);
    vit_backward(c->v, c->targets[j], B);
}

static Vit *model(void) {
    Rng rng;
    rng_seed(&rng, 11);
    Vit *v = vit_create(SHAPE, B);
    vit_init(v, &rng);
    return v;
}

static void through_vit(void) {
    Rng rng;
    rng_seed(&rng, 5);
    Ctx c;
    c.images = mallocCheck(sizeof(real) * NB * B * 28 * 28);
    init_uniform(c.images, (size_t)NB * B * 28 * 28, 0, 1, &rng);
    for (int j = 0; j < NB; j++)
        for (int b = 0; b < B; b++) c.targets[j][b] = (j * B + b) % 4;
    /* the reference gradient: the plain model's, averaged over the NB batches */
    c.v = model();
    real *Gsum = mallocCheck(sizeof(real) * c.v->nparams);
    memset(Gsum, 0, sizeof(real) * c.v->nparams);
    for (int j = 0; j < NB; j++) {
        grad_batch(&c, j);
        for (size_t i = 0; i < c.v->nparams; i++) Gsum[i] += c.v->grads[i] / NB;
    }
    const size_t qkv = (size_t)(c.v->blk.lin[1][0].W - c.v->params);   /* layer 1's qkv weight */
    vit_free(c.v);
    const char *kinds[] = { "pissa", "lora-ga", "lora-one" };
    for (int i = 0; i < 3; i++) {
        c.v = model();
        char err[256], what[160];
        const double s = 1.5;
        Rng arng;
        rng_seed(&arng, 2);
        CHECK(vit_add_adapters(c.v, "qkv,proj,fc1,fc2", ADAPT_LORA, 2, s, 0, &arng, err, sizeof err) == 0, "%s", err);
        AdapterPair pairs[64];
        PlainTensor plain[64];
        int np, nl;
        CHECK(vit_trainables(c.v, 0, "head", pairs, &np, plain, &nl, 64, err, sizeof err) == 0, "%s", err);
        vit_forward(c.v, c.images, NULL, B);
        real before[B * 4];
        memcpy(before, c.v->logits, sizeof before);
        int rc = blocks_spectral_init(&c.v->blk, spectral_init_of(kinds[i]), i == 2 ? 128 : 16, NB, grad_batch, &c, err, sizeof err);
        CHECK(rc == 0, "ViT %s: %s", kinds[i], rc ? err : "ok");
        int lora_layers = 0;
        for (int l = 0; l < SHAPE.depth; l++)
            for (int m = 0; m < VIT_NMOD; m++) lora_layers += c.v->blk.lin[l][m].kind == ADAPT_LORA && !c.v->blk.lin[l][m].gW;
        CHECK(lora_layers == SHAPE.depth * VIT_NMOD, "ViT %s: every layer is a LoRA layer with frozen W0 again (%d)", kinds[i], lora_layers);
        vit_forward(c.v, c.images, NULL, B);
        if (i < 2) {
            snprintf(what, sizeof what, "ViT %s: logits after the init = before (rel)", kinds[i]);
            CHECK_LE(rel_err(c.v->logits, before, B * 4), 1e-12, what);
        } else {   /* layer 1's qkv: s B A = -(s / (gamma S_0)) trunc_r(the plain model's mean gradient) */
            AdaptedLinear *L = &c.v->blk.lin[1][0];
            const int out = L->out, in = L->in;
            real *T = mallocCheck(sizeof(real) * out * in), *D = mallocCheck(sizeof(real) * out * in);
            truncated(T, Gsum + qkv, out, in, 2, -s / (128.0 * top_singular(Gsum + qkv, out, in)));
            memset(D, 0, sizeof(real) * out * in);
            blas_gemm(0, 0, out, in, 2, (real)s, L->B, 2, L->A, in, 0, D, in);
            snprintf(what, sizeof what, "ViT lora-one: layer 1 qkv's s B A from the accumulated gradient vs the plain model's (rel)");
            CHECK_LE(rel_err(D, T, (size_t)out * in), 1e-10, what);
            free(T); free(D);
        }
        vit_free(c.v);
    }
    free(Gsum); free(c.images);
}

int main(int argc, char **argv) {
    char file[256];
    snprintf(file, sizeof file, "%s/spectral.h5", argc > 1 ? argv[1] : "tests/golden");
    golden_pair(file);
    through_vit();
    return test_exit("test_spectral_init");
}
