-- Three runs of a few seconds each, for the test that kills a sweep mid-run and resumes it.
experiment {
  name = "slow",
  base = "configs/mf.yaml",
  set = { ["in"] = 512, out = 256, target_rank = 4, rank = 4, steps = 1500, lr = 1, method = "loft", log_every = 10 },
  seeds = { 1, 2, 3 },
}
