/* Elementwise vector kernels of the CUDA backend (compute/kernels.h), grid-stride loops. */
#include "cuda_util.h"

void vec_zero(real *x, size_t n) { if (n) CUDA_CHECK(cudaMemsetAsync(x, 0, sizeof(real) * n)); }

void vec_copy(real *dst, const real *src, size_t n) {
    if (n && dst != src) CUDA_CHECK(cudaMemcpyAsync(dst, src, sizeof(real) * n, cudaMemcpyDefault));
}

static __global__ void add_kernel(real *out, const real *a, const real *b, size_t n) { GRID_STRIDE(i, n) out[i] = a[i] + b[i]; }
void vec_add(real *out, const real *a, const real *b, size_t n) {
    if (!n) return;
    add_kernel<<<grid_for(n), THREADS>>>(out, a, b, n);
    LAUNCHED();
}

static __global__ void scale_kernel(real *x, real s, size_t n) { GRID_STRIDE(i, n) x[i] *= s; }
void vec_scale(real *x, real s, size_t n) {
    if (!n) return;
    scale_kernel<<<grid_for(n), THREADS>>>(x, s, n);
    LAUNCHED();
}

static __global__ void axpby_kernel(real *y, real a, const real *x, real b, size_t n) { GRID_STRIDE(i, n) y[i] = y[i] * b + a * x[i]; }
void vec_axpby(real *y, real a, const real *x, real b, size_t n) {
    if (!n) return;
    axpby_kernel<<<grid_for(n), THREADS>>>(y, a, x, b, n);
    LAUNCHED();
}

static __global__ void dot_kernel(double *partials, const real *x, const real *y, size_t n) {
    double s = 0.0;
    GRID_STRIDE(i, n) s += (double)x[i] * y[i];
    s = block_sum(s);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}
double vec_dot(const real *x, const real *y, size_t n) {
    dot_kernel<<<RED_BLOCKS, THREADS>>>(loft_cuda_partials(RED_BLOCKS), x, y, n);
    LAUNCHED();
    return loft_cuda_sum_partials(RED_BLOCKS);
}

static __global__ void nonzero_kernel(double *partials, const real *x, size_t n) {
    double s = 0.0;
    GRID_STRIDE(i, n) s += x[i] != 0;   /* NaN != 0 */
    s = block_sum(s);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}
int vec_any_nonzero(const real *x, size_t n) {
    nonzero_kernel<<<RED_BLOCKS, THREADS>>>(loft_cuda_partials(RED_BLOCKS), x, n);
    LAUNCHED();
    return loft_cuda_sum_partials(RED_BLOCKS) > 0;
}

/* entries whose bits differ (a float compare would take -0 for 0 and NaN for unequal) */
#ifdef LOFT_F32
static __device__ bool same_bits(float a, float b) { return __float_as_int(a) == __float_as_int(b); }
#else
static __device__ bool same_bits(double a, double b) { return __double_as_longlong(a) == __double_as_longlong(b); }
#endif
static __global__ void differ_kernel(double *partials, const real *x, const real *y, size_t n) {
    double s = 0.0;
    GRID_STRIDE(i, n) s += !same_bits(x[i], y[i]);
    s = block_sum(s);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}
int vec_equal(const real *x, const real *y, size_t n) {
    differ_kernel<<<RED_BLOCKS, THREADS>>>(loft_cuda_partials(RED_BLOCKS), x, y, n);
    LAUNCHED();
    return loft_cuda_sum_partials(RED_BLOCKS) == 0;
}

static __global__ void fill_kernel(real *x, real v, size_t n) { GRID_STRIDE(i, n) x[i] = v; }
void vec_fill(real *x, real v, size_t n) {
    if (!n) return;
    fill_kernel<<<grid_for(n), THREADS>>>(x, v, n);
    LAUNCHED();
}

static __global__ void identity_kernel(real *S, int r) { GRID_STRIDE(i, (size_t)r * r) S[i] = (i % (r + 1)) == 0; }
void mat_identity(real *S, int r) {
    if (r <= 0) return;
    identity_kernel<<<grid_for((size_t)r * r), THREADS>>>(S, r);
    LAUNCHED();
}
