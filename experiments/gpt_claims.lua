-- The paper's claims measured on the GPT (`make claims`), as experiments/vit_claims.lua does on
-- the ViT: the GPT pretrained on fortunes fine-tuned on the Jargon File with full AdamW, LoRA,
-- DoRA, LoFT and LoFT with each block off at rank 4, every row at its own tuned learning
-- rate, 3 seeds (the shadow doubles a run's cost), each reported run with a lockstep full-AdamW shadow at full AdamW's tuned learning rate
-- (closeness of the update), the fortunes' held-out loss at the start and the end (forgetting)
-- and the intruder dimensions of the blocks' weights.
experiment {
  name = "gpt_claims",
  base = "configs/gpt.yaml",
  set = { steps = 150, batch_size = 8, eval_every = 15, rank = 4, reference_distance = true, forgetting = true, intruders = true },
  seeds = { 1, 2, 3 },
  follow = { reference_lr = "adamw" },
  variants = with_block_ablations({
    { label = "adamw", method = "adamw", rank = 8 },
    { label = "lora", method = "lora" },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
  }),
  tune = { lr = { 1e-4, 3e-4, 1e-3, 3e-3, 1e-2 }, on = "val_loss", better = "lower", seeds = { 101, 102 }, widen = 3,
           eval_every = 150, reference_distance = false, forgetting = false, intruders = false },
  report = {
    title = "GPT, fortunes to the Jargon File (r = 4): the paper's claims",
    families = {
      { name = "closeness to full fine-tuning: methods vs LoRA", compare_to = "lora", rows = { "dora", "loft" },
        metrics = { "cos_to_adamw", "energy_ratio", "dist_to_adamw" } },
      { name = "closeness to full fine-tuning: LoFT - block k vs LoFT", compare_to = "loft", rows = { "loft-no-*" },
        metrics = { "cos_to_adamw", "energy_ratio", "dist_to_adamw" } },
      { name = "learning and forgetting: methods vs full AdamW", compare_to = "adamw", rows = { "lora", "dora", "loft" },
        metrics = { "perplexity", "source_perplexity", "intruders" } },
    },
    margin = { perplexity = "2%", source_perplexity = "2%", cos_to_adamw = 0.02, dist_to_adamw = 0.02, energy_ratio = 0.02, intruders = 1 },
    tables = {
      { metric = "dist_to_adamw", digits = 3, caption = "relative distance of the update to full AdamW's, ||dW - dW_full|| / ||dW_full|| (blocks' linear layers, last step)" },
      { metric = "cos_to_adamw", digits = 3, caption = "cosine of the update with full AdamW's (last step)", better = "higher" },
      { metric = "step_cos_to_adamw", digits = 3, caption = "cosine of the last evaluation interval's update with full AdamW's", better = "higher" },
      { metric = "energy_ratio", digits = 3, caption = "share of full AdamW's update energy inside the run's rank-r subspaces, over the best rank-r share", better = "higher" },
      { metric = "perplexity", digits = 1, caption = "learning: held-out perplexity on the Jargon File" },
      { metric = "source_perplexity", digits = 1, caption = "forgetting: held-out perplexity on the fortunes (the pretraining corpus) after fine-tuning" },
      { metric = "intruders", digits = 1, caption = "intruder dimensions (top 10 singular vectors, |cos| < 0.5; summed over the 16 layers)" },
    },
    curves = { close = { "cos_to_adamw", "dist_to_adamw" }, forget = { "source_perplexity", "perplexity" } },
    figures = {
      { script = "plots/eval_curves.gp", rank = 4,
        set = { datadir = "{data}/jargon", out = "{figures}/gpt_claims_close_r4", evals = "close", ylabel = "cosine of dW with full AdamW's dW_full",
                labels = "lora dora loft loft-no-alternate loft-no-rescale loft-no-momentum-calib loft-no-second-moment loft-no-full-update",
                title = "GPT, Jargon File, r = 4: cosine of the update with full AdamW's (lockstep shadow), mean and min-max over 3 seeds" } },
      { script = "plots/learn_forget.gp", rank = 4,
        set = { datadir = "{data}/jargon", curve = "forget", labels = "adamw lora dora loft", out = "{figures}/gpt_claims_forget_r4",
                xlabel = "fortunes' held-out perplexity (the pretraining corpus): left = less forgetting", ylabel = "Jargon File held-out perplexity",
                title = "GPT, r = 4: learning against forgetting, one point per seed" } },
    },
  },
}
