-- Paired batches (tests/test_pairing.sh): for one seed every method and rank, full AdamW and a
-- split batch included, trains on the same batches. text_dir, tokenizer and gpt_checkpoint come from --set.
experiment {
  name = "pairing_gpt",
  base = "configs/gpt.yaml",
  set = { vocab = 300, ctx = 16, gpt_width = 16, gpt_depth = 1, gpt_heads = 2, gpt_mlp = 16, steps = 20, batch_size = 4, eval_every = 10 },
  grid = { rank = { 1, 4 } },
  seeds = { 1, 2 },
  variants = {
    { label = "lora", method = "lora" },
    { label = "loft", method = "loft" },
    { label = "dora", method = "dora", init = "gaussian", batch_threads = 2 },
    { label = "pissa", method = "lora", init = "pissa" },
    { label = "adamw", method = "adamw", lr = 1e-3, rank = 1 },
  },
}
