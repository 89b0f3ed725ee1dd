/* connlimit.h -- how many connections each client holds, in memory only: the per-client connection cap
 * (`collector serve --max-connections-per-client`).
 *
 * A client is a keyed hash of its address (an IPv4 address, or the /64 prefix of an IPv6 address, which one
 * household or one phone gets whole and may pick any address in): the address itself is never stored, and the
 * key is random per process, as in the rate limiter (ratelimit.h). The table holds one entry per client that has
 * at least one connection counted; an entry goes as soon as its count falls to 0, so the table never holds more
 * entries than there are open connections. Two clients whose 64-bit hashes collide share a count, which errs on
 * the side of limiting.
 *
 * Not thread-safe: the server uses it from its event loop only.
 */
#ifndef COLLECTOR_CONNLIMIT_H
#define COLLECTOR_CONNLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct connlimit connlimit;

/* A table allowing per_client connections to each client (at least 1); expected is the number of connections
 * it will usually hold (the server's --max-connections), which sizes its index. Never returns NULL. */
connlimit *connlimit_new(int per_client, size_t expected);

/* The client key of a peer address of len bytes. Returns false, *key untouched, for an address that is neither
 * IPv4 nor IPv6 or is too short for its family. An IPv4 address mapped into IPv6 (::ffff:a.b.c.d) has the key
 * of the plain IPv4 address. */
bool connlimit_key(const connlimit *cl, const struct sockaddr *addr, socklen_t len, uint64_t *key);

/* Counts one more connection for client key and returns true, or returns false and counts nothing when the
 * client already holds per_client connections. */
bool connlimit_acquire(connlimit *cl, uint64_t key);

/* Counts one connection of client key out: once for each connection connlimit_acquire counted, when it closes.
 * Releasing a key that holds no connection is a programmer error (an assertion; ignored under NDEBUG). */
void connlimit_release(connlimit *cl, uint64_t key);

/* The connections client key holds (0 when it has no entry). */
int connlimit_count(const connlimit *cl, uint64_t key);

/* The number of entries, i.e. of clients holding at least one connection. */
size_t connlimit_clients(const connlimit *cl);

/* Frees cl and its entries; connlimit_free(NULL) does nothing. */
void connlimit_free(connlimit *cl);

#endif /* COLLECTOR_CONNLIMIT_H */
