/* api_data.c -- what campaign teams and analysts read: counts to follow a campaign (no answers), and the
 * answers themselves as CSV or JSON lines, for analyst tokens only.
 *
 * Counts and exports cover what counts (the view counted_submissions): web answers and one record per paper
 * sheet. Exports stream in constant memory: rows are read from a dedicated read connection (one consistent snapshot)
 * a chunk at a time, and the next chunk is produced only when libevent has written the previous one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "api.h"
#include "auth.h"
#include "export.h"
#include "server.h"
#include "util.h"

#define EXPORT_CHUNK_ROWS 256

/* ---------------------------------------------------------------------------------------------------------
 * Stats.
 */

/* Runs a "SELECT key, count" query for one form into a JSON object key -> count. */
static json_t *count_by(sqlite3 *db, const char *sql, const char *form_id)
{
    json_t *o = json_object();
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return o;
    sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        json_object_set_new(o, k ? k : "", json_integer(sqlite3_column_int64(st, 1)));
    }
    sqlite3_finalize(st);
    return o;
}

void api_stats(hreq *h, const char *const *params)
{
    (void)params;
    sqlite3 *db = store_db(h->srv->reader);
    const catalog *c = h->srv->forms;
    const terr_set *ts = catalog_territories(c);
    json_t *forms = json_array();
    long total = 0;
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (catalog_current(c, f->id) != f)
            continue;
        json_t *by_terr = count_by(db, "SELECT territory, count(*) FROM counted_submissions WHERE form_id = ? "
                                       "GROUP BY territory", f->id);
        json_t *territories = json_array();
        long n = 0;
        const char *k;
        json_t *v;
        json_object_foreach(by_terr, k, v)
            n += (long)json_integer_value(v);
        for (size_t t = 0; ts && t < ts->count; t++) {
            json_t *cnt = json_object_get(by_terr, ts->items[t].code);
            json_t *o = json_pack("{s:s, s:s, s:I}", "territory", ts->items[t].code, "name", ts->items[t].name,
                                  "count", (json_int_t)(cnt ? json_integer_value(cnt) : 0));
            if (ts->items[t].target > 0)
                json_object_set_new(o, "target", json_integer(ts->items[t].target));
            json_array_append_new(territories, o);
            json_object_del(by_terr, ts->items[t].code);
        }
        json_object_foreach(by_terr, k, v) /* other answers to the territory question, and none */
            json_array_append_new(territories, json_pack("{s:s, s:O}", "territory", *k ? k : "non_renseigne",
                                                         "count", v));
        json_decref(by_terr);
        total += n;
        json_array_append_new(forms, json_pack(
            "{s:s, s:I, s:o, s:o, s:o, s:o}", "form", f->id, "count", (json_int_t)n, "by_territory", territories,
            "by_channel", count_by(db, "SELECT channel, count(*) FROM counted_submissions WHERE form_id = ? GROUP BY 1", f->id),
            "by_lang", count_by(db, "SELECT lang, count(*) FROM counted_submissions WHERE form_id = ? GROUP BY 1", f->id),
            "by_day", count_by(db, "SELECT substr(received_at, 1, 10), count(*) FROM counted_submissions WHERE form_id = ? "
                                   "GROUP BY 1 ORDER BY 1", f->id)));
    }
    http_reply_json(h, 200, json_pack("{s:I, s:o}", "total", (json_int_t)total, "forms", forms));
}

/* ---------------------------------------------------------------------------------------------------------
 * Streaming exports.
 */

typedef struct export_stream {
    hreq *h;
    bool csv;
    sqlite3 *db;
    sqlite3_stmt *st;
    export_layout *layout;
    sbuf buf;
    long rows;
} export_stream;

static void stream_free(export_stream *x)
{
    sqlite3_finalize(x->st);
    sqlite3_close(x->db);
    export_layout_free(x->layout);
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
    if (x->csv) {
        export_csv_row(x->layout, meta, answers, &x->buf);
    } else {
        json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:O?}", "uuid", meta[0], "form_version",
                              meta[1], "territory", meta[2], "channel", meta[3], "lang", meta[4], "received_at", meta[5],
                              "paper_id", meta[6], "answers", answers);
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
    server_watch(x->h->srv, req, NULL, NULL);
    evhttp_send_reply_end(req);
    http_end(x->h, 200);
    stream_free(x);
}

static void export_start(hreq *h, const char *form_id, bool csv)
{
    if (!auth_require(h, AUTH_ANALYST | AUTH_ADMIN, NULL))
        return;
    export_layout *layout = export_layout_new(h->srv->forms, form_id);
    if (layout == NULL) {
        api_unknown_form(h, form_id);
        return;
    }
    export_stream *x = xcalloc(1, sizeof *x);
    x->h = h;
    x->csv = csv;
    x->layout = layout;
    if (sqlite3_open_v2(h->srv->cfg.db_path, &x->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(x->db, "SELECT uuid, form_version, territory, channel, lang, received_at, paper_id, answers "
                           "FROM counted_submissions WHERE form_id = ? ORDER BY id", -1, &x->st, NULL) != SQLITE_OK) {
        stream_free(x);
        http_error(h, 503, "database_unavailable", NULL, "la base de données ne répond pas");
        return;
    }
    sqlite3_bind_text(x->st, 1, form_id, -1, SQLITE_TRANSIENT);
    struct evkeyvalq *out = evhttp_request_get_output_headers(h->req);
    evhttp_add_header(out, "Content-Type", csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8");
    char disposition[128];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s.%s\"", form_id, csv ? "csv" : "jsonl");
    evhttp_add_header(out, "Content-Disposition", disposition);
    http_common_headers(h->req);
    server_watch(h->srv, h->req, stream_gone, x);
    evhttp_send_reply_start(h->req, 200, "OK");
    if (csv) {
        export_csv_header(layout, &x->buf);
        struct evbuffer *b = evbuffer_new();
        evbuffer_add(b, x->buf.data, x->buf.len);
        evhttp_send_reply_chunk_with_cb(h->req, b, stream_next, x);
        evbuffer_free(b);
    } else {
        stream_next(NULL, x);
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
