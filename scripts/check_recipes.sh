#!/usr/bin/env bash
# Holds docs/extending.md's recipes to the code: in a scratch copy of the checkout (the build
# folder copied with it, so that make redoes only what the recipes change), writes every block
#   <!-- recipe: PATH -->         the fenced block that follows is the new file PATH;
#   <!-- recipe-append: PATH -->  the fenced block that follows is appended to PATH;
# builds build/loft (nice, -j1), runs the experiment a recipe wrote (experiments/*.lua) and
# checks that every run completed. Usage: scripts/check_recipes.sh BUILD_DIR. Exit 0 or 1.
set -u
build=${1:?usage: scripts/check_recipes.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
doc="$root/docs/extending.md"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/loft-recipes.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$scratch"' EXIT
say() { echo "check-recipes: $*"; }

# the checkout's files as they are (tracked and untracked, not ignored), times kept
(cd "$root" && git ls-files -z -co --exclude-standard | xargs -0 tar -cf - --ignore-failed-read 2>/dev/null) |
  tar -xf - -C "$scratch" || { say "could not copy the checkout"; exit 1; }
cp -a "$build" "$scratch/build"
[ -e "$root/data" ] && ln -sfn "$root/data" "$scratch/data"

# the recipes, applied in the order the page gives them
awk -v out="$scratch/recipes" '
  /^<!-- recipe(-append)?: .* -->$/ && !f { mark = $0; next }
  /^```/ { if (!f) { f = 1; if (mark != "") { n++; print mark > (out "." n ".mark"); printf "" > (out "." n ".body") } }
           else { f = 0; mark = "" } next }
  f && mark != "" { print > (out "." n ".body") }' "$doc"
n=0 runs=()
for mark in "$scratch"/recipes.*.mark; do
  [ -e "$mark" ] || break
  n=$((n + 1))
  body=${mark%.mark}.body; m=$(cat "$mark")
  path=${m#*: }; path=${path% -->}
  case $m in
    "<!-- recipe: "*)        [ -e "$scratch/$path" ] && { say "$path exists already: a recipe adds new files"; exit 1; }
                             mkdir -p "$(dirname "$scratch/$path")"; cp "$body" "$scratch/$path" ;;
    "<!-- recipe-append: "*) [ -f "$scratch/$path" ] || { say "$path does not exist"; exit 1; }
                             cat "$body" >> "$scratch/$path" ;;
  esac
  [[ $path == experiments/*.lua ]] && runs+=("$path")
done
[ $n -gt 0 ] || { say "no recipes found in $doc"; exit 1; }
say "$n recipe block(s) applied; building"
if ! (cd "$scratch" && nice -n 10 make -j1 build/loft BUILD=build) > "$scratch/build.log" 2>&1; then
  say "the build with the recipes failed:"; grep -E 'error|Error' "$scratch/build.log" | head -20; exit 1
fi
fail=0
for e in "${runs[@]}"; do
  if (cd "$scratch" && build/loft run "$e" && build/loft show "$e") > "$scratch/run.log" 2>&1 &&
     ! grep -qE 'diverged|interrupted|failed [1-9]' "$scratch/run.log"; then
    say "$e: every run complete"
  else say "$e did not run:"; tail -5 "$scratch/run.log"; fail=1; fi
done
exit $fail
