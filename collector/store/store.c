/* store.c -- SQLite storage of the collector: migrations, idempotent batched inserts, tokens, backup.
 * See store.h for the durability and privacy rules this file implements.
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "catalog.h"
#include "frozen.h"
#include "outfile.h"
#include "util.h"

#define BUSY_TIMEOUT_MS 2000

struct store {
    sqlite3 *db;
    sqlite3_stmt *find, *insert; /* prepared once: the writer runs them for every submission */
    /* The (form, version) keys known to be in form_versions, "ID\nVERSION": a submission of a version already
     * recorded costs a lookup in this short list, not a query. Emptied on rollback, which may undo a record. */
    char **recorded;
    size_t nrecorded, caprecorded;
};

/* Each migration brings the schema from version i to i + 1; they run in order, each in its own transaction,
 * and are never edited once released (add a new one instead). */
static const char *const migrations[] = {
    /* 1: submissions and tokens */
    "CREATE TABLE submissions ("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL UNIQUE,"
    "  form_id TEXT NOT NULL,"
    "  form_version TEXT NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  territory TEXT,"
    "  started_at TEXT,"             /* minute precision */
    "  received_at TEXT NOT NULL,"   /* minute precision */
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
    ") STRICT;",
    /* 2: paper questionnaires, double entry and reconciliation */
    "ALTER TABLE submissions ADD COLUMN paper_id TEXT;"
    "ALTER TABLE submissions ADD COLUMN entry INTEGER;"        /* 1, 2; 0 for a reconciled record */
    "ALTER TABLE submissions ADD COLUMN entered_by INTEGER;"   /* token id: a pseudonym */
    "CREATE UNIQUE INDEX submissions_paper ON submissions(form_id, paper_id, entry) WHERE paper_id IS NOT NULL;"
    "CREATE TABLE sheets ("
    "  form_id TEXT NOT NULL,"
    "  paper_id TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('single', 'awaiting_second', 'verified', 'discrepant', 'reconciled')),"
    "  double INTEGER NOT NULL,"
    "  final_uuid TEXT,"             /* the record that counts; NULL while discrepant */
    "  decided_by INTEGER,"
    "  decided_at TEXT,"
    "  decisions TEXT,"              /* JSON: [{field, first, second, chosen, source, reason?}] (api_paper.c) */
    "  PRIMARY KEY (form_id, paper_id)"
    ") STRICT;"
    "CREATE TABLE campaign ("
    "  form_id TEXT PRIMARY KEY,"
    "  double_rate REAL NOT NULL CHECK (double_rate >= 0 AND double_rate <= 1)"
    ") STRICT;"
    /* What analyses and exports use: web submissions, and one record per paper sheet, never both entries. */
    "CREATE VIEW counted_submissions AS"
    "  SELECT s.* FROM submissions s WHERE s.paper_id IS NULL"
    "  UNION ALL"
    "  SELECT s.* FROM submissions s JOIN sheets h ON h.form_id = s.form_id AND h.final_uuid = s.uuid"
    "  WHERE h.status IN ('single', 'awaiting_second', 'verified', 'reconciled');",
    /* 3: the counts of /api/v1/stats, kept up to date by triggers in the transaction that changes the rows, so
     * that reading them costs the same at a hundred rows and at a million. stats_tally holds, for each form,
     * territory ('' for none), channel, language and day (of received_at), how many rows counted_submissions
     * has; a row whose count falls to 0 goes.
     *
     * A submission R appears in counted_submissions m(R) times: once if it is not paper (paper_id IS NULL), plus
     * once for each sheet of its form whose final_uuid is R's uuid and whose status counts. Every trigger takes
     * away the m of the rows a change touches as it was before, and adds it as it is after (evaluated against
     * the other table, which the change leaves alone), so the tally equals the view after any sequence of
     * inserts, deletes and updates: a paper entry inserted as web then tagged with its sheet number, a sheet
     * going awaiting_second -> discrepant (final_uuid NULL) -> reconciled (a new final_uuid), a refused entry
     * deleted. tests/test_store.c checks it against the view after every step of random sequences. */
    "CREATE TABLE stats_tally ("
    "  form_id TEXT NOT NULL,"
    "  territory TEXT NOT NULL,"     /* '' when the submission has none */
    "  channel TEXT NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  day TEXT NOT NULL,"           /* YYYY-MM-DD of received_at (UTC) */
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY (form_id, territory, channel, lang, day)"
    ") STRICT, WITHOUT ROWID;"
    /* m(R) looks sheets up by final_uuid for every submission written: an index, or a scan of every sheet. */
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
    "END;",
    /* 4: frozen form versions (forms/frozen.h). The first answer of a (form, version) records, in its own
     * transaction, the fingerprint and canonical text of the definition answered; the collector then refuses to
     * start on a folder whose same version says something else, and reads a version the folder no longer has
     * from here. Rows are added at start-up for the versions a schema-3 database already has answers to: that
     * adopts the folder's text of that day (the migration cannot know the forms). The index makes "does this
     * version have answers, how many" an index lookup at start-up. */
    "CREATE TABLE form_versions ("
    "  form_id TEXT NOT NULL,"
    "  version TEXT NOT NULL,"
    "  fingerprint TEXT NOT NULL,"   /* lowercase hex SHA-256 of definition */
    "  definition TEXT NOT NULL,"    /* canonical JSON: forms/fingerprint.h */
    "  first_answer_at TEXT NOT NULL," /* minute precision */
    "  adopted INTEGER NOT NULL CHECK (adopted IN (0, 1))," /* 1: recorded at start-up for earlier answers */
    "  PRIMARY KEY (form_id, version)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX submissions_by_version ON submissions(form_id, form_version);",

    /* 5: the coordinator's console and data stewardship (README.md, "Data stewardship").
     * - A submission may be excluded (excluded_at, excluded_reason: a test sheet, a duplicate, out of scope) or
     *   received in test mode (test = 1, set at insert from settings.test_mode); both stay stored but count no
     *   more: counted_submissions leaves them out, retained_submissions (what counted before) keeps them for the
     *   analyzer's and exports' flags that bring them back. m(R) of migration 3 gains the factor
     *   (excluded_at IS NULL AND test = 0), so the triggers are replaced and the tally rebuilt from the view.
     * - A correction replaces answers in place (what counts is the latest) and keeps the previous text in
     *   submission_history with who, when, why and what changed; an erasure deletes the rows and their history.
     * - audit: every administrative action, append-only (triggers refuse UPDATE and DELETE).
     * - sessions and signin_links: the console's cookie sessions and the mediators' one-time links; only
     *   hashes of their secrets are stored. Times there are to the second ("YYYY-MM-DDTHH:MM:SSZ", comparable as
     *   text), as an expiry of minutes needs. */
    "ALTER TABLE submissions ADD COLUMN excluded_at TEXT;"
    "ALTER TABLE submissions ADD COLUMN excluded_reason TEXT;"
    "ALTER TABLE submissions ADD COLUMN test INTEGER NOT NULL DEFAULT 0 CHECK (test IN (0, 1));"
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
    "CREATE TABLE submission_history ("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  actor INTEGER,"               /* token id; NULL for the command line */
    "  actor_name TEXT NOT NULL,"
    "  action TEXT NOT NULL CHECK (action IN ('correct', 'exclude', 'include')),"
    "  reason TEXT NOT NULL,"
    "  previous TEXT,"               /* correct: the answers before (compact JSON, keys sorted) */
    "  changes TEXT"                 /* correct: JSON [{question, before, after}] */
    ") STRICT;"
    "CREATE INDEX submission_history_by_uuid ON submission_history(uuid);"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  actor INTEGER,"               /* token id; NULL for the command line */
    "  actor_name TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  target TEXT,"                 /* a uuid, a token id, form@version...; NULL for an erasure */
    "  reason TEXT,"
    "  detail TEXT"                  /* JSON; never an answer */
    ") STRICT;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  secret_hash BLOB NOT NULL UNIQUE,"
    "  token_id INTEGER NOT NULL REFERENCES tokens(id),"
    "  csrf TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  expires_at TEXT NOT NULL,"
    "  ended_at TEXT"
    ") STRICT;"
    "CREATE TABLE signin_links ("
    "  secret_hash BLOB PRIMARY KEY,"
    "  token_id INTEGER NOT NULL REFERENCES tokens(id),"
    "  created_at TEXT NOT NULL,"
    "  expires_at TEXT NOT NULL,"
    "  used_at TEXT"
    ") STRICT, WITHOUT ROWID;"
    "DROP VIEW counted_submissions;"
    "CREATE VIEW retained_submissions AS"
    "  SELECT s.* FROM submissions s WHERE s.paper_id IS NULL"
    "  UNION ALL"
    "  SELECT s.* FROM submissions s JOIN sheets h ON h.form_id = s.form_id AND h.final_uuid = s.uuid"
    "  WHERE h.status IN ('single', 'awaiting_second', 'verified', 'reconciled');"
    "CREATE VIEW counted_submissions AS"
    "  SELECT * FROM retained_submissions WHERE excluded_at IS NULL AND test = 0;"
    "DROP TRIGGER stats_submission_insert;"
    "DROP TRIGGER stats_submission_delete;"
    "DROP TRIGGER stats_submission_update;"
    "DROP TRIGGER stats_sheet_insert;"
    "DROP TRIGGER stats_sheet_delete;"
    "DROP TRIGGER stats_sheet_update;"
    "CREATE TRIGGER stats_submission_insert AFTER INSERT ON submissions"
    "  WHEN NEW.excluded_at IS NULL AND NEW.test = 0 BEGIN"
    "  INSERT INTO stats_tally (form_id, territory, channel, lang, day, n)"
    "    SELECT NEW.form_id, coalesce(NEW.territory, ''), NEW.channel, NEW.lang, substr(NEW.received_at, 1, 10), m"
    "    FROM (SELECT (NEW.paper_id IS NULL) + (SELECT count(*) FROM sheets h WHERE h.final_uuid = NEW.uuid"
    "      AND h.form_id = NEW.form_id AND h.status IN ('single', 'awaiting_second', 'verified', 'reconciled')) AS m)"
    "    WHERE m > 0"
    "  ON CONFLICT (form_id, territory, channel, lang, day) DO UPDATE SET n = n + excluded.n;"
    "END;"
    "CREATE TRIGGER stats_submission_delete AFTER DELETE ON submissions"
    "  WHEN OLD.excluded_at IS NULL AND OLD.test = 0 BEGIN"
    "  UPDATE stats_tally SET n = n - ((OLD.paper_id IS NULL) + (SELECT count(*) FROM sheets h"
    "    WHERE h.final_uuid = OLD.uuid AND h.form_id = OLD.form_id"
    "    AND h.status IN ('single', 'awaiting_second', 'verified', 'reconciled')))"
    "  WHERE form_id = OLD.form_id AND territory = coalesce(OLD.territory, '') AND channel = OLD.channel"
    "    AND lang = OLD.lang AND day = substr(OLD.received_at, 1, 10);"
    "END;"
    "CREATE TRIGGER stats_submission_update AFTER UPDATE OF uuid, form_id, lang, channel, territory, received_at,"
    "  paper_id, excluded_at, test ON submissions BEGIN"
    "  UPDATE stats_tally SET n = n - ((OLD.paper_id IS NULL) + (SELECT count(*) FROM sheets h"
    "    WHERE h.final_uuid = OLD.uuid AND h.form_id = OLD.form_id"
    "    AND h.status IN ('single', 'awaiting_second', 'verified', 'reconciled')))"
    "  WHERE OLD.excluded_at IS NULL AND OLD.test = 0"
    "    AND form_id = OLD.form_id AND territory = coalesce(OLD.territory, '') AND channel = OLD.channel"
    "    AND lang = OLD.lang AND day = substr(OLD.received_at, 1, 10);"
    "  INSERT INTO stats_tally (form_id, territory, channel, lang, day, n)"
    "    SELECT NEW.form_id, coalesce(NEW.territory, ''), NEW.channel, NEW.lang, substr(NEW.received_at, 1, 10), m"
    "    FROM (SELECT (NEW.paper_id IS NULL) + (SELECT count(*) FROM sheets h WHERE h.final_uuid = NEW.uuid"
    "      AND h.form_id = NEW.form_id AND h.status IN ('single', 'awaiting_second', 'verified', 'reconciled')) AS m)"
    "    WHERE m > 0 AND NEW.excluded_at IS NULL AND NEW.test = 0"
    "  ON CONFLICT (form_id, territory, channel, lang, day) DO UPDATE SET n = n + excluded.n;"
    "END;"
    "CREATE TRIGGER stats_sheet_insert AFTER INSERT ON sheets"
    "  WHEN NEW.status IN ('single', 'awaiting_second', 'verified', 'reconciled') BEGIN"
    "  INSERT INTO stats_tally (form_id, territory, channel, lang, day, n)"
    "    SELECT s.form_id, coalesce(s.territory, ''), s.channel, s.lang, substr(s.received_at, 1, 10), 1"
    "    FROM submissions s WHERE s.uuid = NEW.final_uuid AND s.form_id = NEW.form_id"
    "      AND s.excluded_at IS NULL AND s.test = 0"
    "  ON CONFLICT (form_id, territory, channel, lang, day) DO UPDATE SET n = n + excluded.n;"
    "END;"
    "CREATE TRIGGER stats_sheet_delete AFTER DELETE ON sheets"
    "  WHEN OLD.status IN ('single', 'awaiting_second', 'verified', 'reconciled') BEGIN"
    "  UPDATE stats_tally SET n = n - 1 WHERE (form_id, territory, channel, lang, day) ="
    "    (SELECT s.form_id, coalesce(s.territory, ''), s.channel, s.lang, substr(s.received_at, 1, 10)"
    "     FROM submissions s WHERE s.uuid = OLD.final_uuid AND s.form_id = OLD.form_id"
    "       AND s.excluded_at IS NULL AND s.test = 0);"
    "END;"
    "CREATE TRIGGER stats_sheet_update AFTER UPDATE OF form_id, status, final_uuid ON sheets BEGIN"
    "  UPDATE stats_tally SET n = n - 1"
    "  WHERE OLD.status IN ('single', 'awaiting_second', 'verified', 'reconciled')"
    "    AND (form_id, territory, channel, lang, day) ="
    "    (SELECT s.form_id, coalesce(s.territory, ''), s.channel, s.lang, substr(s.received_at, 1, 10)"
    "     FROM submissions s WHERE s.uuid = OLD.final_uuid AND s.form_id = OLD.form_id"
    "       AND s.excluded_at IS NULL AND s.test = 0);"
    "  INSERT INTO stats_tally (form_id, territory, channel, lang, day, n)"
    "    SELECT s.form_id, coalesce(s.territory, ''), s.channel, s.lang, substr(s.received_at, 1, 10), 1"
    "    FROM submissions s WHERE NEW.status IN ('single', 'awaiting_second', 'verified', 'reconciled')"
    "      AND s.uuid = NEW.final_uuid AND s.form_id = NEW.form_id AND s.excluded_at IS NULL AND s.test = 0"
    "  ON CONFLICT (form_id, territory, channel, lang, day) DO UPDATE SET n = n + excluded.n;"
    "END;"
    "DELETE FROM stats_tally;"
    "INSERT INTO stats_tally (form_id, territory, channel, lang, day, n)"
    "  SELECT form_id, coalesce(territory, ''), channel, lang, substr(received_at, 1, 10), count(*)"
    "  FROM counted_submissions WHERE true GROUP BY 1, 2, 3, 4, 5;",
};

#define NMIGRATIONS (sizeof migrations / sizeof *migrations)

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_schema_version(store *s)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Applies the migrations the database has not seen yet. */
static int migrate(store *s, char *err, size_t errlen)
{
    int v = store_schema_version(s);
    if (v < 0) {
        snprintf(err, errlen, "lecture de la version du schéma : %s", sqlite3_errmsg(s->db));
        return -1;
    }
    if ((size_t)v > NMIGRATIONS) {
        snprintf(err, errlen, "la base est au schéma %d, plus récent que ce programme (%zu) : mettez le "
                 "collecteur à jour", v, NMIGRATIONS);
        return -1;
    }
    for (size_t i = (size_t)v; i < NMIGRATIONS; i++) {
        char sql[64];
        if (exec(s->db, "BEGIN IMMEDIATE", err, errlen) < 0)
            return -1;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %zu", i + 1);
        if (exec(s->db, migrations[i], err, errlen) < 0 || exec(s->db, sql, err, errlen) < 0 ||
            exec(s->db, "COMMIT", err, errlen) < 0) {
            char ignored[16];
            exec(s->db, "ROLLBACK", ignored, sizeof ignored);
            return -1;
        }
    }
    return 0;
}

/* Makes the database at path, and its -wal and -shm when they exist, readable by their owner only (0600). Run
 * after opening and before the first statement: SQLite creates the -wal and -shm with the database's mode, so a
 * database left readable by everyone (created under umask 022 by an earlier version, or copied) would hand its
 * answers to every local user. A file with content gets a note on stderr; one SQLite has just created, silently. */
static void owner_only(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        char name[4200];
        struct stat st;
        snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
        if (stat(name, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO)) == 0)
            continue;
        if (chmod(name, S_IRUSR | S_IWUSR) != 0)
            fprintf(stderr,
                    "collector : %s est lisible par d'autres utilisateurs (droits %03o) et n'a pas pu être "
                    "restreint : %s\n",
                    name, (unsigned)(st.st_mode & 0777), strerror(errno));
        else if (st.st_size > 0)
            fprintf(stderr,
                    "collector : %s était lisible par d'autres utilisateurs (droits %03o) : ramené à 0600 "
                    "(propriétaire seul)\n",
                    name, (unsigned)(st.st_mode & 0777));
    }
}

store *store_open(const char *path, bool readonly, char *err, size_t errlen)
{
    store *s = xcalloc(1, sizeof *s);
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "ouverture de %s : %s", path, s->db ? sqlite3_errmsg(s->db) : "mémoire");
        goto err;
    }
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    if (!readonly) {
        owner_only(path);
        if (exec(s->db, "PRAGMA journal_mode = WAL", err, errlen) < 0 ||
            exec(s->db, "PRAGMA synchronous = FULL", err, errlen) < 0 ||
            exec(s->db, "PRAGMA foreign_keys = ON", err, errlen) < 0 ||
            /* an erased answer is overwritten, not left in a free page (steward.h, erasure) */
            exec(s->db, "PRAGMA secure_delete = ON", err, errlen) < 0 || migrate(s, err, errlen) < 0)
            goto err;
        if (sqlite3_prepare_v3(s->db, "SELECT content_hash, receipt FROM submissions WHERE uuid = ?",
                               -1, SQLITE_PREPARE_PERSISTENT, &s->find, NULL) != SQLITE_OK ||
            sqlite3_prepare_v3(s->db,
                               "INSERT INTO submissions (uuid, form_id, form_version, lang, channel, territory, "
                               "started_at, received_at, receipt, content_hash, answers, test) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                               /* what arrives in test mode is marked as a test (steward.h) */
                               "EXISTS (SELECT 1 FROM settings WHERE key = 'test_mode' AND value = 'on'))",
                               -1, SQLITE_PREPARE_PERSISTENT, &s->insert, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "préparation des requêtes : %s", sqlite3_errmsg(s->db));
            goto err;
        }
    } else if (store_schema_version(s) < 1) {
        snprintf(err, errlen, "%s n'est pas une base du collecteur (schéma absent)", path);
        goto err;
    }
    return s;
err:
    store_close(s);
    return NULL;
}

/* Forgets the recorded keys (after a rollback, which may have undone a record). */
static void forget_recorded(store *s)
{
    for (size_t i = 0; i < s->nrecorded; i++)
        free(s->recorded[i]);
    s->nrecorded = 0;
}

void store_close(store *s)
{
    if (s == NULL)
        return;
    forget_recorded(s);
    free(s->recorded);
    sqlite3_finalize(s->find);
    sqlite3_finalize(s->insert);
    sqlite3_close(s->db);
    free(s);
}

struct sqlite3 *store_db(store *s)
{
    return s->db;
}

/* ---------------------------------------------------------------------------------------------------------
 * Helpers.
 */

void store_now_minute(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%MZ", &tm);
}

int store_random(void *buf, size_t n)
{
    return util_random(buf, n);
}

void store_uuid4(char out[37])
{
    uint8_t b[16];
    if (store_random(b, sizeof b) < 0)
        abort(); /* getrandom cannot fail on Linux once the entropy pool is initialised */
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void store_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int outlen = 32;
    if (EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) != 1)
        abort(); /* SHA-256 with the default provider cannot fail short of memory corruption */
}

/* A receipt: 10 characters of Crockford's base 32 (no I, L, O, U: nothing to misread when noted by hand). */
static int make_receipt(char out[STORE_RECEIPT_LEN + 1])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    uint8_t r[10];
    if (store_random(r, sizeof r) < 0)
        return -1;
    for (int i = 0, k = 0; i < 10; i++) {
        if (i == 5)
            out[k++] = '-';
        out[k++] = alphabet[r[i] & 31];
    }
    out[STORE_RECEIPT_LEN] = '\0';
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Submissions.
 */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

int store_begin(store *s, char *err, size_t errlen)
{
    return exec(s->db, "BEGIN IMMEDIATE", err, errlen);
}

int store_commit(store *s, char *err, size_t errlen)
{
    if (exec(s->db, "COMMIT", err, errlen) == 0)
        return 0;
    store_rollback(s);
    return -1;
}

void store_rollback(store *s)
{
    forget_recorded(s);
    if (!sqlite3_get_autocommit(s->db)) {
        char ignored[64];
        exec(s->db, "ROLLBACK", ignored, sizeof ignored);
    }
}

/* Records the version sub answers (frozen.h), once per store and version unless a rollback intervenes. The
 * version's text is computed and written only for its very first answer. Returns 0 or -1. */
static int record_version(store *s, const store_sub *sub, const char *received)
{
    const form *f = sub->form;
    char key[512];
    snprintf(key, sizeof key, "%s\n%s", f->id, f->version);
    for (size_t i = 0; i < s->nrecorded; i++)
        if (strcmp(s->recorded[i], key) == 0)
            return 0;
    char ignored[256];
    if (frozen_record(s->db, f, received, ignored, sizeof ignored) < 0)
        return -1;
    if (s->nrecorded == s->caprecorded) {
        s->caprecorded = s->caprecorded ? s->caprecorded * 2 : 8;
        s->recorded = xrealloc(s->recorded, s->caprecorded * sizeof *s->recorded);
    }
    s->recorded[s->nrecorded++] = xstrdup(key);
    return 0;
}

/* Stores one submission inside the open transaction, applying the idempotency rules. */
static int insert_one(store *s, store_sub *sub, const char *now)
{
    int rc;
    sqlite3_reset(s->find);
    sqlite3_bind_text(s->find, 1, sub->uuid, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s->find);
    if (rc == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(s->find, 0);
        int hlen = sqlite3_column_bytes(s->find, 0);
        bool same = hlen == 32 && memcmp(h, sub->hash, 32) == 0;
        sub->outcome = same ? STORE_REPLAYED : STORE_CONFLICT;
        snprintf(sub->receipt, sizeof sub->receipt, "%s", same ? (const char *)sqlite3_column_text(s->find, 1) : "");
        sqlite3_reset(s->find);
        return 0;
    }
    sqlite3_reset(s->find);
    if (rc != SQLITE_DONE)
        return -1;
    if (make_receipt(sub->receipt) < 0)
        return -1;
    sqlite3_stmt *st = s->insert;
    sqlite3_reset(st);
    bind_text(st, 1, sub->uuid);
    bind_text(st, 2, sub->form_id);
    bind_text(st, 3, sub->form_version);
    bind_text(st, 4, sub->lang);
    bind_text(st, 5, sub->channel);
    bind_text(st, 6, sub->territory);
    bind_text(st, 7, sub->started_minute);
    bind_text(st, 8, sub->received_minute ? sub->received_minute : now);
    bind_text(st, 9, sub->receipt);
    sqlite3_bind_blob(st, 10, sub->hash, 32, SQLITE_TRANSIENT);
    bind_text(st, 11, sub->answers_json);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return -1;
    if (sub->form != NULL && record_version(s, sub, sub->received_minute ? sub->received_minute : now) < 0)
        return -1;
    sub->outcome = STORE_CREATED;
    return 0;
}

int store_insert(store *s, store_sub *sub, char *err, size_t errlen)
{
    char now[24];
    store_now_minute(now, sizeof now);
    if (insert_one(s, sub, now) < 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
        return -1;
    }
    return 0;
}

int store_insert_batch(store *s, store_sub **subs, size_t n, char *err, size_t errlen)
{
    if (store_begin(s, err, errlen) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++)
        if (store_insert(s, subs[i], err, errlen) < 0) {
            store_rollback(s);
            goto fail;
        }
    if (store_commit(s, err, errlen) < 0)
        goto fail;
    return 0;
fail:
    for (size_t i = 0; i < n; i++) {
        subs[i]->outcome = STORE_UNAVAILABLE;
        subs[i]->receipt[0] = '\0';
    }
    return -1;
}

/* ---------------------------------------------------------------------------------------------------------
 * Paper questionnaires.
 */

bool store_double_selected(const char *form_id, const char *paper_id, double rate)
{
    if (rate >= 1)
        return true;
    if (rate <= 0)
        return false;
    char key[128];
    int n = snprintf(key, sizeof key, "%s\n%s", form_id, paper_id);
    uint8_t h[32];
    store_sha256(key, (size_t)n, h);
    uint32_t x = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    return (double)x / 4294967296.0 < rate;
}

double store_double_rate(store *s, const char *form_id)
{
    sqlite3_stmt *st;
    double rate = 1;
    if (sqlite3_prepare_v2(s->db, "SELECT double_rate FROM campaign WHERE form_id = ?", -1, &st, NULL) != SQLITE_OK)
        return rate;
    sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        rate = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return rate;
}

int store_set_double_rate(store *s, const char *form_id, double rate, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO campaign (form_id, double_rate) VALUES (?, ?) "
                           "ON CONFLICT (form_id) DO UPDATE SET double_rate = excluded.double_rate", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
        return -1;
    }
    sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 2, rate);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    return rc;
}

/* Runs one statement with text parameters (NULL binds NULL; "#123" binds the integer 123); -1 on error. */
static int run(sqlite3 *db, const char *sql, int n, const char *const *params)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        if (params[i] == NULL)
            sqlite3_bind_null(st, i + 1);
        else if (params[i][0] == '#')
            sqlite3_bind_int64(st, i + 1, strtoll(params[i] + 1, NULL, 10));
        else
            sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* Marks the entry just inserted by insert_one as a paper entry. */
static int tag_entry(store *s, const store_paper *p, int entry)
{
    char e[16], by[24];
    snprintf(e, sizeof e, "#%d", entry);
    snprintf(by, sizeof by, "#%ld", p->entered_by);
    const char *params[] = {p->paper_id, e, by, p->sub->uuid};
    return run(s->db, "UPDATE submissions SET paper_id = ?, entry = ?, entered_by = ? WHERE uuid = ?", 4, params);
}

/* A retried entry (same uuid): its outcome was decided the first time; report the sheet as it is now. */
static int replay_paper(store *s, store_paper *p)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT s.entry, h.status FROM submissions s JOIN sheets h ON h.form_id = "
                           "s.form_id AND h.paper_id = s.paper_id WHERE s.uuid = ?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, p->sub->uuid, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        p->entry = sqlite3_column_int(st, 0);
        snprintf(p->status, sizeof p->status, "%s", sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return 0;
}

int store_paper_entry(store *s, store_paper *p, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    char status[20] = "";
    long first_by = -1;
    char first_lang[16] = "";
    if (sqlite3_prepare_v2(s->db, "SELECT h.status, e.entered_by, e.answers, e.lang FROM sheets h "
                           "LEFT JOIN submissions e ON e.form_id = h.form_id AND e.paper_id = h.paper_id AND e.entry = 1 "
                           "WHERE h.form_id = ? AND h.paper_id = ?", -1, &st, NULL) != SQLITE_OK)
        goto done;
    sqlite3_bind_text(st, 1, p->sub->form_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, p->paper_id, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    char *first_answers = NULL;
    if (step == SQLITE_ROW) {
        snprintf(status, sizeof status, "%s", sqlite3_column_text(st, 0));
        first_by = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(st, 1);
        const unsigned char *a = sqlite3_column_text(st, 2);
        first_answers = a ? xstrdup((const char *)a) : NULL;
        const unsigned char *l = sqlite3_column_text(st, 3);
        snprintf(first_lang, sizeof first_lang, "%s", l ? (const char *)l : "");
    } else if (step != SQLITE_DONE) {
        goto done;
    }
    sqlite3_finalize(st);
    st = NULL;

    /* A retry of an entry already stored keeps its first outcome. */
    if (store_insert(s, p->sub, err, errlen) < 0) {
        free(first_answers);
        return -1;
    }
    if (p->sub->outcome != STORE_CREATED) {
        free(first_answers);
        return p->sub->outcome == STORE_REPLAYED ? replay_paper(s, p) : 0;
    }
    /* It was inserted: undo it if a rule refuses it (the caller's transaction stays usable). */
    if (status[0] == '\0') {
        double rate = store_double_rate(s, p->sub->form_id);
        bool dbl = !p->single && store_double_selected(p->sub->form_id, p->paper_id, rate);
        const char *st_name = dbl ? STORE_SHEET_AWAITING : STORE_SHEET_SINGLE;
        const char *params[] = {p->sub->form_id, p->paper_id, st_name, dbl ? "#1" : "#0", p->sub->uuid};
        if (tag_entry(s, p, 1) < 0 || run(s->db, "INSERT INTO sheets (form_id, paper_id, status, double, final_uuid) "
                                              "VALUES (?, ?, ?, ?, ?)", 5, params) < 0)
            goto db_error;
        p->entry = 1;
        snprintf(p->status, sizeof p->status, "%s", st_name);
    } else if (strcmp(status, STORE_SHEET_AWAITING) == 0 && first_by == p->entered_by) {
        p->refusal = "same_operator";
    } else if (strcmp(status, STORE_SHEET_AWAITING) == 0) {
        /* The sheet's language is typed like its answers: two entries that disagree on it are discrepant too. */
        bool same = first_answers && strcmp(first_answers, p->sub->answers_json) == 0 &&
                    strcmp(first_lang, p->sub->lang) == 0;
        const char *st_name = same ? STORE_SHEET_VERIFIED : STORE_SHEET_DISCREPANT;
        const char *params[] = {st_name, p->sub->form_id, p->paper_id};
        if (tag_entry(s, p, 2) < 0 ||
            run(s->db, same ? "UPDATE sheets SET status = ? WHERE form_id = ? AND paper_id = ?"
                            : "UPDATE sheets SET status = ?, final_uuid = NULL WHERE form_id = ? AND paper_id = ?",
                3, params) < 0)
            goto db_error;
        p->entry = 2;
        snprintf(p->status, sizeof p->status, "%s", st_name);
    } else {
        p->refusal = "sheet_complete";
    }
    if (p->refusal) {
        const char *params[] = {p->sub->uuid};
        if (run(s->db, "DELETE FROM submissions WHERE uuid = ?", 1, params) < 0)
            goto db_error;
        p->sub->outcome = STORE_REFUSED;
        p->sub->receipt[0] = '\0';
    }
    free(first_answers);
    return 0;
db_error:
    free(first_answers);
    snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
    return -1;
done:
    snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    return -1;
}

int store_paper_reconcile(store *s, store_paper *p, const char *decisions_json, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    char status[20] = "";
    if (sqlite3_prepare_v2(s->db, "SELECT status FROM sheets WHERE form_id = ? AND paper_id = ?", -1, &st, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
        return -1;
    }
    sqlite3_bind_text(st, 1, p->sub->form_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, p->paper_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(status, sizeof status, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (strcmp(status, STORE_SHEET_DISCREPANT) != 0) {
        p->sub->outcome = STORE_REFUSED;
        p->refusal = "not_discrepant";
        snprintf(p->status, sizeof p->status, "%s", status);
        return 0;
    }
    if (store_insert(s, p->sub, err, errlen) < 0)
        return -1;
    if (p->sub->outcome != STORE_CREATED)
        return 0;
    char now[24], by[24];
    store_now_minute(now, sizeof now);
    snprintf(by, sizeof by, "#%ld", p->entered_by);
    const char *params[] = {STORE_SHEET_RECONCILED, p->sub->uuid, by, now, decisions_json, p->sub->form_id,
                            p->paper_id};
    if (tag_entry(s, p, 0) < 0 ||
        run(s->db, "UPDATE sheets SET status = ?, final_uuid = ?, decided_by = ?, decided_at = ?, decisions = ? "
                   "WHERE form_id = ? AND paper_id = ?", 7, params) < 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
        return -1;
    }
    p->entry = 0;
    snprintf(p->status, sizeof p->status, "%s", STORE_SHEET_RECONCILED);
    return 0;
}

int store_check_forms(const char *db_path, catalog *c, diag_list *diags, char *err, size_t errlen)
{
    store *s = store_open(db_path, false, err, errlen);
    if (s == NULL)
        return -1;
    /* Adoption and check in one transaction: a start-up refused leaves the database exactly as it was. */
    int rc = store_begin(s, err, errlen);
    if (rc == 0 && frozen_adopt(s->db, c, diags, err, errlen) < 0)
        rc = -1;
    if (rc == 0)
        rc = frozen_check(s->db, db_path, c, FROZEN_REFUSE, diags, err, errlen);
    if (rc == 0)
        rc = frozen_check_territories(s->db, db_path, c, diags, err, errlen);
    if (rc == 0)
        rc = store_commit(s, err, errlen);
    else
        store_rollback(s);
    store_close(s);
    return rc;
}

long store_count(store *s, const char *form_id)
{
    sqlite3_stmt *st;
    long n = -1;
    const char *sql = form_id ? "SELECT count(*) FROM submissions WHERE form_id = ?" : "SELECT count(*) FROM "
                                                                                       "submissions";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (form_id)
        sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* ---------------------------------------------------------------------------------------------------------
 * Tokens. A token is "ds_" and 43 characters of base64url (256 random bits); only its SHA-256 is stored. A hash
 * without salt or stretching is right here: the secret is random and long, not a password a person chose.
 */

void store_base64url(const uint8_t *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t k = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 6) {
            out[k++] = tbl[(acc >> (bits - 6)) & 63];
            bits -= 6;
        }
    }
    if (bits > 0)
        out[k++] = tbl[(acc << (6 - bits)) & 63];
    out[k] = '\0';
}

int store_token_add(store *s, const char *role, const char *name, char *secret, size_t secretlen, long *id,
                    char *err, size_t errlen)
{
    uint8_t raw[32], hash[32];
    if (secretlen < 64 || store_random(raw, sizeof raw) < 0) {
        snprintf(err, errlen, "pas d'aléa disponible");
        return -1;
    }
    memcpy(secret, "ds_", 3);
    store_base64url(raw, sizeof raw, secret + 3);
    store_sha256(secret, strlen(secret), hash);
    char now[24];
    store_now_minute(now, sizeof now);
    sqlite3_stmt *st;
    int rc = -1;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO tokens (role, name, secret_hash, created_at) VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
        return -1;
    }
    sqlite3_bind_text(st, 1, role, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_DONE) {
        *id = (long)sqlite3_last_insert_rowid(s->db);
        rc = 0;
    } else {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
    }
    sqlite3_finalize(st);
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}

int store_token_list(store *s, void *f)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id, role, name, created_at, revoked_at FROM tokens ORDER BY id", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    fprintf(f, "id\trôle\tnom\tcréé\trévoqué\n");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *revoked = sqlite3_column_text(st, 4);
        fprintf(f, "%lld\t%s\t%s\t%s\t%s\n", (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
                sqlite3_column_text(st, 2), sqlite3_column_text(st, 3), revoked ? (const char *)revoked : "-");
    }
    sqlite3_finalize(st);
    return 0;
}

void store_token_name(store *s, long id, char *name, size_t len)
{
    sqlite3_stmt *st;
    name[0] = '\0';
    if (sqlite3_prepare_v2(s->db, "SELECT name FROM tokens WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(name, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

int store_token_revoke(store *s, long id)
{
    sqlite3_stmt *st;
    char now[24];
    store_now_minute(now, sizeof now);
    if (sqlite3_prepare_v2(s->db, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? (sqlite3_changes(s->db) == 1 ? 0 : 1) : -1;
    sqlite3_finalize(st);
    return rc;
}

bool store_token_check(store *s, const char *secret, char *role, size_t rolelen, long *id)
{
    uint8_t hash[32];
    bool ok = false;
    if (strlen(secret) > 128)
        return false;
    store_sha256(secret, strlen(secret), hash);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id, role, secret_hash FROM tokens WHERE secret_hash = ? AND "
                           "revoked_at IS NULL", -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 2) == 32 &&
        CRYPTO_memcmp(sqlite3_column_blob(st, 2), hash, 32) == 0) {
        *id = (long)sqlite3_column_int64(st, 0);
        snprintf(role, rolelen, "%s", sqlite3_column_text(st, 1));
        ok = true;
    }
    sqlite3_finalize(st);
    return ok;
}

/* ---------------------------------------------------------------------------------------------------------
 * Backup.
 */

int store_backup(const char *src, const char *dest, char *err, size_t errlen)
{
    sqlite3 *from = NULL, *to = NULL;
    outfile *out = NULL;
    int rc = -1;
    if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "ouverture de %s : %s", src, from ? sqlite3_errmsg(from) : "mémoire");
        goto done;
    }
    sqlite3_busy_timeout(from, BUSY_TIMEOUT_MS);
    /* The copy goes into a fresh private temporary beside dest, renamed over it once whole (outfile.h): dest is
     * never half-written, never readable by other users, never a file someone else chose with a link. SQLite
     * reopens the temporary by name: NOFOLLOW refuses a link put in its place, and with no rollback journal
     * (useless for a file thrown away on failure) there is no "-journal" name for a link to wait at either. */
    if ((out = outfile_open(dest, err, errlen)) == NULL)
        goto done;
    if (sqlite3_open_v2(outfile_temp_path(out), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
        exec(to, "PRAGMA journal_mode = OFF", err, errlen) < 0) {
        snprintf(err, errlen, "ouverture de %s : %s", dest, to ? sqlite3_errmsg(to) : "mémoire");
        goto done;
    }
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (b == NULL) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(to));
        goto done;
    }
    /* Copy every page in one step: in WAL mode that step reads one consistent snapshot without blocking the
     * collector's writer, whereas page-by-page steps restart at every write and may never end under load. */
    int step, tries = 0;
    while (((step = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || step == SQLITE_LOCKED) && tries++ < 200)
        sqlite3_sleep(10);
    if (sqlite3_backup_finish(b) != SQLITE_OK || step != SQLITE_DONE) {
        snprintf(err, errlen, "sauvegarde : %s", sqlite3_errmsg(to));
        goto done;
    }
    if (sqlite3_close(to) != SQLITE_OK) {
        snprintf(err, errlen, "sauvegarde : %s", sqlite3_errmsg(to));
        goto done;
    }
    to = NULL;
    rc = outfile_commit(out, err, errlen);
    out = NULL;
done:
    sqlite3_close(from);
    sqlite3_close(to);
    outfile_discard(out);
    return rc;
}
