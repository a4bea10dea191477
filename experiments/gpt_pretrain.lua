-- Pretraining of the GPT on Debian's fortunes (~2.5 MB of English text): trains the BPE
-- tokenizer (results/gpt_tokenizer.txt) and the model from scratch with full AdamW; the final
-- weights become results/gpt_pretrained.h5. `make pretrain-gpt` runs it once (cached).
experiment {
  name = "gpt_pretrain",
  base = "configs/gpt.yaml",
  set = { gpt_target = "source", corpus = "fortunes.txt", method = "adamw", steps = 3000, batch_size = 16, lr = 1e-3,
          weight_decay = 0.01, eval_every = 500, seed = 0 },
  seeds = { 0 },
}
