/* jcheck.c -- path-aware JSON member access for the definition loaders (see jcheck.h). */
#include "jcheck.h"

#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void report(jcheck *jc, bool warning, const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void report(jcheck *jc, bool warning, const char *path, const char *fmt, va_list ap)
{
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    util_utf8_trim(msg); /* quoted input cut mid-character stays valid UTF-8 */
    diag_add(jc->diags, warning, jc->file, path, "%s", msg);
}

void jc_error(jcheck *jc, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(jc, false, path, fmt, ap);
    va_end(ap);
}

void jc_warn(jcheck *jc, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(jc, true, path, fmt, ap);
    va_end(ap);
}

bool jc_only_keys(jcheck *jc, const char *path, const json_t *obj, const char *const *allowed)
{
    bool ok = true;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) {
                known = true;
                break;
            }
        if (!known) {
            char p[JC_PATH_MAX];
            jc_path_key(p, path, key);
            jc_error(jc, p, "clé inconnue « %s »", key);
            ok = false;
        }
    }
    return ok;
}

static const char *type_name(json_type t)
{
    switch (t) {
    case JSON_OBJECT: return "un objet";
    case JSON_ARRAY: return "un tableau";
    case JSON_STRING: return "une chaîne";
    case JSON_INTEGER: return "un entier";
    case JSON_REAL: return "un nombre";
    case JSON_TRUE:
    case JSON_FALSE: return "un booléen";
    case JSON_NULL: return "null";
    }
    return "?";
}

json_t *jc_member(jcheck *jc, const char *path, const json_t *obj, const char *key, json_type type, bool required)
{
    json_t *v = json_object_get(obj, key);
    char p[JC_PATH_MAX];
    jc_path_key(p, path, key);
    if (v == NULL) {
        if (required)
            jc_error(jc, p, "« %s » est obligatoire", key);
        return NULL;
    }
    bool ok = json_typeof(v) == type || (type == JSON_REAL && json_is_integer(v)) ||
              (type == JSON_TRUE && json_is_boolean(v));
    if (!ok) {
        jc_error(jc, p, "« %s » doit être %s, pas %s", key, type_name(type), type_name(json_typeof(v)));
        return NULL;
    }
    return v;
}

const char *jc_string(jcheck *jc, const char *path, const json_t *obj, const char *key, bool required)
{
    json_t *v = jc_member(jc, path, obj, key, JSON_STRING, required);
    if (v == NULL)
        return NULL;
    if (json_string_length(v) == 0) {
        char p[JC_PATH_MAX];
        jc_path_key(p, path, key);
        jc_error(jc, p, "« %s » ne doit pas être vide", key);
        return NULL;
    }
    return json_string_value(v);
}

json_t *jc_load_file(const char *path, diag_list *diags)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        char where[64];
        snprintf(where, sizeof where, "ligne %d, colonne %d", jerr.line, jerr.column);
        diag_add(diags, false, path, where, "JSON invalide : %s", jerr.text);
    }
    return doc;
}

void jc_path_key(char out[JC_PATH_MAX], const char *parent, const char *key)
{
    snprintf(out, JC_PATH_MAX, "%s.%s", parent, key);
}

void jc_path_index(char out[JC_PATH_MAX], const char *parent, size_t index)
{
    snprintf(out, JC_PATH_MAX, "%s[%zu]", parent, index);
}

bool jc_is_slug(const char *s, size_t max, bool letter_first)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (!letter_first && s[0] >= '0' && s[0] <= '9')))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-'))
            return false;
    }
    return true;
}

bool jc_is_ident(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!(alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '_'))))
            return false;
    }
    return true;
}
