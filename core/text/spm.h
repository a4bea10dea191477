/* SentencePiece models (tokenizer.model of Llama-2 / TinyLlama) through Debian's libsentencepiece,
   behind a C interface (spm.cc is the C++ shim). Encoding never adds BOS / EOS unless asked, as
   SentencePiece's Encode; Hugging Face's Llama tokenizers add BOS (add_bos = 1). */
#ifndef LOFT_SPM_H
#define LOFT_SPM_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct SpmModel SpmModel;

/* the model, or NULL with a message naming the file and what SentencePiece objected to */
SpmModel *spm_load(const char *path, char *err, size_t errlen);
/* ids [OUT] (capacity cap) of text (n bytes), BOS / EOS around them when asked; returns their
   count, or -1 when cap is too small or SentencePiece fails */
long spm_encode(const SpmModel *m, const char *text, size_t n, int add_bos, int add_eos, int *ids, size_t cap);
/* the text [OUT] (capacity cap, NUL-terminated) of ids; its length, or -1 (too small / bad id) */
long spm_decode(const SpmModel *m, const int *ids, size_t nids, char *out, size_t cap);
int spm_vocab(const SpmModel *m);
int spm_bos(const SpmModel *m);   /* -1 when the model has none */
int spm_eos(const SpmModel *m);
void spm_free(SpmModel *m);

#ifdef __cplusplus
}
#endif
#endif
