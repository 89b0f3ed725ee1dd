/* disclosure.c -- minimum-count suppression with complementary cells over every additive relation, and the NCHS
 * precision standards for proportions (see disclosure.h for the contract).
 *
 * Linear algebra on small dense matrices of 0 and 1: a shown cell is a row over the atoms that hold somebody,
 * and what anyone can compute from the shown cells is their row space. The atoms holding at least min_n
 * respondents come first among the columns, so that in reduced row echelon form the rows whose pivot falls
 * among the small atoms span exactly the combinations that involve small atoms only: every other combination
 * involves a large atom, hence at least min_n respondents, and is safe.
 */
#include "disclosure.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Entries are small integers combined by a few eliminations: anything below this is zero. */
#define EPS 1e-9
/* Subsets of small atoms tried when looking for the lightest combination; beyond it the search gives up and
 * the table is treated as unsafe (one more cell suppressed). Real tables need a few dozen at most. */
#define MAX_SUBSETS 50000

/* Reduces the rows x cols matrix a (row-major) to reduced row echelon form in place, with partial pivoting;
 * piv[r] receives the pivot column of row r. Returns the rank: the rows from it on are zero. */
static size_t rref(double *a, size_t rows, size_t cols, size_t *piv)
{
    size_t rank = 0;
    for (size_t j = 0; j < cols && rank < rows; j++) {
        size_t best = rank;
        for (size_t r = rank + 1; r < rows; r++)
            if (fabs(a[r * cols + j]) > fabs(a[best * cols + j]))
                best = r;
        if (fabs(a[best * cols + j]) < EPS)
            continue;
        for (size_t k = 0; k < cols && best != rank; k++) {
            double t = a[rank * cols + k];
            a[rank * cols + k] = a[best * cols + k];
            a[best * cols + k] = t;
        }
        double pv = a[rank * cols + j];
        for (size_t k = 0; k < cols; k++)
            a[rank * cols + k] /= pv;
        for (size_t r = 0; r < rows; r++) {
            double f = a[r * cols + j];
            if (r == rank || f == 0)
                continue;
            for (size_t k = 0; k < cols; k++)
                a[r * cols + k] -= f * a[rank * cols + k];
            a[r * cols + j] = 0;
        }
        piv[rank++] = j;
    }
    return rank;
}

/* One run of the rule: the table, its columns and scratch space. */
typedef struct prob {
    const disc_table *t;
    long min_n;
    size_t k, nbig;   /* columns: the atoms holding somebody, the nbig with min_n or more in the count first */
    size_t *atom;     /* [k] the atom of each column */
    double *m;        /* [(ncell + 1) * k] scratch matrix */
    size_t *piv;      /* [ncell + 1] */
    double *basis;    /* [ncell * k] the combinations of small atoms only */
} prob;

/* Loads into p->m the rows of the shown cells except skip, then v when not NULL. Returns the number of rows. */
static size_t load(const prob *p, const disc_status *out, size_t skip, const double *v)
{
    size_t r = 0, k = p->k, natom = p->t->natom;
    for (size_t c = 0; c < p->t->ncell; c++) {
        if (out[c] != DISC_SHOW || c == skip)
            continue;
        for (size_t j = 0; j < k; j++)
            p->m[r * k + j] = p->t->cover[c * natom + p->atom[j]] ? 1 : 0;
        r++;
    }
    if (v)
        memcpy(&p->m[r++ * k], v, k * sizeof *v);
    return r;
}

/* The respondents a combination rests on: those of every atom it does not cancel out, in the judged count. */
static long weight(const prob *p, const double *v)
{
    long w = 0;
    for (size_t j = 0; j < p->k; j++)
        if (fabs(v[j]) > EPS)
            w += p->t->atom_n[p->atom[j]];
    return w;
}

/* Advances idx[0..len-1], a strictly increasing choice among 0..n-1, to the next in lexicographic order.
 * Returns false after the last. */
static bool next_subset(size_t *idx, size_t len, size_t n)
{
    size_t i = len;
    while (i > 0 && idx[i - 1] == n - len + i - 1)
        i--;
    if (i == 0)
        return false;
    idx[i - 1]++;
    for (size_t j = i; j < len; j++)
        idx[j] = idx[j - 1] + 1;
    return true;
}

/* Whether columns i and j of the d basis rows are proportional (never both zero: every small column lies in
 * some row's support, or the column is zero and holds no information). */
static bool parallel(const prob *p, size_t d, size_t i, size_t j)
{
    const double *b = p->basis;
    size_t k = p->k, r0 = 0;
    while (r0 < d && fabs(b[r0 * k + i]) < EPS)
        r0++;
    if (r0 == d)
        return false;
    double ratio = b[r0 * k + j] / b[r0 * k + i];
    for (size_t r = 0; r < d; r++)
        if (fabs(b[r * k + j] - ratio * b[r * k + i]) > EPS)
            return false;
    return fabs(ratio) > EPS;
}

/* Among the d independent combinations of small atoms in p->basis (d >= 2), looks for one that isolates fewer
 * than min_n respondents. The lightest combinations have minimal supports, and each is the only combination
 * (up to a factor) that vanishes on some d - 1 columns: trying every choice of d - 1 columns finds them all.
 * Proportional columns vanish together, so one of each kind is enough (operators' atoms often are). Returns
 * true with v set when one is light, or when there are too many choices to rule it out. */
static bool light_combination(prob *p, size_t d, double *v)
{
    size_t k = p->k, z = d - 1, s = 0;
    size_t *cols = xmalloc((k - p->nbig) * sizeof *cols), *idx = xmalloc(z * sizeof *idx);
    size_t *piv = xmalloc(z * sizeof *piv);
    double *a = xmalloc(z * d * sizeof *a), *c = xmalloc(d * sizeof *c), *g = xmalloc(k * sizeof *g);
    for (size_t j = p->nbig; j < k; j++) {
        bool seen = false;
        for (size_t i = 0; i < s && !seen; i++)
            seen = parallel(p, d, cols[i], j);
        if (!seen)
            cols[s++] = j;
    }
    bool found = false;
    for (size_t i = 0; i < z; i++)
        idx[i] = i;
    size_t tried = 0;
    do {
        if (z > s || ++tried > MAX_SUBSETS) {
            found = z <= s; /* v keeps the lightest basis row: suppress rather than guess */
            break;
        }
        for (size_t r = 0; r < z; r++)
            for (size_t i = 0; i < d; i++)
                a[r * d + i] = p->basis[i * k + cols[idx[r]]];
        if (rref(a, z, d, piv) != z)
            continue;
        /* One free coefficient: set it to 1 and solve for the others. */
        size_t f = 0;
        for (size_t r = 0; r < z && piv[r] == f; r++)
            f++;
        for (size_t i = 0; i < d; i++)
            c[i] = i == f ? 1 : 0;
        for (size_t r = 0; r < z; r++)
            c[piv[r]] = -a[r * d + f];
        memset(g, 0, k * sizeof *g);
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < k; j++)
                g[j] += c[i] * p->basis[i * k + j];
        if (weight(p, g) < p->min_n) {
            memcpy(v, g, k * sizeof *g);
            found = true;
            break;
        }
    } while (next_subset(idx, z, s));
    free(g);
    free(c);
    free(a);
    free(piv);
    free(idx);
    free(cols);
    return found;
}

/* Looks for a combination of the shown cells that isolates somebody but fewer than min_n respondents in the
 * judged count, into v. Returns false when there is none. */
static bool find_leak(prob *p, const disc_status *out, double *v)
{
    size_t k = p->k;
    size_t rank = rref(p->m, load(p, out, SIZE_MAX, NULL), k, p->piv);
    size_t first = 0;
    while (first < rank && p->piv[first] < p->nbig)
        first++;
    size_t d = rank - first;
    if (d == 0)
        return false;
    memcpy(p->basis, &p->m[first * k], d * k * sizeof *p->basis);
    long best = LONG_MAX;
    for (size_t i = 0; i < d; i++) {
        long w = weight(p, &p->basis[i * k]);
        if (w < best) {
            best = w;
            memcpy(v, &p->basis[i * k], k * sizeof *v);
        }
    }
    if (best < p->min_n)
        return true;
    return d > 1 && light_combination(p, d, v);
}

/* Loads the shown cells except those of skip[0..nskip-1], then v when not NULL. Returns the number of rows. */
static size_t load_without(const prob *p, disc_status *out, const size_t *skip, size_t nskip, const double *v)
{
    disc_status keep[3];
    for (size_t i = 0; i < nskip; i++)
        keep[i] = out[skip[i]], out[skip[i]] = DISC_COMPLEMENTARY;
    size_t rows = load(p, out, SIZE_MAX, v);
    for (size_t i = nskip; i-- > 0;)
        out[skip[i]] = keep[i];
    return rows;
}

/* Whether v leaves the row space of the shown cells once the cells of set are hidden too. */
static bool kills(prob *p, disc_status *out, const size_t *set, size_t nset, const double *v)
{
    size_t without = rref(p->m, load_without(p, out, set, nset, NULL), p->k, p->piv);
    return rref(p->m, load_without(p, out, set, nset, v), p->k, p->piv) > without;
}

/* Sets of this many shown cells or fewer are searched for the cheapest one whose loss stops v; the search stops
 * at the first size that has one. */
#define MAX_SET 3
#define MAX_SETS_TRIED 20000

/* The cells to suppress so that v is no longer published: the set of fewest shown cells (at most MAX_SET)
 * whose loss takes v out of the row space, the cheapest in respondents among sets of that size (ties: the
 * first in order of cell index). When none is found, the shown cell of smallest count (then lowest index) that
 * involves one of v's atoms, which at least removes one way of computing v. Writes set and returns its size,
 * 0 when no cell is shown. */
static size_t pick(prob *p, disc_status *out, const double *v, size_t set[MAX_SET])
{
    const disc_table *t = p->t;
    size_t n = 0, *shown = xmalloc((t->ncell ? t->ncell : 1) * sizeof *shown), found = 0;
    for (size_t c = 0; c < t->ncell; c++)
        if (out[c] == DISC_SHOW)
            shown[n++] = c;
    for (size_t size = 1; size <= MAX_SET && size <= n && found == 0; size++) {
        size_t idx[MAX_SET], cand[MAX_SET], tried = 0;
        long best = LONG_MAX;
        for (size_t i = 0; i < size; i++)
            idx[i] = i;
        do {
            if (++tried > MAX_SETS_TRIED)
                break;
            long cost = 0;
            for (size_t i = 0; i < size; i++)
                cand[i] = shown[idx[i]], cost += t->cell_n[cand[i]];
            if (cost < best && kills(p, out, cand, size, v)) {
                best = cost;
                found = size;
                memcpy(set, cand, size * sizeof *cand);
            }
        } while (next_subset(idx, size, n));
    }
    bool fallback = found == 0;
    for (size_t i = 0; i < n && fallback; i++) {
        size_t c = shown[i];
        bool involved = false;
        for (size_t j = 0; j < p->k; j++)
            involved |= fabs(v[j]) > EPS && t->cover[c * t->natom + p->atom[j]];
        if (involved && (found == 0 || t->cell_n[c] < t->cell_n[set[0]]))
            set[0] = c, found = 1;
    }
    free(shown);
    return found;
}

int disc_protect(const disc_table *t, long min_n, disc_status *out)
{
    if (t == NULL || min_n < 1 || (t->ncell > 0 && (t->cell_n == NULL || out == NULL)) ||
        (t->natom > 0 && t->atom_n == NULL) || (t->ncell > 0 && t->natom > 0 && t->cover == NULL))
        return -1;
    for (size_t a = 0; a < t->natom; a++)
        if (t->atom_n[a] < 0 || (t->atom_other && t->atom_other[a] < 0))
            return -1;
    for (size_t c = 0; c < t->ncell; c++) {
        if (t->cell_n[c] < 0)
            return -1;
        out[c] = t->cell_n[c] < min_n ? DISC_PRIMARY : DISC_SHOW;
    }
    prob p = {.t = t, .min_n = min_n};
    p.atom = xmalloc((t->natom ? t->natom : 1) * sizeof *p.atom);
    for (int big = 1; big >= 0; big--)
        for (size_t a = 0; a < t->natom; a++)
            if (t->atom_n[a] + (t->atom_other ? t->atom_other[a] : 0) > 0 && (t->atom_n[a] >= min_n) == big)
                p.atom[p.k++] = a;
    for (size_t j = 0; j < p.k && t->atom_n[p.atom[j]] >= min_n; j++)
        p.nbig++;
    if (p.nbig == p.k) { /* every combination involves an atom of min_n or more: nothing to add */
        free(p.atom);
        return 0;
    }
    p.m = xmalloc((t->ncell + 1) * p.k * sizeof *p.m);
    p.basis = xmalloc((t->ncell + 1) * p.k * sizeof *p.basis);
    p.piv = xmalloc((t->ncell + 1) * sizeof *p.piv);
    double *v = xmalloc(p.k * sizeof *v);
    /* Each round hides at least one more cell, so this ends after at most ncell rounds. */
    size_t set[MAX_SET], nset;
    while (find_leak(&p, out, v) && (nset = pick(&p, out, v, set)) > 0)
        for (size_t i = 0; i < nset; i++)
            out[set[i]] = DISC_COMPLEMENTARY;
    free(v);
    free(p.piv);
    free(p.basis);
    free(p.m);
    free(p.atom);
    return 0;
}

int disc_suppress_grid(size_t nrow, size_t ncol, const long *n, long min_n, disc_status *out)
{
    if (nrow == 0 || ncol == 0 || n == NULL || out == NULL)
        return -1;
    size_t width = ncol + 1, ncell = (nrow + 1) * width, natom = nrow * ncol;
    long *atom_n = xmalloc(natom * sizeof *atom_n);
    unsigned char *cover = xcalloc(ncell * natom, 1);
    for (size_t i = 0; i <= nrow; i++)
        for (size_t j = 0; j <= ncol; j++)
            for (size_t a = 0; a < natom; a++) {
                size_t ai = a / ncol, aj = a % ncol;
                cover[(i * width + j) * natom + a] = (i == nrow || i == ai) && (j == ncol || j == aj);
            }
    for (size_t a = 0; a < natom; a++)
        atom_n[a] = n[(a / ncol) * width + a % ncol];
    disc_table t = {natom, ncell, atom_n, NULL, n, cover};
    int rc = disc_protect(&t, min_n, out);
    free(cover);
    free(atom_n);
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
