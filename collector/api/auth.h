/* auth.h -- bearer-token checks for the routes that need a role. Tokens are created by
 * `collector token add`; only their hashes are stored (store.h). Every request is checked anew, so a revoked
 * token stops working at once.
 */
#ifndef COLLECTOR_AUTH_H
#define COLLECTOR_AUTH_H

#include <stdbool.h>

#include "http.h"

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

/* The role bit of a role name, 0 when unknown. */
unsigned auth_role_bit(const char *role);

#endif /* COLLECTOR_AUTH_H */
