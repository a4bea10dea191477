"""Compares two results files of one experiment cell by cell (a development tool; needs python3-h5py
and python3-scipy, for the t quantile).
Usage: /usr/bin/python3 scripts/compare_tables.py OLD.h5 NEW.h5 METRIC [METRIC...]
old.h5 new.h5 metric [metric...]: per (label, group, rank) cell, the mean over seeds of each
metric in both files (final runs only, role != tune), the difference of means relative to the
old cell's 95% t half-width; prints the worst and the share of cells within their interval."""
import h5py, numpy as np, sys, collections
from scipy import stats
def cells(path, metric):
    out = collections.defaultdict(list)
    with h5py.File(path, "r") as f:
        for rid, g in f["runs"].items():
            a = g.attrs
            role = a.get("role", b"final")
            role = role.decode() if isinstance(role, bytes) else role
            if role == "tune": continue
            st = a.get("status"); st = st.decode() if isinstance(st, bytes) else st
            if st not in ("complete", "diverged"): continue
            lab = a["label"]; lab = lab.decode() if isinstance(lab, bytes) else lab
            grp = a.get("group", ""); grp = grp.decode() if isinstance(grp, bytes) else grp
            if metric in a: v = float(a[metric])
            else: continue
            out[(lab, grp, int(a["rank"]))].append(v)
    return out
old, new = sys.argv[1], sys.argv[2]
for metric in sys.argv[3:]:
    co, cn = cells(old, metric), cells(new, metric)
    worst, within, n, rels = 0, 0, 0, []
    for k in co:
        if k not in cn: continue
        a, b = np.array(co[k]), np.array(cn[k])
        if len(a) < 2 or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)): continue
        hw = stats.t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / np.sqrt(len(a))
        d = abs(b.mean() - a.mean())
        r = d / hw if hw > 0 else (0 if d == 0 else np.inf)
        rels.append(abs(b.mean() - a.mean()) / max(abs(a.mean()), 1e-300))
        n += 1; within += r <= 1; worst = max(worst, r)
    print(f"{metric}: {n} cells; {within} within the old 95% interval; worst |diff of means| / half-width {worst:.2f}; median relative diff of means {np.median(rels):.2e}, max {max(rels):.2e}")
