/* compare.c -- Rao-Scott and Pearson chi-square tests, the difference between two domains of one design and
 * Holm's adjustment (see compare.h for the contract).
 *
 * The Rao-Scott test follows svychisq.survey.design (R/surveychisq.R) step by step. One simplification is
 * exact: R residualises the interaction columns of model.matrix(~rows*cols) on the additive model with a QR
 * decomposition over the r x c grid; because the grid holds every combination once, that least-squares
 * residual is the two-way ANOVA residual z - row mean - column mean + grand mean, computed here directly.
 */
#include "compare.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "numeric.h"
#include "util.h"

/* Maps codes >= 0 to level numbers 0..nlev-1 in increasing code order (factor()'s levels), over the rows
 * where use[i] is set. Returns the number of levels; map[i] = -1 for other rows or negative codes. */
static size_t levels_of(size_t n, const int *code, const bool *use, int *map)
{
    int maxcode = -1;
    for (size_t i = 0; i < n; i++)
        if (use[i] && code[i] > maxcode)
            maxcode = code[i];
    if (maxcode < 0) {
        for (size_t i = 0; i < n; i++)
            map[i] = -1;
        return 0;
    }
    int *level = xmalloc(((size_t)maxcode + 1) * sizeof *level);
    for (int c = 0; c <= maxcode; c++)
        level[c] = -1;
    for (size_t i = 0; i < n; i++)
        if (use[i] && code[i] >= 0)
            level[code[i]] = 0;
    size_t nlev = 0;
    for (int c = 0; c <= maxcode; c++)
        if (level[c] == 0)
            level[c] = (int)nlev++;
    for (size_t i = 0; i < n; i++)
        map[i] = use[i] && code[i] >= 0 ? level[code[i]] : -1;
    free(level);
    return nlev;
}

/* Pearson's X2 of an nr x nc table (column-major like R's interaction: cell r + nr * c) and its smallest
 * expected count; the table total is its own N. */
static double pearson_x2(const double *table, size_t nr, size_t nc, double *min_expected)
{
    double *rs = xcalloc(nr, sizeof *rs), *cs = xcalloc(nc, sizeof *cs), total = 0;
    for (size_t c = 0; c < nc; c++)
        for (size_t r = 0; r < nr; r++) {
            rs[r] += table[r + nr * c];
            cs[c] += table[r + nr * c];
            total += table[r + nr * c];
        }
    double x2 = 0, emin = INFINITY;
    for (size_t c = 0; c < nc; c++)
        for (size_t r = 0; r < nr; r++) {
            double e = rs[r] * cs[c] / total, o = table[r + nr * c];
            x2 += (o - e) * (o - e) / e;
            if (e < emin)
                emin = e;
        }
    free(cs);
    free(rs);
    *min_expected = emin;
    return x2;
}

int cmp_pearson(size_t n, const int *row, const int *col, cmp_chisq_result *out)
{
    return cmp_pearson_counts(n, row, col, NULL, out);
}

int cmp_pearson_counts(size_t n, const int *row, const int *col, const double *count, cmp_chisq_result *out)
{
    assert(num_ready());
    if (n == 0 || row == NULL || col == NULL || out == NULL)
        return EST_EINVAL;
    bool *use = xmalloc(n * sizeof *use);
    int *rl = xmalloc(n * sizeof *rl), *cl = xmalloc(n * sizeof *cl);
    double *table = NULL;
    int rc = EST_OK;
    for (size_t i = 0; i < n; i++)
        use[i] = row[i] >= 0 && col[i] >= 0;
    size_t nr = levels_of(n, row, use, rl), nc = levels_of(n, col, use, cl);
    if (nr < 2 || nc < 2) {
        rc = EST_EEMPTY;
        goto cleanup;
    }
    table = xcalloc(nr * nc, sizeof *table);
    for (size_t i = 0; i < n; i++)
        if (use[i])
            table[(size_t)rl[i] + nr * (size_t)cl[i]] += count ? count[i] : 1;
    memset(out, 0, sizeof *out);
    out->nrow = nr;
    out->ncol = nc;
    out->x2 = pearson_x2(table, nr, nc, &out->min_expected);
    out->df = (double)((nr - 1) * (nc - 1));
    out->p_chisq = num_chisq_q(out->x2, out->df);
    if (!isfinite(out->p_chisq))
        rc = EST_ENUMERIC;
cleanup:
    free(table);
    free(cl);
    free(rl);
    free(use);
    return rc;
}

/* Delta = [C'(D^-1/N)C]^-1 [C' D^-1 V D^-1 C] of svychisq; writes tr(Delta) and tr(Delta^2). */
static int rao_scott_delta(const double *phat, const double *V, size_t nr, size_t nc, double N, double *tr, double *tr2)
{
    size_t k = nr * nc, q = (nr - 1) * (nc - 1);
    int rc = EST_ENUMERIC;
    double *C = xmalloc(k * q * sizeof *C); /* k x q, row-major */
    double *idc = xmalloc(k * q * sizeof *idc);
    gsl_matrix *den = gsl_matrix_alloc(q, q), *num = gsl_matrix_alloc(q, q), *delta = gsl_matrix_alloc(q, q);
    gsl_permutation *perm = gsl_permutation_alloc(q);
    gsl_vector *col = gsl_vector_alloc(q), *sol = gsl_vector_alloc(q);
    if (den == NULL || num == NULL || delta == NULL || perm == NULL || col == NULL || sol == NULL)
        goto cleanup;

    /* Interaction column (i, j), i, j >= 1: the residual of the indicator of cell (i, j) on rows + cols. */
    for (size_t j = 1; j < nc; j++)
        for (size_t i = 1; i < nr; i++) {
            size_t a = (i - 1) + (nr - 1) * (j - 1);
            for (size_t c = 0; c < nc; c++)
                for (size_t r = 0; r < nr; r++) {
                    double z = (r == i && c == j) ? 1 : 0;
                    double rowmean = r == i ? 1.0 / (double)nc : 0, colmean = c == j ? 1.0 / (double)nr : 0;
                    C[(r + nr * c) * q + a] = z - rowmean - colmean + 1.0 / (double)k;
                }
        }
    for (size_t c = 0; c < k; c++) {
        double id = phat[c] == 0 ? 0 : 1 / phat[c];
        for (size_t a = 0; a < q; a++)
            idc[c * q + a] = id * C[c * q + a];
    }
    for (size_t a = 0; a < q; a++)
        for (size_t b = 0; b < q; b++) {
            double sden = 0, snum = 0;
            for (size_t c = 0; c < k; c++)
                sden += C[c * q + a] * idc[c * q + b] / N;
            for (size_t c = 0; c < k; c++) {
                double vc = 0;
                for (size_t e = 0; e < k; e++)
                    vc += V[c * k + e] * idc[e * q + b];
                snum += idc[c * q + a] * vc;
            }
            gsl_matrix_set(den, a, b, sden);
            gsl_matrix_set(num, a, b, snum);
        }
    int signum;
    if (gsl_linalg_LU_decomp(den, perm, &signum) != GSL_SUCCESS)
        goto cleanup;
    for (size_t b = 0; b < q; b++) {
        gsl_matrix_get_col(col, num, b);
        if (gsl_linalg_LU_solve(den, perm, col, sol) != GSL_SUCCESS)
            goto cleanup;
        gsl_matrix_set_col(delta, b, sol);
    }
    double t = 0, t2 = 0;
    for (size_t a = 0; a < q; a++) {
        t += gsl_matrix_get(delta, a, a);
        for (size_t b = 0; b < q; b++)
            t2 += gsl_matrix_get(delta, a, b) * gsl_matrix_get(delta, b, a);
    }
    /* The generalised design effects (Delta's eigenvalues) are of order 1. A trace this small means the
     * cell proportions have no design variance, e.g. a calibration variable tested against the territories
     * it was raked within: R then divides rounding noise by rounding noise (F of order 1e18). */
    if (!(t / (double)q > 1e-8) || !(t2 > 0) || !isfinite(t) || !isfinite(t2))
        goto cleanup;
    *tr = t;
    *tr2 = t2;
    rc = EST_OK;
cleanup:
    gsl_vector_free(sol);
    gsl_vector_free(col);
    gsl_permutation_free(perm);
    gsl_matrix_free(delta);
    gsl_matrix_free(num);
    gsl_matrix_free(den);
    free(idc);
    free(C);
    return rc;
}

int cmp_rao_scott(const est_design *d, const int *row, const int *col, cmp_chisq_result *out)
{
    assert(num_ready());
    if (d == NULL || row == NULL || col == NULL || out == NULL)
        return EST_EINVAL;
    size_t n = est_design_size(d);
    const double *w = est_design_weights(d), *m = est_design_counts(d);
    bool *use = xmalloc(n * sizeof *use);
    unsigned char *dom = xmalloc(n);
    int *rl = xmalloc(n * sizeof *rl), *cl = xmalloc(n * sizeof *cl);
    double *phat = NULL, *u = NULL, *V = NULL, *table = NULL;
    int rc = EST_OK;

    /* Levels are those present among the design rows, each variable on its own (R's unique() then
     * na.omit()); the rows where either is missing form the left-out part. */
    for (size_t i = 0; i < n; i++)
        use[i] = w[i] > 0;
    size_t nr = levels_of(n, row, use, rl), nc = levels_of(n, col, use, cl);
    if (nr < 2 || nc < 2) {
        rc = EST_EEMPTY;
        goto cleanup;
    }
    size_t k = nr * nc;
    double wsum = 0;
    for (size_t i = 0; i < n; i++) {
        dom[i] = w[i] > 0 && rl[i] >= 0 && cl[i] >= 0;
        if (dom[i])
            wsum += m[i] * w[i];
    }
    phat = xcalloc(k, sizeof *phat);
    for (size_t i = 0; i < n; i++)
        if (dom[i])
            phat[(size_t)rl[i] + nr * (size_t)cl[i]] += m[i] * w[i] / wsum;
    u = xcalloc(n * k, sizeof *u);
    for (size_t i = 0; i < n; i++) {
        if (!dom[i])
            continue;
        size_t cell = (size_t)rl[i] + nr * (size_t)cl[i];
        for (size_t c = 0; c < k; c++)
            u[c * n + i] = ((c == cell ? 1.0 : 0.0) - phat[c]) * w[i] / wsum;
    }
    V = xmalloc(k * k * sizeof *V);
    if ((rc = est_influence_vcov(d, u, k, dom, V)) != EST_OK)
        goto cleanup;

    double N = (double)est_design_rows(d), nu = (double)est_design_degf(d);
    table = xmalloc(k * sizeof *table);
    for (size_t c = 0; c < k; c++)
        table[c] = phat[c] * N;
    memset(out, 0, sizeof *out);
    out->nrow = nr;
    out->ncol = nc;
    out->x2 = pearson_x2(table, nr, nc, &out->min_expected);
    out->df = (double)((nr - 1) * (nc - 1));
    double tr, tr2;
    if ((rc = rao_scott_delta(phat, V, nr, nc, N, &tr, &tr2)) != EST_OK)
        goto cleanup;
    out->trace = tr;
    out->f = out->x2 / tr;
    out->ndf = tr * tr / tr2;
    out->ddf = out->ndf * nu;
    out->p_f = num_f_q(out->f, out->ndf, out->ddf);
    out->p_chisq = num_chisq_q(out->x2 / (tr / out->df), out->df);
    if (!isfinite(out->x2) || !isfinite(out->p_f) || !isfinite(out->p_chisq))
        rc = EST_ENUMERIC;
cleanup:
    free(table);
    free(V);
    free(u);
    free(phat);
    free(cl);
    free(rl);
    free(dom);
    free(use);
    return rc;
}

int cmp_diff(const est_design *d, const double *y, const unsigned char *a, const unsigned char *b, double level,
             cmp_diff_result *out)
{
    assert(num_ready());
    if (d == NULL || y == NULL || a == NULL || out == NULL || !(level > 0 && level < 1))
        return EST_EINVAL;
    size_t n = est_design_size(d);
    const double *w = est_design_weights(d), *m = est_design_counts(d);
    unsigned char *ina = xcalloc(n, 1), *inb = xcalloc(n, 1), *both = xcalloc(n, 1);
    double *u = xcalloc(n, sizeof *u);
    int rc = EST_OK;
    size_t na = 0, nb = 0;
    double wa = 0, wb = 0, ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i] == 0)
            continue;
        ina[i] = a[i] != 0;
        inb[i] = b != NULL ? b[i] != 0 : !a[i];
        if (ina[i] && inb[i]) {
            rc = EST_EINVAL; /* the two domains must not overlap */
            goto cleanup;
        }
        both[i] = ina[i] || inb[i];
        if (both[i] && !isfinite(y[i])) {
            rc = EST_EINVAL;
            goto cleanup;
        }
        na += ina[i] ? (size_t)m[i] : 0;
        nb += inb[i] ? (size_t)m[i] : 0;
        if (ina[i])
            wa += m[i] * w[i];
        if (inb[i])
            wb += m[i] * w[i];
    }
    if (na == 0 || nb == 0) {
        rc = EST_EEMPTY;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        if (ina[i])
            ma += m[i] * y[i] * w[i] / wa;
        if (inb[i])
            mb += m[i] * y[i] * w[i] / wb;
    }
    for (size_t i = 0; i < n; i++)
        u[i] = ina[i] ? (y[i] - ma) * w[i] / wa : inb[i] ? -(y[i] - mb) * w[i] / wb : 0;
    double v;
    if ((rc = est_influence_vcov(d, u, 1, b == NULL ? NULL : both, &v)) != EST_OK)
        goto cleanup;
    long df = est_design_degf(d) - 1;
    /* The zero-variance rule of estimate.h, with the difference and the range of y over both domains as
     * scale: rounding noise would otherwise give a t of 1e15 and a p of 0 where R's own t is noise too. */
    double ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (both[i])
            ymin = fmin(ymin, y[i]), ymax = fmax(ymax, y[i]);
    if (!(v > 0) || est_se_is_zero(sqrt(v), est_scale(ma - mb, ymin, ymax)) || df < 1) {
        rc = EST_ENUMERIC;
        goto cleanup;
    }
    memset(out, 0, sizeof *out);
    out->mean_a = ma;
    out->mean_b = mb;
    out->n_a = na;
    out->n_b = nb;
    out->diff = ma - mb;
    out->se = sqrt(v);
    out->df = df;
    out->t = out->diff / out->se;
    out->p = num_t_two_sided(out->t, (double)df);
    double q = num_t_pinv(1 - (1 - level) / 2, (double)df);
    out->lower = out->diff - q * out->se;
    out->upper = out->diff + q * out->se;
    if (!isfinite(out->p) || !isfinite(q))
        rc = EST_ENUMERIC;
cleanup:
    free(u);
    free(both);
    free(inb);
    free(ina);
    return rc;
}

/* Sorts indices by p-value, ties in their original order (R's order() is stable). */
typedef struct p_index {
    double p;
    size_t i;
} p_index;

/* qsort order of p_index: by p-value, ties by index. */
static int p_index_cmp(const void *pa, const void *pb)
{
    const p_index *a = pa, *b = pb;
    if (a->p != b->p)
        return a->p < b->p ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

int cmp_holm(const double *p, size_t m, double *adj)
{
    if (m == 0)
        return EST_OK;
    if (p == NULL || adj == NULL)
        return EST_EINVAL;
    for (size_t i = 0; i < m; i++)
        if (!(p[i] >= 0 && p[i] <= 1))
            return EST_EINVAL;
    p_index *o = xmalloc(m * sizeof *o);
    for (size_t i = 0; i < m; i++)
        o[i] = (p_index){p[i], i};
    qsort(o, m, sizeof *o, p_index_cmp);
    double run = 0;
    for (size_t k = 0; k < m; k++) {
        double v = (double)(m - k) * o[k].p;
        if (v > run)
            run = v;
        adj[o[k].i] = run < 1 ? run : 1;
    }
    free(o);
    return EST_OK;
}
