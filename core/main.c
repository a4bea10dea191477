/* The `loft` command: a table of commands, each a function in core/cli/ (run.c: run, list;
   slurm.c: submit, exec, collect, status; results.c: show, table, export, figures, compact,
   compare) over the library (sweep/, store/, report). main parses the options a command takes,
   answers `loft COMMAND --help` with that command's own help, and joins mpirun's process group
   when started by it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "dist.h"
#include "dist_mpi.h"
#include "io/config.h"
#include "io/h5log.h"
#include "io/mnist.h"
#include "io/suggest.h"

int cmd_show(int argc, char **argv, const Options *o);
int cmd_table(int argc, char **argv, const Options *o);
int cmd_export(int argc, char **argv, const Options *o);
int cmd_figures(int argc, char **argv, const Options *o);
int cmd_compare(int argc, char **argv, const Options *o);

static int cmd_keys(int argc, char **argv, const Options *o) {
    (void)argc; (void)argv; (void)o;
    printf("config keys (YAML files in configs/, --set, Lua overrides):\n");
    config_print_keys();
    return 0;
}

static int cmd_data_mnist(int argc, char **argv, const Options *o) {
    (void)argc; (void)o;
    char err[1024];
    if (mnist_convert(argv[2], argv[3], err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 2; }
    Mnist m;
    if (mnist_load(&m, argv[3], err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 2; }
    printf("wrote %s: %d images\n", argv[3], m.n);
    mnist_free(&m);
    return 0;
}

#define SWEEP_OPTS "only set results"
static const Command COMMANDS[] = {
    { "run", HELP_RUN, 1, SWEEP_OPTS " jobs force recompute", cmd_run },
    { "list", HELP_LIST, 1, SWEEP_OPTS, cmd_list },
    { "show", HELP_SHOW, 1, "results", cmd_show },
    { "table", HELP_TABLE, 1, "out title results group-by allow-mixed set", cmd_table },
    { "export", HELP_EXPORT, 1, "out results group-by set", cmd_export },
    { "figures", HELP_FIGURES, 1, "results group-by set", cmd_figures },
    { "submit", HELP_SUBMIT, 1, SWEEP_OPTS " array-limit recompute force --", cmd_submit },
    { "status", HELP_STATUS, 1, SWEEP_OPTS, cmd_status },
    { "collect", HELP_COLLECT, 1, SWEEP_OPTS, cmd_collect },
    { "exec", HELP_EXEC, 1, "id set results recompute force", cmd_exec },
    { "compare", HELP_COMPARE, 2, "rtol tensor-rtol columns only", cmd_compare },
    { "compact", HELP_COMPACT, 1, "", cmd_compact },
    { "keys", HELP_KEYS, 0, "", cmd_keys },
    { "data-mnist", HELP_DATA_MNIST, 2, "", cmd_data_mnist },
};
#define NCOMMANDS ((int)(sizeof COMMANDS / sizeof COMMANDS[0]))

/* under mpirun (Open MPI sets OMPI_COMM_WORLD_SIZE): join the process group; the processes
   other than 0 print nothing but errors */
static int enter_mpi(int *argc, char ***argv) {
    if (!getenv("OMPI_COMM_WORLD_SIZE")) return 0;
    if (!dist_mpi_library()) {
        fprintf(stderr, "error: started by mpirun, but this loft was built without MPI (install Debian's libopenmpi-dev "
                "and rebuild: make)\n");
        exit(2);
    }
    dist_mpi_init(argc, argv);
    if (dist()->rank != 0 && !freopen("/dev/null", "w", stdout)) exit(2);
    return 1;
}

static int loft_main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        if (argc >= 3 && strcmp(argv[1], "help") == 0)   /* loft help COMMAND */
            for (int i = 0; i < NCOMMANDS; i++) if (strcmp(argv[2], COMMANDS[i].name) == 0) { printf("%s", COMMANDS[i].help); return 0; }
        printf("%s", USAGE);
        return argc < 2 ? 2 : 0;
    }
    const Command *c = NULL;
    for (int i = 0; i < NCOMMANDS && !c; i++) if (strcmp(argv[1], COMMANDS[i].name) == 0) c = &COMMANDS[i];
    if (!c) {
        Suggest s;
        char hint[SUGGEST_MAX + 32];
        suggest_begin(&s, argv[1]);
        for (int i = 0; i < NCOMMANDS; i++) suggest_offer(&s, COMMANDS[i].name, strlen(COMMANDS[i].name));
        fprintf(stderr, "error: unknown command '%s'%s\n\n%s", argv[1], suggest_hint(&s, hint, sizeof hint), USAGE);
        return 2;
    }
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { printf("%s", c->help); return 0; }
    if (dist()->size > 1 && strcmp(c->name, "run") != 0) {
        if (dist()->rank == 0) fprintf(stderr, "error: under mpirun only `loft run` has a meaning (one data-parallel run at a time); got '%s'\n", c->name);
        return 2;
    }
    for (int i = 0; i < c->nfiles; i++)
        if (argc < 3 + i || argv[2 + i][0] == '-') {
            fprintf(stderr, "error: loft %s needs %d file argument(s); usage:\n%.*s\n", c->name, c->nfiles,
                    (int)strcspn(c->help, "\n"), c->help);
            return 2;
        }
    Options o;
    memset(&o, 0, sizeof o);
    o.argv = argv;
    o.jobs = 1;
    o.tensor_rtol = -1;
    if (cli_parse_options(c, argc, argv, 2 + c->nfiles, &o) != 0) return 2;
    return c->fn(argc, argv, &o);
}

int main(int argc, char **argv) {
    int mpi = enter_mpi(&argc, &argv);
    int rc = loft_main(argc, argv);
    if (mpi) dist_mpi_finalize();
    if (h5_close_failed()) {   /* see h5log.h: libhdf5's exit handler would crash */
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    return rc;
}
