/* The matrix-factorization objective on the CPU (compute/kernels.h): squared error of W^T + b
   against a target held transposed, Tt (out,in), so every read and write is unit-stride (SIMD).
   The sum walks 64 x 64 tiles in the order the kernel always used (when it still transposed each
   tile of T (in,out) itself), so the loss is the same number to the last bit. */
#include "../kernels.h"

#define MSE_TILE 64

double mse_loss_grad(real *dW, const real *W, const real *bias, const real *Tt, double c, int in, int out) {
    double loss = 0.0;
    for (int o0 = 0; o0 < out; o0 += MSE_TILE)
        for (int i0 = 0; i0 < in; i0 += MSE_TILE) {
            int no = o0 + MSE_TILE < out ? MSE_TILE : out - o0, ni = i0 + MSE_TILE < in ? MSE_TILE : in - i0;
            for (int o = 0; o < no; o++) {
                const real *wrow = W + (size_t)(o0 + o) * in + i0, *trow = Tt + (size_t)(o0 + o) * in + i0;
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
