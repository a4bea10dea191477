-- A tiny ViT pipeline for the end-to-end tests (synthetic digits, see tests/test_cli.sh):
-- pretraining on the source task, then two methods on both targets. data_file and checkpoint
-- come from --set.
experiment {
  name = "vit_tiny",
  base = "configs/vit.yaml",
  set = { vit_width = 16, vit_depth = 1, vit_heads = 2, vit_mlp = 16, steps = 6, batch_size = 8,
          eval_every = 3, imbalance_ratio = 10000, rank = 2 },
  grid = { vit_target = { "unseen", "imbalanced" } },
  variants = {
    { label = "lora", method = "lora" },
    { label = "loft", method = "loft" },
    { label = "dora", method = "dora", lr = 1e300 },   -- diverges: recorded, the sweep goes on
  },
  report = {
    title = "tiny ViT",
    tables = {
      { metric = "test_accuracy", scale = 100, digits = 1, caption = "test accuracy (%)", better = "higher" },
      { metric = "balanced_accuracy", scale = 100, digits = 1, caption = "balanced accuracy (%)", better = "higher" },
    },
    curves = { acc = { "test_accuracy", "balanced_accuracy", scale = 100 } },
  },
}
