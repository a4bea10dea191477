/* The results store (core/store/) on its own: batched merges that replace exactly the runs they
   carry, run files that must prove their id (else quarantined), interrupted reruns that never
   replace a finished run, the file's mode kept, a symlinked results file resolved once, planted
   symlinks never followed (lock file, run files), paths never cut, the batch policy of
   store_add, and the stored-state / config-diff queries the sweep decides by. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check_util.h"
#include "io/config.h"
#include "io/files.h"
#include "io/h5attr.h"
#include "io/h5log.h"
#include "io/h5results.h"
#include "store/store.h"

static char T[256];

/* a finished run file for run id (status given), its config the default one with steps */
static void run_file(const char *path, const char *id, const char *status, int steps) {
    char err[512];
    const char *cols[] = { "step", "loss" };
    H5Run *r = h5run_begin(path, id, cols, 2, err, sizeof err);
    CHECK(r != NULL, "h5run_begin %s: %s", path, err);
    if (!r) return;
    RunConfig c;
    config_defaults(&c);
    c.steps = steps;
    char yaml[8192];
    config_to_yaml(&c, yaml, sizeof yaml);
    h5run_attr_str(r, "config", yaml);
    h5run_attr_str(r, "label", "x");
    for (int k = 0; k < 3; k++) { double row[2] = { k, 1.0 / (k + 1) }; h5run_append(r, row); }
    h5run_end(r, status, 0.1);
}

/* a run file whose run_id attribute is id_attr, holding the group /runs/<group> */
static void forged_file(const char *path, const char *id_attr, const char *group) {
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    h5attr_set_str(f, "run_id", id_attr);
    char g[300];
    snprintf(g, sizeof g, "/runs/%s", group);
    hid_t lcpl = h5attr_lcpl_intermediate();
    hid_t gr = H5Gcreate2(f, g, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    h5attr_set_str(gr, "status", "complete");
    H5Gclose(gr);
    H5Pclose(lcpl);
    H5Fclose(f);
}

static int count_runs(const char *results) {
    RunRecord *runs = NULL;
    int n = 0;
    char err[512];
    if (h5_read_runs(results, 0, NULL, &runs, &n, err, sizeof err) != 0) return -1;
    h5_free_runs(runs, n);
    return n;
}

static int exists(const char *p) { return access(p, F_OK) == 0; }

static void batch_and_proof(void) {
    char res[512], a[512], b[512], c[512], bad1[512], bad2[512], bad3[512], err[2048];
    snprintf(res, sizeof res, "%s/b/x.h5", T);
    snprintf(a, sizeof a, "%s/b/a.h5", T); snprintf(b, sizeof b, "%s/b/b.h5", T); snprintf(c, sizeof c, "%s/b/c.h5", T);
    snprintf(bad1, sizeof bad1, "%s/b/e.h5", T); snprintf(bad2, sizeof bad2, "%s/b/s.h5", T); snprintf(bad3, sizeof bad3, "%s/b/m.h5", T);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/b", T);
    mkdir(dir, 0755);
    run_file(a, "a", "complete", 10); run_file(b, "b", "complete", 10); run_file(c, "c", "diverged", 10);
    MergeItem it[3];
    memset(it, 0, sizeof it);
    it[0].path = a; it[0].expect_id = "a"; it[1].path = b; it[1].expect_id = "b"; it[2].path = c; it[2].expect_id = "c";
    CHECK(store_merge_files(res, it, 3, NULL, NULL, err, sizeof err) == 0, "a batch of 3 merges: %s", err);
    CHECK(it[0].outcome == MERGE_DONE && it[1].outcome == MERGE_DONE && it[2].outcome == MERGE_DONE, "each merged");
    CHECK(count_runs(res) == 3 && !exists(a) && !exists(b) && !exists(c), "3 runs stored, the run files removed");
    /* run files that do not prove what they are: empty id, '/', an id other than expected */
    forged_file(bad1, "", "a");
    forged_file(bad2, "/", "b");
    run_file(bad3, "b", "complete", 99);
    MergeItem q[3];
    memset(q, 0, sizeof q);
    q[0].path = bad1; q[1].path = bad2; q[2].path = bad3; q[2].expect_id = "a";
    store_merge_files(res, q, 3, "interrupted", NULL, err, sizeof err);
    CHECK(q[0].outcome == MERGE_QUARANTINED && q[1].outcome == MERGE_QUARANTINED && q[2].outcome == MERGE_QUARANTINED,
          "empty id, '/' and a mismatched id are quarantined (%d %d %d)", q[0].outcome, q[1].outcome, q[2].outcome);
    CHECK(count_runs(res) == 3, "no stray file removes a stored run (%d runs)", count_runs(res));
    char qd[600];
    snprintf(qd, sizeof qd, "%s/b/quarantine/e.h5", T);
    CHECK(exists(qd) && !exists(bad1), "a quarantined file is moved to quarantine/ beside it");
    CHECK(strstr(q[2].message, "is not the 'a'") != NULL, "the message says which id was expected: %s", q[2].message);
    CHECK(!store_legal_id("") && !store_legal_id("/") && !store_legal_id("..") && !store_legal_id("a/b") &&
          !store_legal_id("a\x1b[2J") && store_legal_id("lora.rank=4.seed=1"), "legal ids");
    /* a killed rerun (status running) never replaces the finished run; a finished rerun does */
    run_file(a, "a", "running", 5);
    MergeItem k1 = { .path = a, .expect_id = "a" };
    store_merge_files(res, &k1, 1, "interrupted", NULL, err, sizeof err);
    CHECK(k1.outcome == MERGE_DROPPED && !exists(a), "an interrupted rerun of a finished run is dropped");
    char diff[512];
    RunConfig cf;
    config_defaults(&cf);
    cf.steps = 10;
    char yaml[8192];
    config_to_yaml(&cf, yaml, sizeof yaml);
    CHECK(store_stored(res, "a", yaml, diff, sizeof diff) == STORED_SAME, "run a is stored with its config");
    cf.steps = 20;
    config_to_yaml(&cf, yaml, sizeof yaml);
    CHECK(store_stored(res, "a", yaml, diff, sizeof diff) == STORED_DIFFERENT && strcmp(diff, "steps: 10 stored, 20 asked") == 0,
          "another config is named key by key: '%s'", diff);
    CHECK(store_stored(res, "zz", yaml, diff, sizeof diff) == STORED_NONE, "an absent run");
    run_file(a, "a", "running", 5);
    k1.outcome = 0;
    store_merge_files(res, &k1, 1, NULL, NULL, err, sizeof err);   /* a sweep's own merge of a run file never ended */
    run_file(b, "zz", "running", 5);
    MergeItem k2 = { .path = b, .expect_id = "zz" };
    store_merge_files(res, &k2, 1, "interrupted", NULL, err, sizeof err);
    CHECK(k2.outcome == MERGE_DONE && store_stored(res, "zz", yaml, diff, sizeof diff) == STORED_UNFINISHED,
          "an interrupted run with nothing to replace is kept, as unfinished");
}

static void modes_and_links(void) {
    char dir[512], res[600], link[600], err[2048], f[700];
    snprintf(dir, sizeof dir, "%s/m", T);
    mkdir(dir, 0755);
    snprintf(res, sizeof res, "%s/real.h5", dir);
    snprintf(f, sizeof f, "%s/a.h5", dir);
    run_file(f, "a", "complete", 10);
    CHECK(h5_merge_run(res, f, NULL, err, sizeof err) == 0, "first merge: %s", err);
    chmod(res, 0440);
    run_file(f, "b", "complete", 10);
    CHECK(h5_merge_run(res, f, NULL, err, sizeof err) == 0, "second merge: %s", err);
    struct stat st;
    stat(res, &st);
    CHECK((st.st_mode & 07777) == 0440, "a read-only results file keeps its mode across a merge (%o)", st.st_mode & 07777);
    Store cs;
    CHECK(store_init_file(&cs, res, err, sizeof err) == 0 && store_compact(&cs, err, sizeof err) == 0, "compact: %s", err);
    stat(res, &st);
    CHECK((st.st_mode & 07777) == 0440 && count_runs(res) == 2, "and across compaction (%o)", st.st_mode & 07777);
    chmod(res, 0640);
    /* a symlinked results file: resolved once, the link kept, the target gets the runs */
    snprintf(link, sizeof link, "%s/link.h5", dir);
    symlink("real.h5", link);
    Store s;
    CHECK(store_init_file(&s, link, err, sizeof err) == 0 && strstr(s.path, "/m/real.h5") != NULL, "the link resolves to %s", s.path);
    CHECK(store_lock(&s, 0, err, sizeof err) == 0, "lock: %s", err);
    Store s2;
    store_init_file(&s2, res, err, sizeof err);
    CHECK(store_lock(&s2, 0, err, sizeof err) != 0, "the link and its target take one lock");
    store_close(&s2, err, sizeof err);
    char rf[STORE_PATH_MAX + 300];
    CHECK(store_run_file(&s, "c", rf, sizeof rf) == 0, "run file path");
    make_dirs(s.partial);
    run_file(rf, "c", "complete", 10);
    CHECK(store_add(&s, rf, "c", err, sizeof err) == 0, "store_add: %s", err);
    CHECK(store_close(&s, err, sizeof err) == 0, "close flushes: %s", err);
    struct stat ls;
    CHECK(lstat(link, &ls) == 0 && S_ISLNK(ls.st_mode) && count_runs(res) == 3, "the link is still a link, its target has 3 runs");
    snprintf(link, sizeof link, "%s/dangling.h5", dir);
    symlink("nowhere.h5", link);
    CHECK(store_init_file(&s, link, err, sizeof err) != 0 && strstr(err, "does not exist"), "a dangling link is an error: %s", err);
    /* planted symlinks: the lock file and a run file's name are never followed */
    char victim[600], lockp[700];
    snprintf(victim, sizeof victim, "%s/victim.txt", dir);
    FILE *v = fopen(victim, "w");
    fputs("precious\n", v);
    fclose(v);
    snprintf(res, sizeof res, "%s/other.h5", dir);
    snprintf(lockp, sizeof lockp, "%s.lock", res);
    symlink(victim, lockp);
    store_init_file(&s, res, err, sizeof err);
    CHECK(store_lock(&s, 0, err, sizeof err) != 0 && strstr(err, "symbolic link"), "a lock file planted as a symlink is refused: %s", err);
    snprintf(f, sizeof f, "%s/planted.h5", dir);
    symlink(victim, f);
    run_file(f, "p", "complete", 3);
    char buf[64] = "";
    v = fopen(victim, "r");
    if (!fgets(buf, sizeof buf, v)) buf[0] = 0;
    fclose(v);
    CHECK(strcmp(buf, "precious\n") == 0 && lstat(f, &ls) == 0 && S_ISREG(ls.st_mode), "a run file's planted symlink is replaced, its target untouched");
    /* a path that does not fit is an error, never cut */
    char longdir[1500];
    memset(longdir, 'd', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = 0;
    CHECK(store_init(&s, longdir, "x", err, sizeof err) != 0 && strstr(err, "longer than"), "a long path is refused: %.80s", err);
}

/* store_add merges when the waiting runs weigh half the results file, and at close */
static void batch_policy(void) {
    char dir[512], err[2048];
    snprintf(dir, sizeof dir, "%s/p", T);
    mkdir(dir, 0755);
    Store s;
    CHECK(store_init(&s, dir, "sweep", err, sizeof err) == 0 && store_lock(&s, 0, err, sizeof err) == 0, "store: %s", err);
    make_dirs(s.partial);
    char rf[STORE_PATH_MAX + 300], id[32];
    int merges = 0, last = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof id, "r%d", i);
        store_run_file(&s, id, rf, sizeof rf);
        run_file(rf, id, "complete", 10);
        store_add(&s, rf, id, err, sizeof err);
        if (s.merged_total != last) { merges++; last = s.merged_total; }
    }
    const int waiting = s.npending;
    CHECK(store_close(&s, err, sizeof err) == 0 && count_runs(s.path) == 40, "40 runs stored after close");
    /* geometric batches: about log_1.5(40) of them, not 40 */
    CHECK(merges <= 12 && merges >= 3, "40 runs in %d batches", merges);
    CHECK(waiting > 0, "runs wait for a batch (%d waiting before close)", waiting);
    char diff[256];
    CHECK(store_config_diff("steps: 5\nlr: 1\n", "steps: 6\nlr: 2\n", diff, sizeof diff) == 2 && strstr(diff, "lr: 1 stored, 2 asked"),
          "two keys differ: %s", diff);
}

int main(void) {
    snprintf(T, sizeof T, "/tmp/loft-store-XXXXXX");
    if (!mkdtemp(T)) { perror("mkdtemp"); return 1; }
    printf("test_store (%s)\n", T);
    batch_and_proof();
    modes_and_links();
    batch_policy();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", T);
    if (system(cmd) != 0) printf("  (could not remove %s)\n", T);
    return test_exit("test_store");
}
