/* Golden trajectories in double: our AdamW (full weight), LoRA-AdamW, LoFT's parity mode and
   AltLoRA / AltLoRA+ and LoRA-Pro against step-by-step trajectories written by PyTorch (tests/gen_golden.py)
   and by the authors' public optimizers (tests/gen_parity.py, tests/gen_altlora.py,
   tests/gen_lorapro.py). Every
   step's loss and every parameter after every step must agree to 1e-6 relative. */
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
#include "tasks/mf.h"

#define GOLDEN_TOL 1e-6

typedef struct { const char *file, *group; } Golden;

static double *load(const Golden *g, const char *name, size_t *n) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g->group, name);
    return golden_doubles(g->file, path, n);
}

static double attr(const Golden *g, const char *name) { return golden_attr(g->file, g->group, name); }

/* runs the task step by step and compares with the golden group; tensors named in names[]
   (A, B, bias or W, bias) are compared after every step */
static void compare(const Golden *g, MfTask *t, OptimConfig cfg, const char *label, int with_W0) {
    const long steps = (long)attr(g, "steps");
    const double lr = attr(g, "lr");
    size_t n;
    double *losses = load(g, "losses", &n);
    AdapterPair pairs[1];
    PlainTensor plain[3];
    int np, nl;
    mf_params(t, pairs, &np, plain, &nl);
    char err[256];
    Optimizer *opt = optim_create(&cfg, pairs, np, plain, nl, err, sizeof err);
    if (!opt) LOFT_FATAL("%s: %s", label, err);
    const char *names[4];
    real *ours[4];
    size_t sizes[4];
    double *gold[4];
    int k = 0;
    if (t->param == MF_FULL) { names[k] = "W"; ours[k] = t->W; sizes[k++] = (size_t)t->out * t->in; }
    else {
        names[k] = "A"; ours[k] = t->A; sizes[k++] = (size_t)t->r * t->in;
        names[k] = "B"; ours[k] = t->B; sizes[k++] = (size_t)t->out * t->r;
    }
    if (t->use_bias) { names[k] = "bias"; ours[k] = t->bias; sizes[k++] = (size_t)t->out; }
    if (t->param == MF_ADAPTER && with_W0) { names[k] = "Wbase"; ours[k] = t->W; sizes[k++] = (size_t)t->out * t->in; }
    for (int i = 0; i < k; i++) gold[i] = load(g, names[i], &n);
    double worst_loss = 0, worst_param = 0;
    for (long s = 0; s < steps; s++) {
        double loss = mf_loss_grad(t);
        worst_loss = fmax(worst_loss, fabs(loss - losses[s]) / fabs(losses[s]));
        optim_step(opt, lr);
        for (int i = 0; i < k; i++)
            worst_param = fmax(worst_param, rel_err_d(ours[i], gold[i] + s * sizes[i], sizes[i]));
    }
    char what[128];
    snprintf(what, sizeof what, "%s: worst loss error over %ld steps (rel)", label, steps);
    CHECK_LE(worst_loss, GOLDEN_TOL, what);
    snprintf(what, sizeof what, "%s: worst parameter error over %ld steps (rel)", label, steps);
    CHECK_LE(worst_param, GOLDEN_TOL, what);
    for (int i = 0; i < k; i++) free(gold[i]);
    free(losses);
    optim_free(opt);
}

/* with_W0: the group holds a frozen W0 and the adapter scale (attribute `scale`) */
static MfTask *task_from(const Golden *g, MfParam param, int r, int use_bias, int with_W0) {
    size_t n, nt;
    double *target = load(g, "target", &nt), *bias0 = load(g, "bias0", &n);
    int out = (int)n, in = (int)(nt / n);
    MfTask *t = mf_create(in, out, r, param, use_bias, with_W0 ? attr(g, "scale") : 1.0);
    if (param == MF_FULL) {
        double *W0 = load(g, "W0", &n);
        real *zA = mallocCheck(sizeof(real) * r * in), *zB = mallocCheck(sizeof(real) * out * r);
        mf_set_problem(t, target, zA, zB, bias0, W0);
        free(W0); free(zA); free(zB);
    } else {
        double *A0 = load(g, "A0", &n), *B0 = load(g, "B0", &n), *W0 = with_W0 ? load(g, "W0", &n) : NULL;
        mf_set_problem(t, target, A0, B0, bias0, W0);
        free(A0); free(B0); free(W0);
    }
    free(target); free(bias0);
    return t;
}

static OptimConfig hyper(const Golden *g, MethodId kind) {
    OptimConfig c = optim_config_default(kind);
    c.beta1 = attr(g, "beta1");
    c.beta2 = attr(g, "beta2");
    c.eps = attr(g, "eps");
    c.weight_decay = attr(g, "weight_decay");
    return c;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "tests/golden";
    char adamw_file[256], parity_file[256], altlora_file[256], lorapro_file[256];
    snprintf(lorapro_file, sizeof lorapro_file, "%s/lorapro.h5", dir);
    snprintf(adamw_file, sizeof adamw_file, "%s/adamw_lora.h5", dir);
    snprintf(parity_file, sizeof parity_file, "%s/parity_tnurbek.h5", dir);
    snprintf(altlora_file, sizeof altlora_file, "%s/altlora.h5", dir);

    Golden full = { adamw_file, "adamw_full" }, lora = { adamw_file, "lora" };
    MfTask *t = task_from(&full, MF_FULL, 1, 1, 0);
    compare(&full, t, hyper(&full, METHOD_FULL_ADAMW), "AdamW on a full 6x10 weight vs torch.optim.AdamW", 0);
    mf_free(t);
    t = task_from(&lora, MF_ADAPTER, 3, 1, 0);
    compare(&lora, t, hyper(&lora, METHOD_LORA_ADAMW), "LoRA-AdamW (r=3) vs torch.optim.AdamW on B, A", 0);
    mf_free(t);
    Golden plus = { adamw_file, "loraplus" };
    OptimConfig cp = hyper(&plus, METHOD_LORA_PLUS);
    cp.loraplus_lr_ratio = attr(&plus, "loraplus_lr_ratio");
    t = task_from(&plus, MF_ADAPTER, 3, 1, 0);
    compare(&plus, t, cp, "LoRA+ (r=3, ratio 4) vs torch.optim.AdamW, B's group at 4 lr", 0);
    mf_free(t);

    const char *settings[] = { "all_on", "no_alternate", "no_second_moment", "no_reprojection", "rescale_only" };
    for (int i = 0; i < 5; i++) {
        Golden g = { parity_file, settings[i] };
        OptimConfig c = hyper(&g, METHOD_LOFT);
        snprintf(c.parity, sizeof c.parity, "tnurbek-148998d");
        c.alternate_update = attr(&g, "alternate_update") != 0;
        c.rescale_grads = attr(&g, "rescale_grads") != 0;
        c.reproject_momentum = attr(&g, "reproject_momentum") != 0;
        c.reproject_second_moment = attr(&g, "reproject_second_moment") != 0;
        char label[96];
        snprintf(label, sizeof label, "parity %s vs tnurbek/loft 148998d", settings[i]);
        t = task_from(&g, MF_ADAPTER, 3, 1, 0);
        compare(&g, t, c, label, 0);
        mf_free(t);
    }

    /* AltLoRA and AltLoRA+ (LucasXinYu/AltLoRA 94b2198): both factors each step (their trainer's
       default) and one per step, A first (their alternation); no bias (their optimizer leaves it) */
    const char *alt[] = { "altlora_joint", "altlora_alt", "altlora_plus_joint", "altlora_plus_alt" };
    for (int i = 0; i < 4; i++) {
        Golden g = { altlora_file, alt[i] };
        OptimConfig c = hyper(&g, attr(&g, "plus") != 0 ? METHOD_ALTLORA_PLUS : METHOD_ALTLORA);
        c.alternate_update = attr(&g, "alternate_update") != 0;
        snprintf(c.alternate_first, sizeof c.alternate_first, "A");
        c.damping = attr(&g, "reg");
        char label[96];
        snprintf(label, sizeof label, "%s vs LucasXinYu/AltLoRA 94b2198", alt[i]);
        t = task_from(&g, MF_ADAPTER, 3, 0, 0);
        compare(&g, t, c, label, 0);
        mf_free(t);
    }

    /* LoRA-Pro (mrflogs/LoRA-Pro 85d74c9, peta/optim.py): efficient and full mode, each X, with a
       frozen W0 and s = 2; full mode's decay of W0 is compared too */
    const char *pro[] = { "efficient_sylvester", "efficient_symmetry", "efficient_zero", "full_sylvester", "full_zero",
                          "efficient_sylvester_b0" };
    const char *xnames[] = { "sylvester", "symmetry", "zero" };
    for (int i = 0; i < 6; i++) {
        Golden g = { lorapro_file, pro[i] };
        OptimConfig c = hyper(&g, METHOD_LORA_PRO);
        snprintf(c.lorapro_mode, sizeof c.lorapro_mode, "%s", attr(&g, "full") != 0 ? "full" : "efficient");
        snprintf(c.lorapro_x, sizeof c.lorapro_x, "%s", xnames[(int)attr(&g, "xmode")]);
        char label[96];
        snprintf(label, sizeof label, "lora-pro %s vs mrflogs/LoRA-Pro 85d74c9", pro[i]);
        t = task_from(&g, MF_ADAPTER, 3, 0, 1);
        compare(&g, t, c, label, 1);
        mf_free(t);
    }
    return test_exit("test_golden");
}
