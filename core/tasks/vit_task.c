/* The ViT task behind the task interface (task.h), in float32: MNIST task sets, pretraining
   (vit_target source, saves the checkpoint) or fine-tuning from the checkpoint with any method,
   batches drawn from the run's seed, test accuracy and balanced accuracy every eval_every steps;
   on request the closeness of its updates to a lockstep full fine-tuning (reference_distance),
   the pretraining digits' accuracy under the pretraining head (forgetting) and the intruder
   dimensions of its block weights (intruders). */
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
#include "../io/h5log.h"
#include "../io/mnist.h"
#include "../dist.h"
#include "../nn/batch_split.h"
#include "../nn/weight_track.h"
#include "../task.h"
#include "vit.h"

#define IMBALANCED_HEAD 400   /* train images of the most frequent class in the imbalanced task */
#define MAX_PLAIN (VIT_MAX_DEPTH * VIT_NMOD + VIT_NPARAM)   /* DoRA magnitudes + modules_to_save */
#define MAX_PAIRS (VIT_MAX_DEPTH * VIT_NMOD)
#define SOURCE_CLASSES 5      /* the pretraining task: digits 0-4 (task_sets) */

/* the model's tensors by name, for the checkpoint */
static int vit_tensors(Vit *v, NamedTensor *t) {
    for (int i = 0; i < VIT_NPARAM; i++) {
        size_t count;
        real *p = vit_param(v, VIT_PARAM_NAMES[i], &count);
        t[i] = (NamedTensor){ VIT_PARAM_NAMES[i], p, count };
    }
    return VIT_NPARAM;
}

static int load_checkpoint(Vit *v, const char *path, char *err, size_t errlen) {
    NamedTensor t[VIT_NPARAM];
    int n = vit_tensors(v, t);
    compute_host_access();   /* checkpoint_load writes the parameters on the host */
    if (checkpoint_load(path, t, n, "head_w,head_b", err, errlen) == 0) return 0;   /* every target gets a new head */
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s (build it with `make pretrain-vit`)", err);
    snprintf(err, errlen, "%s", tmp);
    return -1;
}

static int save_checkpoint(Vit *v, const char *path, char *err, size_t errlen) {
    NamedTensor t[VIT_NPARAM];
    int n = vit_tensors(v, t);
    NamedValue a[] = { { "image", v->s.image }, { "patch", v->s.patch }, { "width", v->s.width }, { "depth", v->s.depth },
                       { "heads", v->s.heads }, { "mlp", v->s.mlp }, { "classes", v->s.classes } };
    compute_host_access();   /* checkpoint_save reads them on the host */
    return checkpoint_save(path, t, n, a, 7, err, errlen);
}

/* a batch: assembled on the host (host_images, host_labels), then uploaded to the model's tensors */
typedef struct {
    real *host_images, *images;   /* (Bmax,28,28) host staging, tensor */
    int *host_labels, *labels;    /* (Bmax,) host staging, index tensor */
    real *host_logits;            /* (Bmax,K) the logits read out for an evaluation */
} Batch;

static void batch_of(Batch *bt, const Mnist *m, const ImageSet *s, const int *which, int B) {
    for (int b = 0; b < B; b++) {
        int k = which[b], i = s->idx[k];
        for (int p = 0; p < MNIST_PIXELS; p++) bt->host_images[(size_t)b * MNIST_PIXELS + p] = m->pixels[(size_t)i * MNIST_PIXELS + p] / (real)255;
        bt->host_labels[b] = s->label[k];
    }
    tensor_upload(bt->images, bt->host_images, (size_t)B * MNIST_PIXELS);
    itensor_upload(bt->labels, bt->host_labels, (size_t)B);
}

/* accuracy and balanced accuracy (mean per-class recall) on the whole set, in batches of Bmax */
static void evaluate(Vit *v, const Mnist *m, const ImageSet *s, Batch *bt, double *acc, double *bal) {
    int correct = 0, per_n[16] = { 0 }, per_ok[16] = { 0 }, which[4096];
    for (int k0 = 0; k0 < s->n; k0 += v->Bmax) {
        int B = s->n - k0 < v->Bmax ? s->n - k0 : v->Bmax;
        for (int b = 0; b < B; b++) which[b] = k0 + b;
        batch_of(bt, m, s, which, B);
        vit_forward(v, bt->images, NULL, B);
        tensor_download(bt->host_logits, v->logits, (size_t)B * v->s.classes);
        const int *labels = bt->host_labels;
        for (int b = 0; b < B; b++) {
            const real *l = bt->host_logits + (size_t)b * v->s.classes;
            int best = 0;
            for (int c = 1; c < v->s.classes; c++) if (l[c] > l[best]) best = c;
            per_n[labels[b]]++;
            if (best == labels[b]) { correct++; per_ok[labels[b]]++; }
        }
    }
    double sum = 0;
    int classes = 0;
    for (int c = 0; c < s->classes; c++) if (per_n[c]) { sum += (double)per_ok[c] / per_n[c]; classes++; }
    *acc = s->n ? (double)correct / s->n : NAN;
    *bal = classes ? sum / classes : NAN;
}

/* the train, validation and test sets of the run's target (pretraining on the source digits
   trains on train + validation and has no validation set) */
static void task_sets(const RunConfig *c, const Mnist *m, ImageSet *train, ImageSet *val, ImageSet *test) {
    if (strcmp(c->vit_target, "source") == 0) {
        mnist_select(train, m, 0, 4, MNIST_TRAIN_VAL, NULL);
        mnist_select(val, m, 0, -1, MNIST_VAL, NULL);   /* empty */
        mnist_select(test, m, 0, 4, MNIST_TEST, NULL);
        return;
    }
    int lo = 5, hi = 9, per[10], *cap = NULL;
    if (strcmp(c->vit_target, "imbalanced") == 0) {   /* n_c = 400 ratio^(-c/9), class 0 most frequent */
        lo = 0;
        for (int k = 0; k < 10; k++) {
            per[k] = (int)floor(IMBALANCED_HEAD * pow(c->imbalance_ratio, -k / 9.0));
            if (per[k] < 1) per[k] = 1;
        }
        cap = per;
    }
    mnist_select(train, m, lo, hi, MNIST_TRAIN, cap);
    mnist_select(val, m, lo, hi, MNIST_VAL, NULL);
    mnist_select(test, m, lo, hi, MNIST_TEST, NULL);
}

typedef struct {
    const RunConfig *c;
    int source, full;
    Mnist m;
    ImageSet train, val, test;
    Vit *v;
    Rng rng;                /* the init's draws (model, adapters) */
    Rng data;               /* the training batches: the seed's data stream (rng.h), the same for every method and rank */
    uint64_t batches;       /* the fingerprint of every training batch drawn so far (attribute batch_fingerprint) */
    Rng init_rng;           /* the spectral init's gradient batches (a stream apart from training's) */
    AdapterPair pairs[MAX_PAIRS];
    PlainTensor plain[MAX_PLAIN];
    int npairs, nplain;
    Batch batch;                /* images and labels of a step or an evaluation */
    BatchSplit split;           /* batch_threads > 1: the model and its replicas (model[0] = v) */
    int *which;                 /* (B,) the batch's indices in its set */
    /* reference_distance: full AdamW from the same start on the same batches, in lockstep */
    Vit *shadow;
    Optimizer *sopt;
    int tracking;               /* the block weights' start is kept (weight_track.h) */
    WeightTrack track;
    /* forgetting: the pretraining digits' test set and the pretraining head */
    ImageSet source_test;
    real *source_head_w, *source_head_b;   /* (SOURCE_CLASSES,C) (SOURCE_CLASSES,) host */
    real *host_lnf;                        /* (Bmax,C) the final norm read out */
    double last_intruders;
} VitTask;

static int vit_validate(const RunConfig *c, char *err, size_t errlen) {
    if (c->vit_width % c->vit_heads || 28 % c->vit_patch) {
        snprintf(err, errlen, "keys 'vit_heads' = %d and 'vit_patch' = %d must divide vit_width = %d and 28",
                 c->vit_heads, c->vit_patch, c->vit_width);
        return -1;
    }
    if (method_adapter(c->method) != ADAPTER_NONE && c->rank > c->vit_width) {
        snprintf(err, errlen, "key 'rank' = %d must be <= vit_width = %d", c->rank, c->vit_width);
        return -1;
    }
    /* parameters x 4 (weights, gradients, two moments) and the activations of nn/blocks for
       B x (P + 1) tokens, in float32; with batch_threads, each replica's weights and gradients and
       the activations of its share (ceil(B / threads) rows) */
    const int n = c->batch_threads;
    const double C = c->vit_width, H = c->vit_mlp, L = c->vit_depth, B = n * ((c->batch_size + n - 1) / n),
                 T = (28 / c->vit_patch) * (28 / c->vit_patch) + 1;
    const double params = L * (4 * C * C + 2 * C * H + 9 * C + H) + 50 * C + T * C;
    const double acts = B * T * (L * (13 * C + 2 * H + 12 * C) + 8 * C + 2 * H) + 2 * L * B * c->vit_heads * T * T;
    /* reference_distance: the shadow model's parameters x 4 and activations, and the tracked
       weights in double (start and last snapshots) */
    const double shadow = c->reference_distance && method_adapter(c->method) != ADAPTER_NONE ? 4 * params + acts + 6 * params : 0;
    return task_memory_check(c, 4 * ((4 + 2 * (n - 1)) * params + acts + shadow), "ViT parameters, moments and activations", err, errlen);
}

static void vit_task_free(void *self) {
    VitTask *t = self;
    if (!t) return;
    tensor_free(t->batch.images); itensor_free(t->batch.labels);
    free(t->batch.host_images); free(t->batch.host_labels); free(t->batch.host_logits); free(t->which);
    imageset_free(&t->train); imageset_free(&t->val); imageset_free(&t->test);
    if (t->source_test.idx) imageset_free(&t->source_test);
    free(t->source_head_w); free(t->source_head_b); free(t->host_lnf);
    if (t->tracking) weight_track_free(&t->track);
    optim_free(t->sopt);
    vit_free(t->shadow);
    mnist_free(&t->m);
    for (int i = 1; i < t->split.n; i++) vit_free(t->split.model[i]);
    vit_free(t->v);
    free(t);
}

static double train_batch(VitTask *t, Rng *rng, int shard);

/* share [lo, hi) of the rows in t->batch through model v (batch_split.h) */
static double share_step(void *model, int lo, int hi, void *ctx) {
    VitTask *t = ctx;
    Vit *v = model;
    const real *images = t->batch.images + (size_t)lo * MNIST_PIXELS;
    const int *labels = t->batch.labels + lo;
    double loss = vit_forward(v, images, labels, hi - lo);
    if (isfinite(loss)) vit_backward(v, labels, hi - lo);
    return loss;
}

/* batch_threads - 1 replicas of t->v for the split batch: the same shape, adapters and trainables
   (their values are copied from t->v before every split step); 0, or -1 with a message */
static int make_replicas(VitTask *t, int full, char *err, size_t errlen) {
    const RunConfig *c = t->c;
    BatchSplit *s = &t->split;
    const int n = c->batch_threads;
    s->n = 1;
    s->model[0] = t->v;
    s->step = share_step;
    s->ctx = t;
    s->size[0] = t->v->nparams;
    s->size[1] = t->v->nadapter;
    for (int i = 0; i < n; i++) {
        Vit *v = i == 0 ? t->v : vit_create(t->v->s, (c->batch_size + n - 1) / n);
        if (i > 0) {
            s->model[s->n++] = v;
            Rng scratch;   /* the draws are overwritten by t->v's values */
            rng_seed(&scratch, 1);
            vit_init(v, &scratch);
            AdapterPair pairs[MAX_PAIRS];
            PlainTensor plain[MAX_PLAIN];
            int np, nl;
            if (!full && vit_add_adapters(v, c->target_modules, (method_adapter(c->method) == ADAPTER_DORA) ? ADAPT_DORA : ADAPT_LORA,
                                          c->rank, config_scale(c), 0, &scratch, err, errlen) != 0) return -1;
            if (vit_trainables(v, full, c->modules_to_save, pairs, &np, plain, &nl, MAX_PLAIN, err, errlen) != 0) return -1;
        }
        s->params[i][0] = v->params; s->grads[i][0] = v->grads;
        s->params[i][1] = v->adapter; s->grads[i][1] = v->adapter_grad;
    }
    return 0;
}

/* init batch j of a spectral init: a random training batch of its own stream */
static void init_batch(void *self, int j) {
    (void)j;
    VitTask *t = self;
    train_batch(t, &t->init_rng, 0);   /* whole batches: every process computes the same init */
}

/* what a fine-tuning run measures besides its target: the lockstep shadow and the weights'
   start, the pretraining head and digits; 0, or -1 with a message */
static int make_extras(VitTask *t, char *err, size_t errlen) {
    const RunConfig *c = t->c;
    const int shadow = c->reference_distance && !t->full;
    if ((c->reference_distance || c->intruders) && (t->tracking = weight_track_init(&t->track, &t->v->blk, c->rank, err, errlen) == 0) == 0) return -1;
    if (shadow) {
        if (dist()->size > 1) { snprintf(err, errlen, "key 'reference_distance': the lockstep shadow runs in one process only (not under mpirun)"); return -1; }
        t->shadow = vit_create(t->v->s, c->batch_size);
        vec_copy(t->shadow->params, t->v->params, t->v->nparams);   /* the same start: the run's weights, */
        weight_track_start_shadow(&t->track, &t->shadow->blk);               /* the block linears at their effective weight */
        AdapterPair pairs[1];
        PlainTensor plain[MAX_PLAIN];
        int np, nl;
        if (vit_trainables(t->shadow, 1, "", pairs, &np, plain, &nl, MAX_PLAIN, err, errlen) != 0) return -1;
        OptimConfig rc = optim_config_of_run(c);
        rc.method = METHOD_FULL_ADAMW;   /* the run's hyper-parameters, its own learning rate (reference_lr) */
        if (!(t->sopt = optim_create(&rc, pairs, np, plain, nl, err, errlen))) return -1;
    }
    if (c->forgetting) {
        const int C = t->v->s.width;
        t->source_head_w = mallocCheck(sizeof(real) * SOURCE_CLASSES * C);
        t->source_head_b = mallocCheck(sizeof(real) * SOURCE_CLASSES);
        t->host_lnf = mallocCheck(sizeof(real) * (size_t)t->v->Bmax * C);
        NamedTensor head[2] = { { "head_w", t->source_head_w, (size_t)SOURCE_CLASSES * C }, { "head_b", t->source_head_b, SOURCE_CLASSES } };
        if (checkpoint_load(c->checkpoint, head, 2, NULL, err, errlen) != 0) return -1;
        mnist_select(&t->source_test, &t->m, 0, SOURCE_CLASSES - 1, MNIST_TEST, NULL);
    }
    return 0;
}

static void *vit_task_create(const RunConfig *c, char *err, size_t errlen) {
    const int source = strcmp(c->vit_target, "source") == 0, full = method_adapter(c->method) == ADAPTER_NONE;
    if (source && !full) { snprintf(err, errlen, "vit_target source (pretraining) needs method adamw, got %s", c->method); return NULL; }
    VitTask *t = mallocCheck(sizeof(VitTask));
    t->c = c; t->source = source; t->full = full;
    if (mnist_load(&t->m, c->data_file, err, errlen) != 0) { free(t); return NULL; }
    task_sets(c, &t->m, &t->train, &t->val, &t->test);
    int per_class[16] = { 0 };
    for (int i = 0; i < t->train.n; i++) per_class[t->train.label[i]]++;
    for (int k = 0; k < t->train.classes; k++)
        if (!per_class[k] || !t->test.n) {
            snprintf(err, errlen, "%s: target %s needs train and test images of every class; class %d has %d train images, "
                     "the test set %d images", c->data_file, c->vit_target, k, per_class[k], t->test.n);
            vit_task_free(t);
            return NULL;
        }
    VitShape shape = { 28, c->vit_patch, c->vit_width, c->vit_depth, c->vit_heads, c->vit_mlp, t->train.classes };
    t->v = vit_create(shape, c->batch_size);
    rng_seed(&t->rng, (uint64_t)c->seed);
    rng_seed(&t->data, (uint64_t)c->seed ^ RNG_DATA_STREAM);
    t->batches = RNG_FINGERPRINT_START;
    vit_init(t->v, &t->rng);
    const size_t B = (size_t)c->batch_size;
    t->batch = (Batch){ mallocCheck(sizeof(real) * B * MNIST_PIXELS), tensor_alloc(B * MNIST_PIXELS),
                        mallocCheck(sizeof(int) * B), itensor_alloc(B), mallocCheck(sizeof(real) * B * t->train.classes) };
    t->which = mallocCheck(sizeof(int) * B);
    if (!source && load_checkpoint(t->v, c->checkpoint, err, errlen) != 0) goto fail;
    if (!full) {
        AdaptKind kind = (method_adapter(c->method) == ADAPTER_DORA) ? ADAPT_DORA : ADAPT_LORA;
        if (vit_add_adapters(t->v, c->target_modules, kind, c->rank, config_scale(c), strcmp(c->init, "gaussian") == 0,
                             &t->rng, err, errlen) != 0) goto fail;
    }
    if (vit_trainables(t->v, full, c->modules_to_save, t->pairs, &t->npairs, t->plain, &t->nplain, MAX_PLAIN,
                       err, errlen) != 0) goto fail;
    const SpectralInit spectral = spectral_init_of(c->init);
    if (spectral != SPECTRAL_NONE) {   /* after the default init's draws: training batches stay the default's */
        rng_seed(&t->init_rng, (uint64_t)c->seed ^ INIT_STREAM);
        if (blocks_spectral_init(&t->v->blk, spectral, config_init_gamma(c), c->init_batches, init_batch, t, err, errlen)) goto fail;
    }
    if (make_replicas(t, full, err, errlen) != 0) goto fail;   /* after the spectral init: it runs unsplit */
    if (!source && make_extras(t, err, errlen) != 0) goto fail;
    return t;
fail:
    vit_task_free(t);
    return NULL;
}

static const char *const CLOSENESS_NAMES[TRACK_NCLOSE] = TRACK_COLUMN_NAMES;

static int vit_eval_columns(void *self, const char **names) {
    VitTask *t = self;
    int n = 0;
    names[n++] = "test_accuracy";
    names[n++] = "balanced_accuracy";
    if (!t->val.n) return n;
    names[n++] = "val_accuracy";
    names[n++] = "val_balanced_accuracy";
    if (t->tracking && t->c->reference_distance) for (int i = 0; i < TRACK_NCLOSE; i++) names[n++] = CLOSENESS_NAMES[i];
    if (t->source_head_w) names[n++] = "source_accuracy";
    if (t->tracking && t->c->intruders) names[n++] = "intruders";
    return n;
}

static void vit_task_trainables(void *self, TaskTrainables *tr) {
    VitTask *t = self;
    *tr = (TaskTrainables){ t->pairs, t->plain, t->npairs, t->nplain };
}

static void vit_describe(void *self, H5Run *h) {
    VitTask *t = self;
    size_t trainable = 0;
    for (int i = 0; i < t->npairs; i++) trainable += (size_t)t->pairs[i].r * (t->pairs[i].m + t->pairs[i].n);
    for (int i = 0; i < t->nplain; i++) trainable += t->plain[i].size;
    h5run_attr_str(h, "vit_target", t->c->vit_target);
    h5run_attr_str(h, "group", t->c->vit_target);
    h5run_attr_int(h, "train_images", t->train.n);
    h5run_attr_int(h, "test_images", t->test.n);
    h5run_attr_int(h, "val_images", t->val.n);
    h5run_attr_int(h, "trainable_params", (long long)trainable);
    h5run_attr_int(h, "model_params", (long long)t->v->nparams);
}

static int vit_eval_due(void *self, long k, int last) { return last || k % ((VitTask *)self)->c->eval_every == 0; }

/* accuracy on the pretraining digits' test set of the body now under the pretraining head */
static double source_accuracy(VitTask *t) {
    Vit *v = t->v;
    const ImageSet *s = &t->source_test;
    const int C = v->s.width;
    int correct = 0, which[4096];
    for (int k0 = 0; k0 < s->n; k0 += v->Bmax) {
        int B = s->n - k0 < v->Bmax ? s->n - k0 : v->Bmax;
        for (int b = 0; b < B; b++) which[b] = k0 + b;
        batch_of(&t->batch, &t->m, s, which, B);
        vit_forward(v, t->batch.images, NULL, B);
        tensor_download(t->host_lnf, v->lnf, (size_t)B * C);
        for (int b = 0; b < B; b++) {
            int best = 0;
            double top = -INFINITY;
            for (int c = 0; c < SOURCE_CLASSES; c++) {
                double z = t->source_head_b[c];
                for (int i = 0; i < C; i++) z += (double)t->source_head_w[c * C + i] * t->host_lnf[(size_t)b * C + i];
                if (z > top) { top = z; best = c; }
            }
            correct += best == t->batch.host_labels[b];
        }
    }
    return s->n ? (double)correct / s->n : NAN;
}

/* the target's accuracies every evaluation; the closeness to the shadow every evaluation; the
   pretraining digits at the start and the end; the intruders at the end */
static void vit_evaluate(void *self, long k, int last, double *values) {
    VitTask *t = self;
    int n = 2;
    evaluate(t->v, &t->m, &t->test, &t->batch, &values[0], &values[1]);
    if (!t->val.n) return;
    evaluate(t->v, &t->m, &t->val, &t->batch, &values[2], &values[3]);
    n = 4;
    if (t->tracking && t->c->reference_distance) {   /* full AdamW itself: its own update, the anchor (distance 0) */
        weight_track_closeness(&t->track, &t->v->blk, t->shadow ? &t->shadow->blk : &t->v->blk, values + n);
        n += TRACK_NCLOSE;
    }
    if (t->source_head_w) { if (k == 0 || last) values[n] = source_accuracy(t); n++; }
    if (t->tracking && t->c->intruders && last) values[n] = t->last_intruders = weight_track_intruders(&t->track, &t->v->blk);
}

/* the shadow's step: full AdamW on the batch the run just took its step on */
static void vit_after_step(void *self, long k) {
    (void)k;
    VitTask *t = self;
    if (!t->shadow) return;
    const int B = t->c->batch_size;
    double loss = vit_forward(t->shadow, t->batch.images, t->batch.labels, B);
    if (!isfinite(loss)) return;
    vit_backward(t->shadow, t->batch.labels, B);
    optim_step(t->sopt, isnan(t->c->reference_lr) ? t->c->lr : t->c->reference_lr);
}

/* a batch of batch_size train images drawn with replacement from rng: the loss, gradients
   filled. shard: this process's share of the batch only (data-parallel, dist.h: every process
   draws the whole batch, so the draws stay in step) */
static double train_batch(VitTask *t, Rng *rng, int shard) {
    const int B = t->c->batch_size;
    for (int b = 0; b < B; b++) t->which[b] = (int)(rng_u64(rng) % (uint64_t)t->train.n);
    int lo = 0, hi = B;
    if (shard) dist_shard(B, &lo, &hi);
    batch_of(&t->batch, &t->m, &t->train, t->which + lo, hi - lo);
    if (t->split.n > 1) return batch_split_step(&t->split, hi - lo);
    double loss = vit_forward(t->v, t->batch.images, t->batch.labels, hi - lo);
    if (isfinite(loss)) vit_backward(t->v, t->batch.labels, hi - lo);
    return loss;
}

/* the batches come from the seed's data stream (paired across methods and ranks) */
static double vit_loss_grad(void *self, long k) {
    (void)k;
    VitTask *t = self;
    const double loss = train_batch(t, &t->data, 1);
    for (int b = 0; b < t->c->batch_size; b++) t->batches = rng_fingerprint(t->batches, (uint64_t)t->which[b]);
    return loss;
}

/* the adapters after training (small), so a run can be merged and reused; the checkpoint of a
   complete pretraining run */
static int vit_finish(void *self, H5Run *h, const char *status, char *err, size_t errlen) {
    VitTask *t = self;
    Vit *v = t->v;
    char fp[24];
    snprintf(fp, sizeof fp, "%016llx", (unsigned long long)t->batches);
    h5run_attr_str(h, "batch_fingerprint", fp);   /* equal across the methods and ranks of one seed */
    if (v->nadapter) {
        double *a = mallocCheck(sizeof(double) * v->nadapter);
        tensor_to_host(a, v->adapter, v->nadapter);
        h5run_dataset(h, "final", "adapters", a, 1, &v->nadapter);
        free(a);
    }
    if (t->tracking) weight_track_datasets(&t->track, h, t->c->reference_distance, t->c->intruders);
    if (t->source && strcmp(status, "complete") == 0) return save_checkpoint(v, t->c->checkpoint, err, errlen);
    return 0;
}

/* pretraining saves the checkpoint */
static int vit_writes_files(const RunConfig *c) { return strcmp(c->vit_target, "source") == 0; }

/* the training batches' stream and fingerprint, and every parameter and adapter of the model (its replicas take
   their values from it before each split step) */
static void vit_walk(void *self, StateWalk *w) {
    VitTask *t = self;
    state_walk(w, "task/data", &t->data, sizeof t->data);
    state_walk(w, "task/batches", &t->batches, sizeof t->batches);
    tensor_walk(w, "task/params", t->v->params, t->v->nparams);
    tensor_walk(w, "task/adapters", t->v->adapter, t->v->nadapter);
    if (t->shadow) {   /* the lockstep full AdamW */
        StateWalkScope s;
        tensor_walk(w, "shadow/params", t->shadow->params, t->shadow->nparams);
        optim_walk(t->sopt, state_walk_scope(&s, w, "shadow", -1));
    }
    if (t->tracking && t->c->reference_distance) weight_track_walk(&t->track, w);   /* the interval's start */
}

static const TaskColumn VIT_COLUMNS[] = {
    { "test_accuracy", 1 }, { "balanced_accuracy", 1 }, { "val_accuracy", 1 }, { "val_balanced_accuracy", 1 },
    { "dist_to_adamw", 0 }, { "cos_to_adamw", 1 }, { "step_cos_to_adamw", 1 }, { "energy_share", 1 }, { "energy_best", 1 },
    { "energy_ratio", 1 }, { "source_accuracy", 1 }, { "intruders", 0 }, { NULL, 0 } };

const TaskOps vit_task = {
    "vit", "float32", 0, vit_validate, vit_task_create, vit_eval_columns, vit_task_trainables, vit_describe, vit_eval_due,
    vit_evaluate, vit_loss_grad, vit_after_step, vit_finish, vit_task_free, vit_writes_files, VIT_COLUMNS, vit_walk, NULL,
};
