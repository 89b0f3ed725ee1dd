/* diag.c -- a growable list of load-time diagnostics (see diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void diag_add(diag_list *list, bool warning, const char *file, const char *path, const char *fmt, ...)
{
    if (list == NULL)
        return;
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        list->items = xrealloc(list->items, cap * sizeof *list->items);
        list->cap = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    util_utf8_trim(msg); /* quoted input cut mid-character stays valid UTF-8 */
    va_end(ap);
    /* Quoted input cut inside the message (a fixed buffer upstream) must not make it invalid either. */
    util_utf8_scrub(msg);

    diag *d = &list->items[list->count++];
    d->warning = warning;
    d->file = xstrdup(file ? file : "");
    d->path = xstrdup(path ? path : "$");
    util_utf8_scrub(d->path);
    d->message = xstrdup(msg);
    if (warning)
        list->warnings++;
    else
        list->errors++;
}

void diag_print(const diag_list *list, FILE *out)
{
    for (size_t i = 0; i < list->count; i++) {
        const diag *d = &list->items[i];
        fprintf(out, "%s: %s: %s: %s\n", d->file, d->path, d->warning ? "avertissement" : "erreur", d->message);
    }
}

void diag_list_free(diag_list *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].file);
        free(list->items[i].path);
        free(list->items[i].message);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}
