/* test_est_disclosure.c -- disclosure.c: numbered cases of the minimum-count rule and its complementary
 * suppression, a property test over random territory x category tables (no suppressed value recoverable,
 * checked with an independent rank computation), and a table of NCHS presentation-standard cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure.h"

#define S DISC_SHOW
#define P DISC_PRIMARY
#define C DISC_COMPLEMENTARY

/* ------------------------------------------------------------------ one set of parts */

typedef struct rel_case {
    long n[6]; /* cell 0 is the total, 1..nparts the parts */
    size_t nparts;
    disc_status want[6];
} rel_case;

static const rel_case rel_cases[] = {
    /* 0 */ {{55, 5, 20, 30}, 3, {S, P, C, S}},        /* one small part: the next smallest goes too */
    /* 1 */ {{43, 5, 8, 30}, 3, {S, P, P, S}},         /* two small parts protect each other */
    /* 2 */ {{9, 4, 5}, 2, {P, P, P}},                 /* a small total has small parts */
    /* 3 */ {{80, 20, 30, 30}, 3, {S, S, S, S}},       /* nothing small */
    /* 4 */ {{70, 5, 30, 20, 15}, 4, {S, P, S, S, C}}, /* smallest other part, not the next index */
    /* 5 */ {{60, 5, 20, 20, 15}, 4, {S, P, S, S, C}}, /* ... */
    /* 6 */ {{46, 6, 20, 20}, 3, {S, P, C, S}},        /* ties go to the lowest index */
    /* 7 */ {{10, 10}, 1, {P, P}},                     /* a lone part equals its total */
    /* 8 */ {{31, 0, 31}, 2, {S, P, C}},               /* an empty cell is suppressed too (0 < 11) */
};

static void test_relation_cases(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof rel_cases / sizeof rel_cases[0]; k++) {
        const rel_case *c = &rel_cases[k];
        size_t parts[5];
        for (size_t j = 0; j < c->nparts; j++)
            parts[j] = j + 1;
        disc_relation rel = {0, parts, c->nparts};
        disc_status out[6];
        assert_int_equal(disc_suppress(c->nparts + 1, c->n, 1, &rel, DISC_DEFAULT_MIN_N, out), 0);
        for (size_t j = 0; j <= c->nparts; j++)
            if (out[j] != c->want[j])
                fail_msg("case %zu, cell %zu: got %d, want %d", k, j, out[j], c->want[j]);
    }
}

/* A total hidden as a complement elsewhere must not be recoverable by adding up its parts: T = A + D with D
 * small hides A, and then A = B + E hides the smaller of B and E. */
static void test_hidden_total(void **state)
{
    (void)state;
    enum { T, A, D, B, E, NCELL };
    long n[NCELL] = {90, 80, 10, 50, 30};
    size_t p1[2] = {A, D}, p2[2] = {B, E};
    disc_relation rel[2] = {{T, p1, 2}, {A, p2, 2}};
    disc_status out[NCELL];
    assert_int_equal(disc_suppress(NCELL, n, 2, rel, 11, out), 0);
    assert_int_equal(out[D], P);
    assert_int_equal(out[A], C);
    assert_int_equal(out[E], C);
    assert_int_equal(out[B], S);
    assert_int_equal(out[T], S);
}

static void test_grid_case(void **state)
{
    (void)state;
    /* 3 territories x 3 categories, row totals last, the town last. */
    long n[16] = {5, 40, 30, 75, 20, 35, 25, 80, 15, 22, 50, 87, 40, 97, 105, 242};
    disc_status out[16];
    assert_int_equal(disc_suppress_grid(3, 3, n, 11, out), 0);
    assert_int_equal(out[0], P);
    size_t hidden = 0;
    for (int k = 0; k < 16; k++)
        hidden += out[k] != S;
    assert_true(hidden >= 4);     /* at least a rectangle around the small cell */
    assert_int_equal(out[15], S); /* the town total stays */
    bool det[16];
    disc_relation rel[8];
    size_t parts[8][3];
    for (size_t i = 0; i < 4; i++) {
        for (size_t j = 0; j < 3; j++)
            parts[i][j] = i * 4 + j;
        rel[i] = (disc_relation){i * 4 + 3, parts[i], 3};
    }
    for (size_t j = 0; j < 4; j++) {
        for (size_t i = 0; i < 3; i++)
            parts[4 + j][i] = i * 4 + j;
        rel[4 + j] = (disc_relation){12 + j, parts[4 + j], 3};
    }
    assert_int_equal(disc_recoverable(16, 8, rel, out, det), 0);
    /* Nothing small, nothing hidden. */
    long big[16] = {15, 40, 30, 85, 20, 35, 25, 80, 15, 22, 50, 87, 50, 97, 105, 252};
    assert_int_equal(disc_suppress_grid(3, 3, big, 11, out), 0);
    for (int k = 0; k < 16; k++)
        assert_int_equal(out[k], S);
}

/* ------------------------------------------------------------------ property test */

/* Rank of an r x c matrix (copied), by Gaussian elimination with full pivoting. */
static size_t rank_of(const double *a, size_t r, size_t c)
{
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

/* True when some suppressed cell of the grid is determined: its unit vector adds no rank to the relations
 * restricted to the suppressed cells. */
static bool grid_recoverable(size_t nrow, size_t ncol, const disc_status *out)
{
    size_t w = ncol + 1, ncell = (nrow + 1) * w, nrel = nrow + ncol + 2, m = 0;
    size_t col[64];
    for (size_t c = 0; c < ncell; c++)
        col[c] = out[c] != S ? m++ : SIZE_MAX;
    if (m == 0)
        return false;
    double *a = calloc((nrel + 1) * m, sizeof *a);
    size_t r = 0;
    for (size_t i = 0; i <= nrow; i++, r++)
        for (size_t j = 0; j <= ncol; j++)
            if (col[i * w + j] != SIZE_MAX)
                a[r * m + col[i * w + j]] = j == ncol ? 1 : -1;
    for (size_t j = 0; j <= ncol; j++, r++)
        for (size_t i = 0; i <= nrow; i++)
            if (col[i * w + j] != SIZE_MAX)
                a[r * m + col[i * w + j]] = i == nrow ? 1 : -1;
    size_t base = rank_of(a, nrel, m);
    bool found = false;
    for (size_t k = 0; k < m && !found; k++) {
        memset(a + nrel * m, 0, m * sizeof *a);
        a[nrel * m + k] = 1;
        found = rank_of(a, nrel + 1, m) == base;
    }
    free(a);
    return found;
}

/* The heuristic alone (every set with 0 or >= 2 suppressed), to count how often the audit adds cells. */
static void heuristic_only(size_t nrow, size_t ncol, const long *n, disc_status *out)
{
    size_t w = ncol + 1;
    for (size_t c = 0; c < (nrow + 1) * w; c++)
        out[c] = n[c] < 11 ? P : S;
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t line = 0; line < nrow + ncol + 2 && !changed; line++) {
            bool isrow = line <= nrow;
            size_t len = isrow ? ncol : nrow, hidden = 0, best = SIZE_MAX;
            size_t total = isrow ? line * w + ncol : nrow * w + (line - nrow - 1);
            hidden += out[total] != S;
            for (size_t k = 0; k < len; k++) {
                size_t c = isrow ? line * w + k : k * w + (line - nrow - 1);
                if (out[c] != S)
                    hidden++;
                else if (best == SIZE_MAX || n[c] < n[best] || (n[c] == n[best] && c < best))
                    best = c;
            }
            if (hidden == 1) {
                out[best == SIZE_MAX ? total : best] = C;
                changed = true;
            }
        }
    }
}

static void test_random_grids(void **state)
{
    (void)state;
    unsigned long seed = 12345;
    size_t tables = 0, audited = 0, hidden_total = 0;
    for (int rep = 0; rep < 3000; rep++) {
        size_t nrow = 2 + (size_t)(rep % 5), ncol = 2 + (size_t)((rep / 5) % 4), w = ncol + 1;
        long n[64] = {0};
        for (size_t i = 0; i < nrow; i++)
            for (size_t j = 0; j < ncol; j++) {
                seed = seed * 6364136223846793005UL + 1442695040888963407UL;
                unsigned long r = seed >> 33;
                n[i * w + j] = (long)(r % 8 == 0 ? r % 11 : 11 + r % 60); /* about 1 small cell in 8 */
                n[i * w + ncol] += n[i * w + j];
                n[nrow * w + j] += n[i * w + j];
                n[nrow * w + ncol] += n[i * w + j];
            }
        disc_status out[64], h[64];
        assert_int_equal(disc_suppress_grid(nrow, ncol, n, 11, out), 0);
        tables++;
        for (size_t c = 0; c < (nrow + 1) * w; c++) {
            if (n[c] < 11)
                assert_int_equal(out[c], P);
            else
                assert_true(out[c] == S || out[c] == C);
            hidden_total += out[c] != S;
        }
        if (grid_recoverable(nrow, ncol, out))
            fail_msg("table %d (%zu x %zu): a suppressed cell is recoverable", rep, nrow, ncol);
        heuristic_only(nrow, ncol, n, h);
        audited += grid_recoverable(nrow, ncol, h);
    }
    print_message("random tables: %zu tables, %zu hidden cells, none recoverable; the one-equation heuristic "
                  "alone left a recoverable cell in %zu of them\n",
                  tables, hidden_total, audited);
}

static void test_invalid(void **state)
{
    (void)state;
    long n[3] = {20, 5, 15};
    size_t parts[2] = {1, 2}, bad[2] = {1, 7};
    disc_relation rel = {0, parts, 2};
    disc_status out[3];
    assert_int_equal(disc_suppress(3, n, 1, &rel, 0, out), -1);
    rel.parts = bad;
    assert_int_equal(disc_suppress(3, n, 1, &rel, 11, out), -1);
    rel.parts = parts;
    n[1] = -1;
    assert_int_equal(disc_suppress(3, n, 1, &rel, 11, out), -1);
    assert_int_equal(disc_suppress_grid(0, 3, n, 11, out), -1);
}

/* ------------------------------------------------------------------ NCHS standards */

typedef struct nchs_case {
    double p, se;
    long x, n;
    double lower, upper;
    long df;
    bool show;
    disc_nchs_reason reason;
    bool footnote, review_df, review_p01;
    double n_eff;
} nchs_case;

static const nchs_case nchs_cases[] = {
    /* 0 */ {0.3, 0.05, 30, 100, 0.20, 0.41, 50, true, DISC_NCHS_OK, false, false, false, 84},
    /* 1 */ {0.3, 0.10, 30, 100, 0.12, 0.52, 50, false, DISC_NCHS_NEFF, false, false, false, 21},
    /* 2 */ {0.5, 0.01, 1500, 3000, 0.48, 0.52, 900, true, DISC_NCHS_OK, false, false, false, 2500},
    /* 3 */ {0.5, 0.08, 20, 40, 0.34, 0.66, 30, false, DISC_NCHS_WIDTH, false, false, false, 39.0625},
    /* 4 */ {0.05, 0.02, 6, 150, 0.01, 0.12, 140, false, DISC_NCHS_RELWIDTH, false, false, false, 118.75},
    /* 5 */ {0.9, 0.03, 90, 100, 0.81, 0.95, 90, true, DISC_NCHS_OK, true, false, false, 100},
    /* 6 */ {0.3, 0.05, 30, 100, 0.20, 0.41, 5, true, DISC_NCHS_OK, false, true, false, 84},
    /* 7 */ {0.0, 0.0, 0, 50, 0.0, 0.07, 40, true, DISC_NCHS_OK, false, false, true, 50},
    /* 8 */ {0.0, 0.0, 0, 20, 0.0, 0.17, 18, false, DISC_NCHS_NEFF, false, false, false, 20},
    /* 9 */ {0.3, 0.01, 30, 100, 0.28, 0.32, 90, true, DISC_NCHS_OK, false, false, false, 100},      /* capped */
    /* 10 */ {0.5, 0.005, 100, 200, 0.45, 0.50, 190, true, DISC_NCHS_OK, false, false, false, 200},  /* W = 0.05 */
    /* 11 */ {0.5, 0.05, 50, 100, 0.35, 0.65, 90, false, DISC_NCHS_WIDTH, false, false, false, 100}, /* W = 0.30 */
    /* 12 */ {1.0, 0.0, 60, 60, 0.94, 1.0, 55, true, DISC_NCHS_OK, false, false, true, 60},
};

static void test_nchs(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof nchs_cases / sizeof nchs_cases[0]; k++) {
        const nchs_case *c = &nchs_cases[k];
        disc_nchs_result r;
        assert_int_equal(disc_nchs(c->p, c->se, c->x, c->n, c->lower, c->upper, c->df, &r), 0);
        if (r.show != c->show || r.reason != c->reason || r.footnote_complement != c->footnote ||
            r.review_df != c->review_df || r.review_p01 != c->review_p01 || fabs(r.n_eff - c->n_eff) > 1e-9)
            fail_msg("NCHS case %zu: show %d reason %d footnote %d df %d p01 %d n_eff %g", k, r.show, r.reason,
                     r.footnote_complement, r.review_df, r.review_p01, r.n_eff);
    }
    disc_nchs_result r;
    assert_int_equal(disc_nchs(0.3, 0.05, 30, 0, 0.2, 0.4, 5, &r), -1);
    assert_int_equal(disc_nchs(0.3, 0.05, 31, 30, 0.2, 0.4, 5, &r), -1);
    assert_int_equal(disc_nchs(0.3, NAN, 30, 100, 0.2, 0.4, 5, &r), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relation_cases), cmocka_unit_test(test_hidden_total), cmocka_unit_test(test_grid_case),
        cmocka_unit_test(test_random_grids),   cmocka_unit_test(test_invalid),      cmocka_unit_test(test_nchs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
