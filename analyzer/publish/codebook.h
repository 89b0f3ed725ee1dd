/* codebook.h -- the dictionary of a form: every question id with its type, its wording in each language the form
 * declares, its codes with their paper numbers and labels, its skip condition, and the indicator definitions
 * that rest on it. As CSV (one line per question, choice or grid row, then one per indicator; a `kind` column
 * says which) or as a self-contained HTML page.
 */
#ifndef ANALYZER_CODEBOOK_H
#define ANALYZER_CODEBOOK_H

#include <stdio.h>

#include "form.h"
#include "indicators.h"

/* defs may be NULL (a form without indicator definitions). Return 0 or -1 on a write error. */
int cb_write_csv(const form *f, const ind_set *defs, FILE *out);
int cb_write_html(const form *f, const ind_set *defs, FILE *out);

#endif /* ANALYZER_CODEBOOK_H */
