-- A tiny experiment for the end-to-end tests: 3 variants x 2 ranks x 2 seeds + a run that diverges.
experiment {
  name = "tiny",
  base = "configs/mf.yaml",
  set = { ["in"] = 24, out = 16, target_rank = 2, steps = 40, lr = 0.05, reference_distance = true },
  seeds = { 1, 2 },
  grid = { rank = { 1, 2 } },
  variants = {
    { label = "adamw", method = "adamw", rank = 2 },
    { label = "lora", method = "lora" },
    { label = "loft", method = "loft" },
    { label = "boom", method = "lora", lr = 1e300, rank = 2 },
  },
  report = {   -- {data}: the experiment's .dat folder, {figures}: RESULTS/figures (loft figures fills them in)
    figures = { { script = "plots/mf_convergence.gp", rank = 2, set = { datadir = "{data}", out = "{figures}/fig_r{rank}" } } },
  },
}
