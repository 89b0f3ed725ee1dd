/* session.c -- the console's cookie sessions and the mediators' one-time sign-in links (see session.h).
 *
 * Secrets are 32 random bytes in base64url; the database keeps only their SHA-256, so a copy of the database
 * opens no session. Lookups go through the hash's unique index, then compare the stored hash in constant time.
 * Every check joins the token: a revoked token's sessions and links stop working at once, whether or not
 * session_end_token has run. Times are "YYYY-MM-DDTHH:MM:SSZ", which compare as text.
 */
#include "session.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

static time_t real_clock(void)
{
    return time(NULL);
}

/* The clock of every expiry; tests replace it (session_set_clock). */
static time_t (*clock_now)(void) = real_clock;

void session_set_clock(time_t (*now)(void))
{
    clock_now = now ? now : real_clock;
}

void session_time(long seconds_from_now, char *buf, size_t len)
{
    time_t t = clock_now() + (time_t)seconds_from_now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A fresh secret (SESSION_SECRET_LEN characters) and its hash. Returns 0, or -1 when there is no randomness. */
static int new_secret(char out[SESSION_SECRET_LEN + 1], uint8_t hash[32])
{
    uint8_t raw[32];
    if (store_random(raw, sizeof raw) < 0)
        return -1;
    store_base64url(raw, sizeof raw, out);
    OPENSSL_cleanse(raw, sizeof raw);
    if (hash)
        store_sha256(out, strlen(out), hash);
    return 0;
}

bool session_secret_valid(const char *s)
{
    if (s == NULL || strlen(s) != SESSION_SECRET_LEN)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_'))
            return false;
    return true;
}

/* True when token_id exists and is not revoked. */
static bool token_active(sqlite3 *db, long token_id)
{
    sqlite3_stmt *st;
    bool ok = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM tokens WHERE id = ? AND revoked_at IS NULL", -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, token_id);
    ok = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return ok;
}

int session_open_for(store *s, long token_id, long seconds, char secret[SESSION_SECRET_LEN + 1],
                     session_info *info, char *err, size_t errlen)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st = NULL;
    uint8_t hash[32];
    char now[24];
    int rc = -1;
    if (!token_active(db, token_id))
        return 1;
    memset(info, 0, sizeof *info);
    if (new_secret(secret, hash) < 0 || new_secret(info->csrf, NULL) < 0) {
        snprintf(err, errlen, "pas d'aléa disponible");
        goto done;
    }
    session_time(0, now, sizeof now);
    session_time(seconds, info->expires_at, sizeof info->expires_at);
    if (sqlite3_prepare_v2(db, "INSERT INTO sessions (secret_hash, token_id, csrf, created_at, expires_at) "
                           "VALUES (?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
        goto sqlerr;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, token_id);
    sqlite3_bind_text(st, 3, info->csrf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, info->expires_at, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto sqlerr;
    info->session_id = (long)sqlite3_last_insert_rowid(db);
    info->token_id = token_id;
    sqlite3_finalize(st);
    st = NULL;
    /* role and name, as session_check gives them */
    if (sqlite3_prepare_v2(db, "SELECT role, name FROM tokens WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        goto sqlerr;
    sqlite3_bind_int64(st, 1, token_id);
    if (sqlite3_step(st) != SQLITE_ROW)
        goto sqlerr;
    snprintf(info->role, sizeof info->role, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(info->name, sizeof info->name, "%s", (const char *)sqlite3_column_text(st, 1));
    rc = 0;
    goto done;
sqlerr:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(st);
    OPENSSL_cleanse(hash, sizeof hash);
    return rc;
}

int session_open(store *s, long token_id, char secret[SESSION_SECRET_LEN + 1], session_info *info, char *err,
                 size_t errlen)
{
    return session_open_for(s, token_id, SESSION_HOURS * 3600L, secret, info, err, errlen);
}

bool session_check(store *s, const char *secret, session_info *info)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st;
    uint8_t hash[32];
    char now[24];
    bool ok = false;
    if (!session_secret_valid(secret))
        return false;
    store_sha256(secret, strlen(secret), hash);
    session_time(0, now, sizeof now);
    if (sqlite3_prepare_v2(db, "SELECT s.id, s.token_id, t.role, t.name, s.csrf, s.expires_at, s.secret_hash "
                           "FROM sessions s JOIN tokens t ON t.id = s.token_id WHERE s.secret_hash = ? AND "
                           "s.ended_at IS NULL AND s.expires_at > ? AND t.revoked_at IS NULL", -1, &st, NULL)
        != SQLITE_OK)
        return false;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 6) == 32 &&
        CRYPTO_memcmp(sqlite3_column_blob(st, 6), hash, 32) == 0) {
        if (info) {
            memset(info, 0, sizeof *info);
            info->session_id = (long)sqlite3_column_int64(st, 0);
            info->token_id = (long)sqlite3_column_int64(st, 1);
            snprintf(info->role, sizeof info->role, "%s", (const char *)sqlite3_column_text(st, 2));
            snprintf(info->name, sizeof info->name, "%s", (const char *)sqlite3_column_text(st, 3));
            snprintf(info->csrf, sizeof info->csrf, "%s", (const char *)sqlite3_column_text(st, 4));
            snprintf(info->expires_at, sizeof info->expires_at, "%s", (const char *)sqlite3_column_text(st, 5));
        }
        ok = true;
    }
    sqlite3_finalize(st);
    return ok;
}

/* Runs an UPDATE that ends sessions, binding now and id. Returns the number of rows changed, or -1. */
static int end_where(store *s, const char *sql, long id)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st;
    char now[24];
    session_time(0, now, sizeof now);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(db) : -1;
    sqlite3_finalize(st);
    return rc;
}

int session_end(store *s, long session_id)
{
    int n = end_where(s, "UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL", session_id);
    return n < 0 ? -1 : n == 0 ? 1 : 0;
}

int session_end_token(store *s, long token_id)
{
    if (end_where(s, "UPDATE sessions SET ended_at = ? WHERE token_id = ? AND ended_at IS NULL", token_id) < 0)
        return -1;
    /* Its unused links go too: they would only fail at use (the token is checked), but they should not linger. */
    return end_where(s, "UPDATE signin_links SET used_at = ? WHERE token_id = ? AND used_at IS NULL", token_id) < 0
               ? -1 : 0;
}

int session_link_new(store *s, long token_id, char secret[SESSION_SECRET_LEN + 1], char expires_at[24], char *err,
                     size_t errlen)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st = NULL;
    uint8_t hash[32];
    char now[24];
    int rc = -1;
    if (!token_active(db, token_id))
        return 1;
    if (new_secret(secret, hash) < 0) {
        snprintf(err, errlen, "pas d'aléa disponible");
        return -1;
    }
    session_time(0, now, sizeof now);
    session_time(SESSION_LINK_MINUTES * 60L, expires_at, 24);
    if (sqlite3_prepare_v2(db, "INSERT INTO signin_links (secret_hash, token_id, created_at, expires_at) "
                           "VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
        goto sqlerr;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, token_id);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, expires_at, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto sqlerr;
    rc = 0;
    goto done;
sqlerr:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(st);
    return rc;
}

int session_link_use(store *s, const char *secret, long *token_id)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st;
    uint8_t hash[32];
    char now[24];
    if (!session_secret_valid(secret))
        return 1;
    store_sha256(secret, strlen(secret), hash);
    session_time(0, now, sizeof now);
    /* One statement marks the link used only when it may be used, so two phones racing for the same link cannot
     * both win: the second finds used_at set. */
    if (sqlite3_prepare_v2(db, "UPDATE signin_links SET used_at = ?1 WHERE secret_hash = ?2 AND used_at IS NULL "
                           "AND expires_at > ?1 AND token_id IN (SELECT id FROM tokens WHERE revoked_at IS NULL) "
                           "RETURNING token_id, secret_hash", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, hash, 32, SQLITE_TRANSIENT);
    int step = sqlite3_step(st), rc = 1;
    if (step == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 1) == 32 && CRYPTO_memcmp(sqlite3_column_blob(st, 1), hash, 32) == 0) {
            *token_id = (long)sqlite3_column_int64(st, 0);
            rc = 0;
        }
        step = sqlite3_step(st);
    }
    if (step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}
