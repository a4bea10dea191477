#!/usr/bin/env bash
# Checks a `loft table` .tex file: with pdflatex and booktabs (Debian's texlive-latex-base and
# texlive-latex-recommended) it must compile in
# a minimal document with booktabs; without it, a structural check: balanced braces and
# \begin/\end, an even number of $ on every line, each tabular row with as many & as the column
# spec asks, no double superscript. Prints one line; exit 0 when it passes. Usage: check_latex.sh FILE.tex
set -u
f=$1
if command -v pdflatex > /dev/null && kpsewhich booktabs.sty > /dev/null 2>&1; then
  d=$(mktemp -d)
  printf '\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\\input{%s}\n\\end{document}\n' "$(realpath "$f")" > "$d/doc.tex"
  if (cd "$d" && pdflatex -interaction=nonstopmode -halt-on-error doc.tex > log.txt 2>&1); then echo "pdflatex compiles $f"; rm -rf "$d"; exit 0; fi
  echo "pdflatex fails on $f: $(grep -m1 '^!' "$d/log.txt")"; rm -rf "$d"; exit 1
fi
awk -v file="$f" '
  function fail(msg) { print "LaTeX check of " file ":" NR ": " msg; bad = 1; exit 1 }
  {
    line = $0
    gsub(/\\[{}$%&_#]/, "", line)            # escaped characters do not count
    sub(/(^|[^\\])%.*/, "", line)             # comments
    n = split(line, ch, "")
    for (i = 1; i <= n; i++) { if (ch[i] == "{") depth++; if (ch[i] == "}") depth--; if (depth < 0) fail("unbalanced }") }
    dollars = gsub(/\$/, "$", line); if (dollars % 2) fail("odd number of $")
    if (line ~ /\^\{[^}]*\}\^/) fail("double superscript")
    if (match($0, /\\begin\{tabular\}\{[lcr]+\}/)) { spec = substr($0, RSTART, RLENGTH); gsub(/.*\{|\}/, "", spec); cols = length(spec); in_tab = 1 }
    else if ($0 ~ /\\end\{tabular\}/) in_tab = 0
    else if (in_tab && $0 ~ /\\\\ *$/) { amp = gsub(/&/, "&", line); if (amp != cols - 1) fail("a row with " amp + 1 " cells in a " cols "-column tabular") }
    while (match(line, /\\(begin|end)\{[a-z]+\}/)) {
      tok = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
      env = tok; sub(/.*\{/, "", env); sub(/\}/, "", env)
      if (tok ~ /^\\begin/) stack[++sp] = env; else { if (sp < 1 || stack[sp] != env) fail("\\end{" env "} without its \\begin"); sp-- }
    }
  }
  END { if (bad) exit 1; if (depth != 0) { print "LaTeX check of " file ": unbalanced braces"; exit 1 }
        if (sp != 0) { print "LaTeX check of " file ": \\begin{" stack[sp] "} never ended"; exit 1 }
        print "LaTeX structure of " file " is sound (no pdflatex here)" }' "$f"
