/* profile.h -- who answered and how well: the counts behind the report's "who answered" and "data quality"
 * sections. One pass over the counted answers: respondents by territory and channel, by territory and
 * language, by age band and sex (the territories file's population cells); for each question of the current
 * form version, how many were asked it (skip logic), answered it, answered "nsp" or "refus", or left it blank;
 * and, from the collector's sheets, how many paper sheets were typed twice and how many of those differed.
 *
 * These are raw counts: the report applies the minimum-n rule before printing any of them.
 *
 * Ownership: a profile owns its arrays; it borrows the catalog (question pointers, language codes).
 */
#ifndef ANALYZER_PROFILE_H
#define ANALYZER_PROFILE_H

#include <stddef.h>

#include "catalog.h"
#include "dataset.h"

enum { PROF_WEB, PROF_PAPER, PROF_NCHANNEL };
enum { PROF_SINGLE, PROF_AWAITING, PROF_VERIFIED, PROF_DISCREPANT, PROF_RECONCILED, PROF_NSTATUS };

typedef struct prof_item {
    const form_question *q; /* of the current version */
    long asked, answered, nsp, refus, blank;
} prof_item;

typedef struct profile {
    const form *f;          /* the current version */
    size_t nterr;           /* territories; row nterr of the tables below is "outside the territories" */
    long records;
    long *channel;          /* [(nterr + 1) * PROF_NCHANNEL] */
    size_t nlang;
    long *lang;             /* [(nterr + 1) * nlang], languages of the current version in order */
    size_t nage, nsex;      /* the population cells (0 when the territories file has none) */
    const char **age, **sex;
    long *agesex;           /* [(nterr + 1) * nage * nsex] */
    prof_item *items;       /* questions of the current version, notes excepted */
    size_t nitems;
    long sheets[PROF_NSTATUS];
    long differing_fields;  /* fields decided by a reconciliation */
} profile;

/* Reads the counted answers of form_id. Returns NULL with a French message on a database error. */
profile *prof_scan(const char *db_path, const catalog *c, const char *form_id, const ds_filter *filter, char *err,
                   size_t errlen);

void prof_free(profile *p);

#endif /* ANALYZER_PROFILE_H */
