-- Pretraining step of the tiny ViT pipeline (tests/test_cli.sh).
experiment {
  name = "vit_tiny_pretrain",
  base = "configs/vit.yaml",
  set = { vit_width = 16, vit_depth = 1, vit_heads = 2, vit_mlp = 16, steps = 10, batch_size = 8,
          eval_every = 5, vit_target = "source", method = "adamw", lr = 1e-3 },
}
