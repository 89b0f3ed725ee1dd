/* test_weights.c -- weights.c against R's rake(): the worked example's town-wide rake weight by weight,
 * raking within each territory with R's default control, a rake that cannot converge, the cells that cannot
 * be raked (with messages naming them), respondents left out for an unknown category, and the raking
 * residual (a calibrated total has no variance).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fixture.h"

static fx_data D;

static int setup(void **state)
{
    (void)state;
    est_init();
    fx_load(&D);
    return 0;
}

/* rake(des0, list(~territory, ~agegrp, ~sex), ..., control = list(maxit = 100, epsilon = 1e-12)): all 200
 * weights of raked_weights.csv (printed with 15 digits), and the margins met. */
static void test_town_rake(void **state)
{
    (void)state;
    wt_raking *rk = fx_rake(&D);
    const double *w = wt_weights(rk);
    assert_true(wt_converged(rk));
    FILE *f = fx_open("raked_weights.csv");
    csv_reader *r = csv_open(f, ',');
    char **fields;
    size_t nf, k = 0;
    double worst = 0;
    assert_int_equal(csv_next(r, &fields, &nf), 1);
    while (csv_next(r, &fields, &nf) == 1) {
        assert_int_equal(atoi(fields[0]), D.id[k]);
        double want = strtod(fields[2], NULL);
        FX_CLOSE(w[k], want, 1e-13);
        if (fabs(w[k] - want) / want > worst)
            worst = fabs(w[k] - want) / want;
        k++;
    }
    csv_close(r);
    fclose(f);
    assert_int_equal(k, D.n);
    print_message("town rake: 200 weights matched raked_weights.csv (worst relative %.2g)\n", worst);
    double terr[3] = {0}, age[4] = {0}, sex[2] = {0};
    for (size_t i = 0; i < D.n; i++) {
        terr[D.terr[i]] += w[i];
        age[D.age[i]] += w[i];
        sex[D.sex[i]] += w[i];
    }
    FX_CLOSE(terr[0], 5200, 1e-12);
    FX_CLOSE(age[3], 2300, 1e-12);
    FX_CLOSE(sex[0], 6095, 1e-12);
    wt_free(rk);
}

/* The shares of unit_refs.R: each territory raked to its own age and sex margins. */
static const double shares_age[3][4] = {{.30, .30, .25, .15}, {.22, .31, .27, .20}, {.20, .28, .27, .25}};
static const double shares_sex[3][2] = {{.52, .48}, {.54, .46}, {.50, .50}};
static const double terr_pop[3] = {5200, 3900, 2400};

static wt_raking *rake_territories(const int *age, double sex_factor, const wt_options *opt, char *err, size_t errlen)
{
    static double pop_age[12], pop_sex[6];
    for (int t = 0; t < 3; t++) {
        for (int a = 0; a < 4; a++)
            pop_age[t * 4 + a] = terr_pop[t] * shares_age[t][a];
        for (int s = 0; s < 2; s++)
            pop_sex[t * 2 + s] = sex_factor * terr_pop[t] * shares_sex[t][s];
    }
    wt_margin m[2] = {{"âge", 4, age, pop_age, NULL}, {"sexe", 2, D.sex, pop_sex, NULL}};
    wt_input in = {.n = D.n,
                   .base_weight = D.w0,
                   .ngroup = 3,
                   .group = D.terr,
                   .group_names = fx_terr_names,
                   .nmargin = 2,
                   .margin = m};
    return wt_rake(&in, opt, err, errlen);
}

/* rake() of each territory with control = list(maxit = 10, epsilon = 1), R's defaults. */
static void test_territory_rake(void **state)
{
    (void)state;
    char err[256] = "";
    wt_raking *rk = rake_territories(D.age, 1, NULL, err, sizeof err);
    assert_non_null(rk);
    const double *w = wt_weights(rk);
    assert_true(wt_converged(rk));
    for (int t = 0; t < 3; t++) {
        double s2 = 0;
        int seen = 0;
        for (size_t i = 0; i < D.n; i++)
            if (D.terr[i] == t) {
                s2 += w[i] * w[i];
                if (seen++ < 3)
                    FX_CLOSE(w[i], fx_ref("rake_terr/id%d", D.id[i]), 1e-12);
            }
        FX_CLOSE(s2, fx_ref("rake_terr/%s/sumw2", fx_terr_names[t]), 1e-12);
        assert_true(wt_group_converged(rk, (size_t)t));
        assert_true(wt_group_cycles(rk, (size_t)t) >= 1 && wt_group_cycles(rk, (size_t)t) < WT_DEFAULT_MAXIT);
    }
    wt_free(rk);
}

/* Two cycles with epsilon 1e-12 (relative): R warns that raking did not converge and keeps the weights of
 * the last cycle; so does wt_rake. Margins inconsistent by 3% do converge, to the limit of the cycle. */
static void test_no_convergence(void **state)
{
    (void)state;
    wt_options opt = {1e-12, 2};
    wt_raking *rk = rake_territories(D.age, 1, &opt, NULL, 0);
    assert_non_null(rk);
    assert_false(wt_converged(rk));
    const double *w = wt_weights(rk);
    for (int t = 0; t < 3; t++) {
        assert_true(fx_ref("rake_bad/%s/warned", fx_terr_names[t]) == 1);
        assert_false(wt_group_converged(rk, (size_t)t));
        assert_int_equal(wt_group_cycles(rk, (size_t)t), 2);
        double s2 = 0;
        int seen = 0;
        for (size_t i = 0; i < D.n; i++)
            if (D.terr[i] == t) {
                s2 += w[i] * w[i];
                if (seen++ == 0)
                    FX_CLOSE(w[i], fx_ref("rake_bad/id%d", D.id[i]), 1e-12);
            }
        FX_CLOSE(s2, fx_ref("rake_bad/%s/sumw2", fx_terr_names[t]), 1e-12);
    }
    wt_free(rk);
    rk = rake_territories(D.age, 1.03, NULL, NULL, 0);
    assert_true(wt_converged(rk));
    w = wt_weights(rk);
    for (int t = 0; t < 3; t++) {
        double s2 = 0;
        for (size_t i = 0; i < D.n; i++)
            if (D.terr[i] == t)
                s2 += w[i] * w[i];
        FX_CLOSE(s2, fx_ref("rake_incons/%s/sumw2", fx_terr_names[t]), 1e-12);
    }
    wt_free(rk);
}

/* Calibration cells that cannot be raked are errors naming the territory, the variable and the category. */
static void test_cells_that_cannot_be_raked(void **state)
{
    (void)state;
    int age[FX_MAX];
    char err[256] = "";
    for (size_t i = 0; i < D.n; i++)
        age[i] = D.terr[i] == 2 && D.age[i] == 3 ? 2 : D.age[i]; /* nobody aged 60+ in QPV_Sud */
    assert_null(rake_territories(age, 1, NULL, err, sizeof err));
    assert_string_equal(err, "raking impossible : QPV_Sud, variable « âge », catégorie « 3 » : personne dans "
                             "l'échantillon pour un total de population de 600");
    /* A population total of 0 for a category with respondents. */
    static double pop_sex[2] = {6095, 0};
    wt_margin m[1] = {{NULL, 2, D.sex, pop_sex, NULL}};
    wt_input in = {.n = D.n, .base_weight = D.w0, .ngroup = 1, .nmargin = 1, .margin = m};
    assert_null(wt_rake(&in, NULL, err, sizeof err));
    assert_non_null(strstr(err, "groupe 0, variable « variable 0 », catégorie « 1 »"));
    assert_non_null(strstr(err, "total de population nul"));
    /* Both zero is fine (R drops such cells). */
    int sex0[FX_MAX];
    for (size_t i = 0; i < D.n; i++)
        sex0[i] = 0;
    static double pop_one[2] = {11500, 0};
    m[0] = (wt_margin){"sexe", 2, sex0, pop_one, NULL};
    wt_raking *rk = wt_rake(&in, NULL, err, sizeof err);
    assert_non_null(rk);
    wt_free(rk);
}

static void test_invalid_input(void **state)
{
    (void)state;
    char err[256] = "";
    double w0[FX_MAX];
    memcpy(w0, D.w0, sizeof w0);
    static double pop_sex[2] = {6095, 5405};
    wt_margin m[1] = {{"sexe", 2, D.sex, pop_sex, NULL}};
    wt_input in = {.n = D.n, .base_weight = w0, .ngroup = 1, .nmargin = 1, .margin = m};
    w0[7] = 0;
    assert_null(wt_rake(&in, NULL, err, sizeof err));
    assert_non_null(strstr(err, "répondant 8"));
    w0[7] = D.w0[7];
    wt_options bad = {0, 10};
    assert_null(wt_rake(&in, &bad, err, sizeof err));
    bad = (wt_options){1, 0};
    assert_null(wt_rake(&in, &bad, err, sizeof err));
    int sex[FX_MAX];
    memcpy(sex, D.sex, sizeof sex);
    sex[0] = 2;
    m[0].cat = sex;
    assert_null(wt_rake(&in, NULL, err, sizeof err));
    in.ngroup = 2; /* several groups need group[] */
    m[0].cat = D.sex;
    assert_null(wt_rake(&in, NULL, err, sizeof err));
    in.ngroup = 1;
    pop_sex[1] = -5;
    assert_null(wt_rake(&in, NULL, err, sizeof err));
    pop_sex[1] = 5405;
    assert_null(wt_rake(NULL, NULL, err, sizeof err));
    wt_free(NULL);
}

/* Respondents with an unknown age get weight 0 and leave the design; the others meet the margins. */
static void test_left_out(void **state)
{
    (void)state;
    char err[256] = "";
    wt_raking *rk = rake_territories(D.a2, 1, NULL, err, sizeof err);
    assert_non_null(rk);
    size_t unknown = 0;
    for (size_t i = 0; i < D.n; i++)
        unknown += D.a2[i] < 0;
    assert_int_equal(wt_left_out(rk), unknown);
    const double *w = wt_weights(rk);
    double age00 = 0;
    for (size_t i = 0; i < D.n; i++) {
        if (D.a2[i] < 0)
            assert_true(w[i] == 0);
        else if (D.terr[i] == 0 && D.a2[i] == 0)
            age00 += w[i];
    }
    FX_CLOSE(age00, 5200 * 0.30, 1e-3); /* converged within R's epsilon of 1 weighted unit */
    est_design *des = est_design_new_raked(D.n, FX_NTERR, D.terr, rk, err, sizeof err);
    assert_non_null(des);
    assert_int_equal(est_design_rows(des), D.n - unknown);
    est_design_free(des);
    wt_free(rk);
}

/* The residual: a total of a calibration variable is known without error after raking (results.txt prints
 * SE 0 for every margin), while it is not before. */
static void test_residual(void **state)
{
    (void)state;
    wt_raking *rk = fx_rake(&D);
    est_design *des = est_design_new_raked(D.n, FX_NTERR, D.terr, rk, NULL, 0);
    double female[FX_MAX];
    for (size_t i = 0; i < D.n; i++)
        female[i] = D.sex[i] == 0;
    est_mean_result m;
    assert_int_equal(est_mean(des, female, NULL, &m), EST_OK);
    FX_CLOSE(m.total, 6095, 1e-12);
    assert_true(m.total_se < 1e-7);
    est_design *des0 = est_design_new(D.n, FX_NTERR, D.terr, D.w0, NULL, 0);
    assert_int_equal(est_mean(des0, female, NULL, &m), EST_OK);
    assert_true(m.total_se > 100);
    /* wt_residual itself: constant u / psw within cells disappears. */
    double u[FX_MAX];
    for (size_t i = 0; i < D.n; i++)
        u[i] = wt_weights(rk)[i] * 3;
    wt_residual(rk, u, 1);
    for (size_t i = 0; i < D.n; i++)
        assert_true(fabs(u[i]) < 1e-9);
    est_design_free(des0);
    est_design_free(des);
    wt_free(rk);
}

/* The calibration fallback, case by case on one group of 8 respondents (two groups: group 1 is never touched).
 * Categories are given as a string of digits, one per respondent; "." is unknown. */
typedef struct fb_case {
    const char *cats;     /* group 0's respondents' categories in the first margin */
    double pop[4];        /* group 0's populations of that margin (4 categories) */
    bool ordered;
    wt_fallback_kind want;
    const char *want_cats; /* categories after */
    double want_pop[4];
    const char *note;      /* a fragment of the note */
} fb_case;

static const fb_case fb_cases[] = {
    {"00112222", {10, 20, 30, 40}, true, WT_FB_COLLAPSED, "00112222", {10, 20, 70, 0},
     "âge : « 3 » regroupée avec « 2 » (aucun répondant pour une population de 40)"},
    {"11222333", {10, 20, 30, 40}, true, WT_FB_COLLAPSED, "00222333", {30, 0, 30, 40}, "« 0 » regroupée avec « 1 »"},
    {"00000333", {10, 20, 30, 40}, true, WT_FB_COLLAPSED, "00000333", {60, 0, 0, 40},
     "« 1 » regroupée avec « 0 » (aucun répondant pour une population de 20) ; âge : « 2 » regroupée avec « 0 »"},
    {"00113333", {10, 20, 0, 40}, true, WT_FB_RAKED, "00113333", {10, 20, 0, 40}, ""},
    {"00112233", {10, 20, 0, 40}, true, WT_FB_COLLAPSED, "00111133", {10, 20, 0, 40},
     "« 2 » regroupée avec « 1 » (des répondants pour une population nulle)"},
    {"001122..", {10, 20, 30, 40}, false, WT_FB_UNWEIGHTED, "000000..", {100, 0, 0, 0},
     "non calé (poids = population / répondants) : âge, catégorie « 3 » : aucun répondant pour une population de "
     "40 ; variable sans ordre"},
    {"........", {10, 20, 30, 40}, true, WT_FB_UNWEIGHTED, "........", {100, 0, 0, 0}, "aucune catégorie voisine"},
};

static void test_fallback(void **state)
{
    (void)state;
    static const char *const codes[4] = {"0", "1", "2", "3"};
    static const char *const sexes[2] = {"f", "h"};
    for (size_t k = 0; k < sizeof fb_cases / sizeof *fb_cases; k++) {
        const fb_case *c = &fb_cases[k];
        int group[16], cat[16], sex[16];
        double pop[8], psex[4] = {50, 50, 7, 8};
        for (size_t i = 0; i < 16; i++) {
            group[i] = i < 8 ? 0 : 1;
            cat[i] = i < 8 ? (c->cats[i] == '.' ? -1 : c->cats[i] - '0') : (int)(i % 4);
            sex[i] = (int)(i % 2);
        }
        for (size_t j = 0; j < 4; j++)
            pop[j] = c->pop[j], pop[4 + j] = 5;
        wt_fallback_margin m[2] = {{"âge", 4, cat, pop, codes, c->ordered}, {"sexe", 2, sex, psex, sexes, false}};
        char note[384];
        wt_fallback_kind got = wt_fallback(16, group, 0, 2, m, note, sizeof note);
        bool ok = got == c->want && strstr(note, c->note) != NULL && (c->note[0] || note[0] == '\0');
        for (size_t i = 0; i < 8; i++)
            ok &= cat[i] == (c->want_cats[i] == '.' ? -1 : c->want_cats[i] - '0');
        for (size_t j = 0; j < 4; j++)
            ok &= pop[j] == c->want_pop[j] && pop[4 + j] == 5 && cat[8 + j] == (int)j;
        if (c->want == WT_FB_UNWEIGHTED)
            ok &= psex[0] == 100 && psex[1] == 0 && sex[1] == 0 && sex[9] == 1 && psex[3] == 8;
        if (!ok)
            fail_msg("case %zu: kind %d, note « %s », pop %g %g %g %g", k, got, note, pop[0], pop[1], pop[2], pop[3]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_town_rake),      cmocka_unit_test(test_territory_rake),
        cmocka_unit_test(test_no_convergence), cmocka_unit_test(test_cells_that_cannot_be_raked),
        cmocka_unit_test(test_invalid_input),  cmocka_unit_test(test_left_out),
        cmocka_unit_test(test_residual),       cmocka_unit_test(test_fallback),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
