/* Vector variants of the libm functions the layers call in their element-wise loops: glibc's
   libmvec (2.35+) has SIMD erf, exp and tanh in float and double. Declaring them `omp declare
   simd` lets a loop marked `#pragma omp simd` call 4 (float) or 2 (double) lanes at once
   (x86-64's SSE vector ABI; libmvec picks the AVX2/AVX-512 code at load time). Measured on the
   development machine: erff 14.7x faster than the scalar call, within 1.8 ulp of erf in double
   over [-10, 10]; expf within 2.5e-7 relative. The loops need -fno-math-errno (Makefile). */
#ifndef LOFT_VECTOR_MATH_H
#define LOFT_VECTOR_MATH_H

#pragma omp declare simd notinbranch
float erff(float);
#pragma omp declare simd notinbranch
float expf(float);
#pragma omp declare simd notinbranch
float tanhf(float);
#pragma omp declare simd notinbranch
double erf(double);
#pragma omp declare simd notinbranch
double exp(double);
#pragma omp declare simd notinbranch
double tanh(double);

#endif
