#!/usr/bin/env bash
# Holds a document's findings to the generated findings files: every line of a block
#   <!-- findings: results/tables/NAME_findings.md -->
#   - dora − lora (target unseen, r = 4, balanced_accuracy): +1.2, 95 % CI [0.3, 2.1], ...
#   <!-- /findings -->
# must be a line of the file it names (a path relative to the document's folder), so no number
# quoted from `loft table`'s findings can drift from them. Prints each line that is not, with the
# generated line of the same comparison when there is one (blocks inside ``` code fences are
# examples, not checked); exit 0 when all hold, 1 when one does
# not, 2 when a named file is missing or a block is not closed. Usage: check_findings.sh DOC.md...
set -u
[ $# -gt 0 ] || { echo "usage: scripts/check_findings.sh DOC.md..." >&2; exit 2; }
bad=0 blocks=0 lines=0
for doc in "$@"; do
  [ -f "$doc" ] || { echo "check_findings: $doc: no such file" >&2; exit 2; }
  dir=$(dirname "$doc")
  file="" lineno=0 fence=0
  while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    if [[ $line == '```'* ]]; then fence=$((1 - fence)); continue; fi   # an example in a code block
    [ $fence = 0 ] || continue
    if [[ $line =~ ^\<!--\ findings:\ (.+)\ --\>$ ]]; then
      file="$dir/${BASH_REMATCH[1]}"
      blocks=$((blocks + 1))
      [ -f "$file" ] || { echo "check_findings: $doc:$lineno: $file does not exist (run \`loft table\` on its experiment)" >&2; exit 2; }
      continue
    fi
    if [[ $line == "<!-- /findings -->" ]]; then file=""; continue; fi
    [ -n "$file" ] && [ -n "${line// /}" ] || continue
    lines=$((lines + 1))
    grep -qxF -- "$line" "$file" && continue
    bad=$((bad + 1))
    echo "$doc:$lineno: not in $file:"
    echo "  quoted:    $line"
    subject=${line%%): *}
    generated=$(grep -F -- "$subject): " "$file" | head -1)
    [ -n "$generated" ] && echo "  generated: $generated"
  done < "$doc"
  [ -z "$file" ] || { echo "check_findings: $doc: a findings block is not closed with <!-- /findings -->" >&2; exit 2; }
done
echo "check_findings: $blocks block(s), $lines quoted line(s), $bad differ from the generated findings"
[ "$bad" = 0 ]
