-- Longer training (`make claims`): does LoFT's standing against LoRA and full AdamW grow, persist
-- or vanish over 1,000 steps (the ablation trains 150)? The GPT fine-tuned on the Jargon File with
-- full AdamW, LoRA, DoRA and LoFT at rank 8, 3 seeds, each at its own learning rate chosen on
-- validation loss at the full length (one tuning seed, a half-decade grid around the
-- 150-step choices, grown by one value where a choice is at its edge), held-out loss every 50 steps, with the
-- fortunes' held-out perplexity (forgetting) and the intruder dimensions at the end.
experiment {
  name = "gpt_long",
  base = "configs/gpt.yaml",
  set = { steps = 1000, batch_size = 8, eval_every = 50, rank = 8, forgetting = true, intruders = true },
  seeds = { 1, 2, 3 },
  variants = {
    { label = "adamw", method = "adamw" },
    { label = "lora", method = "lora" },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
  },
  tune = { lr = { 3e-4, 1e-3, 3e-3 }, on = "val_loss", better = "lower", seeds = { 101 }, widen = 1,
           eval_every = 1000, forgetting = false, intruders = false },
  report = {
    title = "GPT, fortunes to the Jargon File, 1,000 steps (r = 8)",
    families = {
      { name = "long run: methods vs LoFT", compare_to = "loft", rows = { "lora", "dora", "adamw" },
        metrics = { "perplexity", "source_perplexity" } },
    },
    margin = { perplexity = "2%", source_perplexity = "2%" },
    tables = {
      { metric = "perplexity", digits = 1, caption = "held-out perplexity on the Jargon File after 1,000 steps" },
      { metric = "source_perplexity", digits = 1, caption = "held-out perplexity on the fortunes (the pretraining corpus) after 1,000 steps" },
      { metric = "intruders", digits = 1, caption = "intruder dimensions (top 10 singular vectors, |cos| < 0.5; summed over the 16 layers)" },
    },
    curves = { ppl = { "perplexity", "heldout_loss" }, forget = { "source_perplexity", "perplexity" } },
    figures = {
      { script = "plots/eval_curves.gp", rank = 8,
        set = { datadir = "{data}/jargon", out = "{figures}/gpt_long_r8", evals = "ppl", labels = "adamw lora dora loft",
                title = "GPT on the Jargon File, r = 8, 1,000 steps: mean and min-max over 3 seeds" } },
      { script = "plots/learn_forget.gp", rank = 8,
        set = { datadir = "{data}/jargon", curve = "forget", labels = "adamw lora dora loft", out = "{figures}/gpt_long_forget_r8",
                xlabel = "fortunes' held-out perplexity (the pretraining corpus): left = less forgetting", ylabel = "Jargon File held-out perplexity",
                title = "GPT, r = 8, 1,000 steps: learning against forgetting, one point per seed" } },
    },
  },
}
