/* Byte-level BPE tokenizer, trained by the harness on its own corpus: the 256 byte values are
   the first tokens, so any byte string round-trips exactly; merges are learned on chunks of a
   word with its leading whitespace (a chunk never crosses into the next word). Saved as a text
   file of merges beside a checkpoint. Precision-independent. A real model's tokenizer (GPT-2's
   vocab.json + merges.txt: gpt2_vocab.h) is carried as an exact Tokenizer (tokenizer.h) that
   bpe_encode defers to. */
#ifndef LOFT_BPE_H
#define LOFT_BPE_H
#include <stddef.h>

#define BPE_MAX_TOKEN 4096   /* bytes in one token of a loaded tokenizer (longer: a broken file) */

typedef struct {
    int vocab;          /* 256 + number of merges (GPT-2's: the ids of vocab.json) */
    int *left, *right;  /* (vocab,) merge i (token 256 + i) joins left[256+i] and right[256+i]; -1 for bytes */
    unsigned char **bytes;   /* (vocab,) the byte string of each token */
    int *len;                /* (vocab,) its length */
    int *rank;               /* (vocab,) merge order (lower merges first); -1: not a merge */
    int byte_id[256];        /* the token of each single byte (the identity for our own BPE) */
    struct Tokenizer *exact; /* a real model's tokenizer: encoding is its (tok_encode); NULL for our own */
    size_t pcap;             /* the pair index: (left, right) -> merged token, open addressing */
    unsigned long long *pkey;
    int *pval;
} Bpe;

/* learns vocab - 256 merges from text (n bytes); vocab >= 256. Deterministic: ties go to the
   pair with the smaller (left, right). Returns 0, or -1 with a message. */
int bpe_train(Bpe *b, const unsigned char *text, size_t n, int vocab, char *err, size_t errlen);
/* tokens [OUT] (capacity cap) of text (n bytes); returns the count, or -1 when cap is too small */
long bpe_encode(const Bpe *b, const unsigned char *text, size_t n, int *tokens, size_t cap);
/* bytes [OUT] (capacity cap) of tokens; returns the byte count, or -1 (too small / bad token) */
long bpe_decode(const Bpe *b, const int *tokens, size_t ntok, unsigned char *out, size_t cap);
int bpe_save(const Bpe *b, const char *path, char *err, size_t errlen);
int bpe_load(Bpe *b, const char *path, char *err, size_t errlen);
void bpe_free(Bpe *b);
/* builds the pair index from left/right/rank (after bpe_train / bpe_load / bpe_load_gpt2) */
void bpe_index(Bpe *b);
#endif
