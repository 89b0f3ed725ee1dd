/* towns.c -- several towns' databases read as one survey (see towns.h). */
#include "towns.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "frozen.h"
#include "util.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Keeps s (a new string) for tw_free and returns it. */
static const char *keep(tw_set *tw, char *s)
{
    tw->strings = xrealloc(tw->strings, (tw->nstrings + 1) * sizeof *tw->strings);
    tw->strings[tw->nstrings++] = s;
    return s;
}

static char *join(const char *a, const char *sep, const char *b, const char *end)
{
    int n = snprintf(NULL, 0, "%s%s%s%s", a, sep, b, end);
    char *s = xmalloc((size_t)n + 1);
    snprintf(s, (size_t)n + 1, "%s%s%s%s", a, sep, b, end);
    return s;
}

/* Adds to cat the form versions only db keeps, as `analyzer` does for one database (frozen.h). A database that
 * cannot be opened is left to tw_read, which names it. Returns 0, or -1 with a message. */
static int recorded_versions(catalog *cat, const char *db, diag_list *diags, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    int rc = 0;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        char msg[512];
        sqlite3_busy_timeout(h, 5000);
        int r = frozen_check(h, db, cat, FROZEN_PREFER_RECORDED, diags, msg, sizeof msg);
        if (r > 0) {
            set_err(err, errlen, "--db %s : définitions de formulaire enregistrées illisibles", db);
            rc = -1;
        } else if (r < 0 && strstr(msg, "file is not a database") == NULL) {
            set_err(err, errlen, "--db %s : %s", db, msg);
            rc = -1;
        }
    }
    sqlite3_close(h);
    return rc;
}

/* The definitions of town k must be those of town 0 (same file, same form): the columns are laid out by them. */
static bool same_defs(const ind_set *a, const ind_set *b)
{
    if (ind_count(a) != ind_count(b))
        return false;
    for (size_t i = 0; i < ind_count(a); i++) {
        const ind_def *x = ind_at(a, i), *y = ind_at(b, i);
        if (strcmp(x->id, y->id) != 0 || x->kind != y->kind || x->ncategories != y->ncategories ||
            x->multiple != y->multiple)
            return false;
    }
    return true;
}

/* Town k's margins must rake on the variables and categories of town 0's, in the same order: a record's
 * calibration category is an index into them. */
static bool same_calibration(const mg_margins *a, const mg_margins *b)
{
    if (a->nvars != b->nvars)
        return false;
    for (size_t v = 0; v < a->nvars; v++) {
        if (strcmp(a->vars[v].question, b->vars[v].question) != 0 || a->vars[v].ncat != b->vars[v].ncat)
            return false;
        for (size_t c = 0; c < a->vars[v].ncat; c++)
            if (strcmp(a->vars[v].codes[c], b->vars[v].codes[c]) != 0)
                return false;
    }
    return true;
}

/* Loads town k of spec into tw->towns[k]. Returns 0, or -1 with a message naming the flag. */
static int open_town(tw_set *tw, size_t k, const char *forms_dir, const char *form_id, const char *indicators,
                     const tw_spec *sp, diag_list *diags, char *err, size_t errlen)
{
    tw_town *t = &tw->towns[k];
    t->db = sp->db;
    if ((t->cat = catalog_open_territories(forms_dir, sp->territories, diags)) == NULL) {
        set_err(err, errlen, "%s %s : fichiers illisibles (voir ci-dessus)",
                sp->territories ? "--territories" : "--forms", sp->territories ? sp->territories : forms_dir);
        return -1;
    }
    t->ts = catalog_territories(t->cat);
    if (t->ts == NULL || t->ts->count == 0) {
        set_err(err, errlen, "--territories : aucun territoire pour la base %s", sp->db);
        return -1;
    }
    if (recorded_versions(t->cat, sp->db, diags, err, errlen) != 0)
        return -1;
    const form *f = catalog_current(t->cat, form_id);
    if (f == NULL) {
        set_err(err, errlen, "--form : formulaire %s inconnu dans le dossier des formulaires", form_id);
        return -1;
    }
    char path[4096];
    t->defs = ind_load(indicators ? indicators : ind_default_path(t->cat, form_id, path, sizeof path), t->cat, form_id,
                       diags);
    if (t->defs == NULL) {
        set_err(err, errlen, "--indicators : définitions illisibles (voir ci-dessus)");
        return -1;
    }
    if (k > 0 && !same_defs(tw->towns[0].defs, t->defs)) {
        set_err(err, errlen,
                "--db %s : les indicateurs ne s'y lisent pas comme dans %s (versions du formulaire "
                "différentes)",
                sp->db, tw->towns[0].db);
        return -1;
    }
    if (sp->margins) {
        char msg[512];
        if ((t->mg = mg_load(sp->margins, f, t->ts, msg, sizeof msg)) == NULL) {
            set_err(err, errlen, "--margins %s : %s", sp->margins, msg);
            return -1;
        }
        if (k > 0 && !same_calibration(tw->towns[0].mg, t->mg)) {
            set_err(err, errlen, "--margins %s : les variables et catégories de calage diffèrent de celles de %s",
                    sp->margins, tw->towns[0].db);
            return -1;
        }
    }
    t->insee = t->ts->commune_insee;
    t->name = t->ts->commune_name ? t->ts->commune_name : t->insee;
    if (tw->n > 1 && (t->insee == NULL || t->insee[0] == '\0')) {
        set_err(err, errlen,
                "--territories %s : le fichier ne nomme pas sa commune (« commune » : {« insee », "
                "« name »}) ; plusieurs communes se distinguent par leur code INSEE",
                sp->territories ? sp->territories : forms_dir);
        return -1;
    }
    for (size_t j = 0; tw->n > 1 && j < k; j++)
        if (strcmp(tw->towns[j].insee, t->insee) == 0) {
            set_err(err, errlen,
                    "--db %s : la commune %s est déjà celle de %s ; deux vagues d'une même commune se "
                    "comparent avec --wave sur une seule base",
                    sp->db, t->insee, tw->towns[j].db);
            return -1;
        }
    return 0;
}

/* Two towns' population tables can make one standard population only when they cross the same questions. */
static bool same_population(const terr_set *a, const terr_set *b)
{
    if (a->population_depth != b->population_depth)
        return false;
    for (size_t i = 0; i < a->population_depth; i++)
        if (a->population_by[i] == NULL || b->population_by[i] == NULL ||
            strcmp(a->population_by[i], b->population_by[i]) != 0)
            return false;
    return true;
}

/* The combined territories and margins. */
static void combine(tw_set *tw)
{
    size_t total = 0;
    for (size_t k = 0; k < tw->n; k++)
        tw->towns[k].first = total, total += tw->towns[k].ts->count;
    terr_set *all = tw->all = xcalloc(1, sizeof *all);
    all->items = xcalloc(total, sizeof *all->items);
    all->count = total;
    tw->town_of = xcalloc(total, sizeof *tw->town_of);
    const terr_set *t0 = tw->towns[0].ts;
    bool population = true;
    for (size_t k = 0; k < tw->n; k++) {
        const tw_town *t = &tw->towns[k];
        all->example |= t->ts->example;
        population = population && same_population(t0, t->ts);
        for (size_t i = 0; i < t->ts->count; i++) {
            terr *x = &all->items[t->first + i];
            *x = t->ts->items[i];
            if (tw->n > 1) {
                x->code = keep(tw, join(t->insee, "/", x->code, ""));
                x->name = keep(tw, join(x->name, " (", t->name, ")"));
            }
            tw->town_of[t->first + i] = k;
        }
    }
    if (tw->n == 1) {
        all->commune_insee = t0->commune_insee;
        all->commune_name = t0->commune_name;
    }
    if (population) { /* else no age x sex standardisation: the towns' tables do not add up */
        all->population_by[0] = t0->population_by[0];
        all->population_by[1] = t0->population_by[1];
        all->population_depth = t0->population_depth;
    }
    if (tw->towns[0].mg == NULL)
        return;
    mg_margins *mg = tw->mg = xcalloc(1, sizeof *mg);
    const mg_margins *m0 = tw->towns[0].mg;
    for (size_t k = 0; k < tw->n; k++)
        mg->nterr += tw->towns[k].mg->nterr;
    mg->terr = xcalloc(mg->nterr, sizeof *mg->terr);
    mg->nvars = m0->nvars;
    for (size_t v = 0; v < m0->nvars; v++) {
        mg_var *mv = &mg->vars[v];
        mv->question = xstrdup(m0->vars[v].question);
        mv->ncat = m0->vars[v].ncat;
        mv->codes = xcalloc(mv->ncat, sizeof *mv->codes);
        for (size_t c = 0; c < mv->ncat; c++)
            mv->codes[c] = xstrdup(m0->vars[v].codes[c]);
        mv->pop = xcalloc(mg->nterr * mv->ncat + 1, sizeof *mv->pop);
    }
    size_t at = 0;
    for (size_t k = 0; k < tw->n; k++) {
        const tw_town *t = &tw->towns[k];
        for (size_t i = 0; i < t->mg->nterr; i++, at++) {
            mg->terr[at] = tw->n > 1 ? join(t->insee, "/", t->mg->terr[i], "") : xstrdup(t->mg->terr[i]);
            for (size_t v = 0; v < mg->nvars; v++)
                memcpy(&mg->vars[v].pop[at * mg->vars[v].ncat], &t->mg->vars[v].pop[i * mg->vars[v].ncat],
                       mg->vars[v].ncat * sizeof *mg->vars[v].pop);
        }
    }
}

tw_set *tw_open(const char *forms_dir, const char *form_id, const char *indicators, const tw_spec *spec, size_t n,
                diag_list *diags, char *err, size_t errlen)
{
    if (n == 0 || n > TW_MAX) {
        set_err(err, errlen, "--db : entre 1 et %d bases", TW_MAX);
        return NULL;
    }
    bool weighted = spec[0].margins != NULL;
    for (size_t k = 1; k < n; k++)
        if ((spec[k].margins != NULL) != weighted) {
            set_err(err, errlen, "--margins : un fichier de marges par base (--db), ou aucun");
            return NULL;
        }
    tw_set *tw = xcalloc(1, sizeof *tw);
    tw->n = n;
    tw->towns = xcalloc(n, sizeof *tw->towns);
    for (size_t k = 0; k < n; k++)
        if (open_town(tw, k, forms_dir, form_id, indicators, &spec[k], diags, err, errlen) != 0)
            goto fail;
    combine(tw);
    return tw;
fail:
    tw_free(tw);
    return NULL;
}

void tw_append_columns(columns *dst, const columns *src, size_t ndefs, size_t nvars, int offset)
{
    size_t at = dst->n, n = src->n;
    if (n == 0)
        return;
    size_t cap = at + n;
    dst->stratum = xrealloc(dst->stratum, cap * sizeof *dst->stratum);
    dst->cell = xrealloc(dst->cell, cap * sizeof *dst->cell);
    for (size_t i = 0; i < n; i++)
        dst->stratum[at + i] = src->stratum[i] + offset;
    memcpy(dst->cell + at, src->cell, n * sizeof *dst->cell);
    for (size_t v = 0; v < nvars; v++) {
        dst->mcat[v] = xrealloc(dst->mcat[v], cap * sizeof *dst->mcat[v]);
        memcpy(dst->mcat[v] + at, src->mcat[v], n * sizeof *dst->mcat[v]);
    }
    for (size_t i = 0; i < ndefs; i++) {
        dst->obs[i] = xrealloc(dst->obs[i], cap);
        memcpy(dst->obs[i] + at, src->obs[i], n);
        if (dst->cats[i]) {
            dst->cats[i] = xrealloc(dst->cats[i], cap * sizeof **dst->cats);
            memcpy(dst->cats[i] + at, src->cats[i], n * sizeof **dst->cats);
        }
        if (dst->a[i]) {
            dst->a[i] = xrealloc(dst->a[i], cap * sizeof **dst->a);
            dst->b[i] = xrealloc(dst->b[i], cap * sizeof **dst->b);
            memcpy(dst->a[i] + at, src->a[i], n * sizeof **dst->a);
            memcpy(dst->b[i] + at, src->b[i], n * sizeof **dst->b);
        }
    }
    dst->n = dst->cap = cap;
}

int tw_read(const tw_set *tw, const col_source *src, columns *col, ds_counts *counts, size_t *no_territory,
            col_stats *st, char *err, size_t errlen)
{
    memset(counts, 0, sizeof *counts);
    *no_territory = 0;
    if (st)
        *st = (col_stats){.cached = tw->n > 0};
    for (size_t k = 0; k < tw->n; k++) {
        const tw_town *t = &tw->towns[k];
        col_source s = *src;
        s.cat = t->cat, s.ts = t->ts, s.defs = t->defs, s.mg = t->mg, s.multi = NULL;
        columns one;
        ds_counts c;
        size_t none = 0;
        size_t ndefs = ind_count(t->defs), nvars = t->mg ? t->mg->nvars : 0;
        col_init(&one, t->defs, false);
        char msg[512];
        col_stats one_st;
        if (col_read_stats(t->db, &s, &one, &c, &none, &one_st, msg, sizeof msg) != 0) {
            set_err(err, errlen, "--db %s : %s", t->db, msg);
            col_free(&one, ndefs);
            return -1;
        }
        tw_append_columns(col, &one, ndefs, nvars, (int)t->first);
        col_free(&one, ndefs);
        counts->count += c.count, counts->rejected += c.rejected, counts->unknown_version += c.unknown_version;
        *no_territory += none;
        if (st)
            st->cached = st->cached && one_st.cached, st->derived += one_st.derived,
            st->derive_seconds += one_st.derive_seconds;
    }
    return 0;
}

void tw_free(tw_set *tw)
{
    if (tw == NULL)
        return;
    for (size_t k = 0; k < tw->n; k++) {
        mg_free(tw->towns[k].mg);
        ind_free(tw->towns[k].defs);
        catalog_close(tw->towns[k].cat);
    }
    free(tw->towns);
    if (tw->all)
        free(tw->all->items);
    free(tw->all);
    free(tw->town_of);
    mg_free(tw->mg);
    for (size_t i = 0; i < tw->nstrings; i++)
        free(tw->strings[i]);
    free(tw->strings);
    free(tw);
}
