#!/usr/bin/env bash
# Results files are data, never instructions (issue 25), and tables say what they average (issue
# 24). Hostile results files, crafted with h5py from a tiny sweep's file, go through loft show,
# table, export and compare: links out of the file and datasets stored in other files (external,
# virtual, a FIFO behind either) are refused and never followed; absurd trajectory sizes and
# over-long attributes are refused naming the file and run; terminal escapes and LaTeX in
# attributes are printed escaped; export writes nothing outside --out whatever the group or label.
# Then the tables: a cell of fewer runs is marked (n=k), a file short of its experiment's runs
# says "k of N runs", and a cell whose runs' configs differ besides the seed is refused (or, with
# --allow-mixed, warned about and marked). The hostile-file cases need Debian's python3-h5py
# (scripts/deps.sh installs it) and print "skip" without it. Usage: tests/test_security.sh build/loft
set -u
LOFT=$(realpath "${1:-build/loft}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
T=$(mktemp -d /tmp/loft-sec-XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/checks.sh"
PY=/usr/bin/python3
ESC=$(printf '\033')

"$LOFT" run tests/data/tiny.lua --results "$T/r" > "$T/run" 2>&1
expect "the tiny sweep that the hostile files start from finishes" "[ -s '$T/r/tiny.h5' ] && grep -q '12 runs finished, 0 failed' '$T/run'"
BASE="$T/r/tiny.h5"

# --- a damaged global-heap reference in a run's config (the libhdf5 1.10 crash in H5HG_read):
# read in a child process, the crash is a clean error naming the run
REG=tests/fuzz/regressions/results/vlen-heap-index-config.h5
timeout 60 "$LOFT" table "$REG" --out "$T/heap" > "$T/heap.out" 2>&1; rc=$?
expect "security: a config attribute whose heap reference is damaged is a clean error in loft table" \
  "[ $rc = 2 ] && grep -q 'config attribute cannot be read: libhdf5 stopped with signal' '$T/heap.out'"
timeout 60 "$LOFT" show "$REG" > "$T/heap.out" 2>&1; rc=$?
expect "security: ... and loft show, which does not read configs, lists the runs" "[ $rc = 0 ] && grep -q '12 runs' '$T/heap.out'"

if ! $PY -c 'import h5py' 2> /dev/null; then
  echo "  skip the hostile results files: python3-h5py is not installed (scripts/deps.sh installs it)"
else
H="$T/h"
mkdir -p "$H"
mkfifo "$H/fifo"
$PY - "$BASE" "$H" > "$T/gen.out" 2>&1 <<'EOF'
# each hostile file is the tiny sweep's file with one change
import os, shutil, struct, sys
import h5py, numpy as np
base, d = sys.argv[1], sys.argv[2]
RUN = "runs/lora.rank=2.seed=1"
def copy(name):
    shutil.copy(base, os.path.join(d, name))
    return h5py.File(os.path.join(d, name), "r+")
def new_traj(f, **kw):   # the run's trajectory replaced, its column names kept
    g = f[RUN]
    cols = g["trajectory"].attrs["columns"]
    del g["trajectory"]
    t = g.create_dataset("trajectory", **kw) if "layout" not in kw else g.create_virtual_dataset("trajectory", kw["layout"])
    if t.shape[1] == len(cols): t.attrs["columns"] = cols
with h5py.File(os.path.join(d, "other.h5"), "w") as o:   # another file's runs
    g = o.create_group("runs/secret.seed=9")
    g.attrs["label"], g.attrs["status"], g.attrs["method"], g.attrs["final_loss"] = "secret", "complete", "lora", 1.0
    o["data"] = np.full((3, 5), 4242.5)
np.full(64 * 5, 4242.5).tofile(os.path.join(d, "numbers.bin"))   # raw doubles another file holds
other = os.path.join(d, "other.h5")
with copy("elink.h5") as f: f["runs/stolen.seed=9"] = h5py.ExternalLink(other, "/runs/secret.seed=9")
with copy("elink-runs.h5") as f:
    del f["runs"]
    f["runs"] = h5py.ExternalLink(other, "/runs")
with copy("elink-fifo.h5") as f: f["runs/fifo.seed=9"] = h5py.ExternalLink(os.path.join(d, "fifo"), "/runs/x")
with copy("elink-traj.h5") as f:
    del f[RUN + "/trajectory"]
    f[RUN + "/trajectory"] = h5py.ExternalLink(other, "/data")
with copy("soft.h5") as f: f["runs/twice.seed=1"] = h5py.SoftLink("/" + RUN)
with copy("hard.h5") as f: f["runs/twice.seed=1"] = f[RUN]
with copy("elink-final.h5") as f:
    del f[RUN + "/final/A"]
    f[RUN + "/final/A"] = h5py.ExternalLink(other, "/data")
with copy("ext-numbers.h5") as f: new_traj(f, shape=(64, 5), dtype="<f8", external=[(os.path.join(d, "numbers.bin"), 0, 64 * 5 * 8)])
with copy("ext-passwd.h5") as f: new_traj(f, shape=(4, 5), dtype="<f8", external=[("/etc/passwd", 0, 4 * 5 * 8)])
with copy("ext-fifo.h5") as f: new_traj(f, shape=(4, 5), dtype="<f8", external=[(os.path.join(d, "fifo"), 0, 4 * 5 * 8)])
layout = h5py.VirtualLayout(shape=(3, 5), dtype="f8")
layout[:] = h5py.VirtualSource(other, "data", shape=(3, 5))
with copy("virtual.h5") as f: new_traj(f, layout=layout)
layout = h5py.VirtualLayout(shape=(3, 5), dtype="f8")
layout[:] = h5py.VirtualSource(os.path.join(d, "fifo"), "data", shape=(3, 5))
with copy("virtual-fifo.h5") as f: new_traj(f, layout=layout)
for name, shape in [("dims-2e62.h5", (2**62, 5)), ("dims-overflow.h5", (2**61, 16)), ("dims-wide.h5", (2**33, 2**31))]:
    with copy(name) as f: new_traj(f, shape=shape, maxshape=(None, None), chunks=(1, 5), dtype="<f8")
with copy("long-label.h5") as f: f[RUN].attrs["label"] = "x" * 100000
with copy("escapes.h5") as f:
    f[RUN].attrs["label"] = "lo\x1b]0;pwned\x07ra\x1b[2J"
    f[RUN].attrs["method"] = "\x1b[31mred"
    f[RUN].attrs["status"] = "complete"
    f["runs/lora.rank=1.seed=1"].attrs["label"] = "\\input{/etc/passwd}"
    f["runs"].move("loft.rank=1.seed=1", "evil\x1b[1;31m.seed=1")
with copy("group.h5") as f:
    for g in f["runs"].values(): g.attrs["group"] = "../../../X"
with copy("names.h5") as f:
    for g in f["runs"].values(): g.attrs["group"] = "/abs/../../up"
    f[RUN].attrs["label"] = "../../../Y"
with copy("clash.h5") as f:
    for i, g in enumerate(f["runs"].values()): g.attrs["group"] = "a/b" if i % 2 else "a_b"
EOF
expect "the hostile files are made" "[ -s '$H/clash.h5' ]"
[ -s "$H/clash.h5" ] || sed 's/^/    /' "$T/gen.out"

# shows FILE: the exit status into $T/rc, stdout into $T/out, stderr into $T/err (at most 30 s)
show() { timeout 30 "$LOFT" show "$1" > "$T/out" 2> "$T/err"; echo $? > "$T/rc"; }
rc() { cat "$T/rc"; }

# --- 1. links out of the file and datasets stored elsewhere are refused, never followed
show "$H/elink.h5"
expect "security: an external link in /runs is refused, and the other file's run does not appear" \
  "[ $(rc) = 2 ] && grep -q 'stolen.seed=9: it is an external link to .*other.h5:/runs/secret.seed=9' '$T/err' && ! grep -q secret '$T/out'"
show "$H/elink-runs.h5"
expect "security: /runs as an external link to another file's runs is refused" \
  "[ $(rc) = 2 ] && grep -q '/runs is an external link' '$T/err' && ! grep -q secret '$T/out'"
show "$H/soft.h5"
expect "security: a soft link to a run is refused (the run would count twice)" "[ $(rc) = 2 ] && grep -q 'twice.seed=1: it is a soft link to /runs/lora.rank=2.seed=1' '$T/err'"
show "$H/hard.h5"
expect "security: a run's group linked twice is refused" "[ $(rc) = 2 ] && grep -q 'has 2 hard links' '$T/err'"
show "$H/elink-fifo.h5"
expect "security: an external link to a FIFO does not hang loft show" "[ $(rc) = 2 ] && grep -q 'external link to .*fifo' '$T/err'"
show "$H/elink-traj.h5"
expect "security: a trajectory that is an external link is refused" "[ $(rc) = 2 ] && grep -q 'its trajectory is an external link' '$T/err'"
for cmd in export table; do
  timeout 30 "$LOFT" $cmd "$H/ext-numbers.h5" --out "$T/ext-$cmd" > "$T/out" 2> "$T/err"; rc=$?
  expect "security: loft $cmd refuses a trajectory stored in an external file, reading none of its bytes" \
    "[ $rc = 2 ] && grep -q 'lora.rank=2.seed=1: its trajectory is a dataset stored in external files' '$T/err' && ! grep -rqs '4242' '$T/ext-$cmd'* '$T/out'"
done
timeout 30 "$LOFT" export "$H/ext-passwd.h5" --out "$T/passwd" > "$T/out" 2> "$T/err"; rc=$?
expect "security: an external dataset over /etc/passwd is refused, no .dat written" \
  "[ $rc = 2 ] && grep -q 'stored in external files' '$T/err' && [ -z \"\$(find '$T/passwd' -name '*.dat' 2> /dev/null)\" ]"
timeout 30 "$LOFT" export "$H/ext-fifo.h5" --out "$T/fifo-out" > "$T/out" 2> "$T/err"; rc=$?
expect "security: an external dataset on a FIFO does not hang loft export" "[ $rc = 2 ] && grep -q 'stored in external files' '$T/err'"
timeout 30 "$LOFT" export "$H/virtual.h5" --out "$T/virt" > "$T/out" 2> "$T/err"; rc=$?
expect "security: a virtual dataset (numbers in another file) is refused" \
  "[ $rc = 2 ] && grep -q 'its trajectory is a virtual dataset' '$T/err' && ! grep -rqs '4242' '$T/virt'"
show "$H/virtual-fifo.h5"
expect "security: a virtual dataset over a FIFO does not hang loft show" "[ $(rc) = 2 ] && grep -q 'virtual dataset' '$T/err'"
timeout 30 "$LOFT" compare "$H/elink-final.h5" "$BASE" > "$T/out" 2> "$T/err"; rc=$?
expect "security: loft compare does not follow an external link to a final tensor" \
  "[ $rc = 2 ] && grep -q 'final/A is an external link' '$T/err'"

# --- 2. sizes: checked before anything is allocated, refused naming the file and run
for f in dims-2e62 dims-overflow dims-wide; do
  timeout 30 "$LOFT" export "$H/$f.h5" --out "$T/$f" > "$T/out" 2> "$T/err"; rc=$?
  expect "security: a trajectory of absurd dimensions ($f) is refused naming the file and run" \
    "[ $rc = 2 ] && grep -q '$f.h5: run lora.rank=2.seed=1: its trajectory has .* rows of .* columns (at most' '$T/err'"
done
show "$H/long-label.h5"
expect "security: a 100 kB label is refused, not cut (a cut label could merge two variants)" \
  "[ $(rc) = 2 ] && grep -q \"lora.rank=2.seed=1: attribute 'label' is 100000 bytes long (at most 63)\" '$T/err'"

# --- 5. loft compare on hostile dimensions: a clean error (was a use-after-free)
timeout 30 "$LOFT" compare "$H/dims-2e62.h5" "$H/dims-2e62.h5" > "$T/out" 2> "$T/err"; rc=$?
expect "security: loft compare of a file with absurd trajectory dimensions is a clean error" \
  "[ $rc = 2 ] && grep -q 'its trajectory has' '$T/err'"
timeout 30 "$LOFT" compare "$H/dims-overflow.h5" "$H/dims-overflow.h5" > "$T/out" 2> "$T/err"; rc=$?
expect "security: ... rows times columns that overflow too" "[ $rc = 2 ] && grep -q 'its trajectory has' '$T/err'"

# --- 3. text of the file reaches the terminal and the tables escaped
show "$H/escapes.h5"
expect "security: loft show prints control characters of ids, labels and methods escaped" \
  "[ $(rc) = 0 ] && ! grep -q \"\$ESC\" '$T/out' && grep -qF 'evil\\x1b[1;31m.seed=1' '$T/out' && grep -qF '\\x1b[31mred' '$T/out'"
timeout 30 "$LOFT" table "$H/escapes.h5" --out "$T/esc" > "$T/out" 2> "$T/err"; rc=$?
expect "security: loft table writes no control character into Markdown or LaTeX" \
  "[ $rc = 0 ] && ! grep -q \"\$ESC\" '$T/esc.md' '$T/esc.tex' '$T/out' && ! grep -q \$'\\a' '$T/esc.md' '$T/esc.tex' && grep -qF 'lo\\x1b]0;pwned\\x07ra' '$T/esc.md'"
expect "security: a label is text in LaTeX, not a command (\\input escaped)" \
  "! grep -qF '\\input{' '$T/esc.tex' && grep -qF '\\textbackslash{}input\\{/etc/passwd\\}' '$T/esc.tex' && tests/check_latex.sh '$T/esc.tex' > /dev/null"
timeout 30 "$LOFT" compare "$H/escapes.h5" "$BASE" > "$T/out" 2> "$T/err"; rc=$?
expect "security: loft compare prints run ids escaped" \
  "[ $rc = 1 ] && ! grep -q \"\$ESC\" '$T/out' && grep -qF 'evil\\x1b[1;31m.seed=1: only in' '$T/out'"

# --- 4. export writes only inside --out
mkdir -p "$T/x/a/b/out"
timeout 30 "$LOFT" export "$H/group.h5" --out "$T/x/a/b/out" > "$T/out" 2> "$T/err"; rc=$?
expect "security: loft export of groups '../../../X' writes nothing outside --out" \
  "[ $rc = 0 ] && [ -z \"\$(find '$T' -name '*.dat' -not -path '$T/x/a/b/out/*' -not -path '$T/ext-*' 2> /dev/null)\" ] && [ -n \"\$(find '$T/x/a/b/out' -name 'r2__lora.dat')\" ] && [ ! -e '$T/x/X' ] && [ ! -e '$T/X' ]"
mkdir -p "$T/y/out"
timeout 30 "$LOFT" export "$H/names.h5" --out "$T/y/out" > "$T/out" 2> "$T/err"; rc=$?
expect "security: a group '/abs/../../up' and a label '../../../Y' become plain names inside --out" \
  "[ $rc = 0 ] && [ \"\$(find '$T/y' -name '*.dat' -not -path '$T/y/out/*')\" = '' ] && ls '$T/y/out/'*/ | grep -q 'r2___._.._.._Y.dat'"
timeout 30 "$LOFT" export "$H/clash.h5" --out "$T/clash" > "$T/out" 2> "$T/err"; rc=$?
expect "security: two groups that would share a folder ('a/b', 'a_b') are an error, not merged" \
  "[ $rc = 2 ] && grep -q \"groups 'a_b' and 'a/b' would both be exported as 'a_b'\\|groups 'a/b' and 'a_b' would both be exported as 'a_b'\" '$T/err'"
fi

# --- 6. the number of runs of a cell, and a file short of its experiment's runs
"$LOFT" run tests/data/tiny.lua --results "$T/p" --only 'lo*' > /dev/null 2>&1
"$LOFT" run tests/data/tiny.lua --results "$T/p" --only 'adamw.seed=1' > /dev/null 2>&1
"$LOFT" table tests/data/tiny.lua --results "$T/p" --out "$T/part" > "$T/out" 2> "$T/err"; rc=$?
expect "tables: every cell states its number of runs, (n=1) in Markdown, \$n=1\$ in LaTeX" \
  "[ $rc = 0 ] && grep -q '^| adamw | .*(n=1)' '$T/part.md' && grep -q '^| lora | .*(n=2)' '$T/part.md' && grep -qF '(\$n=1\$)' '$T/part.tex' && tests/check_latex.sh '$T/part.tex' > /dev/null"
expect "tables: 9 of the experiment's 12 runs in the file: the header and every caption say '9 of 12 runs'" \
  "grep -q '^\*\*9 of 12 runs\*\*' '$T/part.md' && [ \$(grep -c '(9 of 12 runs)' '$T/part.md') = \$(grep -c '^| method' '$T/part.md') ] && grep -q '9 of 12 runs' '$T/part.tex'"

# --- 7. runs of different configs in one cell
"$LOFT" run tests/data/tiny.lua --results "$T/m" --only 'lora.rank=2.*' > /dev/null 2>&1
"$LOFT" run tests/data/tiny.lua --results "$T/m" --only 'lora.rank=2.seed=2' --set steps=20 --force > /dev/null 2>&1
"$LOFT" table tests/data/tiny.lua --results "$T/m" --out "$T/mixed" > "$T/out" 2> "$T/err"; rc=$?
expect "tables: a cell whose runs differ in a key besides the seed is refused, naming the cell, the runs and the key" \
  "[ $rc = 2 ] && grep -q 'cell (label lora, rank 2) would average runs of different configs: lora.rank=2.seed=1 and lora.rank=2.seed=2 differ in steps (40 vs 20)' '$T/err' && [ ! -e '$T/mixed.md' ]"
"$LOFT" table tests/data/tiny.lua --results "$T/m" --out "$T/mixed" --allow-mixed > "$T/out" 2> "$T/err"; rc=$?
expect "tables: --allow-mixed tabulates it with a loud warning and marks the cell ‡" \
  "[ $rc = 0 ] && grep -q 'warning: MIXED CELL (label lora, rank 2)' '$T/err' && grep -q '^| lora | .*‡' '$T/mixed.md' && grep -qF '\\ddagger' '$T/mixed.tex' && tests/check_latex.sh '$T/mixed.tex' > /dev/null"
"$LOFT" table tests/data/tiny.lua --results "$T/r" --out "$T/full" > "$T/out" 2> "$T/err"; rc=$?
expect "tables: the full sweep (every cell alike, all 12 runs) has no marks but n" \
  "[ $rc = 0 ] && ! grep -q '‡\|of 12 runs' '$T/full.md' && grep -q '^| adamw | .*(n=2[;)]' '$T/full.md'"

echo "test_security: $checks checks, $failures failed"
[ "$failures" = 0 ]
