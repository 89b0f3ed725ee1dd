/* httpc.h -- a minimal blocking HTTP/1.1 client for tests: sends raw bytes (so that malformed requests can be
 * sent too) over one connection and reads one response. Header-only, for the test programs.
 */
#ifndef TESTS_HTTPC_H
#define TESTS_HTTPC_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct httpc_resp {
    int status;          /* 0 when no response */
    char headers[4096];
    char *body;          /* NUL-terminated, malloc'd */
    size_t body_len;
} httpc_resp;

static inline int httpc_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline bool strcasestr_chunked(const char *headers)
{
    for (const char *p = headers; *p; p++)
        if (strncasecmp(p, "Transfer-Encoding: chunked", 26) == 0)
            return true;
    return false;
}

/* Decodes a chunked body in place. */
static inline void httpc_dechunk(httpc_resp *r)
{
    char *in = r->body, *out = r->body, *end = r->body + r->body_len;
    while (in < end) {
        char *nl;
        size_t n = strtoul(in, &nl, 16);
        nl = strstr(in, "\r\n");
        if (nl == NULL || n == 0)
            break;
        in = nl + 2;
        if (in + n > end)
            n = (size_t)(end - in);
        memmove(out, in, n);
        out += n;
        in += n + 2;
    }
    *out = '\0';
    r->body_len = (size_t)(out - r->body);
}

/* Sends raw (len bytes) and reads the response; the request should say "Connection: close". */
static inline httpc_resp httpc_raw(int port, const char *raw, size_t len)
{
    httpc_resp r = {0};
    int fd = httpc_connect(port);
    if (fd < 0)
        return r;
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, raw + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may answer (413) and close before reading everything */
        off += (size_t)n;
    }
    size_t cap = 65536, got = 0;
    char *buf = malloc(cap);
    ssize_t n;
    while ((n = recv(fd, buf + got, cap - got - 1, 0)) > 0) {
        got += (size_t)n;
        if (got + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[got] = '\0';
    close(fd);
    char *end = strstr(buf, "\r\n\r\n");
    if (got > 12 && strncmp(buf, "HTTP/1.", 7) == 0 && end) {
        r.status = atoi(buf + 9);
        size_t hl = (size_t)(end - buf);
        if (hl >= sizeof r.headers)
            hl = sizeof r.headers - 1;
        memcpy(r.headers, buf, hl);
        r.headers[hl] = '\0';
        r.body_len = got - (size_t)(end + 4 - buf);
        r.body = malloc(r.body_len + 1);
        memcpy(r.body, end + 4, r.body_len);
        r.body[r.body_len] = '\0';
        if (strcasestr_chunked(r.headers))
            httpc_dechunk(&r);
    }
    free(buf);
    return r;
}

/* A request with method, path, extra header lines (each ending in \r\n, or NULL) and a body (or NULL). */
static inline httpc_resp httpc_request(int port, const char *method, const char *path, const char *headers,
                                       const char *body)
{
    size_t blen = body ? strlen(body) : 0;
    size_t cap = blen + 1024 + (headers ? strlen(headers) : 0);
    char *raw = malloc(cap);
    int n = snprintf(raw, cap, "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n%sContent-Length: %zu\r\n\r\n",
                     method, path, headers ? headers : "", blen);
    if (body)
        memcpy(raw + n, body, blen);
    httpc_resp r = httpc_raw(port, raw, (size_t)n + blen);
    free(raw);
    return r;
}

/* The value of a response header (case-insensitive name), copied into out; false when absent. */
static inline bool httpc_header(const httpc_resp *r, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = strstr(r->headers, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
            const char *v = p + 3 + nl;
            while (*v == ' ')
                v++;
            size_t vl = strcspn(v, "\r\n");
            snprintf(out, len, "%.*s", (int)vl, v);
            return true;
        }
    }
    return false;
}

static inline void httpc_free(httpc_resp *r)
{
    free(r->body);
    r->body = NULL;
}

#endif /* TESTS_HTTPC_H */
