-- The GPT ablation (`make ablation`): the GPT pretrained on Debian's fortunes
-- (results/gpt_pretrained.h5) adapted to the Jargon File (domain adaptation; held-out loss and
-- perplexity on its last 10 %, and the 4-way cloze accuracy on the same held-out text) with full
-- AdamW, LoRA, DoRA, LoFT, LoFT-simple and LoFT with each block off alone, ranks 1, 4, 8,
-- 3 seeds, adapters on the attention (qkv, proj) and MLP (fc1, fc2) projections.
-- Learning rates: the best of {3e-4 (AdamW only), 1e-3, 3e-3, 1e-2} by held-out perplexity at
-- r = 4, seed 1, 150 steps: AdamW 1e-3 (45.5), LoRA 3e-3 (62.3), LoFT 1e-3 (61.8); DoRA takes
-- LoRA's rate and every LoFT variant LoFT's (the two without block 5 also run at 3e-3).
-- Clipping at 1.0 is on for every run.
experiment {
  name = "gpt_ablation",
  base = "configs/gpt.yaml",
  set = { steps = 150, batch_size = 8, eval_every = 25, lr = 1e-3 },
  seeds = { 1, 2, 3 },
  grid = { rank = { 1, 4, 8 } },
  variants = with_block_ablations({
    { label = "adamw", method = "adamw", rank = 8 },
    { label = "lora", method = "lora", lr = 3e-3 },
    { label = "dora", method = "dora", lr = 3e-3 },
    { label = "loft", method = "loft" },
    { label = "loft-simple", method = "loft", reproject_second_moment = false, project_full_update = false },
    -- without block 5 the step is a factor-space Adam step, like LoRA's: also at LoRA's rate
    { label = "loft-simple-lr3e-3", method = "loft", reproject_second_moment = false, project_full_update = false, lr = 3e-3 },
    { label = "loft-no-full-update-lr3e-3", method = "loft", project_full_update = false, lr = 3e-3 },
    -- block 2 where the state is not calibrated (spec 3.1), at LoRA's rate like the other
    -- factor-space steps
    { label = "loft-simple-no-rescale", method = "loft", rescale_grads = false, reproject_second_moment = false,
      project_full_update = false, lr = 3e-3 },
    { label = "riemannian", method = "loft", alternate_update = false, reproject_momentum = false,
      reproject_second_moment = false, project_full_update = false, clip_projected = false, lr = 3e-3 },
  }),
  report = {
    title = "GPT, fortunes to the Jargon File",
    tables = {
      { metric = "perplexity", digits = 1, caption = "held-out perplexity at the last step (full AdamW is rank-independent)" },
      { metric = "heldout_loss", digits = 3, caption = "held-out loss (nats per token) at the last step" },
      { metric = "cloze_accuracy", scale = 100, digits = 1, caption = "cloze accuracy (%, 4 choices, chance 25) at the last step", better = "higher" },
      { metric = "final_loss", caption = "final training loss (last batch)" },
    },
    curves = { ppl = { "perplexity", "heldout_loss" } },
    figures = {
      { script = "plots/eval_curves.gp", rank = { 1, 4, 8 },
        set = { datadir = "plots/data/gpt_ablation/jargon", evals = "ppl", out = "plots/gpt_jargon_r{rank}",
                title = "GPT adapted from the fortunes to the Jargon File, r = {rank}: mean and min-max over 3 seeds" } },
      { script = "plots/eval_curves.gp", rank = 4,
        set = { datadir = "plots/data/gpt_ablation/jargon", evals = "ppl", out = "plots/gpt_jargon",
                labels = "adamw lora dora loft loft-simple-lr3e-3",
                title = "GPT adapted from the fortunes to the Jargon File, r = 4: mean and min-max over 3 seeds" } },
    },
  },
}
