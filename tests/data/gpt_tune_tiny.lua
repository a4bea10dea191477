-- The tiny GPT of tests/test_cli.sh with its lr chosen on the validation slice (val_loss).
experiment {
  name = "gpt_tune_tiny",
  base = "configs/gpt.yaml",
  set = { vocab = 300, ctx = 16, gpt_width = 16, gpt_depth = 1, gpt_heads = 2, gpt_mlp = 16, steps = 6,
          batch_size = 4, eval_every = 3, rank = 2 },
  variants = { { label = "lora", method = "lora" } },
  tune = { lr = { 1e-4, 1e-2 }, on = "val_loss" },
}
