/* analysis.c -- indicators by territory from the collector's database (see analysis.h).
 *
 * Two passes: ds_scan reads every counted record once and keeps, per record, only its territory, its
 * calibration and standardisation cells and one small observation per indicator (a million records fit in
 * about a hundred bytes each); then every indicator is estimated for every group from those columns.
 */
#include "analysis.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "dataset.h"
#include "estimate.h"
#include "grouping.h"
#include "standardize.h"
#include "util.h"
#include "weights.h"

#define PROGRESS_EVERY 65536

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *an_flag_name(int k)
{
    static const char *const names[AN_NFLAGS] = {"empty",     "neff_lt_30",  "ci_width_ge_30", "ci_relwidth_gt_130",
                                                 "review_df", "review_p01", "no_variance",    "zero_denominator"};
    return k >= 0 && k < AN_NFLAGS ? names[k] : "";
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ columns */

/* state in bits 0-1 (ind_state), event in bit 2 */
#define OBS_EVENT 4u

typedef struct columns {
    size_t n, cap;
    int *stratum;                /* territory index in the territories file */
    int *mcat[MG_MAX_VARS];      /* calibration category, -1 when it cannot be raked */
    int *cell;                   /* age x sex cell for standardisation, -1 when unknown */
    unsigned char *served;       /* [n * nterr] forms whose territory question is multiple (operators): the
                                    territories each record serves; NULL otherwise */
    uint8_t **obs;               /* [ndefs][n] */
    uint64_t **cats;             /* [ndefs][n] distributions */
    double **a, **b;             /* [ndefs][n] means and ratios */
} columns;

typedef struct std_cells {
    size_t na, nb;               /* codes of the first and second population_by questions */
    const char **acode, **bcode;
    double *pop;                 /* [na * nb] the town's population of each cell */
} std_cells;

typedef struct scan_ctx {
    const catalog *cat;
    const terr_set *ts;
    const ind_set *defs;
    const mg_margins *mg;
    const std_cells *sc;
    const an_options *opt;
    columns *col;
    ind_obs *scratch;
    const form_question *multi;  /* the multiple territory question, or NULL */
    size_t seen, no_territory;
    bool report;                 /* this reader calls the progress callback */
    size_t scale;                /* readers in all: progress is seen * scale */
    char today[11];
} scan_ctx;

static void columns_reserve(columns *c, size_t cap, size_t ndefs, size_t nvars, size_t nterr)
{
    c->cap = cap;
    if (c->served)
        c->served = xrealloc(c->served, c->cap * nterr);
    c->stratum = xrealloc(c->stratum, c->cap * sizeof *c->stratum);
    c->cell = xrealloc(c->cell, c->cap * sizeof *c->cell);
    for (size_t v = 0; v < nvars; v++)
        c->mcat[v] = xrealloc(c->mcat[v], c->cap * sizeof *c->mcat[v]);
    for (size_t i = 0; i < ndefs; i++) {
        c->obs[i] = xrealloc(c->obs[i], c->cap);
        if (c->cats[i])
            c->cats[i] = xrealloc(c->cats[i], c->cap * sizeof **c->cats);
        if (c->a[i]) {
            c->a[i] = xrealloc(c->a[i], c->cap * sizeof **c->a);
            c->b[i] = xrealloc(c->b[i], c->cap * sizeof **c->b);
        }
    }
}

static void columns_grow(columns *c, size_t ndefs, size_t nvars, size_t nterr)
{
    columns_reserve(c, c->cap ? 2 * c->cap : 4096, ndefs, nvars, nterr);
}

/* Empty columns for the definitions: a mark (a non-NULL pointer) on the optional columns each kind needs. */
static void columns_init(columns *c, const ind_set *defs, bool multi)
{
    size_t ndefs = ind_count(defs);
    memset(c, 0, sizeof *c);
    c->obs = xcalloc(ndefs + 1, sizeof *c->obs);
    c->cats = xcalloc(ndefs + 1, sizeof *c->cats);
    c->a = xcalloc(ndefs + 1, sizeof *c->a);
    c->b = xcalloc(ndefs + 1, sizeof *c->b);
    for (size_t i = 0; i < ndefs; i++) {
        if (ind_at(defs, i)->kind == IND_DISTRIBUTION)
            c->cats[i] = xmalloc(1);
        if (ind_at(defs, i)->kind == IND_MEAN || ind_at(defs, i)->kind == IND_RATIO)
            c->a[i] = xmalloc(1), c->b[i] = xmalloc(1);
    }
    if (multi)
        c->served = xmalloc(1);
}

/* Appends src's records to dst. */
static void columns_append(columns *dst, const columns *src, size_t ndefs, size_t nvars, size_t nterr)
{
    size_t at = dst->n, n = src->n;
    if (at + n > dst->cap)
        columns_reserve(dst, at + n, ndefs, nvars, nterr);
    memcpy(dst->stratum + at, src->stratum, n * sizeof *dst->stratum);
    memcpy(dst->cell + at, src->cell, n * sizeof *dst->cell);
    if (dst->served)
        memcpy(dst->served + at * nterr, src->served, n * nterr);
    for (size_t v = 0; v < nvars; v++)
        memcpy(dst->mcat[v] + at, src->mcat[v], n * sizeof *dst->mcat[v]);
    for (size_t i = 0; i < ndefs; i++) {
        memcpy(dst->obs[i] + at, src->obs[i], n);
        if (dst->cats[i])
            memcpy(dst->cats[i] + at, src->cats[i], n * sizeof **dst->cats);
        if (dst->a[i]) {
            memcpy(dst->a[i] + at, src->a[i], n * sizeof **dst->a);
            memcpy(dst->b[i] + at, src->b[i], n * sizeof **dst->b);
        }
    }
    dst->n = at + n;
}

static void columns_free(columns *c, size_t ndefs)
{
    free(c->stratum);
    free(c->cell);
    free(c->served);
    for (size_t v = 0; v < MG_MAX_VARS; v++)
        free(c->mcat[v]);
    for (size_t i = 0; i < ndefs && c->obs; i++) {
        free(c->obs[i]);
        free(c->cats[i]);
        free(c->a[i]);
        free(c->b[i]);
    }
    free(c->obs);
    free(c->cats);
    free(c->a);
    free(c->b);
}

static int code_index(const char *const *codes, size_t n, const char *s)
{
    if (s == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(codes[i], s) == 0)
            return (int)i;
    return -1;
}

static int territory_index(const terr_set *ts, const char *code)
{
    const terr *t = code ? terr_find(ts, code) : NULL;
    return t ? (int)(t - ts->items) : -1;
}

/* The territories a record serves: the codes of its answer, every territory for an extra choice such as
 * "toute_commune" (a code that is not a territory). */
static void served_of(const scan_ctx *sx, const json_t *answer, unsigned char *out)
{
    size_t k;
    const json_t *x;
    memset(out, 0, sx->ts->count);
    json_array_foreach(answer, k, x) {
        int t = territory_index(sx->ts, json_string_value(x));
        if (t >= 0)
            out[t] = 1;
        else if (json_is_string(x) && strcmp(json_string_value(x), "refus") != 0)
            memset(out, 1, sx->ts->count);
    }
}

static int keep_record(void *ctx, const ds_record *r)
{
    scan_ctx *sx = ctx;
    columns *c = sx->col;
    size_t ndefs = ind_count(sx->defs);
    if (++sx->seen % PROGRESS_EVERY == 0 && sx->report && sx->opt->progress)
        sx->opt->progress(sx->opt->progress_ctx, sx->seen * sx->scale);
    int t = sx->multi ? 0 : territory_index(sx->ts, r->territory);
    if (t < 0) {
        sx->no_territory++;
        return 0;
    }
    if (c->n == c->cap)
        columns_grow(c, ndefs, sx->mg ? sx->mg->nvars : 0, sx->ts->count);
    size_t i = c->n++;
    c->stratum[i] = t;
    if (sx->multi)
        served_of(sx, json_object_get(r->answers, sx->multi->id), &c->served[i * sx->ts->count]);
    for (size_t v = 0; sx->mg && v < sx->mg->nvars; v++)
        c->mcat[v][i] = mg_category(&sx->mg->vars[v],
                                    json_string_value(json_object_get(r->answers, sx->mg->vars[v].question)));
    c->cell[i] = -1;
    if (sx->sc) {
        int a = code_index(sx->sc->acode, sx->sc->na,
                           json_string_value(json_object_get(r->answers, sx->ts->population_by[0])));
        int b = code_index(sx->sc->bcode, sx->sc->nb,
                           json_string_value(json_object_get(r->answers, sx->ts->population_by[1])));
        if (a >= 0 && b >= 0)
            c->cell[i] = a * (int)sx->sc->nb + b;
    }
    ind_eval(sx->defs, r->version, r->answers, sx->today, sx->scratch);
    for (size_t k = 0; k < ndefs; k++) {
        const ind_obs *o = &sx->scratch[k];
        c->obs[k][i] = (uint8_t)(o->state | (o->event ? OBS_EVENT : 0));
        if (c->cats[k])
            c->cats[k][i] = o->cats;
        if (c->a[k]) {
            c->a[k][i] = o->a;
            c->b[k][i] = o->b;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ reading */

/* One reading thread: a range of the collector's row ids, its own connection and its own columns. */
typedef struct reader {
    scan_ctx sx;
    columns col;
    const char *db;
    int64_t lo, hi;
    ds_counts counts;
    int rc;
    char err[256];
    pthread_t thread;
    bool started;
} reader;

static void *reader_main(void *arg)
{
    reader *rd = arg;
    rd->rc = ds_scan_range(rd->db, rd->sx.cat, ind_form_id(rd->sx.defs), rd->lo, rd->hi, keep_record, &rd->sx,
                           &rd->counts, rd->err, sizeof rd->err);
    return NULL;
}

#define MAX_READERS 8
#define RECORDS_PER_READER 50000 /* below this a second thread costs more than it saves */

/* Reads every record into col, in several threads when the machine and the database are large enough: parsing
 * and checking a million JSON answers is most of an analysis. sx is the template of the readers' contexts. */
static int read_records(const char *db, const scan_ctx *sx, columns *col, ds_counts *counts, size_t *no_territory,
                        char *err, size_t errlen)
{
    int64_t lo, hi;
    if (ds_id_range(db, ind_form_id(sx->defs), &lo, &hi, err, errlen) != 0)
        return -1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int64_t span = hi >= lo ? hi - lo + 1 : 0;
    size_t k = ncpu > 1 ? (size_t)(ncpu < MAX_READERS ? ncpu : MAX_READERS) : 1;
    if ((int64_t)k * RECORDS_PER_READER > span)
        k = span / RECORDS_PER_READER > 1 ? (size_t)(span / RECORDS_PER_READER) : 1;
    size_t ndefs = ind_count(sx->defs), nvars = sx->mg ? sx->mg->nvars : 0;
    reader *rd = xcalloc(k, sizeof *rd);
    int rc = 0;
    for (size_t t = 0; t < k; t++) {
        rd[t].sx = *sx;
        columns_init(&rd[t].col, sx->defs, sx->multi != NULL);
        rd[t].sx.col = &rd[t].col;
        rd[t].sx.scratch = xcalloc(ndefs + 1, sizeof(ind_obs));
        rd[t].db = db;
        rd[t].lo = t == 0 ? INT64_MIN : lo + span * (int64_t)t / (int64_t)k;
        rd[t].hi = t + 1 == k ? INT64_MAX : lo + span * (int64_t)(t + 1) / (int64_t)k - 1;
        rd[t].sx.report = t == 0; /* one thread reports progress, scaled to the whole */
        rd[t].sx.scale = k;
    }
    for (size_t t = 1; t < k; t++)
        rd[t].started = pthread_create(&rd[t].thread, NULL, reader_main, &rd[t]) == 0;
    reader_main(&rd[0]);
    for (size_t t = 1; t < k; t++) {
        if (rd[t].started)
            pthread_join(rd[t].thread, NULL);
        else
            reader_main(&rd[t]); /* no thread to be had: read the part here */
    }
    memset(counts, 0, sizeof *counts);
    for (size_t t = 0; t < k; t++) {
        if (rd[t].rc != 0 && rc == 0) {
            snprintf(err, errlen, "%s", rd[t].err);
            rc = -1;
        }
        counts->count += rd[t].counts.count;
        counts->rejected += rd[t].counts.rejected;
        counts->unknown_version += rd[t].counts.unknown_version;
        *no_territory += rd[t].sx.no_territory;
        columns_append(col, &rd[t].col, ndefs, nvars, sx->ts->count);
        columns_free(&rd[t].col, ndefs);
        free(rd[t].sx.scratch);
    }
    free(rd);
    return rc;
}

/* The age x sex cells of the territories file (population_by), with the town's population of each. NULL when the
 * file has no two-level population. */
static std_cells *std_cells_new(const terr_set *ts)
{
    if (ts == NULL || ts->population_depth != 2 || ts->count == 0)
        return NULL;
    const json_t *p0 = NULL;
    for (size_t t = 0; t < ts->count && p0 == NULL; t++)
        p0 = ts->items[t].population;
    if (!json_is_object(p0) || json_object_size(p0) == 0)
        return NULL;
    std_cells *sc = xcalloc(1, sizeof *sc);
    sc->acode = xcalloc(json_object_size(p0), sizeof *sc->acode);
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)p0, key, val) {
        sc->acode[sc->na++] = key;
        if (sc->bcode == NULL && json_is_object(val)) {
            sc->bcode = xcalloc(json_object_size(val), sizeof *sc->bcode);
            const char *k2;
            const json_t *v2;
            json_object_foreach((json_t *)val, k2, v2) sc->bcode[sc->nb++] = k2;
        }
    }
    sc->pop = xcalloc(sc->na * sc->nb + 1, sizeof *sc->pop);
    for (size_t t = 0; t < ts->count; t++)
        for (size_t a = 0; a < sc->na; a++)
            for (size_t b = 0; b < sc->nb; b++) {
                long p = terr_population(&ts->items[t], sc->acode[a], sc->bcode[b]);
                if (p > 0)
                    sc->pop[a * sc->nb + b] += (double)p;
            }
    return sc;
}

static void std_cells_free(std_cells *sc)
{
    if (sc == NULL)
        return;
    free(sc->acode);
    free(sc->bcode);
    free(sc->pop);
    free(sc);
}

/* ------------------------------------------------------------------ groups */

typedef struct plan {
    const terr_set *ts;
    size_t nterr;
    an_group *groups;
    size_t ngroups;
    bool *member;        /* [ngroups * nterr] */
    int qpv_group, rest_group, town_group; /* -1 when absent */
    bool multi;          /* records may belong to several territories: groups overlap */
    disc_relation rel[4];
    size_t nrel;
    size_t *relparts;    /* storage of the relations' parts */
} plan;

static void add_group(plan *p, const char *id, const char *label, an_group_kind kind, bool qpv)
{
    p->groups = xrealloc(p->groups, (p->ngroups + 1) * sizeof *p->groups);
    p->groups[p->ngroups++] = (an_group){id, label, kind, qpv, 0, DISC_SHOW};
}

static void plan_build(plan *p, const terr_set *ts, bool multi)
{
    memset(p, 0, sizeof *p);
    p->multi = multi;
    p->ts = ts;
    p->nterr = ts->count;
    size_t nqpv = 0, nrest = 0;
    int lone_rest = -1;
    for (size_t t = 0; t < ts->count; t++) {
        add_group(p, ts->items[t].code, ts->items[t].name, AN_G_TERRITORY, ts->items[t].qpv);
        if (ts->items[t].qpv)
            nqpv++;
        else
            nrest++, lone_rest = (int)t;
    }
    p->qpv_group = p->rest_group = -1;
    if (nqpv > 0) {
        p->qpv_group = (int)p->ngroups;
        add_group(p, "ensemble_qpv", "Ensemble des quartiers prioritaires", AN_G_QPV, false);
    }
    if (nrest == 1) {
        p->rest_group = lone_rest;
    } else if (nrest > 1) {
        p->rest_group = (int)p->ngroups;
        add_group(p, "reste_commune", "Reste de la commune", AN_G_REST, false);
    }
    p->town_group = (int)p->ngroups;
    add_group(p, "commune", ts->commune_name ? ts->commune_name : "Ensemble de la commune", AN_G_TOWN, false);

    p->member = xcalloc(p->ngroups * p->nterr, sizeof *p->member);
    for (size_t t = 0; t < p->nterr; t++) {
        p->member[t * p->nterr + t] = true;
        p->member[(size_t)p->town_group * p->nterr + t] = true;
        if (p->qpv_group >= 0 && ts->items[t].qpv)
            p->member[(size_t)p->qpv_group * p->nterr + t] = true;
        if (p->rest_group >= 0 && !ts->items[t].qpv)
            p->member[(size_t)p->rest_group * p->nterr + t] = true;
    }
    /* Relations between published counts: town = every territory; QPV = its neighbourhoods; rest = its parts;
     * town = QPV + rest. */
    p->relparts = xcalloc(3 * p->nterr + 2, sizeof *p->relparts);
    size_t *next = p->relparts;
    if (multi) /* overlapping groups do not add up: no subtraction recovers a cell, the minimum-n rule remains */
        return;
    for (size_t g = 0; g < p->ngroups; g++) {
        if (p->groups[g].kind == AN_G_TERRITORY)
            continue;
        if ((int)g == p->rest_group && nrest == 1)
            continue;
        size_t *parts = next;
        for (size_t t = 0; t < p->nterr; t++)
            if (p->member[g * p->nterr + t])
                *next++ = t;
        p->rel[p->nrel++] = (disc_relation){g, parts, (size_t)(next - parts)};
    }
    if (p->qpv_group >= 0 && p->rest_group >= 0) {
        size_t *parts = next;
        *next++ = (size_t)p->qpv_group;
        *next++ = (size_t)p->rest_group;
        p->rel[p->nrel++] = (disc_relation){(size_t)p->town_group, parts, 2};
    }
}

static void plan_free(plan *p)
{
    free(p->member);
    free(p->relparts);
}

/* ------------------------------------------------------------------ weights */

/* Rakes every territory to its margins. Territories without respondents get zero margins (nothing to rake);
 * a territory with respondents and no margins is an error. */
static wt_raking *rake(const columns *c, const mg_margins *mg, const terr_set *ts, char *err, size_t errlen)
{
    size_t ng = ts->count;
    long *count = xcalloc(ng, sizeof *count);
    double *base = xmalloc(c->n * sizeof *base);
    wt_margin margin[MG_MAX_VARS];
    double *pop[MG_MAX_VARS] = {0};
    const char **names = xcalloc(ng, sizeof *names);
    wt_raking *rk = NULL;
    for (size_t i = 0; i < c->n; i++) {
        base[i] = 1;
        count[c->stratum[i]]++;
    }
    for (size_t g = 0; g < ng; g++)
        names[g] = ts->items[g].code;
    for (size_t v = 0; v < mg->nvars; v++) {
        const mg_var *mv = &mg->vars[v];
        pop[v] = xcalloc(ng * mv->ncat, sizeof *pop[v]);
        for (size_t g = 0; g < ng; g++) {
            int mt = mg_territory(mg, ts->items[g].code);
            if (mt < 0 && count[g] > 0) {
                set_err(err, errlen, "le territoire %s a %ld répondant(s) mais aucune marge dans le fichier de marges",
                        ts->items[g].code, count[g]);
                goto done;
            }
            for (size_t k = 0; mt >= 0 && count[g] > 0 && k < mv->ncat; k++)
                pop[v][g * mv->ncat + k] = mv->pop[(size_t)mt * mv->ncat + k];
        }
        margin[v] = (wt_margin){mv->question, mv->ncat, c->mcat[v], pop[v]};
    }
    wt_input in = {c->n, base, ng, c->stratum, names, mg->nvars, margin};
    rk = wt_rake(&in, NULL, err, errlen);
done:
    for (size_t v = 0; v < mg->nvars; v++)
        free(pop[v]);
    free(names);
    free(base);
    free(count);
    return rk;
}

/* ------------------------------------------------------------------ estimates */

/* What one unit (an indicator, or a category of a distribution) is estimated on: its rows, each grouping the
 * records that no estimate tells apart (grouping.h). */
typedef enum unit_mode { U_EVENT, U_CATEGORY, U_VALUE, U_RATIO, U_CATEGORY_INDEX } unit_mode;

typedef struct work {
    const an_options *opt;
    const plan *pl;
    const columns *col;
    const ind_set *defs;
    const est_design *d;    /* the analysis design, one row per record */
    const est_design *dstd; /* the standardisation design (may be d), NULL when not standardising */
    const std_cells *sc;
    bool weighted;
    est_ci_method wmethod;  /* weighted proportions */
    est_srs_method umethod; /* unweighted proportions */
    size_t *base;           /* [n] records with the same territory, calibration and age x sex cells share it */
    grp_map *gm;
    /* the current unit, on m grouped rows */
    size_t m;
    est_design *du, *dstdu; /* grouped designs (dstdu may be du) */
    const size_t *rep;      /* [m] a record of each row */
    const double *cnt;      /* [m] records of each row */
    int *stratum, *cell;    /* [m] */
    double *y, *a, *b;      /* [m] outcome; ratio's numerator and denominator */
    unsigned char *in;      /* [m] in the indicator's denominator */
    unsigned char *dom, *dom2;
    int *row, *colv;        /* [m] codes for the tests */
    an_result *res;
    size_t cells_cap, tests_cap;
} work;

/* Whether record i belongs to group g. */
static bool in_group(const plan *pl, const columns *c, size_t g, size_t i)
{
    const bool *mem = &pl->member[g * pl->nterr];
    if (!pl->multi)
        return mem[c->stratum[i]];
    const unsigned char *sv = &c->served[i * pl->nterr];
    if (pl->groups[g].kind == AN_G_TOWN)
        return true;
    for (size_t t = 0; t < pl->nterr; t++)
        if (sv[t] && mem[t])
            return true;
    return false;
}

static uint64_t bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

/* The outcome of record i for the unit. */
static void outcome(const columns *c, size_t ind, unit_mode mode, int category, size_t i, double *y1, double *y2)
{
    *y1 = *y2 = 0;
    if ((c->obs[ind][i] & 3u) != IND_IN)
        return;
    switch (mode) {
    case U_EVENT:
        *y1 = (c->obs[ind][i] & OBS_EVENT) ? 1 : 0;
        break;
    case U_CATEGORY:
        *y1 = (c->cats[ind][i] >> category) & 1u ? 1 : 0;
        break;
    case U_CATEGORY_INDEX:
        *y1 = c->cats[ind][i] ? __builtin_ctzll(c->cats[ind][i]) : -1;
        break;
    case U_VALUE:
        *y1 = c->a[ind][i];
        break;
    case U_RATIO:
        *y1 = c->a[ind][i], *y2 = c->b[ind][i];
        break;
    }
}

static void unit_free(work *w)
{
    if (w->dstdu != w->du)
        est_design_free(w->dstdu);
    est_design_free(w->du);
    w->du = w->dstdu = NULL;
}

/* Groups the records for the unit and builds its rows and designs. Records of forms answered for several
 * territories are never grouped (their group membership is their own). Returns 0, or -1 when a design cannot
 * be built (not expected: the full design was valid). */
static int unit_rows(work *w, size_t ind, unit_mode mode, int category)
{
    const columns *c = w->col;
    bool group = !w->pl->multi && !w->opt->no_grouping;
    grp_reset(w->gm);
    for (size_t i = 0; i < c->n; i++) {
        double y1, y2;
        outcome(c, ind, mode, category, i, &y1, &y2);
        uint64_t key[4] = {group ? w->base[i] : i, (c->obs[ind][i] & 3u) == IND_IN, bits(y1), bits(y2)};
        grp_add(w->gm, key, i);
    }
    w->m = grp_count(w->gm);
    w->rep = grp_reps(w->gm);
    w->cnt = grp_counts(w->gm);
    for (size_t j = 0; j < w->m; j++) {
        size_t i = w->rep[j];
        double y1, y2;
        outcome(c, ind, mode, category, i, &y1, &y2);
        w->stratum[j] = c->stratum[i];
        w->cell[j] = c->cell[i];
        w->in[j] = (c->obs[ind][i] & 3u) == IND_IN;
        w->y[j] = y1;
        w->a[j] = y1, w->b[j] = y2;
    }
    char err[256];
    w->du = est_design_collapse(w->d, w->m, w->rep, w->cnt, err, sizeof err);
    w->dstdu = w->dstd == w->d ? w->du
               : w->dstd      ? est_design_collapse(w->dstd, w->m, w->rep, w->cnt, err, sizeof err)
                              : NULL;
    return w->du != NULL && (w->dstd == NULL || w->dstdu != NULL) ? 0 : -1;
}

/* dom = the unit's denominator within group g; returns the respondents in it. */
static long group_domain(work *w, size_t g, unsigned char *dom)
{
    const plan *pl = w->pl;
    const bool *mem = &pl->member[g * pl->nterr];
    const double *wt = est_design_weights(w->du);
    long n = 0;
    for (size_t j = 0; j < w->m; j++) {
        dom[j] = w->in[j] && wt[j] > 0 && (pl->multi ? in_group(pl, w->col, g, w->rep[j]) : mem[w->stratum[j]]);
        n += dom[j] ? (long)w->cnt[j] : 0;
    }
    return n;
}

static void nchs_flags(an_cell *cell, double p, double se, long x, long n, double lo, double hi, long df)
{
    disc_nchs_result r;
    if (disc_nchs(p, se, x, n, lo, hi, df, &r) != 0)
        return;
    if (!r.show)
        cell->flags |= r.reason == DISC_NCHS_NEFF    ? AN_FLAG_NEFF
                       : r.reason == DISC_NCHS_WIDTH ? AN_FLAG_WIDTH
                                                     : AN_FLAG_RELWIDTH;
    if (r.review_df)
        cell->flags |= AN_FLAG_REVIEW_DF;
    if (r.review_p01)
        cell->flags |= AN_FLAG_P01;
}

static void prop_unweighted(work *w, an_cell *cell)
{
    long x = 0;
    for (size_t j = 0; j < w->m; j++)
        x += w->dom[j] && w->y[j] > 0.5 ? (long)w->cnt[j] : 0;
    long n = cell->n;
    est_interval ci, cp;
    double p = (double)x / (double)n;
    cell->events = x;
    cell->estimate = p;
    cell->has_estimate = true;
    if (est_srs_interval(x, n, w->opt->level, w->umethod, &ci) == EST_OK)
        cell->lower = ci.lower, cell->upper = ci.upper, cell->has_ci = true;
    cell->se = sqrt(p * (1 - p) / (double)n);
    cell->deff = 1, cell->n_eff = (double)n, cell->has_deff = true;
    /* NCHS judges the Korn-Graubard interval, which is Clopper-Pearson when every weight is 1. */
    if (est_srs_interval(x, n, w->opt->level, EST_SRS_CLOPPER_PEARSON, &cp) == EST_OK)
        nchs_flags(cell, p, cell->se, x, n, cp.lower, cp.upper, n - 1);
}

static void prop_weighted(work *w, an_cell *cell)
{
    est_prop_result r[EST_CI_NMETHODS];
    bool want[EST_CI_NMETHODS] = {false};
    want[w->wmethod] = want[EST_CI_BETA] = true;
    if (est_prop_methods(w->du, w->y, w->dom, w->opt->level, want, r) != EST_OK) {
        /* One respondent in a stratum: the point is still the weighted share, the variance is not. */
        const double *wt = est_design_weights(w->du);
        double sw = 0, swy = 0;
        long x = 0;
        for (size_t j = 0; j < w->m; j++)
            if (w->dom[j]) {
                sw += w->cnt[j] * wt[j], swy += w->cnt[j] * wt[j] * w->y[j];
                x += w->y[j] > 0.5 ? (long)w->cnt[j] : 0;
            }
        cell->events = x;
        cell->estimate = swy / sw;
        cell->has_estimate = true;
        cell->flags |= AN_FLAG_NO_VARIANCE;
        return;
    }
    const est_prop_result *m = &r[w->wmethod], *kg = &r[EST_CI_BETA];
    cell->events = m->x;
    cell->estimate = m->p;
    cell->se = m->se;
    cell->lower = m->lower, cell->upper = m->upper;
    cell->has_estimate = cell->has_ci = true;
    cell->n_eff = m->n_eff;
    cell->deff = m->mean.deff_ok ? m->mean.deff : 1;
    cell->has_deff = m->mean.deff_ok;
    if (m->degenerate)
        cell->flags |= AN_FLAG_P01;
    nchs_flags(cell, kg->p, kg->se, kg->x, (long)kg->n, kg->lower, kg->upper, kg->df);
}

static void mean_cell(work *w, an_cell *cell)
{
    est_mean_result r;
    cell->events = -1;
    if (est_mean(w->du, w->y, w->dom, &r) != EST_OK) {
        cell->flags |= AN_FLAG_NO_VARIANCE;
        return;
    }
    cell->estimate = r.mean;
    cell->se = r.se;
    cell->has_estimate = true;
    cell->has_deff = r.deff_ok || !w->weighted;
    cell->deff = r.deff_ok ? r.deff : 1;
    cell->n_eff = r.deff_ok && r.deff > 0 ? (double)r.n / r.deff : (double)r.n;
    est_interval ci;
    if (r.df >= 1 && est_wald_interval(r.mean, r.se, w->opt->level, (double)r.df, &ci) == EST_OK)
        cell->lower = ci.lower, cell->upper = ci.upper, cell->has_ci = true;
    else
        cell->flags |= AN_FLAG_NO_VARIANCE;
    if (cell->n_eff < 30)
        cell->flags |= AN_FLAG_NEFF;
}

/* Sum of a over the sum of b, with the linearised variance of svyratio: influence (a - R b) w / B. */
static void ratio_cell(work *w, an_cell *cell)
{
    const double *wt = est_design_weights(w->du);
    double A = 0, B = 0;
    cell->events = -1;
    for (size_t j = 0; j < w->m; j++)
        if (w->dom[j])
            A += w->cnt[j] * wt[j] * w->a[j], B += w->cnt[j] * wt[j] * w->b[j];
    if (B == 0) {
        cell->flags |= AN_FLAG_ZERO_DENOM;
        return;
    }
    double R = A / B, V;
    double *u = xcalloc(w->m, sizeof *u);
    for (size_t j = 0; j < w->m; j++)
        if (w->dom[j])
            u[j] = wt[j] * (w->a[j] - R * w->b[j]) / B;
    cell->estimate = R;
    cell->has_estimate = true;
    long df = cell->n - 1;
    est_interval ci;
    if (est_influence_vcov(w->du, u, 1, w->dom, &V) == EST_OK && df >= 1 &&
        est_wald_interval(R, sqrt(V), w->opt->level, (double)df, &ci) == EST_OK) {
        cell->se = sqrt(V);
        cell->lower = ci.lower, cell->upper = ci.upper, cell->has_ci = true;
    } else {
        cell->flags |= AN_FLAG_NO_VARIANCE;
    }
    free(u);
}

static an_cell *new_cell(work *w)
{
    an_result *r = w->res;
    if (r->ncells == w->cells_cap) {
        w->cells_cap = w->cells_cap ? 2 * w->cells_cap : 256;
        r->cells = xrealloc(r->cells, w->cells_cap * sizeof *r->cells);
    }
    an_cell *c = &r->cells[r->ncells++];
    memset(c, 0, sizeof *c);
    return c;
}

static an_test *new_test(work *w)
{
    an_result *r = w->res;
    if (r->ntests == w->tests_cap) {
        w->tests_cap = w->tests_cap ? 2 * w->tests_cap : 256;
        r->tests = xrealloc(r->tests, w->tests_cap * sizeof *r->tests);
    }
    an_test *t = &r->tests[r->ntests++];
    memset(t, 0, sizeof *t);
    return t;
}

/* The standardised estimates of the current unit for every territory, into the unit's cells. */
static void standardise(work *w, an_cell *cells, bool proportion)
{
    const plan *pl = w->pl;
    std_result *out = xcalloc(pl->nterr, sizeof *out);
    size_t ncell = w->sc->na * w->sc->nb;
    if (std_survey(w->dstdu, w->y, w->in, w->stratum, pl->nterr, w->cell, ncell, w->sc->pop, out) == EST_OK) {
        for (size_t t = 0; t < pl->nterr; t++) {
            est_interval ci;
            if (out[t].status != EST_OK || est_wald_interval(out[t].p, out[t].se, w->opt->level, INFINITY, &ci) != 0)
                continue;
            an_cell *cell = &cells[t];
            cell->std = out[t].p;
            cell->std_lower = proportion && ci.lower < 0 ? 0 : ci.lower;
            cell->std_upper = proportion && ci.upper > 1 ? 1 : ci.upper;
            cell->has_std = true;
        }
    }
    free(out);
}

/* Rao-Scott (weighted) or Pearson (unweighted) test across territories of the outcome codes in colv (-1 outside
 * the denominator). */
static void test_territories(work *w, size_t ind, int category)
{
    for (size_t j = 0; j < w->m; j++)
        w->row[j] = w->colv[j] >= 0 ? w->stratum[j] : -1;
    cmp_chisq_result r;
    int rc = w->weighted ? cmp_rao_scott(w->du, w->row, w->colv, &r)
                         : cmp_pearson_counts(w->m, w->row, w->colv, w->cnt, &r);
    if (rc != EST_OK)
        return;
    an_test *t = new_test(w);
    t->indicator = ind;
    t->category = category;
    t->kind = w->weighted ? AN_T_RAO_SCOTT : AN_T_PEARSON;
    t->statistic = w->weighted ? r.f : r.x2;
    t->ndf = w->weighted ? r.ndf : r.df;
    t->ddf = w->weighted ? r.ddf : 0;
    t->p = w->weighted ? r.p_f : r.p_chisq;
}

/* Each QPV and all QPV together against the rest of the town. */
static void test_differences(work *w, size_t ind, int category, const an_cell *cells)
{
    const plan *pl = w->pl;
    if (pl->rest_group < 0)
        return;
    group_domain(w, (size_t)pl->rest_group, w->dom2);
    for (size_t g = 0; g < pl->ngroups; g++) {
        if (!pl->groups[g].qpv && (int)g != pl->qpv_group)
            continue;
        group_domain(w, g, w->dom);
        cmp_diff_result r;
        if (cmp_diff(w->du, w->y, w->dom, w->dom2, w->opt->level, &r) != EST_OK)
            continue;
        an_test *t = new_test(w);
        t->kind = AN_T_DIFF;
        t->indicator = ind;
        t->category = category;
        t->group = g;
        t->versus = (size_t)pl->rest_group;
        t->suppressed = cells[g].suppressed != DISC_SHOW || cells[pl->rest_group].suppressed != DISC_SHOW;
        t->statistic = r.t;
        t->ndf = (double)r.df;
        t->p = r.p;
        t->diff = r.diff;
        t->lower = r.lower;
        t->upper = r.upper;
    }
}

/* Applies the minimum-n rule to the unit's cells (one per group). */
static void suppress(work *w, an_cell *cells)
{
    const plan *pl = w->pl;
    long *n = xmalloc(pl->ngroups * sizeof *n);
    disc_status *st = xmalloc(pl->ngroups * sizeof *st);
    for (size_t g = 0; g < pl->ngroups; g++)
        n[g] = cells[g].n;
    if (disc_suppress(pl->ngroups, n, pl->nrel, pl->rel, w->opt->min_n, st) == 0)
        for (size_t g = 0; g < pl->ngroups; g++)
            cells[g].suppressed = st[g];
    free(st);
    free(n);
}

/* Per group, the respondents of the design whose answer to the indicator's item was nsp, or refus. */
static void count_missing(const work *w, size_t ind, an_cell *cells)
{
    const plan *pl = w->pl;
    const columns *c = w->col;
    const double *wt = est_design_weights(w->d);
    long *nsp = xcalloc(pl->nterr, sizeof *nsp), *refus = xcalloc(pl->nterr, sizeof *refus);
    for (size_t i = 0; i < c->n; i++) {
        unsigned st = c->obs[ind][i] & 3u;
        if ((st != IND_NSP && st != IND_REFUS) || !(wt[i] > 0))
            continue;
        if (!pl->multi) {
            (st == IND_NSP ? nsp : refus)[c->stratum[i]]++;
            continue;
        }
        for (size_t g = 0; g < pl->ngroups; g++)
            if (in_group(pl, c, g, i))
                (st == IND_NSP ? &cells[g].nsp : &cells[g].refus)[0]++;
    }
    for (size_t g = 0; g < pl->ngroups && !pl->multi; g++)
        for (size_t t = 0; t < pl->nterr; t++)
            if (pl->member[g * pl->nterr + t])
                cells[g].nsp += nsp[t], cells[g].refus += refus[t];
    free(refus);
    free(nsp);
}

/* One unit: an indicator, or one category of a distribution. */
static int run_unit(work *w, size_t ind, int category)
{
    const ind_def *def = ind_at(w->defs, ind);
    const plan *pl = w->pl;
    bool proportion = def->kind == IND_PROPORTION || def->kind == IND_DISTRIBUTION;
    unit_mode mode = def->kind == IND_PROPORTION ? U_EVENT
                     : def->kind == IND_DISTRIBUTION ? U_CATEGORY
                     : def->kind == IND_MEAN ? U_VALUE
                                             : U_RATIO;
    if (unit_rows(w, ind, mode, category) != 0)
        return -1;
    size_t first = w->res->ncells;
    for (size_t g = 0; g < pl->ngroups; g++) {
        an_cell *cell = new_cell(w);
        cell->indicator = ind;
        cell->category = category;
        cell->group = g;
        cell->n = group_domain(w, g, w->dom);
        if (cell->n == 0) {
            cell->flags |= AN_FLAG_EMPTY;
            cell->events = proportion ? 0 : -1;
            continue;
        }
        if (proportion)
            w->weighted ? prop_weighted(w, cell) : prop_unweighted(w, cell);
        else if (def->kind == IND_MEAN)
            mean_cell(w, cell);
        else
            ratio_cell(w, cell);
    }
    an_cell *cells = &w->res->cells[first];
    count_missing(w, ind, cells);
    if (w->dstdu && def->kind != IND_RATIO)
        standardise(w, cells, proportion);
    suppress(w, cells);
    if (!pl->multi) { /* overlapping groups: neither test applies */
        if (proportion && !(def->kind == IND_DISTRIBUTION && !def->multiple)) {
            for (size_t j = 0; j < w->m; j++)
                w->colv[j] = w->in[j] ? (int)w->y[j] : -1;
            test_territories(w, ind, category);
        }
        if (def->kind != IND_RATIO)
            test_differences(w, ind, category, cells);
    }
    unit_free(w);
    return 0;
}

/* A single-choice distribution is one table: territories x categories. */
static int test_distribution(work *w, size_t ind)
{
    if (unit_rows(w, ind, U_CATEGORY_INDEX, -1) != 0)
        return -1;
    for (size_t j = 0; j < w->m; j++)
        w->colv[j] = w->in[j] ? (int)w->y[j] : -1;
    test_territories(w, ind, -1);
    unit_free(w);
    return 0;
}

/* Holm within each family (tests across territories; differences), and the counts that say how many
 * "significant" results chance alone would give. */
static void adjust(an_result *r, double a)
{
    for (int fam = 0; fam < 2; fam++) {
        size_t m = 0;
        for (size_t i = 0; i < r->ntests; i++)
            m += (r->tests[i].kind == AN_T_DIFF) == (fam == 1) && !r->tests[i].suppressed;
        double *p = xmalloc((m + 1) * sizeof *p);
        size_t k = 0;
        for (size_t i = 0; i < r->ntests; i++)
            if ((r->tests[i].kind == AN_T_DIFF) == (fam == 1) && !r->tests[i].suppressed)
                p[k++] = r->tests[i].p;
        cmp_holm(p, m, p);
        size_t sig = 0, sig_holm = 0;
        k = 0;
        for (size_t i = 0; i < r->ntests; i++)
            if ((r->tests[i].kind == AN_T_DIFF) == (fam == 1) && !r->tests[i].suppressed) {
                r->tests[i].p_holm = p[k++];
                sig += r->tests[i].p < a;
                sig_holm += r->tests[i].p_holm < a;
            }
        if (fam == 0)
            r->chisq_tests = m, r->chisq_significant = sig, r->chisq_significant_holm = sig_holm;
        else
            r->diff_tests = m, r->diff_significant = sig, r->diff_significant_holm = sig_holm;
        free(p);
    }
}

/* Respondents per group, under the same rule as the cells. */
static void count_groups(const plan *pl, const columns *c, const est_design *d, long min_n, an_result *r)
{
    long *n = xcalloc(pl->ngroups, sizeof *n), *per = xcalloc(pl->nterr, sizeof *per);
    disc_status *st = xmalloc(pl->ngroups * sizeof *st);
    const double *wt = est_design_weights(d);
    for (size_t i = 0; i < c->n; i++) {
        if (!(wt[i] > 0))
            continue;
        if (!pl->multi)
            per[c->stratum[i]]++;
        else
            for (size_t g = 0; g < pl->ngroups; g++)
                n[g] += in_group(pl, c, g, i);
    }
    for (size_t g = 0; g < pl->ngroups && !pl->multi; g++)
        for (size_t t = 0; t < pl->nterr; t++)
            n[g] += pl->member[g * pl->nterr + t] ? per[t] : 0;
    if (disc_suppress(pl->ngroups, n, pl->nrel, pl->rel, min_n, st) != 0)
        memset(st, 0, pl->ngroups * sizeof *st);
    for (size_t g = 0; g < pl->ngroups; g++) {
        r->groups[g].suppressed = st[g];
        r->groups[g].respondents = st[g] == DISC_SHOW ? n[g] : -1;
    }
    free(st);
    free(per);
    free(n);
}

/* The standardisation design: the analysis design when every row has an age x sex cell (raked on them), else
 * (unweighted) the respondents who have one. NULL with a note when standardisation is not possible. */
static est_design *std_design(const columns *c, const std_cells *sc, const est_design *d, bool weighted,
                              size_t nterr, char *note, size_t notelen)
{
    if (sc == NULL) {
        snprintf(note, notelen, "le fichier des territoires ne donne pas la population par âge et sexe");
        return NULL;
    }
    const double *wt = est_design_weights(d);
    size_t missing = 0;
    for (size_t i = 0; i < c->n; i++)
        missing += wt[i] > 0 && c->cell[i] < 0;
    if (weighted && missing > 0) {
        snprintf(note, notelen, "%zu répondants pondérés sans tranche d'âge ou sexe : calez sur ces variables "
                 "pour standardiser", missing);
        return NULL;
    }
    snprintf(note, notelen, "structure par âge et sexe de la population de la commune (fichier des territoires)");
    if (weighted)
        return (est_design *)d;
    double *w1 = xmalloc(c->n * sizeof *w1);
    for (size_t i = 0; i < c->n; i++)
        w1[i] = c->cell[i] >= 0 ? 1 : 0;
    char err[256];
    est_design *ds = est_design_new(c->n, nterr, c->stratum, w1, err, sizeof err);
    free(w1);
    if (ds == NULL)
        snprintf(note, notelen, "%s", err);
    return ds;
}

static const char *method_name(an_method m, bool weighted)
{
    switch (m) {
    case AN_CI_WILSON:
        return "wilson";
    case AN_CI_CLOPPER_PEARSON:
        return "clopper-pearson";
    case AN_CI_BETA:
        return "beta";
    case AN_CI_LOGIT:
        return "logit";
    case AN_CI_DEFAULT:
        break;
    }
    return weighted ? "beta" : "wilson";
}

/* The base pattern of every record: its territory, calibration categories and age x sex cell. */
static void base_patterns(work *w, size_t nvars)
{
    const columns *c = w->col;
    grp_map *g = grp_new();
    w->base = xmalloc((c->n + 1) * sizeof *w->base);
    for (size_t i = 0; i < c->n; i++) {
        uint64_t cats = 0;
        for (size_t v = 0; v < nvars; v++)
            cats |= (uint64_t)(uint8_t)(c->mcat[v][i] + 1) << (8 * v);
        uint64_t key[4] = {(uint64_t)c->stratum[i], (uint64_t)(uint32_t)c->cell[i], cats, 0};
        w->base[i] = grp_add(g, key, i);
    }
    grp_free(g);
}

static int analyse(work *w, size_t nvars, char *err, size_t errlen)
{
    size_t n = w->col->n;
    int rc = 0;
    base_patterns(w, nvars);
    w->gm = grp_new();
    w->stratum = xmalloc(n * sizeof *w->stratum);
    w->cell = xmalloc(n * sizeof *w->cell);
    w->y = xmalloc(n * sizeof *w->y);
    w->a = xmalloc(n * sizeof *w->a);
    w->b = xmalloc(n * sizeof *w->b);
    w->in = xmalloc(n);
    w->dom = xmalloc(n);
    w->dom2 = xmalloc(n);
    w->row = xmalloc(n * sizeof *w->row);
    w->colv = xmalloc(n * sizeof *w->colv);
    for (size_t ind = 0; ind < ind_count(w->defs) && rc == 0; ind++) {
        const ind_def *def = ind_at(w->defs, ind);
        if (def->kind != IND_DISTRIBUTION) {
            rc = run_unit(w, ind, -1);
            continue;
        }
        for (size_t k = 0; k < def->ncategories && rc == 0; k++)
            rc = run_unit(w, ind, (int)k);
        if (rc == 0 && !def->multiple && !w->pl->multi)
            rc = test_distribution(w, ind);
    }
    if (rc != 0)
        set_err(err, errlen, "regroupement des réponses impossible");
    adjust(w->res, 1 - w->opt->level);
    free(w->base);
    grp_free(w->gm);
    free(w->stratum);
    free(w->cell);
    free(w->y);
    free(w->a);
    free(w->b);
    free(w->in);
    free(w->dom);
    free(w->dom2);
    free(w->row);
    free(w->colv);
    return rc;
}

an_result *an_run(const char *db_path, const catalog *cat, const ind_set *defs, const mg_margins *mg,
                  const an_options *opt, char *err, size_t errlen)
{
    const terr_set *ts = catalog_territories(cat);
    if (ts == NULL || ts->count == 0) {
        set_err(err, errlen, "le dossier des formulaires n'a pas de fichier de territoires");
        return NULL;
    }
    size_t ndefs = ind_count(defs);
    const form *cur = catalog_current(cat, ind_form_id(defs));
    const form_question *multi = NULL;
    for (size_t q = 0; q < cur->nquestions; q++)
        if (cur->questions[q].type == FQ_TERRITORY && cur->questions[q].multiple)
            multi = &cur->questions[q];
    if (multi && mg) {
        set_err(err, errlen, "--margins : les réponses de %s couvrent plusieurs territoires (%s) ; le calage ne "
                "s'applique qu'à des répondants d'un seul territoire", cur->id, multi->id);
        return NULL;
    }
    columns col;
    columns_init(&col, defs, multi != NULL);
    std_cells *sc = multi ? NULL : std_cells_new(ts);
    scan_ctx sx = {cat, ts, defs, mg, sc, opt, NULL, NULL, multi, 0, 0, false, 1, {0}};
    if (opt->today)
        snprintf(sx.today, sizeof sx.today, "%s", opt->today);
    else
        util_today(sx.today);

    an_result *r = xcalloc(1, sizeof *r);
    plan pl;
    plan_build(&pl, ts, multi != NULL);
    wt_raking *rk = NULL;
    est_design *d = NULL, *dstd = NULL;
    ds_counts counts;
    r->form_id = ind_form_id(defs);
    double t0 = now();
    if (read_records(db_path, &sx, &col, &counts, &r->no_territory, err, errlen) != 0)
        goto fail;
    double t1 = now();
    r->seconds_read = t1 - t0;
    r->defs = defs;
    r->weighted = mg != NULL;
    r->method_name = method_name(opt->method, r->weighted);
    r->level = opt->level;
    r->min_n = opt->min_n;
    r->records = counts.count;
    r->rejected = counts.rejected;
    r->unknown_version = counts.unknown_version;
    r->groups = xmalloc(pl.ngroups * sizeof *r->groups);
    memcpy(r->groups, pl.groups, pl.ngroups * sizeof *r->groups);
    r->ngroups = pl.ngroups;
    if (col.n == 0) {
        set_err(err, errlen, "aucune réponse du formulaire %s n'est rattachée à un territoire du fichier",
                r->form_id);
        goto fail;
    }
    if (mg) {
        if ((rk = rake(&col, mg, ts, err, errlen)) == NULL)
            goto fail;
        r->left_out_calibration = wt_left_out(rk);
        d = est_design_new_raked(col.n, ts->count, col.stratum, rk, err, errlen);
    } else {
        double *w1 = xmalloc(col.n * sizeof *w1);
        for (size_t i = 0; i < col.n; i++)
            w1[i] = 1;
        d = est_design_new(col.n, ts->count, col.stratum, w1, err, errlen);
        free(w1);
    }
    if (d == NULL)
        goto fail;
    r->used = est_design_rows(d);
    if (multi)
        snprintf(r->std_note, sizeof r->std_note, "sans objet : les réponses couvrent plusieurs territoires");
    else
        dstd = std_design(&col, sc, d, r->weighted, ts->count, r->std_note, sizeof r->std_note);
    r->standardised = dstd != NULL;
    count_groups(&pl, &col, d, opt->min_n, r);
    work w = {.opt = opt, .pl = &pl, .col = &col, .defs = defs, .d = d, .dstd = dstd, .sc = sc,
              .weighted = r->weighted, .wmethod = opt->method == AN_CI_LOGIT ? EST_CI_LOGIT : EST_CI_BETA,
              .umethod = opt->method == AN_CI_CLOPPER_PEARSON ? EST_SRS_CLOPPER_PEARSON : EST_SRS_WILSON,
              .res = r};
    int rc = analyse(&w, mg ? mg->nvars : 0, err, errlen);
    r->seconds_estimate = now() - t1;
    if (rc != 0)
        goto fail;
    goto done;
fail:
    an_free(r);
    r = NULL;
done:
    if (dstd != d)
        est_design_free(dstd);
    est_design_free(d);
    wt_free(rk);
    free(pl.groups);
    plan_free(&pl);
    std_cells_free(sc);
    columns_free(&col, ndefs);
    return r;
}

void an_free(an_result *r)
{
    if (r == NULL)
        return;
    free(r->groups);
    free(r->cells);
    free(r->tests);
    free(r);
}
