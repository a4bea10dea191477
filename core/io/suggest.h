/* "Did you mean": the name closest to a misspelt one among the names a lookup knows (config keys,
   enum choices, experiment{} fields, an experiment file's names), by edit distance: insertions,
   deletions, substitutions and swaps of two neighbours cost 1 each (rnak -> rank is 1). Header-only
   and precision-free: the config reader (io/config.c) and the Lua layer (lua/lua_experiment.c)
   share it. Usage: suggest_begin, suggest_offer each known name, then suggest_best. */
#ifndef LOFT_SUGGEST_H
#define LOFT_SUGGEST_H
#include <stdio.h>
#include <string.h>

#define SUGGEST_MAX 64   /* longer names are never suggested, nor compared */

/* the edit distance between a (la bytes) and b (lb bytes); SUGGEST_MAX + 1 when either is longer
   than SUGGEST_MAX */
static inline int suggest_distance(const char *a, size_t la, const char *b, size_t lb) {
    if (la > SUGGEST_MAX || lb > SUGGEST_MAX) return SUGGEST_MAX + 1;
    int rows[3][SUGGEST_MAX + 1];   /* rows i-2, i-1, i of the (la+1) x (lb+1) table, cycled */
    for (size_t j = 0; j <= lb; j++) rows[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int *cur = rows[i % 3], *prev = rows[(i - 1) % 3], *prev2 = rows[(i + 1) % 3];
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]), del = prev[j] + 1, ins = cur[j - 1] + 1;
            int d = sub < del ? sub : del;
            if (ins < d) d = ins;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d) d = prev2[j - 2] + 1;
            cur[j] = d;
        }
    }
    return rows[la % 3][lb];
}

/* the closest name offered so far to word */
typedef struct {
    const char *word;
    size_t len;
    int dist;                    /* SUGGEST_MAX + 1 until a name is offered */
    char best[SUGGEST_MAX + 1];
} Suggest;

static inline void suggest_begin(Suggest *s, const char *word) {
    s->word = word;
    s->len = strlen(word);
    s->dist = SUGGEST_MAX + 1;
    s->best[0] = 0;
}

/* offers a known name of n bytes (not necessarily NUL-terminated); the first of equally close names wins */
static inline void suggest_offer(Suggest *s, const char *name, size_t n) {
    int d = suggest_distance(s->word, s->len, name, n);
    if (d >= s->dist || d == 0) return;   /* d == 0: the word itself is no suggestion */
    s->dist = d;
    memcpy(s->best, name, n);
    s->best[n] = 0;
}

/* offers every name of a list separated by sep ("a|b|c") */
static inline void suggest_offer_list(Suggest *s, const char *list, char sep) {
    while (*list) {
        const char *end = strchr(list, sep);
        size_t n = end ? (size_t)(end - list) : strlen(list);
        if (n) suggest_offer(s, list, n);
        list += n + (end ? 1 : 0);
    }
}

/* the closest name when it is close enough to be the one meant (at most 1 edit for a word of up to
   4 characters, 2 up to 8, 3 beyond, and fewer edits than the name is long), else NULL */
static inline const char *suggest_best(const Suggest *s) {
    int limit = s->len <= 4 ? 1 : s->len <= 8 ? 2 : 3;
    if (!s->best[0] || s->dist > limit || (size_t)s->dist >= strlen(s->best)) return NULL;
    return s->best;
}

/* "; did you mean 'x'?" into buf (n bytes) when a close name was offered, else "" */
static inline const char *suggest_hint(const Suggest *s, char *buf, size_t n) {
    const char *b = suggest_best(s);
    if (b) snprintf(buf, n, "; did you mean '%s'?", b);
    else if (n) buf[0] = 0;
    return buf;
}
#endif
