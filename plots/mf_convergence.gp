# Convergence of the matrix-factorization ablation at one rank: loss (log scale) vs step, the mean
# over seeds as a line and the min-max over seeds as a band, one curve per variant; full AdamW
# (rank-independent, files r0__*) is drawn in every figure. Reads the .dat files of `loft export`.
# gnuplot -e "datadir='results/data/mf_ablation'; rank=8; out='results/figures/mf_convergence'" plots/mf_convergence.gp
# Diverged runs are cut at 1e3 (their table cell says "diverged").
if (!exists("datadir")) datadir = 'results/data/mf_ablation'
if (!exists("rank")) rank = 8
if (!exists("out")) out = sprintf('results/figures/mf_convergence_r%d', rank)
if (!exists("title")) title = sprintf('Matrix factorization, r = %d: loss, mean and min-max over seeds', rank)
if (!exists("ymin")) ymin = 1e-14
if (!exists("ymax")) ymax = 1e3

# labels="a b c": only these variants, in this order (default: every variant found)
if (!exists("labels")) labels = ""
list = (labels eq "") ? \
    sprintf("ls %s/r0__*.dat %s/r%d__*.dat 2>/dev/null", datadir, datadir, rank) : \
    sprintf("for l in %s; do ls %s/r0__$l.dat %s/r%d__$l.dat 2>/dev/null; done", labels, datadir, datadir, rank)
files = system(list)
names = system(list." | sed 's|.*/r[0-9]*__||; s|\\.dat$||'")
if (words(files) == 0) { print sprintf("mf_convergence.gp: no .dat files for rank %d in %s", rank, datadir); exit status 1 }

dash(i) = (i > 8) ? 2 : 1
colors = "#000000 #e41a1c #377eb8 #4daf4a #984ea3 #ff7f00 #a65628 #f781bf"   # 8 distinct, then dashed
set logscale y
set yrange [ymin:ymax]     # diverging runs leave the plot at the top instead of flattening it
set format y "10^{%L}"
set xlabel "step"
set ylabel "loss (MSE)"
set title title noenhanced
set key outside right top noenhanced
set grid ytics lc rgb "#dddddd"
set style fill transparent solid 0.15 noborder

do for [term = 1:2] {
    if (term == 1) { set terminal pngcairo size 1200,700 font ",10"; set output out.'.png' }
    if (term == 2) { set terminal pdfcairo size 10in,5.8in font ",9"; set output out.'.pdf' }
    plot for [i = 1:words(files)] word(files, i) using 1:3:4 with filledcurves lc rgb word(colors, (i - 1) % 8 + 1) notitle, \
         for [i = 1:words(files)] word(files, i) using 1:2 with lines lw 2 dt dash(i) lc rgb word(colors, (i - 1) % 8 + 1) title word(names, i)
    unset output
}
