/* The HDF5 string-attribute and link-creation helpers that the run files (io/h5log.c) and the
   store (store/merge.c) share. Needs hdf5.h, unlike the rest of io/'s headers. */
#ifndef LOFT_H5ATTR_H
#define LOFT_H5ATTR_H
#include <hdf5.h>
#include <stddef.h>

/* a variable-length UTF-8 string type (the caller closes it) */
hid_t h5attr_utf8_type(void);
/* writes the scalar attribute name of obj (replacing it): value in memory type type (e.g.
   H5T_NATIVE_DOUBLE); 0, or -1 when HDF5 could not write it */
int h5attr_write(hid_t obj, const char *name, hid_t type, const void *value);
/* sets the string attribute name of obj (replacing it); 0, or -1 when HDF5 could not write it */
int h5attr_set_str(hid_t obj, const char *name, const char *value);
/* reads the string attribute name of obj into buf (cut to n - 1 bytes); 0, or -1 */
int h5attr_get_str(hid_t obj, const char *name, char *buf, size_t n);
/* link-creation properties that make the intermediate groups (the caller closes them) */
hid_t h5attr_lcpl_intermediate(void);
/* records that an HDF5 file failed to close (see h5_close_failed in h5log.h) */
void h5_note_close_failed(void);
#endif
