/* numeric.h -- the analyzer's guarded wrappers around GSL's distribution functions.
 *
 * Every statistical module of analyzer_lib calls GSL through these functions only, so that the library's quirks
 * are handled in one place: GSL aborts on any error unless its handler is turned off (num_init does it once),
 * and gsl_cdf_beta_Pinv is unreliable (it returns NaN for many shapes below about 0.1 and never returns for a
 * shape of 0), so the beta quantile here is a bracketed Newton solver of our own over GSL's incomplete beta.
 * Functions return NaN when GSL reports a failure; callers check with isfinite() and turn it into a status.
 */
#ifndef ANALYZER_NUMERIC_H
#define ANALYZER_NUMERIC_H

#include <stdbool.h>

/* Turns GSL's abort-on-error handler off. Idempotent; est_init() calls it (see estimate.h). */
void num_init(void);

/* True once num_init has run. The modules assert it: calling them before est_init is a programmer error. */
bool num_ready(void);

/* Quantile of the Beta(a, b) distribution at probability p, as R's qbeta(p, a, b) (agreement ~1e-13 relative).
 * a = 0 (b > 0) is the point mass at 0 and b = 0 (a > 0) the point mass at 1, R's limits. Returns NaN for
 * p outside [0, 1], negative or non-finite shapes, or a = b = 0. */
double num_beta_pinv(double p, double a, double b);

/* Quantile of Student's t with df degrees of freedom (df = INFINITY gives the normal quantile). NaN when
 * df <= 0 or p is outside (0, 1). */
double num_t_pinv(double p, double df);

/* Standard normal quantile. */
double num_z_pinv(double p);

/* Two-sided p-value of a t statistic: 2 P(T > |t|) (normal when df is infinite). */
double num_t_two_sided(double t, double df);

/* Upper tails: P(F(d1, d2) > f) and P(chi2(df) > x); non-integer degrees of freedom are allowed. */
double num_f_q(double f, double d1, double d2);
double num_chisq_q(double x, double df);

/* Quantile of the gamma distribution with the given shape and scale (R's qgamma(p, shape=, scale=)). */
double num_gamma_pinv(double p, double shape, double scale);

/* survey's expit(eta) = exp(eta) / (1 + exp(eta)), written as R writes it so that results agree to the bit
 * where possible. */
double num_expit(double eta);

#endif /* ANALYZER_NUMERIC_H */
