-- The ViT ablation (`make ablation`): the pretrained ViT (results/vit_pretrained.h5, digits 0-4)
-- fine-tuned on two targets -- unseen digits 5-9 (domain shift to new classes) and all ten
-- digits with a long-tailed train set (imbalance 50:1, balanced accuracy) -- with full AdamW,
-- LoRA, DoRA, LoFT, LoFT-simple and LoFT with each block off alone, ranks 1, 4, 8, 3 seeds.
-- Learning rates: 1e-3 for full AdamW, 3e-3 for the adapter methods (the best of
-- {3e-4, 1e-3, 3e-3, 1e-2} for AdamW and LoFT at r = 4, seed 1; see the README).
-- Clipping at 1.0 is on for every run (configs/vit.yaml), so block 6 acts.
experiment {
  name = "vit_ablation",
  base = "configs/vit.yaml",
  set = { steps = 150, eval_every = 50, lr = 3e-3 },
  seeds = { 1, 2, 3 },
  grid = { vit_target = { "unseen", "imbalanced" }, rank = { 1, 4, 8 } },
  variants = with_block_ablations({
    { label = "adamw", method = "adamw", lr = 1e-3, rank = 8 },
    { label = "lora", method = "lora" },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
    { label = "loft-simple", method = "loft", reproject_second_moment = false, project_full_update = false },
    { label = "loft-simple-no-rescale", method = "loft", rescale_grads = false, reproject_second_moment = false,
      project_full_update = false },
    { label = "riemannian", method = "loft", alternate_update = false, reproject_momentum = false,
      reproject_second_moment = false, project_full_update = false, clip_projected = false },
  }),
  report = {
    title = "ViT on MNIST",
    tables = {
      { metric = "test_accuracy", scale = 100, digits = 1, caption = "test accuracy (%) (full AdamW is rank-independent)", better = "higher" },
      { metric = "balanced_accuracy", scale = 100, digits = 1, caption = "balanced accuracy (%, mean recall over classes)", better = "higher" },
      { metric = "final_loss", caption = "final training loss (last batch)" },
    },
    curves = { acc = { "test_accuracy", "balanced_accuracy", scale = 100 } },
    figures = {
      { script = "plots/eval_curves.gp", group = { "unseen", "imbalanced" }, rank = { 1, 4, 8 },
        set = { datadir = "plots/data/vit_ablation/{group}", out = "plots/vit_{group}_r{rank}",
                title = "ViT fine-tuning on MNIST, target {group}, r = {rank}: mean and min-max over 3 seeds" } },
      { script = "plots/eval_curves.gp", rank = 4,
        set = { datadir = "plots/data/vit_ablation/unseen", out = "plots/vit_unseen", labels = "adamw lora dora loft loft-simple",
                title = "ViT fine-tuning on unseen digits 5-9, r = 4: mean and min-max over 3 seeds" } },
    },
  },
}
