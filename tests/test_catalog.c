/* test_catalog.c -- a forms folder: the shipped definitions load with no error and no missing translation,
 * every version stays reachable, duplicate versions and wrong population codes are refused.
 */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "answers.h"
#include "catalog.h"

static void test_shipped_forms(void **state)
{
    (void)state;
    diag_list diags = {0};
    catalog *c = catalog_open(FORMS_DIR, &diags);
    diag_print(&diags, stderr);
    assert_non_null(c);
    assert_int_equal(diags.errors, 0);
    assert_int_equal(diags.warnings, 0);
    const form *res = catalog_current(c, "resident");
    const form *op = catalog_current(c, "operator");
    assert_non_null(res);
    assert_non_null(op);
    assert_int_equal(res->nlanguages, 4);
    assert_string_equal(res->languages[0], "fr");
    assert_true(form_has_language(res, "ar"));
    assert_true(form_has_language(res, "tr"));
    assert_true(form_has_language(res, "en"));
    /* the ids of the question bank, and the codes other modules rely on */
    char id[8];
    for (int i = 1; i <= 40; i++) {
        snprintf(id, sizeof id, "R%02d", i);
        if (form_question_by_id(res, id) == NULL)
            fail_msg("resident form has no %s", id);
    }
    static const char *const ages[] = {"16-24", "25-39", "40-54", "55-64", "65-74", "75+"};
    for (size_t i = 0; i < 6; i++)
        assert_non_null(form_choice_by_code(form_question_by_id(res, "R02"), ages[i], false));
    static const char *const sexes[] = {"femme", "homme", "autre", "refus"};
    for (size_t i = 0; i < 4; i++)
        assert_non_null(form_choice_by_code(form_question_by_id(res, "R03"), sexes[i], false));
    static const char *const r17[] = {"oui", "non", "nsp"};
    for (size_t i = 0; i < 3; i++)
        assert_non_null(form_choice_by_code(form_question_by_id(res, "R17"), r17[i], false));
    assert_int_equal(form_question_by_id(res, "R01")->type, FQ_TERRITORY);
    assert_int_equal(form_question_by_id(res, "R23")->type, FQ_GRID);
    /* EPICES: items 1-4 and 6-11 as E01..E11, item 5 is R22 */
    static const char *const epices[] = {"E01", "E02", "E03", "E04", "R22", "E06", "E07", "E08", "E09", "E10",
                                         "E11"};
    for (size_t i = 0; i < 11; i++) {
        const form_question *q = form_question_by_id(res, epices[i]);
        assert_non_null(q);
        assert_non_null(form_choice_by_code(q, "oui", false));
        assert_non_null(form_choice_by_code(q, "non", false));
    }
    /* the operator grid has the same rows as R23 */
    const form_question *r23 = form_question_by_id(res, "R23");
    const form_question *ogrid = NULL;
    for (size_t i = 0; i < op->nquestions; i++)
        if (op->questions[i].type == FQ_GRID && op->questions[i].nrows == r23->nrows &&
            form_choice_by_code(&op->questions[i], "pmi", true))
            ogrid = &op->questions[i];
    assert_non_null(ogrid);
    for (size_t i = 0; i < r23->nrows; i++)
        assert_non_null(form_choice_by_code(ogrid, r23->rows[i].code, true));
    /* a minimal valid resident answer passes */
    json_t *answers = tu_json("{\"R01\": \"hors_qpv\", \"R02\": \"25-39\", \"R03\": \"femme\", "
                              "\"R07\": \"bon\", \"R17\": \"non\"}");
    answers_report r;
    size_t n = answers_check(res, answers, "2026-11-23", &r);
    for (size_t i = 0; i < r.count; i++)
        fprintf(stderr, "%s: %s\n", r.errors[i].question, r.errors[i].message);
    assert_int_equal(n, 0);
    answers_report_free(&r);
    json_decref(answers);
    catalog_close(c);
    diag_list_free(&diags);
}

/* Builds a forms folder in a temporary directory from the fixtures. */
static void write_json(const char *dir, const char *name, json_t *doc)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
}

static void make_folder(char *dir)
{
    assert_non_null(mkdtemp(dir));
    char sub[512];
    snprintf(sub, sizeof sub, "%s/versions", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    json_t *t = tu_load("territories_test.json");
    write_json(dir, "territories.json", t);
    json_decref(t);
    json_t *v1 = tu_load("form_valid.json");
    write_json(dir, "versions/t-1.json", v1);
    tu_set(v1, "version", json_string("1.10"));
    write_json(dir, "t.json", v1);
    tu_set(v1, "version", json_string("1.9"));
    write_json(dir, "versions/t-1.9.json", v1);
    json_decref(v1);
}

static void remove_folder(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_versions(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_catalog_XXXXXX";
    make_folder(dir);
    diag_list diags = {0};
    catalog *c = catalog_open(dir, &diags);
    diag_print(&diags, stderr);
    assert_non_null(c);
    assert_int_equal(catalog_count(c), 3);
    assert_string_equal(catalog_current(c, "t")->version, "1.10"); /* numeric, not text, order */
    assert_non_null(catalog_get(c, "t", "1"));
    assert_non_null(catalog_get(c, "t", "1.9"));
    assert_null(catalog_get(c, "t", "2"));
    assert_null(catalog_current(c, "nope"));
    assert_int_equal(catalog_territories(c)->count, 2);
    catalog_close(c);

    /* the same version twice is refused */
    json_t *dup = tu_load("form_valid.json");
    write_json(dir, "versions/t-copy.json", dup);
    json_decref(dup);
    assert_null(catalog_open(dir, &diags));
    assert_true(tu_has_diag(&diags, false, "$.version", "déjà défini"));
    diag_list_free(&diags);
    remove_folder(dir);
}

static void test_population_codes(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_catalog_XXXXXX";
    make_folder(dir);
    /* a form with R02/R03 whose codes do not include the territories' "25-39" */
    json_t *f = tu_load("form_valid.json");
    tu_set(f, "id", json_string("p"));
    tu_set(f, "sections[0].questions[0].id", json_string("R02"));
    tu_set(f, "sections[0].questions[1].relevant", json_string("${R02} = 'oui'"));
    tu_set(f, "sections[0].questions[11].required", json_string("${R02} = 'non'"));
    tu_set(f, "sections[0].questions[2].id", json_string("R03"));
    tu_set(f, "sections[1].relevant", json_string("${R03} >= 18"));
    tu_set(f, "sections[0].questions[11].constraint", json_string(". <= ${R03}"));
    write_json(dir, "p.json", f);
    json_decref(f);
    diag_list diags = {0};
    assert_null(catalog_open(dir, &diags));
    assert_true(tu_has_diag(&diags, false, "$.territories[0].population.16-24", "n'est pas un code de R02"));
    diag_list_free(&diags);
    remove_folder(dir);

    diag_list d2 = {0};
    assert_null(catalog_open("/nonexistent-forms", &d2));
    assert_true(tu_has_diag(&d2, false, "$", "dossier illisible"));
    diag_list_free(&d2);
    catalog_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_forms),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_population_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
