/* versions.c -- the comparability of indicators across form versions (see versions.h). */
#include "versions.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "formdiff.h"
#include "util.h"

#define VER_MAX 64 /* versions of one form looked at; a campaign has a handful */

/* The question ids one definition reads (growable list of borrowed strings, no duplicates). */
typedef struct qlist {
    char **ids;
    size_t n, cap;
} qlist;

static void ql_add(qlist *l, const char *qid)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->ids[i], qid) == 0)
            return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->ids = xrealloc(l->ids, l->cap * sizeof *l->ids);
    }
    l->ids[l->n++] = xstrdup(qid);
}

static void ql_free(qlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->ids[i]);
    free(l->ids);
}

/* A grid row is kept as "Q.ROW": a service added to the grid changes R23 but not what R23.pmi means. */
static void on_ref(void *ctx, const char *qid, const char *row)
{
    if (row == NULL || strchr(qid, '.') != NULL) { /* a reference may name its row in qid already */
        ql_add(ctx, qid);
        return;
    }
    sbuf b = {0};
    sbuf_addf(&b, "%s.%s", qid, row);
    ql_add(ctx, b.data);
    free(b.data);
}

/* The first change of d that changes the meaning of ref ("Q", or "Q.ROW" for one row of a grid: changes to the
 * grid's other rows leave that row's answers meaning the same), or NULL. */
static const formdiff_change *meaning_change(const formdiff *d, const char *ref)
{
    const char *dot = strchr(ref, '.');
    size_t qlen = dot ? (size_t)(dot - ref) : strlen(ref);
    for (size_t i = 0; i < d->count; i++) {
        const formdiff_change *c = &d->items[i];
        if (!c->meaning || strlen(c->question) != qlen || strncmp(c->question, ref, qlen) != 0)
            continue;
        if (dot && c->row && c->item && strcmp(c->item, dot + 1) != 0)
            continue;
        /* The row added or removed itself: the version without it cannot count for the indicator (the loader
         * leaves those answers out, with a warning), so nothing is pooled. */
        if (dot && c->row && (c->kind == FORMDIFF_ITEM_ADDED || c->kind == FORMDIFF_ITEM_REMOVED))
            continue;
        return c;
    }
    return NULL;
}

/* Collects what definition i reads: its item question, its score's terms, and every reference of its
 * expressions, compiled against f (or, when they do not compile there, against g). */
static void collect(const ind_set *defs, size_t i, const form *f, const form *g, qlist *out)
{
    static const char *const keys[] = {"numerator", "denominator", "among", "value"};
    const ind_def *d = ind_at(defs, i);
    if (d->question)
        ql_add(out, d->question);
    for (size_t t = 0; d->score && t < d->score->nterms; t++)
        ql_add(out, d->score->terms[t].question);
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const char *src = ind_source(defs, i, keys[k]);
        if (src == NULL)
            continue;
        expr_error err;
        expr *e = form_compile_expr(f, src, EXPR_T_ANY, &err);
        if (e == NULL)
            e = form_compile_expr(g, src, EXPR_T_ANY, &err);
        if (e != NULL)
            expr_foreach_ref(e, on_ref, out);
        expr_free(e);
    }
}

/* Notes over versions v[0..n) (sorted): each consecutive pair is compared, the first change of meaning of a
 * question an indicator reads becomes its note. */
static ver_notes *check(const ind_set *defs, const form *const *v, size_t n)
{
    ver_notes *r = xcalloc(1, sizeof *r);
    r->count = ind_count(defs);
    r->note = xcalloc(r->count ? r->count : 1, sizeof *r->note);
    for (size_t p = 0; p + 1 < n; p++) {
        formdiff *d = formdiff_compare(v[p], v[p + 1]);
        for (size_t i = 0; formdiff_meaning_count(d) > 0 && i < r->count; i++) {
            if (r->note[i] != NULL)
                continue;
            qlist q = {0};
            collect(defs, i, v[p + 1], v[p], &q);
            for (size_t k = 0; k < q.n && r->note[i] == NULL; k++) {
                const formdiff_change *c = meaning_change(d, q.ids[k]);
                if (c == NULL)
                    continue;
                char what[512];
                formdiff_describe(c, what, sizeof what);
                sbuf b = {0};
                sbuf_addf(&b, "non comparable entre les versions %s et %s : %s", v[p]->version, v[p + 1]->version,
                          what);
                util_utf8_trim(b.data);
                r->note[i] = b.data;
                r->flagged++;
            }
            ql_free(&q);
        }
        formdiff_free(d);
    }
    return r;
}

/* Whether form_id version has an answer the analysis reads (ds_source) under filter's dates: EXISTS stops at the first, and the index on
 * (form_id, form_version) finds it (schema 4). Returns false when the database cannot be read. */
static bool has_answers(sqlite3 *db, const char *form_id, const char *version, const ds_filter *filter)
{
    sqlite3_stmt *st;
    bool yes = false;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM %s WHERE form_id = ?1 AND form_version = ?2 AND (?3 IS "
             "NULL OR substr(received_at, 1, 10) >= ?3) AND (?4 IS NULL OR substr(received_at, 1, 10) <= ?4))",
             ds_source());
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, filter ? filter->from : NULL, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, filter ? filter->to : NULL, -1, SQLITE_TRANSIENT);
    yes = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return yes;
}

/* Adds to v (n entries, at most VER_MAX) the versions of form_id with counted answers under filter. */
static size_t present(sqlite3 *db, const catalog *c, const char *form_id, const ds_filter *filter, const form **v,
                      size_t n)
{
    for (size_t i = 0; i < catalog_count(c) && n < VER_MAX; i++) {
        const form *f = catalog_at(c, i);
        if (strcmp(f->id, form_id) != 0 || (filter && filter->version && strcmp(filter->version, f->version) != 0))
            continue;
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= v[k] == f;
        if (!seen && has_answers(db, form_id, f->version, filter))
            v[n++] = f;
    }
    return n;
}

static int by_version(const void *a, const void *b)
{
    return form_version_cmp((*(const form *const *)a)->version, (*(const form *const *)b)->version);
}

ver_notes *ver_check_waves(const char *db_path, const catalog *c, const ind_set *defs, const ds_filter *a,
                           const ds_filter *b)
{
    const form *v[VER_MAX];
    size_t n = 0;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        n = present(db, c, ind_form_id(defs), a, v, 0);
        if (b != NULL)
            n = present(db, c, ind_form_id(defs), b, v, n);
    }
    sqlite3_close(db);
    qsort(v, n, sizeof *v, by_version);
    return check(defs, v, n);
}

ver_notes *ver_check_db(const char *db_path, const catalog *c, const ind_set *defs, const ds_filter *filter)
{
    return ver_check_waves(db_path, c, defs, filter, NULL);
}

void ver_warn(const ver_notes *n, const ind_set *defs, const char *cmd, FILE *out)
{
    for (size_t i = 0; n && i < n->count; i++)
        if (n->note[i])
            fprintf(out, "analyzer %s : attention : l'indicateur %s est %s ; ses réponses des deux versions sont "
                    "mises en commun, à lire avec prudence (collector forms diff pour le détail)\n", cmd,
                    ind_at(defs, i)->id, n->note[i]);
}

void ver_free(ver_notes *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->count; i++)
        free(n->note[i]);
    free(n->note);
    free(n);
}
