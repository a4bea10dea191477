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
# groups="a b c | d e": the rows to draw, in this order, a gap and another colour between groups
# (a label may appear in two groups, e.g. the reference row of each); default: every row as found
if (!exists("groups")) groups = ""
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
    if (groups eq "") {
        plot file using 0:2:xtic(1) with boxes lc rgb "#377eb8", \
             file using 0:2:3 with yerrorbars lc rgb "#000000" pt 7 ps 0.4
    } else {
        # x position, label, mean, half-width, group number: one line per listed row found in the file
        rows = sprintf("< awk -v G='%s' 'NR == FNR { if ($1 !~ /^#/) { m[$1] = $2; h[$2 == \"\" ? \"\" : $1] = $3 } next } END { n = split(G, w, \" \"); x = 0; g = 1; for (i = 1; i <= n; i++) { if (w[i] == \"|\") { x++; g++; continue } if (w[i] in m) { print x, w[i], m[w[i]], h[w[i]], g; x++ } } }' '%s' /dev/null", groups, file)
        set style fill solid 0.45 border lc rgb "#555555"
        plot rows using 1:3:(0.6):($5 == 1 ? 0x377eb8 : $5 == 2 ? 0xe41a1c : 0x4daf4a):xtic(2) with boxes lc rgb variable, \
             rows using 1:3:4 with yerrorbars lc rgb "#000000" pt 7 ps 0.4
    }
}
