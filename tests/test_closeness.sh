#!/usr/bin/env bash
# The paper's claims measured in the ViT and the GPT (core/nn/weight_track.h), end to end on tiny
# models: the lockstep shadow is full AdamW itself (every run's energy_best, a function of the
# shadow's update alone, equals that of the full-AdamW run of the same seed and lr, also when the
# run's own lr differs: reference_lr); full AdamW's own row is the anchor (distance 0, ratio 1);
# forgetting at step 0 is the pretraining run's own score at its end (ViT: source_accuracy is
# the pretrained model's test accuracy on digits 0-4; GPT: source_loss is the pretraining run's
# held-out loss); intruder counts and the per-layer datasets are there. The metric arithmetic is
# tested against numpy in tests/test_update_match.c.
# Usage: tests/test_closeness.sh build/loft
set -u
LOFT=${1:-build/loft}
cd "$(dirname "$0")/.."
. tests/checks.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if ! /usr/bin/python3 -c "import h5py" 2>/dev/null; then echo "test_closeness: needs Debian's python3-h5py (scripts/deps.sh)"; exit 1; fi

# python3 check: prints "ok ..." or "FAIL ..." lines for the results file $1 and pretraining file $2
check() {
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import sys, h5py, numpy as np
res, pre, metric = sys.argv[1], sys.argv[2], sys.argv[3].split()
runs = h5py.File(res, "r")["runs"]
def col(run, name):
    t = runs[run]["trajectory"]; cols = list(t.attrs["columns"]); d = t[()]
    return d[:, 0], d[:, cols.index(name)]
def say(ok, what): print(("ok   " if ok else "FAIL ") + what)
steps, best_full = col("adamw.seed=1", "energy_best")
keep = ~np.isnan(best_full)
say(keep.sum() >= 3, "the full-AdamW run logs energy_best at %d evaluations" % keep.sum())
for run in [r for r in runs if r != "adamw.seed=1"]:
    _, b = col(run, "energy_best")
    err = np.max(np.abs(b[keep] - best_full[keep]) / best_full[keep])
    say(err < 1e-5, "%s: the shadow's energy_best equals the full-AdamW run's (max rel. diff %.1e < 1e-5)" % (run, err))
    _, d = col(run, "dist_to_adamw"); _, r = col(run, "energy_ratio")
    say(np.all(d[keep] > 0) and np.all((r[keep] >= 0) & (r[keep] <= 1 + 1e-9)), "%s: distance > 0 and energy ratio in [0, 1]" % run)
_, d = col("adamw.seed=1", "dist_to_adamw"); _, r = col("adamw.seed=1", "energy_ratio")
say(np.all(d[keep] == 0) and np.all(np.abs(r[keep] - 1) < 1e-12), "full AdamW against itself: distance 0, energy ratio 1")
# forgetting at step 0 = the pretraining run's own score at its end
p = h5py.File(pre, "r")["runs"]; prun = list(p)[0]
t = p[prun]["trajectory"]; cols = list(t.attrs["columns"]); last = t[()][-1]
want = last[cols.index(metric[1])]
for run in runs:
    s, v = col(run, metric[0])
    got = v[0]
    tol = 1e-6 if metric[0] == "source_loss" else 1.0 / p[prun].attrs["test_images"]
    say(s[0] == 0 and abs(got - want) <= tol, "%s: %s at step 0 = the pretraining run's final %s (%.6f vs %.6f, tol %.1e)" % (run, metric[0], metric[1], got, want, tol))
    say(np.isfinite(v[-1]), "%s: %s at the end is finite (%.4f)" % (run, metric[0], v[-1]))
    _, n = col(run, "intruders")
    L = runs[run]["final/intruders"].shape
    say(np.isfinite(n[-1]) and n[-1] >= 0 and L[1] == 4 and L[0] % 4 == 0, "%s: intruders %g, per-layer counts %s" % (run, n[-1], L))
    if run != "adamw.seed=1":
        say(runs[run]["final/closeness"].shape[1] == 6, "%s: per-layer closeness (layers x 6)" % run)
PY
}
# check_py LABEL OUTPUT: each line one check
check_lines() {
  while IFS= read -r line; do
    case "$line" in
      "ok   "*) expect "$1: ${line#ok   }" "true" ;;
      "FAIL "*) expect "$1: ${line#FAIL }" "false" ;;
      *) echo "  $line" ;;
    esac
  done
}

synthetic_digits "$T/digits"
"$LOFT" data-mnist "$T/digits" "$T/mnist.bin" > /dev/null 2>&1
V="--set data_file=$T/mnist.bin --set checkpoint=$T/ckpt.h5"
"$LOFT" run tests/data/vit_tiny_pretrain.lua $V --results "$T/vp" > /dev/null 2>&1
"$LOFT" run tests/data/closeness_vit.lua $V --results "$T/v" > "$T/v.log" 2>&1
expect "ViT: 5 runs with the shadow, forgetting and intruders complete" "grep -q '5 runs finished, 0 failed' '$T/v.log'"
check "$T/v/closeness_vit.h5" "$T/vp/vit_tiny_pretrain.h5" "source_accuracy test_accuracy" > "$T/v.check" 2>&1
check_lines ViT < "$T/v.check"

# follow: the lora row's shadow at the lr chosen for full AdamW; --only pulls in adamw's tuning runs
"$LOFT" run tests/data/follow_vit.lua $V --only lora --results "$T/f" > "$T/f.log" 2>&1
expect "follow: --only lora runs adamw's tuning runs too (3 + 3 tuning runs, 1 final)" "grep -q '7 runs finished, 0 failed' '$T/f.log'"
chosen=$(grep -o 'tuned adamw: lr = [0-9.e-]*' "$T/f.log" | grep -o '[0-9.e-]*$')
got=$(h5dump -a '/runs/lora.seed=1/config' "$T/f/follow_vit.h5" 2>/dev/null | grep -o 'reference_lr: [0-9.e-]*' | grep -o '[0-9.e-]*$')
expect "follow: the lora run's reference_lr ($got) is adamw's chosen lr ($chosen)" "[ -n '$chosen' ] && [ '$got' = '$chosen' ]"
expect "follow: the tuning runs have no shadow (tune fixes reference_distance = false)" \
  "h5dump -a '/runs/tune.lora.lr=0.001.seed=101/config' '$T/f/follow_vit.h5' | grep -q 'reference_distance: false'"
sed 's/reference_lr = "adamw"/reference_lr = "nosuch"/' tests/data/follow_vit.lua > "$T/bad_follow.lua"
"$LOFT" list "$T/bad_follow.lua" $V > "$T/bf.log" 2>&1
expect "follow: a label that names no tuned row is refused, naming it" "grep -q 'no row labelled nosuch' '$T/bf.log'"

tiny_corpora "$T/text"
G="--set text_dir=$T/text --set tokenizer=$T/tok.txt --set gpt_checkpoint=$T/gpt.h5"
"$LOFT" run tests/data/gpt_tiny_pretrain.lua $G --results "$T/gp" > /dev/null 2>&1
"$LOFT" run tests/data/closeness_gpt.lua $G --results "$T/g" > "$T/g.log" 2>&1
expect "GPT: 4 runs (one with a split batch) complete" "grep -q '4 runs finished, 0 failed' '$T/g.log'"
check "$T/g/closeness_gpt.h5" "$T/gp/gpt_tiny_pretrain.h5" "source_loss heldout_loss" > "$T/g.check" 2>&1
check_lines GPT < "$T/g.check"

"$LOFT" table tests/data/closeness_gpt.lua $G --results "$T/g" --out "$T/gt" > /dev/null 2>&1
expect "GPT: the last trajectory columns (source_perplexity, intruders: columns 17 and 18) reach the tables" \
  "[ \$(grep -c '^| lora | [0-9]' '$T/gt.md') = 2 ]"

# a missing pretraining corpus is refused with the key named
"$LOFT" run tests/data/closeness_gpt.lua $G --set source_corpus=none.txt --only lora --results "$T/bad" > "$T/bad.log" 2>&1
expect "GPT: a missing source_corpus fails the run naming the key" "grep -q \"source_corpus\" '$T/bad.log'"

echo "test_closeness: $checks checks, $failures failed"
[ $failures = 0 ]
