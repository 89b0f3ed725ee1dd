/* dataset.h -- the answers an analysis uses, loaded from the collector's database.
 *
 * Reads the view counted_submissions (web answers, and one record per paper sheet: the single entry, the first
 * entry of a verified sheet or the reconciled record, never both entries and never a sheet still discrepant),
 * opened read-only, and judges every record again with the form checker (answers_check) against the form version
 * it names: a record that no longer passes (a form file edited after collection) is counted and left out, never
 * silently used.
 *
 * Ownership: a dataset owns its records and their JSON answers; it borrows the catalog, which must outlive it.
 */
#ifndef ANALYZER_DATASET_H
#define ANALYZER_DATASET_H

#include <stddef.h>

#include <jansson.h>

#include "catalog.h"

typedef struct ds_record {
    const form *version;   /* the form version the answers were given against (in the catalog) */
    char *uuid;
    char *territory;       /* NULL when not answered */
    char *channel, *lang;
    json_t *answers;       /* owned */
} ds_record;

typedef struct dataset {
    const char *form_id;
    ds_record *records;
    size_t count;
    size_t rejected;       /* records that fail the form check today: left out */
    size_t unknown_version; /* records of a form version the forms folder no longer has: left out */
} dataset;

/* Loads every counted record of form_id from the database at db_path (read-only). Returns NULL with a French
 * message in err when the database cannot be read or is not a collector database. */
dataset *ds_load(const char *db_path, const catalog *c, const char *form_id, char *err, size_t errlen);

/* Frees ds; ds_free(NULL) does nothing. */
void ds_free(dataset *ds);

#endif /* ANALYZER_DATASET_H */
