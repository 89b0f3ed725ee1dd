/* session.h -- the console's sign-in sessions and the mediators' one-time sign-in links, in the store.
 *
 * A session is what a browser holds after signing in once with its token: a random secret in an HttpOnly
 * cookie (api/auth.c), of which only the SHA-256 is stored, tied to the token (revoking the token ends its
 * sessions at once), with an expiry and a CSRF secret that the page sends back in a header on every request that
 * changes something. A one-time link is a random secret, valid SESSION_LINK_MINUTES and used once, that opens a
 * session for its token: a mediator's phone scans it and is signed in without typing the token.
 *
 * Writes (session_open, session_end, session_link_new, session_link_use) run on the writer thread inside its
 * transaction, or on the command line; session_check is a read on the loop's connection.
 */
#ifndef COLLECTOR_SESSION_H
#define COLLECTOR_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "store.h"

#define SESSION_HOURS 12          /* a session's life: a working day */
#define SESSION_LINK_MINUTES 15   /* a one-time link's life */
#define SESSION_SECRET_LEN 43     /* base64url of 32 random bytes */
#define SESSION_CSRF_LEN 43

typedef struct session_info {
    long session_id;
    long token_id;
    char role[16];
    char name[128];
    char csrf[SESSION_CSRF_LEN + 1];
    char expires_at[24];          /* "YYYY-MM-DDTHH:MM:SSZ" */
} session_info;

/* Opens a session for token_id (which must be active): writes the cookie secret into secret and fills *info.
 * Returns 0, 1 when the token is unknown or revoked, -1 with a message in err. */
int session_open(store *s, long token_id, char secret[SESSION_SECRET_LEN + 1], session_info *info, char *err,
                 size_t errlen);

/* session_open with a life of seconds instead of SESSION_HOURS (the collector's hidden --session-seconds, for
 * tests of expiry). */
int session_open_for(store *s, long token_id, long seconds, char secret[SESSION_SECRET_LEN + 1],
                     session_info *info, char *err, size_t errlen);

/* Looks up a session by its cookie secret: true when it exists, has not ended or expired, and its token is still
 * active; fills *info. Constant-time comparison of hashes. */
bool session_check(store *s, const char *secret, session_info *info);

/* Ends a session (sign out). Returns 0, 1 when it had already ended, -1 on error. */
int session_end(store *s, long session_id);

/* Ends every session of token_id (its revocation). */
int session_end_token(store *s, long token_id);

/* A new one-time link for token_id: writes its secret into secret and its expiry into expires_at. Returns 0, 1
 * when the token is not active, -1 with a message in err. */
int session_link_new(store *s, long token_id, char secret[SESSION_SECRET_LEN + 1], char expires_at[24], char *err,
                     size_t errlen);

/* Uses a one-time link: when it exists, is unused, unexpired and its token active, marks it used and sets
 * *token_id. Returns 0, 1 when it is unknown, used, expired or its token revoked (one answer for all: a probe
 * learns nothing), -1 on error. */
int session_link_use(store *s, const char *secret, long *token_id);

/* Whether s has the shape of a secret (SESSION_SECRET_LEN base64url characters): anything else is refused
 * before the database is asked. */
bool session_secret_valid(const char *s);

/* Replaces the clock of every expiry (tests); NULL restores time(). Not thread-safe: set it before any use. */
void session_set_clock(time_t (*now)(void));

/* "YYYY-MM-DDTHH:MM:SSZ" for now + seconds (UTC) into buf (at least 24 bytes). */
void session_time(long seconds_from_now, char *buf, size_t len);

#endif /* COLLECTOR_SESSION_H */
