/* DoRA's per-output-row norms and scalings on the GPU (compute/kernels.h): one warp per row,
   norms and dot products accumulated in double as on the CPU (compute/cpu/dora_rows.c). */
#include "cuda_util.h"

#define ROWS_PER_BLOCK (THREADS / 32)
#define ROW_GRID(out) (((out) + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK)

static __device__ inline double warp_row_norm(const real *row, int in, int lane) {
    double s = 0.0;
    for (int i = lane; i < in; i += 32) s += (double)row[i] * row[i];
    return sqrt(warp_sum(s));
}

static __global__ void row_norms_kernel(real *mag, const real *W, int in, int out) {
    const int o = blockIdx.x * ROWS_PER_BLOCK + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (o >= out) return;
    const double nv = warp_row_norm(W + (size_t)o * in, in, lane);
    if (lane == 0) mag[o] = (real)nv;
}
void row_norms(real *mag, const real *W, int in, int out) {
    if (out == 0) return;
    row_norms_kernel<<<ROW_GRID(out), THREADS>>>(mag, W, in, out);
    LAUNCHED();
}

static __global__ void dora_forward_kernel(real *norm, real *Wd, const real *V, const real *mag, const real *frozen_norm,
                                           double floor, int in, int out) {
    const int o = blockIdx.x * ROWS_PER_BLOCK + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (o >= out) return;
    const double nv = frozen_norm ? (double)frozen_norm[o] : warp_row_norm(V + (size_t)o * in, in, lane);
    const real nr = (real)(nv > floor ? nv : floor), f = mag[o] / nr;
    for (int i = lane; i < in; i += 32) Wd[(size_t)o * in + i] = f * V[(size_t)o * in + i];
    if (lane == 0) norm[o] = nr;
}
void dora_rows_forward(real *norm, real *Wd, const real *V, const real *mag, const real *frozen_norm,
                       double floor, int in, int out) {
    if (out == 0) return;
    dora_forward_kernel<<<ROW_GRID(out), THREADS>>>(norm, Wd, V, mag, frozen_norm, floor, in, out);
    LAUNCHED();
}

static __global__ void dora_backward_kernel(real *dmag, real *dV, const real *dWd, const real *V, const real *norm,
                                            const real *mag, int in, int out) {
    const int o = blockIdx.x * ROWS_PER_BLOCK + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (o >= out) return;
    const real *g = dWd + (size_t)o * in, *v = V + (size_t)o * in;
    double dm = 0.0;
    for (int i = lane; i < in; i += 32) dm += (double)g[i] * v[i];
    dm = warp_sum(dm);
    const real f = mag[o] / norm[o];                       /* norm detached: dV = dWd mag / norm */
    for (int i = lane; i < in; i += 32) dV[(size_t)o * in + i] = f * g[i];
    if (lane == 0) dmag[o] += (real)(dm / norm[o]);       /* Wd = mag V / norm */
}
void dora_rows_backward(real *dmag, real *dV, const real *dWd, const real *V, const real *norm, const real *mag,
                        int in, int out) {
    if (out == 0) return;
    dora_backward_kernel<<<ROW_GRID(out), THREADS>>>(dmag, dV, dWd, V, norm, mag, in, out);
    LAUNCHED();
}
