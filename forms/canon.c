/* canon.c -- does json_dumps(JSON_COMPACT | JSON_SORT_KEYS) give this text back? (see canon.h)
 *
 * One pass over the bytes, by recursive descent. Every rule below mirrors what jansson 2.x writes in
 * dump.c: the separators "," and ":" with no space, object keys sorted by their bytes (memcmp, the shorter
 * first when one is a prefix of the other), in a string only '"' and '\' escaped besides the control
 * characters, which are written \b \f \n \r \t or else \u00XX with capital hex digits, and integers with
 * "%lld". Everything else makes the scan answer no.
 */
#include "canon.h"

#include <string.h>

/* Deeper than this, the scan gives up (and answers no): a submission is three levels deep. */
#define CANON_MAX_DEPTH 32

typedef struct scan {
    const char *s;
    size_t len, pos;
} scan;

static bool scan_value(scan *c, int depth);

/* A string at c->pos (its opening quote); sets *escaped when it holds an escape. Returns false when jansson
 * would write it otherwise. */
static bool scan_string(scan *c, bool *escaped)
{
    *escaped = false;
    c->pos++; /* the opening quote */
    while (c->pos < c->len) {
        unsigned char ch = (unsigned char)c->s[c->pos++];
        if (ch == '"')
            return true;
        if (ch != '\\')
            continue; /* raw UTF-8 (jansson has checked it) is written raw */
        *escaped = true;
        if (c->pos >= c->len)
            return false;
        char e = c->s[c->pos++];
        if (strchr("\"\\bfnrt", e) != NULL && e != '\0')
            continue;
        if (e != 'u' || c->len - c->pos < 4)
            return false; /* "\/" among others: jansson writes '/' as it is */
        const char *h = c->s + c->pos;
        c->pos += 4;
        /* Only a control character without a short escape is written \u00XX, in capitals. */
        if (h[0] != '0' || h[1] != '0' || (h[2] != '0' && h[2] != '1'))
            return false;
        if (!((h[3] >= '0' && h[3] <= '9') || (h[3] >= 'A' && h[3] <= 'F')))
            return false;
        if (h[2] == '0' && strchr("89ACD", h[3]) != NULL)
            return false; /* \b \t \n \f \r have their short forms */
    }
    return false;
}

/* An integer as "%lld" writes it; a fraction or an exponent answers no (see canon.h). */
static bool scan_number(scan *c)
{
    size_t start = c->pos;
    if (c->s[c->pos] == '-')
        c->pos++;
    size_t digits = c->pos;
    while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9')
        c->pos++;
    if (c->pos == digits)
        return false;
    if (c->pos < c->len && strchr(".eE", c->s[c->pos]) != NULL && c->s[c->pos] != '\0')
        return false;
    /* "-0" is the integer 0, written "0"; leading zeros are not JSON (jansson refused them). */
    return !(c->pos - start == 2 && c->s[start] == '-' && c->s[start + 1] == '0');
}

static bool scan_literal(scan *c, const char *word)
{
    size_t n = strlen(word);
    if (c->len - c->pos < n || memcmp(c->s + c->pos, word, n) != 0)
        return false;
    c->pos += n;
    return true;
}

/* Is the byte at c->pos ch? Then steps over it. */
static bool eat(scan *c, char ch)
{
    if (c->pos >= c->len || c->s[c->pos] != ch)
        return false;
    c->pos++;
    return true;
}

/* An object at c->pos; at depth 0 it locates want (may be NULL). */
static bool scan_object(scan *c, int depth, canon_member *want)
{
    c->pos++; /* '{' */
    if (eat(c, '}'))
        return true;
    const char *prev = NULL;
    size_t prevlen = 0;
    do {
        if (c->pos >= c->len || c->s[c->pos] != '"')
            return false;
        size_t kstart = c->pos + 1;
        bool escaped;
        if (!scan_string(c, &escaped) || escaped)
            return false; /* a key with an escape: its byte order is not worth working out */
        const char *key = c->s + kstart;
        size_t klen = c->pos - 1 - kstart;
        if (prev != NULL) {
            int cmp = memcmp(prev, key, prevlen < klen ? prevlen : klen);
            if (cmp > 0 || (cmp == 0 && prevlen >= klen))
                return false;
        }
        prev = key;
        prevlen = klen;
        if (!eat(c, ':'))
            return false;
        size_t vstart = c->pos;
        if (!scan_value(c, depth + 1))
            return false;
        if (want != NULL && strlen(want->key) == klen && memcmp(want->key, key, klen) == 0) {
            want->start = vstart;
            want->len = c->pos - vstart;
        }
    } while (eat(c, ','));
    return eat(c, '}');
}

static bool scan_array(scan *c, int depth)
{
    c->pos++; /* '[' */
    if (eat(c, ']'))
        return true;
    do {
        if (!scan_value(c, depth + 1))
            return false;
    } while (eat(c, ','));
    return eat(c, ']');
}

static bool scan_value(scan *c, int depth)
{
    if (depth > CANON_MAX_DEPTH || c->pos >= c->len)
        return false;
    bool escaped;
    switch (c->s[c->pos]) {
    case '{': return scan_object(c, depth, NULL);
    case '[': return scan_array(c, depth);
    case '"': return scan_string(c, &escaped);
    case 't': return scan_literal(c, "true");
    case 'f': return scan_literal(c, "false");
    case 'n': return scan_literal(c, "null");
    default: return scan_number(c);
    }
}

bool canon_scan(const char *text, size_t len, canon_member *want)
{
    scan c = {text, len, 0};
    if (want != NULL)
        want->start = want->len = 0;
    if (len == 0 || text[0] != '{')
        return false;
    return scan_object(&c, 0, want) && c.pos == len;
}
