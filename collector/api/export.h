/* export.h -- the flat layout of a form's answers, as exported (CSV, JSONL) and as the paper-entry import
 * reads it back: one column per question, grid rows as "R23.centre_sante", multiple choices as codes joined
 * by ';', preceded by the metadata columns.
 *
 * The columns are those of the form's current version, in order, followed by questions that only older
 * versions have, so that every stored answer has a column whatever version it was given against.
 */
#ifndef COLLECTOR_EXPORT_H
#define COLLECTOR_EXPORT_H

#include <stddef.h>

#include <jansson.h>

#include "catalog.h"
#include "util.h"

/* The metadata columns, first in every export. */
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

/* Appends the CSV header line (with CRLF) to out. */
void export_csv_header(const export_layout *l, sbuf *out);

/* Appends one CSV record: meta holds the EXPORT_NMETA metadata values (NULL for empty), answers the JSON
 * answers object. */
void export_csv_row(const export_layout *l, const char *const *meta, const json_t *answers, sbuf *out);

/* The text of one answer cell ("" when absent): codes joined by ';' for multiple choices, numbers as JSON
 * writes them. Appends to out. */
void export_cell(const export_col *col, const json_t *answers, sbuf *out);

#endif /* COLLECTOR_EXPORT_H */
