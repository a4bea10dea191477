"""Writes tests/golden/update_match.h5: the closeness sums and intruder counts of
core/nn/update_match.h re-computed in double with numpy's SVD, for tests/test_update_match.c.
Cases (group caseN, attrs m, n, r): dM of rank r (LoRA's s B A), of full rank (DoRA's W' - W0),
of rank below r, and zero, against a random dF; expected diff2, full2, method2, dot, share2 (dF's
energy inside the top-r left/right singular subspaces of dM, those with sigma > 1e-12 sigma_1),
best2 (sum of dF's r largest sigma^2). Intruders (group intruders): W0 random, Wt = W0 plus a
few strong new directions; counts of Wt's top-k left singular vectors whose largest |cos| to any
of W0's left singular vectors is below each eps, with every such cosine at least 0.02 from every
eps (the seed is advanced until so), so the count cannot flip by rounding.
Usage: /usr/bin/python3 tests/gen_update_match.py [outdir]"""
import os
import sys

import h5py
import numpy as np

EPS = [0.3, 0.5, 0.7, 0.9]
K = 10


def sums(dM, dF, r):
    out = {"diff2": np.sum((dM - dF) ** 2), "full2": np.sum(dF ** 2), "method2": np.sum(dM ** 2),
           "dot": np.sum(dM * dF), "share2": 0.0, "best2": 0.0}
    if out["full2"] > 0:
        s = np.linalg.svd(dF, compute_uv=False)
        out["best2"] = np.sum(s[:r] ** 2)
    if out["method2"] > 0 and out["full2"] > 0:
        U, s, Vt = np.linalg.svd(dM, full_matrices=False)
        q = int(np.sum(s[:r] > 1e-12 * s[0]))
        out["share2"] = np.sum((U[:, :q].T @ dF @ Vt[:q].T) ** 2)
    return out


def intruders(W0, Wt, k, eps):
    U0 = np.linalg.svd(W0, full_matrices=False)[0]
    Ut = np.linalg.svd(Wt, full_matrices=False)[0]
    best = np.max(np.abs(Ut[:, :k].T @ U0), axis=1)
    return [int(np.sum(best < e)) for e in eps], best


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "golden")
    rng = np.random.default_rng(20261207)
    with h5py.File(os.path.join(outdir, "update_match.h5"), "w") as f:
        cases = [(12, 8, 3, "lowrank"), (9, 14, 2, "full"), (10, 10, 4, "below"), (7, 5, 2, "zero")]
        for i, (m, n, r, kind) in enumerate(cases):
            dF = rng.standard_normal((m, n))
            if kind == "lowrank":
                dM = 0.5 * rng.standard_normal((m, r)) @ rng.standard_normal((r, n)) + 0.3 * dF
                U, s, Vt = np.linalg.svd(dM, full_matrices=False)
                dM = (U[:, :r] * s[:r]) @ Vt[:r]   # exactly rank r
            elif kind == "full":
                dM = 0.7 * dF + 0.4 * rng.standard_normal((m, n))
            elif kind == "below":
                dM = rng.standard_normal((m, 1)) @ rng.standard_normal((1, n))   # rank 1 < r
            else:
                dM = np.zeros((m, n))
            g = f.create_group("case%d" % i)
            g.attrs["m"], g.attrs["n"], g.attrs["r"] = m, n, r
            g["dM"], g["dF"] = dM, dF
            for key, v in sums(dM, dF, r).items():
                g.attrs[key] = v
        f.attrs["cases"] = len(cases)
        seed = 1
        while True:   # counts far from every threshold
            r2 = np.random.default_rng(seed)
            m, n = 16, 12
            W0 = r2.standard_normal((m, n))
            Wt = W0 + 3.0 * r2.standard_normal((m, 3)) @ r2.standard_normal((3, n)) + 0.2 * r2.standard_normal((m, n))
            counts, best = intruders(W0, Wt, K, EPS)
            if min(abs(b - e) for b in best for e in EPS) > 0.02 and 0 < counts[1] < K:
                break
            seed += 1
        g = f.create_group("intruders")
        g["W0"], g["Wt"] = W0, Wt
        g.attrs["k"] = K
        g["eps"] = np.array(EPS)
        g["counts"] = np.array(counts, dtype=np.float64)
        print("update_match.h5: %d cases; intruders seed %d counts %s" % (len(cases), seed, counts))


if __name__ == "__main__":
    main()
