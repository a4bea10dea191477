# The full-rank check: relative distance of LoFT's B A to full AdamW's W (lockstep, same start)
# vs step, mean over seeds, for the square, tall and parity variants of experiments/fullrank_check.lua.
# gnuplot -e "datadir='results/data/fullrank_check'; out='results/figures/fullrank_check'" plots/fullrank_check.gp
if (!exists("datadir")) datadir = 'results/data/fullrank_check'
if (!exists("out")) out = 'results/figures/fullrank_check'
files = system(sprintf("ls %s/r16__*.dat 2>/dev/null", datadir))
names = system(sprintf("ls %s/r16__*.dat 2>/dev/null | sed 's|.*/r[0-9]*__||; s|\\.dat$||'", datadir))
if (words(files) == 0) { print sprintf("fullrank_check.gp: no .dat files in %s", datadir); exit status 1 }
set logscale y
set format y "10^{%L}"
set xlabel "step"
set ylabel "||BA - W_{AdamW}|| / ||W_{AdamW}||"
set title "LoFT (blocks 1-5, r = 16) vs full AdamW in lockstep: relative distance, mean over seeds" noenhanced
set key outside right top noenhanced
set grid ytics lc rgb "#dddddd"
do for [term = 1:2] {
    if (term == 1) { set terminal pngcairo size 1000,600 font ",10"; set output out.'.png' }
    if (term == 2) { set terminal pdfcairo size 9in,5.4in font ",9"; set output out.'.pdf' }
    plot for [i = 1:words(files)] word(files, i) using 1:($6 > 0 ? $6 : 1e-17) with lines lw 2 title word(names, i)
    unset output
}
