/* test_session.c -- the console's sessions and the one-time sign-in links (collector/store/session.c), on a fake
 * clock: a session opens for an active token only, is found by its secret and by nothing else, ends at its
 * expiry (to the second), at sign-out and with its token's revocation; only a hash of each secret is stored; a
 * link opens once, not after its 15 minutes, not for a revoked token.
 */
#include "testutil.h"

#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "session.h"
#include "store.h"
#include "storeutil.h"

static time_t fake_now;

static time_t fake_clock(void)
{
    return fake_now;
}

static int setup(void **state)
{
    (void)state;
    su_new_path("test_session");
    fake_now = 1760000000; /* 2025-10-09T08:53:20Z */
    session_set_clock(fake_clock);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    session_set_clock(NULL);
    su_remove();
    return 0;
}

static long add_token(store *s, const char *role, const char *name)
{
    char secret[80], err[256];
    long id;
    assert_int_equal(store_token_add(s, role, name, secret, sizeof secret, &id, err, sizeof err), 0);
    return id;
}

/* The number of rows of a query's first column (a count). */
static long count(store *s, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_open_and_check(void **state)
{
    (void)state;
    store *s = open_store();
    long med = add_token(s, "mediator", "Awa"), adm = add_token(s, "admin", "Chloé");
    char secret[SESSION_SECRET_LEN + 1], other[SESSION_SECRET_LEN + 1], err[256];
    session_info info, seen;
    assert_int_equal(session_open(s, med, secret, &info, err, sizeof err), 0);
    assert_int_equal(strlen(secret), SESSION_SECRET_LEN);
    assert_true(session_secret_valid(secret));
    assert_int_equal(strlen(info.csrf), SESSION_CSRF_LEN);
    assert_string_not_equal(secret, info.csrf);
    assert_string_equal(info.role, "mediator");
    assert_string_equal(info.name, "Awa");
    assert_int_equal(info.token_id, med);
    assert_string_equal(info.expires_at, "2025-10-09T20:53:20Z"); /* SESSION_HOURS later */

    assert_true(session_check(s, secret, &seen));
    assert_int_equal(seen.session_id, info.session_id);
    assert_int_equal(seen.token_id, med);
    assert_string_equal(seen.csrf, info.csrf);
    assert_string_equal(seen.role, "mediator");
    assert_string_equal(seen.expires_at, info.expires_at);

    /* Two sessions of two tokens are two secrets; each finds its own. */
    assert_int_equal(session_open(s, adm, other, &info, err, sizeof err), 0);
    assert_string_not_equal(secret, other);
    assert_true(session_check(s, other, &seen));
    assert_string_equal(seen.role, "admin");

    /* Only hashes are stored: neither secret nor its text appears in the table. */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM sessions WHERE CAST(secret_hash AS TEXT) "
                                        "= ?1 OR length(secret_hash) != 32", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, secret, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    store_close(s);
}

static void test_forged_secrets(void **state)
{
    (void)state;
    store *s = open_store();
    long med = add_token(s, "mediator", "Awa");
    char secret[SESSION_SECRET_LEN + 1], err[256];
    session_info info;
    assert_int_equal(session_open(s, med, secret, &info, err, sizeof err), 0);
    char forged[SESSION_SECRET_LEN + 1];
    memcpy(forged, secret, sizeof forged);
    forged[5] = forged[5] == 'A' ? 'B' : 'A';
    char longer[SESSION_SECRET_LEN + 2];
    snprintf(longer, sizeof longer, "%sA", secret);
    const struct { const char *what, *secret; } cases[] = {
        {"one character changed", forged},
        {"one character more", longer},
        {"one character less", secret + 1},
        {"empty", ""},
        {"not base64url", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"},
        {"the CSRF secret", info.csrf},
        {"NULL", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (session_check(s, cases[i].secret, &info))
            fail_msg("case %zu (%s) opened a session", i + 1, cases[i].what);
    /* a session cannot open for a token that does not exist or is revoked */
    assert_int_equal(session_open(s, 999, secret, &info, err, sizeof err), 1);
    assert_int_equal(store_token_revoke(s, med), 0);
    assert_int_equal(session_open(s, med, secret, &info, err, sizeof err), 1);
    store_close(s);
}

static void test_expiry(void **state)
{
    (void)state;
    store *s = open_store();
    long med = add_token(s, "mediator", "Awa");
    char secret[SESSION_SECRET_LEN + 1], err[256];
    session_info info;
    assert_int_equal(session_open_for(s, med, 60, secret, &info, err, sizeof err), 0);
    const struct { long after; bool alive; } steps[] = {{0, true}, {59, true}, {60, false}, {3600, false}};
    time_t t0 = fake_now;
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        fake_now = t0 + steps[i].after;
        if (session_check(s, secret, &info) != steps[i].alive)
            fail_msg("%ld s after opening: expected %s", steps[i].after, steps[i].alive ? "alive" : "expired");
    }
    /* A session of SESSION_HOURS lives a working day, not a second more. */
    fake_now = t0;
    assert_int_equal(session_open(s, med, secret, &info, err, sizeof err), 0);
    fake_now = t0 + SESSION_HOURS * 3600 - 1;
    assert_true(session_check(s, secret, NULL));
    fake_now = t0 + SESSION_HOURS * 3600;
    assert_false(session_check(s, secret, NULL));
    store_close(s);
}

static void test_end_and_revocation(void **state)
{
    (void)state;
    store *s = open_store();
    long med = add_token(s, "mediator", "Awa"), other = add_token(s, "mediator", "Binta");
    char a[SESSION_SECRET_LEN + 1], b[SESSION_SECRET_LEN + 1], c[SESSION_SECRET_LEN + 1], err[256];
    session_info ia, ib, ic;
    assert_int_equal(session_open(s, med, a, &ia, err, sizeof err), 0);
    assert_int_equal(session_open(s, med, b, &ib, err, sizeof err), 0);
    assert_int_equal(session_open(s, other, c, &ic, err, sizeof err), 0);

    /* sign-out ends that session only, once */
    assert_int_equal(session_end(s, ia.session_id), 0);
    assert_int_equal(session_end(s, ia.session_id), 1);
    assert_false(session_check(s, a, NULL));
    assert_true(session_check(s, b, NULL));

    /* revoking the token kills its sessions at once, even before session_end_token has run */
    assert_int_equal(store_token_revoke(s, med), 0);
    assert_false(session_check(s, b, NULL));
    assert_true(session_check(s, c, NULL));
    assert_int_equal(session_end_token(s, med), 0);
    assert_int_equal(count(s, "SELECT count(*) FROM sessions WHERE ended_at IS NULL"), 1);
    assert_true(session_check(s, c, NULL));
    store_close(s);
}

static void test_links(void **state)
{
    (void)state;
    store *s = open_store();
    long med = add_token(s, "mediator", "Awa");
    char link[SESSION_SECRET_LEN + 1], late[SESSION_SECRET_LEN + 1], expires[24], err[256];
    long token = 0;
    assert_int_equal(session_link_new(s, med, link, expires, err, sizeof err), 0);
    assert_string_equal(expires, "2025-10-09T09:08:20Z"); /* 15 minutes */
    assert_true(session_secret_valid(link));

    /* used once: the second use, and any other secret, is refused */
    assert_int_equal(session_link_use(s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &token), 1);
    assert_int_equal(session_link_use(s, link, &token), 0);
    assert_int_equal(token, med);
    token = 0;
    assert_int_equal(session_link_use(s, link, &token), 1);
    assert_int_equal(token, 0);

    /* expired at its 15th minute */
    time_t t0 = fake_now;
    assert_int_equal(session_link_new(s, med, late, expires, err, sizeof err), 0);
    fake_now = t0 + SESSION_LINK_MINUTES * 60;
    assert_int_equal(session_link_use(s, late, &token), 1);
    fake_now = t0 + SESSION_LINK_MINUTES * 60 - 1;
    assert_int_equal(session_link_use(s, late, &token), 0);

    /* a revoked token's link opens nothing, and a revoked token gets no new link */
    fake_now = t0;
    assert_int_equal(session_link_new(s, med, late, expires, err, sizeof err), 0);
    assert_int_equal(store_token_revoke(s, med), 0);
    assert_int_equal(session_link_use(s, late, &token), 1);
    assert_int_equal(session_link_new(s, med, late, expires, err, sizeof err), 1);
    assert_int_equal(session_link_new(s, 999, late, expires, err, sizeof err), 1);
    store_close(s);
}

static void test_time(void **state)
{
    (void)state;
    char buf[24];
    session_time(0, buf, sizeof buf);
    assert_string_equal(buf, "2025-10-09T08:53:20Z");
    session_time(-3600, buf, sizeof buf);
    assert_string_equal(buf, "2025-10-09T07:53:20Z");
    const struct { const char *s; bool ok; } shapes[] = {
        {"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP-_", false}, /* 44 */
        {"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_", true},   /* 43 */
        {"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO+/", false},  /* base64, not base64url */
        {"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO=_", false},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        if (session_secret_valid(shapes[i].s) != shapes[i].ok)
            fail_msg("shape %zu: expected %s", i + 1, shapes[i].ok ? "valid" : "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_and_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_and_revocation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
