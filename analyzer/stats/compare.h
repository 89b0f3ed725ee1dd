/* compare.h -- comparisons between territories: the Rao-Scott chi-square test of a categorical outcome across
 * territories (R's svychisq), Pearson's test on unweighted counts, the difference between a territory and the
 * rest of the town with its interval (R's svyttest), and Holm's adjustment of a family of p-values.
 *
 * Functions return EST_OK or a negative EST_E* code of estimate.h, never a NaN result.
 */
#ifndef ANALYZER_COMPARE_H
#define ANALYZER_COMPARE_H

#include <stddef.h>

#include "estimate.h"

/* A two-way test. For Rao-Scott, R's statistic "F" (the default to report) is f with ndf and ddf and p_f;
 * statistic "Chisq" reports x2 itself (unadjusted, as R prints it) with df and p_chisq. */
typedef struct cmp_chisq_result {
    size_t nrow, ncol;   /* levels of the row and column variables present in the rows used */
    double x2;           /* Pearson's X2 (Rao-Scott: on the weighted table rescaled to N = design rows) */
    double df;           /* (nrow - 1)(ncol - 1) */
    double p_chisq;      /* Rao-Scott first order: P(chi2(df) > x2 / mean delta); Pearson: P(chi2(df) > x2) */
    double trace;        /* Rao-Scott: tr(Delta), the sum of the generalised design effects */
    double f;            /* Rao-Scott second order: x2 / tr(Delta) */
    double ndf, ddf;     /* d0 = tr(Delta)^2 / tr(Delta^2) and d0 * nu, nu = design rows - strata */
    double p_f;          /* P(F(ndf, ddf) > f) */
    double min_expected; /* Pearson: smallest expected count (below 5 the chi-square approximation is poor) */
} cmp_chisq_result;

/* svychisq(~row + col, design) for integer codes row[i], col[i] >= 0 (negative = missing: such rows are a
 * domain left out, R's na.rm = TRUE, while N still counts them as R does). Levels are the codes present
 * among the design rows. EST_EEMPTY when either variable has fewer than 2 levels, EST_ENUMERIC when Delta
 * cannot be computed or the cells have no design variance (tr(Delta) / df below 1e-8, as for a calibration
 * variable tested against the territories it was raked within, where R reports an F of order 1e18),
 * EST_ELONELY as in estimate.h. */
int cmp_rao_scott(const est_design *d, const int *row, const int *col, cmp_chisq_result *out);

/* chisq.test(table(row, col), correct = FALSE) on the n respondents whose codes are both >= 0 (unweighted);
 * only x2, df, p_chisq, nrow, ncol and min_expected are set. EST_EEMPTY with fewer than 2 levels either way. */
int cmp_pearson(size_t n, const int *row, const int *col, cmp_chisq_result *out);

/* The same when row i stands for count[i] respondents (NULL: 1 each). */
int cmp_pearson_counts(size_t n, const int *row, const int *col, const double *count, cmp_chisq_result *out);

typedef struct cmp_diff_result {
    double mean_a, mean_b; /* domain means */
    size_t n_a, n_b;       /* their respondents */
    double diff, se;       /* mean_a - mean_b and the SE from the linearised covariance of both domains */
    double lower, upper;   /* diff -+ t(df) se */
    double t, p;           /* t = diff / se, two-sided p with df */
    long df;               /* degf(design) - 1, as svyttest */
} cmp_diff_result;

/* Difference of the means of y between domains a and b of the same design, both estimated on the whole
 * design so that their covariance is taken into account: the influence values are u_a - u_b. b NULL means
 * every other design row (the rest of the town), in which case the result is R's
 * svyttest(y ~ in_a, design). y must be finite on the rows of a and b. EST_EEMPTY if a or b is empty,
 * EST_ENUMERIC if the difference has no variance (an SE zero under the rule of estimate.h, with the difference
 * and the range of y over a and b as scale: no t, no p, no interval) or degf < 2. */
int cmp_diff(const est_design *d, const double *y, const unsigned char *a, const unsigned char *b, double level,
             cmp_diff_result *out);

/* Holm's step-down adjustment (R's p.adjust(p, "holm")) of m p-values in [0, 1] into adj (may be p itself).
 * EST_EINVAL if a p-value is outside [0, 1] or NaN. */
int cmp_holm(const double *p, size_t m, double *adj);

#endif /* ANALYZER_COMPARE_H */
