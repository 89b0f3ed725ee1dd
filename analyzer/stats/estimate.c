/* estimate.c -- domain means and proportions with R survey's linearised variance and svyciprop's intervals,
 * and the unweighted proportion intervals (see estimate.h for the contract).
 *
 * Each formula names the R function whose code defines it. Where R's arithmetic order matters to the last
 * bits (the GLM behind svyciprop's "logit" method stops on a relative change of deviance, so its result
 * depends on when it stops), the code replays R's computation step by step.
 */
#include "estimate.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numeric.h"
#include "util.h"

/* One post-stratification: the weights before and after it and each row's cell, for its residual. */
typedef struct ps_step {
    int *cell; /* [n] cell of each design row, -1 outside the design */
    size_t ncell;
    double *oldw; /* [n] */
    double *neww; /* [n] */
} ps_step;

struct est_design {
    size_t n, nstrata, rows;
    int *stratum;        /* [n] */
    double *w;           /* [n], 0 = not in the design */
    double *m;           /* [n] respondents each row stands for (1, or a count after est_design_collapse) */
    size_t *nh;          /* [nstrata] design respondents per stratum (sum of m over its rows) */
    const wt_raking *rk; /* NULL when not raked; borrowed unless own_rk */
    wt_raking *own_rk;   /* the collapsed raking of a collapsed design, owned */
    size_t nps;
    ps_step *ps; /* [nps], applied after the raking, in order */
};

const char *est_strerror(int status)
{
    switch (status) {
    case EST_OK:
        return "pas d'erreur";
    case EST_EINVAL:
        return "argument invalide";
    case EST_EEMPTY:
        return "domaine vide : aucun répondant";
    case EST_ELONELY:
        return "une strate n'a qu'un seul répondant : variance impossible";
    case EST_ENUMERIC:
        return "échec d'un calcul numérique";
    default:
        return "code d'erreur inconnu";
    }
}

void est_init(void)
{
    num_init();
}

/* Writes a formatted message to err when there is room (err may be NULL or errlen 0). */
static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ the zero-variance rule */

double est_scale(double estimate, double vmin, double vmax)
{
    double range = vmax - vmin;
    return fmax(fabs(estimate), isfinite(range) && range > 0 ? range : 0);
}

bool est_se_is_zero(double se, double scale)
{
    return se <= EST_ZERO_SE_REL * scale;
}

/* ------------------------------------------------------------------ unweighted intervals */

int est_srs_interval(long x, long n, double level, est_srs_method method, est_interval *out)
{
    assert(num_ready() && out != NULL);
    if (n == 0)
        return EST_EEMPTY;
    if (n < 0 || x < 0 || x > n || !(level > 0 && level < 1))
        return EST_EINVAL;
    double alpha = 1 - level, dn = (double)n, dx = (double)x, p = dx / dn;
    double z = num_z_pinv(1 - alpha / 2);
    if (isnan(z))
        return EST_ENUMERIC;
    double lo, hi;
    switch (method) {
    case EST_SRS_WILSON: {
        /* prop.test(x, n, correct = FALSE), which sets the bound to 0 or 1 at x = 0 or n. */
        double z22n = z * z / (2 * dn);
        double half = z * sqrt(p * (1 - p) / dn + z22n / (2 * dn));
        lo = x == 0 ? 0 : (p + z22n - half) / (1 + 2 * z22n);
        hi = x == n ? 1 : (p + z22n + half) / (1 + 2 * z22n);
        break;
    }
    case EST_SRS_CLOPPER_PEARSON:
        lo = x == 0 ? 0 : num_beta_pinv(alpha / 2, dx, dn - dx + 1);
        hi = x == n ? 1 : num_beta_pinv(1 - alpha / 2, dx + 1, dn - dx);
        break;
    case EST_SRS_AGRESTI_COULL: {
        double nt = dn + z * z, pt = (dx + z * z / 2) / nt;
        double half = z * sqrt(pt * (1 - pt) / nt);
        lo = fmax(0, pt - half);
        hi = fmin(1, pt + half);
        break;
    }
    case EST_SRS_JEFFREYS:
        /* Brown, Cai & DasGupta's convention for the boundary counts. */
        lo = x == 0 ? 0 : num_beta_pinv(alpha / 2, dx + 0.5, dn - dx + 0.5);
        hi = x == n ? 1 : num_beta_pinv(1 - alpha / 2, dx + 0.5, dn - dx + 0.5);
        break;
    default:
        return EST_EINVAL;
    }
    if (!isfinite(lo) || !isfinite(hi))
        return EST_ENUMERIC;
    out->lower = fmin(1, fmax(0, lo));
    out->upper = fmin(1, fmax(0, hi));
    return EST_OK;
}

int est_wald_interval(double estimate, double se, double level, double df, est_interval *out)
{
    assert(num_ready() && out != NULL);
    if (!isfinite(estimate) || !(se >= 0) || isinf(se) || !(df > 0) || !(level > 0 && level < 1))
        return EST_EINVAL;
    double q = num_t_pinv(1 - (1 - level) / 2, df);
    if (isnan(q))
        return EST_ENUMERIC;
    out->lower = estimate - q * se;
    out->upper = estimate + q * se;
    return EST_OK;
}

/* ------------------------------------------------------------------ designs */

/* An empty design for n respondents and nstrata strata (arrays allocated, not filled). */
static est_design *design_alloc(size_t n, size_t nstrata)
{
    est_design *d = xcalloc(1, sizeof *d);
    d->n = n;
    d->nstrata = nstrata;
    d->stratum = xmalloc(n * sizeof *d->stratum);
    d->w = xmalloc(n * sizeof *d->w);
    d->m = xmalloc(n * sizeof *d->m);
    for (size_t i = 0; i < n; i++)
        d->m[i] = 1;
    d->nh = xcalloc(nstrata, sizeof *d->nh);
    return d;
}

/* Copies stratum and weight into d after checking them, and counts rows per stratum. 0 or -1. */
static int design_fill(est_design *d, const int *stratum, const double *weight, char *err, size_t errlen)
{
    for (size_t i = 0; i < d->n; i++) {
        if (stratum[i] < 0 || (size_t)stratum[i] >= d->nstrata) {
            set_err(err, errlen, "plan de sondage : la strate du répondant %zu est hors de [0, %zu)", i + 1,
                    d->nstrata);
            return -1;
        }
        if (!(weight[i] >= 0) || isinf(weight[i])) {
            set_err(err, errlen, "plan de sondage : le poids du répondant %zu n'est pas un nombre >= 0", i + 1);
            return -1;
        }
        d->stratum[i] = stratum[i];
        d->w[i] = weight[i];
        if (weight[i] > 0) {
            d->rows += (size_t)d->m[i];
            d->nh[stratum[i]] += (size_t)d->m[i];
        }
    }
    if (d->rows == 0) {
        set_err(err, errlen, "plan de sondage : aucun répondant de poids > 0");
        return -1;
    }
    return 0;
}

void est_design_free(est_design *d)
{
    if (d == NULL)
        return;
    for (size_t k = 0; k < d->nps; k++) {
        free(d->ps[k].cell);
        free(d->ps[k].oldw);
        free(d->ps[k].neww);
    }
    free(d->ps);
    free(d->nh);
    free(d->m);
    free(d->w);
    free(d->stratum);
    wt_free(d->own_rk);
    free(d);
}

est_design *est_design_new(size_t n, size_t nstrata, const int *stratum, const double *weight, char *err, size_t errlen)
{
    if (n == 0 || nstrata == 0 || stratum == NULL || weight == NULL) {
        set_err(err, errlen, "plan de sondage : aucun répondant, aucune strate ou tableau manquant");
        return NULL;
    }
    est_design *d = design_alloc(n, nstrata);
    if (design_fill(d, stratum, weight, err, errlen) != 0) {
        est_design_free(d);
        return NULL;
    }
    return d;
}

est_design *est_design_new_raked(size_t n, size_t nstrata, const int *stratum, const wt_raking *rk, char *err,
                                 size_t errlen)
{
    if (rk == NULL || wt_n(rk) != n) {
        set_err(err, errlen, "plan de sondage : le raking ne porte pas sur les mêmes %zu répondants", n);
        return NULL;
    }
    est_design *d = est_design_new(n, nstrata, stratum, wt_weights(rk), err, errlen);
    if (d != NULL)
        d->rk = rk;
    return d;
}

est_design *est_design_collapse(const est_design *d, size_t m, const size_t *rep, const double *count,
                                char *err, size_t errlen)
{
    if (d == NULL || rep == NULL || count == NULL || m == 0 || d->nps > 0) {
        set_err(err, errlen, "regroupement : argument manquant ou plan post-stratifié");
        return NULL;
    }
    est_design *c = design_alloc(m, d->nstrata);
    int *stratum = xmalloc(m * sizeof *stratum);
    double *w = xmalloc(m * sizeof *w);
    for (size_t j = 0; j < m; j++) {
        if (rep[j] >= d->n || !(count[j] >= 1) || count[j] != floor(count[j])) {
            set_err(err, errlen, "regroupement : ligne %zu invalide", j + 1);
            goto fail;
        }
        stratum[j] = d->stratum[rep[j]];
        w[j] = d->w[rep[j]];
        c->m[j] = count[j];
    }
    if (design_fill(c, stratum, w, err, errlen) != 0)
        goto fail;
    if (d->rk)
        c->rk = c->own_rk = wt_collapse(d->rk, m, rep, count);
    free(w);
    free(stratum);
    return c;
fail:
    free(w);
    free(stratum);
    est_design_free(c);
    return NULL;
}

const double *est_design_counts(const est_design *d)
{
    return d->m;
}

/* A deep copy of d. */
static est_design *design_copy(const est_design *d)
{
    est_design *c = design_alloc(d->n, d->nstrata);
    c->rows = d->rows;
    memcpy(c->stratum, d->stratum, d->n * sizeof *c->stratum);
    memcpy(c->w, d->w, d->n * sizeof *c->w);
    memcpy(c->m, d->m, d->n * sizeof *c->m);
    memcpy(c->nh, d->nh, d->nstrata * sizeof *c->nh);
    c->rk = d->rk;
    if (d->own_rk)
        c->rk = c->own_rk = wt_copy(d->own_rk);
    c->nps = d->nps;
    c->ps = xcalloc(d->nps + 1, sizeof *c->ps);
    for (size_t k = 0; k < d->nps; k++) {
        c->ps[k].ncell = d->ps[k].ncell;
        c->ps[k].cell = xmalloc(d->n * sizeof(int));
        c->ps[k].oldw = xmalloc(d->n * sizeof(double));
        c->ps[k].neww = xmalloc(d->n * sizeof(double));
        memcpy(c->ps[k].cell, d->ps[k].cell, d->n * sizeof(int));
        memcpy(c->ps[k].oldw, d->ps[k].oldw, d->n * sizeof(double));
        memcpy(c->ps[k].neww, d->ps[k].neww, d->n * sizeof(double));
    }
    return c;
}

est_design *est_design_poststratify(const est_design *d, const int *cell, size_t ncell, const double *pop, bool partial,
                                    char *err, size_t errlen)
{
    if (d == NULL || cell == NULL || pop == NULL || ncell == 0) {
        set_err(err, errlen, "post-stratification : argument manquant");
        return NULL;
    }
    est_design *result = NULL;
    double *sample = xcalloc(ncell, sizeof *sample);
    est_design *c = NULL;
    for (size_t i = 0; i < d->n; i++) {
        if (d->w[i] == 0)
            continue;
        if (cell[i] < 0 || (size_t)cell[i] >= ncell) {
            set_err(err, errlen, "post-stratification : la cellule du répondant %zu est hors de [0, %zu)", i + 1,
                    ncell);
            goto cleanup;
        }
        sample[cell[i]] += d->m[i] * d->w[i];
    }
    for (size_t k = 0; k < ncell; k++) {
        if (!(pop[k] >= 0) || isinf(pop[k])) {
            set_err(err, errlen, "post-stratification : total de population invalide pour la cellule %zu", k);
            goto cleanup;
        }
        if (sample[k] > 0 && pop[k] == 0) {
            set_err(err, errlen, "post-stratification : la cellule %zu a des répondants mais une population nulle", k);
            goto cleanup;
        }
        if (sample[k] == 0 && pop[k] > 0 && !partial) {
            set_err(err, errlen, "post-stratification : personne dans la cellule %zu (population %.15g)", k, pop[k]);
            goto cleanup;
        }
    }
    c = design_copy(d);
    ps_step *st = &c->ps[c->nps];
    st->ncell = ncell;
    st->cell = xmalloc(d->n * sizeof *st->cell);
    st->oldw = xmalloc(d->n * sizeof *st->oldw);
    st->neww = xmalloc(d->n * sizeof *st->neww);
    c->nps++;
    for (size_t i = 0; i < d->n; i++) {
        st->oldw[i] = d->w[i];
        if (d->w[i] == 0) {
            st->cell[i] = -1;
            st->neww[i] = 0;
            continue;
        }
        st->cell[i] = cell[i];
        /* postStratify: prob <- prob / (pop / sample), weight = 1 / prob. */
        double prob = 1 / d->w[i];
        prob = prob / (pop[cell[i]] / sample[cell[i]]);
        st->neww[i] = 1 / prob;
        c->w[i] = st->neww[i];
    }
    result = c;
    c = NULL;
cleanup:
    est_design_free(c);
    free(sample);
    return result;
}

size_t est_design_size(const est_design *d)
{
    return d->n;
}

size_t est_design_rows(const est_design *d)
{
    return d->rows;
}

size_t est_design_nstrata(const est_design *d)
{
    return d->nstrata;
}

const double *est_design_weights(const est_design *d)
{
    return d->w;
}

const int *est_design_strata(const est_design *d)
{
    return d->stratum;
}

bool est_design_calibrated(const est_design *d)
{
    return d->rk != NULL || d->nps > 0;
}

long est_design_degf(const est_design *d)
{
    long strata = 0;
    for (size_t h = 0; h < d->nstrata; h++)
        strata += d->nh[h] > 0;
    return (long)d->rows - strata;
}

/* ------------------------------------------------------------------ variance */

/* The residual of post-stratification step st (svyrecvar, plain postStrata branch):
 * u <- u - psw * [sum_cell(u * oldw / psw) / sum_cell(oldw)]. */
static void ps_residual(const est_design *d, const ps_step *st, double *u, size_t k)
{
    double *sum = xcalloc(st->ncell * k, sizeof *sum);
    double *wsum = xcalloc(st->ncell, sizeof *wsum);
    for (size_t i = 0; i < d->n; i++) {
        if (st->cell[i] < 0)
            continue;
        size_t c = (size_t)st->cell[i];
        wsum[c] += d->m[i] * st->oldw[i];
        for (size_t j = 0; j < k; j++)
            sum[c * k + j] += d->m[i] * u[j * d->n + i] * st->oldw[i] / st->neww[i];
    }
    for (size_t i = 0; i < d->n; i++) {
        if (st->cell[i] < 0)
            continue;
        size_t c = (size_t)st->cell[i];
        for (size_t j = 0; j < k; j++)
            u[j * d->n + i] -= sum[c * k + j] / wsum[c] * st->neww[i];
    }
    free(wsum);
    free(sum);
}

int est_influence_vcov(const est_design *d, double *u, size_t k, const unsigned char *domain, double *V)
{
    assert(num_ready());
    if (d == NULL || u == NULL || V == NULL || k == 0)
        return EST_EINVAL;
    size_t n = d->n;
    int rc = EST_OK;
    bool *visit = xcalloc(d->nstrata, sizeof *visit);
    double *mean = xmalloc(d->nstrata * k * sizeof *mean);

    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            if (d->w[i] == 0)
                u[j * n + i] = 0;
            else if (!isfinite(u[j * n + i])) {
                rc = EST_EINVAL;
                goto cleanup;
            }
        }
    if (d->rk != NULL)
        wt_residual(d->rk, u, k);
    for (size_t s = 0; s < d->nps; s++)
        ps_residual(d, &d->ps[s], u, k);

    /* Strata R's onestage visits: all of them, except for a non-calibrated domain, whose subset only has
     * rows in the strata it touches. */
    for (size_t i = 0; i < n; i++)
        if (d->w[i] > 0 && (domain == NULL || est_design_calibrated(d) || domain[i]))
            visit[d->stratum[i]] = true;
    for (size_t h = 0; h < d->nstrata; h++)
        if (visit[h] && d->nh[h] == 1) {
            rc = EST_ELONELY;
            goto cleanup;
        }

    memset(mean, 0, d->nstrata * k * sizeof *mean);
    for (size_t i = 0; i < n; i++)
        if (d->w[i] > 0)
            for (size_t j = 0; j < k; j++)
                mean[(size_t)d->stratum[i] * k + j] += d->m[i] * u[j * n + i];
    for (size_t h = 0; h < d->nstrata; h++)
        for (size_t j = 0; j < k; j++)
            if (d->nh[h] > 0)
                mean[h * k + j] /= (double)d->nh[h];
    memset(V, 0, k * k * sizeof *V);
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)d->stratum[i];
        /* A stratum of one row that the domain does not visit adds nothing (its u is 0), and its n_h/(n_h - 1)
         * would turn that 0 into NaN. */
        if (d->w[i] == 0 || d->nh[h] < 2)
            continue;
        double scale = d->m[i] * (double)d->nh[h] / (double)(d->nh[h] - 1);
        for (size_t a = 0; a < k; a++) {
            double ca = u[a * n + i] - mean[h * k + a];
            for (size_t b = a; b < k; b++)
                V[a * k + b] += scale * ca * (u[b * n + i] - mean[h * k + b]);
        }
    }
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < a; b++)
            V[a * k + b] = V[b * k + a];
cleanup:
    free(mean);
    free(visit);
    return rc;
}

/* ------------------------------------------------------------------ means */

/* True when respondent i is a row of the design (weight > 0) and flagged in domain (NULL = everyone). */
static bool in_domain(const est_design *d, const unsigned char *domain, size_t i)
{
    return d->w[i] > 0 && (domain == NULL || domain[i]);
}

/* svymean and svytotal over the domain, plus V (the variance of the mean) for the callers that need it. */
static int mean_core(const est_design *d, const double *y, const unsigned char *domain, est_mean_result *out,
                     double *var_mean)
{
    size_t n = d->n, nd = 0;
    double wsum = 0, w2sum = 0;
    bool *touched = xcalloc(d->nstrata, sizeof *touched);
    double *u = xcalloc(2 * n, sizeof *u);
    int rc = EST_OK;
    for (size_t i = 0; i < n; i++) {
        if (!in_domain(d, domain, i))
            continue;
        if (!isfinite(y[i])) {
            rc = EST_EINVAL;
            goto cleanup;
        }
        nd += (size_t)d->m[i];
        wsum += d->m[i] * d->w[i];
        w2sum += d->m[i] * d->w[i] * d->w[i];
        touched[d->stratum[i]] = true;
    }
    if (nd == 0) {
        rc = EST_EEMPTY;
        goto cleanup;
    }
    memset(out, 0, sizeof *out);
    out->n = nd;
    out->wsum = wsum;
    long strata = 0;
    for (size_t h = 0; h < d->nstrata; h++)
        strata += touched[h];
    out->df = (long)nd - strata;
    out->nrow = est_design_calibrated(d) ? d->rows : nd;
    out->kish = (double)nd * w2sum / (wsum * wsum);

    /* svymean.survey.design2: average = colSums(x * w / psum); u = (x - average) * w / psum. */
    double mean = 0, total = 0;
    for (size_t i = 0; i < n; i++)
        if (in_domain(d, domain, i)) {
            mean += d->m[i] * y[i] * d->w[i] / wsum;
            total += d->m[i] * y[i] * d->w[i];
        }
    /* Column 0: the mean's influence (y - mean) w / W; column 1: the total's, y w (svytotal). One pass of
     * the calibration residuals serves both. */
    for (size_t i = 0; i < n; i++) {
        u[i] = in_domain(d, domain, i) ? (y[i] - mean) * d->w[i] / wsum : 0;
        u[n + i] = in_domain(d, domain, i) ? y[i] * d->w[i] : 0;
    }
    double V[4];
    if ((rc = est_influence_vcov(d, u, 2, domain, V)) != EST_OK)
        goto cleanup;
    double v = V[0], vt = V[3];
    /* The zero-variance rule of estimate.h: noise is reported as the exact zero it stands for, so that every
     * interval and test built on it takes the same branch on every dataset. */
    double ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (in_domain(d, domain, i))
            ymin = fmin(ymin, y[i]), ymax = fmax(ymax, y[i]);
    if (est_se_is_zero(sqrt(v), est_scale(mean, ymin, ymax))) {
        v = 0;
        out->zero_variance = true;
    }
    if (est_se_is_zero(sqrt(vt), est_scale(total, wsum * ymin, wsum * ymax)))
        vt = 0;
    out->mean = mean;
    out->se = sqrt(v);
    out->total = total;
    out->total_se = sqrt(vt);
    *var_mean = v;

    /* svyvar: s2 = sum w (y - mean)^2 / W * n/(n - 1); deff per svymean/svytotal (src: R/survey.R). */
    if (nd >= 2 && wsum > (double)nd) {
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            if (in_domain(d, domain, i))
                ss += d->m[i] * d->w[i] * (y[i] - mean) * (y[i] - mean) / wsum;
        double s2 = ss * (double)nd / (double)(nd - 1);
        if (s2 > 0) {
            double dn = (double)nd;
            out->deff_ok = true;
            out->deff = v / (s2 * (wsum - dn) / (wsum * dn));
            out->deff_replace = v / (s2 / dn);
            out->deff_total = vt / (s2 * wsum * wsum * (wsum - dn) / (wsum * dn));
        }
    }
cleanup:
    free(u);
    free(touched);
    return rc;
}

int est_mean(const est_design *d, const double *y, const unsigned char *domain, est_mean_result *out)
{
    assert(num_ready());
    if (d == NULL || y == NULL || out == NULL)
        return EST_EINVAL;
    double v;
    return mean_core(d, y, domain, out, &v);
}

/* ------------------------------------------------------------------ svyciprop */

/* R's C code for the logit link (src: R's family.c): thresholds keep exp() finite. */
#define LOGIT_THRESH 30.
#define LOGIT_MTHRESH -30.
#define LOGIT_INVEPS (1 / DBL_EPSILON)

/* binomial()$linkinv. */
static double logit_linkinv(double eta)
{
    double tmp = eta < LOGIT_MTHRESH ? DBL_EPSILON : (eta > LOGIT_THRESH ? LOGIT_INVEPS : exp(eta));
    return tmp / (1 + tmp);
}

/* binomial()$mu.eta: d mu / d eta. */
static double logit_mu_eta(double eta)
{
    double opexp = 1 + exp(eta);
    return (eta > LOGIT_THRESH || eta < LOGIT_MTHRESH) ? DBL_EPSILON : exp(eta) / (opexp * opexp);
}

/* binomial()$dev.resids for y in {0, 1}. */
static double binomial_dev(double y, double mu, double wt)
{
    double r = 0;
    if (y != 0)
        r += y * log(y / mu);
    if (1 - y != 0)
        r += (1 - y) * log((1 - y) / (1 - mu));
    return 2 * wt * r;
}

/* svyciprop(method = "logit"): svyglm(y ~ 1, family = quasibinomial) replayed as glm.fit runs it (starting
 * values, IRLS steps, the stopping rule |dev - devold| / (0.1 + |dev|) < 1e-8, at most 25 iterations), its
 * sandwich variance (svy.varcoef) and confint's Wald interval on the logit scale with t(df). The prior
 * weights are R's, rescaled to mean 1 over the rows of the domain design (nrow), which changes the deviance's
 * scale and therefore when the fit stops. Writes the point and bounds; returns a status. */
static int logit_glm(const est_design *d, const double *y, const unsigned char *domain, size_t nrow, double wsum,
                     long df, double level, est_prop_result *out)
{
    size_t n = d->n;
    int rc = EST_OK;
    double scale = wsum / (double)nrow;
    double *eta = xmalloc(n * sizeof *eta);
    double *mu = xmalloc(n * sizeof *mu);
    double *glmw = xcalloc(n, sizeof *glmw);
    double *u = xcalloc(n, sizeof *u);

    double devold = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in_domain(d, domain, i))
            continue;
        double pw = d->w[i] / scale;
        double mustart = (pw * y[i] + 0.5) / (pw + 1);
        eta[i] = log(mustart / (1 - mustart));
        mu[i] = logit_linkinv(eta[i]);
        devold += d->m[i] * binomial_dev(y[i], mu[i], pw);
    }
    double beta = 0;
    for (int iter = 1; iter <= 25; iter++) {
        double sw = 0, swz = 0;
        for (size_t i = 0; i < n; i++) {
            if (!in_domain(d, domain, i))
                continue;
            double pw = d->w[i] / scale;
            double me = logit_mu_eta(eta[i]);
            double z = eta[i] + (y[i] - mu[i]) / me;
            glmw[i] = pw * me * me / (mu[i] * (1 - mu[i]));
            sw += d->m[i] * glmw[i];
            swz += d->m[i] * glmw[i] * z;
        }
        beta = swz / sw;
        double m = logit_linkinv(beta), dev = 0;
        for (size_t i = 0; i < n; i++) {
            if (!in_domain(d, domain, i))
                continue;
            eta[i] = beta;
            mu[i] = m;
            dev += d->m[i] * binomial_dev(y[i], m, d->w[i] / scale);
        }
        if (!isfinite(dev)) {
            rc = EST_ENUMERIC;
            goto cleanup;
        }
        if (fabs(dev - devold) / (0.1 + fabs(dev)) < 1e-8)
            break;
        devold = dev;
    }
    /* svy.varcoef: influence = working residual * working weight * (X'WX)^-1, with the working weights of
     * the last iteration. */
    double sw = 0, mfin = logit_linkinv(beta), mefin = logit_mu_eta(beta);
    for (size_t i = 0; i < n; i++)
        if (in_domain(d, domain, i))
            sw += d->m[i] * glmw[i];
    for (size_t i = 0; i < n; i++)
        u[i] = in_domain(d, domain, i) ? glmw[i] * ((y[i] - mfin) / mefin) / sw : 0;
    double vbeta;
    if ((rc = est_influence_vcov(d, u, 1, domain, &vbeta)) != EST_OK)
        goto cleanup;
    double t = num_t_pinv(1 - (1 - level) / 2, (double)df);
    if (isnan(t)) {
        rc = EST_ENUMERIC;
        goto cleanup;
    }
    out->p = num_expit(beta);
    out->lower = num_expit(beta - t * sqrt(vbeta));
    out->upper = num_expit(beta + t * sqrt(vbeta));
cleanup:
    free(u);
    free(glmw);
    free(mu);
    free(eta);
    return rc;
}

/* svyciprop for the methods flagged in want[] (indexed by est_ci_method), from one linearisation; out[m] is
 * written for each wanted method, and nothing is written on error. */
static int prop_core(const est_design *d, const double *y, const unsigned char *domain, const bool *want, double level,
                     est_prop_result *out)
{
    assert(num_ready());
    if (d == NULL || y == NULL || out == NULL || !(level > 0 && level < 1))
        return EST_EINVAL;
    long x = 0;
    for (size_t i = 0; i < d->n; i++)
        if (in_domain(d, domain, i)) {
            if (y[i] != 0 && y[i] != 1)
                return EST_EINVAL;
            x += y[i] == 1 ? (long)d->m[i] : 0;
        }
    est_prop_result base;
    memset(&base, 0, sizeof base);
    double v;
    int rc = mean_core(d, y, domain, &base.mean, &v);
    if (rc != EST_OK)
        return rc;
    double p = base.mean.mean, alpha = 1 - level, dn = (double)base.mean.n;
    base.n = base.mean.n;
    base.x = x;
    base.df = base.mean.df;
    base.nrow = base.mean.nrow;
    base.se = base.mean.se;
    base.p = p;

    if (x == 0 || x == (long)base.n || base.mean.zero_variance || base.df < 1 || base.nrow < 2) {
        /* The degenerate-domain rule of estimate.h: Clopper-Pearson with n_eff = n, whatever the method. With
         * 0 < p < 1 the variance is zero under the rule (mean_core has set it to 0), since the range of y is 1:
         * R's beta interval then fails on an infinite n_eff and its other methods give a width of 1e-16, which
         * no reader should take for certainty. */
        base.zero_variance = x != 0 && x != (long)base.n && base.mean.zero_variance;
        if (x == 0)
            p = base.p = 0;
        if (x == (long)base.n)
            p = base.p = 1;
        base.degenerate = true;
        base.n_eff = base.n_eff_kg = dn;
        base.lower = x == 0 ? 0 : num_beta_pinv(alpha / 2, dn * p, dn * (1 - p) + 1);
        base.upper = x == (long)base.n ? 1 : num_beta_pinv(1 - alpha / 2, dn * p + 1, dn * (1 - p));
        if (!isfinite(base.lower) || !isfinite(base.upper))
            return EST_ENUMERIC;
        for (int m = EST_CI_BETA; m <= EST_CI_ASIN; m++)
            if (want[m])
                out[m] = base;
        return EST_OK;
    }

    est_prop_result res[EST_CI_NMETHODS];
    double df = (double)base.df;
    double t = num_t_pinv(1 - alpha / 2, df);
    base.n_eff = base.n_eff_kg = p * (1 - p) / v;
    for (int m = EST_CI_BETA; m <= EST_CI_ASIN; m++) {
        if (!want[m])
            continue;
        est_prop_result r = base;
        switch ((est_ci_method)m) {
        case EST_CI_MEAN:
            r.lower = p - t * r.se;
            r.upper = p + t * r.se;
            break;
        case EST_CI_XLOGIT: {
            double theta = log(p / (1 - p)), se = r.se / (p * (1 - p));
            r.lower = num_expit(theta - t * se);
            r.upper = num_expit(theta + t * se);
            break;
        }
        case EST_CI_ASIN: {
            double phi = asin(sqrt(p)), se = r.se / (2 * sqrt(p * (1 - p)));
            r.lower = pow(sin(phi - t * se), 2);
            r.upper = pow(sin(phi + t * se), 2);
            break;
        }
        case EST_CI_BETA: {
            double ratio = num_t_pinv(alpha / 2, (double)r.nrow - 1) / num_t_pinv(alpha / 2, df);
            r.n_eff_kg = r.n_eff * ratio * ratio;
            r.lower = num_beta_pinv(alpha / 2, r.n_eff_kg * p, r.n_eff_kg * (1 - p) + 1);
            r.upper = num_beta_pinv(1 - alpha / 2, r.n_eff_kg * p + 1, r.n_eff_kg * (1 - p));
            break;
        }
        case EST_CI_LOGIT:
            if ((rc = logit_glm(d, y, domain, r.nrow, r.mean.wsum, r.df, level, &r)) != EST_OK)
                return rc;
            break;
        }
        if (!isfinite(r.lower) || !isfinite(r.upper) || !isfinite(r.p) || !isfinite(r.n_eff_kg))
            return EST_ENUMERIC;
        res[m] = r;
    }
    for (int m = EST_CI_BETA; m <= EST_CI_ASIN; m++)
        if (want[m])
            out[m] = res[m];
    return EST_OK;
}

int est_prop(const est_design *d, const double *y, const unsigned char *domain, est_ci_method method, double level,
             est_prop_result *out)
{
    if (method < EST_CI_BETA || method > EST_CI_ASIN || out == NULL)
        return EST_EINVAL;
    bool want[EST_CI_NMETHODS] = {false};
    est_prop_result all[EST_CI_NMETHODS];
    want[method] = true;
    int rc = prop_core(d, y, domain, want, level, all);
    if (rc == EST_OK)
        *out = all[method];
    return rc;
}

int est_prop_methods(const est_design *d, const double *y, const unsigned char *domain, double level,
                     const bool want[EST_CI_NMETHODS], est_prop_result out[EST_CI_NMETHODS])
{
    return prop_core(d, y, domain, want, level, out);
}

int est_prop_all(const est_design *d, const double *y, const unsigned char *domain, double level,
                 est_prop_result out[EST_CI_NMETHODS])
{
    bool want[EST_CI_NMETHODS];
    for (int m = 0; m < EST_CI_NMETHODS; m++)
        want[m] = true;
    return prop_core(d, y, domain, want, level, out);
}
