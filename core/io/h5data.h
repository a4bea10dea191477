/* Reading and writing plain double arrays and numeric attributes in HDF5 files: golden files of
   the tests and the MF problem files (datasets target, A0, B0, bias0). Errors name the file and
   the dataset or attribute, and say what was expected. Precision-independent (double only). */
#ifndef LOFT_H5DATA_H
#define LOFT_H5DATA_H
#include <stddef.h>

#define H5_MAX_DIMS 8                    /* dimensions of a dataset read or written */
#define H5_MAX_NUMBERS ((size_t)1 << 31)  /* numbers in one dataset read (16 GiB of doubles) */

/* Reads dataset `name` of `path` as doubles into a new array (caller frees); its element count
   goes to *n and, if dims is not NULL (room for H5_MAX_DIMS), its dimensions to dims with their
   number to *ndims. Returns NULL and writes a message into err when the file or dataset is
   missing, has more than H5_MAX_DIMS dimensions or H5_MAX_NUMBERS numbers, or holds NaN/Inf. */
double *h5_read_doubles(const char *path, const char *name, size_t *n, size_t *dims, int *ndims,
                        char *err, size_t errlen);
/* Reads the scalar numeric attribute `attr` of object `obj` (a group or dataset, "/" for the root).
   Returns 0 on success, -1 with a message in err. */
int h5_read_attr_double(const char *path, const char *obj, const char *attr, double *value,
                        char *err, size_t errlen);
/* Writes dataset `name` (intermediate groups created) of shape dims into path, which is created
   when create is 1 (truncating) or opened for writing when 0. 0, or -1 with a message. */
int h5_write_doubles(const char *path, const char *name, const double *data, int ndims, const size_t *dims,
                     int create, char *err, size_t errlen);
/* Sets the numeric attribute `attr` of the root group of path. 0 or -1. */
int h5_write_root_attr(const char *path, const char *attr, double value, char *err, size_t errlen);
#endif
