/* columns.h -- what an analysis keeps of each answer: its territory, its calibration and age x sex cells, and
 * one small observation per indicator, in columns (a million records take about a hundred bytes each).
 *
 * col_read reads the counted answers of the definitions' form from the collector's database, checks them with
 * the form checker (dataset.h), evaluates every indicator on each (indicators.h) and keeps only the columns, in
 * several threads when the database is large: parsing and checking the JSON answers is most of an analysis.
 *
 * Ownership: columns own their arrays (col_free); std_cells borrow the territories' strings.
 */
#ifndef ANALYZER_COLUMNS_H
#define ANALYZER_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "dataset.h"
#include "indicators.h"
#include "margins.h"

/* state in bits 0-1 (ind_state), event in bit 2 */
#define COL_EVENT 4u

typedef struct columns {
    size_t n, cap;
    int *stratum;                /* territory index in the territories file */
    int *mcat[MG_MAX_VARS];      /* calibration category, -1 when it cannot be raked */
    int *cell;                   /* age x sex cell for standardisation, -1 when unknown */
    unsigned char *served;       /* [n * nterr] forms whose territory question is multiple (operators): the
                                    territories each record serves; NULL otherwise */
    uint8_t **obs;               /* [ndefs][n] */
    uint64_t **cats;             /* [ndefs][n] distributions */
    double **a, **b;             /* [ndefs][n] means and ratios */
    int64_t *id;                 /* the derived cache's rows only (colcache.h): the collector's row id, and */
    uint8_t *status;             /* what the row is to an analysis (col_status); NULL otherwise */
} columns;

/* What a stored row is to an analysis, in the derived cache: ds_row_status, or a record whose territory is not
 * one of the file's. */
enum { COL_NO_TERRITORY = DS_ROW_UNKNOWN_VERSION + 1 };

typedef struct std_cells {
    size_t na, nb;               /* codes of the first and second population_by questions */
    const char **acode, **bcode;
    double *pop;                 /* [na * nb] the town's population of each cell */
} std_cells;

/* Where and how to read: the forms, the definitions, the margins (NULL: none), the age x sex cells (NULL:
 * none), the form's multiple territory question (operators; NULL otherwise). */
typedef struct col_source {
    const catalog *cat;
    const terr_set *ts;
    const ind_set *defs;
    const mg_margins *mg;
    const std_cells *sc;
    const form_question *multi;
    const char *today;                           /* "YYYY-MM-DD" for today(); NULL: the local date */
    const ds_filter *filter;                     /* a wave, or NULL for every record */
    void (*progress)(void *ctx, size_t records); /* every 65,536 records read, or NULL */
    void *progress_ctx;
} col_source;

/* What col_read did, for the outputs' timing. */
typedef struct col_stats {
    bool cached;                 /* the columns came from the derived cache */
    size_t derived;              /* rows derived from JSON in this run (all of them without the cache) */
    double derive_seconds;       /* the time spent deriving them and writing the cache */
} col_stats;

/* Empty columns for the definitions. */
void col_init(columns *c, const ind_set *defs, bool multi);

/* Reads every counted record into col (initialised). Records whose territory is not one of the file's are
 * counted in *no_territory and left out (forms answered for several territories keep every record). Returns 0,
 * or -1 with a French message when the database cannot be read. */
int col_read(const char *db, const col_source *src, columns *col, ds_counts *counts, size_t *no_territory, char *err,
             size_t errlen);

/* As col_read, and says in *st where the columns came from (st may be NULL). With the derived cache on (cc_set_dir:
 * the analyzer's commands turn it on unless --no-cache) and a form with one territory per record, the columns are gathered from the cache, which
 * is first brought up to date with the database (new rows derived and appended, or everything derived again).
 * A cache that cannot be written is not an error: a warning on stderr, and the run reads the JSON. */
int col_read_stats(const char *db, const col_source *src, columns *col, ds_counts *counts, size_t *no_territory,
                   col_stats *st, char *err, size_t errlen);

/* Derives every stored row of src's form again and writes the cache, whatever it holds (analyzer
 * rebuild-cache). Returns 0, or -1 with a French message. */
int col_rebuild_cache(const char *db, const col_source *src, col_stats *st, char *err, size_t errlen);

void col_free(columns *c, size_t ndefs);

/* The age x sex cells of the territories file (population_by) with the town's population of each; NULL when
 * the file has no two-level population. */
std_cells *col_std_cells_new(const terr_set *ts);
void col_std_cells_free(std_cells *sc);

#endif /* ANALYZER_COLUMNS_H */
