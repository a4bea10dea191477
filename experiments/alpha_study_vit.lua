-- Claim C3 on the ViT (`make studies`): is LoRA's alpha redundant for LoFT? LoRA (s = alpha / r),
-- rsLoRA (s = alpha / sqrt r) and LoFT at alpha in {r/4, r, 4r, 16r} (alpha_per_rank; labels
-- <method>-a<alpha / r>r, "_" for the decimal point) and ranks 1 and 8 (rsLoRA at r = 8 only: at
-- r = 1 it is LoRA), on the unseen digits 5-9 of experiments/vit_ablation.lua, 60 steps. Each
-- (method, alpha, rank) gets its own learning rate, chosen on the validation split over a half-decade
-- grid of 2 decades grown until the choice is inside it; the tuning table is the measurement (the
-- best validation score per alpha, and where the best learning rate moves with alpha and rank). The
-- reported runs are seeds 1-3, seeds 1 and 2 being the tuning runs at the chosen rate (copied, not
-- rerun): an alpha is compared with alpha = r of the same method on the test set, paired by seed.
-- LoFT's step does not depend on alpha by construction of its scale handling (core/optim/loft.c,
-- tests/test_loft_invariance.c): its rows measure that in float32 on a real task. 60 steps keep
-- this study and experiments/alpha_study_gpt.lua under 10 minutes on 2 cores together.
local MULTS = { { "0_25", 0.25 }, { "1", 1 }, { "4", 4 }, { "16", 16 } }
local variants = {}
for _, m in ipairs({ { "lora", "lora", "lora" }, { "rslora", "lora", "rslora" }, { "loft", "loft", "lora" } }) do
  for _, a in ipairs(MULTS) do
    local v = { label = m[1] .. "-a" .. a[1] .. "r", method = m[2], scaling = m[3], alpha_per_rank = a[2] }
    if m[1] == "rslora" then v.rank = 8 end
    variants[#variants + 1] = v
  end
end

experiment {
  name = "alpha_study_vit",
  base = "configs/vit.yaml",
  set = { steps = 60, eval_every = 60, vit_target = "unseen" },
  seeds = { 1, 2, 3 },
  grid = { rank = { 1, 8 } },
  variants = variants,
  tune = { lr = { 3e-4, 1e-3, 3e-3, 1e-2, 3e-2 }, on = "val_balanced_accuracy", better = "higher", seeds = { 1, 2 }, widen = 3 },
  report = {
    title = "ViT on MNIST (unseen digits): alpha x learning rate x rank",
    families = {
      { name = "LoFT: alpha vs alpha = r", compare_to = "loft-a1r", rows = { "loft-a*" }, metrics = { "balanced_accuracy" } },
      { name = "LoRA: alpha vs alpha = r", compare_to = "lora-a1r", rows = { "lora-a*" }, metrics = { "balanced_accuracy" } },
      { name = "rsLoRA: alpha vs alpha = r", compare_to = "rslora-a1r", rows = { "rslora-a*" }, metrics = { "balanced_accuracy" } },
    },
    margin = { balanced_accuracy = 1.0 },
    tables = {
      { metric = "balanced_accuracy", scale = 100, digits = 1, caption = "balanced test accuracy (%) at each row's chosen learning rate", better = "higher" },
    },
    figures = {
      { script = "plots/alpha_study.gp",
        set = { datadir = "{data}/unseen", scale = 100, ylabel = "validation balanced accuracy (%)", out = "{figures}/alpha_study_vit",
                title = "ViT, unseen digits, 60 steps: each (method, alpha, rank) at its own learning rate" } },
    },
  },
}
