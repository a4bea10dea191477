-- Pretraining of the ViT on the source task (digits 0-4, from scratch, full AdamW): one run whose
-- final weights become results/vit_pretrained.h5, the start of every ViT fine-tuning run.
-- `make pretrain-vit` runs it (once; the checkpoint is cached).
experiment {
  name = "vit_pretrain",
  base = "configs/vit.yaml",
  set = { vit_target = "source", method = "adamw", steps = 600, batch_size = 64, lr = 1e-3,
          weight_decay = 0.01, eval_every = 100, seed = 0 },
  seeds = { 0 },
}
