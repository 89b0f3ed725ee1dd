/* hostile.c -- sends a catalogue of hostile requests (tests/hostile/catalogue.json) to a running collector and
 * checks each answer: its status (or that the connection is dropped), its JSON error shape and code, chosen
 * headers, and that the service still answers GET /healthz after each one. It starts nothing itself.
 *
 *   hostile [--phase NAME] [--timeout S] [--var NAME=VALUE]... [--final-uuid UUID] [--only NAME] HOST:PORT FILE
 *
 * Each entry is written as raw bytes on a new TCP connection (see "The catalogue" below for its fields); the
 * answer is read until the expected number of responses is complete, the server closes, or --timeout seconds
 * (default 10) pass, which is a failure (a hang). Only the entries of --phase (default "main") run. At the end
 * GET /healthz must answer 200 and, in the main phase, a valid submission must still be answered 201.
 * Prints "ok N - name" or "not ok N - name" with the reasons, then "N passed, M failed"; exits 0 when none
 * failed, 1 otherwise, 2 on a usage error or an unreadable catalogue.
 *
 * The catalogue. {"entries": [ENTRY...]}; an ENTRY has:
 *   name, category, comment         what it is, and why the expected answer is the right one
 *   phase                           "main" when absent
 *   request                         the exact bytes: a string or an array of PIECEs; or else
 *   start + body                    the request line and header lines (each ending in \r\n) and the body (each
 *                                   a string or PIECEs): "Content-Length: N\r\n\r\n" is put between them
 *   half_close                      shut the writing side down after sending (the server sees end of stream)
 *   repeat_before                   send the same request this many times first (for the rate limiter)
 *   no_body                         the response is a reply to HEAD: no body may follow its headers
 *   status                          the expected status, a list of accepted ones, or "closed": the server
 *                                   closes without answering a byte
 *   json_error                      the body is {"code": string, "message": string, "field"?: string} in
 *                                   application/json
 *   code, field                     the expected error code and field ("field": null: no field)
 *   json_keys                       keys the JSON body must have (a success)
 *   content_type                    the expected Content-Type's beginning
 *   headers                         {"Name": "value"}: exact value; "*": present; "#": a positive integer;
 *                                   null: absent
 *   body_lacks                      a string the response must not contain (headers and body)
 *   then_closed                     the server closes the connection after its answer
 *   min_seconds, max_seconds        bounds on the time to the end of the exchange
 *   max_response_bytes              a bound on everything the server sent back
 *   responses                       for pipelined requests: a list of expectations as above, in order
 *   stored_uuid                     the uuid this entry stores (read by run.sh, not here)
 * The catalogue is read with JSON_ALLOW_NUL, so that "\u0000" in a string is a NUL byte on the wire.
 * A PIECE is a string (its UTF-8 bytes), {"base64": "..."} (any bytes) or {"repeat": "s", "times": N}.
 * "{{NAME}}" in a string piece is replaced by the value given with --var NAME=VALUE.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_VARS 16
#define MAX_RESPONSES 8
#define MAX_REASONS 2048        /* bytes of failure text per entry */
#define READ_CHUNK 65536

/* ---------------------------------------------------------------------------------------------------------
 * Growing byte buffers.
 */

typedef struct bytes {
    char *data;
    size_t len, cap;
} bytes;

static void bytes_add(bytes *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL) {
            fprintf(stderr, "hostile: out of memory\n");
            exit(2);
        }
        b->data = d;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void bytes_adds(bytes *b, const char *s)
{
    bytes_add(b, s, strlen(s));
}

static void bytes_free(bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Appends the failure reason fmt to reasons (a NUL-terminated buffer of MAX_REASONS bytes), one per line. */
static void reason(char *reasons, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reason(char *reasons, const char *fmt, ...)
{
    size_t n = strlen(reasons);
    if (n + 8 >= MAX_REASONS)
        return;
    if (n > 0)
        reasons[n++] = '\n';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reasons + n, MAX_REASONS - n, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------------------------------------------------
 * Building a request from an entry.
 */

typedef struct var {
    const char *name, *value;   /* borrowed from argv */
} var;

typedef struct options {
    const char *phase, *only, *final_uuid;
    long timeout_s;
    var vars[MAX_VARS];
    size_t nvars;
    struct sockaddr_storage addr;
    socklen_t addrlen;
} options;

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes base64 text s (padding and whitespace ignored) onto out. Returns 0, or -1 on a foreign character. */
static int b64_decode(const char *s, bytes *out)
{
    unsigned acc = 0;
    int bits = 0;
    for (; *s; s++) {
        if (*s == '=' || *s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
            continue;
        int v = b64_value((unsigned char)*s);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            unsigned char c = (unsigned char)(acc >> bits);
            bytes_add(out, &c, 1);
            acc &= (1u << bits) - 1;
        }
    }
    return 0;
}

/* Appends string s with every "{{NAME}}" replaced by its --var value. Returns 0, or -1 (with a reason) for a
 * name that was not given. */
static int add_substituted(const options *o, const char *s, size_t len, bytes *out, char *reasons)
{
    const char *end = s + len;
    while (s < end) {
        const char *open = NULL;
        for (const char *p = s; p + 1 < end; p++)
            if (p[0] == '{' && p[1] == '{') {
                open = p;
                break;
            }
        const char *close = NULL;
        if (open)
            for (const char *p = open + 2; p + 1 < end; p++)
                if (p[0] == '}' && p[1] == '}') {
                    close = p;
                    break;
                }
        if (open == NULL || close == NULL) {
            bytes_add(out, s, (size_t)(end - s));
            return 0;
        }
        bytes_add(out, s, (size_t)(open - s));
        size_t nlen = (size_t)(close - open - 2);
        const char *value = NULL;
        for (size_t i = 0; i < o->nvars; i++)
            if (strlen(o->vars[i].name) == nlen && memcmp(o->vars[i].name, open + 2, nlen) == 0)
                value = o->vars[i].value;
        if (value == NULL) {
            reason(reasons, "the catalogue uses {{%.*s}}, not given with --var", (int)nlen, open + 2);
            return -1;
        }
        bytes_adds(out, value);
        s = close + 2;
    }
    return 0;
}

/* Appends the bytes of v (a string or an array of pieces) to out. Returns 0, or -1 with a reason. */
static int add_pieces(const options *o, const json_t *v, bytes *out, char *reasons)
{
    if (json_is_string(v))
        return add_substituted(o, json_string_value(v), json_string_length(v), out, reasons);
    if (!json_is_array(v)) {
        reason(reasons, "catalogue: a request or body is a string or an array of pieces");
        return -1;
    }
    size_t i;
    const json_t *p;
    json_array_foreach(v, i, p) {
        const json_t *b64 = json_object_get(p, "base64"), *rep = json_object_get(p, "repeat");
        if (json_is_string(p)) {
            if (add_substituted(o, json_string_value(p), json_string_length(p), out, reasons) < 0)
                return -1;
        } else if (json_is_string(b64)) {
            if (b64_decode(json_string_value(b64), out) < 0) {
                reason(reasons, "catalogue: piece %zu: invalid base64", i);
                return -1;
            }
        } else if (json_is_string(rep) && json_is_integer(json_object_get(p, "times")) &&
                   json_integer_value(json_object_get(p, "times")) >= 0 &&
                   json_integer_value(json_object_get(p, "times")) <= 64 * 1024 * 1024) {
            json_int_t times = json_integer_value(json_object_get(p, "times"));
            for (json_int_t k = 0; k < times; k++)
                bytes_add(out, json_string_value(rep), json_string_length(rep));
        } else {
            reason(reasons, "catalogue: piece %zu is not a string, {base64} or {repeat, times}", i);
            return -1;
        }
    }
    return 0;
}

/* The bytes of an entry's request onto out. Returns 0, or -1 with a reason. */
static int build_request(const options *o, const json_t *e, bytes *out, char *reasons)
{
    const json_t *req = json_object_get(e, "request");
    if (req)
        return add_pieces(o, req, out, reasons);
    const json_t *start = json_object_get(e, "start"), *body = json_object_get(e, "body");
    if (start == NULL || body == NULL) {
        reason(reasons, "catalogue: an entry has \"request\", or \"start\" and \"body\"");
        return -1;
    }
    bytes b = {0};
    if (add_pieces(o, start, out, reasons) < 0 || add_pieces(o, body, &b, reasons) < 0) {
        bytes_free(&b);
        return -1;
    }
    char cl[64];
    snprintf(cl, sizeof cl, "Content-Length: %zu\r\n\r\n", b.len);
    bytes_adds(out, cl);
    bytes_add(out, b.data, b.len);
    bytes_free(&b);
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Responses: parsed out of the bytes received so far.
 */

typedef struct response {
    int status;
    char *head;            /* the status line and headers, NUL-terminated; lines end in \r\n */
    bytes body;            /* de-chunked */
} response;

static void response_free(response *r)
{
    free(r->head);
    bytes_free(&r->body);
    memset(r, 0, sizeof *r);
}

/* The value of header name in head (case-insensitive), copied into out; false when absent. */
static bool header_value(const char *head, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
            const char *v = p + 3 + nl;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vl = strcspn(v, "\r\n");
            snprintf(out, len, "%.*s", (int)vl, v);
            return true;
        }
    }
    return false;
}

/* Parses one response from buf[0..len). Returns the bytes it used (> 0) when complete, 0 when more bytes are
 * needed, -1 when the bytes are not HTTP. A response with neither Content-Length nor chunked coding ends at
 * the close (closed = true). no_body: a reply to HEAD. */
static long parse_response(const char *buf, size_t len, bool closed, bool no_body, response *r)
{
    memset(r, 0, sizeof *r);
    const char *end = NULL;
    for (size_t i = 0; i + 3 < len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
            end = buf + i;
            break;
        }
    if (len >= 5 && strncmp(buf, "HTTP/", 5) != 0)
        return -1;
    if (end == NULL)
        return 0;
    size_t hlen = (size_t)(end - buf) + 2; /* keeps the last header's CRLF */
    int status;
    if (sscanf(buf, "HTTP/1.%*d %3d", &status) != 1)
        return -1;
    const char *p = end + 4;
    size_t avail = len - (size_t)(p - buf);
    char te[64] = "", cls[32] = "";
    r->head = malloc(hlen + 1);
    if (r->head == NULL)
        return -1;
    memcpy(r->head, buf, hlen);
    r->head[hlen] = '\0';
    r->status = status;
    bool has_te = header_value(r->head, "Transfer-Encoding", te, sizeof te) && strcasecmp(te, "chunked") == 0;
    bool has_cl = header_value(r->head, "Content-Length", cls, sizeof cls);
    if (no_body || (status >= 100 && status < 200) || status == 204 || status == 304)
        return (long)(p - buf);
    if (has_te) {
        const char *q = p, *lim = buf + len;
        for (;;) {
            const char *nl = NULL;
            for (const char *s = q; s + 1 < lim; s++)
                if (s[0] == '\r' && s[1] == '\n') {
                    nl = s;
                    break;
                }
            if (nl == NULL)
                goto need_more;
            char *e;
            unsigned long n = strtoul(q, &e, 16);
            if (e == q)
                goto not_http;
            q = nl + 2;
            if (n == 0) { /* last chunk; trailers end with an empty line */
                if ((size_t)(lim - q) < 2)
                    goto need_more;
                if (q[0] == '\r' && q[1] == '\n')
                    return (long)(q + 2 - buf);
                const char *t = NULL;
                for (const char *s = q; s + 3 < lim; s++)
                    if (memcmp(s, "\r\n\r\n", 4) == 0) {
                        t = s;
                        break;
                    }
                if (t == NULL)
                    goto need_more;
                return (long)(t + 4 - buf);
            }
            if ((size_t)(lim - q) < n + 2)
                goto need_more;
            bytes_add(&r->body, q, n);
            q += n + 2;
        }
    }
    if (has_cl) {
        char *e;
        unsigned long long n = strtoull(cls, &e, 10);
        if (e == cls || *e != '\0')
            goto not_http;
        if (avail < n)
            goto need_more;
        bytes_add(&r->body, p, (size_t)n);
        return (long)(p - buf) + (long)n;
    }
    if (!closed)
        goto need_more;
    bytes_add(&r->body, p, avail);
    return (long)len;
need_more:
    response_free(r);
    return 0;
not_http:
    response_free(r);
    return -1;
}

/* ---------------------------------------------------------------------------------------------------------
 * One exchange: send the bytes on a new connection, read until enough responses are complete.
 */

typedef struct exchange {
    response resp[MAX_RESPONSES];
    size_t nresp;           /* final (non-1xx) responses parsed */
    bytes raw;              /* everything received */
    bool closed;            /* the server closed (EOF or reset) */
    bool timed_out;
    bool connect_failed;
    bool garbage;           /* bytes that are not an HTTP response... */
    size_t garbage_at;      /* ...from this offset of raw */
    size_t sent;            /* request bytes the server took */
    double seconds;
} exchange;

static void exchange_free(exchange *x)
{
    for (size_t i = 0; i < x->nresp; i++)
        response_free(&x->resp[i]);
    bytes_free(&x->raw);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* True when the i-th response of entry e (NULL: none) is a reply to HEAD, which has no body. */
static bool no_body_at(const json_t *e, size_t i)
{
    const json_t *list = json_object_get(e, "responses");
    return json_is_true(json_object_get(json_is_array(list) ? json_array_get(list, i) : e, "no_body"));
}

/* Re-parses x->raw into x->resp (final responses only), for entry e (NULL: a plain request). */
static void parse_all(exchange *x, const json_t *e)
{
    for (size_t i = 0; i < x->nresp; i++)
        response_free(&x->resp[i]);
    x->nresp = 0;
    x->garbage = false;
    size_t off = 0;
    while (off < x->raw.len && x->nresp < MAX_RESPONSES) {
        response r;
        long used = parse_response(x->raw.data + off, x->raw.len - off, x->closed, no_body_at(e, x->nresp), &r);
        if (used < 0) {
            x->garbage = true;
            x->garbage_at = off;
            return;
        }
        if (used == 0)
            return;
        off += (size_t)used;
        if (r.status >= 100 && r.status < 200) {
            response_free(&r);
            continue;
        }
        x->resp[x->nresp++] = r;
    }
}

/* Sends req on a new connection and reads until want final responses are complete (and, with until_close, the
 * server has closed), the server closes, or timeout_s passes. e is the entry (for no_body), or NULL. */
static void run_exchange(const options *o, const bytes *req, bool half_close, const json_t *e, size_t want,
                         bool until_close, exchange *x)
{
    memset(x, 0, sizeof *x);
    double t0 = now_s(), deadline = t0 + (double)o->timeout_s;
    int fd = socket(o->addr.ss_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&o->addr, o->addrlen) < 0) {
        x->connect_failed = true;
        if (fd >= 0)
            close(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); /* poll says when to read and write */
    bool sending = true, shut = false;
    char *chunk = malloc(READ_CHUNK);
    if (chunk == NULL) {
        close(fd);
        x->connect_failed = true;
        return;
    }
    for (;;) {
        if (sending && x->sent == req->len) {
            sending = false;
            if (half_close && !shut) {
                shutdown(fd, SHUT_WR);
                shut = true;
            }
        }
        if (!until_close && want > 0 && x->nresp >= want)
            break;
        double left = deadline - now_s();
        if (left <= 0) {
            x->timed_out = true;
            break;
        }
        struct pollfd pfd = {fd, (short)(POLLIN | (sending ? POLLOUT : 0)), 0};
        int n = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (n == 0)
            continue;
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(fd, chunk, READ_CHUNK, 0);
            if (r > 0) {
                bytes_add(&x->raw, chunk, (size_t)r);
                parse_all(x, e);
                continue;
            }
            if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                x->closed = true;
                parse_all(x, e);
                break;
            }
        }
        if (sending && (pfd.revents & POLLOUT)) {
            ssize_t w = send(fd, req->data + x->sent, req->len - x->sent, MSG_NOSIGNAL);
            if (w > 0)
                x->sent += (size_t)w;
            else if (w < 0 && errno != EINTR && errno != EAGAIN)
                sending = false; /* the server answered and closed before taking everything: read on */
        }
    }
    free(chunk);
    close(fd);
    x->seconds = now_s() - t0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Checks.
 */

/* Checks one response r against expectation e (an entry, or an item of its "responses"). */
static void check_response(const json_t *e, const response *r, char *reasons)
{
    bool no_body = json_is_true(json_object_get(e, "no_body"));
    const json_t *st = json_object_get(e, "status");
    bool status_ok = false;
    if (json_is_integer(st)) {
        status_ok = json_integer_value(st) == r->status;
    } else if (json_is_array(st)) {
        size_t i;
        const json_t *v;
        json_array_foreach(st, i, v) status_ok |= json_integer_value(v) == r->status;
    }
    if (!status_ok) {
        char *want = json_dumps(st, JSON_ENCODE_ANY | JSON_COMPACT);
        reason(reasons, "status %d, expected %s", r->status, want ? want : "?");
        free(want);
    }
    char ct[256] = "";
    header_value(r->head, "Content-Type", ct, sizeof ct);
    const char *want_ct = json_string_value(json_object_get(e, "content_type"));
    if (want_ct && strncasecmp(ct, want_ct, strlen(want_ct)) != 0)
        reason(reasons, "Content-Type \"%s\", expected \"%s...\"", ct, want_ct);

    /* Any JSON error must have the promised shape, whether or not the entry asks for one. */
    bool is_json = strncasecmp(ct, "application/json", 16) == 0 && !no_body;
    bool want_error = json_is_true(json_object_get(e, "json_error"));
    if (want_error && !is_json)
        reason(reasons, "an error in JSON was expected, got Content-Type \"%s\"", ct);
    json_t *doc = NULL;
    if (is_json) {
        json_error_t jerr;
        doc = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &jerr);
        if (doc == NULL)
            reason(reasons, "the body is not JSON: %s", jerr.text);
    }
    if (doc && r->status >= 400) {
        const json_t *field = json_object_get(doc, "field");
        if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "code")) ||
            !json_is_string(json_object_get(doc, "message")) || (field && !json_is_string(field)))
            reason(reasons, "the error body is not {code, message, field?}");
    }
    const json_t *code = json_object_get(e, "code");
    if (json_is_string(code)) {
        const char *got = json_string_value(json_object_get(doc, "code"));
        if (got == NULL || strcmp(got, json_string_value(code)) != 0)
            reason(reasons, "code \"%s\", expected \"%s\"", got ? got : "(none)", json_string_value(code));
    }
    const json_t *field = json_object_get(e, "field"); /* JSON null is "no field" */
    if (field != NULL) {
        const char *got = json_string_value(json_object_get(doc, "field"));
        if (json_is_null(field) && got != NULL)
            reason(reasons, "field \"%s\", expected none", got);
        else if (json_is_string(field) && (got == NULL || strcmp(got, json_string_value(field)) != 0))
            reason(reasons, "field \"%s\", expected \"%s\"", got ? got : "(none)", json_string_value(field));
    }
    size_t i;
    const json_t *k;
    json_array_foreach(json_object_get(e, "json_keys"), i, k) {
        if (json_object_get(doc, json_string_value(k)) == NULL)
            reason(reasons, "the JSON body has no \"%s\"", json_string_value(k));
    }
    const char *hname;
    const json_t *hv;
    json_object_foreach((json_t *)json_object_get(e, "headers"), hname, hv) {
        char got[512];
        bool present = header_value(r->head, hname, got, sizeof got);
        if (json_is_null(hv)) {
            if (present)
                reason(reasons, "header %s: \"%s\" should be absent", hname, got);
        } else if (!present) {
            reason(reasons, "no %s header", hname);
        } else if (strcmp(json_string_value(hv), "#") == 0) {
            char *end;
            long n = strtol(got, &end, 10);
            if (end == got || *end != '\0' || n < 1)
                reason(reasons, "header %s: \"%s\" is not a positive integer", hname, got);
        } else if (strcmp(json_string_value(hv), "*") != 0 && strcmp(json_string_value(hv), got) != 0) {
            reason(reasons, "header %s: \"%s\", expected \"%s\"", hname, got, json_string_value(hv));
        }
    }
    json_decref(doc);
}

/* True when needle (len bytes) occurs in hay. */
static bool contains(const bytes *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n > 0 && i + n <= hay->len; i++)
        if (memcmp(hay->data + i, needle, n) == 0)
            return true;
    return false;
}

/* Runs entry e and writes its failures into reasons (empty when it passed). */
static void run_entry(const options *o, const json_t *e, char *reasons)
{
    bytes req = {0};
    if (build_request(o, e, &req, reasons) < 0)
        return;
    bool half = json_is_true(json_object_get(e, "half_close"));
    json_int_t warm = json_integer_value(json_object_get(e, "repeat_before"));
    for (json_int_t k = 0; k < warm; k++) {
        exchange w;
        run_exchange(o, &req, half, e, 1, false, &w);
        if (w.nresp < 1 || w.resp[0].status >= 500)
            reason(reasons, "request %lld of the warm-up got no answer or a 5xx (%d)", (long long)k + 1,
                   w.nresp ? w.resp[0].status : 0);
        exchange_free(&w);
    }
    const json_t *list = json_object_get(e, "responses");
    size_t want = json_is_array(list) ? json_array_size(list) : 1;
    bool closed_only = json_is_string(json_object_get(e, "status")) &&
                       strcmp(json_string_value(json_object_get(e, "status")), "closed") == 0;
    bool then_closed = json_is_true(json_object_get(e, "then_closed"));
    exchange x;
    run_exchange(o, &req, half, e, closed_only ? 0 : want, closed_only || then_closed, &x);
    if (x.connect_failed) {
        reason(reasons, "cannot connect: is the collector still running?");
    } else if (closed_only) {
        if (x.timed_out)
            reason(reasons, "the connection stayed open %.1f s (expected the server to close it)", x.seconds);
        else if (x.raw.len > 0)
            reason(reasons, "expected the connection dropped without an answer, got %zu bytes: %.80s", x.raw.len,
                   x.raw.data);
    } else {
        if (x.garbage)
            reason(reasons, "%zu bytes after the %s response are not HTTP (a body on a reply to HEAD?): %.60s",
                   x.raw.len - x.garbage_at, x.nresp ? "last" : "first", x.raw.data + x.garbage_at);
        if (x.nresp < want)
            reason(reasons, "%zu of %zu responses after %.1f s (%s)%s%.200s", x.nresp, want, x.seconds,
                   x.timed_out ? "timed out" : x.closed ? "the server closed" : "stopped",
                   x.raw.len ? "; received: " : "", x.raw.len ? x.raw.data : "");
        for (size_t i = 0; i < x.nresp && i < want; i++)
            check_response(json_is_array(list) ? json_array_get(list, i) : e, &x.resp[i], reasons);
        if (then_closed && !x.closed)
            reason(reasons, "the connection was not closed after the answer (%.1f s)", x.seconds);
    }
    const char *lacks = json_string_value(json_object_get(e, "body_lacks"));
    if (lacks && contains(&x.raw, lacks))
        reason(reasons, "the response contains \"%s\"", lacks);
    const json_t *mb = json_object_get(e, "max_response_bytes");
    if (json_is_integer(mb) && (json_int_t)x.raw.len > json_integer_value(mb))
        reason(reasons, "%zu bytes sent back, expected at most %lld", x.raw.len, (long long)json_integer_value(mb));
    const json_t *mn = json_object_get(e, "min_seconds"), *mx = json_object_get(e, "max_seconds");
    if (mn && x.seconds < json_number_value(mn))
        reason(reasons, "took %.2f s, expected at least %g s", x.seconds, json_number_value(mn));
    if (mx && x.seconds > json_number_value(mx))
        reason(reasons, "took %.2f s, expected at most %g s", x.seconds, json_number_value(mx));
    exchange_free(&x);
    bytes_free(&req);
}

/* GET /healthz on a new connection: true when answered 200 within the timeout. */
static bool healthy(const options *o, int *status)
{
    bytes req = {0};
    bytes_adds(&req, "GET /healthz HTTP/1.1\r\nHost: hostile\r\nConnection: close\r\n\r\n");
    exchange x;
    run_exchange(o, &req, false, NULL, 1, false, &x);
    *status = x.nresp ? x.resp[0].status : 0;
    exchange_free(&x);
    bytes_free(&req);
    return *status == 200;
}

/* A fresh version 4 uuid, from /dev/urandom (or the clock when it cannot be read). */
static void make_uuid(char out[37])
{
    unsigned char r[16];
    FILE *f = fopen("/dev/urandom", "rb");
    if (f == NULL || fread(r, 1, sizeof r, f) != sizeof r) {
        unsigned long long t = (unsigned long long)(now_s() * 1e9);
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)(t >> (8 * (i % 8))) ^ (unsigned char)(i * 37);
    }
    if (f)
        fclose(f);
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* ---------------------------------------------------------------------------------------------------------
 * Main.
 */

static int usage(void)
{
    fprintf(stderr, "usage: hostile [--phase NAME] [--timeout S] [--var NAME=VALUE]... [--final-uuid UUID] "
                    "[--only NAME] HOST:PORT CATALOGUE.json\n");
    return 2;
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

/* Resolves "HOST:PORT" into o->addr. */
static bool resolve(const char *spec, options *o)
{
    const char *colon = strrchr(spec, ':');
    char host[256];
    if (colon == NULL || (size_t)(colon - spec) >= sizeof host)
        return false;
    snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
        return false;
    memcpy(&o->addr, ai->ai_addr, ai->ai_addrlen);
    o->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return true;
}

int main(int argc, char **argv)
{
    options o = {.phase = "main", .timeout_s = 10};
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (i + 1 >= argc)
            return usage();
        if (strcmp(argv[i], "--phase") == 0) {
            o.phase = argv[++i];
        } else if (strcmp(argv[i], "--only") == 0) {
            o.only = argv[++i];
        } else if (strcmp(argv[i], "--final-uuid") == 0) {
            o.final_uuid = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0) {
            if (!parse_long(argv[++i], 1, 3600, &o.timeout_s))
                return usage();
        } else if (strcmp(argv[i], "--var") == 0) {
            char *eq = strchr(argv[++i], '=');
            if (eq == NULL || o.nvars == MAX_VARS)
                return usage();
            *eq = '\0';
            o.vars[o.nvars].name = argv[i];
            o.vars[o.nvars++].value = eq + 1;
        } else {
            return usage();
        }
    }
    if (argc - i != 2)
        return usage();
    if (!resolve(argv[i], &o)) {
        fprintf(stderr, "hostile: cannot resolve %s (expected HOST:PORT)\n", argv[i]);
        return 2;
    }
    json_error_t jerr;
    json_t *cat = json_load_file(argv[i + 1], JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    const json_t *entries = json_object_get(cat, "entries");
    if (!json_is_array(entries)) {
        fprintf(stderr, "hostile: %s: %s\n", argv[i + 1], cat ? "no \"entries\" array" : jerr.text);
        json_decref(cat);
        return 2;
    }

    int passed = 0, failed = 0, n = 0;
    char *reasons = malloc(MAX_REASONS);
    if (reasons == NULL)
        return 2;
    size_t k;
    const json_t *e;
    json_array_foreach(entries, k, e) {
        const char *phase = json_string_value(json_object_get(e, "phase"));
        const char *name = json_string_value(json_object_get(e, "name"));
        if (strcmp(phase ? phase : "main", o.phase) != 0 || (o.only && (name == NULL || strcmp(name, o.only) != 0)))
            continue;
        n++;
        reasons[0] = '\0';
        if (name == NULL)
            reason(reasons, "catalogue: entry %zu has no name", k);
        else
            run_entry(&o, e, reasons);
        /* After each entry the service must still answer: a crash or a wedged loop is pinned on its cause. */
        int hs;
        if (!healthy(&o, &hs))
            reason(reasons, "GET /healthz after this entry: %d (0: no answer)", hs);
        const char *cat_name = json_string_value(json_object_get(e, "category"));
        if (reasons[0] == '\0') {
            passed++;
            printf("ok %d - [%s] %s\n", n, cat_name ? cat_name : "?", name);
        } else {
            failed++;
            printf("not ok %d - [%s] %s\n", n, cat_name ? cat_name : "?", name ? name : "?");
            for (char *line = strtok(reasons, "\n"); line; line = strtok(NULL, "\n"))
                printf("  # %s\n", line);
        }
        fflush(stdout);
    }

    /* After everything: the service answers, and (in the main phase) still takes a valid submission. */
    int hs;
    n++;
    if (healthy(&o, &hs)) {
        passed++;
        printf("ok %d - after the catalogue, GET /healthz answers 200\n", n);
    } else {
        failed++;
        printf("not ok %d - after the catalogue, GET /healthz answers 200\n  # status %d (0: no answer)\n", n, hs);
    }
    if (strcmp(o.phase, "main") == 0 && o.only == NULL) {
        char uuid[37];
        if (o.final_uuid)
            snprintf(uuid, sizeof uuid, "%s", o.final_uuid);
        else
            make_uuid(uuid);
        char body[512], head[256];
        snprintf(body, sizeof body, "{\"uuid\":\"%s\",\"form_version\":\"1\",\"lang\":\"fr\",\"channel\":\"web\","
                 "\"started_at\":\"2024-05-01T10:12:33+02:00\",\"answers\":{\"R01\":\"QN09399A\",\"R02\":\"25-39\","
                 "\"R03\":\"femme\",\"R07\":\"bon\",\"R17\":\"non\"}}", uuid);
        snprintf(head, sizeof head, "POST /api/v1/forms/resident/submissions HTTP/1.1\r\nHost: hostile\r\n"
                 "Connection: close\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n", strlen(body));
        bytes req = {0};
        bytes_adds(&req, head);
        bytes_adds(&req, body);
        exchange x;
        run_exchange(&o, &req, false, false, 1, false, &x);
        n++;
        json_t *doc = x.nresp ? json_loadb(x.resp[0].body.data ? x.resp[0].body.data : "", x.resp[0].body.len, 0,
                                           NULL) : NULL;
        const char *got = json_string_value(json_object_get(doc, "uuid"));
        if (x.nresp && x.resp[0].status == 201 && got && strcmp(got, uuid) == 0 &&
            json_is_string(json_object_get(doc, "receipt"))) {
            passed++;
            printf("ok %d - after the catalogue, a valid submission is answered 201 (uuid %s)\n", n, uuid);
        } else {
            failed++;
            printf("not ok %d - after the catalogue, a valid submission is answered 201\n  # status %d: %.200s\n",
                   n, x.nresp ? x.resp[0].status : 0, x.raw.len ? x.raw.data : "");
        }
        json_decref(doc);
        exchange_free(&x);
        bytes_free(&req);
    }
    printf("%d passed, %d failed\n", passed, failed);
    free(reasons);
    json_decref(cat);
    return failed == 0 ? 0 : 1;
}
