/* analyzer_diff.c -- the C half of the differential test against R (tests/r/differential.sh).
 *
 * usage: analyzer_diff DIR...
 * Reads DIR/data.csv, DIR/margins.csv and DIR/config.csv written by diff_survey.R, computes with
 * analyzer_lib every estimate that diff_survey.R computes with R, and writes them as key,value lines to
 * DIR/c_results.csv (the keys are diff_survey.R's). A value that cannot be computed is written NA; a domain
 * where estimate.h's degenerate rule applies gets an extra "KEY/degenerate,1" line, since R returns NaN there.
 * Exits 0, or 1 when a file cannot be read.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#define DRIVER_NAME "analyzer_diff"
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
    int *id, *terr, *age, *sex, *ybin, *dom;
    double *y, *z, *w0;
    double *pop_age, *pop_sex; /* [nterr * 4], [nterr * 2] */
    double eps;
    int maxit;
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
    while (csv_next(r, &fields, &nf) == 1) {
        if (strcmp(fields[0], "territories") == 0)
            ds->nterr = (size_t)atoi(fields[1]);
        else if (strcmp(fields[0], "rake_eps") == 0)
            ds->eps = strtod(fields[1], NULL);
        else if (strcmp(fields[0], "rake_maxit") == 0)
            ds->maxit = atoi(fields[1]);
    }
    csv_close(r);
    fclose(f);

    if ((r = open_csv(dir, "data.csv", &f)) == NULL)
        return -1;
    size_t cap = 0;
    while (csv_next(r, &fields, &nf) == 1 && nf == 8) {
        if (ds->n == cap) {
            cap = cap ? 2 * cap : 1024;
            ds->id = xrealloc(ds->id, cap * sizeof(int));
            ds->terr = xrealloc(ds->terr, cap * sizeof(int));
            ds->age = xrealloc(ds->age, cap * sizeof(int));
            ds->sex = xrealloc(ds->sex, cap * sizeof(int));
            ds->ybin = xrealloc(ds->ybin, cap * sizeof(int));
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
        ds->ybin[i] = atoi(fields[4]);
        ds->y[i] = ds->ybin[i];
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
    free(ds->ybin);
    free(ds->dom);
    free(ds->y);
    free(ds->z);
    free(ds->w0);
    free(ds->pop_age);
    free(ds->pop_sex);
}

static const char *const method_names[] = {"beta", "logit", "xlogit", "mean", "asin"};

/* svyby(~y, ~byv, design, svymean / svyciprop) for the groups present in the design. */
static void domain_estimates(const est_design *des, const dataset *ds, const char *tag, const char *byv, const int *by,
                             int nlev, int offset)
{
    unsigned char *dom = xmalloc(ds->n);
    for (int g = 0; g < nlev; g++) {
        for (size_t i = 0; i < ds->n; i++)
            dom[i] = by[i] == g;
        est_mean_result m;
        int rc = est_mean(des, ds->y, dom, &m);
        if (rc == EST_EEMPTY)
            continue;
        put(rc == EST_OK ? m.mean : NAN, "%s/svyby/%s%d/mean", tag, byv, g + offset);
        put(rc == EST_OK ? m.se : NAN, "%s/svyby/%s%d/se", tag, byv, g + offset);
        put(rc == EST_OK && m.deff_ok ? m.deff : NAN, "%s/svyby/%s%d/deff", tag, byv, g + offset);
        for (int k = 0; k < 5; k++) {
            est_prop_result p;
            rc = est_prop(des, ds->y, dom, (est_ci_method)k, 0.95, &p);
            put(rc == EST_OK ? p.p : NAN, "%s/%s/%s%d/p", tag, method_names[k], byv, g + offset);
            put(rc == EST_OK ? p.lower : NAN, "%s/%s/%s%d/l", tag, method_names[k], byv, g + offset);
            put(rc == EST_OK ? p.upper : NAN, "%s/%s/%s%d/u", tag, method_names[k], byv, g + offset);
            if (rc == EST_OK && p.degenerate)
                put(1, "%s/%s/%s%d/degenerate", tag, method_names[k], byv, g + offset);
        }
    }
    free(dom);
}

static void estimates(const est_design *des, const dataset *ds, const char *tag)
{
    est_mean_result m;
    int rc = est_mean(des, ds->y, NULL, &m);
    put(rc == EST_OK ? m.mean : NAN, "%s/svymean/ALL/mean", tag);
    put(rc == EST_OK ? m.se : NAN, "%s/svymean/ALL/se", tag);
    put(rc == EST_OK && m.deff_ok ? m.deff : NAN, "%s/svymean/ALL/deff", tag);
    put(rc == EST_OK ? m.total : NAN, "%s/svytotal/ALL/total", tag);
    put(rc == EST_OK ? m.total_se : NAN, "%s/svytotal/ALL/se", tag);
    rc = est_mean(des, ds->z, NULL, &m);
    put(rc == EST_OK ? m.mean : NAN, "%s/svymean_z/ALL/mean", tag);
    put(rc == EST_OK ? m.se : NAN, "%s/svymean_z/ALL/se", tag);
    put(rc == EST_OK && m.deff_ok ? m.deff : NAN, "%s/svymean_z/ALL/deff", tag);
    domain_estimates(des, ds, tag, "territory", ds->terr, (int)ds->nterr, 1);
    domain_estimates(des, ds, tag, "dom", ds->dom, 2, 0);

    /* After raking on age within territory, age x territory has no design variance: raked design, y only. */
    const int *rows[3] = {ds->ybin, ds->age, ds->dom};
    static const char *const names[3] = {"y", "age", "dom"};
    for (int v = 0; v < (strcmp(tag, "raked") == 0 ? 1 : 3); v++) {
        cmp_chisq_result c;
        if (cmp_rao_scott(des, rows[v], ds->terr, &c) != EST_OK)
            continue; /* R errs too (a single level) */
        put(c.f, "%s/chisq/%s/F", tag, names[v]);
        put(c.ndf, "%s/chisq/%s/ndf", tag, names[v]);
        put(c.ddf, "%s/chisq/%s/ddf", tag, names[v]);
        put(c.p_f, "%s/chisq/%s/pF", tag, names[v]);
        put(c.x2, "%s/chisq/%s/X2", tag, names[v]);
        put(c.p_chisq, "%s/chisq/%s/pChisq", tag, names[v]);
    }

    unsigned char *a = xmalloc(ds->n);
    double *pv = xmalloc(ds->nterr * sizeof *pv), *adj = xmalloc(ds->nterr * sizeof *adj);
    bool all = true;
    for (size_t t = 0; t < ds->nterr; t++) {
        for (size_t i = 0; i < ds->n; i++)
            a[i] = ds->terr[i] == (int)t;
        cmp_diff_result d;
        if (cmp_diff(des, ds->y, a, NULL, 0.95, &d) != EST_OK) {
            all = false;
            continue;
        }
        put(d.diff, "%s/ttest/territory%zu/diff", tag, t + 1);
        put(d.t, "%s/ttest/territory%zu/t", tag, t + 1);
        put(d.p, "%s/ttest/territory%zu/p", tag, t + 1);
        put(d.lower, "%s/ttest/territory%zu/l", tag, t + 1);
        put(d.upper, "%s/ttest/territory%zu/u", tag, t + 1);
        pv[t] = d.p;
    }
    if (all && cmp_holm(pv, ds->nterr, adj) == EST_OK)
        for (size_t t = 0; t < ds->nterr; t++)
            put(adj[t], "%s/holm/territory%zu", tag, t + 1);
    free(adj);
    free(pv);
    free(a);
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
        fprintf(stderr, "analyzer_diff: cannot write %s\n", path);
        dataset_free(&ds);
        return -1;
    }
    fprintf(out, "key,value\n");
    int rc = 0;
    wt_raking *rk = NULL;
    est_design *des0 = NULL, *des = NULL;
    int *cell = NULL;

    des0 = est_design_new(ds.n, ds.nterr, ds.terr, ds.w0, err, sizeof err);
    if (des0 == NULL)
        goto fail;
    estimates(des0, &ds, "unraked");

    /* Each territory raked to its own age and sex margins; respondents missing either are left out. */
    wt_margin m[2] = {{"âge", NAGE, ds.age, ds.pop_age, NULL}, {"sexe", NSEX, ds.sex, ds.pop_sex, NULL}};
    wt_input in = {.n = ds.n, .base_weight = ds.w0, .ngroup = ds.nterr, .group = ds.terr, .nmargin = 2, .margin = m};
    wt_options opt = {ds.eps, ds.maxit};
    if ((rk = wt_rake(&in, &opt, err, sizeof err)) == NULL)
        goto fail;
    for (size_t t = 0; t < ds.nterr; t++)
        put(wt_group_converged(rk, t), "raked/converged/territory%zu", t + 1);
    for (size_t i = 0; i < ds.n; i++)
        if (wt_weights(rk)[i] > 0)
            put(wt_weights(rk)[i], "raked/weight/%d", ds.id[i]);
    if ((des = est_design_new_raked(ds.n, ds.nterr, ds.terr, rk, err, sizeof err)) == NULL)
        goto fail;
    estimates(des, &ds, "raked");

    /* Standardised by age x sex (age varying fastest, as R's interaction) to the raked town structure. */
    cell = xmalloc(ds.n * sizeof *cell);
    for (size_t i = 0; i < ds.n; i++)
        cell[i] = ds.age[i] < 0 || ds.sex[i] < 0 ? -1 : ds.age[i] + NAGE * ds.sex[i];
    double town[NAGE * NSEX];
    std_result *sr = xmalloc(ds.nterr * sizeof *sr);
    if (std_design_structure(des, cell, NAGE * NSEX, town) == EST_OK &&
        std_survey(des, ds.y, NULL, ds.terr, ds.nterr, cell, NAGE * NSEX, town, sr) == EST_OK)
        for (size_t t = 0; t < ds.nterr; t++) {
            put(sr[t].status == EST_OK ? sr[t].p : NAN, "raked/std/territory%zu/p", t + 1);
            put(sr[t].status == EST_OK ? sr[t].se : NAN, "raked/std/territory%zu/se", t + 1);
        }
    free(sr);

    static const char *const srs_names[] = {"wilson", "cp", "ac", "jeffreys"};
    for (size_t t = 0; t < ds.nterr; t++) {
        long x = 0, nn = 0;
        for (size_t i = 0; i < ds.n; i++)
            if (ds.terr[i] == (int)t) {
                nn++;
                x += ds.ybin[i];
            }
        for (int k = 0; k < 4; k++) {
            est_interval ci;
            int st = est_srs_interval(x, nn, 0.95, (est_srs_method)k, &ci);
            put(st == EST_OK ? ci.lower : NAN, "srs/territory%zu/%s/l", t + 1, srs_names[k]);
            put(st == EST_OK ? ci.upper : NAN, "srs/territory%zu/%s/u", t + 1, srs_names[k]);
        }
    }
    cmp_chisq_result pc;
    if (cmp_pearson(ds.n, ds.ybin, ds.terr, &pc) == EST_OK) {
        put(pc.x2, "pearson/X2");
        put(pc.p_chisq, "pearson/p");
    }
    double cnt[NAGE] = {0}, py[NAGE] = {0}, stdpop[NAGE] = {0};
    for (size_t i = 0; i < ds.n; i++)
        if (ds.age[i] >= 0) {
            cnt[ds.age[i]] += ds.y[i];
            py[ds.age[i]] += 1;
        }
    for (size_t t = 0; t < ds.nterr; t++)
        for (int a = 0; a < NAGE; a++)
            stdpop[a] += ds.pop_age[t * NAGE + a];
    std_direct_result aa;
    int st = std_direct_counts(NAGE, cnt, py, stdpop, 0.95, &aa);
    put(st == EST_OK ? aa.crude : NAN, "ageadjust/crude");
    put(st == EST_OK ? aa.adjusted : NAN, "ageadjust/adj");
    put(st == EST_OK ? aa.lower : NAN, "ageadjust/lci");
    put(st == EST_OK ? aa.upper : NAN, "ageadjust/uci");
    if (st == EST_OK && aa.adjusted == 0)
        put(1, "ageadjust/degenerate"); /* every count 0: R's lower bound is NaN, ours 0 */
    goto cleanup;
fail:
    fprintf(stderr, "analyzer_diff: %s: %s\n", dir, err);
    rc = -1;
cleanup:
    free(cell);
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
        fprintf(stderr, "usage: analyzer_diff DIR...\n");
        return 2;
    }
    est_init();
    int rc = 0;
    for (int k = 1; k < argc; k++)
        if (run(argv[k]) != 0)
            rc = 1;
    return rc;
}
