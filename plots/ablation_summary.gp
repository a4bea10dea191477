# The ablation at a glance: the final value of one metric per variant at one rank, mean over
# seeds with its 95 % interval (t) as an error bar; full AdamW (rank-independent) included.
# Reads summary_r<rank>__<metric>.dat of `loft export` (label mean half seeds diverged).
# gnuplot -e "datadir='results/data/gpt_ablation/jargon'; rank=4; metric='perplexity'; out='results/figures/gpt_summary'" plots/ablation_summary.gp
if (!exists("datadir")) datadir = 'results/data/mf_ablation'
if (!exists("rank")) rank = 4
if (!exists("metric")) metric = 'final_loss'
if (!exists("out")) out = 'results/figures/summary'
if (!exists("title")) title = sprintf('%s at r = %d: mean and 95%% interval over seeds', metric, rank)
if (!exists("logy")) logy = 0
file = sprintf('%s/summary_r%d__%s.dat', datadir, rank, metric)
if (system(sprintf("test -s '%s' && echo 1 || echo 0", file)) eq "0") { print sprintf("ablation_summary.gp: no %s", file); exit status 1 }
set key off
set grid ytics lc rgb "#dddddd"
set xtics rotate by -40 left noenhanced font ",8"
set ylabel metric noenhanced
set title title noenhanced
set style fill solid 0.35 border lc rgb "#377eb8"
set boxwidth 0.6
if (logy) { set logscale y; set format y "10^{%L}" }
do for [term = 1:2] {
    if (term == 1) { set terminal pngcairo size 1100,560 font ",10"; set output out.'.png' }
    if (term == 2) { set terminal pdfcairo size 9in,4.6in font ",9"; set output out.'.pdf' }
    plot file using 0:2:xtic(1) with boxes lc rgb "#377eb8", \
         file using 0:2:3 with yerrorbars lc rgb "#000000" pt 7 ps 0.4
}
