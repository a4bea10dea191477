-- The paper's claims measured on the ViT (`make claims`): does LoFT's update behave like full
-- fine-tuning's, which of its blocks make it so, does it learn more and forget more, and does it
-- grow intruder dimensions? The pretrained ViT (digits 0-4) fine-tuned on the unseen digits 5-9
-- with full AdamW, LoRA, DoRA and LoFT at ranks 1, 4, 8 and LoFT with each block off at rank 4,
-- 5 seeds, every row at its own learning rate (tuned as in experiments/vit_ablation.lua). Each
-- reported run carries a lockstep full-AdamW shadow from the same start on the same batches, at
-- full AdamW's own tuned learning rate (follow), and logs, over the blocks' linear layers:
-- dist_to_adamw = ||dW - dW_full|| / ||dW_full||, cos_to_adamw, step_cos_to_adamw (the updates
-- between evaluations), energy_ratio (dW_full's energy inside the run's rank-r subspaces over the
-- best rank-r share); source_accuracy (digits 0-4 under the pretraining head, at the start and
-- the end: forgetting) and intruders (top-10 singular vectors of W with |cos| < 0.5 to every one
-- of the start's, summed over the layers).
experiment {
  name = "vit_claims",
  base = "configs/vit.yaml",
  set = { steps = 150, eval_every = 15, vit_target = "unseen", reference_distance = true, forgetting = true, intruders = true },
  seeds = { 1, 2, 3, 4, 5 },
  grid = { rank = { 1, 4, 8 } },
  follow = { reference_lr = "adamw" },
  variants = with_block_ablations({
    { label = "adamw", method = "adamw", rank = 8 },
    { label = "lora", method = "lora" },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
  }, { rank = 4 }),
  -- as the ablation; the tuning runs carry no shadow and measure neither forgetting nor intruders
  tune = { lr = { 1e-4, 3e-4, 1e-3, 3e-3, 1e-2 }, on = "val_balanced_accuracy", better = "higher", seeds = { 101, 102 },
           widen = 3, eval_every = 150, reference_distance = false, forgetting = false, intruders = false },
  report = {
    title = "ViT on MNIST, unseen digits: the paper's claims",
    families = {
      { name = "closeness to full fine-tuning: methods vs LoRA", compare_to = "lora", rows = { "dora", "loft" },
        metrics = { "cos_to_adamw", "energy_ratio", "dist_to_adamw" } },
      { name = "closeness to full fine-tuning: LoFT - block k vs LoFT", compare_to = "loft", rows = { "loft-no-*" },
        metrics = { "cos_to_adamw", "energy_ratio", "dist_to_adamw" } },
      { name = "learning and forgetting: methods vs full AdamW", compare_to = "adamw", rows = { "lora", "dora", "loft" },
        metrics = { "balanced_accuracy", "source_accuracy", "intruders" } },
    },
    margin = { balanced_accuracy = 1.0, source_accuracy = 1.0, cos_to_adamw = 0.02, dist_to_adamw = 0.02, energy_ratio = 0.02, intruders = 1 },
    tables = {
      { metric = "dist_to_adamw", digits = 3, caption = "relative distance of the update to full AdamW's, ||dW - dW_full|| / ||dW_full|| (blocks' linear layers, last step)" },
      { metric = "cos_to_adamw", digits = 3, caption = "cosine of the update with full AdamW's (last step)", better = "higher" },
      { metric = "step_cos_to_adamw", digits = 3, caption = "cosine of the last evaluation interval's update with full AdamW's", better = "higher" },
      { metric = "energy_ratio", digits = 3, caption = "share of full AdamW's update energy inside the run's rank-r subspaces, over the best rank-r share", better = "higher" },
      { metric = "balanced_accuracy", scale = 100, digits = 1, caption = "learning: balanced accuracy on digits 5-9 (%)", better = "higher" },
      { metric = "source_accuracy", scale = 100, digits = 1, caption = "forgetting: accuracy on digits 0-4 under the pretraining head after fine-tuning (%)", better = "higher",
        test_items = true },
      { metric = "intruders", digits = 1, caption = "intruder dimensions (top 10 singular vectors, |cos| < 0.5; summed over the 16 layers)" },
    },
    curves = { close = { "cos_to_adamw", "dist_to_adamw" }, forget = { "source_accuracy", "balanced_accuracy", scale = 100 } },
    figures = {
      { script = "plots/eval_curves.gp", rank = 4,
        set = { datadir = "{data}/unseen", out = "{figures}/vit_claims_close_r4", evals = "close", ylabel = "cosine of dW with full AdamW's dW_full",
                labels = "lora dora loft loft-no-alternate loft-no-rescale loft-no-momentum-calib loft-no-second-moment loft-no-full-update",
                title = "ViT, unseen digits, r = 4: cosine of the update with full AdamW's (lockstep shadow), mean and min-max over 5 seeds" } },
      { script = "plots/learn_forget.gp", rank = 4,
        set = { datadir = "{data}/unseen", curve = "forget", labels = "adamw lora dora loft", out = "{figures}/vit_claims_forget_r4",
                xlabel = "digits 0-4 under the pretraining head (%): right = less forgetting", ylabel = "balanced accuracy on digits 5-9 (%)",
                title = "ViT, r = 4: learning against forgetting, one point per seed" } },
    },
  },
}
