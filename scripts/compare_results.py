#!/usr/bin/python3
"""Compares the runs two results files share (a refactor's before/after): every trajectory
column but time_s, every final/ and problem/ dataset and the numeric result attributes.
Prints the worst absolute difference per run and exits 1 when any exceeds --tol (default 0:
bit for bit). Developer tool; needs Debian's python3-h5py. Usage: compare_results.py A.h5 B.h5"""
import sys, argparse
import h5py, numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("a"); ap.add_argument("b"); ap.add_argument("--tol", type=float, default=0.0)
args = ap.parse_args()
fa, fb = h5py.File(args.a, "r"), h5py.File(args.b, "r")
common = sorted(set(fa["runs"]) & set(fb["runs"]))
worst_all, bad = 0.0, 0
ATTRS = ["final_loss", "steps_done", "diverged_step", "steps_to_threshold", "test_accuracy", "balanced_accuracy",
         "heldout_loss", "perplexity", "cloze_accuracy", "optimizer_state_bytes"]
for rid in common:
    ga, gb = fa["runs"][rid], fb["runs"][rid]
    notes, worst = [], 0.0
    ta, tb = ga["trajectory"][()], gb["trajectory"][()]
    ca, cb = list(ga["trajectory"].attrs["columns"]), list(gb["trajectory"].attrs["columns"])
    if ta.shape[0] != tb.shape[0]:
        notes.append(f"rows {ta.shape[0]} vs {tb.shape[0]}")
    n = min(ta.shape[0], tb.shape[0])
    for c in ca:
        if c == "time_s" or c not in cb: continue
        x, y = ta[:n, ca.index(c)], tb[:n, cb.index(c)]
        same_nan = np.isnan(x) == np.isnan(y)
        if not same_nan.all(): notes.append(f"{c}: NaN pattern differs"); worst = np.inf; continue
        d = np.abs(np.nan_to_num(x) - np.nan_to_num(y)).max() if n else 0.0
        worst = max(worst, d)
    for grp in ("final", "problem"):
        if grp in ga and grp in gb:
            for k in ga[grp]:
                if k in gb[grp]:
                    worst = max(worst, float(np.abs(ga[grp][k][()] - gb[grp][k][()]).max()))
    for k in ATTRS:
        if k in ga.attrs and k in gb.attrs:
            x, y = float(ga.attrs[k]), float(gb.attrs[k])
            if not (x == y or (np.isnan(x) and np.isnan(y))):
                worst = max(worst, abs(x - y)); notes.append(f"{k}: {x} vs {y}")
    if ga.attrs["status"] != gb.attrs["status"]: notes.append(f"status {ga.attrs['status']} vs {gb.attrs['status']}"); worst = np.inf
    flag = bool(worst > args.tol)
    bad += flag
    worst_all = max(worst_all, worst)
    print(f"{'DIFF' if flag else 'same'} {rid}: worst |a - b| = {worst:.3e} {'; '.join(notes)}")
print(f"{len(common)} runs compared, {bad} differ beyond {args.tol:g}; worst {worst_all:.3e}")
sys.exit(1 if bad else 0)
