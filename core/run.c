/* The matrix-factorization run: problem (drawn or loaded), optimizer from the config, optional
   lockstep full-AdamW reference, trajectory logging, progress line, final datasets. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "blas.h"
#include "check.h"
#include "io/h5data.h"
#include "io/h5log.h"
#include "run.h"
#include "tasks/mf.h"

double run_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* the optimizer of a run: the block switches act for LoFT only */
OptimConfig run_optim_config(const RunConfig *c) {
    int loft = strcmp(c->method, "loft") == 0;
    OptimConfig o = optim_config_default(loft ? OPTIM_LOFT : OPTIM_ADAMW);
    o.beta1 = c->beta1; o.beta2 = c->beta2; o.eps = c->eps;
    o.weight_decay = c->weight_decay; o.damping = c->damping; o.max_grad_norm = c->max_grad_norm;
    o.alternate_update = c->alternate_update; o.alternate_first_A = c->alternate_first[0] == 'A';
    o.rescale_grads = c->rescale_grads; o.reproject_momentum = c->reproject_momentum;
    o.reproject_second_moment = c->reproject_second_moment; o.project_full_update = c->project_full_update;
    o.clip_projected = c->clip_projected; o.row_block = c->row_block;
    o.parity = strcmp(c->parity, "tnurbek-148998d") == 0 ? PARITY_TNURBEK_148998D : PARITY_NONE;
    if (!loft) o.alternate_update = o.rescale_grads = o.reproject_momentum = o.reproject_second_moment =
                   o.project_full_update = o.clip_projected = 0;
    return o;
}

static MfParam param_of(const RunConfig *c) {
    if (strcmp(c->method, "adamw") == 0) return MF_FULL;
    return strcmp(c->method, "dora") == 0 ? MF_DORA : MF_ADAPTER;
}

/* reads dataset name of the problem file, which must hold exactly n numbers */
static double *load_exact(const char *path, const char *name, size_t n, const char *shape, char *err, size_t errlen) {
    size_t got;
    double *d = h5_read_doubles(path, name, &got, NULL, NULL, err, errlen);
    if (d && got != n) {
        snprintf(err, errlen, "%s: dataset '%s' has %zu numbers, expected shape %s (%zu numbers)", path, name, got, shape, n);
        free(d);
        return NULL;
    }
    return d;
}

static int set_problem(MfTask *t, const RunConfig *c, char *err, size_t errlen) {
    if (!c->problem_file[0]) {
        Rng rng;
        rng_seed(&rng, (uint64_t)c->seed);
        MfInit init = strcmp(c->init, "lora") == 0 ? MF_INIT_LORA : strcmp(c->init, "gaussian") == 0 ? MF_INIT_GAUSSIAN : MF_INIT_LINEAR;
        mf_draw_problem(t, c->target_rank, init, &rng);
        return 0;
    }
    const char *p = c->problem_file;
    char s1[64], s2[64], s3[64];
    snprintf(s1, sizeof s1, "(in=%d, out=%d)", c->in, c->out);
    snprintf(s2, sizeof s2, "(rank=%d, in=%d)", c->rank, c->in);
    snprintf(s3, sizeof s3, "(out=%d, rank=%d)", c->out, c->rank);
    double *T = load_exact(p, "target", (size_t)c->in * c->out, s1, err, errlen), *A = NULL, *B = NULL, *b = NULL;
    if (T) A = load_exact(p, "A0", (size_t)c->rank * c->in, s2, err, errlen);
    if (A) B = load_exact(p, "B0", (size_t)c->out * c->rank, s3, err, errlen);
    if (B && c->bias) {
        size_t n;
        b = h5_read_doubles(p, "bias0", &n, NULL, NULL, err, errlen);
        if (b && n != (size_t)c->out) { snprintf(err, errlen, "%s: dataset 'bias0' has %zu numbers, expected (out=%d)", p, n, c->out); free(b); b = NULL; }
        if (!b) { free(T); free(A); free(B); return -1; }
    }
    int ok = T && A && B;
    if (ok) mf_set_problem(t, T, A, B, b, NULL);
    free(T); free(A); free(B); free(b);
    return ok ? 0 : -1;
}

static uint64_t fnv1a(const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; }
    return h;
}

void run_common_attrs(H5Run *h, const RunConfig *c, const char *yaml, const RunInfo *info, const void *optim,
                      size_t state_bytes, const char *precision) {
    const OptimConfig *o = optim;
    h5run_attr_str(h, "method", c->method);
    h5run_attr_str(h, "label", info->label);
    h5run_attr_str(h, "experiment", info->experiment);
    h5run_attr_str(h, "task", c->task);
    h5run_attr_int(h, "rank", strcmp(c->method, "adamw") == 0 ? 0 : c->rank);
    h5run_attr_num(h, "scale", config_scale(c));
    h5run_attr_str(h, "scaling", strcmp(c->method, "loft") == 0 ? "loft (s = 1)" : c->scaling);
    h5run_attr_int(h, "alternate_update", o->alternate_update);
    h5run_attr_int(h, "rescale_grads", o->rescale_grads);
    h5run_attr_int(h, "reproject_momentum", o->reproject_momentum);
    h5run_attr_int(h, "reproject_second_moment", o->reproject_second_moment);
    h5run_attr_int(h, "project_full_update", o->project_full_update);
    h5run_attr_int(h, "clip_projected", o->clip_projected);
    h5run_attr_str(h, "parity", c->parity);
    h5run_attr_num(h, "lr", c->lr);
    h5run_attr_num(h, "beta1", c->beta1);
    h5run_attr_num(h, "beta2", c->beta2);
    h5run_attr_num(h, "eps", c->eps);
    h5run_attr_num(h, "weight_decay", c->weight_decay);
    h5run_attr_num(h, "damping", c->damping);
    h5run_attr_num(h, "max_grad_norm", c->max_grad_norm);
    h5run_attr_int(h, "seed", c->seed);
    h5run_attr_int(h, "steps", c->steps);
    h5run_attr_num(h, "loss_threshold", c->loss_threshold);
    h5run_attr_str(h, "config", yaml);
    h5run_attr_str(h, "git_revision", info->git_revision ? info->git_revision : "unknown");
    h5run_attr_str(h, "blas", blas_library());
    h5run_attr_str(h, "precision", precision);
    h5run_attr_int(h, "optimizer_state_bytes", (long long)state_bytes);
}

static void write_problem_and_final(H5Run *h, MfTask *t, const char *group, int with_target) {
    size_t dA[2] = { (size_t)t->r, (size_t)t->in }, dB[2] = { (size_t)t->out, (size_t)t->r };
    size_t dW[2] = { (size_t)t->out, (size_t)t->in }, db[1] = { (size_t)t->out };
    int full = t->param == MF_FULL, p0 = strcmp(group, "problem") == 0;
    if (with_target) {
        char key[40];
        snprintf(key, sizeof key, "target-%016llx", (unsigned long long)fnv1a(t->target, sizeof(real) * t->in * t->out));
        h5run_target(h, key, t->target, (size_t)t->in, (size_t)t->out);
    }
    if (!full || p0) {   /* full AdamW starts at B0 A0: the factors define its start */
        h5run_dataset(h, group, p0 ? "A0" : "A", t->A, 2, dA);
        h5run_dataset(h, group, p0 ? "B0" : "B", t->B, 2, dB);
    }
    if (full && !p0) h5run_dataset(h, group, "W", t->W, 2, dW);
    if (t->param == MF_DORA && !p0) h5run_dataset(h, group, "mag", t->mag, 1, db);
    if (t->use_bias) h5run_dataset(h, group, p0 ? "bias0" : "bias", t->bias, 1, db);
}

void run_finish(H5Run *h, const RunInfo *info, RunSummary *sum, double t0) {
    sum->wall_seconds = run_now() - t0;
    sum->steps_per_second = sum->steps_done / fmax(sum->wall_seconds, 1e-9);
    if (info->progress) fprintf(stderr, "\r\033[K");
    h5run_attr_int(h, "steps_done", sum->steps_done);
    h5run_attr_int(h, "diverged_step", sum->diverged_step);
    h5run_attr_num(h, "final_loss", sum->final_loss);
    h5run_attr_int(h, "steps_to_threshold", sum->steps_to_threshold);
}

int run_step_end(const RunInfo *info, RunSummary *sum, long k, long steps, double loss, int finite, double t0,
                 double *last_print) {
    sum->final_loss = loss;
    sum->steps_done = (k == steps || !isfinite(loss)) ? k : k + 1;   /* optimizer steps taken */
    if (!finite) {
        snprintf(sum->status, sizeof sum->status, "diverged");
        sum->diverged_step = k;
        return 1;
    }
    if (info->progress && (run_now() - *last_print > 0.2 || k == steps)) {
        *last_print = run_now();
        run_progress(info, k, steps, loss, k / fmax(*last_print - t0, 1e-9));
    }
    return 0;
}

void run_progress(const RunInfo *info, long k, long steps, double loss, double rate) {
    double eta = rate > 0 ? (steps - k) / rate : 0;
    fprintf(stderr, "\r\033[K%s  step %ld/%ld  loss %.3e  %.0f steps/s  ETA %.0fs", info->id, k, steps, loss, rate, eta);
}

static int run_mf(const RunConfig *c, const char *yaml, const RunInfo *info, const char *partial_path,
                  RunSummary *sum, char *err, size_t errlen) {
    sum->steps_to_threshold = -1;
    MfParam param = param_of(c);
    MfTask *t = mf_create(c->in, c->out, c->rank, param, c->bias, config_scale(c)), *ref = NULL;
    if (set_problem(t, c, err, errlen) != 0) { mf_free(t); return -1; }
    OptimConfig oc = run_optim_config(c), rc = run_optim_config(c);
    AdapterPair pairs[1], rpairs[1];
    PlainTensor plain[3], rplain[3];
    int np, nl, rnp, rnl;
    mf_params(t, pairs, &np, plain, &nl);
    Optimizer *opt = optim_create(&oc, pairs, np, plain, nl, err, errlen), *ropt = NULL;
    if (!opt) { mf_free(t); return -1; }
    int with_ref = c->reference_distance && param != MF_FULL;
    if (with_ref) {   /* full AdamW from the same function, in lockstep */
        ref = mf_create(c->in, c->out, c->rank, MF_FULL, c->bias, 1.0);
        real *W0 = mallocCheck(sizeof(real) * c->out * c->in);
        mf_weight(t, W0);
        mf_set_problem(ref, t->target, t->A, t->B, t->bias, NULL);
        memcpy(ref->W, W0, sizeof(real) * c->out * c->in);
        free(W0);
        mf_params(ref, rpairs, &rnp, rplain, &rnl);
        rc.kind = OPTIM_ADAMW;
        ropt = optim_create(&rc, rpairs, rnp, rplain, rnl, err, errlen);
    }
    static const char *cols_ref[] = { "step", "loss", "grad_norm", "time_s", "dist_to_adamw" };
    H5Run *h = h5run_begin(partial_path, info->id, cols_ref, with_ref ? 5 : 4, err, errlen);
    if (!h) { optim_free(opt); optim_free(ropt); mf_free(t); mf_free(ref); return -1; }
    run_common_attrs(h, c, yaml, info, &oc, optim_state_bytes(opt), LOFT_PRECISION);
    write_problem_and_final(h, t, "problem", 1);
    real *W = with_ref ? mallocCheck(sizeof(real) * c->out * c->in) : NULL;
    double t0 = run_now(), last_print = 0;
    snprintf(sum->status, sizeof sum->status, "complete");
    for (long k = 0; k <= c->steps; k++) {
        double loss = mf_loss_grad(t), gn = NAN, dist = NAN;
        int last = k == c->steps, finite = isfinite(loss), log_row = last || !finite || k % c->log_every == 0;
        if (finite && sum->steps_to_threshold < 0 && loss <= c->loss_threshold) sum->steps_to_threshold = k;
        if (with_ref && log_row) { mf_weight(t, W); dist = blas_rel_dist(W, ref->W, (size_t)c->out * c->in); }
        if (!last && finite) { gn = optim_step(opt, c->lr); finite = isfinite(gn); }
        if (log_row) {
            double row[5] = { (double)k, loss, gn, run_now() - t0, dist };
            h5run_append(h, row);
        }
        if (with_ref && !last) { mf_loss_grad(ref); optim_step(ropt, c->lr); }
        if (run_step_end(info, sum, k, c->steps, loss, finite, t0, &last_print)) break;
    }
    run_finish(h, info, sum, t0);
    write_problem_and_final(h, t, "final", 0);
    h5run_end(h, sum->status, sum->wall_seconds);
    free(W);
    optim_free(opt); optim_free(ropt); mf_free(t); mf_free(ref);
    return 0;
}

int run_config(const RunConfig *c, const char *yaml, const RunInfo *info, const char *partial_path,
               RunSummary *sum, char *err, size_t errlen) {
    memset(sum, 0, sizeof(*sum));
    sum->test_accuracy = sum->balanced_accuracy = NAN;
    if (strcmp(c->task, "vit") == 0) return run_vit(c, yaml, info, partial_path, sum, err, errlen);
    if (strcmp(c->task, "gpt") == 0) return run_gpt(c, yaml, info, partial_path, sum, err, errlen);
    return run_mf(c, yaml, info, partial_path, sum, err, errlen);
}
