/* testutil.h -- helpers shared by the unit tests: fixture loading, JSON mutation by path, diagnostic search.
 * Header-only (static inline) so that each test stays one file.
 */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"

/* Loads TEST_DATA_DIR/name; fails the test when it cannot. */
static inline json_t *tu_load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", TEST_DATA_DIR, name);
    json_error_t err;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (doc == NULL)
        fail_msg("cannot load %s: %s", path, err.text);
    return doc;
}

/* Sets (value != NULL, reference stolen) or deletes (value == NULL) the member at path, written as
 * "sections[0].questions[2].type". Fails the test if an intermediate step does not exist. */
static inline void tu_set(json_t *root, const char *path, json_t *value)
{
    json_t *cur = root;
    const char *p = path;
    for (;;) {
        bool is_index = *p == '[';
        char key[128] = "";
        size_t index = 0;
        if (is_index) {
            char *end;
            index = strtoul(p + 1, &end, 10);
            p = end + 1; /* past ']' */
        } else {
            size_t n = strcspn(p, ".[");
            snprintf(key, sizeof key, "%.*s", (int)n, p);
            p += n;
        }
        if (*p == '.')
            p++;
        if (*p == '\0') {
            if (is_index && value)
                json_array_set_new(cur, index, value);
            else if (is_index)
                json_array_remove(cur, index);
            else if (value)
                json_object_set_new(cur, key, value);
            else
                json_object_del(cur, key);
            return;
        }
        cur = is_index ? json_array_get(cur, index) : json_object_get(cur, key);
        if (cur == NULL)
            fail_msg("tu_set: path %s does not exist", path);
    }
}

/* Parses JSON text or fails. */
static inline json_t *tu_json(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (v == NULL)
        fail_msg("bad JSON in test: %s: %s", text, err.text);
    return v;
}

/* True when diags has an entry (error unless warning) whose path equals path (or path == NULL) and whose
 * message contains fragment. */
static inline bool tu_has_diag(const diag_list *diags, bool warning, const char *path, const char *fragment)
{
    for (size_t i = 0; i < diags->count; i++) {
        const diag *d = &diags->items[i];
        if (d->warning == warning && (path == NULL || strcmp(d->path, path) == 0) &&
            strstr(d->message, fragment) != NULL)
            return true;
    }
    return false;
}

#endif /* TESTS_TESTUTIL_H */
