/* connlimit.c -- connection counts per client, keyed by a keyed hash of the address (see connlimit.h).
 *
 * A chained hash table: the bucket index is taken from the keyed hash, so a client cannot choose its bucket, and
 * the entries are allocated one by one and freed when their count falls to 0.
 */
#include "connlimit.h"

#include <assert.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MIN_BUCKETS 64
#define MAX_BUCKETS 65536

typedef struct entry {
    uint64_t key;
    int count;            /* >= 1 while the entry exists */
    struct entry *next;
} entry;

struct connlimit {
    int per_client;
    uint64_t secret;      /* random per process, so that keys cannot be computed from outside */
    size_t nbuckets;      /* a power of two */
    size_t nentries;
    entry **buckets;
};

connlimit *connlimit_new(int per_client, size_t expected)
{
    connlimit *cl = xcalloc(1, sizeof *cl);
    cl->per_client = per_client < 1 ? 1 : per_client;
    if (util_random(&cl->secret, sizeof cl->secret) < 0)
        cl->secret = 0x9e3779b97f4a7c15ull;
    cl->nbuckets = MIN_BUCKETS;
    while (cl->nbuckets < expected && cl->nbuckets < MAX_BUCKETS)
        cl->nbuckets *= 2;
    cl->buckets = xcalloc(cl->nbuckets, sizeof *cl->buckets);
    return cl;
}

/* FNV-1a over the bytes, started from the secret, then a 64-bit finaliser: the construction ratelimit.c uses
 * for address strings. bytes may be empty; the family tag keeps an IPv4 and an IPv6 key apart. */
static uint64_t keyed_hash(uint64_t secret, unsigned char family, const unsigned char *bytes, size_t n)
{
    uint64_t h = (1469598103934665603ull ^ secret);
    h = (h ^ family) * 1099511628211ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ bytes[i]) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

bool connlimit_key(const connlimit *cl, const struct sockaddr *addr, socklen_t len, uint64_t *key)
{
    if (addr == NULL)
        return false;
    if (addr->sa_family == AF_INET && (size_t)len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
        *key = keyed_hash(cl->secret, 4, (const unsigned char *)&a->sin_addr, 4);
        return true;
    }
    if (addr->sa_family == AF_INET6 && (size_t)len >= sizeof(struct sockaddr_in6)) {
        const unsigned char *b = ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr;
        static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, v4mapped, sizeof v4mapped) == 0)
            *key = keyed_hash(cl->secret, 4, b + 12, 4);
        else
            *key = keyed_hash(cl->secret, 6, b, 8); /* the /64 prefix */
        return true;
    }
    return false;
}

/* The entry of key, or NULL; *slot receives the link that points (or would point) at it. */
static entry *find(const connlimit *cl, uint64_t key, entry ***slot)
{
    entry **link = &cl->buckets[key & (cl->nbuckets - 1)];
    while (*link && (*link)->key != key)
        link = &(*link)->next;
    *slot = link;
    return *link;
}

bool connlimit_acquire(connlimit *cl, uint64_t key)
{
    entry **slot;
    entry *e = find(cl, key, &slot);
    if (e == NULL) {
        e = xcalloc(1, sizeof *e);
        e->key = key;
        *slot = e;
        cl->nentries++;
    } else if (e->count >= cl->per_client) {
        return false;
    }
    e->count++;
    return true;
}

void connlimit_release(connlimit *cl, uint64_t key)
{
    entry **slot;
    entry *e = find(cl, key, &slot);
    assert(e != NULL && e->count > 0);
    if (e == NULL)
        return;
    if (--e->count == 0) {
        *slot = e->next;
        free(e);
        cl->nentries--;
    }
}

int connlimit_count(const connlimit *cl, uint64_t key)
{
    entry **slot;
    const entry *e = find(cl, key, &slot);
    return e ? e->count : 0;
}

size_t connlimit_clients(const connlimit *cl)
{
    return cl->nentries;
}

void connlimit_free(connlimit *cl)
{
    if (cl == NULL)
        return;
    for (size_t i = 0; i < cl->nbuckets; i++)
        while (cl->buckets[i]) {
            entry *e = cl->buckets[i];
            cl->buckets[i] = e->next;
            free(e);
        }
    free(cl->buckets);
    free(cl);
}
