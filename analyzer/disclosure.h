/* disclosure.h -- what may be published: the minimum-count rule with complementary suppression, and NCHS's
 * presentation standards for survey proportions (statistics.md section 5).
 *
 * Minimum count: a cell resting on fewer than min_n respondents (unweighted; 11 by default, the fiscal rule)
 * is suppressed, and so are as many other cells as needed for no suppressed value to be recoverable by
 * subtraction: in every set of parts that add up to a published total (a territory row and its categories,
 * the town and its territories), the number of suppressed members is either 0 or at least 2. When exactly
 * one is suppressed, the smallest other part is suppressed too (or the total, when there is no other part),
 * and the rule runs again until nothing changes. That classic heuristic blocks recovery from any single
 * equation but not always from a combination of them (two suppressed cycles linked by one cell), so an audit
 * follows: a suppressed cell whose value the published cells determine through the relations (exact linear
 * algebra, disc_recoverable) gets a further neighbour suppressed, and the whole runs again until no
 * suppressed value can be recovered at all.
 */
#ifndef ANALYZER_DISCLOSURE_H
#define ANALYZER_DISCLOSURE_H

#include <stdbool.h>
#include <stddef.h>

#define DISC_DEFAULT_MIN_N 11

typedef enum disc_status {
    DISC_SHOW = 0,
    DISC_PRIMARY,       /* fewer than min_n respondents */
    DISC_COMPLEMENTARY, /* enough respondents, hidden so that a primary cell cannot be recovered */
} disc_status;

/* parts[0..nparts-1] add up to total (indices into the cells). */
typedef struct disc_relation {
    size_t total;
    const size_t *parts;
    size_t nparts;
} disc_relation;

/* Applies the rule and the audit to ncell cells of unweighted counts n[] (>= 0) linked by nrel relations,
 * writing out[]. Ties between equally small candidates go to the lowest index. Returns 0, or -1 when an argument is
 * invalid (min_n < 1, a negative count, an index out of range, a relation without parts). */
int disc_suppress(size_t ncell, const long *n, size_t nrel, const disc_relation *rel, long min_n, disc_status *out);

/* Marks det[c] for every suppressed cell (out[c] != DISC_SHOW) whose value follows from the shown cells
 * through the relations, and returns how many there are (0 means the pattern is safe). det has ncell
 * entries; cells shown are marked false. */
size_t disc_recoverable(size_t ncell, size_t nrel, const disc_relation *rel, const disc_status *out, bool *det);

/* The usual table: nrow territories x ncol categories, with each territory's total in an extra last column
 * and the town in an extra last row; n and out are (nrow + 1) x (ncol + 1), row-major. Every row (the town's
 * too) adds up to its last column and every column (the totals' too) to its last row. Returns 0 or -1. */
int disc_suppress_grid(size_t nrow, size_t ncol, const long *n, long min_n, disc_status *out);

/* NCHS presentation standards for a proportion (Parker et al. 2017, as CRAN surveytable implements them). */
typedef enum disc_nchs_reason {
    DISC_NCHS_OK = 0,
    DISC_NCHS_NEFF,     /* effective sample size below 30 */
    DISC_NCHS_WIDTH,    /* CI width >= 0.30 */
    DISC_NCHS_RELWIDTH, /* 0.05 < width < 0.30 and width / p > 1.30 */
} disc_nchs_reason;

typedef struct disc_nchs_result {
    bool show;
    disc_nchs_reason reason;  /* why not shown */
    double n_eff;             /* p(1-p)/se^2 capped at n; n when x = 0 or x = n */
    double width;             /* upper - lower; 0 when x = 0 or x = n (surveytable's convention) */
    bool footnote_complement; /* shown through the relative-width branch with width / (1 - p) > 1.30 */
    bool review_df;           /* shown with df < 8 */
    bool review_p01;          /* shown with p = 0 or 1 (x = 0 or x = n) */
} disc_nchs_result;

/* Judges a proportion p with standard error se, x of n respondents with the outcome, its Korn-Graubard
 * interval [lower, upper] (est_prop with EST_CI_BETA) and df degrees of freedom. Returns 0, or -1 when n < 1,
 * x outside [0, n], p outside [0, 1], se < 0 or the bounds are not finite. */
int disc_nchs(double p, double se, long x, long n, double lower, double upper, long df, disc_nchs_result *out);

#endif /* ANALYZER_DISCLOSURE_H */
