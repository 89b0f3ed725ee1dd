/* loadgen.c -- a load generator for the crash test: N keep-alive connections post valid resident submissions
 * to the collector and append the uuid of every acknowledged one (201 or 200) to a file, one line each, with
 * one write(2) per line as soon as the reply is read, so that killing the collector loses nothing here.
 *
 *   loadgen [-c CONNECTIONS] [-d SECONDS] HOST PORT ACKED_FILE
 *
 * Each connection is a thread doing what a phone does: post, wait for the reply, post the next one. A
 * connection error or a 5xx reply is "not acknowledged"; the thread then retries the same submission (same
 * uuid, same body, like a phone that lost its answer) on a new connection, until the deadline. A retried
 * submission that the collector had in fact committed before dying is answered 200, and counts as acknowledged.
 * POSIX sockets and threads only. Prints a one-line summary on stdout; exits 0 unless it could not start.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 1024
#define IO_TIMEOUT_S 5          /* a reply slower than this is a failure (a group commit takes milliseconds) */
#define RETRY_PAUSE_MS 20       /* between a failed connection and the next attempt */
#define MAX_RESPONSE 65536      /* headers and body of one reply */

static const char answers[] =
    "{\"R01\":\"QN09399A\",\"R02\":\"25-39\",\"R03\":\"femme\",\"R07\":\"bon\",\"R13\":\"non\","
    "\"R14\":\"medecin_parti\",\"R17\":\"non\",\"R23\":{\"pmi\":\"connu_utilise\",\"cpam\":\"connu\"}}";

/* Shared by the threads: read-only after start, except the counters under lock. */
typedef struct loadgen {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char host[256];
    int urandom, out;
    struct timespec deadline;
    pthread_mutex_t lock;
    unsigned long sent, created, replayed, lost, refused, other;
} loadgen;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool past_deadline(const loadgen *g)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec > g->deadline.tv_sec || (t.tv_sec == g->deadline.tv_sec && t.tv_nsec >= g->deadline.tv_nsec);
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) < 0 && errno == EINTR)
        ;
}

/* Strict parsing of a whole decimal argument within [min, max]; false on anything else. */
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

/* Writes a fresh random version 4 uuid (RFC 4122) into out. Returns 0, or -1 if /dev/urandom fails. */
static int make_uuid(const loadgen *g, char out[37])
{
    unsigned char r[16];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = read(g->urandom, r + got, sizeof r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
    return 0;
}

/* Opens a connection with I/O timeouts; returns the socket or -1. */
static int connect_once(const loadgen *g)
{
    int fd = socket(g->addr.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {IO_TIMEOUT_S, 0};
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)&g->addr, g->addrlen) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Finds header name (case-insensitive) in the header block hdr (NUL-terminated, lines ending in CRLF);
 * returns a pointer to its value or NULL. */
static const char *find_header(const char *hdr, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *line = strstr(hdr, "\r\n"); line != NULL; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            return v;
        }
    }
    return NULL;
}

/* Reads one HTTP/1.1 reply with a Content-Length body into buf. Returns its status, or -1 on a connection error
 * or a reply this program does not understand. *keep says whether the connection may be reused. */
static int read_reply(int fd, char *buf, size_t cap, bool *keep)
{
    size_t len = 0;
    char *end = NULL;
    while (end == NULL) {
        if (len + 1 >= cap)
            return -1;
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    end[2] = '\0'; /* the header block keeps its last CRLF, for find_header */
    size_t head = (size_t)(end + 4 - buf);
    int status;
    if (sscanf(buf, "HTTP/1.%*d %3d", &status) != 1)
        return -1;
    const char *cl = find_header(buf, "Content-Length");
    long body;
    char num[24];
    if (cl == NULL || sscanf(cl, "%23[0-9]", num) != 1 || !parse_long(num, 0, (long)cap, &body) ||
        head + (size_t)body >= cap)
        return -1;
    const char *conn = find_header(buf, "Connection");
    *keep = conn == NULL || strncasecmp(conn, "close", 5) != 0;
    while (len < head + (size_t)body) {
        ssize_t n = recv(fd, buf + len, head + (size_t)body - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        len += (size_t)n;
    }
    return status;
}

static void count(loadgen *g, unsigned long *counter)
{
    pthread_mutex_lock(&g->lock);
    (*counter)++;
    pthread_mutex_unlock(&g->lock);
}

/* One connection's loop: see the file comment. */
static void *worker(void *arg)
{
    loadgen *g = arg;
    char *reply = malloc(MAX_RESPONSE);
    char request[2048], body[1024], uuid[37], line[38];
    int fd = -1;
    bool pending = false; /* a submission not yet acknowledged, to retry with the same uuid */
    if (reply == NULL)
        return NULL;
    while (!past_deadline(g)) {
        if (!pending) {
            if (make_uuid(g, uuid) < 0)
                break;
            pending = true;
        }
        if (fd < 0 && (fd = connect_once(g)) < 0) {
            count(g, &g->refused);
            pause_ms(RETRY_PAUSE_MS);
            continue;
        }
        int blen = snprintf(body, sizeof body,
                            "{\"uuid\":\"%s\",\"form_version\":\"1\",\"lang\":\"fr\",\"channel\":\"web\","
                            "\"started_at\":\"2024-05-01T10:12\",\"answers\":%s}",
                            uuid, answers);
        int rlen = snprintf(request, sizeof request,
                            "POST /api/v1/forms/resident/submissions HTTP/1.1\r\nHost: %s\r\n"
                            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                            g->host, blen, body);
        bool keep = false;
        int status = -1;
        count(g, &g->sent);
        if (send_all(fd, request, (size_t)rlen) == 0)
            status = read_reply(fd, reply, MAX_RESPONSE, &keep);
        if (status == 201 || status == 200) {
            memcpy(line, uuid, 36);
            line[36] = '\n';
            if (write(g->out, line, 37) != 37) { /* O_APPEND: one line, whole, in one call */
                perror("loadgen: write");
                break;
            }
            count(g, status == 201 ? &g->created : &g->replayed);
            pending = false;
        } else if (status < 0) {
            count(g, &g->lost); /* sent, and no reply: maybe stored, never acknowledged */
            keep = false;
        } else {
            count(g, &g->other); /* 503 while stopping or busy, 429: retried as is */
            if (status >= 500 || status == 429)
                pause_ms(RETRY_PAUSE_MS);
            else
                pending = false; /* a 4xx would repeat forever: print it in the summary and move on */
        }
        if (!keep) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    free(reply);
    return NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: loadgen [-c CONNECTIONS] [-d SECONDS] HOST PORT ACKED_FILE\n");
    return 2;
}

int main(int argc, char **argv)
{
    long conns = 16, seconds = 5, port;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-c") == 0 && parse_long(argv[i + 1], 1, MAX_CONNECTIONS, &conns))
            continue;
        if (strcmp(argv[i], "-d") == 0 && parse_long(argv[i + 1], 1, 3600, &seconds))
            continue;
        return usage();
    }
    if (argc - i != 3 || !parse_long(argv[i + 1], 1, 65535, &port))
        return usage();

    static loadgen g;
    int rc = 1;
    pthread_t *threads = NULL;
    long started = 0;
    g.urandom = g.out = -1;
    pthread_mutex_init(&g.lock, NULL);
    snprintf(g.host, sizeof g.host, "%s:%ld", argv[i], port);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(argv[i], argv[i + 1], &hints, &ai);
    if (gai != 0) {
        fprintf(stderr, "loadgen: %s: %s\n", argv[i], gai_strerror(gai));
        goto done;
    }
    memcpy(&g.addr, ai->ai_addr, ai->ai_addrlen);
    g.addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    if ((g.urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "loadgen: /dev/urandom: %s\n", strerror(errno));
        goto done;
    }
    if ((g.out = open(argv[i + 2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "loadgen: %s: %s\n", argv[i + 2], strerror(errno));
        goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &g.deadline);
    g.deadline.tv_sec += seconds;
    double t0 = now_s();
    threads = calloc((size_t)conns, sizeof *threads);
    if (threads == NULL)
        goto done;
    for (; started < conns; started++)
        if (pthread_create(&threads[started], NULL, worker, &g) != 0) {
            fprintf(stderr, "loadgen: cannot start thread %ld\n", started + 1);
            break;
        }
    for (long t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    if (started == conns) {
        printf("loadgen: %ld connections, %.1f s: sent %lu, acknowledged %lu (201: %lu, 200: %lu), "
               "no reply %lu, other statuses %lu, refused connections %lu\n",
               conns, now_s() - t0, g.sent, g.created + g.replayed, g.created, g.replayed, g.lost, g.other,
               g.refused);
        rc = 0;
    }
done:
    free(threads);
    if (g.urandom >= 0)
        close(g.urandom);
    if (g.out >= 0)
        close(g.out);
    pthread_mutex_destroy(&g.lock);
    return rc;
}
