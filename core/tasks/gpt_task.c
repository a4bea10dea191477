/* The GPT task behind the task interface (task.h), in float32: a text corpus (config key
   `corpus`, a file of text_dir: Debian's fortunes for pretraining, the Jargon File for domain
   adaptation), the BPE tokenizer (trained by the pretraining run), random windows of ctx + 1
   tokens from the first 90 % of the text, held-out loss and perplexity on the last 10 % every
   eval_every steps, the cloze accuracy on the same held-out text at the start and the end; a
   GPT-2 checkpoint (safetensors) instead of ours on request, and the merged weights saved back
   in its layout. On request, the closeness of the run's updates to a lockstep full fine-tuning
   (reference_distance), the pretraining corpus's held-out loss at the start and the end
   (forgetting) and the intruder dimensions of the block weights (intruders). */
#define LOFT_F32   /* this task runs in float32 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "../check.h"
#include "../compute/backend.h"
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "../io/checkpoint.h"
#include "../compute/tensor_walk.h"
#include "../io/files.h"
#include "../io/h5log.h"
#include "../dist.h"
#include "../nn/batch_split.h"
#include "../nn/weight_track.h"
#include "../task.h"
#include "../text/bpe.h"
#include "../text/gpt2_vocab.h"
#include "gpt.h"
#include "gpt2_hf.h"

#define MAX_PLAIN (BLOCKS_MAX_DEPTH * BLOCKS_NMOD + GPT_NPARAM)   /* DoRA magnitudes + modules_to_save */
#define MAX_PAIRS (BLOCKS_MAX_DEPTH * BLOCKS_NMOD)
#define HELDOUT_WINDOWS 64   /* held-out sequences per evaluation (fixed, non-overlapping) */
#define CLOZE_QUESTIONS 512  /* multiple-choice questions built from the held-out text */
#define CLOZE_CHOICES 4      /* the true continuation and 3 distractors */
#define CLOZE_CONT 8         /* tokens per continuation */
#define CLOZE_SEED 20260522  /* the questions are the same for every run and seed */
#define CLOZE_TRIES 1000     /* draws for one distractor before the text is deemed too repetitive */

/* dir/name into out */
static void path_in(char *out, size_t cap, const char *dir, const char *name) { snprintf(out, cap, "%s/%s", dir, name); }

/* the folder of a file path ("." when it has none) */
static void dir_of(char *out, size_t cap, const char *path) {
    snprintf(out, cap, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash) *slash = 0; else snprintf(out, cap, ".");
}

static int ends_with(const char *s, const char *tail) {
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* the tokenizer: trained here (pretraining), ours from its file, or GPT-2's files beside a
   safetensors checkpoint */
static int load_tokenizer(Bpe *bpe, const RunConfig *c, int source, int hf, const unsigned char *text, size_t n,
                          char *err, size_t errlen) {
    char a[CONFIG_STR + 32], b[CONFIG_STR + 32], dir[CONFIG_STR];
    if (source) return bpe_train(bpe, text, n, c->vocab, err, errlen) || bpe_save(bpe, c->tokenizer, err, errlen) ? -1 : 0;
    if (hf) {
        dir_of(dir, sizeof dir, c->gpt_checkpoint);
        path_in(a, sizeof a, dir, "vocab.json");
        path_in(b, sizeof b, dir, "merges.txt");
        return bpe_load_gpt2(bpe, a, b, err, errlen);
    }
    if (bpe_load(bpe, c->tokenizer, err, errlen) == 0) return 0;
    if (!strstr(err, "cannot open")) return -1;   /* the file is there but broken: no hint */
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s (build it with `make pretrain-gpt`)", err);
    snprintf(err, errlen, "%s", tmp);
    return -1;
}

/* the merged weights as a Hugging Face GPT-2 folder: model.safetensors, config.json and the
   tokenizer's files */
static int save_merged(Gpt *m, const RunConfig *c, int hf, char *err, size_t errlen) {
    char out[2 * CONFIG_STR], p[2 * CONFIG_STR + 32], src[CONFIG_STR + 32], dir[CONFIG_STR];
    if (config_expand(c, "save_merged", c->save_merged, out, sizeof out, err, errlen)) return -1;
    if (make_dirs(out)) { snprintf(err, errlen, "save_merged: cannot create the folder %s", out); return -1; }
    gpt_merge(m);
    path_in(p, sizeof p, out, "model.safetensors");
    if (gpt2_save(m, p, err, errlen)) return -1;
    path_in(p, sizeof p, out, "config.json");
    if (gpt2_write_config(p, &m->s, err, errlen)) return -1;
    if (!hf) {
        path_in(p, sizeof p, out, "loft_tokenizer.txt");
        return file_copy(c->tokenizer, p, err, errlen);
    }
    dir_of(dir, sizeof dir, c->gpt_checkpoint);
    static const char *names[] = { "vocab.json", "merges.txt" };
    for (int k = 0; k < 2; k++) {
        path_in(src, sizeof src, dir, names[k]);
        path_in(p, sizeof p, out, names[k]);
        if (file_copy(src, p, err, errlen)) return -1;
    }
    return 0;
}

static int gpt_tensors(Gpt *m, NamedTensor *t) {
    for (int i = 0; i < GPT_NPARAM; i++) {
        size_t count;
        real *p = gpt_param(m, GPT_PARAM_NAMES[i], &count);
        t[i] = (NamedTensor){ GPT_PARAM_NAMES[i], p, count };
    }
    return GPT_NPARAM;
}

/* a batch of token windows: assembled on the host, uploaded to index tensors; the logits read
   out for the cloze */
typedef struct {
    int *host_x, *host_y;   /* (B,ctx) host staging */
    int *x, *y;             /* (B,ctx) index tensors: inputs and next-token targets */
    real *host_logits;      /* (B,ctx,V) */
} Windows;

static void upload(Windows *w, int n) {
    itensor_upload(w->x, w->host_x, (size_t)n);
    itensor_upload(w->y, w->host_y, (size_t)n);
}

/* mean held-out loss over HELDOUT_WINDOWS fixed windows of the held-out tokens */
static double heldout_loss(Gpt *m, const int *tok, long n, int ctx, int B, Windows *w) {
    int *x = w->host_x, *y = w->host_y;
    long windows = (n - 1) / ctx;
    if (windows > HELDOUT_WINDOWS) windows = HELDOUT_WINDOWS;
    double sum = 0;
    int done = 0;
    for (long w0 = 0; w0 < windows; w0 += B) {
        int nb = (int)(windows - w0 < B ? windows - w0 : B);
        for (int b = 0; b < nb; b++) {
            memcpy(x + b * ctx, tok + (w0 + b) * ctx, sizeof(int) * ctx);
            memcpy(y + b * ctx, tok + (w0 + b) * ctx + 1, sizeof(int) * ctx);
        }
        upload(w, nb * ctx);
        sum += gpt_forward(m, w->x, w->y, nb, ctx) * nb;
        done += nb;
    }
    return done ? sum / done : NAN;
}

/* The cloze task: question q is a context of T - CLOZE_CONT held-out tokens ending before a
   token that starts with a space or newline, and CLOZE_CHOICES continuations of CLOZE_CONT
   tokens (the true one and continuations taken from other such places of the held-out text);
   answers[q] is the true choice's index. Fixed by CLOZE_SEED. cands (Q, CHOICES, T).
   Packed (when the context and all CHOICES continuations fit in ctx): a question is one sequence,
   the context then each continuation at the positions it has alone, blind to the other
   continuations (pos, skip), so the context is run once instead of CHOICES times. */
typedef struct {
    int n, T, *cands, *answer;
    int packed;             /* 1: one sequence of T - CLOZE_CONT + CHOICES * CLOZE_CONT tokens per question */
    int *pos, *skip;        /* (Tp,) (Tp,2) index tensors for the packed sequence */
} Cloze;

static int starts_word(const Bpe *b, int t) {
    return b->len[t] > 0 && (b->bytes[t][0] == ' ' || b->bytes[t][0] == '\n');
}

static void cloze_build(Cloze *z, const Bpe *b, const int *tok, long n, int T) {
    Rng r;
    rng_seed(&r, CLOZE_SEED);
    const int Lc = T - CLOZE_CONT;
    long *at = mallocCheck(sizeof(long) * (size_t)n), na = 0;   /* word starts with a full context before */
    for (long i = Lc; i + CLOZE_CONT <= n; i++) if (starts_word(b, tok[i])) at[na++] = i;
    z->T = T;
    z->n = na >= CLOZE_CHOICES ? CLOZE_QUESTIONS : 0;
    z->cands = mallocCheck(sizeof(int) * (size_t)(z->n ? z->n : 1) * CLOZE_CHOICES * T);
    z->answer = mallocCheck(sizeof(int) * (size_t)(z->n ? z->n : 1));
    for (int q = 0; q < z->n; q++) {
        long p = at[rng_u64(&r) % (uint64_t)na], used[CLOZE_CHOICES];
        z->answer[q] = (int)(rng_u64(&r) % CLOZE_CHOICES);
        for (int c = 0; c < CLOZE_CHOICES; c++) {
            long src = p;
            if (c != z->answer[q]) {   /* a distractor: another word start, not a repeat of the answer */
                int ok, tries = 0;
                do {
                    src = at[rng_u64(&r) % (uint64_t)na];
                    ok = memcmp(tok + src, tok + p, sizeof(int) * CLOZE_CONT) != 0;
                    for (int d = 0; d < c && ok; d++) ok = used[d] != src;
                } while (!ok && ++tries < CLOZE_TRIES);
                if (!ok) { z->n = q; goto out; }   /* too few distinct continuations: keep the questions built */
            }
            used[c] = src;
            int *seq = z->cands + ((size_t)q * CLOZE_CHOICES + c) * T;
            memcpy(seq, tok + p - Lc, sizeof(int) * Lc);
            memcpy(seq + Lc, tok + src, sizeof(int) * CLOZE_CONT);
        }
    }
out:
    free(at);
}

/* the packed layout for contexts of T - CLOZE_CONT tokens when it fits in ctx positions: row
   Lc + c K + j of continuation c sits at position Lc + j and skips the continuations before it */
static void cloze_pack(Cloze *z, int ctx) {
    const int K = CLOZE_CONT, Lc = z->T - K, Tp = Lc + CLOZE_CHOICES * K;
    z->packed = Tp <= ctx;
    if (!z->packed) return;
    int pos[Tp], skip[2 * Tp];
    for (int t = 0; t < Tp; t++) {
        int c = t < Lc ? -1 : (t - Lc) / K;
        pos[t] = c < 0 ? t : t - c * K;
        skip[2 * t] = Lc;
        skip[2 * t + 1] = c < 0 ? Lc : Lc + c * K;
    }
    z->pos = itensor_alloc((size_t)Tp);
    z->skip = itensor_alloc((size_t)2 * Tp);
    itensor_upload(z->pos, pos, (size_t)Tp);
    itensor_upload(z->skip, skip, (size_t)2 * Tp);
}

/* log softmax(l (V,))[token], in double */
static double token_logprob(const real *l, int V, int token) {
    double mx = l[0], se = 0;
    for (int v = 1; v < V; v++) if (l[v] > mx) mx = l[v];
    for (int v = 0; v < V; v++) se += exp(l[v] - mx);
    return l[token] - mx - log(se);
}

/* ll (Q*CHOICES,): each continuation's log-likelihood, one sequence per choice */
static void cloze_loglik(Gpt *m, const Cloze *z, int B, Windows *w, double *ll) {
    const int T = z->T, V = m->s.vocab, Lc = T - CLOZE_CONT, nseq = z->n * CLOZE_CHOICES;
    for (int s0 = 0; s0 < nseq; s0 += B) {
        int nb = nseq - s0 < B ? nseq - s0 : B;
        itensor_upload(w->x, z->cands + (size_t)s0 * T, (size_t)nb * T);
        gpt_forward(m, w->x, NULL, nb, T);
        tensor_download(w->host_logits, m->logits, (size_t)nb * T * V);
        for (int b = 0; b < nb; b++) {
            const int *seq = z->cands + (size_t)(s0 + b) * T;
            double sum = 0;
            for (int t = Lc - 1; t < T - 1; t++)   /* logits at t predict token t + 1 */
                sum += token_logprob(w->host_logits + ((size_t)b * T + t) * V, V, seq[t + 1]);
            ll[s0 + b] = sum;
        }
    }
}

/* the same log-likelihoods from one packed sequence per question */
static void cloze_loglik_packed(Gpt *m, const Cloze *z, int B, Windows *w, double *ll) {
    const int T = z->T, V = m->s.vocab, K = CLOZE_CONT, Lc = T - K, Tp = Lc + CLOZE_CHOICES * K;
    m->pos = z->pos;
    m->blk.att_skip = z->skip;
    for (int q0 = 0; q0 < z->n; q0 += B) {
        int nb = z->n - q0 < B ? z->n - q0 : B;
        for (int b = 0; b < nb; b++) {
            const int *cand = z->cands + (size_t)(q0 + b) * CLOZE_CHOICES * T;   /* (CHOICES, T) */
            int *seq = w->host_x + (size_t)b * Tp;
            memcpy(seq, cand, sizeof(int) * Lc);   /* the context, shared by every choice */
            for (int c = 0; c < CLOZE_CHOICES; c++) memcpy(seq + Lc + c * K, cand + (size_t)c * T + Lc, sizeof(int) * K);
        }
        itensor_upload(w->x, w->host_x, (size_t)nb * Tp);
        gpt_forward(m, w->x, NULL, nb, Tp);
        tensor_download(w->host_logits, m->logits, (size_t)nb * Tp * V);
        for (int b = 0; b < nb; b++) {
            const int *seq = w->host_x + (size_t)b * Tp;
            for (int c = 0; c < CLOZE_CHOICES; c++) {
                double sum = 0;
                for (int j = 0; j < K; j++) {   /* token j of continuation c, predicted by the row before it */
                    int row = j == 0 ? Lc - 1 : Lc + c * K + j - 1;
                    sum += token_logprob(w->host_logits + ((size_t)b * Tp + row) * V, V, seq[Lc + c * K + j]);
                }
                ll[(size_t)(q0 + b) * CLOZE_CHOICES + c] = sum;
            }
        }
    }
    m->pos = NULL;
    m->blk.att_skip = NULL;
}

/* fraction of questions whose true continuation has the highest log-likelihood given the
   context (sum over its CLOZE_CONT tokens, like the commonsense benchmarks' multiple choice) */
static double cloze_accuracy(Gpt *m, const Cloze *z, int B, Windows *w) {
    const int nseq = z->n * CLOZE_CHOICES;
    double *ll = mallocCheck(sizeof(double) * (size_t)(nseq ? nseq : 1));
    (z->packed ? cloze_loglik_packed : cloze_loglik)(m, z, B, w, ll);
    int correct = 0;
    for (int q = 0; q < z->n; q++) {
        int best = 0;
        for (int c = 1; c < CLOZE_CHOICES; c++) if (ll[q * CLOZE_CHOICES + c] > ll[q * CLOZE_CHOICES + best]) best = c;
        correct += best == z->answer[q];
    }
    free(ll);
    return z->n ? (double)correct / z->n : NAN;
}

typedef struct {
    const RunConfig *c;
    int source, full, hf;
    unsigned char *text;        /* (nbytes,) the corpus */
    size_t nbytes;
    Bpe bpe;
    /* (ntok,) its tokens: train = [0, ntrain), validation = [ntrain, ntest), test = [ntest, ntok);
       pretraining (source) has no validation slice (ntrain = ntest) */
    int *tok;
    long ntok, ntrain, ntest;
    Cloze z;
    Gpt *m;
    Rng rng;                /* the init's draws (model, adapters) */
    Rng data;               /* the training batches: the seed's data stream (rng.h), the same for every method and rank */
    uint64_t batches;       /* the fingerprint of every training window drawn so far (attribute batch_fingerprint) */
    Rng init_rng;           /* the spectral init's gradient batches (a stream apart from training's) */
    NamedTensor tensors[GPT_NPARAM];
    int ntensors;
    AdapterPair pairs[MAX_PAIRS];
    PlainTensor plain[MAX_PLAIN];
    int npairs, nplain;
    Windows w;                  /* the batch of token windows */
    BatchSplit split;           /* batch_threads > 1: the model and its replicas (model[0] = m) */
    /* reference_distance: full AdamW from the same start on the same windows, in lockstep */
    Gpt *shadow;
    Optimizer *sopt;
    int tracking;               /* the block weights' start is kept (weight_track.h) */
    WeightTrack track;
    /* forgetting: the held-out slice (last 10 %) of the pretraining corpus, in the run's tokens */
    int *source_tok;
    long nsource;
} GptTask;

/* bytes of a GPT run: parameters x 4 (weights, gradients, two moments), the activations of
   nn/blocks for B x T tokens, and the logits, probabilities and their gradient (B T V), float32 */
static double gpt_bytes(const GptShape *s, int B, int T, int threads) {
    /* batch_threads: each replica holds weights and gradients (2 x params) and the activations of
       its share, ceil(B / threads) rows */
    const int rows = threads * ((B + threads - 1) / threads);
    const double C = s->width, H = s->mlp, L = s->depth, V = s->vocab, N = (double)rows * T;
    const double params = V * C + (double)s->ctx * C + L * (4 * C * C + 2 * C * H + 9 * C + H) + 2 * C;
    const double acts = N * (L * (13 * C + 2 * H + 12 * C) + 8 * C + 2 * H) + 2 * L * rows * s->heads * (double)T * T + 3 * N * V;
    return 4 * ((4 + 2 * (threads - 1)) * params + acts);
}

static int gpt_validate(const RunConfig *c, char *err, size_t errlen) {
    if (c->gpt_width % c->gpt_heads) {
        snprintf(err, errlen, "key 'gpt_heads' = %d must divide gpt_width = %d", c->gpt_heads, c->gpt_width);
        return -1;
    }
    if (method_adapter(c->method) != ADAPTER_NONE && c->rank > c->gpt_width) {
        snprintf(err, errlen, "key 'rank' = %d must be <= gpt_width = %d", c->rank, c->gpt_width);
        return -1;
    }
    GptShape s = { c->vocab, c->ctx, c->gpt_width, c->gpt_depth, c->gpt_heads, c->gpt_mlp, 0 };
    /* reference_distance: a second model (gpt_bytes of one thread) and the tracked block weights in
       double (the start and the last snapshots) */
    const int shadow = c->reference_distance && method_adapter(c->method) != ADAPTER_NONE;
    const double C = c->gpt_width, blocks = (double)c->gpt_depth * (4 * C * C + 2 * C * c->gpt_mlp);
    const double extra = shadow ? gpt_bytes(&s, c->batch_size, c->ctx, 1) + 8 * 3 * blocks : c->intruders ? 8 * blocks : 0;
    return task_memory_check(c, gpt_bytes(&s, c->batch_size, c->ctx, c->batch_threads) + extra, "GPT parameters, moments and activations", err, errlen);
}

static void gpt_task_free(void *self) {
    GptTask *t = self;
    if (!t) return;
    for (int i = 1; i < t->split.n; i++) gpt_free(t->split.model[i]);
    gpt_free(t->m);
    if (t->bpe.bytes) bpe_free(&t->bpe);
    free(t->text); free(t->tok); free(t->w.host_x); free(t->w.host_y); itensor_free(t->w.x); itensor_free(t->w.y); free(t->w.host_logits); free(t->z.cands); free(t->z.answer);
    itensor_free(t->z.pos); itensor_free(t->z.skip);
    if (t->tracking) weight_track_free(&t->track);
    optim_free(t->sopt);
    gpt_free(t->shadow);
    free(t->source_tok);
    free(t);
}

/* shape from the config, or from config.json beside a GPT-2 checkpoint (checked against ctx,
   rank and the tokenizer) */
static int model_shape(GptShape *shape, const GptTask *t, char *err, size_t errlen) {
    const RunConfig *c = t->c;
    *shape = (GptShape){ c->vocab, c->ctx, c->gpt_width, c->gpt_depth, c->gpt_heads, c->gpt_mlp, 0 };
    if (!t->hf) return 0;
    char dir[CONFIG_STR], path[CONFIG_STR + 32];
    dir_of(dir, sizeof dir, c->gpt_checkpoint);
    path_in(path, sizeof path, dir, "config.json");
    if (gpt2_read_config(path, shape, err, errlen)) return -1;
    if (task_memory_check(c, gpt_bytes(shape, c->batch_size, c->ctx, c->batch_threads), "the GPT-2 shape of config.json", err, errlen)) {
        char tmp[1100];
        snprintf(tmp, sizeof tmp, "%s: %s", path, err);
        snprintf(err, errlen, "%s", tmp);
        return -1;
    }
    if (c->ctx > shape->ctx || shape->vocab < t->bpe.vocab || c->rank > shape->width) {
        snprintf(err, errlen, "%s: key 'ctx' = %d must be <= n_positions = %d, key 'rank' = %d <= n_embd = %d, and the "
                 "tokenizer's %d tokens <= vocab_size = %d", path, c->ctx, shape->ctx, c->rank, shape->width, t->bpe.vocab, shape->vocab);
        return -1;
    }
    return 0;
}

static double train_batch(GptTask *t, Rng *rng, int shard);

/* init batch j of a spectral init: a random training batch of its own stream */
static void init_batch(void *self, int j) {
    (void)j;
    GptTask *t = self;
    train_batch(t, &t->init_rng, 0);   /* whole batches: every process computes the same init */
}

/* share [lo, hi) of the windows in t->w through model m (batch_split.h) */
static double share_step(void *model, int lo, int hi, void *ctx) {
    GptTask *t = ctx;
    const int T = t->c->ctx;
    const int *x = t->w.x + (size_t)lo * T, *y = t->w.y + (size_t)lo * T;
    double loss = gpt_forward(model, x, y, hi - lo, T);
    if (isfinite(loss)) gpt_backward(model, y, hi - lo, T);
    return loss;
}

/* batch_threads - 1 replicas of t->m for the split batch: the same shape, adapters and trainables
   (their values are copied from t->m before every split step); 0, or -1 with a message */
static int make_replicas(GptTask *t, char *err, size_t errlen) {
    const RunConfig *c = t->c;
    BatchSplit *s = &t->split;
    const int n = c->batch_threads;
    s->n = 1;
    s->model[0] = t->m;
    s->step = share_step;
    s->ctx = t;
    s->size[0] = t->m->nparams;
    s->size[1] = t->m->nadapter;
    for (int i = 0; i < n; i++) {
        Gpt *m = i == 0 ? t->m : gpt_create(t->m->s, (c->batch_size + n - 1) / n, c->ctx);
        if (!m) { snprintf(err, errlen, "batch_threads: cannot make a replica of the GPT"); return -1; }
        if (i > 0) {
            s->model[s->n++] = m;
            Rng scratch;   /* the draws are overwritten by t->m's values */
            rng_seed(&scratch, 1);
            gpt_init(m, &scratch);
            AdapterPair pairs[MAX_PAIRS];
            PlainTensor plain[MAX_PLAIN];
            int np, nl;
            if (!t->full && gpt_add_adapters(m, c->target_modules, (method_adapter(c->method) == ADAPTER_DORA) ? ADAPT_DORA : ADAPT_LORA,
                                             c->rank, config_scale(c), 0, &scratch, err, errlen)) return -1;
            if (gpt_trainables(m, t->full, c->modules_to_save, pairs, &np, plain, &nl, MAX_PLAIN, err, errlen)) return -1;
        }
        s->params[i][0] = m->params; s->grads[i][0] = m->grads;
        s->params[i][1] = m->adapter; s->grads[i][1] = m->adapter_grad;
    }
    return 0;
}

/* what a fine-tuning run measures besides its target: the lockstep shadow and the weights'
   start, the pretraining corpus's held-out slice; 0, or -1 with a message */
static int make_extras(GptTask *t, char *err, size_t errlen) {
    const RunConfig *c = t->c;
    const int shadow = c->reference_distance && !t->full;
    if ((c->reference_distance || c->intruders) && (t->tracking = weight_track_init(&t->track, &t->m->blk, c->rank, err, errlen) == 0) == 0) return -1;
    if (shadow) {
        if (dist()->size > 1) { snprintf(err, errlen, "key 'reference_distance': the lockstep shadow runs in one process only (not under mpirun)"); return -1; }
        if (!(t->shadow = gpt_create(t->m->s, c->batch_size, c->ctx))) { snprintf(err, errlen, "gpt: cannot make the lockstep shadow"); return -1; }
        vec_copy(t->shadow->params, t->m->params, t->m->nparams);   /* the same start: the run's weights, */
        weight_track_start_shadow(&t->track, &t->shadow->blk);               /* the block linears at their effective weight */
        AdapterPair pairs[1];
        PlainTensor plain[MAX_PLAIN];
        int np, nl;
        if (gpt_trainables(t->shadow, 1, "", pairs, &np, plain, &nl, MAX_PLAIN, err, errlen)) return -1;
        OptimConfig rc = optim_config_of_run(c);
        rc.method = METHOD_FULL_ADAMW;   /* the run's hyper-parameters, its own learning rate (reference_lr) */
        if (!(t->sopt = optim_create(&rc, pairs, np, plain, nl, err, errlen))) return -1;
    }
    if (c->forgetting) {
        char path[2 * CONFIG_STR + 2];
        size_t n;
        path_in(path, sizeof path, c->text_dir, c->source_corpus);
        unsigned char *text = file_read_all(path, &n, err, errlen);
        if (!text) { strncat(err, " (key 'source_corpus'; run `make data`)", errlen - strlen(err) - 1); return -1; }
        int *tok = mallocCheck(sizeof(int) * (n + 1));
        const long ntok = bpe_encode(&t->bpe, text, n, tok, n + 1), from = ntok * 9 / 10;   /* pretraining's held-out slice */
        free(text);
        t->nsource = ntok - from;
        if (t->nsource < c->ctx + 2) {
            free(tok);
            snprintf(err, errlen, "%s (key 'source_corpus'): its held-out slice has %ld tokens, fewer than ctx + 2 = %d", path, t->nsource, c->ctx + 2);
            return -1;
        }
        t->source_tok = mallocCheck(sizeof(int) * (size_t)t->nsource);
        memcpy(t->source_tok, tok + from, sizeof(int) * (size_t)t->nsource);
        free(tok);
    }
    return 0;
}

static void *gpt_task_create(const RunConfig *c, char *err, size_t errlen) {
    GptTask *t = mallocCheck(sizeof(GptTask));
    t->c = c;
    t->source = strcmp(c->gpt_target, "source") == 0;
    t->full = method_adapter(c->method) == ADAPTER_NONE;
    t->hf = ends_with(c->gpt_checkpoint, ".safetensors");
    if (t->source && !t->full) { snprintf(err, errlen, "gpt_target source (pretraining) needs method adamw, got %s", c->method); goto fail; }
    if (t->source && t->hf) { snprintf(err, errlen, "gpt_target source (pretraining) writes our .h5 checkpoint; gpt_checkpoint = %s", c->gpt_checkpoint); goto fail; }
    char path[CONFIG_STR + 32];
    path_in(path, sizeof path, c->text_dir, c->corpus);
    if (!(t->text = file_read_all(path, &t->nbytes, err, errlen))) { strncat(err, " (run `make data`)", errlen - strlen(err) - 1); goto fail; }
    if (load_tokenizer(&t->bpe, c, t->source, t->hf, t->text, t->nbytes, err, errlen)) goto fail;
    t->tok = mallocCheck(sizeof(int) * (t->nbytes + 1));
    t->ntok = bpe_encode(&t->bpe, t->text, t->nbytes, t->tok, t->nbytes + 1);
    t->ntest = t->ntok * 9 / 10;
    t->ntrain = t->source ? t->ntest : t->ntok * 8 / 10;
    if (t->ntrain < c->ctx + 2 || t->ntok - t->ntest < c->ctx + 2 || (!t->source && t->ntest - t->ntrain < c->ctx + 2)) {
        snprintf(err, errlen, "corpus too short for ctx = %d (train, validation and test slices need ctx + 2 tokens each)", c->ctx);
        goto fail;
    }
    GptShape shape;
    if (model_shape(&shape, t, err, errlen)) goto fail;
    if (t->bpe.vocab > shape.vocab) {   /* a token id past the embedding table would read out of bounds */
        snprintf(err, errlen, "the tokenizer %s has %d tokens but the model's vocabulary (key 'vocab') is %d",
                 t->hf ? "of the checkpoint" : c->tokenizer, t->bpe.vocab, shape.vocab);
        goto fail;
    }
    if (!(t->m = gpt_create(shape, c->batch_size, c->ctx))) { snprintf(err, errlen, "gpt: invalid shape"); goto fail; }
    rng_seed(&t->rng, (uint64_t)c->seed);
    rng_seed(&t->data, (uint64_t)c->seed ^ RNG_DATA_STREAM);
    t->batches = RNG_FINGERPRINT_START;
    gpt_init(t->m, &t->rng);
    t->ntensors = gpt_tensors(t->m, t->tensors);
    compute_host_access();   /* the loaders write the parameters on the host */
    if (t->hf && gpt2_load(t->m, c->gpt_checkpoint, err, errlen)) goto fail;
    if (!t->source && !t->hf && checkpoint_load(c->gpt_checkpoint, t->tensors, t->ntensors, NULL, err, errlen)) {
        char tmp[1100];
        snprintf(tmp, sizeof tmp, "%s (build it with `make pretrain-gpt`)", err);
        snprintf(err, errlen, "%s", tmp);
        goto fail;
    }
    if (!t->full && gpt_add_adapters(t->m, c->target_modules, (method_adapter(c->method) == ADAPTER_DORA) ? ADAPT_DORA : ADAPT_LORA, c->rank,
                                     config_scale(c), strcmp(c->init, "gaussian") == 0, &t->rng, err, errlen)) goto fail;
    if (gpt_trainables(t->m, t->full, c->modules_to_save, t->pairs, &t->npairs, t->plain, &t->nplain, MAX_PLAIN, err, errlen)) goto fail;
    cloze_build(&t->z, &t->bpe, t->tok + t->ntest, t->ntok - t->ntest, c->ctx < 32 + CLOZE_CONT ? c->ctx : 32 + CLOZE_CONT);
    cloze_pack(&t->z, c->ctx);
    const size_t BT = (size_t)c->batch_size * c->ctx;
    t->w = (Windows){ mallocCheck(sizeof(int) * BT), mallocCheck(sizeof(int) * BT), itensor_alloc(BT), itensor_alloc(BT),
                      mallocCheck(sizeof(real) * BT * t->m->s.vocab) };
    const SpectralInit spectral = spectral_init_of(c->init);
    if (spectral != SPECTRAL_NONE) {   /* after the default init's draws: training batches stay the default's */
        rng_seed(&t->init_rng, (uint64_t)c->seed ^ INIT_STREAM);
        if (blocks_spectral_init(&t->m->blk, spectral, config_init_gamma(c), c->init_batches, init_batch, t, err, errlen)) goto fail;
    }
    if (make_replicas(t, err, errlen) != 0) goto fail;   /* after the spectral init: it runs unsplit */
    if (!t->source && make_extras(t, err, errlen) != 0) goto fail;
    return t;
fail:
    gpt_task_free(t);
    return NULL;
}

static const char *const CLOSENESS_NAMES[TRACK_NCLOSE] = TRACK_COLUMN_NAMES;

static int gpt_eval_columns(void *self, const char **names) {
    GptTask *t = self;
    int n = 0;
    names[n++] = "heldout_loss";
    names[n++] = "perplexity";
    names[n++] = "cloze_accuracy";
    if (t->source) return n;
    names[n++] = "val_loss";
    names[n++] = "val_perplexity";
    if (t->tracking && t->c->reference_distance) for (int i = 0; i < TRACK_NCLOSE; i++) names[n++] = CLOSENESS_NAMES[i];
    if (t->source_tok) { names[n++] = "source_loss"; names[n++] = "source_perplexity"; }
    if (t->tracking && t->c->intruders) names[n++] = "intruders";
    return n;
}

static void gpt_task_trainables(void *self, TaskTrainables *tr) {
    GptTask *t = self;
    *tr = (TaskTrainables){ t->pairs, t->plain, t->npairs, t->nplain };
}

static void gpt_describe(void *self, H5Run *h) {
    GptTask *t = self;
    h5run_attr_str(h, "gpt_target", t->c->gpt_target);
    h5run_attr_str(h, "group", t->c->gpt_target);
    h5run_attr_str(h, "corpus", t->c->corpus);
    h5run_attr_int(h, "train_tokens", t->ntrain);
    h5run_attr_int(h, "val_tokens", t->ntest - t->ntrain);
    h5run_attr_int(h, "heldout_tokens", t->ntok - t->ntest);
    h5run_attr_num(h, "bytes_per_token", (double)t->nbytes / t->ntok);
    h5run_attr_int(h, "cloze_questions", t->z.n);
    h5run_attr_int(h, "cloze_choices", CLOZE_CHOICES);
    h5run_attr_int(h, "cloze_context", t->z.T - CLOZE_CONT);
    h5run_attr_int(h, "cloze_continuation", CLOZE_CONT);
}

static int gpt_eval_due(void *self, long k, int last) { return last || k % ((GptTask *)self)->c->eval_every == 0; }

/* held-out loss and perplexity at every evaluation; the cloze (~80K tokens) at the start and the end only */
static void gpt_evaluate(void *self, long k, int last, double *values) {
    GptTask *t = self;
    const RunConfig *c = t->c;
    values[0] = heldout_loss(t->m, t->tok + t->ntest, t->ntok - t->ntest, c->ctx, c->batch_size, &t->w);
    if (!t->source) {
        values[3] = heldout_loss(t->m, t->tok + t->ntrain, t->ntest - t->ntrain, c->ctx, c->batch_size, &t->w);
        values[4] = exp(values[3]);
    }
    values[1] = exp(values[0]);
    if (k == 0 || last) values[2] = cloze_accuracy(t->m, &t->z, c->batch_size, &t->w);
    if (t->source) return;
    int n = 5;
    if (t->tracking && t->c->reference_distance) {   /* full AdamW itself: its own update, the anchor (distance 0) */
        weight_track_closeness(&t->track, &t->m->blk, t->shadow ? &t->shadow->blk : &t->m->blk, values + n);
        n += TRACK_NCLOSE;
    }
    if (t->source_tok) {
        if (k == 0 || last) {
            values[n] = heldout_loss(t->m, t->source_tok, t->nsource, c->ctx, c->batch_size, &t->w);
            values[n + 1] = exp(values[n]);
        }
        n += 2;
    }
    if (t->tracking && c->intruders && last) values[n] = weight_track_intruders(&t->track, &t->m->blk);
}

/* the shadow's step: full AdamW on the windows the run just took its step on */
static void gpt_after_step(void *self, long k) {
    (void)k;
    GptTask *t = self;
    if (!t->shadow) return;
    const RunConfig *c = t->c;
    double loss = gpt_forward(t->shadow, t->w.x, t->w.y, c->batch_size, c->ctx);
    if (!isfinite(loss)) return;
    gpt_backward(t->shadow, t->w.y, c->batch_size, c->ctx);
    optim_step(t->sopt, isnan(c->reference_lr) ? c->lr : c->reference_lr);
}

/* batch_size random windows of ctx + 1 train tokens drawn from rng: the loss, gradients filled.
   shard: this process's share of the windows only (data-parallel, dist.h: every process draws
   them all, so the draws stay in step) */
static double train_batch(GptTask *t, Rng *rng, int shard) {
    const RunConfig *c = t->c;
    int lo = 0, hi = c->batch_size;
    if (shard) dist_shard(c->batch_size, &lo, &hi);
    for (int b = 0; b < c->batch_size; b++) {
        long s0 = (long)(rng_u64(rng) % (uint64_t)(t->ntrain - c->ctx - 1));
        if (rng == &t->data) t->batches = rng_fingerprint(t->batches, (uint64_t)s0);
        if (b < lo || b >= hi) continue;
        memcpy(t->w.host_x + (b - lo) * c->ctx, t->tok + s0, sizeof(int) * c->ctx);
        memcpy(t->w.host_y + (b - lo) * c->ctx, t->tok + s0 + 1, sizeof(int) * c->ctx);
    }
    upload(&t->w, (hi - lo) * c->ctx);
    if (t->split.n > 1) return batch_split_step(&t->split, hi - lo);
    double loss = gpt_forward(t->m, t->w.x, t->w.y, hi - lo, c->ctx);
    if (isfinite(loss)) gpt_backward(t->m, t->w.y, hi - lo, c->ctx);
    return loss;
}

/* the batches come from the seed's data stream (paired across methods and ranks) */
static double gpt_loss_grad(void *self, long k) {
    (void)k;
    GptTask *t = self;
    return train_batch(t, &t->data, 1);
}

/* the batches' fingerprint; the merged weights on request, and the checkpoint of a complete pretraining run */
static int gpt_finish(void *self, H5Run *h, const char *status, char *err, size_t errlen) {
    GptTask *t = self;
    const RunConfig *c = t->c;
    char fp[24];
    snprintf(fp, sizeof fp, "%016llx", (unsigned long long)t->batches);
    h5run_attr_str(h, "batch_fingerprint", fp);   /* equal across the methods and ranks of one seed */
    if (t->tracking) weight_track_datasets(&t->track, h, t->c->reference_distance, c->intruders);
    if (strcmp(status, "complete") != 0) return 0;
    if (c->save_merged[0] && save_merged(t->m, c, t->hf, err, errlen)) return -1;
    if (!t->source) return 0;
    NamedValue a[] = { { "vocab", c->vocab }, { "ctx", c->ctx }, { "width", c->gpt_width }, { "depth", c->gpt_depth },
                       { "heads", c->gpt_heads }, { "mlp", c->gpt_mlp } };
    compute_host_access();   /* checkpoint_save reads the parameters on the host */
    return checkpoint_save(c->gpt_checkpoint, t->tensors, t->ntensors, a, 6, err, errlen);
}

/* pretraining saves the tokenizer and the checkpoint; save_merged the merged weights */
static int gpt_writes_files(const RunConfig *c) { return strcmp(c->gpt_target, "source") == 0 || c->save_merged[0]; }
/* save_merged, {KEY} expanded: two runs of a sweep must not write the same folder */
static int gpt_outputs(const RunConfig *c, TaskOutput *out, int max, char *err, size_t errlen) {
    if (!c->save_merged[0] || max < 1) return 0;
    out[0].key = "save_merged";
    return config_expand(c, "save_merged", c->save_merged, out[0].path, sizeof out[0].path, err, errlen) ? -1 : 1;
}

/* the training batches' stream and fingerprint, and every parameter and adapter of the model (its replicas take
   their values from it before each split step) */
static void gpt_walk(void *self, StateWalk *w) {
    GptTask *t = self;
    state_walk(w, "task/data", &t->data, sizeof t->data);
    state_walk(w, "task/batches", &t->batches, sizeof t->batches);
    tensor_walk(w, "task/params", t->m->params, t->m->nparams);
    tensor_walk(w, "task/adapters", t->m->adapter, t->m->nadapter);
    if (t->shadow) {   /* the lockstep full AdamW */
        StateWalkScope s;
        tensor_walk(w, "shadow/params", t->shadow->params, t->shadow->nparams);
        optim_walk(t->sopt, state_walk_scope(&s, w, "shadow", -1));
    }
    if (t->tracking && t->c->reference_distance) weight_track_walk(&t->track, w);   /* the interval's start */
}

static const TaskColumn GPT_COLUMNS[] = {
    { "heldout_loss", 0 }, { "perplexity", 0 }, { "cloze_accuracy", 1 }, { "val_loss", 0 }, { "val_perplexity", 0 },
    { "dist_to_adamw", 0 }, { "cos_to_adamw", 1 }, { "step_cos_to_adamw", 1 }, { "energy_share", 1 }, { "energy_best", 1 },
    { "energy_ratio", 1 }, { "source_loss", 0 }, { "source_perplexity", 0 }, { "intruders", 0 }, { NULL, 0 } };

const TaskOps gpt_task = {
    "gpt", "float32", 0, gpt_validate, gpt_task_create, gpt_eval_columns, gpt_task_trainables, gpt_describe, gpt_eval_due,
    gpt_evaluate, gpt_loss_grad, gpt_after_step, gpt_finish, gpt_task_free, gpt_writes_files, GPT_COLUMNS, gpt_walk, gpt_outputs,
};
