/* csv.h -- a strict RFC 4180 reader, for the official QPV list and the paper-entry import.
 *
 * Accepts ',' or ';' separators (French spreadsheets write ';'), quoted fields with doubled quotes, CRLF or LF
 * line ends and a UTF-8 byte-order mark. Records are limited in size so that a hostile file cannot exhaust
 * memory. Fields returned by csv_next belong to the reader and stay valid until the next call.
 */
#ifndef FORMS_CSV_H
#define FORMS_CSV_H

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

/* Writing: appends s as one field, quoted when it holds a separator (',' or ';', so that the file reads the same
 * in any spreadsheet), a quote, a line end, or spaces at either end (which spreadsheets would drop); quotes are
 * doubled. csv_put writes the same to f. NULL is the empty field. */
void csv_quote(sbuf *out, const char *s);
void csv_put(FILE *f, const char *s);

#endif /* FORMS_CSV_H */
