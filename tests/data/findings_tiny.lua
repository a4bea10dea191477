-- A tiny experiment for tests/test_findings.sh: families of comparisons, equivalence margins and
-- a log10 table on a small MF problem (3 seeds, 2 ranks; milliseconds a run).
experiment {
  name = "findings_tiny",
  base = "configs/mf.yaml",
  set = { ["in"] = 24, out = 16, target_rank = 2, steps = 60, lr = 0.05, reference_distance = true },
  seeds = { 1, 2, 3 },
  grid = { rank = { 1, 2 } },
  variants = {
    { label = "adamw", method = "adamw", rank = 2 },
    { label = "lora", method = "lora" },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
    { label = "loft-no-alternate", method = "loft", alternate_update = false },
    { label = "loft-no-rescale", method = "loft", rescale_grads = false },
  },
  report = {
    families = {
      { name = "methods vs LoRA", compare_to = "lora", rows = { "dora", "loft" } },
      { name = "LoFT - block k vs LoFT", compare_to = "loft", rows = { "loft-no-*" }, metrics = { "final_loss" } },
    },
    margin = { final_loss = "50%", dist_to_adamw = 0.5 },
    tables = {
      { metric = "final_loss", log10 = true, caption = "final loss" },
      { metric = "dist_to_adamw", digits = 3, caption = "distance to full AdamW" },
    },
  },
}
