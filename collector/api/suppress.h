/* suppress.h -- the minimum-count rule of the collector's public counts (/api/v1/stats without a token): one
 * total published beside the parts it adds up, none of them, nor any difference of them, a count of 1 to
 * min_n - 1.
 *
 * It is the analyzer's rule (analyzer/disclosure.h) for the one additive relation the public counts publish,
 * total = territories + answers outside the territories file, where each part is its own atom; the analyzer's
 * general disc_protect may replace it.
 */
#ifndef COLLECTOR_SUPPRESS_H
#define COLLECTOR_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

#define SUPPRESS_DEFAULT_MIN_N 11 /* the analyzer's default --min-n */

typedef enum suppress_status {
    SUPPRESS_SHOW = 0,
    SUPPRESS_PRIMARY,      /* fewer than min_n (0 included): shown as "fewer than min_n" */
    SUPPRESS_COMPLEMENTARY /* min_n or more, hidden so that the total minus the shown parts isolates nobody
                              or at least min_n */
} suppress_status;

/* Applies the rule to the parts n[0..count-1] of a total that also holds `outside` (a part never shown: answers
 * outside the territories file). Writes each part's status to out[] and whether the total itself must be hidden
 * to *total_hidden. Then the hidden parts and outside hold together 0 or at least min_n answers, or the total is
 * hidden. Returns 0, or -1 when min_n < 1, a count is negative, or an array is NULL with count > 0. */
int suppress_parts(const long *n, size_t count, long outside, long min_n, suppress_status *out, bool *total_hidden);

/* The status as the API names it: NULL for SHOW, "primary", "complementary". */
const char *suppress_name(suppress_status s);

#endif /* COLLECTOR_SUPPRESS_H */
