-- Paired batches (tests/test_pairing.sh): for one seed every method and rank, full AdamW and a
-- split batch included, trains on the same batches. data_file and checkpoint come from --set.
experiment {
  name = "pairing_vit",
  base = "configs/vit.yaml",
  set = { vit_width = 16, vit_depth = 1, vit_heads = 2, vit_mlp = 16, steps = 20, batch_size = 8, eval_every = 10 },
  grid = { rank = { 1, 4 } },
  seeds = { 1, 2 },
  variants = {
    { label = "lora", method = "lora" },
    { label = "loft", method = "loft" },
    { label = "dora", method = "dora", init = "gaussian", batch_threads = 2 },
    { label = "pissa", method = "lora", init = "pissa" },
    { label = "adamw", method = "adamw", lr = 1e-3, rank = 1 },
  },
  report = {   -- the test accuracy with and without the test set's sampling error (test_items)
    tables = {
      { metric = "test_accuracy", scale = 100, digits = 4, caption = "seeds only", better = "higher" },
      { metric = "test_accuracy", scale = 100, digits = 4, caption = "with items", better = "higher", test_items = true },
    },
  },
}
