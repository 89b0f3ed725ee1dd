/* extract.h -- the answers that count as one CSV for R, Stata or a spreadsheet: one line per respondent, one
 * column per question of the current form version (a grid row as Q.ROW; a multiple-choice question as one 0/1
 * column per choice, Q.CODE), codes as stored so that "nsp" and "refus" stay distinct from the other answers and
 * from a question skipped or left blank (empty). Free-text columns only on request: they may identify someone.
 * `analyzer codebook` gives every code's wording.
 */
#ifndef ANALYZER_EXTRACT_H
#define ANALYZER_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "catalog.h"

/* Writes the CSV of form_id's counted answers to f. A cell a spreadsheet would take for a formula (beginning
 * with '=', '+', '-', '@', a tab or a carriage return, and not a plain number) gets a leading single quote (csv.h),
 * unless raw_text asks for every cell as typed. Returns 0, or -1 with a French message in err. */
int ext_write_csv(const char *db_path, const catalog *c, const char *form_id, bool include_text, bool raw_text,
                  void (*progress)(void *ctx, size_t records), void *progress_ctx, FILE *f, char *err, size_t errlen);

#endif /* ANALYZER_EXTRACT_H */
