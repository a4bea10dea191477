/* LoRA / rsLoRA adapted linear layer, PEFT layout: y = x W0^T + s (x A^T) B^T + bias, with
   A (r,in), B (out,r), s = alpha / r (LoRA) or alpha / sqrt(r) (rsLoRA). Forward, backward
   (accumulating), the weight-gradient form used by tasks whose input is the identity, and merge. */
#ifndef LOFT_LORA_H
#define LOFT_LORA_H
#include "../real.h"
#include "../rng.h"

typedef enum { SCALING_LORA = 0, SCALING_RSLORA = 1 } LoraScaling;
typedef enum { LORA_INIT_KAIMING = 0, LORA_INIT_GAUSSIAN = 1 } LoraInit;

#define lora_scale LOFT_NAME(lora_scale)
double lora_scale(double alpha, int r, LoraScaling scaling);
/* A (r,in): kaiming-uniform U(-1/sqrt(in), 1/sqrt(in)) or N(0, 1/r); B (out,r) = 0 */
#define lora_init LOFT_NAME(lora_init)
void lora_init(real *A, real *B, int in, int out, int r, LoraInit init, Rng *rng);
/* y (N,out) [OUT], xa (N,r) [OUT, kept for backward]; x (N,in), W0 (out,in), bias (out) or NULL */
#define lora_forward LOFT_NAME(lora_forward)
void lora_forward(real *y, real *xa, const real *x, const real *W0, const real *bias,
                  const real *A, const real *B, double s, int N, int in, int out, int r);
/* accumulates dx (N,in) (NULL: skip), dA (r,in), dB (out,r), dbias (out) (NULL: skip);
   dyB (N,r) [BUFFER]; dy (N,out), x (N,in), xa (N,r) from the forward */
#define lora_backward LOFT_NAME(lora_backward)
void lora_backward(real *dx, real *dA, real *dB, real *dbias, real *dyB, const real *dy, const real *x,
                   const real *xa, const real *W0, const real *A, const real *B, double s,
                   int N, int in, int out, int r);
/* from the gradient dW (out,in) of the effective weight: dA += s B^T dW, dB += s dW A^T */
#define lora_backward_dW LOFT_NAME(lora_backward_dW)
void lora_backward_dW(real *dA, real *dB, const real *dW, const real *A, const real *B, double s,
                      int in, int out, int r);
/* W (out,in) += sign * s B A: sign = +1 merges the adapter into W0, -1 unmerges */
#define lora_merge LOFT_NAME(lora_merge)
void lora_merge(real *W, const real *A, const real *B, double s, int in, int out, int r, int sign);
/* W (out,in) [OUT] = s B A: lora_merge onto W0 = 0, without reading W (the same numbers) */
#define lora_product LOFT_NAME(lora_product)
void lora_product(real *W, const real *A, const real *B, double s, int in, int out, int r);
#endif
