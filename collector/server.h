/* server.h -- the collector's HTTP service, the top of its layers: the listener and its limits, the route table
 * (which handler of api/ or pages/ answers which path, for which methods), and server_run, which serves until
 * SIGTERM or SIGINT. The layers below it: app.h (the state the handlers share), api/ and pages/ (the handlers),
 * http/ (requests and replies, which knows nothing above it), store/ (the database).
 */
#ifndef COLLECTOR_SERVER_H
#define COLLECTOR_SERVER_H

#include "app.h"

/* Fills cfg with the defaults. */
void server_config_defaults(srv_config *cfg);

/* Serves until SIGTERM/SIGINT, then stops accepting, finishes and commits what is in flight, answers it, and
 * returns 0. Returns 1 when the service cannot start (message on stderr). The bound address is printed on the
 * first line of standard output ("listening on 127.0.0.1:PORT"). */
int server_run(const srv_config *cfg);

/* The same in steps, for embedding (tests): server_new loads the forms, opens the database and binds, or
 * returns NULL (message on stderr); server_loop serves until stopped; server_stop, callable from any thread,
 * starts the graceful stop that SIGTERM starts; server_free releases everything (NULL does nothing). */
srv *server_new(const srv_config *cfg);
int server_port(const srv *s);
void server_loop(srv *s);
void server_stop(srv *s);
void server_free(srv *s);

#endif /* COLLECTOR_SERVER_H */
