/* slowloris.c -- hostile slow clients against a running collector, and an ordinary client beside them whose
 * latency is measured. It starts nothing itself.
 *
 *   slowloris [-n SLOW] [-d SECONDS] [-i TRICKLE_MS] [-p PROBE_MS] [-l LIMIT_MS] [-t TIMEOUT_MS] [-k KEEP_MS]
 *             [-s SLOW_SOURCE] [-o ORDINARY_SOURCE] HOST PORT
 *
 * SLOW connections (default 300) each send a request line and a Host header, then one more header byte every
 * TRICKLE_MS (default 500), never finishing the header block; with -i 0 they send nothing at all (idle
 * connections). One that the server closes is opened again at once, so that SLOW are always pressing. -s and
 * -o bind the slow connections and the ordinary client to local (IPv4) addresses: on Linux the whole of 127/8
 * is loopback, so that 127.0.0.2 and 127.0.0.1 are two clients to a server on 127.0.0.1. Every PROBE_MS (default
 * 200), for SECONDS (default 20), an ordinary client does GET /healthz and then POSTs a valid resident submission
 * (a fresh uuid each), each on a new connection, and
 * measures the time from connect() to the end of the reply (a request gets TIMEOUT_MS, default 10,000, before
 * it counts as unanswered). It passes when every ordinary request is answered 200 / 201 within LIMIT_MS
 * (default 1,000). With -k KEEP_MS it also requires that the server closed every slow connection before it was
 * KEEP_MS old (README: --timeout is the time allowed to receive a request).
 *
 * Prints progress every 5 s on stderr and, at the end, one line for scripts:
 *   SLOWLORIS slow=N opened=.. closed_by_server=.. answered_by_server=.. open_at_end=.. held_at_end=..
 *             oldest_ms=.. ordinary=.. ok=.. late=.. failed=.. created=.. p50_ms=.. p99_ms=.. max_ms=..
 * where held_at_end counts the slow connections open at the end that are at least a second old (the server
 * holds them; a connection it refuses is closed within milliseconds and opened again).
 * then "PASS" or "FAIL: reason"; exits 0 on PASS, 1 on FAIL, 2 on a usage error.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SLOW 4000
#define MAX_PROBES 100000
#define REPLY_MAX 65536

static const char answers[] =
    "{\"R01\":\"QN09399A\",\"R02\":\"25-39\",\"R03\":\"femme\",\"R07\":\"bon\",\"R17\":\"non\"}";

typedef struct config {
    long slow, seconds, trickle_ms, probe_ms, limit_ms, timeout_ms, keep_ms;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    const char *slow_src, *probe_src; /* local addresses to bind, or NULL */
} config;

/* What the ordinary client measured; written by its thread, read after the join. */
typedef struct probes {
    double *ms;          /* latency of each request, answered or not */
    long n, ok, late, failed, created;
    char first_failure[256];
} probes;

typedef struct slow_conn {
    int fd;              /* -1 while closed */
    double opened, next;
    long sent;
} slow_conn;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&t, &t) < 0 && errno == EINTR)
        ;
}

static bool parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* A non-blocking socket whose connect() has been started, from local address src (NULL: any); -1 on failure. */
static int start_connect(const config *c, const char *src)
{
    int fd = socket(c->addr.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (src != NULL) {
        struct sockaddr_in a = {0};
        a.sin_family = AF_INET;
        inet_pton(AF_INET, src, &a.sin_addr);
#ifdef IP_BIND_ADDRESS_NO_PORT
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one); /* the port is chosen at connect */
#endif
        if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
            close(fd);
            return -1;
        }
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, (const struct sockaddr *)&c->addr, c->addrlen) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* ---------------------------------------------------------------------------------------------------------
 * The ordinary client.
 */

/* Sends req on a new connection and reads the reply until the server closes, within deadline (seconds, on the
 * monotonic clock). Returns the status, 0 when there was no complete answer. */
static int exchange(const config *c, const char *req, size_t len, double deadline, char *reply, size_t cap)
{
    int fd = start_connect(c, c->probe_src);
    if (fd < 0)
        return 0;
    size_t sent = 0, got = 0;
    int status = 0;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0)
            break;
        struct pollfd p = {fd, (short)(sent < len ? POLLOUT : POLLIN), 0};
        int n = poll(&p, 1, (int)(left * 1000) + 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            continue;
        if (sent < len) {
            ssize_t w = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                break;
            if (w > 0)
                sent += (size_t)w;
            continue;
        }
        ssize_t r = recv(fd, reply + got, cap - 1 - got, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (r < 0)
            break;
        got += (size_t)r;
        reply[got] = '\0';
        if (r == 0 || got + 1 >= cap) { /* the request says Connection: close: the reply ends at the close */
            int code;
            if (strstr(reply, "\r\n\r\n") != NULL && sscanf(reply, "HTTP/1.%*d %3d", &code) == 1)
                status = code;
            break;
        }
    }
    close(fd);
    return status;
}

static void make_uuid(int urandom, char out[37])
{
    unsigned char r[16] = {0};
    if (urandom < 0 || read(urandom, r, sizeof r) != (ssize_t)sizeof r) {
        double t = now_s();
        memcpy(r, &t, sizeof t);
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

typedef struct probe_args {
    const config *c;
    probes *p;
    double end;
} probe_args;

/* Records one ordinary request: its latency and whether it was answered with want in time. */
static void record(probe_args *a, const char *what, int status, int want, double ms)
{
    probes *p = a->p;
    if (p->n < MAX_PROBES)
        p->ms[p->n++] = ms;
    if (status != want) {
        p->failed++;
        if (p->first_failure[0] == '\0')
            snprintf(p->first_failure, sizeof p->first_failure, "%s: status %d after %.0f ms", what, status, ms);
    } else if (ms > (double)a->c->limit_ms) {
        p->late++;
        if (p->first_failure[0] == '\0')
            snprintf(p->first_failure, sizeof p->first_failure, "%s: answered after %.0f ms", what, ms);
    } else {
        p->ok++;
    }
    if (status == 201)
        p->created++;
}

static void *ordinary(void *arg)
{
    probe_args *a = arg;
    const config *c = a->c;
    char *reply = malloc(REPLY_MAX);
    int urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    static const char health[] = "GET /healthz HTTP/1.1\r\nHost: ordinary\r\nConnection: close\r\n\r\n";
    double next = now_s();
    while (reply != NULL && now_s() < a->end) {
        sleep_s(next - now_s());
        next += (double)c->probe_ms / 1000;
        double t0 = now_s();
        int st = exchange(c, health, sizeof health - 1, t0 + (double)c->timeout_ms / 1000, reply, REPLY_MAX);
        record(a, "GET /healthz", st, 200, (now_s() - t0) * 1000);

        char uuid[37], body[512], req[1024];
        make_uuid(urandom, uuid);
        int blen = snprintf(body, sizeof body, "{\"uuid\":\"%s\",\"form_version\":\"1\",\"lang\":\"fr\",\"channel\":"
                            "\"web\",\"answers\":%s}", uuid, answers);
        int rlen = snprintf(req, sizeof req, "POST /api/v1/forms/resident/submissions HTTP/1.1\r\nHost: ordinary\r\n"
                            "Connection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                            blen, body);
        t0 = now_s();
        st = exchange(c, req, (size_t)rlen, t0 + (double)c->timeout_ms / 1000, reply, REPLY_MAX);
        record(a, "POST a submission", st, 201, (now_s() - t0) * 1000);
    }
    if (urandom >= 0)
        close(urandom);
    free(reply);
    return NULL;
}

/* ---------------------------------------------------------------------------------------------------------
 * The slow connections, all driven from the main thread.
 */

typedef struct slow_stats {
    long opened, closed_by_server, answered_by_server, connect_failed;
    double oldest_closed;        /* the age of the oldest connection the server closed, seconds */
} slow_stats;

static void slow_open(const config *c, slow_conn *s, slow_stats *st)
{
    s->fd = start_connect(c, c->slow_src);
    s->opened = now_s();
    s->sent = 0;
    s->next = c->trickle_ms > 0 ? s->opened : INFINITY; /* the request line goes out at once, or never */
    if (s->fd < 0)
        st->connect_failed++;
    else
        st->opened++;
}

/* Sends the next byte (or, first, the request line and Host header) of connection s. */
static void slow_send(const config *c, slow_conn *s, long i)
{
    char head[96];
    const char *p;
    size_t n;
    if (s->sent == 0) {
        n = (size_t)snprintf(head, sizeof head, "GET /healthz HTTP/1.1\r\nHost: slowloris\r\nX-Slow-%ld: ", i);
        p = head;
    } else {
        p = "a";
        n = 1;
    }
    bool first = s->sent == 0;
    ssize_t w = send(s->fd, p, n, MSG_NOSIGNAL);
    if (w > 0)
        s->sent += w;
    /* A byte not taken now (connection not yet established) is simply tried again next time. After the request
     * line, the connections' trickles are spread over the interval rather than all firing together. */
    double wait = (double)c->trickle_ms / 1000;
    s->next = now_s() + (first && w > 0 ? wait * (double)(i % 100) / 100 : wait);
}

static int usage(void)
{
    fprintf(stderr, "usage: slowloris [-n SLOW] [-d SECONDS] [-i TRICKLE_MS] [-p PROBE_MS] [-l LIMIT_MS] "
                    "[-t TIMEOUT_MS] [-k KEEP_MS] [-s SLOW_SOURCE] [-o ORDINARY_SOURCE] HOST PORT\n");
    return 2;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    config c = {.slow = 300, .seconds = 20, .trickle_ms = 500, .probe_ms = 200, .limit_ms = 1000,
                .timeout_ms = 10000, .keep_ms = 0};
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        long *dest = NULL, min = 1, max = 3600000;
        struct in_addr probe;
        switch (argv[i][1]) {
        case 'n': dest = &c.slow; max = MAX_SLOW; break;
        case 'd': dest = &c.seconds; max = 3600; break;
        case 'i': dest = &c.trickle_ms; min = 0; break;
        case 's':
        case 'o':
            if (argv[i][2] != '\0' || inet_pton(AF_INET, argv[i + 1], &probe) != 1)
                return usage();
            *(argv[i][1] == 's' ? &c.slow_src : &c.probe_src) = argv[i + 1];
            continue;
        case 'p': dest = &c.probe_ms; break;
        case 'l': dest = &c.limit_ms; break;
        case 't': dest = &c.timeout_ms; break;
        case 'k': dest = &c.keep_ms; break;
        default: return usage();
        }
        if (argv[i][2] != '\0' || !parse_long(argv[i + 1], min, max, dest))
            return usage();
    }
    if (argc - i != 2)
        return usage();
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(argv[i], argv[i + 1], &hints, &ai);
    if (gai != 0) {
        fprintf(stderr, "slowloris: %s: %s\n", argv[i], gai_strerror(gai));
        return 2;
    }
    memcpy(&c.addr, ai->ai_addr, ai->ai_addrlen);
    c.addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    /* SLOW sockets and the ordinary client's: raise the soft limit on descriptors if it is too low. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)c.slow + 64) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)c.slow + 64 ? rl.rlim_max : (rlim_t)c.slow + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    slow_conn *conns = calloc((size_t)c.slow, sizeof *conns);
    struct pollfd *pfds = calloc((size_t)c.slow, sizeof *pfds);
    probes p = {.ms = calloc(MAX_PROBES, sizeof(double))};
    if (conns == NULL || pfds == NULL || p.ms == NULL) {
        fprintf(stderr, "slowloris: out of memory\n");
        return 2;
    }
    slow_stats st = {0};
    double t0 = now_s(), end = t0 + (double)c.seconds;
    /* 64 at a time, 10 ms apart: all at once, they would overflow the server's accept queue, and a connection
     * the kernel completes with a SYN cookie while the queue is full is one the server never sees. */
    for (long k = 0; k < c.slow; k++) {
        slow_open(&c, &conns[k], &st);
        if (k % 64 == 63)
            sleep_s(0.01);
    }
    /* The ordinary client starts once the slow connections are all open (given a second to be accepted). */
    sleep_s(1.0);
    probe_args pa = {&c, &p, end + 1.0};
    pthread_t th;
    if (pthread_create(&th, NULL, ordinary, &pa) != 0) {
        fprintf(stderr, "slowloris: cannot start the ordinary client\n");
        return 2;
    }
    double last_report = now_s();
    char buf[4096];
    while (now_s() < end + 1.0) {
        double t = now_s(), soonest = t + 0.05;
        for (long k = 0; k < c.slow; k++) {
            slow_conn *s = &conns[k];
            if (s->fd < 0)
                slow_open(&c, s, &st);
            if (s->fd >= 0 && s->next <= t)
                slow_send(&c, s, k);
            if (s->fd >= 0 && s->next < soonest)
                soonest = s->next;
            pfds[k].fd = s->fd;
            pfds[k].events = POLLIN;
            pfds[k].revents = 0;
        }
        int wait_ms = (int)((soonest - now_s()) * 1000);
        if (poll(pfds, (nfds_t)c.slow, wait_ms > 0 ? wait_ms : 0) > 0) {
            for (long k = 0; k < c.slow; k++) {
                if (pfds[k].fd < 0 || !(pfds[k].revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                slow_conn *s = &conns[k];
                ssize_t r = recv(s->fd, buf, sizeof buf, 0);
                if (r < 0 && (errno == EAGAIN || errno == EINTR))
                    continue;
                /* Any answer, or the end, means the server gave up on this connection: note it, open another. */
                if (r > 0)
                    st.answered_by_server++;
                else if (r < 0 && errno == ECONNREFUSED)
                    st.connect_failed++;
                else
                    st.closed_by_server++;
                double age = now_s() - s->opened;
                if (age > st.oldest_closed)
                    st.oldest_closed = age;
                close(s->fd);
                s->fd = -1;
            }
        }
        if (now_s() - last_report >= 5.0) {
            long open = 0;
            for (long k = 0; k < c.slow; k++)
                open += conns[k].fd >= 0;
            fprintf(stderr, "slowloris: %.0f s: %ld slow connections open, %ld closed by the server; ordinary: %ld "
                    "requests, %ld late, %ld failed\n", now_s() - t0, open, st.closed_by_server +
                    st.answered_by_server, p.n, p.late, p.failed);
            last_report = now_s();
        }
    }
    pthread_join(th, NULL);

    long open = 0, held = 0;
    double oldest_open = 0, t_end = now_s();
    for (long k = 0; k < c.slow; k++)
        if (conns[k].fd >= 0) {
            open++;
            held += t_end - conns[k].opened >= 1.0;
            if (t_end - conns[k].opened > oldest_open)
                oldest_open = t_end - conns[k].opened;
            close(conns[k].fd);
        }
    qsort(p.ms, (size_t)p.n, sizeof *p.ms, cmp_double);
    double p50 = p.n ? p.ms[(p.n - 1) / 2] : 0, p99 = p.n ? p.ms[(long)((double)(p.n - 1) * 0.99)] : 0;
    double mx = p.n ? p.ms[p.n - 1] : 0;
    double oldest = oldest_open > st.oldest_closed ? oldest_open : st.oldest_closed;
    printf("SLOWLORIS slow=%ld opened=%ld connect_failed=%ld closed_by_server=%ld answered_by_server=%ld "
           "open_at_end=%ld held_at_end=%ld oldest_open_ms=%.0f ordinary=%ld ok=%ld late=%ld failed=%ld created=%ld "
           "p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n", c.slow, st.opened, st.connect_failed, st.closed_by_server,
           st.answered_by_server, open, held, oldest_open * 1000, p.n, p.ok, p.late, p.failed, p.created, p50, p99,
           mx);
    int rc = 0;
    if (p.n == 0) {
        printf("FAIL: the ordinary client made no request\n");
        rc = 1;
    } else if (p.late > 0 || p.failed > 0) {
        printf("FAIL: %ld of %ld ordinary requests not answered within %ld ms (first: %s)\n", p.late + p.failed, p.n,
               c.limit_ms, p.first_failure);
        rc = 1;
    }
    if (c.keep_ms > 0 && oldest * 1000 > (double)c.keep_ms) {
        printf("FAIL: a slow connection was kept open %.0f ms (%ld still open at the end), more than %ld ms\n",
               oldest * 1000, open, c.keep_ms);
        rc = 1;
    }
    if (rc == 0)
        printf("PASS\n");
    free(conns);
    free(pfds);
    free(p.ms);
    return rc;
}
