/* DoRA adapted linear layer: W' = mag (.) V / ||V||_row with V = W0 + s B A (out,in), one
   magnitude per output row, the row norm detached in backward (treated as a constant, as PEFT
   does) and floored at DORA_NORM_FLOOR so that a zero row gives 0, never NaN. */
#ifndef LOFT_DORA_H
#define LOFT_DORA_H
#include "../real.h"

#define DORA_NORM_FLOOR 1e-6

/* mag (out,) [OUT] = row norms of W0 (out,in): DoRA's initialisation (W' = W0 when B = 0) */
#define dora_init_magnitude LOFT_NAME(dora_init_magnitude)
void dora_init_magnitude(real *mag, const real *W0, int in, int out);
/* V (out,in) [OUT] = W0 + s B A; norm (out,) [OUT] = max(||V_o||, floor), or copied from
   frozen_norm when it is not NULL (finite-difference tests of the detached backward);
   Wd (out,in) [OUT] = mag_o V_o / norm_o, the effective weight */
#define dora_weight LOFT_NAME(dora_weight)
void dora_weight(real *V, real *norm, real *Wd, const real *W0, const real *A, const real *B,
                 const real *mag, double s, const real *frozen_norm, int in, int out, int r);
/* y (N,out) [OUT] = x (N,in) Wd^T + bias (out, or NULL) */
#define dora_forward LOFT_NAME(dora_forward)
void dora_forward(real *y, const real *x, const real *Wd, const real *bias, int N, int in, int out);
/* from dWd (out,in), the gradient of the effective weight: accumulates dA (r,in), dB (out,r),
   dmag (out,); dV (out,in) [BUFFER]; V, norm from dora_weight */
#define dora_backward_dW LOFT_NAME(dora_backward_dW)
void dora_backward_dW(real *dA, real *dB, real *dmag, real *dV, const real *dWd, const real *V,
                      const real *norm, const real *A, const real *B, const real *mag, double s,
                      int in, int out, int r);
/* the layer backward: accumulates dx (N,in) (NULL: skip), dA, dB, dmag, dbias (NULL: skip);
   dWd, dV (out,in) [BUFFER] */
#define dora_backward LOFT_NAME(dora_backward)
void dora_backward(real *dx, real *dA, real *dB, real *dmag, real *dbias, real *dWd, real *dV, const real *dy,
                   const real *x, const real *V, const real *norm, const real *Wd, const real *A,
                   const real *B, const real *mag, double s, int N, int in, int out, int r);
#endif
