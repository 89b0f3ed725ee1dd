/* auth.c -- bearer-token checks (see auth.h). */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include "app.h"

unsigned auth_role_bit(const char *role)
{
    if (strcmp(role, "mediator") == 0)
        return AUTH_MEDIATOR;
    if (strcmp(role, "analyst") == 0)
        return AUTH_ANALYST;
    if (strcmp(role, "admin") == 0)
        return AUTH_ADMIN;
    return 0;
}

bool auth_identify(hreq *h, unsigned roles, auth_identity *who)
{
    const char *hdr = evhttp_find_header(evhttp_request_get_input_headers(h->req), "Authorization");
    char role[16];
    long id;
    if (hdr == NULL || strncasecmp(hdr, "Bearer ", 7) != 0 ||
        !store_token_check(h->srv->reader, hdr + 7, role, sizeof role, &id)) {
        evhttp_add_header(evhttp_request_get_output_headers(h->req), "WWW-Authenticate", "Bearer");
        http_error(h, 401, "unauthorized", "Authorization", hdr ? "jeton inconnu ou révoqué" :
                   "cette route demande un jeton (Authorization: Bearer …)");
        return false;
    }
    if ((auth_role_bit(role) & roles) == 0) {
        http_error(h, 403, "forbidden", "Authorization", "le rôle « %s » ne permet pas cette action", role);
        return false;
    }
    if (who) {
        memset(who, 0, sizeof *who);
        who->token_id = id;
        who->role = auth_role_bit(role);
        store_token_name(h->srv->reader, id, who->name, sizeof who->name);
    }
    return true;
}

bool auth_require(hreq *h, unsigned roles, long *token_id)
{
    auth_identity who;
    if (!auth_identify(h, roles, &who))
        return false;
    if (token_id)
        *token_id = who.token_id;
    return true;
}
