/* test_standardize.c -- standardize.c against R: svystandardize by age over territory on both designs of
 * the worked example, by age x sex to the town's estimated structure with missing answers, and
 * ageadjust.direct on the example's counts, on all-zero counts and at another level; then bad arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fixture.h"

#include "standardize.h"

#define REL 1e-8

static fx_data D;
static const double esp4[4] = {17500, 20500, 20500, 25500};

static int setup(void **state)
{
    (void)state;
    est_init();
    fx_load(&D);
    return 0;
}

static void check_survey(bool raked)
{
    const char *dn = raked ? "des" : "des0";
    wt_raking *rk = NULL;
    est_design *des = fx_design(&D, raked, &rk);
    std_result r[FX_NTERR];
    assert_int_equal(std_survey(des, D.y, NULL, D.terr, FX_NTERR, D.age, FX_NAGE, esp4, r), EST_OK);
    for (int t = 0; t < FX_NTERR; t++) {
        assert_int_equal(r[t].status, EST_OK);
        FX_CLOSE(r[t].p, fx_ref("%s/std/%s/p", dn, fx_terr_names[t]), REL);
        FX_CLOSE(r[t].se, fx_ref("%s/std/%s/se", dn, fx_terr_names[t]), REL);
        assert_int_equal(r[t].empty_cells, 0);
        if (raked) {
            FX_CLOSE(r[t].p, fx_long("svystandardize", fx_terr_names[t], "p"), REL);
            FX_CLOSE(r[t].se, fx_long("svystandardize", fx_terr_names[t], "se"), REL);
        }
    }
    /* age x sex cells standardised to the town's weighted structure, outcome with missing answers */
    int agesex[FX_MAX];
    for (size_t i = 0; i < D.n; i++)
        agesex[i] = D.age[i] + FX_NAGE * D.sex[i];
    double town[8];
    assert_int_equal(std_design_structure(des, agesex, 8, town), EST_OK);
    assert_int_equal(std_survey(des, D.y2, D.y2_ok, D.terr, FX_NTERR, agesex, 8, town, r), EST_OK);
    for (int t = 0; t < FX_NTERR; t++) {
        FX_CLOSE(r[t].p, fx_ref("%s/std2/%s/p", dn, fx_terr_names[t]), REL);
        FX_CLOSE(r[t].se, fx_ref("%s/std2/%s/se", dn, fx_terr_names[t]), REL);
    }
    print_message("%s: svystandardize p and SE matched R for 2 standards x 3 territories\n", dn);
    est_design_free(des);
    wt_free(rk);
}

static void test_survey_unraked(void **state)
{
    (void)state;
    check_survey(false);
}

static void test_survey_raked(void **state)
{
    (void)state;
    check_survey(true);
}

/* A territory with nobody in a standard cell: R ignores the cell (partial = TRUE); the count is reported. A
 * territory with nobody at all in the domain gets EST_EEMPTY. */
static void test_survey_gaps(void **state)
{
    (void)state;
    est_design *des = est_design_new(D.n, FX_NTERR, D.terr, D.w0, NULL, 0);
    int age[FX_MAX];
    for (size_t i = 0; i < D.n; i++)
        age[i] = D.terr[i] == 1 && D.age[i] == 0 ? 1 : D.age[i];
    std_result r[FX_NTERR];
    assert_int_equal(std_survey(des, D.y, NULL, D.terr, FX_NTERR, age, FX_NAGE, esp4, r), EST_OK);
    assert_int_equal(r[1].empty_cells, 1);
    assert_int_equal(r[0].empty_cells, 0);
    unsigned char dom[FX_MAX];
    for (size_t i = 0; i < D.n; i++)
        dom[i] = D.terr[i] != 2;
    assert_int_equal(std_survey(des, D.y, dom, D.terr, FX_NTERR, D.age, FX_NAGE, esp4, r), EST_OK);
    assert_int_equal(r[2].status, EST_EEMPTY);
    assert_int_equal(r[0].status, EST_OK);
    /* A cell with respondents but no standard population is an error, as in R. */
    const double zero_first[4] = {0, 20500, 20500, 25500};
    assert_int_equal(std_survey(des, D.y, NULL, D.terr, FX_NTERR, D.age, FX_NAGE, zero_first, r), EST_EINVAL);
    age[3] = 9;
    assert_int_equal(std_survey(des, D.y, NULL, D.terr, FX_NTERR, age, FX_NAGE, esp4, r), EST_EINVAL);
    est_design_free(des);
}

static void test_direct_counts(void **state)
{
    (void)state;
    static const double cnt[4] = {3, 7, 12, 20}, py[4] = {2500, 3100, 2600, 2000};
    std_direct_result r;
    assert_int_equal(std_direct_counts(4, cnt, py, esp4, 0.95, &r), EST_OK);
    /* statistics.md's worked example (printed with 9 significant digits), then epitools' output in
     * results_long.csv (12 digits) */
    FX_CLOSE(r.adjusted, 0.00496316318, 5e-9);
    FX_CLOSE(r.lower, 0.00353021943, 5e-9);
    FX_CLOSE(r.upper, 0.00681706916, 5e-9);
    FX_CLOSE(r.crude, fx_long("ageadjust_direct", "example", "crude.rate"), REL);
    FX_CLOSE(r.adjusted, fx_long("ageadjust_direct", "example", "adj.rate"), REL);
    FX_CLOSE(r.lower, fx_long("ageadjust_direct", "example", "lci"), REL);
    FX_CLOSE(r.upper, fx_long("ageadjust_direct", "example", "uci"), REL);
    /* Every count 0: R's lower bound is NaN, ours is 0; the upper bound is R's. */
    static const double zero[4] = {0, 0, 0, 0};
    assert_int_equal(std_direct_counts(4, zero, py, esp4, 0.95, &r), EST_OK);
    assert_true(r.lower == 0 && r.adjusted == 0);
    FX_CLOSE(r.upper, fx_ref("ageadjust_zero/uci"), REL);
    static const double mixed[4] = {1, 0, 250, 3}, pm[4] = {900, 1200, 40000, 700};
    assert_int_equal(std_direct_counts(4, mixed, pm, esp4, 0.90, &r), EST_OK);
    FX_CLOSE(r.crude, fx_ref("ageadjust_mixed/crude.rate"), REL);
    FX_CLOSE(r.adjusted, fx_ref("ageadjust_mixed/adj.rate"), REL);
    FX_CLOSE(r.lower, fx_ref("ageadjust_mixed/lci"), REL);
    FX_CLOSE(r.upper, fx_ref("ageadjust_mixed/uci"), REL);
    static const double badpt[4] = {2500, 0, 2600, 2000};
    assert_int_equal(std_direct_counts(4, cnt, badpt, esp4, 0.95, &r), EST_EINVAL);
    assert_int_equal(std_direct_counts(4, cnt, py, zero, 0.95, &r), EST_EINVAL);
    assert_int_equal(std_direct_counts(0, cnt, py, esp4, 0.95, &r), EST_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_survey_unraked),
        cmocka_unit_test(test_survey_raked),
        cmocka_unit_test(test_survey_gaps),
        cmocka_unit_test(test_direct_counts),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
