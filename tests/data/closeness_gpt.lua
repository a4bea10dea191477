-- The same on the tiny GPT (tests/test_closeness.sh); text_dir, tokenizer and gpt_checkpoint come
-- from --set.
experiment {
  name = "closeness_gpt",
  base = "configs/gpt.yaml",
  set = { vocab = 300, ctx = 16, gpt_width = 16, gpt_depth = 1, gpt_heads = 2, gpt_mlp = 16, steps = 12, batch_size = 4,
          eval_every = 4, rank = 2, lr = 1e-3, reference_distance = true, forgetting = true, intruders = true },
  seeds = { 1 },
  variants = {
    { label = "adamw", method = "adamw" },
    { label = "lora", method = "lora" },
    { label = "lora-fast", method = "lora", lr = 1e-2, reference_lr = 1e-3 },
    { label = "loft", method = "loft", batch_threads = 2 },
  },
  report = {   -- the last columns of a GPT run (18 in all) reach the tables
    tables = { { metric = "intruders", digits = 1, caption = "intruders" }, { metric = "source_perplexity", digits = 2, caption = "forgetting" } },
  },
}
