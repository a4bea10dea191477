/* The matrix-factorization objective on the GPU (compute/kernels.h), in the CPU backend's
   arithmetic (compute/cpu/mse.c): residuals and the loss in double; the loss summed in a fixed
   order (per-block partials, then the host), so a run is deterministic. */
#include "cuda_util.h"

static __global__ void mse_kernel(double *partials, real *dW, const real *W, const real *bias, const real *Tt, double c,
                                  int in, int out) {
    double loss = 0.0;
    GRID_STRIDE(k, (size_t)in * out) {
        const size_t o = k / in;
        double res = (double)W[k] + bias[o] - Tt[k];
        loss += res * res;
        dW[k] = (real)(c * res);
    }
    loss = block_sum(loss);
    if (threadIdx.x == 0) partials[blockIdx.x] = loss;
}
double mse_loss_grad(real *dW, const real *W, const real *bias, const real *Tt, double c, int in, int out) {
    mse_kernel<<<RED_BLOCKS, THREADS>>>(loft_cuda_partials(RED_BLOCKS), dW, W, bias, Tt, c, in, out);
    LAUNCHED();
    return loft_cuda_sum_partials(RED_BLOCKS);
}

#define ROWS_PER_BLOCK (THREADS / 32)
static __global__ void row_sums_kernel(real *dbias, const real *dW, int in, int out) {
    const int o = blockIdx.x * ROWS_PER_BLOCK + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (o >= out) return;
    double gb = 0.0;
    for (int i = lane; i < in; i += 32) gb += (double)dW[(size_t)o * in + i];
    gb = warp_sum(gb);
    if (lane == 0) dbias[o] = (real)gb;
}
void row_sums(real *dbias, const real *dW, int in, int out) {
    if (out == 0) return;
    row_sums_kernel<<<(out + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK, THREADS>>>(dbias, dW, in, out);
    LAUNCHED();
}
