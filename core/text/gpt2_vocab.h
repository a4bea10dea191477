/* GPT-2's tokenizer files (vocab.json + merges.txt, the Hugging Face layout) read into an exact
   Tokenizer (tokenizer.h): tokens are strings over GPT-2's byte alphabet, mapped back to bytes
   here; merge ranks are the lines of merges.txt; the pre-tokenizer is GPT-2's regex (PRETOK_GPT2);
   <|endoftext|>, when in the vocabulary, is an added token (cut out of the text). bpe_load_gpt2
   wraps it in a Bpe for the GPT task. */
#ifndef LOFT_GPT2_VOCAB_H
#define LOFT_GPT2_VOCAB_H
#include <stddef.h>
#include "bpe.h"
#include "tokenizer.h"

/* 0, or -1 with a message naming the file and line / token */
int tok_load_vocab_merges(Tokenizer *t, const char *vocab_json, const char *merges_txt, char *err, size_t errlen);
/* the same as a Bpe whose encoding is the Tokenizer's (b->exact) */
int bpe_load_gpt2(Bpe *b, const char *vocab_json, const char *merges_txt, char *err, size_t errlen);
#endif
