/* auth.c -- who a request comes from: a bearer token, or the cookie of a console session with its CSRF rules
 * (see auth.h and README.md, "Sessions, CSRF and one-time links"). */
#include "auth.h"

#include <stdio.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

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

static const char *header(hreq *h, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(h->req), name);
}

bool auth_is_tls(hreq *h)
{
    const char *pub = h->srv->cfg.public_url;
    if (pub && strncasecmp(pub, "https://", 8) == 0)
        return true;
    const char *proto = h->srv->cfg.trust_proxy ? header(h, "X-Forwarded-Proto") : NULL;
    return proto && strcasecmp(proto, "https") == 0;
}

/* Looks for cookie name in the Cookie header: 0 when absent, 1 with its value in out, -1 when present but longer
 * than len - 1 (no secret of ours is). The first cookie of that name wins (a browser sends the most specific
 * path first). */
static int cookie(hreq *h, const char *name, char *out, size_t len)
{
    const char *c = header(h, "Cookie");
    size_t nlen = strlen(name);
    while (c && *c) {
        c += strspn(c, " \t;");
        size_t pair = strcspn(c, ";");
        if (pair > nlen && strncmp(c, name, nlen) == 0 && c[nlen] == '=') {
            size_t vlen = pair - nlen - 1;
            while (vlen > 0 && (c[nlen + vlen] == ' ' || c[nlen + vlen] == '\t'))
                vlen--;
            if (vlen >= len)
                return -1;
            memcpy(out, c + nlen + 1, vlen);
            out[vlen] = '\0';
            return 1;
        }
        c += pair;
    }
    return 0;
}

bool auth_has_cookie(hreq *h)
{
    char v[SESSION_SECRET_LEN + 1];
    return cookie(h, AUTH_COOKIE, v, sizeof v) != 0;
}

bool auth_session(hreq *h, session_info *info)
{
    char secret[SESSION_SECRET_LEN + 1];
    return cookie(h, AUTH_COOKIE, secret, sizeof secret) == 1 && session_check(h->srv->reader, secret, info);
}

/* The origin ("scheme://host[:port]") the pages are served from: that of --public-url, or the Host header with
 * the scheme of the request. False when neither is usable. */
/* origin without a default port ("https://x:443" is "https://x"), lowercased, into out. */
static void origin_norm(const char *origin, char *out, size_t len)
{
    snprintf(out, len, "%s", origin);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    size_t n = strlen(out);
    if (strncmp(out, "https://", 8) == 0 && n > 4 && strcmp(out + n - 4, ":443") == 0)
        out[n - 4] = '\0';
    else if (strncmp(out, "http://", 7) == 0 && n > 3 && strcmp(out + n - 3, ":80") == 0)
        out[n - 3] = '\0';
}

/* Whether origin is one of ours: the origin of --public-url, or the scheme and Host this request came by (a
 * coordinator on the local network reaches the same pages by another name: those pages are ours too). */
static bool own_origin(hreq *h, const char *origin)
{
    char want[300], got[300];
    origin_norm(origin, got, sizeof got);
    const char *pub = h->srv->cfg.public_url;
    if (pub) {
        const char *host = strstr(pub, "://");
        size_t n = host ? (size_t)(host + 3 - pub) + strcspn(host + 3, "/?#") : 0;
        if (n > 0 && n < sizeof want) {
            char o[300];
            memcpy(o, pub, n);
            o[n] = '\0';
            origin_norm(o, want, sizeof want);
            if (strcmp(want, got) == 0)
                return true;
        }
    }
    const char *host = header(h, "Host");
    if (host == NULL || host[0] == '\0' || strlen(host) > 255)
        return false;
    char o[300];
    snprintf(o, sizeof o, "%s://%s", auth_is_tls(h) ? "https" : "http", host);
    origin_norm(o, want, sizeof want);
    return strcmp(want, got) == 0;
}

/* A request that changes something with a session cookie must prove it comes from our own pages: the session's
 * CSRF secret in X-CSRF-Token (a page of another site cannot read it), and an Origin, when the browser sends
 * one, equal to ours. SameSite=Strict already keeps the cookie off cross-site requests; this holds even for a
 * browser that ignores SameSite. Replies 403 and returns false otherwise. */
static bool csrf_ok(hreq *h, const session_info *info)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(h->req);
    if (m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD)
        return true;
    const char *sent = header(h, "X-CSRF-Token");
    bool same = sent && strlen(sent) == strlen(info->csrf) &&
                CRYPTO_memcmp(sent, info->csrf, strlen(info->csrf)) == 0;
    const char *origin = header(h, "Origin");
    if (same && origin && !own_origin(h, origin)) {
        http_error(h, 403, "csrf_failed", "Origin", "requête refusée : elle ne vient pas des pages de ce service");
        return false;
    }
    if (!same) {
        http_error(h, 403, "csrf_failed", "X-CSRF-Token", "requête refusée : l'en-tête X-CSRF-Token de la session "
                   "manque ou ne correspond pas (rechargez la page)");
        return false;
    }
    return true;
}

/* The bearer path: the Authorization header is there. */
static bool identify_bearer(hreq *h, const char *hdr, auth_identity *who)
{
    char role[16];
    long id;
    if (strncasecmp(hdr, "Bearer ", 7) != 0 || !store_token_check(h->srv->reader, hdr + 7, role, sizeof role, &id)) {
        evhttp_add_header(evhttp_request_get_output_headers(h->req), "WWW-Authenticate", "Bearer");
        http_error(h, 401, "unauthorized", "Authorization", "jeton inconnu ou révoqué");
        return false;
    }
    memset(who, 0, sizeof *who);
    who->token_id = id;
    who->role = auth_role_bit(role);
    store_token_name(h->srv->reader, id, who->name, sizeof who->name);
    return true;
}

bool auth_identify(hreq *h, unsigned roles, auth_identity *who)
{
    auth_identity me;
    const char *hdr = header(h, "Authorization");
    if (hdr) {
        /* an explicit credential wins over a cookie the browser adds by itself */
        if (!identify_bearer(h, hdr, &me))
            return false;
    } else if (auth_has_cookie(h)) {
        session_info info;
        if (!auth_session(h, &info)) {
            evhttp_add_header(evhttp_request_get_output_headers(h->req), "WWW-Authenticate", "Bearer");
            http_error(h, 401, "unauthorized", AUTH_COOKIE, "session inconnue, terminée ou expirée : "
                       "reconnectez-vous");
            return false;
        }
        if (!csrf_ok(h, &info))
            return false;
        memset(&me, 0, sizeof me);
        me.token_id = info.token_id;
        me.role = auth_role_bit(info.role);
        snprintf(me.name, sizeof me.name, "%s", info.name);
        me.session = true;
        me.session_id = info.session_id;
    } else {
        evhttp_add_header(evhttp_request_get_output_headers(h->req), "WWW-Authenticate", "Bearer");
        http_error(h, 401, "unauthorized", "Authorization", "cette route demande un jeton (Authorization: Bearer …) "
                   "ou une session");
        return false;
    }
    if ((me.role & roles) == 0) {
        const char *r = me.role == AUTH_MEDIATOR ? "mediator" : me.role == AUTH_ANALYST ? "analyst" : "admin";
        http_error(h, 403, "forbidden", me.session ? AUTH_COOKIE : "Authorization",
                   "le rôle « %s » ne permet pas cette action", r);
        return false;
    }
    if (who)
        *who = me;
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

/* GET / only looks: no reply, no CSRF check (it decides nothing but where to send a browser). */
bool auth_peek(hreq *h, auth_identity *who)
{
    session_info info;
    const char *hdr = header(h, "Authorization");
    char role[16];
    memset(who, 0, sizeof *who);
    if (auth_session(h, &info)) {
        who->token_id = info.token_id;
        who->role = auth_role_bit(info.role);
        snprintf(who->name, sizeof who->name, "%s", info.name);
        who->session = true;
        who->session_id = info.session_id;
    } else if (hdr && strncasecmp(hdr, "Bearer ", 7) == 0 &&
               store_token_check(h->srv->reader, hdr + 7, role, sizeof role, &who->token_id)) {
        who->role = auth_role_bit(role);
        store_token_name(h->srv->reader, who->token_id, who->name, sizeof who->name);
    }
    return who->role != 0;
}
