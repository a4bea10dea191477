/* The assembled ViT in float32 against PyTorch (tests/gen_vit_golden.py): the same weights and
   images give the same logits, loss and gradient of every parameter, to 1e-4 relative. */
#define LOFT_F32
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
#include "tasks/vit.h"

static const char *FILE_;

static double *load(const char *name, size_t *n) { return golden_doubles(FILE_, name, n); }
static int attr(const char *name) { return (int)golden_attr(FILE_, "/", name); }

int main(int argc, char **argv) {
    FILE_ = argc > 1 ? argv[1] : "tests/golden/vit.h5";
    VitShape s = { (int)attr("image"), (int)attr("patch"), (int)attr("width"), (int)attr("depth"),
                   (int)attr("heads"), (int)attr("mlp"), (int)attr("classes") };
    const int B = (int)attr("batch");
    Vit *v = vit_create(s, B);
    size_t n;
    for (int i = 0; i < VIT_NPARAM; i++) {
        char name[64];
        size_t count;
        real *p = vit_param(v, VIT_PARAM_NAMES[i], &count);
        snprintf(name, sizeof name, "params/%s", VIT_PARAM_NAMES[i]);
        double *d = load(name, &n);
        CHECK(n == count, "%s: golden has %zu numbers, the model %zu", name, n, count);
        for (size_t j = 0; j < count && j < n; j++) p[j] = (real)d[j];
        free(d);
    }
    double *img = load("images", &n), *tg = load("targets", &n), *logits = load("logits", &n), *loss = load("loss", &n);
    real *images = mallocCheck(sizeof(real) * B * s.image * s.image);
    int targets[16];
    for (int i = 0; i < B * s.image * s.image; i++) images[i] = (real)img[i];
    for (int i = 0; i < B; i++) targets[i] = (int)tg[i];
    double l = vit_forward(v, images, targets, B);
    vit_backward(v, targets, B);
    CHECK_LE(rel_err_d(v->logits, logits, (size_t)B * s.classes), 1e-4, "ViT logits vs PyTorch (rel)");
    CHECK_LE(fabs(l - loss[0]) / fabs(loss[0]), 1e-4, "ViT loss vs PyTorch (rel)");
    double worst = 0;
    const char *worst_name = "";
    for (int i = 0; i < VIT_NPARAM; i++) {
        char name[64];
        size_t count;
        real *p = vit_param(v, VIT_PARAM_NAMES[i], &count);
        real *g = v->grads + (p - v->params);
        snprintf(name, sizeof name, "grads/%s", VIT_PARAM_NAMES[i]);
        double *d = load(name, &n);
        double e = rel_err_d(g, d, count);
        if (e > worst) { worst = e; worst_name = VIT_PARAM_NAMES[i]; }
        CHECK(e <= 1e-4, "gradient of %s: rel error %.3e > 1e-4", VIT_PARAM_NAMES[i], e);
        free(d);
    }
    char what[96];
    snprintf(what, sizeof what, "ViT: worst gradient of the 20 tensors vs PyTorch (%s, rel)", worst_name);
    CHECK_LE(worst, 1e-4, what);
    free(img); free(tg); free(logits); free(loss); free(images);
    vit_free(v);
    return test_exit("test_vit_golden");
}
