/* fuzz_http.c -- libFuzzer target for the collector's HTTP service, from raw bytes.
 *
 * Each process starts one real server (server_new, as `collector serve` does) on 127.0.0.1 port 0, in a
 * background thread, with the shipped forms and a fresh database in /tmp holding tokens of known secrets (so
 * that inputs can reach the paper-entry and export routes):
 *
 *   Authorization: Bearer ds_fuzz_mediator1   mediator     ds_fuzz_mediator2   mediator
 *   Authorization: Bearer ds_fuzz_analyst     analyst      ds_fuzz_admin       admin
 *
 * Each input is written as is to a new TCP connection, whose writing side is then shut down so that the server
 * sees the end of the request stream; the response is read until the server closes, within RESPONSE_DEADLINE.
 * Then GET /healthz on a new connection must answer 200 within HEALTH_DEADLINE. A crash anywhere in the process
 * (the server thread included) is reported by the sanitizers; a server that stops answering is reported here.
 * Before the first input the database is given, through the API, two web submissions and three paper sheets
 * (S1, S2, S3) entered twice with different answers (by the two mediators: only the admin token, which typed
 * neither entry, may read and reconcile them), so that exports, the discrepancy list and reconciliation have
 * data from the start whatever the order the inputs come in.
 * The server trusts X-Forwarded-For with a rate limit too high to bite, so that the limiter runs on keys the
 * input chooses without ever refusing the fuzzer. The database and its WAL files are removed at exit, after a
 * clean stop of the server, so that LeakSanitizer's final check sees what the server really lost.
 */
#include "fuzz_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "server.h"
#include "store.h"

#define RESPONSE_DEADLINE_MS 10000
#define HEALTH_DEADLINE_MS 10000
/* Small, so that inputs within max_len (tests/fuzz/targets) reach both the collector's 413 and libevent's hard
 * cap at 4 x MAX_BODY; the largest seed submission is about 2 KiB. */
#define MAX_BODY (4 * 1024)

static srv *server;
static pthread_t loop_thread;
static char db_path[64];
static int port;

static const struct {
    const char *secret, *role;
} tokens[] = {
    {"ds_fuzz_mediator1", "mediator"},
    {"ds_fuzz_mediator2", "mediator"},
    {"ds_fuzz_analyst", "analyst"},
    {"ds_fuzz_admin", "admin"},
};

static void seed_database(void);

static void *loop_main(void *arg)
{
    server_loop(arg);
    return NULL;
}

static void stop_server(void)
{
    if (server == NULL)
        return;
    server_stop(server);
    pthread_join(loop_thread, NULL);
    server_free(server);
    server = NULL;
    fuzz_remove_db(db_path);
}

/* Creates the database with the tokens of the header comment, stored as store_token_add stores them. */
static void create_db(void)
{
    char err[256];
    store *s = store_open(db_path, false, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "fuzz_http: %s\n", err);
        exit(2);
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(s),
                           "INSERT INTO tokens (role, name, secret_hash, created_at) "
                           "VALUES (?, ?, ?, '2026-11-23T08:00Z')",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "fuzz_http: %s\n", sqlite3_errmsg(store_db(s)));
        exit(2);
    }
    for (size_t i = 0; i < sizeof tokens / sizeof *tokens; i++) {
        uint8_t hash[32];
        store_sha256(tokens[i].secret, strlen(tokens[i].secret), hash);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, tokens[i].role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, tokens[i].secret, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, hash, 32, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "fuzz_http: %s\n", sqlite3_errmsg(store_db(s)));
            exit(2);
        }
    }
    sqlite3_finalize(st);
    store_close(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(db_path, sizeof db_path, "/tmp/fuzz_http_XXXXXX");
    int fd = mkstemp(db_path);
    if (fd < 0) {
        perror("fuzz_http: mkstemp");
        exit(2);
    }
    close(fd);
    unlink(db_path);
    create_db();
    char forms[1024], web[1024];
    srv_config cfg;
    server_config_defaults(&cfg);
    cfg.db_path = db_path;
    cfg.forms_dir = fuzz_path(forms, sizeof forms, "forms");
    cfg.web_dir = fuzz_path(web, sizeof web, "collector/pages");
    cfg.listen = "127.0.0.1:0";
    cfg.max_body = MAX_BODY;
    cfg.max_headers = 16 * 1024;
    cfg.timeout = 5;
    cfg.rate = 1e6;
    cfg.burst = 1e6;
    cfg.trust_proxy = true;
    cfg.quiet = true;
    cfg.no_signals = true;
    server = server_new(&cfg);
    if (server == NULL) {
        fuzz_remove_db(db_path);
        exit(2);
    }
    port = server_port(server);
    if (pthread_create(&loop_thread, NULL, loop_main, server) != 0) {
        fprintf(stderr, "fuzz_http: cannot start the server thread\n");
        exit(2);
    }
    atexit(stop_server);
    seed_database();
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * One connection: bytes out, bytes back, with deadlines.
 */

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        fuzz_fail("socket: %s", strerror(errno));
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    /* libFuzzer's timers interrupt system calls: an interrupted connect goes on, and says how it ended once
     * the socket is writable. */
    int e = errno;
    if (e == EINTR) {
        struct pollfd p = {fd, POLLOUT, 0};
        socklen_t len = sizeof e;
        while (poll(&p, 1, HEALTH_DEADLINE_MS) < 0 && errno == EINTR)
            ;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e == 0 && (p.revents & POLLOUT))
            return fd;
    }
    fuzz_fail("the server refuses connections: %s", strerror(e));
}

/* Sends data on fd (poll-driven, so that a server that stops reading cannot block us forever), shuts the
 * writing side, and reads until the server closes. Returns the bytes read (NUL-terminated, malloc'd) with
 * *got, or NULL when deadline_ms passed first. A server that closes early (an error reply before the whole body
 * was read) is normal: the rest is not sent. */
static char *exchange(const uint8_t *data, size_t size, long deadline_ms, size_t *got)
{
    int fd = connect_server();
    long end = now_ms() + deadline_ms;
    size_t off = 0, cap = 4096, len = 0;
    char *buf = malloc(cap);
    bool writing = true;
    for (;;) {
        if (writing && off == size) {
            shutdown(fd, SHUT_WR);
            writing = false;
        }
        long left = end - now_ms();
        if (left <= 0) {
            free(buf);
            close(fd);
            return NULL;
        }
        struct pollfd p = {fd, (short)(POLLIN | (writing ? POLLOUT : 0)), 0};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        if (writing && (p.revents & POLLOUT)) {
            ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0)
                off += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                writing = false; /* the server closed: read what it said */
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            if (len + 1 >= cap)
                buf = realloc(buf, cap *= 2);
            ssize_t n = recv(fd, buf + len, cap - len - 1, MSG_DONTWAIT);
            if (n > 0)
                len += (size_t)n;
            else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                break;
        }
    }
    close(fd);
    buf[len] = '\0';
    *got = len;
    return buf;
}

/* Checks the first response of a stream: a status line, and when the server says the body is JSON and gives
 * its length, a body that parses (error bodies are always JSON, http.h). Replies evhttp writes itself, before
 * any handler, are HTML (400 on a malformed request line, 413 over its hard cap): they do not claim JSON. The
 * reply to HEAD has the headers of a GET but no body: what follows it belongs to the next response. */
static void check_first_response(const char *buf, size_t len, bool head_request)
{
    if (len == 0)
        return; /* evhttp closes without a word on some malformed input */
    if (len < 12 || strncmp(buf, "HTTP/", 5) != 0)
        fuzz_fail("the server answered something that is not HTTP: « %.40s »", buf);
    const char *end = strstr(buf, "\r\n\r\n");
    if (end == NULL)
        return; /* cut short: checked by the deadline, not here */
    char head[8192];
    size_t hl = (size_t)(end - buf) < sizeof head - 1 ? (size_t)(end - buf) : sizeof head - 1;
    memcpy(head, buf, hl);
    head[hl] = '\0';
    for (char *p = head; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    const char *cl = strstr(head, "\r\ncontent-length:");
    const char *sp = strchr(buf, ' ');
    int status = sp ? atoi(sp + 1) : 0;
    if (head_request || strstr(head, "\r\ncontent-type: application/json") == NULL || cl == NULL)
        return;
    size_t blen = strtoul(cl + 17, NULL, 10);
    const char *body = end + 4;
    if ((size_t)(buf + len - body) < blen)
        return;
    json_error_t err;
    json_t *j = json_loadb(body, blen, 0, &err);
    if (j == NULL && blen > 0)
        fuzz_fail("a %d reply claims JSON but its body does not parse (%s): « %.60s »", status, err.text, body);
    if (status >= 400 && j != NULL && !json_is_string(json_object_get(j, "code")))
        fuzz_fail("a %d reply without an error code: « %.60s »", status, body);
    json_decref(j);
}

/* Sends one request of the setup and checks its status. */
static void setup_request(const char *path, const char *token, const char *body, int status)
{
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\n%s%s%sContent-Length: %zu\r\n\r\n%s",
                     path, token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "", strlen(body),
                     body);
    size_t got;
    char *resp = exchange((const uint8_t *)req, (size_t)n, RESPONSE_DEADLINE_MS, &got);
    char want[16];
    snprintf(want, sizeof want, "HTTP/1.1 %d", status);
    if (resp == NULL || strncmp(resp, want, strlen(want)) != 0) {
        fprintf(stderr, "fuzz_http: setup POST %s: %.600s\n", path, resp ? resp : "(no answer)");
        exit(2);
    }
    free(resp);
}

/* The data of the header comment: answers valid for the shipped resident form, version 1. */
static void seed_database(void)
{
    static const char *const answers[] = {
        "{\"R01\": \"QN09399A\", \"R02\": \"25-39\", \"R03\": \"femme\", \"R07\": \"bon\", \"R17\": \"non\"}",
        "{\"R01\": \"QN09399B\", \"R02\": \"65-74\", \"R03\": \"homme\", \"R07\": \"mauvais\", \"R17\": \"oui\", "
        "\"R18\": [\"lunettes\", \"dentaire\"]}",
    };
    char body[1024];
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof body,
                 "{\"uuid\": \"0b6e9d3c-1f2a-4b5c-8d7e-9f0a1b2c3d4%d\", \"form_version\": \"1\", "
                 "\"answers\": %s}",
                 i, answers[i]);
        setup_request("/api/v1/forms/resident/submissions", NULL, body, 201);
    }
    for (int sheet = 1; sheet <= 3; sheet++)
        for (int entry = 0; entry < 2; entry++) {
            snprintf(body, sizeof body, "{\"paper_id\": \"S%d\", \"form_version\": \"1\", \"answers\": %s}", sheet,
                     answers[entry]);
            setup_request("/api/v1/forms/resident/paper", tokens[entry].secret, body, 201);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t got;
    char *resp = exchange(data, size, RESPONSE_DEADLINE_MS, &got);
    if (resp == NULL)
        fuzz_fail("no end of response within %d ms", RESPONSE_DEADLINE_MS);
    check_first_response(resp, got, size >= 5 && memcmp(data, "HEAD ", 5) == 0);
    free(resp);

    static const char health[] = "GET /healthz HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n";
    resp = exchange((const uint8_t *)health, sizeof health - 1, HEALTH_DEADLINE_MS, &got);
    if (resp == NULL)
        fuzz_fail("GET /healthz unanswered within %d ms after this input", HEALTH_DEADLINE_MS);
    if (strncmp(resp, "HTTP/1.1 200", 12) != 0)
        fuzz_fail("GET /healthz after this input: « %.60s »", resp);
    free(resp);
    return 0;
}
