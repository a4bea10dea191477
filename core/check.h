/* Error-reporting helpers shared by the whole core: allocation checks that name file:line, and
   a fatal-error printer. No globals. */
#ifndef LOFT_CHECK_H
#define LOFT_CHECK_H
#include <stdio.h>
#include <stdlib.h>

static inline void *malloc_check(size_t size, const char *file, int line) {
    void *p = calloc(1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "error: out of memory allocating %zu bytes at %s:%d\n", size, file, line);
        exit(EXIT_FAILURE);
    }
    return p;
}
/* zero-initialised allocation that exits with file:line on failure */
#define mallocCheck(size) malloc_check((size), __FILE__, __LINE__)

static inline void *realloc_check(void *old, size_t size, const char *file, int line) {
    void *p = realloc(old, size ? size : 1);
    if (!p) {
        fprintf(stderr, "error: out of memory reallocating %zu bytes at %s:%d\n", size, file, line);
        exit(EXIT_FAILURE);
    }
    return p;
}
/* realloc that exits with file:line on failure (new bytes are not zeroed) */
#define reallocCheck(old, size) realloc_check((old), (size), __FILE__, __LINE__)

#define LOFT_FATAL(...) do { fprintf(stderr, "error: " __VA_ARGS__); \
    fprintf(stderr, " (%s:%d)\n", __FILE__, __LINE__); exit(EXIT_FAILURE); } while (0)

#endif
