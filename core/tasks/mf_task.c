/* The matrix-factorization task behind the task interface (task.h), in double: its problem
   (drawn from the seed or read from an HDF5 file), the trainable tensors of the method, the
   optional lockstep full-AdamW reference (evaluation column dist_to_adamw), and the problem
   and final tensors written with the run. */
/* this task runs in double: LOFT_F32 stays undefined */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "../adapters/spectral_init.h"
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "../check.h"
#include "../io/h5data.h"
#include "../io/h5log.h"
#include "../task.h"
#include "mf.h"

typedef struct {
    const RunConfig *c;
    MfTask *t, *ref;            /* the run, and full AdamW from the same function (or NULL) */
    Optimizer *ropt;            /* the reference's optimizer */
    AdapterPair pairs[1];
    PlainTensor plain[3];
    int npairs, nplain;
} Mf;

static MfParam param_of(const RunConfig *c) {
    if (method_adapter(c->method) == ADAPTER_NONE) return MF_FULL;
    return (method_adapter(c->method) == ADAPTER_DORA) ? MF_DORA : MF_ADAPTER;
}

/* reads dataset name of the problem file, which must have exactly the shape (d0[, d1]) */
static double *load_exact(const char *path, const char *name, int nd, size_t d0, size_t d1, const char *shape,
                          char *err, size_t errlen) {
    size_t got, dims[H5_MAX_DIMS];
    int ndims;
    double *d = h5_read_doubles(path, name, &got, dims, &ndims, err, errlen);
    if (d && (ndims != nd || dims[0] != d0 || (nd == 2 && dims[1] != d1))) {
        char have[128] = "";
        for (int i = 0; i < ndims; i++) snprintf(have + strlen(have), sizeof have - strlen(have), "%s%zu", i ? ", " : "", dims[i]);
        snprintf(err, errlen, "%s: dataset '%s' has shape (%s), expected %s", path, name, have, shape);
        free(d);
        return NULL;
    }
    return d;
}

static int set_problem(MfTask *t, const RunConfig *c, char *err, size_t errlen) {
    if (!c->problem_file[0]) {
        Rng rng;
        rng_seed(&rng, (uint64_t)c->seed);
        MfInit init = strcmp(c->init, "gaussian") == 0 ? MF_INIT_GAUSSIAN
                    : strcmp(c->init, "linear") == 0 ? MF_INIT_LINEAR : MF_INIT_LORA;   /* spectral: from LoRA's start */
        mf_draw_problem(t, c->target_rank, init, &rng);
        return 0;
    }
    const char *p = c->problem_file;
    char s1[64], s2[64], s3[64];
    snprintf(s1, sizeof s1, "(in=%d, out=%d)", c->in, c->out);
    snprintf(s2, sizeof s2, "(rank=%d, in=%d)", c->rank, c->in);
    snprintf(s3, sizeof s3, "(out=%d, rank=%d)", c->out, c->rank);
    double *T = load_exact(p, "target", 2, (size_t)c->in, (size_t)c->out, s1, err, errlen), *A = NULL, *B = NULL, *b = NULL;
    if (T) A = load_exact(p, "A0", 2, (size_t)c->rank, (size_t)c->in, s2, err, errlen);
    if (A) B = load_exact(p, "B0", 2, (size_t)c->out, (size_t)c->rank, s3, err, errlen);
    if (B && c->bias) {
        char s4[64];
        snprintf(s4, sizeof s4, "(out=%d)", c->out);
        b = load_exact(p, "bias0", 1, (size_t)c->out, 0, s4, err, errlen);
        if (!b) { free(T); free(A); free(B); return -1; }
    }
    int ok = T && A && B;
    if (ok) {   /* the file's arrays (host, double) into tensors */
        const size_t n[4] = { (size_t)c->in * c->out, (size_t)c->rank * c->in, (size_t)c->out * c->rank, (size_t)c->out };
        const double *host[4] = { T, A, B, b };
        real *dev[4] = { NULL, NULL, NULL, NULL };
        for (int i = 0; i < 4; i++)
            if (host[i]) { dev[i] = tensor_alloc(n[i]); tensor_from_host(dev[i], host[i], n[i]); }
        mf_set_problem(t, dev[0], dev[1], dev[2], dev[3], NULL);
        for (int i = 0; i < 4; i++) tensor_free(dev[i]);
    }
    free(T); free(A); free(B); free(b);
    return ok ? 0 : -1;
}

static uint64_t fnv1a(const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; }
    return h;
}

/* dataset group/name of the run from a tensor of n numbers (read out through host) */
static void dataset(H5Run *h, const char *group, const char *name, const real *t, int ndims, const size_t *dims,
                    double *host) {
    size_t n = 1;
    for (int d = 0; d < ndims; d++) n *= dims[d];
    tensor_to_host(host, t, n);
    h5run_dataset(h, group, name, host, ndims, dims);
}

static void write_problem_and_final(H5Run *h, MfTask *t, const char *group, int with_target) {
    size_t dA[2] = { (size_t)t->r, (size_t)t->in }, dB[2] = { (size_t)t->out, (size_t)t->r };
    size_t dW[2] = { (size_t)t->out, (size_t)t->in }, db[1] = { (size_t)t->out };
    int full = t->param == MF_FULL, p0 = strcmp(group, "problem") == 0;
    double *host = mallocCheck(sizeof(double) * (size_t)t->in * t->out > sizeof(double) * (size_t)t->r * (t->in + t->out)
                               ? sizeof(double) * (size_t)t->in * t->out : sizeof(double) * (size_t)t->r * (t->in + t->out));
    if (with_target) {
        char key[40];
        tensor_to_host(host, t->target, (size_t)t->in * t->out);
        snprintf(key, sizeof key, "target-%016llx", (unsigned long long)fnv1a(host, sizeof(double) * t->in * t->out));
        h5run_target(h, key, host, (size_t)t->in, (size_t)t->out);
    }
    if (!full || p0) {   /* full AdamW starts at B0 A0: the factors define its start */
        dataset(h, group, p0 ? "A0" : "A", t->A, 2, dA, host);
        dataset(h, group, p0 ? "B0" : "B", t->B, 2, dB, host);
    }
    if (full && !p0) dataset(h, group, "W", t->W, 2, dW, host);
    if (t->param == MF_DORA && !p0) dataset(h, group, "mag", t->mag, 1, db, host);
    if (t->use_bias) dataset(h, group, p0 ? "bias0" : "bias", t->bias, 1, db, host);
    free(host);
}

static int mf_validate(const RunConfig *c, char *err, size_t errlen) {
    int mn = c->in < c->out ? c->in : c->out;
    if (method_adapter(c->method) != ADAPTER_NONE && c->rank > mn) {
        snprintf(err, errlen, "key 'rank' = %d must be <= min(in, out) = %d", c->rank, mn);
        return -1;
    }
    if (strcmp(c->init, "pissa") == 0) {
        snprintf(err, errlen, "key 'init' = pissa decomposes the pretrained W0, and the mf task has none (W0 = 0: "
                 "both factors would start at 0 and never move); use lora-ga or lora-one");
        return -1;
    }
    if (strcmp(c->init, "lora-ga") == 0 && 2 * c->rank > mn) {
        snprintf(err, errlen, "key 'init' = lora-ga takes singular vectors r+1..2r: key 'rank' = %d must be <= min(in, out) / 2 = %d",
                 c->rank, mn / 2);
        return -1;
    }
    if (c->target_rank > mn) {
        snprintf(err, errlen, "key 'target_rank' = %d must be <= min(in, out) = %d", c->target_rank, mn);
        return -1;
    }
    /* out x in matrices held: target (and transposed), W, gW, Weff, dWeff; DoRA's V, dV; full
       AdamW's moments; the lockstep reference's six and its moments */
    const int full = method_adapter(c->method) == ADAPTER_NONE, ref = c->reference_distance && !full;
    double mats = 6 + 2 * (method_adapter(c->method) == ADAPTER_DORA) + 2 * full + 8 * ref;
    double bytes = sizeof(real) * ((double)c->in * c->out * mats + 8.0 * c->rank * ((double)c->in + c->out));
    return task_memory_check(c, bytes, "matrix factorization, out x in matrices", err, errlen);
}

static void mf_task_free(void *self) {
    Mf *m = self;
    if (!m) return;
    optim_free(m->ropt);
    mf_free(m->t);
    mf_free(m->ref);
    free(m);
}

/* lora-ga / lora-one: the factors from the exact gradient at W0 (B = 0, so the function is W0's) */
static int spectral_start(MfTask *t, const RunConfig *c, char *err, size_t errlen) {
    SpectralInit kind = spectral_init_of(c->init);
    if (kind == SPECTRAL_NONE) return 0;
    vec_zero(t->B, (size_t)t->out * t->r);
    mf_loss_grad(t);   /* dWeff (out,in) = dL/dW at W0 */
    t->w0_zero = -1;   /* lora-ga writes the offset W0 = -s B0 A0 */
    return spectral_init(kind, t->A, t->B, t->W, t->dWeff, t->in, t->out, t->r, t->scale, config_init_gamma(c), err, errlen);
}

static void *mf_task_create(const RunConfig *c, char *err, size_t errlen) {
    Mf *m = mallocCheck(sizeof(Mf));
    m->c = c;
    MfParam param = param_of(c);
    m->t = mf_create(c->in, c->out, c->rank, param, c->bias, config_scale(c));
    if (set_problem(m->t, c, err, errlen) != 0 || spectral_start(m->t, c, err, errlen) != 0) { mf_task_free(m); return NULL; }
    mf_params(m->t, m->pairs, &m->npairs, m->plain, &m->nplain);
    if (c->reference_distance && param != MF_FULL) {   /* full AdamW from the same function, in lockstep */
        MfTask *ref = m->ref = mf_create(c->in, c->out, c->rank, MF_FULL, c->bias, 1.0);
        mf_set_problem(ref, m->t->target, m->t->A, m->t->B, m->t->bias, NULL);
        mf_weight(m->t, ref->W);   /* the run's effective weight at the start */
        AdapterPair rpairs[1];
        PlainTensor rplain[3];
        int rnp, rnl;
        mf_params(ref, rpairs, &rnp, rplain, &rnl);
        OptimConfig rc = optim_config_of_run(c);
        rc.method = METHOD_FULL_ADAMW;   /* the reference: full AdamW with the run's hyper-parameters */
        if (!(m->ropt = optim_create(&rc, rpairs, rnp, rplain, rnl, err, errlen))) { mf_task_free(m); return NULL; }
    }
    return m;
}

static int mf_eval_columns(void *self, const char **names) {
    Mf *m = self;
    if (!m->ref) return 0;
    names[0] = "dist_to_adamw";
    return 1;
}

static void mf_trainables(void *self, TaskTrainables *tr) {
    Mf *m = self;
    *tr = (TaskTrainables){ m->pairs, m->plain, m->npairs, m->nplain };
}

static void mf_describe(void *self, H5Run *h) {
    Mf *m = self;
    write_problem_and_final(h, m->t, "problem", 1);
    if (spectral_init_of(m->c->init) == SPECTRAL_LORA_GA) {   /* the offset W0 = -s B0 A0 */
        double *host = mallocCheck(sizeof(double) * m->c->out * m->c->in);
        size_t d[2] = { (size_t)m->c->out, (size_t)m->c->in };
        dataset(h, "problem", "W0", m->t->W, 2, d, host);
        free(host);
    }
}

static int mf_eval_due(void *self, long k, int last) { return last || k % ((Mf *)self)->c->log_every == 0; }

/* ||W - W_adamw|| / ||W_adamw|| of the effective weights (the run loop takes the gradient at
   these parameters next, so the effective weight is kept for it) */
static void mf_evaluate(void *self, long k, int last, double *values) {
    (void)k; (void)last;
    Mf *m = self;
    values[0] = blas_rel_dist(mf_weight_for_step(m->t), m->ref->W, (size_t)m->c->out * m->c->in);
}

static double mf_task_loss_grad(void *self, long k) { (void)k; return mf_loss_grad(((Mf *)self)->t); }

/* the reference takes its step of the same learning rate */
static void mf_after_step(void *self, long k) {
    (void)k;
    Mf *m = self;
    if (!m->ref) return;
    mf_loss_grad(m->ref);
    optim_step(m->ropt, m->c->lr);
}

static int mf_finish(void *self, H5Run *h, const char *status, char *err, size_t errlen) {
    (void)status; (void)err; (void)errlen;
    write_problem_and_final(h, ((Mf *)self)->t, "final", 0);
    return 0;
}

/* the run's parameters; the lockstep reference's and its optimizer's */
static void mf_task_walk(void *self, StateWalk *w) {
    Mf *m = self;
    StateWalkScope s;
    mf_walk(m->t, state_walk_scope(&s, w, "task", -1));
    if (!m->ref) return;
    mf_walk(m->ref, state_walk_scope(&s, w, "reference", -1));
    optim_walk(m->ropt, state_walk_scope(&s, w, "reference", -1));
}

static const TaskColumn MF_COLUMNS[] = { { "dist_to_adamw", 0 }, { NULL, 0 } };

const TaskOps mf_task = {
    "mf", "float64", 1, mf_validate, mf_task_create, mf_eval_columns, mf_trainables, mf_describe, mf_eval_due, mf_evaluate,
    mf_task_loss_grad, mf_after_step, mf_finish, mf_task_free, NULL, MF_COLUMNS, mf_task_walk, NULL,
};
