/* Resume checkpoints of runs (resume.h): the writer, the checker and the loader of one file
   format, each a walk over the run's state (state_walk.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/resume.h"

static const char MAGIC[] = "LOFT-RESUME 1\n";
#define END_MARK 0xffffffffu
#define NAME_MAX_LEN 4096

static uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; }
    return h;
}
#define FNV_START 1469598103934665603ull

int resume_path(const char *run_file, char *out, size_t n) {
    const size_t len = strlen(run_file);
    size_t stem = 0;
    if (len > 8 && strcmp(run_file + len - 8, ".h5.part") == 0) stem = len - 8;   /* a Slurm task's */
    else if (len > 3 && strcmp(run_file + len - 3, ".h5") == 0) stem = len - 3;
    else return -1;
    return (size_t)snprintf(out, n, "%.*s.resume", (int)stem, run_file) >= n ? -1 : 0;
}

/* ---- writing ---- */

typedef struct { FILE *f; uint64_t hash; int failed; } Writer;

static void put(Writer *wr, const void *p, size_t n) {
    if (wr->failed || !n) return;
    if (fwrite(p, 1, n, wr->f) != n) { wr->failed = 1; return; }
    wr->hash = fnv1a(wr->hash, p, n);
}

static void save_piece(StateWalk *w, const char *name, void *p, size_t n) {
    Writer *wr = w->ctx;
    const uint32_t len = (uint32_t)strlen(name);
    const uint64_t bytes = n;
    put(wr, &len, sizeof len);
    put(wr, name, len);
    put(wr, &bytes, sizeof bytes);
    put(wr, p, n);
}

int resume_save(const char *path, const char *identity, ResumeWalkFn fn, void *ctx, char *err, size_t errlen) {
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= sizeof tmp) {
        snprintf(err, errlen, "%s: path too long for a checkpoint", path);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        snprintf(err, errlen, "%s: cannot write a checkpoint (%s)", tmp, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    Writer wr = { f, FNV_START, 0 };
    put(&wr, MAGIC, sizeof MAGIC - 1);
    const uint64_t idlen = strlen(identity);
    put(&wr, &idlen, sizeof idlen);
    put(&wr, identity, idlen);
    StateWalk w = { 0, save_piece, &wr };
    fn(ctx, &w);
    const uint32_t end = END_MARK;
    put(&wr, &end, sizeof end);
    const uint64_t hash = wr.hash;
    put(&wr, &hash, sizeof hash);
    int ok = !wr.failed && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: writing the checkpoint failed (%s; full disk?)", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---- reading ---- */

typedef struct {
    FILE *f;
    uint64_t hash;
    int failed;          /* a short read, a bad record, or a piece that does not match the walk */
    char *why;
    size_t whylen;
    const char *path;
    char *name;          /* (NAME_MAX_LEN + 1) the record being read */
} Reader;

static void fail(Reader *rd, const char *fmt, const char *a, unsigned long long x, unsigned long long y) {
    if (rd->failed) return;
    rd->failed = 1;
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a, x, y);
    snprintf(rd->why, rd->whylen, "%s: %s", rd->path, msg);
}

static int get(Reader *rd, void *p, size_t n) {
    if (rd->failed) return -1;
    if (fread(p, 1, n, rd->f) != n) { fail(rd, "the checkpoint ends early%s", "", 0, 0); return -1; }
    rd->hash = fnv1a(rd->hash, p, n);
    return 0;
}

/* the next record's name (into rd->name) and byte count; 1: a record, 0: the end mark, -1: bad */
static int record_head(Reader *rd, uint64_t *bytes) {
    uint32_t len;
    if (get(rd, &len, sizeof len)) return -1;
    if (len == END_MARK) return 0;
    if (len > NAME_MAX_LEN) { fail(rd, "a record name of %s%llu bytes (damaged file)", "", len, 0); return -1; }
    if (get(rd, rd->name, len)) return -1;
    rd->name[len] = 0;
    return get(rd, bytes, sizeof *bytes) ? -1 : 1;
}

/* the bytes of a record read (into p) or skipped (p NULL), through the hash */
static int record_body(Reader *rd, void *p, uint64_t bytes) {
    char buf[1 << 16];
    while (bytes > 0) {
        const size_t k = bytes < sizeof buf ? (size_t)bytes : sizeof buf;
        if (get(rd, p ? p : buf, k)) return -1;
        if (p) p = (char *)p + k;
        bytes -= k;
    }
    return 0;
}

/* opens the file and reads its header: 1 when its identity is `identity`, 0 when another (why
   says so), -1 when it is not a checkpoint */
static int open_checked(Reader *rd, const char *identity) {
    char magic[sizeof MAGIC - 1];
    uint64_t idlen;
    if (get(rd, magic, sizeof magic) || memcmp(magic, MAGIC, sizeof magic) != 0) {
        rd->failed = 0;
        fail(rd, "not a resume checkpoint of this version%s", "", 0, 0);
        return -1;
    }
    if (get(rd, &idlen, sizeof idlen)) return -1;
    if (idlen != strlen(identity)) goto other;
    char *id = malloc(idlen + 1);
    int same = get(rd, id, idlen) == 0 && memcmp(id, identity, idlen) == 0;
    free(id);
    if (rd->failed) return -1;
    if (same) return 1;
other:
    snprintf(rd->why, rd->whylen, "%s was written for another config or another revision of the code", rd->path);
    return 0;
}

/* the trailer after the end mark: the hash of everything before it, and nothing after */
static int trailer_ok(Reader *rd) {
    const uint64_t want = rd->hash;
    uint64_t got;
    char extra;
    if (rd->failed || fread(&got, 1, sizeof got, rd->f) != sizeof got) { fail(rd, "the checkpoint ends early%s", "", 0, 0); return 0; }
    if (got != want || fread(&extra, 1, 1, rd->f) != 0) { fail(rd, "the checkpoint's hash does not match its contents%s (damaged file)", "", 0, 0); return 0; }
    return 1;
}

static void load_piece(StateWalk *w, const char *name, void *p, size_t n) {
    Reader *rd = w->ctx;
    uint64_t bytes = 0;
    if (rd->failed) return;
    int r = record_head(rd, &bytes);
    if (r == 0) { fail(rd, "the checkpoint has no piece '%s' (the run walks more pieces than the file holds)", name, 0, 0); return; }
    if (r < 0) return;
    if (strcmp(rd->name, name) != 0) { fail(rd, "the checkpoint has another piece where '%s' was expected", name, 0, 0); return; }
    if (bytes != n) { fail(rd, "piece '%s' holds %llu bytes, the run has %llu", name, bytes, n); return; }
    record_body(rd, p, bytes);
}

int resume_load(const char *path, const char *identity, ResumeWalkFn fn, void *ctx, char *why, size_t n) {
    why[0] = 0;
    char name[NAME_MAX_LEN + 1];
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        if (errno != ENOENT) snprintf(why, n, "%s: cannot be read (%s)", path, strerror(errno));
        return errno == ENOENT ? 0 : -1;
    }
    /* the check: the whole file, its structure and its hash, before anything is overwritten */
    Reader rd = { f, FNV_START, 0, why, n, path, name };
    int head = open_checked(&rd, identity), r = 0;
    uint64_t bytes;
    if (head == 1) {
        while ((r = record_head(&rd, &bytes)) == 1 && record_body(&rd, NULL, bytes) == 0) {}
        if (r == 0) trailer_ok(&rd);
    }
    if (head != 1 || rd.failed) { fclose(f); return head == 0 ? 0 : -1; }
    /* the load */
    rewind(f);
    rd.hash = FNV_START;
    open_checked(&rd, identity);
    StateWalk w = { 1, load_piece, &rd };
    fn(ctx, &w);
    if (!rd.failed && record_head(&rd, &bytes) != 0)
        fail(&rd, "the checkpoint has more pieces than the run walks (first: '%s')", rd.name, 0, 0);
    fclose(f);
    return rd.failed ? -1 : 1;
}
