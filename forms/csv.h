/* csv.h -- a strict RFC 4180 reader, for the official QPV list and the paper-entry import, and the field writer
 * of every CSV the two programs produce, which neutralises spreadsheet formulas.
 *
 * Accepts ',' or ';' separators (French spreadsheets write ';'), quoted fields with doubled quotes, CRLF or LF
 * line ends and a UTF-8 byte-order mark. Records are limited in size so that a hostile file cannot exhaust
 * memory. Fields returned by csv_next belong to the reader and stay valid until the next call.
 */
#ifndef FORMS_CSV_H
#define FORMS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"

#define CSV_MAX_FIELD 65536  /* bytes in one field */
#define CSV_MAX_FIELDS 4096  /* fields in one record */

typedef struct csv_reader csv_reader;

/* Starts reading f, which the caller keeps and closes. sep is ',' or ';', or 0 to guess it from the first
 * line (whichever of the two occurs more often outside quotes). Returns NULL only if f is NULL. */
csv_reader *csv_open(FILE *f, char sep);

/* Reads the next record. Returns 1 and sets *fields and *nfields; 0 at end of file; -1 on a malformed record,
 * with csv_error() saying what and csv_line() where. Blank lines are skipped. */
int csv_next(csv_reader *r, char ***fields, size_t *nfields);

/* The 1-based line number where the last record returned (or the error) started. */
size_t csv_line(const csv_reader *r);

/* A French description of the last error. */
const char *csv_error(const csv_reader *r);

/* The separator in use (after guessing). */
char csv_separator(const csv_reader *r);

/* Frees the reader (not the FILE); csv_close(NULL) does nothing. */
void csv_close(csv_reader *r);

/* Formulas. A spreadsheet takes a cell beginning with '=', '+', '-', '@', a tab or a carriage return for a formula
 * (=HYPERLINK("https://…?"&B2) sends other cells to an outside address when the file is opened). The writers
 * below neutralise such a cell as OWASP advises, with a leading single quote that shows it as text, unless it is
 * a plain number (csv_is_number), which is data: the negative bounds and differences of the analyzer's tables.
 * So that csv_is_guarded can tell that quote from one typed by a resident, a cell made of single quotes followed
 * by a guarded cell gets one more quote as well ("'=x" is written "''=x"); removing one quote from a guarded cell
 * thus gives back exactly what was written. */

/* True when s is a plain number: an optional '-', digits, optionally '.' and digits, optionally an exponent
 * ('e' or 'E', an optional sign, digits), and nothing else ("-3", "-0.052", "1e-05"; not "+3", "-.5", "-1+2"). */
bool csv_is_number(const char *s);

/* True when csv_quote and csv_put write s with a protective quote in front. NULL is false. */
bool csv_needs_guard(const char *s);

/* True when s, a field read back, begins with a protective quote that a writer added: s + 1 is what was
 * written. The import of the export's format (collector import) removes it. NULL is false. */
bool csv_is_guarded(const char *s);

/* Writing: appends s as one field, neutralised when csv_needs_guard says so, quoted when it holds a separator
 * (',' or ';', so that the file reads the same in any spreadsheet), a quote, a line end, or spaces at either end
 * (which spreadsheets would drop); quotes are doubled. csv_put writes the same to f. NULL is the empty field.
 * csv_put_raw writes s as typed, formulas included: only for a file meant for statistical software, on request. */
void csv_quote(sbuf *out, const char *s);
void csv_put(FILE *f, const char *s);
void csv_put_raw(FILE *f, const char *s);

#endif /* FORMS_CSV_H */
