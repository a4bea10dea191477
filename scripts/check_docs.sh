#!/usr/bin/env bash
# Holds the documentation to the code (`make check-docs`, part of `make test`): every relative
# link and #anchor of README.md, CHANGELOG.md, docs/*.md and bench/README.md resolves; the
# README's findings blocks are lines of the findings files `make ablation` writes
# (scripts/check_findings.sh); and, in a scratch folder, the README's examples run as written:
#   <!-- file: PATH -->       the fenced block that follows equals the file PATH of the checkout;
#   ```lua + "-- experiments/NAME.lua"  a block that names its file is written there (then run);
#   <!-- run -->              the fenced block that follows runs (sh: line by line, `make` lines
#                             skipped since the binary is built; python: when h5py is installed);
#   <!-- output: PATH -->     every line up to <!-- /output --> is a line of the file PATH the
#                             runs wrote (PATH relative to the scratch folder).
# Then the recipes of docs/extending.md (scripts/check_recipes.sh) unless --no-recipes.
# Usage: scripts/check_docs.sh BUILD_DIR [--no-recipes]. Exit 0 when all hold, 1 when not.
set -u
build=${1:?usage: scripts/check_docs.sh BUILD_DIR [--no-recipes]}
recipes=1; [ "${2:-}" = --no-recipes ] && recipes=0
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
cd "$root"
fail=0
say() { echo "check-docs: $*"; }
bad() { echo "check-docs: FAILED: $*"; fail=1; }

# --- links and anchors -------------------------------------------------------------------------
# the anchor GitHub gives a heading: lower case, punctuation but - and _ dropped, spaces to -
slugs() { grep -E '^#{1,6} ' "$1" | sed -E 's/^#+ +//; s/[`*]//g' | tr 'A-Z' 'a-z' |
          sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'; }
docs=(README.md CHANGELOG.md docs/*.md bench/README.md)
nlinks=0
for doc in "${docs[@]}"; do
  [ -f "$doc" ] || { bad "$doc does not exist"; continue; }
  dir=$(dirname "$doc")
  # links outside code fences: ](target) with no scheme
  while IFS= read -r target; do
    nlinks=$((nlinks + 1))
    path=${target%%#*}; anchor=""; [[ $target == *#* ]] && anchor=${target#*#}
    file=$doc; [ -n "$path" ] && file="$dir/$path"
    if [ ! -e "$file" ]; then bad "$doc: link ($target): $file does not exist"; continue; fi
    if [ -n "$anchor" ] && [[ $file == *.md ]] && ! slugs "$file" | grep -qxF -- "$anchor"; then
      bad "$doc: link ($target): no heading '#$anchor' in $file"
    fi
  done < <(awk '/^```/ { f = !f; next } !f' "$doc" | grep -oE '\]\([^) ]+\)' | sed -E 's/^\]\(//; s/\)$//' |
           grep -vE '^(https?|mailto):')
done
say "$nlinks relative link(s) in ${#docs[@]} file(s) checked"

# --- findings quoted in the README -------------------------------------------------------------
scripts/check_findings.sh README.md || bad "README's findings differ from docs/results (run make tables, or quote again)"

# --- the README's examples, run in a scratch folder --------------------------------------------
scratch=$(mktemp -d "${TMPDIR:-/tmp}/loft-check-docs.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/experiments"
ln -s "$root/configs" "$scratch/configs"; ln -s "$root/plots" "$scratch/plots"; ln -s "$root/data" "$scratch/data"
ln -s "$build" "$scratch/build"
for f in "$root"/experiments/*.lua; do ln -s "$f" "$scratch/experiments/"; done

# splits the README into numbered blocks: $scratch/blocks/N.{lang,mark,body}
mkdir -p "$scratch/blocks"
awk -v out="$scratch/blocks" '
  /^<!-- (file: .*|run) -->$/ && !f { mark = $0; next }
  /^```/ { if (!f) { n++; f = 1; lang = substr($0, 4); print lang > (out "/" n ".lang");
                     print mark > (out "/" n ".mark"); printf "" > (out "/" n ".body"); mark = "" }
           else f = 0; next }
  f { print > (out "/" n ".body") }
  !f && !/^[[:space:]]*$/ { mark = "" }' README.md
nblocks=$(ls "$scratch/blocks" | grep -c '\.body$')
nrun=0
for i in $(seq 1 "$nblocks"); do
  lang=$(cat "$scratch/blocks/$i.lang"); mark=$(cat "$scratch/blocks/$i.mark"); body="$scratch/blocks/$i.body"
  if [[ $mark == "<!-- file: "* ]]; then
    f=${mark#<!-- file: }; f=${f% -->}
    cmp -s "$body" "$root/$f" || bad "README block $i differs from $f (copy the file into the README)"
  fi
  first=$(head -1 "$body")
  if [ "$lang" = lua ] && [[ $first =~ ^--\ (experiments/[A-Za-z0-9_]+\.lua)$ ]]; then
    rm -f "$scratch/${BASH_REMATCH[1]}"; cp "$body" "$scratch/${BASH_REMATCH[1]}"
  fi
  [ "$mark" = "<!-- run -->" ] || continue
  nrun=$((nrun + 1))
  case $lang in
    sh)
      while IFS= read -r line; do
        cmd=${line%%#*}
        [ -n "${cmd// /}" ] || continue
        [[ $cmd == make\ * ]] && continue
        (cd "$scratch" && bash -c "$cmd") > "$scratch/out.txt" 2>&1 ||
          { bad "README block $i: '$cmd' failed:"; tail -5 "$scratch/out.txt"; }
      done < "$body" ;;
    python)
      py=python3   # Debian's interpreter, where python3-h5py lives, before one earlier on PATH
      [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import h5py' 2>/dev/null && py=/usr/bin/python3
      if $py -c 'import h5py' 2>/dev/null; then
        (cd "$scratch" && $py "$body") > "$scratch/out.txt" 2>&1 ||
          { bad "README block $i (python) failed:"; tail -5 "$scratch/out.txt"; }
      else say "README block $i (python): h5py not installed, not run"; fi ;;
    *) bad "README block $i: <!-- run --> on a '$lang' block" ;;
  esac
done
say "$nblocks fenced block(s) in README.md, $nrun run"

# every <!-- output: PATH --> block against the file the runs wrote
out="" lineno=0 nout=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  if [[ $line =~ ^\<!--\ output:\ (.+)\ --\>$ ]]; then out="$scratch/${BASH_REMATCH[1]}"; nout=$((nout + 1))
    [ -f "$out" ] || { bad "README.md:$lineno: ${BASH_REMATCH[1]} was not written by the README's commands"; out=""; }
    continue; fi
  [[ $line == "<!-- /output -->" ]] && { out=""; continue; }
  [ -n "$out" ] && [ -n "${line// /}" ] || continue
  grep -qxF -- "$line" "$out" || { bad "README.md:$lineno: not a line of ${out#$scratch/}:"; echo "  quoted: $line";
                                   echo "  written: $(grep -F -- "${line:0:12}" "$out" | head -1)"; }
done < README.md
say "$nout output block(s) checked"

if [ $recipes = 1 ]; then
  scripts/check_recipes.sh "$build" || bad "a recipe of docs/extending.md does not work"
fi
[ $fail = 0 ] && say "all documentation checks hold"
exit $fail
