/* disclosure_check.h -- an independent check of the disclosure rule for the tests (test_est_disclosure.c,
 * test_indicators.c): by brute force over every set of atoms, does some linear combination of the shown cells
 * isolate a small group? Written apart from analyzer/disclosure.c (full pivoting, explicit subsets) so that the
 * property tests check the library against something else. Static functions: include it once per test.
 */
#ifndef TESTS_DISCLOSURE_CHECK_H
#define TESTS_DISCLOSURE_CHECK_H

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure.h"

#define CHECK_MAX_ATOMS 12

/* Rank of an r x c matrix (copied), by Gaussian elimination with full pivoting: written apart from the library's
 * own reduction, so that the property test checks it against something else. */
static size_t rank_of(const double *a, size_t r, size_t c)
{
    if (r == 0 || c == 0)
        return 0;
    double *m = malloc(r * c * sizeof *m);
    memcpy(m, a, r * c * sizeof *m);
    size_t rank = 0;
    bool *used = calloc(c, sizeof *used);
    for (size_t step = 0; step < r; step++) {
        size_t bi = 0, bj = 0;
        double best = 0;
        for (size_t i = step; i < r; i++)
            for (size_t j = 0; j < c; j++)
                if (!used[j] && fabs(m[i * c + j]) > best) {
                    best = fabs(m[i * c + j]);
                    bi = i;
                    bj = j;
                }
        if (best < 1e-9)
            break;
        for (size_t j = 0; j < c; j++) {
            double t = m[step * c + j];
            m[step * c + j] = m[bi * c + j];
            m[bi * c + j] = t;
        }
        used[bj] = true;
        for (size_t i = step + 1; i < r; i++) {
            double f = m[i * c + bj] / m[step * c + bj];
            for (size_t j = 0; j < c; j++)
                m[i * c + j] -= f * m[step * c + j];
        }
        rank++;
    }
    free(used);
    free(m);
    return rank;
}

/* Whether some linear combination of the shown cells isolates a set of atoms holding somebody (in atom_n or
 * atom_other) but fewer than min_n respondents in atom_n; *smallest gets the smallest such count. By brute force
 * over every set S of atoms holding somebody: some combination vanishes outside S and not on S exactly when
 * dropping S's columns lowers the rank of the shown cells. Atoms holding nobody are left out: they add nothing
 * to any count. At most CHECK_MAX_ATOMS atoms. */
static bool leaks(const disc_table *t, const disc_status *st, long min_n, long *smallest)
{
    size_t k = 0, col[CHECK_MAX_ATOMS], rows = 0;
    for (size_t a = 0; a < t->natom; a++)
        if (t->atom_n[a] + (t->atom_other ? t->atom_other[a] : 0) > 0)
            col[k++] = a;
    double *m = calloc(t->ncell * k + 1, sizeof *m), *sub = calloc(t->ncell * k + 1, sizeof *sub);
    for (size_t c = 0; c < t->ncell; c++)
        if (st[c] == DISC_SHOW) {
            for (size_t j = 0; j < k; j++)
                m[rows * k + j] = t->cover[c * t->natom + col[j]] ? 1 : 0;
            rows++;
        }
    size_t full = rank_of(m, rows, k);
    bool found = false;
    *smallest = 0;
    for (unsigned set = 1; set < (1u << k); set++) {
        long w = 0;
        size_t kept = 0;
        for (size_t j = 0; j < k; j++)
            if (set & (1u << j))
                w += t->atom_n[col[j]];
        if (w >= min_n || (found && w >= *smallest))
            continue;
        for (size_t j = 0; j < k; j++)
            if (!(set & (1u << j))) {
                for (size_t r = 0; r < rows; r++)
                    sub[r * k + kept] = m[r * k + j];
                kept++;
            }
        double *packed = calloc(rows * kept + 1, sizeof *packed);
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < kept; j++)
                packed[r * kept + j] = sub[r * k + j];
        if (rank_of(packed, rows, kept) < full)
            found = true, *smallest = w;
        free(packed);
    }
    free(sub);
    free(m);
    return found;
}

#endif /* TESTS_DISCLOSURE_CHECK_H */
