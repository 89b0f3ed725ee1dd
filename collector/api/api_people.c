/* api_people.c -- signing in and the people who may: console sessions (POST/GET/DELETE /api/v1/session), the
 * tokens of mediators, analysts and administrators (list, create, revoke) and the mediators' one-time sign-in
 * links (README.md, "Sessions, CSRF and one-time links"). Exports the api_session_* and api_tokens_* handlers.
 *
 * Every write (a session opened or ended, a link made or used, a token created or revoked) goes through the
 * writer thread as a job whose apply runs the store calls and appends its audit row in the same transaction, so
 * that an action and its audit line commit together. Secrets leave only in the reply that creates them: the
 * cookie's in Set-Cookie, a new token's in the body, a link's in the fragment of its URL (never sent to a server
 * by a browser, so never in any access log).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "session.h"
#include "steward.h"
#include "util.h"
#include "web.h"

#define PEOPLE_NAME_MAX 80      /* characters in a token's name: a pseudonym, not a file */
#define PEOPLE_CREDENTIAL_MAX 128

typedef enum people_kind { SIGNIN_TOKEN, SIGNIN_LINK, SIGNOUT, TOKEN_CREATE, TOKEN_REVOKE, TOKEN_LINK } people_kind;

/* Results of a job besides the writer's own (job.sub.outcome, UNAVAILABLE when the batch failed). */
enum { PEOPLE_OK, PEOPLE_REFUSED, PEOPLE_UNKNOWN, PEOPLE_REVOKED, PEOPLE_NOT_MEDIATOR };

typedef struct people_job {
    commitq_job job;            /* first member */
    people_kind kind;
    hreq *h;
    int result;
    long actor_id;              /* who acts (0 for a sign-in: the token signing in acts) */
    char actor_name[128];
    long token_id;              /* the token signed in, created, revoked or linked */
    long session_id;            /* SIGNOUT: the session ended; SIGNIN_*: the one the browser held, replaced */
    long seconds;               /* a new session's life */
    char credential[PEOPLE_CREDENTIAL_MAX + 1]; /* SIGNIN_LINK: the link's secret */
    char role[16], name[PEOPLE_NAME_MAX * 4 + 1];
    char *reason;
    char base[300];             /* for a link's URL */
    session_info info;          /* SIGNIN_*: the session opened */
    char secret[SESSION_SECRET_LEN + 1];        /* the cookie's secret, or a link's */
    char token_secret[80];      /* TOKEN_CREATE */
    char expires_at[24];        /* a link's expiry */
    char revoked_at[24];
} people_job;

static void job_free(people_job *p)
{
    free(p->reason);
    OPENSSL_cleanse(p, sizeof *p);
    free(p);
}

static int audit(store *s, people_job *p, const char *action, long actor, const char *actor_name, const char *detail,
                 char *err, size_t errlen)
{
    steward_actor who = {.token_id = actor, .name = actor_name};
    char target[32];
    snprintf(target, sizeof target, "token:%ld", p->token_id);
    return steward_audit(s, &who, action, target, p->reason, detail, err, errlen);
}

/* ---------------------------------------------------------------------------------------------------------
 * What the writer does (inside its transaction). A refusal is a result, not an error: the batch goes on.
 */

static int apply_signin(store *s, commitq_job *job, char *err, size_t errlen)
{
    people_job *p = (people_job *)job;
    job->sub.outcome = STORE_CREATED;
    p->result = PEOPLE_REFUSED;
    if (p->kind == SIGNIN_LINK) {
        int rc = session_link_use(s, p->credential, &p->token_id);
        if (rc != 0)
            return rc < 0 ? (snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s))), -1) : 0;
    }
    int rc = session_open_for(s, p->token_id, p->seconds, p->secret, &p->info, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    /* A sign-in replaces the session this browser held: a session planted in it before, or left by someone
     * else on a shared tablet, ends here rather than living on beside the new one. */
    if (p->session_id > 0 && session_end(s, p->session_id) < 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        return -1;
    }
    p->result = PEOPLE_OK;
    return audit(s, p, "signin", p->token_id, p->info.name,
                 p->kind == SIGNIN_LINK ? "{\"via\":\"link\"}" : "{\"via\":\"token\"}", err, errlen);
}

static int apply_signout(store *s, commitq_job *job, char *err, size_t errlen)
{
    people_job *p = (people_job *)job;
    job->sub.outcome = STORE_CREATED;
    int rc = session_end(s, p->session_id);
    if (rc < 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        return -1;
    }
    p->result = PEOPLE_OK;
    return rc == 1 ? 0 : audit(s, p, "signout", p->actor_id, p->actor_name, NULL, err, errlen);
}

/* The role and revocation of token id: PEOPLE_OK (active), PEOPLE_UNKNOWN or PEOPLE_REVOKED; -1 on error. */
static int token_state(store *s, long id, char *role, size_t rolelen, char *revoked_at, size_t revlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(s), "SELECT role, revoked_at FROM tokens WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), out = PEOPLE_UNKNOWN;
    if (rc == SQLITE_ROW) {
        snprintf(role, rolelen, "%s", (const char *)sqlite3_column_text(st, 0));
        const unsigned char *rev = sqlite3_column_text(st, 1);
        snprintf(revoked_at, revlen, "%s", rev ? (const char *)rev : "");
        out = rev ? PEOPLE_REVOKED : PEOPLE_OK;
    } else if (rc != SQLITE_DONE) {
        out = -1;
    }
    sqlite3_finalize(st);
    return out;
}

/* A new link for p->token_id, audited "signin_link" (the link's secret never reaches the audit). */
static int new_link(store *s, people_job *p, char *err, size_t errlen)
{
    int rc = session_link_new(s, p->token_id, p->secret, p->expires_at, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    char detail[64];
    snprintf(detail, sizeof detail, "{\"expires_at\":\"%s\"}", p->expires_at);
    return audit(s, p, "signin_link", p->actor_id, p->actor_name, detail, err, errlen);
}

static int apply_token_create(store *s, commitq_job *job, char *err, size_t errlen)
{
    people_job *p = (people_job *)job;
    job->sub.outcome = STORE_CREATED;
    if (store_token_add(s, p->role, p->name, p->token_secret, sizeof p->token_secret, &p->token_id, err, errlen) < 0)
        return -1;
    char detail[64];
    snprintf(detail, sizeof detail, "{\"role\":\"%s\"}", p->role);
    if (audit(s, p, "token_create", p->actor_id, p->actor_name, detail, err, errlen) < 0)
        return -1;
    p->result = PEOPLE_OK;
    return strcmp(p->role, "mediator") == 0 ? new_link(s, p, err, errlen) : 0;
}

static int apply_token_revoke(store *s, commitq_job *job, char *err, size_t errlen)
{
    people_job *p = (people_job *)job;
    job->sub.outcome = STORE_CREATED;
    int st = token_state(s, p->token_id, p->role, sizeof p->role, p->revoked_at, sizeof p->revoked_at);
    if (st < 0 || (st == PEOPLE_OK && (store_token_revoke(s, p->token_id) < 0 || session_end_token(s, p->token_id) < 0))) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        return -1;
    }
    p->result = st;
    if (st != PEOPLE_OK)
        return 0;
    token_state(s, p->token_id, p->role, sizeof p->role, p->revoked_at, sizeof p->revoked_at);
    return audit(s, p, "token_revoke", p->actor_id, p->actor_name, NULL, err, errlen);
}

static int apply_token_link(store *s, commitq_job *job, char *err, size_t errlen)
{
    people_job *p = (people_job *)job;
    job->sub.outcome = STORE_CREATED;
    int st = token_state(s, p->token_id, p->role, sizeof p->role, p->revoked_at, sizeof p->revoked_at);
    if (st < 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        return -1;
    }
    p->result = st == PEOPLE_OK && strcmp(p->role, "mediator") != 0 ? PEOPLE_NOT_MEDIATOR : st;
    return p->result == PEOPLE_OK ? new_link(s, p, err, errlen) : 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Replies (on the loop thread).
 */

/* Sets the session cookie (secret, for max_age seconds), or clears it (secret NULL). */
static void set_cookie(hreq *h, const char *secret, long max_age)
{
    if (h->req == NULL) /* the client has gone: the reply goes nowhere */
        return;
    char c[160];
    snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", AUTH_COOKIE, secret ? secret : "",
             secret ? max_age : 0, auth_is_tls(h) ? "; Secure" : "");
    evhttp_add_header(evhttp_request_get_output_headers(h->req), "Set-Cookie", c);
}

static json_t *session_json(const session_info *info)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:s}", "role", info->role, "name", info->name, "token_id",
                     (json_int_t)info->token_id, "csrf", info->csrf, "expires_at", info->expires_at);
}

/* {url, expires_at, qr_svg} of the link in p. */
static json_t *link_json(const people_job *p)
{
    char url[sizeof p->base + SESSION_SECRET_LEN + 16], caption[sizeof p->name + 16];
    snprintf(url, sizeof url, "%s/signin#%s", p->base, p->secret);
    snprintf(caption, sizeof caption, "Connexion : %s", p->name);
    char *svg = web_qr_svg(url, caption);
    json_t *out = json_pack("{s:s, s:s, s:s?}", "url", url, "expires_at", p->expires_at, "qr_svg", svg);
    free(svg);
    OPENSSL_cleanse(url, sizeof url);
    return out;
}

/* Answers a job the writer could not commit; true when it did. */
static bool unavailable(people_job *p)
{
    if (p->job.sub.outcome != STORE_UNAVAILABLE)
        return false;
    if (p->h->req)
        evhttp_add_header(evhttp_request_get_output_headers(p->h->req), "Retry-After", "10");
    http_error(p->h, 503, "storage_unavailable", NULL, "l'enregistrement est momentanément impossible ; rien n'a été "
               "enregistré, réessayez plus tard");
    return true;
}

static void finish(commitq_job *job)
{
    people_job *p = (people_job *)job;
    hreq *h = p->h;
    h->srv->inflight--;
    if (unavailable(p)) {
        job_free(p);
        return;
    }
    switch (p->kind) {
    case SIGNIN_TOKEN:
    case SIGNIN_LINK:
        if (p->result != PEOPLE_OK) {
            bool link = p->kind == SIGNIN_LINK;
            http_error(h, 401, "invalid_credentials", link ? "link" : "token", link ? "ce lien de connexion a déjà "
                       "servi, a expiré ou n'existe pas : demandez-en un nouveau à l'administrateur"
                       : "jeton inconnu ou révoqué");
            break;
        }
        set_cookie(h, p->secret, p->seconds);
        http_reply_json(h, 200, session_json(&p->info));
        break;
    case SIGNOUT:
        set_cookie(h, NULL, 0);
        http_reply_json(h, 200, json_pack("{s:b}", "signed_out", 1));
        break;
    case TOKEN_CREATE:
        http_reply_json(h, 201, json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)p->token_id, "role", p->role,
                                          "name", p->name, "secret", p->token_secret, "link",
                                          strcmp(p->role, "mediator") == 0 ? link_json(p) : json_null()));
        break;
    case TOKEN_REVOKE:
    case TOKEN_LINK:
        if (p->result == PEOPLE_UNKNOWN)
            http_error(h, 404, "unknown_token", "id", "aucun jeton n° %ld", p->token_id);
        else if (p->result == PEOPLE_REVOKED)
            http_error(h, 409, "token_revoked", "id", "le jeton n° %ld est déjà révoqué (%s)", p->token_id,
                       p->revoked_at);
        else if (p->result == PEOPLE_NOT_MEDIATOR)
            http_error(h, 409, "not_mediator", "id", "un lien de connexion ne sert qu'aux médiateurs ; le jeton n° %ld "
                       "est de rôle « %s »", p->token_id, p->role);
        else if (p->kind == TOKEN_REVOKE)
            http_reply_json(h, 200, json_pack("{s:I, s:s}", "id", (json_int_t)p->token_id, "revoked_at",
                                              p->revoked_at));
        else
            http_reply_json(h, 201, link_json(p));
        break;
    }
    job_free(p);
}

/* Queues p; replies 503 when the writer cannot take it. */
static void push(hreq *h, people_job *p, commitq_apply_fn apply)
{
    p->h = h;
    p->job.apply = apply;
    p->job.user = p;
    p->job.finish = finish;
    if (!api_push(h, &p->job)) {
        job_free(p);
        return;
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * Checks at the edge.
 */

/* The base of a link's URL into p->base: --public-url, or the scheme and Host of the request. Replies 400 and
 * returns false when the Host header is unusable. */
static bool link_base(hreq *h, people_job *p)
{
    if (!web_base_url(h, p->base, sizeof p->base)) {
        http_error(h, 400, "invalid_host", "Host", "en-tête Host invalide ; lancez le collecteur avec --public-url");
        return false;
    }
    size_t n = strlen(p->base);
    while (n > 0 && p->base[n - 1] == '/')
        p->base[--n] = '\0';
    return true;
}

/* The optional body of revoke and link: nothing, or a JSON object with at most fields. Returns the object (an empty
 * one for no body) or NULL after replying. */
static json_t *optional_body(hreq *h, const char *const *fields)
{
    if (evbuffer_get_length(evhttp_request_get_input_buffer(h->req)) == 0)
        return json_object();
    json_t *body = api_read_json(h);
    if (body && !api_known_fields(h, body, fields)) {
        json_decref(body);
        return NULL;
    }
    return body;
}

/* A reason of 1..STEWARD_REASON_MAX characters into *out (malloc'd), or none when absent. Replies 400 and
 * returns false when it is not one. */
static bool optional_reason(hreq *h, json_t *body, char **out)
{
    json_t *r = json_object_get(body, "reason");
    *out = NULL;
    if (r == NULL || json_is_null(r))
        return true;
    const char *s = json_string_value(r);
    size_t n = s ? util_utf8_len(s) : 0;
    if (s == NULL || n == 0 || n > STEWARD_REASON_MAX) {
        http_error(h, 400, "invalid_field", "reason", "« reason » est une phrase de 1 à %d caractères",
                   STEWARD_REASON_MAX);
        return false;
    }
    *out = xstrdup(s);
    return true;
}

/* The token id of the route ({id}); replies 404 when it is not a number. */
static bool route_id(hreq *h, const char *text, long *id)
{
    if (!util_parse_long(text, 1, 1L << 40, id)) {
        http_error(h, 404, "unknown_token", "id", "aucun jeton n° « %.*s »", util_utf8_prefix(text, strlen(text), 20),
                   text);
        return false;
    }
    return true;
}

static people_job *new_job(people_kind kind, const auth_identity *who)
{
    people_job *p = xcalloc(1, sizeof *p);
    p->kind = kind;
    if (who) {
        p->actor_id = who->token_id;
        snprintf(p->actor_name, sizeof p->actor_name, "%s", who->name);
    }
    return p;
}

/* ---------------------------------------------------------------------------------------------------------
 * Sessions.
 */

void api_session_open(hreq *h, const char *const *params)
{
    (void)params;
    static const char *const fields[] = {"token", "link", NULL};
    json_t *body = api_read_json(h);
    if (body == NULL)
        return;
    people_job *p = NULL;
    if (!api_known_fields(h, body, fields))
        goto done;
    json_t *token = json_object_get(body, "token"), *link = json_object_get(body, "link");
    if ((token == NULL) == (link == NULL)) {
        http_error(h, 400, "missing_field", "token", "donnez soit « token » (votre jeton), soit « link » (le secret "
                   "d'un lien de connexion)");
        goto done;
    }
    const char *field = token ? "token" : "link", *value = json_string_value(token ? token : link);
    if (value == NULL || strlen(value) > PEOPLE_CREDENTIAL_MAX) {
        http_error(h, 400, "invalid_field", field, "« %s » doit être un texte de %d caractères au plus", field,
                   PEOPLE_CREDENTIAL_MAX);
        goto done;
    }
    p = new_job(token ? SIGNIN_TOKEN : SIGNIN_LINK, NULL);
    p->seconds = h->srv->cfg.session_seconds > 0 ? h->srv->cfg.session_seconds : SESSION_HOURS * 3600L;
    if (token) {
        /* The token is checked here, on the loop's connection: a wrong one costs no write. The writer checks
         * again that it is active when it opens the session. */
        if (!store_token_check(h->srv->reader, value, p->role, sizeof p->role, &p->token_id)) {
            http_error(h, 401, "invalid_credentials", "token", "jeton inconnu ou révoqué");
            goto done;
        }
    } else {
        snprintf(p->credential, sizeof p->credential, "%s", value);
    }
    session_info held;
    if (auth_session(h, &held))
        p->session_id = held.session_id;
    push(h, p, apply_signin);
    p = NULL;
done:
    if (p)
        job_free(p);
    json_decref(body);
}

void api_session_get(hreq *h, const char *const *params)
{
    (void)params;
    session_info info;
    if (!auth_session(h, &info)) {
        http_error(h, 401, "unauthorized", AUTH_COOKIE, "pas de session ouverte sur cet appareil");
        return;
    }
    http_reply_json(h, 200, session_json(&info));
    OPENSSL_cleanse(&info, sizeof info);
}

void api_session_end(hreq *h, const char *const *params)
{
    (void)params;
    auth_identity who;
    if (!auth_has_cookie(h)) {
        http_error(h, 401, "unauthorized", AUTH_COOKIE, "pas de session ouverte sur cet appareil");
        return;
    }
    if (!auth_identify(h, AUTH_MEDIATOR | AUTH_ANALYST | AUTH_ADMIN, &who))
        return;
    if (!who.session) {
        http_error(h, 401, "unauthorized", AUTH_COOKIE, "cette route termine une session : elle demande le cookie "
                   "de session, pas un jeton");
        return;
    }
    people_job *p = new_job(SIGNOUT, &who);
    p->session_id = who.session_id;
    p->token_id = who.token_id;
    push(h, p, apply_signout);
}

/* ---------------------------------------------------------------------------------------------------------
 * Tokens.
 */

void api_tokens_list(hreq *h, const char *const *params)
{
    (void)params;
    if (!auth_require(h, AUTH_ADMIN | AUTH_ANALYST, NULL))
        return;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(h->srv->reader), "SELECT id, role, name, created_at, revoked_at FROM tokens "
                           "ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
        http_error(h, 500, "storage_error", NULL, "lecture des jetons impossible");
        return;
    }
    json_t *list = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *rev = sqlite3_column_text(st, 4);
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s?}", "id",
                                              (json_int_t)sqlite3_column_int64(st, 0), "role",
                                              (const char *)sqlite3_column_text(st, 1), "name",
                                              (const char *)sqlite3_column_text(st, 2), "created_at",
                                              (const char *)sqlite3_column_text(st, 3), "revoked_at",
                                              (const char *)rev));
    }
    sqlite3_finalize(st);
    http_reply_json(h, 200, json_pack("{s:o}", "tokens", list));
}

/* A token's name: 1..PEOPLE_NAME_MAX characters, no control character. */
static bool valid_name(const char *s)
{
    size_t n = s ? util_utf8_len(s) : 0;
    if (n == 0 || n > PEOPLE_NAME_MAX)
        return false;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

void api_tokens_create(hreq *h, const char *const *params)
{
    (void)params;
    static const char *const fields[] = {"role", "name", NULL};
    auth_identity who;
    if (!auth_identify(h, AUTH_ADMIN, &who))
        return;
    json_t *body = api_read_json(h);
    if (body == NULL)
        return;
    people_job *p = NULL;
    if (!api_known_fields(h, body, fields))
        goto done;
    const char *role = json_string_value(json_object_get(body, "role"));
    const char *name = json_string_value(json_object_get(body, "name"));
    if (role == NULL || auth_role_bit(role) == 0) {
        http_error(h, 400, role ? "invalid_field" : "missing_field", "role", "« role » est mediator, analyst ou admin");
        goto done;
    }
    if (!valid_name(name)) {
        http_error(h, 400, name ? "invalid_field" : "missing_field", "name", "« name » est un nom de 1 à %d "
                   "caractères, sans caractère de contrôle (un pseudonyme suffit)", PEOPLE_NAME_MAX);
        goto done;
    }
    p = new_job(TOKEN_CREATE, &who);
    snprintf(p->role, sizeof p->role, "%s", role);
    snprintf(p->name, sizeof p->name, "%s", name);
    if (strcmp(role, "mediator") == 0 && !link_base(h, p))
        goto done;
    push(h, p, apply_token_create);
    p = NULL;
done:
    if (p)
        job_free(p);
    json_decref(body);
}

void api_tokens_revoke(hreq *h, const char *const *params)
{
    static const char *const fields[] = {"reason", NULL};
    auth_identity who;
    long id;
    if (!auth_identify(h, AUTH_ADMIN, &who) || !route_id(h, params[0], &id))
        return;
    json_t *body = optional_body(h, fields);
    if (body == NULL)
        return;
    people_job *p = new_job(TOKEN_REVOKE, &who);
    p->token_id = id;
    if (!optional_reason(h, body, &p->reason))
        job_free(p);
    else
        push(h, p, apply_token_revoke);
    json_decref(body);
}

void api_tokens_link(hreq *h, const char *const *params)
{
    static const char *const fields[] = {NULL};
    auth_identity who;
    long id;
    if (!auth_identify(h, AUTH_ADMIN, &who) || !route_id(h, params[0], &id))
        return;
    json_t *body = optional_body(h, fields);
    if (body == NULL)
        return;
    json_decref(body);
    people_job *p = new_job(TOKEN_LINK, &who);
    p->token_id = id;
    if (!link_base(h, p)) {
        job_free(p);
        return;
    }
    store_token_name(h->srv->reader, id, p->name, sizeof p->name);
    push(h, p, apply_token_link);
}

/* ---------------------------------------------------------------------------------------------------------
 * One route per path: the method chooses (server.c has checked it is one of these).
 */

void api_session(hreq *h, const char *const *params)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(h->req);
    if (m == EVHTTP_REQ_POST)
        api_session_open(h, params);
    else if (m == EVHTTP_REQ_DELETE)
        api_session_end(h, params);
    else
        api_session_get(h, params);
}

void api_tokens(hreq *h, const char *const *params)
{
    if (evhttp_request_get_command(h->req) == EVHTTP_REQ_POST)
        api_tokens_create(h, params);
    else
        api_tokens_list(h, params);
}
