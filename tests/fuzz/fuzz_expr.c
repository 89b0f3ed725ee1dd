/* fuzz_expr.c -- libFuzzer target for the expression language: compile against the fixture form of
 * tests/data/expressions.json (the scope of tests/test_expr.c), then evaluate against answers.
 *
 * Input layout: byte 0 holds options (bit 0: want EXPR_T_ANY rather than EXPR_T_BOOL; the other bits, modulo
 * the number of fixture questions + 1, pick the question whose type '.' has, 0 for none); then the source up to
 * the first NUL byte; then, optionally, a JSON object of answers (question id -> answer, with "." the value of
 * '.'). tests/fuzz/make_corpus.py writes every case of the table in this layout.
 *
 * Beyond "no crash, no leak", the target holds expr.h to its word: a failed compilation names a kind, a
 * position inside the source and a message; a compiled expression has the type asked for; compiling for ANY
 * and for BOOL agree; evaluation gives a value of the static type, with a string for strings and dates and a
 * set for non-empty sets.
 */
#include "fuzz_common.h"

#include "expr.h"
#include "expr_fixture.h"

static json_t *table;     /* tests/data/expressions.json */
static json_t *questions; /* its "questions" (borrowed from table) */
static const char **qids; /* their ids, in file order */
static size_t nq;
static json_t *fixed_answers[3]; /* {} ; an answer of the right type for each question ; wrong types */

/* A well-typed answer for question q of the fixture (right == true), or one of the wrong JSON type. */
static json_t *fixture_answer(const json_t *q, bool right)
{
    const char *type = json_string_value(json_object_get(q, "type"));
    const json_t *choices = json_object_get(q, "choices");
    const char *code = json_string_value(json_array_get(choices, 0));
    if (!right)
        return strcmp(type, "integer") == 0 ? json_string("12") : json_integer(3);
    if (strcmp(type, "multiple") == 0)
        return json_pack("[ss]", json_string_value(json_array_get(choices, 1)), code);
    if (strcmp(type, "grid") == 0)
        return json_pack("{ss}", json_string_value(json_array_get(json_object_get(q, "rows"), 0)), code);
    if (code)
        return json_string(code);
    if (strcmp(type, "date") == 0)
        return json_string("2026-02-28");
    if (strcmp(type, "text") == 0 || strcmp(type, "long_text") == 0)
        return json_string("réponse €");
    if (strcmp(type, "decimal") == 0)
        return json_real(-2.5);
    return json_integer(42);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    table = fuzz_load_json("tests/data/expressions.json");
    questions = json_object_get(table, "questions");
    nq = json_object_size(questions);
    qids = calloc(nq ? nq : 1, sizeof *qids);
    fixed_answers[0] = json_object();
    fixed_answers[1] = json_object();
    fixed_answers[2] = json_object();
    const char *k;
    json_t *q;
    size_t i = 0;
    json_object_foreach(questions, k, q)
    {
        qids[i++] = k;
        json_object_set_new(fixed_answers[1], k, fixture_answer(q, true));
        json_object_set_new(fixed_answers[2], k, fixture_answer(q, false));
    }
    return 0;
}

/* Evaluates e against answers and checks the value against the expression's static type. */
static void evaluate(const expr *e, const json_t *answers)
{
    expr_values vals = {fx_lookup, (void *)answers, json_object_get(answers, "."), FUZZ_TODAY};
    expr_value v = expr_eval(e, &vals);
    expr_type t = expr_result_type(e);
    if (v.type != t)
        fuzz_fail("evaluation gave a %s, the expression is typed %s", expr_type_name(v.type), expr_type_name(t));
    if ((t == EXPR_T_STRING || t == EXPR_T_DATE) && v.str == NULL)
        fuzz_fail("a %s value without a string", expr_type_name(t));
    if (t == EXPR_T_SET && !v.empty && !json_is_array(v.set))
        fuzz_fail("a non-empty set without its array");
    (void)expr_eval_bool(e, &vals);
    /* Without answers and without today: every reference reads as empty. */
    expr_values none = {NULL, NULL, NULL, NULL};
    if (expr_eval(e, &none).type != t)
        fuzz_fail("evaluation without answers changed the result type");
}

/* Compiles src for want; on failure, checks the error against expr.h. */
static expr *compile(const char *src, size_t len, const expr_scope *scope, expr_type want)
{
    expr_error err;
    expr *e = expr_compile(src, scope, want, &err);
    if (e == NULL) {
        if (err.kind < EXPR_ERR_SYNTAX || err.kind > EXPR_ERR_CHOICE)
            fuzz_fail("failed compilation with error kind %d", (int)err.kind);
        if (err.message[0] == '\0' || memchr(err.message, '\0', sizeof err.message) == NULL)
            fuzz_fail("failed compilation with an empty or unterminated message");
        if (err.pos > len)
            fuzz_fail("error position %zu past the end of a %zu-byte source", err.pos, len);
    } else {
        expr_type t = expr_result_type(e);
        if (t == EXPR_T_NONE || t == EXPR_T_ANY || (want != EXPR_T_ANY && t != want))
            fuzz_fail("compiled for %s, typed %s", expr_type_name(want), expr_type_name(t));
    }
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned opts = data[0];
    const char *rest = (const char *)data + 1;
    size_t restlen = size - 1;
    const char *nul = memchr(rest, '\0', restlen);
    size_t srclen = nul ? (size_t)(nul - rest) : restlen;
    char *src = malloc(srclen + 1);
    memcpy(src, rest, srclen);
    src[srclen] = '\0';
    json_t *answers = NULL;
    if (nul != NULL) {
        size_t alen = restlen - srclen - 1;
        answers = json_loadb(nul + 1, alen, 0, NULL);
    }

    expr_ref dot;
    size_t dotq = (opts >> 1) % (nq + 1);
    if (dotq > 0) {
        char msg[256];
        if (fx_resolve(questions, qids[dotq - 1], NULL, &dot, msg, sizeof msg) != 0)
            fuzz_fail("fixture question %s does not resolve", qids[dotq - 1]);
    }
    expr_scope scope = {fx_resolve, questions, dotq ? &dot : NULL};
    expr_type want = (opts & 1) ? EXPR_T_ANY : EXPR_T_BOOL;
    expr *e = compile(src, srclen, &scope, want);
    /* ANY and BOOL must agree: a source compiles for BOOL exactly when it compiles for ANY as a boolean. */
    expr *other = compile(src, srclen, &scope, want == EXPR_T_ANY ? EXPR_T_BOOL : EXPR_T_ANY);
    expr *as_any = want == EXPR_T_ANY ? e : other, *as_bool = want == EXPR_T_ANY ? other : e;
    bool any_bool = as_any != NULL && expr_result_type(as_any) == EXPR_T_BOOL;
    if (any_bool != (as_bool != NULL))
        fuzz_fail("compiles for ANY as %s but %s for BOOL",
                  as_any ? expr_type_name(expr_result_type(as_any)) : "(error)", as_bool ? "compiles" : "fails");
    if (e != NULL) {
        for (size_t i = 0; i < 3; i++)
            evaluate(e, fixed_answers[i]);
        if (json_is_object(answers))
            evaluate(e, answers);
    }
    expr_free(other);
    expr_free(e);
    json_decref(answers);
    free(src);
    return 0;
}
