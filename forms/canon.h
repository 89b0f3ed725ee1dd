/* canon.h -- recognising JSON text that is already in the collector's canonical form.
 *
 * The collector stores answers, and hashes request bodies, as jansson writes them with
 * JSON_COMPACT | JSON_SORT_KEYS: no space, the members of every object in increasing byte order of their keys,
 * strings escaped only where jansson escapes, integers in their shortest form. A phone that sends its body in
 * that form need not have it written again: canon_scan tells, from the bytes alone, whether json_dumps of the
 * parsed text would give those very bytes back, so the caller may hash and store the text as received.
 *
 * The scan is conservative: it says yes only when the equality is certain (for instance a number with a
 * fraction or an exponent, or a key with an escape, is never taken as canonical, although jansson might print it
 * the same), and the caller then writes the text with json_dumps as before. It does not validate JSON: call it
 * only on text that json_loadb has accepted.
 */
#ifndef FORMS_CANON_H
#define FORMS_CANON_H

#include <stdbool.h>
#include <stddef.h>

/* Where the value of one member of the top-level object lies in the text. */
typedef struct canon_member {
    const char *key;  /* the member to locate (a key without escapes), set by the caller */
    size_t start, len; /* its value: text[start .. start + len); len is 0 when the object has no such member */
} canon_member;

/* Returns true when text (len bytes, accepted by json_loadb) is a JSON object that json_dumps with
 * JSON_COMPACT | JSON_SORT_KEYS would write back byte for byte, and then locates the top-level member want
 * (which may be NULL). Returns false otherwise, want then being unspecified. */
bool canon_scan(const char *text, size_t len, canon_member *want);

#endif /* FORMS_CANON_H */
