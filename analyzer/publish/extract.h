/* extract.h -- the counted answers of a form as microdata for R, Stata, SPSS or a spreadsheet: `analyzer export`.
 *
 * Every format writes the one flat layout of forms/flat.h (the collector's submissions.csv is the same): one line
 * per respondent, the metadata, one column per question (grid rows and the choices of a multiple question apart),
 * the raked weight when margins are given, and every score of the indicator file. Free-text columns only on
 * request: they may identify someone. The formats:
 * - csv: UTF-8, ',' and CRLF; a cell a spreadsheet would take for a formula gets a protective quote (csv.h) unless
 *   raw_text;
 * - excel: what a French Excel opens by a double click: UTF-8 with a byte-order mark, ';', a decimal comma, and a
 *   code Excel would turn into a date or a number (1-2, 01, 3/4, 1e5) written ="1-2" so that it stays text;
 * - dta (Stata 14+, format 118) and sav (SPSS), with ReadStat (export_stata.c): variable and value labels, nsp and
 *   refus as Stata's .a / .b and as SPSS user-missing values;
 * - r: FILE.csv and FILE.R, a script that reads it with the labels as factors and the survey design (export_r.c);
 * - xlsx: the answers with their labels, a sheet of the variables, and one sheet per indicator of the report, under
 *   the report's small-cell rules (export_xlsx.c).
 *
 * Ownership: nothing is kept after a call; the options borrow everything.
 */
#ifndef ANALYZER_EXTRACT_H
#define ANALYZER_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analysis.h"
#include "catalog.h"
#include "flat.h"
#include "indicators.h"
#include "margins.h"

typedef enum ext_format { EXT_CSV, EXT_EXCEL, EXT_DTA, EXT_SAV, EXT_R, EXT_XLSX } ext_format;

typedef struct ext_options {
    const char *db;
    const catalog *cat;
    const char *form_id;
    const ind_set *defs;       /* the form's indicator file: score columns, xlsx indicator sheets; may be NULL */
    const mg_margins *mg;      /* margins: the weight column; NULL leaves it empty */
    bool include_text;         /* free-text columns */
    bool raw_text;             /* csv: cells as typed, formulas included */
    const an_result *analysis; /* xlsx: the indicators by territory, as `analyzer indicators` computes them; NULL: no
                                  indicator sheets */
    void (*progress)(void *ctx, size_t records);
    void *progress_ctx;
} ext_options;

/* The format called name ("csv", "excel", ...); false when there is none. */
bool ext_format_parse(const char *name, ext_format *f);

/* One pass over the answers, for a writer: begin once with the number of rows, row for each, in the database's
 * order. A callback returns 0 to go on, -1 to stop (with a message in err). */
typedef struct ext_sink {
    int (*begin)(void *ctx, const flat_layout *l, long nrows, char *err, size_t errlen);
    int (*row)(void *ctx, const flat_layout *l, const flat_record *r, char *err, size_t errlen);
} ext_sink;

/* Reads the answers into sink: the rows' count first when need_count (Stata and SPSS want it before any row) or
 * margins are given, the raking of the weights as `analyzer indicators` rakes them (same respondents, same
 * margins: a respondent outside the territories file has no weight, one who cannot be raked weighs 0), then the
 * rows. Returns 0, or -1 with a French message in err. */
int ext_scan(const ext_options *o, const flat_layout *l, bool need_count, const ext_sink *sink, void *ctx, char *err,
             size_t errlen);

/* Writes the csv (excel false) or excel (excel true) export to f. Returns 0, or -1 with a French message in err. */
int ext_write_csv(const ext_options *o, bool excel, FILE *f, char *err, size_t errlen);

/* Writes the Stata (sav false) or SPSS (sav true) file to f (export_stata.c). */
int ext_write_readstat(const ext_options *o, bool sav, FILE *f, char *err, size_t errlen);

/* Writes the R script that reads csv_name (the file written by ext_write_csv beside it, named as the script will
 * find it) to f (export_r.c). */
int ext_write_r(const ext_options *o, const char *csv_name, FILE *f, char *err, size_t errlen);

/* Writes the xlsx workbook to f (export_xlsx.c). */
int ext_write_xlsx(const ext_options *o, FILE *f, char *err, size_t errlen);

/* The value of a choice code as Stata and SPSS hold it, and its label: the paper number (the form's "paper"), the
 * French label cut as flat_value_label cuts it. For the writers and the codebook, so that they cannot disagree. */
typedef struct ext_value {
    const char *code;
    int number;
    char tag;                  /* 'a' nsp, 'b' refus (Stata's tagged missing values), 0 otherwise */
    char label[FLAT_VALUE_LABEL_MAX + 1];
} ext_value;

/* The labelled values of column col: its choices for a coded column (nsp and refus with their tag), Non / Oui for
 * a 0/1 column (plus the nsp / refus of its question), none otherwise. Fills out (FORM_MAX_CHOICES + 2 entries) and
 * returns the count. */
size_t ext_values(const flat_col *col, ext_value *out);

#endif /* ANALYZER_EXTRACT_H */
