/* standardize.c -- direct standardisation of survey prevalences (svystandardize) and of rates from counts
 * (ageadjust.direct); see standardize.h for the contract.
 *
 * svystandardize is a post-stratification of the design to the cells cell x group with totals share_c * N_g,
 * N_g being the group's estimated population before standardisation; estimate.c's post-stratification
 * carries the residual that the variance needs, so the estimate itself is an ordinary domain mean.
 */
#include "standardize.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numeric.h"
#include "util.h"

int std_design_structure(const est_design *d, const int *cell, size_t ncell, double *pop)
{
    if (d == NULL || cell == NULL || pop == NULL || ncell == 0)
        return EST_EINVAL;
    const double *w = est_design_weights(d), *m = est_design_counts(d);
    memset(pop, 0, ncell * sizeof *pop);
    for (size_t i = 0; i < est_design_size(d); i++) {
        if (w[i] == 0)
            continue;
        if (cell[i] < 0 || (size_t)cell[i] >= ncell)
            return EST_EINVAL;
        pop[cell[i]] += m[i] * w[i];
    }
    return EST_OK;
}

int std_survey(const est_design *d, const double *y, const unsigned char *domain, const int *group, size_t ngroup,
               const int *cell, size_t ncell, const double *std_pop, std_result *out)
{
    assert(num_ready());
    if (d == NULL || y == NULL || group == NULL || cell == NULL || std_pop == NULL || out == NULL || ngroup == 0 ||
        ncell == 0)
        return EST_EINVAL;
    size_t n = est_design_size(d);
    const double *w = est_design_weights(d), *m = est_design_counts(d);
    double stdsum = 0;
    for (size_t c = 0; c < ncell; c++) {
        if (!(std_pop[c] >= 0) || isinf(std_pop[c]))
            return EST_EINVAL;
        stdsum += std_pop[c];
    }
    if (!(stdsum > 0))
        return EST_EINVAL;

    int rc = EST_OK;
    double *ng = xcalloc(ngroup, sizeof *ng);
    double *pop = xcalloc(ngroup * ncell, sizeof *pop);
    size_t *count = xcalloc(ngroup * ncell, sizeof *count);
    int *combined = xmalloc(n * sizeof *combined);
    unsigned char *dom = xmalloc(n);
    est_design *std = NULL;
    for (size_t i = 0; i < n; i++) {
        combined[i] = -1;
        if (w[i] == 0)
            continue;
        if (group[i] < 0 || (size_t)group[i] >= ngroup || cell[i] < 0 || (size_t)cell[i] >= ncell) {
            rc = EST_EINVAL;
            goto cleanup;
        }
        ng[group[i]] += m[i] * w[i];
        combined[i] = cell[i] + (int)ncell * group[i];
        count[combined[i]] += (size_t)m[i];
    }
    for (size_t g = 0; g < ngroup; g++)
        for (size_t c = 0; c < ncell; c++) {
            pop[c + ncell * g] = std_pop[c] / stdsum * ng[g];
            if (count[c + ncell * g] > 0 && pop[c + ncell * g] == 0) {
                rc = EST_EINVAL;
                goto cleanup;
            }
        }
    std = est_design_poststratify(d, combined, ncell * ngroup, pop, true, NULL, 0);
    if (std == NULL) {
        rc = EST_EINVAL;
        goto cleanup;
    }
    for (size_t g = 0; g < ngroup; g++) {
        memset(&out[g], 0, sizeof out[g]);
        for (size_t c = 0; c < ncell; c++)
            out[g].empty_cells += count[c + ncell * g] == 0;
        for (size_t i = 0; i < n; i++)
            dom[i] = w[i] > 0 && (size_t)group[i] == g && (domain == NULL || domain[i]);
        est_mean_result mr;
        int st = est_mean(std, y, dom, &mr);
        if (st == EST_EEMPTY) {
            out[g].status = st;
            continue;
        }
        if (st != EST_OK) {
            rc = st;
            goto cleanup;
        }
        out[g].p = mr.mean;
        out[g].se = mr.se;
        out[g].zero_variance = mr.zero_variance;
        out[g].n = mr.n;
    }
cleanup:
    est_design_free(std);
    free(dom);
    free(combined);
    free(count);
    free(pop);
    free(ng);
    return rc;
}

int std_direct_counts(size_t k, const double *count, const double *pt, const double *stdpop, double level,
                      std_direct_result *out)
{
    assert(num_ready());
    if (k == 0 || count == NULL || pt == NULL || stdpop == NULL || out == NULL || !(level > 0 && level < 1))
        return EST_EINVAL;
    double stdsum = 0, csum = 0, ptsum = 0;
    for (size_t a = 0; a < k; a++) {
        if (!(count[a] >= 0) || !(pt[a] > 0) || !(stdpop[a] >= 0) || isinf(count[a]) || isinf(pt[a]) ||
            isinf(stdpop[a]))
            return EST_EINVAL;
        stdsum += stdpop[a];
        csum += count[a];
        ptsum += pt[a];
    }
    if (!(stdsum > 0))
        return EST_EINVAL;
    double alpha = 1 - level, dsr = 0, var = 0, wm = 0;
    for (size_t a = 0; a < k; a++) {
        double wa = stdpop[a] / stdsum;
        dsr += wa * (count[a] / pt[a]);
        var += wa * wa * (count[a] / (pt[a] * pt[a]));
        if (wa / pt[a] > wm)
            wm = wa / pt[a];
    }
    out->crude = csum / ptsum;
    out->adjusted = dsr;
    out->lower = dsr > 0 ? num_gamma_pinv(alpha / 2, dsr * dsr / var, var / dsr) : 0;
    out->upper = num_gamma_pinv(1 - alpha / 2, (dsr + wm) * (dsr + wm) / (var + wm * wm), (var + wm * wm) / (dsr + wm));
    if (!isfinite(out->lower) || !isfinite(out->upper))
        return EST_ENUMERIC;
    return EST_OK;
}
