/* expr_fixture.h -- the form of tests/data/expressions.json seen through the expression compiler's callbacks:
 * the table's "questions" object (id -> type, choices, rows) answers expr_resolve, and an answers object answers
 * expr_lookup. Shared by tests/test_expr.c and the fuzzer tests/fuzz/fuzz_expr.c, so that both compile
 * against the same form. Header-only (static functions), like testutil.h.
 */
#ifndef TESTS_EXPR_FIXTURE_H
#define TESTS_EXPR_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "expr.h"

/* has_code callback: subject is a JSON array of codes (a question's "choices"). */
static bool fx_has_code(const void *subject, const char *code)
{
    const json_t *codes = subject;
    for (size_t i = 0; i < json_array_size(codes); i++)
        if (strcmp(json_string_value(json_array_get(codes, i)), code) == 0)
            return true;
    return false;
}

/* How the table's question types map to expression types; codes says whether "choices" are checked. */
static const struct fx_type {
    const char *name;
    expr_type type;
    bool codes;
} fx_types[] = {
    {"single", EXPR_T_STRING, true},   {"territory", EXPR_T_STRING, true},  {"multiple", EXPR_T_SET, true},
    {"text", EXPR_T_STRING, false},    {"long_text", EXPR_T_STRING, false}, {"integer", EXPR_T_NUMBER, false},
    {"decimal", EXPR_T_NUMBER, false}, {"scale", EXPR_T_NUMBER, false},     {"date", EXPR_T_DATE, false},
    {"grid", EXPR_T_NONE, false},      {"note", EXPR_T_NONE, false},
};

/* resolve callback: ctx is the table's "questions" object. */
static int fx_resolve(void *ctx, const char *qid, const char *row, expr_ref *out, char *err, size_t errlen)
{
    const json_t *questions = ctx;
    const json_t *q = json_object_get(questions, qid);
    if (q == NULL) {
        snprintf(err, errlen, "question inconnue ${%s}", qid);
        return -1;
    }
    const char *type = json_string_value(json_object_get(q, "type"));
    const json_t *choices = json_object_get(q, "choices");
    if (type == NULL) {
        snprintf(err, errlen, "fixture : %s sans type", qid);
        return -1;
    }
    if (row != NULL) {
        if (strcmp(type, "grid") != 0) {
            snprintf(err, errlen, "%s n'est pas une grille", qid);
            return -1;
        }
        if (!fx_has_code(json_object_get(q, "rows"), row)) {
            snprintf(err, errlen, "la grille %s n'a pas de ligne %s", qid, row);
            return -1;
        }
        *out = (expr_ref){EXPR_T_STRING, fx_has_code, choices};
        return 0;
    }
    for (size_t i = 0; i < sizeof fx_types / sizeof fx_types[0]; i++) {
        if (strcmp(fx_types[i].name, type) == 0) {
            *out = (expr_ref){fx_types[i].type, fx_types[i].codes ? fx_has_code : NULL,
                              fx_types[i].codes ? choices : NULL};
            return 0;
        }
    }
    snprintf(err, errlen, "fixture : type inconnu %s", type);
    return -1;
}

/* lookup callback: ctx is the case's "answers" object; a row reads inside an object answer. */
static const json_t *fx_lookup(void *ctx, const char *qid, const char *row)
{
    const json_t *a = json_object_get(ctx, qid);
    if (a == NULL || row == NULL)
        return a;
    return json_is_object(a) ? json_object_get(a, row) : NULL;
}

#endif /* TESTS_EXPR_FIXTURE_H */
