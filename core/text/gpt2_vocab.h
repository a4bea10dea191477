/* GPT-2's tokenizer files (vocab.json + merges.txt, the Hugging Face layout) read into a Bpe:
   tokens are strings over GPT-2's byte-to-unicode alphabet, mapped back to bytes here; merge
   ranks are the lines of merges.txt; the pre-tokenizer is GPT-2's (bpe_chunk_end). */
#ifndef LOFT_GPT2_VOCAB_H
#define LOFT_GPT2_VOCAB_H
#include <stddef.h>
#include "bpe.h"

/* 0, or -1 with a message naming the file and line / token */
int bpe_load_gpt2(Bpe *b, const char *vocab_json, const char *merges_txt, char *err, size_t errlen);
#endif
