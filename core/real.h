/* The one precision mechanism of the core: every file that computes on tensors uses `real`,
   and is compiled twice, as float (-DLOFT_F32, networks) and as double (the matrix-factorization
   task and the equivalence tests); a translation unit picks its precision before including
   headers. Each public name of such code is mapped to its _f32 / _f64 linker symbol where it is
   declared: the line `#define blas_gemm LOFT_NAME(blas_gemm)` stands right above blas_gemm's
   prototype (compute/kernels.h), so grep and ctags find the mapping with the declaration. The
   Makefile links both builds into one shared object, so a name left unmapped fails the build,
   and tests/test_layers.sh checks that the precision-free run layer never includes this file. */
#ifndef LOFT_REAL_H
#define LOFT_REAL_H
#include <math.h>

#ifdef LOFT_F32
typedef float real;
#define sqrtr sqrtf
#define expr expf
#define erfr erff
#define tanhr tanhf
#define LOFT_NAME(x) x##_f32
#define LOFT_PRECISION "float32"
#else
typedef double real;
#define sqrtr sqrt
#define expr exp
#define erfr erf
#define tanhr tanh
#define LOFT_NAME(x) x##_f64
#define LOFT_PRECISION "float64"
#endif

#endif
