/* standardize.h -- direct standardisation: survey prevalences of each territory standardised to a reference
 * age x sex structure (R's svystandardize), and rates from event counts standardised to a standard population
 * with Fay and Feuer's gamma interval (epitools' ageadjust.direct).
 *
 * Functions return EST_OK or a negative EST_E* code of estimate.h.
 */
#ifndef ANALYZER_STANDARDIZE_H
#define ANALYZER_STANDARDIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "estimate.h"

typedef struct std_result {
    int status;         /* EST_OK, or EST_EEMPTY for a group without respondents in the domain */
    double p, se;       /* standardised mean (prevalence for 0/1) and its linearised SE */
    bool zero_variance; /* se is 0 under the zero-variance rule of estimate.h: callers give no interval */
    size_t n;           /* respondents used */
    size_t empty_cells; /* standard cells with nobody in this group: R ignores them (partial = TRUE), which
                           rescales the other cells' shares; worth a warning to the reader */
} std_result;

/* svystandardize(design, by = ~cell, over = ~group, population = std_pop) followed by
 * svyby(~y, ~group, ., svymean, na.rm = TRUE). Every design row needs cell[i] in [0, ncell) (the age x sex
 * cell, e.g. age * 2 + sex) and group[i] in [0, ngroup) (the territory). Each group's weights are
 * post-stratified so that its cells get the shares std_pop[c] / sum(std_pop) of its own estimated population;
 * the point is sum_c share_c p_gc and the SE comes from the domain linearisation with the standardised
 * weights, after the design's calibration residuals and then the post-stratification residual. Respondents
 * whose answer is missing are left out of the estimate through domain (NULL = all); they still count in the
 * post-stratification, as in R. out has ngroup entries. Returns EST_EINVAL on bad arguments or a cell with
 * respondents but a zero standard share, or a status of est_influence_vcov; per-group problems are in
 * out[g].status. */
int std_survey(const est_design *d, const double *y, const unsigned char *domain, const int *group, size_t ngroup,
               const int *cell, size_t ncell, const double *std_pop, std_result *out);

/* The weighted total of each cell over the design (the structure the survey estimates for the town), for use
 * as std_pop when no census structure is at hand. pop has ncell entries. */
int std_design_structure(const est_design *d, const int *cell, size_t ncell, double *pop);

typedef struct std_direct_result {
    double crude;        /* sum count / sum person-time */
    double adjusted;     /* sum w_a count_a / pt_a with w = stdpop / sum(stdpop) */
    double lower, upper; /* Fay-Feuer gamma interval */
} std_direct_result;

/* ageadjust.direct(count, pop = pt, stdpop = stdpop, conf.level = level) for k age groups: counts >= 0,
 * person-time pt > 0, standard population >= 0 with a positive sum. When every count is 0, R's lower bound is
 * NaN; here it is 0 (the upper bound is the gamma quantile with shape 1 and scale max w_a / pt_a, which is
 * R's formula at 0). */
int std_direct_counts(size_t k, const double *count, const double *pt, const double *stdpop, double level,
                      std_direct_result *out);

#endif /* ANALYZER_STANDARDIZE_H */
