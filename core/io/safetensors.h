/* The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
   {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the raw
   little-endian arrays. Reading converts F64 / F32 / F16 / BF16 to double, one tensor at a time;
   writing stores F32. Precision-independent. */
#ifndef LOFT_SAFETENSORS_H
#define LOFT_SAFETENSORS_H
#include <stddef.h>
#include <stdio.h>

#define ST_MAX_DIMS 8

typedef struct {
    char name[256], dtype[8];
    int ndim;
    long shape[ST_MAX_DIMS];
    size_t count, begin, end;   /* elements; byte range inside the data section */
} StTensor;

typedef struct {
    char path[1024];
    FILE *f;
    size_t data_start;
    int n;
    StTensor *t;   /* (n,) in header order */
} Safetensors;

/* opens and checks the header (dtypes, shapes against byte ranges, ranges inside the file);
   0, or -1 with a message naming the file */
int st_open(Safetensors *s, const char *path, char *err, size_t errlen);
const StTensor *st_find(const Safetensors *s, const char *name);
/* the tensor's elements as doubles into out (t->count) */
int st_read(const Safetensors *s, const StTensor *t, double *out, char *err, size_t errlen);
void st_close(Safetensors *s);

typedef struct {
    const char *name;
    const float *data;
    int ndim;
    long shape[ST_MAX_DIMS];
} StOut;
/* writes the tensors as F32 (and metadata as a JSON object text, or NULL) */
int st_write(const char *path, const StOut *t, int n, const char *metadata, char *err, size_t errlen);
#endif
