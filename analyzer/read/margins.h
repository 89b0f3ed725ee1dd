/* margins.h -- the population margins that survey weights are raked to, read from a CSV file with the header
 * territory,variable,category,population (one row per territory, calibration variable and category; ',' or ';').
 *
 * Variables are single-choice questions of the form (R02 age band, R03 sex, ...) and categories their choice
 * codes. A category a file does not list (R03 "autre" or "refus", say) has no population total: respondents in
 * it cannot be raked and are left out of weighted estimates (and counted). Every territory of the file lists the
 * same categories of each variable, so that raking within each territory is well defined.
 *
 * Ownership: an mg_margins owns its strings and tables; it borrows nothing.
 */
#ifndef ANALYZER_MARGINS_H
#define ANALYZER_MARGINS_H

#include <stdbool.h>
#include <stddef.h>

#include "form.h"
#include "terr.h"

#define MG_MAX_VARS 8

typedef struct mg_var {
    char *question;   /* question id */
    size_t ncat;
    char **codes;     /* [ncat] listed categories, in the order of the question's choices */
    double *pop;      /* [nterr * ncat]: pop[t * ncat + c] for territory t of the margins */
} mg_var;

typedef struct mg_margins {
    size_t nterr;
    char **terr;      /* [nterr] territory codes, in the territories file's order */
    size_t nvars;
    mg_var vars[MG_MAX_VARS];
} mg_margins;

/* Reads path against the form (variables, codes) and the territories. Returns NULL with a French message naming
 * the line and the field in err when the file is malformed or names an unknown territory, question or code, a
 * population that is not a non-negative number, a duplicate row, or a category one territory lists and another
 * does not. */
mg_margins *mg_load(const char *path, const form *f, const terr_set *ts, char *err, size_t errlen);

/* Index of territory code in m, or -1. */
int mg_territory(const mg_margins *m, const char *code);

/* Index of code among the categories of variable v, or -1 (not listed: the respondent cannot be raked). */
int mg_category(const mg_var *v, const char *code);

/* True when the categories of v are in a meaningful order, so that a calibration category may be merged with
 * its neighbour (weights.h, wt_fallback): every code starts with a digit, as age bands do ("16-24" ... "75+",
 * listed in the question's order). Sex, or any variable with a word among its codes, has no order. */
bool mg_ordered(const mg_var *v);

void mg_free(mg_margins *m);

#endif /* ANALYZER_MARGINS_H */
