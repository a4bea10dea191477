-- LoRA vs LoFT fine-tuning a Llama-family model on your own data (the llama task,
-- core/tasks/llama_task.c). Defaults: the tiny random model of the tests and its arithmetic JSONL
-- (configs/llama.yaml). Your model and data:
--   build/loft run experiments/llama_finetune.lua --set llama_checkpoint=path/to/model \
--     --set llama_data=train.jsonl [--set llama_val_data=val.jsonl] [--set llama_packing=pack]
-- The model folder holds config.json, model.safetensors (or its sharded index) and tokenizer.model,
-- tokenizer.json or vocab.json + merges.txt; JSONL records are {"text": ...} or {"prompt": ..., "completion": ...}.
-- Add --set llama_save_adapter=out/adapter to keep each run's adapter in PEFT's layout.
experiment {
  name = "llama_finetune",
  base = "configs/llama.yaml",
  seeds = { 1, 2 },
  variants = {
    { label = "lora", method = "lora", lr = 1e-3 },
    { label = "loft", method = "loft", lr = 1e-3 },
  },
}
