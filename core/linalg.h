/* Small dense linear algebra the optimizers need on r x r matrices: the inverse (or
   pseudo-inverse) of a damped Gram matrix, and transposes. Everything here is O(r^3) or O(size). */
#ifndef LOFT_LINALG_H
#define LOFT_LINALG_H
#include "real.h"

/* S = (G + damping I)^+ for a symmetric positive semi-definite G.
   S is (r,r) [OUT], G is (r,r). Computed in double by a cyclic Jacobi eigendecomposition;
   eigenvalues at or below r * 1e-15 (double) or r * 1e-7 (float) times the largest are
   treated as zero (pseudo-inverse), so a zero factor gives S = 0 instead of Inf.
   Returns the numerical rank. */
int sym_pinv(real *S, const real *G, int r, double damping);
/* out (cols,rows) = in (rows,cols) transposed */
void transpose(real *out, const real *in, int rows, int cols);
/* out (r,r) = op(A) (r,r) op(B) (r,r), plain loops for the tiny matrices of an adapter */
void small_matmul(real *out, const real *A, int transA, const real *B, int transB, int r);
#endif
