/* The ViT run in float32: MNIST task sets, pretraining (vit_target source, saves the checkpoint)
   or fine-tuning from the checkpoint with any method, batches drawn from the run's seed, test
   accuracy and balanced accuracy every eval_every steps, logged like every run. */
#ifndef LOFT_F32
#define LOFT_F32
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "blas.h"
#include "check.h"
#include "io/h5data.h"
#include "io/checkpoint.h"
#include "io/h5log.h"
#include "io/mnist.h"
#include "run.h"
#include "tasks/vit.h"

#define IMBALANCED_HEAD 400   /* train images of the most frequent class in the imbalanced task */
#define MAX_PLAIN 64
#define MAX_PAIRS (VIT_MAX_DEPTH * VIT_NMOD)

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
    return checkpoint_save(path, t, n, a, 7, err, errlen);
}

static void batch_of(real *images, int *labels, const Mnist *m, const ImageSet *s, const int *which, int B) {
    for (int b = 0; b < B; b++) {
        int k = which[b], i = s->idx[k];
        for (int p = 0; p < MNIST_PIXELS; p++) images[(size_t)b * MNIST_PIXELS + p] = m->pixels[(size_t)i * MNIST_PIXELS + p] / (real)255;
        labels[b] = s->label[k];
    }
}

/* accuracy and balanced accuracy (mean per-class recall) on the whole set, in batches of Bmax */
static void evaluate(Vit *v, const Mnist *m, const ImageSet *s, real *images, int *labels, double *acc, double *bal) {
    int correct = 0, per_n[16] = { 0 }, per_ok[16] = { 0 }, which[4096];
    for (int k0 = 0; k0 < s->n; k0 += v->Bmax) {
        int B = s->n - k0 < v->Bmax ? s->n - k0 : v->Bmax;
        for (int b = 0; b < B; b++) which[b] = k0 + b;
        batch_of(images, labels, m, s, which, B);
        vit_forward(v, images, NULL, B);
        for (int b = 0; b < B; b++) {
            const real *l = v->logits + (size_t)b * v->s.classes;
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

/* the train and test sets of the run's target */
static void task_sets(const RunConfig *c, const Mnist *m, ImageSet *train, ImageSet *test) {
    if (strcmp(c->vit_target, "source") == 0) {
        mnist_select(train, m, 0, 4, 0, NULL);
        mnist_select(test, m, 0, 4, 1, NULL);
    } else if (strcmp(c->vit_target, "unseen") == 0) {
        mnist_select(train, m, 5, 9, 0, NULL);
        mnist_select(test, m, 5, 9, 1, NULL);
    } else {   /* imbalanced: n_c = 400 ratio^(-c/9), class 0 most frequent */
        int per[10];
        for (int k = 0; k < 10; k++) {
            per[k] = (int)floor(IMBALANCED_HEAD * pow(c->imbalance_ratio, -k / 9.0));
            if (per[k] < 1) per[k] = 1;
        }
        mnist_select(train, m, 0, 9, 0, per);
        mnist_select(test, m, 0, 9, 1, NULL);
    }
}

int run_vit(const RunConfig *c, const char *yaml, const RunInfo *info, const char *partial_path,
            RunSummary *sum, char *err, size_t errlen) {
    const int source = strcmp(c->vit_target, "source") == 0, full = strcmp(c->method, "adamw") == 0;
    if (source && !full) { snprintf(err, errlen, "vit_target source (pretraining) needs method adamw, got %s", c->method); return -1; }
    Mnist m;
    if (mnist_load(&m, c->data_file, err, errlen) != 0) return -1;
    ImageSet train, test;
    task_sets(c, &m, &train, &test);
    VitShape shape = { 28, c->vit_patch, c->vit_width, c->vit_depth, c->vit_heads, c->vit_mlp, train.classes };
    Vit *v = vit_create(shape, c->batch_size);
    Rng rng;
    rng_seed(&rng, (uint64_t)c->seed);
    vit_init(v, &rng);
    int rc = -1;
    Optimizer *opt = NULL;
    H5Run *h = NULL;
    real *images = mallocCheck(sizeof(real) * (size_t)c->batch_size * MNIST_PIXELS);
    int *labels = mallocCheck(sizeof(int) * c->batch_size), *which = mallocCheck(sizeof(int) * c->batch_size);
    if (!source && load_checkpoint(v, c->checkpoint, err, errlen) != 0) goto done;
    if (!full) {
        AdaptKind kind = strcmp(c->method, "dora") == 0 ? ADAPT_DORA : ADAPT_LORA;
        if (vit_add_adapters(v, c->target_modules, kind, c->rank, config_scale(c), strcmp(c->init, "gaussian") == 0,
                             &rng, err, errlen) != 0) goto done;
    }
    AdapterPair pairs[MAX_PAIRS];
    PlainTensor plain[MAX_PLAIN];
    int np, nl;
    if (vit_trainables(v, full, c->modules_to_save, pairs, &np, plain, &nl, MAX_PLAIN, err, errlen) != 0) goto done;
    OptimConfig oc = run_optim_config(c);
    if (!(opt = optim_create(&oc, pairs, np, plain, nl, err, errlen))) goto done;
    size_t trainable = 0;
    for (int i = 0; i < np; i++) trainable += (size_t)pairs[i].r * (pairs[i].m + pairs[i].n);
    for (int i = 0; i < nl; i++) trainable += plain[i].size;
    static const char *cols[] = { "step", "loss", "grad_norm", "time_s", "test_accuracy", "balanced_accuracy" };
    if (!(h = h5run_begin(partial_path, info->id, cols, 6, err, errlen))) goto done;
    run_common_attrs(h, c, yaml, info, &oc, optim_state_bytes(opt), LOFT_PRECISION);
    h5run_attr_str(h, "vit_target", c->vit_target);
    h5run_attr_int(h, "train_images", train.n);
    h5run_attr_int(h, "test_images", test.n);
    h5run_attr_int(h, "trainable_params", (long long)trainable);
    h5run_attr_int(h, "model_params", (long long)v->nparams);
    double t0 = run_now(), last_print = 0, loss = NAN;
    snprintf(sum->status, sizeof sum->status, "complete");
    sum->steps_to_threshold = -1;
    for (long k = 0; k <= c->steps; k++) {
        int last = k == c->steps, finite = 1;
        double acc = NAN, bal = NAN, gn = NAN;
        if (k % c->eval_every == 0 || last) evaluate(v, &m, &test, images, labels, &acc, &bal);
        if (!last) {
            for (int b = 0; b < c->batch_size; b++) which[b] = (int)(rng_u64(&rng) % (uint64_t)train.n);
            batch_of(images, labels, &m, &train, which, c->batch_size);
            loss = vit_forward(v, images, labels, c->batch_size);
            finite = isfinite(loss);
            if (finite) {
                vit_backward(v, labels, c->batch_size);
                gn = optim_step(opt, c->lr);
                finite = isfinite(gn);
            }
        }
        if (last || !finite || k % c->log_every == 0 || isfinite(acc)) {
            double row[6] = { (double)k, last ? NAN : loss, gn, run_now() - t0, acc, bal };
            h5run_append(h, row);
        }
        if (isfinite(acc)) { sum->test_accuracy = acc; sum->balanced_accuracy = bal; }
        if (run_step_end(info, sum, k, c->steps, loss, finite, t0, &last_print)) break;
    }
    run_finish(h, info, sum, t0);
    h5run_attr_num(h, "test_accuracy", sum->test_accuracy);
    h5run_attr_num(h, "balanced_accuracy", sum->balanced_accuracy);
    if (v->nadapter) {   /* the adapters after training (small), so a run can be merged and reused */
        double *a = mallocCheck(sizeof(double) * v->nadapter);
        for (size_t i = 0; i < v->nadapter; i++) a[i] = v->adapter[i];
        h5run_dataset(h, "final", "adapters", a, 1, &v->nadapter);
        free(a);
    }
    h5run_end(h, sum->status, sum->wall_seconds);
    h = NULL;
    rc = 0;
    if (source && strcmp(sum->status, "complete") == 0) rc = save_checkpoint(v, c->checkpoint, err, errlen);
done:
    if (h) h5run_end(h, "failed", 0);
    optim_free(opt);
    free(images); free(labels); free(which);
    imageset_free(&train); imageset_free(&test);
    mnist_free(&m);
    vit_free(v);
    return rc;
}
