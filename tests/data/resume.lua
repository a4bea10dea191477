-- Runs of every optimizer family, long enough to be stopped mid-way, for the resume test
-- (tests/test_resume.sh): each resumed run must end bit-identical to the same run never stopped.
-- The lockstep full-AdamW reference (reference_distance) rides along in every adapter run.
experiment {
  name = "resume",
  base = "configs/mf.yaml",
  set = { ["in"] = 96, out = 64, target_rank = 4, rank = 4, steps = 20000, lr = 0.05, log_every = 7,
          reference_distance = true },
  variants = {
    { label = "loft", method = "loft", lr = 1 },
    { label = "loft_nb4", method = "loft", lr = 1, reproject_second_moment = false, rescale_grads = false, max_grad_norm = 1 },
    { label = "lora", method = "lora", init = "lora-one" },
    { label = "dora", method = "dora" },
    { label = "altlora_plus", method = "altlora-plus" },
    { label = "lorapro_full", method = "lora-pro", lorapro_mode = "full", weight_decay = 0.1 },
    { label = "adamw", method = "adamw" },
  },
}
