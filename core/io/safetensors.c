/* Reading and writing safetensors files. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "json.h"
#include "safetensors.h"

#define ST_MAX_HEADER (100u << 20)   /* the format's own limit on the header (100 MB) */

static size_t dtype_bytes(const char *d) {
    if (strcmp(d, "F64") == 0) return 8;
    if (strcmp(d, "F32") == 0) return 4;
    if (strcmp(d, "F16") == 0 || strcmp(d, "BF16") == 0) return 2;
    return 0;
}

int st_open(Safetensors *s, const char *path, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    if (!(s->f = fopen(path, "rb"))) { snprintf(err, errlen, "%s: cannot open", path); return -1; }
    unsigned char l8[8];
    fseek(s->f, 0, SEEK_END);
    long fsize = ftell(s->f);
    fseek(s->f, 0, SEEK_SET);
    if (fread(l8, 1, 8, s->f) != 8) { snprintf(err, errlen, "%s: shorter than the 8-byte header length", path); goto fail; }
    uint64_t hl = 0;
    for (int k = 7; k >= 0; k--) hl = hl << 8 | l8[k];
    if (hl > ST_MAX_HEADER || 8 + hl > (uint64_t)fsize) {
        snprintf(err, errlen, "%s: header length %llu does not fit the file (%ld bytes): not a safetensors file?", path,
                 (unsigned long long)hl, fsize);
        goto fail;
    }
    char *h = mallocCheck(hl + 1);
    if (fread(h, 1, hl, s->f) != hl) { free(h); snprintf(err, errlen, "%s: truncated header", path); goto fail; }
    JsonValue j;
    char e[512];
    int rc = json_parse(h, hl, &j, e, sizeof e);
    free(h);
    if (rc) { snprintf(err, errlen, "%s: header: %s", path, e); goto fail; }
    if (j.type != JSON_OBJ) { json_free(&j); snprintf(err, errlen, "%s: header: expected a JSON object", path); goto fail; }
    s->data_start = 8 + hl;
    s->t = mallocCheck(sizeof(StTensor) * (j.len + 1));
    for (size_t k = 0; k < j.len; k++) {
        if (strcmp(j.keys[k], "__metadata__") == 0) continue;
        const JsonValue *v = &j.items[k], *dt = json_get(v, "dtype"), *sh = json_get(v, "shape"), *off = json_get(v, "data_offsets");
        StTensor *t = &s->t[s->n];
        snprintf(t->name, sizeof t->name, "%s", j.keys[k]);
        if (!dt || dt->type != JSON_STR || !dtype_bytes(dt->str)) {
            snprintf(err, errlen, "%s: tensor '%s': dtype %s not supported (expected F64, F32, F16 or BF16)", path, t->name,
                     dt && dt->type == JSON_STR ? dt->str : "(missing)");
            json_free(&j); goto fail;
        }
        snprintf(t->dtype, sizeof t->dtype, "%s", dt->str);
        if (!sh || sh->type != JSON_ARR || sh->len > ST_MAX_DIMS || !off || off->type != JSON_ARR || off->len != 2) {
            snprintf(err, errlen, "%s: tensor '%s': expected a shape array (at most %d dims) and data_offsets [begin, end]", path, t->name, ST_MAX_DIMS);
            json_free(&j); goto fail;
        }
        if (strlen(j.keys[k]) >= sizeof t->name || st_find(s, j.keys[k])) {
            snprintf(err, errlen, "%s: tensor name '%.80s' is %s", path, j.keys[k],
                     strlen(j.keys[k]) >= sizeof t->name ? "too long" : "given twice");
            json_free(&j); goto fail;
        }
        t->ndim = (int)sh->len;
        t->count = 1;
        int whole = 1;
        for (int d = 0; d < t->ndim; d++) {   /* non-negative integers whose product cannot overflow */
            double v = sh->items[d].num;
            whole &= sh->items[d].type == JSON_NUM && v >= 0 && v <= 1e12 && v == floor(v);
            t->shape[d] = whole ? (long)v : 0;
            if (whole && t->shape[d] && t->count > ((size_t)1 << 40) / (size_t)t->shape[d]) whole = 0;
            t->count *= (size_t)t->shape[d];
        }
        for (int e2 = 0; e2 < 2; e2++) {
            double v = off->items[e2].num;
            whole &= off->items[e2].type == JSON_NUM && v >= 0 && v <= 1e15 && v == floor(v);
        }
        if (!whole) {
            snprintf(err, errlen, "%s: tensor '%s': shape and data_offsets must be non-negative integers (and at most 2^40 numbers)",
                     path, t->name);
            json_free(&j); goto fail;
        }
        t->begin = (size_t)off->items[0].num;
        t->end = (size_t)off->items[1].num;
        if (t->end < t->begin || t->end - t->begin != t->count * dtype_bytes(t->dtype) || s->data_start + t->end > (size_t)fsize) {
            snprintf(err, errlen, "%s: tensor '%s': data_offsets [%zu, %zu] do not match its shape and dtype or the file size", path,
                     t->name, t->begin, t->end);
            json_free(&j); goto fail;
        }
        s->n++;
    }
    json_free(&j);
    for (int a = 0; a < s->n; a++)   /* the tensors' byte ranges may not overlap */
        for (int b = a + 1; b < s->n; b++)
            if (s->t[a].begin < s->t[b].end && s->t[b].begin < s->t[a].end) {
                snprintf(err, errlen, "%s: tensors '%s' [%zu, %zu] and '%s' [%zu, %zu] overlap in the data section", path,
                         s->t[a].name, s->t[a].begin, s->t[a].end, s->t[b].name, s->t[b].begin, s->t[b].end);
                goto fail;
            }
    return 0;
fail:
    st_close(s);
    return -1;
}

const StTensor *st_find(const Safetensors *s, const char *name) {
    for (int k = 0; k < s->n; k++) if (strcmp(s->t[k].name, name) == 0) return &s->t[k];
    return NULL;
}

static double half_to_double(uint16_t h) {
    int e = h >> 10 & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
    return h >> 15 ? -v : v;
}

int st_read(const Safetensors *s, const StTensor *t, double *out, char *err, size_t errlen) {
    size_t nb = t->end - t->begin, w = dtype_bytes(t->dtype);
    unsigned char *buf = mallocCheck(nb);
    if (fseek(s->f, (long)(s->data_start + t->begin), SEEK_SET) || fread(buf, 1, nb, s->f) != nb) {
        free(buf);
        snprintf(err, errlen, "%s: tensor '%s': read failed", s->path, t->name);
        return -1;
    }
    for (size_t i = 0; i < t->count; i++) {
        const unsigned char *p = buf + i * w;
        uint64_t u = 0;
        for (size_t k = w; k-- > 0;) u = u << 8 | p[k];   /* little-endian */
        if (w == 8) { double d; memcpy(&d, &u, 8); out[i] = d; }
        else if (w == 4) { uint32_t u32 = (uint32_t)u; float f; memcpy(&f, &u32, 4); out[i] = f; }
        else if (strcmp(t->dtype, "BF16") == 0) { uint32_t u32 = (uint32_t)u << 16; float f; memcpy(&f, &u32, 4); out[i] = f; }
        else out[i] = half_to_double((uint16_t)u);
        if (!isfinite(out[i])) {
            free(buf);
            snprintf(err, errlen, "%s: tensor '%s' holds a non-finite number at index %zu", s->path, t->name, i);
            return -1;
        }
    }
    free(buf);
    return 0;
}

void st_close(Safetensors *s) {
    if (s->f) fclose(s->f);
    free(s->t);
    s->f = NULL;
    s->t = NULL;
    s->n = 0;
}

int st_write(const char *path, const StOut *t, int n, const char *metadata, char *err, size_t errlen) {
    size_t cap = 4096 + (size_t)n * 512 + (metadata ? strlen(metadata) : 0), len = 0, off = 0;
    char *h = mallocCheck(cap);
    len += (size_t)snprintf(h + len, cap - len, "{");
    if (metadata) len += (size_t)snprintf(h + len, cap - len, "\"__metadata__\":%s", metadata);
    for (int k = 0; k < n; k++) {
        size_t count = 1;
        len += (size_t)snprintf(h + len, cap - len, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[", k || metadata ? "," : "", t[k].name);
        for (int d = 0; d < t[k].ndim; d++) {
            len += (size_t)snprintf(h + len, cap - len, "%s%ld", d ? "," : "", t[k].shape[d]);
            count *= (size_t)t[k].shape[d];
        }
        len += (size_t)snprintf(h + len, cap - len, "],\"data_offsets\":[%zu,%zu]}", off, off + 4 * count);
        off += 4 * count;
    }
    len += (size_t)snprintf(h + len, cap - len, "}");
    while (len % 8) h[len++] = ' ';   /* the data section starts 8-byte aligned */
    FILE *f = fopen(path, "wb");
    if (!f) { free(h); snprintf(err, errlen, "%s: cannot write", path); return -1; }
    unsigned char l8[8];
    for (int k = 0; k < 8; k++) l8[k] = (unsigned char)((uint64_t)len >> (8 * k));
    int ok = fwrite(l8, 1, 8, f) == 8 && fwrite(h, 1, len, f) == len;
    for (int k = 0; k < n && ok; k++) {
        size_t count = 1;
        for (int d = 0; d < t[k].ndim; d++) count *= (size_t)t[k].shape[d];
        ok = fwrite(t[k].data, sizeof(float), count, f) == count;   /* x86-64 floats are little-endian F32 */
    }
    ok = fclose(f) == 0 && ok;
    free(h);
    if (!ok) { snprintf(err, errlen, "%s: write failed (disk full?)", path); return -1; }
    return 0;
}
