/* Byte-level BPE as the Hugging Face tokenizers library runs it (GPT-2, SmolLM2, Llama-3, Qwen2):
   added / special tokens cut out of the text first, then the normalizer (none or NFC), the
   pre-tokenizer (pretok.h), and per piece the merges of lowest rank first (each merge its own
   rank, several merges may make the same token), or the piece whole when ignore_merges and it is
   a token; a template adds BOS / EOS ids around the sequence. Tokens are byte strings; the
   tokenizer.json / vocab.json spelling (GPT-2's byte alphabet) is undone by the loaders
   (hf_tokenizer.h, gpt2_vocab.h). */
#ifndef LOFT_TOKENIZER_H
#define LOFT_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>
#include "pretok.h"

#define TOK_MAX_TOKEN 4096   /* bytes in one token (longer: a broken file) */
#define TOK_MAX_TEMPLATE 8   /* ids a template adds before or after the sequence */

typedef struct Tokenizer {
    int vocab;                   /* ids are 0 .. vocab-1; an unused id has len -1 */
    unsigned char **bytes;       /* (vocab,) each token's bytes (an added token: its text) */
    int *len;                    /* (vocab,) their count */
    int byte_id[256];            /* the token of each single byte; -1: none (the byte is dropped, or unk) */
    int unk;                     /* the unk token, or -1 */
    /* merges: (left id, right id) -> rank and merged id, open addressing (empty: mid -1) */
    size_t mcap;
    uint64_t *mkey;
    int *mrank, *mid;
    /* the model's tokens by their bytes (ignore_merges and merges' lookups), open addressing */
    size_t wcap;
    int *wslot;
    int ignore_merges;           /* a piece that is a token is that token, unmerged */
    int nfc;                     /* the normalizer: 1 NFC (Qwen2), 0 none */
    int prefix_space;            /* ByteLevel add_prefix_space: a space before a text that starts without one */
    Pretok pre;
    int nadded, *added;          /* (nadded,) added tokens, matched in the raw text before anything else */
    unsigned char *added_strip;  /* (nadded,) bit 1 lstrip, bit 2 rstrip: the token takes the whitespace beside it */
    unsigned char added_first[256];   /* 1: some added token starts with this byte */
    int nprefix, prefix[TOK_MAX_TEMPLATE], nsuffix, suffix[TOK_MAX_TEMPLATE];   /* template ids around the text */
    int bos, eos;                /* from tokenizer_config.json (or the template's first id); -1: none */
} Tokenizer;

/* an empty tokenizer of vocab ids (every len -1, no merges) */
void tok_init(Tokenizer *t, int vocab);
/* sets token id to bytes (n of them); 0, or -1 when id is out of range or taken */
int tok_set(Tokenizer *t, int id, const unsigned char *bytes, int n);
/* after the model's tokens are set: the byte table and the lookup by bytes */
void tok_index(Tokenizer *t);
/* the model token whose bytes are b (n of them), or -1 */
int tok_find(const Tokenizer *t, const unsigned char *b, size_t n);
/* adds merge (left, right) -> id with this rank; a pair already merged keeps its lower rank */
void tok_add_merge(Tokenizer *t, int left, int right, int id, int rank);
/* marks id (already set) as an added token, with its lstrip / rstrip bits */
void tok_add_special(Tokenizer *t, int id, int strip);

/* ids [OUT] (capacity cap) of text (n bytes), with the template's ids when add_special; returns
   their count, or -1 when cap is too small */
long tok_encode(const Tokenizer *t, const unsigned char *text, size_t n, int add_special, int *ids, size_t cap);
/* bytes [OUT] (capacity cap) of ids; returns their count, or -1 (too small / an unknown id) */
long tok_decode(const Tokenizer *t, const int *ids, size_t nids, unsigned char *out, size_t cap);
void tok_free(Tokenizer *t);

/* GPT-2's byte alphabet: the code point standing for each byte (bytes_to_unicode), and back:
   a token string over it (UTF-8) to bytes [OUT] (capacity cap); -1 if a code point is not in it */
unsigned byte_level_char(int byte);
int byte_level_decode(const char *s, unsigned char *out, int cap);
#endif
