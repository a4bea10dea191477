-- The llama task on the tiny model of tests/golden/llama_tiny and its arithmetic JSONL, packed
-- (the window draws and their redraws are part of the state), long enough to be stopped mid-way,
-- for the resume test (tests/test_resume.sh).
experiment {
  name = "resume_llama",
  base = "configs/llama.yaml",
  set = { steps = 3000, eval_every = 500, batch_size = 4, ctx = 16, llama_packing = "pack" },
  variants = {
    { label = "loft", method = "loft" },
    { label = "lora", method = "lora" },
  },
  seeds = { 1 },
}
