/* sqlite_ceiling.c -- how many submissions per second SQLite itself can store on this disk, with the
 * collector's durability settings and no HTTP: the ceiling scripts/bench-collector compares the collector with.
 *
 *   sqlite_ceiling DB_PATH BATCH SECONDS [ANSWERS_FILE]
 *
 * Creates DB_PATH (which must not exist: the CREATE TABLE fails otherwise) with the collector's submissions table (collector/store/store.c, migration
 * 1), in WAL mode with synchronous=FULL, then for SECONDS stores rows in transactions of BATCH rows, each row
 * as the collector's writer stores it: a lookup of its uuid, then the insert of the same columns and the same
 * answers the collector stored: the text of ANSWERS_FILE (scripts/bench-collector writes there a row the collector
 * stored in the same run, so that both store rows of the same size), or without it a short built-in payload.
 * Prints "batch B: N rows in T s: R rows/s".
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

/* Copied from collector/store/store.c, migration 1 (the submissions table and its index). */
static const char schema[] = "CREATE TABLE submissions ("
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
                             "CREATE INDEX submissions_by_form ON submissions(form_id, id);";

/* A short payload as the collector stores answers (compact, keys sorted), when no ANSWERS_FILE is given. */
static const char short_answers[] = "{\"R01\":\"QN09399A\",\"R02\":\"25-39\",\"R03\":\"femme\",\"R07\":\"bon\","
                              "\"R13\":\"non\",\"R14\":\"medecin_parti\",\"R17\":\"non\","
                              "\"R23\":{\"cpam\":\"connu\",\"pmi\":\"connu_utilise\"}}";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* xorshift64*: the uuids, receipts and hashes only need to be distinct, not secret. */
static unsigned long long rnd(unsigned long long *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* Runs sql on db; prints SQLite's message and returns false on failure. */
static bool exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return false;
    }
    return true;
}

/* Stores one row as collector/store/store.c:insert_one does; returns false on an SQLite error. */
static bool store_row(sqlite3_stmt *find, sqlite3_stmt *insert, unsigned long long *seed, const char *now,
                      const char *answers)
{
    unsigned long long a = rnd(seed), b = rnd(seed);
    char uuid[37], receipt[12];
    unsigned char hash[32];
    snprintf(uuid, sizeof uuid, "%08llx-%04llx-4%03llx-%04llx-%012llx", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
             0x8000 | (b >> 48 & 0x3fff), b & 0xffffffffffffULL);
    snprintf(receipt, sizeof receipt, "%05llX-%05llX", (a >> 20) & 0xfffff, b & 0xfffff);
    for (size_t i = 0; i < sizeof hash; i++)
        hash[i] = (unsigned char)rnd(seed);
    sqlite3_reset(find);
    sqlite3_bind_text(find, 1, uuid, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(find);
    sqlite3_reset(find);
    if (rc != SQLITE_DONE)
        return false; /* a row (a duplicate uuid) is as wrong here as an error */
    const char *text[] = {uuid, "resident", "1", "fr", "web", "QN09399A", "2024-05-01T10:12", now, receipt};
    sqlite3_reset(insert);
    for (int i = 0; i < 9; i++)
        sqlite3_bind_text(insert, i + 1, text[i], -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(insert, 10, hash, sizeof hash, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 11, answers, -1, SQLITE_STATIC);
    rc = sqlite3_step(insert);
    sqlite3_reset(insert);
    return rc == SQLITE_DONE;
}

/* The whole text of path, NUL-terminated, trailing newlines dropped; NULL after a message. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0;
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            char *bigger = realloc(text, cap);
            if (bigger == NULL)
                goto fail;
            text = bigger;
        }
        size_t n = fread(text + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f) || len == 0)
        goto fail;
    fclose(f);
    while (len > 0 && text[len - 1] == '\n')
        len--;
    text[len] = '\0';
    return text;
fail:
    fprintf(stderr, "sqlite_ceiling: %s: unreadable or empty\n", path);
    fclose(f);
    free(text);
    return NULL;
}

/* Strict parsing of a whole decimal argument within [min, max]. */
static bool parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    long batch, seconds;
    if ((argc != 4 && argc != 5) || !parse_long(argv[2], 1, 100000, &batch) ||
        !parse_long(argv[3], 1, 3600, &seconds)) {
        fprintf(stderr, "usage: sqlite_ceiling DB_PATH BATCH SECONDS [ANSWERS_FILE]\n");
        return 2;
    }
    char *loaded = argc == 5 ? read_text(argv[4]) : NULL;
    if (argc == 5 && loaded == NULL)
        return 1;
    const char *answers = loaded ? loaded : short_answers;
    sqlite3 *db = NULL;
    sqlite3_stmt *find = NULL, *insert = NULL;
    int rc = 1;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: %s: %s\n", argv[1], db ? sqlite3_errmsg(db) : "out of memory");
        goto done;
    }
    if (!exec(db, "PRAGMA journal_mode = WAL") || !exec(db, "PRAGMA synchronous = FULL") || !exec(db, schema))
        goto done;
    if (sqlite3_prepare_v2(db, "SELECT content_hash, receipt FROM submissions WHERE uuid = ?", -1, &find, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO submissions (uuid, form_id, form_version, lang, channel, territory, "
                               "started_at, received_at, receipt, content_hash, answers) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &insert, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: prepare: %s\n", sqlite3_errmsg(db));
        goto done;
    }
    unsigned long long seed = (unsigned long long)time(NULL) * 0x9e3779b97f4a7c15ULL | 1;
    long rows = 0;
    double t0 = now_s(), t;
    do {
        char now[24];
        time_t wall = time(NULL);
        struct tm tm;
        gmtime_r(&wall, &tm);
        strftime(now, sizeof now, "%Y-%m-%dT%H:%MZ", &tm);
        if (!exec(db, "BEGIN IMMEDIATE"))
            goto done;
        for (long i = 0; i < batch; i++)
            if (!store_row(find, insert, &seed, now, answers)) {
                fprintf(stderr, "sqlite_ceiling: insert: %s\n", sqlite3_errmsg(db));
                goto done;
            }
        if (!exec(db, "COMMIT"))
            goto done;
        rows += batch;
        t = now_s();
    } while (t - t0 < (double)seconds);
    printf("batch %ld, answers of %zu bytes: %ld rows in %.2f s: %.0f rows/s\n", batch, strlen(answers), rows,
           t - t0, (double)rows / (t - t0));
    rc = 0;
done:
    sqlite3_finalize(find);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    free(loaded);
    return rc;
}
