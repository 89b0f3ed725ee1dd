/* test_est_disclosure.c -- disclosure.c: numbered cases of the minimum-count rule and its complementary
 * suppression (the audit's town among them), a property test over random towns, overlapping groups and crossed
 * tables (no linear combination of the shown cells isolates fewer than min_n respondents, checked by brute force
 * over every set of atoms with an independent rank computation), and a table of NCHS presentation-standard
 * cases.
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
#include "disclosure_check.h"

#define S DISC_SHOW
#define P DISC_PRIMARY
#define C DISC_COMPLEMENTARY

/* ------------------------------------------------------------------ numbered cases */

#define MAXA 12
#define MAXC 16

/* A table in a test case: atoms with their respondents, cells as lists of atoms, the expected statuses. */
typedef struct table_case {
    const char *what;
    long atom_n[MAXA];
    size_t natom;
    const char *cells[MAXC]; /* each a string of atom letters: "A", "ABCD" */
    size_t ncell;
    disc_status want[MAXC];
} table_case;

static const table_case table_cases[] = {
    /* one total and its parts: the parts are the atoms */
    {"one small part: the next smallest goes too", {5, 20, 30}, 3, {"ABC", "A", "B", "C"}, 4, {S, P, C, S}},
    {"two small parts holding 13 together protect each other", {5, 8, 30}, 3, {"ABC", "A", "B", "C"}, 4,
     {S, P, P, S}},
    {"two small parts holding 7 together: one more part", {3, 4, 30}, 3, {"ABC", "A", "B", "C"}, 4, {S, P, P, C}},
    {"a small total has small parts", {4, 5}, 2, {"AB", "A", "B"}, 3, {P, P, P}},
    {"nothing small", {20, 30, 30}, 3, {"ABC", "A", "B", "C"}, 4, {S, S, S, S}},
    {"the smallest other part, not the next index", {5, 30, 20, 15}, 4, {"ABCD", "A", "B", "C", "D"}, 5,
     {S, P, S, S, C}},
    {"ties go to the lowest index", {6, 20, 20}, 3, {"ABC", "A", "B", "C"}, 4, {S, P, C, S}},
    {"a lone part equals its total", {10}, 1, {"A", "A"}, 2, {P, P}},
    {"an empty part holds nobody: nothing to protect", {0, 31}, 2, {"AB", "A", "B"}, 3, {S, P, S}},
    /* the audit's town: territories A (QPV, 12), B (QPV, 1), C and D (QPV, empty), R (the rest, empty); cells:
     * the five territories, all QPV, the town. Town - A would be B. */
    {"audit: 12 + 1, the other parts empty", {12, 1, 0, 0, 0}, 5, {"A", "B", "C", "D", "E", "ABCD", "ABCDE"}, 7,
     {C, P, P, P, P, S, S}},
    {"two small QPV holding 7 together", {20, 3, 4, 30}, 4, {"A", "B", "C", "D", "ABC", "ABCD"}, 6,
     {C, P, P, S, S, S}},
    {"three small QPV holding 9 together", {25, 3, 4, 2, 40}, 5, {"A", "B", "C", "D", "E", "ABCD", "ABCDE"}, 7,
     {C, P, P, P, S, S, S}},
    {"three small QPV holding 12 together", {25, 3, 4, 5, 40}, 5, {"A", "B", "C", "D", "E", "ABCD", "ABCDE"}, 7,
     {S, P, P, P, S, S, S}},
    /* two levels: T = A + D, A = B + E. The rest D (10) is small: hiding the town alone protects it, where the
     * one-equation heuristic hid A and then E. */
    {"a small rest: the town goes", {10, 50, 30}, 3, {"ABC", "BC", "A", "B", "C"}, 5, {C, S, P, S, S}},
    /* overlapping groups (operators serving several territories): X serves 1 and 2 (12 operators), Y serves 2
     * only (1 operator). Territory 1 = X, territory 2 = X + Y, the town = X + Y. */
    {"overlap: territory 2 minus territory 1 is one operator", {12, 1}, 2, {"A", "AB", "AB"}, 3, {C, S, S}},
};

static void load_case(const table_case *c, unsigned char *cover)
{
    memset(cover, 0, MAXC * MAXA);
    for (size_t k = 0; k < c->ncell; k++)
        for (const char *p = c->cells[k]; *p; p++)
            cover[k * c->natom + (size_t)(*p - 'A')] = 1;
}

static void test_table_cases(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof table_cases / sizeof table_cases[0]; k++) {
        const table_case *c = &table_cases[k];
        unsigned char cover[MAXC * MAXA];
        long cell_n[MAXC] = {0};
        load_case(c, cover);
        for (size_t i = 0; i < c->ncell; i++)
            for (size_t a = 0; a < c->natom; a++)
                cell_n[i] += cover[i * c->natom + a] ? c->atom_n[a] : 0;
        disc_table t = {c->natom, c->ncell, c->atom_n, NULL, cell_n, cover};
        disc_status out[MAXC];
        assert_int_equal(disc_protect(&t, DISC_DEFAULT_MIN_N, out), 0);
        for (size_t i = 0; i < c->ncell; i++)
            if (out[i] != c->want[i])
                fail_msg("case %zu (%s), cell %zu: got %d, want %d", k, c->what, i, out[i], c->want[i]);
        long leak;
        if (leaks(&t, out, DISC_DEFAULT_MIN_N, &leak))
            fail_msg("case %zu (%s): the shown cells isolate %ld respondents", k, c->what, leak);
    }
}

/* An indicator's own n: the cells are judged on the respondents in the denominator, and they also publish the
 * nsp and refus answers. Territory B has nobody in the denominator but one "nsp": the town minus A would tell
 * that B's one respondent did not know. Territory D has 10 in the denominator and 5 refusals: its estimate rests
 * on 10, so it must not be recoverable although 15 respondents were asked. */
static void test_nsp_and_refus(void **state)
{
    (void)state;
    long atom_n[2] = {12, 0}, other[2] = {0, 1}, cell_n[3] = {12, 0, 12};
    unsigned char cover[6] = {1, 0, 0, 1, 1, 1};
    disc_table t = {2, 3, atom_n, other, cell_n, cover};
    disc_status out[3];
    assert_int_equal(disc_protect(&t, 11, out), 0);
    assert_int_equal(out[1], P);
    assert_int_equal(out[0], C);
    assert_int_equal(out[2], S);
    t.atom_other = NULL; /* without the nsp, B holds nobody: nothing to protect */
    assert_int_equal(disc_protect(&t, 11, out), 0);
    assert_int_equal(out[0], S);

    long dn[2] = {30, 10}, dother[2] = {0, 5}, dcell[3] = {30, 10, 40};
    disc_table d = {2, 3, dn, dother, dcell, cover};
    assert_int_equal(disc_protect(&d, 11, out), 0);
    assert_int_equal(out[1], P);
    assert_int_equal(out[0], C);
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
    /* Nothing small, nothing hidden. */
    long big[16] = {15, 40, 30, 85, 20, 35, 25, 80, 15, 22, 50, 87, 50, 97, 105, 252};
    assert_int_equal(disc_suppress_grid(3, 3, big, 11, out), 0);
    for (int k = 0; k < 16; k++)
        assert_int_equal(out[k], S);
}

/* ------------------------------------------------------------------ property test */

static unsigned long rng_state = 12345;

static unsigned long rng(void)
{
    rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
    return rng_state >> 33;
}

/* A count that is small (0 to 10) about two times in five. */
static long random_count(void)
{
    unsigned long r = rng();
    return r % 5 < 2 ? (long)(rng() % 11) : 11 + (long)(rng() % 50);
}

/* Builds a random table of one of four shapes into t (storage in the arrays given): a town (territories, QPV
 * or not; all QPV; the rest when several; the town), the same with an indicator's n below the atoms' weight,
 * overlapping groups, or a crossed table. Returns the shape. */
static int random_table(disc_table *t, long *atom_n, long *other, long *cell_n, unsigned char *cover)
{
    int shape = (int)(rng() % 4);
    size_t na = 2 + rng() % 6, nc = 0;
    memset(cover, 0, MAXC * MAXA);
    for (size_t a = 0; a < na; a++)
        atom_n[a] = random_count();
    if (shape <= 1) {
        bool qpv[MAXA];
        size_t nq = 0, nr = 0;
        for (size_t a = 0; a < na; a++) {
            qpv[a] = rng() % 3 != 0;
            nq += qpv[a], nr += !qpv[a];
            cover[nc++ * na + a] = 1;
        }
        for (int kind = 0; kind < 3; kind++) {
            if ((kind == 0 && nq == 0) || (kind == 1 && nr < 2))
                continue;
            for (size_t a = 0; a < na; a++)
                cover[nc * na + a] = kind == 2 || (kind == 0) == qpv[a];
            nc++;
        }
    } else if (shape == 2) {
        nc = 2 + rng() % 6;
        for (size_t c = 0; c < nc; c++) {
            for (size_t a = 0; a < na; a++)
                cover[c * na + a] = rng() % 2;
            cover[c * na + rng() % na] = 1;
        }
        for (size_t a = 0; a < na; a++)
            cover[nc * na + a] = 1;
        nc++;
    } else {
        size_t nrow = 2, ncol = na / 2 > 1 ? na / 2 : 2; /* the atoms are the inner cells */
        na = nrow * ncol;
        for (size_t a = 0; a < na; a++)
            atom_n[a] = random_count();
        for (size_t i = 0; i <= nrow; i++)
            for (size_t j = 0; j <= ncol; j++, nc++)
                for (size_t a = 0; a < na; a++)
                    cover[nc * na + a] = (i == nrow || i == a / ncol) && (j == ncol || j == a % ncol);
    }
    for (size_t c = 0; c < nc; c++) {
        cell_n[c] = 0;
        for (size_t a = 0; a < na; a++)
            cell_n[c] += cover[c * na + a] ? atom_n[a] : 0;
        if (shape == 1) /* item non-response: the indicator's n is part of the respondents */
            cell_n[c] -= cell_n[c] * (long)(rng() % 3) / 10;
    }
    for (size_t a = 0; a < na; a++) /* nsp and refus: none most of the time, a few sometimes */
        other[a] = rng() % 3 == 0 ? (long)(rng() % 4) : 0;
    *t = (disc_table){na, nc, atom_n, shape == 1 ? other : NULL, cell_n, cover};
    return shape;
}

static void test_random_tables(void **state)
{
    (void)state;
    size_t tables[4] = {0}, complementary = 0, unsafe_before = 0;
    for (int rep = 0; rep < 4000; rep++) {
        long atom_n[MAXA], other[MAXA], cell_n[MAXC];
        unsigned char cover[MAXC * MAXA];
        disc_table t;
        int shape = random_table(&t, atom_n, other, cell_n, cover);
        long min_n = rep % 7 == 0 ? 1 + (long)(rng() % 20) : 11;
        disc_status out[MAXC], again[MAXC], primary[MAXC];
        assert_int_equal(disc_protect(&t, min_n, out), 0);
        tables[shape]++;
        for (size_t c = 0; c < t.ncell; c++) {
            primary[c] = cell_n[c] < min_n ? P : S;
            if (cell_n[c] < min_n)
                assert_int_equal(out[c], P);
            else
                assert_true(out[c] == S || out[c] == C);
            complementary += out[c] == C;
        }
        long leak;
        if (leaks(&t, out, min_n, &leak))
            fail_msg("table %d (shape %d, min_n %ld): the shown cells isolate %ld respondents", rep, shape, min_n,
                     leak);
        unsafe_before += leaks(&t, primary, min_n, &leak);
        assert_int_equal(disc_protect(&t, min_n, again), 0); /* deterministic */
        assert_memory_equal(out, again, t.ncell * sizeof *out);
    }
    print_message("random tables: %zu towns, %zu towns with item non-response, %zu overlapping, %zu crossed; the "
                  "primary rule alone left %zu of them leaking, %zu complementary cells made all safe\n",
                  tables[0], tables[1], tables[2], tables[3], unsafe_before, complementary);
}

static void test_invalid(void **state)
{
    (void)state;
    long atom_n[2] = {5, 15}, cell_n[3] = {20, 5, 15};
    unsigned char cover[6] = {1, 1, 1, 0, 0, 1};
    disc_table t = {2, 3, atom_n, NULL, cell_n, cover};
    disc_status out[3];
    assert_int_equal(disc_protect(&t, 0, out), -1);
    assert_int_equal(disc_protect(NULL, 11, out), -1);
    atom_n[0] = -1;
    assert_int_equal(disc_protect(&t, 11, out), -1);
    atom_n[0] = 5;
    cell_n[1] = -1;
    assert_int_equal(disc_protect(&t, 11, out), -1);
    t.cover = NULL;
    cell_n[1] = 5;
    assert_int_equal(disc_protect(&t, 11, out), -1);
    assert_int_equal(disc_suppress_grid(0, 3, cell_n, 11, out), -1);
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
        cmocka_unit_test(test_table_cases),   cmocka_unit_test(test_nsp_and_refus),
        cmocka_unit_test(test_grid_case),     cmocka_unit_test(test_random_tables),
        cmocka_unit_test(test_invalid),       cmocka_unit_test(test_nchs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
