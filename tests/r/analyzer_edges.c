/* analyzer_edges.c -- the C half of the degenerate cases' differential test against R (tests/r/edges.sh).
 *
 * usage: analyzer_edges DIR...
 * Reads DIR/data.csv (id,territory,age,sex,y,z,dom,w0), DIR/margins.csv (territory,var,cat,pop) and
 * DIR/config.csv (territories, margins: 0, 1 = age, 2 = age and sex) written by edges.R, and writes to
 * DIR/c_results.csv, as key,value lines, what analyzer_lib gives on each degenerate case: for the unraked
 * design and (margins > 0) the raked one -- raked with the calibration fallback of weights.h, age being
 * ordered and sex not -- every domain's mean and SE and its proportion by each svyciprop method, with the
 * status of each call, and "degenerate" and "zero" lines where estimate.h's rules applied; the differences of
 * each territory to the rest; the standardised rates; the weights and each territory's fallback. edges.R
 * applies the same documented rules to R's own numbers and compares. Exits 0, or 1 when a file cannot be read.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#define DRIVER_NAME "analyzer_edges"
#include "driver.h"
#include "csv.h"
#include "estimate.h"
#include "standardize.h"
#include "util.h"
#include "weights.h"

#define NAGE 4
#define NSEX 2

typedef struct dataset {
    size_t n, nterr;
    int margins;
    int *id, *terr, *age, *sex, *dom;
    double *y, *z, *w0;
    double *pop_age, *pop_sex; /* [nterr * 4], [nterr * 2] */
} dataset;

static int load(const char *dir, dataset *ds)
{
    FILE *f;
    char **fields;
    size_t nf;
    memset(ds, 0, sizeof *ds);
    csv_reader *r = open_csv(dir, "config.csv", &f);
    if (r == NULL)
        return -1;
    while (csv_next(r, &fields, &nf) == 1 && nf == 2) {
        if (strcmp(fields[0], "territories") == 0)
            ds->nterr = (size_t)atoi(fields[1]);
        else if (strcmp(fields[0], "margins") == 0)
            ds->margins = atoi(fields[1]);
    }
    csv_close(r);
    fclose(f);

    if ((r = open_csv(dir, "data.csv", &f)) == NULL)
        return -1;
    size_t cap = 0;
    while (csv_next(r, &fields, &nf) == 1 && nf == 8) {
        if (ds->n == cap) {
            cap = cap ? 2 * cap : 256;
            ds->id = xrealloc(ds->id, cap * sizeof(int));
            ds->terr = xrealloc(ds->terr, cap * sizeof(int));
            ds->age = xrealloc(ds->age, cap * sizeof(int));
            ds->sex = xrealloc(ds->sex, cap * sizeof(int));
            ds->dom = xrealloc(ds->dom, cap * sizeof(int));
            ds->y = xrealloc(ds->y, cap * sizeof(double));
            ds->z = xrealloc(ds->z, cap * sizeof(double));
            ds->w0 = xrealloc(ds->w0, cap * sizeof(double));
        }
        size_t i = ds->n++;
        ds->id[i] = atoi(fields[0]);
        ds->terr[i] = atoi(fields[1]) - 1;
        ds->age[i] = code_or_missing(fields[2]);
        ds->sex[i] = code_or_missing(fields[3]);
        ds->y[i] = atoi(fields[4]);
        ds->z[i] = strtod(fields[5], NULL);
        ds->dom[i] = atoi(fields[6]);
        ds->w0[i] = strtod(fields[7], NULL);
    }
    csv_close(r);
    fclose(f);

    ds->pop_age = xcalloc(ds->nterr * NAGE, sizeof(double));
    ds->pop_sex = xcalloc(ds->nterr * NSEX, sizeof(double));
    if ((r = open_csv(dir, "margins.csv", &f)) == NULL)
        return -1;
    while (csv_next(r, &fields, &nf) == 1 && nf == 4) {
        size_t t = (size_t)atoi(fields[0]) - 1, c = (size_t)atoi(fields[2]) - 1;
        if (strcmp(fields[1], "age") == 0)
            ds->pop_age[t * NAGE + c] = strtod(fields[3], NULL);
        else
            ds->pop_sex[t * NSEX + c] = strtod(fields[3], NULL);
    }
    csv_close(r);
    fclose(f);
    return ds->n > 0 && ds->nterr > 0 ? 0 : -1;
}

static void dataset_free(dataset *ds)
{
    free(ds->id);
    free(ds->terr);
    free(ds->age);
    free(ds->sex);
    free(ds->dom);
    free(ds->y);
    free(ds->z);
    free(ds->w0);
    free(ds->pop_age);
    free(ds->pop_sex);
}

static const char *const method_names[] = {"beta", "logit", "xlogit", "mean", "asin"};

/* Every estimate of one domain of des: y's proportion by each method, y's and z's means. */
static void domain(const est_design *des, const dataset *ds, const char *tag, const char *name,
                   const unsigned char *dom)
{
    est_mean_result m;
    const double *vars[2] = {ds->y, ds->z};
    static const char *const vnames[2] = {"y", "z"};
    for (int v = 0; v < 2; v++) {
        int rc = est_mean(des, vars[v], dom, &m);
        if (rc == EST_EEMPTY)
            return;
        put(rc, "%s/mean_%s/%s/status", tag, vnames[v], name);
        if (rc != EST_OK)
            continue;
        put(m.mean, "%s/mean_%s/%s/mean", tag, vnames[v], name);
        put(m.se, "%s/mean_%s/%s/se", tag, vnames[v], name);
        put(m.zero_variance, "%s/mean_%s/%s/zero", tag, vnames[v], name);
    }
    for (int k = 0; k < EST_CI_NMETHODS; k++) {
        est_prop_result p;
        int rc = est_prop(des, ds->y, dom, (est_ci_method)k, 0.95, &p);
        put(rc, "%s/%s/%s/status", tag, method_names[k], name);
        if (rc != EST_OK)
            continue;
        put(p.p, "%s/%s/%s/p", tag, method_names[k], name);
        put(p.lower, "%s/%s/%s/l", tag, method_names[k], name);
        put(p.upper, "%s/%s/%s/u", tag, method_names[k], name);
        put(p.degenerate, "%s/%s/%s/degenerate", tag, method_names[k], name);
        put(p.zero_variance, "%s/%s/%s/zero", tag, method_names[k], name);
    }
}

static void estimates(const est_design *des, const dataset *ds, const char *tag)
{
    unsigned char *dom = xmalloc(ds->n);
    char name[64];
    for (size_t t = 0; t < ds->nterr; t++) {
        for (size_t i = 0; i < ds->n; i++)
            dom[i] = ds->terr[i] == (int)t;
        snprintf(name, sizeof name, "territory%zu", t + 1);
        domain(des, ds, tag, name, dom);
    }
    for (int v = 0; v < 2; v++) {
        for (size_t i = 0; i < ds->n; i++)
            dom[i] = ds->dom[i] == v;
        snprintf(name, sizeof name, "dom%d", v);
        domain(des, ds, tag, name, dom);
    }
    domain(des, ds, tag, "ALL", NULL);
    /* each territory against the rest of the design: svyttest(y ~ in_t) */
    for (size_t t = 0; t < ds->nterr; t++) {
        for (size_t i = 0; i < ds->n; i++)
            dom[i] = ds->terr[i] == (int)t;
        cmp_diff_result d;
        int rc = cmp_diff(des, ds->y, dom, NULL, 0.95, &d);
        put(rc, "%s/ttest/territory%zu/status", tag, t + 1);
        if (rc != EST_OK)
            continue;
        put(d.diff, "%s/ttest/territory%zu/diff", tag, t + 1);
        put(d.se, "%s/ttest/territory%zu/se", tag, t + 1);
        put(d.lower, "%s/ttest/territory%zu/l", tag, t + 1);
        put(d.upper, "%s/ttest/territory%zu/u", tag, t + 1);
        put(d.p, "%s/ttest/territory%zu/p", tag, t + 1);
    }
    free(dom);
}

static int run(const char *dir)
{
    dataset ds;
    if (load(dir, &ds) != 0) {
        dataset_free(&ds);
        return -1;
    }
    char path[1024], err[512] = "";
    snprintf(path, sizeof path, "%s/c_results.csv", dir);
    out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "analyzer_edges: cannot write %s\n", path);
        dataset_free(&ds);
        return -1;
    }
    fprintf(out, "key,value\n");
    int rc = 0;
    wt_raking *rk = NULL;
    est_design *des0 = NULL, *des = NULL;
    int *cell = NULL, *age = xmalloc(ds.n * sizeof *age), *sex = xmalloc(ds.n * sizeof *sex);
    double *pa = NULL, *ps = NULL;

    if ((des0 = est_design_new(ds.n, ds.nterr, ds.terr, ds.w0, err, sizeof err)) == NULL)
        goto fail;
    estimates(des0, &ds, "unraked");
    if (ds.margins == 0)
        goto cleanup;

    /* Raked within each territory on age (and sex), through the fallback of weights.h on copies. */
    memcpy(age, ds.age, ds.n * sizeof *age);
    memcpy(sex, ds.sex, ds.n * sizeof *sex);
    pa = xmalloc(ds.nterr * NAGE * sizeof *pa);
    ps = xmalloc(ds.nterr * NSEX * sizeof *ps);
    memcpy(pa, ds.pop_age, ds.nterr * NAGE * sizeof *pa);
    memcpy(ps, ds.pop_sex, ds.nterr * NSEX * sizeof *ps);
    static const char *const acodes[NAGE] = {"1", "2", "3", "4"}, *const scodes[NSEX] = {"1", "2"};
    wt_fallback_margin fm[2] = {{"age", NAGE, age, pa, acodes, true}, {"sex", NSEX, sex, ps, scodes, false}};
    size_t nm = (size_t)ds.margins;
    for (size_t t = 0; t < ds.nterr; t++) {
        char note[384];
        put(wt_fallback(ds.n, ds.terr, t, nm, fm, note, sizeof note), "raked/fallback/territory%zu", t + 1);
    }
    wt_margin m[2] = {{"age", NAGE, age, pa, NULL}, {"sex", NSEX, sex, ps, NULL}};
    wt_input in = {.n = ds.n, .base_weight = ds.w0, .ngroup = ds.nterr, .group = ds.terr, .nmargin = nm, .margin = m};
    if ((rk = wt_rake(&in, NULL, err, sizeof err)) == NULL)
        goto fail;
    for (size_t i = 0; i < ds.n; i++)
        if (wt_weights(rk)[i] > 0)
            put(wt_weights(rk)[i], "raked/weight/%d", ds.id[i]);
    if ((des = est_design_new_raked(ds.n, ds.nterr, ds.terr, rk, err, sizeof err)) == NULL)
        goto fail;
    estimates(des, &ds, "raked");

    /* Standardised by age x sex (age fastest, as R's interaction) to the raked town structure. */
    cell = xmalloc(ds.n * sizeof *cell);
    for (size_t i = 0; i < ds.n; i++)
        cell[i] = ds.age[i] < 0 || ds.sex[i] < 0 ? -1 : ds.age[i] + NAGE * ds.sex[i];
    double town[NAGE * NSEX];
    std_result *sr = xmalloc(ds.nterr * sizeof *sr);
    int st = std_design_structure(des, cell, NAGE * NSEX, town);
    if (st == EST_OK)
        st = std_survey(des, ds.y, NULL, ds.terr, ds.nterr, cell, NAGE * NSEX, town, sr);
    put(st, "raked/std/status");
    for (size_t t = 0; st == EST_OK && t < ds.nterr; t++) {
        put(sr[t].status, "raked/std/territory%zu/status", t + 1);
        put(sr[t].p, "raked/std/territory%zu/p", t + 1);
        put(sr[t].se, "raked/std/territory%zu/se", t + 1);
        put(sr[t].zero_variance, "raked/std/territory%zu/zero", t + 1);
    }
    free(sr);
    goto cleanup;
fail:
    fprintf(stderr, "analyzer_edges: %s: %s\n", dir, err);
    rc = -1;
cleanup:
    free(cell);
    free(age);
    free(sex);
    free(pa);
    free(ps);
    est_design_free(des);
    est_design_free(des0);
    wt_free(rk);
    fclose(out);
    dataset_free(&ds);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: analyzer_edges DIR...\n");
        return 2;
    }
    est_init();
    int rc = 0;
    for (int k = 1; k < argc; k++)
        if (run(argv[k]) != 0)
            rc = 1;
    return rc;
}
