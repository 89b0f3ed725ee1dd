/* test_answers.c -- the answer checker: every error code, every question type, relevance and required
 * interplay (including section relevance and masking of invalid answers), grids, and form versions.
 * The cases are data, tests/data/answers.json (answers -> the exact list of "question:code" errors, in order),
 * which the browser's checker is held to as well.
 */
#include "testutil.h"

#include "answers.h"
#include "answersutil.h"
#include "form.h"
#include "terr.h"
#include "util.h"

#define TODAY "2026-11-23"

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


static void test_table(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/answers.json", TEST_DATA_DIR);
    json_error_t jerr;
    json_t *table = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (table == NULL)
        fail_msg("%s: %s", path, jerr.text);
    const char *today = json_string_value(json_object_get(table, "today"));
    json_t *cases = json_object_get(table, "cases");
    assert_true(json_array_size(cases) >= 70);
    size_t failures = 0, i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        char want[1024] = "", got[1024];
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(c, "errors"), k, e) {
            size_t used = strlen(want);
            snprintf(want + used, sizeof want - used, "%s%s", k ? "," : "", json_string_value(e));
        }
        answers_report r;
        size_t n = answers_check(fixture, json_object_get(c, "answers"), today, &r);
        au_render(&r, got, sizeof got);
        if (strcmp(got, want) != 0 || n != r.count) {
            failures++;
            char *text = json_dumps(json_object_get(c, "answers"), JSON_COMPACT | JSON_ENCODE_ANY);
            fprintf(stderr, "case %zu %s: want [%s] got [%s]\n", i, text, want, got);
            free(text);
        }
        for (k = 0; k < r.count; k++)
            if (r.errors[k].message == NULL || strlen(r.errors[k].message) < 5) {
                failures++;
                fprintf(stderr, "case %zu: error %zu has no message\n", i, k);
            }
        answers_report_free(&r);
    }
    json_decref(table);
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

static void test_normalize(void **state)
{
    (void)state;
    json_t *a = tu_json("{\"Q1\": \"oui\", \"Q2\": [\"c\", \"a\"], \"Q16\": [\"partout\", \"hors_qpv\", "
                        "\"QN09399A\"], \"Q3\": 4}");
    answers_normalize(fixture, a);
    char *text = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
    /* choice order for Q2; territories in file order, then the question's own choices, for Q16 */
    assert_string_equal(text, "{\"Q1\":\"oui\",\"Q16\":[\"QN09399A\",\"hors_qpv\",\"partout\"],"
                              "\"Q2\":[\"a\",\"c\"],\"Q3\":4}");
    free(text);
    json_decref(a);
}

/* Hostile bodies: a code repeated five hundred times is one error, not one per pair (that was 124,750 errors
 * and a 12 MB reply); twenty thousand unknown questions stop at ANSWERS_MAX_ERRORS plus one too_many_errors. */
static void test_error_bounds(void **state)
{
    (void)state;
    json_t *a = tu_json("{\"Q1\": \"oui\"}");
    json_t *many = json_array();
    for (int i = 0; i < 500; i++)
        json_array_append_new(many, json_string("a"));
    json_object_set_new(a, "Q2", many);
    answers_report r;
    assert_int_equal(answers_check(fixture, a, TODAY, &r), 1);
    assert_string_equal(r.errors[0].question, "Q2");
    assert_string_equal(r.errors[0].code, "invalid_choice");
    answers_report_free(&r);
    json_object_set_new(a, "Q2", tu_json("[\"a\", \"a\"]"));
    assert_int_equal(answers_check(fixture, a, TODAY, &r), 1); /* one repeat, said once */
    assert_non_null(strstr(r.errors[0].message, "deux fois"));
    answers_report_free(&r);
    json_object_del(a, "Q2");
    for (int i = 0; i < 20000; i++) {
        char id[32];
        snprintf(id, sizeof id, "X%d", i);
        json_object_set_new(a, id, json_true());
    }
    assert_int_equal(answers_check(fixture, a, TODAY, &r), ANSWERS_MAX_ERRORS + 1);
    assert_string_equal(r.errors[ANSWERS_MAX_ERRORS].code, ANSWERS_TOO_MANY_ERRORS);
    assert_string_equal(r.errors[ANSWERS_MAX_ERRORS].question, "answers");
    answers_report_free(&r);
    json_decref(a);
}

/* Messages quote client input cut to a bounded length; the cut never splits a UTF-8 character, so that every
 * error still reaches the client's JSON (fuzz_answers found one dropped). */
static void test_quoted_input_stays_utf8(void **state)
{
    (void)state;
    char key[200] = "";
    for (int i = 0; i < 30; i++)
        strcat(key, "\xE2\x82\xAC"); /* € */
    json_t *a = json_object();
    json_object_set_new(a, key, json_true());
    json_object_set_new(a, "Q1", json_string(key));
    answers_report r;
    assert_true(answers_check(fixture, a, TODAY, &r) >= 2);
    json_t *arr = answers_report_json(&r);
    assert_int_equal(json_array_size(arr), r.count);
    for (size_t i = 0; i < r.count; i++) {
        json_t *s = json_string(r.errors[i].message); /* NULL unless valid UTF-8 */
        assert_non_null(s);
        json_decref(s);
    }
    json_decref(arr);
    answers_report_free(&r);
    json_decref(a);

    assert_int_equal(util_utf8_prefix(key, strlen(key), 64), 63);
    assert_int_equal(util_utf8_prefix(key, strlen(key), 63), 63);
    assert_int_equal(util_utf8_prefix("abc", 3, 64), 3);
    assert_int_equal(util_utf8_prefix("abc", 3, 2), 2);
    char cut[] = "ab\xE2\x82";
    assert_int_equal(util_utf8_trim(cut), 2);
    assert_string_equal(cut, "ab");
    char whole[] = "ab\xE2\x82\xAC";
    assert_int_equal(util_utf8_trim(whole), 5);
    /* scrub: a character cut inside a text, overlong forms, surrogates and stray bytes become '?' */
    char inner[] = "\xC2\xAB x\xE2\x95 \xC2\xBB \xC0\xAF \xED\xA0\x80 \xF0\x9F\x98\x80 \xFF";
    assert_int_equal(util_utf8_scrub(inner), 8);
    assert_string_equal(inner, "\xC2\xAB x?? \xC2\xBB ?? ??? \xF0\x9F\x98\x80 ?");
    assert_int_equal(util_utf8_scrub(whole), 0);
    /* HTML escaping, shared by the report, the charts, the codebook and the pages */
    sbuf h = {0};
    util_html_escape(&h, "a<b>&\"c\" é");
    util_html_escape(&h, NULL);
    util_html_escape(&h, "&");
    assert_string_equal(h.data, "a&lt;b&gt;&amp;&quot;c&quot; é&amp;");
    sbuf_free(&h);
    assert_int_equal(util_utf8_prefix("\xC3\xA9t\xC3\xA9", 5, 0), 0);
    assert_int_equal(util_utf8_prefix("\xC3\xA9t\xC3\xA9", 5, 1), 0); /* é is 2 bytes */
    assert_int_equal(util_utf8_prefix("\xC3\xA9t\xC3\xA9", 5, 4), 3);
    assert_int_equal(util_utf8_prefix("a\xF0\x9F\x98\x80", 5, 4), 1); /* an emoji is 4 bytes */
    assert_int_equal(util_utf8_prefix("a\xF0\x9F\x98\x80", 5, 5), 5);
    char emoji[] = "a\xF0\x9F\x98";
    assert_int_equal(util_utf8_trim(emoji), 1);
    char lone[] = "a\xC3";
    assert_int_equal(util_utf8_trim(lone), 1);
    char empty[] = "";
    assert_int_equal(util_utf8_trim(empty), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_messages_and_json),
        cmocka_unit_test(test_relevance_vector),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_error_bounds),
        cmocka_unit_test(test_quoted_input_stays_utf8),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
