/* The Hugging Face files of a Llama-family model: config.json (llama, qwen2) into a LlamaShape,
   the weights from model.safetensors or a sharded model.safetensors.index.json (F32, F16, BF16),
   the merged weights written back in the same layout, and PEFT's adapter folder
   (adapter_config.json + adapter_model.safetensors) written from and read into the model's
   LoRA / DoRA layers. */
#ifndef LOFT_LLAMA_HF_H
#define LOFT_LLAMA_HF_H
#include <stddef.h>
#include "llama.h"

/* config.json of the folder dir; bos / eos [OUT] its token ids (-1 when absent). 0, or -1 with
   a message naming the file and key */
#define llama_read_config LOFT_NAME(llama_read_config)
int llama_read_config(const char *dir, LlamaShape *s, int *bos, int *eos, char *err, size_t errlen);
/* every weight from dir's model.safetensors, or the shards its model.safetensors.index.json
   names; a missing tensor, a wrong shape or a tensor that is not the model's is an error */
#define llama_load LOFT_NAME(llama_load)
int llama_load(Llama *m, const char *dir, char *err, size_t errlen);
/* the weights (merge the adapters first: llama_merge) as dir/model.safetensors in F32, HF names */
#define llama_save LOFT_NAME(llama_save)
int llama_save(Llama *m, const char *path, char *err, size_t errlen);
/* PEFT's adapter folder: adapter_config.json (r, lora_alpha, use_rslora, use_dora,
   target_modules, base_model_name_or_path) and adapter_model.safetensors
   (base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight ..., DoRA's
   ....lora_magnitude_vector); alpha and rslora as the run's scale was made */
#define llama_adapter_save LOFT_NAME(llama_adapter_save)
int llama_adapter_save(Llama *m, const char *dir, const char *base, double alpha, int rslora, char *err, size_t errlen);
/* reads such a folder into the model's adapters, which must be of the same kind, rank and
   modules (the message says which differs); *alpha [OUT] its lora_alpha */
#define llama_adapter_load LOFT_NAME(llama_adapter_load)
int llama_adapter_load(Llama *m, const char *dir, double *alpha, char *err, size_t errlen);
/* the parameter stored under the HF name hf (its element count in *count), or NULL */
#define llama_hf_tensor LOFT_NAME(llama_hf_tensor)
real *llama_hf_tensor(Llama *m, const char *hf, size_t *count);
#endif
