-- Closeness to full fine-tuning, forgetting and intruders on the tiny ViT (tests/test_closeness.sh):
-- every method with the lockstep full-AdamW shadow at the run's lr, LoRA also at another lr with
-- the shadow at full AdamW's (reference_lr). data_file and checkpoint come from --set.
experiment {
  name = "closeness_vit",
  base = "configs/vit.yaml",
  set = { vit_width = 16, vit_depth = 1, vit_heads = 2, vit_mlp = 16, steps = 20, batch_size = 8, eval_every = 5, rank = 2,
          lr = 1e-3, reference_distance = true, forgetting = true, intruders = true },
  seeds = { 1 },
  variants = {
    { label = "adamw", method = "adamw" },
    { label = "lora", method = "lora" },
    { label = "lora-fast", method = "lora", lr = 1e-2, reference_lr = 1e-3 },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
  },
}
