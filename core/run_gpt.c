/* The GPT run in float32: the text corpora (Debian's fortunes for pretraining, the Jargon File
   for domain adaptation), the BPE tokenizer (trained by the pretraining run), random windows of
   ctx + 1 tokens from the first 90 % of a text, held-out loss and perplexity on the last 10 %
   every eval_every steps, logged like every run. */
#ifndef LOFT_F32
#define LOFT_F32
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "io/checkpoint.h"
#include "io/h5log.h"
#include "run.h"
#include "tasks/gpt.h"
#include "text/bpe.h"

#define MAX_PLAIN 64
#define MAX_PAIRS (BLOCKS_MAX_DEPTH * BLOCKS_NMOD)
#define HELDOUT_WINDOWS 64   /* held-out sequences per evaluation (fixed, non-overlapping) */

static unsigned char *read_text(const char *dir, const char *name, size_t *n, char *err, size_t errlen) {
    char path[CONFIG_STR + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(err, errlen, "%s: cannot open the corpus (run `make data`)", path); return NULL; }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *t = mallocCheck((size_t)sz + 1);
    *n = fread(t, 1, (size_t)sz, f);
    fclose(f);
    return t;
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

int run_gpt(const RunConfig *c, const char *yaml, const RunInfo *info, const char *partial_path,
            RunSummary *sum, char *err, size_t errlen) {
    const int source = strcmp(c->gpt_target, "source") == 0, full = strcmp(c->method, "adamw") == 0;
    if (source && !full) { snprintf(err, errlen, "gpt_target source (pretraining) needs method adamw, got %s", c->method); return -1; }
    size_t nbytes;
    unsigned char *text = read_text(c->text_dir, source ? "fortunes.txt" : "jargon.txt", &nbytes, err, errlen);
    if (!text) return -1;
    Bpe bpe = { 0 };
    int rc = -1, *tok = NULL, *x = NULL, *y = NULL;
    Gpt *m = NULL;
    Optimizer *opt = NULL;
    H5Run *h = NULL;
    if (source) {
        if (bpe_train(&bpe, text, nbytes, c->vocab, err, errlen) || bpe_save(&bpe, c->tokenizer, err, errlen)) goto done;
    } else if (bpe_load(&bpe, c->tokenizer, err, errlen)) {
        char tmp[1100];
        snprintf(tmp, sizeof tmp, "%s (build it with `make pretrain-gpt`)", err);
        snprintf(err, errlen, "%s", tmp);
        goto done;
    }
    tok = mallocCheck(sizeof(int) * (nbytes + 1));
    long ntok = bpe_encode(&bpe, text, nbytes, tok, nbytes + 1);
    long ntrain = ntok * 9 / 10;
    if (ntrain < c->ctx + 2 || ntok - ntrain < c->ctx + 2) { snprintf(err, errlen, "corpus too short for ctx = %d", c->ctx); goto done; }
    GptShape shape = { c->vocab, c->ctx, c->gpt_width, c->gpt_depth, c->gpt_heads, c->gpt_mlp };
    if (!(m = gpt_create(shape, c->batch_size, c->ctx))) { snprintf(err, errlen, "gpt: invalid shape"); goto done; }
    Rng rng;
    rng_seed(&rng, (uint64_t)c->seed);
    gpt_init(m, &rng);
    NamedTensor tensors[GPT_NPARAM];
    int nt = gpt_tensors(m, tensors);
    if (!source && checkpoint_load(c->gpt_checkpoint, tensors, nt, NULL, err, errlen)) {
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
    static const char *cols[] = { "step", "loss", "grad_norm", "time_s", "heldout_loss", "perplexity" };
    if (!(h = h5run_begin(partial_path, info->id, cols, 6, err, errlen))) goto done;
    run_common_attrs(h, c, yaml, info, &oc, optim_state_bytes(opt), LOFT_PRECISION);
    h5run_attr_str(h, "gpt_target", c->gpt_target);
    h5run_attr_int(h, "train_tokens", ntrain);
    h5run_attr_int(h, "heldout_tokens", ntok - ntrain);
    h5run_attr_num(h, "bytes_per_token", (double)nbytes / ntok);
    x = mallocCheck(sizeof(int) * c->batch_size * c->ctx);
    y = mallocCheck(sizeof(int) * c->batch_size * c->ctx);
    double t0 = run_now(), last_print = 0, loss = NAN, hl = NAN;
    snprintf(sum->status, sizeof sum->status, "complete");
    sum->steps_to_threshold = -1;
    for (long k = 0; k <= c->steps; k++) {
        int last = k == c->steps, finite = 1;
        double held = NAN, gn = NAN;
        if (k % c->eval_every == 0 || last) held = hl = heldout_loss(m, tok + ntrain, ntok - ntrain, c->ctx, c->batch_size, x, y);
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
            double row[6] = { (double)k, last ? NAN : loss, gn, run_now() - t0, held, exp(held) };
            h5run_append(h, row);
        }
        if (run_step_end(info, sum, k, c->steps, loss, finite, t0, &last_print)) break;
    }
    run_finish(h, info, sum, t0);
    h5run_attr_num(h, "heldout_loss", hl);
    h5run_attr_num(h, "perplexity", exp(hl));
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
    free(text); free(tok); free(x); free(y);
    return rc;
}
