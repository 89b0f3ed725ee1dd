/* app.h -- the state the collector's handlers share (api/ and pages/): configuration and limits, the forms, the
 * database connections and the writer thread. server.c fills it and routes requests to the handlers; the handlers
 * read it through h->srv and never call back into the server.
 *
 * Threads: the libevent loop runs every HTTP handler on the main thread; one writer thread commits
 * submissions and administrative changes (commitq.h) and hands them back to the loop, which answers. Reads
 * (forms, stats, exports) use the loop's own read connection to the database. The JSON of a submission is
 * parsed and checked on the parse threads (pool.h) when there are any: the submission goes from there to the
 * writer, or back to the loop with its error reply (server_hand_back, the one call back into the server).
 */
#ifndef COLLECTOR_APP_H
#define COLLECTOR_APP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "commitq.h"
#include "connlimit.h"
#include "http.h"
#include "pool.h"
#include "ratelimit.h"
#include "store.h"

/* Defaults of the named limits (README.md, "Limits"). */
#define SRV_DEFAULT_MAX_BODY (256 * 1024)
#define SRV_DEFAULT_MAX_HEADERS (16 * 1024)
#define SRV_DEFAULT_TIMEOUT 30            /* seconds to receive a request or send a reply */
#define SRV_DEFAULT_MAX_CONNECTIONS 1024
#define SRV_DEFAULT_MAX_PER_CLIENT 128    /* connections one client address may hold (see max_per_client) */
#define SRV_DEFAULT_RATE 20.0             /* requests per second per client, sustained */
#define SRV_DEFAULT_BURST 100.0           /* requests a client may send at once */
#define SRV_SHUTDOWN_GRACE 10             /* seconds to finish in-flight requests on SIGTERM */

typedef struct srv_config {
    const char *db_path;
    const char *forms_dir;
    const char *listen;          /* "ADDR:PORT"; port 0 picks a free one */
    size_t max_body;
    size_t max_headers;
    int timeout;
    int max_connections;
    /* Connections one client address may hold at once: 0 for no cap, -1 (the default) for
     * SRV_DEFAULT_MAX_PER_CLIENT, or an eighth of max_connections if that is smaller (but at least 8). With
     * trust_proxy every connection comes from the proxy, and there is no per-client cap whatever this says. */
    int max_per_client;
    double rate, burst;          /* rate 0 disables rate limiting (benchmarks) */
    bool trust_proxy;            /* take the client address from X-Forwarded-For (behind a reverse proxy) */
    long min_n;                  /* public counts under this are shown as "fewer than min_n" (suppress.h) */
    bool quiet;                  /* no access log */
    const char *web_dir;         /* templates of the pages (collector/pages) */
    const char *public_url;      /* base URL printed in QR codes; NULL: from the Host header */
    bool no_signals;             /* do not handle SIGTERM/SIGINT (an embedding test stops it with server_stop) */
    long session_seconds;        /* a console session's life; 0: SESSION_HOURS (hidden --session-seconds, tests) */
    int parse_threads;           /* threads parsing and checking submissions beside the loop: 0 none (on the loop),
                                    -1 (the default) one when the machine has two cores or more */
} srv_config;

struct evhttp_request;
typedef struct conn_ctx conn_ctx;

typedef struct srv {
    srv_config cfg;
    struct event_base *base;
    struct evhttp *http;
    struct evconnlistener *listener;
    struct event *sigterm, *sigint, *done_ev, *grace_ev, *stop_ev, *drain_ev;
    int port;                    /* bound port */
    char bound[80];              /* bound address, "127.0.0.1:PORT" */
    catalog *forms;
    store *reader;
    commitq *writer;
    pool *parsers;               /* the parse threads, or NULL: submissions are parsed on the loop */
    ratelimit *limiter;
    connlimit *perclient;        /* connections per client address; NULL when there is no per-client cap */
    struct web *web;
    struct reload_retired *retired; /* catalogs and pages replaced by reloads, freed at the end (reload.h) */
    http_host host;              /* what the HTTP layer needs from the server (http.h) */
    pthread_mutex_t done_lock;   /* jobs handed back by the writer, waiting for the loop to answer them */
    commitq_job *done_head;
    size_t inflight;             /* submissions queued and not yet answered */
    int connections;             /* live connections */
    conn_ctx *conns;             /* their contexts */
    bool stopping;
} srv;

/* Hands job back to the loop, which calls job->finish there: what the writer does with a committed job, and
 * what a parse thread does with a submission it refused. Thread-safe (server.c). */
void server_hand_back(srv *s, commitq_job *job);

#endif /* COLLECTOR_APP_H */
