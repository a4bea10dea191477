-- The GPT ablation (`make ablation`): the GPT pretrained on Debian's fortunes
-- (results/gpt_pretrained.h5) adapted to the Jargon File (domain adaptation: train on its first
-- 80 %, choose hyper-parameters on the next 10 %, report held-out loss, perplexity and the 4-way
-- cloze accuracy on the last 10 %) with full AdamW, LoRA, DoRA, LoFT, LoFT-simple, LoFT-simple
-- without block 2 and block 2 alone (riemannian) at ranks 1, 4, 8, and LoFT with each block off
-- alone at rank 4, 5 seeds, adapters on the attention (qkv, proj) and MLP (fc1, fc2) projections.
-- The baselines and the inits are experiments/gpt_studies.lua (`make studies`): both fit the
-- 60-minute budget apart. Learning rates: chosen by the harness per row and rank on the
-- validation slice by held-out loss (see `tune` below). Clipping at 1.0 is on for every run.
experiment {
  name = "gpt_ablation",
  base = "configs/gpt.yaml",
  set = { steps = 150, batch_size = 8, eval_every = 15 },   -- 11 evaluations a run: curves
  seeds = { 1, 2, 3, 4, 5 },
  grid = { rank = { 1, 4, 8 } },
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
  -- every row's learning rate chosen at its own rank on the validation slice, over a half-decade
  -- grid of 2 decades grown until the choice is inside it (widen), on 2 tuning seeds that are not
  -- reported: the reported runs (seeds 1-5) are fresh runs. A tuning run evaluates at its start
  -- and end only (eval_every = 150): the choice reads its last value
  tune = { lr = { 1e-4, 3e-4, 1e-3, 3e-3, 1e-2 }, on = "val_loss", better = "lower", seeds = { 101, 102 }, widen = 3,
           eval_every = 150 },
  report = {
    title = "GPT, fortunes to the Jargon File",
    -- the comparisons, each family Holm-adjusted over its ranks and both metrics: held-out
    -- perplexity (held-out loss is its logarithm, the same test) and the cloze accuracy; "no
    -- effect" on perplexity needs the paired ratio inside 1 +- 2 % (TOST)
    families = {
      { name = "methods vs LoRA", compare_to = "lora", rows = { "adamw", "dora", "loft", "loft-simple", "riemannian" },
        metrics = { "perplexity", "cloze_accuracy" } },
      { name = "LoFT - block k vs LoFT", compare_to = "loft", rows = { "loft-no-*" }, metrics = { "perplexity", "cloze_accuracy" } },
      { name = "LoFT-simple - block 2 vs LoFT-simple", compare_to = "loft-simple", rows = { "loft-simple-no-rescale" },
        metrics = { "perplexity", "cloze_accuracy" } },
    },
    margin = { perplexity = "2%" },
    tables = {
      { metric = "perplexity", digits = 1, caption = "held-out perplexity at the last step (full AdamW is rank-independent)" },
      { metric = "heldout_loss", digits = 3, caption = "held-out loss (nats per token) at the last step" },
      { metric = "cloze_accuracy", scale = 100, digits = 1, caption = "cloze accuracy (%, 4 choices, chance 25) at the last step", better = "higher",
        test_items = true },
      { metric = "final_loss", caption = "final training loss (last batch)" },
      { metric = "state_per_layer", digits = 0, caption = "optimizer state per adapted layer (numbers: moments, cross terms, snapshots; mean over the layers)" },
    },
    curves = { ppl = { "perplexity", "heldout_loss" } },
    figures = {
      { script = "plots/lr_curves.gp",
        set = { datadir = "{data}/jargon", ranks = "1 4 8", labels = "adamw lora dora loft loft-simple loft-simple-no-rescale riemannian",
                ylabel = "validation loss (nats per token)", out = "{figures}/gpt_jargon_lr",
                title = "GPT on the Jargon File: validation loss against the learning rate (2 tuning seeds, chosen circled)" } },
      { script = "plots/lr_curves.gp",
        set = { datadir = "{data}/jargon", ranks = "4", labels = "loft loft-no-alternate loft-no-rescale loft-no-momentum-calib loft-no-second-moment loft-no-full-update loft-no-proj-clip",
                ylabel = "validation loss (nats per token)", out = "{figures}/gpt_jargon_lr_blocks",
                title = "GPT on the Jargon File, r = 4: LoFT with one block off, against the learning rate" } },
      { script = "plots/eval_curves.gp", rank = 4,
        set = { datadir = "{data}/jargon", evals = "ppl", out = "{figures}/gpt_jargon_r4_blocks",
                labels = "loft loft-no-alternate loft-no-rescale loft-no-momentum-calib loft-no-second-moment loft-no-full-update loft-no-proj-clip",
                title = "GPT adapted from the fortunes to the Jargon File, r = 4: LoFT with one block off, mean and min-max over 5 seeds" } },
      { script = "plots/eval_curves.gp", rank = { 1, 4, 8 },
        set = { datadir = "{data}/jargon", evals = "ppl", out = "{figures}/gpt_jargon_r{rank}",
                labels = "adamw lora dora loft loft-simple loft-simple-no-rescale riemannian",
                title = "GPT adapted from the fortunes to the Jargon File, r = {rank}: mean and min-max over 5 seeds" } },
      { script = "plots/eval_curves.gp", rank = 4,
        set = { datadir = "{data}/jargon", evals = "ppl", out = "{figures}/gpt_jargon",
                labels = "adamw lora dora loft loft-simple",
                title = "GPT adapted from the fortunes to the Jargon File, r = 4: mean and min-max over 5 seeds" } },
      { script = "plots/ablation_summary.gp", rank = 4,
        set = { groups = "adamw lora dora loft loft-simple loft-simple-no-rescale riemannian | loft loft-no-alternate loft-no-rescale loft-no-momentum-calib loft-no-second-moment loft-no-full-update loft-no-proj-clip",
                datadir = "{data}/jargon", metric = "perplexity", out = "{figures}/gpt_jargon_summary",
                title = "GPT on the Jargon File, r = 4: held-out perplexity, mean and 95% interval over 5 seeds" } },
    },
  },
}
