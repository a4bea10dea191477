/* Spectral initialisations of a LoRA pair W0 + s B A, A (r,in), B (out,r), as the config's
   `init:` axis (separate from the optimizer), each re-derived from its authors' code:
   - pissa (PEFT's pissa_init, used by GraphPKU/PiSSA): W0 = U S V^T, A = sqrt(S_r / s) V_r^T,
     B = U_r sqrt(S_r / s), W0 <- W0 - s B A (the residual stays frozen). Full SVD (PEFT's
     `pissa`; `pissa_niter_k` is its randomised variant).
   - lora-ga (Outsider565/LoRA-GA 89af7de, reproduce/ and its PEFT fork agree; direction ArB2r,
     scale stable): G = the mean gradient of the loss w.r.t. W0 at the start; G = U S V^T;
     A = V[:, :r]^T m^(1/4) / sqrt(gamma), B = U[:, r:2r] m^(1/4) / sqrt(gamma), m = out;
     W0 <- W0 - s B A (the start computes W0's function). Needs 2r <= min(out, in).
   - lora-one (YuanheZ/LoRA-One 01bba05, run_exp.py): -G = U S V^T; B = U_r sqrt(S_r) /
     sqrt(gamma S_0), A = sqrt(S_r) V_r^T / sqrt(gamma S_0); W0 is kept, so the start is W0 minus
     a rank-r gradient step (s / (gamma S_0)) trunc_r(G).
   We use the exact (LAPACK) SVD where the references use torch.svd_lowrank (random, 4r or 512
   columns, 4 or 16 iterations) and fix each singular pair's sign (svd_dense), which LoRA-GA's
   mixed pairs (U's r..2r with V's first r) otherwise leave random. Arithmetic in double. The
   references average the gradient over the first bsz x iters training examples in dataset order;
   ours are random training batches (init_batches of batch_size) of a stream of their own
   (INIT_STREAM), since our training sets are stored sorted by class. */
#ifndef LOFT_SPECTRAL_INIT_H
#define LOFT_SPECTRAL_INIT_H
#include "../real.h"

/* seed ^ INIT_STREAM seeds the generator of a task's init batches: a stream apart from the
   training batches', which then stay those of the default init */
#define INIT_STREAM 0x5eed1417c0ffee00ull

typedef enum { SPECTRAL_NONE = 0, SPECTRAL_PISSA, SPECTRAL_LORA_GA, SPECTRAL_LORA_ONE } SpectralInit;

/* the spectral init a config's `init` value names (SPECTRAL_NONE for linear, lora, gaussian) */
#define spectral_init_of LOFT_NAME(spectral_init_of)
SpectralInit spectral_init_of(const char *init);
/* 1 when the init decomposes the gradient (lora-ga, lora-one) */
#define spectral_needs_grad LOFT_NAME(spectral_needs_grad)
int spectral_needs_grad(SpectralInit kind);
/* A (r,in) [OUT], B (out,r) [OUT], W0 (out,in) [IN/OUT] per kind, from W0 (pissa) or G (out,in),
   the mean gradient of the loss w.r.t. W0 (lora-ga, lora-one; NULL for pissa); s the scale;
   gamma of the stable scale (io/config.h: config_init_gamma; the references' 16 and 128).
   0, or -1 with a message (rank too large for lora-ga, SVD failure) */
#define spectral_init LOFT_NAME(spectral_init)
int spectral_init(SpectralInit kind, real *A, real *B, real *W0, const real *G, int in, int out, int r, double s,
                  double gamma, char *err, size_t errlen);
#endif
