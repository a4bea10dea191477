-- Tuning on validation data, end to end (tests/test_cli.sh): lr chosen per variant from two
-- values at rank 2 on one seed, by the final loss (MF has no split: the mechanism is what is
-- tested here; ViT and GPT tune on val_loss / val_accuracy); "pinned" keeps its own lr.
experiment {
  name = "tune_tiny",
  base = "configs/mf.yaml",
  set = { ["in"] = 24, out = 16, target_rank = 2, steps = 30 },
  seeds = { 1, 2 },
  grid = { rank = { 1, 2 } },
  variants = {
    { label = "lora", method = "lora" },
    { label = "loft", method = "loft" },
    { label = "pinned", method = "lora", lr = 0.01 },
  },
  tune = { lr = { 0.001, 0.05 }, on = "final_loss", rank = 2, seeds = { 1 } },
  report = { tables = { { metric = "final_loss", caption = "final loss" } } },
}
