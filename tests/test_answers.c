/* test_answers.c -- the answer checker: every error code, every question type, relevance and required
 * interplay (including section relevance and masking of invalid answers), grids, and form versions.
 * Cases are a table: answers (JSON) -> the exact list of "question:code" errors, in order.
 */
#include "testutil.h"

#include "answers.h"
#include "form.h"
#include "terr.h"

#define TODAY "2026-11-23"

typedef struct check_case {
    const char *answers;
    const char *want;  /* "Q1:required,Q2:not_relevant" (question[.row]:code), "" when valid */
} check_case;

static const check_case cases[] = {
    /* required and relevance */
    {"{}", "Q1:required"},
    {"{\"Q1\": \"oui\"}", ""},
    {"{\"Q1\": \"non\"}", "Q12:required"},                      /* required by expression */
    {"{\"Q1\": \"non\", \"Q3\": 10, \"Q12\": 3}", ""},
    {"{\"Q1\": \"non\", \"Q2\": [\"a\"], \"Q3\": 10, \"Q12\": 3}", "Q2:not_relevant"},
    {"{\"Q1\": \"peut\", \"Q2\": [\"a\"]}", "Q1:invalid_choice,Q2:not_relevant"}, /* invalid answers mask */
    {"{\"Q1\": null}", "Q1:invalid_type"},
    {"{\"Q1\": \"\"}", "Q1:invalid_type"},
    {"{\"Q1\": 1}", "Q1:invalid_type"},
    /* section relevance: s2 is asked from 18 years */
    {"{\"Q1\": \"oui\", \"Q3\": 18}", "Q15:required"},
    {"{\"Q1\": \"oui\", \"Q3\": 17, \"Q15\": \"oui\"}", "Q15:not_relevant"},
    {"{\"Q1\": \"oui\", \"Q3\": 30, \"Q15\": \"oui\"}", ""},
    {"{\"Q1\": \"oui\", \"Q3\": 130, \"Q15\": \"oui\"}", "Q3:out_of_range,Q15:not_relevant"},
    /* multiple */
    {"{\"Q1\": \"oui\", \"Q2\": [\"a\", \"b\"]}", ""},
    {"{\"Q1\": \"oui\", \"Q2\": [\"a\", \"b\", \"c\"]}", "Q2:out_of_range"},
    {"{\"Q1\": \"oui\", \"Q2\": [\"a\", \"aucun\"]}", "Q2:invalid_choice"},
    {"{\"Q1\": \"oui\", \"Q2\": [\"aucun\"]}", ""},
    {"{\"Q1\": \"oui\", \"Q2\": [\"a\", \"a\"]}", "Q2:invalid_choice"},
    {"{\"Q1\": \"oui\", \"Q2\": [\"z\"]}", "Q2:invalid_choice"},
    {"{\"Q1\": \"oui\", \"Q2\": \"a\"}", "Q2:invalid_type"},
    {"{\"Q1\": \"oui\", \"Q2\": []}", "Q2:invalid_type"},
    {"{\"Q1\": \"oui\", \"Q2\": [1]}", "Q2:invalid_type"},
    /* integer and decimal */
    {"{\"Q1\": \"oui\", \"Q3\": -1}", "Q3:out_of_range"},
    {"{\"Q1\": \"oui\", \"Q3\": 3.5}", "Q3:invalid_type"},
    {"{\"Q1\": \"oui\", \"Q3\": 4.0}", ""},
    {"{\"Q1\": \"oui\", \"Q3\": \"4\"}", "Q3:invalid_type"},
    {"{\"Q1\": \"oui\", \"Q3\": 1e300}", "Q3:invalid_type"},
    {"{\"Q1\": \"oui\", \"Q4\": 0.4}", "Q4:out_of_range"},
    {"{\"Q1\": \"oui\", \"Q4\": 10}", ""},
    {"{\"Q1\": \"oui\", \"Q4\": true}", "Q4:invalid_type"},
    /* text */
    {"{\"Q1\": \"oui\", \"Q5\": \"abcde\"}", ""},
    {"{\"Q1\": \"oui\", \"Q5\": \"ééééé\"}", ""},                 /* characters, not bytes */
    {"{\"Q1\": \"oui\", \"Q5\": \"abcdef\"}", "Q5:too_long"},
    {"{\"Q1\": \"oui\", \"Q5\": [\"a\"]}", "Q5:invalid_type"},
    {"{\"Q1\": \"oui\", \"Q6\": \"a\\u0000b\"}", "Q6:invalid_type"},
    /* date */
    {"{\"Q1\": \"oui\", \"Q7\": \"2024-02-29\"}", ""},
    {"{\"Q1\": \"oui\", \"Q7\": \"2023-02-29\"}", "Q7:invalid_type"},
    {"{\"Q1\": \"oui\", \"Q7\": \"2019-12-31\"}", "Q7:out_of_range"},
    {"{\"Q1\": \"oui\", \"Q7\": \"" TODAY "\"}", ""},
    {"{\"Q1\": \"oui\", \"Q7\": \"2026-11-24\"}", "Q7:out_of_range"},   /* after today */
    {"{\"Q1\": \"oui\", \"Q7\": \"24/11/2025\"}", "Q7:invalid_type"},
    /* scale */
    {"{\"Q1\": \"oui\", \"Q8\": 5}", ""},
    {"{\"Q1\": \"oui\", \"Q8\": 0}", "Q8:out_of_range"},
    {"{\"Q1\": \"oui\", \"Q8\": \"3\"}", "Q8:invalid_type"},
    /* grid */
    {"{\"Q1\": \"oui\", \"Q9\": {\"r2\": \"non\"}}", ""},
    {"{\"Q1\": \"oui\", \"Q9\": {\"r1\": \"oui\"}}", "Q14:required"},  /* Q14 asked when row r1 = oui */
    {"{\"Q1\": \"oui\", \"Q9\": {\"r1\": \"oui\"}, \"Q14\": \"ok\"}", ""},
    {"{\"Q1\": \"oui\", \"Q9\": {\"r1\": \"non\"}, \"Q14\": \"ok\"}", "Q14:not_relevant"},
    {"{\"Q1\": \"oui\", \"Q9\": {\"r3\": \"non\"}}", "Q9.r3:invalid_choice"},
    {"{\"Q1\": \"oui\", \"Q9\": {\"r1\": \"peut\"}}", "Q9.r1:invalid_choice"},
    {"{\"Q1\": \"oui\", \"Q9\": {\"r1\": 2}}", "Q9.r1:invalid_type"},
    {"{\"Q1\": \"oui\", \"Q9\": {}}", "Q9:invalid_type"},
    {"{\"Q1\": \"oui\", \"Q9\": [\"oui\"]}", "Q9:invalid_type"},
    /* a required grid needs every row; it is asked when Q2 includes c */
    {"{\"Q1\": \"oui\", \"Q2\": [\"c\"]}", "Q13:required"},
    {"{\"Q1\": \"oui\", \"Q2\": [\"c\"], \"Q13\": {\"x\": \"oui\"}}", "Q13.y:required"},
    {"{\"Q1\": \"oui\", \"Q2\": [\"c\"], \"Q13\": {\"x\": \"oui\", \"y\": \"non\"}}", ""},
    {"{\"Q1\": \"oui\", \"Q2\": [\"a\"], \"Q13\": {\"x\": \"oui\", \"y\": \"non\"}}", "Q13:not_relevant"},
    /* territory */
    {"{\"Q1\": \"oui\", \"Q10\": \"QN09399A\"}", ""},
    {"{\"Q1\": \"oui\", \"Q10\": \"autre_commune\"}", ""},
    {"{\"Q1\": \"oui\", \"Q10\": \"QN00000Z\"}", "Q10:invalid_choice"},
    /* territory with several answers */
    {"{\"Q1\": \"oui\", \"Q16\": [\"QN09399A\", \"hors_qpv\"]}", ""},
    {"{\"Q1\": \"oui\", \"Q16\": [\"partout\"]}", ""},
    {"{\"Q1\": \"oui\", \"Q16\": [\"partout\", \"QN09399A\"]}", "Q16:invalid_choice"},
    {"{\"Q1\": \"oui\", \"Q16\": [\"QN09399A\", \"QN09399A\"]}", "Q16:invalid_choice"},
    {"{\"Q1\": \"oui\", \"Q16\": [\"QN09399A\", \"hors_qpv\", \"partout\"]}", "Q16:invalid_choice,Q16:out_of_range"},
    {"{\"Q1\": \"oui\", \"Q16\": \"QN09399A\"}", "Q16:invalid_type"},
    {"{\"Q1\": \"oui\", \"Q16\": [\"QN00000Z\"]}", "Q16:invalid_choice"},
    /* constraint, and constraint on an empty reference */
    {"{\"Q1\": \"oui\", \"Q3\": 10, \"Q12\": 10}", ""},
    {"{\"Q1\": \"oui\", \"Q3\": 10, \"Q12\": 11}", "Q12:constraint"},
    {"{\"Q1\": \"oui\", \"Q12\": 1}", "Q12:constraint"},
    /* unknown questions and notes */
    {"{\"Q1\": \"oui\", \"ZZ\": 1}", "ZZ:unknown_question"},
    {"{\"Q1\": \"oui\", \"Q11\": \"lu\"}", "Q11:unknown_question"},
    {"[]", "answers:invalid_type"},
    {"\"x\"", "answers:invalid_type"},
    /* several errors at once, in form order after unknown questions */
    {"{\"ZZ\": 1, \"Q3\": -5, \"Q5\": \"toolong\", \"Q8\": 9}",
     "ZZ:unknown_question,Q1:required,Q3:out_of_range,Q5:too_long,Q8:out_of_range"},
};

static terr_set *territories;
static form *fixture;

static int setup(void **state)
{
    (void)state;
    diag_list diags = {0};
    territories = terr_load(TEST_DATA_DIR "/territories_test.json", &diags);
    fixture = form_load_file(TEST_DATA_DIR "/form_valid.json", territories, &diags);
    diag_print(&diags, stderr);
    diag_list_free(&diags);
    return fixture ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    form_free(fixture);
    terr_free(territories);
    return 0;
}

/* Renders a report as "question[.row]:code,...". */
static void render(const answers_report *r, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < r->count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s%s%s:%s", i ? "," : "", r->errors[i].question,
                 r->errors[i].row ? "." : "", r->errors[i].row ? r->errors[i].row : "", r->errors[i].code);
    }
}

static void test_table(void **state)
{
    (void)state;
    size_t failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *answers = tu_json(cases[i].answers);
        answers_report r;
        size_t n = answers_check(fixture, answers, TODAY, &r);
        char got[1024];
        render(&r, got, sizeof got);
        if (strcmp(got, cases[i].want) != 0 || n != r.count) {
            failures++;
            fprintf(stderr, "case %zu %s: want [%s] got [%s]\n", i, cases[i].answers, cases[i].want, got);
        }
        for (size_t k = 0; k < r.count; k++)
            if (r.errors[k].message == NULL || strlen(r.errors[k].message) < 5) {
                failures++;
                fprintf(stderr, "case %zu: error %zu has no message\n", i, k);
            }
        answers_report_free(&r);
        json_decref(answers);
    }
    assert_int_equal(failures, 0);
}

static void test_messages_and_json(void **state)
{
    (void)state;
    json_t *answers = tu_json("{\"Q1\": \"oui\", \"Q3\": 10, \"Q12\": 11, \"Q9\": {\"r3\": \"non\"}}");
    answers_report r;
    assert_int_equal(answers_check(fixture, answers, TODAY, &r), 2);
    json_t *arr = answers_report_json(&r);
    assert_int_equal(json_array_size(arr), 2);
    json_t *e0 = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(e0, "question")), "Q9");
    assert_string_equal(json_string_value(json_object_get(e0, "row")), "r3");
    assert_string_equal(json_string_value(json_object_get(e0, "code")), "invalid_choice");
    json_t *e1 = json_array_get(arr, 1);
    assert_null(json_object_get(e1, "row"));
    /* the constraint's own French message is used */
    assert_non_null(strstr(json_string_value(json_object_get(e1, "message")), "pas plus que l'âge"));
    json_decref(arr);
    answers_report_free(&r);
    answers_report_free(NULL);
    json_decref(answers);
}

static void test_relevance_vector(void **state)
{
    (void)state;
    json_t *answers = tu_json("{\"Q1\": \"non\", \"Q3\": 10, \"Q12\": 1}");
    answers_report r;
    assert_int_equal(answers_check(fixture, answers, TODAY, &r), 0);
    assert_int_equal(r.nquestions, fixture->nquestions);
    assert_true(r.relevant[form_question_by_id(fixture, "Q1")->index]);
    assert_false(r.relevant[form_question_by_id(fixture, "Q2")->index]);
    assert_false(r.relevant[form_question_by_id(fixture, "Q15")->index]);
    answers_report_free(&r);
    json_decref(answers);
}

/* Two versions of a form: answers valid against version 1 are judged against version 1, not the current. */
static void test_versions(void **state)
{
    (void)state;
    json_t *v2doc = tu_load("form_valid.json");
    tu_set(v2doc, "version", json_string("2"));
    tu_set(v2doc, "sections[0].questions[4]", NULL); /* Q5 removed in version 2 */
    diag_list diags = {0};
    form *v2 = form_load_json(v2doc, "v2", territories, &diags);
    assert_non_null(v2);
    json_t *answers = tu_json("{\"Q1\": \"oui\", \"Q5\": \"abc\"}");
    answers_report r;
    assert_int_equal(answers_check(fixture, answers, TODAY, &r), 0);
    answers_report_free(&r);
    assert_int_equal(answers_check(v2, answers, TODAY, &r), 1);
    assert_string_equal(r.errors[0].code, "unknown_question");
    answers_report_free(&r);
    json_decref(answers);
    form_free(v2);
    json_decref(v2doc);
    diag_list_free(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_messages_and_json),
        cmocka_unit_test(test_relevance_vector),
        cmocka_unit_test(test_versions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
