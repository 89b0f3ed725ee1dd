/* diag.h -- diagnostics found while loading survey files: errors and warnings, each naming the file, the JSON
 * path inside it and what is wrong, in French, for the person who wrote the file.
 *
 * Ownership: a diag_list owns copies of every string added to it; diag_list_free releases them. A list is a plain
 * struct that starts zeroed ({0}) and needs no constructor.
 */
#ifndef FORMS_DIAG_H
#define FORMS_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct diag {
    bool warning;   /* false: an error (the file is not loaded); true: a warning (it is) */
    char *file;     /* as given to the loader */
    char *path;     /* JSON path such as "$.sections[2].questions[4].relevant", or "ligne 12" for CSV */
    char *message;
} diag;

typedef struct diag_list {
    diag *items;
    size_t count, cap;
    size_t errors, warnings;
} diag_list;

/* Appends an error or warning; the message is printf-formatted. Out of memory aborts: a diagnostic that
 * cannot be recorded must not let a broken file pass as clean. list may be NULL (the diagnostic is dropped). */
void diag_add(diag_list *list, bool warning, const char *file, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Prints every diagnostic, one a line: "FILE: PATH: erreur: MESSAGE". */
void diag_print(const diag_list *list, FILE *out);

/* Frees the items and resets the list to empty; list may be NULL. */
void diag_list_free(diag_list *list);

#endif /* FORMS_DIAG_H */
