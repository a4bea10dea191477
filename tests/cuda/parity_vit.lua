-- The CUDA backend against the CPU one on the ViT (float32; tests/test_cuda.sh): 20 steps of
-- each method from the tiny pretrained checkpoint. data_file and checkpoint come from --set.
experiment {
  name = "parity_vit",
  base = "configs/vit.yaml",
  set = { vit_width = 16, vit_depth = 1, vit_heads = 2, vit_mlp = 16, steps = 20, batch_size = 8,
          eval_every = 10, rank = 2 },
  variants = {
    { label = "adamw", method = "adamw", lr = 1e-3 },
    { label = "lora", method = "lora" },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
  },
}
