-- Domain adaptation step of the tiny GPT pipeline (tests/test_cli.sh).
experiment {
  name = "gpt_tiny",
  base = "configs/gpt.yaml",
  set = { vocab = 300, ctx = 16, gpt_width = 16, gpt_depth = 1, gpt_heads = 2, gpt_mlp = 16, steps = 6,
          batch_size = 4, eval_every = 3, rank = 2 },
  variants = { { label = "lora", method = "lora" }, { label = "loft", method = "loft" }, { label = "adamw", method = "adamw", lr = 1e-3 } },
}
