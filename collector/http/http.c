/* http.c -- replies, errors, access log and body checks for the API handlers (see http.h). */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http_struct.h>

#include "util.h"

static const char *method_name(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_TRACE: return "TRACE";
    case EVHTTP_REQ_CONNECT: return "CONNECT";
    case EVHTTP_REQ_PATCH: return "PATCH";
    }
    return "?";
}

hreq *http_begin(const http_host *host, struct srv *s, struct evhttp_request *req, const char *route)
{
    hreq *h = xcalloc(1, sizeof *h);
    h->req = req;
    h->srv = s;
    h->host = host;
    h->route = route;
    h->method = method_name(evhttp_request_get_command(req));
    clock_gettime(CLOCK_MONOTONIC, &h->t0);
    return h;
}

/* The access log: method, route pattern, status, duration. Nothing that identifies a person. */
void http_end(hreq *h, int status)
{
    if (!h->host->quiet) {
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - h->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - h->t0.tv_nsec) / 1e6;
        fprintf(stderr, "%s %s %d %.1fms%s\n", h->method, h->route, status, ms, h->req ? "" : " (client parti)");
    }
    free(h);
}

static void on_gone(void *arg)
{
    hreq *h = arg;
    h->req = NULL; /* libevent frees the request with its connection: never touch it again */
}

void http_watch(const hreq *h, struct evhttp_request *req, void (*gone)(void *arg), void *arg)
{
    h->host->watch(h->host->host, req, gone, arg);
}

void http_hold(hreq *h)
{
    h->async = true;
    http_watch(h, h->req, on_gone, h);
}

void http_send(struct evhttp_request *req, int status, const char *reason, struct evbuffer *body)
{
    /* libevent 2.1 frames no reply to CONNECT (it expects a tunnel): say the length and close, or the client
     * would wait for the end of the body until the timeout. */
    if (evhttp_request_get_command(req) == EVHTTP_REQ_CONNECT) {
        char len[32];
        snprintf(len, sizeof len, "%zu", body ? evbuffer_get_length(body) : 0);
        evhttp_remove_header(evhttp_request_get_output_headers(req), "Content-Length");
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", len);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
    }
    /* libevent 2.1 sends a body even to HEAD: the client would read it as the start of the next reply. */
    if (body && evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
        char len[32];
        snprintf(len, sizeof len, "%zu", evbuffer_get_length(body));
        evhttp_remove_header(evhttp_request_get_output_headers(req), "Content-Length");
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", len);
        evbuffer_drain(body, evbuffer_get_length(body));
    }
    evhttp_send_reply(req, status, reason, body);
}

void http_common_headers(struct evhttp_request *req)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(out, "Referrer-Policy", "no-referrer");
    evhttp_add_header(out, "Cache-Control", "no-store");
}

void http_reply_buffer(hreq *h, int status, const char *content_type, struct evbuffer *body)
{
    if (h->req != NULL) {
        /* Disarm the watch first: sending may free the connection. */
        if (h->async)
            http_watch(h, h->req, NULL, NULL);
        struct evkeyvalq *out = evhttp_request_get_output_headers(h->req);
        evhttp_remove_header(out, "Content-Type");
        evhttp_add_header(out, "Content-Type", content_type);
        http_common_headers(h->req);
        http_send(h->req, status, NULL, body);
    }
    http_end(h, status);
}

void http_reply_json(hreq *h, int status, json_t *json)
{
    if (h->deferred) {
        if (h->deferred_json == NULL) { /* the first reply is the one: a handler replies once */
            h->deferred_status = status;
            h->deferred_json = json;
        } else {
            json_decref(json);
        }
        return;
    }
    struct evbuffer *buf = evbuffer_new();
    char *text = json_dumps(json, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text) {
        evbuffer_add(buf, text, strlen(text));
        evbuffer_add(buf, "\n", 1);
        free(text);
    }
    json_decref(json);
    http_reply_buffer(h, status, "application/json; charset=utf-8", buf);
    evbuffer_free(buf);
}

void http_defer(hreq *h)
{
    h->deferred = true;
}

bool http_flush(hreq *h)
{
    h->deferred = false;
    if (h->deferred_json == NULL)
        return false;
    json_t *json = h->deferred_json;
    h->deferred_json = NULL;
    http_reply_json(h, h->deferred_status, json);
    return true;
}

void http_error(hreq *h, int status, const char *code, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    util_utf8_trim(msg); /* quoted input cut mid-character stays valid UTF-8 */
    va_end(ap);
    json_t *o = json_pack("{s:s, s:s}", "code", code, "message", msg);
    if (o == NULL) /* a message that is not valid UTF-8 (it quotes client input): say it without the quote */
        o = json_pack("{s:s, s:s}", "code", code, "message", "requête invalide");
    if (field)
        json_object_set_new(o, "field", json_string(field));
    http_reply_json(h, status, o);
}

char *http_body(hreq *h, size_t max, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(h->req);
    size_t n = evbuffer_get_length(in);
    if (n > max) {
        http_error(h, 413, "body_too_large", NULL, "le corps de la requête dépasse %zu octets", max);
        return NULL;
    }
    char *body = xmalloc(n + 1);
    evbuffer_remove(in, body, n);
    body[n] = '\0';
    *len = n;
    return body;
}

bool http_require_json(hreq *h)
{
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(h->req), "Content-Type");
    if (ct != NULL) {
        while (*ct == ' ')
            ct++;
        size_t n = strcspn(ct, "; ");
        if (n == strlen("application/json") && strncasecmp(ct, "application/json", n) == 0)
            return true;
    }
    http_error(h, 415, "unsupported_media_type", "Content-Type",
               "le corps doit être envoyé en application/json");
    return false;
}

void http_unknown_form(hreq *h, const char *form_id)
{
    const char *id = form_id ? form_id : "";
    http_error(h, 404, "unknown_form", "form", "formulaire inconnu « %.*s »", util_utf8_prefix(id, strlen(id), 64), id);
}

void http_unknown_version(hreq *h, const char *form_id, const char *version)
{
    http_error(h, 404, "unknown_form_version", "form_version", "le formulaire %s n'a pas de version « %.*s »", form_id,
               util_utf8_prefix(version, strlen(version), 32), version);
}
