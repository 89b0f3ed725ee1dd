/* columns.c -- reading the answers into columns (see columns.h). */
/* madvise(MADV_DONTNEED) is not POSIX (glibc's posix_madvise ignores POSIX_MADV_DONTNEED): this file alone asks
 * for the system's own interface. */
#define _DEFAULT_SOURCE
#include "columns.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "colcache.h"
#include "form.h"
#include "util.h"

#define PROGRESS_EVERY 65536

_Static_assert(sizeof(int) == 4, "the derived cache stores the int columns as 4 bytes");

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
    if (c->id) {
        c->id = xrealloc(c->id, c->cap * sizeof *c->id);
        c->status = xrealloc(c->status, c->cap);
    }
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
    if (dst->id) {
        memcpy(dst->id + at, src->id, n * sizeof *dst->id);
        memcpy(dst->status + at, src->status, n);
    }
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
    free(c->id);
    free(c->status);
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

/* Derives record r (of territory index t) into row i of c. */
static void derive(scan_ctx *sx, const ds_record *r, int t, columns *c, size_t i)
{
    size_t ndefs = ind_count(sx->defs);
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
}

static void count_progress(scan_ctx *sx)
{
    if (++sx->seen % PROGRESS_EVERY == 0 && sx->report && sx->progress)
        sx->progress(sx->progress_ctx, sx->seen * sx->scale);
}

static int keep_record(void *ctx, const ds_record *r)
{
    scan_ctx *sx = ctx;
    columns *c = sx->col;
    count_progress(sx);
    int t = sx->multi ? 0 : territory_index(sx->ts, r->territory);
    if (t < 0) {
        sx->no_territory++;
        return 0;
    }
    if (c->n == c->cap)
        columns_grow(c, ind_count(sx->defs), sx->mg ? sx->mg->nvars : 0, sx->ts->count);
    derive(sx, r, t, c, c->n++);
    return 0;
}

/* A row of the derived cache: every stored row has one, with its status; the columns of a row that is not
 * used hold neutral values. */
static int derive_row(void *ctx, const ds_record *r)
{
    scan_ctx *sx = ctx;
    columns *c = sx->col;
    size_t ndefs = ind_count(sx->defs), nvars = sx->mg ? sx->mg->nvars : 0;
    count_progress(sx);
    if (c->n == c->cap)
        columns_grow(c, ndefs, nvars, sx->ts->count);
    size_t i = c->n++;
    c->id[i] = r->id;
    int t = r->status == DS_ROW_OK ? territory_index(sx->ts, r->territory) : -1;
    c->status[i] = (uint8_t)(r->status != DS_ROW_OK ? r->status : t < 0 ? COL_NO_TERRITORY : DS_ROW_OK);
    if (c->status[i] == DS_ROW_OK) {
        derive(sx, r, t, c, i);
        return 0;
    }
    c->stratum[i] = -1, c->cell[i] = -1;
    for (size_t v = 0; v < nvars; v++)
        c->mcat[v][i] = -1;
    for (size_t k = 0; k < ndefs; k++) {
        c->obs[k][i] = IND_OUT;
        if (c->cats[k])
            c->cats[k][i] = 0;
        if (c->a[k])
            c->a[k][i] = c->b[k][i] = 0;
    }
    return 0;
}


/* ------------------------------------------------------------------ reading */

/* One reading thread: a range of the collector's row ids, its own connection and its own columns. It reads
 * the counted records' JSON (READ), derives every stored row for the cache (DERIVE), or gathers the counted
 * records' rows from the cache (GATHER). */
typedef enum reader_mode { READ, DERIVE, GATHER } reader_mode;

typedef struct reader {
    scan_ctx sx;
    columns col;
    reader_mode mode;
    const cc_table *table;       /* GATHER */
    size_t cursor;               /* GATHER: where the last id was found */
    size_t *rows, nrows, rowcap; /* GATHER: the cache rows of the part's records, in order */
    const char *db;
    int64_t lo, hi;
    ds_counts counts;
    int rc;
    char err[256];
    pthread_t thread;
    bool started;
} reader;

/* The row of id in the cache, looked for from the last one found: the ids of a part come in increasing runs. */
static long find_row(reader *rd, int64_t id)
{
    const int64_t *ids = rd->table->col.id;
    size_t n = rd->table->col.n, lo = 0, hi = n;
    if (rd->cursor < n && ids[rd->cursor] <= id)
        lo = rd->cursor;
    if (lo + 1 < n && ids[lo + 1] == id)
        return (long)(rd->cursor = lo + 1);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && ids[lo] == id)
        return (long)(rd->cursor = lo);
    return -1;
}

static int gather_id(void *ctx, int64_t id)
{
    reader *rd = ctx;
    long j = find_row(rd, id);
    if (j < 0) {
        snprintf(rd->err, sizeof rd->err, "cache : la ligne %lld manque", (long long)id);
        return -2; /* a cache that does not cover what it says: read the JSON instead */
    }
    const columns *src = &rd->table->col;
    switch (src->status[j]) {
    case DS_ROW_REJECTED:
        rd->counts.rejected++;
        return 0;
    case DS_ROW_UNKNOWN_VERSION:
        rd->counts.unknown_version++;
        return 0;
    case COL_NO_TERRITORY:
        rd->counts.count++;
        rd->sx.no_territory++;
        return 0;
    default:
        break;
    }
    rd->counts.count++;
    if (rd->nrows == rd->rowcap) {
        rd->rowcap = rd->rowcap ? 2 * rd->rowcap : 65536;
        rd->rows = xrealloc(rd->rows, rd->rowcap * sizeof *rd->rows);
    }
    rd->rows[rd->nrows++] = (size_t)j;
    return 0;
}

/* Gives the pages of [p, p + bytes) of a read-only file mapping back: they are read again from the page cache if
 * touched, and meanwhile do not count in the process' memory. */
static void drop_pages(const void *p, size_t bytes)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t a = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    uintptr_t b = ((uintptr_t)p + bytes) & ~((uintptr_t)page - 1);
    if (page > 0 && b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
}

/* col gets the cache rows rows[0..n) of t, column after column: each column of the file is read in one stream
 * and given back once copied, so that the mapping and the copy never both hold every column. */
static void gather_columns(columns *col, const cc_table *t, const size_t *rows, size_t n, size_t ndefs, size_t nvars)
{
    const columns *src = &t->col;
    if (n == 0)
        return;
    columns_reserve(col, col->n + n, ndefs, nvars, 0);
    size_t at = col->n;
#define GATHER_COLUMN(dst, from)                                                                                    \
    do {                                                                                                           \
        for (size_t i = 0; i < n; i++)                                                                             \
            (dst)[at + i] = (from)[rows[i]];                                                                       \
        if (t->map)                                                                                                \
            drop_pages((from), src->n * sizeof *(from));                                                           \
    } while (0)
    GATHER_COLUMN(col->stratum, src->stratum);
    GATHER_COLUMN(col->cell, src->cell);
    for (size_t v = 0; v < nvars; v++)
        GATHER_COLUMN(col->mcat[v], src->mcat[v]);
    for (size_t k = 0; k < ndefs; k++) {
        GATHER_COLUMN(col->obs[k], src->obs[k]);
        if (col->cats[k])
            GATHER_COLUMN(col->cats[k], src->cats[k]);
        if (col->a[k]) {
            GATHER_COLUMN(col->a[k], src->a[k]);
            GATHER_COLUMN(col->b[k], src->b[k]);
        }
    }
#undef GATHER_COLUMN
    col->n = at + n;
}

static void *reader_main(void *arg)
{
    reader *rd = arg;
    const char *form_id = ind_form_id(rd->sx.defs);
    if (rd->mode == READ)
        rd->rc = ds_scan_range(rd->db, rd->sx.cat, form_id, rd->lo, rd->hi, rd->sx.filter, keep_record, &rd->sx,
                               &rd->counts, rd->err, sizeof rd->err);
    else if (rd->mode == DERIVE)
        rd->rc = ds_scan_rows(rd->db, rd->sx.cat, form_id, rd->lo, rd->hi, derive_row, &rd->sx, rd->err,
                              sizeof rd->err);
    else
        rd->rc = ds_scan_ids(rd->db, form_id, rd->lo, rd->hi, rd->sx.filter, gather_id, rd, rd->err,
                             sizeof rd->err);
    return NULL;
}

#define MAX_READERS 8
#define RECORDS_PER_READER 50000 /* below this a second thread costs more than it saves */

/* Reads the ids [lo, hi] of the database into col in mode, in several threads when the machine and the span are
 * large enough: parsing and checking a million JSON answers is most of an analysis. The parts are appended in
 * the order of their ids, so that every mode with the same span gives the records in the same order. sx is the
 * template of the readers' contexts. Returns 0, -1 with a message, or -2 (GATHER: the cache lacks a row). */
static int read_span(const char *db, const scan_ctx *sx, reader_mode mode, const cc_table *table, int64_t lo,
                     int64_t hi, columns *col, ds_counts *counts, size_t *no_territory, char *err, size_t errlen)
{
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
        if (mode == DERIVE)
            rd[t].col.id = xmalloc(1), rd[t].col.status = xmalloc(1);
        rd[t].sx.col = &rd[t].col;
        rd[t].sx.scratch = xcalloc(ndefs + 1, sizeof(ind_obs));
        rd[t].mode = mode;
        rd[t].table = table;
        rd[t].db = db;
        /* A derived span is exactly [lo, hi] (appending new rows must not derive the old ones again). */
        rd[t].lo = t == 0 ? (mode == DERIVE ? lo : INT64_MIN) : lo + span * (int64_t)t / (int64_t)k;
        rd[t].hi = t + 1 == k ? (mode == READ ? INT64_MAX : hi) : lo + span * (int64_t)(t + 1) / (int64_t)k - 1;
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
            rc = rd[t].rc == -2 ? -2 : -1;
        }
        counts->count += rd[t].counts.count;
        counts->rejected += rd[t].counts.rejected;
        counts->unknown_version += rd[t].counts.unknown_version;
        *no_territory += rd[t].sx.no_territory;
        columns_append(col, &rd[t].col, ndefs, nvars, sx->ts->count);
        col_free(&rd[t].col, ndefs);
        free(rd[t].sx.scratch);
    }
    if (mode == GATHER && rc == 0) { /* the parts' rows in order, then the columns one by one */
        size_t total = 0;
        for (size_t t = 0; t < k; t++)
            total += rd[t].nrows;
        size_t *rows = xmalloc((total + 1) * sizeof *rows), at = 0;
        for (size_t t = 0; t < k; t++) {
            memcpy(rows + at, rd[t].rows, rd[t].nrows * sizeof *rows);
            at += rd[t].nrows;
        }
        gather_columns(col, table, rows, total, ndefs, nvars);
        free(rows);
    }
    for (size_t t = 0; t < k; t++)
        free(rd[t].rows);
    free(rd);
    return rc;
}

/* Reads every counted record's JSON into col. */
static int read_parts(const char *db, const scan_ctx *sx, columns *col, ds_counts *counts, size_t *no_territory,
                      char *err, size_t errlen)
{
    int64_t lo, hi;
    if (ds_id_range(db, ind_form_id(sx->defs), &lo, &hi, err, errlen) != 0)
        return -1;
    return read_span(db, sx, READ, NULL, lo, hi, col, counts, no_territory, err, errlen);
}

/* ------------------------------------------------------------------ the derived cache */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Derives the stored rows with id in [lo, hi] into out (initialised with id and status columns). */
static int derive_span(const char *db, const scan_ctx *sx, int64_t lo, int64_t hi, columns *out, char *err,
                       size_t errlen)
{
    ds_counts counts;
    size_t no_territory = 0;
    if (hi < lo)
        return 0;
    return read_span(db, sx, DERIVE, NULL, lo, hi, out, &counts, &no_territory, err, errlen);
}

/* Brings the cache of sx at path up to date with the database's version v into t: the file as it is, the file
 * with the new rows appended, or every row derived again (rebuild, or anything but new rows changed). */
static int refresh(const char *db, const scan_ctx *sx, const char *path, const char *key, const cc_version *v,
                   bool rebuild, cc_table *t, col_stats *st, char *err, size_t errlen)
{
    size_t nvars = sx->mg ? sx->mg->nvars : 0, ndefs = ind_count(sx->defs);
    memset(t, 0, sizeof *t); /* a rebuild does not load it, and cc_release(t) below must find it empty */
    bool have = !rebuild && cc_load(path, key, sx->defs, nvars, t) == 0;
    if (have && memcmp(&t->version, v, sizeof *v) == 0)
        return 0;
    double t0 = now_seconds();
    /* Only new rows: nothing corrected, excluded or erased since (no audit or history line), every old row still
     * there (the count grew by exactly the rows past the old maximum, checked once they are derived). */
    bool append = have && t->version.audit_max == v->audit_max && t->version.history_max == v->history_max &&
                  t->version.max_id <= v->max_id && t->version.rows <= v->rows;
    cc_table next = {.version = *v, .ndefs = ndefs};
    col_init(&next.col, sx->defs, false);
    next.col.id = xmalloc(1), next.col.status = xmalloc(1);
    int rc = 0;
    size_t old = 0;
    if (append) {
        columns_reserve(&next.col, t->col.n + (size_t)(v->rows - t->version.rows) + 1, ndefs, nvars, 0);
        columns_append(&next.col, &t->col, ndefs, nvars, 0);
        old = next.col.n;
        rc = derive_span(db, sx, t->version.max_id + 1, v->max_id, &next.col, err, errlen);
        append = rc == 0 && (int64_t)next.col.n == v->rows && (int64_t)(next.col.n - old) == v->rows - t->version.rows;
    }
    cc_release(t);
    if (rc == 0 && !append) {
        col_free(&next.col, ndefs);
        col_init(&next.col, sx->defs, false);
        next.col.id = xmalloc(1), next.col.status = xmalloc(1);
        old = 0;
        int64_t lo, hi;
        rc = ds_id_range(db, ind_form_id(sx->defs), &lo, &hi, err, errlen);
        if (rc == 0) /* from the smallest id: from INT64_MIN, hi - lo + 1 would overflow in read_span */
            rc = derive_span(db, sx, lo, v->max_id, &next.col, err, errlen);
    }
    if (rc != 0) {
        cc_release(&next);
        return -1;
    }
    if (st)
        st->derived = next.col.n - old; /* appended: only the new rows were derived */
    if (cc_save(path, key, sx->defs, nvars, &next, err, errlen) != 0)
        fprintf(stderr, "analyzer : %s (l'analyse continue sans cache)\n", err);
    if (st)
        st->derive_seconds = now_seconds() - t0;
    *t = next;
    return 0;
}

/* Reads through the cache; 1 when the cache cannot serve this run (off, no folder, a form answered for several
 * territories): the caller reads the JSON. */
static int read_cached(const char *db, const col_source *src, const scan_ctx *sx, bool rebuild, columns *col,
                       ds_counts *counts, size_t *no_territory, col_stats *st, char *err, size_t errlen)
{
    char dir[4096], path[4400], key[CC_KEY_LEN + 1];
    if (sx->multi || cc_dir(dir, sizeof dir) == NULL)
        return 1;
    cc_version v;
    if (cc_content_version(db, ind_form_id(sx->defs), &v, err, errlen) != 0)
        return -1;
    cc_key(src, key);
    if (cc_path(path, sizeof path, dir, db, ind_form_id(sx->defs), key) != 0)
        return 1;
    cc_table t;
    if (refresh(db, sx, path, key, &v, rebuild, &t, st, err, errlen) != 0)
        return -1;
    int rc = 0;
    if (col) {
        int64_t lo, hi;
        rc = ds_id_range(db, ind_form_id(sx->defs), &lo, &hi, err, errlen);
        if (rc == 0) /* the snapshot the cache describes; rows stored since wait for the next run */
            rc = read_span(db, sx, GATHER, &t, lo, hi < v.max_id ? hi : v.max_id, col, counts, no_territory, err,
                           errlen);
    }
    cc_release(&t);
    if (rc == -2) {
        fprintf(stderr, "analyzer : %s ; lecture des réponses JSON\n", err);
        return 1;
    }
    if (st && rc == 0)
        st->cached = true;
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

static void scan_template(const col_source *src, scan_ctx *sx)
{
    *sx = (scan_ctx){src->cat, src->ts, src->defs, src->mg, src->sc, src->progress, src->progress_ctx, NULL, NULL,
                     src->multi, src->filter, 0, 0, false, 1, {0}};
    if (src->today)
        snprintf(sx->today, sizeof sx->today, "%s", src->today);
    else
        util_today(sx->today);
}

int col_read_stats(const char *db, const col_source *src, columns *col, ds_counts *counts, size_t *no_territory,
                   col_stats *st, char *err, size_t errlen)
{
    scan_ctx sx;
    scan_template(src, &sx);
    if (st)
        *st = (col_stats){0};
    double t0 = now_seconds();
    int rc = read_cached(db, src, &sx, false, col, counts, no_territory, st, err, errlen);
    if (rc != 1)
        return rc;
    rc = read_parts(db, &sx, col, counts, no_territory, err, errlen);
    if (st)
        st->derived = counts->count + counts->rejected + counts->unknown_version,
        st->derive_seconds = now_seconds() - t0;
    return rc;
}

int col_read(const char *db, const col_source *src, columns *col, ds_counts *counts, size_t *no_territory, char *err,
             size_t errlen)
{
    return col_read_stats(db, src, col, counts, no_territory, NULL, err, errlen);
}

int col_rebuild_cache(const char *db, const col_source *src, col_stats *st, char *err, size_t errlen)
{
    scan_ctx sx;
    scan_template(src, &sx);
    if (st)
        *st = (col_stats){0};
    int rc = read_cached(db, src, &sx, true, NULL, NULL, NULL, st, err, errlen);
    if (rc == 1)
        snprintf(err, errlen, "%s", sx.multi ? "ce formulaire (plusieurs territoires par réponse) n'a pas de cache"
                                             : "aucun dossier de cache utilisable (XDG_CACHE_HOME, HOME ou --cache)");
    return rc == 0 ? 0 : -1;
}
