/* Pre-tokenizers of Hugging Face tokenizer.json files: the text is cut into pieces that BPE never
   merges across, by regex splits ("Isolated": each match a piece, the gaps between too) applied
   in sequence, each to the pieces of the one before. The regexes run in PCRE2 with UTF + UCP
   (Unicode \p{L}, \p{N}, \s and lookahead, as the tokenizers library's Oniguruma); bytes that
   are not valid UTF-8 become pieces of one byte each and are never split further. */
#ifndef LOFT_PRETOK_H
#define LOFT_PRETOK_H
#include <stddef.h>

#define PRETOK_MAX_STEPS 8

/* GPT-2's pattern (ByteLevel with use_regex: true) */
extern const char PRETOK_GPT2[];

typedef struct { size_t at, len; int raw; } Span;   /* bytes [at, at + len) of the text; raw: not UTF-8 */

typedef struct {
    int nsteps;
    void *code[PRETOK_MAX_STEPS];   /* (nsteps,) pcre2_code_8 * of each split, in order */
} Pretok;

/* appends an Isolated split by pattern (PCRE2 syntax); 0, or -1 with a message naming the
   pattern, what PCRE2 objected to and where */
int pretok_add(Pretok *p, const char *pattern, char *err, size_t errlen);
/* the pieces [OUT] of text (n bytes), in order, covering it: returns their count; *pieces is a
   buffer of *cap spans, grown with realloc as needed (NULL / 0 at first) */
size_t pretok_split(const Pretok *p, const unsigned char *text, size_t n, Span **pieces, size_t *cap);
void pretok_free(Pretok *p);
/* the length of the valid UTF-8 character at t[0] (n bytes left), or 0 if it is not one
   (overlong forms, surrogates and code points past U+10FFFF are not) */
int utf8_char_len(const unsigned char *t, size_t n);
#endif
