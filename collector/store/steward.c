/* steward.c -- data stewardship in the store: corrections with their history, exclusions, test mode, erasure and
 * the audit trail (see steward.h). Every statement here runs on the caller's connection and inside the caller's
 * transaction; nothing commits on its own, so an action and its audit row stand or fall together.
 */
#include "steward.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "csv.h"
#include "util.h"

/* A submission counts in retained_submissions when it is not paper, or is its sheet's record while the sheet
 * counts (store.c, migrations 2 and 5): the same test as the view, for one row. */
#define RETAINED_SQL                                                                                              \
    "(s.paper_id IS NULL OR EXISTS (SELECT 1 FROM sheets h WHERE h.form_id = s.form_id AND h.final_uuid = s.uuid " \
    "AND h.status IN ('single', 'awaiting_second', 'verified', 'reconciled')))"

/* "YYYY-MM-DDTHH:MM:SSZ" now (UTC) into buf (at least 21 bytes): an action's time, to the second. */
static void now_second(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_actor(sqlite3_stmt *st, int i, const steward_actor *who)
{
    if (who->token_id > 0)
        sqlite3_bind_int64(st, i, who->token_id);
    else
        sqlite3_bind_null(st, i);
    sqlite3_bind_text(st, i + 1, who->name ? who->name : "ligne de commande", -1, SQLITE_TRANSIENT);
}

/* Prepares sql on s; on failure writes SQLite's message to err and returns NULL. */
static sqlite3_stmt *prepare(store *s, const char *sql, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* Steps a statement that returns no row and finalizes it. Returns 0, or -1 with SQLite's message in err. */
static int run(store *s, sqlite3_stmt *st, char *err, size_t errlen)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* A JSON string or null for a column. */
static json_t *col_json_string(sqlite3_stmt *st, int i)
{
    const char *v = col_text(st, i);
    return v ? json_string(v) : json_null();
}

/* ---------------------------------------------------------------------------------------------------------
 * Audit.
 */

int steward_audit(store *s, const steward_actor *who, const char *action, const char *target, const char *reason,
                  const char *detail_json, char *err, size_t errlen)
{
    char at[24];
    now_second(at, sizeof at);
    sqlite3_stmt *st = prepare(s, "INSERT INTO audit (at, actor, actor_name, action, target, reason, detail) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?)", err, errlen);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, at, -1, SQLITE_TRANSIENT);
    bind_actor(st, 2, who);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 5, target);
    bind_text_or_null(st, 6, reason);
    bind_text_or_null(st, 7, detail_json);
    return run(s, st, err, errlen);
}

json_t *steward_audit_list(store *s, long after, long limit)
{
    char err[256];
    sqlite3_stmt *st = prepare(s, "SELECT id, at, actor, actor_name, action, target, reason, detail FROM audit "
                                  "WHERE id > ? ORDER BY id LIMIT ?", err, sizeof err);
    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
    json_t *out = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *detail = col_text(st, 7) ? json_loads(col_text(st, 7), 0, NULL) : NULL;
        json_t *actor = sqlite3_column_type(st, 2) == SQLITE_NULL ? json_null()
                                                                   : json_integer(sqlite3_column_int64(st, 2));
        json_array_append_new(out, json_pack("{s:I, s:s, s:o, s:s, s:s, s:o, s:o, s:o}", "id",
                                             (json_int_t)sqlite3_column_int64(st, 0), "at", col_text(st, 1), "actor",
                                             actor, "actor_name", col_text(st, 3), "action", col_text(st, 4),
                                             "target", col_json_string(st, 5), "reason", col_json_string(st, 6),
                                             "detail", detail ? detail : json_null()));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* ---------------------------------------------------------------------------------------------------------
 * Reading one submission.
 */

/* The history of uuid, oldest first, as [{at, actor, actor_id, action, reason, changes}]; NULL on error. */
static json_t *history_of(store *s, const char *uuid)
{
    char err[256];
    sqlite3_stmt *st = prepare(s, "SELECT at, actor, actor_name, action, reason, changes FROM submission_history "
                                  "WHERE uuid = ? ORDER BY id", err, sizeof err);
    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    json_t *out = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *changes = col_text(st, 5) ? json_loads(col_text(st, 5), 0, NULL) : NULL;
        json_t *actor_id = sqlite3_column_type(st, 1) == SQLITE_NULL ? json_null()
                                                                      : json_integer(sqlite3_column_int64(st, 1));
        json_array_append_new(out, json_pack("{s:s, s:s, s:o, s:s, s:s, s:o}", "at", col_text(st, 0), "actor",
                                             col_text(st, 2), "actor_id", actor_id, "action", col_text(st, 3),
                                             "reason", col_text(st, 4), "changes", changes ? changes : json_null()));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *steward_get(store *s, const char *uuid)
{
    char err[256];
    sqlite3_stmt *st = prepare(s,
                               "SELECT s.uuid, s.form_id, s.form_version, s.lang, s.channel, s.territory, "
                               "s.started_at, s.received_at, s.receipt, s.test, s.excluded_at, s.excluded_reason, "
                               "s.paper_id, s.entry, (SELECT h.status FROM sheets h WHERE h.form_id = s.form_id AND "
                               "h.paper_id = s.paper_id), " RETAINED_SQL ", s.answers "
                               "FROM submissions s WHERE s.uuid = ?",
                               err, sizeof err);
    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    json_t *out = NULL;
    if (sqlite3_step(st) != SQLITE_ROW)
        goto done;
    bool test = sqlite3_column_int(st, 9) != 0, excluded = sqlite3_column_type(st, 10) != SQLITE_NULL;
    bool retained = sqlite3_column_int(st, 15) != 0;
    /* An excluded answer says so first: exclusion is a decision someone took about it; a test is where it came
     * from. A paper entry that is not its sheet's record never counted. */
    const char *status = !retained ? "not_counted" : excluded ? "excluded" : test ? "test" : "counted";
    json_t *answers = json_loads(col_text(st, 16), 0, NULL);
    json_t *history = history_of(s, uuid);
    out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:b}", "uuid", col_text(st, 0), "form_id",
                    col_text(st, 1), "form_version", col_text(st, 2), "lang", col_text(st, 3), "channel",
                    col_text(st, 4), "territory", col_json_string(st, 5), "started_at", col_json_string(st, 6),
                    "received_at", col_text(st, 7), "receipt", col_text(st, 8), "status", status, "test", test);
    json_object_set_new(out, "excluded", excluded ? json_pack("{s:s, s:o}", "at", col_text(st, 10), "reason",
                                                              col_json_string(st, 11))
                                                  : json_null());
    json_object_set_new(out, "paper",
                        sqlite3_column_type(st, 12) == SQLITE_NULL
                            ? json_null()
                            : json_pack("{s:s, s:I, s:o}", "paper_id", col_text(st, 12), "entry",
                                        (json_int_t)sqlite3_column_int64(st, 13), "sheet_status",
                                        col_json_string(st, 14)));
    json_object_set_new(out, "answers", answers ? answers : json_object());
    json_object_set_new(out, "history", history ? history : json_array());
done:
    sqlite3_finalize(st);
    return out;
}

int steward_current(store *s, const char *uuid, char **answers_json, char **form_id, char **form_version)
{
    char err[256];
    *answers_json = *form_id = *form_version = NULL;
    sqlite3_stmt *st = prepare(s, "SELECT answers, form_id, form_version FROM submissions WHERE uuid = ?", err,
                               sizeof err);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st), out = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    if (out == 1) {
        *answers_json = xstrdup(col_text(st, 0));
        *form_id = xstrdup(col_text(st, 1));
        *form_version = xstrdup(col_text(st, 2));
    }
    sqlite3_finalize(st);
    return out;
}

/* ---------------------------------------------------------------------------------------------------------
 * Corrections and exclusions.
 */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *steward_changes(const json_t *before, const json_t *after)
{
    /* The union of both key sets, sorted, so that the list reads in a stable order. */
    size_t n = json_object_size(before) + json_object_size(after), k = 0;
    const char **keys = xcalloc(n ? n : 1, sizeof *keys);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)before, key, v)
        keys[k++] = key;
    json_object_foreach((json_t *)after, key, v)
        if (json_object_get(before, key) == NULL)
            keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_str);
    json_t *out = json_array();
    for (size_t i = 0; i < k; i++) {
        json_t *b = json_object_get(before, keys[i]), *a = json_object_get(after, keys[i]);
        if (b && a && json_equal(b, a))
            continue;
        json_array_append_new(out, json_pack("{s:s, s:O, s:O}", "question", keys[i], "before", b ? b : json_null(),
                                             "after", a ? a : json_null()));
    }
    free(keys);
    return out;
}

/* The question ids of a changes array, as the audit detail {"questions": [...]}: which, never what. */
static char *changed_questions(const json_t *changes)
{
    json_t *ids = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
        json_array_append(ids, json_object_get(c, "question"));
    json_t *o = json_pack("{s:o}", "questions", ids);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

/* Appends a history row for uuid. previous and changes may be NULL. */
static int add_history(store *s, const steward_actor *who, const char *uuid, const char *action, const char *reason,
                       const char *previous, const char *changes, char *err, size_t errlen)
{
    char at[24];
    now_second(at, sizeof at);
    sqlite3_stmt *st = prepare(s, "INSERT INTO submission_history (uuid, at, actor, actor_name, action, reason, "
                                  "previous, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", err, errlen);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
    bind_actor(st, 3, who);
    sqlite3_bind_text(st, 5, action, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, reason, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 7, previous);
    bind_text_or_null(st, 8, changes);
    return run(s, st, err, errlen);
}

int steward_correct(store *s, const steward_actor *who, const char *uuid, const char *answers_json,
                    const char *territory, const char *reason, steward_outcome *out, char *err, size_t errlen)
{
    char *previous = NULL, *form_id = NULL, *version = NULL, *changes_text = NULL, *detail = NULL;
    json_t *before = NULL, *after = NULL, *changes = NULL;
    int rc = steward_current(s, uuid, &previous, &form_id, &version);
    if (rc <= 0) {
        *out = STEWARD_NOT_FOUND;
        if (rc < 0)
            snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        goto done;
    }
    rc = -1;
    before = json_loads(previous, 0, NULL);
    after = json_loads(answers_json, 0, NULL);
    if (!json_is_object(before) || !json_is_object(after)) {
        snprintf(err, errlen, "réponses illisibles (JSON) pour %s", uuid);
        goto done;
    }
    changes = steward_changes(before, after);
    if (json_array_size(changes) == 0) {
        *out = STEWARD_UNCHANGED;
        rc = 0;
        goto done;
    }
    changes_text = json_dumps(changes, JSON_COMPACT);
    detail = changed_questions(changes);
    sqlite3_stmt *st = prepare(s, "UPDATE submissions SET answers = ?, territory = ? WHERE uuid = ?", err, errlen);
    if (st == NULL)
        goto done;
    sqlite3_bind_text(st, 1, answers_json, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 2, territory);
    sqlite3_bind_text(st, 3, uuid, -1, SQLITE_TRANSIENT);
    if (run(s, st, err, errlen) < 0 ||
        add_history(s, who, uuid, "correct", reason, previous, changes_text, err, errlen) < 0 ||
        steward_audit(s, who, "correct", uuid, reason, detail, err, errlen) < 0)
        goto done;
    *out = STEWARD_DONE;
    rc = 0;
done:
    json_decref(before);
    json_decref(after);
    json_decref(changes);
    free(changes_text);
    free(detail);
    free(previous);
    free(form_id);
    free(version);
    return rc;
}

int steward_exclude(store *s, const steward_actor *who, const char *uuid, bool exclude, const char *reason,
                    steward_outcome *out, char *err, size_t errlen)
{
    sqlite3_stmt *st = prepare(s, "SELECT excluded_at IS NOT NULL FROM submissions WHERE uuid = ?", err, errlen);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    bool was = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        *out = STEWARD_NOT_FOUND;
        if (rc == SQLITE_DONE)
            return 0;
        snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        return -1;
    }
    if (was == exclude) {
        *out = STEWARD_UNCHANGED;
        return 0;
    }
    char at[24];
    now_second(at, sizeof at);
    st = prepare(s, "UPDATE submissions SET excluded_at = ?, excluded_reason = ? WHERE uuid = ?", err, errlen);
    if (st == NULL)
        return -1;
    bind_text_or_null(st, 1, exclude ? at : NULL);
    bind_text_or_null(st, 2, exclude ? reason : NULL);
    sqlite3_bind_text(st, 3, uuid, -1, SQLITE_TRANSIENT);
    const char *action = exclude ? "exclude" : "include";
    if (run(s, st, err, errlen) < 0 || add_history(s, who, uuid, action, reason, NULL, NULL, err, errlen) < 0 ||
        steward_audit(s, who, action, uuid, reason, NULL, err, errlen) < 0)
        return -1;
    *out = STEWARD_DONE;
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Erasure and purge.
 */

/* Deletes submission uuid with its history and, when it belongs to a paper sheet, every entry of that sheet, their
 * history and the sheet (whose decisions hold answer values). *deleted grows by the submissions deleted. */
static int erase_one(store *s, const char *uuid, long *deleted, char *err, size_t errlen)
{
    sqlite3_stmt *st = prepare(s, "SELECT form_id, paper_id FROM submissions WHERE uuid = ?", err, errlen);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    char *form_id = rc == SQLITE_ROW ? xstrdup(col_text(st, 0)) : NULL;
    char *paper_id = rc == SQLITE_ROW && col_text(st, 1) ? xstrdup(col_text(st, 1)) : NULL;
    sqlite3_finalize(st);
    int out = -1;
    if (rc == SQLITE_DONE) { /* already gone with its sheet */
        out = 0;
        goto done;
    }
    if (rc != SQLITE_ROW) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        goto done;
    }
    /* The rows to delete: this one, or every entry of its sheet. */
    static const char *const sql[] = {
        "DELETE FROM submission_history WHERE uuid IN (SELECT uuid FROM submissions WHERE uuid = ?1 OR "
        "(?3 IS NOT NULL AND form_id = ?2 AND paper_id = ?3))",
        /* the sheet before its entries: its delete trigger looks its record up to take it out of the tally */
        "DELETE FROM sheets WHERE ?3 IS NOT NULL AND form_id = ?2 AND paper_id = ?3",
        "DELETE FROM submissions WHERE uuid = ?1 OR (?3 IS NOT NULL AND form_id = ?2 AND paper_id = ?3)",
    };
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        if ((st = prepare(s, sql[i], err, errlen)) == NULL)
            goto done;
        sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, form_id, -1, SQLITE_TRANSIENT);
        bind_text_or_null(st, 3, paper_id);
        if (run(s, st, err, errlen) < 0)
            goto done;
        if (i == 2)
            *deleted += sqlite3_changes(store_db(s));
    }
    out = 0;
done:
    free(form_id);
    free(paper_id);
    return out;
}

/* A receipt as stored: upper case, and Crockford's look-alikes read as the digits they stand for (a receipt noted
 * by hand: "k7m2q-9xdht", "O" for 0, "I" or "L" for 1). Returns false when it cannot be a receipt. */
static bool canonical_receipt(const char *in, char out[STORE_RECEIPT_LEN + 1])
{
    if (strlen(in) != STORE_RECEIPT_LEN || in[5] != '-')
        return false;
    for (size_t i = 0; i < STORE_RECEIPT_LEN; i++) {
        char c = (char)toupper((unsigned char)in[i]);
        if (i != 5) {
            if (c == 'O')
                c = '0';
            else if (c == 'I' || c == 'L')
                c = '1';
            if (!isalnum((unsigned char)c) || c == 'U')
                return false;
        }
        out[i] = c;
    }
    out[STORE_RECEIPT_LEN] = '\0';
    return true;
}

int steward_erase(store *s, const steward_actor *who, const char *uuid_or_receipt, bool by_receipt,
                  const char *reason, steward_outcome *out, char *err, size_t errlen)
{
    char receipt[STORE_RECEIPT_LEN + 1];
    *out = STEWARD_NOT_FOUND;
    if (by_receipt && !canonical_receipt(uuid_or_receipt, receipt))
        return 0;
    sqlite3_stmt *st = prepare(s, by_receipt ? "SELECT uuid FROM submissions WHERE receipt = ?"
                                             : "SELECT uuid FROM submissions WHERE uuid = ?", err, errlen);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, by_receipt ? receipt : uuid_or_receipt, -1, SQLITE_TRANSIENT);
    /* A receipt is random and should name one submission; should two share it, both are the asker's to erase
     * as far as anyone can tell, so both go. */
    char **uuids = NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uuids = xrealloc(uuids, (n + 1) * sizeof *uuids);
        uuids[n++] = xstrdup(col_text(st, 0));
    }
    sqlite3_finalize(st);
    int status = -1;
    long deleted = 0;
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (erase_one(s, uuids[i], &deleted, err, errlen) < 0)
            goto done;
    /* that it happened, when, by whom, why: no uuid, no receipt, no detail */
    if (n > 0 && steward_audit(s, who, "erase", NULL, reason, NULL, err, errlen) < 0)
        goto done;
    if (n > 0)
        *out = STEWARD_DONE;
    status = 0;
done:
    for (size_t i = 0; i < n; i++)
        free(uuids[i]);
    free(uuids);
    return status;
}

int steward_purge_tests(store *s, const steward_actor *who, long *purged, char *err, size_t errlen)
{
    return steward_purge_tests_why(s, who, NULL, purged, err, errlen);
}

int steward_purge_tests_why(store *s, const steward_actor *who, const char *reason, long *purged, char *err,
                            size_t errlen)
{
    *purged = 0;
    sqlite3_stmt *st = prepare(s, "SELECT uuid FROM submissions WHERE test = 1 ORDER BY id", err, errlen);
    if (st == NULL)
        return -1;
    char **uuids = NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uuids = xrealloc(uuids, (n + 1) * sizeof *uuids);
        uuids[n++] = xstrdup(col_text(st, 0));
    }
    sqlite3_finalize(st);
    int status = -1;
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (erase_one(s, uuids[i], purged, err, errlen) < 0)
            goto done;
    char detail[48];
    snprintf(detail, sizeof detail, "{\"count\":%ld}", *purged);
    status = steward_audit(s, who, "purge_tests", NULL, reason, detail, err, errlen);
done:
    for (size_t i = 0; i < n; i++)
        free(uuids[i]);
    free(uuids);
    return status;
}

/* Copies the WAL into the database and truncates it. Returns 0, or -1 with a message (busy: a reader or a writer
 * kept it from finishing; the WAL then still holds pages). */
static int checkpoint_db(sqlite3 *db, char *err, size_t errlen)
{
    int log = -1, done = -1;
    int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "point de contrôle du journal (WAL) : %s", sqlite3_errmsg(db));
        return -1;
    }
    if (log != 0 || done != 0) { /* TRUNCATE leaves an empty WAL, 0 and 0, or says it could not */
        snprintf(err, errlen, "point de contrôle du journal (WAL) incomplet : %d pages sur %d", done, log);
        return -1;
    }
    return 0;
}

int steward_checkpoint(store *s, char *err, size_t errlen)
{
    return checkpoint_db(store_db(s), err, errlen);
}

int steward_checkpoint_file(const char *db_path, int wait_ms, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "ouverture de %s : %s", db_path, db ? sqlite3_errmsg(db) : "mémoire");
        goto done;
    }
    sqlite3_busy_timeout(db, wait_ms);
    /* A new connection knows the database is in WAL mode only once it has read it; until then a checkpoint is a
     * silent no-op. */
    if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "lecture de %s : %s", db_path, sqlite3_errmsg(db));
        goto done;
    }
    rc = checkpoint_db(db, err, errlen);
done:
    sqlite3_close(db);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------------
 * Test mode.
 */

bool steward_test_mode(store *s)
{
    sqlite3_stmt *st = NULL;
    bool on = false;
    if (sqlite3_prepare_v2(store_db(s), "SELECT value = 'on' FROM settings WHERE key = 'test_mode'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        on = sqlite3_column_int(st, 0) != 0;
    sqlite3_finalize(st);
    return on;
}

int steward_set_test_mode(store *s, const steward_actor *who, bool on, char *err, size_t errlen)
{
    sqlite3_stmt *st = prepare(s, "INSERT INTO settings (key, value) VALUES ('test_mode', ?) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value", err, errlen);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, on ? "on" : "off", -1, SQLITE_STATIC);
    if (run(s, st, err, errlen) < 0)
        return -1;
    return steward_audit(s, who, "test_mode", NULL, NULL, on ? "{\"on\":true}" : "{\"on\":false}", err, errlen);
}

int steward_campaign_counts(store *s, long *tests, long *excluded)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(store_db(s), "SELECT (SELECT count(*) FROM submissions WHERE test = 1), "
                           "(SELECT count(*) FROM submissions WHERE excluded_at IS NOT NULL)", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *tests = (long)sqlite3_column_int64(st, 0);
        *excluded = (long)sqlite3_column_int64(st, 1);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------------
 * The audit as CSV.
 */

void steward_audit_csv(const json_t *entries, sbuf *out)
{
    sbuf_adds(out, "numero,date,acteur_id,acteur,action,cible,motif,detail\r\n");
    size_t i;
    const json_t *e;
    json_array_foreach(entries, i, e) {
        static const char *const keys[] = {"id", "at", "actor", "actor_name", "action", "target", "reason", "detail"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
            const json_t *v = json_object_get(e, keys[k]);
            char *text = NULL;
            if (json_is_string(v))
                text = xstrdup(json_string_value(v));
            else if (json_is_object(v) || json_is_integer(v))
                text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            if (k)
                sbuf_add(out, ",", 1);
            csv_quote(out, text);
            free(text);
        }
        sbuf_add(out, "\r\n", 2);
    }
}
