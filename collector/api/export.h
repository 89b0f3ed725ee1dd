/* export.h -- the collector's exports of a form's answers.
 *
 * GET /api/v1/forms/{id}/submissions.csv writes the one flat layout of forms/flat.h (the layout `analyzer export`
 * writes too: same names, same cells), with the score columns of the form's indicator file when there is one, and
 * free text only when asked for (?include=text).
 *
 * The older layout below (grid rows as "R23.centre_sante", multiple choices as codes joined by ';') stays for two
 * things only: the field names of the paper double entry's differences and reconciliation (api_paper.c), and the
 * paper import, which still reads files written in it.
 */
#ifndef COLLECTOR_EXPORT_H
#define COLLECTOR_EXPORT_H

#include <stddef.h>

#include <jansson.h>

#include "catalog.h"
#include "flat.h"
#include "indicators.h"
#include "util.h"

/* The metadata columns as stored (and first in the older layout). */
#define EXPORT_META_COLUMNS "uuid", "form_version", "territory", "channel", "lang", "received_at", "paper_id"
#define EXPORT_NMETA 7

typedef struct export_col {
    char *name;               /* "R07", "R23.pmi" */
    const form_question *q;   /* the question (from the most recent version that has it) */
    const char *row;          /* grid row code, or NULL */
} export_col;

typedef struct export_layout {
    export_col *cols;         /* question columns only (metadata columns come first, see above) */
    size_t count;
} export_layout;

/* The layout of form id across every version in c; NULL when c has no such form. */
export_layout *export_layout_new(const catalog *c, const char *form_id);

/* Frees the layout; export_layout_free(NULL) does nothing. */
void export_layout_free(export_layout *l);

/* The flat CSV of the API (flat.h), with the indicator file that gives its score columns. */
typedef struct export_csv {
    flat_layout *layout;
    ind_set *defs;            /* NULL when the form has no indicator file (no score columns) */
} export_csv;

/* The CSV layout of form_id in c, free-text columns only with include_text; NULL when c has no such form. An
 * indicator file that does not load gives no score columns and a line on standard error. */
export_csv *export_csv_new(const catalog *c, const char *form_id, bool include_text);

/* Frees x; export_csv_free(NULL) does nothing. */
void export_csv_free(export_csv *x);

/* Appends the CSV header line (with CRLF) to out. */
void export_csv_header(const export_csv *x, sbuf *out);

/* Appends one CSV record: meta holds the EXPORT_NMETA stored metadata values (NULL for empty), answers the JSON
 * answers object. */
void export_csv_row(const export_csv *x, const char *const *meta, const json_t *answers, sbuf *out);

/* The text of one answer cell ("" when absent): codes joined by ';' for multiple choices, numbers as JSON
 * writes them. Appends to out. */
void export_cell(const export_col *col, const json_t *answers, sbuf *out);

#endif /* COLLECTOR_EXPORT_H */
