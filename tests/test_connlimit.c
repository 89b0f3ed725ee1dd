/* test_connlimit.c -- the per-client connection cap: the table of counts (connlimit.c) as numbered cases, then
 * the cap in a real server in process, on 127.0.0.1 port 0, with clients on other loopback addresses
 * (127.0.0.2, 127.0.0.3: Linux answers the whole of 127/8). A client over its share has its new connections
 * closed before any reply while other clients are served, and every way a connection ends (the client closes,
 * a malformed request, the server's timeout, the server's stop) gives its count back exactly once: afterwards
 * the client gets exactly its share again, no more, no less.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "connlimit.h"
#include "httpc.h"
#include "server.h"

/* ---------------------------------------------------------------------------------------------------------
 * The table.
 */

static struct sockaddr_in v4(const char *ip)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(40000);
    assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
    return a;
}

static struct sockaddr_in6 v6(const char *ip)
{
    struct sockaddr_in6 a = {0};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(40001);
    assert_int_equal(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
    return a;
}

static uint64_t key4(const connlimit *cl, const char *ip)
{
    struct sockaddr_in a = v4(ip);
    uint64_t k = 0;
    assert_true(connlimit_key(cl, (const struct sockaddr *)&a, sizeof a, &k));
    return k;
}

static uint64_t key6(const connlimit *cl, const char *ip)
{
    struct sockaddr_in6 a = v6(ip);
    uint64_t k = 0;
    assert_true(connlimit_key(cl, (const struct sockaddr *)&a, sizeof a, &k));
    return k;
}

/* Which addresses are one client: numbered pairs, same (true) or different (false) key. */
typedef struct key_case {
    int family_a;
    const char *a;
    int family_b;
    const char *b;
    bool same;
} key_case;

static const key_case key_cases[] = {
    /* 1 */ {4, "192.0.2.10", 4, "192.0.2.10", true},
    /* 2 */ {4, "192.0.2.10", 4, "192.0.2.11", false},
    /* 3 */ {4, "192.0.2.10", 6, "::ffff:192.0.2.10", true},   /* a dual-stack listener sees IPv4 mapped */
    /* 4 */ {6, "2001:db8:1:2::1", 6, "2001:db8:1:2:ffff:ffff:ffff:ffff", true}, /* one /64 is one client */
    /* 5 */ {6, "2001:db8:1:2::1", 6, "2001:db8:1:3::1", false},
    /* 6 */ {6, "::1", 6, "::2", true},
    /* 7 */ {4, "0.0.0.0", 6, "::", false},                     /* the family is part of the key */
    /* 8 */ {4, "127.0.0.1", 4, "127.0.0.2", false},
};

static void test_keys(void **state)
{
    (void)state;
    connlimit *cl = connlimit_new(4, 16);
    for (size_t i = 0; i < sizeof key_cases / sizeof *key_cases; i++) {
        const key_case *c = &key_cases[i];
        uint64_t a = c->family_a == 4 ? key4(cl, c->a) : key6(cl, c->a);
        uint64_t b = c->family_b == 4 ? key4(cl, c->b) : key6(cl, c->b);
        if ((a == b) != c->same)
            fail_msg("key case %zu: %s and %s should%s be one client", i + 1, c->a, c->b, c->same ? "" : " not");
    }
    /* Not an Internet address, or too short for its family: no key. */
    struct sockaddr_un un = {0};
    un.sun_family = AF_UNIX;
    uint64_t k = 42;
    assert_false(connlimit_key(cl, (const struct sockaddr *)&un, sizeof un, &k));
    struct sockaddr_in in = v4("192.0.2.1");
    assert_false(connlimit_key(cl, (const struct sockaddr *)&in, 4, &k));
    assert_false(connlimit_key(cl, NULL, 0, &k));
    assert_int_equal(k, 42);
    /* The key is secret per process: another table hashes the same address elsewhere (a 2^-64 chance aside). */
    connlimit *other = connlimit_new(4, 16);
    assert_true(key4(cl, "192.0.2.10") != key4(other, "192.0.2.10"));
    connlimit_free(other);
    connlimit_free(cl);
    connlimit_free(NULL);
}

static void test_counts(void **state)
{
    (void)state;
    connlimit *cl = connlimit_new(3, 8);
    uint64_t a = key4(cl, "198.51.100.1"), b = key4(cl, "198.51.100.2");
    /* 1. up to the share, then refused, and a refusal counts nothing */
    for (int i = 0; i < 3; i++)
        assert_true(connlimit_acquire(cl, a));
    assert_false(connlimit_acquire(cl, a));
    assert_false(connlimit_acquire(cl, a));
    assert_int_equal(connlimit_count(cl, a), 3);
    /* 2. another client is not affected */
    assert_true(connlimit_acquire(cl, b));
    assert_int_equal(connlimit_count(cl, b), 1);
    assert_int_equal(connlimit_clients(cl), 2);
    /* 3. one release, one more connection */
    connlimit_release(cl, a);
    assert_int_equal(connlimit_count(cl, a), 2);
    assert_true(connlimit_acquire(cl, a));
    assert_false(connlimit_acquire(cl, a));
    /* 4. an entry goes when its count reaches 0 */
    connlimit_release(cl, b);
    assert_int_equal(connlimit_count(cl, b), 0);
    assert_int_equal(connlimit_clients(cl), 1);
    for (int i = 0; i < 3; i++)
        connlimit_release(cl, a);
    assert_int_equal(connlimit_clients(cl), 0);
    /* 5. and comes back with a full share */
    for (int i = 0; i < 3; i++)
        assert_true(connlimit_acquire(cl, a));
    assert_false(connlimit_acquire(cl, a));
    connlimit_free(cl); /* with entries left: freed (ASan would see a leak) */

    /* 6. a share under 1 is 1 */
    cl = connlimit_new(0, 8);
    assert_true(connlimit_acquire(cl, 7));
    assert_false(connlimit_acquire(cl, 7));
    connlimit_free(cl);
}

/* Memory follows the open connections: 50,000 clients one after the other leave nothing behind, and 5,000 at
 * once (more than the index has buckets) are all kept apart. */
static void test_bounded(void **state)
{
    (void)state;
    connlimit *cl = connlimit_new(2, 64);
    char ip[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(ip, sizeof ip, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        uint64_t k = key4(cl, ip);
        assert_true(connlimit_acquire(cl, k));
        assert_true(connlimit_acquire(cl, k));
        assert_false(connlimit_acquire(cl, k));
        assert_int_equal(connlimit_clients(cl), 1);
        connlimit_release(cl, k);
        connlimit_release(cl, k);
        assert_int_equal(connlimit_clients(cl), 0);
    }
    static uint64_t keys[5000];
    for (int i = 0; i < 5000; i++) {
        snprintf(ip, sizeof ip, "10.1.%d.%d", i >> 8, i & 255);
        keys[i] = key4(cl, ip);
        assert_true(connlimit_acquire(cl, keys[i]));
    }
    assert_int_equal(connlimit_clients(cl), 5000);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(connlimit_count(cl, keys[i]), 1);
    for (int i = 0; i < 5000; i += 2)
        connlimit_release(cl, keys[i]);
    assert_int_equal(connlimit_clients(cl), 2500);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(connlimit_count(cl, keys[i]), i % 2);
    connlimit_free(cl);
}

/* ---------------------------------------------------------------------------------------------------------
 * In a server.
 */

typedef struct running {
    srv *s;
    pthread_t thread;
    char db[64];
} running;

static void *loop_main(void *arg)
{
    server_loop(arg);
    return NULL;
}

static void start(running *r, int max_connections, int per_client, int timeout, bool trust_proxy)
{
    snprintf(r->db, sizeof r->db, "/tmp/test_connlimit_XXXXXX");
    int fd = mkstemp(r->db);
    close(fd);
    unlink(r->db);
    srv_config cfg;
    server_config_defaults(&cfg);
    cfg.db_path = r->db;
    cfg.forms_dir = FORMS_DIR;
    cfg.listen = "127.0.0.1:0";
    cfg.max_connections = max_connections;
    cfg.max_per_client = per_client;
    cfg.timeout = timeout;
    cfg.trust_proxy = trust_proxy;
    cfg.quiet = true;
    cfg.no_signals = true;
    r->s = server_new(&cfg);
    assert_non_null(r->s);
    pthread_create(&r->thread, NULL, loop_main, r->s);
}

/* Stops the loop; the server's state may then be read from this thread, until finish(). */
static void halt(running *r)
{
    server_stop(r->s);
    pthread_join(r->thread, NULL);
}

static void finish(running *r)
{
    server_free(r->s);
    char p[96];
    unlink(r->db);
    snprintf(p, sizeof p, "%s-wal", r->db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", r->db);
    unlink(p);
}

/* A connection to the server from loopback address src; fails the test when it cannot connect. */
static int conn_from(const char *src, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = v4(src);
    a.sin_port = 0;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct sockaddr_in to = v4("127.0.0.1");
    to.sin_port = htons((uint16_t)port);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0)
        fail_msg("connect from %s: %s", src, strerror(errno));
    return fd;
}

/* The value of header name (with its colon) in the header block head, or NULL. */
static const char *header_in(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n"))
        if (strncasecmp(p + 2, name, n) == 0)
            return p + 2 + n;
    return NULL;
}

/* Sends GET /healthz on fd, keeping the connection alive, and reads the reply. Returns its status, 0 when the
 * server closed the connection without a reply (a connection over the client's share), -1 on a timeout. */
static int healthz_on(int fd)
{
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
    if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) < 0)
        return 0; /* EPIPE, ECONNRESET: already closed */
    char buf[4096];
    size_t got = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -1;
        if (n <= 0)
            return 0;
        got += (size_t)n;
        buf[got] = '\0';
        const char *end = strstr(buf, "\r\n\r\n");
        const char *cl = end ? header_in(buf, "Content-Length:") : NULL;
        if (cl && cl < end && got >= (size_t)(end + 4 - buf) + strtoul(cl, NULL, 10))
            return atoi(buf + 9);
        if (got + 1 == sizeof buf)
            return -1;
    }
}

/* Opens connections from src until one of them is answered, giving up after 5 s: the server notices a client's
 * close a moment after the client sees it. Returns the answered connection. */
static int admitted_soon(const char *src, int port)
{
    for (int tries = 0; tries < 250; tries++) {
        int fd = conn_from(src, port);
        if (healthz_on(fd) == 200)
            return fd;
        close(fd);
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    fail_msg("no connection from %s admitted within 5 s", src);
    return -1;
}

/* Waits up to ms for the server to close fd, reading and dropping any reply before the close; true when it
 * closed. */
static bool closed_by_server(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    char buf[1024];
    while (poll(&p, 1, ms) > 0) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0)
            return n == 0 || errno != EAGAIN;
    }
    return false;
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
}

/* The client's count as the server keeps it (the loop must be halted). */
static int count_of(running *r, const char *ip)
{
    return connlimit_count(r->s->perclient, key4(r->s->perclient, ip));
}

#define SHARE 8 /* the default share with --max-connections 64: an eighth */

static void test_server_share(void **state)
{
    (void)state;
    running r;
    start(&r, 64, -1, 30, false);
    int port = server_port(r.s);
    int flood[SHARE + 4], other[SHARE];
    /* 1. a client gets exactly its share; its further connections are closed without a reply, at once */
    for (int i = 0; i < SHARE; i++) {
        flood[i] = conn_from("127.0.0.2", port);
        assert_int_equal(healthz_on(flood[i]), 200);
    }
    for (int i = SHARE; i < SHARE + 4; i++) {
        flood[i] = conn_from("127.0.0.2", port);
        assert_int_equal(healthz_on(flood[i]), 0);
        close(flood[i]);
        flood[i] = -1;
    }
    /* 2. meanwhile other clients are served, and have their own share */
    httpc_resp h = httpc_request(port, "GET", "/healthz", NULL, NULL);
    assert_int_equal(h.status, 200);
    httpc_free(&h);
    for (int i = 0; i < SHARE; i++) {
        other[i] = conn_from("127.0.0.3", port);
        assert_int_equal(healthz_on(other[i]), 200);
    }
    int extra = conn_from("127.0.0.3", port);
    assert_int_equal(healthz_on(extra), 0);
    close(extra);
    /* 3. the client closes two: exactly two come back */
    close(flood[0]);
    close(flood[1]);
    flood[0] = admitted_soon("127.0.0.2", port);
    flood[1] = admitted_soon("127.0.0.2", port);
    extra = conn_from("127.0.0.2", port);
    assert_int_equal(healthz_on(extra), 0);
    close(extra);
    /* 4. a malformed request: evhttp answers 400 and closes; exactly one comes back */
    static const char junk[] = "NOT A REQUEST\r\n\r\n";
    assert_true(send(flood[2], junk, sizeof junk - 1, MSG_NOSIGNAL) > 0);
    assert_true(closed_by_server(flood[2], 5000));
    close(flood[2]);
    flood[2] = admitted_soon("127.0.0.2", port);
    extra = conn_from("127.0.0.2", port);
    assert_int_equal(healthz_on(extra), 0);
    close(extra);
    /* 5. the other client closes all of its connections: its whole share comes back, no more */
    close_all(other, SHARE);
    for (int i = 0; i < SHARE; i++)
        other[i] = admitted_soon("127.0.0.3", port);
    extra = conn_from("127.0.0.3", port);
    assert_int_equal(healthz_on(extra), 0);
    close(extra);
    /* 6. the counts as the server keeps them: one entry per client holding connections (127.0.0.1's were closed
     * by the server after each reply), and every connection refused or closed counted out */
    halt(&r);
    assert_int_equal(count_of(&r, "127.0.0.2"), SHARE);
    assert_int_equal(count_of(&r, "127.0.0.3"), SHARE);
    assert_int_equal(count_of(&r, "127.0.0.1"), 0);
    assert_int_equal(connlimit_clients(r.s->perclient), 2);
    assert_int_equal(r.s->connections, 2 * SHARE);
    /* 7. the stop closes what is still open and releases every count there (ASan checks the rest) */
    finish(&r);
    close_all(flood, SHARE + 4);
    close_all(other, SHARE);
}

/* The server's --timeout (2 s) closes idle connections, kept alive after a reply or silent from the start: their
 * counts come back, exactly. The server counts a connection out before it closes the socket, so no retry is
 * needed once the client has seen the close. */
static void test_server_timeout(void **state)
{
    (void)state;
    running r;
    start(&r, 64, 3, 2, false);
    int port = server_port(r.s);
    int fds[3];
    /* 1. kept alive after a reply */
    for (int i = 0; i < 3; i++) {
        fds[i] = conn_from("127.0.0.2", port);
        assert_int_equal(healthz_on(fds[i]), 200);
    }
    int extra = conn_from("127.0.0.2", port);
    assert_int_equal(healthz_on(extra), 0);
    close(extra);
    for (int i = 0; i < 3; i++)
        assert_true(closed_by_server(fds[i], 10000));
    close_all(fds, 3);
    /* 2. silent: they hold the share (a fourth is refused), then time out */
    for (int i = 0; i < 3; i++)
        fds[i] = conn_from("127.0.0.2", port);
    extra = conn_from("127.0.0.2", port);
    assert_int_equal(healthz_on(extra), 0);
    close(extra);
    for (int i = 0; i < 3; i++)
        assert_true(closed_by_server(fds[i], 10000));
    close_all(fds, 3);
    /* 3. exactly the share again */
    for (int i = 0; i < 3; i++) {
        fds[i] = conn_from("127.0.0.2", port);
        assert_int_equal(healthz_on(fds[i]), 200);
    }
    extra = conn_from("127.0.0.2", port);
    assert_int_equal(healthz_on(extra), 0);
    close(extra);
    halt(&r);
    assert_int_equal(count_of(&r, "127.0.0.2"), 3);
    assert_int_equal(connlimit_clients(r.s->perclient), 1);
    finish(&r);
    close_all(fds, 3);
}

/* Behind a proxy every connection comes from the proxy: no per-client cap, only the global one. */
static void test_server_trust_proxy(void **state)
{
    (void)state;
    running r;
    start(&r, 64, -1, 30, true);
    assert_null(r.s->perclient);
    int port = server_port(r.s);
    int fds[3 * SHARE];
    for (int i = 0; i < 3 * SHARE; i++) {
        fds[i] = conn_from("127.0.0.2", port);
        assert_int_equal(healthz_on(fds[i]), 200);
    }
    halt(&r);
    finish(&r);
    close_all(fds, 3 * SHARE);
}

/* --max-connections-per-client 0: no per-client cap. */
static void test_server_no_cap(void **state)
{
    (void)state;
    running r;
    start(&r, 64, 0, 30, false);
    assert_null(r.s->perclient);
    halt(&r);
    finish(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_server_share),
        cmocka_unit_test(test_server_timeout),
        cmocka_unit_test(test_server_trust_proxy),
        cmocka_unit_test(test_server_no_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
