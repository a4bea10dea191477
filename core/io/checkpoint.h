/* Model checkpoints as HDF5 files readable by h5py: one float64 dataset params/<name> per named
   tensor, and numeric root attributes for the shape. Used by the ViT and the GPT runs. Built in
   both precisions (the tensors are `real`). */
#ifndef LOFT_CHECKPOINT_H
#define LOFT_CHECKPOINT_H
#include <stddef.h>
#include "../real.h"

typedef struct { const char *name; real *data; size_t count; } NamedTensor;
typedef struct { const char *name; double value; } NamedValue;

/* writes path.tmp then renames it to path, so a killed write never leaves a half checkpoint */
#define checkpoint_save LOFT_NAME(checkpoint_save)
int checkpoint_save(const char *path, const NamedTensor *t, int nt, const NamedValue *attrs, int na,
                    char *err, size_t errlen);
/* reads every tensor whose name is not in skip (comma list, may be NULL); a missing tensor or a
   size mismatch is an error naming the file, the tensor and both sizes */
#define checkpoint_load LOFT_NAME(checkpoint_load)
int checkpoint_load(const char *path, const NamedTensor *t, int nt, const char *skip, char *err, size_t errlen);
#endif
