/* profile.c -- counts of who answered and of non-response (see profile.h). */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "dataset.h"
#include "util.h"

static int index_of(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(list[i], s) == 0)
            return (int)i;
    return -1;
}

static size_t terr_row(const profile *p, const terr_set *ts, const char *code)
{
    const terr *t = code && ts ? terr_find(ts, code) : NULL;
    return t ? (size_t)(t - ts->items) : p->nterr;
}

typedef struct scan {
    profile *p;
    const terr_set *ts;
} scan;

/* What one record says about each question of the current version: asked (by its own version's skip logic),
 * answered, nsp, refus. */
static void count_items(profile *p, const ds_record *r)
{
    for (size_t k = 0; k < p->nitems; k++) {
        prof_item *it = &p->items[k];
        const form_question *q = form_question_by_id(r->version, it->q->id);
        if (q == NULL || !r->relevant[q->index])
            continue;
        it->asked++;
        const json_t *v = json_object_get(r->answers, q->id);
        const char *s = json_string_value(v);
        if (v == NULL)
            it->blank++;
        else if (s && strcmp(s, "nsp") == 0)
            it->nsp++;
        else if (s && strcmp(s, "refus") == 0)
            it->refus++;
        else if (json_is_array(v) && json_array_size(v) == 1 && json_is_string(json_array_get(v, 0)) &&
                 strcmp(json_string_value(json_array_get(v, 0)), "refus") == 0)
            it->refus++;
        else
            it->answered++;
    }
}

static int count_record(void *ctx, const ds_record *r)
{
    scan *sc = ctx;
    profile *p = sc->p;
    size_t t = terr_row(p, sc->ts, r->territory);
    p->records++;
    p->channel[t * PROF_NCHANNEL + (r->channel && strcmp(r->channel, "paper") == 0 ? PROF_PAPER : PROF_WEB)]++;
    int l = index_of(p->f->languages, p->nlang, r->lang);
    if (l >= 0)
        p->lang[t * p->nlang + (size_t)l]++;
    if (p->nage) {
        int a = index_of(p->age, p->nage, json_string_value(json_object_get(r->answers, sc->ts->population_by[0])));
        int s = index_of(p->sex, p->nsex, json_string_value(json_object_get(r->answers, sc->ts->population_by[1])));
        if (a >= 0 && s >= 0)
            p->agesex[(t * p->nage + (size_t)a) * p->nsex + (size_t)s]++;
    }
    count_items(p, r);
    return 0;
}

/* The population cells: the codes of the first territory's population table. */
static void population_cells(profile *p, const terr_set *ts)
{
    const json_t *pop = NULL;
    for (size_t t = 0; ts && ts->population_depth == 2 && t < ts->count && pop == NULL; t++)
        pop = ts->items[t].population;
    if (!json_is_object(pop) || json_object_size(pop) == 0)
        return;
    p->age = xcalloc(json_object_size(pop), sizeof *p->age);
    const char *a, *b;
    json_t *row, *v;
    json_object_foreach((json_t *)pop, a, row) {
        p->age[p->nage++] = a;
        if (p->sex == NULL && json_is_object(row)) {
            p->sex = xcalloc(json_object_size(row), sizeof *p->sex);
            json_object_foreach(row, b, v) p->sex[p->nsex++] = b;
        }
    }
}

/* Paper sheets by status, and the fields reconciliations decided. */
static int count_sheets(profile *p, const char *db_path, const char *form_id, char *err, size_t errlen)
{
    static const char *const names[PROF_NSTATUS] = {"single", "awaiting_second", "verified", "discrepant",
                                                    "reconciled"};
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT status, decisions FROM sheets WHERE form_id = ?", -1, &st, NULL) !=
            SQLITE_OK) {
        snprintf(err, errlen, "lecture des feuilles de %s : %s", db_path, db ? sqlite3_errmsg(db) : "mémoire");
        goto done;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int k = index_of(names, PROF_NSTATUS, (const char *)sqlite3_column_text(st, 0));
        if (k >= 0)
            p->sheets[k]++;
        const char *decisions = (const char *)sqlite3_column_text(st, 1);
        json_t *d = decisions ? json_loads(decisions, 0, NULL) : NULL;
        p->differing_fields += (long)json_array_size(d);
        json_decref(d);
    }
    if (step != SQLITE_DONE)
        snprintf(err, errlen, "lecture des feuilles de %s : %s", db_path, sqlite3_errmsg(db));
    else
        rc = 0;
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

profile *prof_scan(const char *db_path, const catalog *c, const char *form_id, const ds_filter *filter, char *err,
                   size_t errlen)
{
    const form *f = catalog_current(c, form_id);
    const terr_set *ts = catalog_territories(c);
    if (f == NULL) {
        snprintf(err, errlen, "formulaire « %s » inconnu", form_id);
        return NULL;
    }
    profile *p = xcalloc(1, sizeof *p);
    p->f = f;
    p->nterr = ts ? ts->count : 0;
    p->nlang = f->nlanguages;
    p->channel = xcalloc((p->nterr + 1) * PROF_NCHANNEL, sizeof *p->channel);
    p->lang = xcalloc((p->nterr + 1) * (p->nlang + 1), sizeof *p->lang);
    population_cells(p, ts);
    p->agesex = xcalloc((p->nterr + 1) * (p->nage * p->nsex + 1), sizeof *p->agesex);
    p->items = xcalloc(f->nquestions + 1, sizeof *p->items);
    for (size_t i = 0; i < f->nquestions; i++)
        if (f->questions[i].type != FQ_NOTE)
            p->items[p->nitems++].q = &f->questions[i];
    scan sc = {p, ts};
    ds_counts counts;
    if (ds_scan_range(db_path, c, form_id, INT64_MIN, INT64_MAX, filter, count_record, &sc, &counts, err, errlen) !=
            0 ||
        count_sheets(p, db_path, form_id, err, errlen) != 0) {
        prof_free(p);
        return NULL;
    }
    return p;
}

void prof_free(profile *p)
{
    if (p == NULL)
        return;
    free(p->channel);
    free(p->lang);
    free(p->age);
    free(p->sex);
    free(p->agesex);
    free(p->items);
    free(p);
}
