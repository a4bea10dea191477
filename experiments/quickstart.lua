-- The README's quick start: LoRA against LoFT on a small matrix-factorization problem (a 64 x 32
-- target of rank 4), at ranks 1 and 4, 3 seeds, 200 steps: 12 runs, a few seconds on one core.
experiment {
  name = "quickstart",                                  -- results/quickstart.h5
  base = "configs/mf.yaml",                             -- the task and every default
  set = { ["in"] = 64, out = 32, target_rank = 4, steps = 200, lr = 1 },
  grid = { rank = { 1, 4 } },
  variants = {
    { label = "lora", method = "lora" },
    { label = "loft", method = "loft" },
  },
  seeds = { 1, 2, 3 },
  report = {
    compare_to = "lora",
    tables = { { metric = "final_loss", log10 = true, caption = "final loss" } },
    figures = { { script = "plots/mf_convergence.gp", rank = 4,
                  set = { out = "{figures}/quickstart", title = "64 x 32, r = 4: loss over 3 seeds" } } },
  },
}
