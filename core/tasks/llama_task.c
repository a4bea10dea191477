/* The Llama task behind the task interface (task.h), in float32: a Hugging Face Llama-family
   checkpoint (llama_checkpoint), fine-tuned on the user's JSONL records ({"text"} or
   {"prompt", "completion"}, the loss on the completion only), padded or packed, or on the
   built-in corpus; validation loss and perplexity on held-out records; the adapter saved in
   PEFT's layout, or merged into the weights, at the end. Its keys: core/tasks/llama_keys.def. */
#define LOFT_F32   /* this task runs in float32 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../check.h"
#include "../compute/backend.h"
#include "../compute/memory.h"
#include "../adapters/spectral_init.h"
#include "../compute/tensor_walk.h"
#include "../dist.h"
#include "../io/files.h"
#include "../io/h5log.h"
#include "../io/json.h"
#include "../methods/methods.h"
#include "../task.h"
#include "../text/gpt2_vocab.h"
#include "../text/hf_tokenizer.h"
#include "../text/spm.h"
#include "../text/tokenizer.h"
#include "llama.h"
#include "llama_hf.h"

/* the task's own keys: a struct of values and its key table (io/config.h) */
typedef struct {
#define TASK_KEY(name, type, size, lo, hi, choices, def, help) CONFIG_KEY_FIELD(name, type, size)
#include "llama_keys.def"
#undef TASK_KEY
} LlamaKeys;
static const ConfigKey LLAMA_KEYS[] = {
#define TASK_KEY(name, type, size, lo, hi, choices, def, help) CONFIG_KEY_ROW(LlamaKeys, name, type, lo, hi, choices, def, help)
#include "llama_keys.def"
#undef TASK_KEY
};
const ConfigKeyTable llama_keys = { "llama", LLAMA_KEYS, sizeof LLAMA_KEYS / sizeof LLAMA_KEYS[0], sizeof(LlamaKeys) };
static const LlamaKeys *keys_of(const RunConfig *c) { return config_task_values(c, "llama"); }

#define MAX_PAIRS (LLAMA_MAX_DEPTH * LLAMA_NMOD)
#define MAX_PLAIN (LLAMA_MAX_DEPTH * LLAMA_NMOD + 1)
#define VAL_ROWS 64          /* validation rows per evaluation (fixed: the first records / windows) */
#define IGNORE (-100)

/* token sequences with their labels' mask: record r is tok[off[r] .. off[r+1]), train[i] = 1
   when token i is predicted with loss (completion, text, EOS); cum[i] = the trained tokens in
   tok[0 .. i) (rec_count, once the records are final) */
typedef struct { int *tok; unsigned char *train; long *off, *cum; long n, cap, nrec; } Records;

static void rec_push(Records *R, int tok, int train) {
    if (R->n == R->cap) {
        R->cap = R->cap ? 2 * R->cap : 4096;
        R->tok = reallocCheck(R->tok, sizeof(int) * (size_t)R->cap);
        R->train = reallocCheck(R->train, (size_t)R->cap);
    }
    R->tok[R->n] = tok;
    R->train[R->n++] = (unsigned char)train;
}
static void rec_end(Records *R) {
    R->off = reallocCheck(R->off, sizeof(long) * (size_t)(R->nrec + 2));
    if (R->nrec == 0) R->off[0] = 0;
    R->off[++R->nrec] = R->n;
}
static void rec_free(Records *R) { free(R->tok); free(R->train); free(R->off); free(R->cum); memset(R, 0, sizeof *R); }
static void rec_count(Records *R) {
    R->cum = reallocCheck(R->cum, sizeof(long) * (size_t)(R->n + 1));
    R->cum[0] = 0;
    for (long i = 0; i < R->n; i++) R->cum[i + 1] = R->cum[i] + R->train[i];
}
/* the labels a row of ctx tokens from tok[s] (of a sequence ending at hi) predicts with loss:
   train[s + 1 .. min(s + ctx, hi - 1)], as fill_row reads them */
static long row_labels(const Records *R, long s, long hi, int ctx) {
    const long e = s + ctx + 1 < hi ? s + ctx + 1 : hi;
    return e > s + 1 ? R->cum[e] - R->cum[s + 1] : 0;
}

typedef struct {
    const RunConfig *c;
    const LlamaKeys *k;
    int full, pack, bos, eos, add_bos;
    long skipped;             /* packed: windows drawn without a trained token, drawn again */
    double trained_windows;   /* packed: the share of the training windows with a trained token */
    Tokenizer tok;          /* tokenizer.json, or vocab.json + merges.txt (text/tokenizer.h: exact) */
    SpmModel *spm;          /* or tokenizer.model (SentencePiece: Llama 2, TinyLlama), NULL */
    const char *tok_file;   /* which of them */
    Records train, val;
    Llama *m;
    Rng rng, data;
    uint64_t batches;
    AdapterPair pairs[MAX_PAIRS];
    PlainTensor plain[MAX_PLAIN];
    int npairs, nplain;
    int *host_x, *host_y, *x, *y;   /* (B, ctx) host staging and index tensors */
} LlamaTask;

/* text s (n bytes) appended to R as tokens, each with the mask bit train; 0, or -1 when the
   tokenizer cannot encode it (a token per byte at most, but NFC may lengthen the text) */
static int encode_into(LlamaTask *t, Records *R, const unsigned char *s, size_t n, int train) {
    const size_t cap = 4 * n + 16;
    int *buf = mallocCheck(sizeof(int) * cap);
    long k = t->spm ? spm_encode(t->spm, (const char *)s, n, 0, 0, buf, cap) : tok_encode(&t->tok, s, n, 0, buf, cap);
    for (long i = 0; i < k; i++) rec_push(R, buf[i], train);
    free(buf);
    return k < 0 ? -1 : 0;
}

static int read_jsonl(LlamaTask *t, const char *path, Records *R, char *err, size_t errlen) {
    size_t n;
    unsigned char *text = file_read_all(path, &n, err, errlen);
    if (!text) return -1;
    int rc = 0;
    long line = 0;
    for (size_t p = 0; p < n && rc == 0;) {
        size_t e = p;
        while (e < n && text[e] != '\n') e++;
        line++;
        size_t q = p;
        while (q < e && (text[q] == ' ' || text[q] == '\t' || text[q] == '\r')) q++;
        if (q < e) {
            JsonValue j;
            char e2[512];
            if (json_parse((const char *)text + p, e - p, &j, e2, sizeof e2)) {
                snprintf(err, errlen, "%s:%ld: %s", path, line, e2);
                rc = -1;
                break;
            }
            const JsonValue *tx = json_get(&j, "text"), *pr = json_get(&j, "prompt"), *co = json_get(&j, "completion");
            if (j.type != JSON_OBJ || !((tx && tx->type == JSON_STR) || (pr && co && pr->type == JSON_STR && co->type == JSON_STR))) {
                snprintf(err, errlen, "%s:%ld: expected a record {\"text\": \"...\"} or {\"prompt\": \"...\", \"completion\": \"...\"}", path, line);
                rc = -1;
            } else {
                if (t->add_bos && t->bos >= 0) rec_push(R, t->bos, 0);
                /* one record's tokens: [BOS] prompt (no loss) completion EOS (loss), or [BOS] text EOS (loss) */
                const char *a = tx && tx->type == JSON_STR ? tx->str : pr->str, *b = tx && tx->type == JSON_STR ? NULL : co->str;
                if (encode_into(t, R, (const unsigned char *)a, strlen(a), !b) || (b && encode_into(t, R, (const unsigned char *)b, strlen(b), 1))) {
                    snprintf(err, errlen, "%s:%ld: the tokenizer (%s) could not encode the record", path, line, t->tok_file);
                    json_free(&j);
                    rc = -1;
                    break;
                }
                if (t->eos >= 0) rec_push(R, t->eos, 1);
                rec_end(R);
                long trained = 0;   /* padded, a row holds the record's first ctx + 1 tokens */
                for (long i = R->off[R->nrec - 1] + 1; i < R->off[R->nrec] && i <= R->off[R->nrec - 1] + t->c->ctx; i++)
                    trained += R->train[i];
                if (!t->pack && trained == 0) {
                    snprintf(err, errlen, "%s:%ld: none of the record's first ctx + 1 = %d tokens is trained on (the prompt fills "
                             "them), so its row would have no loss: shorten the prompt, raise ctx, or set llama_packing: pack "
                             "(windows without a trained token are then drawn again)", path, line, t->c->ctx + 1);
                    rc = -1;
                }
            }
            json_free(&j);
        }
        p = e + 1;
    }
    free(text);
    if (rc == 0 && R->nrec == 0) { snprintf(err, errlen, "%s: no records", path); rc = -1; }
    return rc;
}

/* the last frac of the records (of the tokens, when one record) moved from A to V */
static void split_off(Records *A, Records *V, double frac) {
    if (A->nrec > 1) {
        long keep = A->nrec - (long)ceil(frac * A->nrec);
        if (keep < 1) keep = 1;
        for (long r = keep; r < A->nrec; r++) {
            for (long i = A->off[r]; i < A->off[r + 1]; i++) rec_push(V, A->tok[i], A->train[i]);
            rec_end(V);
        }
        A->n = A->off[keep];
        A->nrec = keep;
    } else {
        long keep = A->n - (long)(frac * A->n);
        for (long i = keep; i < A->n; i++) rec_push(V, A->tok[i], A->train[i]);
        rec_end(V);
        A->n = keep;
        A->off[1] = keep;
    }
}

/* row b of the batch from record r (pad) or the stream window at s (pack); returns the labels not ignored */
static int fill_row(LlamaTask *t, const Records *R, int b, long r, long s) {
    const int T = t->c->ctx;
    int *x = t->host_x + (size_t)b * T, *y = t->host_y + (size_t)b * T, count = 0;
    long lo = t->pack ? s : R->off[r], hi = t->pack ? R->n : R->off[r + 1];
    for (int i = 0; i < T; i++) {
        const long a = lo + i;
        x[i] = a < hi ? R->tok[a] : (t->eos >= 0 ? t->eos : 0);
        y[i] = a + 1 < hi && R->train[a + 1] ? R->tok[a + 1] : IGNORE;
        count += y[i] != IGNORE;
    }
    return count;
}

static double run_rows(LlamaTask *t, int rows, int count, int backward) {
    const int T = t->c->ctx;
    itensor_upload(t->x, t->host_x, (size_t)rows * T);
    itensor_upload(t->y, t->host_y, (size_t)rows * T);
    double loss = llama_forward(t->m, t->x, t->y, count, rows, T);
    if (backward && isfinite(loss)) llama_backward(t->m, t->y, rows, T);
    return loss;
}

/* the validation rows: the first VAL_ROWS records (pad) or windows at 0, ctx, 2 ctx, ... (pack) */
static long val_rows(const LlamaTask *t) {
    const long rows = t->pack ? (t->val.n - 1) / t->c->ctx : t->val.nrec;
    return rows < VAL_ROWS ? rows : VAL_ROWS;
}

/* the labels the validation rows predict with loss */
static long val_labels(const LlamaTask *t) {
    const Records *V = &t->val;
    const int T = t->c->ctx;
    long total = 0;
    for (long r = 0; r < val_rows(t); r++) total += t->pack ? row_labels(V, r * T, V->n, T) : row_labels(V, V->off[r], V->off[r + 1], T);
    return total;
}

/* the mean loss over the validation labels of the validation rows */
static double val_loss(LlamaTask *t) {
    const Records *V = &t->val;
    const int T = t->c->ctx, B = t->c->batch_size;
    const long n = val_rows(t);
    double sum = 0;
    long total = 0;
    for (long r0 = 0; r0 < n; r0 += B) {
        int nb = (int)(n - r0 < B ? n - r0 : B), count = 0;
        for (int b = 0; b < nb; b++) count += fill_row(t, V, b, r0 + b, (r0 + b) * T);
        if (!count) continue;
        sum += run_rows(t, nb, count, 0) * count;
        total += count;
    }
    return total ? sum / total : NAN;
}

static int output_paths(const RunConfig *c, char (*out)[2 * CONFIG_STR], char *err, size_t errlen);

static int read_shape(const LlamaKeys *k, LlamaShape *s, int *bos, int *eos, char *err, size_t errlen) {
    if (!k->llama_checkpoint[0]) { snprintf(err, errlen, "key 'llama_checkpoint' is empty: name a Hugging Face model folder (config.json, safetensors, tokenizer)"); return -1; }
    return llama_read_config(k->llama_checkpoint, s, bos, eos, err, errlen);
}

static int llama_validate(const RunConfig *c, char *err, size_t errlen) {
    const LlamaKeys *k = keys_of(c);
    if (spectral_init_of(c->init) != SPECTRAL_NONE) {
        snprintf(err, errlen, "key 'init' = %s: the llama task supports the PEFT inits (lora, gaussian) only", c->init);
        return -1;
    }
    LlamaShape s;
    int bos, eos;
    char out[2][2 * CONFIG_STR];
    if (output_paths(c, out, err, errlen) || read_shape(k, &s, &bos, &eos, err, errlen) ||
        (k->llama_load_adapter[0] && config_expand(c, "llama_load_adapter", k->llama_load_adapter, out[0], sizeof out[0], err, errlen)))
        return -1;
    const int full = method_adapter(c->method) == ADAPTER_NONE;
    if (!full && c->rank > s.width) { snprintf(err, errlen, "key 'rank' = %d must be <= hidden_size = %d", c->rank, s.width); return -1; }
    if (c->ctx > s.max_pos) { snprintf(err, errlen, "key 'ctx' = %d must be <= max_position_embeddings = %d", c->ctx, s.max_pos); return -1; }
    return task_memory_check(c, llama_bytes(&s, c->batch_size, c->ctx, full, c->rank), "Llama weights, gradients, moments and activations",
                             err, errlen);
}

static void llama_task_free(void *self) {
    LlamaTask *t = self;
    if (!t) return;
    llama_free(t->m);
    tok_free(&t->tok);
    if (t->spm) spm_free(t->spm);
    rec_free(&t->train); rec_free(&t->val);
    free(t->host_x); free(t->host_y); itensor_free(t->x); itensor_free(t->y);
    free(t);
}

static int load_tokenizer(LlamaTask *t, char *err, size_t errlen) {
    const char *dir = t->k->llama_checkpoint;
    char v[CONFIG_STR + 32], mg[CONFIG_STR + 32], tj[CONFIG_STR + 32], tc[CONFIG_STR + 32], sp[CONFIG_STR + 32];
    snprintf(sp, sizeof sp, "%s/tokenizer.model", dir);
    snprintf(tj, sizeof tj, "%s/tokenizer.json", dir);
    snprintf(v, sizeof v, "%s/vocab.json", dir);
    snprintf(mg, sizeof mg, "%s/merges.txt", dir);
    if (access(sp, R_OK) == 0) {   /* SentencePiece's model, when there, is the original (Llama 2, TinyLlama) */
        t->tok_file = "tokenizer.model";
        if (!(t->spm = spm_load(sp, err, errlen))) return -1;
    } else if (access(tj, R_OK) == 0) {   /* then Hugging Face's file: it holds the pre-tokenizer, normalizer and added tokens */
        t->tok_file = "tokenizer.json";
        if (tok_load_hf(&t->tok, tj, err, errlen)) return -1;
    } else if (access(v, R_OK) == 0) {
        t->tok_file = "vocab.json + merges.txt";
        if (tok_load_vocab_merges(&t->tok, v, mg, err, errlen)) return -1;
    } else {
        snprintf(err, errlen, "%s: no tokenizer.model (SentencePiece), tokenizer.json or vocab.json + merges.txt: the tokenizers "
                 "the llama task reads", dir);
        return -1;
    }
    snprintf(tc, sizeof tc, "%s/tokenizer_config.json", dir);
    JsonValue j;
    char e2[256];
    if (json_read_file(tc, &j, e2, sizeof e2) == 0) {
        const JsonValue *a = json_get(&j, "add_bos_token");
        t->add_bos = a && a->type == JSON_BOOL && a->num;
        json_free(&j);
    }
    return 0;
}

static void *llama_task_create(const RunConfig *c, char *err, size_t errlen) {
    LlamaTask *t = mallocCheck(sizeof(LlamaTask));
    memset(t, 0, sizeof *t);
    t->c = c;
    t->k = keys_of(c);
    t->full = method_adapter(c->method) == ADAPTER_NONE;
    t->pack = strcmp(t->k->llama_packing, "pack") == 0 || !t->k->llama_data[0];
    LlamaShape s;
    if (read_shape(t->k, &s, &t->bos, &t->eos, err, errlen) || load_tokenizer(t, err, errlen)) goto fail;
    const int tok_vocab = t->spm ? spm_vocab(t->spm) : t->tok.vocab;
    if (tok_vocab > s.vocab) {
        snprintf(err, errlen, "%s/%s: the tokenizer has %d tokens but config.json's vocab_size is %d", t->k->llama_checkpoint, t->tok_file,
                 tok_vocab, s.vocab);
        goto fail;
    }
    if (t->k->llama_data[0]) {
        if (read_jsonl(t, t->k->llama_data, &t->train, err, errlen)) goto fail;
        if (t->k->llama_val_data[0]) { if (read_jsonl(t, t->k->llama_val_data, &t->val, err, errlen)) goto fail; }
        else split_off(&t->train, &t->val, t->k->llama_val_fraction);
    } else {   /* the built-in corpus: one text, packed */
        char path[2 * CONFIG_STR + 2];
        snprintf(path, sizeof path, "%s/%s", c->text_dir, c->corpus);
        size_t n;
        unsigned char *text = file_read_all(path, &n, err, errlen);
        if (!text) { strncat(err, " (run `make data`)", errlen - strlen(err) - 1); goto fail; }
        const int bad = encode_into(t, &t->train, text, n, 1);
        rec_end(&t->train);
        free(text);
        if (bad) { snprintf(err, errlen, "%s: the tokenizer (%s) could not encode it", path, t->tok_file); goto fail; }
        split_off(&t->train, &t->val, t->k->llama_val_fraction);
    }
    if ((t->pack && (t->train.n < c->ctx + 2 || t->val.n < c->ctx + 2)) || t->train.nrec < 1 || t->val.nrec < 1) {
        snprintf(err, errlen, "too little data: %ld training and %ld validation tokens (packed: each needs ctx + 2 = %d)", t->train.n,
                 t->val.n, c->ctx + 2);
        goto fail;
    }
    /* no row without a trained token (its loss would be 0 / 0): padded, read_jsonl refused such
       records; packed, a window without one is drawn again, so some window must have one */
    rec_count(&t->train);
    rec_count(&t->val);
    const char *train_src = t->k->llama_data[0] ? t->k->llama_data : c->corpus;
    if (t->pack) {
        long ok = 0, starts = t->train.n - c->ctx - 1;
        for (long s0 = 0; s0 < starts; s0++) ok += row_labels(&t->train, s0, t->train.n, c->ctx) > 0;
        t->trained_windows = (double)ok / (double)starts;
        if (ok == 0) {
            snprintf(err, errlen, "%s: no window of ctx + 1 = %d tokens holds a token trained on (the prompts fill them all): shorten "
                     "the prompts or raise ctx", train_src, c->ctx + 1);
            goto fail;
        }
    }
    if (val_labels(t) == 0) {
        snprintf(err, errlen, "%s%s: the %ld validation rows hold no token trained on (prompts fill them): the validation loss would "
                 "be 0 / 0; shorten the prompts, raise ctx, or choose other validation records", t->k->llama_val_data[0] ? "" :
                 "the held-out part of ", t->k->llama_val_data[0] ? t->k->llama_val_data : train_src, val_rows(t));
        goto fail;
    }
    if (!(t->m = llama_create(s, c->batch_size, c->ctx))) { snprintf(err, errlen, "llama: invalid shape"); goto fail; }
    rng_seed(&t->rng, (uint64_t)c->seed);
    rng_seed(&t->data, (uint64_t)c->seed ^ RNG_DATA_STREAM);
    t->batches = RNG_FINGERPRINT_START;
    if (llama_load(t->m, t->k->llama_checkpoint, err, errlen)) goto fail;
    if (!t->full) {
        const AdaptKind kind = method_adapter(c->method) == ADAPTER_DORA ? ADAPT_DORA : ADAPT_LORA;
        if (llama_add_adapters(t->m, t->k->llama_target_modules, kind, c->rank, config_scale(c), strcmp(c->init, "gaussian") == 0,
                               &t->rng, err, errlen)) goto fail;
        if (t->k->llama_load_adapter[0]) {
            double alpha;
            char from[2 * CONFIG_STR];
            if (config_expand(c, "llama_load_adapter", t->k->llama_load_adapter, from, sizeof from, err, errlen) ||
                llama_adapter_load(t->m, from, &alpha, err, errlen)) goto fail;
            const double s_file = strcmp(c->scaling, "rslora") == 0 ? alpha / sqrt((double)c->rank) : alpha / c->rank;
            if (fabs(s_file - config_scale(c)) > 1e-12 * fabs(s_file)) {
                snprintf(err, errlen, "%s: lora_alpha = %g gives the scale %g, the run's is %g: set alpha = %g", from,
                         alpha, s_file, config_scale(c), alpha);
                goto fail;
            }
        }
    } else if (t->k->llama_load_adapter[0]) { snprintf(err, errlen, "key 'llama_load_adapter' needs a method with adapters (method is %s)", c->method); goto fail; }
    if (llama_trainables(t->m, t->full, t->pairs, &t->npairs, t->plain, &t->nplain, MAX_PLAIN, err, errlen)) goto fail;
    const size_t BT = (size_t)c->batch_size * c->ctx;
    t->host_x = mallocCheck(sizeof(int) * BT);
    t->host_y = mallocCheck(sizeof(int) * BT);
    t->x = itensor_alloc(BT);
    t->y = itensor_alloc(BT);
    return t;
fail:
    llama_task_free(t);
    return NULL;
}

static int llama_eval_columns(void *self, const char **names) {
    (void)self;
    names[0] = "val_loss";
    names[1] = "val_perplexity";
    return 2;
}

static void llama_task_trainables(void *self, TaskTrainables *tr) {
    LlamaTask *t = self;
    *tr = (TaskTrainables){ t->pairs, t->plain, t->npairs, t->nplain };
}

static void llama_describe(void *self, H5Run *h) {
    LlamaTask *t = self;
    h5run_attr_str(h, "group", t->k->llama_data[0] ? "jsonl" : "corpus");
    h5run_attr_str(h, "packing", t->pack ? "pack" : "pad");
    h5run_attr_str(h, "tokenizer", t->tok_file);
    h5run_attr_int(h, "train_records", t->train.nrec);
    h5run_attr_int(h, "train_tokens", t->train.n);
    h5run_attr_int(h, "val_records", t->val.nrec);
    h5run_attr_int(h, "val_tokens", t->val.n);
    if (t->pack) h5run_attr_num(h, "trained_window_share", t->trained_windows);
    h5run_attr_int(h, "layers", t->m->s.depth);
    h5run_attr_int(h, "width", t->m->s.width);
}

static int llama_eval_due(void *self, long k, int last) { return last || k % ((LlamaTask *)self)->c->eval_every == 0; }

static void llama_evaluate(void *self, long k, int last, double *values) {
    (void)k; (void)last;
    values[0] = val_loss(self);
    values[1] = exp(values[0]);
}

/* batch_size rows from the seed's data stream: records (pad) or windows (pack); this process's share */
static double llama_loss_grad(void *self, long k) {
    (void)k;
    LlamaTask *t = self;
    const RunConfig *c = t->c;
    int lo = 0, hi = c->batch_size, count = 0;
    dist_shard(c->batch_size, &lo, &hi);
    for (int b = 0; b < c->batch_size; b++) {
        long pick;
        for (;;) {   /* a packed window without a trained token is drawn again (one exists: create checked) */
            const uint64_t u = rng_u64(&t->data);
            pick = t->pack ? (long)(u % (uint64_t)(t->train.n - c->ctx - 1)) : (long)(u % (uint64_t)t->train.nrec);
            if (!t->pack || row_labels(&t->train, pick, t->train.n, c->ctx) > 0) break;
            t->skipped++;
        }
        t->batches = rng_fingerprint(t->batches, (uint64_t)pick);
        if (b >= lo && b < hi) count += fill_row(t, &t->train, b - lo, pick, pick);
    }
    return run_rows(t, hi - lo, count, 1);
}

/* the adapter and merged-weights folders, {KEY} expanded (config_expand): out[0] the adapter's
   ("" when not saved), out[1] the merged weights' */
static int output_paths(const RunConfig *c, char (*out)[2 * CONFIG_STR], char *err, size_t errlen) {
    const LlamaKeys *k = keys_of(c);
    out[0][0] = out[1][0] = 0;
    if (k->llama_save_adapter[0] && config_expand(c, "llama_save_adapter", k->llama_save_adapter, out[0], sizeof out[0], err, errlen)) return -1;
    if (k->llama_save_merged[0] && config_expand(c, "llama_save_merged", k->llama_save_merged, out[1], sizeof out[1], err, errlen)) return -1;
    return 0;
}

static int llama_outputs(const RunConfig *c, TaskOutput *out, int max, char *err, size_t errlen) {
    char paths[2][2 * CONFIG_STR];
    static const char *names[] = { "llama_save_adapter", "llama_save_merged" };
    if (output_paths(c, paths, err, errlen)) return -1;
    int n = 0;
    for (int i = 0; i < 2 && n < max; i++)
        if (paths[i][0]) {
            out[n].key = names[i];
            memcpy(out[n++].path, paths[i], sizeof paths[i]);
        }
    return n;
}

static int llama_finish(void *self, H5Run *h, const char *status, char *err, size_t errlen) {
    LlamaTask *t = self;
    const RunConfig *c = t->c;
    char fp[24], p[2 * CONFIG_STR + 40], out[2][2 * CONFIG_STR];
    snprintf(fp, sizeof fp, "%016llx", (unsigned long long)t->batches);
    h5run_attr_str(h, "batch_fingerprint", fp);
    if (t->pack) h5run_attr_int(h, "windows_redrawn", t->skipped);
    if (strcmp(status, "complete") != 0) return 0;
    if (output_paths(c, out, err, errlen)) return -1;
    const char *ad = out[0], *mg = out[1], *src = t->k->llama_checkpoint;
    if (ad[0]) {
        if (make_dirs(ad)) { snprintf(err, errlen, "llama_save_adapter: cannot create the folder %s", ad); return -1; }
        h5run_attr_str(h, "adapter_saved_to", ad);
        const int rs = strcmp(c->scaling, "rslora") == 0;
        const double alpha = config_scale(c) * (rs ? sqrt((double)c->rank) : c->rank);
        if (llama_adapter_save(t->m, ad, src, alpha, rs, err, errlen)) return -1;
    }
    if (mg[0]) {
        if (make_dirs(mg)) { snprintf(err, errlen, "llama_save_merged: cannot create the folder %s", mg); return -1; }
        h5run_attr_str(h, "merged_saved_to", mg);
        llama_merge(t->m);
        snprintf(p, sizeof p, "%s/model.safetensors", mg);
        if (llama_save(t->m, p, err, errlen)) return -1;
        static const char *copied[] = { "config.json", "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
                                        "special_tokens_map.json", "generation_config.json" };
        for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
            char from[CONFIG_STR + 40];
            snprintf(from, sizeof from, "%s/%s", src, copied[i]);
            snprintf(p, sizeof p, "%s/%s", mg, copied[i]);
            FILE *f = fopen(from, "r");
            if (!f) continue;   /* the optional ones */
            fclose(f);
            if (file_copy(from, p, err, errlen)) return -1;
        }
    }
    return 0;
}

static int llama_writes_files(const RunConfig *c) {
    const LlamaKeys *k = keys_of(c);
    return k->llama_save_adapter[0] || k->llama_save_merged[0];
}

static void llama_walk(void *self, StateWalk *w) {
    LlamaTask *t = self;
    state_walk(w, "task/data", &t->data, sizeof t->data);
    state_walk(w, "task/batches", &t->batches, sizeof t->batches);
    state_walk(w, "task/windows_redrawn", &t->skipped, sizeof t->skipped);
    tensor_walk(w, "task/params", t->m->params, t->m->nparams);
    tensor_walk(w, "task/adapters", t->m->ad.adapter, t->m->ad.n);
}

static const TaskColumn LLAMA_COLUMNS[] = { { "val_loss", 0 }, { "val_perplexity", 0 }, { NULL, 0 } };

const TaskOps llama_task = {
    "llama", "float32", 0, llama_validate, llama_task_create, llama_eval_columns, llama_task_trainables, llama_describe,
    llama_eval_due, llama_evaluate, llama_loss_grad, NULL, llama_finish, llama_task_free, llama_writes_files, LLAMA_COLUMNS,
    llama_walk, llama_outputs,
};
