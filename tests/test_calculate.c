/* test_calculate.c -- computed answers ("type": "calculate"): the form of tests/data/calculate.json loads, each
 * of its cases gives the stored answers and the errors the table says (the browser's engine is held to the same
 * table, tests/js/calculate.test.js), each invalid definition is refused with its path and message, and the
 * shipped resident form's version 2 derives EPICES items 2 and 3 as version 1 asked them, so that the analyzer's
 * EPICES score, and every indicator, is the same for a respondent whichever version she answered.
 */
#include "testutil.h"

#include "answers.h"
#include "answersutil.h"
#include "catalog.h"
#include "form.h"
#include "formdiff.h"
#include "indicators.h"
#include "util.h"

static json_t *table;

static int setup(void **state)
{
    (void)state;
    table = tu_load("calculate.json");
    return table ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(table);
    return 0;
}


/* Renders a JSON array of strings as "a,b,...". */
static void join(const json_t *arr, char *out, size_t len)
{
    size_t k;
    const json_t *e;
    out[0] = '\0';
    json_array_foreach(arr, k, e) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", k ? "," : "", json_string_value(e));
    }
}

static form *load_table_form(diag_list *diags)
{
    form *f = form_load_json(json_object_get(table, "form"), "calculate.json", NULL, diags);
    if (f == NULL)
        diag_print(diags, stderr);
    return f;
}

static void test_loads(void **state)
{
    (void)state;
    diag_list diags = {0};
    form *f = load_table_form(&diags);
    assert_non_null(f);
    assert_int_equal(diags.errors, 0);
    const form_question *c = form_question_by_id(f, "C");
    assert_true(c->calculated);
    assert_int_equal(c->type, FQ_SINGLE); /* with choices: read as a single choice everywhere */
    assert_int_equal(c->nchoices, 3);
    assert_int_equal(form_question_by_id(f, "D")->type, FQ_DECIMAL);
    assert_int_equal(form_question_by_id(f, "T")->type, FQ_TEXT);
    assert_null(form_question_by_id(f, "D")->label);
    assert_false(form_question_by_id(f, "H")->calculated);
    /* an indicator may read a computed answer like any other */
    expr_error err;
    expr *e = form_compile_expr(f, "${C} = 'oui'", EXPR_T_BOOL, &err);
    assert_non_null(e);
    expr_free(e);
    e = form_compile_expr(f, "${C} = 'peut-etre'", EXPR_T_BOOL, &err);
    assert_null(e);
    assert_int_equal(err.kind, EXPR_ERR_CHOICE);
    form_free(f);
    diag_list_free(&diags);
}

static void test_cases(void **state)
{
    (void)state;
    diag_list diags = {0};
    form *f = load_table_form(&diags);
    assert_non_null(f);
    const char *today = json_string_value(json_object_get(table, "today"));
    size_t failures = 0, i;
    json_t *c;
    json_array_foreach(json_object_get(table, "cases"), i, c) {
        char want[1024], got[1024];
        join(json_object_get(c, "errors"), want, sizeof want);
        answers_report r;
        answers_check(f, json_object_get(c, "answers"), today, &r);
        au_render(&r, got, sizeof got);
        answers_report_free(&r);
        json_t *stored = json_deep_copy(json_object_get(c, "answers"));
        answers_calculate(f, stored, today);
        bool same = json_equal(stored, json_object_get(c, "stored"));
        /* answers_normalize, which every path that stores answers calls, gives the same */
        json_t *normal = json_deep_copy(json_object_get(c, "answers"));
        answers_normalize(f, normal);
        same &= json_equal(normal, json_object_get(c, "stored"));
        if (strcmp(got, want) != 0 || !same) {
            failures++;
            char *a = json_dumps(json_object_get(c, "answers"), JSON_COMPACT);
            char *s = json_dumps(stored, JSON_COMPACT);
            fprintf(stderr, "case %zu %s: errors want [%s] got [%s]; stored %s\n", i, a, want, got, s);
            free(a);
            free(s);
        }
        json_decref(stored);
        json_decref(normal);
    }
    assert_true(i >= 10);
    assert_int_equal(failures, 0);
    form_free(f);
    diag_list_free(&diags);
}

static void test_invalid(void **state)
{
    (void)state;
    size_t failures = 0, i;
    json_t *c;
    json_array_foreach(json_object_get(table, "invalid"), i, c) {
        json_t *doc = json_deep_copy(json_object_get(table, "form"));
        const json_t *v = json_object_get(c, "value");
        tu_set(doc, json_string_value(json_object_get(c, "path")), json_is_null(v) ? NULL : json_incref((json_t *)v));
        diag_list diags = {0};
        form *f = form_load_json(doc, "case", NULL, &diags);
        const char *want_path = json_string_value(json_object_get(c, "want_path"));
        const char *want = json_string_value(json_object_get(c, "want"));
        if (f != NULL || !tu_has_diag(&diags, false, want_path, want)) {
            failures++;
            fprintf(stderr, "invalid case %zu: %s; expected %s « %s », got:\n", i, f ? "loaded" : "rejected",
                    want_path, want);
            diag_print(&diags, stderr);
        }
        form_free(f);
        diag_list_free(&diags);
        json_decref(doc);
    }
    assert_int_equal(failures, 0);
}

/* The shipped resident form: version 2 derives E02 from R21 and E03 from R04, falling back to E02q and E03q,
 * so that every answer a version 1 respondent could give consistently is stored the same under version 2. */
static void test_resident_v2(void **state)
{
    (void)state;
    diag_list diags = {0};
    catalog *cat = catalog_open(FORMS_DIR, &diags);
    if (cat == NULL)
        diag_print(&diags, stderr);
    assert_non_null(cat);
    const form *f = catalog_get(cat, "resident", "2");
    assert_non_null(f);
    static const struct {
        const char *r21, *e02q, *e02;
    } cover[] = {
        {"mutuelle", NULL, "oui"}, {"c2s_sans_participation", NULL, "oui"}, {"c2s_avec_participation", NULL, "oui"},
        {"aucune", NULL, "non"}, {"refus", NULL, "refus"}, {"nsp", "oui", "oui"}, {"nsp", "non", "non"},
        {"nsp", "refus", "refus"}, {"nsp", NULL, NULL}, {NULL, "non", "non"}, {NULL, NULL, NULL},
    };
    static const struct {
        const char *r04, *e03q, *e03;
    } couple[] = {
        {"seul", NULL, "non"}, {"couple_sans_enfant", NULL, "oui"}, {"couple_avec_enfants", NULL, "oui"},
        {"seul_avec_enfants", NULL, "non"}, {"autre", "oui", "oui"}, {"autre", "non", "non"},
        {"autre", "refus", "refus"}, {"autre", NULL, NULL}, {NULL, "oui", "oui"},
    };
    for (size_t i = 0; i < sizeof cover / sizeof *cover; i++)
        for (size_t k = 0; k < sizeof couple / sizeof *couple; k++) {
            json_t *a = json_pack("{s:s, s:s, s:s, s:s}", "R01", "QN09399A", "R02", "40-54", "R03", "femme", "R07",
                                  "bon");
            json_object_set_new(a, "R17", json_string("non"));
            if (cover[i].r21)
                json_object_set_new(a, "R21", json_string(cover[i].r21));
            if (cover[i].e02q)
                json_object_set_new(a, "E02q", json_string(cover[i].e02q));
            if (couple[k].r04)
                json_object_set_new(a, "R04", json_string(couple[k].r04));
            if (couple[k].e03q)
                json_object_set_new(a, "E03q", json_string(couple[k].e03q));
            answers_report r;
            size_t n = answers_check(f, a, "2026-11-23", &r);
            if (n > 0) {
                char got[512];
                au_render(&r, got, sizeof got);
                fail_msg("R21=%s R04=%s: %s", cover[i].r21, couple[k].r04, got);
            }
            answers_report_free(&r);
            answers_normalize(f, a);
            const char *e02 = json_string_value(json_object_get(a, "E02"));
            const char *e03 = json_string_value(json_object_get(a, "E03"));
            if (cover[i].e02 == NULL)
                assert_null(e02);
            else
                assert_string_equal(e02, cover[i].e02);
            if (couple[k].e03 == NULL)
                assert_null(e03);
            else
                assert_string_equal(e03, couple[k].e03);
            json_decref(a);
        }
    /* a fallback is only asked when the source does not say */
    json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "R01", "QN09399A", "R02", "40-54", "R03",
                          "femme", "R07", "bon", "R17", "non", "R21", "mutuelle", "E02q", "non");
    answers_report r;
    assert_int_equal(answers_check(f, a, "2026-11-23", &r), 1);
    assert_string_equal(r.errors[0].question, "E02q");
    assert_string_equal(r.errors[0].code, ANSWERS_NOT_RELEVANT);
    answers_report_free(&r);
    json_decref(a);
    catalog_close(cat);
    diag_list_free(&diags);
}

/* The codes an answer may take in the EPICES cases below: NULL is "not answered". */
static const char *const onr[] = {"oui", "non", "refus", NULL};
static const char *const r21s[] = {"mutuelle", "c2s_sans_participation", "c2s_avec_participation", "aucune", "nsp",
                                   "refus", NULL};
static const char *const r04s[] = {"seul", "couple_sans_enfant", "couple_avec_enfants", "seul_avec_enfants", "autre",
                                   NULL};

/* What R21 says of EPICES item 2, or NULL when it does not say (nsp, unanswered): the question is then asked. */
static const char *cover_says(const char *r21)
{
    if (r21 == NULL || strcmp(r21, "nsp") == 0)
        return NULL;
    if (strcmp(r21, "aucune") == 0)
        return "non";
    return strcmp(r21, "refus") == 0 ? "refus" : "oui";
}

/* What R04 says of EPICES item 3, or NULL when it does not say (autre, unanswered). */
static const char *couple_says(const char *r04)
{
    if (r04 == NULL || strcmp(r04, "autre") == 0)
        return NULL;
    return strncmp(r04, "couple", 6) == 0 ? "oui" : "non";
}

static void set_code(json_t *a, const char *id, const char *code)
{
    if (code != NULL)
        json_object_set_new(a, id, json_string(code));
}

/* Checks and stores answers as the collector does; fails the test when they are refused. */
static void store_like_collector(const form *f, json_t *a)
{
    answers_report r;
    if (answers_check(f, a, "2026-11-23", &r) > 0) {
        char got[512], *text = json_dumps(a, JSON_COMPACT);
        au_render(&r, got, sizeof got);
        fail_msg("version %s refuses %s: %s", f->version, text, got);
    }
    answers_report_free(&r);
    answers_normalize(f, a);
}

/* Every way to answer R21 and E02, and R04 and E03, that version 1 allowed and that agrees with what R21 and R04
 * say, times 24 patterns of the nine other EPICES items (each oui, non, refus or unanswered): the same respondent
 * answering version 2 (E02q and E03q only when R21 and R04 do not say) has, once stored, the same EPICES score
 * (and state: missing, refus) and the same observation for every indicator of resident.indicators.json. */
static void test_epices_same_on_both_versions(void **state)
{
    (void)state;
    diag_list diags = {0};
    catalog *cat = catalog_open(FORMS_DIR, &diags);
    assert_non_null(cat);
    const form *v1 = catalog_get(cat, "resident", "1"), *v2 = catalog_get(cat, "resident", "2");
    assert_non_null(v1);
    assert_non_null(v2);
    char path[512];
    ind_set *ind = ind_load(ind_default_path(cat, "resident", path, sizeof path), cat, "resident", &diags);
    if (ind == NULL)
        diag_print(&diags, stderr);
    assert_non_null(ind);
    const ind_score *epices = NULL;
    for (size_t i = 0; i < ind_score_count(ind); i++)
        if (strcmp(ind_score_at(ind, i)->id, "epices") == 0)
            epices = ind_score_at(ind, i);
    assert_non_null(epices);
    size_t n = ind_count(ind), compared = 0, scored = 0, epices_ind = 0;
    for (size_t k = 0; k < n; k++)
        epices_ind += ind_at(ind, k)->score == epices;
    assert_true(epices_ind >= 2); /* the share of precarious residents and the mean score */
    /* `forms diff` says E02 and E03 are now computed, and that they keep their meaning: the analyzer pools the
     * EPICES indicators of both versions (only the fallbacks, new questions, are not comparable) */
    formdiff *d = formdiff_compare(v1, v2);
    assert_null(formdiff_meaning_change(d, "E02"));
    assert_null(formdiff_meaning_change(d, "E03"));
    assert_non_null(formdiff_meaning_change(d, "E02q"));
    size_t calc = 0;
    for (size_t k = 0; k < d->count; k++)
        calc += d->items[k].kind == FORMDIFF_CALCULATION && d->items[k].before == NULL;
    assert_int_equal(calc, 2);
    formdiff_free(d);
    ind_obs *o1 = xcalloc(n, sizeof *o1), *o2 = xcalloc(n, sizeof *o2);
    static const char *const others[] = {"E01", "E04", "R22", "E06", "E07", "E08", "E09", "E10", "E11"};
    uint64_t rng = 88172645463325252u;
    for (size_t i = 0; i < sizeof r21s / sizeof *r21s; i++)
        for (size_t e2 = 0; e2 < 4; e2++)
            for (size_t j = 0; j < sizeof r04s / sizeof *r04s; j++)
                for (size_t e3 = 0; e3 < 4; e3++) {
                    const char *said2 = cover_says(r21s[i]), *said3 = couple_says(r04s[j]);
                    /* version 1 answers that contradict R21 or R04 have no equivalent: skipped */
                    if ((said2 && (onr[e2] == NULL || strcmp(onr[e2], said2) != 0)) ||
                        (said3 && (onr[e3] == NULL || strcmp(onr[e3], said3) != 0)))
                        continue;
                    for (int pattern = 0; pattern < 24; pattern++) {
                        json_t *a1 = json_pack("{s:s, s:s, s:s, s:s, s:s}", "R01", "QN09399A", "R02", "40-54", "R03",
                                               "femme", "R07", "bon", "R17", "non");
                        for (size_t k = 0; k < sizeof others / sizeof *others; k++) {
                            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
                            /* mostly oui or non, so that most records have a score */
                            uint64_t x = rng % 20;
                            set_code(a1, others[k], onr[x < 9 ? 0 : x < 18 ? 1 : x == 18 ? 2 : 3]);
                        }
                        set_code(a1, "R21", r21s[i]);
                        set_code(a1, "R04", r04s[j]);
                        json_t *a2 = json_deep_copy(a1);
                        set_code(a1, "E02", onr[e2]);
                        set_code(a1, "E03", onr[e3]);
                        if (said2 == NULL)
                            set_code(a2, "E02q", onr[e2]);
                        if (said3 == NULL)
                            set_code(a2, "E03q", onr[e3]);
                        store_like_collector(v1, a1);
                        store_like_collector(v2, a2);
                        double s1 = -1, s2 = -2;
                        ind_state st1 = ind_score_eval(epices, a1, &s1), st2 = ind_score_eval(epices, a2, &s2);
                        assert_int_equal(st1, st2);
                        if (st1 == IND_IN) {
                            assert_true(s1 == s2);
                            scored++;
                        }
                        ind_eval(ind, v1, a1, "2026-11-23", o1);
                        ind_eval(ind, v2, a2, "2026-11-23", o2);
                        for (size_t k = 0; k < n; k++)
                            if (o1[k].state != o2[k].state || o1[k].event != o2[k].event ||
                                o1[k].cats != o2[k].cats || !(o1[k].a == o2[k].a || (o1[k].a != o1[k].a &&
                                o2[k].a != o2[k].a)) || !(o1[k].b == o2[k].b || (o1[k].b != o1[k].b && o2[k].b != o2[k].b)))
                                fail_msg("indicator %s differs between versions 1 and 2 (R21=%s E02=%s R04=%s E03=%s)",
                                         ind_at(ind, k)->id, r21s[i], onr[e2], r04s[j], onr[e3]);
                        compared++;
                        json_decref(a1);
                        json_decref(a2);
                    }
                }
    /* (5 determined + 2 undetermined x 4 answers) x (4 + 2 x 4) x 24 patterns */
    assert_int_equal(compared, (5 + 2 * 4) * (4 + 2 * 4) * 24);
    fprintf(stderr, "%zu respondents on both versions, %zu with an EPICES score\n", compared, scored);
    assert_true(scored > compared / 10);
    free(o1);
    free(o2);
    ind_free(ind);
    catalog_close(cat);
    diag_list_free(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loads),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_resident_v2),
        cmocka_unit_test(test_epices_same_on_both_versions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
