/* The float32 build of the core (the one networks use): GEMM against its naive twin, LoFT with
   every block off equal to LoRA bit for bit, and LoFT fitting a smaller toy problem in float. */
#define LOFT_F32
#include <stdlib.h>
#include "compute/cpu/reference.h"
#include "compute/kernels.h"
#include "check.h"
#include "check_util.h"
#include "mf_train.h"
#include "init.h"
#include "tasks/mf.h"

static void gemm_f32(Rng *rng) {
    real A[6 * 9], B[9 * 4], C1[6 * 4], C2[6 * 4];
    init_normal(A, 54, 0, 1, rng);
    init_normal(B, 36, 0, 1, rng);
    blas_gemm(0, 0, 6, 4, 9, 1, A, 9, B, 4, 0, C1, 4);
    blas_gemm_naive(0, 0, 6, 4, 9, 1, A, 9, B, 4, 0, C2, 4);
    CHECK_LE(rel_err(C1, C2, 24), 1e-6, "float32 sgemm vs naive (rel)");
}

static MfTask *toy(const MfTask *like) {
    MfTask *t = mf_create(256, 128, 4, MF_ADAPTER, 1, 1.0);
    if (like) { mf_set_problem(t, like->target, like->A, like->B, like->bias, NULL); return t; }
    Rng rng;
    rng_seed(&rng, 42);
    mf_draw_problem(t, 4, MF_INIT_LINEAR, &rng);
    return t;
}

int main(void) {
    Rng rng;
    rng_seed(&rng, 2);
    gemm_f32(&rng);
    MfTask *a = toy(NULL), *b = toy(a), *c = toy(a);
    OptimConfig lora = optim_config_default(OPTIM_ADAMW), off = optim_config_default(OPTIM_LOFT);
    off.alternate_update = off.rescale_grads = off.reproject_momentum = 0;
    off.reproject_second_moment = off.project_full_update = off.clip_projected = 0;
    OptimConfig loft = optim_config_default(OPTIM_LOFT);
    lora.eps = off.eps = loft.eps = 1e-4;
    char err[256];
    double first[300];
    mf_run(a, &lora, 0.5, 30, NULL, NULL, err, sizeof err);
    mf_run(b, &off, 0.5, 30, NULL, NULL, err, sizeof err);
    CHECK(memcmp(a->A, b->A, sizeof(real) * 4 * 256) == 0 && memcmp(a->B, b->B, sizeof(real) * 128 * 4) == 0,
          "float32: LoFT with every block off differs from LoRA-AdamW after 30 steps");
    MfResult res = mf_run(c, &loft, 1.0, 300, first, NULL, err, sizeof err);
    CHECK(!res.diverged, "float32 LoFT diverged at step %ld", res.diverged_step);
    CHECK_LE(res.final_loss / first[0], 1e-4, "float32 LoFT, 256x128 rank-4 toy: final / first loss");
    printf("  float32 LoFT toy: loss %.3e -> %.3e in 300 steps\n", first[0], res.final_loss);
    mf_free(a); mf_free(b); mf_free(c);
    return test_exit("test_float32");
}
