/* Regex splits with PCRE2 (UTF + UCP, JIT-compiled where the platform allows). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "pretok.h"

const char PRETOK_GPT2[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

int utf8_char_len(const unsigned char *t, size_t n) {
    unsigned c = t[0];
    if (c < 0x80) return 1;
    int k = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!k || (size_t)k > n) return 0;
    for (int i = 1; i < k; i++) if ((t[i] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && t[1] < 0xA0) return 0;                   /* overlong */
    if (c == 0xED && t[1] >= 0xA0) return 0;                  /* U+D800..U+DFFF */
    if (c == 0xF0 && t[1] < 0x90) return 0;                   /* overlong */
    if (c == 0xF4 && t[1] >= 0x90) return 0;                  /* past U+10FFFF */
    return k;
}

int pretok_add(Pretok *p, const char *pattern, char *err, size_t errlen) {
    if (p->nsteps == PRETOK_MAX_STEPS) { snprintf(err, errlen, "more than %d pre-tokenizer splits", PRETOK_MAX_STEPS); return -1; }
    int code;
    PCRE2_SIZE at;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &code, &at, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "pre-tokenizer regex '%s': %s at offset %zu", pattern, (const char *)msg, (size_t)at);
        return -1;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);   /* the interpreter matches the same where JIT is missing */
    p->code[p->nsteps++] = re;
    return 0;
}

static void push(Span **s, size_t *cap, size_t *n, size_t at, size_t len, int raw) {
    if (*n == *cap) { *cap = *cap ? 2 * *cap : 64; *s = reallocCheck(*s, sizeof(Span) * *cap); }
    (*s)[(*n)++] = (Span){ at, len, raw };
}

/* the pieces of one UTF-8 span by re, appended to out */
static void split_span(const pcre2_code *re, pcre2_match_data *md, const unsigned char *text, Span sp, Span **out,
                       size_t *cap, size_t *n) {
    const unsigned char *s = text + sp.at;
    size_t pos = 0, from = 0;
    while (from < sp.len) {
        int rc = pcre2_match(re, s, sp.len, from, PCRE2_NO_UTF_CHECK, md, NULL);
        if (rc < 0) break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (ov[1] == ov[0]) {   /* an empty match: no piece, go on one character later */
            from = ov[0] + (size_t)utf8_char_len(s + ov[0], sp.len - ov[0]);
            continue;
        }
        if (ov[0] > pos) push(out, cap, n, sp.at + pos, ov[0] - pos, 0);
        push(out, cap, n, sp.at + ov[0], ov[1] - ov[0], 0);
        pos = from = ov[1];
    }
    if (pos < sp.len) push(out, cap, n, sp.at + pos, sp.len - pos, 0);
}

size_t pretok_split(const Pretok *p, const unsigned char *text, size_t n, Span **pieces, size_t *cap) {
    size_t cnt = 0;
    for (size_t i = 0; i < n;) {   /* valid UTF-8 runs, and each invalid byte alone */
        size_t j = i;
        int k;
        while (j < n && (k = utf8_char_len(text + j, n - j)) > 0) j += (size_t)k;
        if (j > i) push(pieces, cap, &cnt, i, j - i, 0);
        if (j < n) push(pieces, cap, &cnt, j, 1, 1), j++;
        i = j;
    }
    if (p->nsteps == 0) return cnt;
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    Span *next = NULL;
    size_t ncap = 0;
    for (int st = 0; st < p->nsteps; st++) {
        size_t m = 0;
        for (size_t k = 0; k < cnt; k++) {
            if ((*pieces)[k].raw) push(&next, &ncap, &m, (*pieces)[k].at, 1, 1);
            else split_span(p->code[st], md, text, (*pieces)[k], &next, &ncap, &m);
        }
        Span *t = *pieces; *pieces = next; next = t;   /* swap the buffers */
        size_t tc = *cap; *cap = ncap; ncap = tc;
        cnt = m;
    }
    free(next);
    pcre2_match_data_free(md);
    return cnt;
}

void pretok_free(Pretok *p) {
    for (int i = 0; i < p->nsteps; i++) pcre2_code_free(p->code[i]);
    memset(p, 0, sizeof *p);
}
