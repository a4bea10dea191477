-- The ViT ablation (`make ablation`): the pretrained ViT (results/vit_pretrained.h5, digits 0-4)
-- fine-tuned on two targets -- unseen digits 5-9 (domain shift to new classes) and all ten
-- digits with a long-tailed train set (imbalance 50:1, balanced accuracy) -- with full AdamW,
-- LoRA, DoRA, LoFT, LoFT-simple, LoFT-simple without block 2, block 2 alone (riemannian) at
-- ranks 1, 4, 8, and LoFT with each block off alone at rank 4, 5 seeds. The baselines and the
-- inits are experiments/vit_studies.lua (`make studies`): both fit the 60-minute budget apart.
-- Learning rates: chosen by the harness per row, rank and target on the validation split (every
-- 5th image of a digit that is not test) by balanced accuracy (see `tune` below).
-- Clipping at 1.0 is on for every run (configs/vit.yaml), so block 6 acts.
experiment {
  name = "vit_ablation",
  base = "configs/vit.yaml",
  set = { steps = 150, eval_every = 15 },   -- 11 evaluations a run: curves
  seeds = { 1, 2, 3, 4, 5 },
  grid = { vit_target = { "unseen", "imbalanced" }, rank = { 1, 4, 8 } },
  variants = with_block_ablations({
    { label = "adamw", method = "adamw", rank = 8 },
    { label = "lora", method = "lora" },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
    { label = "loft-simple", method = "loft", reproject_second_moment = false, project_full_update = false },
    { label = "loft-simple-no-rescale", method = "loft", rescale_grads = false, reproject_second_moment = false,
      project_full_update = false },
    { label = "riemannian", method = "loft", alternate_update = false, reproject_momentum = false,
      reproject_second_moment = false, project_full_update = false, clip_projected = false },
  }, { rank = 4 }),
  -- every row's learning rate chosen at its own rank and target on the validation split, over a
  -- half-decade grid of 2 decades grown until the choice is inside it (widen), on 2 tuning seeds
  -- that are not reported: the reported runs (seeds 1-5) are fresh runs. A tuning run evaluates at
  -- its start and end only (eval_every = 150): the choice reads its last value
  tune = { lr = { 1e-4, 3e-4, 1e-3, 3e-3, 1e-2 }, on = "val_balanced_accuracy", better = "higher", seeds = { 101, 102 },
           widen = 3, eval_every = 150 },
  report = {
    title = "ViT on MNIST",
    -- the comparisons, each family Holm-adjusted over both targets and its ranks, on balanced
    -- accuracy (the metric the learning rates are chosen on; on the unseen digits' balanced test
    -- set it is the test accuracy up to class sizes); "no effect" needs the difference inside
    -- +-1 accuracy point (TOST)
    families = {
      { name = "methods vs LoRA", compare_to = "lora", rows = { "adamw", "dora", "loft", "loft-simple", "riemannian" },
        metrics = { "balanced_accuracy" } },
      { name = "LoFT - block k vs LoFT", compare_to = "loft", rows = { "loft-no-*" }, metrics = { "balanced_accuracy" } },
      { name = "LoFT-simple - block 2 vs LoFT-simple", compare_to = "loft-simple", rows = { "loft-simple-no-rescale" },
        metrics = { "balanced_accuracy" } },
    },
    margin = { balanced_accuracy = 1.0 },
    tables = {
      { metric = "test_accuracy", scale = 100, digits = 1, caption = "test accuracy (%) (full AdamW is rank-independent)", better = "higher",
        test_items = true },
      { metric = "balanced_accuracy", scale = 100, digits = 1, caption = "balanced accuracy (%, mean recall over classes)", better = "higher" },
      { metric = "final_loss", caption = "final training loss (last batch)" },
      { metric = "state_per_layer", digits = 0, caption = "optimizer state per adapted layer (numbers: moments, cross terms, snapshots; mean over the layers)" },
    },
    curves = { acc = { "test_accuracy", "balanced_accuracy", scale = 100 } },
    figures = {
      { script = "plots/lr_curves.gp", group = { "unseen", "imbalanced" },
        set = { datadir = "{data}/{group}", ranks = "1 4 8", labels = "adamw lora dora loft loft-simple loft-simple-no-rescale riemannian",
                scale = 100, ylabel = "validation balanced accuracy (%)", out = "{figures}/vit_{group}_lr",
                title = "ViT, target {group}: validation balanced accuracy against the learning rate (2 tuning seeds, chosen circled)" } },
      { script = "plots/lr_curves.gp", group = { "unseen", "imbalanced" },
        set = { datadir = "{data}/{group}", ranks = "4", labels = "loft loft-no-alternate loft-no-rescale loft-no-momentum-calib loft-no-second-moment loft-no-full-update loft-no-proj-clip",
                scale = 100, ylabel = "validation balanced accuracy (%)", out = "{figures}/vit_{group}_lr_blocks",
                title = "ViT, target {group}, r = 4: LoFT with one block off, against the learning rate" } },
      { script = "plots/eval_curves.gp", group = { "unseen", "imbalanced" }, rank = 4,
        set = { datadir = "{data}/{group}", out = "{figures}/vit_{group}_r4_blocks",
                labels = "loft loft-no-alternate loft-no-rescale loft-no-momentum-calib loft-no-second-moment loft-no-full-update loft-no-proj-clip",
                title = "ViT fine-tuning on MNIST, target {group}, r = 4: LoFT with one block off, mean and min-max over 5 seeds" } },
      { script = "plots/eval_curves.gp", group = { "unseen", "imbalanced" }, rank = { 1, 4, 8 },
        set = { datadir = "{data}/{group}", out = "{figures}/vit_{group}_r{rank}",
                labels = "adamw lora dora loft loft-simple loft-simple-no-rescale riemannian",
                title = "ViT fine-tuning on MNIST, target {group}, r = {rank}: mean and min-max over 5 seeds" } },
      { script = "plots/eval_curves.gp", rank = 4,
        set = { datadir = "{data}/unseen", out = "{figures}/vit_unseen", labels = "adamw lora dora loft loft-simple",
                title = "ViT fine-tuning on unseen digits 5-9, r = 4: mean and min-max over 5 seeds" } },
      { script = "plots/ablation_summary.gp", group = { "unseen", "imbalanced" }, rank = 4,
        set = { groups = "adamw lora dora loft loft-simple loft-simple-no-rescale riemannian | loft loft-no-alternate loft-no-rescale loft-no-momentum-calib loft-no-second-moment loft-no-full-update loft-no-proj-clip",
                datadir = "{data}/{group}", metric = "balanced_accuracy", out = "{figures}/vit_{group}_summary",
                title = "ViT, target {group}, r = 4: balanced test accuracy (%), mean and 95% interval over 5 seeds" } },
    },
  },
}
