/* test_store.c -- the collector's store: migrations (a released schema-2 database with rows of every kind
 * brought up to date), the idempotency rules of batched inserts, a batch that cannot commit, tokens, receipts,
 * backup, paper double entry, the counts the triggers keep (equal to the view after every random step), frozen
 * form versions (migration 4: adopted at start-up, a changed version refused with nothing touched, recorded with
 * the first answer even after a rollback), and group commit under concurrent pushes.
 */
#include "testutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "commitq.h"
#include "fingerprint.h"
#include "store.h"
#include "storeutil.h"


static void sleep_us(long us)
{
    struct timespec t = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&t, NULL);
}

static int setup(void **state)
{
    (void)state;
    su_new_path("test_store");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    su_remove();
    return 0;
}

static void test_migrations(void **state)
{
    (void)state;
    store *s = open_store();
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    store_close(s);
    s = open_store(); /* reopening applies nothing twice */
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    /* journal mode and durability as promised */
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "PRAGMA journal_mode", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_prepare_v2(store_db(s), "PRAGMA synchronous", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 2); /* FULL */
    sqlite3_finalize(st);
    sqlite3_exec(store_db(s), "PRAGMA user_version = 99", NULL, NULL, NULL);
    store_close(s);
    char err[256];
    assert_null(store_open(dbpath, false, err, sizeof err));
    assert_non_null(strstr(err, "plus récent"));
    /* read-only opening of something that is not a collector database */
    assert_null(store_open("/nonexistent/x.db", true, err, sizeof err));
}

static void test_idempotency(void **state)
{
    (void)state;
    store *s = open_store();
    char err[256];
    store_sub a, b, c, d;
    fill(&a, "11111111-1111-4111-8111-111111111111", "{\"R02\":\"25-39\"}");
    fill(&b, "22222222-2222-4222-8222-222222222222", "{\"R02\":\"40-54\"}");
    fill(&c, "11111111-1111-4111-8111-111111111111", "{\"R02\":\"25-39\"}"); /* same uuid, same content, same batch */
    store_sub *batch[] = {&a, &b, &c};
    assert_int_equal(store_insert_batch(s, batch, 3, err, sizeof err), 0);
    assert_int_equal(a.outcome, STORE_CREATED);
    assert_int_equal(b.outcome, STORE_CREATED);
    assert_int_equal(c.outcome, STORE_REPLAYED);
    assert_string_equal(a.receipt, c.receipt);
    assert_int_equal(strlen(a.receipt), STORE_RECEIPT_LEN);
    assert_int_equal(a.receipt[5], '-');
    assert_null(strpbrk(a.receipt, "ILOU"));
    /* later: the same content replays, other content conflicts */
    fill(&c, "11111111-1111-4111-8111-111111111111", "{\"R02\":\"25-39\"}");
    fill(&d, "22222222-2222-4222-8222-222222222222", "{\"R02\":\"75+\"}");
    store_sub *batch2[] = {&c, &d};
    assert_int_equal(store_insert_batch(s, batch2, 2, err, sizeof err), 0);
    assert_int_equal(c.outcome, STORE_REPLAYED);
    assert_string_equal(c.receipt, a.receipt);
    assert_int_equal(d.outcome, STORE_CONFLICT);
    assert_int_equal(store_count(s, "resident"), 2);
    assert_int_equal(store_count(s, NULL), 2);
    assert_int_equal(store_count(s, "operator"), 0);
    store_close(s);
}

/* A batch that cannot commit (another writer holds the lock) is reported whole as UNAVAILABLE, and nothing
 * of it is stored. */
static void test_batch_unavailable(void **state)
{
    (void)state;
    store *s = open_store();
    sqlite3 *other;
    assert_int_equal(sqlite3_open(dbpath, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    store_sub a;
    fill(&a, "33333333-3333-4333-8333-333333333333", "{}");
    store_sub *batch[] = {&a};
    char err[256] = "";
    assert_int_equal(store_insert_batch(s, batch, 1, err, sizeof err), -1);
    assert_int_equal(a.outcome, STORE_UNAVAILABLE);
    assert_true(strlen(err) > 0);
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(other);
    assert_int_equal(store_count(s, NULL), 0);
    assert_int_equal(store_insert_batch(s, batch, 1, err, sizeof err), 0); /* and it succeeds afterwards */
    assert_int_equal(a.outcome, STORE_CREATED);
    store_close(s);
}

static void test_tokens(void **state)
{
    (void)state;
    store *s = open_store();
    char secret[80], secret2[80], role[16], err[256];
    long id, id2, got;
    assert_int_equal(store_token_add(s, "analyst", "Ana", secret, sizeof secret, &id, err, sizeof err), 0);
    assert_int_equal(store_token_add(s, "mediator", "Med", secret2, sizeof secret2, &id2, err, sizeof err), 0);
    assert_int_equal(strncmp(secret, "ds_", 3), 0);
    assert_int_equal(strlen(secret), 3 + 43);
    assert_string_not_equal(secret, secret2);
    assert_true(store_token_check(s, secret, role, sizeof role, &got));
    assert_string_equal(role, "analyst");
    assert_int_equal(got, id);
    secret[10] ^= 1;
    assert_false(store_token_check(s, secret, role, sizeof role, &got));
    secret[10] ^= 1;
    assert_false(store_token_check(s, "", role, sizeof role, &got));
    /* only the hash is stored */
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM tokens WHERE secret_hash = ? OR name = ?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, secret, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, secret, -1, SQLITE_STATIC);
    sqlite3_step(st);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    assert_int_equal(store_token_revoke(s, id), 0);
    assert_int_equal(store_token_revoke(s, id), 1);
    assert_false(store_token_check(s, secret, role, sizeof role, &got));
    assert_true(store_token_check(s, secret2, role, sizeof role, &got));
    assert_int_equal(store_token_add(s, "boss", "X", secret, sizeof secret, &id, err, sizeof err), -1);
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(store_token_list(s, devnull), 0);
    fclose(devnull);
    store_close(s);
}

static void test_backup(void **state)
{
    (void)state;
    store *s = open_store();
    char err[256];
    store_sub a;
    fill(&a, "44444444-4444-4444-8444-444444444444", "{\"R07\":\"bon\"}");
    store_sub *batch[] = {&a};
    assert_int_equal(store_insert_batch(s, batch, 1, err, sizeof err), 0);
    char dest[96];
    snprintf(dest, sizeof dest, "%s.bak", dbpath);
    assert_int_equal(store_backup(dbpath, dest, err, sizeof err), 0);
    store *copy = store_open(dest, true, err, sizeof err);
    assert_non_null(copy);
    assert_int_equal(store_count(copy, NULL), 1);
    store_close(copy);
    store_close(s);
    unlink(dest);
    assert_int_equal(store_backup("/nonexistent/a.db", dest, err, sizeof err), -1);
}

/* ---- paper questionnaires ---- */

/* Types one entry of a sheet, in language lang, in its own transaction. */
static store_paper type_sheet_in(store *s, const char *uuid, const char *paper_id, long by, const char *answers,
                                 const char *lang)
{
    static store_sub subs[16];
    static int next;
    store_sub *sub = &subs[next++ % 16];
    fill(sub, uuid, answers);
    sub->channel = "paper";
    sub->lang = lang;
    store_paper p = {sub, paper_id, by, false, 0, "", NULL};
    char err[256];
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    assert_int_equal(store_paper_entry(s, &p, err, sizeof err), 0);
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    return p;
}

/* Types one entry of a sheet in French. */
static store_paper type_sheet(store *s, const char *uuid, const char *paper_id, long by, const char *answers)
{
    return type_sheet_in(s, uuid, paper_id, by, answers, "fr");
}

static long counted(store *s, const char *paper_id)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM counted_submissions WHERE paper_id = ?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, paper_id, -1, SQLITE_STATIC);
    sqlite3_step(st);
    long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_paper_double_entry(void **state)
{
    (void)state;
    store *s = open_store();
    char err[256];
    /* every sheet is double-entered by default */
    assert_true(store_double_rate(s, "resident") == 1.0);
    store_paper a = type_sheet(s, "a0000000-0000-4000-8000-000000000001", "001", 7, "{\"R07\":\"bon\"}");
    assert_int_equal(a.sub->outcome, STORE_CREATED);
    assert_int_equal(a.entry, 1);
    assert_string_equal(a.status, STORE_SHEET_AWAITING);
    assert_int_equal(counted(s, "001"), 1); /* a single entry counts until the second comes */
    /* the same person cannot type the second entry */
    store_paper same = type_sheet(s, "a0000000-0000-4000-8000-000000000002", "001", 7, "{\"R07\":\"bon\"}");
    assert_int_equal(same.sub->outcome, STORE_REFUSED);
    assert_string_equal(same.refusal, "same_operator");
    /* another person, same answers: verified, still one record counted */
    store_paper b = type_sheet(s, "a0000000-0000-4000-8000-000000000003", "001", 8, "{\"R07\":\"bon\"}");
    assert_int_equal(b.sub->outcome, STORE_CREATED);
    assert_int_equal(b.entry, 2);
    assert_string_equal(b.status, STORE_SHEET_VERIFIED);
    assert_int_equal(counted(s, "001"), 1);
    /* a third entry is refused, and a retry of the second replays it */
    store_paper c = type_sheet(s, "a0000000-0000-4000-8000-000000000004", "001", 9, "{\"R07\":\"bon\"}");
    assert_int_equal(c.sub->outcome, STORE_REFUSED);
    assert_string_equal(c.refusal, "sheet_complete");
    store_paper b2 = type_sheet(s, "a0000000-0000-4000-8000-000000000003", "001", 8, "{\"R07\":\"bon\"}");
    assert_int_equal(b2.sub->outcome, STORE_REPLAYED);
    assert_int_equal(b2.entry, 2);
    assert_string_equal(b2.status, STORE_SHEET_VERIFIED);

    /* disagreeing entries: discrepant, nothing counted until reconciled */
    type_sheet(s, "b0000000-0000-4000-8000-000000000001", "002", 7, "{\"R07\":\"bon\"}");
    store_paper d = type_sheet(s, "b0000000-0000-4000-8000-000000000002", "002", 8, "{\"R07\":\"mauvais\"}");
    assert_string_equal(d.status, STORE_SHEET_DISCREPANT);
    assert_int_equal(counted(s, "002"), 0);
    store_sub rsub;
    fill(&rsub, "b0000000-0000-4000-8000-000000000003", "{\"R07\":\"bon\"}");
    store_paper r = {&rsub, "002", 9, false, 0, "", NULL};
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    assert_int_equal(store_paper_reconcile(s, &r, "[{\"field\":\"R07\"}]", err, sizeof err), 0);
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    assert_int_equal(rsub.outcome, STORE_CREATED);
    assert_string_equal(r.status, STORE_SHEET_RECONCILED);
    assert_int_equal(counted(s, "002"), 1);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "SELECT c.uuid, h.decided_by, h.decisions FROM counted_submissions c JOIN sheets h "
                       "ON h.final_uuid = c.uuid WHERE c.paper_id = '002'", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "b0000000-0000-4000-8000-000000000003");
    assert_int_equal(sqlite3_column_int(st, 1), 9);
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "[{\"field\":\"R07\"}]");
    sqlite3_finalize(st);
    /* reconciling again is refused */
    fill(&rsub, "b0000000-0000-4000-8000-000000000004", "{\"R07\":\"bon\"}");
    store_paper r2 = {&rsub, "002", 9, false, 0, "", NULL};
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    assert_int_equal(store_paper_reconcile(s, &r2, "[]", err, sizeof err), 0);
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    assert_int_equal(rsub.outcome, STORE_REFUSED);
    assert_string_equal(r2.refusal, "not_discrepant");

    /* The language is typed too: the same answers in two languages are discrepant, in one language verified. */
    type_sheet_in(s, "d0000000-0000-4000-8000-000000000001", "003", 7, "{\"R07\":\"bon\"}", "ar");
    store_paper l2 = type_sheet_in(s, "d0000000-0000-4000-8000-000000000002", "003", 8, "{\"R07\":\"bon\"}", "fr");
    assert_int_equal(l2.sub->outcome, STORE_CREATED);
    assert_string_equal(l2.status, STORE_SHEET_DISCREPANT);
    assert_int_equal(counted(s, "003"), 0);
    type_sheet_in(s, "d0000000-0000-4000-8000-000000000003", "004", 7, "{\"R07\":\"bon\"}", "ar");
    store_paper v2 = type_sheet_in(s, "d0000000-0000-4000-8000-000000000004", "004", 8, "{\"R07\":\"bon\"}", "ar");
    assert_string_equal(v2.status, STORE_SHEET_VERIFIED);
    sqlite3_prepare_v2(store_db(s), "SELECT lang FROM counted_submissions WHERE paper_id = '004'", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ar");
    sqlite3_finalize(st);
    store_close(s);
}

static void test_paper_sampling(void **state)
{
    (void)state;
    store *s = open_store();
    char err[256];
    assert_int_equal(store_set_double_rate(s, "resident", 0.1, err, sizeof err), 0);
    assert_true(store_double_rate(s, "resident") == 0.1);
    assert_int_equal(store_set_double_rate(s, "resident", 1.5, err, sizeof err), -1);
    /* stable, and close to the rate over many sheets */
    int selected = 0;
    for (int i = 0; i < 10000; i++) {
        char id[16];
        snprintf(id, sizeof id, "%06d", i);
        bool x = store_double_selected("resident", id, 0.1);
        assert_int_equal(x, store_double_selected("resident", id, 0.1));
        selected += x;
    }
    fprintf(stderr, "double entry at 10%%: %d of 10000 sheets selected\n", selected);
    assert_true(selected > 900 && selected < 1100);
    assert_true(store_double_selected("resident", "x", 1));
    assert_false(store_double_selected("resident", "x", 0));
    /* a sheet not selected is single and complete after one entry */
    char id[16] = "";
    for (int i = 0; i < 100 && id[0] == '\0'; i++) {
        snprintf(id, sizeof id, "s%d", i);
        if (store_double_selected("resident", id, 0.1))
            id[0] = '\0';
    }
    store_paper a = type_sheet(s, "c0000000-0000-4000-8000-000000000001", id, 7, "{}");
    assert_string_equal(a.status, STORE_SHEET_SINGLE);
    store_paper b = type_sheet(s, "c0000000-0000-4000-8000-000000000002", id, 8, "{}");
    assert_int_equal(b.sub->outcome, STORE_REFUSED);
    assert_string_equal(b.refusal, "sheet_complete");
    store_close(s);
}

/* ---- the counts of /api/v1/stats (stats_tally, migration 3) ---- */

/* The rows of a query as one malloc'd text, a line per row and columns joined by '|': tables compared whole. */
static char *rows_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            size_t need = len + (v ? strlen(v) : 4) + 2;
            if (need >= cap) {
                cap = need * 2;
                out = realloc(out, cap);
            }
            len += (size_t)sprintf(out + len, "%s%c", v ? v : "NULL", i + 1 < sqlite3_column_count(st) ? '|' : '\n');
        }
    }
    sqlite3_finalize(st);
    return out;
}

#define TALLY_SQL "SELECT form_id, territory, channel, lang, day, n FROM stats_tally ORDER BY 1, 2, 3, 4, 5"
#define VIEW_SQL                                                                                                   \
    "SELECT form_id, coalesce(territory, ''), channel, lang, substr(received_at, 1, 10), count(*) "               \
    "FROM counted_submissions GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"

/* Fails with both texts when the tally is not the view's count (after step `step`, for the message). */
static void assert_tally_is_view(sqlite3 *db, const char *step)
{
    char *tally = rows_text(db, TALLY_SQL), *view = rows_text(db, VIEW_SQL);
    if (strcmp(tally, view) != 0)
        fail_msg("after %s, stats_tally:\n%sis not counted_submissions:\n%s", step, tally, view);
    free(tally);
    free(view);
}

/* Schema 2 as released (migrations 1 and 2 of collector/store/store.c, frozen here: the databases in the field). */
static const char schema2[] =
    "CREATE TABLE submissions (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, form_id TEXT NOT NULL,"
    "  form_version TEXT NOT NULL, lang TEXT NOT NULL, channel TEXT NOT NULL, territory TEXT, started_at TEXT,"
    "  received_at TEXT NOT NULL, receipt TEXT NOT NULL, content_hash BLOB NOT NULL, answers TEXT NOT NULL) STRICT;"
    "CREATE INDEX submissions_by_form ON submissions(form_id, id);"
    "CREATE TABLE tokens (id INTEGER PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('mediator', 'analyst', 'admin')),"
    "  name TEXT NOT NULL, secret_hash BLOB NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT) STRICT;"
    "ALTER TABLE submissions ADD COLUMN paper_id TEXT;"
    "ALTER TABLE submissions ADD COLUMN entry INTEGER;"
    "ALTER TABLE submissions ADD COLUMN entered_by INTEGER;"
    "CREATE UNIQUE INDEX submissions_paper ON submissions(form_id, paper_id, entry) WHERE paper_id IS NOT NULL;"
    "CREATE TABLE sheets (form_id TEXT NOT NULL, paper_id TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN"
    "  ('single', 'awaiting_second', 'verified', 'discrepant', 'reconciled')), double INTEGER NOT NULL,"
    "  final_uuid TEXT, decided_by INTEGER, decided_at TEXT, decisions TEXT, PRIMARY KEY (form_id, paper_id)) STRICT;"
    "CREATE TABLE campaign (form_id TEXT PRIMARY KEY, double_rate REAL NOT NULL CHECK (double_rate >= 0 AND"
    "  double_rate <= 1)) STRICT;"
    "CREATE VIEW counted_submissions AS"
    "  SELECT s.* FROM submissions s WHERE s.paper_id IS NULL"
    "  UNION ALL"
    "  SELECT s.* FROM submissions s JOIN sheets h ON h.form_id = s.form_id AND h.final_uuid = s.uuid"
    "  WHERE h.status IN ('single', 'awaiting_second', 'verified', 'reconciled');"
    "PRAGMA user_version = 2;";

/* Rows of every kind, as schema 2 holds them: web answers (one without territory, two forms, two days, three
 * languages), and paper sheets single, awaiting their second entry, verified, discrepant and reconciled. */
static const char rows2[] =
    "INSERT INTO submissions (uuid, form_id, form_version, lang, channel, territory, started_at, received_at,"
    "  receipt, content_hash, answers, paper_id, entry, entered_by) VALUES"
    " ('w1', 'resident', '1', 'fr', 'web', 'QN09399A', '2026-11-02T09:10Z', '2026-11-02T09:12Z', 'R1', x'01', '{}',"
    "  NULL, NULL, NULL),"
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
    " ('resident', 'S5', 'reconciled', 1, 'p9', 9, '2026-11-06T08:04Z', '[{\"field\":\"R01\"}]');";

#define SUBMISSIONS_SQL                                                                                            \
    "SELECT id, uuid, form_id, form_version, lang, channel, territory, started_at, received_at, receipt, "        \
    "hex(content_hash), answers, paper_id, entry, entered_by FROM submissions ORDER BY id"
#define SHEETS_SQL "SELECT * FROM sheets ORDER BY form_id, paper_id"

/* A database of schema 2 with rows of every kind, opened by this code: migrated to the current schema with
 * every row as it was, and a tally equal to the view's counts from the start. */
static void test_migration_keeps_rows_and_fills_tally(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, schema2, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, rows2, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("schema 2: %s", msg);
    char *subs_before = rows_text(db, SUBMISSIONS_SQL), *sheets_before = rows_text(db, SHEETS_SQL);
    char *view_before = rows_text(db, VIEW_SQL);
    sqlite3_close(db);

    store *s = open_store();
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    db = store_db(s);
    char *subs_after = rows_text(db, SUBMISSIONS_SQL), *sheets_after = rows_text(db, SHEETS_SQL);
    assert_string_equal(subs_after, subs_before);
    assert_string_equal(sheets_after, sheets_before);
    /* what counts: the 5 web answers, S1, S2 (its first entry), S3 (its first entry), S5 (the reconciled record);
     * not the discrepant S4, never a second entry */
    char *view = rows_text(db, VIEW_SQL);
    assert_string_equal(view, view_before);
    assert_string_equal(view, "operator||web|en|2026-11-03|1\n"
                              "resident||web|tr|2026-11-03|1\n"
                              "resident|QN09399A|web|ar|2026-11-02|1\n"
                              "resident|QN09399A|web|fr|2026-11-02|1\n"
                              "resident|QN09399B|mediator|fr|2026-11-03|1\n"
                              "resident|QN09399C|paper|fr|2026-11-04|2\n"
                              "resident|QN09399D|paper|fr|2026-11-06|1\n"
                              "resident|hors_qpv|paper|fr|2026-11-04|1\n");
    assert_tally_is_view(db, "the migration");
    /* and the triggers work on the migrated rows: S4 reconciled, S2's second entry, a web answer deleted */
    static const char later[] =
        "INSERT INTO submissions (uuid, form_id, form_version, lang, channel, territory, received_at, receipt,"
        "  content_hash, answers, paper_id, entry, entered_by) VALUES"
        " ('pa', 'resident', '1', 'fr', 'paper', 'QN09399D', '2026-11-07T10:00Z', 'RF', x'0f', '{}', 'S4', 0, 9);"
        "UPDATE sheets SET status = 'reconciled', final_uuid = 'pa' WHERE paper_id = 'S4';"
        "DELETE FROM submissions WHERE uuid = 'w2';";
    assert_int_equal(sqlite3_exec(db, later, NULL, NULL, NULL), SQLITE_OK);
    assert_tally_is_view(db, "reconciling S4 and deleting w2");
    free(subs_before);
    free(sheets_before);
    free(view_before);
    free(subs_after);
    free(sheets_after);
    free(view);
    store_close(s);
}

/* ---- frozen form versions (form_versions, migration 4) ---- */

#define VERSIONS_SQL "SELECT form_id, version, fingerprint, length(definition), first_answer_at, adopted " \
                     "FROM form_versions ORDER BY 1, 2"

/* Copies the shipped forms folder to a temporary one (path in dir, 64 bytes); the caller removes it. */
static void copy_forms(char *dir)
{
    snprintf(dir, 64, "/tmp/test_store_forms_XXXXXX");
    assert_non_null(mkdtemp(dir));
    char cmd[512];
    /* The answers of rows2 were given to the resident form's version 1, the shipped forms/versions/resident-1.json:
     * it is the folder's current resident form here, as it was when they were given. */
    snprintf(cmd, sizeof cmd, "cp -R '%s/.' '%s/' && mv '%s/versions/resident-1.json' '%s/resident.json' && "
             "rm -rf '%s/versions'", FORMS_DIR, dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
}

/* Rewrites DIR/resident.json with R07's French label (when label) and the version (when version) changed. */
static void edit_resident(const char *dir, const char *label, const char *version)
{
    char path[128];
    snprintf(path, sizeof path, "%s/resident.json", dir);
    json_t *doc = json_load_file(path, 0, NULL);
    assert_non_null(doc);
    json_t *sec, *q;
    size_t i, k;
    json_array_foreach(json_object_get(doc, "sections"), i, sec) {
        json_array_foreach(json_object_get(sec, "questions"), k, q) {
            if (label && strcmp(json_string_value(json_object_get(q, "id")), "R07") == 0)
                json_object_set_new(json_object_get(q, "label"), "fr", json_string(label));
        }
    }
    if (version)
        json_object_set_new(doc, "version", json_string(version));
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(2)), 0);
    json_decref(doc);
}

static catalog *open_catalog(const char *dir)
{
    diag_list diags = {0};
    catalog *c = catalog_open(dir, &diags);
    if (c == NULL)
        fail_msg("catalog %s: %s", dir, diags.count ? diags.items[0].message : "?");
    diag_list_free(&diags);
    return c;
}

static char *db_text(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    char *t = rows_text(db, sql);
    sqlite3_close(db);
    return t;
}

/* A schema-2 database with answers to resident 1 and operator 1: migrated with no row lost and no version recorded
 * (the migration cannot know the forms); the first start adopts the folder's text; a version then reworded in
 * place is refused, naming it and its 13 answers, with every row as it was; given version 2, it starts and version
 * 1 comes from the database. */
static void test_frozen_versions(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, schema2, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, rows2, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("schema 2: %s", msg);
    sqlite3_close(db);
    char *subs = db_text(SUBMISSIONS_SQL);
    store *s = open_store();
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    store_close(s);
    char *t = db_text(SUBMISSIONS_SQL);
    assert_string_equal(t, subs);
    free(t);
    t = db_text(VERSIONS_SQL);
    assert_string_equal(t, "");
    free(t);

    char dir[64], err[512];
    copy_forms(dir);
    catalog *c = open_catalog(dir);
    diag_list diags = {0};
    assert_int_equal(store_check_forms(dbpath, c, &diags, err, sizeof err), 0);
    assert_true(tu_has_diag(&diags, true, "$.version", "le texte actuel de ce fichier est adopté"));
    char fp[FINGERPRINT_HEX_LEN + 1], expect[512];
    fingerprint_form(catalog_get(c, "resident", "1"), fp, NULL);
    t = db_text("SELECT form_id, version, fingerprint, first_answer_at, adopted FROM form_versions ORDER BY 1, 2");
    assert_non_null(strstr(t, fp));
    assert_int_equal(strncmp(t, "operator|1|", 11), 0);
    assert_non_null(strstr(t, "\nresident|1|"));
    assert_non_null(strstr(t, "|2026-11-02T09:12Z|1\n")); /* the first answer's minute, adopted */
    free(t);
    diag_list_free(&diags);
    catalog_close(c);
    char *versions = db_text(VERSIONS_SQL);

    /* reworded in place: refused, and nothing changed */
    edit_resident(dir, "Diriez-vous que votre santé est bonne ?", NULL);
    c = open_catalog(dir);
    assert_int_equal(store_check_forms(dbpath, c, &diags, err, sizeof err), 1);
    assert_true(tu_has_diag(&diags, false, "$.version",
                            "« resident » version 1 a été modifié alors que 13 réponse(s)"));
    assert_true(tu_has_diag(&diags, false, "$.version", "\"version\": \"2\""));
    assert_false(tu_has_diag(&diags, false, NULL, "operator"));
    diag_list_free(&diags);
    catalog_close(c);
    t = db_text(SUBMISSIONS_SQL);
    assert_string_equal(t, subs);
    free(t);
    t = db_text(VERSIONS_SQL);
    assert_string_equal(t, versions);
    free(t);

    /* version 2: accepted, and version 1 read from the database, the same definition as recorded */
    edit_resident(dir, NULL, "2");
    c = open_catalog(dir);
    assert_int_equal(store_check_forms(dbpath, c, &diags, err, sizeof err), 0);
    assert_int_equal(diags.errors, 0);
    const form *v1 = catalog_get(c, "resident", "1"), *v2 = catalog_get(c, "resident", "2");
    assert_non_null(v1);
    assert_non_null(v2);
    char fp1[FINGERPRINT_HEX_LEN + 1];
    fingerprint_form(v1, fp1, NULL);
    assert_string_equal(fp1, fp);
    assert_ptr_equal(catalog_current(c, "resident"), v2);

    /* the first answer to version 2 records it, in its transaction: undone by a rollback, then done */
    s = open_store();
    store_sub a;
    fill(&a, "b0000000-0000-4000-8000-000000000001", "{\"R07\":\"bon\"}");
    a.form_version = "2";
    a.form = v2;
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    assert_int_equal(store_insert(s, &a, err, sizeof err), 0);
    assert_int_equal(a.outcome, STORE_CREATED);
    store_rollback(s);
    t = db_text("SELECT count(*) FROM form_versions WHERE version = '2'");
    assert_string_equal(t, "0\n");
    free(t);
    store_sub *batch[] = {&a};
    assert_int_equal(store_insert_batch(s, batch, 1, err, sizeof err), 0);
    assert_int_equal(a.outcome, STORE_CREATED);
    fingerprint_form(v2, fp, NULL);
    snprintf(expect, sizeof expect, "SELECT fingerprint = '%s' AND adopted = 0 FROM form_versions WHERE "
             "form_id = 'resident' AND version = '2'", fp);
    t = db_text(expect);
    assert_string_equal(t, "1\n");
    free(t);
    store_close(s);

    diag_list_free(&diags);
    catalog_close(c);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(versions);
    free(subs);
}

/* splitmix64: reproducible random steps. */
static unsigned long long next_rand(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

#define PICK(seed, array) (array)[next_rand(seed) % (sizeof(array) / sizeof *(array))]

/* Runs one SQL statement with a text and an integer parameter; a constraint refusal is fine (random steps may
 * collide with a unique index), any other error fails the test. */
static void run_sql(sqlite3 *db, const char *sql, const char *text, long long num)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, num);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW && rc != SQLITE_CONSTRAINT)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
}

/* Random steps through the store's own functions (web answers in batches, paper first and second entries that
 * agree or not, by the same typist or another, refused third entries, reconciliations) and through SQL the store
 * never runs (deletes, a sheet deleted or sent back, a row's territory, day or paper number changed): after each
 * one, the tally is the view's count. */
static void test_tally_follows_random_steps(void **state)
{
    (void)state;
    store *s = open_store();
    sqlite3 *db = store_db(s);
    char err[256];
    unsigned long long seed = 13;
    static const char *const forms[] = {"resident", "resident", "resident", "operator"};
    static const char *const territories[] = {"QN09399A", "QN09399B", "QN09399C", "hors_qpv", "autre_commune", NULL};
    static const char *const langs[] = {"fr", "ar", "en", "tr"};
    static const char *const channels[] = {"web", "mediator"};
    static const char *const days[] = {"2026-11-02T08:00Z", "2026-11-02T23:59Z", "2026-11-03T00:00Z",
                                       "2026-11-04T12:30Z"};
    static const char *const answers[] = {"{\"R07\":\"bon\"}", "{\"R07\":\"mauvais\"}"};
    assert_int_equal(store_set_double_rate(s, "resident", 0.7, err, sizeof err), 0);
    int uuid_next = 0, sheets = 0;
    long counted_max = 0;
    for (int step = 0; step < 1500; step++) {
        char what[96];
        char uuid[4][37];
        store_sub subs[4];
        int kind = (int)(next_rand(&seed) % 10);
        for (int k = 0; k < 4; k++) {
            snprintf(uuid[k], sizeof uuid[k], "%08x-0000-4000-8000-%012d", (unsigned)step, uuid_next++);
            fill(&subs[k], uuid[k], PICK(&seed, answers));
            subs[k].form_id = PICK(&seed, forms);
            subs[k].territory = PICK(&seed, territories);
            subs[k].lang = PICK(&seed, langs);
            subs[k].channel = PICK(&seed, channels);
            subs[k].received_minute = PICK(&seed, days);
        }
        if (kind <= 2) { /* a batch of 1 to 4 web answers */
            size_t n = 1 + next_rand(&seed) % 4;
            store_sub *batch[] = {&subs[0], &subs[1], &subs[2], &subs[3]};
            assert_int_equal(store_insert_batch(s, batch, n, err, sizeof err), 0);
            snprintf(what, sizeof what, "step %d: %zu web answers", step, n);
        } else if (kind <= 6) { /* a paper entry: a new sheet, or another entry of an existing one */
            char paper_id[16];
            bool fresh = sheets == 0 || next_rand(&seed) % 3 == 0;
            snprintf(paper_id, sizeof paper_id, "F%d", fresh ? sheets++ : (int)(next_rand(&seed) % (unsigned)sheets));
            subs[0].channel = "paper";
            subs[0].form_id = "resident";
            store_paper p = {.sub = &subs[0], .paper_id = paper_id, .entered_by = 1 + (long)(next_rand(&seed) % 3),
                             .single = next_rand(&seed) % 5 == 0};
            assert_int_equal(store_begin(s, err, sizeof err), 0);
            assert_int_equal(store_paper_entry(s, &p, err, sizeof err), 0);
            assert_int_equal(store_commit(s, err, sizeof err), 0);
            snprintf(what, sizeof what, "step %d: paper entry of %s (%s)", step, paper_id,
                     p.refusal ? p.refusal : p.status);
        } else if (kind == 7 && sheets > 0) { /* a reconciliation, refused unless the sheet is discrepant */
            char paper_id[16];
            snprintf(paper_id, sizeof paper_id, "F%d", (int)(next_rand(&seed) % (unsigned)sheets));
            subs[0].channel = "paper";
            subs[0].form_id = "resident";
            store_paper p = {.sub = &subs[0], .paper_id = paper_id, .entered_by = 99};
            assert_int_equal(store_begin(s, err, sizeof err), 0);
            assert_int_equal(store_paper_reconcile(s, &p, "[]", err, sizeof err), 0);
            assert_int_equal(store_commit(s, err, sizeof err), 0);
            snprintf(what, sizeof what, "step %d: reconciling %s (%s)", step, paper_id,
                     p.refusal ? p.refusal : p.status);
        } else { /* SQL the store does not run, on a random row or sheet */
            static const char *const edits[] = {
                "DELETE FROM submissions WHERE id = (SELECT id FROM submissions ORDER BY id LIMIT 1 OFFSET ?2 % "
                "max(1, (SELECT count(*) FROM submissions)))",
                "UPDATE submissions SET territory = ?1 WHERE id = (SELECT id FROM submissions ORDER BY id LIMIT 1 "
                "OFFSET ?2 % max(1, (SELECT count(*) FROM submissions)))",
                "UPDATE submissions SET received_at = '2026-12-01T00:00Z', lang = ?1 WHERE id = (SELECT id FROM "
                "submissions ORDER BY id LIMIT 1 OFFSET ?2 % max(1, (SELECT count(*) FROM submissions)))",
                "UPDATE submissions SET paper_id = NULL, entry = NULL WHERE id = (SELECT id FROM submissions WHERE "
                "paper_id IS NOT NULL ORDER BY id LIMIT 1 OFFSET ?2 % max(1, (SELECT count(*) FROM submissions "
                "WHERE paper_id IS NOT NULL)))",
                /* not a reconciled sheet: it could not be reconciled again (its record 0 exists) */
                "UPDATE sheets SET status = 'discrepant', final_uuid = NULL WHERE rowid = (SELECT rowid FROM sheets "
                "WHERE status <> 'reconciled' ORDER BY rowid LIMIT 1 OFFSET ?2 % max(1, (SELECT count(*) FROM "
                "sheets)))",
                "UPDATE sheets SET status = 'verified' WHERE rowid = (SELECT rowid FROM sheets WHERE final_uuid IS "
                "NOT NULL ORDER BY rowid LIMIT 1 OFFSET ?2 % max(1, (SELECT count(*) FROM sheets)))",
            };
            size_t e = next_rand(&seed) % (sizeof edits / sizeof *edits + 1);
            const char *tcode = PICK(&seed, territories); /* not "terr": terr.h names a type so */
            long long k = (long long)(next_rand(&seed) % 1000);
            if (e < sizeof edits / sizeof *edits) {
                run_sql(db, edits[e], tcode ? tcode : "fr", k);
                snprintf(what, sizeof what, "step %d: SQL edit %zu", step, e);
            } else if (sheets > 0) { /* a sheet deleted, then its entries (its number may then be typed anew) */
                char paper_id[16];
                snprintf(paper_id, sizeof paper_id, "F%d", (int)(k % sheets));
                run_sql(db, "DELETE FROM sheets WHERE paper_id = ?1", paper_id, 0);
                snprintf(what, sizeof what, "step %d: sheet %s deleted", step, paper_id);
                assert_tally_is_view(db, what);
                run_sql(db, "DELETE FROM submissions WHERE paper_id = ?1", paper_id, 0);
                snprintf(what, sizeof what, "step %d: entries of sheet %s deleted", step, paper_id);
            } else {
                snprintf(what, sizeof what, "step %d: nothing", step);
            }
        }
        assert_tally_is_view(db, what);
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "SELECT count(*) FROM counted_submissions", -1, &st, NULL);
        sqlite3_step(st);
        if (sqlite3_column_int64(st, 0) > counted_max)
            counted_max = (long)sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    /* the steps reached every status, and the tally held real counts */
    char *statuses = rows_text(db, "SELECT DISTINCT status FROM sheets ORDER BY 1");
    fprintf(stderr, "tally: 1500 random steps, up to %ld counted rows; sheet statuses at the end:\n%s", counted_max,
            statuses);
    assert_non_null(strstr(statuses, "awaiting_second"));
    assert_non_null(strstr(statuses, "discrepant"));
    assert_non_null(strstr(statuses, "reconciled"));
    assert_non_null(strstr(statuses, "single"));
    assert_non_null(strstr(statuses, "verified"));
    assert_true(counted_max > 500);
    free(statuses);
    store_close(s);
}

/* ---- group commit ---- */

#define PUSHERS 4
#define PER_PUSHER 500

typedef struct counter {
    pthread_mutex_t lock;
    int created, other;
} counter;

static void on_done(commitq_job *job, void *arg)
{
    counter *c = arg;
    pthread_mutex_lock(&c->lock);
    if (job->sub.outcome == STORE_CREATED)
        c->created++;
    else
        c->other++;
    pthread_mutex_unlock(&c->lock);
    free((char *)job->sub.uuid);
    free(job);
}

static void *pusher(void *arg)
{
    commitq *q = arg;
    static int next;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    for (int i = 0; i < PER_PUSHER; i++) {
        pthread_mutex_lock(&lock);
        int n = next++;
        pthread_mutex_unlock(&lock);
        commitq_job *job = calloc(1, sizeof *job);
        char *uuid = malloc(37);
        snprintf(uuid, 37, "%08x-0000-4000-8000-000000000000", n);
        fill(&job->sub, uuid, "{\"R07\":\"bon\"}");
        while (commitq_push(q, job) < 0)
            sleep_us(100);
    }
    return NULL;
}

static void test_group_commit(void **state)
{
    (void)state;
    counter c = {PTHREAD_MUTEX_INITIALIZER, 0, 0};
    char err[256];
    commitq *q = commitq_start(dbpath, on_done, &c, err, sizeof err);
    assert_non_null(q);
    pthread_t t[PUSHERS];
    for (int i = 0; i < PUSHERS; i++)
        pthread_create(&t[i], NULL, pusher, q);
    for (int i = 0; i < PUSHERS; i++)
        pthread_join(t[i], NULL);
    unsigned long batches, items;
    commitq_stop(q); /* drains: every job handed back */
    assert_int_equal(c.created, PUSHERS * PER_PUSHER);
    assert_int_equal(c.other, 0);
    store *s = open_store();
    assert_int_equal(store_count(s, NULL), PUSHERS * PER_PUSHER);
    store_close(s);
    /* stats are read before stop in real use; here a fresh queue shows they start at zero */
    q = commitq_start(dbpath, on_done, &c, err, sizeof err);
    commitq_stats(q, &batches, &items);
    assert_int_equal(items, 0);
    commitq_stop(q);
    commitq_stop(NULL);
}

/* Concurrent pushes are grouped: fewer commits than submissions. */
static void test_batches_are_grouped(void **state)
{
    (void)state;
    counter c = {PTHREAD_MUTEX_INITIALIZER, 0, 0};
    char err[256];
    commitq *q = commitq_start(dbpath, on_done, &c, err, sizeof err);
    pthread_t t[PUSHERS];
    for (int i = 0; i < PUSHERS; i++)
        pthread_create(&t[i], NULL, pusher, q);
    for (int i = 0; i < PUSHERS; i++)
        pthread_join(t[i], NULL);
    while (commitq_pending(q) > 0)
        sleep_us(1000);
    unsigned long batches, items;
    commitq_stats(q, &batches, &items);
    commitq_stop(q);
    fprintf(stderr, "group commit: %lu submissions in %lu commits\n", items, batches);
    assert_int_equal(items, PUSHERS * PER_PUSHER);
    assert_true(batches < items / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paper_double_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paper_sampling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_keeps_rows_and_fills_tally, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frozen_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tally_follows_random_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_are_grouped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
