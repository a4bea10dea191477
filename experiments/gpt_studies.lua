-- The GPT studies (`make studies`): the baselines (AltLoRA, AltLoRA+, LoRA+, LoRA-Pro efficient
-- and full) and the spectral inits crossed with the optimizer (PiSSA, LoRA-GA, LoRA-One x
-- {LoRA-AdamW, LoFT}) on the setting of experiments/gpt_ablation.lua, at r = 4, with full AdamW,
-- LoRA and LoFT as anchors, 5 seeds. Every row's learning rate is chosen as in the ablation (its
-- own grid where its step has another scale, grown until the choice is inside it).
experiment {
  name = "gpt_studies",
  base = "configs/gpt.yaml",
  set = { steps = 150, batch_size = 8, eval_every = 15, rank = 4 },
  seeds = { 1, 2, 3, 4, 5 },
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
  tune = { lr = { 1e-4, 3e-4, 1e-3, 3e-3, 1e-2 }, on = "val_loss", better = "lower", seeds = { 101, 102 }, widen = 3,
           eval_every = 150 },
  report = {
    title = "GPT, fortunes to the Jargon File: baselines and inits (r = 4)",
    families = {
      { name = "baselines and inits vs LoFT", compare_to = "loft",
        rows = { "altlora", "altlora-plus", "lora-plus", "lora-pro", "lora-pro-full", "lora-pissa", "loft-pissa", "lora-ga",
                 "loft-ga", "lora-one", "loft-one" }, metrics = { "perplexity", "cloze_accuracy" } },
      { name = "LoRA vs LoFT", compare_to = "loft", rows = { "lora", "adamw" }, metrics = { "perplexity", "cloze_accuracy" } },
    },
    margin = { perplexity = "2%" },
    tables = {
      { metric = "perplexity", digits = 1, caption = "held-out perplexity at the last step" },
      { metric = "cloze_accuracy", scale = 100, digits = 1, caption = "cloze accuracy (%, 4 choices, chance 25) at the last step", better = "higher",
        test_items = true },
      { metric = "state_per_layer", digits = 0, caption = "optimizer state per adapted layer (numbers; mean over the layers)" },
    },
    curves = { ppl = { "perplexity", "heldout_loss" } },
    figures = {
      { script = "plots/lr_curves.gp",
        set = { datadir = "{data}/jargon", ranks = "4", labels = "adamw lora loft altlora altlora-plus lora-plus lora-pro lora-pro-full",
                ylabel = "validation loss (nats per token)", out = "{figures}/gpt_jargon_lr_baselines",
                title = "GPT on the Jargon File, r = 4: baselines against the learning rate (2 tuning seeds, chosen circled)" } },
      { script = "plots/lr_curves.gp",
        set = { datadir = "{data}/jargon", ranks = "4", labels = "lora loft lora-pissa loft-pissa lora-ga loft-ga lora-one loft-one",
                ylabel = "validation loss (nats per token)", out = "{figures}/gpt_jargon_lr_inits",
                title = "GPT on the Jargon File, r = 4: inits x optimizer against the learning rate" } },
      { script = "plots/ablation_summary.gp", rank = 4,
        set = { datadir = "{data}/jargon", metric = "perplexity", out = "{figures}/gpt_jargon_studies_summary",
                title = "GPT on the Jargon File, r = 4: held-out perplexity, mean and 95% interval over 5 seeds" } },
    },
  },
}
