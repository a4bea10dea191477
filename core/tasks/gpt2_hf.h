/* Real GPT-2-family checkpoints in the Hugging Face layout: config.json -> GptShape, and the
   weights of model.safetensors -> Gpt (names "wte.weight", "h.N.attn.c_attn.weight", ... with or
   without the "transformer." prefix; Conv1D weights stored in x out, transposed here to our
   out x in). Saving writes the same layout (F32, merged adapters folded in) and a config.json
   that transformers' GPT2LMHeadModel can load. */
#ifndef LOFT_GPT2_HF_H
#define LOFT_GPT2_HF_H
#include <stddef.h>
#include "gpt.h"

/* shape from config.json (n_embd, n_layer, n_head, n_positions, vocab_size, n_inner,
   activation_function, layer_norm_epsilon); errors name the file and the key */
#define gpt2_read_config LOFT_NAME(gpt2_read_config)
int gpt2_read_config(const char *path, GptShape *s, char *err, size_t errlen);
#define gpt2_write_config LOFT_NAME(gpt2_write_config)
int gpt2_write_config(const char *path, const GptShape *s, char *err, size_t errlen);
/* every parameter of m from the safetensors file; shapes must match m->s exactly */
#define gpt2_load LOFT_NAME(gpt2_load)
int gpt2_load(Gpt *m, const char *path, char *err, size_t errlen);
/* m's parameters (adapters merged by the caller: gpt_merge) as F32 safetensors */
#define gpt2_save LOFT_NAME(gpt2_save)
int gpt2_save(Gpt *m, const char *path, char *err, size_t errlen);
#endif
