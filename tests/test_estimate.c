/* test_estimate.c -- estimate.c against R. First every number of the worked example's results_long.csv that
 * analyzer_lib implements (whatever module computes it), then the R values of tests/r/unit_refs.h for both
 * designs of the example (unraked and raked), the unweighted intervals, the degenerate domains with their
 * stated rule, and the argument checks.
 *
 * Tolerance: 1e-8 relative everywhere (results_long.csv prints 12 digits). None had to be looser: the
 * "logit" method replays R's GLM iterations instead of using the xlogit formula, which statistics.md says
 * agrees with it only to ~2e-9.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fixture.h"

#include "compare.h"
#include "numeric.h"
#include "standardize.h"

#define REL 1e-8

static fx_data D;
static const char *const method_names[] = {"beta", "logit", "xlogit", "mean", "asin"};

static int setup(void **state)
{
    (void)state;
    est_init();
    fx_load(&D);
    return 0;
}

/* ------------------------------------------------------------------ results_long.csv */

/* Everything analyzer_lib computes for the example, in the shape of results_long.csv. */
typedef struct long_results {
    est_mean_result all, terr[FX_NTERR];
    est_prop_result prop[5][FX_NTERR];
    long x[FX_NTERR + 1], n[FX_NTERR + 1];
    est_interval srs[3][FX_NTERR + 1];
    cmp_chisq_result chisq;
    std_result std[FX_NTERR];
    std_direct_result aa;
} long_results;

static void compute_long(long_results *L)
{
    wt_raking *rk;
    est_design *des = fx_design(&D, true, &rk);
    unsigned char dom[FX_MAX];
    assert_int_equal(est_mean(des, D.y, NULL, &L->all), EST_OK);
    for (int t = 0; t < FX_NTERR; t++) {
        for (size_t i = 0; i < D.n; i++)
            dom[i] = D.terr[i] == t;
        assert_int_equal(est_mean(des, D.y, dom, &L->terr[t]), EST_OK);
        for (int m = 0; m < 5; m++)
            assert_int_equal(est_prop(des, D.y, dom, (est_ci_method)m, 0.95, &L->prop[m][t]), EST_OK);
    }
    for (int g = 0; g <= FX_NTERR; g++) {
        L->x[g] = L->n[g] = 0;
        for (size_t i = 0; i < D.n; i++)
            if (g == FX_NTERR || D.terr[i] == g) {
                L->n[g]++;
                L->x[g] += D.y[i] == 1;
            }
        for (int m = 0; m < 3; m++)
            assert_int_equal(est_srs_interval(L->x[g], L->n[g], 0.95, (est_srs_method)m, &L->srs[m][g]), EST_OK);
    }
    int ybin[FX_MAX];
    for (size_t i = 0; i < D.n; i++)
        ybin[i] = (int)D.y[i];
    assert_int_equal(cmp_rao_scott(des, ybin, D.terr, &L->chisq), EST_OK);
    static const double esp4[4] = {17500, 20500, 20500, 25500};
    assert_int_equal(std_survey(des, D.y, NULL, D.terr, FX_NTERR, D.age, FX_NAGE, esp4, L->std), EST_OK);
    static const double cnt[4] = {3, 7, 12, 20}, py[4] = {2500, 3100, 2600, 2000};
    assert_int_equal(std_direct_counts(4, cnt, py, esp4, 0.95, &L->aa), EST_OK);
    est_design_free(des);
    wt_free(rk);
}

/* The C value of one row of results_long.csv; false for what analyzer_lib does not implement. */
static bool long_value(const long_results *L, const char *what, const char *group, const char *stat, double *v)
{
    int g = FX_NTERR; /* "ALL" */
    for (int t = 0; t < FX_NTERR; t++)
        if (strcmp(group, fx_terr_names[t]) == 0)
            g = t;
    if (strcmp(what, "svymean") == 0)
        *v = !strcmp(stat, "mean") ? L->all.mean : !strcmp(stat, "se") ? L->all.se : L->all.deff;
    else if (strcmp(what, "svytotal") == 0)
        *v = !strcmp(stat, "total") ? L->all.total : L->all.total_se;
    else if (strcmp(what, "svyby_svymean") == 0)
        *v = !strcmp(stat, "mean") ? L->terr[g].mean : !strcmp(stat, "se") ? L->terr[g].se : L->terr[g].deff;
    else if (strncmp(what, "svyciprop_", 10) == 0) {
        int m = -1;
        for (int k = 0; k < 5; k++)
            if (strcmp(what + 10, method_names[k]) == 0)
                m = k;
        if (m < 0)
            return false; /* "likelihood": a spline-interpolated profile, not implemented */
        const est_prop_result *p = &L->prop[m][g];
        *v = !strcmp(stat, "p") ? p->p : !strcmp(stat, "ci_l") ? p->lower : p->upper;
    } else if (strcmp(what, "wilson") == 0 || strcmp(what, "clopper_pearson") == 0 ||
               strcmp(what, "agresti_coull") == 0) {
        int m = what[0] == 'w' ? 0 : what[0] == 'c' ? 1 : 2;
        if (strcmp(stat, "x") == 0)
            *v = (double)L->x[g];
        else if (strcmp(stat, "n") == 0)
            *v = (double)L->n[g];
        else
            *v = !strcmp(stat, "ci_l") ? L->srs[m][g].lower : L->srs[m][g].upper;
    } else if (strcmp(what, "hand") == 0)
        *v = !strcmp(stat, "p") ? L->prop[0][g].p : !strcmp(stat, "se") ? L->prop[0][g].se : L->prop[0][g].n_eff_kg;
    else if (strcmp(what, "svychisq_F") == 0)
        *v = !strcmp(stat, "F")     ? L->chisq.f
             : !strcmp(stat, "ndf") ? L->chisq.ndf
             : !strcmp(stat, "ddf") ? L->chisq.ddf
                                    : L->chisq.p_f;
    else if (strcmp(what, "svychisq_Chisq") == 0)
        *v = !strcmp(stat, "X2") ? L->chisq.x2 : L->chisq.p_chisq;
    else if (strncmp(what, "svystandardize", 14) == 0)
        *v = !strcmp(stat, "p") ? L->std[g].p : L->std[g].se;
    else if (strcmp(what, "ageadjust_direct") == 0)
        *v = !strcmp(stat, "crude.rate") ? L->aa.crude
             : !strcmp(stat, "adj.rate") ? L->aa.adjusted
             : !strcmp(stat, "lci")      ? L->aa.lower
                                         : L->aa.upper;
    else
        return false;
    return true;
}

static void test_results_long(void **state)
{
    (void)state;
    long_results L;
    compute_long(&L);
    FILE *f = fx_open("results_long.csv");
    csv_reader *r = csv_open(f, ',');
    char **fields;
    size_t nf, rows = 0, matched = 0, skipped = 0, failed = 0;
    double worst = 0;
    assert_int_equal(csv_next(r, &fields, &nf), 1);
    while (csv_next(r, &fields, &nf) == 1) {
        assert_int_equal(nf, 4);
        rows++;
        double want = strtod(fields[3], NULL), got;
        if (!long_value(&L, fields[0], fields[1], fields[2], &got)) {
            skipped++;
            continue;
        }
        double rel = want == 0 ? fabs(got) : fabs(got - want) / fabs(want);
        if (rel > worst)
            worst = rel;
        if (rel <= REL && isfinite(got))
            matched++;
        else {
            failed++;
            fprintf(stderr, "%s,%s,%s: C %.15g, R %.15g (relative %.2g)\n", fields[0], fields[1], fields[2], got, want,
                    rel);
        }
    }
    csv_close(r);
    fclose(f);
    print_message("results_long.csv: %zu of %zu values matched to %.0e relative (worst %.2g), %zu not "
                  "implemented (svyciprop likelihood), %zu failed\n",
                  matched, rows, REL, worst, skipped, failed);
    assert_int_equal(failed, 0);
    assert_int_equal(skipped, 9);
    assert_int_equal(matched + skipped, rows);
}

/* ------------------------------------------------------------------ unweighted intervals */

static void test_srs_intervals(void **state)
{
    (void)state;
    static const long cases[][2] = {{73, 200}, {22, 72}, {0, 10}, {10, 10}, {1, 1}, {0, 1}, {3, 250}, {1, 400}};
    static const char *const names[] = {"wilson", "cp", "ac", "jeffreys"};
    size_t checked = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int m = 0; m < 4; m++) {
            est_interval ci;
            assert_int_equal(est_srs_interval(cases[c][0], cases[c][1], 0.95, (est_srs_method)m, &ci), EST_OK);
            FX_CLOSE(ci.lower, fx_ref("srs/%ld_%ld/%s/l", cases[c][0], cases[c][1], names[m]), 1e-9);
            FX_CLOSE(ci.upper, fx_ref("srs/%ld_%ld/%s/u", cases[c][0], cases[c][1], names[m]), 1e-9);
            checked += 2;
        }
    print_message("unweighted intervals: %zu bounds matched R (prop.test, binom.test, qbeta)\n", checked);
    est_interval ci;
    assert_int_equal(est_srs_interval(0, 0, 0.95, EST_SRS_WILSON, &ci), EST_EEMPTY);
    assert_int_equal(est_srs_interval(5, 4, 0.95, EST_SRS_WILSON, &ci), EST_EINVAL);
    assert_int_equal(est_srs_interval(-1, 4, 0.95, EST_SRS_WILSON, &ci), EST_EINVAL);
    assert_int_equal(est_srs_interval(1, 4, 1.0, EST_SRS_WILSON, &ci), EST_EINVAL);
    assert_int_equal(est_srs_interval(1, 4, 0.95, (est_srs_method)9, &ci), EST_EINVAL);
}

/* Quantiles where GSL 2.7's gsl_cdf_beta_Pinv returns NaN or loops, against R's qbeta. */
static void test_beta_quantiles(void **state)
{
    (void)state;
    static const double q[][3] = {
        {0.025, 0.005, 50}, {0.75, 0.1, 50},   {0.975, 0.3, 5000},      {0.025, 0.05, 3000},
        {0.975, 5000, 0.2}, {0.5, 0.02, 0.02}, {0.025, 1500.3, 3500.7}, {0.975, 150000.3, 350000.7}};
    for (size_t k = 0; k < sizeof q / sizeof q[0]; k++) {
        double want = fx_ref("qbeta/%zu", k), got = num_beta_pinv(q[k][0], q[k][1], q[k][2]);
        if (want < 1e-250)
            assert_true(got < 1e-250); /* R's subnormal answers are 0 here */
        else
            FX_CLOSE(got, want, 1e-11);
    }
    assert_true(num_beta_pinv(0.025, 0, 10) == 0);
    assert_true(num_beta_pinv(0.975, 10, 0) == 1);
    assert_true(isnan(num_beta_pinv(0.5, 0, 0)));
    assert_true(isnan(num_beta_pinv(1.5, 1, 1)));
}

static void test_wald(void **state)
{
    (void)state;
    est_interval ci;
    assert_int_equal(est_wald_interval(0.3, 0.05, 0.95, INFINITY, &ci), EST_OK);
    FX_CLOSE(ci.lower, 0.3 - 1.959963984540054 * 0.05, 1e-14);
    assert_int_equal(est_wald_interval(0.3, 0.05, 0.95, 10, &ci), EST_OK);
    FX_CLOSE(ci.upper, 0.3 + 2.228138851986274 * 0.05, 1e-12);
    assert_int_equal(est_wald_interval(0.3, -1, 0.95, 10, &ci), EST_EINVAL);
    assert_int_equal(est_wald_interval(0.3, 0.1, 0.95, 0, &ci), EST_EINVAL);
}

/* ------------------------------------------------------------------ both designs, against unit_refs */

static void check_design_domains(bool raked)
{
    const char *dn = raked ? "des" : "des0";
    wt_raking *rk = NULL;
    est_design *des = fx_design(&D, raked, &rk);
    unsigned char dom[FX_MAX];
    size_t checked = 0;
    for (int byv = 0; byv < 2; byv++)
        for (int g = 0; g < (byv == 0 ? FX_NTERR : 2); g++) {
            const char *gname = byv == 0 ? fx_terr_names[g] : (g == 0 ? "F" : "M");
            for (size_t i = 0; i < D.n; i++)
                dom[i] = byv == 0 ? D.terr[i] == g : D.sex[i] == g;
            est_mean_result m;
            assert_int_equal(est_mean(des, D.y, dom, &m), EST_OK);
            FX_CLOSE(m.mean, fx_ref("%s/mean/%s/mean", dn, gname), REL);
            FX_CLOSE(m.se, fx_ref("%s/mean/%s/se", dn, gname), REL);
            FX_CLOSE(m.deff, fx_ref("%s/mean/%s/deff", dn, gname), REL);
            FX_CLOSE(m.total, fx_ref("%s/total/%s/total", dn, gname), REL);
            FX_CLOSE(m.total_se, fx_ref("%s/total/%s/se", dn, gname), REL);
            FX_CLOSE(m.deff_total, fx_ref("%s/total/%s/deff", dn, gname), REL);
            /* nrow(design): the domain's rows without calibration, every row with it. */
            assert_int_equal(m.nrow, raked ? D.n : m.n);
            checked += 6;
            for (int k = 0; k < 5; k++) {
                est_prop_result p;
                assert_int_equal(est_prop(des, D.y, dom, (est_ci_method)k, 0.95, &p), EST_OK);
                assert_false(p.degenerate);
                FX_CLOSE(p.p, fx_ref("%s/%s/%s/p", dn, method_names[k], gname), REL);
                FX_CLOSE(p.lower, fx_ref("%s/%s/%s/l", dn, method_names[k], gname), REL);
                FX_CLOSE(p.upper, fx_ref("%s/%s/%s/u", dn, method_names[k], gname), REL);
                checked += 3;
            }
        }
    est_mean_result m;
    assert_int_equal(est_mean(des, D.z, NULL, &m), EST_OK);
    FX_CLOSE(m.mean, fx_ref("%s/z/ALL/mean", dn), REL);
    FX_CLOSE(m.se, fx_ref("%s/z/ALL/se", dn), REL);
    FX_CLOSE(m.deff, fx_ref("%s/z/ALL/deff", dn), REL);
    FX_CLOSE(m.deff_replace, fx_ref("%s/z/ALL/deff_replace", dn), REL);
    FX_CLOSE(m.deff_total, fx_ref("%s/z/ALL/total_deff", dn), REL);
    /* Missing answers are a domain (R's na.rm = TRUE). */
    assert_int_equal(est_mean(des, D.y2, D.y2_ok, &m), EST_OK);
    FX_CLOSE(m.mean, fx_ref("%s/y2/ALL/mean", dn), REL);
    FX_CLOSE(m.se, fx_ref("%s/y2/ALL/se", dn), REL);
    checked += 7;
    print_message("%s: %zu domain values matched R (svyby svymean/svytotal/svyciprop, deff)\n", dn, checked);
    est_design_free(des);
    wt_free(rk);
}

static void test_unraked_design(void **state)
{
    (void)state;
    check_design_domains(false);
}

static void test_raked_design(void **state)
{
    (void)state;
    check_design_domains(true);
}

static void test_kish_and_degf(void **state)
{
    (void)state;
    wt_raking *rk;
    est_design *des = fx_design(&D, true, &rk);
    est_mean_result m;
    assert_int_equal(est_mean(des, D.y, NULL, &m), EST_OK);
    FX_CLOSE(m.kish, 1.06872888861, 1e-10); /* results.txt: n sum(w^2) / sum(w)^2 */
    assert_int_equal(est_design_degf(des), 197);
    assert_int_equal(m.df, 197);
    assert_true(est_design_calibrated(des));
    est_design_free(des);
    wt_free(rk);
}

/* ------------------------------------------------------------------ degenerate domains */

/* Every method must give the same Clopper-Pearson interval with n_eff = n, never NaN. */
static void check_degenerate(const est_design *des, const unsigned char *dom, double lower, double upper, double p,
                             size_t n)
{
    for (int k = 0; k < 5; k++) {
        est_prop_result r;
        assert_int_equal(est_prop(des, D.y, dom, (est_ci_method)k, 0.95, &r), EST_OK);
        assert_true(r.degenerate);
        FX_CLOSE(r.lower, lower, 1e-12);
        FX_CLOSE(r.upper, upper, 1e-12);
        FX_CLOSE(r.p, p, 1e-12);
        assert_int_equal(r.n, n);
        FX_CLOSE(r.n_eff, (double)n, 0);
        assert_true(isfinite(r.se) && isfinite(r.n_eff_kg) && isfinite(r.mean.mean));
    }
}

static void test_degenerate_domains(void **state)
{
    (void)state;
    for (int raked = 0; raked < 2; raked++) {
        wt_raking *rk = NULL;
        est_design *des = fx_design(&D, raked, &rk);
        unsigned char dom[FX_MAX];
        size_t n = 0;
        /* p = 0: nobody with y = 1 in the domain; binom.test(0, n) is [0, 1 - 0.025^(1/n)]. */
        for (size_t i = 0; i < D.n; i++)
            n += dom[i] = D.terr[i] == 0 && D.y[i] == 0;
        check_degenerate(des, dom, 0, 1 - pow(0.025, 1.0 / (double)n), 0, n);
        /* p = 1: [0.025^(1/n), 1]. */
        n = 0;
        for (size_t i = 0; i < D.n; i++)
            n += dom[i] = D.terr[i] == 2 && D.y[i] == 1;
        check_degenerate(des, dom, pow(0.025, 1.0 / (double)n), 1, 1, n);
        /* One respondent (id 1 has y = 1): df = 0, the interval of binom.test(1, 1). */
        for (size_t i = 0; i < D.n; i++)
            dom[i] = D.id[i] == 1;
        assert_true(D.y[0] == 1);
        check_degenerate(des, dom, 0.025, 1, 1, 1);
        /* Two respondents in two strata, one with y = 1: 0 < p < 1 but df = 0. The rule uses the weighted p. */
        size_t a = 0, b = 0;
        while (!(D.terr[a] == 0 && D.y[a] == 1))
            a++;
        while (!(D.terr[b] == 2 && D.y[b] == 0))
            b++;
        for (size_t i = 0; i < D.n; i++)
            dom[i] = i == a || i == b;
        const double *w = est_design_weights(des);
        double p = w[a] / (w[a] + w[b]);
        check_degenerate(des, dom, num_beta_pinv(0.025, 2 * p, 2 * (1 - p) + 1),
                         num_beta_pinv(0.975, 2 * p + 1, 2 * (1 - p)), p, 2);
        /* Empty domain: a status, not a NaN. */
        memset(dom, 0, sizeof dom);
        est_mean_result m;
        est_prop_result r;
        assert_int_equal(est_mean(des, D.y, dom, &m), EST_EEMPTY);
        assert_int_equal(est_prop(des, D.y, dom, EST_CI_BETA, 0.95, &r), EST_EEMPTY);
        est_design_free(des);
        wt_free(rk);
    }
}

/* est_prop_all gives what five est_prop calls give, degenerate domains included. */
static void test_prop_all(void **state)
{
    (void)state;
    wt_raking *rk;
    est_design *des = fx_design(&D, true, &rk);
    unsigned char dom[FX_MAX];
    for (int kind = 0; kind < 2; kind++) {
        for (size_t i = 0; i < D.n; i++)
            dom[i] = kind == 0 ? D.sex[i] == 0 : D.terr[i] == 1 && D.y[i] == 0;
        est_prop_result all[EST_CI_NMETHODS], one;
        assert_int_equal(est_prop_all(des, D.y, dom, 0.9, all), EST_OK);
        for (int m = 0; m < EST_CI_NMETHODS; m++) {
            assert_int_equal(est_prop(des, D.y, dom, (est_ci_method)m, 0.9, &one), EST_OK);
            assert_true(one.lower == all[m].lower && one.upper == all[m].upper && one.p == all[m].p);
            assert_true(one.degenerate == (kind == 1) && all[m].degenerate == (kind == 1));
        }
    }
    memset(dom, 0, sizeof dom);
    est_prop_result all[EST_CI_NMETHODS];
    assert_int_equal(est_prop_all(des, D.y, dom, 0.95, all), EST_EEMPTY);
    est_design_free(des);
    wt_free(rk);
}

/* A stratum with one respondent fails as R does (lonely.psu = "fail"), but a non-calibrated domain that does
 * not touch it is fine. */
static void test_lonely_stratum(void **state)
{
    (void)state;
    int strata[FX_MAX];
    for (size_t i = 0; i < D.n; i++)
        strata[i] = D.id[i] == 1 ? 3 : D.terr[i];
    est_design *des = est_design_new(D.n, 4, strata, D.w0, NULL, 0);
    assert_non_null(des);
    est_mean_result m;
    assert_int_equal(est_mean(des, D.y, NULL, &m), EST_ELONELY);
    unsigned char dom[FX_MAX];
    for (size_t i = 0; i < D.n; i++)
        dom[i] = strata[i] == 0;
    assert_int_equal(est_mean(des, D.y, dom, &m), EST_OK);
    assert_string_equal(est_strerror(EST_ELONELY), "une strate n'a qu'un seul répondant : variance impossible");
    est_design_free(des);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    char err[256];
    int strata[FX_MAX];
    double w[FX_MAX];
    for (size_t i = 0; i < D.n; i++) {
        strata[i] = D.terr[i];
        w[i] = D.w0[i];
    }
    strata[5] = 7;
    assert_null(est_design_new(D.n, FX_NTERR, strata, w, err, sizeof err));
    assert_non_null(strstr(err, "répondant 6"));
    strata[5] = D.terr[5];
    w[3] = NAN;
    assert_null(est_design_new(D.n, FX_NTERR, strata, w, err, sizeof err));
    w[3] = -1;
    assert_null(est_design_new(D.n, FX_NTERR, strata, w, err, sizeof err));
    memset(w, 0, sizeof w);
    assert_null(est_design_new(D.n, FX_NTERR, strata, w, err, sizeof err));
    assert_null(est_design_new(0, FX_NTERR, strata, w, NULL, 0));
    est_design_free(NULL);

    est_design *des = est_design_new(D.n, FX_NTERR, D.terr, D.w0, NULL, 0);
    est_prop_result r;
    est_mean_result m;
    double y[FX_MAX];
    memcpy(y, D.y, sizeof y);
    y[4] = 2; /* not 0/1 */
    assert_int_equal(est_prop(des, y, NULL, EST_CI_BETA, 0.95, &r), EST_EINVAL);
    y[4] = NAN;
    assert_int_equal(est_mean(des, y, NULL, &m), EST_EINVAL);
    assert_int_equal(est_prop(des, D.y, NULL, EST_CI_BETA, 0, &r), EST_EINVAL);
    assert_int_equal(est_prop(des, D.y, NULL, (est_ci_method)17, 0.95, &r), EST_EINVAL);
    /* A weight of 0 leaves a respondent out of the design, as if removed before svydesign(). */
    double w2[FX_MAX];
    memcpy(w2, D.w0, sizeof w2);
    w2[0] = 0;
    est_design *des2 = est_design_new(D.n, FX_NTERR, D.terr, w2, NULL, 0);
    assert_int_equal(est_design_rows(des2), D.n - 1);
    assert_int_equal(est_design_degf(des2), 196);
    y[4] = D.y[4];
    y[0] = NAN; /* ignored: not in the design */
    assert_int_equal(est_mean(des2, y, NULL, &m), EST_OK);
    assert_int_equal(m.n, D.n - 1);
    est_design_free(des2);
    est_design_free(des);
}

/* ------------------------------------------------------------------ the zero-variance rule */

/* A raked survey built to have no design variance: two territories of n respondents raked on age alone (an
 * exact one-step post-stratification), in which the outcome is a function of age. Then the weighted share of
 * y = 1 is fixed by the margins, and the linearised variance is zero in exact arithmetic; in floating point it
 * comes out as noise of order 1e-34 or as an exact 0, depending on the data. */
#define ZV_N 48
typedef struct zv_data {
    int stratum[2 * ZV_N], age[2 * ZV_N], cell[2 * ZV_N];
    double w[2 * ZV_N], y[2 * ZV_N], z[2 * ZV_N], pop[8];
    unsigned char dom[2 * ZV_N];
    wt_raking *rk;
    est_design *d;
} zv_data;

static void zv_build(zv_data *zv, unsigned seed)
{
    unsigned s = seed;
    for (size_t i = 0; i < 2 * ZV_N; i++) {
        s = s * 1103515245u + 12345u;
        zv->stratum[i] = (int)(i / ZV_N);
        zv->age[i] = i % ZV_N < 4 ? (int)(i % 4) : (int)((s >> 16) % 4);
        zv->cell[i] = zv->age[i];
        zv->w[i] = 1 + (double)((s >> 8) % 7);
        zv->y[i] = zv->age[i] == 3;             /* a proportion strictly between 0 and 1 */
        zv->z[i] = 12.5 * zv->age[i] + 1000;    /* a mean */
        zv->dom[i] = zv->stratum[i] == 0;
    }
    const double pop[8] = {1000, 2200, 3100, 1700, 800, 900, 1200, 1500};
    memcpy(zv->pop, pop, sizeof pop);
    wt_margin m = {"âge", 4, zv->age, zv->pop, NULL};
    wt_input in = {.n = 2 * ZV_N, .base_weight = zv->w, .ngroup = 2, .group = zv->stratum, .nmargin = 1,
                   .margin = &m};
    zv->rk = wt_rake(&in, NULL, NULL, 0);
    assert_non_null(zv->rk);
    zv->d = est_design_new_raked(2 * ZV_N, 2, zv->stratum, zv->rk, NULL, 0);
    assert_non_null(zv->d);
}

static void zv_free(zv_data *zv)
{
    est_design_free(zv->d);
    wt_free(zv->rk);
}

/* The rule's threshold is relative to the scale, and the scale takes the range of the values. */
static void test_zero_variance_threshold(void **state)
{
    (void)state;
    assert_true(est_se_is_zero(0, 0));
    assert_false(est_se_is_zero(1e-300, 0));
    assert_true(est_se_is_zero(0x1p-30, 1));
    assert_false(est_se_is_zero(0x1p-29, 1));
    assert_true(est_se_is_zero(1e-7, 2000));   /* euros: 2000 * 2^-30 = 1.9e-6 */
    assert_false(est_se_is_zero(1e-9, 1));
    assert_true(est_scale(0.3, 0, 1) == 1);
    assert_true(est_scale(-5, 0, 1) == 5);
    assert_true(est_scale(1040, 1000, 1037.5) == 1040);
    assert_true(est_scale(0, 0, 0) == 0);
}

/* Every interval method, the mean, the difference and the standardised rate follow the one rule on such data,
 * whatever the seed: before the rule, the beta method failed (an infinite n_eff: a null interval) on some
 * seeds, the others gave a width of 1e-16, and an exact 0 gave the degenerate interval. */
static void test_zero_variance_methods(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 20; seed++) {
        zv_data zv;
        zv_build(&zv, seed);
        est_mean_result m;
        assert_int_equal(est_mean(zv.d, zv.y, zv.dom, &m), EST_OK);
        assert_true(m.zero_variance && m.se == 0);
        assert_true(m.mean > 0.1 && m.mean < 0.9);
        double n = (double)m.n, p = m.mean;
        double lo = num_beta_pinv(0.025, n * p, n * (1 - p) + 1), hi = num_beta_pinv(0.975, n * p + 1, n * (1 - p));
        est_prop_result all[EST_CI_NMETHODS];
        assert_int_equal(est_prop_all(zv.d, zv.y, zv.dom, 0.95, all), EST_OK);
        for (int k = 0; k < EST_CI_NMETHODS; k++) {
            est_prop_result one;
            assert_int_equal(est_prop(zv.d, zv.y, zv.dom, (est_ci_method)k, 0.95, &one), EST_OK);
            if (!one.degenerate || !one.zero_variance || one.se != 0 || one.n_eff != n ||
                fabs(one.p - p) > 1e-12 || fabs(one.lower - lo) > 1e-12 || fabs(one.upper - hi) > 1e-12 ||
                one.lower != all[k].lower || one.upper != all[k].upper)
                fail_msg("seed %u, method %s: p %.17g [%.17g, %.17g] degenerate %d zero %d se %g; want [%.17g, %.17g]",
                         seed, method_names[k], one.p, one.lower, one.upper, one.degenerate, one.zero_variance,
                         one.se, lo, hi);
        }
        /* p = 0 and p = 1 are the older rule and not "zero variance" */
        unsigned char d3[2 * ZV_N];
        for (size_t i = 0; i < 2 * ZV_N; i++)
            d3[i] = zv.dom[i] && zv.age[i] == 3;
        est_prop_result r;
        assert_int_equal(est_prop(zv.d, zv.y, d3, EST_CI_BETA, 0.95, &r), EST_OK);
        assert_true(r.degenerate && !r.zero_variance && r.upper == 1 && r.se == 0);
        /* a mean of values in the thousands */
        assert_int_equal(est_mean(zv.d, zv.z, zv.dom, &m), EST_OK);
        assert_true(m.zero_variance && m.se == 0);
        /* the territory against the other: both fixed by their margins, so the difference is not tested */
        cmp_diff_result dr;
        assert_int_equal(cmp_diff(zv.d, zv.y, zv.dom, NULL, 0.95, &dr), EST_ENUMERIC);
        /* standardised to age: the same cells as the raking, so no variance either */
        std_result sr[2];
        assert_int_equal(std_survey(zv.d, zv.y, NULL, zv.stratum, 2, zv.cell, 4, zv.pop, sr), EST_OK);
        for (int t = 0; t < 2; t++)
            assert_true(sr[t].status == EST_OK && sr[t].zero_variance && sr[t].se == 0);
        zv_free(&zv);
    }
}

/* The rule leaves ordinary data alone: an outcome that varies within the raking cells keeps its variance. */
static void test_zero_variance_ordinary(void **state)
{
    (void)state;
    zv_data zv;
    zv_build(&zv, 7);
    for (size_t i = 0; i < 2 * ZV_N; i++)
        zv.y[i] = i % 3 == 0;
    est_prop_result r;
    assert_int_equal(est_prop(zv.d, zv.y, zv.dom, EST_CI_BETA, 0.95, &r), EST_OK);
    assert_true(!r.degenerate && !r.zero_variance && r.se > 1e-3);
    cmp_diff_result dr;
    assert_int_equal(cmp_diff(zv.d, zv.y, zv.dom, NULL, 0.95, &dr), EST_OK);
    assert_true(dr.se > 1e-3);
    zv_free(&zv);
    /* unweighted intervals need no tolerance: x and n are counts, and the bounds at 0 and n are exact */
    for (long n = 1; n <= 300; n++)
        for (int k = 0; k < 4; k++) {
            est_interval a, b;
            assert_int_equal(est_srs_interval(0, n, 0.95, (est_srs_method)k, &a), EST_OK);
            assert_int_equal(est_srs_interval(n, n, 0.95, (est_srs_method)k, &b), EST_OK);
            if (a.lower != 0 || b.upper != 1)
                fail_msg("method %d, n %ld: lower %.17g at x = 0, upper %.17g at x = n", k, n, a.lower, b.upper);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_results_long),      cmocka_unit_test(test_srs_intervals),
        cmocka_unit_test(test_beta_quantiles),    cmocka_unit_test(test_wald),
        cmocka_unit_test(test_unraked_design),    cmocka_unit_test(test_raked_design),
        cmocka_unit_test(test_kish_and_degf),     cmocka_unit_test(test_degenerate_domains),
        cmocka_unit_test(test_prop_all),          cmocka_unit_test(test_lonely_stratum),
        cmocka_unit_test(test_invalid_arguments), cmocka_unit_test(test_zero_variance_threshold),
        cmocka_unit_test(test_zero_variance_methods), cmocka_unit_test(test_zero_variance_ordinary),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
