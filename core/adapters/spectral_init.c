/* PiSSA, LoRA-GA and LoRA-One initialisations of one LoRA pair (spectral_init.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "spectral_init.h"

SpectralInit spectral_init_of(const char *init) {
    if (strcmp(init, "pissa") == 0) return SPECTRAL_PISSA;
    if (strcmp(init, "lora-ga") == 0) return SPECTRAL_LORA_GA;
    if (strcmp(init, "lora-one") == 0) return SPECTRAL_LORA_ONE;
    return SPECTRAL_NONE;
}

int spectral_needs_grad(SpectralInit kind) { return kind == SPECTRAL_LORA_GA || kind == SPECTRAL_LORA_ONE; }

int spectral_init(SpectralInit kind, real *A, real *B, real *W0, const real *G, int in, int out, int r, double s,
                  double gamma, char *err, size_t errlen) {
    const int k = in < out ? in : out;
    const char *name = kind == SPECTRAL_PISSA ? "pissa" : kind == SPECTRAL_LORA_GA ? "lora-ga" : "lora-one";
    if (r > k || (kind == SPECTRAL_LORA_GA && 2 * r > k)) {
        snprintf(err, errlen, "init %s needs %s <= min(out, in) = %d for a %d x %d layer, got rank %d", name,
                 kind == SPECTRAL_LORA_GA ? "2 rank" : "rank", k, out, in, r);
        return -1;
    }
    double *U = mallocCheck(sizeof(double) * out * k), *S = mallocCheck(sizeof(double) * k);
    double *Vt = mallocCheck(sizeof(double) * k * in), *M = mallocCheck(sizeof(double) * out * in);
    tensor_to_host(M, kind == SPECTRAL_PISSA ? W0 : G, (size_t)out * in);
    const int bad = svd_dense(U, S, Vt, M, out, in);
    if (bad) {
        snprintf(err, errlen, "init %s: the SVD of a %d x %d matrix did not converge", name, out, in);
        free(U); free(S); free(Vt); free(M);
        return -1;
    }
    real *hA = mallocCheck(sizeof(real) * r * in), *hB = mallocCheck(sizeof(real) * out * r);
    for (int l = 0; l < r; l++) {
        double fa, fb;                   /* the factors of V's row l in A and of U's column in B */
        int ucol = l;
        if (kind == SPECTRAL_PISSA) fa = fb = sqrt(S[l] / s);
        else if (kind == SPECTRAL_LORA_GA) { fa = fb = pow((double)out, 0.25) / sqrt(gamma); ucol = r + l; }
        else {                           /* SVD of -G: U of G with V negated */
            const double d = S[0] > 0 ? sqrt(gamma * S[0]) : 1.0;
            fa = -sqrt(S[l]) / d;
            fb = sqrt(S[l]) / d;
        }
        for (int j = 0; j < in; j++) hA[(size_t)l * in + j] = (real)(fa * Vt[(size_t)l * in + j]);
        for (int i = 0; i < out; i++) hB[(size_t)i * r + l] = (real)(fb * U[(size_t)i * k + ucol]);
    }
    if (kind != SPECTRAL_LORA_ONE) {     /* W0 -= s B A, from the factors as stored */
        real *hW = mallocCheck(sizeof(real) * out * in);
        if (kind != SPECTRAL_PISSA) tensor_to_host(M, W0, (size_t)out * in);   /* pissa: M is W0 already */
        for (int i = 0; i < out; i++)
            for (int j = 0; j < in; j++) {
                double acc = 0.0;
                for (int l = 0; l < r; l++) acc += (double)hB[(size_t)i * r + l] * (double)hA[(size_t)l * in + j];
                hW[(size_t)i * in + j] = (real)(M[(size_t)i * in + j] - s * acc);
            }
        tensor_upload(W0, hW, (size_t)out * in);
        free(hW);
    }
    tensor_upload(A, hA, (size_t)r * in);
    tensor_upload(B, hB, (size_t)out * r);
    free(U); free(S); free(Vt); free(M); free(hA); free(hB);
    return 0;
}
