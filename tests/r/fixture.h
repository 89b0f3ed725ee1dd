/* fixture.h -- the R worked example (tests/data/r-example) for the analyzer's unit tests: its 200 respondents,
 * its results_long.csv and the extra R values of unit_refs.h, with lookups that fail the test when a value is
 * missing and a relative-tolerance check. Header-only (static functions) so that each test stays one file;
 * include it after <cmocka.h>.
 */
#ifndef TESTS_R_FIXTURE_H
#define TESTS_R_FIXTURE_H

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "estimate.h"
#include "unit_refs.h"
#include "weights.h"

#define FX_MAX 200
#define FX_NTERR 3
#define FX_NAGE 4

static const char *const fx_terr_names[FX_NTERR] = {"QPV_Nord", "QPV_Centre", "QPV_Sud"};
static const char *const fx_age_names[FX_NAGE] = {"18-29", "30-44", "45-59", "60+"};

/* The example's respondents, with the derived variables of unit_refs.R: z = id %% 7 + y / 2 (a real-valued
 * outcome), y2 = y with id %% 9 == 0 missing (y2_ok = 0), a2 = age with id %% 11 == 0 missing (-1). */
typedef struct fx_data {
    size_t n;
    int id[FX_MAX], terr[FX_MAX], age[FX_MAX], sex[FX_MAX], a2[FX_MAX];
    double y[FX_MAX], w0[FX_MAX], z[FX_MAX], y2[FX_MAX];
    unsigned char y2_ok[FX_MAX];
} fx_data;

static inline int fx_index(const char *s, const char *const *names, int count)
{
    for (int k = 0; k < count; k++)
        if (strcmp(s, names[k]) == 0)
            return k;
    fail_msg("unknown level %s in the fixture", s);
    return -1;
}

static inline FILE *fx_open(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/r-example/%s", TEST_DATA_DIR, name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    return f;
}

static inline void fx_load(fx_data *d)
{
    static const char *const sexes[2] = {"F", "M"};
    FILE *f = fx_open("data.csv");
    csv_reader *r = csv_open(f, ',');
    char **fields;
    size_t nf;
    memset(d, 0, sizeof *d);
    assert_int_equal(csv_next(r, &fields, &nf), 1); /* header */
    while (csv_next(r, &fields, &nf) == 1) {
        assert_int_equal(nf, 6);
        assert_true(d->n < FX_MAX);
        size_t i = d->n++;
        d->id[i] = atoi(fields[0]);
        d->terr[i] = fx_index(fields[1], fx_terr_names, FX_NTERR);
        d->age[i] = fx_index(fields[2], fx_age_names, FX_NAGE);
        d->sex[i] = fx_index(fields[3], sexes, 2);
        d->y[i] = atof(fields[4]);
        d->w0[i] = strtod(fields[5], NULL);
        d->z[i] = (double)(d->id[i] % 7) + 0.5 * d->y[i];
        d->y2_ok[i] = d->id[i] % 9 != 0;
        d->y2[i] = d->y2_ok[i] ? d->y[i] : NAN;
        d->a2[i] = d->id[i] % 11 == 0 ? -1 : d->age[i];
    }
    csv_close(r);
    fclose(f);
    assert_int_equal(d->n, 200);
}

/* The value of results_long.csv for (what, group, stat); fails the test when there is none. */
static inline double fx_long(const char *what, const char *group, const char *stat)
{
    FILE *f = fx_open("results_long.csv");
    csv_reader *r = csv_open(f, ',');
    char **fields;
    size_t nf;
    double v = NAN;
    while (csv_next(r, &fields, &nf) == 1)
        if (nf == 4 && strcmp(fields[0], what) == 0 && strcmp(fields[1], group) == 0 && strcmp(fields[2], stat) == 0)
            v = strtod(fields[3], NULL);
    csv_close(r);
    fclose(f);
    if (isnan(v))
        fail_msg("results_long.csv has no %s,%s,%s", what, group, stat);
    return v;
}

/* The value of unit_refs.h for key (built with snprintf-style arguments). */
static inline double fx_ref(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline double fx_ref(const char *fmt, ...)
{
    char key[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof key, fmt, ap);
    va_end(ap);
    for (size_t k = 0; k < sizeof unit_refs / sizeof unit_refs[0]; k++)
        if (strcmp(unit_refs[k].key, key) == 0)
            return unit_refs[k].value;
    fail_msg("unit_refs.h has no %s", key);
    return NAN;
}

/* Fails unless got is within rel * |want| of want (within rel when want is 0). */
static inline void fx_close_msg(double got, double want, double rel, const char *what)
{
    double tol = want == 0 ? rel : rel * fabs(want);
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.17g, R %.17g (relative difference %.3g, tolerance %.1g)", what, got, want,
                 want == 0 ? fabs(got) : fabs(got - want) / fabs(want), rel);
}

#define FX_CLOSE(got, want, rel) fx_close_msg((got), (want), (rel), #got)

/* The example's rake of the whole town to territory, age and sex (epsilon 1e-12 relative, maxit 100). */
static inline wt_raking *fx_rake(const fx_data *d)
{
    static double pop_terr[3] = {5200, 3900, 2400};
    static double pop_age[4], pop_sex[2];
    double ntot = 11500;
    pop_age[0] = ntot * 0.24;
    pop_age[1] = ntot * 0.30;
    pop_age[2] = ntot * 0.26;
    pop_age[3] = ntot * 0.20;
    pop_sex[0] = ntot * 0.53;
    pop_sex[1] = ntot * 0.47;
    wt_margin m[3] = {{"territoire", 3, d->terr, pop_terr, NULL}, {"âge", 4, d->age, pop_age, NULL}, {"sexe", 2, d->sex, pop_sex, NULL}};
    wt_input in = {.n = d->n, .base_weight = d->w0, .ngroup = 1, .nmargin = 3, .margin = m};
    wt_options opt = {1e-12, 100};
    char err[256] = "";
    wt_raking *rk = wt_rake(&in, &opt, err, sizeof err);
    if (rk == NULL)
        fail_msg("fixture rake: %s", err);
    return rk;
}

/* The two designs of the example: "des0" (territory strata, weights w0) and "des" (raked). *rk receives the
 * raking for the second; free it after the design. */
static inline est_design *fx_design(const fx_data *d, bool raked, wt_raking **rk)
{
    char err[256] = "";
    est_design *des;
    if (raked) {
        *rk = fx_rake(d);
        des = est_design_new_raked(d->n, FX_NTERR, d->terr, *rk, err, sizeof err);
    } else {
        des = est_design_new(d->n, FX_NTERR, d->terr, d->w0, err, sizeof err);
    }
    if (des == NULL)
        fail_msg("fixture design: %s", err);
    return des;
}

#endif /* TESTS_R_FIXTURE_H */
