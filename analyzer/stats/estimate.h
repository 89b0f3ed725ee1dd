/* estimate.h -- proportions and means of survey domains with their design-based uncertainty, computed exactly
 * as R's survey package (4.1) computes them, plus the classic unweighted intervals for a proportion.
 *
 * The design is the one the diagnoses use: respondents stratified by territory, each its own PSU (ids = ~1),
 * sampled with replacement (no fpc), with a weight; optionally raked (weights.h) and post-stratified. The data
 * model is plain arrays indexed by respondent: stratum[i], weight[i], an outcome y[i] and a domain flag.
 *
 * Conventions shared by every function here:
 * - A respondent with weight 0 is not in the design, as if removed before svydesign() (that is how raking
 *   leaves out a respondent with an unknown calibration category). Rows of the design have weight > 0.
 * - A domain is an array of n flags (nonzero = member; NULL = every respondent of the design). Only rows of
 *   the design that are flagged count. Respondents whose answer is missing must be left out of the domain:
 *   that is what R's na.rm = TRUE does.
 * - Domain estimates follow svyby(): a design without calibration drops the rows outside the domain but keeps
 *   the full-sample number of PSUs per stratum; a calibrated design keeps them with weight 0 (same variance
 *   formula), and the residuals of the calibration are taken over the whole sample.
 * - Functions return EST_OK (0) or a negative EST_E* code and never report NaN as a result: what cannot be
 *   estimated is a status, and the intervals of degenerate domains follow the rule stated at est_prop.
 * - One zero-variance rule (est_se_is_zero): a standard error at most EST_ZERO_SE_REL times the estimate's
 *   scale is rounding noise and is reported as exactly 0. Every function that reports a design-based SE
 *   applies it, and so do the callers that build intervals and tests from such an SE.
 * - est_init() must have been called once before anything else in analyzer_lib.
 */
#ifndef ANALYZER_ESTIMATE_H
#define ANALYZER_ESTIMATE_H

#include <stdbool.h>
#include <stddef.h>

#include "weights.h"

enum {
    EST_OK = 0,
    EST_EINVAL = -1,   /* an argument breaks the contract (size, range, NaN, level outside (0, 1), ...) */
    EST_EEMPTY = -2,   /* the domain has no respondent in the design */
    EST_ELONELY = -3,  /* a stratum the estimate needs has a single respondent (R: lonely.psu = "fail") */
    EST_ENUMERIC = -4, /* a distribution function or a linear solve failed */
};

/* A French description of a status code (static string). */
const char *est_strerror(int status);

/* Library start-up: turns GSL's abort-on-error handler off (every GSL status is checked instead). Call once
 * before any other function of analyzer_lib; calling it again is harmless. */
void est_init(void);

/* ------------------------------------------------------------------ the zero-variance rule */

/* 2^-30 (about 9.3e-10, a billionth). A design variance that is zero in exact arithmetic -- every respondent of
 * each calibration cell gives the same answer, so raking fixes the estimate -- comes out of the linearisation
 * as cancelled terms: floating-point noise of order 1e-17 on the SE of a share, or, when the raking stopped at
 * R's epsilon of one weighted unit before the weights settled, a remainder of order 1e-12 (R then returns NaN
 * for the beta interval and a width of 1e-11 for the others). A genuine SE a billionth of the scale would need
 * some 10^18 respondents. */
#define EST_ZERO_SE_REL 0x1p-30

/* The scale of an estimate over the values it averages: the larger of |estimate| and the range (max - min)
 * of the values, so that the rule is the same whether the values are proportions, scores or euros. */
double est_scale(double estimate, double vmin, double vmax);

/* True when se is zero under the rule: se <= EST_ZERO_SE_REL * scale (se = 0 always is). */
bool est_se_is_zero(double se, double scale);

/* ------------------------------------------------------------------ unweighted intervals */

typedef struct est_interval {
    double lower, upper;
} est_interval;

typedef enum est_srs_method {
    EST_SRS_WILSON = 0,      /* score interval = prop.test(x, n, correct = FALSE); the default */
    EST_SRS_CLOPPER_PEARSON, /* exact = binom.test; lower 0 when x = 0, upper 1 when x = n */
    EST_SRS_AGRESTI_COULL,   /* n~ = n + z^2, p~ = (x + z^2/2)/n~, clipped to [0, 1] */
    EST_SRS_JEFFREYS,        /* Beta(x + 1/2, n - x + 1/2) quantiles; lower 0 when x = 0, upper 1 when x = n */
} est_srs_method;

/* Interval for x successes out of n respondents at the given level (e.g. 0.95). Wilson bounds are clipped to
 * [0, 1] (they can miss it by a rounding error at x = 0 or n). Returns EST_EEMPTY when n = 0, EST_EINVAL when
 * x > n or the level is outside (0, 1), EST_ENUMERIC if a quantile fails. */
int est_srs_interval(long x, long n, double level, est_srs_method method, est_interval *out);

/* Wald interval estimate +- q * se with q the t quantile for df degrees of freedom (df = INFINITY gives z,
 * which is what confint() on svymean and svytotal uses by default). EST_EINVAL for se < 0, df <= 0 or a bad
 * level. */
int est_wald_interval(double estimate, double se, double level, double df, est_interval *out);

/* ------------------------------------------------------------------ designs */

typedef struct est_design est_design;

/* A design stratified by stratum[i] in [0, nstrata) with weights weight[i] >= 0 (0 = not in the design), no
 * calibration. The arrays are copied. Returns NULL and writes a French message to err (errlen bytes) when an
 * argument is invalid (n = 0, nstrata = 0, a stratum out of range, a weight negative or not finite, nobody
 * in the design). */
est_design *est_design_new(size_t n, size_t nstrata, const int *stratum, const double *weight, char *err,
                           size_t errlen);

/* The same with the weights of a raking (wt_weights(rk), zero for the respondents it left out) and the
 * raking residual applied to every variance. rk must describe the same n respondents; the design keeps a
 * pointer to it, so rk must outlive the design (and every design derived from it). */
est_design *est_design_new_raked(size_t n, size_t nstrata, const int *stratum, const wt_raking *rk, char *err,
                                 size_t errlen);

/* A new design: d post-stratified to the totals pop[c] of the cells cell[i] in [0, ncell) (R's
 * postStratify). Weights become w * pop[c] / (sum of w in c). The residual of this step is applied after d's
 * own calibration. Cells with respondents need pop > 0; a cell with pop > 0 and no respondent is an error
 * unless partial (then ignored, as partial = TRUE). cell[] is read for rows of the design only. Returns NULL
 * with a message on error. d is not modified; the new design is independent of d but shares its raking. */
est_design *est_design_poststratify(const est_design *d, const int *cell, size_t ncell, const double *pop, bool partial,
                                    char *err, size_t errlen);

/* The same design with its rows grouped: row j of the new design stands for count[j] respondents of d that
 * are identical in everything an estimate reads (stratum, weight, calibration cells, outcome, domain), with
 * rep[j] one of them. Every estimate of the grouped design equals the estimate of d with the grouped arrays
 * (up to rounding), at the cost of m rows instead of n: a million answers fall into a few thousand such rows.
 * The grouped design owns a grouped copy of d's raking. Post-stratified designs cannot be grouped (group
 * before post-stratifying). Returns NULL with a message on a bad argument. */
est_design *est_design_collapse(const est_design *d, size_t m, const size_t *rep, const double *count,
                                char *err, size_t errlen);

/* Respondents each row stands for (all 1 unless grouped); owned by d. */
const double *est_design_counts(const est_design *d);

/* Frees d; est_design_free(NULL) does nothing. */
void est_design_free(est_design *d);

/* n of the arrays (respondents, in the design or not). */
size_t est_design_size(const est_design *d);
/* Rows of the design (weight > 0). */
size_t est_design_rows(const est_design *d);
size_t est_design_nstrata(const est_design *d);
/* Weights of all n respondents (0 = not in the design); owned by d. */
const double *est_design_weights(const est_design *d);
/* Stratum of every respondent; owned by d. */
const int *est_design_strata(const est_design *d);
/* True when raked or post-stratified (R's is.calibrated). */
bool est_design_calibrated(const est_design *d);
/* degf(design): rows with weight > 0 minus strata with such rows. */
long est_design_degf(const est_design *d);

/* Linearised covariance of k estimators given their influence values u (n rows, k columns, column j at
 * u + j * n, 0 outside the design), as svyrecvar computes it: first the residuals of the design's calibration
 * (raking sweeps, then each post-stratification), which replace u in place, then the stratified one-stage
 * with-replacement formula V = sum_h n_h/(n_h - 1) sum_i (u_hi - mean_h u)^2 with outer products. V is k x k,
 * row-major. domain tells which strata a non-calibrated domain visits (NULL = all): a stratum with a single
 * row among those visited gives EST_ELONELY. */
int est_influence_vcov(const est_design *d, double *u, size_t k, const unsigned char *domain, double *V);

/* ------------------------------------------------------------------ means and proportions */

typedef struct est_mean_result {
    double mean, se;        /* svymean: weighted mean over the domain and its linearised SE */
    double total, total_se; /* svytotal: sum of w * y over the domain and its SE */
    double wsum;            /* sum of the domain's weights (estimated population) */
    size_t n;               /* respondents of the domain in the design (unweighted) */
    size_t nrow;            /* nrow() of R's domain design: n without calibration, all design rows with it */
    long df;                /* degf of the domain design: n - strata the domain touches */
    bool deff_ok;           /* false when R's deff is undefined (n < 2, no spread, or sum of weights <= n) */
    double deff;            /* svymean(deff = TRUE): V / V_srs with V_srs = s2 (W - n)/(W n) */
    double deff_replace;    /* deff = "replace": V_srs = s2 / n */
    double deff_total;      /* svytotal(deff = TRUE) */
    double kish;            /* Kish's weighting effect n sum(w^2) / (sum w)^2 */
    bool zero_variance;     /* se (and total_se) fell under the zero-variance rule and are reported as 0 */
} est_mean_result;

/* Weighted mean and total of y over the domain, their SEs under the zero-variance rule (scale: the mean, or
 * the total, and the range of y over the domain). y[i] must be finite for every domain row (EST_EINVAL
 * otherwise). EST_EEMPTY when the domain has nobody in the design, EST_ELONELY as est_influence_vcov. */
int est_mean(const est_design *d, const double *y, const unsigned char *domain, est_mean_result *out);

typedef enum est_ci_method {
    EST_CI_BETA = 0, /* Korn-Graubard (svyciprop "beta"), the default */
    EST_CI_LOGIT,    /* svyciprop "logit": R's quasibinomial GLM fit replicated iteration by iteration */
    EST_CI_XLOGIT,   /* delta method on the logit scale */
    EST_CI_MEAN,     /* p +- t se, not clipped (R does not clip) */
    EST_CI_ASIN,     /* arcsine square-root scale, sin^2 of the bounds (a negative lower bound reflects) */
} est_ci_method;
#define EST_CI_NMETHODS 5

typedef struct est_prop_result {
    double p;  /* svyciprop's point: the weighted proportion (logit: expit of the GLM coefficient) */
    double se; /* linearised SE of the weighted proportion */
    double lower, upper;
    size_t n;             /* respondents of the domain */
    long x;               /* of whom with y = 1 (unweighted) */
    long df;              /* degf of the domain design (t quantiles use it) */
    size_t nrow;          /* as in est_mean_result; the beta method uses nrow - 1 */
    double n_eff;         /* p(1-p)/V (= n in a degenerate domain) */
    double n_eff_kg;      /* Korn-Graubard's df-adjusted n_eff, n_eff (t(nrow-1)/t(df))^2 */
    bool degenerate;      /* the degenerate-domain rule below gave the interval */
    bool zero_variance;   /* degenerate because the variance is zero under the rule while 0 < p < 1 */
    est_mean_result mean; /* the svymean behind it (deff, kish, total, ...) */
} est_prop_result;

/* Proportion of y = 1 in the domain with a svyciprop interval. y must be 0 or 1 on every domain row.
 * Degenerate domains, where R returns NaN or an interval of rounding noise (p = 0 or 1, an SE zero under the
 * zero-variance rule with scale 1, df < 1): the interval is Clopper-Pearson with
 * n_eff = n as NCHS suggests: [BetaInv(a/2; n p, n(1-p) + 1), BetaInv(1 - a/2; n p + 1, n(1-p))] with lower 0
 * when p = 0 and upper 1 when p = 1, the same for every method, and degenerate is set. A domain with one
 * respondent is such a case (p is 0 or 1 and df = 0). An empty domain is EST_EEMPTY. */
int est_prop(const est_design *d, const double *y, const unsigned char *domain, est_ci_method method, double level,
             est_prop_result *out);

/* The same for the five methods at once (out[m] for est_ci_method m), from a single linearisation: cheaper
 * than five calls when a report shows several intervals. Same statuses; out is untouched on error. */
int est_prop_all(const est_design *d, const double *y, const unsigned char *domain, double level,
                 est_prop_result out[EST_CI_NMETHODS]);

/* The same for the methods m with want[m] set only (out[m] written for those): the logit method fits a GLM,
 * so a caller that needs two methods asks for two. */
int est_prop_methods(const est_design *d, const double *y, const unsigned char *domain, double level,
                     const bool want[EST_CI_NMETHODS], est_prop_result out[EST_CI_NMETHODS]);

#endif /* ANALYZER_ESTIMATE_H */
