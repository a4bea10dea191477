# Learning against forgetting (or any two final metrics) for one rank: one point per run (seed),
# one colour per variant, from the `loft export` files r<rank>__<label>.<curve>.seeds.dat (a
# declared curve's two columns at each run's last evaluation: x = the first, y = the second);
# full AdamW (r0__*) is drawn too. Reads `loft export` output.
# gnuplot -e "datadir='results/data/vit_claims/unseen'; rank=4; curve='forget'; labels='adamw lora loft'; out='results/figures/vit_forget'" plots/learn_forget.gp
if (!exists("datadir")) datadir = 'results/data/vit_claims/unseen'
if (!exists("rank")) rank = 4
if (!exists("curve")) curve = 'forget'
if (!exists("labels")) labels = 'adamw lora dora loft'
if (!exists("out")) out = sprintf('results/figures/learn_forget_r%d', rank)
if (!exists("title")) title = sprintf('learning against forgetting, r = %d, one point per seed', rank)
if (!exists("xlabel")) xlabel = 'forgetting metric'
if (!exists("ylabel")) ylabel = 'learning metric'
list = sprintf("for l in %s; do ls %s/r0__$l.%s.seeds.dat %s/r%d__$l.%s.seeds.dat 2>/dev/null; done", labels, datadir, curve, datadir, rank, curve)
files = system(list)
names = system(list." | sed 's|.*/r[0-9]*__||; s|\\..*$||'")
if (words(files) == 0) { print sprintf("learn_forget.gp: no %s.seeds.dat files for rank %d in %s", curve, rank, datadir); exit status 1 }
colors = "#000000 #e41a1c #377eb8 #4daf4a #984ea3 #ff7f00 #a65628 #f781bf"
set key outside right top noenhanced
set grid lc rgb "#dddddd"
set xlabel xlabel noenhanced
set ylabel ylabel noenhanced
set title title noenhanced
do for [term = 1:2] {
    if (term == 1) { set terminal pngcairo size 900,600 font ",10"; set output out.'.png' }
    if (term == 2) { set terminal pdfcairo size 7.5in,5in font ",9"; set output out.'.pdf' }
    plot for [i = 1:words(files)] word(files, i) using 2:3 with points pt 7 ps 1.2 lc rgb word(colors, (i - 1) % 8 + 1) title word(names, i)
    unset output
}
