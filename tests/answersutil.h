/* answersutil.h -- what the tests of the answer checker share: a report written as one comparable line.
 * Header-only (static inline), as testutil.h. */
#ifndef TESTS_ANSWERSUTIL_H
#define TESTS_ANSWERSUTIL_H

#include <stdio.h>
#include <string.h>

#include "answers.h"

/* Renders a report as "question[.row]:code,...". */
static inline void au_render(const answers_report *r, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < r->count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s%s%s:%s", i ? "," : "", r->errors[i].question,
                 r->errors[i].row ? "." : "", r->errors[i].row ? r->errors[i].row : "", r->errors[i].code);
    }
}

#endif /* TESTS_ANSWERSUTIL_H */
