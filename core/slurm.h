/* Sweeps as Slurm job arrays (`loft submit`, `loft status`): writing and submitting the sbatch
   script of an array whose task i runs line i of a list of run ids (`loft exec`), the record of
   submitted arrays, and what the queue (squeue, and sacct where accounting is on) says of each
   task. The runs themselves and the merging of their files are the sweep's (main.c). */
#ifndef LOFT_SLURM_H
#define LOFT_SLURM_H
#include <stddef.h>

/* one submitted array: its job id, the file listing its runs (one id per line: task i = line
   i + 1), and, as slurm_arrays reads them, those ids and what the queue says of each task */
typedef struct {
    char job[32], list[600];
    int ntasks;
    char (*ids)[256];          /* (ntasks,) run ids */
    char (*state)[24];         /* (ntasks,) queue states, "" when unknown to it */
    int known;                 /* 0: squeue did not answer, state[] says nothing */
} SlurmArray;

/* Writes DIR/<stem>.sbatch (an array of n tasks, at most limit at once when limit > 0, after
   job `after` when not "") running `loft_path exec experiment --id <line i of list> --results
   rdir [--set ...]` from cwd, and submits it with sbatch (extra: options passed through, nextra
   of them). gpu: each task asks for one GPU (--gres=gpu:1; runs with device: cuda); recompute:
   the tasks get --recompute (no copies of tuning runs). Every value reaches the task as
   single-quoted data, never as shell code; values with a newline or carriage return, and a
   directory or stem with a backslash (sbatch's --output patterns), are refused (slurm.c).
   0 with the job id in job, or -1 with a message (a refused value, sbatch missing or refusing,
   or printing no job id). */
int slurm_submit_array(const char *dir, const char *stem, const char *list, int n, int limit, const char *after, int gpu, int recompute,
                       const char *loft_path, const char *experiment, const char *rdir, const char *const *sets,
                       int nsets, const char *const *extra, int nextra, char *job, size_t joblen, char *err, size_t errlen);
/* appends the array's job and list to DIR/jobs.txt */
int slurm_record(const char *dir, const SlurmArray *a);
/* the arrays of DIR/jobs.txt with their run ids and the queue's state of every task
   (slurm_task_states); *n their number (0 when none); free with slurm_arrays_free */
SlurmArray *slurm_arrays(const char *dir, int *n);
void slurm_arrays_free(SlurmArray *a, int n);
/* 1 when every array's queue state is known (squeue answered) */
int slurm_arrays_known(const SlurmArray *a, int n);
/* 1 when run id is in a task the queue still holds (slurm_state_live) */
int slurm_run_queued(const SlurmArray *a, int n, const char *id);

/* The queue's state of each task (squeue; then sacct for tasks no longer queued, when it
   answers): state[i] for task i of job, "" when neither knows it (e.g. long finished without
   accounting). 0, or -1 (every state "") when squeue cannot answer (not installed, no
   controller) or either answers a line for job that names no task in [0, ntasks) (warned on
   stderr): callers must then not take the tasks for finished. */
int slurm_task_states(const char *job, int ntasks, char (*state)[24]);
/* 1 for a state in which a task may still run or write (pending, running, suspended, requeued,
   ...): anything but "" and the terminal states */
int slurm_state_live(const char *state);
#endif
