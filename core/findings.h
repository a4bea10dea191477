/* The findings file of an experiment's tables (NAME_findings.md beside NAME.md): for each
   declared family, the comparisons significant after Holm's adjustment, those equivalent within
   the declared margin (TOST) and the inconclusive rest, as sentences generated from the numbers. */
#ifndef LOFT_FINDINGS_H
#define LOFT_FINDINGS_H
#include <stddef.h>
#include "comparisons.h"

/* writes path; 0, or -1 with err naming the file */
int findings_write(const char *path, const char *title, const Comparisons *cmp, const TableSpec *tables,
                   const FamilySpec *families, char *err, size_t errlen);
#endif
