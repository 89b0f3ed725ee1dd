/* weights.h -- raking (iterative post-stratification) of survey weights, exactly as R's survey::rake() does,
 * and the raking residual that survey's variance estimator applies afterwards.
 *
 * Respondents are raked in independent groups: the usual call rakes each territory to its own margins (age,
 * sex, ... of that territory), one rake() per territory; a single group rakes the whole town at once. Within a
 * group, each cycle post-stratifies to every margin in the order given; after each cycle the weighted table
 * over the full cross of all margin variables is compared with the previous one, and raking stops when the
 * largest change is below epsilon (R's defaults: epsilon = 1 weighted unit, at most 10 cycles; an epsilon
 * below 1 is taken relative to the group's sum of base weights). A group that has not converged keeps its
 * last weights and is reported, as R warns and returns them.
 *
 * A respondent whose category is unknown (-1) for some margin cannot be raked: the final weight is 0 and the
 * respondent is left out of every weighted estimate (the design of estimate.h drops zero-weight rows, as if
 * they had been removed before svydesign()).
 *
 * Ownership: wt_rake copies what it needs from its input; the result is freed with wt_free.
 */
#ifndef ANALYZER_WEIGHTS_H
#define ANALYZER_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>

#define WT_DEFAULT_EPSILON 1.0 /* rake()'s control$epsilon */
#define WT_DEFAULT_MAXIT 10    /* rake()'s control$maxit */
#define WT_RESIDUAL_SWEEPS 10  /* svyrecvar's fixed number of sweeps over the margins */

/* One margin variable. */
typedef struct wt_margin {
    const char *name;  /* for messages ("âge"); NULL gives "variable k" */
    size_t ncat;       /* number of categories, >= 1 */
    const int *cat;    /* [n] category of each respondent in [0, ncat), or -1 when unknown */
    const double *pop; /* [ngroup * ncat] population total of category c in group g at pop[g * ncat + c], >= 0 */
    const char *const *codes; /* [ncat] names of the categories for messages ("75+"), or NULL (their index) */
} wt_margin;

typedef struct wt_input {
    size_t n;                       /* respondents */
    const double *base_weight;      /* [n] design weights, finite and > 0 */
    size_t ngroup;                  /* independent rakes (territories), >= 1 */
    const int *group;               /* [n] group of each respondent in [0, ngroup); NULL when ngroup == 1 */
    const char *const *group_names; /* [ngroup] for messages, or NULL ("groupe g") */
    size_t nmargin;                 /* >= 1 */
    const wt_margin *margin;        /* [nmargin], raked in this order */
} wt_input;

typedef struct wt_options {
    double epsilon; /* > 0; below 1 it is relative to the group's sum of base weights */
    int maxit;      /* >= 1 cycles at most */
} wt_options;

typedef struct wt_raking wt_raking;

/* Rakes every group. opt NULL means R's defaults. Returns NULL and writes a French message to err (errlen
 * bytes, may be 0) when the input is invalid or a calibration cell cannot be raked: a category with a
 * positive population total and nobody in the sample of its group, or respondents in a category whose
 * population total is 0. The message names the group, the variable and the category. Not converging is not
 * an error: see wt_converged. */
wt_raking *wt_rake(const wt_input *in, const wt_options *opt, char *err, size_t errlen);

/* Number of respondents (the n of the input). */
size_t wt_n(const wt_raking *r);

/* Final weights, [n]; 0 for a respondent left out for an unknown category. Owned by r. */
const double *wt_weights(const wt_raking *r);

/* Respondents left out for an unknown category. */
size_t wt_left_out(const wt_raking *r);

/* True when every group converged. */
bool wt_converged(const wt_raking *r);

/* For group g: whether it converged, and the number of cycles run (1..maxit). */
bool wt_group_converged(const wt_raking *r, size_t g);
int wt_group_cycles(const wt_raking *r, size_t g);

/* Replaces the influence values u (n rows, k columns, column j at u + j * n; 0 for respondents left out) by
 * their residuals from the raking, as survey's svyrecvar does for a raked design: exactly
 * WT_RESIDUAL_SWEEPS sweeps, each visiting the margins in order and subtracting, within every (group,
 * category) cell, psw_i times the unweighted cell mean of u / psw, where psw are the weights right after that
 * margin in the last cycle. */
void wt_residual(const wt_raking *r, double *u, size_t k);

/* The raking of grouped rows: row j stands for count[j] respondents that share respondent rep[j]'s group,
 * categories and weights (see est_design_collapse). The residual then weighs each row by its count. */
wt_raking *wt_collapse(const wt_raking *r, size_t m, const size_t *rep, const double *count);

/* ------------------------------------------------------------------ calibration fallback */

/* How a group can be raked when its respondents leave a category with a population empty, or fill one
 * without: wt_rake refuses such a group (R's rake() stops too), and a whole run should not fail for one
 * small territory. */
typedef enum wt_fallback_kind {
    WT_FB_RAKED = 0,  /* nothing to do: every category with a population has respondents and conversely */
    WT_FB_COLLAPSED,  /* categories merged with their neighbours, then raked */
    WT_FB_UNWEIGHTED, /* not raked: weight = the group's population over its respondents */
} wt_fallback_kind;

/* One margin as wt_fallback rewrites it: cat and pop are the caller's copies (the arrays of wt_margin). */
typedef struct wt_fallback_margin {
    const char *name;         /* for the note (the question id "R02") */
    size_t ncat;              /* 1 to 64 */
    int *cat;                 /* [n] category or -1; rewritten for the group's respondents */
    double *pop;              /* [ngroup * ncat]; the group's row rewritten */
    const char *const *codes; /* [ncat] names of the categories */
    bool ordered;             /* categories listed in a meaningful order (age bands): they may be merged */
} wt_fallback_margin;

/* The fallback for group g, among the n respondents of group[] (those with an unknown category for some
 * margin are not counted, as wt_rake leaves them out). For each margin in turn, the first category (or block
 * of merged categories) whose population and respondents disagree -- one zero, the other not -- is merged with
 * its neighbour in the margin's order, the previous one or else the next, population and respondents alike:
 * what an analyst does in R by recoding the factor and the margins before rake(). Merged categories map to
 * the first of their block, which holds the block's population. When the margin has no order, or no
 * neighbour is left, the group is unweighted instead: one category per margin (the first), each holding the
 * group's population as the first margin counts it, so that raking gives every respondent that population
 * over the respondents in one cycle, and the raking residual only centres the influence values within the
 * group, which a design stratified by group does anyway: the uncalibrated design with weights N / n.
 * Returns the kind and writes a French note naming the margin, the categories and why ("" when raked); the
 * note never gives a number of respondents other than zero. */
wt_fallback_kind wt_fallback(size_t n, const int *group, size_t g, size_t nmargin, wt_fallback_margin *m, char *note,
                             size_t notelen);

/* A deep copy of r. */
wt_raking *wt_copy(const wt_raking *r);

/* Frees r; wt_free(NULL) does nothing. */
void wt_free(wt_raking *r);

#endif /* ANALYZER_WEIGHTS_H */
