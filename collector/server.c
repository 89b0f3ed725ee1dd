/* server.c -- the collector's HTTP service: listener and limits, routing, the hand-back of committed
 * submissions from the writer thread, and graceful shutdown (see server.h).
 *
 * libevent 2.1 quirks handled here once: evhttp has no connection cap, so the server counts connections through
 * a pass-through filter whose free callback says when evhttp has dropped one, and stops accepting at the cap (and
 * closes at once a connection whose client already holds its share, --max-connections-per-client); evhttp
 * replies to an over-long body with an HTML page before any handler runs, so its own limit is a hard memory cap
 * above the API limit, and handlers answer 413 in JSON below it.
 */
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "api.h"
#include "arena.h"
#include "http.h"
#include "reload.h"
#include "suppress.h"
#include "util.h"
#include "web.h"
#include "home.h"
#include "poster.h"

#define HARD_BODY_FACTOR 4         /* evhttp's own cap, as a multiple of the API body limit */
#define MAX_ROUTE_PARAMS 3
#define SRV_MIN_DEFAULT_PER_CLIENT 8 /* the smallest default per-client connection cap (per_client_cap) */
/* The kernel's queue of connections not yet accepted (capped by net.core.somaxconn, 4096 since Linux 5.4). When
 * it overflows, the kernel drops new connections' first packets and a client waits for its retransmission, a
 * second or more: a client refused at its share and reconnecting at once keeps up to one connection per socket
 * in the queue, so the queue must be deep enough for a few hundred of them with room for everybody else. */
#define SRV_LISTEN_BACKLOG 1024

/* What the server keeps of each connection (see "Connections" below). */
struct conn_ctx {
    srv *s;
    struct evhttp_connection *evcon;
    struct bufferevent *bev;     /* until registered */
    struct event *reg;
    void (*gone)(void *arg);     /* called if the connection closes while a request waits on it */
    void *gone_arg;
    struct event *deadline;      /* closes a connection that has not sent a whole request in --timeout seconds */
    uint64_t client;             /* the keyed hash of the peer address (connlimit.h), when counted */
    bool counted;                /* counted in s->perclient: released exactly once, in conn_closed */
    struct evbuffer_cb_entry *peek; /* watches the input for the start of each request (see "Body caps") */
    bool at_start;               /* the next bytes read begin a request */
    bool upload;                 /* the current request goes to the upload route: the upload cap applies */
    conn_ctx *prev, *next;
};

/* ---------------------------------------------------------------------------------------------------------
 * Routes: a table of patterns whose {name} segments are captured.
 */

typedef void (*handler_fn)(hreq *h, const char *const *params);

typedef struct route {
    const char *pattern;
    unsigned methods;             /* EVHTTP_REQ_* bits */
    handler_fn handler;
    bool limited;                 /* counts against the client's rate limit */
} route;

static const route routes[] = {
    {"/healthz", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_healthz, false},
    {"/api/v1/forms", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_forms_list, true},
    /* before /api/v1/forms/{id} and .../versions/{v}, which would take these paths */
    {API_FORMS_UPLOAD_ROUTE, EVHTTP_REQ_POST, api_forms_import, true},
    {"/api/v1/forms/{id}/versions", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_form_versions, true},
    {"/api/v1/forms/{id}/versions/{v}.xlsx", EVHTTP_REQ_GET, api_form_version_xlsx, true},
    {"/api/v1/forms/{id}", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_form_current, true},
    {"/api/v1/forms/{id}/versions/{v}", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_form_version, true},
    {"/api/v1/forms/{id}/submissions", EVHTTP_REQ_POST, api_submit, true},
    {"/api/v1/forms/{id}/submissions.csv", EVHTTP_REQ_GET, api_export_csv, true},
    {"/api/v1/forms/{id}/submissions.jsonl", EVHTTP_REQ_GET, api_export_jsonl, true},
    {"/api/v1/territories", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_territories, true},
    {"/api/v1/stats", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_stats, true},
    {"/api/v1/stats/detail", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_stats_detail, true},
    {"/api/v1/forms/{id}/paper", EVHTTP_REQ_POST, api_paper_entry, true},
    {"/api/v1/forms/{id}/paper/discrepancies", EVHTTP_REQ_GET, api_paper_discrepancies, true},
    {"/api/v1/forms/{id}/paper/sheets", EVHTTP_REQ_GET, api_paper_sheets, true},
    {"/api/v1/forms/{id}/paper/mine", EVHTTP_REQ_GET, api_paper_mine, true},
    {"/api/v1/forms/{id}/paper/{p}/reconcile", EVHTTP_REQ_POST, api_paper_reconcile, true},
    /* sessions and people (api_people.c); a sign-in is limited like any request, so tokens cannot be guessed fast */
    {"/api/v1/session", EVHTTP_REQ_POST | EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_DELETE, api_session, true},
    {"/api/v1/tokens", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST, api_tokens, true},
    {"/api/v1/tokens/{id}/revoke", EVHTTP_REQ_POST, api_tokens_revoke, true},
    {"/api/v1/tokens/{id}/link", EVHTTP_REQ_POST, api_tokens_link, true},
    {"/f/{id}", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, web_form_page, true},
    {"/qr/{id}", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, web_qr, true},
    {"/sw.js", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, web_service_worker, false},
    {"/print/{id}", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, web_print_page, true},
    {"/entry", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, web_entry_page, true},
    {"/admin", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, web_admin_page, true},
    {"/signin", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, web_signin_page, true},
    {"/", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, home_root, true},
    {"/poster/{id}/{t}", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, poster_page, true},
    /* data stewardship (api_steward.c) */
    {"/api/v1/submissions/{uuid}", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE,
     api_submission, true},
    {"/api/v1/submissions/{uuid}/exclude", EVHTTP_REQ_POST, api_submission_exclude, true},
    {"/api/v1/submissions/{uuid}/include", EVHTTP_REQ_POST, api_submission_include, true},
    {"/api/v1/erasure", EVHTTP_REQ_POST, api_erasure, true},
    {"/api/v1/campaign", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_campaign, true},
    {"/api/v1/campaign/test", EVHTTP_REQ_POST, api_campaign_test, true},
    {"/api/v1/campaign/purge-tests", EVHTTP_REQ_POST, api_campaign_purge, true},
    {"/api/v1/audit.csv", EVHTTP_REQ_GET, api_audit_csv, true},
    {"/api/v1/audit", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_audit, true},
    {"/api/v1/progress", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_progress, true},
    {"/api/v1/links", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, api_links, true},
};

/* Matches path against pattern segment by segment. A pattern segment "{name}" captures a whole path segment
 * (URL-decoded); "{name}.csv" captures what precedes the literal suffix. Captures go to params, owned by the
 * caller, who frees them whatever the result. */
static bool match(const char *pattern, const char *path, char **params, size_t *nparams)
{
    *nparams = 0;
    while (*pattern == '/' && *path == '/') {
        pattern++;
        path++;
        size_t plen = strcspn(pattern, "/"), slen = strcspn(path, "/");
        if (*pattern == '{') {
            const char *close = memchr(pattern, '}', plen);
            size_t suffix = plen - (size_t)(close + 1 - pattern);
            if (slen <= suffix || memcmp(path + slen - suffix, close + 1, suffix) != 0 ||
                *nparams == MAX_ROUTE_PARAMS)
                return false;
            char *seg = xstrndup(path, slen - suffix);
            size_t declen = 0;
            char *dec = evhttp_uridecode(seg, 0, &declen);
            free(seg);
            if (dec && strlen(dec) != declen) { /* a %00 would cut the parameter short: "resident%00x" */
                free(dec);
                dec = NULL;
            }
            if (dec == NULL)
                return false;
            params[(*nparams)++] = dec;
        } else if (plen != slen || strncmp(pattern, path, plen) != 0) {
            return false;
        }
        pattern += plen;
        path += slen;
    }
    return *pattern == '\0' && *path == '\0';
}

static void free_params(char **params, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(params[i]);
}

/* The client address for rate limiting: the peer, or behind a trusted proxy the last X-Forwarded-For hop. */
static void client_key(srv *s, struct evhttp_request *req, char *out, size_t len)
{
    char *addr = NULL;
    ev_uint16_t port;
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &addr, &port);
    snprintf(out, len, "%s", addr ? addr : "?");
    if (s->cfg.trust_proxy) {
        const char *xff = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Forwarded-For");
        if (xff) {
            const char *last = strrchr(xff, ',');
            last = last ? last + 1 : xff;
            while (*last == ' ')
                last++;
            snprintf(out, len, "%s", last);
        }
    }
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The Allow header of a 405: exactly the methods the route takes. */
static void allow_header(struct evhttp_request *req, unsigned methods)
{
    static const struct { unsigned bit; const char *name; } all[] = {
        {EVHTTP_REQ_GET, "GET"}, {EVHTTP_REQ_HEAD, "HEAD"}, {EVHTTP_REQ_POST, "POST"},
        {EVHTTP_REQ_PATCH, "PATCH"}, {EVHTTP_REQ_DELETE, "DELETE"},
    };
    char allow[80] = "";
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (methods & all[i].bit) {
            if (allow[0])
                strcat(allow, ", ");
            strcat(allow, all[i].name);
        }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
}

static conn_ctx *conn_of(srv *s, struct evhttp_request *req);
static void request_done(struct evhttp_request *req, void *arg);

static void dispatch(struct evhttp_request *req, void *arg)
{
    srv *s = arg;
    conn_ctx *conn = conn_of(s, req);
    if (conn && conn->deadline) {
        event_del(conn->deadline);
        evhttp_request_set_on_complete_cb(req, request_done, conn);
    }
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    char *params[MAX_ROUTE_PARAMS];
    size_t nparams = 0;
    const route *r = NULL;
    for (size_t i = 0; path && i < sizeof routes / sizeof *routes; i++) {
        if (match(routes[i].pattern, path, params, &nparams)) {
            r = &routes[i];
            break;
        }
        free_params(params, nparams);
        nparams = 0;
    }
    hreq *h = http_begin(&s->host, s, req, r ? r->pattern : "(inconnue)");
    if (r == NULL) {
        http_error(h, 404, "not_found", NULL, "aucune ressource à cette adresse");
        return;
    }
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    if (!(r->methods & m)) {
        allow_header(req, r->methods);
        http_error(h, 405, "method_not_allowed", NULL, "méthode %s non permise ici", h->method);
        goto done;
    }
    if (s->stopping && m == EVHTTP_REQ_POST) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "30");
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        http_error(h, 503, "shutting_down", NULL, "le service redémarre, réessayez dans un instant");
        goto done;
    }
    if (r->limited) {
        char client[64];
        int retry;
        client_key(s, req, client, sizeof client);
        if (!ratelimit_take(s->limiter, client, now_seconds(), &retry)) {
            char ra[16];
            snprintf(ra, sizeof ra, "%d", retry);
            evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", ra);
            http_error(h, 429, "rate_limited", NULL, "trop de requêtes, réessayez dans %d s", retry);
            goto done;
        }
    }
    r->handler(h, (const char *const *)params);
done:
    free_params(params, nparams);
}

/* ---------------------------------------------------------------------------------------------------------
 * Committed submissions come back from the writer thread; the loop answers them.
 */

void server_hand_back(srv *s, commitq_job *job)
{
    pthread_mutex_lock(&s->done_lock);
    job->next = s->done_head;
    s->done_head = job;
    pthread_mutex_unlock(&s->done_lock);
    event_active(s->done_ev, EV_READ, 0);
}

static void writer_done(commitq_job *job, void *arg)
{
    server_hand_back(arg, job);
}

/* True when no connection has reply bytes still waiting in its output buffer. */
static bool all_written(const srv *s)
{
    for (const conn_ctx *c = s->conns; c; c = c->next) {
        if (c->evcon == NULL)
            continue;
        struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);
        if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > 0)
            return false;
    }
    return true;
}

/* Leaves the loop once every submission in flight is answered and every reply written: leaving as soon as the
 * replies are queued would close their connections with the bytes still buffered, and a client would miss the
 * 201 of an answer that is stored. */
static void on_drain(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    srv *s = arg;
    if (s->inflight == 0 && all_written(s))
        event_base_loopexit(s->base, NULL);
}

static void maybe_finish_shutdown(srv *s)
{
    if (!s->stopping || s->inflight > 0 || s->drain_ev != NULL)
        return;
    struct timeval every = {0, 20 * 1000};
    s->drain_ev = event_new(s->base, -1, EV_PERSIST, on_drain, s);
    event_add(s->drain_ev, &every);
}

/* Answers every job the writer has handed back since the last call. */
static void answer_handed_back(srv *s)
{
    pthread_mutex_lock(&s->done_lock);
    commitq_job *list = s->done_head;
    s->done_head = NULL;
    pthread_mutex_unlock(&s->done_lock);
    while (list) {
        commitq_job *next = list->next;
        list->finish(list);
        list = next;
    }
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    srv *s = arg;
    answer_handed_back(s);
    maybe_finish_shutdown(s);
}

/* ---------------------------------------------------------------------------------------------------------
 * Connections. evhttp accepts them and asks make_bev for each one's bufferevent; an event activated there runs
 * before any I/O on the new socket, finds the evhttp_connection (the bufferevent's callback argument, set by
 * evhttp meanwhile) and installs the one close callback that counts the connection out. At the cap the
 * listener stops accepting, so further clients wait in the kernel's backlog rather than in our memory.
 *
 * The per-client cap is checked in the same place: evhttp accepts for us and gives make_bev no socket, so the
 * peer address is first known there. A connection over its client's share is closed before anything is read from
 * it, through the close callback like any other, so that the counts have one place where they go down. One
 * client holding its share cannot fill the global cap, and so cannot pause the listener for everybody else.
 */


/* ---------------------------------------------------------------------------------------------------------
 * Body caps. evhttp reads a whole body before any handler runs, up to its connection's cap, and answers its own
 * HTML 413 above it: HARD_BODY_FACTOR times the API limit. A request to the workbook upload route, whose own limit is
 * API_FORMS_UPLOAD_MAX, gets UPLOAD_HARD_CAP instead: its request line is looked at as its first bytes arrive, before
 * evhttp parses the headers, and the cap goes back to the usual one when its reply is sent. At most SRV_MAX_UPLOADS
 * connections hold the larger cap at once, so that clients without credentials (checked only once the body is
 * read) cannot hold more than SRV_MAX_UPLOADS * UPLOAD_HARD_CAP through that route; one more is capped as usual.
 */
#define UPLOAD_HARD_CAP (2 * (size_t)API_FORMS_UPLOAD_MAX)
#define SRV_MAX_UPLOADS 4

static size_t usual_body_cap(const srv *s)
{
    return s->cfg.max_body * HARD_BODY_FACTOR;
}

static int uploads_held(const srv *s)
{
    int n = 0;
    for (const conn_ctx *c = s->conns; c; c = c->next)
        n += c->upload;
    return n;
}

/* Chooses the cap of the request whose first bytes are at the head of in, once there are enough of them to tell
 * (the route's request line and one more character, or a shorter line). */
static void body_cap_choose(conn_ctx *c, struct evbuffer *in)
{
    static const char line[] = "POST " API_FORMS_UPLOAD_ROUTE;
    char head[sizeof line];
    ev_ssize_t got = evbuffer_copyout(in, head, sizeof head);
    size_t n = got > 0 ? (size_t)got : 0;
    if (n < sizeof head && memchr(head, '\n', n) == NULL)
        return;
    char next = head[sizeof line - 1];
    c->at_start = false;
    c->upload = n == sizeof head && memcmp(head, line, sizeof line - 1) == 0 && (next == ' ' || next == '?') &&
                uploads_held(c->s) < SRV_MAX_UPLOADS;
    size_t cap = c->upload ? UPLOAD_HARD_CAP : usual_body_cap(c->s);
    evhttp_connection_set_max_body_size(c->evcon, (ev_ssize_t)cap);
}

static void on_input(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
    conn_ctx *c = arg;
    if (info->n_added > 0 && c->at_start)
        body_cap_choose(c, in);
}

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    conn_ctx *c = arg;
    srv *s = c->s;
    if (c->peek)
        evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->peek);
    if (c->gone)
        c->gone(c->gone_arg);
    if (c->counted)
        connlimit_release(s->perclient, c->client);
    if (c->deadline)
        event_free(c->deadline);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
    if (s->connections-- == s->cfg.max_connections && !s->stopping && s->listener)
        evconnlistener_enable(s->listener);
}

/* libevent's timeout is one of inactivity: each byte re-arms it, so a client trickling a header byte every few
 * seconds would hold its connection for ever (slowloris). The deadline bounds the time to send a whole request:
 * armed when the connection opens and after each reply, disarmed while a request is being served. */
static void deadline_passed(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn_ctx *c = arg;
    evhttp_connection_free(c->evcon); /* runs conn_closed, which frees c and this event */
}

static void deadline_arm(conn_ctx *c)
{
    struct timeval tv = {c->s->cfg.timeout, 0};
    if (c->deadline)
        event_add(c->deadline, &tv);
}

/* Counts connection c (socket sock) against its client's share. Returns true when it may stay: there is no
 * per-client cap, or the client holds fewer than its share (c->counted is then set). Returns false when the
 * client already holds its share, or when the peer's address cannot be read (the peer has already gone). */
static bool conn_admit(conn_ctx *c, evutil_socket_t sock)
{
    srv *s = c->s;
    if (s->perclient == NULL)
        return true;
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    if (sock < 0 || getpeername(sock, (struct sockaddr *)&peer, &len) < 0 ||
        !connlimit_key(s->perclient, (const struct sockaddr *)&peer, len, &c->client))
        return false;
    c->counted = connlimit_acquire(s->perclient, c->client);
    return c->counted;
}

static void conn_register(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn_ctx *c = arg;
    void *cbarg = NULL;
    bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
    event_free(c->reg);
    c->reg = NULL;
    c->evcon = cbarg;
    evhttp_connection_set_closecb(c->evcon, conn_closed, c);
    evutil_socket_t sock = bufferevent_getfd(c->bev);
    if (!conn_admit(c, sock)) {
        evhttp_connection_free(c->evcon); /* runs conn_closed, which frees c */
        return;
    }
    /* Replies leave at once: without TCP_NODELAY the last piece of a page over 16 KiB waits for the client's
     * delayed acknowledgement (40 ms a page). */
    int one = 1;
    if (sock >= 0)
        setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->deadline = evtimer_new(bufferevent_get_base(c->bev), deadline_passed, c);
    deadline_arm(c);
    c->at_start = true;
    c->peek = evbuffer_add_cb(bufferevent_get_input(c->bev), on_input, c);
    if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
        body_cap_choose(c, bufferevent_get_input(c->bev));
}

static conn_ctx *conn_of(srv *s, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    for (conn_ctx *c = s->conns; c; c = c->next)
        if (c->evcon == evcon)
            return c;
    return NULL;
}

static void request_done(struct evhttp_request *req, void *arg)
{
    conn_ctx *c = arg;
    if (evhttp_request_get_command(req) == EVHTTP_REQ_CONNECT && c->deadline) {
        /* libevent keeps a CONNECT's connection open for a tunnel: close it from the loop, once the reply is out */
        struct timeval now = {0, 0};
        event_add(c->deadline, &now);
        return;
    }
    deadline_arm(c); /* the next request on this connection has its own --timeout */
    /* The next request has the usual body cap unless it too is an upload; its first bytes may be read already. */
    c->upload = false;
    c->at_start = true;
    evhttp_connection_set_max_body_size(c->evcon, (ev_ssize_t)usual_body_cap(c->s));
    if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
        body_cap_choose(c, bufferevent_get_input(c->bev));
}

static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
    srv *s = arg;
    conn_ctx *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    c->reg = event_new(base, -1, 0, conn_register, c);
    event_active(c->reg, EV_TIMEOUT, 1);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    if (++s->connections == s->cfg.max_connections)
        evconnlistener_disable(s->listener);
    return c->bev;
}

/* The close watch of the HTTP layer (http_host.watch). */
static void server_watch(void *host, struct evhttp_request *req, void (*gone)(void *arg), void *arg)
{
    srv *s = host;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    for (conn_ctx *c = s->conns; c; c = c->next)
        if (c->evcon == evcon) {
            c->gone = gone;
            c->gone_arg = arg;
            return;
        }
}

/* ---------------------------------------------------------------------------------------------------------
 * Start, signals, shutdown.
 */

static void on_grace_expired(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    srv *s = arg;
    fprintf(stderr, "collector: délai d'arrêt dépassé, %zu réponses encore en cours d'écriture\n", s->inflight);
    event_base_loopexit(s->base, NULL);
}

static void begin_shutdown(srv *s)
{
    if (s->stopping)
        return;
    s->stopping = true;
    evconnlistener_disable(s->listener);
    struct timeval grace = {SRV_SHUTDOWN_GRACE, 0};
    s->grace_ev = evtimer_new(s->base, on_grace_expired, s);
    evtimer_add(s->grace_ev, &grace);
    maybe_finish_shutdown(s);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    srv *s = arg;
    if (!s->stopping)
        fprintf(stderr, "collector: signal %d reçu, arrêt après les requêtes en cours\n", (int)sig);
    begin_shutdown(s);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    begin_shutdown(arg);
}

void server_stop(srv *s)
{
    event_active(s->stop_ev, EV_READ, 0);
}

void server_config_defaults(srv_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->db_path = "data/collector.db";
    cfg->forms_dir = "forms";
    cfg->listen = "127.0.0.1:8080";
    cfg->max_body = SRV_DEFAULT_MAX_BODY;
    cfg->max_headers = SRV_DEFAULT_MAX_HEADERS;
    cfg->timeout = SRV_DEFAULT_TIMEOUT;
    cfg->max_connections = SRV_DEFAULT_MAX_CONNECTIONS;
    cfg->max_per_client = -1;
    cfg->rate = SRV_DEFAULT_RATE;
    cfg->burst = SRV_DEFAULT_BURST;
    cfg->min_n = SUPPRESS_DEFAULT_MIN_N;
    cfg->web_dir = COLLECTOR_WEB_DIR;
    cfg->parse_threads = -1;
}

/* Parses "ADDR:PORT" (IPv4, or [IPv6]:PORT; port 0 for any free port) into ss. libevent's own parser
 * refuses port 0. */
static bool parse_listen(const char *spec, struct sockaddr_storage *ss, int *len)
{
    memset(ss, 0, sizeof *ss);
    const char *colon = strrchr(spec, ':');
    long port;
    if (colon == NULL || !util_parse_long(colon + 1, 0, 65535, &port))
        return false;
    char host[64];
    size_t hlen = (size_t)(colon - spec);
    if (hlen >= sizeof host)
        return false;
    memcpy(host, spec, hlen);
    host[hlen] = '\0';
    if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']') {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        host[hlen - 1] = '\0';
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        *len = (int)sizeof *a;
        return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    *len = (int)sizeof *a;
    return inet_pton(AF_INET, host, &a->sin_addr) == 1;
}

static int open_listener(srv *s)
{
    struct sockaddr_storage ss;
    int len;
    if (!parse_listen(s->cfg.listen, &ss, &len)) {
        fprintf(stderr, "collector: adresse d'écoute invalide « %s » (attendu ADRESSE:PORT)\n", s->cfg.listen);
        return -1;
    }
    s->listener = evconnlistener_new_bind(s->base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                          SRV_LISTEN_BACKLOG, (struct sockaddr *)&ss, len);
    if (s->listener == NULL) {
        fprintf(stderr, "collector: impossible d'écouter sur %s : %s\n", s->cfg.listen, strerror(errno));
        return -1;
    }
    evhttp_bind_listener(s->http, s->listener); /* evhttp owns and frees it from now on */
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    getsockname(evconnlistener_get_fd(s->listener), (struct sockaddr *)&bound, &blen);
    char host[INET6_ADDRSTRLEN];
    if (bound.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&bound;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        s->port = ntohs(a->sin6_port);
        snprintf(s->bound, sizeof s->bound, "[%s]:%d", host, s->port);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&bound;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        s->port = ntohs(a->sin_port);
        snprintf(s->bound, sizeof s->bound, "%s:%d", host, s->port);
    }
    return 0;
}

/* The per-client connection cap that cfg asks for, 0 for none (see srv_config.max_per_client). By default one
 * client may hold an eighth of the connections, at most SRV_DEFAULT_MAX_PER_CLIENT and at least
 * SRV_MIN_DEFAULT_PER_CLIENT, more than a browser opens to one site (6). Behind a proxy (trust_proxy) every
 * connection comes from the proxy: a cap on its address would be a second global cap, so there is none, and the
 * proxy limits connections per client. */
static int per_client_cap(const srv_config *cfg)
{
    if (cfg->trust_proxy)
        return 0;
    if (cfg->max_per_client >= 0)
        return cfg->max_per_client;
    int n = cfg->max_connections / 8;
    if (n > SRV_DEFAULT_MAX_PER_CLIENT)
        n = SRV_DEFAULT_MAX_PER_CLIENT;
    return n < SRV_MIN_DEFAULT_PER_CLIENT ? SRV_MIN_DEFAULT_PER_CLIENT : n;
}

static void configure_http(srv *s)
{
    evhttp_set_max_body_size(s->http, (ev_ssize_t)usual_body_cap(s)); /* per request: see "Body caps" */
    evhttp_set_max_headers_size(s->http, (ev_ssize_t)s->cfg.max_headers);
    struct timeval tv = {s->cfg.timeout, 0};
    evhttp_set_timeout_tv(s->http, &tv);
    /* Every method reaches the router, which answers 405 in JSON; evhttp would answer 501 in HTML. */
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
                                            EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
    evhttp_set_default_content_type(s->http, "application/json; charset=utf-8");
    evhttp_set_bevcb(s->http, make_bev, s);
    evhttp_set_gencb(s->http, dispatch, s);
}

void server_free(srv *s)
{
    if (s == NULL)
        return;
    if (s->http == NULL && s->listener)
        evconnlistener_free(s->listener);
    s->listener = NULL; /* evhttp_free frees it, and the connections, whose callbacks must not re-enable it */
    if (s->http)
        evhttp_free(s->http); /* closes every connection: conn_closed frees their contexts */
    while (s->conns) {        /* only those accepted in the very last loop iteration remain */
        conn_ctx *c = s->conns;
        s->conns = c->next;
        if (c->reg)
            event_free(c->reg);
        free(c);
    }
    connlimit_free(s->perclient); /* after evhttp_free: closing connections release their counts */
    s->perclient = NULL;
    pool_free(s->parsers);    /* parses what is queued: to the writer, or handed back */
    s->parsers = NULL;
    commitq_stop(s->writer);  /* commits and hands back anything left: answered below, to no one */
    answer_handed_back(s);
    struct event *events[] = {s->sigterm, s->sigint, s->done_ev, s->grace_ev, s->stop_ev, s->drain_ev};
    for (size_t i = 0; i < sizeof events / sizeof *events; i++)
        if (events[i])
            event_free(events[i]);
    store_close(s->reader);
    catalog_close(s->forms);
    ratelimit_free(s->limiter);
    web_free(s->web);
    reload_retired_free(s); /* after the writer: its jobs held forms of the old catalogs */
    if (s->base)
        event_base_free(s->base);
    pthread_mutex_destroy(&s->done_lock);
    free(s);
}

/* A form version that has answers must not change under them (frozen.h): refuses to start when one did, and
 * completes the catalog with the versions only the database still has. Returns 0, or nonzero after printing why. */
static int check_frozen(const char *db_path, catalog *forms)
{
    diag_list diags = {0};
    char err[512];
    int rc = store_check_forms(db_path, forms, &diags, err, sizeof err);
    diag_print(&diags, stderr);
    diag_list_free(&diags);
    if (rc < 0)
        fprintf(stderr, "collector: base de données : %s\n", err);
    else if (rc > 0)
        fprintf(stderr, "collector: démarrage refusé : un formulaire ou un territoire qui a déjà des réponses a "
                        "été modifié (voir ci-dessus) ; la base n'a pas été modifiée\n");
    return rc;
}

srv *server_new(const srv_config *cfg)
{
    srv *s = xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    s->host = (http_host){.quiet = cfg->quiet, .watch = server_watch, .host = s};
    pthread_mutex_init(&s->done_lock, NULL);
    char err[512];
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file size limit must fail the write (SQLITE_FULL), not kill the process */

    diag_list diags = {0};
    s->forms = catalog_open(cfg->forms_dir, &diags);
    diag_print(&diags, stderr);
    diag_list_free(&diags);
    if (s->forms == NULL) {
        fprintf(stderr, "collector: les formulaires de %s ont des erreurs (collector check-forms %s)\n",
                cfg->forms_dir, cfg->forms_dir);
        goto err;
    }
    if (check_frozen(cfg->db_path, s->forms) != 0)
        goto err;
    if (evthread_use_pthreads() < 0 || (s->base = event_base_new()) == NULL) {
        fprintf(stderr, "collector: initialisation de libevent impossible\n");
        goto err;
    }
    s->writer = commitq_start(cfg->db_path, writer_done, s, err, sizeof err);
    if (s->writer == NULL || (s->reader = store_open(cfg->db_path, true, err, sizeof err)) == NULL) {
        fprintf(stderr, "collector: base de données : %s\n", err);
        goto err;
    }
    /* One parse thread takes the JSON off the loop; more would only compete with the loop and the writer for
     * the cores of a small server (scripts/bench-collector). */
    if (arena_setup() < 0)
        fprintf(stderr, "collector: réserve de mémoire des réponses impossible : malloc sera utilisé\n");
    int parsers = cfg->parse_threads >= 0 ? cfg->parse_threads : sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 1 : 0;
    if (parsers > 0 && (s->parsers = pool_new(parsers)) == NULL)
        fprintf(stderr, "collector: fil d'analyse impossible à créer : les réponses seront analysées sur la "
                        "boucle\n");
    s->web = web_new(cfg->web_dir, s->forms, err, sizeof err);
    if (s->web == NULL) {
        fprintf(stderr, "collector: pages : %s (--web DOSSIER)\n", err);
        goto err;
    }
    s->limiter = ratelimit_new(cfg->rate, cfg->burst);
    int per_client = per_client_cap(cfg);
    if (per_client > 0)
        s->perclient = connlimit_new(per_client, (size_t)cfg->max_connections);
    s->http = evhttp_new(s->base);
    configure_http(s);
    s->done_ev = event_new(s->base, -1, 0, on_done, s);
    s->stop_ev = event_new(s->base, -1, 0, on_stop, s);
    if (!cfg->no_signals) {
        s->sigterm = evsignal_new(s->base, SIGTERM, on_signal, s);
        s->sigint = evsignal_new(s->base, SIGINT, on_signal, s);
        event_add(s->sigterm, NULL);
        event_add(s->sigint, NULL);
    }
    if (open_listener(s) < 0)
        goto err;
    return s;
err:
    server_free(s);
    return NULL;
}

int server_port(const srv *s)
{
    return s->port;
}

void server_loop(srv *s)
{
    event_base_dispatch(s->base);
}

int server_run(const srv_config *cfg)
{
    srv *s = server_new(cfg);
    if (s == NULL)
        return 1;
    printf("listening on %s\n", s->bound);
    fflush(stdout);
    server_loop(s);
    server_free(s);
    return 0;
}
