/* Whole-file reads, copies, mkdir -p, and running a program without a shell. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../check.h"
#include "files.h"

unsigned char *file_read_all(const char *path, size_t *n, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(err, errlen, "%s: cannot open", path); return NULL; }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *t = mallocCheck((size_t)(sz > 0 ? sz : 0) + 1);
    *n = sz > 0 ? fread(t, 1, (size_t)sz, f) : 0;
    fclose(f);
    t[*n] = 0;
    return t;
}

int make_dirs(const char *dir) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') { *p = 0; mkdir(buf, 0755); *p = '/'; }
    return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int file_copy(const char *from, const char *to, char *err, size_t errlen) {
    size_t n;
    unsigned char *t = file_read_all(from, &n, err, errlen);
    if (!t) return -1;
    FILE *f = fopen(to, "wb");
    int ok = f && fwrite(t, 1, n, f) == n;
    if (f) ok = fclose(f) == 0 && ok;
    free(t);
    if (!ok) { snprintf(err, errlen, "%s: cannot write", to); return -1; }
    return 0;
}

int program_run(char *const argv[], const char *package) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "error: cannot run %s (install %s)\n", argv[0], package);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
