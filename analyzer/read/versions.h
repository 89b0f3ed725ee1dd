/* versions.h -- whether an indicator means the same across the form versions its answers were given to.
 *
 * Answers to every version of a form are read with their own version's definition and pooled by the same
 * indicator definition. That is honest only while the questions an indicator reads keep their meaning: when one
 * of them is reworded, retyped, recoded, or asked of other people (formdiff.h, "changes meaning"), the pooled
 * figure mixes two questions and a change between waves may be the change of wording. Such an indicator is still
 * estimated on the pooled answers, but it carries a note ("non comparable entre les versions 1 et 2 : R13
 * reformulée") that every output shows, a warning is printed, and wave comparisons give no evolution for it.
 *
 * Ownership: a ver_notes owns its strings; it borrows nothing.
 */
#ifndef ANALYZER_VERSIONS_H
#define ANALYZER_VERSIONS_H

#include <stddef.h>
#include <stdio.h>

#include "catalog.h"
#include "dataset.h"
#include "indicators.h"

typedef struct ver_notes {
    size_t count;   /* ind_count(defs) */
    char **note;    /* [count] a French note, or NULL when the indicator is comparable across the versions */
    size_t flagged; /* number of non-NULL notes */
} ver_notes;

/* The notes of defs over the versions of its form in c that have counted answers in db_path selected by filter
 * (NULL: all). Versions are compared in order, each with the next one present. Never NULL: a database that
 * cannot be read gives no note (the analysis that follows reports the error). */
ver_notes *ver_check_db(const char *db_path, const catalog *c, const ind_set *defs, const ds_filter *filter);

/* The same over the union of two selections (a wave comparison): filters a and b. */
ver_notes *ver_check_waves(const char *db_path, const catalog *c, const ind_set *defs, const ds_filter *a,
                           const ds_filter *b);

/* Prints one warning per flagged indicator: "analyzer CMD : indicateur ID non comparable ...". */
void ver_warn(const ver_notes *n, const ind_set *defs, const char *cmd, FILE *out);

/* Frees n; ver_free(NULL) does nothing. */
void ver_free(ver_notes *n);

#endif /* ANALYZER_VERSIONS_H */
