# Each method at its own best learning rate: the validation metric against the learning rate, one
# curve per variant (mean over the tuning seeds, min-max as error bars), one panel per rank, the
# value each group chose circled; full AdamW (files lr_r0__*) drawn in every panel. Reads the
# lr_r<rank>__<label>.dat files of `loft export` (value mean min max runs chosen).
# gnuplot -e "datadir='results/data/vit_ablation/unseen'; ranks='1 4 8'; labels='adamw lora dora loft'; ylabel='val. balanced accuracy'; out='results/figures/vit_unseen_lr'" plots/lr_curves.gp
if (!exists("datadir")) datadir = 'results/data/vit_ablation/unseen'
if (!exists("ranks")) ranks = '1 4 8'
if (!exists("labels")) labels = ''
if (!exists("ylabel")) ylabel = 'validation metric (mean over the tuning seeds)'
if (!exists("out")) out = 'results/figures/lr_curves'
if (!exists("title")) title = sprintf('%s: validation metric against the learning rate, chosen values circled', datadir)
if (!exists("scale")) scale = 1
if (!exists("logy")) logy = 0
files(r) = system((labels eq '') ? \
    sprintf("ls %s/lr_r0__*.dat %s/lr_r%s__*.dat 2>/dev/null", datadir, datadir, r) : \
    sprintf("for l in %s; do ls %s/lr_r0__$l.dat %s/lr_r%s__$l.dat 2>/dev/null; done", labels, datadir, datadir, r))
name(f) = system(sprintf("basename '%s' .dat | sed 's/^lr_r[0-9]*__//'", f))
if (words(files(word(ranks, 1))) == 0) { print sprintf("lr_curves.gp: no lr_r*__*.dat files in %s", datadir); exit status 1 }
# 8 distinct colours, then the same colours dashed
colors = "#000000 #e41a1c #377eb8 #4daf4a #984ea3 #ff7f00 #a65628 #f781bf"
col(i) = word(colors, (i - 1) % 8 + 1)
dash(i) = (i > 8) ? 2 : 1
set logscale x
set format x "10^{%L}"
set grid xtics ytics lc rgb "#dddddd"
if (logy) { set logscale y }
n = words(ranks)
do for [term = 1:2] {
    if (term == 1) { set terminal pngcairo size (450 * n + 250),520 font ",10"; set output out.'.png' }
    if (term == 2) { set terminal pdfcairo size (3.6 * n + 2),4.3 font ",8"; set output out.'.pdf' }
    set multiplot layout 1,n title title noenhanced
    do for [p = 1:n] {
        r = word(ranks, p)
        F = files(r)
        set title sprintf('r = %s', r)
        set xlabel 'learning rate'
        if (p == 1) { set ylabel ylabel noenhanced } else { unset ylabel }
        if (p == n) { set key outside right top noenhanced } else { unset key }
        plot for [i = 1:words(F)] word(F, i) using 1:($2 * scale):($3 * scale):($4 * scale) with yerrorlines lw 1.5 pt 7 ps 0.5 \
                 dt dash(i) lc rgb col(i) title name(word(F, i)), \
             for [i = 1:words(F)] word(F, i) using 1:($6 > 0 ? $2 * scale : 1/0) with points pt 6 ps 2.2 lw 2 lc rgb col(i) notitle
    }
    unset multiplot
}
