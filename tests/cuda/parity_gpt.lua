-- The CUDA backend against the CPU one on the GPT (float32; tests/test_cuda.sh): 20 steps of
-- each method from the tiny pretrained checkpoint. text_dir, tokenizer and gpt_checkpoint come
-- from --set.
experiment {
  name = "parity_gpt",
  base = "configs/gpt.yaml",
  set = { vocab = 300, ctx = 16, gpt_width = 16, gpt_depth = 1, gpt_heads = 2, gpt_mlp = 16, steps = 20,
          batch_size = 4, eval_every = 10, rank = 2 },
  variants = {
    { label = "adamw", method = "adamw", lr = 1e-3 },
    { label = "lora", method = "lora" },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
  },
}
