/* test_est_scores.c -- scores.c: EPICES over numbered answer patterns (the published extremes, each item
 * alone, the precarity threshold, missing items) and WHO-5 at every threshold boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "scores.h"

typedef struct epices_case {
    int items[SCORE_EPICES_ITEMS];
    bool ok;
    double score;
    bool precarious;
} epices_case;

static const epices_case epices_cases[] = {
    /* 0: every protective answer: exactly 0 */
    {{0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1}, true, 0.00, false},
    /* 1: the worst profile: exactly 100 */
    {{1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, true, 100.00, true},
    /* 2: all "non": the constant alone */
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, true, 75.14, true},
    /* 3: all "oui" */
    {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, true, 24.86, false},
    /* 4: protective except financial difficulties */
    {{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, true, 14.80, false},
    /* 5: protective except no complementary insurance and no holidays: 11.83 + 7.10 */
    {{0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1}, true, 18.93, false},
    /* 6: social worker, financial difficulties, no insurance: 10.06 + 14.80 + 11.83 = 36.69 */
    {{1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, true, 36.69, true},
    /* 7: just under the threshold: no insurance, no sport, no holidays: 11.83 + 6.51 + 7.10 = 25.44 */
    {{0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1}, true, 25.44, false},
    /* 8: no insurance, no holidays, no family contact, no material help: 11.83 + 7.10 + 9.47 + 7.10 */
    {{0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0}, true, 35.50, true},
    /* 9: a missing item makes the score missing */
    {{0, 1, 1, 1, 0, 1, -1, 1, 1, 1, 1}, false, 0, false},
    /* 10: an out-of-range code is missing too */
    {{0, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1}, false, 0, false},
};

static void test_epices(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof epices_cases / sizeof epices_cases[0]; k++) {
        const epices_case *c = &epices_cases[k];
        double score = -1;
        bool ok = score_epices(c->items, &score);
        if (ok != c->ok || (ok && (fabs(score - c->score) > 1e-12 || score_epices_precarious(score) != c->precarious)))
            fail_msg("EPICES case %zu: ok %d score %.15g precarious %d", k, ok, score,
                     ok && score_epices_precarious(score));
    }
    /* Every answer pattern stays within 0-100, and each item alone moves the score by its coefficient. */
    static const double coef[SCORE_EPICES_ITEMS] = {10.06, -11.83, -8.28, -8.28, 14.80, -6.51,
                                                    -7.10, -7.10,  -9.47, -9.47, -7.10};
    for (int mask = 0; mask < 1 << SCORE_EPICES_ITEMS; mask++) {
        int items[SCORE_EPICES_ITEMS];
        for (int k = 0; k < SCORE_EPICES_ITEMS; k++)
            items[k] = (mask >> k) & 1;
        double s;
        assert_true(score_epices(items, &s));
        assert_true(s >= 0 && s <= 100);
        for (int k = 0; k < SCORE_EPICES_ITEMS; k++)
            if (!items[k]) {
                items[k] = 1;
                double s2;
                assert_true(score_epices(items, &s2));
                assert_true(fabs(s2 - s - coef[k]) < 1e-9);
                items[k] = 0;
            }
    }
    /* The threshold itself, whatever the floating-point rounding of the caller. */
    assert_true(score_epices_precarious(30.0));
    assert_true(score_epices_precarious(29.999999999999996));
    assert_false(score_epices_precarious(29.99));
}

typedef struct who5_case {
    int items[SCORE_WHO5_ITEMS];
    bool ok;
    int raw, percent;
    bool poor, depression;
} who5_case;

static const who5_case who5_cases[] = {
    {{5, 5, 5, 5, 5}, true, 25, 100, false, false},
    {{0, 0, 0, 0, 0}, true, 0, 0, true, true},
    {{3, 3, 3, 2, 2}, true, 13, 52, false, false}, /* first raw score above the screening threshold */
    {{3, 3, 2, 2, 2}, true, 12, 48, true, false},  /* raw < 13, i.e. percent <= 48 */
    {{2, 2, 2, 1, 1}, true, 8, 32, true, false},
    {{2, 2, 1, 1, 1}, true, 7, 28, true, true},    /* percent <= 28: likely depression */
    {{2, 2, 1, 1, -1}, false, 0, 0, false, false}, /* missing item */
    {{6, 2, 1, 1, 1}, false, 0, 0, false, false},  /* out of range */
};

static void test_who5(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof who5_cases / sizeof who5_cases[0]; k++) {
        const who5_case *c = &who5_cases[k];
        score_who5_result r = {-1, -1, false, false};
        bool ok = score_who5(c->items, &r);
        if (ok != c->ok ||
            (ok && (r.raw != c->raw || r.percent != c->percent || r.poor != c->poor || r.depression != c->depression)))
            fail_msg("WHO-5 case %zu: ok %d raw %d percent %d poor %d depression %d", k, ok, r.raw, r.percent, r.poor,
                     r.depression);
        if (!ok)
            assert_int_equal(r.raw, -1); /* untouched */
    }
    assert_true(score_who5_relevant_change(48, 60));
    assert_true(score_who5_relevant_change(60, 48));
    assert_false(score_who5_relevant_change(48, 56));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epices),
        cmocka_unit_test(test_who5),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
