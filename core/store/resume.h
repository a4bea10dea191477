/* A run's resume checkpoint: DIR/<id>.resume beside the run's file (NAME.h5.partial/<id>.h5 of
   a sweep, NAME.h5.slurm/<id>.h5.part of a Slurm task), written every `checkpoint_every` steps and when a
   run is interrupted, read when the run starts again, removed when it ends. It holds what the
   walk of the run (state_walk.h: the run loop's counters and logged rows, the task's
   parameters and streams, the optimizer's state) produces, under an identity (the run's
   config and the code's revision) that a checkpoint must match to be used.
   The file: "LOFT-RESUME 1\n", the identity (u64 length + bytes), then one record per piece
   (u32 name length, name, u64 byte count, bytes), a u32 0xffffffff end mark and the FNV-1a
   64-bit hash of everything before it; written to a temporary file, synced, renamed into place.
   Native byte order: a checkpoint is for the machine architecture that wrote it. Precision-free. */
#ifndef LOFT_RESUME_H
#define LOFT_RESUME_H
#include <stddef.h>
#include "state_walk.h"

/* the walk of everything a run carries (ctx: the run's own) */
typedef void (*ResumeWalkFn)(void *ctx, StateWalk *w);

/* out [OUT] (n bytes) = the checkpoint path of run file run_file (".h5" or a Slurm task's
   ".h5.part" -> ".resume"); 0, or -1 when it does not fit or run_file ends in neither */
int resume_path(const char *run_file, char *out, size_t n);
/* writes the checkpoint at path under identity: every piece fn walks. 0, or -1 with a message
   (the previous checkpoint, if any, is then still in place) */
int resume_save(const char *path, const char *identity, ResumeWalkFn fn, void *ctx, char *err, size_t errlen);
/* Loads the checkpoint at path into what fn walks. 1: loaded; 0: none there, or one of another
   identity (why says which; nothing was touched); -1: damaged or not matching the walk (why
   says where; what fn walks may be partly overwritten, so the caller rebuilds it). The whole
   file is checked (hash, structure, identity) before anything is overwritten. */
int resume_load(const char *path, const char *identity, ResumeWalkFn fn, void *ctx, char *why, size_t n);
#endif
