-- Many short runs for the kill/resume test (tests/test_kill.sh): most of a sweep's time is
-- spent merging, so random SIGKILLs land in merges as well as in runs.
experiment {
  name = "killme",
  base = "configs/mf.yaml",
  set = { ["in"] = 64, out = 48, target_rank = 2, steps = 60, lr = 0.05, log_every = 5 },
  seeds = { 1, 2, 3, 4, 5, 6, 7, 8 },
  grid = { rank = { 1, 2 } },
  variants = {
    { label = "lora", method = "lora" },
    { label = "loft", method = "loft" },
  },
}
