# Claim C3 (experiments/alpha_study_*.lua): against alpha / r, per method and rank, the learning
# rate chosen on validation (left) and the validation metric at it (right: mean over the tuning
# seeds, min-max as error bars), each curve shifted a little along alpha. Reads the
# lr_r<rank>__<method>-a<alpha/r>r.dat files of `loft export` (value mean min max runs chosen;
# "_" for the decimal point in alpha / r).
# gnuplot -e "datadir='results/data/alpha_study_vit/unseen'; out='results/figures/alpha_study_vit'" plots/alpha_study.gp
if (!exists("datadir")) datadir = 'results/data/alpha_study_vit/unseen'
if (!exists("out")) out = 'results/figures/alpha_study'
if (!exists("curves")) curves = 'lora:1 lora:8 rslora:8 loft:1 loft:8'   # method:rank
if (!exists("alphas")) alphas = '0_25 1 4 16'                              # alpha / r as in the labels
if (!exists("ylabel")) ylabel = 'validation metric (mean over the tuning seeds)'
if (!exists("title")) title = sprintf('%s: learning rate and score chosen per alpha', datadir)
if (!exists("scale")) scale = 1
method(c) = system(sprintf("echo '%s' | cut -d: -f1", c))
rank(c) = system(sprintf("echo '%s' | cut -d: -f2", c))
# the chosen row of each alpha of one curve: "alpha/r lr mean min max", one line per alpha found
rows(c) = sprintf("< for k in %s; do f='%s/lr_r%s__%s-a'$k'r.dat'; [ -s \"$f\" ] && awk -v a=$(echo $k | tr _ .) '$6 == 1 { print a, $1, $2, $3, $4 }' \"$f\"; done", \
                  alphas, datadir, rank(c), method(c))
found = system(sprintf("ls %s/lr_r*__*-a*r.dat 2>/dev/null | wc -l", datadir)) + 0
if (found == 0) { print sprintf("alpha_study.gp: no lr_r*__<method>-a*r.dat files in %s", datadir); exit status 1 }
colors = "#e41a1c #377eb8 #4daf4a #984ea3 #ff7f00"
col(m) = (m eq 'lora') ? word(colors, 1) : (m eq 'rslora') ? word(colors, 2) : (m eq 'loft') ? word(colors, 3) : word(colors, 4)
dash(r) = (r eq '1') ? 2 : 1
pt(r) = (r eq '1') ? 6 : 7
n = words(curves)
# curve i drawn at alpha x jit(i): curves that coincide (LoFT's, when alpha changes nothing) stay visible
jit(i) = 1 + 0.06 * (i - (n + 1) / 2.0)
set logscale x 2
set xtics ("r/4" 0.25, "r" 1, "4r" 4, "16r" 16)
set xrange [0.18:22]
set xlabel 'alpha'
set grid xtics ytics lc rgb "#dddddd"
do for [term = 1:2] {
    if (term == 1) { set terminal pngcairo size 1150,520 font ",10"; set output out.'.png' }
    if (term == 2) { set terminal pdfcairo size 9,4.3 font ",8"; set output out.'.pdf' }
    set multiplot layout 1,2 title title noenhanced
    set title 'learning rate chosen on validation'
    set logscale y
    set format y "10^{%L}"
    set ylabel 'learning rate'
    unset key
    plot for [i = 1:n] rows(word(curves, i)) using ($1 * jit(i)):2 with linespoints lw 1.5 pt pt(rank(word(curves, i))) ps 1.2 \
         dt dash(rank(word(curves, i))) lc rgb col(method(word(curves, i))) title sprintf('%s, r = %s', method(word(curves, i)), rank(word(curves, i)))
    set title 'validation score at the chosen rate'
    unset logscale y
    set format y "%g"
    set ylabel ylabel noenhanced
    set key outside right top noenhanced
    plot for [i = 1:n] rows(word(curves, i)) using ($1 * jit(i)):($3 * scale):($4 * scale):($5 * scale) with yerrorlines lw 1.5 \
         pt pt(rank(word(curves, i))) ps 1.2 dt dash(rank(word(curves, i))) lc rgb col(method(word(curves, i))) \
         title sprintf('%s, r = %s', method(word(curves, i)), rank(word(curves, i)))
    unset multiplot
}
