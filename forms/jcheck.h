/* jcheck.h -- checked reading of JSON definition files: typed member access and unknown-key detection that
 * report each problem with its JSON path, so that every loader in forms/ speaks the same way to authors.
 * Internal to the forms library.
 */
#ifndef FORMS_JCHECK_H
#define FORMS_JCHECK_H

#include <stdbool.h>

#include <jansson.h>

#include "diag.h"

#define JC_PATH_MAX 256

typedef struct jcheck {
    diag_list *diags;
    const char *file;
} jcheck;

void jc_error(jcheck *jc, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void jc_warn(jcheck *jc, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reports every key of obj not in the NULL-terminated list allowed; returns true when there is none. */
bool jc_only_keys(jcheck *jc, const char *path, const json_t *obj, const char *const *allowed);

/* Returns obj[key] if it is a non-empty string, else NULL; reports a missing (when required) or mistyped member. */
const char *jc_string(jcheck *jc, const char *path, const json_t *obj, const char *key, bool required);

/* Returns obj[key] if it is of JSON type type, else NULL; reports as jc_string does. */
json_t *jc_member(jcheck *jc, const char *path, const json_t *obj, const char *key, json_type type, bool required);

/* Parses the JSON file at path, refusing duplicate keys; NULL with an error naming line and column in diags. */
json_t *jc_load_file(const char *path, diag_list *diags);

/* Writes "parent.key" into out. */
void jc_path_key(char out[JC_PATH_MAX], const char *parent, const char *key);

/* Writes "parent[index]" into out. */
void jc_path_index(char out[JC_PATH_MAX], const char *parent, size_t index);

/* True when s is a slug: [a-z0-9][a-z0-9_+-]* of at most max bytes; letter_first requires [a-z] first. */
bool jc_is_slug(const char *s, size_t max, bool letter_first);

/* True when s is an identifier: a letter, then letters, digits or '_', at most max bytes. */
bool jc_is_ident(const char *s, size_t max);

#endif /* FORMS_JCHECK_H */
