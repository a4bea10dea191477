-- follow (tests/test_closeness.sh): the lockstep shadow of every row at full AdamW's own tuned lr.
-- data_file and checkpoint come from --set.
experiment {
  name = "follow_vit",
  base = "configs/vit.yaml",
  set = { vit_width = 16, vit_depth = 1, vit_heads = 2, vit_mlp = 16, steps = 10, batch_size = 8, eval_every = 5, rank = 2,
          reference_distance = true },
  seeds = { 1 },
  follow = { reference_lr = "adamw" },
  variants = {
    { label = "adamw", method = "adamw" },
    { label = "lora", method = "lora" },
  },
  tune = { lr = { 1e-4, 1e-3, 1e-2 }, on = "val_accuracy", seeds = { 101 }, reference_distance = false },
}
