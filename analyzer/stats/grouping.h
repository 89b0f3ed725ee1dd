/* grouping.h -- records that no estimate can tell apart, counted once.
 *
 * With every base weight equal and raking within territories, two respondents of the same territory with the
 * same calibration categories have the same weight, and if they also share the outcome and the denominator
 * flag of an indicator, every estimate treats them alike. A million answers then fall into a few thousand
 * distinct rows, each standing for a count of respondents (est_design_collapse): the analysis runs on those.
 *
 * A grp_map gives dense ids 0, 1, 2, ... to keys of four 64-bit words, in order of first appearance, and
 * remembers the first record and the number of records of each id.
 */
#ifndef ANALYZER_GROUPING_H
#define ANALYZER_GROUPING_H

#include <stddef.h>
#include <stdint.h>

typedef struct grp_map grp_map;

grp_map *grp_new(void);

/* The id of key (a new id when unseen), counting record i towards it. */
size_t grp_add(grp_map *g, const uint64_t key[4], size_t i);

/* Ids given so far; the first record and the record count of each (arrays owned by g, valid until the next
 * grp_add or grp_reset). */
size_t grp_count(const grp_map *g);
const size_t *grp_reps(const grp_map *g);
const double *grp_counts(const grp_map *g);

/* Forgets every key, keeping the memory. */
void grp_reset(grp_map *g);

void grp_free(grp_map *g);

#endif /* ANALYZER_GROUPING_H */
