-- The full-rank check of docs/algorithm.md §3: LoFT with blocks 1-5 (delta = 0) against full AdamW run
-- in lockstep from the same function (reference_distance logs ||W - W_adamw|| / ||W_adamw|| at
-- every step). Square r = m = n: equal to rounding. m != n with r = min(m, n): not equal, the
-- steps that move the tall factor stay in its column space. Parity mode: the authors' code.
experiment {
  name = "fullrank_check",
  base = "configs/mf.yaml",
  set = { steps = 100, lr = 0.01, eps = 1e-8, weight_decay = 0.05, damping = 0, target_rank = 4,
          reference_distance = true, method = "loft", rank = 16, loss_threshold = 1e-3 },
  seeds = { 1, 2, 3 },
  variants = {
    { label = "square-16x16", ["in"] = 16, out = 16 },
    { label = "tall-U-24x16", ["in"] = 16, out = 24 },
    { label = "tall-V-16x24", ["in"] = 24, out = 16 },
    { label = "square-16x16-parity", ["in"] = 16, out = 16, parity = "tnurbek-148998d" },
  },
  report = {
    title = "Full-rank check",
    tables = {
      { metric = "final_loss", caption = "final loss" },
      { metric = "steps_to_threshold" },
      { metric = "dist_to_adamw", caption = "relative distance ||BA - W_adamw|| / ||W_adamw|| to full AdamW at the last step" },
    },
    figures = { { script = "plots/fullrank_check.gp", set = { out = "{figures}/fullrank_check" } } },
  },
}
