/* util.h -- small helpers every module needs: allocation that aborts on exhaustion, strict number parsing,
 * UTF-8 length, dates. Shared by the forms library, the collector and the analyzer.
 */
#ifndef FORMS_UTIL_H
#define FORMS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/* Allocation that never returns NULL: running out of memory is not a condition these programs can answer
 * usefully, and checking every small allocation would hide the real error paths. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Strict parsers: the whole string must be a number in range, with no sign surprises, spaces or trailing
 * characters. They return true and set *out, or false and leave *out alone. */
bool util_parse_long(const char *s, long min, long max, long *out);
bool util_parse_double(const char *s, double *out);

/* Number of code points in a UTF-8 string (invalid bytes count as one each). */
size_t util_utf8_len(const char *s);

/* Cuts s, valid UTF-8 that a fixed buffer may have truncated (snprintf), after its last complete code point,
 * so that a cut message stays valid UTF-8 (jansson refuses anything else). Returns the new length. */
size_t util_utf8_trim(char *s);

/* Replaces, in place, every byte of s that does not belong to a valid UTF-8 sequence (a cut character, an
 * overlong form, a surrogate) with '?'. For texts built from untrusted input that must be UTF-8 (diagnostics,
 * JSON). Returns the number of bytes replaced. */
size_t util_utf8_scrub(char *s);

/* The length in bytes of the longest prefix of s[0..len) of at most max bytes that does not split a UTF-8
 * character: for quoting client input with "%.*s" in a bounded message. */
int util_utf8_prefix(const char *s, size_t len, size_t max);

/* True when s is exactly "YYYY-MM-DD" and names a real calendar day (years 1900-2199). */
bool util_is_date(const char *s);

/* True when s is a language code as forms declare them: two or three lowercase ASCII letters ("fr", "ar", "ber"). */
bool util_is_lang_code(const char *s);

/* Writes today's local date (the server's time zone) as "YYYY-MM-DD" into buf (at least 11 bytes). */
void util_today(char buf[11]);

/* Fills buf with n cryptographically random bytes (getrandom); returns 0 or -1. */
int util_random(void *buf, size_t n);

/* A growable byte buffer, always NUL-terminated. Starts zeroed ({0}); sbuf_free releases it. */
typedef struct sbuf {
    char *data;
    size_t len, cap;
} sbuf;

void sbuf_add(sbuf *b, const char *s, size_t n);
void sbuf_adds(sbuf *b, const char *s);

/* Appends s (NULL: nothing) to b, or writes it to f, with &, <, > and " escaped: text and attribute values
 * of HTML, SVG and XML built from the files or answers of users. */
void util_html_escape(sbuf *b, const char *s);
void util_html_fputs(FILE *f, const char *s);
void sbuf_addf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_reset(sbuf *b);
void sbuf_free(sbuf *b);

#endif /* FORMS_UTIL_H */
