-- Pretraining step of the tiny GPT pipeline (tests/test_cli.sh); text_dir, tokenizer and
-- gpt_checkpoint come from --set.
experiment {
  name = "gpt_tiny_pretrain",
  base = "configs/gpt.yaml",
  set = { gpt_target = "source", corpus = "fortunes.txt", method = "adamw", vocab = 300, ctx = 16, gpt_width = 16, gpt_depth = 1,
          gpt_heads = 2, gpt_mlp = 16, steps = 6, batch_size = 4, eval_every = 3, lr = 1e-3 },
}
