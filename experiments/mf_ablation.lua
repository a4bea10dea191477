-- The matrix-factorization ablation (`make ablation`): the authors' toy problem (docs/algorithm.md §6) with full AdamW,
-- LoRA, DoRA, LoFT, LoFT with each building block switched off alone, LoFT-simple and the
-- authors' code (parity mode), at ranks 1, 2, 4, 8 over 5 seeds. Full AdamW is rank-independent,
-- so it runs once per seed, and every run logs its distance to it (reference_distance).
-- Every row runs at the notebook's learning rate 10, as the notebook's problem states it (MF is an
-- optimisation problem with no validation data). The baselines and the inits, each at its own
-- tuned rate, are experiments/mf_studies.lua (`make studies`).
experiment {
  name = "mf_ablation",
  base = "configs/mf.yaml",
  seeds = { 1, 2, 3, 4, 5 },
  grid = { rank = { 1, 2, 4, 8 } },
  set = { reference_distance = true, lr = 10 },   -- the notebook's learning rate (docs/algorithm.md §6)
  variants = {
    { label = "adamw", method = "adamw", rank = 8 },
    { label = "lora", method = "lora" },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
    { label = "loft-no-alternate", method = "loft", alternate_update = false },
    { label = "loft-no-rescale", method = "loft", rescale_grads = false },
    { label = "loft-no-momentum-calib", method = "loft", reproject_momentum = false },
    { label = "loft-no-second-moment", method = "loft", reproject_second_moment = false },
    { label = "loft-no-full-update", method = "loft", project_full_update = false },
    -- block 6 acts only when clipping does: both rows clip at 1e-3 (gradient norms here are ~1e-2)
    { label = "loft-clip", method = "loft", max_grad_norm = 1e-3 },
    { label = "loft-no-proj-clip", method = "loft", clip_projected = false, max_grad_norm = 1e-3 },
    { label = "loft-simple", method = "loft", reproject_second_moment = false, project_full_update = false },
    { label = "loft-parity", method = "loft", parity = "tnurbek-148998d" },
    -- block 2 where the state is not calibrated (docs/algorithm.md §3.1): LoFT-simple without it, and block 2
    -- alone (Riemannian-preconditioned AdamW on the factors)
    { label = "loft-simple-no-rescale", method = "loft", rescale_grads = false, reproject_second_moment = false,
      project_full_update = false },
    { label = "riemannian", method = "loft", alternate_update = false, reproject_momentum = false,
      reproject_second_moment = false, project_full_update = false, clip_projected = false },
  },
  report = {
    title = "Matrix factorization (the authors' toy problem)",
    -- the comparisons, each family Holm-adjusted over its ranks, on the final loss's log10 (the
    -- losses span orders of magnitude: geometric means, paired log10 ratios)
    families = {
      { name = "methods vs LoRA", compare_to = "lora", rows = { "adamw", "dora", "loft", "loft-simple", "loft-parity", "riemannian" },
        metrics = { "final_loss" } },
      { name = "LoFT - block k (or + clipping) vs LoFT", compare_to = "loft",
        rows = { "loft-no-alternate", "loft-no-rescale", "loft-no-momentum-calib", "loft-no-second-moment", "loft-no-full-update",
                 "loft-clip" }, metrics = { "final_loss" } },
      { name = "LoFT + clipping - block 6 vs LoFT + clipping", compare_to = "loft-clip", rows = { "loft-no-proj-clip" },
        metrics = { "final_loss" } },
      { name = "LoFT-simple - block 2 vs LoFT-simple", compare_to = "loft-simple", rows = { "loft-simple-no-rescale" },
        metrics = { "final_loss" } },
    },
    tables = {
      { metric = "final_loss", log10 = true, caption = "final loss (full AdamW is rank-independent)" },
      { metric = "steps_to_threshold" },   -- caption: steps to reach loss <loss_threshold>
      { metric = "state_per_layer", digits = 0, caption = "optimizer state per adapted layer (numbers: moments, cross terms, snapshots; mean over the layers)" },
      { metric = "dist_to_adamw",
        caption = "relative distance ||W - W_adamw|| / ||W_adamw|| to full AdamW (same seed, lockstep) at the last step" },
    },
    figures = {
      { script = "plots/mf_convergence.gp", rank = { 1, 2, 4, 8 }, set = { out = "{figures}/mf_convergence_r{rank}",
        title = "Matrix factorization 1024x512 (target rank 8), r = {rank}: loss, mean and min-max over seeds",
        labels = "adamw lora dora loft loft-simple loft-simple-no-rescale riemannian loft-parity" } },
      { script = "plots/mf_convergence.gp", rank = { 1, 2, 4, 8 }, set = { out = "{figures}/mf_convergence_r{rank}_blocks",
        title = "Matrix factorization 1024x512 (target rank 8), r = {rank}: LoFT with one block off, mean and min-max over seeds",
        labels = "loft loft-no-alternate loft-no-rescale loft-no-momentum-calib loft-no-second-moment loft-no-full-update loft-clip loft-no-proj-clip" } },
      { script = "plots/mf_convergence.gp", rank = 8, set = { out = "{figures}/mf_convergence",
        title = "Matrix factorization 1024x512 (target rank 8), r = 8: loss, mean and min-max over seeds",
        labels = "adamw lora dora loft loft-no-alternate loft-no-momentum-calib loft-simple loft-parity" } },
      { script = "plots/ablation_summary.gp", rank = 8, set = { metric = "final_loss",
        groups = "adamw lora dora loft loft-simple loft-simple-no-rescale riemannian loft-parity | loft loft-no-alternate loft-no-rescale loft-no-momentum-calib loft-no-second-moment loft-no-full-update | loft-clip loft-no-proj-clip",
        logy = 1, out = "{figures}/mf_summary", title = "Matrix factorization, r = 8: final loss, mean and 95% interval over 5 seeds" } },
    },
  },
}
