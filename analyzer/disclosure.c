/* disclosure.c -- minimum-count suppression with complementary cells, and the NCHS precision standards for
 * proportions (see disclosure.h for the contract).
 */
#include "disclosure.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"

/* One pass over the relations: fixes the first relation with exactly one suppressed member. Returns true
 * when it changed something. */
static bool fix_one(const long *n, size_t nrel, const disc_relation *rel, disc_status *out)
{
    for (size_t r = 0; r < nrel; r++) {
        const disc_relation *R = &rel[r];
        size_t hidden = out[R->total] != DISC_SHOW;
        for (size_t k = 0; k < R->nparts; k++)
            hidden += out[R->parts[k]] != DISC_SHOW;
        if (hidden != 1)
            continue;
        /* The smallest part still shown; the total only when no part is left. */
        size_t best = SIZE_MAX;
        for (size_t k = 0; k < R->nparts; k++) {
            size_t c = R->parts[k];
            if (out[c] != DISC_SHOW)
                continue;
            if (best == SIZE_MAX || n[c] < n[best] || (n[c] == n[best] && c < best))
                best = c;
        }
        if (best == SIZE_MAX)
            best = R->total;
        out[best] = DISC_COMPLEMENTARY;
        return true;
    }
    return false;
}

size_t disc_recoverable(size_t ncell, size_t nrel, const disc_relation *rel, const disc_status *out, bool *det)
{
    /* Unknowns are the suppressed cells; each relation total - sum(parts) = 0 gives a row of M once the
     * shown cells move to the right-hand side. A suppressed cell is determined exactly when its unit vector
     * lies in M's row space, i.e. in the reduced row echelon form its column is a pivot whose row has no
     * entry in a free column. Entries are small integers, so a tolerance of 1e-9 is safe. */
    size_t m = 0;
    size_t *col = xmalloc((ncell ? ncell : 1) * sizeof *col);
    for (size_t c = 0; c < ncell; c++) {
        det[c] = false;
        col[c] = SIZE_MAX;
        if (out[c] != DISC_SHOW)
            col[c] = m++;
    }
    size_t found = 0;
    if (m == 0 || nrel == 0) {
        free(col);
        return 0;
    }
    double *M = xcalloc(nrel * m, sizeof *M);
    size_t *cellof = xmalloc(m * sizeof *cellof);
    bool *pivot = xcalloc(m, sizeof *pivot);
    for (size_t c = 0; c < ncell; c++)
        if (col[c] != SIZE_MAX)
            cellof[col[c]] = c;
    for (size_t r = 0; r < nrel; r++) {
        if (col[rel[r].total] != SIZE_MAX)
            M[r * m + col[rel[r].total]] += 1;
        for (size_t k = 0; k < rel[r].nparts; k++)
            if (col[rel[r].parts[k]] != SIZE_MAX)
                M[r * m + col[rel[r].parts[k]]] -= 1;
    }
    size_t rank = 0;
    size_t *pivrow = xmalloc(m * sizeof *pivrow);
    for (size_t j = 0; j < m && rank < nrel; j++) {
        size_t best = rank;
        for (size_t r = rank + 1; r < nrel; r++)
            if (fabs(M[r * m + j]) > fabs(M[best * m + j]))
                best = r;
        if (fabs(M[best * m + j]) < 1e-9)
            continue;
        for (size_t k = 0; k < m; k++) {
            double t = M[rank * m + k];
            M[rank * m + k] = M[best * m + k];
            M[best * m + k] = t;
        }
        double piv = M[rank * m + j];
        for (size_t k = 0; k < m; k++)
            M[rank * m + k] /= piv;
        for (size_t r = 0; r < nrel; r++) {
            double f = M[r * m + j];
            if (r == rank || f == 0)
                continue;
            for (size_t k = 0; k < m; k++)
                M[r * m + k] -= f * M[rank * m + k];
        }
        pivot[j] = true;
        pivrow[j] = rank++;
    }
    for (size_t j = 0; j < m; j++) {
        if (!pivot[j])
            continue;
        bool alone = true;
        for (size_t k = 0; k < m; k++)
            if (!pivot[k] && fabs(M[pivrow[j] * m + k]) > 1e-9)
                alone = false;
        if (alone) {
            det[cellof[j]] = true;
            found++;
        }
    }
    free(pivrow);
    free(pivot);
    free(cellof);
    free(M);
    free(col);
    return found;
}

/* For a suppressed cell that can be recovered, suppresses the smallest cell still shown in a relation that
 * contains it (parts before totals). Returns false when there is none left to suppress. */
static bool hide_neighbour(size_t cell, const long *n, size_t nrel, const disc_relation *rel, disc_status *out)
{
    size_t best = SIZE_MAX;
    for (int pass = 0; pass < 2 && best == SIZE_MAX; pass++)
        for (size_t r = 0; r < nrel; r++) {
            bool in = rel[r].total == cell;
            for (size_t k = 0; k < rel[r].nparts; k++)
                in = in || rel[r].parts[k] == cell;
            if (!in)
                continue;
            for (size_t k = 0; k <= rel[r].nparts; k++) {
                size_t c = k < rel[r].nparts ? rel[r].parts[k] : rel[r].total;
                if (out[c] != DISC_SHOW || (pass == 0 && k == rel[r].nparts))
                    continue;
                if (best == SIZE_MAX || n[c] < n[best] || (n[c] == n[best] && c < best))
                    best = c;
            }
        }
    if (best == SIZE_MAX)
        return false;
    out[best] = DISC_COMPLEMENTARY;
    return true;
}

int disc_suppress(size_t ncell, const long *n, size_t nrel, const disc_relation *rel, long min_n, disc_status *out)
{
    if (min_n < 1 || (ncell > 0 && (n == NULL || out == NULL)) || (nrel > 0 && rel == NULL))
        return -1;
    for (size_t c = 0; c < ncell; c++)
        if (n[c] < 0)
            return -1;
    for (size_t r = 0; r < nrel; r++) {
        if (rel[r].total >= ncell || rel[r].nparts == 0 || rel[r].parts == NULL)
            return -1;
        for (size_t k = 0; k < rel[r].nparts; k++)
            if (rel[r].parts[k] >= ncell || rel[r].parts[k] == rel[r].total)
                return -1;
    }
    for (size_t c = 0; c < ncell; c++)
        out[c] = n[c] < min_n ? DISC_PRIMARY : DISC_SHOW;
    /* Each round hides at least one more cell, so this ends after at most ncell rounds. */
    bool *det = xmalloc((ncell ? ncell : 1) * sizeof *det);
    for (;;) {
        while (fix_one(n, nrel, rel, out))
            ;
        if (disc_recoverable(ncell, nrel, rel, out, det) == 0)
            break;
        size_t c = 0;
        while (!det[c])
            c++;
        if (!hide_neighbour(c, n, nrel, rel, out))
            break;
    }
    free(det);
    return 0;
}

int disc_suppress_grid(size_t nrow, size_t ncol, const long *n, long min_n, disc_status *out)
{
    if (nrow == 0 || ncol == 0 || n == NULL || out == NULL)
        return -1;
    size_t width = ncol + 1, nrel = (nrow + 1) + (ncol + 1);
    disc_relation *rel = xmalloc(nrel * sizeof *rel);
    size_t *parts = xmalloc(((nrow + 1) * ncol + (ncol + 1) * nrow) * sizeof *parts);
    size_t *p = parts, r = 0;
    for (size_t i = 0; i <= nrow; i++) {
        rel[r] = (disc_relation){i * width + ncol, p, ncol};
        for (size_t j = 0; j < ncol; j++)
            *p++ = i * width + j;
        r++;
    }
    for (size_t j = 0; j <= ncol; j++) {
        rel[r] = (disc_relation){nrow * width + j, p, nrow};
        for (size_t i = 0; i < nrow; i++)
            *p++ = i * width + j;
        r++;
    }
    int rc = disc_suppress((nrow + 1) * width, n, nrel, rel, min_n, out);
    free(parts);
    free(rel);
    return rc;
}

int disc_nchs(double p, double se, long x, long n, double lower, double upper, long df, disc_nchs_result *out)
{
    if (out == NULL || n < 1 || x < 0 || x > n || !(p >= 0 && p <= 1) || !(se >= 0) || !isfinite(lower) ||
        !isfinite(upper))
        return -1;
    bool boundary = x == 0 || x == n;
    double dn = (double)n;
    out->n_eff = boundary ? dn : (se > 0 ? p * (1 - p) / (se * se) : INFINITY);
    if (out->n_eff > dn)
        out->n_eff = dn;
    out->width = boundary ? 0 : upper - lower;
    out->footnote_complement = out->review_df = out->review_p01 = false;
    out->reason = DISC_NCHS_OK;
    if (out->n_eff < 30)
        out->reason = DISC_NCHS_NEFF;
    else if (out->width <= 0.05)
        out->reason = DISC_NCHS_OK;
    else if (out->width >= 0.30)
        out->reason = DISC_NCHS_WIDTH;
    else if (out->width / p > 1.30)
        out->reason = DISC_NCHS_RELWIDTH;
    else
        out->footnote_complement = out->width / (1 - p) > 1.30;
    out->show = out->reason == DISC_NCHS_OK;
    if (out->show) {
        out->review_df = df < 8;
        out->review_p01 = boundary;
    }
    return 0;
}
