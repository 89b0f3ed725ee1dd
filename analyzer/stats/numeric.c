/* numeric.c -- guarded GSL distribution functions for analyzer_lib (see numeric.h).
 *
 * GSL runs with its error handler off, so every call here checks the returned status or value and reports a
 * failure as NaN, which the calling module turns into a status code. The one function written from scratch is
 * the beta quantile: GSL 2.7's gsl_cdf_beta_Pinv returns NaN over a large part of the shapes a survey meets
 * (a shape below about 0.1 with some probabilities, and it loops forever at a = 0), while Korn-Graubard and
 * Clopper-Pearson intervals of rare outcomes need exactly those shapes.
 */
#include "numeric.h"

#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

/* Set once num_init has turned GSL's error handler off. */
static bool gsl_quiet;

void num_init(void)
{
    gsl_set_error_handler_off();
    gsl_quiet = true;
}

bool num_ready(void)
{
    return gsl_quiet;
}

/* The regularised incomplete beta I_x(a, b) for 0 < x < 1, or NaN when GSL fails. An underflow means a
 * probability below the smallest double, which is 0 for our purposes. */
static double beta_cdf(double a, double b, double x)
{
    gsl_sf_result r;
    int status = gsl_sf_beta_inc_e(a, b, x, &r);
    if (status == GSL_EUNDRFLW)
        return 0;
    if (status != GSL_SUCCESS || !isfinite(r.val))
        return NAN;
    return r.val;
}

/* Solves I_x(a, b) = q for 0 < q <= 0.5 and a, b > 0, keeping a bracket [lo, hi] around the root: a Newton
 * step is taken when it stays inside the bracket, otherwise the bracket is bisected (geometrically while it
 * spans orders of magnitude, since lower quantiles of small shapes are tiny numbers). The start is the
 * small-x expansion I_x ~ x^a / (a B(a, b)), capped at the mean. Returns 0 when the quantile is below 1e-300
 * (R then returns 0 or a subnormal number), NaN when GSL fails or the solver does not settle. */
static double beta_lower_quantile(double q, double a, double b)
{
    gsl_sf_result lb;
    if (gsl_sf_lnbeta_e(a, b, &lb) != GSL_SUCCESS || !isfinite(lb.val))
        return NAN;
    double lnbeta = lb.val;
    double lo = 0, hi = 1;
    double mean = a / (a + b), sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
    double x = exp((log(q) + log(a) + lnbeta) / a);
    /* Capped one standard deviation below the mean: with shapes in the millions (Korn-Graubard's n_eff of a
     * share the raking nearly fixes) GSL's continued fraction does not converge at the mean itself. */
    if (!(x < mean))
        x = mean - sd > 0 ? mean - sd : mean;
    if (!(x > 1e-300)) {
        double f = beta_cdf(a, b, 1e-300);
        if (isnan(f))
            return NAN;
        if (f >= q)
            return 0;
        lo = 1e-300;
        x = sqrt(lo * mean);
    }
    for (int iter = 0; iter < 2000; iter++) {
        double f = beta_cdf(a, b, x);
        if (isnan(f) && x > lo && fabs(x - mean) < 3 * sd && a > 1000 && b > 1000) {
            /* The same failure close to the centre of a beta that is nearly normal: there the distribution
             * function is above q (q <= 0.5 and the median is within 1 / (a + b) of the mean, far closer
             * than sd), so the root is below x; bisect towards it. */
            hi = x;
            x = lo + (hi - lo) / 2 > 0 ? lo + (hi - lo) / 2 : hi / 2;
            continue;
        }
        if (isnan(f))
            return NAN;
        double g = f - q;
        if (g == 0)
            return x;
        if (g < 0)
            lo = x;
        else
            hi = x;
        double lndens = (a - 1) * log(x) + (b - 1) * log1p(-x) - lnbeta;
        double next = x - g / exp(lndens);
        if (!(next > lo && next < hi)) {
            if (lo == 0)
                next = hi / 64;
            else if (hi / lo > 4)
                next = sqrt(lo * hi);
            else
                next = lo + (hi - lo) / 2;
        }
        if (fabs(next - x) <= 2 * DBL_EPSILON * x || hi - lo <= 2 * DBL_EPSILON * hi)
            return next;
        if (hi < 1e-300)
            return 0;
        x = next;
    }
    return NAN;
}

double num_beta_pinv(double p, double a, double b)
{
    if (!(p >= 0 && p <= 1) || !(a >= 0) || !(b >= 0) || isinf(a) || isinf(b) || (a == 0 && b == 0))
        return NAN;
    if (p == 0 || a == 0)
        return 0;
    if (p == 1 || b == 0)
        return 1;
    /* Shapes beyond 1e10 (an n_eff that large means a variance near the zero-variance rule of estimate.h):
     * the incomplete beta is out of GSL's reach, and the beta is normal to within its skewness, which the
     * Cornish-Fisher term takes: the error left is of order sd / (a + b), below 1e-15 here. */
    if (a + b > 1e10) {
        double mean = a / (a + b), sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
        double skew = 2 * (b - a) * sqrt(a + b + 1) / ((a + b + 2) * sqrt(a * b));
        double z = gsl_cdf_ugaussian_Pinv(p);
        double x = mean + sd * (z + (z * z - 1) * skew / 6);
        return x < 0 ? 0 : x > 1 ? 1 : x;
    }
    /* Solve in the tail whose probability is at most one half, where the incomplete beta is accurate. */
    if (p > 0.5) {
        double y = beta_lower_quantile(1 - p, b, a);
        return isnan(y) ? y : 1 - y;
    }
    return beta_lower_quantile(p, a, b);
}

double num_z_pinv(double p)
{
    if (!(p > 0 && p < 1))
        return NAN;
    return gsl_cdf_ugaussian_Pinv(p);
}

double num_t_pinv(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0))
        return NAN;
    if (isinf(df))
        return gsl_cdf_ugaussian_Pinv(p);
    double t = gsl_cdf_tdist_Pinv(p, df);
    return isfinite(t) ? t : NAN;
}

double num_t_two_sided(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    double q = isinf(df) ? gsl_cdf_ugaussian_Q(fabs(t)) : gsl_cdf_tdist_Q(fabs(t), df);
    return isfinite(q) ? 2 * q : NAN;
}

double num_f_q(double f, double d1, double d2)
{
    if (!(f >= 0) || !(d1 > 0) || !(d2 > 0))
        return NAN;
    double q = gsl_cdf_fdist_Q(f, d1, d2);
    return isfinite(q) ? q : NAN;
}

double num_chisq_q(double x, double df)
{
    if (!(x >= 0) || !(df > 0))
        return NAN;
    double q = gsl_cdf_chisq_Q(x, df);
    return isfinite(q) ? q : NAN;
}

double num_gamma_pinv(double p, double shape, double scale)
{
    if (!(p > 0 && p < 1) || !(shape > 0) || !(scale > 0) || isinf(shape) || isinf(scale))
        return NAN;
    double x = gsl_cdf_gamma_Pinv(p, shape, scale);
    return isfinite(x) ? x : NAN;
}

double num_expit(double eta)
{
    return exp(eta) / (1 + exp(eta));
}
