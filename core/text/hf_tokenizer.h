/* Hugging Face tokenizer.json files of byte-level BPE models (GPT-2, SmolLM2, Llama-3, Qwen2) read
   into a Tokenizer (tokenizer.h). */
#ifndef LOFT_HF_TOKENIZER_H
#define LOFT_HF_TOKENIZER_H
#include <stddef.h>
#include "tokenizer.h"

/* model BPE (merges as "a b" strings or [a, b] pairs, ignore_merges, unk_token); normalizer null,
   NFC or a Sequence of them; pre_tokenizer Split (Regex or String pattern, Isolated), Digits,
   ByteLevel, or a Sequence of them; post_processor ByteLevel, TemplateProcessing or a Sequence;
   added_tokens (lstrip / rstrip; single_word is refused). tokenizer_config.json beside the file,
   when there, names bos_token and eos_token. 0, or -1 with a message naming the file, the key and
   what was expected (a part of another kind is refused by name, never silently approximated). */
int tok_load_hf(Tokenizer *t, const char *tokenizer_json, char *err, size_t errlen);
#endif
