/* auth.h -- who a request comes from, for the routes that need a role: a bearer token (created by `collector
 * token add` or POST /api/v1/tokens; only hashes are stored, store.h) or the cookie of a console session
 * (session.h, README.md "Sessions, CSRF and one-time links"). Every request is checked anew, so a revoked token
 * and its sessions stop working at once.
 */
#ifndef COLLECTOR_AUTH_H
#define COLLECTOR_AUTH_H

#include <stdbool.h>

#include "http.h"
#include "session.h"

#define AUTH_COOKIE "ds_session"  /* the session cookie's name */

enum {
    AUTH_MEDIATOR = 1 << 0,
    AUTH_ANALYST = 1 << 1,
    AUTH_ADMIN = 1 << 2
};

/* Who a request comes from, once authenticated. */
typedef struct auth_identity {
    long token_id;
    unsigned role;               /* one AUTH_* bit */
    char name[128];              /* the token's name */
    bool session;                /* signed in by cookie (not a bearer token) */
    long session_id;             /* with session */
} auth_identity;

/* Returns true when the request carries "Authorization: Bearer TOKEN" for an active token whose role is in
 * roles, or the cookie of a live session of such a token (then a request that changes something must also carry
 * the session's CSRF secret, see README.md "Console"); fills *who (may be NULL). Otherwise replies 401 (no or
 * unknown credentials), 403 (wrong role, or a cross-site request) and returns false. */
bool auth_identify(hreq *h, unsigned roles, auth_identity *who);

/* auth_identify, keeping only the token id (may be NULL). */
bool auth_require(hreq *h, unsigned roles, long *token_id);

/* Who a browser is, without replying: true when the request carries the cookie of a live session (or a Bearer
 * token) of an active token, filling *who; false otherwise, with nothing sent. GET / uses it to send a signed-in
 * coordinator to the console and everyone else to the residents' page. No CSRF check: it decides nothing. */
bool auth_peek(hreq *h, auth_identity *who);

/* True when the request carries a session cookie (valid or not). */
bool auth_has_cookie(hreq *h);

/* True when the request carries the cookie of a live session; fills *info (may be NULL). Replies nothing: for
 * the routes that only ask whether someone is signed in (GET /, GET /api/v1/session). */
bool auth_session(hreq *h, session_info *info);

/* Whether the client reached us over TLS: --public-url is https://, or behind a trusted proxy the request says
 * X-Forwarded-Proto: https. The session cookie is then Secure. */
bool auth_is_tls(hreq *h);

/* The role bit of a role name, 0 when unknown. */
unsigned auth_role_bit(const char *role);

#endif /* COLLECTOR_AUTH_H */
