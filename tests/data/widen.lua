-- Tuning grids that grow until the choice is inside them (tests/test_widen.sh): tune.widen lets a
-- group's grid grow past the value it chose at an edge; the tuning seeds are not the reported ones.
experiment {
  name = "widen",
  base = "configs/mf.yaml",
  set = { ["in"] = 32, out = 24, target_rank = 4, steps = 40 },
  grid = { rank = { 2, 4 } },
  seeds = { 1, 2 },
  variants = {
    { label = "lora", method = "lora" },
    { label = "loft", method = "loft" },
    { label = "high", method = "lora", tune_values = { 30, 100, 300 } },   -- every value too large: grows down
  },
  tune = { lr = { 1e-4, 1e-3, 1e-2 }, on = "final_loss", better = "lower", seeds = { 101, 102 }, widen = 3 },
}
