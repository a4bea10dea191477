/* A linear layer of a network that may carry an adapter: plain (W trained or frozen), LoRA /
   rsLoRA (W0 frozen + s B A) or DoRA. Networks call these two functions and never branch on the
   method; merge folds the adapter into W so inference costs nothing extra. */
#ifndef LOFT_ADAPTED_LINEAR_H
#define LOFT_ADAPTED_LINEAR_H
#include "../real.h"

typedef enum { ADAPT_NONE = 0, ADAPT_LORA = 1, ADAPT_DORA = 2 } AdaptKind;

typedef struct {
    int in, out, r;
    AdaptKind kind;
    double s;                 /* adapter scale */
    real *W, *b;              /* (out,in), (out,) or NULL */
    real *gW, *gb;            /* NULL when frozen */
    real *A, *B, *gA, *gB;    /* (r,in), (out,r) */
    real *mag, *gmag;         /* (out,) DoRA magnitudes */
    real *V, *norm, *Wd;      /* DoRA: V (out,in), row norms (out,), effective weight (out,in) */
    real *dyB;                /* LoRA backward buffer (N,r), N <= the owner's token count */
    real *dWd, *dV;           /* DoRA backward buffers (out,in) each */
} AdaptedLinear;

/* out (N,out) [OUT]; xa (N,r) [OUT] cache of x A^T (LoRA only, may be NULL otherwise); inp (N,in) */
#define alinear_forward LOFT_NAME(alinear_forward)
void alinear_forward(AdaptedLinear *L, real *out, real *xa, const real *inp, int N);
/* accumulates dinp (N,in) (NULL: skip) and the trainable gradients from dout (N,out) */
#define alinear_backward LOFT_NAME(alinear_backward)
void alinear_backward(AdaptedLinear *L, real *dinp, const real *dout, const real *inp, const real *xa, int N);
/* W <- the effective weight (W0 + s B A, or DoRA's W'); the layer becomes plain */
#define alinear_merge LOFT_NAME(alinear_merge)
void alinear_merge(AdaptedLinear *L);
/* W (out,in) [OUT], a host array in double: the layer's effective weight now (W; W0 + s B A;
   DoRA's W'), the layer unchanged (DoRA's V, norm and Wd buffers are recomputed, as a forward does) */
#define alinear_effective LOFT_NAME(alinear_effective)
void alinear_effective(AdaptedLinear *L, double *W);
#endif
