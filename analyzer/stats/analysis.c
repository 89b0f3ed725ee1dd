/* analysis.c -- indicators by territory from the collector's database (see analysis.h).
 *
 * Two passes: col_read reads every counted record once into columns (columns.h); then each indicator (each
 * category of a distribution) is a "unit": its records are grouped into the few thousand distinct rows no
 * estimate tells apart (grouping.h), and every group's cell, the tests and the suppression are computed on
 * those rows.
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

#include "columns.h"
#include "compare.h"
#include "dataset.h"
#include "estimate.h"
#include "grouping.h"
#include "standardize.h"
#include "util.h"
#include "weights.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *an_calibration_name(an_calibration c)
{
    return c == AN_CAL_COLLAPSED ? "calibration_collapsed" : c == AN_CAL_UNWEIGHTED ? "calibration_unweighted" : "";
}

const char *an_flag_name(int k)
{
    static const char *const names[AN_NFLAGS] = {"neff_lt_30", "ci_width_ge_30",   "ci_relwidth_gt_130", "review_df",
                                                 "review_p01", "no_variance",      "zero_denominator",   "zero_variance"};
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

/* ------------------------------------------------------------------ groups */

typedef struct plan {
    const terr_set *ts;
    size_t nterr;
    an_group *groups;
    size_t ngroups;
    bool *member;        /* [ngroups * nterr] */
    int qpv_group, rest_group, town_group; /* -1 when absent */
    bool multi;          /* records may belong to several territories: groups overlap */
    /* Atoms: the finest sets of records no group splits (disclosure.h). One per territory; for forms answered
     * for several territories, one per combination of territories that some record serves. */
    size_t natom;
    unsigned char *cover; /* [ngroups * natom] group g holds atom a */
    size_t *atom_of;      /* [records] multi only (otherwise the record's territory) */
    /* Several towns (plan_build_towns): per town, its groups (-1 when absent); per group, its town (-1: region). */
    size_t ntowns;
    int *town_qpv, *town_rest, *town_all, *town_versus;
    int *group_town;
} plan;

static void add_group(plan *p, const char *id, const char *label, an_group_kind kind, bool qpv)
{
    p->groups = xrealloc(p->groups, (p->ngroups + 1) * sizeof *p->groups);
    p->groups[p->ngroups++] = (an_group){id, label, kind, qpv, 0, DISC_SHOW, NULL, AN_CAL_RAKED, ""};
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
}

/* ------------------------------------------------------------------ groups of several towns */

/* A string made for the result (freed with it). */
static const char *res_string(an_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *res_string(an_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    r->strings = xrealloc(r->strings, (r->nstrings + 1) * sizeof *r->strings);
    r->strings[r->nstrings++] = s;
    return s;
}

/* Adds a group of town k (-1: the region) and returns its index. */
static int add_town_group(plan *p, const tw_set *tw, int k, const char *id, const char *label, an_group_kind kind)
{
    add_group(p, id, label, kind, false);
    p->groups[p->ngroups - 1].town = k >= 0 ? tw->towns[k].insee : NULL;
    p->group_town = xrealloc(p->group_town, p->ngroups * sizeof *p->group_town);
    p->group_town[p->ngroups - 1] = k;
    return (int)p->ngroups - 1;
}

/* The groups of several towns (analysis.h, an_run_towns). Every group is a union of territories, so the atoms
 * stay the territories and the disclosure rule covers the new groups through member alone. The ids and labels
 * are made into r, which outlives the plan. With one town this is plan_build. */
static void plan_build_towns(plan *p, const tw_set *tw, an_result *r)
{
    const terr_set *ts = tw->all;
    if (tw->n == 1) {
        plan_build(p, ts, false);
        return;
    }
    memset(p, 0, sizeof *p);
    p->ts = ts;
    p->nterr = ts->count;
    p->ntowns = tw->n;
    p->qpv_group = p->rest_group = p->town_group = -1;
    for (size_t t = 0; t < ts->count; t++) {
        add_town_group(p, tw, (int)tw->town_of[t], ts->items[t].code, ts->items[t].name, AN_G_TERRITORY);
        p->groups[t].qpv = ts->items[t].qpv;
    }
    size_t n = tw->n, with_qpv = 0;
    p->town_qpv = xmalloc(n * sizeof *p->town_qpv);
    p->town_rest = xmalloc(n * sizeof *p->town_rest);
    p->town_all = xmalloc(n * sizeof *p->town_all);
    p->town_versus = xmalloc(n * sizeof *p->town_versus);
    for (size_t k = 0; k < n; k++) {
        const tw_town *town = &tw->towns[k];
        size_t nqpv = 0, nrest = 0, lone_rest = 0;
        for (size_t i = 0; i < town->ts->count; i++) {
            if (town->ts->items[i].qpv)
                nqpv++;
            else
                nrest++, lone_rest = town->first + i;
        }
        with_qpv += nqpv > 0;
        p->town_qpv[k] =
            nqpv == 0 ? -1
                      : add_town_group(p, tw, (int)k, res_string(r, "%s/ensemble_qpv", town->insee),
                                       res_string(r, "Ensemble des quartiers prioritaires (%s)", town->name), AN_G_QPV);
        p->town_rest[k] = nrest == 1 ? (int)lone_rest
                          : nrest > 1 ? add_town_group(p, tw, (int)k,
                                                       res_string(r, "%s/reste_commune", town->insee),
                                                       res_string(r, "Reste de la commune (%s)", town->name),
                                                       AN_G_REST)
                                      : -1;
        p->town_all[k] = add_town_group(p, tw, (int)k, res_string(r, "%s/commune", town->insee), town->name,
                                        AN_G_TOWN);
    }
    /* Each town's QPV against the other towns' QPV: with two towns that is the other town's QPV group (the first
     * town against the second); beyond, a group of its own per town. */
    for (size_t k = 0; k < n; k++) {
        p->town_versus[k] = -1;
        if (p->town_qpv[k] < 0 || with_qpv < 2)
            continue;
        if (with_qpv == 2) { /* one test, not its mirror image: Holm would count the same question twice */
            for (size_t j = k + 1; j < n; j++)
                if (p->town_qpv[j] >= 0)
                    p->town_versus[k] = p->town_qpv[j];
        } else {
            p->town_versus[k] = add_town_group(
                p, tw, (int)k, res_string(r, "%s/autres_qpv", tw->towns[k].insee),
                res_string(r, "Quartiers prioritaires des autres communes (hors %s)", tw->towns[k].name),
                AN_G_OTHER_QPV);
        }
    }
    if (with_qpv > 0)
        p->qpv_group = add_town_group(p, tw, -1, "ensemble_qpv", "Ensemble des quartiers prioritaires de la région",
                                      AN_G_QPV);
    p->town_group = add_town_group(p, tw, -1, "region", "Ensemble des communes", AN_G_REGION);

    p->member = xcalloc(p->ngroups * p->nterr, sizeof *p->member);
    for (size_t g = 0; g < p->ngroups; g++) {
        const an_group *gr = &p->groups[g];
        int k = p->group_town[g];
        for (size_t t = 0; t < p->nterr; t++) {
            bool same = k >= 0 && tw->town_of[t] == (size_t)k, qpv = ts->items[t].qpv, in = false;
            switch (gr->kind) {
            case AN_G_TERRITORY: in = t == g; break;
            case AN_G_QPV: in = qpv && (k < 0 || same); break;
            case AN_G_REST: in = !qpv && same; break;
            case AN_G_TOWN: in = same; break;
            case AN_G_REGION: in = true; break;
            case AN_G_OTHER_QPV: in = qpv && !same; break;
            }
            p->member[g * p->nterr + t] = in;
        }
    }
}

/* The atoms of the records read: every territory, or (forms answered for several territories) every set of
 * territories some record serves, with the groups that hold each. */
static void plan_atoms(plan *p, const columns *c)
{
    size_t ng = p->ngroups, nt = p->nterr;
    if (!p->multi) {
        p->natom = nt;
        p->cover = xcalloc(ng * nt, 1);
        for (size_t k = 0; k < ng * nt; k++)
            p->cover[k] = p->member[k];
        return;
    }
    /* Up to 256 territories a set is a 256-bit key; beyond, each record is its own atom (exact, slower). */
    grp_map *gm = grp_new();
    p->atom_of = xmalloc((c->n ? c->n : 1) * sizeof *p->atom_of);
    for (size_t i = 0; i < c->n; i++) {
        uint64_t key[4] = {nt > 256 ? (uint64_t)i : 0, 0, 0, 0};
        for (size_t t = 0; t < nt && nt <= 256; t++)
            if (c->served[i * nt + t])
                key[t / 64] |= (uint64_t)1 << (t % 64);
        p->atom_of[i] = grp_add(gm, key, i);
    }
    p->natom = grp_count(gm);
    const size_t *rep = grp_reps(gm);
    p->cover = xcalloc(ng * p->natom + 1, 1);
    for (size_t g = 0; g < ng; g++)
        for (size_t a = 0; a < p->natom; a++) {
            bool in = (int)g == p->town_group;
            for (size_t t = 0; t < nt && !in; t++)
                in = c->served[rep[a] * nt + t] && p->member[g * nt + t];
            p->cover[g * p->natom + a] = in;
        }
    grp_free(gm);
}

/* The atom of record i. */
static size_t atom_of(const plan *pl, const columns *c, size_t i)
{
    return pl->multi ? pl->atom_of[i] : (size_t)c->stratum[i];
}

static void plan_free(plan *p)
{
    free(p->member);
    free(p->cover);
    free(p->atom_of);
    free(p->town_qpv);
    free(p->town_rest);
    free(p->town_all);
    free(p->town_versus);
    free(p->group_town);
}

/* ------------------------------------------------------------------ weights */

/* Rakes every territory to its margins. Territories without respondents get zero margins (nothing to rake);
 * a territory with respondents and no margins is an error. A territory whose respondents leave a category
 * empty falls back as analysis.h states (cal[g] and notes[g] say how; both have ts->count entries). */
static wt_raking *rake(const columns *c, const mg_margins *mg, const terr_set *ts, an_calibration *cal,
                       char (*notes)[384], char *err, size_t errlen)
{
    size_t ng = ts->count;
    long *count = xcalloc(ng, sizeof *count);
    double *base = xmalloc(c->n * sizeof *base);
    wt_margin margin[MG_MAX_VARS];
    double *pop[MG_MAX_VARS] = {0};
    int *cat[MG_MAX_VARS] = {0};
    const char **names = xcalloc(ng, sizeof *names);
    wt_raking *rk = NULL;
    long *raked = xcalloc(ng, sizeof *raked);
    bool *needs = NULL;
    for (size_t i = 0; i < c->n; i++) {
        base[i] = 1;
        count[c->stratum[i]]++;
        bool known = true;
        for (size_t v = 0; v < mg->nvars; v++)
            known &= c->mcat[v][i] >= 0;
        raked[c->stratum[i]] += known;
    }
    for (size_t g = 0; g < ng; g++)
        names[g] = ts->items[g].code;
    for (size_t v = 0; v < mg->nvars; v++) {
        const mg_var *mv = &mg->vars[v];
        pop[v] = xcalloc(ng * mv->ncat, sizeof *pop[v]);
        cat[v] = xmalloc((c->n ? c->n : 1) * sizeof *cat[v]);
        memcpy(cat[v], c->mcat[v], c->n * sizeof *cat[v]);
        for (size_t g = 0; g < ng; g++) {
            int mt = mg_territory(mg, ts->items[g].code);
            if (mt < 0 && count[g] > 0) {
                set_err(err, errlen, "le territoire %s a %ld répondant(s) mais aucune marge dans le fichier de marges",
                        ts->items[g].code, count[g]);
                goto done;
            }
            /* nothing to rake where nobody can be raked: those respondents are left out and counted */
            for (size_t k = 0; mt >= 0 && raked[g] > 0 && k < mv->ncat; k++)
                pop[v][g * mv->ncat + k] = mv->pop[(size_t)mt * mv->ncat + k];
        }
    }
    wt_fallback_margin fm[MG_MAX_VARS];
    for (size_t v = 0; v < mg->nvars; v++)
        fm[v] = (wt_fallback_margin){mg->vars[v].question, mg->vars[v].ncat, cat[v], pop[v],
                                     (const char *const *)mg->vars[v].codes, mg_ordered(&mg->vars[v])};
    /* Which territories need the fallback, from one pass over the records (wt_fallback reads them all for the
     * one territory it is given). */
    needs = xcalloc(ng, sizeof *needs);
    for (size_t v = 0; v < mg->nvars; v++) {
        size_t K = mg->vars[v].ncat;
        long *cnt = xcalloc(ng * K, sizeof *cnt);
        for (size_t i = 0; i < c->n; i++) {
            bool known = true;
            for (size_t u = 0; u < mg->nvars; u++)
                known &= c->mcat[u][i] >= 0;
            if (known)
                cnt[(size_t)c->stratum[i] * K + (size_t)c->mcat[v][i]]++;
        }
        for (size_t k = 0; k < ng * K; k++)
            needs[k / K] |= (pop[v][k] > 0) != (cnt[k] > 0);
        free(cnt);
    }
    for (size_t g = 0; g < ng; g++) {
        cal[g] = AN_CAL_RAKED;
        notes[g][0] = '\0';
        if (raked[g] > 0 && needs[g]) {
            wt_fallback_kind k = wt_fallback(c->n, c->stratum, g, mg->nvars, fm, notes[g], sizeof notes[g]);
            cal[g] = k == WT_FB_COLLAPSED ? AN_CAL_COLLAPSED : k == WT_FB_UNWEIGHTED ? AN_CAL_UNWEIGHTED : AN_CAL_RAKED;
        }
    }
    for (size_t v = 0; v < mg->nvars; v++) {
        const mg_var *mv = &mg->vars[v];
        margin[v] = (wt_margin){mv->question, mv->ncat, cat[v], pop[v], (const char *const *)mv->codes};
    }
    wt_input win = {c->n, base, ng, c->stratum, names, mg->nvars, margin};
    rk = wt_rake(&win, NULL, err, errlen);
done:
    for (size_t v = 0; v < mg->nvars; v++) {
        free(pop[v]);
        free(cat[v]);
    }
    free(needs);
    free(raked);
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
    size_t nbase;           /* distinct base patterns */
    grp_map *gm;
    long *slot;             /* [nbase * 4] proportions: the row of (base, in, event), -1 when none yet */
    size_t *frep;           /* [nbase * 4] proportions: the rows' first record and count */
    double *fcnt;
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
    long *atom_n, *atom_other, *atom_nsp, *atom_refus; /* [natom] scratch for the disclosure rule */
    an_result *res;
    size_t cells_cap, tests_cap;
} work;

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
        *y1 = (c->obs[ind][i] & COL_EVENT) ? 1 : 0;
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

/* The rows of a proportion's unit: the outcome is 0 or 1, so the key (base pattern, in the denominator, event)
 * is a small number that indexes an array: no hashing, the same rows in the same order (of first appearance)
 * as grp_add would give. A million records take a few milliseconds per unit instead of tens. */
static void group_binary(work *w, size_t ind, unit_mode mode, int category)
{
    const columns *c = w->col;
    memset(w->slot, 0xff, w->nbase * 4 * sizeof *w->slot);
    size_t m = 0;
    for (size_t i = 0; i < c->n; i++) {
        double y1, y2;
        outcome(c, ind, mode, category, i, &y1, &y2);
        size_t k = w->base[i] * 4 + ((c->obs[ind][i] & 3u) == IND_IN) * 2 + (y1 != 0);
        if (w->slot[k] < 0) {
            w->slot[k] = (long)m;
            w->frep[m] = i;
            w->fcnt[m++] = 0;
        }
        w->fcnt[w->slot[k]] += 1;
    }
    w->m = m;
    w->rep = w->frep;
    w->cnt = w->fcnt;
}

/* Groups the records for the unit and builds its rows and designs. Records of forms answered for several
 * territories are never grouped (their group membership is their own). Returns 0, or -1 when a design cannot
 * be built (not expected: the full design was valid). */
static int unit_rows(work *w, size_t ind, unit_mode mode, int category)
{
    const columns *c = w->col;
    bool group = !w->pl->multi && !w->opt->no_grouping;
    if (group && (mode == U_EVENT || mode == U_CATEGORY)) {
        group_binary(w, ind, mode, category);
    } else {
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
    }
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
    const unsigned char *cov = &pl->cover[g * pl->natom];
    const double *wt = est_design_weights(w->du);
    long n = 0;
    for (size_t j = 0; j < w->m; j++) {
        dom[j] = w->in[j] && wt[j] > 0 && cov[atom_of(pl, w->col, w->rep[j])];
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
    if (x == 0 || x == n) /* the interval rests on the degenerate rule, as the weighted path says */
        cell->flags |= AN_FLAG_P01;
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
        cell->flags |= m->zero_variance ? AN_FLAG_ZERO_VARIANCE : AN_FLAG_P01;
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
    if (r.zero_variance) /* the zero-variance rule: a point "interval" would claim a certainty nobody has */
        cell->flags |= AN_FLAG_ZERO_VARIANCE;
    else if (r.df >= 1 && est_wald_interval(r.mean, r.se, w->opt->level, (double)r.df, &ci) == EST_OK)
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
    /* The zero-variance rule of estimate.h, on the scale of the ratio and of the rows' own ratios. */
    double rmin = INFINITY, rmax = -INFINITY;
    for (size_t j = 0; j < w->m; j++)
        if (w->dom[j] && w->b[j] != 0)
            rmin = fmin(rmin, w->a[j] / w->b[j]), rmax = fmax(rmax, w->a[j] / w->b[j]);
    int vrc = est_influence_vcov(w->du, u, 1, w->dom, &V);
    if (vrc == EST_OK && est_se_is_zero(sqrt(V), est_scale(R, rmin, rmax))) {
        cell->se = 0;
        cell->flags |= AN_FLAG_ZERO_VARIANCE;
    } else if (vrc == EST_OK && df >= 1 && est_wald_interval(R, sqrt(V), w->opt->level, (double)df, &ci) == EST_OK) {
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
            /* The zero-variance rule: the standardised point without an interval (the cell's own estimate
             * carries the flag when its variance is zero too). */
            cell->has_std_ci = !out[t].zero_variance;
        }
    }
    free(out);
}

/* Rao-Scott (weighted) or Pearson (unweighted) test across territories of the outcome codes in colv (-1 outside
 * the denominator). Territories whose cells are suppressed are left out of the test: with the other
 * territories published, its statistic could give their counts away. */
static void test_territories(work *w, size_t ind, int category, const an_cell *cells)
{
    for (size_t j = 0; j < w->m; j++)
        w->row[j] = w->colv[j] >= 0 && cells[w->stratum[j]].suppressed == DISC_SHOW ? w->stratum[j] : -1;
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

/* One difference, group g minus group versus (disjoint: different territories), with its interval and p. */
static void diff_test(work *w, size_t ind, int category, const an_cell *cells, size_t g, size_t versus)
{
    group_domain(w, g, w->dom);
    group_domain(w, versus, w->dom2);
    cmp_diff_result r;
    if (cmp_diff(w->du, w->y, w->dom, w->dom2, w->opt->level, &r) != EST_OK)
        return;
    an_test *t = new_test(w);
    t->kind = AN_T_DIFF;
    t->indicator = ind;
    t->category = category;
    t->group = g;
    t->versus = versus;
    t->suppressed = cells[g].suppressed != DISC_SHOW || cells[versus].suppressed != DISC_SHOW;
    t->statistic = r.t;
    t->ndf = (double)r.df;
    t->p = r.p;
    t->diff = r.diff;
    t->lower = r.lower;
    t->upper = r.upper;
}

/* Each QPV and all QPV together against the rest of the town. */
static void test_differences(work *w, size_t ind, int category, const an_cell *cells)
{
    const plan *pl = w->pl;
    if (pl->rest_group < 0)
        return;
    for (size_t g = 0; g < pl->ngroups; g++)
        if (pl->groups[g].qpv || (int)g == pl->qpv_group)
            diff_test(w, ind, category, cells, g, (size_t)pl->rest_group);
}

/* Several towns: within each town, each QPV and its QPV together against the rest of that town (as for one town);
 * then each town's QPV together against the other towns' QPV, the regional analyst's question. */
static void test_towns(work *w, size_t ind, int category, const an_cell *cells)
{
    const plan *pl = w->pl;
    for (size_t k = 0; k < pl->ntowns; k++) {
        int rest = pl->town_rest[k];
        for (size_t g = 0; rest >= 0 && g < pl->ngroups; g++)
            if (pl->group_town[g] == (int)k &&
                ((pl->groups[g].kind == AN_G_TERRITORY && pl->groups[g].qpv) || (int)g == pl->town_qpv[k]))
                diff_test(w, ind, category, cells, g, (size_t)rest);
    }
    for (size_t k = 0; k < pl->ntowns; k++)
        if (pl->town_qpv[k] >= 0 && pl->town_versus[k] >= 0)
            diff_test(w, ind, category, cells, (size_t)pl->town_qpv[k], (size_t)pl->town_versus[k]);
}

/* Per group, the respondents of the design whose answer to the indicator's item was nsp, or refus; per atom,
 * both together into other (pl->natom entries). */
static void count_missing(work *w, size_t ind, an_cell *cells, long *other)
{
    const plan *pl = w->pl;
    const columns *c = w->col;
    const double *wt = est_design_weights(w->d);
    long *nsp = w->atom_nsp, *refus = w->atom_refus;
    memset(nsp, 0, pl->natom * sizeof *nsp);
    memset(refus, 0, pl->natom * sizeof *refus);
    for (size_t i = 0; i < c->n; i++) {
        unsigned st = c->obs[ind][i] & 3u;
        if ((st == IND_NSP || st == IND_REFUS) && wt[i] > 0)
            (st == IND_NSP ? nsp : refus)[atom_of(pl, c, i)]++;
    }
    for (size_t a = 0; a < pl->natom; a++)
        other[a] = nsp[a] + refus[a];
    for (size_t g = 0; g < pl->ngroups; g++)
        for (size_t a = 0; a < pl->natom; a++)
            if (pl->cover[g * pl->natom + a])
                cells[g].nsp += nsp[a], cells[g].refus += refus[a];
}

/* Applies the minimum-n rule to the unit's cells (one per group): judged on each group's denominator, with the
 * nsp and refus answers (other, per atom) as respondents the cells describe too. */
static void suppress(work *w, an_cell *cells, const long *other)
{
    const plan *pl = w->pl;
    const double *wt = est_design_weights(w->du);
    long *cell_n = xmalloc(pl->ngroups * sizeof *cell_n);
    disc_status *st = xmalloc(pl->ngroups * sizeof *st);
    memset(w->atom_n, 0, pl->natom * sizeof *w->atom_n);
    for (size_t j = 0; j < w->m; j++)
        if (w->in[j] && wt[j] > 0)
            w->atom_n[atom_of(pl, w->col, w->rep[j])] += (long)w->cnt[j];
    for (size_t g = 0; g < pl->ngroups; g++)
        cell_n[g] = cells[g].n;
    disc_table t = {pl->natom, pl->ngroups, w->atom_n, other, cell_n, pl->cover};
    bool ok = disc_protect(&t, w->opt->min_n, st) == 0; /* not expected to fail: publish nothing then */
    for (size_t g = 0; g < pl->ngroups; g++)
        cells[g].suppressed = ok ? st[g] : DISC_PRIMARY;
    free(st);
    free(cell_n);
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
        if (cell->n == 0) { /* suppressed below: nothing to estimate, nothing to flag */
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
    count_missing(w, ind, cells, w->atom_other);
    if (w->dstdu && def->kind != IND_RATIO)
        standardise(w, cells, proportion);
    suppress(w, cells, w->atom_other);
    if (!pl->multi) { /* overlapping groups: neither test applies */
        if (proportion && !(def->kind == IND_DISTRIBUTION && !def->multiple)) {
            for (size_t j = 0; j < w->m; j++)
                w->colv[j] = w->in[j] ? (int)w->y[j] : -1;
            test_territories(w, ind, category, cells);
        }
        if (def->kind != IND_RATIO && pl->ntowns > 1)
            test_towns(w, ind, category, cells);
        else if (def->kind != IND_RATIO)
            test_differences(w, ind, category, cells);
    }
    unit_free(w);
    return 0;
}

/* A single-choice distribution is one table: territories x categories. */
static int test_distribution(work *w, size_t ind)
{
    const an_cell *cells = NULL; /* the first category's: every category has the same n, hence suppression */
    for (size_t i = 0; i < w->res->ncells && cells == NULL; i++)
        if (w->res->cells[i].indicator == ind)
            cells = &w->res->cells[i];
    if (cells == NULL || unit_rows(w, ind, U_CATEGORY_INDEX, -1) != 0)
        return cells == NULL ? 0 : -1;
    for (size_t j = 0; j < w->m; j++)
        w->colv[j] = w->in[j] ? (int)w->y[j] : -1;
    test_territories(w, ind, -1, cells);
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
    long *n = xcalloc(pl->ngroups, sizeof *n), *per = xcalloc(pl->natom, sizeof *per);
    disc_status *st = xmalloc(pl->ngroups * sizeof *st);
    const double *wt = est_design_weights(d);
    for (size_t i = 0; i < c->n; i++)
        per[atom_of(pl, c, i)] += wt[i] > 0;
    for (size_t g = 0; g < pl->ngroups; g++)
        for (size_t a = 0; a < pl->natom; a++)
            n[g] += pl->cover[g * pl->natom + a] ? per[a] : 0;
    disc_table t = {pl->natom, pl->ngroups, per, NULL, n, pl->cover};
    if (disc_protect(&t, min_n, st) != 0) /* not expected: the counts are ours; publish nothing then */
        for (size_t g = 0; g < pl->ngroups; g++)
            st[g] = DISC_PRIMARY;
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
    w->nbase = grp_count(g);
    grp_free(g);
}

/* The scratch arrays of one estimating thread. */
static void work_alloc(work *w)
{
    size_t n = w->col->n;
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
    w->atom_n = xmalloc(w->pl->natom * sizeof *w->atom_n);
    w->atom_other = xmalloc(w->pl->natom * sizeof *w->atom_other);
    w->atom_nsp = xmalloc(w->pl->natom * sizeof *w->atom_nsp);
    w->atom_refus = xmalloc(w->pl->natom * sizeof *w->atom_refus);
    w->slot = xmalloc((w->nbase * 4 + 1) * sizeof *w->slot);
    w->frep = xmalloc((w->nbase * 4 + 1) * sizeof *w->frep);
    w->fcnt = xmalloc((w->nbase * 4 + 1) * sizeof *w->fcnt);
}

static void work_release(work *w)
{
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
    free(w->atom_n);
    free(w->atom_other);
    free(w->atom_nsp);
    free(w->atom_refus);
    free(w->slot);
    free(w->frep);
    free(w->fcnt);
}

/* Every unit of indicator ind, into w->res. */
static int analyse_indicator(work *w, size_t ind)
{
    const ind_def *def = ind_at(w->defs, ind);
    if (def->kind != IND_DISTRIBUTION)
        return run_unit(w, ind, -1);
    int rc = 0;
    for (size_t k = 0; k < def->ncategories && rc == 0; k++)
        rc = run_unit(w, ind, (int)k);
    if (rc == 0 && !def->multiple && !w->pl->multi)
        rc = test_distribution(w, ind);
    return rc;
}

/* The indicators are independent: threads take the next one not yet taken, each into its own result (slot),
 * and the slots are joined in the definitions' order, so that the output is the same as one thread's. */
typedef struct pool {
    const work *tmpl;
    an_result *slot;        /* [ndefs] */
    size_t ndefs;
    size_t next;            /* the next indicator to take, under lock */
    int rc;
    pthread_mutex_t lock;
} pool;

static void *pool_main(void *arg)
{
    pool *p = arg;
    work w = *p->tmpl;
    work_alloc(&w);
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t ind = p->rc == 0 ? p->next++ : p->ndefs;
        pthread_mutex_unlock(&p->lock);
        if (ind >= p->ndefs)
            break;
        w.res = &p->slot[ind];
        w.cells_cap = w.tests_cap = 0;
        if (analyse_indicator(&w, ind) != 0) {
            pthread_mutex_lock(&p->lock);
            p->rc = -1;
            pthread_mutex_unlock(&p->lock);
        }
    }
    work_release(&w);
    return NULL;
}

#define MAX_ESTIMATORS 8

static int analyse(work *w, size_t nvars, char *err, size_t errlen)
{
    size_t ndefs = ind_count(w->defs);
    base_patterns(w, nvars);
    pool p = {.tmpl = w, .slot = xcalloc(ndefs + 1, sizeof *p.slot), .ndefs = ndefs};
    pthread_mutex_init(&p.lock, NULL);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t k = ncpu > 1 ? (size_t)(ncpu < MAX_ESTIMATORS ? ncpu : MAX_ESTIMATORS) : 1;
    if (k > ndefs)
        k = ndefs ? ndefs : 1;
    pthread_t *th = xcalloc(k, sizeof *th);
    bool *started = xcalloc(k, sizeof *started);
    for (size_t t = 1; t < k; t++)
        started[t] = pthread_create(&th[t], NULL, pool_main, &p) == 0;
    pool_main(&p); /* this thread takes its share; a thread that could not start leaves its share to the others */
    for (size_t t = 1; t < k; t++)
        if (started[t])
            pthread_join(th[t], NULL);
    pthread_mutex_destroy(&p.lock);
    an_result *r = w->res;
    for (size_t i = 0; i < ndefs; i++) {
        an_result *s = &p.slot[i];
        r->cells = xrealloc(r->cells, (r->ncells + s->ncells + 1) * sizeof *r->cells);
        /* memcpy's source may not be NULL even for no byte (C11 7.24.1): a definition with no cell or no test */
        if (s->ncells > 0)
            memcpy(r->cells + r->ncells, s->cells, s->ncells * sizeof *r->cells);
        r->ncells += s->ncells;
        r->tests = xrealloc(r->tests, (r->ntests + s->ntests + 1) * sizeof *r->tests);
        if (s->ntests > 0)
            memcpy(r->tests + r->ntests, s->tests, s->ntests * sizeof *r->tests);
        r->ntests += s->ntests;
        free(s->cells);
        free(s->tests);
    }
    free(p.slot);
    free(th);
    free(started);
    free(w->base);
    if (p.rc != 0)
        set_err(err, errlen, "regroupement des réponses impossible");
    adjust(r, 1 - w->opt->level);
    return p.rc;
}

/* ------------------------------------------------------------------ one database or several towns */

/* What an analysis reads: one database with the catalog's territories (an_run), or several towns (an_run_towns),
 * whose territories and margins are the combined ones. */
typedef struct an_input {
    const char *db;     /* one database, or NULL */
    const tw_set *tw;   /* several towns, or NULL */
    const catalog *cat;
    const terr_set *ts;
    const mg_margins *mg;
} an_input;

static int read_input(const an_input *in, const col_source *src, columns *col, ds_counts *counts,
                      size_t *no_territory, col_stats *st, char *err, size_t errlen)
{
    return in->tw ? tw_read(in->tw, src, col, counts, no_territory, st, err, errlen)
                  : col_read_stats(in->db, src, col, counts, no_territory, st, err, errlen);
}

/* The comparability notes over every database read: an indicator is flagged when any town's versions flag it. */
static ver_notes *input_versions(const an_input *in, const ind_set *defs, const ds_filter *filter)
{
    if (in->tw == NULL)
        return ver_check_db(in->db, in->cat, defs, filter);
    ver_notes *all = ver_check_db(in->tw->towns[0].db, in->tw->towns[0].cat, defs, filter);
    for (size_t k = 1; k < in->tw->n; k++) {
        ver_notes *one = ver_check_db(in->tw->towns[k].db, in->tw->towns[k].cat, in->tw->towns[k].defs, filter);
        for (size_t i = 0; i < all->count && i < one->count; i++)
            if (all->note[i] == NULL && one->note[i] != NULL) {
                all->note[i] = one->note[i];
                one->note[i] = NULL;
                all->flagged++;
            }
        ver_free(one);
    }
    return all;
}

static an_result *run(const an_input *in, const ind_set *defs, const an_options *opt, char *err, size_t errlen);

an_result *an_run(const char *db_path, const catalog *cat, const ind_set *defs, const mg_margins *mg,
                  const an_options *opt, char *err, size_t errlen)
{
    const terr_set *ts = catalog_territories(cat);
    if (ts == NULL || ts->count == 0) {
        set_err(err, errlen, "le dossier des formulaires n'a pas de fichier de territoires");
        return NULL;
    }
    an_input in = {db_path, NULL, cat, ts, mg};
    return run(&in, defs, opt, err, errlen);
}

an_result *an_run_towns(const tw_set *tw, const an_options *opt, char *err, size_t errlen)
{
    an_input in = {NULL, tw, tw->towns[0].cat, tw->all, tw->mg};
    return run(&in, tw->towns[0].defs, opt, err, errlen);
}

static an_result *run(const an_input *in, const ind_set *defs, const an_options *opt, char *err, size_t errlen)
{
    const catalog *cat = in->cat;
    const terr_set *ts = in->ts;
    const mg_margins *mg = in->mg;
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
    if (multi && in->tw) {
        set_err(err, errlen, "--db : les réponses de %s couvrent plusieurs territoires (%s) ; plusieurs communes ne "
                "s'analysent ensemble que pour un formulaire d'un seul territoire par réponse", cur->id, multi->id);
        return NULL;
    }
    columns col;
    col_init(&col, defs, multi != NULL);
    std_cells *sc = multi ? NULL : col_std_cells_new(ts);
    col_source src = {cat, ts, defs, mg, sc, multi, opt->today, opt->filter, opt->progress, opt->progress_ctx};
    an_result *r = xcalloc(1, sizeof *r);
    plan pl;
    if (in->tw)
        plan_build_towns(&pl, in->tw, r);
    else
        plan_build(&pl, ts, multi != NULL);
    r->ntowns = in->tw ? in->tw->n : 1;
    wt_raking *rk = NULL;
    est_design *d = NULL, *dstd = NULL;
    ds_counts counts;
    r->form_id = ind_form_id(defs);
    double t0 = now();
    col_stats cst = {0};
    if (read_input(in, &src, &col, &counts, &r->no_territory, &cst, err, errlen) != 0)
        goto fail;
    r->cached = cst.cached, r->derived = cst.derived, r->seconds_derive = cst.derive_seconds;
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
    r->versions = input_versions(in, defs, opt->filter);
    r->groups = xmalloc(pl.ngroups * sizeof *r->groups);
    memcpy(r->groups, pl.groups, pl.ngroups * sizeof *r->groups);
    r->ngroups = pl.ngroups;
    if (col.n == 0) {
        set_err(err, errlen, "aucune réponse du formulaire %s n'est rattachée à un territoire du fichier",
                r->form_id);
        goto fail;
    }
    plan_atoms(&pl, &col);
    if (mg) {
        an_calibration *cal = xcalloc(ts->count, sizeof *cal);
        char(*notes)[384] = xcalloc(ts->count, sizeof *notes);
        rk = rake(&col, mg, ts, cal, notes, err, errlen);
        /* groups 0 .. count - 1 are the territories, in the file's order (plan_build) */
        for (size_t g = 0; rk != NULL && g < ts->count; g++) {
            r->groups[g].calibration = cal[g];
            snprintf(r->groups[g].calibration_note, sizeof r->groups[g].calibration_note, "%s", notes[g]);
        }
        free(notes);
        free(cal);
        if (rk == NULL)
            goto fail;
        r->left_out_calibration = wt_left_out(rk);
        for (size_t g = 0; g < ts->count; g++)
            if (!wt_group_converged(rk, g) && r->unconverged++ < 8)
                r->unconverged_ids[r->unconverged - 1] = ts->items[g].code;
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
    if (dstd && r->ntowns > 1)
        snprintf(r->std_note, sizeof r->std_note, "structure par âge et sexe de la population de l'ensemble des "
                 "communes (fichiers des territoires)");
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
    col_std_cells_free(sc);
    col_free(&col, ndefs);
    return r;
}

void an_free(an_result *r)
{
    if (r == NULL)
        return;
    free(r->groups);
    free(r->cells);
    free(r->tests);
    ver_free(r->versions);
    for (size_t i = 0; i < r->nstrings; i++)
        free(r->strings[i]);
    free(r->strings);
    free(r);
}
