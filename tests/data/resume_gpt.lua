-- The tiny GPT of tests/data/gpt_tiny.lua, long enough to be stopped mid-way, for the resume
-- test (tests/test_resume.sh). text_dir, tokenizer and gpt_checkpoint come from --set.
experiment {
  name = "resume_gpt",
  base = "configs/gpt.yaml",
  set = { vocab = 300, ctx = 16, gpt_width = 16, gpt_depth = 1, gpt_heads = 2, gpt_mlp = 16, steps = 6000,
          batch_size = 4, eval_every = 300, rank = 2 },
  variants = {
    { label = "loft", method = "loft" },
    { label = "lora", method = "lora", batch_threads = 2 },
    { label = "adamw", method = "adamw", lr = 1e-3 },
    { label = "loft-shadow", method = "loft", reference_distance = true, forgetting = true, intruders = true },
  },
}
