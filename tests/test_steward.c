/* test_steward.c -- data stewardship in the store (collector/store/steward.c): the audit is append-only, a
 * correction keeps the previous answers in the history and moves the territory's count, exclusion and test mode
 * take answers out of what counts and bring them back, an erasure leaves no byte of the answers in the database
 * file or its WAL (a paper sheet goes whole), the purge of tests, a schema-4 database migrated to schema 5 with
 * every row kept and counted the same, and random steps (stewardship among inserts, paper entries and SQL edits)
 * after each of which stats_tally is the view's count (the triggers of migration 5).
 */
#include "testutil.h"

#include <ctype.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward.h"
#include "store.h"
#include "storeutil.h"

static const steward_actor admin = {.token_id = 3, .name = "coordinatrice"};

static int setup(void **state)
{
    (void)state;
    su_new_path("test_steward");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    su_remove();
    return 0;
}

/* Stores one web answer; returns its receipt in receipt (12 bytes). */
static void insert(store *s, const char *uuid, const char *answers, char *receipt)
{
    char err[256];
    store_sub sub;
    fill(&sub, uuid, answers);
    store_sub *batch[] = {&sub};
    assert_int_equal(store_insert_batch(s, batch, 1, err, sizeof err), 0);
    assert_int_equal(sub.outcome, STORE_CREATED);
    if (receipt)
        memcpy(receipt, sub.receipt, STORE_RECEIPT_LEN + 1);
}

/* The integer a query returns (its first column of its first row). */
static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

/* The rows of a query as one malloc'd text, a line per row and columns joined by '|'. */
static char *rows_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sbuf out = {0};
    sbuf_adds(&out, "");
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            sbuf_addf(&out, "%s%c", v ? v : "NULL", i + 1 < sqlite3_column_count(st) ? '|' : '\n');
        }
    sqlite3_finalize(st);
    return out.data;
}

#define TALLY_SQL "SELECT form_id, territory, channel, lang, day, n FROM stats_tally ORDER BY 1, 2, 3, 4, 5"
#define VIEW_SQL                                                                                                   \
    "SELECT form_id, coalesce(territory, ''), channel, lang, substr(received_at, 1, 10), count(*) "               \
    "FROM counted_submissions GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"

static void assert_tally_is_view(sqlite3 *db, const char *step)
{
    char *tally = rows_text(db, TALLY_SQL), *view = rows_text(db, VIEW_SQL);
    if (strcmp(tally, view) != 0)
        fail_msg("after %s, stats_tally:\n%sis not counted_submissions:\n%s", step, tally, view);
    free(tally);
    free(view);
}

static const char *status_of(store *s, const char *uuid)
{
    static char status[32];
    json_t *o = steward_get(s, uuid);
    assert_non_null(o);
    snprintf(status, sizeof status, "%s", json_string_value(json_object_get(o, "status")));
    json_decref(o);
    return status;
}

/* How many times needle occurs in the file at path (0 when the file does not exist). */
static int occurrences(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    sbuf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sbuf_add(&b, chunk, n);
    fclose(f);
    int count = 0;
    size_t len = strlen(needle);
    for (size_t i = 0; b.len >= len && i <= b.len - len; i++)
        count += memcmp(b.data + i, needle, len) == 0;
    sbuf_free(&b);
    return count;
}

static int occurrences_db_and_wal(const char *needle)
{
    char wal[96];
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    return occurrences(dbpath, needle) + occurrences(wal, needle);
}

/* ---- the audit ---- */

/* Rows go in with who, what and why, read back in order, and neither UPDATE nor DELETE can touch them. */
static void test_audit_append_only(void **state)
{
    (void)state;
    store *s = open_store();
    char err[256];
    steward_actor cli = {.token_id = 0, .name = "ligne de commande"};
    assert_int_equal(steward_audit(s, &admin, "export", "resident", NULL, "{\"format\":\"csv\"}", err, sizeof err), 0);
    assert_int_equal(steward_audit(s, &cli, "token_create", "token:4", "nouvelle médiatrice", NULL, err, sizeof err),
                     0);
    json_t *all = steward_audit_list(s, 0, 0);
    assert_int_equal(json_array_size(all), 2);
    json_t *e0 = json_array_get(all, 0), *e1 = json_array_get(all, 1);
    assert_string_equal(json_string_value(json_object_get(e0, "action")), "export");
    assert_int_equal(json_integer_value(json_object_get(e0, "actor")), 3);
    assert_string_equal(json_string_value(json_object_get(e0, "actor_name")), "coordinatrice");
    assert_string_equal(json_string_value(json_object_get(json_object_get(e0, "detail"), "format")), "csv");
    assert_true(json_is_null(json_object_get(e1, "actor")));
    assert_string_equal(json_string_value(json_object_get(e1, "reason")), "nouvelle médiatrice");
    assert_int_equal(strlen(json_string_value(json_object_get(e1, "at"))), 20); /* YYYY-MM-DDTHH:MM:SSZ */
    /* paging: after the first, at most one */
    json_t *page = steward_audit_list(s, json_integer_value(json_object_get(e0, "id")), 1);
    assert_int_equal(json_array_size(page), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(page, 0), "action")), "token_create");
    /* CSV: a header and a line per entry */
    sbuf csv = {0};
    steward_audit_csv(all, &csv);
    assert_non_null(strstr(csv.data, "numero,date,acteur_id,acteur,action,cible,motif,detail\r\n"));
    assert_non_null(strstr(csv.data, ",coordinatrice,export,resident,,"));
    sbuf_free(&csv);
    json_decref(page);
    json_decref(all);
    /* append-only, by the triggers of migration 5 */
    sqlite3 *db = store_db(s);
    char *msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET reason = 'autre' WHERE id = 1", NULL, NULL, &msg),
                         SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, &msg), SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    assert_int_equal(query_int(db, "SELECT count(*) FROM audit"), 2);
    store_close(s);
}

/* ---- corrections ---- */

static void test_correct_keeps_history(void **state)
{
    (void)state;
    store *s = open_store();
    sqlite3 *db = store_db(s);
    char err[256];
    const char *u = "11111111-1111-4111-8111-111111111111";
    insert(s, u, "{\"R01\":\"QN09399A\",\"R07\":\"bon\"}", NULL);
    steward_outcome out = 0;
    /* the same answers: nothing to do, nothing written */
    assert_int_equal(steward_correct(s, &admin, u, "{\"R01\":\"QN09399A\",\"R07\":\"bon\"}", "QN09399A", "relecture",
                                     &out, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_UNCHANGED);
    assert_int_equal(query_int(db, "SELECT count(*) FROM submission_history"), 0);
    /* a new territory and a new R07: the count moves to the new territory */
    assert_int_equal(steward_correct(s, &admin, u, "{\"R01\":\"QN09399B\",\"R07\":\"mauvais\"}", "QN09399B",
                                     "erreur de saisie", &out, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_DONE);
    assert_int_equal(query_int(db, "SELECT count(*) FROM stats_tally WHERE territory = 'QN09399B' AND n = 1"), 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM stats_tally WHERE territory = 'QN09399A'"), 0);
    assert_tally_is_view(db, "a correction");
    json_t *o = steward_get(s, u);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "answers"), "R07")), "mauvais");
    assert_string_equal(json_string_value(json_object_get(o, "territory")), "QN09399B");
    assert_string_equal(json_string_value(json_object_get(o, "status")), "counted");
    json_t *h = json_array_get(json_object_get(o, "history"), 0);
    assert_string_equal(json_string_value(json_object_get(h, "action")), "correct");
    assert_string_equal(json_string_value(json_object_get(h, "actor")), "coordinatrice");
    assert_string_equal(json_string_value(json_object_get(h, "reason")), "erreur de saisie");
    json_t *changes = json_object_get(h, "changes");
    assert_int_equal(json_array_size(changes), 2);
    json_t *c1 = json_array_get(changes, 1);
    assert_string_equal(json_string_value(json_object_get(c1, "question")), "R07");
    assert_string_equal(json_string_value(json_object_get(c1, "before")), "bon");
    assert_string_equal(json_string_value(json_object_get(c1, "after")), "mauvais");
    json_decref(o);
    /* the previous answers, whole, in the history; the audit names the questions, never the values */
    char *prev = rows_text(db, "SELECT previous FROM submission_history");
    assert_string_equal(prev, "{\"R01\":\"QN09399A\",\"R07\":\"bon\"}\n");
    free(prev);
    char *audit = rows_text(db, "SELECT action, target, reason, detail FROM audit");
    assert_string_equal(audit, "correct|11111111-1111-4111-8111-111111111111|erreur de saisie|"
                               "{\"questions\":[\"R01\",\"R07\"]}\n");
    free(audit);
    /* an answer removed shows as null after */
    assert_int_equal(steward_correct(s, &admin, u, "{\"R01\":\"QN09399B\"}", "QN09399B", "R07 jamais posée", &out,
                                     err, sizeof err), 0);
    json_t *before = json_loads("{\"a\":1,\"b\":[1,2]}", 0, NULL), *after = json_loads("{\"b\":[1,2],\"c\":3}", 0,
                                                                                      NULL);
    json_t *diff = steward_changes(before, after);
    char *text = json_dumps(diff, JSON_COMPACT);
    assert_string_equal(text, "[{\"question\":\"a\",\"before\":1,\"after\":null},"
                              "{\"question\":\"c\",\"before\":null,\"after\":3}]");
    free(text);
    json_decref(diff);
    json_decref(before);
    json_decref(after);
    /* unknown */
    assert_int_equal(steward_correct(s, &admin, "22222222-2222-4222-8222-222222222222", "{}", NULL, "x", &out, err,
                                     sizeof err), 0);
    assert_int_equal(out, STEWARD_NOT_FOUND);
    assert_null(steward_get(s, "22222222-2222-4222-8222-222222222222"));
    store_close(s);
}

/* ---- exclusion and test mode ---- */

static void test_exclude_and_test_mode(void **state)
{
    (void)state;
    store *s = open_store();
    sqlite3 *db = store_db(s);
    char err[256];
    const char *u1 = "11111111-1111-4111-8111-111111111111", *u2 = "11111111-1111-4111-8111-111111111112";
    insert(s, u1, "{\"R07\":\"bon\"}", NULL);
    steward_outcome out = 0;
    assert_int_equal(steward_exclude(s, &admin, u1, true, "doublon", &out, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_DONE);
    assert_string_equal(status_of(s, u1), "excluded");
    assert_int_equal(query_int(db, "SELECT count(*) FROM counted_submissions"), 0);
    assert_int_equal(query_int(db, "SELECT count(*) FROM retained_submissions"), 1);
    assert_tally_is_view(db, "an exclusion");
    assert_int_equal(steward_exclude(s, &admin, u1, true, "doublon", &out, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_UNCHANGED);
    json_t *o = steward_get(s, u1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "excluded"), "reason")), "doublon");
    json_decref(o);
    assert_int_equal(steward_exclude(s, &admin, u1, false, "pas un doublon", &out, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_DONE);
    assert_string_equal(status_of(s, u1), "counted");
    assert_tally_is_view(db, "an inclusion");
    assert_int_equal(steward_exclude(s, &admin, u1, false, "x", &out, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_UNCHANGED);
    /* test mode: what arrives is a test, shown apart, out of the counts, purged in one action */
    assert_false(steward_test_mode(s));
    assert_int_equal(steward_set_test_mode(s, &admin, true, err, sizeof err), 0);
    assert_true(steward_test_mode(s));
    insert(s, u2, "{\"R07\":\"mauvais\"}", NULL);
    assert_string_equal(status_of(s, u2), "test");
    assert_int_equal(query_int(db, "SELECT count(*) FROM counted_submissions"), 1);
    assert_tally_is_view(db, "a test answer");
    long tests = -1, excluded = -1;
    assert_int_equal(steward_campaign_counts(s, &tests, &excluded), 0);
    assert_int_equal(tests, 1);
    assert_int_equal(excluded, 0);
    assert_int_equal(steward_set_test_mode(s, &admin, false, err, sizeof err), 0);
    long purged = -1;
    assert_int_equal(steward_purge_tests_why(s, &admin, "fin de la formation", &purged, err, sizeof err), 0);
    assert_int_equal(purged, 1);
    assert_null(steward_get(s, u2));
    assert_string_equal(status_of(s, u1), "counted");
    assert_tally_is_view(db, "the purge");
    char *audit = rows_text(db, "SELECT action, coalesce(target, '-'), coalesce(reason, '-'), coalesce(detail, '-') "
                                "FROM audit ORDER BY id");
    assert_string_equal(audit, "exclude|11111111-1111-4111-8111-111111111111|doublon|-\n"
                               "include|11111111-1111-4111-8111-111111111111|pas un doublon|-\n"
                               "test_mode|-|-|{\"on\":true}\n"
                               "test_mode|-|-|{\"on\":false}\n"
                               "purge_tests|-|fin de la formation|{\"count\":1}\n");
    free(audit);
    store_close(s);
}

/* ---- erasure ---- */

#define MARKER "zq-marqueur-effacement-7731"

/* An answer with a marker, corrected once (so the history holds it too), erased by its receipt typed in lower
 * case: after the checkpoint, no byte of it in the file or the WAL, and the audit says only that it happened. */
static void test_erase_leaves_no_trace(void **state)
{
    (void)state;
    store *s = open_store();
    sqlite3 *db = store_db(s);
    char err[256], receipt[16];
    const char *u = "33333333-3333-4333-8333-333333333333";
    insert(s, "33333333-3333-4333-8333-000000000001", "{\"R07\":\"bon\"}", NULL);
    insert(s, u, "{\"R06\":[\"autre\"],\"R06b\":\"" MARKER "\",\"R07\":\"bon\"}", receipt);
    insert(s, "33333333-3333-4333-8333-000000000002", "{\"R07\":\"bon\"}", NULL);
    steward_outcome out = 0;
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    assert_int_equal(steward_correct(s, &admin, u, "{\"R06\":[\"autre\"],\"R06b\":\"" MARKER "\",\"R07\":\"mauvais\"}",
                                     NULL, "relecture du questionnaire", &out, err, sizeof err), 0);
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_DONE);
    /* the test can fail: before the erasure the marker is there (answers and history) */
    assert_true(occurrences_db_and_wal(MARKER) >= 2);
    for (char *p = receipt; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    assert_int_equal(steward_erase(s, &admin, receipt, true, "demande de la personne (RGPD)", &out, err, sizeof err), 0);
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_DONE);
    assert_int_equal(steward_checkpoint(s, err, sizeof err), 0);
    char wal[96];
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    FILE *f = fopen(wal, "rb");
    if (f) { /* truncated: nothing left in it */
        fseek(f, 0, SEEK_END);
        assert_int_equal(ftell(f), 0);
        fclose(f);
    }
    assert_int_equal(occurrences_db_and_wal(MARKER), 0);
    assert_null(steward_get(s, u));
    assert_int_equal(query_int(db, "SELECT count(*) FROM submissions"), 2);
    assert_int_equal(query_int(db, "SELECT count(*) FROM submission_history"), 0);
    assert_tally_is_view(db, "an erasure");
    /* the audit: that it happened, by whom, why; no uuid, no receipt */
    char *audit = rows_text(db, "SELECT actor, actor_name, action, coalesce(target, '-'), reason, coalesce(detail, "
                                "'-') FROM audit WHERE action = 'erase'");
    assert_string_equal(audit, "3|coordinatrice|erase|-|demande de la personne (RGPD)|-\n");
    free(audit);
    /* unknown and malformed receipts, a uuid erased twice */
    assert_int_equal(steward_erase(s, &admin, receipt, true, "x", &out, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_NOT_FOUND);
    assert_int_equal(steward_erase(s, &admin, "pas-un-recu", true, "x", &out, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_NOT_FOUND);
    assert_int_equal(steward_erase(s, &admin, u, false, "x", &out, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_NOT_FOUND);
    assert_int_equal(query_int(db, "SELECT count(*) FROM audit WHERE action = 'erase'"), 1);
    store_close(s);
}

/* Types one paper entry of sheet paper_id by typist `by`. */
static void type_entry(store *s, const char *uuid, const char *paper_id, long by, const char *answers,
                       const char *decisions)
{
    char err[256];
    store_sub sub;
    fill(&sub, uuid, answers);
    sub.channel = "paper";
    store_paper p = {.sub = &sub, .paper_id = paper_id, .entered_by = by};
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    if (decisions)
        assert_int_equal(store_paper_reconcile(s, &p, decisions, err, sizeof err), 0);
    else
        assert_int_equal(store_paper_entry(s, &p, err, sizeof err), 0);
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    assert_int_equal(sub.outcome, STORE_CREATED);
}

/* A paper sheet typed twice with a disagreement, reconciled with a decision that quotes the answer: erasing one
 * entry erases the three and the sheet (its decisions hold answer values). */
static void test_erase_paper_sheet(void **state)
{
    (void)state;
    store *s = open_store();
    sqlite3 *db = store_db(s);
    char err[256];
    type_entry(s, "44444444-4444-4444-8444-000000000001", "P1", 1, "{\"R06b\":\"" MARKER "\",\"R07\":\"bon\"}", NULL);
    type_entry(s, "44444444-4444-4444-8444-000000000002", "P1", 2, "{\"R06b\":\"" MARKER "x\",\"R07\":\"bon\"}", NULL);
    type_entry(s, "44444444-4444-4444-8444-000000000003", "P1", 3, "{\"R06b\":\"" MARKER "\",\"R07\":\"bon\"}",
               "[{\"field\":\"R06b\",\"first\":\"" MARKER "\",\"second\":\"" MARKER "x\",\"chosen\":\"" MARKER "\"}]");
    type_entry(s, "44444444-4444-4444-8444-000000000004", "P2", 1, "{\"R07\":\"bon\"}", NULL);
    assert_string_equal(status_of(s, "44444444-4444-4444-8444-000000000003"), "counted");
    assert_string_equal(status_of(s, "44444444-4444-4444-8444-000000000002"), "not_counted");
    json_t *o = steward_get(s, "44444444-4444-4444-8444-000000000002");
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "paper"), "sheet_status")), "reconciled");
    json_decref(o);
    steward_outcome out = 0;
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    assert_int_equal(steward_erase(s, &admin, "44444444-4444-4444-8444-000000000002", false, "demande", &out, err,
                                   sizeof err), 0);
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_DONE);
    /* the server's way: a connection of its own (a new connection must read before it can checkpoint) */
    assert_int_equal(steward_checkpoint_file(dbpath, 100, err, sizeof err), 0);
    char wal[96];
    struct stat stw;
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    assert_int_equal(stat(wal, &stw), 0);
    assert_int_equal(stw.st_size, 0);
    assert_int_equal(occurrences_db_and_wal(MARKER), 0);
    char *left = rows_text(db, "SELECT uuid FROM submissions UNION ALL SELECT paper_id FROM sheets");
    assert_string_equal(left, "44444444-4444-4444-8444-000000000004\nP2\n");
    free(left);
    assert_tally_is_view(db, "a sheet erased");
    store_close(s);
}

/* ---- migration 4 -> 5 ---- */

/* Schema 4 as released (migrations 1 to 4 of collector/store/store.c, frozen here: the databases in the field). */
static const char schema4[] =
    "CREATE TABLE submissions ("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL UNIQUE,"
    "  form_id TEXT NOT NULL,"
    "  form_version TEXT NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  territory TEXT,"
    "  started_at TEXT,"
    "  received_at TEXT NOT NULL,"
    "  receipt TEXT NOT NULL,"
    "  content_hash BLOB NOT NULL,"
    "  answers TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX submissions_by_form ON submissions(form_id, id);"
    "CREATE TABLE tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  role TEXT NOT NULL CHECK (role IN ('mediator', 'analyst', 'admin')),"
    "  name TEXT NOT NULL,"
    "  secret_hash BLOB NOT NULL UNIQUE,"
    "  created_at TEXT NOT NULL,"
    "  revoked_at TEXT"
    ") STRICT;"
    "ALTER TABLE submissions ADD COLUMN paper_id TEXT;"
    "ALTER TABLE submissions ADD COLUMN entry INTEGER;"
    "ALTER TABLE submissions ADD COLUMN entered_by INTEGER;"
    "CREATE UNIQUE INDEX submissions_paper ON submissions(form_id, paper_id, entry) WHERE paper_id IS NOT NULL;"
    "CREATE TABLE sheets ("
    "  form_id TEXT NOT NULL,"
    "  paper_id TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('single', 'awaiting_second', 'verified', 'discrepant', 'reconciled')),"
    "  double INTEGER NOT NULL,"
    "  final_uuid TEXT,"
    "  decided_by INTEGER,"
    "  decided_at TEXT,"
    "  decisions TEXT,"
    "  PRIMARY KEY (form_id, paper_id)"
    ") STRICT;"
    "CREATE TABLE campaign ("
    "  form_id TEXT PRIMARY KEY,"
    "  double_rate REAL NOT NULL CHECK (double_rate >= 0 AND double_rate <= 1)"
    ") STRICT;"
    "CREATE VIEW counted_submissions AS"
    "  SELECT s.* FROM submissions s WHERE s.paper_id IS NULL"
    "  UNION ALL"
    "  SELECT s.* FROM submissions s JOIN sheets h ON h.form_id = s.form_id AND h.final_uuid = s.uuid"
    "  WHERE h.status IN ('single', 'awaiting_second', 'verified', 'reconciled');"
    "CREATE TABLE stats_tally ("
    "  form_id TEXT NOT NULL,"
    "  territory TEXT NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  day TEXT NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY (form_id, territory, channel, lang, day)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX sheets_final_uuid ON sheets(final_uuid) WHERE final_uuid IS NOT NULL;"
    "INSERT INTO stats_tally (form_id, territory, channel, lang, day, n)"
    "  SELECT form_id, coalesce(territory, ''), channel, lang, substr(received_at, 1, 10), count(*)"
    "  FROM counted_submissions WHERE true GROUP BY 1, 2, 3, 4, 5;"
    "CREATE TRIGGER stats_tally_drop_zero AFTER UPDATE OF n ON stats_tally WHEN NEW.n <= 0 BEGIN"
    "  DELETE FROM stats_tally WHERE form_id = NEW.form_id AND territory = NEW.territory"
    "    AND channel = NEW.channel AND lang = NEW.lang AND day = NEW.day;"
    "END;"
    "CREATE TRIGGER stats_submission_insert AFTER INSERT ON submissions BEGIN"
    "  INSERT INTO stats_tally (form_id, territory, channel, lang, day, n)"
    "    SELECT NEW.form_id, coalesce(NEW.territory, ''), NEW.channel, NEW.lang, substr(NEW.received_at, 1, 10), m"
    "    FROM (SELECT (NEW.paper_id IS NULL) + (SELECT count(*) FROM sheets h WHERE h.final_uuid = NEW.uuid"
    "      AND h.form_id = NEW.form_id AND h.status IN ('single', 'awaiting_second', 'verified', 'reconciled')) AS m)"
    "    WHERE m > 0"
    "  ON CONFLICT (form_id, territory, channel, lang, day) DO UPDATE SET n = n + excluded.n;"
    "END;"
    "CREATE TRIGGER stats_submission_delete AFTER DELETE ON submissions BEGIN"
    "  UPDATE stats_tally SET n = n - ((OLD.paper_id IS NULL) + (SELECT count(*) FROM sheets h"
    "    WHERE h.final_uuid = OLD.uuid AND h.form_id = OLD.form_id"
    "    AND h.status IN ('single', 'awaiting_second', 'verified', 'reconciled')))"
    "  WHERE form_id = OLD.form_id AND territory = coalesce(OLD.territory, '') AND channel = OLD.channel"
    "    AND lang = OLD.lang AND day = substr(OLD.received_at, 1, 10);"
    "END;"
    "CREATE TRIGGER stats_submission_update"
    "  AFTER UPDATE OF uuid, form_id, lang, channel, territory, received_at, paper_id ON submissions BEGIN"
    "  UPDATE stats_tally SET n = n - ((OLD.paper_id IS NULL) + (SELECT count(*) FROM sheets h"
    "    WHERE h.final_uuid = OLD.uuid AND h.form_id = OLD.form_id"
    "    AND h.status IN ('single', 'awaiting_second', 'verified', 'reconciled')))"
    "  WHERE form_id = OLD.form_id AND territory = coalesce(OLD.territory, '') AND channel = OLD.channel"
    "    AND lang = OLD.lang AND day = substr(OLD.received_at, 1, 10);"
    "  INSERT INTO stats_tally (form_id, territory, channel, lang, day, n)"
    "    SELECT NEW.form_id, coalesce(NEW.territory, ''), NEW.channel, NEW.lang, substr(NEW.received_at, 1, 10), m"
    "    FROM (SELECT (NEW.paper_id IS NULL) + (SELECT count(*) FROM sheets h WHERE h.final_uuid = NEW.uuid"
    "      AND h.form_id = NEW.form_id AND h.status IN ('single', 'awaiting_second', 'verified', 'reconciled')) AS m)"
    "    WHERE m > 0"
    "  ON CONFLICT (form_id, territory, channel, lang, day) DO UPDATE SET n = n + excluded.n;"
    "END;"
    "CREATE TRIGGER stats_sheet_insert AFTER INSERT ON sheets"
    "  WHEN NEW.status IN ('single', 'awaiting_second', 'verified', 'reconciled') BEGIN"
    "  INSERT INTO stats_tally (form_id, territory, channel, lang, day, n)"
    "    SELECT s.form_id, coalesce(s.territory, ''), s.channel, s.lang, substr(s.received_at, 1, 10), 1"
    "    FROM submissions s WHERE s.uuid = NEW.final_uuid AND s.form_id = NEW.form_id"
    "  ON CONFLICT (form_id, territory, channel, lang, day) DO UPDATE SET n = n + excluded.n;"
    "END;"
    "CREATE TRIGGER stats_sheet_delete AFTER DELETE ON sheets"
    "  WHEN OLD.status IN ('single', 'awaiting_second', 'verified', 'reconciled') BEGIN"
    "  UPDATE stats_tally SET n = n - 1 WHERE (form_id, territory, channel, lang, day) ="
    "    (SELECT s.form_id, coalesce(s.territory, ''), s.channel, s.lang, substr(s.received_at, 1, 10)"
    "     FROM submissions s WHERE s.uuid = OLD.final_uuid AND s.form_id = OLD.form_id);"
    "END;"
    "CREATE TRIGGER stats_sheet_update AFTER UPDATE OF form_id, status, final_uuid ON sheets BEGIN"
    "  UPDATE stats_tally SET n = n - 1"
    "  WHERE OLD.status IN ('single', 'awaiting_second', 'verified', 'reconciled')"
    "    AND (form_id, territory, channel, lang, day) ="
    "    (SELECT s.form_id, coalesce(s.territory, ''), s.channel, s.lang, substr(s.received_at, 1, 10)"
    "     FROM submissions s WHERE s.uuid = OLD.final_uuid AND s.form_id = OLD.form_id);"
    "  INSERT INTO stats_tally (form_id, territory, channel, lang, day, n)"
    "    SELECT s.form_id, coalesce(s.territory, ''), s.channel, s.lang, substr(s.received_at, 1, 10), 1"
    "    FROM submissions s WHERE NEW.status IN ('single', 'awaiting_second', 'verified', 'reconciled')"
    "      AND s.uuid = NEW.final_uuid AND s.form_id = NEW.form_id"
    "  ON CONFLICT (form_id, territory, channel, lang, day) DO UPDATE SET n = n + excluded.n;"
    "END;"
    "CREATE TABLE form_versions ("
    "  form_id TEXT NOT NULL,"
    "  version TEXT NOT NULL,"
    "  fingerprint TEXT NOT NULL,"
    "  definition TEXT NOT NULL,"
    "  first_answer_at TEXT NOT NULL,"
    "  adopted INTEGER NOT NULL CHECK (adopted IN (0, 1)),"
    "  PRIMARY KEY (form_id, version)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX submissions_by_version ON submissions(form_id, form_version);"
    "PRAGMA user_version = 4;";

/* Rows of every kind: web answers (two forms, three days, no territory), paper sheets single, awaiting their second
 * entry, verified, discrepant and reconciled, a token, a double-entry rate, a recorded form version. */
static const char rows4[] =
    "INSERT INTO submissions (uuid, form_id, form_version, lang, channel, territory, started_at, received_at,"
    "  receipt, content_hash, answers, paper_id, entry, entered_by) VALUES"
    " ('w1', 'resident', '1', 'fr', 'web', 'QN09399A', '2026-11-02T09:10Z', '2026-11-02T09:12Z', 'R1', x'01',"
    "  '{\"R07\":\"bon\"}', NULL, NULL, NULL),"
    " ('w2', 'resident', '1', 'ar', 'web', 'QN09399A', NULL, '2026-11-02T23:59Z', 'R2', x'02', '{}', NULL, NULL, NULL),"
    " ('w3', 'resident', '1', 'fr', 'mediator', 'QN09399B', NULL, '2026-11-03T00:00Z', 'R3', x'03', '{}', NULL, NULL,"
    "  NULL),"
    " ('w4', 'resident', '1', 'tr', 'web', NULL, NULL, '2026-11-03T10:00Z', 'R4', x'04', '{}', NULL, NULL, NULL),"
    " ('w5', 'operator', '1', 'en', 'web', NULL, NULL, '2026-11-03T10:00Z', 'R5', x'05', '{}', NULL, NULL, NULL),"
    " ('p1', 'resident', '1', 'fr', 'paper', 'QN09399C', NULL, '2026-11-04T08:00Z', 'R6', x'06', '{}', 'S1', 1, 7),"
    " ('p2', 'resident', '1', 'fr', 'paper', 'QN09399C', NULL, '2026-11-04T08:01Z', 'R7', x'07', '{}', 'S2', 1, 7),"
    " ('p3', 'resident', '1', 'fr', 'paper', 'hors_qpv', NULL, '2026-11-04T08:02Z', 'R8', x'08', '{}', 'S3', 1, 7),"
    " ('p4', 'resident', '1', 'fr', 'paper', 'hors_qpv', NULL, '2026-11-05T08:02Z', 'R9', x'09', '{}', 'S3', 2, 8),"
    " ('p5', 'resident', '1', 'fr', 'paper', 'QN09399D', NULL, '2026-11-04T08:03Z', 'RA', x'0a', '{}', 'S4', 1, 7),"
    " ('p6', 'resident', '1', 'fr', 'paper', 'QN09399A', NULL, '2026-11-05T08:03Z', 'RB', x'0b', '{}', 'S4', 2, 8),"
    " ('p7', 'resident', '1', 'fr', 'paper', 'QN09399B', NULL, '2026-11-04T08:04Z', 'RC', x'0c', '{}', 'S5', 1, 7),"
    " ('p8', 'resident', '1', 'fr', 'paper', 'QN09399C', NULL, '2026-11-05T08:04Z', 'RD', x'0d', '{}', 'S5', 2, 8),"
    " ('p9', 'resident', '1', 'fr', 'paper', 'QN09399D', NULL, '2026-11-06T08:04Z', 'RE', x'0e', '{}', 'S5', 0, 9);"
    "INSERT INTO sheets (form_id, paper_id, status, double, final_uuid, decided_by, decided_at, decisions) VALUES"
    " ('resident', 'S1', 'single', 0, 'p1', NULL, NULL, NULL),"
    " ('resident', 'S2', 'awaiting_second', 1, 'p2', NULL, NULL, NULL),"
    " ('resident', 'S3', 'verified', 1, 'p3', NULL, NULL, NULL),"
    " ('resident', 'S4', 'discrepant', 1, NULL, NULL, NULL, NULL),"
    " ('resident', 'S5', 'reconciled', 1, 'p9', 9, '2026-11-06T08:04Z', '[{\"field\":\"R01\"}]');"
    "INSERT INTO tokens (role, name, secret_hash, created_at) VALUES ('admin', 'a', x'aa', '2026-11-01T00:00Z');"
    "INSERT INTO campaign (form_id, double_rate) VALUES ('resident', 0.5);"
    "INSERT INTO form_versions VALUES ('resident', '1', 'ab', '{}', '2026-11-02T09:12Z', 1);";

#define SUBMISSIONS4_SQL                                                                                           \
    "SELECT id, uuid, form_id, form_version, lang, channel, territory, started_at, received_at, receipt, "        \
    "hex(content_hash), answers, paper_id, entry, entered_by FROM submissions ORDER BY id"
#define OTHERS4_SQL                                                                                                \
    "SELECT 'sheet', form_id, paper_id, status, double, final_uuid, decided_by, decided_at, decisions FROM sheets " \
    "UNION ALL SELECT 'token', id, role, name, hex(secret_hash), created_at, revoked_at, NULL, NULL FROM tokens "     \
    "UNION ALL SELECT 'campaign', form_id, double_rate, NULL, NULL, NULL, NULL, NULL, NULL FROM campaign "            \
    "UNION ALL SELECT 'version', form_id, version, fingerprint, definition, first_answer_at, adopted, NULL, NULL "    \
    "FROM form_versions ORDER BY 1, 2, 3"

static void test_migration_4_to_5(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, schema4, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, rows4, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("schema 4: %s", msg);
    assert_int_equal(query_int(db, "PRAGMA user_version"), 4);
    char *subs_before = rows_text(db, SUBMISSIONS4_SQL), *others_before = rows_text(db, OTHERS4_SQL);
    char *view_before = rows_text(db, VIEW_SQL), *tally_before = rows_text(db, TALLY_SQL);
    assert_string_equal(tally_before, view_before); /* schema 4's own triggers kept it */
    sqlite3_close(db);

    store *s = open_store();
    assert_int_equal(store_schema_version(s), 5);
    db = store_db(s);
    char *subs_after = rows_text(db, SUBMISSIONS4_SQL), *others_after = rows_text(db, OTHERS4_SQL);
    char *view_after = rows_text(db, VIEW_SQL), *tally_after = rows_text(db, TALLY_SQL);
    assert_string_equal(subs_after, subs_before);
    assert_string_equal(others_after, others_before);
    assert_string_equal(view_after, view_before);
    assert_string_equal(tally_after, tally_before);
    /* nothing excluded, nothing a test, nothing audited: what counted still counts, the same */
    assert_int_equal(query_int(db, "SELECT count(*) FROM submissions WHERE test = 0 AND excluded_at IS NULL"), 14);
    assert_int_equal(query_int(db, "SELECT count(*) FROM retained_submissions"), 9);
    assert_int_equal(query_int(db, "SELECT count(*) FROM counted_submissions"), 9);
    assert_int_equal(query_int(db, "SELECT count(*) FROM audit"), 0);
    /* and the new triggers work on migrated rows */
    char err[256];
    steward_outcome out = 0;
    assert_int_equal(steward_exclude(s, &admin, "p9", true, "doublon", &out, err, sizeof err), 0);
    assert_int_equal(out, STEWARD_DONE);
    assert_int_equal(query_int(db, "SELECT count(*) FROM counted_submissions"), 8);
    assert_tally_is_view(db, "excluding a migrated reconciled record");
    free(subs_before);
    free(others_before);
    free(view_before);
    free(tally_before);
    free(subs_after);
    free(others_after);
    free(view_after);
    free(tally_after);
    store_close(s);
}

/* ---- random steps: the tally follows stewardship ---- */

static unsigned long long next_rand(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

#define PICK(seed, array) (array)[next_rand(seed) % (sizeof(array) / sizeof *(array))]

/* The uuid of a random stored submission into out (37 bytes); false when there is none. */
static bool random_uuid(sqlite3 *db, unsigned long long *seed, char *out)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT uuid FROM submissions ORDER BY id LIMIT 1 OFFSET ?", -1, &st, NULL);
    long long n = query_int(db, "SELECT count(*) FROM submissions");
    sqlite3_bind_int64(st, 1, n > 0 ? (long long)(next_rand(seed) % (unsigned long long)n) : 0);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        snprintf(out, 37, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return found;
}

/* Random steps: web answers in and out of test mode, paper entries and reconciliations, exclusions and
 * inclusions, corrections that move the territory, erasures (a sheet goes whole), purges, and SQL edits of the
 * test flag and exclusion the store never runs: after each one, stats_tally is counted_submissions' count. */
static void test_tally_follows_stewardship(void **state)
{
    (void)state;
    store *s = open_store();
    sqlite3 *db = store_db(s);
    char err[256];
    unsigned long long seed = 29;
    static const char *const territories[] = {"QN09399A", "QN09399B", "hors_qpv", NULL};
    static const char *const langs[] = {"fr", "ar"};
    static const char *const days[] = {"2026-11-02T08:00Z", "2026-11-03T00:00Z", "2026-11-04T12:30Z"};
    static const char *const answers[] = {"{\"R07\":\"bon\"}", "{\"R07\":\"mauvais\"}"};
    assert_int_equal(store_set_double_rate(s, "resident", 0.7, err, sizeof err), 0);
    int uuid_next = 0, sheets = 0;
    long excluded_seen = 0, tests_seen = 0, erased = 0, corrected = 0;
    for (int step = 0; step < 700; step++) {
        char what[96], uuid[37], other[37];
        store_sub sub;
        snprintf(uuid, sizeof uuid, "%08x-0000-4000-8000-%012d", (unsigned)step, uuid_next++);
        fill(&sub, uuid, PICK(&seed, answers));
        sub.territory = PICK(&seed, territories);
        sub.lang = PICK(&seed, langs);
        sub.received_minute = PICK(&seed, days);
        int kind = (int)(next_rand(&seed) % 12);
        steward_outcome out = 0;
        if (kind <= 2) {
            store_sub *batch[] = {&sub};
            assert_int_equal(store_insert_batch(s, batch, 1, err, sizeof err), 0);
            snprintf(what, sizeof what, "step %d: a web answer (test mode %d)", step, steward_test_mode(s));
        } else if (kind <= 4) {
            char paper_id[16];
            bool fresh = sheets == 0 || next_rand(&seed) % 3 == 0;
            snprintf(paper_id, sizeof paper_id, "F%d", fresh ? sheets++ : (int)(next_rand(&seed) % (unsigned)sheets));
            sub.channel = "paper";
            store_paper p = {.sub = &sub, .paper_id = paper_id, .entered_by = 1 + (long)(next_rand(&seed) % 3)};
            assert_int_equal(store_begin(s, err, sizeof err), 0);
            if (next_rand(&seed) % 4 == 0) {
                p.entered_by = 99;
                assert_int_equal(store_paper_reconcile(s, &p, "[]", err, sizeof err), 0);
            } else {
                assert_int_equal(store_paper_entry(s, &p, err, sizeof err), 0);
            }
            assert_int_equal(store_commit(s, err, sizeof err), 0);
            snprintf(what, sizeof what, "step %d: paper %s (%s)", step, paper_id, p.refusal ? p.refusal : p.status);
        } else if (kind <= 6 && random_uuid(db, &seed, other)) {
            bool ex = next_rand(&seed) % 3 != 0;
            assert_int_equal(steward_exclude(s, &admin, other, ex, "motif", &out, err, sizeof err), 0);
            snprintf(what, sizeof what, "step %d: %s %s", step, ex ? "exclude" : "include", other);
        } else if (kind == 7) {
            assert_int_equal(steward_set_test_mode(s, &admin, !steward_test_mode(s), err, sizeof err), 0);
            snprintf(what, sizeof what, "step %d: test mode switched", step);
        } else if (kind == 8 && random_uuid(db, &seed, other)) {
            const char *t = PICK(&seed, territories);
            char text[64];
            snprintf(text, sizeof text, "{\"R01\":\"%s\",\"R07\":\"%s\"}", t ? t : "", next_rand(&seed) % 2 ? "bon" :
                     "tres_bon");
            assert_int_equal(store_begin(s, err, sizeof err), 0);
            assert_int_equal(steward_correct(s, &admin, other, text, t, "correction", &out, err, sizeof err), 0);
            assert_int_equal(store_commit(s, err, sizeof err), 0);
            corrected += out == STEWARD_DONE;
            snprintf(what, sizeof what, "step %d: correct %s", step, other);
        } else if (kind == 9 && random_uuid(db, &seed, other)) {
            assert_int_equal(store_begin(s, err, sizeof err), 0);
            assert_int_equal(steward_erase(s, &admin, other, false, "effacement", &out, err, sizeof err), 0);
            assert_int_equal(store_commit(s, err, sizeof err), 0);
            erased += out == STEWARD_DONE;
            snprintf(what, sizeof what, "step %d: erase %s", step, other);
        } else if (kind == 10 && next_rand(&seed) % 4 == 0) {
            long purged;
            assert_int_equal(store_begin(s, err, sizeof err), 0);
            assert_int_equal(steward_purge_tests(s, &admin, &purged, err, sizeof err), 0);
            assert_int_equal(store_commit(s, err, sizeof err), 0);
            snprintf(what, sizeof what, "step %d: %ld tests purged", step, purged);
        } else if (random_uuid(db, &seed, other)) { /* SQL the store does not run */
            sqlite3_stmt *st;
            sqlite3_prepare_v2(db, next_rand(&seed) % 2 ? "UPDATE submissions SET test = 1 - test WHERE uuid = ?"
                                                        : "UPDATE submissions SET excluded_at = CASE WHEN excluded_at "
                                                          "IS NULL THEN 'x' END WHERE uuid = ?",
                               -1, &st, NULL);
            sqlite3_bind_text(st, 1, other, -1, SQLITE_TRANSIENT);
            assert_int_equal(sqlite3_step(st), SQLITE_DONE);
            sqlite3_finalize(st);
            snprintf(what, sizeof what, "step %d: SQL flips a flag of %s", step, other);
        } else {
            snprintf(what, sizeof what, "step %d: nothing", step);
        }
        assert_tally_is_view(db, what);
        excluded_seen += query_int(db, "SELECT count(*) FROM retained_submissions WHERE excluded_at IS NOT NULL") > 0;
        tests_seen += query_int(db, "SELECT count(*) FROM retained_submissions WHERE test = 1") > 0;
    }
    fprintf(stderr, "stewardship: 700 steps, %ld corrections, %ld erasures; excluded rows present in %ld steps, "
            "tests in %ld\n", corrected, erased, excluded_seen, tests_seen);
    assert_true(corrected > 10 && erased > 10 && excluded_seen > 100 && tests_seen > 100);
    assert_true(query_int(db, "SELECT count(*) FROM counted_submissions") > 20);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_correct_keeps_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exclude_and_test_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erase_leaves_no_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erase_paper_sheet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_4_to_5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tally_follows_stewardship, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
