/* The CPU backend's transposes and r x r products (compute/kernels.h), plain loops. */
#include "../kernels.h"

void transpose(real *out, const real *in, int rows, int cols) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) out[(size_t)j * rows + i] = in[(size_t)i * cols + j];
}

void small_matmul(real *out, const real *A, int transA, const real *B, int transB, int r) {
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++) {
            real s = 0;
            for (int k = 0; k < r; k++)
                s += (transA ? A[k * r + i] : A[i * r + k]) * (transB ? B[j * r + k] : B[k * r + j]);
            out[i * r + j] = s;
        }
}
