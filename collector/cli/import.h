/* import.h -- `collector import`: typed questionnaires from a spreadsheet, in the export's CSV format.
 *
 * Every row is checked with the form checker before anything is written; by default one wrong row means nothing
 * is imported, and the report names every error with its row and column. Rows whose uuid or sheet number is
 * already stored are reported and skipped, never duplicated, so an import can be run again safely. The single
 * quote the export puts before a cell a spreadsheet would take for a formula (csv.h) is removed, so that an export
 * imported again gives back exactly the answers stored.
 */
#ifndef COLLECTOR_IMPORT_H
#define COLLECTOR_IMPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "catalog.h"

typedef struct import_result {
    size_t rows;        /* data rows read */
    size_t valid;       /* rows that passed every check: all of them when there is no error */
    size_t imported;    /* stored (0 with dry_run or errors) */
    size_t present;     /* already stored: skipped */
    size_t errors;      /* errors reported */
} import_result;

/* Imports csv_path into the database db_path for form form_id of catalog c, writing the report to out.
 * Returns 0 when the file was valid (and, unless dry_run, imported), 1 when it had errors (nothing imported),
 * -1 when it could not be read or written at all. */
int import_csv(const char *db_path, const catalog *c, const char *form_id, const char *csv_path, bool dry_run,
               FILE *out, import_result *res);

#endif /* COLLECTOR_IMPORT_H */
