/* The matrix-factorization objective on the CPU (compute/kernels.h): squared error of W^T + b
   against a target, walked in tiles so neither W (out,in) nor T (in,out) is read with a stride. */
#include "../kernels.h"

#define MSE_TILE 64

double mse_transposed_loss_grad(real *dW, const real *W, const real *bias, const real *T, double c, int in, int out) {
    double loss = 0.0;
    for (int o0 = 0; o0 < out; o0 += MSE_TILE)
        for (int i0 = 0; i0 < in; i0 += MSE_TILE) {
            int o1 = o0 + MSE_TILE < out ? o0 + MSE_TILE : out, i1 = i0 + MSE_TILE < in ? i0 + MSE_TILE : in;
            for (int o = o0; o < o1; o++) {
                const real *wrow = W + (size_t)o * in;
                real *grow = dW + (size_t)o * in;
                for (int i = i0; i < i1; i++) {
                    double res = (double)wrow[i] + bias[o] - T[(size_t)i * out + o];
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
        for (int i = 0; i < in; i++) gb += (double)dW[(size_t)o * in + i];
        dbias[o] = (real)gb;
    }
}
