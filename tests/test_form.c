/* test_form.c -- the form loader: the fixture loads, and each malformed definition gives its precise error
 * (JSON path and message). Cases are a table of mutations applied to the valid fixture form.
 */
#include "testutil.h"

#include <unistd.h>

#include "form.h"
#include "terr.h"

#define Q(i) "sections[0].questions[" #i "]"
#define QP(i) "$.sections[0].questions[" #i "]"

typedef struct mutation_case {
    const char *path;      /* member to change in tests/data/form_valid.json */
    const char *value;     /* new JSON value, or NULL to delete the member */
    const char *want_path; /* diagnostic path expected */
    const char *want_msg;  /* fragment of the message expected */
} mutation_case;

static const mutation_case cases[] = {
    {"id", NULL, "$.id", "obligatoire"},
    {"id", "\"Bad Id\"", "$.id", "invalide"},
    {"version", "\"1.a\"", "$.version", "invalide"},
    {"version", "1", "$.version", "chaîne"},
    {"languages", "[\"en\", \"fr\"]", "$.languages[0]", "première"},
    {"languages", "[\"fr\", \"fr\"]", "$.languages[1]", "en double"},
    {"languages", "[\"fr\", \"EN\"]", "$.languages[1]", "code de langue"},
    {"title", "{\"en\": \"T\"}", "$.title", "français"},
    {"title.fr_FR", "\"x\"", "$.title.fr_FR", "non déclarée"},
    {"title.fr", "\"\"", "$.title.fr", "non vide"},
    {"relevent", "\"x\"", "$.relevent", "clé inconnue"},
    {"sections", "[]", "$.sections", "au moins une section"},
    {"sections[0].questions", "[]", "$.sections[0].questions", "au moins une question"},
    {"sections[0].id", "\"1x\"", "$.sections[0].id", "invalide"},
    {Q(1) ".relevent", "\"${Q1} = 'oui'\"", QP(1) ".relevent", "clé inconnue"},
    {Q(1) ".type", "\"checkbox\"", QP(1) ".type", "type inconnu"},
    {Q(1) ".id", "\"Q1\"", QP(1) ".id", "déjà utilisé"},
    {Q(1) ".id", "\"Q-1\"", QP(1) ".id", "invalide"},
    {Q(1) ".label", NULL, QP(1) ".label", "obligatoire"},
    {Q(1) ".choices[0].code", "\"A\"", QP(1) ".choices[0].code", "invalide"},
    {Q(1) ".choices[1].code", "\"a\"", QP(1) ".choices[1].code", "déjà utilisé"},
    /* the code of a choice that an expression names (selected(${Q2}, 'c')): found by fuzz_form */
    {Q(1) ".choices[2].code", NULL, QP(1) ".choices[2].code", "obligatoire"},
    {Q(1) ".choices[1].paper", "1", QP(1) ".choices[1]", "numéro papier 1 déjà utilisé"},
    {Q(1) ".choices[1].paper", "100", QP(1) ".choices[1].paper", "0 à 99"},
    {Q(1) ".choices[1].colour", "\"red\"", QP(1) ".choices[1].colour", "clé inconnue"},
    {Q(1) ".max_selected", "0", QP(1) ".max_selected", "max_selected"},
    {Q(1) ".max_selected", "5", QP(1) ".max_selected", "max_selected"},
    {Q(0) ".choices", "\"nope\"", QP(0) ".choices", "liste de choix inconnue"},
    {Q(0) ".choices", NULL, QP(0) ".choices", "obligatoire"},
    {Q(0) ".required", "3", QP(0) ".required", "true, false ou une expression"},
    {"choice_lists.on[0].exclusive", "true", "$.choice_lists.on[0]", "exclusive"},
    {Q(1) ".relevant", "\"${Q99} = 'oui'\"", QP(1) ".relevant", "question inconnue ${Q99}"},
    {Q(1) ".relevant", "\"${Q3} > 3\"", QP(1) ".relevant", "vient après"},
    {Q(1) ".relevant", "\"${Q1} = 'peut-etre'\"", QP(1) ".relevant", "peut-etre"},
    {Q(1) ".relevant", "\"${Q1} > 3\"", QP(1) ".relevant", NULL},
    {Q(1) ".relevant", "\"${Q1} = \"", QP(1) ".relevant", NULL},
    {Q(1) ".relevant", "\". = 'a'\"", QP(1) ".relevant", NULL},
    {Q(1) ".relevant", "\"${Q1}\"", QP(1) ".relevant", NULL},
    {Q(13) ".relevant", "\"${Q9.r9} = 'oui'\"", QP(13) ".relevant", "pas de ligne « r9 »"},
    {Q(13) ".relevant", "\"${Q1.r1} = 'oui'\"", QP(13) ".relevant", "n'est pas une grille"},
    {Q(11) ".constraint", "\". <= ${Q12}\"", QP(11) ".constraint", "la réponse vérifiée s'écrit « . »"},
    {Q(11) ".constraint_message", NULL, QP(11) ".constraint_message", "obligatoire"},
    {Q(2) ".constraint_message", "{\"fr\": \"x\"}", QP(2) ".constraint_message", "sans « constraint »"},
    {Q(2) ".min", "200", QP(2), "dépasse"},
    {Q(2) ".min", "1.5", QP(2) ".min", "entier"},
    {Q(2) ".choices", "\"on\"", QP(2) ".choices", "clé inconnue"},
    {Q(4) ".max_length", "0", QP(4) ".max_length", "max_length"},
    {Q(4) ".max_length", "20000", QP(4) ".max_length", "max_length"},
    {Q(6) ".min", "\"2026-13-01\"", QP(6) ".min", "AAAA-MM-JJ"},
    {Q(6) ".max", "\"2019-01-01\"", QP(6), "après « max »"},
    {Q(7) ".max", NULL, QP(7), "échelle"},
    {Q(7) ".max", "30", QP(7), "échelle"},
    {Q(7) ".labels.9", "{\"fr\": \"x\"}", QP(7) ".labels.9", "point de l'échelle"},
    {Q(8) ".rows", NULL, QP(8) ".rows", "obligatoire"},
    {Q(8) ".rows", "[]", QP(8) ".rows", "entre 1 et"},
    {Q(9) ".choices[0].code", "\"QN09399A\"", QP(9), "aussi un code de territoire"},
    {Q(9) ".choices[0].paper", "1", QP(9), "numéro papier 1"},
    {Q(10) ".required", "true", QP(10) ".required", "clé inconnue"},
    {"sections[1].relevant", "\"${Q15} = 'oui'\"", "$.sections[1].relevant", "vient après"},
    {Q(14) ".multiple", "\"yes\"", QP(14) ".multiple", "true ou false"},
    {Q(14) ".multiple", "false", QP(14) ".max_selected", "multiple"},
    {Q(14) ".max_selected", "9", QP(14) ".max_selected", "max_selected"},
    {Q(9) ".choices[0].exclusive", "true", QP(9) ".choices[0]", "exclusive"},
    {Q(13) ".relevant", "\"${Q10} = 'partout'\"", QP(13) ".relevant", "partout"},
};

static void test_fixture_loads(void **state)
{
    (void)state;
    diag_list diags = {0};
    terr_set *ts = terr_load(TEST_DATA_DIR "/territories_test.json", &diags);
    assert_non_null(ts);
    form *f = form_load_file(TEST_DATA_DIR "/form_valid.json", ts, &diags);
    if (f == NULL)
        diag_print(&diags, stderr);
    assert_non_null(f);
    assert_int_equal(diags.errors, 0);
    assert_int_equal(diags.warnings, 0);
    assert_string_equal(f->id, "t");
    assert_int_equal(f->nsections, 2);
    assert_int_equal(f->nquestions, 16);
    assert_true(form_question_by_id(f, "Q16")->multiple);
    assert_false(form_question_by_id(f, "Q10")->multiple);
    const form_question *q = form_question_by_id(f, "Q9");
    assert_non_null(q);
    assert_int_equal(q->type, FQ_GRID);
    assert_int_equal(q->nrows, 2);
    assert_null(form_question_by_id(f, "Q99"));
    assert_int_equal(form_question_by_id(f, "Q2")->choices[3].paper, 9);
    assert_true(form_question_by_id(f, "Q2")->choices[3].exclusive);
    assert_int_equal(form_question_by_id(f, "Q2")->choices[1].paper, 2); /* default: position */
    assert_true(form_accepts_code(f, form_question_by_id(f, "Q10"), "QN09399A"));
    assert_true(form_accepts_code(f, form_question_by_id(f, "Q10"), "autre_commune"));
    assert_false(form_accepts_code(f, form_question_by_id(f, "Q10"), "QN00000X"));
    assert_int_equal(form_question_by_id(f, "Q6")->max_length, FORM_LONG_TEXT_DEFAULT_MAX);
    assert_string_equal(form_text(q->label, "en"), "Grid");
    assert_string_equal(form_text(q->label, "ar"), "Grille"); /* undeclared: French */
    form_free(f);
    terr_free(ts);
    diag_list_free(&diags);
}

static void test_mutations(void **state)
{
    (void)state;
    diag_list tdiags = {0};
    terr_set *ts = terr_load(TEST_DATA_DIR "/territories_test.json", &tdiags);
    assert_non_null(ts);
    size_t failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const mutation_case *c = &cases[i];
        json_t *doc = tu_load("form_valid.json");
        tu_set(doc, c->path, c->value ? tu_json(c->value) : NULL);
        diag_list diags = {0};
        form *f = form_load_json(doc, "case", ts, &diags);
        bool found = false;
        for (size_t k = 0; k < diags.count; k++)
            if (!diags.items[k].warning && strcmp(diags.items[k].path, c->want_path) == 0 &&
                (c->want_msg == NULL || strstr(diags.items[k].message, c->want_msg)))
                found = true;
        if (f != NULL || !found) {
            failures++;
            fprintf(stderr, "case %zu (%s = %s): %s; expected %s « %s », got:\n", i, c->path,
                    c->value ? c->value : "(deleted)", f ? "loaded" : "rejected", c->want_path,
                    c->want_msg ? c->want_msg : "");
            diag_print(&diags, stderr);
        }
        form_free(f);
        diag_list_free(&diags);
        json_decref(doc);
    }
    terr_free(ts);
    diag_list_free(&tdiags);
    assert_int_equal(failures, 0);
}

static void test_missing_translation_is_warning(void **state)
{
    (void)state;
    json_t *doc = tu_load("form_valid.json");
    tu_set(doc, Q(2) ".label.en", NULL);
    tu_set(doc, "choice_lists.on[1].label.en", NULL);
    diag_list diags = {0};
    terr_set *ts = terr_load(TEST_DATA_DIR "/territories_test.json", &diags);
    form *f = form_load_json(doc, "w", ts, &diags);
    assert_non_null(f);
    assert_int_equal(diags.errors, 0);
    assert_true(tu_has_diag(&diags, true, QP(2) ".label", "traduction « en » manquante"));
    assert_true(tu_has_diag(&diags, true, "$.choice_lists.on[1].label", "traduction « en »"));
    assert_string_equal(form_text(form_question_by_id(f, "Q3")->label, "en"), "Âge ?");
    form_free(f);
    terr_free(ts);
    diag_list_free(&diags);
    json_decref(doc);
}

static void test_territory_needs_territories(void **state)
{
    (void)state;
    diag_list diags = {0};
    form *f = form_load_file(TEST_DATA_DIR "/form_valid.json", NULL, &diags);
    assert_null(f);
    assert_true(tu_has_diag(&diags, false, QP(9), "sans fichier des territoires"));
    diag_list_free(&diags);
}

static void test_invalid_json(void **state)
{
    (void)state;
    char path[] = "/tmp/test_form_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("{\"id\": \"t\",\n \"id\": \"u\"}", fp);
    fclose(fp);
    diag_list diags = {0};
    assert_null(form_load_file(path, NULL, &diags));
    assert_true(tu_has_diag(&diags, false, "ligne 2, colonne 5", "JSON invalide"));
    diag_list_free(&diags);
    fp = fopen(path, "w");
    fputs("{\"id\": ", fp);
    fclose(fp);
    assert_null(form_load_file(path, NULL, &diags));
    assert_true(tu_has_diag(&diags, false, NULL, "JSON invalide"));
    diag_list_free(&diags);
    unlink(path);
}

static void test_versions(void **state)
{
    (void)state;
    static const struct { const char *a, *b; int cmp; } vc[] = {
        {"1", "1", 0}, {"1", "2", -1}, {"2", "10", -1}, {"1.2", "1.10", -1}, {"1.0", "1", 0}, {"2026.1", "2025.12", 1},
    };
    for (size_t i = 0; i < sizeof vc / sizeof *vc; i++) {
        int c = form_version_cmp(vc[i].a, vc[i].b);
        assert_int_equal(c < 0 ? -1 : c > 0, vc[i].cmp);
    }
    static const char *const good[] = {"1", "1.2", "2026.11.3", "0"};
    static const char *const bad[] = {"", "a", "1.", ".1", "1..2", "v1", "1 ", "1234567890"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(form_version_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(form_version_valid(bad[i]));
}

static void test_qtype_names(void **state)
{
    (void)state;
    for (int t = FQ_SINGLE; t <= FQ_NOTE; t++)
        assert_int_equal(form_qtype_parse(form_qtype_name((form_qtype)t)), t);
    assert_int_equal(form_qtype_parse("checkbox"), -1);
    form_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_loads),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_missing_translation_is_warning),
        cmocka_unit_test(test_territory_needs_territories),
        cmocka_unit_test(test_invalid_json),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_qtype_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
