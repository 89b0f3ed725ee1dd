/* test_compare.c -- compare.c against R: svychisq (F and Chisq) on both designs of the worked example for a
 * binary, a 4-level and a partly missing variable; chisq.test on counts; svyttest of each territory against
 * the rest of the town; p.adjust(, "holm"); then the degenerate inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fixture.h"

#include "compare.h"

#define REL 1e-8

static fx_data D;
static int ybin[FX_MAX];

static int setup(void **state)
{
    (void)state;
    est_init();
    fx_load(&D);
    for (size_t i = 0; i < D.n; i++)
        ybin[i] = (int)D.y[i];
    return 0;
}

static void check_rao_scott(bool raked)
{
    const char *dn = raked ? "des" : "des0";
    wt_raking *rk = NULL;
    est_design *des = fx_design(&D, raked, &rk);
    const int *vars[3] = {ybin, D.age, D.a2};
    static const char *const names[3] = {"y", "agegrp", "a2"};
    for (int v = 0; v < 3; v++) {
        cmp_chisq_result r;
        assert_int_equal(cmp_rao_scott(des, vars[v], D.terr, &r), EST_OK);
        FX_CLOSE(r.f, fx_ref("%s/chisq/%s/F", dn, names[v]), REL);
        FX_CLOSE(r.ndf, fx_ref("%s/chisq/%s/ndf", dn, names[v]), REL);
        FX_CLOSE(r.ddf, fx_ref("%s/chisq/%s/ddf", dn, names[v]), REL);
        FX_CLOSE(r.p_f, fx_ref("%s/chisq/%s/pF", dn, names[v]), REL);
        FX_CLOSE(r.x2, fx_ref("%s/chisq/%s/X2", dn, names[v]), REL);
        FX_CLOSE(r.p_chisq, fx_ref("%s/chisq/%s/pChisq", dn, names[v]), REL);
        assert_int_equal(r.ncol, 3);
        assert_int_equal(r.nrow, v == 0 ? 2 : 4);
    }
    print_message("%s: svychisq F and Chisq matched R for y, agegrp and a2 (with missing values)\n", dn);
    est_design_free(des);
    wt_free(rk);
}

static void test_rao_scott_unraked(void **state)
{
    (void)state;
    check_rao_scott(false);
}

static void test_rao_scott_raked(void **state)
{
    (void)state;
    check_rao_scott(true);
    /* The example's own figures (statistics.md section 1.6). */
    wt_raking *rk;
    est_design *des = fx_design(&D, true, &rk);
    cmp_chisq_result r;
    assert_int_equal(cmp_rao_scott(des, ybin, D.terr, &r), EST_OK);
    FX_CLOSE(r.trace, 1.959270720, 1e-9);
    FX_CLOSE(r.ddf / r.ndf, 197, 1e-14);
    est_design_free(des);
    wt_free(rk);
}

static void test_pearson(void **state)
{
    (void)state;
    cmp_chisq_result r;
    assert_int_equal(cmp_pearson(D.n, ybin, D.terr, &r), EST_OK);
    FX_CLOSE(r.x2, fx_ref("pearson/y/X2"), REL);
    FX_CLOSE(r.p_chisq, fx_ref("pearson/y/p"), REL);
    assert_true(r.df == 2 && r.min_expected > 5);
    assert_int_equal(cmp_pearson(D.n, D.a2, D.terr, &r), EST_OK);
    FX_CLOSE(r.x2, fx_ref("pearson/a2/X2"), REL);
    FX_CLOSE(r.p_chisq, fx_ref("pearson/a2/p"), REL);
    assert_true(r.df == 6);
}

static void check_diff(bool raked)
{
    const char *dn = raked ? "des" : "des0";
    wt_raking *rk = NULL;
    est_design *des = fx_design(&D, raked, &rk);
    unsigned char a[FX_MAX];
    for (int t = 0; t < FX_NTERR; t++) {
        for (size_t i = 0; i < D.n; i++)
            a[i] = D.terr[i] == t;
        cmp_diff_result r;
        assert_int_equal(cmp_diff(des, D.y, a, NULL, 0.95, &r), EST_OK);
        FX_CLOSE(r.diff, fx_ref("%s/ttest/%s/diff", dn, fx_terr_names[t]), REL);
        FX_CLOSE(r.t, fx_ref("%s/ttest/%s/t", dn, fx_terr_names[t]), REL);
        FX_CLOSE((double)r.df, fx_ref("%s/ttest/%s/df", dn, fx_terr_names[t]), 0);
        FX_CLOSE(r.p, fx_ref("%s/ttest/%s/p", dn, fx_terr_names[t]), REL);
        FX_CLOSE(r.lower, fx_ref("%s/ttest/%s/l", dn, fx_terr_names[t]), REL);
        FX_CLOSE(r.upper, fx_ref("%s/ttest/%s/u", dn, fx_terr_names[t]), REL);
        /* The same with the rest given explicitly. */
        unsigned char b[FX_MAX];
        for (size_t i = 0; i < D.n; i++)
            b[i] = !a[i];
        cmp_diff_result r2;
        assert_int_equal(cmp_diff(des, D.y, a, b, 0.95, &r2), EST_OK);
        FX_CLOSE(r2.se, r.se, 1e-14);
        assert_int_equal(r.n_a + r.n_b, D.n);
    }
    est_design_free(des);
    wt_free(rk);
}

static void test_diff(void **state)
{
    (void)state;
    check_diff(false);
    check_diff(true);
}

static void test_holm(void **state)
{
    (void)state;
    double p[7] = {0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.9}, adj[7];
    assert_int_equal(cmp_holm(p, 7, adj), EST_OK);
    for (int k = 0; k < 7; k++)
        FX_CLOSE(adj[k], fx_ref("holm/%d", k), 1e-15);
    assert_int_equal(cmp_holm(p, 1, adj), EST_OK);
    assert_true(adj[0] == p[0]);
    assert_int_equal(cmp_holm(p, 0, NULL), EST_OK);
    p[2] = NAN;
    assert_int_equal(cmp_holm(p, 7, adj), EST_EINVAL);
    p[2] = 1.5;
    assert_int_equal(cmp_holm(p, 7, adj), EST_EINVAL);
}

static void test_degenerate(void **state)
{
    (void)state;
    est_design *des = est_design_new(D.n, FX_NTERR, D.terr, D.w0, NULL, 0);
    int zero[FX_MAX];
    double yzero[FX_MAX];
    for (size_t i = 0; i < D.n; i++) {
        zero[i] = 0;
        yzero[i] = 0;
    }
    cmp_chisq_result r;
    assert_int_equal(cmp_rao_scott(des, zero, D.terr, &r), EST_EEMPTY); /* one level: nothing to test */
    assert_int_equal(cmp_pearson(D.n, zero, D.terr, &r), EST_EEMPTY);
    unsigned char a[FX_MAX], none[FX_MAX];
    for (size_t i = 0; i < D.n; i++) {
        a[i] = D.terr[i] == 0;
        none[i] = 0;
    }
    cmp_diff_result d;
    assert_int_equal(cmp_diff(des, D.y, none, NULL, 0.95, &d), EST_EEMPTY);
    assert_int_equal(cmp_diff(des, yzero, a, NULL, 0.95, &d), EST_ENUMERIC); /* no variance at all */
    assert_int_equal(cmp_diff(des, D.y, a, a, 0.95, &d), EST_EINVAL);        /* overlapping domains */
    assert_int_equal(cmp_diff(des, D.y, a, NULL, 1.5, &d), EST_EINVAL);
    est_design_free(des);

    /* Age against territory after raking each territory on its own age margins: the cell proportions are
     * fixed, so the test has no design variance (R reports an F of order 1e18 here). */
    double pop_age[12];
    for (int t = 0; t < 3; t++)
        for (int k = 0; k < 4; k++)
            pop_age[t * 4 + k] = (t + 1) * 1000.0 * (k + 1);
    wt_margin m[1] = {{"âge", 4, D.age, pop_age, NULL}};
    wt_input in = {.n = D.n, .base_weight = D.w0, .ngroup = 3, .group = D.terr, .nmargin = 1, .margin = m};
    wt_raking *rk = wt_rake(&in, NULL, NULL, 0);
    assert_non_null(rk);
    des = est_design_new_raked(D.n, FX_NTERR, D.terr, rk, NULL, 0);
    assert_int_equal(cmp_rao_scott(des, D.age, D.terr, &r), EST_ENUMERIC);
    assert_int_equal(cmp_rao_scott(des, ybin, D.terr, &r), EST_OK);
    est_design_free(des);
    wt_free(rk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rao_scott_unraked),
        cmocka_unit_test(test_rao_scott_raked),
        cmocka_unit_test(test_pearson),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_holm),
        cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
