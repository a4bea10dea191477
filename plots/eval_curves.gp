# A fine-tuning ablation (ViT or GPT) for one target and one rank: training loss (left: the batch
# loss's mean over seeds smoothed by gnuplot's `smooth bezier`, over the raw min-max band) and an
# evaluated metric (right: the ViT's test accuracy from the .acc.dat files, the GPT's held-out
# perplexity from .ppl.dat, or the first column of any declared curve `evals` with its `ylabel`,
# mean with the min-max band, at every evaluation), one curve per
# variant, 8 distinct colours then the same colours dashed (give `labels` to keep a panel at 8);
# full AdamW (files r0__*) is drawn in every figure. Reads `loft export` output.
# gnuplot -e "datadir='results/data/vit_ablation/unseen'; rank=4; out='results/figures/vit_unseen_r4'" plots/eval_curves.gp
# gnuplot -e "datadir='results/data/gpt_ablation/jargon'; rank=4; out='results/figures/gpt_r4'; evals='ppl'" plots/eval_curves.gp
if (!exists("datadir")) datadir = 'results/data/vit_ablation/unseen'
if (!exists("rank")) rank = 4
if (!exists("out")) out = sprintf('results/figures/eval_curves_r%d', rank)
if (!exists("title")) title = sprintf('fine-tuning (%s), r = %d: mean and min-max over seeds', datadir, rank)
if (!exists("labels")) labels = ""
if (!exists("evals")) evals = "acc"
evallabel = exists("ylabel") ? ylabel : (evals eq "acc") ? "test accuracy (%)" : "held-out perplexity"
list = (labels eq "") ? \
    sprintf("ls %s/r0__*.dat %s/r%d__*.dat 2>/dev/null | grep -Ev '__[^.]*\\..*\\.dat$'", datadir, datadir, rank) : \
    sprintf("for l in %s; do ls %s/r0__$l.dat %s/r%d__$l.dat 2>/dev/null; done", labels, datadir, datadir, rank)
files = system(list)
names = system(list." | sed 's|.*/r[0-9]*__||; s|\\.dat$||'")
if (words(files) == 0) { print sprintf("eval_curves.gp: no .dat files for rank %d in %s", rank, datadir); exit status 1 }
acc(f) = f[1:strlen(f) - 4].'.'.evals.'.dat'
colors = "#000000 #e41a1c #377eb8 #4daf4a #984ea3 #ff7f00 #a65628 #f781bf"
dash(i) = (i > 8) ? 2 : 1
set key outside right top noenhanced
set grid ytics lc rgb "#dddddd"
set style fill transparent solid 0.12 noborder
do for [term = 1:2] {
    if (term == 1) { set terminal pngcairo size 1400,600 font ",10"; set output out.'.png' }
    if (term == 2) { set terminal pdfcairo size 12in,5in font ",9"; set output out.'.pdf' }
    set multiplot layout 1,2 title title noenhanced
    if (evals eq "acc") { set logscale y; set format y "10^{%L}" }
    set xlabel "step"; set ylabel "training loss (batch; mean smoothed)"
    unset key
    plot for [i = 1:words(files)] word(files, i) using 1:3:4 with filledcurves lc rgb word(colors, (i - 1) % 8 + 1) notitle, \
         for [i = 1:words(files)] word(files, i) using 1:2 smooth bezier with lines lw 1.5 dt dash(i) lc rgb word(colors, (i - 1) % 8 + 1) notitle
    unset logscale y
    set format y "%g"
    set ylabel evallabel noenhanced
    set key outside right top noenhanced
    plot for [i = 1:words(files)] acc(word(files, i)) using 1:3:4 with filledcurves lc rgb word(colors, (i - 1) % 8 + 1) notitle, \
         for [i = 1:words(files)] acc(word(files, i)) using 1:2 with linespoints lw 1.5 pt 7 ps 0.6 dt dash(i) lc rgb word(colors, (i - 1) % 8 + 1) title word(names, i)
    unset multiplot
    unset output
}
