/* api_progress.c -- what the coordinator's console follows a campaign with: GET /api/v1/progress (the answers
 * of each form against its own targets, by territory, channel, language and day; test and excluded answers
 * apart; the paper work of each mediator) and GET /api/v1/links (every campaign link and poster). Analyst and
 * admin tokens or sessions only.
 *
 * Counts only, never an answer, and no small-count suppression: the console is read by the campaign team, it is
 * not a publication (api_stats is). Counts come from stats_tally (what counts, kept by triggers: store.c), from
 * direct counts of the tests and exclusions, and from the paper tables (sheets, submissions.entry and entered_by)
 * for the mediators, whose names come from their tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "util.h"
#include "web.h"

/* The three channels a count can come from, always listed (a zero is information here). */
static const char *const channels[] = {"web", "mediator", "paper"};

/* The question of f that a territory is answered with, or NULL; *multiple tells whether it takes several. */
static const form_question *territory_question(const form *f, bool *multiple)
{
    for (size_t i = 0; i < f->nquestions; i++)
        if (f->questions[i].type == FQ_TERRITORY) {
            *multiple = f->questions[i].multiple;
            return &f->questions[i];
        }
    return NULL;
}

/* Adds n to member key of object o. */
static void add_count(json_t *o, const char *key, json_int_t n)
{
    json_t *v = json_object_get(o, key);
    if (v)
        json_integer_set(v, json_integer_value(v) + n);
    else
        json_object_set_new(o, key, json_integer(n));
}

/* The tally of every form: {form_id: {"total": n, "territory": {code: n}, "channel": {…}, "lang": {…},
 * "day": {…}}}. A new reference, or NULL when the database does not answer. */
static json_t *read_tally(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    json_t *out = json_object();
    if (sqlite3_prepare_v2(db, "SELECT form_id, territory, channel, lang, day, n FROM stats_tally", -1, &st,
                           NULL) != SQLITE_OK)
        goto err;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *form_id = (const char *)sqlite3_column_text(st, 0);
        json_int_t n = sqlite3_column_int64(st, 5);
        json_t *f = json_object_get(out, form_id);
        if (f == NULL) {
            f = json_pack("{s:I, s:{}, s:{}, s:{}, s:{}}", "total", (json_int_t)0, "territory", "channel", "lang",
                          "day");
            json_object_set_new(out, form_id, f);
        }
        add_count(f, "total", n);
        static const char *const groups[] = {"territory", "channel", "lang", "day"};
        for (int g = 0; g < 4; g++)
            add_count(json_object_get(f, groups[g]), (const char *)sqlite3_column_text(st, g + 1), n);
    }
    if (rc != SQLITE_DONE)
        goto err;
    sqlite3_finalize(st);
    return out;
err:
    sqlite3_finalize(st);
    json_decref(out);
    return NULL;
}

/* For a form whose territory question takes several answers (the operators' form: the territories an
 * organisation serves), the stats_tally has no territory: counts the counted answers that name each territory,
 * {code: n}. Reads the territory answer only, inside SQLite; such forms have few answers (organisations).
 * Returns a new reference, or NULL when the database does not answer. */
static json_t *multi_territory_counts(sqlite3 *db, const char *form_id, const char *question)
{
    sqlite3_stmt *st = NULL;
    json_t *out = json_object();
    char path[80];
    snprintf(path, sizeof path, "$.%s", question); /* question ids are checked identifiers (form.c) */
    if (sqlite3_prepare_v2(db, "SELECT j.value, count(*) FROM counted_submissions s, json_each(s.answers, ?2) j "
                           "WHERE s.form_id = ?1 AND j.type = 'text' GROUP BY j.value", -1, &st, NULL) != SQLITE_OK)
        goto err;
    sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_object_set_new(out, (const char *)sqlite3_column_text(st, 0), json_integer(sqlite3_column_int64(st, 1)));
    if (rc != SQLITE_DONE)
        goto err;
    sqlite3_finalize(st);
    return out;
err:
    sqlite3_finalize(st);
    json_decref(out);
    return NULL;
}

/* The territories of the file with their count in by_terr and f's own target, then one line "" ("non renseigné
 * ou hors liste") for the answers outside the file when there are any (single-territory forms only: for the
 * others an answer may name several territories, and the lines do not add up to the total). Sets *target to the
 * sum of the targets. */
static json_t *territory_lines(const form *f, const terr_set *ts, const json_t *by_terr, bool multiple,
                               json_int_t total, json_int_t *target)
{
    json_t *arr = json_array();
    json_int_t listed = 0;
    *target = 0;
    for (size_t i = 0; ts && i < ts->count; i++) {
        const terr *t = &ts->items[i];
        json_int_t n = json_integer_value(json_object_get(by_terr, t->code));
        long goal = terr_target(t, f->id);
        listed += n;
        *target += goal;
        json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I}", "code", t->code, "name", t->name, "n", n,
                                             "target", (json_int_t)goal));
    }
    if (!multiple && total > listed)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I}", "code", "", "name",
                                             "non renseigné ou hors liste", "n", total - listed, "target",
                                             (json_int_t)0));
    return arr;
}

/* The "days" array of a tally's "day" object: in date order, which jansson's key order is not. */
static json_t *day_lines(const json_t *days)
{
    size_t n = json_object_size(days), i = 0;
    const char **keys = xcalloc(n ? n : 1, sizeof *keys);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)days, k, v)
        keys[i++] = k;
    for (size_t a = 1; a < n; a++) /* insertion sort: a campaign has weeks of days, not thousands */
        for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
            const char *tmp = keys[b];
            keys[b] = keys[b - 1];
            keys[b - 1] = tmp;
        }
    json_t *arr = json_array();
    for (i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:O}", "day", keys[i], "n", json_object_get(days, keys[i])));
    free(keys);
    return arr;
}

/* The progress object of current form f from its tally counts (NULL: none yet). NULL when the database does
 * not answer. */
static json_t *form_progress(sqlite3 *db, const form *f, const terr_set *ts, const json_t *counts)
{
    json_int_t total = json_integer_value(json_object_get(counts, "total")), target = 0;
    bool multiple = false;
    const form_question *q = territory_question(f, &multiple);
    json_t *by_terr = NULL, *territories;
    if (q && multiple) {
        if ((by_terr = multi_territory_counts(db, f->id, q->id)) == NULL)
            return NULL;
    } else {
        by_terr = json_incref(json_object_get(counts, "territory"));
    }
    territories = q ? territory_lines(f, ts, by_terr, multiple, total, &target) : json_array();
    json_decref(by_terr);
    json_t *ch = json_object(), *langs = json_object();
    for (size_t i = 0; i < sizeof channels / sizeof *channels; i++)
        json_object_set_new(ch, channels[i], json_integer(0));
    for (size_t i = 0; i < f->nlanguages; i++)
        json_object_set_new(langs, f->languages[i], json_integer(0));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(counts, "channel"), k, v)
        add_count(ch, k, json_integer_value(v));
    json_object_foreach(json_object_get(counts, "lang"), k, v)
        add_count(langs, k, json_integer_value(v));
    return json_pack("{s:s, s:s, s:I, s:I, s:b, s:o, s:o, s:o, s:o}", "id", f->id, "title",
                     form_text(f->title, "fr"), "total", total, "target", target, "multiple_territories", multiple,
                     "territories", territories, "channels", ch, "languages", langs, "days",
                     day_lines(json_object_get(counts, "day")));
}

/* Runs sql (one row of integers) into the members names of o; false when the database does not answer. */
static bool count_row(sqlite3 *db, const char *sql, json_t *o, const char *const *names, int n)
{
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    for (int i = 0; ok && i < n; i++)
        json_object_set_new(o, names[i], json_integer(sqlite3_column_int64(st, i)));
    sqlite3_finalize(st);
    return ok;
}

/* The paper work of each mediator (and of any other token that typed entries): entries typed (first and second
 * entries; imports have no typist), second entries, and among the sheets they typed that were entered twice
 * (verified, discrepant, reconciled), how many disagreed. A disagreement is the pair's, so both typists of a
 * discrepant sheet count it: the rate says how often that person's sheets needed a reconciliation. Test-mode
 * entries are left out, as everywhere in the counts. Returns a new array, or NULL on a database error. */
static json_t *mediators(sqlite3 *db)
{
    static const char sql[] =
        "SELECT t.id, t.name, coalesce(a.typed, 0), coalesce(a.second, 0), coalesce(b.dis, 0), coalesce(b.cmp, 0)"
        " FROM tokens t"
        " LEFT JOIN (SELECT entered_by AS id, count(*) AS typed, sum(entry = 2) AS second FROM submissions"
        "   WHERE entry IN (1, 2) AND test = 0 AND entered_by IS NOT NULL GROUP BY entered_by) a ON a.id = t.id"
        " LEFT JOIN (SELECT s.entered_by AS id, sum(h.status <> 'verified') AS dis, count(*) AS cmp"
        "   FROM submissions s JOIN sheets h ON h.form_id = s.form_id AND h.paper_id = s.paper_id"
        "   WHERE s.entry IN (1, 2) AND s.test = 0 AND h.status IN ('verified', 'discrepant', 'reconciled')"
        "   GROUP BY s.entered_by) b ON b.id = t.id"
        " WHERE t.role = 'mediator' OR a.id IS NOT NULL ORDER BY t.id";
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto err;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_int_t dis = sqlite3_column_int64(st, 4), cmp = sqlite3_column_int64(st, 5);
        json_array_append_new(arr, json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:o}", "token_id",
                                             (json_int_t)sqlite3_column_int64(st, 0), "name",
                                             (const char *)sqlite3_column_text(st, 1), "sheets_typed",
                                             (json_int_t)sqlite3_column_int64(st, 2), "second_entries",
                                             (json_int_t)sqlite3_column_int64(st, 3), "compared", cmp,
                                             "disagreements", dis, "disagreement_rate",
                                             cmp > 0 ? json_real((double)dis / (double)cmp) : json_null()));
    }
    if (rc != SQLITE_DONE)
        goto err;
    sqlite3_finalize(st);
    return arr;
err:
    sqlite3_finalize(st);
    json_decref(arr);
    return NULL;
}

/* GET /api/v1/progress (admin, analyst). */
void api_progress(hreq *h, const char *const *params)
{
    (void)params;
    if (!auth_require(h, AUTH_ADMIN | AUTH_ANALYST, NULL))
        return;
    const catalog *c = h->srv->forms;
    sqlite3 *db = store_db(h->srv->reader);
    json_t *tally = read_tally(db), *forms = json_array(), *out = json_object(), *people = NULL;
    static const char *const apart[] = {"tests", "excluded", "test_mode"};
    if (tally == NULL)
        goto unavailable;
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (catalog_current(c, f->id) != f)
            continue;
        json_t *fp = form_progress(db, f, catalog_territories(c), json_object_get(tally, f->id));
        if (fp == NULL)
            goto unavailable;
        json_array_append_new(forms, fp);
    }
    if ((people = mediators(db)) == NULL)
        goto unavailable;
    /* What would count but for test mode or an exclusion: the retained answers (web answers and each sheet's
     * record), so that the numbers add up with the totals above. */
    if (!count_row(db, "SELECT (SELECT count(*) FROM retained_submissions WHERE test = 1),"
                   " (SELECT count(*) FROM retained_submissions WHERE excluded_at IS NOT NULL AND test = 0),"
                   " (SELECT count(*) FROM settings WHERE key = 'test_mode' AND value = 'on')", out, apart, 3))
        goto unavailable;
    json_object_set_new(out, "test_mode", json_boolean(json_integer_value(json_object_get(out, "test_mode"))));
    json_object_set_new(out, "forms", forms);
    json_object_set_new(out, "mediators", people);
    json_decref(tally);
    http_reply_json(h, 200, out);
    return;
unavailable:
    json_decref(tally);
    json_decref(forms);
    json_decref(people);
    json_decref(out);
    http_error(h, 503, "database_unavailable", NULL, "la base de données ne répond pas");
}

/* GET /api/v1/links (admin, analyst): for each current form and each territory, the campaign link and the
 * poster. The link preselects the territory (?t=) only for a form that asks for one territory; the operators'
 * form asks which territories an organisation serves, so its link is the same everywhere (its posters still
 * name the territory they are put up in). */
void api_links(hreq *h, const char *const *params)
{
    (void)params;
    if (!auth_require(h, AUTH_ADMIN | AUTH_ANALYST, NULL))
        return;
    char base[300];
    if (!web_base_url(h, base, sizeof base)) {
        http_error(h, 400, "invalid_host", "Host", "en-tête Host invalide ; lancez le collecteur avec --public-url");
        return;
    }
    const catalog *c = h->srv->forms;
    const terr_set *ts = catalog_territories(c);
    json_t *links = json_array();
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (catalog_current(c, f->id) != f)
            continue;
        bool multiple = false;
        bool preselect = territory_question(f, &multiple) != NULL && !multiple;
        json_t *langs = json_array();
        for (size_t l = 0; l < f->nlanguages; l++)
            json_array_append_new(langs, json_string(f->languages[l]));
        for (size_t t = 0; ts && t < ts->count; t++) {
            char url[512], poster[256];
            snprintf(url, sizeof url, "%s/f/%s%s%s", base, f->id, preselect ? "?t=" : "",
                     preselect ? ts->items[t].code : "");
            snprintf(poster, sizeof poster, "/poster/%s/%s", f->id, ts->items[t].code);
            json_array_append_new(links, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "form", f->id,
                                                   "form_title", form_text(f->title, "fr"), "territory",
                                                   ts->items[t].code, "territory_name", ts->items[t].name, "url",
                                                   url, "poster", poster, "languages", langs));
        }
        json_decref(langs);
    }
    http_reply_json(h, 200, json_pack("{s:o}", "links", links));
}
