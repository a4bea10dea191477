/* Whole-file and folder helpers shared by the runs, the readers and the reports. */
#ifndef LOFT_FILES_H
#define LOFT_FILES_H
#include <stddef.h>

/* the file's bytes plus a terminating NUL (*n bytes, NUL not counted), or NULL with a message
   naming the file */
unsigned char *file_read_all(const char *path, size_t *n, char *err, size_t errlen);
/* mkdir -p; 0, or -1 */
int make_dirs(const char *dir);
/* a byte-for-byte copy; 0, or -1 with a message */
int file_copy(const char *from, const char *to, char *err, size_t errlen);
/* argv[0] with argv, without a shell; its exit status (-1 when it cannot start or was killed;
   127 when it is not installed, after naming the Debian package that has it) */
int program_run(char *const argv[], const char *package);
#endif
