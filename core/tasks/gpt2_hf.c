/* The Hugging Face GPT-2 layout: name mapping, Conv1D transposition, config.json. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../check.h"
#include "../compute/backend.h"
#include "../io/json.h"
#include "../io/safetensors.h"
#include "gpt2_hf.h"

/* one of our tensors as HF stores it: per layer (layer >= 0) or global; transposed: HF holds
   the (in, out) transpose of our (out, in) = (rows, cols) */
typedef struct { char hf[96]; real *dst; size_t rows, cols; int transposed; } Slot;

static int slots(Gpt *m, Slot *out) {
    const size_t V = m->s.vocab, C = m->s.width, H = m->s.mlp, X = m->s.ctx;
    int n = 0;
    out[n++] = (Slot){ "wte.weight", m->p.wte, V, C, 0 };
    out[n++] = (Slot){ "wpe.weight", m->p.wpe, X, C, 0 };
    for (int l = 0; l < m->s.depth; l++) {
        const struct { const char *name; real *base; size_t rows, cols; int transposed; } t[] = {
            { "ln_1.weight", m->p.ln1_w, 1, C, 0 }, { "ln_1.bias", m->p.ln1_b, 1, C, 0 },
            { "attn.c_attn.weight", m->p.qkv_w, 3 * C, C, 1 }, { "attn.c_attn.bias", m->p.qkv_b, 1, 3 * C, 0 },
            { "attn.c_proj.weight", m->p.proj_w, C, C, 1 }, { "attn.c_proj.bias", m->p.proj_b, 1, C, 0 },
            { "ln_2.weight", m->p.ln2_w, 1, C, 0 }, { "ln_2.bias", m->p.ln2_b, 1, C, 0 },
            { "mlp.c_fc.weight", m->p.fc1_w, H, C, 1 }, { "mlp.c_fc.bias", m->p.fc1_b, 1, H, 0 },
            { "mlp.c_proj.weight", m->p.fc2_w, C, H, 1 }, { "mlp.c_proj.bias", m->p.fc2_b, 1, C, 0 } };
        for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
            Slot *s = &out[n++];
            snprintf(s->hf, sizeof s->hf, "h.%d.%s", l, t[k].name);
            s->rows = t[k].rows; s->cols = t[k].cols; s->transposed = t[k].transposed;
            s->dst = t[k].base + (size_t)l * t[k].rows * t[k].cols;
        }
    }
    out[n++] = (Slot){ "ln_f.weight", m->p.lnf_w, 1, C, 0 };
    out[n++] = (Slot){ "ln_f.bias", m->p.lnf_b, 1, C, 0 };
    return n;
}

/* HF's shape of a slot: vectors 1-D, matrices (rows, cols) or transposed (cols, rows) */
static int hf_shape(const Slot *s, long *shape) {
    if (s->rows == 1) { shape[0] = (long)s->cols; return 1; }
    shape[0] = (long)(s->transposed ? s->cols : s->rows);
    shape[1] = (long)(s->transposed ? s->rows : s->cols);
    return 2;
}

static int is_buffer(const char *name) {   /* tensors a GPT-2 file may hold that carry no parameters of ours */
    const char *tail = strrchr(name, '.');
    return strcmp(name, "lm_head.weight") == 0 || (tail && (strcmp(tail, ".bias") == 0 || strcmp(tail, ".masked_bias") == 0) &&
                                                   strstr(name, ".attn.") && !strstr(name, "c_attn") && !strstr(name, "c_proj"));
}

int gpt2_load(Gpt *m, const char *path, char *err, size_t errlen) {
    Safetensors st;
    if (st_open(&st, path, err, errlen)) return -1;
    compute_host_access();   /* the parameters are written on the host */
    Slot *s = mallocCheck(sizeof(Slot) * (size_t)(4 + 12 * m->s.depth));
    int n = slots(m, s), rc = -1;
    double *buf = NULL;
    for (int k = 0; k < n; k++) {
        char pref[128];
        snprintf(pref, sizeof pref, "transformer.%s", s[k].hf);
        const StTensor *t = st_find(&st, s[k].hf);
        if (!t) t = st_find(&st, pref);
        if (!t) { snprintf(err, errlen, "%s: tensor '%s' missing (a GPT-2 checkpoint with n_layer = %d?)", path, s[k].hf, m->s.depth); goto done; }
        long shape[2];
        int nd = hf_shape(&s[k], shape);
        if (t->ndim != nd || t->shape[0] != shape[0] || (nd == 2 && t->shape[1] != shape[1])) {
            char got[96] = "", want[64];
            for (int d = 0; d < t->ndim; d++) snprintf(got + strlen(got), sizeof got - strlen(got), "%s%ld", d ? ", " : "", t->shape[d]);
            if (nd == 1) snprintf(want, sizeof want, "%ld", shape[0]); else snprintf(want, sizeof want, "%ld, %ld", shape[0], shape[1]);
            snprintf(err, errlen, "%s: tensor '%s' has shape [%s], expected [%s] from config.json", path, t->name, got, want);
            goto done;
        }
        buf = reallocCheck(buf, sizeof(double) * t->count);
        if (st_read(&st, t, buf, err, errlen)) goto done;
        for (size_t r = 0; r < s[k].rows; r++)
            for (size_t c = 0; c < s[k].cols; c++)
                s[k].dst[r * s[k].cols + c] = (real)(s[k].transposed ? buf[c * s[k].rows + r] : buf[r * s[k].cols + c]);
    }
    for (int i = 0; i < st.n; i++) {   /* anything else is a different architecture: say so */
        const char *name = strncmp(st.t[i].name, "transformer.", 12) == 0 ? st.t[i].name + 12 : st.t[i].name;
        int ours = is_buffer(name);
        for (int k = 0; k < n && !ours; k++) ours = strcmp(name, s[k].hf) == 0;
        if (!ours) { snprintf(err, errlen, "%s: tensor '%s' is not part of a GPT-2 (GPT2LMHeadModel) checkpoint", path, st.t[i].name); goto done; }
    }
    rc = 0;
done:
    free(buf);
    free(s);
    st_close(&st);
    return rc;
}

int gpt2_save(Gpt *m, const char *path, char *err, size_t errlen) {
    compute_host_access();   /* the merged weights are read on the host */
    Slot *s = mallocCheck(sizeof(Slot) * (size_t)(4 + 12 * m->s.depth));
    int n = slots(m, s);
    StOut *o = mallocCheck(sizeof(StOut) * (size_t)n);
    float **data = mallocCheck(sizeof(float *) * (size_t)n);
    for (int k = 0; k < n; k++) {
        size_t count = s[k].rows * s[k].cols;
        data[k] = mallocCheck(sizeof(float) * count);
        for (size_t r = 0; r < s[k].rows; r++)
            for (size_t c = 0; c < s[k].cols; c++)
                data[k][s[k].transposed ? c * s[k].rows + r : r * s[k].cols + c] = (float)s[k].dst[r * s[k].cols + c];
        o[k].name = s[k].hf;
        o[k].data = data[k];
        o[k].ndim = hf_shape(&s[k], o[k].shape);
    }
    int rc = st_write(path, o, n, "{\"format\":\"pt\",\"writer\":\"loft-harness\"}", err, errlen);
    for (int k = 0; k < n; k++) free(data[k]);
    free(data); free(o); free(s);
    return rc;
}

static int config_int(const JsonValue *j, const char *key, const char *alt, int *out, const char *path, char *err, size_t errlen) {
    const JsonValue *v = json_get(j, key);
    if ((!v || v->type == JSON_NULL) && alt) v = json_get(j, alt);
    if (!v || v->type != JSON_NUM || v->num != floor(v->num) || v->num < 1 || v->num > 1e7) {
        snprintf(err, errlen, "%s: key '%s': expected a positive integer", path, key);
        return -1;
    }
    *out = (int)v->num;
    return 0;
}

int gpt2_read_config(const char *path, GptShape *s, char *err, size_t errlen) {
    JsonValue j;
    if (json_read_file(path, &j, err, errlen)) return -1;
    int rc = -1;
    memset(s, 0, sizeof *s);
    const JsonValue *v;
    if (j.type != JSON_OBJ) { snprintf(err, errlen, "%s: expected a JSON object", path); goto done; }
    if ((v = json_get(&j, "model_type")) && (v->type != JSON_STR || strcmp(v->str, "gpt2") != 0)) {
        snprintf(err, errlen, "%s: key 'model_type': expected \"gpt2\", got %s", path, v->type == JSON_STR ? v->str : "a non-string");
        goto done;
    }
    if (config_int(&j, "n_embd", NULL, &s->width, path, err, errlen) || config_int(&j, "n_layer", NULL, &s->depth, path, err, errlen) ||
        config_int(&j, "n_head", NULL, &s->heads, path, err, errlen) || config_int(&j, "vocab_size", NULL, &s->vocab, path, err, errlen) ||
        config_int(&j, "n_positions", "n_ctx", &s->ctx, path, err, errlen)) goto done;
    s->mlp = 4 * s->width;
    if ((v = json_get(&j, "n_inner")) && v->type != JSON_NULL && config_int(&j, "n_inner", NULL, &s->mlp, path, err, errlen)) goto done;
    s->gelu_tanh = 1;
    if ((v = json_get(&j, "activation_function"))) {
        if (v->type == JSON_STR && (strcmp(v->str, "gelu_new") == 0 || strcmp(v->str, "gelu_pytorch_tanh") == 0)) s->gelu_tanh = 1;
        else if (v->type == JSON_STR && strcmp(v->str, "gelu") == 0) s->gelu_tanh = 0;
        else { snprintf(err, errlen, "%s: key 'activation_function': expected gelu_new, gelu_pytorch_tanh or gelu", path); goto done; }
    }
    if ((v = json_get(&j, "layer_norm_epsilon")) && (v->type != JSON_NUM || fabs(v->num - 1e-5) > 1e-12)) {
        snprintf(err, errlen, "%s: key 'layer_norm_epsilon': only 1e-05 (GPT-2's) is supported", path);
        goto done;
    }
    static const char *must_be_false[] = { "scale_attn_by_inverse_layer_idx", "add_cross_attention" };
    for (int k = 0; k < 2; k++)
        if ((v = json_get(&j, must_be_false[k])) && v->type == JSON_BOOL && v->num) {
            snprintf(err, errlen, "%s: key '%s': true is not supported", path, must_be_false[k]);
            goto done;
        }
    if (((v = json_get(&j, "scale_attn_weights")) && v->type == JSON_BOOL && !v->num) ||
        ((v = json_get(&j, "tie_word_embeddings")) && v->type == JSON_BOOL && !v->num)) {
        snprintf(err, errlen, "%s: keys 'scale_attn_weights' and 'tie_word_embeddings' must be true (GPT-2's attention and tied head)", path);
        goto done;
    }
    if (s->width % s->heads) { snprintf(err, errlen, "%s: key 'n_head' = %d must divide n_embd = %d", path, s->heads, s->width); goto done; }
    if (s->depth > BLOCKS_MAX_DEPTH) { snprintf(err, errlen, "%s: key 'n_layer' = %d: at most %d blocks are supported", path, s->depth, BLOCKS_MAX_DEPTH); goto done; }
    rc = 0;
done:
    json_free(&j);
    return rc;
}

int gpt2_write_config(const char *path, const GptShape *s, char *err, size_t errlen) {
    FILE *f = fopen(path, "w");
    if (!f) { snprintf(err, errlen, "%s: cannot write", path); return -1; }
    fprintf(f, "{\n  \"model_type\": \"gpt2\",\n  \"architectures\": [\"GPT2LMHeadModel\"],\n  \"vocab_size\": %d,\n"
               "  \"n_positions\": %d,\n  \"n_embd\": %d,\n  \"n_layer\": %d,\n  \"n_head\": %d,\n  \"n_inner\": %d,\n"
               "  \"activation_function\": \"%s\",\n  \"layer_norm_epsilon\": 1e-05,\n  \"tie_word_embeddings\": true,\n"
               "  \"resid_pdrop\": 0.0,\n  \"embd_pdrop\": 0.0,\n  \"attn_pdrop\": 0.0\n}\n",
            s->vocab, s->ctx, s->width, s->depth, s->heads, s->mlp, s->gelu_tanh ? "gelu_new" : "gelu");
    if (fclose(f)) { snprintf(err, errlen, "%s: write failed", path); return -1; }
    return 0;
}
