/* The matrix-factorization objective on the CPU (compute/kernels.h): squared error of W^T + b
   against a target, walked in tiles: each tile of T (in,out) is transposed into a small buffer so
   the inner loop reads W (out,in), the buffer and writes dW all with unit stride (SIMD). */
#include "../kernels.h"

#define MSE_TILE 64

double mse_transposed_loss_grad(real *dW, const real *W, const real *bias, const real *T, double c, int in, int out) {
    double loss = 0.0;
    real tile[MSE_TILE * MSE_TILE];   /* (o, i) of the current tile of T */
    for (int o0 = 0; o0 < out; o0 += MSE_TILE)
        for (int i0 = 0; i0 < in; i0 += MSE_TILE) {
            int no = o0 + MSE_TILE < out ? MSE_TILE : out - o0, ni = i0 + MSE_TILE < in ? MSE_TILE : in - i0;
            for (int i = 0; i < ni; i++)
                for (int o = 0; o < no; o++) tile[o * MSE_TILE + i] = T[(size_t)(i0 + i) * out + o0 + o];
            for (int o = 0; o < no; o++) {
                const real *wrow = W + (size_t)(o0 + o) * in + i0, *trow = tile + o * MSE_TILE;
                real *grow = dW + (size_t)(o0 + o) * in + i0;
                const real b = bias[o0 + o];
#pragma omp simd reduction(+ : loss)
                for (int i = 0; i < ni; i++) {
                    double res = (double)wrow[i] + b - trow[i];
                    loss += res * res;
                    grow[i] = (real)(c * res);
                }
            }
        }
    return loss;
}

void row_sums(real *dbias, const real *dW, int in, int out) {
    for (int o = 0; o < out; o++) {
        double gb = 0.0;
        const real *row = dW + (size_t)o * in;
#pragma omp simd reduction(+ : gb)
        for (int i = 0; i < in; i++) gb += (double)row[i];
        dbias[o] = (real)gb;
    }
}
