/* The Hugging Face layout of a Llama-family model: config.json, (sharded) safetensors, PEFT
   adapters (llama_hf.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "../compute/backend.h"
#include "../io/json.h"
#include "../io/safetensors.h"
#include "llama_hf.h"

#define MAX_SHARDS 64

/* ---- config.json ---- */
static const JsonValue *num_key(const JsonValue *j, const char *key) {
    const JsonValue *v = json_get(j, key);
    return v && v->type == JSON_NUM ? v : NULL;
}

static int int_key(const JsonValue *j, const char *key, int def, int *out, const char *path, char *err, size_t errlen) {
    const JsonValue *v = json_get(j, key);
    if (!v || v->type == JSON_NULL) {
        if (def < 0) { snprintf(err, errlen, "%s: key '%s' missing (expected a positive integer)", path, key); return -1; }
        *out = def;
        return 0;
    }
    if (v->type != JSON_NUM || v->num != floor(v->num) || v->num < 1 || v->num > 1e8) {
        snprintf(err, errlen, "%s: key '%s': expected a positive integer", path, key);
        return -1;
    }
    *out = (int)v->num;
    return 0;
}

static int bool_key(const JsonValue *j, const char *key, int def) {
    const JsonValue *v = json_get(j, key);
    return v && v->type == JSON_BOOL ? (int)v->num : def;
}

/* rope_theta and rope_scaling, or newer transformers' rope_parameters */
static int read_rope(const JsonValue *j, LlamaShape *s, const char *path, char *err, size_t errlen) {
    const JsonValue *rp = json_get(j, "rope_parameters"), *sc = json_get(j, "rope_scaling"), *v;
    s->rope_theta = 10000;
    if ((v = num_key(j, "rope_theta"))) s->rope_theta = v->num;
    if (rp && rp->type == JSON_OBJ) {
        if ((v = num_key(rp, "rope_theta"))) s->rope_theta = v->num;
        sc = rp;
    }
    if (!sc || sc->type != JSON_OBJ) return 0;
    const JsonValue *type = json_get(sc, "rope_type");
    if (!type) type = json_get(sc, "type");
    if (!type || type->type != JSON_STR || strcmp(type->str, "default") == 0) return 0;
    if (strcmp(type->str, "llama3") != 0) {
        snprintf(err, errlen, "%s: rope_type '%s' is not supported (default and llama3 are)", path, type->str);
        return -1;
    }
    const JsonValue *f = num_key(sc, "factor"), *lo = num_key(sc, "low_freq_factor"), *hi = num_key(sc, "high_freq_factor"),
                    *om = num_key(sc, "original_max_position_embeddings");
    if (!f || !lo || !hi || !om || f->num <= 0 || hi->num <= lo->num) {
        snprintf(err, errlen, "%s: rope_type llama3 needs factor > 0, low_freq_factor < high_freq_factor and "
                 "original_max_position_embeddings", path);
        return -1;
    }
    s->rope_factor = f->num; s->rope_low = lo->num; s->rope_high = hi->num; s->rope_orig_max = (int)om->num;
    return 0;
}

int llama_read_config(const char *dir, LlamaShape *s, int *bos, int *eos, char *err, size_t errlen) {
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", dir);
    JsonValue j;
    if (json_read_file(path, &j, err, errlen)) return -1;
    int rc = -1;
    memset(s, 0, sizeof *s);
    const JsonValue *v = json_get(&j, "model_type");
    const char *type = v && v->type == JSON_STR ? v->str : "";
    if (j.type != JSON_OBJ || (strcmp(type, "llama") != 0 && strcmp(type, "qwen2") != 0)) {
        snprintf(err, errlen, "%s: key 'model_type': expected \"llama\" or \"qwen2\", got \"%s\"", path, type);
        goto done;
    }
    if (int_key(&j, "hidden_size", -1, &s->width, path, err, errlen) || int_key(&j, "num_hidden_layers", -1, &s->depth, path, err, errlen) ||
        int_key(&j, "num_attention_heads", -1, &s->heads, path, err, errlen) || int_key(&j, "intermediate_size", -1, &s->mlp, path, err, errlen) ||
        int_key(&j, "vocab_size", -1, &s->vocab, path, err, errlen) || int_key(&j, "num_key_value_heads", s->heads, &s->kv_heads, path, err, errlen) ||
        int_key(&j, "max_position_embeddings", 2048, &s->max_pos, path, err, errlen))
        goto done;
    if (int_key(&j, "head_dim", s->width / s->heads, &s->head_dim, path, err, errlen)) goto done;
    s->rms_eps = (v = num_key(&j, "rms_norm_eps")) ? v->num : 1e-6;
    s->tied = bool_key(&j, "tie_word_embeddings", 0);
    s->qkv_bias = strcmp(type, "qwen2") == 0 || bool_key(&j, "attention_bias", 0);
    s->o_bias = strcmp(type, "llama") == 0 && bool_key(&j, "attention_bias", 0);
    if (bool_key(&j, "mlp_bias", 0)) { snprintf(err, errlen, "%s: key 'mlp_bias': true is not supported", path); goto done; }
    if ((v = json_get(&j, "hidden_act")) && (v->type != JSON_STR || strcmp(v->str, "silu") != 0)) {
        snprintf(err, errlen, "%s: key 'hidden_act': only silu (SwiGLU) is supported", path);
        goto done;
    }
    if (bool_key(&j, "use_sliding_window", 0)) { snprintf(err, errlen, "%s: key 'use_sliding_window': true is not supported", path); goto done; }
    if (s->heads % s->kv_heads || s->head_dim % 2 || s->depth > LLAMA_MAX_DEPTH) {
        snprintf(err, errlen, "%s: num_key_value_heads = %d must divide num_attention_heads = %d, head_dim = %d be even, "
                 "num_hidden_layers = %d <= %d", path, s->kv_heads, s->heads, s->head_dim, s->depth, LLAMA_MAX_DEPTH);
        goto done;
    }
    if (read_rope(&j, s, path, err, errlen)) goto done;
    *bos = (v = num_key(&j, "bos_token_id")) ? (int)v->num : -1;
    *eos = (v = num_key(&j, "eos_token_id")) ? (int)v->num : -1;
    rc = 0;
done:
    json_free(&j);
    return rc;
}

/* ---- the weights ---- */
/* one of our tensors under its HF name: dst (rows, cols) */
typedef struct { char hf[96]; real *dst; size_t rows, cols; } Slot;

static int slots(Llama *m, Slot *out) {
    const LlamaShape *s = &m->s;
    const size_t C = s->width, Q = (size_t)s->heads * s->head_dim, K = (size_t)s->kv_heads * s->head_dim, I = s->mlp, V = s->vocab;
    int n = 0;
    out[n++] = (Slot){ "model.embed_tokens.weight", m->p.embed, V, C };
    for (int l = 0; l < s->depth; l++) {
        const struct { const char *name; real *base; size_t rows, cols; int on; } t[] = {
            { "input_layernorm.weight", m->p.attn_norm, 1, C, 1 },
            { "self_attn.q_proj.weight", m->p.wq, Q, C, 1 }, { "self_attn.k_proj.weight", m->p.wk, K, C, 1 },
            { "self_attn.v_proj.weight", m->p.wv, K, C, 1 }, { "self_attn.o_proj.weight", m->p.wo, C, Q, 1 },
            { "self_attn.q_proj.bias", m->p.bq, 1, Q, s->qkv_bias }, { "self_attn.k_proj.bias", m->p.bk, 1, K, s->qkv_bias },
            { "self_attn.v_proj.bias", m->p.bv, 1, K, s->qkv_bias }, { "self_attn.o_proj.bias", m->p.bo, 1, C, s->o_bias },
            { "post_attention_layernorm.weight", m->p.mlp_norm, 1, C, 1 },
            { "mlp.gate_proj.weight", m->p.wgate, I, C, 1 }, { "mlp.up_proj.weight", m->p.wup, I, C, 1 },
            { "mlp.down_proj.weight", m->p.wdown, C, I, 1 } };
        for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
            if (!t[k].on) continue;
            Slot *sl = &out[n++];
            snprintf(sl->hf, sizeof sl->hf, "model.layers.%d.%s", l, t[k].name);
            sl->rows = t[k].rows; sl->cols = t[k].cols;
            sl->dst = t[k].base + (size_t)l * t[k].rows * t[k].cols;
        }
    }
    out[n++] = (Slot){ "model.norm.weight", m->p.norm, 1, C };
    if (!s->tied) out[n++] = (Slot){ "lm_head.weight", m->p.lm_head, V, C };
    return n;
}
#define MAX_SLOTS(m) (4 + 13 * (m)->s.depth)

/* the safetensors files of dir: model.safetensors, or the shards of model.safetensors.index.json */
static int open_files(const char *dir, Safetensors *st, int *n, char *err, size_t errlen) {
    char path[1100];
    *n = 0;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    FILE *f = fopen(path, "rb");
    if (f) { fclose(f); if (st_open(&st[0], path, err, errlen)) return -1; *n = 1; return 0; }
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    JsonValue j;
    if (json_read_file(path, &j, err, errlen)) {
        char tmp[1400];
        snprintf(tmp, sizeof tmp, "%s (neither model.safetensors nor a sharded index in %s)", err, dir);
        snprintf(err, errlen, "%s", tmp);
        return -1;
    }
    const JsonValue *wm = json_get(&j, "weight_map");
    int rc = 0;
    if (!wm || wm->type != JSON_OBJ) { snprintf(err, errlen, "%s: expected an object 'weight_map' of tensor: file", path); rc = -1; }
    char names[MAX_SHARDS][256];
    for (size_t k = 0; rc == 0 && wm && k < wm->len; k++) {
        const JsonValue *v = &wm->items[k];
        if (v->type != JSON_STR || strchr(v->str, '/')) { snprintf(err, errlen, "%s: weight_map['%s']: expected a file name", path, wm->keys[k]); rc = -1; break; }
        int seen = 0;
        for (int i = 0; i < *n && !seen; i++) seen = strcmp(names[i], v->str) == 0;
        if (seen) continue;
        if (*n == MAX_SHARDS) { snprintf(err, errlen, "%s: more than %d shards", path, MAX_SHARDS); rc = -1; break; }
        snprintf(names[*n], sizeof names[0], "%s", v->str);
        char sp[1400];
        snprintf(sp, sizeof sp, "%s/%s", dir, v->str);
        if (st_open(&st[*n], sp, err, errlen)) { rc = -1; break; }
        (*n)++;
    }
    json_free(&j);
    return rc;
}

int llama_load(Llama *m, const char *dir, char *err, size_t errlen) {
    Safetensors *st = mallocCheck(sizeof(Safetensors) * MAX_SHARDS);
    int nf = 0, rc = -1;
    Slot *s = mallocCheck(sizeof(Slot) * (size_t)MAX_SLOTS(m));
    double *buf = NULL;
    if (open_files(dir, st, &nf, err, errlen)) goto done;
    compute_host_access();   /* the parameters are written on the host */
    const int n = slots(m, s);
    for (int k = 0; k < n; k++) {
        const StTensor *t = NULL;
        int f = 0;
        for (; f < nf && !t; f++) t = st_find(&st[f], s[k].hf);
        if (!t) { snprintf(err, errlen, "%s: tensor '%s' missing (config.json's shape?)", dir, s[k].hf); goto done; }
        const int nd = s[k].rows == 1 ? 1 : 2;
        if (t->ndim != nd || (size_t)t->shape[0] != (nd == 1 ? s[k].cols : s[k].rows) || (nd == 2 && (size_t)t->shape[1] != s[k].cols)) {
            snprintf(err, errlen, "%s: tensor '%s' has %d dims [%ld, %ld], expected [%zu, %zu] from config.json", dir, t->name, t->ndim,
                     t->shape[0], t->ndim > 1 ? t->shape[1] : 0L, nd == 1 ? s[k].cols : s[k].rows, nd == 1 ? (size_t)0 : s[k].cols);
            goto done;
        }
        buf = reallocCheck(buf, sizeof(double) * t->count);
        if (st_read(&st[f - 1], t, buf, err, errlen)) goto done;
        for (size_t i = 0; i < t->count; i++) s[k].dst[i] = (real)buf[i];
    }
    for (int f = 0; f < nf; f++)   /* anything else is another architecture: say so */
        for (int i = 0; i < st[f].n; i++) {
            const char *name = st[f].t[i].name;
            int ours = strstr(name, "rotary_emb.inv_freq") != NULL || (m->s.tied && strcmp(name, "lm_head.weight") == 0);
            for (int k = 0; k < n && !ours; k++) ours = strcmp(name, s[k].hf) == 0;
            if (!ours) { snprintf(err, errlen, "%s: tensor '%s' is not part of this model (config.json: biases, tied head?)", st[f].path, name); goto done; }
        }
    rc = 0;
done:
    for (int f = 0; f < nf; f++) st_close(&st[f]);
    free(st); free(s); free(buf);
    return rc;
}

int llama_save(Llama *m, const char *path, char *err, size_t errlen) {
    compute_host_access();   /* the weights are read on the host */
    Slot *s = mallocCheck(sizeof(Slot) * (size_t)MAX_SLOTS(m));
    const int n = slots(m, s);
    StOut *o = mallocCheck(sizeof(StOut) * (size_t)n);
    float **data = mallocCheck(sizeof(float *) * (size_t)n);
    for (int k = 0; k < n; k++) {
        const size_t count = s[k].rows * s[k].cols;
        data[k] = mallocCheck(sizeof(float) * count);
        for (size_t i = 0; i < count; i++) data[k][i] = (float)s[k].dst[i];
        o[k] = (StOut){ s[k].hf, data[k], s[k].rows == 1 ? 1 : 2, { 0 } };
        if (s[k].rows == 1) o[k].shape[0] = (long)s[k].cols;
        else { o[k].shape[0] = (long)s[k].rows; o[k].shape[1] = (long)s[k].cols; }
    }
    int rc = st_write(path, o, n, "{\"format\":\"pt\",\"writer\":\"loft-harness\"}", err, errlen);
    for (int k = 0; k < n; k++) free(data[k]);
    free(data); free(o); free(s);
    return rc;
}

/* ---- PEFT adapters ---- */
static const char *module_prefix(int j) { return j < 4 ? "self_attn" : "mlp"; }

/* the first adapted layer (its kind, rank) and which modules carry adapters; 0 when none */
static int adapted(const Llama *m, int use[LLAMA_NMOD], AdaptedLinear *first) {
    int any = 0;
    for (int j = 0; j < LLAMA_NMOD; j++) {
        use[j] = m->lin[0][j].kind != ADAPT_NONE;
        if (use[j] && !any) { *first = m->lin[0][j]; any = 1; }
    }
    return any;
}

int llama_adapter_save(Llama *m, const char *dir, const char *base, double alpha, int rslora, char *err, size_t errlen) {
    int use[LLAMA_NMOD];
    AdaptedLinear first = { 0 };
    if (!adapted(m, use, &first)) { snprintf(err, errlen, "save adapter: the model carries no adapter (method adamw?)"); return -1; }
    char path[1100];
    snprintf(path, sizeof path, "%s/adapter_config.json", dir);
    FILE *f = fopen(path, "w");
    if (!f) { snprintf(err, errlen, "%s: cannot write", path); return -1; }
    fprintf(f, "{\n  \"peft_type\": \"LORA\",\n  \"task_type\": \"CAUSAL_LM\",\n  \"base_model_name_or_path\": \"");
    for (const char *c = base; *c; c++) fprintf(f, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
    fprintf(f, "\",\n  \"r\": %d,\n  \"lora_alpha\": %.17g,\n  \"lora_dropout\": 0.0,\n  \"target_modules\": [", first.r, alpha);
    for (int j = 0, k = 0; j < LLAMA_NMOD; j++) if (use[j]) fprintf(f, "%s\"%s\"", k++ ? ", " : "", LLAMA_MODULES[j]);
    fprintf(f, "],\n  \"bias\": \"none\",\n  \"fan_in_fan_out\": false,\n  \"use_rslora\": %s,\n  \"use_dora\": %s,\n"
               "  \"inference_mode\": true\n}\n", rslora ? "true" : "false", first.kind == ADAPT_DORA ? "true" : "false");
    if (fclose(f)) { snprintf(err, errlen, "%s: write failed", path); return -1; }
    compute_host_access();
    const int per = first.kind == ADAPT_DORA ? 3 : 2, max = m->s.depth * LLAMA_NMOD * per;
    StOut *o = mallocCheck(sizeof(StOut) * (size_t)max);
    char (*names)[160] = mallocCheck(sizeof(*names) * (size_t)max);
    float **data = mallocCheck(sizeof(float *) * (size_t)max);
    int n = 0;
    for (int l = 0; l < m->s.depth; l++)
        for (int j = 0; j < LLAMA_NMOD; j++) {
            const AdaptedLinear *L = &m->lin[l][j];
            if (L->kind == ADAPT_NONE) continue;
            const struct { const char *tail; const real *src; long rows, cols; } t[3] = {
                { "lora_A.weight", L->A, L->r, L->in }, { "lora_B.weight", L->B, L->out, L->r }, { "lora_magnitude_vector", L->mag, 1, L->out } };
            for (int k = 0; k < per; k++) {
                const size_t count = (size_t)t[k].rows * t[k].cols;
                snprintf(names[n], sizeof names[0], "base_model.model.model.layers.%d.%s.%s.%s", l, module_prefix(j), LLAMA_MODULES[j], t[k].tail);
                data[n] = mallocCheck(sizeof(float) * count);
                for (size_t i = 0; i < count; i++) data[n][i] = (float)t[k].src[i];
                o[n] = (StOut){ names[n], data[n], k == 2 ? 1 : 2, { k == 2 ? t[k].cols : t[k].rows, t[k].cols } };
                n++;
            }
        }
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    int rc = st_write(path, o, n, "{\"format\":\"pt\"}", err, errlen);
    for (int k = 0; k < n; k++) free(data[k]);
    free(data); free(names); free(o);
    return rc;
}

int llama_adapter_load(Llama *m, const char *dir, double *alpha, char *err, size_t errlen) {
    int use[LLAMA_NMOD];
    AdaptedLinear first = { 0 };
    if (!adapted(m, use, &first)) { snprintf(err, errlen, "load adapter: the run adds no adapter to load into (method adamw?)"); return -1; }
    char path[1100];
    snprintf(path, sizeof path, "%s/adapter_config.json", dir);
    JsonValue j;
    if (json_read_file(path, &j, err, errlen)) return -1;
    const JsonValue *r = num_key(&j, "r"), *a = num_key(&j, "lora_alpha"), *tm = json_get(&j, "target_modules");
    const int dora = bool_key(&j, "use_dora", 0);
    int rc = -1, want[LLAMA_NMOD] = { 0 };
    for (size_t k = 0; tm && tm->type == JSON_ARR && k < tm->len; k++)
        for (int i = 0; i < LLAMA_NMOD; i++)
            if (tm->items[k].type == JSON_STR && strcmp(tm->items[k].str, LLAMA_MODULES[i]) == 0) want[i] = 1;
    if (!r || (int)r->num != first.r || dora != (first.kind == ADAPT_DORA) || memcmp(want, use, sizeof want) != 0) {
        snprintf(err, errlen, "%s: r = %d, use_dora = %d and target_modules must match the run's adapters (rank %d, %s, "
                 "llama_target_modules)", path, r ? (int)r->num : -1, dora, first.r, first.kind == ADAPT_DORA ? "DoRA" : "LoRA");
        json_free(&j);
        return -1;
    }
    *alpha = a ? a->num : 8;
    json_free(&j);
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    Safetensors st;
    if (st_open(&st, path, err, errlen)) return -1;
    compute_host_access();
    double *buf = NULL;
    for (int l = 0; l < m->s.depth; l++)
        for (int i = 0; i < LLAMA_NMOD; i++) {
            AdaptedLinear *L = &m->lin[l][i];
            if (L->kind == ADAPT_NONE) continue;
            const struct { const char *tail; real *dst; size_t count; } t[3] = {
                { "lora_A.weight", L->A, (size_t)L->r * L->in }, { "lora_B.weight", L->B, (size_t)L->out * L->r },
                { "lora_magnitude_vector", L->mag, (size_t)L->out } };
            for (int k = 0; k < (L->kind == ADAPT_DORA ? 3 : 2); k++) {
                char name[160];
                snprintf(name, sizeof name, "base_model.model.model.layers.%d.%s.%s.%s", l, module_prefix(i), LLAMA_MODULES[i], t[k].tail);
                const StTensor *s = st_find(&st, name);
                if (!s || s->count != t[k].count) {
                    snprintf(err, errlen, "%s: tensor '%s' %s", path, name, s ? "has the wrong size" : "missing");
                    goto done;
                }
                buf = reallocCheck(buf, sizeof(double) * s->count);
                if (st_read(&st, s, buf, err, errlen)) goto done;
                for (size_t e = 0; e < s->count; e++) t[k].dst[e] = (real)buf[e];
            }
        }
    rc = 0;
done:
    free(buf);
    st_close(&st);
    return rc;
}

real *llama_hf_tensor(Llama *m, const char *hf, size_t *count) {
    Slot *s = mallocCheck(sizeof(Slot) * (size_t)MAX_SLOTS(m));
    const int n = slots(m, s);
    real *p = NULL;
    for (int k = 0; k < n && !p; k++)
        if (strcmp(s[k].hf, hf) == 0) { p = s[k].dst; *count = s[k].rows * s[k].cols; }
    free(s);
    return p;
}
