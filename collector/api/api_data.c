/* api_data.c -- what campaign teams and analysts read: counts to follow a campaign (no answers; coarse and
 * protected for everyone, in detail for analyst and admin tokens), and the answers themselves as CSV or JSON
 * lines, for analyst tokens only.
 *
 * Counts and exports cover what counts (the view counted_submissions): web answers and one record per paper
 * sheet. Exports stream in constant memory: rows are read from a dedicated read connection (one consistent snapshot)
 * a chunk at a time, and the next chunk is produced only when libevent has written the previous one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/keyvalq_struct.h>
#include <sqlite3.h>

#include "api.h"
#include "auth.h"
#include "export.h"
#include "app.h"
#include "steward.h"
#include "suppress.h"
#include "util.h"

#define EXPORT_CHUNK_ROWS 256

/* ---------------------------------------------------------------------------------------------------------
 * Stats. Both views read the table stats_tally, which triggers keep equal to the counts of counted_submissions
 * (store.c, migration 3), and the forms and territories in memory: a call costs the size of the tally (forms x
 * territories x channels x languages x days), whatever the number of answers.
 */

/* Adds n to member key of the object member group of o (both created when missing). */
static void tally_add(json_t *o, const char *group, const char *key, json_int_t n)
{
    json_t *g = json_object_get(o, group);
    if (g == NULL) {
        g = json_object();
        json_object_set_new(o, group, g);
    }
    json_t *v = json_object_get(g, key);
    if (v)
        json_integer_set(v, json_integer_value(v) + n);
    else
        json_object_set_new(g, key, json_integer(n));
}

/* qsort comparison of two strings given by address. */
static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The object o with its members in the order of their keys (a new reference; o is released). */
static json_t *sorted_object(json_t *o)
{
    size_t n = json_object_size(o), i = 0;
    const char **keys = xcalloc(n ? n : 1, sizeof *keys);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
        keys[i++] = k;
    qsort(keys, n, sizeof *keys, cmp_keys);
    json_t *out = json_object();
    for (i = 0; i < n; i++)
        json_object_set(out, keys[i], json_object_get(o, keys[i]));
    free(keys);
    json_decref(o);
    return out;
}

/* Reads stats_tally into {form_id: {"form": form_id, "count": n, "territory": {code: n}}}, with also "channel",
 * "lang" and "day" objects when detail is set (days in order); territory "" is an answer without territory. One
 * statement, so one consistent snapshot; rows come in the table's key order (form, territory, ...), which needs
 * no sort. Returns a new reference, or NULL when the database does not answer. */
static json_t *read_tally(sqlite3 *db, bool detail)
{
    const char *sql = detail ? "SELECT form_id, territory, n, channel, lang, day FROM stats_tally"
                             : "SELECT form_id, territory, sum(n) FROM stats_tally GROUP BY form_id, territory";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    json_t *out = json_object(), *f = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *form_id = (const char *)sqlite3_column_text(st, 0);
        const char *code = (const char *)sqlite3_column_text(st, 1);
        json_int_t n = sqlite3_column_int64(st, 2);
        if (f == NULL || strcmp(json_string_value(json_object_get(f, "form")), form_id) != 0) {
            f = json_object_get(out, form_id);
            if (f == NULL) {
                f = json_pack("{s:s, s:I}", "form", form_id, "count", (json_int_t)0);
                json_object_set_new(out, form_id, f);
            }
        }
        json_t *count = json_object_get(f, "count");
        json_integer_set(count, json_integer_value(count) + n);
        tally_add(f, "territory", code ? code : "", n);
        if (detail) {
            tally_add(f, "channel", (const char *)sqlite3_column_text(st, 3), n);
            tally_add(f, "lang", (const char *)sqlite3_column_text(st, 4), n);
            tally_add(f, "day", (const char *)sqlite3_column_text(st, 5), n);
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        json_decref(out);
        return NULL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(out, k, v) {
        json_t *days = json_object_get(v, "day");
        if (days)
            json_object_set_new(v, "day", sorted_object(json_incref(days)));
    }
    return out;
}

/* Whether the answers of f fall in one territory each (a single territory question): only then are they
 * counted by territory, and only then do the territories' targets apply, which are numbers of residents to
 * reach. The operators' form asks which territories an organisation serves (several): no count by territory and
 * no target there. */
static bool counts_by_territory(const form *f)
{
    for (size_t i = 0; i < f->nquestions; i++)
        if (f->questions[i].type == FQ_TERRITORY && !f->questions[i].multiple)
            return true;
    return false;
}

/* {"territory", "name", "target"?} of territory t for form form_id: each form has its own target there
 * (terr_target: the residents' form is not the operators'). */
static json_t *territory_entry(const terr *t, const char *form_id)
{
    json_t *o = json_pack("{s:s, s:s}", "territory", t->code, "name", t->name);
    if (terr_target(t, form_id) > 0)
        json_object_set_new(o, "target", json_integer(terr_target(t, form_id)));
    return o;
}

/* Sets "target" of fo to the sum of form_id's targets over the territories, when there is one: a form whose
 * answers are not counted by territory (the operators') still has its own campaign target. */
static void set_form_target(json_t *fo, const terr_set *ts, const char *form_id)
{
    json_int_t sum = 0;
    for (size_t t = 0; ts && t < ts->count; t++)
        sum += terr_target(&ts->items[t], form_id);
    if (sum > 0)
        json_object_set_new(fo, "target", json_integer(sum));
}

/* Sets "count" of o to n, or to null with "suppressed" (and "fewer_than" for a primary suppression). */
static void set_count(json_t *o, json_int_t n, suppress_status status, long min_n)
{
    if (status == SUPPRESS_SHOW) {
        json_object_set_new(o, "count", json_integer(n));
        json_object_set_new(o, "suppressed", json_false());
        return;
    }
    json_object_set_new(o, "count", json_null());
    json_object_set_new(o, "suppressed", json_string(suppress_name(status)));
    if (status == SUPPRESS_PRIMARY)
        json_object_set_new(o, "fewer_than", json_integer(min_n));
}

/* The 503 of a tally that cannot be read (the database does not answer). */
static void stats_unavailable(hreq *h)
{
    http_error(h, 503, "database_unavailable", NULL, "la base de données ne répond pas");
}

/* GET /api/v1/stats, public: per form, its count and, when its answers fall in one territory each, each
 * territory of the file with its name, target and count; nothing by channel, language or day. Counts are
 * protected by suppress_parts: a territory under min_n is "fewer than min_n", and the form's count minus the
 * shown territories never isolates 1 to min_n - 1 answers (the answers outside the territories file are never
 * shown on their own). */
void api_stats(hreq *h, const char *const *params)
{
    (void)params;
    const catalog *c = h->srv->forms;
    const terr_set *ts = catalog_territories(c);
    long min_n = h->srv->cfg.min_n;
    json_t *tally = read_tally(store_db(h->srv->reader), false);
    if (tally == NULL) {
        stats_unavailable(h);
        return;
    }
    size_t nterr = ts ? ts->count : 0;
    long *n = xcalloc(nterr + 1, sizeof *n);
    suppress_status *status = xcalloc(nterr + 1, sizeof *status);
    json_t *forms = json_array();
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (catalog_current(c, f->id) != f)
            continue;
        json_t *counts = json_object_get(tally, f->id);
        json_t *by_terr = json_object_get(counts, "territory");
        long total = (long)json_integer_value(json_object_get(counts, "count"));
        size_t parts = counts_by_territory(f) ? nterr : 0;
        long outside = total;
        for (size_t t = 0; t < parts; t++) {
            n[t] = (long)json_integer_value(json_object_get(by_terr, ts->items[t].code));
            outside -= n[t];
        }
        bool total_hidden;
        if (suppress_parts(n, parts, outside, min_n, status, &total_hidden) < 0) {
            /* Not reached (min_n >= 1 and counts >= 0 by construction); if it were, publish nothing. */
            total_hidden = true;
            for (size_t t = 0; t < parts; t++)
                status[t] = SUPPRESS_PRIMARY;
        }
        json_t *territories = json_array();
        for (size_t t = 0; t < parts; t++) {
            json_t *o = territory_entry(&ts->items[t], f->id);
            set_count(o, n[t], status[t], min_n);
            json_array_append_new(territories, o);
        }
        json_t *fo = json_pack("{s:s}", "form", f->id);
        set_count(fo, total, total_hidden ? SUPPRESS_PRIMARY : SUPPRESS_SHOW, min_n);
        set_form_target(fo, ts, f->id);
        json_object_set_new(fo, "territories", territories);
        json_array_append_new(forms, fo);
    }
    free(n);
    free(status);
    json_decref(tally);
    http_reply_json(h, 200, json_pack("{s:I, s:o}", "min_n", (json_int_t)min_n, "forms", forms));
}

/* GET /api/v1/stats/detail, analyst or admin token: every count, small ones included, by form, territory (with
 * targets where they apply), channel, language and day (UTC). */
void api_stats_detail(hreq *h, const char *const *params)
{
    (void)params;
    if (!auth_require(h, AUTH_ANALYST | AUTH_ADMIN, NULL))
        return;
    const catalog *c = h->srv->forms;
    const terr_set *ts = catalog_territories(c);
    json_t *tally = read_tally(store_db(h->srv->reader), true);
    if (tally == NULL) {
        stats_unavailable(h);
        return;
    }
    json_t *forms = json_array();
    json_int_t total = 0;
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (catalog_current(c, f->id) != f)
            continue;
        json_t *counts = json_object_get(tally, f->id);
        json_t *by_terr = json_object_get(counts, "territory");
        json_int_t n = json_integer_value(json_object_get(counts, "count"));
        json_t *territories = json_array();
        for (size_t t = 0; counts_by_territory(f) && ts && t < ts->count; t++) {
            json_t *o = territory_entry(&ts->items[t], f->id);
            json_object_set_new(o, "count", json_integer(json_integer_value(json_object_get(by_terr,
                                                                                           ts->items[t].code))));
            json_array_append_new(territories, o);
            json_object_del(by_terr, ts->items[t].code);
        }
        const char *k;
        json_t *v;
        json_object_foreach(by_terr, k, v) /* other answers to the territory question, and none */
            json_array_append_new(territories, json_pack("{s:s, s:O}", "territory", *k ? k : "non_renseigne",
                                                         "count", v));
        total += n;
        json_t *fo = json_pack("{s:s, s:I, s:o}", "form", f->id, "count", n, "by_territory", territories);
        set_form_target(fo, ts, f->id);
        static const char *const groups[][2] = {{"channel", "by_channel"}, {"lang", "by_lang"}, {"day", "by_day"}};
        for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
            json_t *o = json_object_get(counts, groups[g][0]);
            json_object_set_new(fo, groups[g][1], o ? json_incref(o) : json_object());
        }
        json_array_append_new(forms, fo);
    }
    json_decref(tally);
    http_reply_json(h, 200, json_pack("{s:I, s:o}", "total", total, "forms", forms));
}

/* ---------------------------------------------------------------------------------------------------------
 * Streaming exports.
 */

/* ?include= of an export: answers that do not count, brought back on request (steward.h), and the free-text
 * columns, which may identify someone and so leave only when asked for (as `analyzer export --include-text`). */
enum { INCLUDE_EXCLUDED = 1, INCLUDE_TESTS = 2, INCLUDE_TEXT = 4 };
#define INCLUDE_ROWS (INCLUDE_EXCLUDED | INCLUDE_TESTS)

typedef struct export_stream {
    hreq *h;
    bool csv;
    unsigned include;          /* INCLUDE_ROWS bits (INCLUDE_TEXT is in the layout); nonzero adds the columns
                                  excluded and test */
    sqlite3 *db;
    sqlite3_stmt *st;
    export_csv *layout;
    sbuf buf;
    long rows;
} export_stream;

static void stream_free(export_stream *x)
{
    sqlite3_finalize(x->st);
    sqlite3_close(x->db);
    export_csv_free(x->layout);
    sbuf_free(&x->buf);
    free(x);
}

static void stream_gone(void *arg)
{
    export_stream *x = arg;
    x->h->req = NULL;
    http_end(x->h, 200);
    stream_free(x);
}

static void append_row(export_stream *x)
{
    sqlite3_stmt *st = x->st;
    const char *meta[EXPORT_NMETA];
    for (int i = 0; i < EXPORT_NMETA; i++)
        meta[i] = (const char *)sqlite3_column_text(st, i);
    json_t *answers = json_loads((const char *)sqlite3_column_text(st, EXPORT_NMETA), 0, NULL);
    bool excluded = sqlite3_column_int(st, EXPORT_NMETA + 1) != 0, test = sqlite3_column_int(st, EXPORT_NMETA + 2) != 0;
    if (x->csv) {
        export_csv_row(x->layout, meta, answers, &x->buf);
        if (x->include) { /* the two flag columns after the answers, before the line's end */
            x->buf.len -= 2;
            sbuf_addf(&x->buf, ",%d,%d\r\n", excluded, test);
        }
    } else {
        json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:O?}", "uuid", meta[0], "form_version",
                              meta[1], "territory", meta[2], "channel", meta[3], "lang", meta[4], "received_at", meta[5],
                              "paper_id", meta[6], "answers", answers);
        if (x->include) {
            json_object_set_new(o, "excluded", json_boolean(excluded));
            json_object_set_new(o, "test", json_boolean(test));
        }
        char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        sbuf_adds(&x->buf, line);
        sbuf_add(&x->buf, "\n", 1);
        free(line);
        json_decref(o);
    }
    json_decref(answers);
}

/* Produces the next chunk, or ends the reply; called again by libevent once the chunk is written. */
static void stream_next(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    export_stream *x = arg;
    struct evhttp_request *req = x->h->req;
    sbuf_reset(&x->buf);
    int rc = SQLITE_ROW;
    for (int i = 0; i < EXPORT_CHUNK_ROWS && (rc = sqlite3_step(x->st)) == SQLITE_ROW; i++) {
        append_row(x);
        x->rows++;
    }
    if (x->buf.len > 0) {
        struct evbuffer *b = evbuffer_new();
        evbuffer_add(b, x->buf.data, x->buf.len);
        evhttp_send_reply_chunk_with_cb(req, b, rc == SQLITE_ROW ? stream_next : NULL, x);
        evbuffer_free(b);
        if (rc == SQLITE_ROW)
            return;
    }
    /* Done (or a read error, which the truncated stream and the log show). */
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        fprintf(stderr, "collector: export interrompu : %s\n", sqlite3_errmsg(x->db));
    http_watch(x->h, req, NULL, NULL);
    evhttp_send_reply_end(req);
    http_end(x->h, 200);
    stream_free(x);
}

/* Starts streaming form_id's answers (layout taken) once the export's audit row is committed. */
static void stream_begin(hreq *h, const char *form_id, bool csv, unsigned include, export_csv *layout)
{
    export_stream *x = xcalloc(1, sizeof *x);
    x->h = h;
    x->csv = csv;
    include &= INCLUDE_ROWS;
    x->include = include;
    x->layout = layout;
    /* What counts (counted_submissions) by default; with ?include=, what counted before stewardship
     * (retained_submissions) less what was not asked for. Both say each row's flags. */
    const char *sql = include ? "SELECT uuid, form_version, territory, channel, lang, received_at, paper_id, answers, "
                                "excluded_at IS NOT NULL, test FROM retained_submissions WHERE form_id = ?1 AND "
                                "(excluded_at IS NULL OR ?2) AND (test = 0 OR ?3) ORDER BY id"
                              : "SELECT uuid, form_version, territory, channel, lang, received_at, paper_id, answers, "
                                "0, 0 FROM counted_submissions WHERE form_id = ?1 ORDER BY id";
    if (sqlite3_open_v2(h->srv->cfg.db_path, &x->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(x->db, sql, -1, &x->st, NULL) != SQLITE_OK) {
        stream_free(x);
        http_error(h, 503, "database_unavailable", NULL, "la base de données ne répond pas");
        return;
    }
    sqlite3_bind_text(x->st, 1, form_id, -1, SQLITE_TRANSIENT);
    if (include) {
        sqlite3_bind_int(x->st, 2, (include & INCLUDE_EXCLUDED) != 0);
        sqlite3_bind_int(x->st, 3, (include & INCLUDE_TESTS) != 0);
    }
    struct evkeyvalq *out = evhttp_request_get_output_headers(h->req);
    evhttp_add_header(out, "Content-Type", csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8");
    char disposition[128];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s.%s\"", form_id, csv ? "csv" : "jsonl");
    evhttp_add_header(out, "Content-Disposition", disposition);
    http_common_headers(h->req);
    http_watch(h, h->req, stream_gone, x);
    evhttp_send_reply_start(h->req, 200, "OK");
    if (csv) {
        export_csv_header(layout, &x->buf);
        if (include) {
            x->buf.len -= 2;
            sbuf_adds(&x->buf, ",excluded,test\r\n");
        }
        struct evbuffer *b = evbuffer_new();
        evbuffer_add(b, x->buf.data, x->buf.len);
        evhttp_send_reply_chunk_with_cb(h->req, b, stream_next, x);
        evbuffer_free(b);
    } else {
        stream_next(NULL, x);
    }
}

/* The audit row of an export, written by the writer thread before any answer leaves (steward.h): an export
 * nobody could account for does not start. */
typedef struct export_job {
    commitq_job job;           /* first member */
    hreq *h;
    bool csv;
    unsigned include;
    export_csv *layout;
    char form_id[64];
    char name[128];
    steward_actor who;
    char detail[96];
} export_job;

static int export_audit(store *s, commitq_job *job, char *err, size_t errlen)
{
    export_job *e = (export_job *)job;
    job->sub.outcome = STORE_CREATED;
    return steward_audit(s, &e->who, "export", e->form_id, NULL, e->detail, err, errlen);
}

static void export_audited(commitq_job *job)
{
    export_job *e = (export_job *)job;
    hreq *h = e->h;
    h->srv->inflight--;
    if (job->sub.outcome != STORE_CREATED) {
        export_csv_free(e->layout);
        if (h->req)
            evhttp_add_header(evhttp_request_get_output_headers(h->req), "Retry-After", "10");
        http_error(h, 503, "storage_unavailable", NULL, "l'export n'a pas pu être inscrit au journal ; réessayez plus "
                   "tard");
    } else if (h->req == NULL) {
        export_csv_free(e->layout);
        http_end(h, 200);
    } else {
        http_watch(h, h->req, NULL, NULL);
        stream_begin(h, e->form_id, e->csv, e->include, e->layout);
    }
    free(e);
}

/* Reads ?include=excluded,test (either, both, in any order); other parameters are ignored as before. Replies 400
 * and returns false on an unknown value. */
static bool export_include(hreq *h, unsigned *include)
{
    *include = 0;
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(h->req));
    struct evkeyvalq kv;
    kv.tqh_first = NULL; /* TAILQ_INIT, which <sys/queue.h> would give outside POSIX */
    kv.tqh_last = &kv.tqh_first;
    if (q == NULL)
        return true;
    if (evhttp_parse_query_str(q, &kv) != 0) {
        http_error(h, 400, "invalid_query", NULL, "paramètres de requête illisibles");
        return false;
    }
    bool ok = true;
    for (struct evkeyval *p = kv.tqh_first; ok && p; p = p->next.tqe_next) {
        if (strcmp(p->key, "include") != 0)
            continue;
        for (const char *v = p->value; ok && *v;) {
            size_t n = strcspn(v, ",");
            if (n == 8 && strncmp(v, "excluded", n) == 0)
                *include |= INCLUDE_EXCLUDED;
            else if (n == 4 && strncmp(v, "test", n) == 0)
                *include |= INCLUDE_TESTS;
            else if (n == 4 && strncmp(v, "text", n) == 0)
                *include |= INCLUDE_TEXT;
            else {
                http_error(h, 400, "invalid_field", "include", "« include » prend « excluded », « test », « text » "
                           "ou plusieurs d'entre eux séparés par des virgules (« excluded,test »)");
                ok = false;
            }
            v += n + (v[n] == ',');
        }
    }
    evhttp_clear_headers(&kv);
    return ok;
}

static void export_start(hreq *h, const char *form_id, bool csv)
{
    auth_identity who;
    unsigned include;
    if (!auth_identify(h, AUTH_ANALYST | AUTH_ADMIN, &who) || !export_include(h, &include))
        return;
    export_csv *layout = export_csv_new(h->srv->forms, form_id, (include & INCLUDE_TEXT) != 0);
    if (layout == NULL) {
        http_unknown_form(h, form_id);
        return;
    }
    export_job *e = xcalloc(1, sizeof *e);
    e->h = h;
    e->csv = csv;
    e->include = include;
    e->layout = layout;
    snprintf(e->form_id, sizeof e->form_id, "%s", form_id);
    snprintf(e->name, sizeof e->name, "%s", who.name);
    e->who = (steward_actor){.token_id = who.token_id, .name = e->name};
    snprintf(e->detail, sizeof e->detail, "{\"format\":\"%s\",\"include\":[%s%s%s%s%s]}", csv ? "csv" : "jsonl",
             include & INCLUDE_EXCLUDED ? "\"excluded\"" : "",
             (include & INCLUDE_EXCLUDED) && (include & (INCLUDE_TESTS | INCLUDE_TEXT)) ? "," : "",
             include & INCLUDE_TESTS ? "\"test\"" : "", (include & INCLUDE_TESTS) && (include & INCLUDE_TEXT) ? "," : "",
             include & INCLUDE_TEXT ? "\"text\"" : "");
    e->job.apply = export_audit;
    e->job.finish = export_audited;
    e->job.user = e;
    if (!api_push(h, &e->job)) {
        export_csv_free(layout);
        free(e);
        return;
    }
}

void api_export_csv(hreq *h, const char *const *params)
{
    export_start(h, params[0], true);
}

void api_export_jsonl(hreq *h, const char *const *params)
{
    export_start(h, params[0], false);
}
