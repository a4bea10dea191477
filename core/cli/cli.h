/* The `loft` command's shared pieces: its options, their parser, every command's help text and
   the helpers several commands use. One file per command group beside it (run.c: run and list;
   slurm.c: submit, exec, collect, status; results.c: show, table, export, figures, compact,
   compare); main.c holds the table of commands. Nothing here decides what a library function
   could. */
#ifndef LOFT_CLI_H
#define LOFT_CLI_H
#include <stddef.h>
#include "sweep/plan.h"

typedef struct {
    SweepOptions sweep;              /* --only, --results, --set, --force, --recompute */
    const char *out, *title, *group_by, *id;
    char **argv;                     /* the command line, to hand the runs to the build of their device */
    int jobs, array_limit, allow_mixed;
    double rtol;                     /* loft compare: relative tolerance (0: bit for bit) */
    double tensor_rtol;              /* loft compare: the final tensors' (< 0: rtol's) */
    const char *columns;             /* loft compare: the trajectory columns compared (NULL: all) */
    char **extra;                    /* loft submit: the options after --, for sbatch */
    int nextra;
} Options;

/* one command: its name, what it takes, its help text and its function (argv[2..] are its
   arguments; options already parsed into o) */
typedef struct {
    const char *name, *help;
    int nfiles;                      /* file arguments before the options (-1: checks its own) */
    const char *options;             /* the options it takes, space-separated */
    int (*fn)(int argc, char **argv, const Options *o);
} Command;

/* parses argv[first..] for command c into o (the options c does not take are an error, with a
   "did you mean" when one is close); 0, or -1 after printing the error */
int cli_parse_options(const Command *c, int argc, char **argv, int first, Options *o);
/* the code's revision: git's short hash, "-dirty" with uncommitted changes, or "unknown" */
void cli_git_revision(char *buf, size_t n);
/* the running executable's absolute path */
void cli_self_path(char *buf, size_t n);
/* Hands the command to the build of the device the selected runs need (build/loft <->
   build/loft-cuda; execv, nothing returns) when that is not this build. 0 when this build is
   the right one, 2 after printing an error. */
int cli_hand_to_device(const Plan *p, const int *sel, int nsel, const Options *o);
/* the plan of an experiment for a command; 0, or 2 after printing the error */
int cli_plan(Plan *p, const char *path, const Options *o);

int cmd_run(int argc, char **argv, const Options *o);
int cmd_list(int argc, char **argv, const Options *o);
int cmd_submit(int argc, char **argv, const Options *o);
int cmd_exec(int argc, char **argv, const Options *o);
int cmd_collect(int argc, char **argv, const Options *o);
int cmd_status(int argc, char **argv, const Options *o);
int cmd_compact(int argc, char **argv, const Options *o);

extern const char HELP_RUN[], HELP_LIST[], HELP_SUBMIT[], HELP_EXEC[], HELP_COLLECT[], HELP_STATUS[], HELP_SHOW[],
    HELP_TABLE[], HELP_EXPORT[], HELP_FIGURES[], HELP_COMPARE[], HELP_COMPACT[], HELP_KEYS[], HELP_DATA_MNIST[], USAGE[];
#endif
