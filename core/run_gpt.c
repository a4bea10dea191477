/* The GPT run in float32: the text corpora (Debian's fortunes for pretraining, the Jargon File
   for domain adaptation), the BPE tokenizer (trained by the pretraining run), random windows of
   ctx + 1 tokens from the first 90 % of a text, held-out loss and perplexity on the last 10 %
   every eval_every steps, the cloze accuracy on the same held-out text at the start and the end,
   logged like every run; a GPT-2 checkpoint (safetensors) instead of ours on request, and the
   merged weights saved back in its layout. */
#ifndef LOFT_F32
#define LOFT_F32
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "io/checkpoint.h"
#include "io/files.h"
#include "io/h5log.h"
#include "run.h"
#include "tasks/gpt.h"
#include "tasks/gpt2_hf.h"
#include "text/bpe.h"
#include "text/gpt2_vocab.h"

#define MAX_PLAIN 64
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
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s (build it with `make pretrain-gpt`)", err);
    snprintf(err, errlen, "%s", tmp);
    return -1;
}

/* the merged weights as a Hugging Face GPT-2 folder: model.safetensors, config.json and the
   tokenizer's files */
static int save_merged(Gpt *m, const RunConfig *c, int hf, char *err, size_t errlen) {
    char p[CONFIG_STR + 32], src[CONFIG_STR + 32], dir[CONFIG_STR];
    if (make_dirs(c->save_merged)) { snprintf(err, errlen, "save_merged: cannot create the folder %s", c->save_merged); return -1; }
    gpt_merge(m);
    path_in(p, sizeof p, c->save_merged, "model.safetensors");
    if (gpt2_save(m, p, err, errlen)) return -1;
    path_in(p, sizeof p, c->save_merged, "config.json");
    if (gpt2_write_config(p, &m->s, err, errlen)) return -1;
    if (!hf) {
        path_in(p, sizeof p, c->save_merged, "loft_tokenizer.txt");
        return file_copy(c->tokenizer, p, err, errlen);
    }
    dir_of(dir, sizeof dir, c->gpt_checkpoint);
    static const char *names[] = { "vocab.json", "merges.txt" };
    for (int k = 0; k < 2; k++) {
        path_in(src, sizeof src, dir, names[k]);
        path_in(p, sizeof p, c->save_merged, names[k]);
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

/* mean held-out loss over HELDOUT_WINDOWS fixed windows of the held-out tokens */
static double heldout_loss(Gpt *m, const int *tok, long n, int ctx, int B, int *x, int *y) {
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
        sum += gpt_forward(m, x, y, nb, ctx) * nb;
        done += nb;
    }
    return done ? sum / done : NAN;
}

/* The cloze task: question q is a context of T - CLOZE_CONT held-out tokens ending before a
   token that starts with a space or newline, and CLOZE_CHOICES continuations of CLOZE_CONT
   tokens (the true one and continuations taken from other such places of the held-out text);
   answers[q] is the true choice's index. Fixed by CLOZE_SEED. cands (Q, CHOICES, T). */
typedef struct { int n, T, *cands, *answer; } Cloze;

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

/* fraction of questions whose true continuation has the highest log-likelihood given the
   context (sum over its CLOZE_CONT tokens, like the commonsense benchmarks' multiple choice) */
static double cloze_accuracy(Gpt *m, const Cloze *z, int B) {
    const int T = z->T, V = m->s.vocab, Lc = T - CLOZE_CONT, nseq = z->n * CLOZE_CHOICES;
    double *ll = mallocCheck(sizeof(double) * (size_t)(nseq ? nseq : 1));
    for (int s0 = 0; s0 < nseq; s0 += B) {
        int nb = nseq - s0 < B ? nseq - s0 : B;
        gpt_forward(m, z->cands + (size_t)s0 * T, NULL, nb, T);
        for (int b = 0; b < nb; b++) {
            const int *seq = z->cands + (size_t)(s0 + b) * T;
            double sum = 0;
            for (int t = Lc - 1; t < T - 1; t++) {   /* log softmax of logits at t, token t + 1 */
                const real *l = m->logits + ((size_t)b * T + t) * V;
                double mx = l[0], se = 0;
                for (int v = 1; v < V; v++) if (l[v] > mx) mx = l[v];
                for (int v = 0; v < V; v++) se += exp(l[v] - mx);
                sum += l[seq[t + 1]] - mx - log(se);
            }
            ll[s0 + b] = sum;
        }
    }
    int correct = 0;
    for (int q = 0; q < z->n; q++) {
        int best = 0;
        for (int c = 1; c < CLOZE_CHOICES; c++) if (ll[q * CLOZE_CHOICES + c] > ll[q * CLOZE_CHOICES + best]) best = c;
        correct += best == z->answer[q];
    }
    free(ll);
    return z->n ? (double)correct / z->n : NAN;
}

int run_gpt(const RunConfig *c, const char *yaml, const RunInfo *info, const char *partial_path,
            RunSummary *sum, char *err, size_t errlen) {
    const int source = strcmp(c->gpt_target, "source") == 0, full = strcmp(c->method, "adamw") == 0;
    const int hf = ends_with(c->gpt_checkpoint, ".safetensors");
    if (source && !full) { snprintf(err, errlen, "gpt_target source (pretraining) needs method adamw, got %s", c->method); return -1; }
    if (source && hf) { snprintf(err, errlen, "gpt_target source (pretraining) writes our .h5 checkpoint; gpt_checkpoint = %s", c->gpt_checkpoint); return -1; }
    size_t nbytes;
    char path[CONFIG_STR + 32];
    path_in(path, sizeof path, c->text_dir, source ? "fortunes.txt" : "jargon.txt");
    unsigned char *text = file_read_all(path, &nbytes, err, errlen);
    if (!text) { strncat(err, " (run `make data`)", errlen - strlen(err) - 1); return -1; }
    Bpe bpe = { 0 };
    Cloze z = { 0 };
    int rc = -1, *tok = NULL, *x = NULL, *y = NULL;
    Gpt *m = NULL;
    Optimizer *opt = NULL;
    H5Run *h = NULL;
    if (load_tokenizer(&bpe, c, source, hf, text, nbytes, err, errlen)) goto done;
    tok = mallocCheck(sizeof(int) * (nbytes + 1));
    long ntok = bpe_encode(&bpe, text, nbytes, tok, nbytes + 1);
    long ntrain = ntok * 9 / 10;
    if (ntrain < c->ctx + 2 || ntok - ntrain < c->ctx + 2) { snprintf(err, errlen, "corpus too short for ctx = %d", c->ctx); goto done; }
    GptShape shape = { c->vocab, c->ctx, c->gpt_width, c->gpt_depth, c->gpt_heads, c->gpt_mlp, 0 };
    if (hf) {
        char dir[CONFIG_STR];
        dir_of(dir, sizeof dir, c->gpt_checkpoint);
        path_in(path, sizeof path, dir, "config.json");
        if (gpt2_read_config(path, &shape, err, errlen)) goto done;
        if (c->ctx > shape.ctx || shape.vocab < bpe.vocab || c->rank > shape.width) {
            snprintf(err, errlen, "%s: key 'ctx' = %d must be <= n_positions = %d, key 'rank' = %d <= n_embd = %d, and the "
                     "tokenizer's %d tokens <= vocab_size = %d", path, c->ctx, shape.ctx, c->rank, shape.width, bpe.vocab, shape.vocab);
            goto done;
        }
    }
    if (!(m = gpt_create(shape, c->batch_size, c->ctx))) { snprintf(err, errlen, "gpt: invalid shape"); goto done; }
    Rng rng;
    rng_seed(&rng, (uint64_t)c->seed);
    gpt_init(m, &rng);
    NamedTensor tensors[GPT_NPARAM];
    int nt = gpt_tensors(m, tensors);
    if (hf && gpt2_load(m, c->gpt_checkpoint, err, errlen)) goto done;
    if (!source && !hf && checkpoint_load(c->gpt_checkpoint, tensors, nt, NULL, err, errlen)) {
        char tmp[1100];
        snprintf(tmp, sizeof tmp, "%s (build it with `make pretrain-gpt`)", err);
        snprintf(err, errlen, "%s", tmp);
        goto done;
    }
    if (!full && gpt_add_adapters(m, c->target_modules, strcmp(c->method, "dora") == 0 ? ADAPT_DORA : ADAPT_LORA, c->rank,
                                  config_scale(c), strcmp(c->init, "gaussian") == 0, &rng, err, errlen)) goto done;
    AdapterPair pairs[MAX_PAIRS];
    PlainTensor plain[MAX_PLAIN];
    int np, nl;
    if (gpt_trainables(m, full, c->modules_to_save, pairs, &np, plain, &nl, MAX_PLAIN, err, errlen)) goto done;
    OptimConfig oc = run_optim_config(c);
    if (!(opt = optim_create(&oc, pairs, np, plain, nl, err, errlen))) goto done;
    cloze_build(&z, &bpe, tok + ntrain, ntok - ntrain, c->ctx < 32 + CLOZE_CONT ? c->ctx : 32 + CLOZE_CONT);
    static const char *cols[] = { "step", "loss", "grad_norm", "time_s", "heldout_loss", "perplexity", "cloze_accuracy" };
    if (!(h = h5run_begin(partial_path, info->id, cols, 7, err, errlen))) goto done;
    run_common_attrs(h, c, yaml, info, &oc, optim_state_bytes(opt), LOFT_PRECISION);
    h5run_attr_str(h, "gpt_target", c->gpt_target);
    h5run_attr_int(h, "train_tokens", ntrain);
    h5run_attr_int(h, "heldout_tokens", ntok - ntrain);
    h5run_attr_num(h, "bytes_per_token", (double)nbytes / ntok);
    h5run_attr_int(h, "cloze_questions", z.n);
    h5run_attr_int(h, "cloze_choices", CLOZE_CHOICES);
    h5run_attr_int(h, "cloze_context", z.T - CLOZE_CONT);
    h5run_attr_int(h, "cloze_continuation", CLOZE_CONT);
    x = mallocCheck(sizeof(int) * c->batch_size * c->ctx);
    y = mallocCheck(sizeof(int) * c->batch_size * c->ctx);
    double t0 = run_now(), last_print = 0, loss = NAN, hl = NAN, acc = NAN;
    snprintf(sum->status, sizeof sum->status, "complete");
    sum->steps_to_threshold = -1;
    for (long k = 0; k <= c->steps; k++) {
        int last = k == c->steps, finite = 1;
        double held = NAN, gn = NAN, cz = NAN;
        if (k % c->eval_every == 0 || last) {
            held = hl = heldout_loss(m, tok + ntrain, ntok - ntrain, c->ctx, c->batch_size, x, y);
            if (k == 0 || last) cz = acc = cloze_accuracy(m, &z, c->batch_size);   /* ~80K tokens: start and end only */
        }
        if (!last) {
            for (int b = 0; b < c->batch_size; b++) {   /* a random window of ctx + 1 train tokens */
                long s0 = (long)(rng_u64(&rng) % (uint64_t)(ntrain - c->ctx - 1));
                memcpy(x + b * c->ctx, tok + s0, sizeof(int) * c->ctx);
                memcpy(y + b * c->ctx, tok + s0 + 1, sizeof(int) * c->ctx);
            }
            loss = gpt_forward(m, x, y, c->batch_size, c->ctx);
            finite = isfinite(loss);
            if (finite) { gpt_backward(m, y, c->batch_size, c->ctx); gn = optim_step(opt, c->lr); finite = isfinite(gn); }
        }
        if (last || !finite || k % c->log_every == 0 || isfinite(held)) {
            double row[7] = { (double)k, last ? NAN : loss, gn, run_now() - t0, held, exp(held), cz };
            h5run_append(h, row);
        }
        if (run_step_end(info, sum, k, c->steps, loss, finite, t0, &last_print)) break;
    }
    run_finish(h, info, sum, t0);
    h5run_attr_num(h, "heldout_loss", hl);
    h5run_attr_num(h, "perplexity", exp(hl));
    h5run_attr_num(h, "cloze_accuracy", acc);
    if (c->save_merged[0] && strcmp(sum->status, "complete") == 0 && save_merged(m, c, hf, err, errlen)) {
        h5run_end(h, "failed", sum->wall_seconds);
        h = NULL;
        goto done;
    }
    h5run_end(h, sum->status, sum->wall_seconds);
    h = NULL;
    rc = 0;
    if (source && strcmp(sum->status, "complete") == 0) {
        NamedValue a[] = { { "vocab", c->vocab }, { "ctx", c->ctx }, { "width", c->gpt_width }, { "depth", c->gpt_depth },
                           { "heads", c->gpt_heads }, { "mlp", c->gpt_mlp } };
        rc = checkpoint_save(c->gpt_checkpoint, tensors, nt, a, 6, err, errlen);
    }
done:
    if (h) h5run_end(h, "failed", 0);
    optim_free(opt);
    gpt_free(m);
    if (bpe.bytes) bpe_free(&bpe);
    free(text); free(tok); free(x); free(y); free(z.cands); free(z.answer);
    return rc;
}
