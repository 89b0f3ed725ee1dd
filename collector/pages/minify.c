/* minify.c -- whole-line comments, blank lines and indentation out of the pages' scripts and styles (minify.h). */
#include "minify.h"

#include <stdbool.h>
#include <string.h>

#include "util.h"

/* Backticks on a line, outside quotes: an odd count opens or closes a template literal spanning lines. */
static bool toggles_template(const char *p, size_t n)
{
    size_t ticks = 0;
    char quote = 0;
    for (size_t i = 0; i < n; i++) {
        if (quote) {
            if (p[i] == '\\')
                i++;
            else if (p[i] == quote)
                quote = 0;
        } else if (p[i] == '\'' || p[i] == '"') {
            quote = p[i];
        } else if (p[i] == '`') {
            ticks++;
        }
    }
    return ticks % 2 == 1;
}

char *minify(const char *src)
{
    sbuf out = {0};
    bool in_comment = false, in_template = false;
    const char *p = src;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *next = end ? end + 1 : p + len;
        if (in_template) {  /* verbatim, indentation included: it is part of a string */
            sbuf_add(&out, p, len);
            sbuf_add(&out, "\n", 1);
            in_template = !toggles_template(p, len);
            p = next;
            continue;
        }
        const char *t = p, *stop = p + len;
        while (t < stop && (*t == ' ' || *t == '\t' || *t == '\r'))
            t++;
        if (in_comment || (stop - t >= 2 && t[0] == '/' && t[1] == '*')) {
            const char *close = NULL;
            for (const char *c = in_comment ? t : t + 2; c + 1 < stop; c++)
                if (c[0] == '*' && c[1] == '/') {
                    close = c;
                    break;
                }
            in_comment = close == NULL;
            if (close == NULL) {
                p = next;
                continue;
            }
            t = close + 2;  /* code after the comment's end stays */
            while (t < stop && (*t == ' ' || *t == '\t'))
                t++;
        }
        if (stop - t >= 2 && t[0] == '/' && t[1] == '/')
            t = stop;
        size_t n = (size_t)(stop - t);
        while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\r'))
            n--;
        if (n > 0) {
            sbuf_add(&out, t, n);
            sbuf_add(&out, "\n", 1);
            in_template = toggles_template(t, n);
        }
        p = next;
    }
    if (out.data == NULL)
        sbuf_add(&out, "", 0);
    return out.data;
}
