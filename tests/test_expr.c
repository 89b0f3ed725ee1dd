/* test_expr.c -- tests of forms/expr.c.
 *
 * The main test runs the shared table tests/data/expressions.json (the same cases the browser's implementation
 * is held to) against a scope built from the table's fixture questions, and reports every failing case before
 * failing once. Unit tests then cover what the table cannot say: the order of expr_foreach_ref, result types,
 * error positions and messages, the limits of expr.h, and random input that must never crash the compiler.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "expr_fixture.h"

#ifndef TEST_DATA_DIR
#error "compile with -DTEST_DATA_DIR=\"…/tests/data\""
#endif

/* ---------------------------------------------------------------------------------------------------------
 * The table.
 */

/* Writes a description of v into buf, for failure reports. */
static void describe_value(const expr_value *v, char *buf, size_t size)
{
    if (v->empty)
        snprintf(buf, size, "vide (%s)", expr_type_name(v->type));
    else if (v->type == EXPR_T_BOOL)
        snprintf(buf, size, "%s", v->b ? "true" : "false");
    else if (v->type == EXPR_T_NUMBER)
        snprintf(buf, size, "%.17g", v->num);
    else if (v->type == EXPR_T_STRING || v->type == EXPR_T_DATE)
        snprintf(buf, size, "'%s' (%s)", v->str, expr_type_name(v->type));
    else
        snprintf(buf, size, "%s", expr_type_name(v->type));
}

/* Whether v is the value the table expects (see the table's "about"). */
static bool value_matches(const expr_value *v, const json_t *want)
{
    if (json_is_null(want))
        return v->empty;
    if (v->empty)
        return false;
    if (json_is_boolean(want))
        return v->type == EXPR_T_BOOL && v->b == json_is_true(want);
    if (json_is_number(want))
        return v->type == EXPR_T_NUMBER && v->num == json_number_value(want);
    if (json_is_string(want))
        return (v->type == EXPR_T_STRING || v->type == EXPR_T_DATE) && strcmp(v->str, json_string_value(want)) == 0;
    return false;
}

/* Returns the errkind named in the table, or 0. */
static expr_errkind errkind_of(const char *name)
{
    static const char *const names[] = {"syntax", "reference", "type", "choice"};
    for (int i = 0; i < 4; i++)
        if (name != NULL && strcmp(name, names[i]) == 0)
            return (expr_errkind)(EXPR_ERR_SYNTAX + i);
    return (expr_errkind)0;
}

/* foreach_ref callback that only counts, to run it on every compiled case. */
static void count_ref(void *ctx, const char *qid, const char *row)
{
    (void)row;
    assert_non_null(qid);
    (*(size_t *)ctx)++;
}

/* Runs case number index of the table; prints why and returns false when it fails. */
static bool run_case(json_t *questions, const char *today, size_t index, const json_t *c)
{
    static const char *const keys[] = {"expr", "want", "dot_question", "dot", "answers", "result", "error", "note"};
    const char *src = json_string_value(json_object_get(c, "expr"));
    const char *want_name = json_string_value(json_object_get(c, "want"));
    const char *dotq = json_string_value(json_object_get(c, "dot_question"));
    const json_t *result = json_object_get(c, "result");
    expr_errkind kind = errkind_of(json_string_value(json_object_get(c, "error")));
    json_t *answers = json_object_get(c, "answers");
    char shown[88];
    const char *why = NULL;
    char detail[400] = "";
    expr *e = NULL;
    bool ok = false;

    snprintf(shown, sizeof shown, "%.80s%s", src ? src : "(sans expr)", src && strlen(src) > 80 ? "…" : "");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)c, key, v)
    {
        bool known = false;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            known = known || strcmp(key, keys[k]) == 0;
        if (!known) {
            snprintf(detail, sizeof detail, "clé inconnue « %s »", key);
            why = "case mal formé";
            goto done;
        }
    }
    if (src == NULL || (result == NULL) == (kind == 0) ||
        (want_name && strcmp(want_name, "bool") != 0 && strcmp(want_name, "any") != 0)) {
        why = "case mal formé (expr, want, et exactement un de result/error)";
        goto done;
    }
    expr_type want = want_name && strcmp(want_name, "any") == 0 ? EXPR_T_ANY : EXPR_T_BOOL;
    expr_ref dot;
    if (dotq != NULL) {
        char msg[256];
        if (fx_resolve(questions, dotq, NULL, &dot, msg, sizeof msg) != 0) {
            why = "dot_question inconnue";
            goto done;
        }
    }
    expr_scope scope = {fx_resolve, questions, dotq ? &dot : NULL};
    expr_error err;
    e = expr_compile(src, &scope, want, &err);
    if (kind != 0) {
        if (e != NULL) {
            why = "compile, une erreur était attendue";
            snprintf(detail, sizeof detail, "attendu : erreur %s", json_string_value(json_object_get(c, "error")));
        } else if (err.kind != kind) {
            why = "mauvaise sorte d'erreur";
            snprintf(detail, sizeof detail, "attendu %s, obtenu %d : %s",
                     json_string_value(json_object_get(c, "error")), (int)err.kind, err.message);
        } else if (err.message[0] == '\0' || err.pos > strlen(src)) {
            why = "erreur sans message ou position hors de la source";
        } else {
            ok = true;
        }
        goto done;
    }
    if (e == NULL) {
        why = "ne compile pas";
        snprintf(detail, sizeof detail, "erreur %d en position %zu : %s", (int)err.kind, err.pos, err.message);
        goto done;
    }
    expr_values vals = {fx_lookup, answers, json_object_get(c, "dot"), today};
    expr_value got = expr_eval(e, &vals);
    size_t nrefs = 0;
    expr_foreach_ref(e, count_ref, &nrefs);
    if (!value_matches(&got, result)) {
        char g[200];
        char *w = json_dumps(result, JSON_ENCODE_ANY);
        describe_value(&got, g, sizeof g);
        why = "mauvais résultat";
        snprintf(detail, sizeof detail, "attendu %s, obtenu %s", w ? w : "?", g);
        free(w);
        goto done;
    }
    if (got.type != expr_result_type(e)) {
        why = "le type du résultat diffère de expr_result_type";
        goto done;
    }
    if (want == EXPR_T_BOOL && expr_eval_bool(e, &vals) != json_is_true(result)) {
        why = "expr_eval_bool diffère de expr_eval";
        goto done;
    }
    ok = true;
done:
    if (!ok)
        print_error("case %zu « %s » : %s%s%s\n", index, shown, why, detail[0] ? " ; " : "", detail);
    expr_free(e);
    return ok;
}

/* Every case of tests/data/expressions.json. */
static void test_table(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *doc = json_load_file(TEST_DATA_DIR "/expressions.json", 0, &jerr);
    if (doc == NULL)
        fail_msg("%s:%d: %s", jerr.source, jerr.line, jerr.text);
    json_t *questions = json_object_get(doc, "questions");
    const char *today = json_string_value(json_object_get(doc, "today"));
    const json_t *cases = json_object_get(doc, "cases");
    assert_non_null(questions);
    assert_non_null(today);
    assert_true(json_array_size(cases) >= 150);
    size_t failures = 0;
    for (size_t i = 0; i < json_array_size(cases); i++)
        if (!run_case(questions, today, i, json_array_get(cases, i)))
            failures++;
    size_t n = json_array_size(cases);
    json_decref(doc);
    if (failures > 0)
        fail_msg("%zu of %zu cases of expressions.json fail", failures, n);
}

/* ---------------------------------------------------------------------------------------------------------
 * Unit tests, with a scope that knows any id by its first letter: N... number, M... set (codes a, b, c),
 * D... date, X... note, anything else a string; ${ID.ROW} is a string with codes a, b, c.
 */

/* has_code for the unit scope. */
static bool unit_has_code(const void *subject, const char *code)
{
    (void)subject;
    return strcmp(code, "a") == 0 || strcmp(code, "b") == 0 || strcmp(code, "c") == 0;
}

/* resolve for the unit scope; ids starting with 'Z' are unknown. */
static int unit_resolve(void *ctx, const char *qid, const char *row, expr_ref *out, char *err, size_t errlen)
{
    (void)ctx;
    if (qid[0] == 'Z') {
        snprintf(err, errlen, "question inconnue ${%s}", qid);
        return -1;
    }
    if (row != NULL) {
        *out = (expr_ref){EXPR_T_STRING, unit_has_code, NULL};
        return 0;
    }
    switch (qid[0]) {
    case 'N':
        *out = (expr_ref){EXPR_T_NUMBER, NULL, NULL};
        break;
    case 'M':
        *out = (expr_ref){EXPR_T_SET, unit_has_code, NULL};
        break;
    case 'D':
        *out = (expr_ref){EXPR_T_DATE, NULL, NULL};
        break;
    case 'X':
        *out = (expr_ref){EXPR_T_NONE, NULL, NULL};
        break;
    default:
        *out = (expr_ref){EXPR_T_STRING, NULL, NULL};
        break;
    }
    return 0;
}

static const expr_ref unit_dot = {EXPR_T_NUMBER, NULL, NULL};
static const expr_scope unit_scope = {unit_resolve, NULL, &unit_dot};

/* Records references as "qid" or "qid.row", space-separated, into a buffer. */
static void record_ref(void *ctx, const char *qid, const char *row)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 256 - n, "%s%s%s%s", n ? " " : "", qid, row ? "." : "", row ? row : "");
}

/* References come out in source order, every occurrence, rows as given; '.' is not one. */
static void test_foreach_ref_order(void **state)
{
    (void)state;
    expr_error err;
    expr *e = expr_compile("${S1} = 'x' or (selected(${M1}, 'a') and -${N2} + ${N1} > count-selected(${M1})) "
                           "or . > 1 or ${G.r1} != ''",
                           &unit_scope, EXPR_T_BOOL, &err);
    if (e == NULL)
        fail_msg("%s", err.message);
    char buf[256] = "";
    expr_foreach_ref(e, record_ref, buf);
    assert_string_equal(buf, "S1 M1 N2 N1 M1 G.r1");
    expr_foreach_ref(e, NULL, NULL);
    expr_free(e);
    expr_foreach_ref(NULL, record_ref, buf);
}

/* The static type of each kind of expression, and a want other than bool or any. */
static void test_result_type(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        expr_type type;
    } cases[] = {
        {"1 + 2", EXPR_T_NUMBER},
        {"'a'", EXPR_T_STRING},
        {"${S}", EXPR_T_STRING},
        {"today()", EXPR_T_DATE},
        {"${D}", EXPR_T_DATE},
        {"${M}", EXPR_T_SET},
        {"1 = 1", EXPR_T_BOOL},
        {"count-selected(${M})", EXPR_T_NUMBER},
        {"string-length('é')", EXPR_T_NUMBER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expr_error err;
        expr *e = expr_compile(cases[i].src, &unit_scope, EXPR_T_ANY, &err);
        if (e == NULL)
            fail_msg("%s: %s", cases[i].src, err.message);
        assert_int_equal(expr_result_type(e), cases[i].type);
        expr_free(e);
    }
    /* want other than bool and any. */
    expr_error err;
    expr *e = expr_compile("${N} * 2", &unit_scope, EXPR_T_NUMBER, &err);
    assert_non_null(e);
    expr_free(e);
    assert_null(expr_compile("${S}", &unit_scope, EXPR_T_NUMBER, &err));
    assert_int_equal(err.kind, EXPR_ERR_TYPE);
}

/* NULL is accepted where expr.h promises it does nothing. */
static void test_free_null(void **state)
{
    (void)state;
    expr_free(NULL);
    expr_value v = expr_eval(NULL, NULL);
    assert_true(v.empty);
    assert_false(expr_eval_bool(NULL, NULL));
}

/* The French names of types, which messages of other modules quote. */
static void test_type_names(void **state)
{
    (void)state;
    assert_string_equal(expr_type_name(EXPR_T_BOOL), "booléen");
    assert_string_equal(expr_type_name(EXPR_T_NUMBER), "nombre");
    assert_string_equal(expr_type_name(EXPR_T_STRING), "texte");
    assert_string_equal(expr_type_name(EXPR_T_DATE), "date");
    assert_string_equal(expr_type_name(EXPR_T_SET), "ensemble de choix");
    assert_string_equal(expr_type_name(EXPR_T_NONE), "aucune valeur");
}

/* Compiles src in the unit scope, expecting failure; returns the error. */
static expr_error must_fail(const char *src, expr_type want)
{
    expr_error err;
    expr *e = expr_compile(src, &unit_scope, want, &err);
    if (e != NULL) {
        expr_free(e);
        fail_msg("« %s » compile", src);
    }
    return err;
}

/* Kind, byte position and message of errors, and the edge cases of the arguments of expr_compile. */
static void test_error_positions(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        expr_errkind kind;
        size_t pos;
        const char *message; /* a part of the message */
    } cases[] = {
        {"(1 = 1", EXPR_ERR_SYNTAX, 6, "')' attendue"},
        {"1 = ", EXPR_ERR_SYNTAX, 4, "fin inattendue de l'expression"},
        {"", EXPR_ERR_SYNTAX, 0, "vide"},
        {"${S} = 'non", EXPR_ERR_SYNTAX, 7, "chaîne non terminée"},
        {"1 = 1 2", EXPR_ERR_SYNTAX, 6, "« 2 »"},
        {"1.2.3 = 1", EXPR_ERR_SYNTAX, 0, "nombre invalide"},
        {"${S", EXPR_ERR_SYNTAX, 3, "'}' attendue"},
        {"${}", EXPR_ERR_SYNTAX, 2, "identifiant"},
        {"1 = 1)", EXPR_ERR_SYNTAX, 5, "')'"},
        {"${Z9} = 'x'", EXPR_ERR_REFERENCE, 0, "question inconnue ${Z9}"},
        {"${N} = 'x'", EXPR_ERR_TYPE, 5, "un nombre et un texte"},
        {"${M} = 'a'", EXPR_ERR_TYPE, 0, "selected(${M}, 'code')"},
        {"selected(${M}, 'dentist')", EXPR_ERR_CHOICE, 15, "code inconnu 'dentist' pour ${M}"},
        {"${G.r} != 'z'", EXPR_ERR_CHOICE, 10, "code inconnu 'z' pour ${G.r}"},
        {"1 + 1", EXPR_ERR_TYPE, 0, "l'expression doit être une condition (vrai/faux), pas un nombre"},
        {"  today()", EXPR_ERR_TYPE, 2, "pas une date"},
        {"${X} = ''", EXPR_ERR_TYPE, 0, "${X}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expr_error err = must_fail(cases[i].src, EXPR_T_BOOL);
        if (err.kind != cases[i].kind || err.pos != cases[i].pos || strstr(err.message, cases[i].message) == NULL)
            fail_msg("« %s » : attendu %d en %zu (%s), obtenu %d en %zu (%s)", cases[i].src, (int)cases[i].kind,
                     cases[i].pos, cases[i].message, (int)err.kind, err.pos, err.message);
    }
    expr_scope no_dot = {unit_resolve, NULL, NULL};
    expr_error err;
    assert_null(expr_compile(". > 1", &no_dot, EXPR_T_BOOL, &err));
    assert_int_equal(err.kind, EXPR_ERR_REFERENCE);
    assert_int_equal(err.pos, 0);
    assert_null(expr_compile(NULL, &unit_scope, EXPR_T_BOOL, &err));
    assert_int_equal(err.kind, EXPR_ERR_SYNTAX);
    assert_null(expr_compile("${S} = 'x'", NULL, EXPR_T_BOOL, &err));
    assert_int_equal(err.kind, EXPR_ERR_REFERENCE);
    assert_null(expr_compile("1 +", &unit_scope, EXPR_T_BOOL, NULL));
}

/* A source of n copies of open, then middle, then n copies of close; the caller frees it. */
static char *nest(int n, const char *open, const char *middle, const char *close)
{
    size_t size = (strlen(open) + strlen(close)) * (size_t)n + strlen(middle) + 1;
    char *s = malloc(size);
    assert_non_null(s);
    s[0] = '\0';
    for (int i = 0; i < n; i++)
        strcat(s, open);
    strcat(s, middle);
    for (int i = 0; i < n; i++)
        strcat(s, close);
    return s;
}

/* EXPR_MAX_DEPTH and EXPR_MAX_LEN, exactly at and just past each limit. */
static void test_limits(void **state)
{
    (void)state;
    /* Parentheses (grouping or call) and unary minus each count one level of nesting. */
    static const struct {
        const char *open, *middle, *close;
        int per;   /* levels each repetition adds */
        int extra; /* levels the middle adds */
    } shapes[] = {
        {"(", "1 = 1", ")", 1, 0},
        {"not(", "true()", ")", 1, 1},
        {"-", "1", "", 1, 0},
        {"(-", "1", ")", 2, 0},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        int n = (EXPR_MAX_DEPTH - shapes[i].extra) / shapes[i].per;
        expr_error err;
        char *src = nest(n, shapes[i].open, shapes[i].middle, shapes[i].close);
        expr *e = expr_compile(src, &unit_scope, EXPR_T_ANY, &err);
        if (e == NULL)
            fail_msg("%d levels of %s: %s", n, shapes[i].open, err.message);
        expr_free(e);
        free(src);
        src = nest(n + 1, shapes[i].open, shapes[i].middle, shapes[i].close);
        assert_null(expr_compile(src, &unit_scope, EXPR_T_ANY, &err));
        assert_int_equal(err.kind, EXPR_ERR_SYNTAX);
        free(src);
    }

    /* Exactly EXPR_MAX_LEN bytes compile; one more does not. Long chains of binary operators are not nesting. */
    char *src = malloc(EXPR_MAX_LEN + 2);
    assert_non_null(src);
    memset(src, ' ', EXPR_MAX_LEN + 1);
    memcpy(src, "1 = 1", 5);
    src[EXPR_MAX_LEN] = '\0';
    expr_error err;
    expr *e = expr_compile(src, &unit_scope, EXPR_T_BOOL, &err);
    assert_non_null(e);
    expr_free(e);
    src[EXPR_MAX_LEN] = ' ';
    src[EXPR_MAX_LEN + 1] = '\0';
    assert_null(expr_compile(src, &unit_scope, EXPR_T_BOOL, &err));
    assert_int_equal(err.kind, EXPR_ERR_SYNTAX);
    size_t n = 0;
    while (n + 2 <= EXPR_MAX_LEN - 4) {
        memcpy(src + n, "1+", 2);
        n += 2;
    }
    memcpy(src + n, "1>0", 4);
    e = expr_compile(src, &unit_scope, EXPR_T_BOOL, &err);
    if (e == NULL)
        fail_msg("%s", err.message);
    assert_true(expr_eval_bool(e, NULL));
    expr_free(e);
    free(src);
}

/* The language writes numbers with '.', whatever the locale of the program. Skipped where no locale with a
 * decimal comma is installed. */
static void test_locale(void **state)
{
    (void)state;
    static const char *const names[] = {"fr_FR.UTF-8", "fr_FR.utf8", "de_DE.UTF-8", "fr_FR"};
    const char *set = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && set == NULL; i++)
        set = setlocale(LC_NUMERIC, names[i]);
    if (set == NULL)
        skip();
    expr_error err;
    expr *e = expr_compile("3.25 * 2", &unit_scope, EXPR_T_ANY, &err);
    setlocale(LC_NUMERIC, "C");
    assert_non_null(e);
    expr_value v = expr_eval(e, NULL);
    assert_true(v.num == 6.5);
    expr_free(e);
}

/* Evaluation without values, or with a lookup that returns nothing, reads every reference as empty. */
static void test_eval_without_values(void **state)
{
    (void)state;
    expr_error err;
    expr *e = expr_compile("${S} = '' and ${N} + 1 != 1 and today() = '' and count-selected(${M}) = 0 and . = ''",
                           &unit_scope, EXPR_T_BOOL, &err);
    if (e == NULL)
        fail_msg("%s", err.message);
    assert_true(expr_eval_bool(e, NULL));
    expr_values none = {NULL, NULL, NULL, NULL};
    assert_true(expr_eval_bool(e, &none));
    expr_free(e);
}

/* A small deterministic generator (xorshift32), so that the random tests are the same on every run. */
static uint32_t next_random(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* lookup for the random test: answers of every JSON type, chosen by the first letter of the id. */
static const json_t *random_lookup(void *ctx, const char *qid, const char *row)
{
    json_t *answers = ctx;
    const json_t *a = json_object_get(answers, row ? "G" : qid);
    return row && json_is_object(a) ? json_object_get(a, row) : a;
}

/* Compiles src; when it compiles, evaluates it against answers and walks its references; when it does not,
 * checks that the error is well formed. */
static void try_source(const char *src, size_t len, expr_type want, json_t *answers, size_t *compiled)
{
    expr_error err;
    expr *e = expr_compile(src, &unit_scope, want, &err);
    if (e == NULL) {
        assert_true(err.kind >= EXPR_ERR_SYNTAX && err.kind <= EXPR_ERR_CHOICE);
        assert_true(err.message[0] != '\0');
        assert_true(err.pos <= len);
        return;
    }
    (*compiled)++;
    json_t *dot = json_integer(3);
    expr_values vals = {random_lookup, answers, dot, "2026-11-23"};
    expr_value v = expr_eval(e, &vals);
    (void)v;
    (void)expr_eval_bool(e, &vals);
    vals.dot = NULL;
    (void)expr_eval(e, &vals);
    size_t n = 0;
    expr_foreach_ref(e, count_ref, &n);
    json_decref(dot);
    expr_free(e);
}

/* A bounded string builder for random expressions; what does not fit is dropped (the result then usually
 * fails to parse, which is also worth trying). */
typedef struct builder {
    char buf[1024];
    size_t len;
} builder;

/* Appends s to b. */
static void put(builder *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n >= sizeof b->buf)
        n = sizeof b->buf - 1 - b->len;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

/* Picks one of the n strings of list. */
static const char *pick(uint32_t *seed, const char *const *list, size_t n)
{
    return list[next_random(seed) % n];
}
#define PICK(seed, list) pick(seed, list, sizeof list / sizeof list[0])

static void random_bool(builder *b, uint32_t *seed, int depth);

/* Appends a random number expression of at most depth levels; now and then a piece of another type, so that
 * type errors are met too. */
static void random_number(builder *b, uint32_t *seed, int depth)
{
    static const char *const atoms[] = {
        "${N1}", "${N2}", ".", "1", "2.5", "0", "-3", "count-selected(${M1})", "string-length(${S1})", "${S1}", "'x'"};
    static const char *const ops[] = {" + ", " - ", " * ", " div ", " mod "};
    uint32_t r = next_random(seed) % 8;
    if (depth <= 0 || r < 3) {
        put(b, PICK(seed, atoms));
    } else if (r < 7) {
        put(b, "(");
        random_number(b, seed, depth - 1);
        put(b, PICK(seed, ops));
        random_number(b, seed, depth - 1);
        put(b, ")");
    } else {
        put(b, "-");
        random_number(b, seed, depth - 1);
    }
}

/* Appends a random boolean expression of at most depth levels. */
static void random_bool(builder *b, uint32_t *seed, int depth)
{
    static const char *const atoms[] = {
        "true()",      "false()",    "selected(${M1}, 'a')", "selected(${S1}, 'b')",     "${S1} = 'a'",
        "${S1} != ''", "${M1} = ''", "${D1} < today()",      "${D1} >= '2026-01-01'",    "${G.r} != 'c'",
        "${N1} = ''",  ". = ''",     "${D1} = ''",           "string-length('été') = 3", "${X1} = ''",
        "${M1} = 'a'"};
    static const char *const cmps[] = {" = ", " != ", " < ", " <= ", " > ", " >= "};
    static const char *const logic[] = {" and ", " or ", " = ", " != "};
    uint32_t r = next_random(seed) % 8;
    if (depth <= 0 || r < 2) {
        put(b, PICK(seed, atoms));
    } else if (r < 5) {
        put(b, "(");
        random_number(b, seed, depth - 1);
        put(b, PICK(seed, cmps));
        random_number(b, seed, depth - 1);
        put(b, ")");
    } else if (r < 7) {
        put(b, "(");
        random_bool(b, seed, depth - 1);
        put(b, PICK(seed, logic));
        random_bool(b, seed, depth - 1);
        put(b, ")");
    } else {
        put(b, "not(");
        random_bool(b, seed, depth - 1);
        put(b, ")");
    }
}

/* Random bytes, random token soups and random grammar: each compiles or fails cleanly, and what compiles
 * evaluates without crashing (the sanitizers and valgrind judge the rest). */
static void test_random_input(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "${S1}",
        "${N1}",
        "${M1}",
        "${D1}",
        "${X1}",
        "${G.r}",
        "${Z1}",
        ".",
        "(",
        ")",
        ",",
        "'a'",
        "''",
        "'z'",
        "'2026-01-31'",
        "1",
        "2.5",
        ".5",
        "0",
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "+",
        "-",
        "*",
        " div ",
        " mod ",
        " and ",
        " or ",
        "not(",
        "selected(",
        "count-selected(",
        "string-length(",
        "today()",
        "true()",
        "false()",
        " ",
        "${",
        "'",
        "\"",
        "$",
        "}",
        "é",
        "1.2.3",
    };
    json_error_t jerr;
    json_t *answers = json_loads("{\"S1\": \"a\", \"N1\": 4, \"M1\": [\"a\", \"b\"], \"D1\": \"2026-01-01\","
                                 "\"G\": {\"r\": \"b\"}, \"X1\": {\"r\": 1}}",
                                 0, &jerr);
    assert_non_null(answers);
    uint32_t seed = 20261123u;
    char buf[512];
    size_t compiled = 0;
    for (int i = 0; i < 4000; i++) {
        size_t len = next_random(&seed) % 64;
        for (size_t k = 0; k < len; k++)
            buf[k] = (char)(1 + next_random(&seed) % 255);
        buf[len] = '\0';
        try_source(buf, len, i % 2 ? EXPR_T_ANY : EXPR_T_BOOL, answers, &compiled);
    }
    for (int i = 0; i < 20000; i++) {
        size_t len = 0;
        int count = 1 + (int)(next_random(&seed) % 12);
        buf[0] = '\0';
        for (int k = 0; k < count; k++) {
            const char *p = pieces[next_random(&seed) % (sizeof pieces / sizeof pieces[0])];
            size_t pl = strlen(p);
            if (len + pl >= sizeof buf)
                break;
            memcpy(buf + len, p, pl + 1);
            len += pl;
        }
        try_source(buf, len, i % 3 ? EXPR_T_ANY : EXPR_T_BOOL, answers, &compiled);
    }
    print_message("random input: %zu of 24000 sources compiled\n", compiled);
    assert_true(compiled > 100);

    /* Expressions from the grammar, mostly well typed, against answers of every JSON type. */
    static const char *const answer_sets[] = {
        "{}",
        "{\"S1\": \"a\", \"N1\": 4, \"N2\": 0, \"M1\": [\"a\", \"b\"], \"D1\": \"2026-01-01\", \"G\": {\"r\": \"b\"}}",
        "{\"S1\": 1, \"N1\": \"4\", \"N2\": null, \"M1\": \"a\", \"D1\": 20260101, \"G\": [\"r\"]}",
        "{\"S1\": \"\", \"N1\": -2.5, \"N2\": 1e300, \"M1\": [], \"D1\": \"\", \"G\": {\"r\": 3}}",
        "{\"S1\": [\"a\"], \"N1\": true, \"M1\": [\"a\", 1], \"D1\": {}, \"G\": \"r\"}",
    };
    json_t *sets[sizeof answer_sets / sizeof answer_sets[0]];
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        sets[i] = json_loads(answer_sets[i], 0, &jerr);
        assert_non_null(sets[i]);
    }
    size_t grammar = 0;
    for (int i = 0; i < 5000; i++) {
        builder b = {"", 0};
        if (i % 4 == 3)
            random_number(&b, &seed, 1 + (int)(next_random(&seed) % 6));
        else
            random_bool(&b, &seed, 1 + (int)(next_random(&seed) % 6));
        json_t *a = sets[next_random(&seed) % (sizeof sets / sizeof sets[0])];
        try_source(b.buf, b.len, i % 4 == 3 ? EXPR_T_ANY : EXPR_T_BOOL, a, &grammar);
    }
    print_message("random grammar: %zu of 5000 expressions compiled\n", grammar);
    assert_true(grammar > 500);
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        json_decref(sets[i]);
    json_decref(answers);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_foreach_ref_order),
        cmocka_unit_test(test_result_type),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_locale),
        cmocka_unit_test(test_eval_without_values),
        cmocka_unit_test(test_random_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
