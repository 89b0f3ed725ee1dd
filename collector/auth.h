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

/* Returns true when the request carries "Authorization: Bearer TOKEN" for an active token whose role is in
 * roles; sets *token_id (may be NULL). Otherwise replies 401 (no or unknown token) or 403 (wrong role) and
 * returns false. */
bool auth_require(hreq *h, unsigned roles, long *token_id);

/* The role bit of a role name, 0 when unknown. */
unsigned auth_role_bit(const char *role);

#endif /* COLLECTOR_AUTH_H */
