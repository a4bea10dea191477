-- The tiny ViT of tests/data/vit_tiny.lua, long enough to be stopped mid-way, for the resume
-- test (tests/test_resume.sh). data_file and checkpoint come from --set.
experiment {
  name = "resume_vit",
  base = "configs/vit.yaml",
  set = { vit_width = 16, vit_depth = 1, vit_heads = 2, vit_mlp = 16, steps = 12000, batch_size = 8,
          eval_every = 400, rank = 2, log_every = 3 },
  variants = {
    { label = "loft", method = "loft" },
    { label = "dora", method = "dora", batch_threads = 2 },   -- the split batch's replicas too
    { label = "adamw", method = "adamw", lr = 1e-3 },
    -- the lockstep shadow (its parameters, optimizer and interval snapshots), forgetting, intruders
    { label = "lora-shadow", method = "lora", reference_distance = true, reference_lr = 1e-3, forgetting = true, intruders = true },
  },
}
