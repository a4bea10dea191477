-- The matrix-factorization studies (`make studies`): the baselines AltLoRA, AltLoRA+ (the
-- paper's Algorithms 1 and 2: alternating, A first, their reg 1e-5), LoRA+ (ratio 16), LoRA-Pro
-- (efficient and full) and the inits crossed with the optimizer, on the problem of
-- experiments/mf_ablation.lua, at ranks 1, 2, 4, 8 over 5 seeds, with LoRA and LoFT at the
-- notebook's rate as anchors. Each row's learning rate is chosen on the training loss (MF is an
-- optimisation problem: the training loss is what it measures) on 2 tuning seeds that are not
-- reported, from a grid grown until the choice is inside it: AltLoRA's step is not normalised by
-- a second moment, so it needs a rate thousands of times the others'.
experiment {
  name = "mf_studies",
  base = "configs/mf.yaml",
  set = { reference_distance = true },
  seeds = { 1, 2, 3, 4, 5 },
  grid = { rank = { 1, 2, 4, 8 } },
  variants = {
    { label = "adamw", method = "adamw", rank = 8, lr = 10 },
    { label = "lora", method = "lora", lr = 10 },
    { label = "loft", method = "loft", lr = 10 },
    { label = "altlora", method = "altlora", alternate_first = "A", damping = 1e-5 },
    { label = "altlora-plus", method = "altlora-plus", alternate_first = "A", damping = 1e-5 },
    { label = "lora-plus", method = "lora-plus" },
    -- LoRA-Pro (the authors' standalone optimizer, X = sylvester): efficient mode, and full mode
    -- with true m x n AdamW moments
    { label = "lora-pro", method = "lora-pro", tune_values = { 1e-3, 1e-2, 1e-1, 1, 10, 100 }, tune_at = { rank = 8 } },
    { label = "lora-pro-full", method = "lora-pro", lorapro_mode = "full", tune_values = { 1e-3, 1e-2, 1e-1, 1, 10, 100 }, tune_at = { rank = 8 } },
    -- the init axis crossed with the optimizer, from PEFT's start (B = 0; the notebook's rows start
    -- with both factors random): default (lora) and the gradient inits lora-ga and lora-one (pissa
    -- needs a pretrained W0, which MF lacks) x {LoRA-AdamW, LoFT}, each cell tuned.
    -- These eight rows are tuned at r = 8 (tune_at), where the problem is solvable: at r = 4 every
    -- rate ends at the same loss (3.607) and the choice is noise (it picked lr 100 for loft-b0).
    { label = "lora-b0", method = "lora", init = "lora", tune_values = { 1e-3, 1e-2, 1e-1, 1, 10, 100 }, tune_at = { rank = 8 } },
    { label = "loft-b0", method = "loft", init = "lora", tune_values = { 1e-3, 1e-2, 1e-1, 1, 10, 100 }, tune_at = { rank = 8 } },
    { label = "lora-ga", method = "lora", init = "lora-ga", tune_values = { 1e-3, 1e-2, 1e-1, 1, 10, 100 }, tune_at = { rank = 8 } },
    { label = "loft-ga", method = "loft", init = "lora-ga", tune_values = { 1e-3, 1e-2, 1e-1, 1, 10, 100 }, tune_at = { rank = 8 } },
    { label = "lora-one", method = "lora", init = "lora-one", tune_values = { 1e-3, 1e-2, 1e-1, 1, 10, 100 }, tune_at = { rank = 8 } },
    { label = "loft-one", method = "loft", init = "lora-one", tune_values = { 1e-3, 1e-2, 1e-1, 1, 10, 100 }, tune_at = { rank = 8 } },
  },
  tune = { lr = { 1e-2, 1e-1, 1, 10, 1e2, 1e3, 1e4, 1e5, 1e6 }, on = "final_loss", better = "lower", rank = 4, seeds = { 101, 102 },
           widen = 2 },
  report = {
    title = "Matrix factorization (the authors' toy problem): baselines and inits",
    families = {
      { name = "baselines and inits vs LoFT", compare_to = "loft",
        rows = { "altlora", "altlora-plus", "lora-plus", "lora-pro", "lora-pro-full", "lora-b0", "loft-b0", "lora-ga", "loft-ga",
                 "lora-one", "loft-one" }, metrics = { "final_loss" } },
    },
    tables = {
      { metric = "final_loss", log10 = true, caption = "final loss" },
      { metric = "dist_to_adamw",
        caption = "relative distance ||W - W_adamw|| / ||W_adamw|| to full AdamW (same seed, lockstep) at the last step" },
    },
    figures = {
      { script = "plots/ablation_summary.gp", rank = 8, set = { metric = "final_loss",
        logy = 1, out = "{figures}/mf_studies_summary", title = "Matrix factorization, r = 8: baselines and inits, final loss, mean and 95% interval over 5 seeds" } },
    },
  },
}
