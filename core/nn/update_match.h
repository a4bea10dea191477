/* How alike two updates of one weight matrix are, and how far a fine-tuned weight's spectrum left
   the pretrained one's: the per-matrix sums behind the "behaves like full fine-tuning" metrics
   (relative distance, cosine, the full update's energy inside the method's rank-r subspaces
   against the best rank-r share) and the intruder dimensions of Shuttleworth et al. 2024.
   Host arrays in double, row-major. */
#ifndef LOFT_UPDATE_MATCH_H
#define LOFT_UPDATE_MATCH_H
#include "../real.h"

/* sums over one matrix; a stack of layers adds them before dividing */
typedef struct {
    double diff2;    /* ||dM - dF||^2 */
    double full2;    /* ||dF||^2 */
    double method2;  /* ||dM||^2 */
    double dot;      /* <dM, dF> */
    double share2;   /* ||Q_U^T dF Q_V||^2: dF's energy inside the top-r left and right singular subspaces of dM */
    double best2;    /* sigma_1(dF)^2 + ... + sigma_r(dF)^2: the most any rank-r pair of subspaces holds (Eckart-Young) */
} UpdateMatch;

/* the sums of the method's update dM (m,n) against the full update dF (m,n) for rank r. The
   method's subspaces are the top-r singular subspaces of dM (its column and row spaces when its
   rank is at most r, as LoRA's s B A: the span of B and of A^T); directions of dM with a singular
   value below 1e-12 sigma_1(dM) do not count (dM = 0: share2 = 0). 0, or -1 when LAPACK's SVD
   does not converge (the sums then hold NaN) */
#define update_match LOFT_NAME(update_match)
int update_match(UpdateMatch *u, const double *dM, const double *dF, int m, int n, int r);

/* counts[e] [OUT] for each of the neps thresholds eps[e]: how many of the top-k left singular
   vectors u_j of Wt (m,n) have |u_j . v| < eps[e] for every left singular vector v of W0 (m,n)
   (the thin SVDs: min(m,n) vectors each). 0, or -1 when an SVD does not converge */
#define intruder_count LOFT_NAME(intruder_count)
int intruder_count(int *counts, const double *W0, const double *Wt, int m, int n, int k, const double *eps, int neps);
#endif
