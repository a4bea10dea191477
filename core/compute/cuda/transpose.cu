/* Transposes and r x r products on the GPU (compute/kernels.h). */
#include "cuda_util.h"

#define TILE 32
/* out (cols,rows) = in (rows,cols)^T through a shared tile, both sides coalesced; the blocks
   walk the tiles (any number of them: a 1-D grid has no 65535 limit on rows) */
static __global__ void transpose_kernel(real *out, const real *in, int rows, int cols) {
    __shared__ real tile[TILE][TILE + 1];
    const size_t tiles_x = (cols + TILE - 1) / TILE, ntiles = tiles_x * ((rows + TILE - 1) / TILE);
    for (size_t t = blockIdx.x; t < ntiles; t += gridDim.x) {   /* the same count for every thread */
        const int bx = (int)(t % tiles_x) * TILE, by = (int)(t / tiles_x) * TILE;
        for (int y = threadIdx.y; y < TILE; y += blockDim.y) {
            const int i = by + y, j = bx + threadIdx.x;
            if (i < rows && j < cols) tile[y][threadIdx.x] = in[(size_t)i * cols + j];
        }
        __syncthreads();
        for (int y = threadIdx.y; y < TILE; y += blockDim.y) {
            const int j = bx + y, i = by + threadIdx.x;
            if (i < rows && j < cols) out[(size_t)j * rows + i] = tile[threadIdx.x][y];
        }
        __syncthreads();   /* the tile is refilled next round */
    }
}
void transpose(real *out, const real *in, int rows, int cols) {
    if (rows == 0 || cols == 0) return;
    const size_t ntiles = (size_t)((cols + TILE - 1) / TILE) * ((rows + TILE - 1) / TILE);
    dim3 block(TILE, 8);
    transpose_kernel<<<(unsigned)(ntiles < 65535 ? ntiles : 65535), block>>>(out, in, rows, cols);
    LAUNCHED();
}

static __global__ void small_matmul_kernel(real *out, const real *A, int transA, const real *B, int transB, int r) {
    GRID_STRIDE(k, (size_t)r * r) {
        const int i = (int)(k / r), j = (int)(k % r);
        real s = 0;
        for (int q = 0; q < r; q++) s += (transA ? A[q * r + i] : A[i * r + q]) * (transB ? B[j * r + q] : B[q * r + j]);
        out[k] = s;
    }
}
void small_matmul(real *out, const real *A, int transA, const real *B, int transB, int r) {
    if (r <= 0) return;
    small_matmul_kernel<<<grid_for((size_t)r * r), THREADS>>>(out, A, transA, B, transB, r);
    LAUNCHED();
}
