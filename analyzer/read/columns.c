/* columns.c -- reading the answers into columns (see columns.h). */
#include "columns.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "form.h"
#include "util.h"

#define PROGRESS_EVERY 65536

typedef struct scan_ctx {
    const catalog *cat;
    const terr_set *ts;
    const ind_set *defs;
    const mg_margins *mg;
    const std_cells *sc;
    void (*progress)(void *ctx, size_t records);
    void *progress_ctx;
    columns *col;
    ind_obs *scratch;
    const form_question *multi;  /* the multiple territory question, or NULL */
    const ds_filter *filter;
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
void col_init(columns *c, const ind_set *defs, bool multi)
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
    if (n == 0) /* a reader that failed or had nothing: its arrays may be NULL */
        return;
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

void col_free(columns *c, size_t ndefs)
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
    if (++sx->seen % PROGRESS_EVERY == 0 && sx->report && sx->progress)
        sx->progress(sx->progress_ctx, sx->seen * sx->scale);
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
        c->obs[k][i] = (uint8_t)(o->state | (o->event ? COL_EVENT : 0));
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
    rd->rc = ds_scan_range(rd->db, rd->sx.cat, ind_form_id(rd->sx.defs), rd->lo, rd->hi, rd->sx.filter, keep_record,
                           &rd->sx, &rd->counts, rd->err, sizeof rd->err);
    return NULL;
}

#define MAX_READERS 8
#define RECORDS_PER_READER 50000 /* below this a second thread costs more than it saves */

/* Reads every record into col, in several threads when the machine and the database are large enough: parsing
 * and checking a million JSON answers is most of an analysis. sx is the template of the readers' contexts. */
static int read_parts(const char *db, const scan_ctx *sx, columns *col, ds_counts *counts, size_t *no_territory,
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
        col_init(&rd[t].col, sx->defs, sx->multi != NULL);
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
        col_free(&rd[t].col, ndefs);
        free(rd[t].sx.scratch);
    }
    free(rd);
    return rc;
}

/* The age x sex cells of the territories file (population_by), with the town's population of each. NULL when the
 * file has no two-level population. */
std_cells *col_std_cells_new(const terr_set *ts)
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

void col_std_cells_free(std_cells *sc)
{
    if (sc == NULL)
        return;
    free(sc->acode);
    free(sc->bcode);
    free(sc->pop);
    free(sc);
}

int col_read(const char *db, const col_source *src, columns *col, ds_counts *counts, size_t *no_territory, char *err,
             size_t errlen)
{
    scan_ctx sx = {src->cat, src->ts, src->defs, src->mg, src->sc, src->progress, src->progress_ctx, NULL, NULL,
                   src->multi, src->filter, 0, 0, false, 1, {0}};
    if (src->today)
        snprintf(sx.today, sizeof sx.today, "%s", src->today);
    else
        util_today(sx.today);
    return read_parts(db, &sx, col, counts, no_territory, err, errlen);
}
