-- The ViT studies (`make studies`): the baselines (AltLoRA, AltLoRA+, LoRA+, LoRA-Pro efficient
-- and full) and the spectral inits crossed with the optimizer (PiSSA, LoRA-GA, LoRA-One x
-- {LoRA-AdamW, LoFT}) on the setting of experiments/vit_ablation.lua, at r = 4, with full AdamW,
-- LoRA and LoFT as anchors, 5 seeds. Every row's learning rate is chosen as in the ablation (its
-- own grid where its step has another scale, grown until the choice is inside it).
experiment {
  name = "vit_studies",
  base = "configs/vit.yaml",
  set = { steps = 150, eval_every = 15, rank = 4 },
  seeds = { 1, 2, 3, 4, 5 },
  grid = { vit_target = { "unseen", "imbalanced" } },
  variants = {
    { label = "adamw", method = "adamw", rank = 8 },
    { label = "lora", method = "lora" },
    { label = "loft", method = "loft" },
    -- the baselines: AltLoRA / AltLoRA+ as the paper's Algorithms 1 and 2
    -- (alternating, A first, reg 1e-5), LoRA+ with B at 16 x lr; AltLoRA on its own grid (its step
    -- is not normalised by a second moment), the others on the experiment's
    { label = "altlora", method = "altlora", alternate_first = "A", damping = 1e-5,
      tune_values = { 1e-3, 1e-2, 1e-1, 1, 10 } },
    { label = "altlora-plus", method = "altlora-plus", alternate_first = "A", damping = 1e-5 },
    { label = "lora-plus", method = "lora-plus" },
    -- LoRA-Pro (the authors' standalone optimizer, X = sylvester): efficient mode, and full mode with
    -- true m x n AdamW moments (an upper bound of what LoFT's (m+n) r^2 state approximates)
    { label = "lora-pro", method = "lora-pro" },
    { label = "lora-pro-full", method = "lora-pro", lorapro_mode = "full" },
    -- the init axis (init:), crossed with the optimizer: spectral init x {LoRA-AdamW, LoFT}; the default
    -- init's cells are the lora and loft rows. Each cell has its own learning rate.
    { label = "lora-pissa", method = "lora", init = "pissa" },
    { label = "loft-pissa", method = "loft", init = "pissa" },
    { label = "lora-ga", method = "lora", init = "lora-ga" },
    { label = "loft-ga", method = "loft", init = "lora-ga" },
    { label = "lora-one", method = "lora", init = "lora-one" },
    { label = "loft-one", method = "loft", init = "lora-one" },
  },
  tune = { lr = { 1e-4, 3e-4, 1e-3, 3e-3, 1e-2 }, on = "val_balanced_accuracy", better = "higher", seeds = { 101, 102 },
           widen = 3, eval_every = 150 },
  report = {
    title = "ViT on MNIST: baselines and inits (r = 4)",
    families = {
      { name = "baselines and inits vs LoFT", compare_to = "loft",
        rows = { "altlora", "altlora-plus", "lora-plus", "lora-pro", "lora-pro-full", "lora-pissa", "loft-pissa", "lora-ga",
                 "loft-ga", "lora-one", "loft-one" }, metrics = { "balanced_accuracy" } },
      { name = "LoRA vs LoFT", compare_to = "loft", rows = { "lora", "adamw" }, metrics = { "balanced_accuracy" } },
    },
    margin = { balanced_accuracy = 1.0 },
    tables = {
      { metric = "test_accuracy", scale = 100, digits = 1, caption = "test accuracy (%)", better = "higher", test_items = true },
      { metric = "balanced_accuracy", scale = 100, digits = 1, caption = "balanced accuracy (%, mean recall over classes)", better = "higher" },
      { metric = "state_per_layer", digits = 0, caption = "optimizer state per adapted layer (numbers; mean over the layers)" },
    },
    curves = { acc = { "test_accuracy", "balanced_accuracy", scale = 100 } },
    figures = {
      { script = "plots/lr_curves.gp", group = { "unseen", "imbalanced" },
        set = { datadir = "{data}/{group}", ranks = "4", labels = "adamw lora loft altlora altlora-plus lora-plus lora-pro lora-pro-full",
                scale = 100, ylabel = "validation balanced accuracy (%)", out = "{figures}/vit_{group}_lr_baselines",
                title = "ViT, target {group}, r = 4: baselines against the learning rate (2 tuning seeds, chosen circled)" } },
      { script = "plots/lr_curves.gp", group = { "unseen", "imbalanced" },
        set = { datadir = "{data}/{group}", ranks = "4", labels = "lora loft lora-pissa loft-pissa lora-ga loft-ga lora-one loft-one",
                scale = 100, ylabel = "validation balanced accuracy (%)", out = "{figures}/vit_{group}_lr_inits",
                title = "ViT, target {group}, r = 4: inits x optimizer against the learning rate" } },
      { script = "plots/ablation_summary.gp", group = { "unseen", "imbalanced" }, rank = 4,
        set = { datadir = "{data}/{group}", metric = "balanced_accuracy", out = "{figures}/vit_{group}_studies_summary",
                title = "ViT, target {group}, r = 4: balanced test accuracy (%), mean and 95% interval over 5 seeds" } },
    },
  },
}
