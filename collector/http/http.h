/* http.h -- request plumbing shared by the API handlers and the pages; it depends on nothing above it: a per-request context, JSON replies and errors, the
 * access log, and checked reading of bodies and query parameters.
 *
 * Every reply goes through http_reply_* or http_error, which log one line (method, route, status, duration:
 * never an address, a user agent or a body) and release the request context. Error bodies are always JSON:
 * {"code": "...", "message": "...", "field": "..."}.
 */
#ifndef COLLECTOR_HTTP_H
#define COLLECTOR_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

struct srv;

/* What this layer needs from the service above it (server.c), which owns the connections: whether to log, and
 * how to be told that a request's connection has closed. */
typedef struct http_host {
    bool quiet;                  /* no access log */
    /* Arms (gone != NULL) or disarms the close watch of req's connection. */
    void (*watch)(void *host, struct evhttp_request *req, void (*gone)(void *arg), void *arg);
    void *host;
} http_host;

typedef struct hreq {
    struct evhttp_request *req;  /* NULL once the client is gone */
    struct srv *srv;             /* the service's shared state (app.h), opaque to this layer */
    const http_host *host;
    const char *route;           /* route pattern, for the log */
    const char *method;
    struct timespec t0;
    bool async;                  /* the reply will come later (closecb armed) */
    bool deferred;               /* replies are recorded, not sent (http_defer) */
    int deferred_status;         /* the recorded reply: status and body, 0 and NULL when none */
    json_t *deferred_json;
} hreq;

/* Creates the context of a request being dispatched. */
hreq *http_begin(const http_host *host, struct srv *s, struct evhttp_request *req, const char *route);

/* Asks for gone(arg) to be called if the connection of req closes before its reply is sent; gone == NULL
 * cancels. A request answered later (a submission waiting for its commit, an export stream) uses it to never
 * touch a request libevent has freed. */
void http_watch(const hreq *h, struct evhttp_request *req, void (*gone)(void *arg), void *arg);

/* evhttp_send_reply, except that a reply to HEAD keeps the body's Content-Length and drops the body. */
void http_send(struct evhttp_request *req, int status, const char *reason, struct evbuffer *body);

/* Sends a JSON reply (json reference stolen) and ends the request; while h is deferred, records it instead. */
void http_reply_json(hreq *h, int status, json_t *json);

/* From now on, http_reply_json and http_error on h (and only they) may be called from another thread: they
 * record the reply instead of sending it, and nothing else of h is touched. The loop thread then calls
 * http_flush, after the other thread has handed h back to it. Call on the loop thread, on a held request
 * (http_hold). */
void http_defer(hreq *h);

/* Ends the deferral of h. When a reply was recorded, sends it (which ends the request: h is freed) and returns
 * true; otherwise returns false and h is the caller's to answer as usual. Call on the loop thread. */
bool http_flush(hreq *h);

/* Sends a reply with the given content type and body buffer (contents moved out), and ends the request. */
void http_reply_buffer(hreq *h, int status, const char *content_type, struct evbuffer *body);

/* Sends a JSON error {"code", "message", "field"?} and ends the request. field may be NULL. */
void http_error(hreq *h, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Ends a request whose reply was sent by other means (streaming): logs it and frees the context. */
void http_end(hreq *h, int status);

/* Arms the close callback so that a request answered later is known to be gone if its client disconnects. */
void http_hold(hreq *h);

/* Reads the body, enforcing max bytes; on failure replies 413 and returns NULL. The result is NUL-terminated
 * and owned by the caller. */
char *http_body(hreq *h, size_t max, size_t *len);

/* True when the request's Content-Type is application/json (parameters such as charset allowed); otherwise
 * replies 415 and returns false. */
bool http_require_json(hreq *h);

/* Adds the headers every reply carries (content type options, caching, privacy). */
void http_common_headers(struct evhttp_request *req);

/* The 404 replies for a form id or a version the catalog does not have, quoting the client's text cut at a
 * character boundary. */
void http_unknown_form(hreq *h, const char *form_id);
void http_unknown_version(hreq *h, const char *form_id, const char *version);

#endif /* COLLECTOR_HTTP_H */
