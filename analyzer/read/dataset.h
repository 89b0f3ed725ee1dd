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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "catalog.h"

/* What a stored row is to the analysis (ds_scan_rows). */
typedef enum ds_row_status {
    DS_ROW_OK = 0,          /* its answers pass the check against its version */
    DS_ROW_REJECTED,        /* they no longer do (a form file edited after collection): left out */
    DS_ROW_UNKNOWN_VERSION, /* its version is in neither the forms folder nor the database: left out */
} ds_row_status;

typedef struct ds_record {
    const form *version;   /* the form version the answers were given against (in the catalog) */
    char *uuid;
    char *territory;       /* NULL when not answered */
    char *channel, *lang;
    char *received_at;     /* "YYYY-MM-DDTHH:MMZ" */
    json_t *answers;       /* owned */
    const bool *relevant;  /* ds_scan only: per question of version, whether it was asked (skip logic); NULL in
                              a loaded dataset */
    char *paper_id;        /* the paper sheet's number, NULL for an answer given on screen */
    int64_t id;            /* the collector's row id (order of arrival) */
    ds_row_status status;  /* DS_ROW_OK except in ds_scan_rows, whose other rows carry only id and status */
} ds_record;

typedef struct dataset {
    const char *form_id;
    ds_record *records;
    size_t count;
    size_t rejected;       /* records that fail the form check today: left out */
    size_t unknown_version; /* records of a form version the forms folder no longer has: left out */
} dataset;

/* A wave of the survey: the records of one form version, or received between two dates (inclusive, either may be
 * NULL), or both. */
typedef struct ds_filter {
    const char *version;
    const char *from, *to; /* "YYYY-MM-DD" */
} ds_filter;

/* What ds_scan reports besides the records: the same counts as a dataset's. */
typedef struct ds_counts {
    size_t count, rejected, unknown_version;
} ds_counts;

/* Brings back, for the rest of the run, answers that do not count (README.md, "Data stewardship"): excluded
 * ones (--include-excluded) and those received in test mode (--include-tests). Every read of this module then
 * uses the view retained_submissions (what counted before stewardship) less what was not asked for, instead of
 * counted_submissions. Set once before any read: the analyzer's threads read it without a lock. */
void ds_set_include(bool excluded, bool tests);

/* The rows an analysis reads, as an SQL table expression: counted_submissions, or with ds_set_include what
 * counted before stewardship less what was not brought back. Every query of the analyzer over answers uses it. */
const char *ds_source(void);

/* Calls fn for every counted record of form_id that passes the form check -- the web and single-entry answers
 * in the order they were received, then the double-entered sheets -- without keeping them (no ORDER BY: sorting
 * a million answers would cost more than reading them): the record and its strings are valid during the call only. An analysis of a million
 * answers uses this and keeps only what it computes from each. fn returns 0 to go on, nonzero to stop (ds_scan
 * then returns that value). Returns 0, or -1 with a French message in err when the database cannot be read. */
int ds_scan(const char *db_path, const catalog *c, const char *form_id, int (*fn)(void *ctx, const ds_record *r),
            void *ctx, ds_counts *counts, char *err, size_t errlen);

/* The same for the records whose id (the collector's row id, in order of arrival) is in [lo, hi]: several
 * threads each read a part, each with its own connection. */
int ds_scan_range(const char *db_path, const catalog *c, const char *form_id, int64_t lo, int64_t hi,
                  const ds_filter *filter, int (*fn)(void *ctx, const ds_record *r), void *ctx, ds_counts *counts,
                  char *err, size_t errlen);

/* Every stored row of form_id whose id is in [lo, hi], counted or not (excluded, test, a sheet's other entry),
 * in id order: what the analyzer's derived cache is built from (colcache.h). Rows that fail the check or name an
 * unknown version reach fn too, with only their id and status. Returns as ds_scan. */
int ds_scan_rows(const char *db_path, const catalog *c, const char *form_id, int64_t lo, int64_t hi,
                 int (*fn)(void *ctx, const ds_record *r), void *ctx, char *err, size_t errlen);

/* The ids of the rows ds_scan_range would read, in the same order, without reading their answers: which
 * derived rows of the cache an analysis uses. fn returns 0 to go on. Returns as ds_scan. */
int ds_scan_ids(const char *db_path, const char *form_id, int64_t lo, int64_t hi, const ds_filter *filter,
                int (*fn)(void *ctx, int64_t id), void *ctx, char *err, size_t errlen);

/* The number of stored submissions of form_id (counted or not: an estimate for progress), or -1. */
long ds_count(const char *db_path, const char *form_id);

/* The number of counted submissions of form_id that filter f selects (the records a wave would read before the
 * form check), or -1 when the database cannot be read. */
long ds_count_filtered(const char *db_path, const char *form_id, const ds_filter *f);

/* The smallest and largest id of form_id's submissions (lo > hi when there is none). Returns 0 or -1. */
int ds_id_range(const char *db_path, const char *form_id, int64_t *lo, int64_t *hi, char *err, size_t errlen);

/* Loads every counted record of form_id from the database at db_path (read-only). Returns NULL with a French
 * message in err when the database cannot be read or is not a collector database. */
dataset *ds_load(const char *db_path, const catalog *c, const char *form_id, char *err, size_t errlen);

/* Frees ds; ds_free(NULL) does nothing. */
void ds_free(dataset *ds);

#endif /* ANALYZER_DATASET_H */
