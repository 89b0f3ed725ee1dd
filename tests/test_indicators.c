/* test_indicators.c -- the indicators command's parts: definitions as data (ind_load, ind_eval, EPICES against
 * score_epices), the population margins file (mg_load), and the analysis of a real collector database written
 * through the store (an_run): minimum-n suppression with complementary cells and what the JSON and CSV outputs
 * then carry, proportions of 0 and 1, empty groups and one-respondent domains, raking errors, grouped rows
 * against one row per respondent, and respondents outside the territories.
 *
 * Every file a test writes goes to one temporary folder: each test removes its own files, the per-test teardown
 * whatever a failing test left, and the group teardown the folder. Checks over tables of cases record each
 * failure and go on (soft_fail), so that the test still frees everything and reports every broken case.
 */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>

#include "analysis.h"
#include "answers.h"
#include "catalog.h"
#include "csv.h"
#include "disclosure_check.h"
#include "estimate.h"
#include "indicators.h"
#include "margins.h"
#include "output.h"
#include "scores.h"
#include "store.h"

#define TODAY "2026-01-15"

static catalog *forms;
static char tmpdir[64];

static const char *const ages[6] = {"16-24", "25-39", "40-54", "55-64", "65-74", "75+"};
static const char *const sexes[2] = {"femme", "homme"};
static const char *const terrs[5] = {"QN09399A", "QN09399B", "QN09399C", "QN09399D", "hors_qpv"};
/* EPICES items in the published order (Sass et al. 2006), as score_epices takes them. */
static const char *const epices_items[SCORE_EPICES_ITEMS] = {"E01", "E02", "E03", "E04", "R22", "E06",
                                                             "E07", "E08", "E09", "E10", "E11"};

static int group_setup(void **state)
{
    (void)state;
    est_init();
    diag_list diags = {0};
    forms = catalog_open(FORMS_DIR, &diags);
    if (forms == NULL)
        diag_print(&diags, stderr);
    diag_list_free(&diags);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_indicators_XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    return forms ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    catalog_close(forms);
    return rmdir(tmpdir);
}

/* Failures a test records and goes on, so that one run shows every broken case and still frees what it
 * allocated (cmocka's failure jumps out of the test: whatever it held would leak). */
static char failures[8192];
static size_t nfailures;

static void soft_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void soft_fail(const char *fmt, ...)
{
    size_t used = strlen(failures);
    va_list ap;
    va_start(ap, fmt);
    if (used + 2 < sizeof failures) {
        vsnprintf(failures + used, sizeof failures - used - 1, fmt, ap);
        strcat(failures, "\n");
    }
    va_end(ap);
    nfailures++;
}

/* Fails the test with every recorded failure; call it once everything is freed. */
/* Details of the last failure (not counted). */
static void soft_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void soft_note(const char *fmt, ...)
{
    size_t used = strlen(failures);
    va_list ap;
    va_start(ap, fmt);
    if (used + 2 < sizeof failures) {
        vsnprintf(failures + used, sizeof failures - used - 1, fmt, ap);
        strcat(failures, "\n");
    }
    va_end(ap);
}

static void check_soft_failures(void)
{
    if (nfailures > 0)
        fail_msg("%zu failure(s):\n%s", nfailures, failures);
}

static int test_setup(void **state)
{
    (void)state;
    failures[0] = '\0';
    nfailures = 0;
    return 0;
}

/* Removes whatever a test left in the temporary folder (a test that fails stops before its own clean-up). */
static int test_teardown(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    closedir(d);
    return 0;
}

/* path = tmpdir/name */
static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static const form *current(const char *form_id)
{
    const form *f = catalog_current(forms, form_id);
    assert_non_null(f);
    return f;
}

/* The shipped definitions of form_id, from their conventional path; fails the test with the diagnostics when
 * they do not load. */
static ind_set *load_shipped(const char *form_id)
{
    char path[512];
    diag_list diags = {0};
    ind_set *s = ind_load(ind_default_path(forms, form_id, path, sizeof path), forms, form_id, &diags);
    if (s == NULL || diags.errors != 0) {
        diag_print(&diags, stderr);
        fail_msg("%s does not load", path);
    }
    diag_list_free(&diags);
    return s;
}

/* Loads definitions from a JSON document written to a temporary file (removed before returning). */
static ind_set *load_doc(const json_t *doc, const char *form_id, diag_list *diags)
{
    char path[128];
    tmp_path(path, sizeof path, "defs.indicators.json");
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
    ind_set *s = ind_load(path, forms, form_id, diags);
    unlink(path);
    return s;
}

/* Index of definition id; fails when the set has none. */
static size_t def_index(const ind_set *s, const char *id)
{
    for (size_t i = 0; i < ind_count(s); i++)
        if (strcmp(ind_at(s, i)->id, id) == 0)
            return i;
    fail_msg("no indicator %s", id);
    return 0;
}

/* ================================================================== definitions */

static void test_load_shipped(void **state)
{
    (void)state;
    char path[512], want[512];
    snprintf(want, sizeof want, "%s/resident.indicators.json", FORMS_DIR);
    assert_string_equal(ind_default_path(forms, "resident", path, sizeof path), want);

    ind_set *res = load_shipped("resident");
    assert_string_equal(ind_form_id(res), "resident");
    assert_true(ind_count(res) >= 40);
    const ind_def *d = ind_at(res, def_index(res, "sante_percue_bonne"));
    assert_int_equal(d->kind, IND_PROPORTION);
    assert_string_equal(d->question, "R07");
    assert_null(d->row);
    d = ind_at(res, def_index(res, "connait_pmi"));
    assert_string_equal(d->question, "R23.pmi");
    assert_string_equal(d->row, "pmi");
    d = ind_at(res, def_index(res, "renoncement_types"));
    assert_int_equal(d->kind, IND_DISTRIBUTION);
    assert_true(d->multiple);
    assert_int_equal(d->ncategories, 8);
    assert_string_equal(d->categories[0].code, "generaliste");
    assert_string_equal(d->categories[7].code, "autre");
    d = ind_at(res, def_index(res, "epices_precarite"));
    assert_non_null(d->score);
    assert_string_equal(d->score->id, "epices");
    assert_int_equal(d->score->nterms, SCORE_EPICES_ITEMS);
    assert_true(fabs(d->score->constant - 75.14) < 1e-12);
    assert_true(fabs(d->threshold - SCORE_EPICES_PRECARIOUS) < 1e-12);
    assert_int_equal(ind_at(res, def_index(res, "epices_score_moyen"))->kind, IND_MEAN);
    ind_free(res);

    ind_set *op = load_shipped("operator");
    assert_string_equal(ind_form_id(op), "operator");
    d = ind_at(op, def_index(op, "accompagnements_realises_sur_demandes"));
    assert_int_equal(d->kind, IND_RATIO);
    d = ind_at(op, def_index(op, "outils_communication"));
    assert_int_equal(d->kind, IND_DISTRIBUTION);
    assert_int_equal(d->ncategories, 5);
    assert_string_equal(ind_kind_name(IND_RATIO), "ratio");
    assert_string_equal(ind_kind_name(IND_MEAN), "mean");
    ind_free(op);
    ind_free(NULL);
}

/* One broken copy of a shipped file: the member at `set` (tu_set's path) replaced by the JSON text `value`, or
 * deleted (value NULL); the indicator at `index` must be `id` (guards against a reordered shipped file). The
 * load must fail with an error at `path` whose message contains `fragment`. */
typedef struct broken_case {
    const char *form;
    int index;
    const char *id;
    const char *set;
    const char *value;
    const char *path;
    const char *fragment;
} broken_case;

static const broken_case broken_cases[] = {
    {"resident", 0, "sante_percue_bonne", "indicators[0].question", "\"R99\"", "$.indicators[0]",
     "question inconnue « R99 »"},
    {"resident", 0, "sante_percue_bonne", "indicators[0].numerator", "\"${R07} = 'tres_bonn'\"",
     "$.indicators[0].numerator", "tres_bonn"},
    {"resident", 0, "sante_percue_bonne", "indicators[0].numerator", "\"${R77} = 'oui'\"", "$.indicators[0].numerator",
     "R77"},
    {"resident", 0, "sante_percue_bonne", "indicators[0].numerateur", "\"${R07} = 'bon'\"",
     "$.indicators[0].numerateur", "clé inconnue « numerateur »"},
    {"resident", 1, "maladie_chronique", "indicators[1].id", "\"sante_percue_bonne\"", "$.indicators[1]",
     "« sante_percue_bonne » déjà utilisé"},
    {"resident", 0, "sante_percue_bonne", "indicators[0].type", "\"pourcentage\"", "$.indicators[0]",
     "type « pourcentage » inconnu"},
    {"resident", 4, "renoncement_types", "indicators[4].question", "\"R39\"", "$.indicators[4]",
     "R39 n'en est pas une"},
    {"resident", 0, "sante_percue_bonne", "indicators[0].numerator", NULL, "$.indicators[0]",
     "clés incompatibles avec le type « proportion »"},
    {"resident", 7, "epices_precarite", "indicators[7].score", "\"epice\"", "$.indicators[7]",
     "score « epice » inconnu"},
    {"resident", 8, "epices_score_moyen", "indicators[8].score", "\"epice\"", "$.indicators[8]",
     "score « epice » inconnu"},
    {"resident", 9, "connait_{row}", "indicators[9].question", "\"R23\"", "$.indicators[9]", "nommez une ligne"},
    {"resident", 9, "connait_{row}", "indicators[9].question", "\"R23.centre\"", "$.indicators[9]",
     "R23.centre"},
    {"resident", 7, "epices_precarite", "indicators[7].threshold", NULL, "$.indicators[7]",
     "clés incompatibles avec le type « proportion »"},
    {"resident", -1, NULL, "scores[0].terms[0].code", "\"yes\"", "$.scores[0].terms[0]",
     "« yes » n'est pas un code de E01"},
    {"resident", -1, NULL, "scores[0].terms[4].question", "\"R99\"", "$.scores[0].terms[4]", "R99"},
    {"resident", -1, NULL, "form", "\"operator\"", "$.form", "operator"},
    {"resident", -1, NULL, "indicateurs", "[]", "$.indicateurs", "clé inconnue « indicateurs »"},
    {"operator", 5, "outils_communication", "indicators[5].question", "\"O16\"", "$.indicators[5]",
     "O16 n'en est pas une"},
    {"operator", 8, "accompagnements_realises_sur_demandes", "indicators[8].denominator", NULL, "$.indicators[8]",
     "clés incompatibles avec le type « ratio »"},
    {"operator", 0, "operateurs_sensibilises", "indicators[0].numerator", "\"${O08} = 'yes'\"",
     "$.indicators[0].numerator", "yes"},
};

static void test_load_broken(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof broken_cases / sizeof broken_cases[0]; k++) {
        const broken_case *bc = &broken_cases[k];
        char path[512];
        json_error_t jerr;
        json_t *doc = json_load_file(ind_default_path(forms, bc->form, path, sizeof path), 0, &jerr);
        if (doc == NULL)
            fail_msg("%s: %s", path, jerr.text);
        if (bc->index >= 0) {
            const json_t *def = json_array_get(json_object_get(doc, "indicators"), (size_t)bc->index);
            const char *id = json_string_value(json_object_get(def, "id"));
            if (id == NULL || strcmp(id, bc->id) != 0)
                fail_msg("case %zu: the shipped file changed: indicator %d is %s", k + 1, bc->index, id);
        }
        tu_set(doc, bc->set, bc->value ? tu_json(bc->value) : NULL);
        diag_list diags = {0};
        ind_set *s = load_doc(doc, bc->form, &diags);
        if (s != NULL || !tu_has_diag(&diags, false, bc->path, bc->fragment)) {
            soft_fail("case %zu (%s): %s; expected an error at %s containing \"%s\"; got:", k + 1, bc->set,
                      s ? "loaded" : "not loaded", bc->path, bc->fragment);
            for (size_t j = 0; j < diags.count; j++)
                soft_note("    %s: %s", diags.items[j].path, diags.items[j].message);
        }
        ind_free(s);
        diag_list_free(&diags);
        json_decref(doc);
    }
    check_soft_failures();
}

/* Every problem of a file is reported, not just the first. */
static void test_load_reports_all(void **state)
{
    (void)state;
    char path[512];
    json_t *doc = json_load_file(ind_default_path(forms, "resident", path, sizeof path), 0, NULL);
    assert_non_null(doc);
    tu_set(doc, "indicators[0].question", json_string("R99"));
    tu_set(doc, "indicators[2].type", json_string("share"));
    tu_set(doc, "indicators[3].colour", json_string("red"));
    diag_list diags = {0};
    assert_null(load_doc(doc, "resident", &diags));
    assert_true(tu_has_diag(&diags, false, "$.indicators[0]", "R99"));
    assert_true(tu_has_diag(&diags, false, "$.indicators[2]", "share"));
    assert_true(tu_has_diag(&diags, false, "$.indicators[3].colour", "colour"));
    diag_list_free(&diags);
    /* an unknown form, a file that is not JSON */
    assert_null(ind_load(path, forms, "nosuchform", &diags));
    assert_true(diags.errors > 0);
    diag_list_free(&diags);
    char bad[128];
    tmp_path(bad, sizeof bad, "bad.indicators.json");
    write_text(bad, "{\"form\": \"resident\", \"indicators\": [");
    assert_null(ind_load(bad, forms, "resident", &diags));
    assert_true(diags.errors > 0);
    diag_list_free(&diags);
    unlink(bad);
    json_decref(doc);
}

/* ================================================================== the report's plan and the definitions */

/* A small indicator file with a plan: two themes, a template, each kind once. The validation cases below break
 * one member of it at a time. */
static const char plan_fixture[] =
    "{\"form\": \"resident\",\n"
    " \"scores\": [{\"id\": \"epices\", \"label\": {\"fr\": \"Score EPICES\"}, \"constant\": 75.14,\n"
    "   \"terms\": [{\"question\": \"E01\", \"code\": \"oui\", \"coef\": 10.06}]}],\n"
    " \"indicators\": [\n"
    "  {\"id\": \"sante_bonne\", \"theme\": \"sante\", \"label\": {\"fr\": \"Santé bonne\"},\n"
    "   \"definition\": {\"fr\": \"Part des habitants en bonne santé\", \"en\": \"Share in good health\"},\n"
    "   \"type\": \"proportion\", \"question\": \"R07\", \"numerator\": \"${R07} = 'bon'\"},\n"
    "  {\"id\": \"sans_medecin\", \"theme\": \"soins\", \"label\": {\"fr\": \"Sans médecin traitant\"},\n"
    "   \"type\": \"proportion\", \"question\": \"R13\", \"numerator\": \"${R13} = 'non'\"},\n"
    "  {\"id\": \"besoin_non_satisfait\", \"theme\": \"soins\", \"label\": {\"fr\": \"Sans aide\"},\n"
    "   \"type\": \"proportion\", \"question\": \"R26\", \"denominator\": \"${R26} != 'non'\",\n"
    "   \"numerator\": \"${R26} = 'oui_sans_aide'\"},\n"
    "  {\"id\": \"priorites\", \"theme\": \"sante\", \"label\": {\"fr\": \"Priorités\"}, \"type\": \"distribution\",\n"
    "   \"question\": \"R40\"},\n"
    "  {\"id\": \"raisons\", \"theme\": \"soins\", \"label\": {\"fr\": \"Raisons\"}, \"type\": \"distribution\",\n"
    "   \"question\": \"R19\", \"among\": \"${R17} = 'oui'\"},\n"
    "  {\"id\": \"epices_moyen\", \"theme\": \"sante\", \"label\": {\"fr\": \"Score moyen\"}, \"type\": \"mean\",\n"
    "   \"score\": \"epices\"},\n"
    "  {\"id\": \"epices_30\", \"theme\": \"sante\", \"label\": {\"fr\": \"Précarité\"}, \"type\": \"proportion\",\n"
    "   \"score\": \"epices\", \"threshold\": 30.5},\n"
    "  {\"id\": \"accompagnements\", \"theme\": \"soins\", \"label\": {\"fr\": \"Aides\"}, \"type\": \"ratio\",\n"
    "   \"numerator\": \"1\", \"denominator\": \"2\"},\n"
    "  {\"for_each_row\": \"R23\", \"id\": \"connait_{row}\", \"theme\": \"soins\",\n"
    "   \"label\": {\"fr\": \"Connaît : {row_label}\", \"en\": \"Knows {row}\"},\n"
    "   \"definition\": {\"fr\": \"Part qui connaissent « {row_label} » ({row})\", \"en\": \"Share who know {row}\"},\n"
    "   \"type\": \"proportion\", \"question\": \"R23.{row}\", \"numerator\": \"${R23.{row}} != 'inconnu'\"}\n"
    " ],\n"
    " \"report\": {\n"
    "  \"themes\": [\n"
    "   {\"id\": \"soins\", \"title\": {\"fr\": \"Les soins\"}, \"intro\": {\"fr\": \"Accès aux soins.\"},\n"
    "    \"questions\": [\"R14\", \"R15\"]},\n"
    "   {\"id\": \"sante\", \"title\": {\"fr\": \"La santé\", \"en\": \"Health\"}}\n"
    "  ],\n"
    "  \"synthesis\": [\"sans_medecin\", \"connait_pmi\", \"sante_bonne\"],\n"
    "  \"map\": [\"sante_bonne\"],\n"
    "  \"ranked\": [\"priorites\"],\n"
    "  \"pairs\": [{\"resident_theme\": \"soins\", \"operator_theme\": \"connaissance_offre\",\n"
    "    \"title\": {\"fr\": \"Connaissance\"}, \"residents\": {\"fr\": \"Habitants\"},\n"
    "    \"operators\": {\"fr\": \"Opérateurs\"}, \"reading\": {\"fr\": \"méconnu des habitants\"}}]\n"
    " }\n"
    "}\n";

/* The text of language map m in lang, or "" when it has none (form_text would fall back to French). */
static const char *text_in(const json_t *m, const char *lang)
{
    const char *t = json_string_value(json_object_get(m, lang));
    return t ? t : "";
}

static void test_plan_parsed(void **state)
{
    (void)state;
    diag_list diags = {0};
    json_t *doc = tu_json(plan_fixture);
    ind_set *s = load_doc(doc, "resident", &diags);
    if (s == NULL)
        diag_print(&diags, stderr);
    assert_non_null(s);
    assert_int_equal(diags.errors, 0);
    const ind_plan *p = ind_report_plan(s);
    assert_int_equal(p->nthemes, 2); /* in the file's order, not the indicators' */
    assert_string_equal(p->themes[0].id, "soins");
    assert_string_equal(form_text(p->themes[0].title, "fr"), "Les soins");
    assert_string_equal(form_text(p->themes[0].intro, "fr"), "Accès aux soins.");
    assert_int_equal(p->themes[0].nquestions, 2);
    assert_string_equal(p->themes[0].questions[0], "R14");
    assert_string_equal(p->themes[0].questions[1], "R15");
    assert_string_equal(p->themes[1].id, "sante");
    assert_string_equal(text_in(p->themes[1].title, "en"), "Health");
    assert_null(p->themes[1].intro);
    assert_int_equal(p->themes[1].nquestions, 0);
    assert_int_equal(p->nsynthesis, 3);
    assert_string_equal(p->synthesis[0], "sans_medecin");
    assert_string_equal(p->synthesis[1], "connait_pmi"); /* an expanded template's id */
    assert_string_equal(p->synthesis[2], "sante_bonne");
    assert_int_equal(p->nmapped, 1);
    assert_string_equal(p->mapped[0], "sante_bonne");
    assert_int_equal(p->nranked, 1);
    assert_string_equal(p->ranked[0], "priorites");
    assert_int_equal(p->npairs, 1);
    assert_string_equal(p->pairs[0].resident_theme, "soins");
    assert_string_equal(p->pairs[0].operator_theme, "connaissance_offre");
    assert_string_equal(form_text(p->pairs[0].title, "fr"), "Connaissance");
    assert_string_equal(form_text(p->pairs[0].residents, "fr"), "Habitants");
    assert_string_equal(form_text(p->pairs[0].operators, "fr"), "Opérateurs");
    assert_string_equal(form_text(p->pairs[0].reading, "fr"), "méconnu des habitants");
    assert_ptr_equal(ind_theme_by_id(p, "sante"), &p->themes[1]);
    assert_null(ind_theme_by_id(p, "absent"));

    /* Definitions: as written (every language), substituted in a template, or made from the kind. */
    const ind_def *d = ind_at(s, def_index(s, "sante_bonne"));
    assert_string_equal(form_text(d->definition, "fr"), "Part des habitants en bonne santé");
    assert_string_equal(text_in(d->definition, "en"), "Share in good health");
    d = ind_at(s, def_index(s, "connait_pmi"));
    assert_string_equal(form_text(d->definition, "fr"),
                        "Part qui connaissent « PMI (protection maternelle et infantile) » (pmi)");
    assert_string_equal(text_in(d->definition, "en"), "Share who know pmi");
    static const struct {
        const char *id;
        const char *fragments[3];
    } made[] = {
        {"sans_medecin", {"Part des répondants concernés par « Sans médecin traitant »",
                          "parmi ceux qui ont répondu à la question", "comptés à part"}},
        {"besoin_non_satisfait", {"« Sans aide »", "parmi ceux à qui la question s'applique", "comptés à part"}},
        {"priorites", {"Répartition des réponses (« Priorités »)", "parmi les personnes qui ont répondu",
                       "le total dépasse 100\u202f%"}},
        {"raisons", {"Répartition des réponses (« Raisons »)", "parmi les personnes concernées", "100\u202f%"}},
        {"epices_moyen", {"Moyenne du score « Score EPICES »", "toutes les questions du score", NULL}},
        {"epices_30", {"Part des répondants dont le score « Score EPICES » atteint au moins 30,5", NULL, NULL}},
        {"accompagnements", {"Rapport « Aides »", "divisé par le total des seconds", NULL}},
    };
    for (size_t k = 0; k < sizeof made / sizeof made[0]; k++) {
        const char *text = form_text(ind_at(s, def_index(s, made[k].id))->definition, "fr");
        for (size_t f = 0; f < 3 && made[k].fragments[f]; f++)
            if (strstr(text, made[k].fragments[f]) == NULL)
                soft_fail("%s: the definition made from its kind lacks \"%s\": %s", made[k].id, made[k].fragments[f],
                          text);
        if (strstr(text, "${") != NULL || strstr(text, "mean") != NULL || strstr(text, "ratio") != NULL)
            soft_fail("%s: the made definition shows a raw expression or an English word: %s", made[k].id, text);
    }
    assert_null(strstr(form_text(ind_at(s, def_index(s, "sans_medecin"))->definition, "fr"), "100"));
    ind_free(s);
    diag_list_free(&diags);

    /* Without a "report" section: an empty plan, never NULL, and indicators may name any theme. */
    json_object_del(doc, "report");
    tu_set(doc, "indicators[0].theme", json_string("nimporte"));
    s = load_doc(doc, "resident", &diags);
    assert_non_null(s);
    p = ind_report_plan(s);
    assert_non_null(p);
    assert_int_equal(p->nthemes + p->nsynthesis + p->nmapped + p->nranked + p->npairs, 0);
    assert_null(ind_theme_by_id(p, "sante"));
    ind_free(s);
    diag_list_free(&diags);
    json_decref(doc);
    check_soft_failures();
}

/* One broken copy of plan_fixture: the member at `set` replaced by the JSON text `value` (deleted when NULL);
 * the load must fail with an error at `path` containing `fragment`. */
static const struct plan_case {
    const char *set, *value, *path, *fragment;
} plan_cases[] = {
    {"report.sommaire", "[]", "$.report.sommaire", "clé inconnue « sommaire »"},
    {"report.themes[0].couleur", "\"rouge\"", "$.report.themes[0].couleur", "clé inconnue « couleur »"},
    {"report.pairs[0].lecture", "{}", "$.report.pairs[0].lecture", "clé inconnue « lecture »"},
    {"report", "[]", "$.report", "doit être un objet"},
    {"report.themes", NULL, "$.report.themes", "« themes » est obligatoire"},
    {"report.themes[1].id", NULL, "$.report.themes[1].id", "« id » est obligatoire"},
    {"report.themes[1].title", NULL, "$.report.themes[1].title", "« title » est obligatoire"},
    {"report.themes[1].title", "{\"en\": \"Health\"}", "$.report.themes[1].title", "français"},
    {"report.themes[0].intro", "{\"fr\": 3}", "$.report.themes[0].intro", "français"},
    {"report.themes[1].id", "\"Santé\"", "$.report.themes[1]", "identifiant de thème « Santé » invalide"},
    {"report.themes[1].id", "\"soins\"", "$.report.themes[1]", "thème « soins » déjà défini"},
    {"report.themes[1]", "\"sante\"", "$.report.themes[1]", "un objet est attendu"},
    {"indicators[0].theme", "\"etat_sante\"", "$.indicators[0].theme", "thème « etat_sante » absent du plan"},
    {"indicators[0].theme", NULL, "$.indicators[0]", "« theme » manque"},
    {"indicators[8].theme", "\"offre\"", "$.indicators[8].theme", "thème « offre » absent du plan"},
    {"indicators[0].definition", "\"Part des habitants\"", "$.indicators[0].definition", "doit être un objet"},
    {"indicators[0].definition", "{\"en\": \"Share\"}", "$.indicators[0].definition", "français"},
    {"indicators[0].definition", "{\"fr\": \"Part\", \"en\": null}", "$.indicators[0].definition.en",
     "un texte est attendu"},
    {"report.synthesis[1]", "\"connait\"", "$.report.synthesis[1]", "« connait » n'est pas un indicateur"},
    {"report.synthesis[0]", "\"priorites\"", "$.report.synthesis[0]", "« priorites » est une distribution"},
    {"report.synthesis[2]", "\"sans_medecin\"", "$.report.synthesis[2]", "« sans_medecin » est déjà dans la liste"},
    {"report.synthesis", "{}", "$.report.synthesis", "doit être un tableau"},
    {"report.map[0]", "\"connait_xyz\"", "$.report.map[0]", "« connait_xyz » n'est pas un indicateur"},
    {"report.map[0]", "\"raisons\"", "$.report.map[0]", "« raisons » est une distribution"},
    {"report.ranked[0]", "\"sante_bonne\"", "$.report.ranked[0]", "« sante_bonne » n'est pas une distribution"},
    {"report.ranked[0]", "7", "$.report.ranked[0]", "« ? » n'est pas un indicateur"},
    {"report.themes[0].questions[1]", "\"R99\"", "$.report.themes[0].questions[1]",
     "« R99 » n'est une question d'aucune version du formulaire resident"},
    {"report.themes[0].questions[1]", "\"O05\"", "$.report.themes[0].questions[1]", "« O05 »"},
    {"report.themes[1].questions", "[\"R14\"]", "$.report.themes[1].questions[0]",
     "la question R14 est déjà placée dans le thème « soins »"},
    {"report.themes[0].questions", "\"R14\"", "$.report.themes[0].questions", "doit être un tableau"},
    {"report.pairs[0].resident_theme", "\"offre\"", "$.report.pairs[0].resident_theme", "thème « offre » inconnu"},
    {"report.pairs[0].operator_theme", "\"\"", "$.report.pairs[0].operator_theme", "ne doit pas être vide"},
    {"report.pairs[0].operator_theme", NULL, "$.report.pairs[0].operator_theme", "est obligatoire"},
    {"report.pairs[0].reading", NULL, "$.report.pairs[0].reading", "« reading » est obligatoire"},
    {"report.pairs[0].residents", "{\"fr\": \"\"}", "$.report.pairs[0].residents", "français"},
};

static void test_plan_errors(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof plan_cases / sizeof plan_cases[0]; k++) {
        json_t *doc = tu_json(plan_fixture);
        tu_set(doc, plan_cases[k].set, plan_cases[k].value ? tu_json(plan_cases[k].value) : NULL);
        diag_list diags = {0};
        ind_set *s = load_doc(doc, "resident", &diags);
        if (s != NULL || !tu_has_diag(&diags, false, plan_cases[k].path, plan_cases[k].fragment)) {
            soft_fail("case %zu (%s): %s; expected an error at %s containing \"%s\"; got:", k + 1, plan_cases[k].set,
                      s ? "loaded" : "not loaded", plan_cases[k].path, plan_cases[k].fragment);
            for (size_t j = 0; j < diags.count; j++)
                soft_note("    %s: %s", diags.items[j].path, diags.items[j].message);
        }
        ind_free(s);
        diag_list_free(&diags);
        json_decref(doc);
    }
    check_soft_failures();
}

/* True when definition i of s reads question qid: its item, a score term, or an expression naming ${qid} or a
 * row ${qid.ROW}. */
static bool reads_question(const ind_set *s, size_t i, const char *qid)
{
    const ind_def *d = ind_at(s, i);
    if (d->question && strncmp(d->question, qid, strlen(qid)) == 0 &&
        (d->question[strlen(qid)] == '\0' || d->question[strlen(qid)] == '.'))
        return true;
    for (size_t t = 0; d->score && t < d->score->nterms; t++)
        if (strcmp(d->score->terms[t].question, qid) == 0)
            return true;
    static const char *const keys[] = {"numerator", "denominator", "among", "value"};
    char whole[160], row[160];
    snprintf(whole, sizeof whole, "${%s}", qid);
    snprintf(row, sizeof row, "${%s.", qid);
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const char *src = ind_source(s, i, keys[k]);
        if (src && (strstr(src, whole) || strstr(src, row)))
            return true;
    }
    return false;
}

/* Writes into out (one id and a space each) the questions of form_id, in any version of the catalog, that s
 * neither reads in an indicator nor places in a theme of its plan; free text is counted by the report wherever
 * it is, and notes carry no answer. Returns how many. */
static size_t unplaced_questions(const ind_set *s, const char *form_id, char *out, size_t len)
{
    const ind_plan *p = ind_report_plan(s);
    size_t n = 0;
    out[0] = '\0';
    for (size_t v = 0; v < catalog_count(forms); v++) {
        const form *fm = catalog_at(forms, v);
        if (strcmp(fm->id, form_id) != 0)
            continue;
        for (size_t q = 0; q < fm->nquestions; q++) {
            const form_question *fq = &fm->questions[q];
            bool placed = fq->type == FQ_NOTE || fq->type == FQ_TEXT || fq->type == FQ_LONG_TEXT;
            for (size_t i = 0; i < ind_count(s) && !placed; i++)
                placed = reads_question(s, i, fq->id);
            for (size_t t = 0; t < p->nthemes && !placed; t++)
                for (size_t k = 0; k < p->themes[t].nquestions && !placed; k++)
                    placed = strcmp(p->themes[t].questions[k], fq->id) == 0;
            if (!placed) {
                size_t used = strlen(out);
                snprintf(out + used, len - used, "%s ", fq->id);
                n++;
            }
        }
    }
    return n;
}

/* The shipped files report the whole questionnaire: every question of every version of both forms in the
 * catalog is read by an indicator or placed in a theme; every indicator sits in a theme of the plan and says in
 * French words what it counts. The check itself must see what a small file leaves out. */
static void test_shipped_plan(void **state)
{
    (void)state;
    static const char *const ids[] = {"resident", "operator"};
    for (size_t f = 0; f < 2; f++) {
        ind_set *s = load_shipped(ids[f]);
        const ind_plan *p = ind_report_plan(s);
        if (p->nthemes == 0)
            soft_fail("%s: no plan", ids[f]);
        char missing[2048];
        if (unplaced_questions(s, ids[f], missing, sizeof missing) > 0)
            soft_fail("%s: questions in no indicator and no theme: %s", ids[f], missing);
        for (size_t i = 0; i < ind_count(s); i++) {
            const ind_def *d = ind_at(s, i);
            const char *def = json_string_value(json_object_get(d->definition, "fr"));
            if (def == NULL || strlen(def) < 20 || strstr(def, "${") || strchr(def, '{') || strstr(def, "Part des r"))
                soft_fail("%s: %s has no French definition of its own, or one with a raw expression: %s", ids[f],
                          d->id, def ? def : "(none)");
            if (d->theme == NULL || ind_theme_by_id(p, d->theme) == NULL)
                soft_fail("%s: %s is in no theme of the plan", ids[f], d->id);
        }
        for (size_t t = 0; t < p->nthemes; t++) {
            bool used = p->themes[t].nquestions > 0;
            for (size_t i = 0; i < ind_count(s) && !used; i++)
                used = strcmp(ind_at(s, i)->theme, p->themes[t].id) == 0;
            if (!used || p->themes[t].intro == NULL)
                soft_fail("%s: theme %s is empty or has no introduction", ids[f], p->themes[t].id);
        }
        ind_free(s);
    }
    ind_set *res = load_shipped("resident");
    const ind_plan *p = ind_report_plan(res);
    assert_int_equal(p->nranked, 1);
    assert_string_equal(p->ranked[0], "priorites_sante");
    assert_true(p->nsynthesis >= 7);
    assert_true(p->nmapped >= 4);
    assert_int_equal(p->npairs, 2);
    assert_string_equal(p->pairs[0].resident_theme, "connaissance_offre");
    assert_string_equal(p->pairs[1].operator_theme, "mobilisation_offre");
    assert_string_equal(form_text(ind_at(res, def_index(res, "connait_pmi"))->definition, "fr"),
                        "Part des habitants qui connaissent ce lieu, « PMI (protection maternelle et infantile) », "
                        "qu'ils y soient allés ou non, parmi ceux qui ont répondu pour ce lieu");
    ind_free(res);

    /* The fixture reads R07, R13, R26, R40, R19 (and R17 in among), E01 in its score, the rows of R23, and
     * places R14 and R15: R12 and the profile are left out, free text never is. */
    diag_list diags = {0};
    json_t *doc = tu_json(plan_fixture);
    ind_set *small = load_doc(doc, "resident", &diags);
    assert_non_null(small);
    char missing[2048], token[16];
    assert_true(unplaced_questions(small, "resident", missing, sizeof missing) > 20);
    static const char *const out[] = {"R12", "R02", "R09", "E02", "R37", "O05"}, *const in[] = {
        "R07", "R13", "R26", "R40", "R19", "R17", "E01", "R23", "R14", "R15", "R39", "R06b"};
    for (size_t k = 0; k < sizeof out / sizeof *out; k++) {
        snprintf(token, sizeof token, "%s ", out[k]);
        if ((strstr(missing, token) == NULL) != (out[k][0] == 'O')) /* O05 is not a resident question at all */
            soft_fail("the fixture leaves out %s, the check says: %s", out[k], missing);
    }
    for (size_t k = 0; k < sizeof in / sizeof *in; k++) {
        snprintf(token, sizeof token, "%s ", in[k]);
        if (strstr(missing, token) != NULL)
            soft_fail("the fixture places %s, the check says it is left out: %s", in[k], missing);
    }
    ind_free(small);
    diag_list_free(&diags);
    json_decref(doc);
    check_soft_failures();
}

/* ================================================================== evaluation */

/* EPICES written as data equals score_epices for every one of the 2^11 answer patterns, and the precarity
 * indicator agrees with score_epices_precarious. */
static void test_epices_all_patterns(void **state)
{
    (void)state;
    ind_set *s = load_shipped("resident");
    const form *f = current("resident");
    size_t mean = def_index(s, "epices_score_moyen"), prop = def_index(s, "epices_precarite");
    ind_obs *obs = calloc(ind_count(s), sizeof *obs);
    size_t precarious = 0;
    for (unsigned mask = 0; mask < 1u << SCORE_EPICES_ITEMS; mask++) {
        int items[SCORE_EPICES_ITEMS];
        json_t *a = json_object();
        for (int k = 0; k < SCORE_EPICES_ITEMS; k++) {
            items[k] = (mask >> k) & 1u;
            json_object_set_new(a, epices_items[k], json_string(items[k] ? "oui" : "non"));
        }
        double want;
        assert_true(score_epices(items, &want));
        ind_eval(s, f, a, TODAY, obs);
        if (obs[mean].state != IND_IN || fabs(obs[mean].a - want) > 1e-9)
            fail_msg("pattern %#x: state %d, score %.17g, score_epices %.17g", mask, obs[mean].state, obs[mean].a,
                     want);
        if (obs[prop].state != IND_IN || obs[prop].event != score_epices_precarious(want))
            fail_msg("pattern %#x: score %.2f, precarious %d, expected %d", mask, want, obs[prop].event,
                     score_epices_precarious(want));
        precarious += obs[prop].event;
        json_decref(a);
    }
    assert_true(precarious > 0 && precarious < 2048);

    /* One item refused: refus, never an event, whatever the others say; one item unanswered: out. */
    for (int k = 0; k < SCORE_EPICES_ITEMS; k++) {
        for (int variant = 0; variant < 2; variant++) {
            json_t *a = json_object();
            for (int j = 0; j < SCORE_EPICES_ITEMS; j++)
                json_object_set_new(a, epices_items[j], json_string(variant ? "oui" : "non"));
            json_object_set_new(a, epices_items[k], json_string("refus"));
            ind_eval(s, f, a, TODAY, obs);
            assert_int_equal(obs[mean].state, IND_REFUS);
            assert_int_equal(obs[prop].state, IND_REFUS);
            assert_false(obs[prop].event);
            json_object_del(a, epices_items[k]);
            ind_eval(s, f, a, TODAY, obs);
            assert_int_equal(obs[mean].state, IND_OUT);
            assert_int_equal(obs[prop].state, IND_OUT);
            json_decref(a);
        }
    }
    free(obs);
    ind_free(s);
}

/* What one record gives one indicator. */
typedef struct eval_case {
    const char *form;
    const char *id;
    const char *answers;
    ind_state state;
    bool event;
    uint64_t cats;
    double a, b;
} eval_case;

#define BIT(k) (UINT64_C(1) << (k))

static const eval_case eval_cases[] = {
    /* proportions of a single-choice item: nsp and refus apart, unanswered out */
    {"resident", "sante_percue_bonne", "{\"R07\": \"bon\"}", IND_IN, true, 0, 0, 0},
    {"resident", "sante_percue_bonne", "{\"R07\": \"tres_bon\"}", IND_IN, true, 0, 0, 0},
    {"resident", "sante_percue_bonne", "{\"R07\": \"assez_bon\"}", IND_IN, false, 0, 0, 0},
    {"resident", "sante_percue_bonne", "{\"R07\": \"refus\"}", IND_REFUS, false, 0, 0, 0},
    {"resident", "sante_percue_bonne", "{\"R08\": \"oui\"}", IND_OUT, false, 0, 0, 0},
    {"resident", "maladie_chronique", "{\"R08\": \"nsp\"}", IND_NSP, false, 0, 0, 0},
    {"resident", "maladie_chronique", "{\"R08\": \"refus\"}", IND_REFUS, false, 0, 0, 0},
    {"resident", "maladie_chronique", "{\"R08\": \"oui\"}", IND_IN, true, 0, 0, 0},
    {"resident", "sans_medecin_traitant", "{\"R13\": \"nsp\"}", IND_NSP, false, 0, 0, 0},
    {"resident", "sans_medecin_traitant", "{\"R13\": \"non\"}", IND_IN, true, 0, 0, 0},
    {"resident", "renoncement_soins", "{\"R17\": \"nsp\"}", IND_NSP, false, 0, 0, 0},
    {"resident", "sans_complementaire", "{\"R21\": \"aucune\"}", IND_IN, true, 0, 0, 0},
    {"resident", "sans_complementaire", "{\"R21\": \"refus\"}", IND_REFUS, false, 0, 0, 0},
    /* a grid row */
    {"resident", "connait_pmi", "{\"R23\": {\"pmi\": \"connu\"}}", IND_IN, true, 0, 0, 0},
    {"resident", "connait_pmi", "{\"R23\": {\"pmi\": \"inconnu\", \"cmp\": \"connu\"}}", IND_IN, false, 0, 0, 0},
    {"resident", "connait_pmi", "{\"R23\": {\"cmp\": \"connu\"}}", IND_OUT, false, 0, 0, 0},
    {"resident", "connait_pmi", "{}", IND_OUT, false, 0, 0, 0},
    {"resident", "utilise_pmi", "{\"R23\": {\"pmi\": \"connu\"}}", IND_IN, false, 0, 0, 0},
    {"resident", "utilise_pmi", "{\"R23\": {\"pmi\": \"connu_utilise\"}}", IND_IN, true, 0, 0, 0},
    /* a grid row with a denominator expression */
    {"resident", "utilise_si_connu_pmi", "{\"R23\": {\"pmi\": \"inconnu\"}}", IND_OUT, false, 0, 0, 0},
    {"resident", "utilise_si_connu_pmi", "{\"R23\": {\"pmi\": \"connu\"}}", IND_IN, false, 0, 0, 0},
    {"resident", "utilise_si_connu_pmi", "{\"R23\": {\"pmi\": \"connu_utilise\"}}", IND_IN, true, 0, 0, 0},
    {"resident", "utilise_si_connu_pmi", "{\"R23\": {\"cmp\": \"connu_utilise\"}}", IND_OUT, false, 0, 0, 0},
    {"resident", "accompagnement_non_satisfait", "{\"R26\": \"non\"}", IND_OUT, false, 0, 0, 0},
    {"resident", "accompagnement_non_satisfait", "{\"R26\": \"oui_sans_aide\"}", IND_IN, true, 0, 0, 0},
    {"resident", "accompagnement_non_satisfait", "{\"R26\": \"oui_aide\"}", IND_IN, false, 0, 0, 0},
    /* multiple-choice distributions among a sub-population */
    {"resident", "renoncement_types", "{\"R17\": \"oui\", \"R18\": [\"dentaire\", \"lunettes\"]}", IND_IN, false,
     BIT(2) | BIT(4), 0, 0},
    {"resident", "renoncement_types", "{\"R17\": \"oui\", \"R18\": [\"generaliste\"]}", IND_IN, false, BIT(0), 0, 0},
    {"resident", "renoncement_types", "{\"R17\": \"oui\", \"R18\": [\"autre\"]}", IND_IN, false, BIT(7), 0, 0},
    {"resident", "renoncement_types", "{\"R17\": \"oui\"}", IND_OUT, false, 0, 0, 0},
    {"resident", "renoncement_types", "{\"R17\": \"non\", \"R18\": [\"dentaire\"]}", IND_OUT, false, 0, 0, 0},
    {"resident", "renoncement_raisons", "{\"R17\": \"oui\", \"R19\": [\"cout\", \"garde_enfants\"]}", IND_IN, false,
     BIT(0) | BIT(9), 0, 0},
    /* a mean of a scale, a ratio of two numbers */
    {"operator", "capacite_orienter_moyenne", "{\"O01\": \"ccas\", \"O07\": 3}", IND_IN, false, 0, 3, 0},
    {"operator", "capacite_orienter_moyenne", "{\"O01\": \"ccas\"}", IND_OUT, false, 0, 0, 0},
    {"operator", "accompagnements_realises_sur_demandes", "{\"O01\": \"ccas\", \"O17\": 10, \"O18\": 4}", IND_IN, false,
     0, 4, 10},
    {"operator", "accompagnements_realises_sur_demandes", "{\"O01\": \"ccas\", \"O17\": 0, \"O18\": 0}", IND_IN, false,
     0, 0, 0},
    {"operator", "accompagnements_realises_sur_demandes", "{\"O01\": \"ccas\", \"O17\": 10}", IND_OUT, false, 0, 0, 0},
    {"operator", "accompagnements_realises_sur_demandes", "{\"O01\": \"ccas\", \"O18\": 3}", IND_OUT, false, 0, 0, 0},
    /* the numerator names another item than the one counted apart */
    {"operator", "relais_mobilises", "{\"O10\": \"oui\", \"O11\": \"oui\"}", IND_IN, true, 0, 0, 0},
    {"operator", "relais_mobilises", "{\"O10\": \"oui\", \"O11\": \"non\"}", IND_IN, false, 0, 0, 0},
    {"operator", "relais_mobilises", "{\"O10\": \"non\", \"O11\": \"oui\"}", IND_IN, false, 0, 0, 0},
    {"operator", "relais_mobilises", "{\"O11\": \"oui\"}", IND_OUT, false, 0, 0, 0},
    {"operator", "outils_communication", "{\"O12\": [\"flyer\", \"permanence\"]}", IND_IN, false, BIT(1) | BIT(3), 0,
     0},
    {"operator", "outils_communication", "{}", IND_OUT, false, 0, 0, 0},
};

/* Definitions the shipped files do not have: a single-choice distribution (nsp and refus apart, not among the
 * categories), a proportion with a denominator and no item, a mean of an expression among a sub-population. */
static const char custom_defs[] =
    "{\"form\": \"resident\", \"indicators\": ["
    " {\"id\": \"medecin\", \"label\": {\"fr\": \"Médecin traitant\"}, \"type\": \"distribution\","
    "  \"question\": \"R13\"},"
    " {\"id\": \"sante_75\", \"label\": {\"fr\": \"Santé perçue, 75 ans et plus\"}, \"type\": \"distribution\","
    "  \"question\": \"R07\", \"among\": \"${R02} = '75+'\"},"
    " {\"id\": \"renonce_75\", \"label\": {\"fr\": \"Renoncement, 75 ans et plus\"}, \"type\": \"proportion\","
    "  \"denominator\": \"${R02} = '75+'\", \"numerator\": \"${R17} = 'oui'\"},"
    " {\"id\": \"nb_soins\", \"label\": {\"fr\": \"Nombre de soins renoncés\"}, \"type\": \"mean\","
    "  \"value\": \"count-selected(${R18})\", \"among\": \"${R17} = 'oui'\"}"
    "]}";

static const eval_case custom_cases[] = {
    {"resident", "medecin", "{\"R13\": \"oui_commune\"}", IND_IN, false, BIT(1), 0, 0},
    {"resident", "medecin", "{\"R13\": \"non\"}", IND_IN, false, BIT(3), 0, 0},
    {"resident", "medecin", "{\"R13\": \"nsp\"}", IND_NSP, false, 0, 0, 0},
    {"resident", "medecin", "{}", IND_OUT, false, 0, 0, 0},
    {"resident", "sante_75", "{\"R02\": \"75+\", \"R07\": \"mauvais\"}", IND_IN, false, BIT(3), 0, 0},
    {"resident", "sante_75", "{\"R02\": \"75+\", \"R07\": \"refus\"}", IND_REFUS, false, 0, 0, 0},
    {"resident", "sante_75", "{\"R02\": \"16-24\", \"R07\": \"bon\"}", IND_OUT, false, 0, 0, 0},
    {"resident", "renonce_75", "{\"R02\": \"75+\", \"R17\": \"oui\"}", IND_IN, true, 0, 0, 0},
    {"resident", "renonce_75", "{\"R02\": \"75+\", \"R17\": \"non\"}", IND_IN, false, 0, 0, 0},
    {"resident", "renonce_75", "{\"R02\": \"65-74\", \"R17\": \"oui\"}", IND_OUT, false, 0, 0, 0},
    {"resident", "nb_soins", "{\"R17\": \"oui\", \"R18\": [\"dentaire\", \"lunettes\"]}", IND_IN, false, 0, 2, 0},
    {"resident", "nb_soins", "{\"R17\": \"non\"}", IND_OUT, false, 0, 0, 0},
};

static void run_eval_cases(const eval_case *cases, size_t ncases, const ind_set *res, const ind_set *op)
{
    ind_obs *obs = calloc(ind_count(res) + ind_count(op) + 1, sizeof *obs);
    for (size_t k = 0; k < ncases; k++) {
        const eval_case *ec = &cases[k];
        const ind_set *s = strcmp(ec->form, "resident") == 0 ? res : op;
        size_t i = def_index(s, ec->id);
        json_t *a = tu_json(ec->answers);
        ind_eval(s, current(ec->form), a, TODAY, obs);
        const ind_obs *o = &obs[i];
        bool ok = o->state == ec->state;
        if (ok && ec->state == IND_IN) {
            ind_kind kind = ind_at(s, i)->kind;
            ok = kind == IND_PROPORTION     ? o->event == ec->event
                 : kind == IND_DISTRIBUTION ? o->cats == ec->cats
                 : kind == IND_MEAN         ? o->a == ec->a
                                            : o->a == ec->a && o->b == ec->b;
        }
        if (!ok)
            fail_msg("%s on %s: state %d event %d cats %#llx a %g b %g; expected state %d event %d cats %#llx a %g "
                     "b %g",
                     ec->id, ec->answers, o->state, o->event, (unsigned long long)o->cats, o->a, o->b, ec->state,
                     ec->event, (unsigned long long)ec->cats, ec->a, ec->b);
        json_decref(a);
    }
    free(obs);
}

static void test_eval(void **state)
{
    (void)state;
    ind_set *res = load_shipped("resident");
    ind_set *op = load_shipped("operator");
    run_eval_cases(eval_cases, sizeof eval_cases / sizeof eval_cases[0], res, op);

    /* answers to a form version the set does not describe count for nothing */
    ind_obs *obs = calloc(ind_count(res), sizeof *obs);
    json_t *a = tu_json("{\"R07\": \"bon\", \"R17\": \"oui\"}");
    ind_eval(res, current("operator"), a, TODAY, obs);
    for (size_t i = 0; i < ind_count(res); i++)
        assert_int_equal(obs[i].state, IND_OUT);
    json_decref(a);
    free(obs);

    json_t *doc = tu_json(custom_defs);
    diag_list diags = {0};
    ind_set *custom = load_doc(doc, "resident", &diags);
    if (custom == NULL)
        diag_print(&diags, stderr);
    assert_non_null(custom);
    const ind_def *d = ind_at(custom, def_index(custom, "medecin"));
    assert_false(d->multiple);
    assert_int_equal(d->ncategories, 4); /* nsp is not a category */
    assert_string_equal(d->question, "R13");
    d = ind_at(custom, def_index(custom, "sante_75"));
    assert_int_equal(d->ncategories, 5); /* nor is refus */
    run_eval_cases(custom_cases, sizeof custom_cases / sizeof custom_cases[0], custom, op);
    ind_free(custom);
    diag_list_free(&diags);
    json_decref(doc);
    ind_free(op);
    ind_free(res);
}

/* ================================================================== margins */

#define MG_HEAD "territory,variable,category,population\n"
#define MG_BODY                                                                                                        \
    "QN09399A,R03,femme,2830\nQN09399A,R03,homme,2554\nQN09399B,R03,femme,1713\nQN09399B,R03,homme,1539\n"             \
    "QN09399C,R03,femme,3657\nQN09399C,R03,homme,3429\nQN09399D,R03,femme,1206\nQN09399D,R03,homme,1065\n"             \
    "hors_qpv,R03,femme,13329\nhors_qpv,R03,homme,12000\n"
/* MG_BODY without QN09399B's homme */
#define MG_BODY_HOLE                                                                                                   \
    "QN09399A,R03,femme,2830\nQN09399A,R03,homme,2554\nQN09399B,R03,femme,1713\n"                                      \
    "QN09399C,R03,femme,3657\nQN09399C,R03,homme,3429\nQN09399D,R03,femme,1206\nQN09399D,R03,homme,1065\n"             \
    "hors_qpv,R03,femme,13329\nhors_qpv,R03,homme,12000\n"

typedef struct margins_case {
    const char *text;
    const char *frag[4]; /* each must be in the message; NULL ends */
} margins_case;

static const margins_case margins_cases[] = {
    {"territoire,variable,category,population\n" MG_BODY, {"ligne 1,", "colonne 1", "territoire", NULL}},
    {"territory,variable,category\n" MG_BODY, {"ligne 1 ", "territory,variable,category,population", NULL}},
    {MG_HEAD "QN09399Z,R03,femme,10\n" MG_BODY, {"ligne 2,", "territory", "QN09399Z", NULL}},
    {MG_HEAD MG_BODY "QN09399A,R06,francais,10\n", {"ligne 12,", "variable", "R06", NULL}},
    {MG_HEAD MG_BODY "QN09399A,R99,oui,10\n", {"ligne 12,", "variable", "R99", NULL}},
    {MG_HEAD MG_BODY "QN09399A,R01,QN09399A,10\n", {"ligne 12,", "variable", "R01", NULL}},
    {MG_HEAD "QN09399A,R03,femmes,10\n" MG_BODY, {"ligne 2,", "category", "femmes", NULL}},
    {MG_HEAD MG_BODY "QN09399A,R02,75 ans et +,10\n", {"ligne 12,", "category", "75 ans et +", NULL}},
    {MG_HEAD "QN09399A,R02,16-24,-5\n" MG_BODY, {"ligne 2,", "population", "-5", NULL}},
    {MG_HEAD "QN09399A,R02,16-24,12a\n" MG_BODY, {"ligne 2,", "population", "12a", NULL}},
    {MG_HEAD "QN09399A,R02,16-24,\n" MG_BODY, {"ligne 2,", "population", NULL}},
    {MG_HEAD MG_BODY "QN09399C,R03,femme,3657\n", {"ligne 12", "QN09399C", "femme", "deux fois"}},
    {MG_HEAD MG_BODY_HOLE, {"QN09399B", "R03", "homme", NULL}},
    {MG_HEAD "QN09399A,R03,femme\n" MG_BODY, {"ligne 2 ", NULL}},
    {MG_HEAD, {"aucune marge", NULL}},
    {MG_HEAD MG_BODY "QN09399A,R02,16-24,884\n", {"QN09399B", "R02", "16-24", NULL}},
};

static void test_margins_errors(void **state)
{
    (void)state;
    const form *f = current("resident");
    char path[128];
    tmp_path(path, sizeof path, "margins.csv");
    for (size_t k = 0; k < sizeof margins_cases / sizeof margins_cases[0]; k++) {
        const margins_case *mc = &margins_cases[k];
        write_text(path, mc->text);
        char err[512] = "";
        mg_margins *m = mg_load(path, f, catalog_territories(forms), err, sizeof err);
        bool ok = m == NULL;
        for (size_t j = 0; j < 4 && mc->frag[j]; j++)
            ok = ok && strstr(err, mc->frag[j]) != NULL;
        if (!ok)
            soft_fail("case %zu: %s; message \"%s\"", k + 1, m ? "loaded" : "error", err);
        mg_free(m);
    }
    char err[256] = "";
    unlink(path);
    assert_null(mg_load(path, f, catalog_territories(forms), err, sizeof err)); /* no such file */
    assert_non_null(strstr(err, path));
    assert_null(mg_load(path, f, NULL, err, sizeof err)); /* no territories */
    check_soft_failures();
}

static void test_margins_valid(void **state)
{
    (void)state;
    const form *f = current("resident");
    char path[128], err[256] = "";
    tmp_path(path, sizeof path, "margins.csv");
    /* ';' as French spreadsheets write it, the rest of the town first, homme before femme, R03 before R02 */
    write_text(path, "territory;variable;category;population\n"
                     "hors_qpv;R03;homme;12000\nhors_qpv;R03;femme;13329\n"
                     "QN09399A;R03;homme;2554\nQN09399A;R03;femme;2830.5\n"
                     "hors_qpv;R02;75+;3087\nhors_qpv;R02;16-24;3125\n"
                     "QN09399A;R02;75+;379\nQN09399A;R02;16-24;0\n");
    mg_margins *m = mg_load(path, f, catalog_territories(forms), err, sizeof err);
    unlink(path);
    if (m == NULL)
        fail_msg("%s", err);
    assert_int_equal(m->nterr, 2);
    assert_string_equal(m->terr[0], "QN09399A"); /* the territories file's order */
    assert_string_equal(m->terr[1], "hors_qpv");
    assert_int_equal(mg_territory(m, "hors_qpv"), 1);
    assert_int_equal(mg_territory(m, "QN09399B"), -1);
    assert_int_equal(m->nvars, 2);
    const mg_var *sex = strcmp(m->vars[0].question, "R03") == 0 ? &m->vars[0] : &m->vars[1];
    const mg_var *age = sex == &m->vars[0] ? &m->vars[1] : &m->vars[0];
    assert_string_equal(age->question, "R02");
    assert_int_equal(sex->ncat, 2);
    assert_string_equal(sex->codes[0], "femme"); /* the form's order */
    assert_string_equal(sex->codes[1], "homme");
    assert_int_equal(mg_category(sex, "autre"), -1);
    assert_true(sex->pop[0 * 2 + 0] == 2830.5);
    assert_true(sex->pop[0 * 2 + 1] == 2554);
    assert_true(sex->pop[1 * 2 + 0] == 13329);
    assert_int_equal(age->ncat, 2);
    assert_string_equal(age->codes[0], "16-24");
    assert_string_equal(age->codes[1], "75+");
    assert_true(age->pop[0 * 2 + 0] == 0);
    assert_true(age->pop[1 * 2 + 1] == 3087);
    mg_free(m);
    mg_free(NULL);
}

/* ================================================================== databases */

/* A collector database under construction: one open transaction. */
typedef struct fixture {
    char path[128];
    store *st;
    size_t count;
} fixture;

static void db_open(fixture *fx, const char *name)
{
    char err[256];
    memset(fx, 0, sizeof *fx);
    tmp_path(fx->path, sizeof fx->path, name);
    fx->st = store_open(fx->path, false, err, sizeof err);
    if (fx->st == NULL)
        fail_msg("%s", err);
    assert_int_equal(store_begin(fx->st, err, sizeof err), 0);
}

/* Stores one submission of form_id (answers: a reference stolen), which must pass the form check: the territory
 * column is the single territory answer, as the collector writes it. */
static void db_add(fixture *fx, const char *form_id, json_t *answers)
{
    const form *f = current(form_id);
    answers_report rep;
    if (answers_check(f, answers, TODAY, &rep) != 0) {
        char *text = json_dumps(answers, JSON_COMPACT);
        fail_msg("invalid test record %s: %s %s", text, rep.errors[0].question, rep.errors[0].message);
    }
    answers_report_free(&rep);
    char *text = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
    char uuid[37], err[256];
    snprintf(uuid, sizeof uuid, "e0000000-0000-4000-8000-%012zx", ++fx->count);
    store_sub sub;
    memset(&sub, 0, sizeof sub);
    sub.uuid = uuid;
    sub.form_id = form_id;
    sub.form_version = f->version;
    sub.lang = "fr";
    sub.channel = "web";
    sub.territory = json_string_value(json_object_get(answers, "R01"));
    sub.answers_json = text;
    store_sha256(text, strlen(text), sub.hash);
    assert_int_equal(store_insert(fx->st, &sub, err, sizeof err), 0);
    assert_int_equal(sub.outcome, STORE_CREATED);
    free(text);
    json_decref(answers);
}

static void db_close(fixture *fx)
{
    char err[256];
    assert_int_equal(store_commit(fx->st, err, sizeof err), 0);
    store_close(fx->st);
    fx->st = NULL;
}

static void db_remove(fixture *fx)
{
    char p[160];
    unlink(fx->path);
    snprintf(p, sizeof p, "%s-wal", fx->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", fx->path);
    unlink(p);
}

/* A minimal valid resident: territory, age band and sex from i (every age x sex cell in 12 consecutive i),
 * perceived health and forgone care. */
static json_t *person(const char *where, size_t i, const char *r07, const char *r17)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "R01", where, "R02", ages[i % 6], "R03", sexes[(i / 6) % 2], "R07",
                     r07, "R17", r17);
}

/* Gives a record the 11 EPICES items of pattern mask and returns its score. */
static double add_epices(json_t *a, unsigned mask)
{
    int items[SCORE_EPICES_ITEMS];
    for (int k = 0; k < SCORE_EPICES_ITEMS; k++) {
        items[k] = (mask >> k) & 1u;
        json_object_set_new(a, epices_items[k], json_string(items[k] ? "oui" : "non"));
    }
    double score;
    assert_true(score_epices(items, &score));
    return score;
}

/* Writes the R02 and R03 margins of every territory of the territories file (skip: one left out, or NULL). */
static void write_margins(const char *path, const char *skip)
{
    const terr_set *ts = catalog_territories(forms);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(MG_HEAD, f);
    for (size_t t = 0; t < ts->count; t++) {
        if (skip && strcmp(ts->items[t].code, skip) == 0)
            continue;
        for (size_t a = 0; a < 6; a++)
            fprintf(f, "%s,R02,%s,%ld\n", ts->items[t].code, ages[a],
                    terr_population(&ts->items[t], ages[a], "femme") +
                        terr_population(&ts->items[t], ages[a], "homme"));
        for (size_t s = 0; s < 2; s++) {
            long sum = 0;
            for (size_t a = 0; a < 6; a++)
                sum += terr_population(&ts->items[t], ages[a], sexes[s]);
            fprintf(f, "%s,R03,%s,%ld\n", ts->items[t].code, sexes[s], sum);
        }
    }
    assert_int_equal(fclose(f), 0);
}

static mg_margins *load_margins(const char *path)
{
    char err[512];
    mg_margins *m = mg_load(path, current("resident"), catalog_territories(forms), err, sizeof err);
    if (m == NULL)
        fail_msg("margins: %s", err);
    return m;
}

static an_result *run(const fixture *fx, const ind_set *defs, const mg_margins *mg, an_method method, long min_n,
                      bool no_grouping)
{
    char err[512] = "";
    an_options opt = {method, 0.95, min_n, TODAY, NULL, NULL, no_grouping, NULL};
    an_result *r = an_run(fx->path, forms, defs, mg, &opt, err, sizeof err);
    if (r == NULL)
        fail_msg("an_run: %s", err);
    return r;
}

static size_t group_of(const an_result *r, const char *id)
{
    for (size_t g = 0; g < r->ngroups; g++)
        if (strcmp(r->groups[g].id, id) == 0)
            return g;
    fail_msg("no group %s", id);
    return 0;
}

static const an_cell *cell_of(const an_result *r, const char *ind, int category, const char *group)
{
    size_t i = def_index(r->defs, ind), g = group_of(r, group);
    for (size_t k = 0; k < r->ncells; k++)
        if (r->cells[k].indicator == i && r->cells[k].category == category && r->cells[k].group == g)
            return &r->cells[k];
    fail_msg("no cell %s/%d/%s", ind, category, group);
    return NULL;
}

static bool is_proportion(const an_result *r, const an_cell *c)
{
    ind_kind k = ind_at(r->defs, c->indicator)->kind;
    return k == IND_PROPORTION || k == IND_DISTRIBUTION;
}

/* Every number a cell or test carries is finite, and proportions and their intervals lie in [0, 1]. */
static void check_finite(const an_result *r)
{
    for (size_t k = 0; k < r->ncells; k++) {
        const an_cell *c = &r->cells[k];
        const char *id = ind_at(r->defs, c->indicator)->id, *g = r->groups[c->group].id;
        bool ok = true;
        if (c->has_estimate)
            ok &= isfinite(c->estimate) && isfinite(c->n_eff);
        if (c->has_ci)
            ok &= isfinite(c->lower) && isfinite(c->upper) && isfinite(c->se) && c->se >= 0 && c->lower <= c->upper;
        if (c->has_deff)
            ok &= isfinite(c->deff);
        if (c->has_std)
            ok &= isfinite(c->std) && isfinite(c->std_lower) && isfinite(c->std_upper);
        if (is_proportion(r, c) && c->has_estimate)
            ok &= c->estimate >= 0 && c->estimate <= 1;
        if (is_proportion(r, c) && c->has_ci)
            ok &= c->lower >= 0 && c->upper <= 1 && c->lower <= c->estimate + 1e-12 && c->upper >= c->estimate - 1e-12;
        if (!ok)
            fail_msg("%s/%d/%s: estimate %g [%g, %g] se %g deff %g n_eff %g std %g [%g, %g]", id, c->category, g,
                     c->estimate, c->lower, c->upper, c->se, c->deff, c->n_eff, c->std, c->std_lower, c->std_upper);
        if (c->n == 0 && (c->suppressed == DISC_SHOW || c->flags != 0))
            fail_msg("%s/%d/%s: no respondent, yet shown or flagged (%#x)", id, c->category, g, c->flags);
    }
    for (size_t k = 0; k < r->ntests; k++) {
        const an_test *t = &r->tests[k];
        if (!isfinite(t->statistic) || !(t->p >= 0 && t->p <= 1) || !(t->p_holm >= 0 && t->p_holm <= 1))
            fail_msg("test %zu of %s: statistic %g p %g p_holm %g", k, ind_at(r->defs, t->indicator)->id, t->statistic,
                     t->p, t->p_holm);
    }
}

/* Every real of a JSON document is finite. */
static void check_json_reals(const json_t *v)
{
    if (json_is_real(v)) {
        assert_true(isfinite(json_real_value(v)));
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x) check_json_reals(x);
    } else if (json_is_object(v)) {
        const char *key;
        const json_t *x;
        json_object_foreach((json_t *)v, key, x) check_json_reals(x);
    }
}

static const char *const cell_numbers[] = {"n",           "events", "nsp",  "refus", "estimate",     "ci_low",
                                           "ci_high",     "se",     "deff", "n_eff", "std_estimate", "std_ci_low",
                                           "std_ci_high", NULL};

static bool has_flag(const json_t *flags, const char *name)
{
    size_t i;
    const json_t *x;
    json_array_foreach(flags, i, x) if (strcmp(json_string_value(x), name) == 0) return true;
    return false;
}

/* The JSON output, written and read back: valid, no NaN, a suppressed cell (or group) with no number at all,
 * a shown cell with its numbers. */
static void check_json(const an_result *r)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(out_write_json(r, f), 0);
    rewind(f);
    json_error_t jerr;
    json_t *doc = json_loadf(f, 0, &jerr);
    fclose(f);
    if (doc == NULL)
        fail_msg("out_write_json wrote invalid JSON: %s (line %d)", jerr.text, jerr.line);
    check_json_reals(doc);
    const json_t *cells = json_object_get(doc, "indicators");
    assert_int_equal(json_array_size(cells), r->ncells);
    for (size_t k = 0; k < r->ncells; k++) {
        const an_cell *c = &r->cells[k];
        const json_t *o = json_array_get(cells, k);
        assert_string_equal(json_string_value(json_object_get(o, "id")), ind_at(r->defs, c->indicator)->id);
        assert_string_equal(json_string_value(json_object_get(o, "group")), r->groups[c->group].id);
        const json_t *sup = json_object_get(o, "suppressed");
        if (c->suppressed != DISC_SHOW) {
            assert_string_equal(json_string_value(sup), c->suppressed == DISC_PRIMARY ? "primary" : "complementary");
            for (size_t j = 0; cell_numbers[j]; j++) {
                const json_t *v = json_object_get(o, cell_numbers[j]);
                if (v == NULL || !json_is_null(v))
                    fail_msg("suppressed cell %s/%s: %s is not null", ind_at(r->defs, c->indicator)->id,
                             r->groups[c->group].id, cell_numbers[j]);
            }
            assert_int_equal(json_array_size(json_object_get(o, "flags")), 0);
            continue;
        }
        assert_true(json_is_false(sup));
        for (size_t j = 0; cell_numbers[j]; j++)
            assert_non_null(json_object_get(o, cell_numbers[j]));
        assert_int_equal(json_integer_value(json_object_get(o, "n")), c->n);
        if (c->has_estimate)
            assert_true(json_real_value(json_object_get(o, "estimate")) == c->estimate);
        else
            assert_true(json_is_null(json_object_get(o, "estimate")));
        if (c->has_ci) {
            assert_true(json_real_value(json_object_get(o, "ci_low")) == c->lower);
            assert_true(json_real_value(json_object_get(o, "ci_high")) == c->upper);
        }
        assert_int_equal(has_flag(json_object_get(o, "flags"), "review_p01"), (c->flags & AN_FLAG_P01) != 0);
        assert_false(has_flag(json_object_get(o, "flags"), "empty")); /* no such flag: n = 0 is suppressed */
        assert_int_equal(has_flag(json_object_get(o, "flags"), "zero_variance"),
                         c->suppressed == DISC_SHOW && (c->flags & AN_FLAG_ZERO_VARIANCE) != 0);
    }
    const json_t *tests = json_object_get(doc, "tests");
    assert_int_equal(json_array_size(tests), r->ntests);
    for (size_t k = 0; k < r->ntests; k++) {
        const json_t *o = json_array_get(tests, k);
        static const char *const numbers[] = {"statistic",  "ndf",    "p",       "p_holm",
                                              "difference", "ci_low", "ci_high", NULL};
        assert_int_equal(json_is_true(json_object_get(o, "suppressed")), r->tests[k].suppressed);
        for (size_t j = 0; r->tests[k].suppressed && numbers[j]; j++) {
            const json_t *v = json_object_get(o, numbers[j]);
            if (v == NULL || !json_is_null(v))
                fail_msg("suppressed test %zu: %s is not null", k, numbers[j]);
        }
    }
    const json_t *groups = json_object_get(doc, "groups");
    assert_int_equal(json_array_size(groups), r->ngroups);
    for (size_t g = 0; g < r->ngroups; g++) {
        const json_t *resp = json_object_get(json_array_get(groups, g), "respondents");
        if (r->groups[g].suppressed != DISC_SHOW)
            assert_true(json_is_null(resp));
        else
            assert_int_equal(json_integer_value(resp), r->groups[g].respondents);
    }
    json_decref(doc);
}

/* The CSV output: one line per cell; a suppressed line has only its identifiers, method and reason. */
static void check_csv(const an_result *r)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(out_write_csv(r, f), 0);
    rewind(f);
    csv_reader *cr = csv_open(f, ',');
    char **fields;
    size_t nf;
    assert_int_equal(csv_next(cr, &fields, &nf), 1);
    assert_int_equal(nf, 24);
    assert_string_equal(fields[8], "n");
    assert_string_equal(fields[12], "estimate");
    assert_string_equal(fields[22], "suppressed");
    for (size_t k = 0; k < r->ncells; k++) {
        const an_cell *c = &r->cells[k];
        if (csv_next(cr, &fields, &nf) != 1)
            fail_msg("CSV line %zu missing: %s", k + 2, csv_error(cr));
        assert_int_equal(nf, 24);
        assert_string_equal(fields[0], ind_at(r->defs, c->indicator)->id);
        assert_string_equal(fields[6], r->groups[c->group].id);
        if (c->suppressed != DISC_SHOW) {
            assert_string_equal(fields[22], c->suppressed == DISC_PRIMARY ? "primary" : "complementary");
            for (size_t j = 8; j < 24; j++)
                if (j != 16 && j != 22 && fields[j][0] != '\0')
                    fail_msg("CSV line %zu (%s/%s, suppressed): field %zu is \"%s\"", k + 2, fields[0], fields[6], j,
                             fields[j]);
            continue;
        }
        assert_string_equal(fields[22], "");
        assert_int_equal(strtol(fields[8], NULL, 10), c->n);
        if (c->has_estimate)
            assert_true(strtod(fields[12], NULL) == c->estimate);
        else
            assert_string_equal(fields[12], "");
    }
    assert_int_equal(csv_next(cr, &fields, &nf), 0);
    csv_close(cr);
    fclose(f);
}

/* The rule of disclosure.h on one unit's cells, checked relation by relation: in every relation between
 * published groups (all QPV = the four QPV; the town = the five territories; the town = all QPV + the rest) whose
 * total is shown, the suppressed parts together hold nobody (not even an nsp or a refusal) or at least min_n
 * respondents in the denominator: subtracting the shown parts from the total isolates no small group. */
static void check_relations(const an_result *r, const char *ind, int category)
{
    static const char *const rel[3][7] = {
        {"ensemble_qpv", "QN09399A", "QN09399B", "QN09399C", "QN09399D", NULL},
        {"commune", "QN09399A", "QN09399B", "QN09399C", "QN09399D", "hors_qpv", NULL},
        {"commune", "ensemble_qpv", "hors_qpv", NULL},
    };
    for (size_t k = 0; k < 3; k++) {
        if (cell_of(r, ind, category, rel[k][0])->suppressed != DISC_SHOW)
            continue;
        long n = 0, anyone = 0;
        for (size_t j = 1; rel[k][j]; j++) {
            const an_cell *c = cell_of(r, ind, category, rel[k][j]);
            if (c->suppressed != DISC_SHOW)
                n += c->n, anyone += c->n + c->nsp + c->refus;
        }
        if (anyone > 0 && n < r->min_n)
            fail_msg("%s: the suppressed parts of %s hold %ld respondents: recoverable by subtraction", ind,
                     rel[k][0], n);
    }
}

/* ================================================================== analyses */

/* Territories of 30, 25, 20, 15 and 40 respondents; in QN09399D 5 refuse R07, so that perceived health rests on
 * 10 there (fewer than 11) while forgone care rests on all 15. */
static void fill_min_n(fixture *fx, long *events, double *epices_sum, size_t *epices_n)
{
    static const size_t size[5] = {30, 25, 20, 15, 40};
    *events = 0;
    *epices_sum = 0;
    *epices_n = 0;
    for (size_t t = 0; t < 5; t++)
        for (size_t i = 0; i < size[t]; i++) {
            const char *r07 = t == 3 && i < 5 ? "refus" : i % 3 == 0 ? "mauvais" : i % 3 == 1 ? "bon" : "tres_bon";
            *events += strcmp(r07, "bon") == 0 || strcmp(r07, "tres_bon") == 0;
            json_t *a = person(terrs[t], i, r07, i % 4 == 0 ? "oui" : "non");
            if (i % 2 == 0) {
                *epices_sum += add_epices(a, (unsigned)(i * 37 + t * 101) % 2048);
                ++*epices_n;
            }
            db_add(fx, "resident", a);
        }
}

static void test_min_n(void **state)
{
    (void)state;
    fixture fx;
    double epices_sum;
    size_t epices_n;
    long x;
    db_open(&fx, "min_n.db");
    fill_min_n(&fx, &x, &epices_sum, &epices_n);
    db_close(&fx);
    ind_set *defs = load_shipped("resident");
    an_result *r = run(&fx, defs, NULL, AN_CI_DEFAULT, DISC_DEFAULT_MIN_N, false);
    assert_int_equal(r->ngroups, 7);
    assert_int_equal(r->records, 130);
    assert_int_equal(r->used, 130);
    assert_int_equal(r->no_territory, 0);
    assert_false(r->weighted);
    assert_string_equal(r->method_name, "wilson");

    /* perceived health in QN09399D: 10 in the denominator, primary; another cell hides it from subtraction */
    const an_cell *d = cell_of(r, "sante_percue_bonne", -1, "QN09399D");
    assert_int_equal(d->suppressed, DISC_PRIMARY);
    size_t complementary = 0;
    for (size_t g = 0; g < r->ngroups; g++) {
        const an_cell *c = cell_of(r, "sante_percue_bonne", -1, r->groups[g].id);
        complementary += c->suppressed == DISC_COMPLEMENTARY;
        if (c->suppressed == DISC_COMPLEMENTARY)
            assert_true(c->n >= DISC_DEFAULT_MIN_N);
    }
    assert_true(complementary >= 1);
    /* disclosure.h: the smallest other part of the relation goes */
    assert_int_equal(cell_of(r, "sante_percue_bonne", -1, "QN09399C")->suppressed, DISC_COMPLEMENTARY);
    check_relations(r, "sante_percue_bonne", -1);

    /* forgone care there rests on its 15 respondents: shown */
    const an_cell *care = cell_of(r, "renoncement_soins", -1, "QN09399D");
    assert_int_equal(care->suppressed, DISC_SHOW);
    assert_int_equal(care->n, 15);
    assert_int_equal(care->events, 4);

    /* the town: 125 in the denominator, 5 refusals counted apart; Wilson's interval */
    const an_cell *town = cell_of(r, "sante_percue_bonne", -1, "commune");
    assert_int_equal(town->suppressed, DISC_SHOW);
    assert_int_equal(town->n, 125);
    assert_int_equal(town->refus, 5);
    assert_int_equal(town->nsp, 0);
    assert_int_equal(town->events, x);
    double n = 125, z = gsl_cdf_ugaussian_Pinv(0.975), z2 = z * z;
    double centre = (x + z2 / 2) / (n + z2), half = z / (n + z2) * sqrt(x * (n - x) / n + z2 / 4);
    assert_true(fabs(town->estimate - x / n) < 1e-12);
    assert_true(fabs(town->lower - (centre - half)) < 1e-9);
    assert_true(fabs(town->upper - (centre + half)) < 1e-9);

    /* the mean EPICES score of the town is the mean of score_epices over those who answered the 11 items */
    const an_cell *ep = cell_of(r, "epices_score_moyen", -1, "commune");
    assert_int_equal(ep->n, (long)epices_n);
    assert_true(fabs(ep->estimate - epices_sum / (double)epices_n) < 1e-9);

    /* nobody answered R08: every cell empty, suppressed */
    for (size_t g = 0; g < r->ngroups; g++) {
        const an_cell *c = cell_of(r, "maladie_chronique", -1, r->groups[g].id);
        assert_int_equal(c->n, 0);
        assert_int_equal(c->flags, 0);
        assert_int_not_equal(c->suppressed, DISC_SHOW);
        assert_false(c->has_estimate);
    }
    /* every unit: no recoverable cell */
    for (size_t i = 0; i < ind_count(defs); i++) {
        const ind_def *def = ind_at(defs, i);
        if (def->kind != IND_DISTRIBUTION)
            check_relations(r, def->id, -1);
        for (size_t k = 0; def->kind == IND_DISTRIBUTION && k < def->ncategories; k++)
            check_relations(r, def->id, (int)k);
    }
    assert_int_equal(r->groups[group_of(r, "QN09399D")].respondents, 15);
    /* a difference that involves a suppressed cell is suppressed too */
    size_t diffs = 0, hidden = 0;
    for (size_t k = 0; k < r->ntests; k++) {
        const an_test *t = &r->tests[k];
        if (t->kind != AN_T_DIFF)
            continue;
        const char *id = ind_at(defs, t->indicator)->id;
        bool want = cell_of(r, id, t->category, r->groups[t->group].id)->suppressed != DISC_SHOW ||
                    cell_of(r, id, t->category, r->groups[t->versus].id)->suppressed != DISC_SHOW;
        if (t->suppressed != want)
            fail_msg("difference %s/%d %s - %s: suppressed %d, cells say %d", id, t->category, r->groups[t->group].id,
                     r->groups[t->versus].id, t->suppressed, want);
        diffs++;
        hidden += want;
    }
    assert_true(diffs > 0 && hidden > 0 && hidden < diffs);
    check_finite(r);
    check_json(r);
    check_csv(r);
    an_free(r);

    /* Clopper-Pearson on request */
    r = run(&fx, defs, NULL, AN_CI_CLOPPER_PEARSON, DISC_DEFAULT_MIN_N, false);
    assert_string_equal(r->method_name, "clopper-pearson");
    town = cell_of(r, "sante_percue_bonne", -1, "commune");
    assert_true(fabs(town->lower - gsl_cdf_beta_Pinv(0.025, (double)x, n - (double)x + 1)) < 1e-9);
    assert_true(fabs(town->upper - gsl_cdf_beta_Pinv(0.975, (double)x + 1, n - (double)x)) < 1e-9);
    an_free(r);

    /* a lower minimum shows QN09399D */
    r = run(&fx, defs, NULL, AN_CI_DEFAULT, 5, false);
    assert_int_equal(cell_of(r, "sante_percue_bonne", -1, "QN09399D")->suppressed, DISC_SHOW);
    assert_int_equal(cell_of(r, "sante_percue_bonne", -1, "QN09399D")->n, 10);
    assert_int_equal(cell_of(r, "sante_percue_bonne", -1, "QN09399D")->refus, 5);
    an_free(r);
    ind_free(defs);
    db_remove(&fx);
}

/* Proportions of exactly 0 and 1: estimate 0 or 1, a finite interval inside [0, 1] that reaches the bound, the
 * review_p01 flag, and no NaN in any output; with Wilson, Clopper-Pearson and (raked) Korn-Graubard. QN09399A
 * has 40 respondents, QN09399B 20 (11 to 29: shown, but under NCHS's 30). */
static void test_p01(void **state)
{
    (void)state;
    fixture fx;
    db_open(&fx, "p01.db");
    for (size_t t = 0; t < 5; t++) {
        size_t size = t == 0 ? 40 : t == 1 ? 20 : 30;
        for (size_t i = 0; i < size; i++) {
            bool extreme = t <= 1;
            const char *r07 = extreme ? (i % 2 ? "bon" : "tres_bon") : i % 3 ? "bon" : "mauvais";
            db_add(&fx, "resident", person(terrs[t], i, r07, extreme || i % 4 ? "non" : "oui"));
        }
    }
    db_close(&fx);
    char mpath[128];
    tmp_path(mpath, sizeof mpath, "p01.csv");
    write_margins(mpath, NULL);
    mg_margins *mg = load_margins(mpath);
    unlink(mpath);
    ind_set *defs = load_shipped("resident");
    static const an_method methods[3] = {AN_CI_DEFAULT, AN_CI_CLOPPER_PEARSON, AN_CI_DEFAULT};
    for (int m = 0; m < 3; m++) {
        an_result *r = run(&fx, defs, m == 2 ? mg : NULL, methods[m], DISC_DEFAULT_MIN_N, false);
        assert_int_equal(r->weighted, m == 2);
        for (size_t t = 0; t < 2; t++) {
            const an_cell *one = cell_of(r, "sante_percue_bonne", -1, terrs[t]);
            const an_cell *zero = cell_of(r, "renoncement_soins", -1, terrs[t]);
            const an_cell *both[2] = {zero, one};
            for (int v = 0; v < 2; v++) {
                const an_cell *c = both[v];
                if (c->suppressed != DISC_SHOW || !c->has_estimate || c->estimate != v || !c->has_ci ||
                    !isfinite(c->lower) || !isfinite(c->upper) || c->lower < 0 || c->upper > 1 ||
                    (v == 0 && (c->lower != 0 || !(c->upper > 0 && c->upper < 0.5))) ||
                    (v == 1 && (c->upper != 1 || !(c->lower > 0.5 && c->lower < 1))))
                    soft_fail("%s, p = %d in %s (n %ld): shown %d estimate %g [%g, %g]", r->method_name, v, terrs[t],
                              c->n, c->suppressed == DISC_SHOW, c->estimate, c->lower, c->upper);
                if (!(c->flags & AN_FLAG_P01))
                    soft_fail("%s, p = %d in %s (n = %ld): flags %#x lack review_p01 (AN_FLAG_P01)", r->method_name, v,
                              terrs[t], c->n, c->flags);
            }
        }
        /* a cell with 0 < p < 1 does not carry the flag */
        assert_false(cell_of(r, "renoncement_soins", -1, "hors_qpv")->flags & AN_FLAG_P01);
        check_finite(r);
        check_json(r);
        check_csv(r);
        an_free(r);
    }
    mg_free(mg);
    ind_free(defs);
    db_remove(&fx);
    check_soft_failures();
}

/* A territory without respondents: every cell of it empty (n = 0, flag), primary, with or without margins (a
 * territory with no respondent is not raked). */
static void test_empty_group(void **state)
{
    (void)state;
    fixture fx;
    db_open(&fx, "empty.db");
    for (size_t t = 0; t < 5; t++)
        for (size_t i = 0; t != 2 && i < 24; i++) {
            json_t *a = person(terrs[t], i, i % 3 ? "bon" : "mauvais", i % 5 ? "non" : "oui");
            add_epices(a, (unsigned)(i * 91 + t) % 2048);
            db_add(&fx, "resident", a);
        }
    db_close(&fx);
    ind_set *defs = load_shipped("resident");
    char mpath[128];
    tmp_path(mpath, sizeof mpath, "empty.csv");
    write_margins(mpath, NULL);
    mg_margins *mg = load_margins(mpath);
    unlink(mpath);
    for (int weighted = 0; weighted < 2; weighted++) {
        an_result *r = run(&fx, defs, weighted ? mg : NULL, AN_CI_DEFAULT, DISC_DEFAULT_MIN_N, false);
        size_t c_group = group_of(r, "QN09399C");
        assert_int_equal(r->groups[c_group].suppressed, DISC_PRIMARY);
        assert_int_equal(r->groups[c_group].respondents, -1);
        for (size_t k = 0; k < r->ncells; k++) {
            const an_cell *c = &r->cells[k];
            if (c->group != c_group)
                continue;
            if (c->n != 0 || c->flags != 0 || c->suppressed != DISC_PRIMARY || c->has_estimate ||
                c->has_ci || c->has_std)
                fail_msg("%s in the empty territory: n %ld flags %#x suppressed %d", ind_at(defs, c->indicator)->id,
                         c->n, c->flags, c->suppressed);
        }
        /* the others have 24 each: shown; the empty one holds nobody, so nothing else need hide it */
        assert_int_equal(cell_of(r, "renoncement_soins", -1, "commune")->n, 96);
        check_relations(r, "renoncement_soins", -1);
        check_finite(r);
        check_json(r);
        check_csv(r);
        an_free(r);
    }
    mg_free(mg);
    ind_free(defs);
    db_remove(&fx);
}

/* The disclosure rule checked on every unit of an analysis by the independent checker (disclosure_check.h):
 * the atoms are the five territories, each weighing its cell's n (and its nsp and refus as respondents the
 * cells describe); a group holds the territories its kind says (independently of the analysis' own plan).
 * Records failures with soft_fail and returns how many units had a complementary cell. */
static size_t check_no_leak(const an_result *r, const char *what)
{
    const terr_set *ts = catalog_territories(forms);
    size_t nt = ts->count, ng = r->ngroups, units = 0;
    unsigned char *cover = calloc(ng * nt, 1);
    long *cell_n = calloc(ng, sizeof *cell_n), atom_n[CHECK_MAX_ATOMS], other[CHECK_MAX_ATOMS];
    disc_status *st = calloc(ng, sizeof *st);
    assert_true(nt <= CHECK_MAX_ATOMS);
    for (size_t g = 0; g < ng; g++)
        for (size_t t = 0; t < nt; t++) {
            const an_group *gr = &r->groups[g];
            cover[g * nt + t] = gr->kind == AN_G_TOWN || (gr->kind == AN_G_TERRITORY && strcmp(gr->id, ts->items[t].code) == 0) ||
                                (gr->kind == AN_G_QPV && ts->items[t].qpv) || (gr->kind == AN_G_REST && !ts->items[t].qpv);
        }
    for (size_t k = 0; k < r->ncells; k += ng) { /* each unit's cells are consecutive, one per group */
        const an_cell *c = &r->cells[k];
        bool complementary = false;
        for (size_t g = 0; g < ng; g++) {
            assert_int_equal(c[g].group, g);
            cell_n[g] = c[g].n;
            st[g] = c[g].suppressed;
            complementary |= st[g] == DISC_COMPLEMENTARY;
            if (c[g].n < r->min_n && st[g] != DISC_PRIMARY)
                soft_fail("%s: %s/%d/%s rests on %ld and is not suppressed", what, ind_at(r->defs, c->indicator)->id,
                          c->category, r->groups[g].id, c[g].n);
        }
        for (size_t t = 0; t < nt; t++) {
            size_t g = group_of(r, ts->items[t].code);
            atom_n[t] = c[g].n, other[t] = c[g].nsp + c[g].refus;
        }
        units += complementary;
        disc_table tab = {nt, ng, atom_n, other, cell_n, cover};
        long leak;
        if (leaks(&tab, st, r->min_n, &leak))
            soft_fail("%s: %s/%d: the shown groups isolate %ld respondents", what, ind_at(r->defs, c->indicator)->id,
                      c->category, leak);
    }
    free(st);
    free(cell_n);
    free(cover);
    return units;
}

/* The audit's town (issue 13): 12 residents in QN09399A in good health, without chronic illness, covered; one in
 * QN09399B in poor health, with a chronic illness, without complementary cover. The town and all QPV are
 * published (13); then the town minus A would be B's answers: A goes too, for every indicator, and for the
 * groups' respondent counts. */
static void test_audit_town(void **state)
{
    (void)state;
    fixture fx;
    db_open(&fx, "audit.db");
    for (size_t i = 0; i < 12; i++) {
        json_t *a = person("QN09399A", i, "bon", "non");
        json_object_set_new(a, "R08", json_string("non"));
        json_object_set_new(a, "R21", json_string("mutuelle"));
        db_add(&fx, "resident", a);
    }
    json_t *b = person("QN09399B", 0, "mauvais", "oui");
    json_object_set_new(b, "R08", json_string("oui"));
    json_object_set_new(b, "R21", json_string("aucune"));
    db_add(&fx, "resident", b);
    db_close(&fx);
    ind_set *defs = load_shipped("resident");
    an_result *r = run(&fx, defs, NULL, AN_CI_DEFAULT, DISC_DEFAULT_MIN_N, false);
    static const char *const ids[] = {"sante_percue_bonne", "maladie_chronique", "sans_complementaire"};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(cell_of(r, ids[k], -1, "QN09399B")->suppressed, DISC_PRIMARY);
        const an_cell *a = cell_of(r, ids[k], -1, "QN09399A"), *town = cell_of(r, ids[k], -1, "commune");
        if (a->suppressed != DISC_COMPLEMENTARY || town->suppressed != DISC_SHOW || town->n != 13)
            soft_fail("%s: A %d, town %d (n %ld)", ids[k], a->suppressed, town->suppressed, town->n);
    }
    size_t a = group_of(r, "QN09399A"), town = group_of(r, "commune");
    assert_int_equal(r->groups[a].suppressed, DISC_COMPLEMENTARY);
    assert_int_equal(r->groups[a].respondents, -1);
    assert_int_equal(r->groups[town].respondents, 13);
    check_no_leak(r, "audit");
    check_json(r);
    check_csv(r);
    an_free(r);
    ind_free(defs);
    db_remove(&fx);
    check_soft_failures();
}

/* A territory of one respondent, published when min_n is 1: the degenerate rule, never NaN (a proportion is 0
 * or 1 with a finite interval; a mean has no variance). Raked too, its margins giving nobody but her. */
static void test_single_respondent(void **state)
{
    (void)state;
    fixture fx;
    db_open(&fx, "single.db");
    for (size_t t = 0; t < 5; t++) {
        size_t size = t == 3 ? 1 : 24;
        for (size_t i = 0; i < size; i++) {
            json_t *a = person(terrs[t], i, i % 3 ? "bon" : "mauvais", i % 5 ? "non" : "oui");
            add_epices(a, (unsigned)(i * 91 + t) % 2048);
            db_add(&fx, "resident", a);
        }
    }
    db_close(&fx);
    ind_set *defs = load_shipped("resident");
    char mpath[128];
    tmp_path(mpath, sizeof mpath, "single.csv");
    /* QN09399D's one respondent is a woman (aged 16-24) */
    write_text(mpath, MG_HEAD "QN09399A,R03,femme,2830\nQN09399A,R03,homme,2554\n"
                              "QN09399B,R03,femme,1713\nQN09399B,R03,homme,1539\n"
                              "QN09399C,R03,femme,3657\nQN09399C,R03,homme,3429\n"
                              "QN09399D,R03,femme,1206\nQN09399D,R03,homme,0\n"
                              "hors_qpv,R03,femme,13329\nhors_qpv,R03,homme,12000\n");
    mg_margins *mg = load_margins(mpath);
    unlink(mpath);
    for (int weighted = 0; weighted < 2; weighted++) {
        an_result *r = run(&fx, defs, weighted ? mg : NULL, AN_CI_DEFAULT, 1, false);
        const an_cell *one = cell_of(r, "sante_percue_bonne", -1, "QN09399D");
        assert_int_equal(one->suppressed, DISC_SHOW);
        assert_int_equal(one->n, 1);
        assert_true(one->has_estimate);
        assert_true(one->estimate == 0); /* i = 0 answered "mauvais" */
        const an_cell *care = cell_of(r, "renoncement_soins", -1, "QN09399D");
        assert_true(care->has_estimate);
        assert_true(care->estimate == 1); /* and "oui" */
        const an_cell *mean = cell_of(r, "epices_score_moyen", -1, "QN09399D");
        assert_int_equal(mean->n, 1);
        assert_int_equal(mean->suppressed, DISC_SHOW);
        check_finite(r);
        check_json(r);
        check_csv(r);
        an_free(r);
    }
    mg_free(mg);
    ind_free(defs);
    db_remove(&fx);
}

/* The calibration fallback of analysis.h. QN09399B has nobody aged 75+: its 75+ band is merged with 65-74, and
 * its numbers are exactly those of a margins file where an analyst merged them by hand (75+ moved into 65-74);
 * QN09399C has only women: sex has no order, so C is left unweighted (weights N / n: every weighted share is the
 * plain share). Both say so in their group; the other territories are raked as usual and nothing fails. A
 * territory with respondents and no margins is still an error. */
static void write_margins_merged(const char *path, const char *code)
{
    const terr_set *ts = catalog_territories(forms);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(MG_HEAD, f);
    for (size_t t = 0; t < ts->count; t++) {
        long pop[6];
        for (size_t a = 0; a < 6; a++)
            pop[a] = terr_population(&ts->items[t], ages[a], "femme") + terr_population(&ts->items[t], ages[a], "homme");
        if (strcmp(ts->items[t].code, code) == 0)
            pop[4] += pop[5], pop[5] = 0;
        for (size_t a = 0; a < 6; a++)
            fprintf(f, "%s,R02,%s,%ld\n", ts->items[t].code, ages[a], pop[a]);
        for (size_t s = 0; s < 2; s++) {
            long sum = 0;
            for (size_t a = 0; a < 6; a++)
                sum += terr_population(&ts->items[t], ages[a], sexes[s]);
            fprintf(f, "%s,R03,%s,%ld\n", ts->items[t].code, sexes[s], sum);
        }
    }
    assert_int_equal(fclose(f), 0);
}

static void test_calibration_fallback(void **state)
{
    (void)state;
    fixture fx;
    db_open(&fx, "raking.db");
    for (size_t t = 0; t < 5; t++)
        for (size_t i = 0; i < 24; i++) {
            json_t *a = person(terrs[t], i, i % 4 ? "bon" : "mauvais", i % 5 == 1 || i % 7 == 3 ? "oui" : "non");
            if (t == 1 && i % 6 == 5) /* nobody aged 75+ in QN09399B */
                json_object_set_new(a, "R02", json_string("65-74"));
            if (t == 2) /* only women in QN09399C */
                json_object_set_new(a, "R03", json_string("femme"));
            db_add(&fx, "resident", a);
        }
    db_close(&fx);
    ind_set *defs = load_shipped("resident");
    char mpath[128], err[512] = "";
    an_options opt = {AN_CI_DEFAULT, 0.95, DISC_DEFAULT_MIN_N, TODAY, NULL, NULL, false, NULL};
    tmp_path(mpath, sizeof mpath, "raking.csv");

    write_margins(mpath, NULL);
    mg_margins *mg = load_margins(mpath);
    an_result *r = an_run(fx.path, forms, defs, mg, &opt, err, sizeof err);
    if (r == NULL)
        fail_msg("an_run failed: %s", err);
    mg_free(mg);
    size_t b = group_of(r, "QN09399B"), c = group_of(r, "QN09399C");
    const an_group *gb = &r->groups[b], *gc = &r->groups[c];
    assert_int_equal(gb->calibration, AN_CAL_COLLAPSED);
    assert_string_equal(an_calibration_name(gb->calibration), "calibration_collapsed");
    if (!strstr(gb->calibration_note, "R02") || !strstr(gb->calibration_note, "« 75+ » regroupée avec « 65-74 »"))
        fail_msg("QN09399B's note: %s", gb->calibration_note);
    assert_int_equal(gc->calibration, AN_CAL_UNWEIGHTED);
    if (!strstr(gc->calibration_note, "R03") || !strstr(gc->calibration_note, "« homme »") ||
        !strstr(gc->calibration_note, "sans ordre"))
        fail_msg("QN09399C's note: %s", gc->calibration_note);
    for (size_t g = 0; g < r->ngroups; g++)
        if (g != b && g != c && (r->groups[g].calibration != AN_CAL_RAKED || r->groups[g].calibration_note[0]))
            fail_msg("%s: calibration %d note %s", r->groups[g].id, r->groups[g].calibration,
                     r->groups[g].calibration_note);
    /* unweighted: the weighted share is the plain share */
    const an_cell *cc = cell_of(r, "renoncement_soins", -1, "QN09399C");
    assert_true(cc->has_estimate && cc->has_ci);
    assert_true(fabs(cc->estimate - (double)cc->events / (double)cc->n) < 1e-12);
    check_json(r);
    check_csv(r);

    /* the merge done by hand in the margins gives the same numbers for QN09399B */
    write_margins_merged(mpath, "QN09399B");
    mg = load_margins(mpath);
    an_result *hand = an_run(fx.path, forms, defs, mg, &opt, err, sizeof err);
    if (hand == NULL)
        fail_msg("an_run with merged margins failed: %s", err);
    mg_free(mg);
    assert_int_equal(hand->groups[group_of(hand, "QN09399B")].calibration, AN_CAL_RAKED);
    size_t compared = 0;
    for (size_t k = 0; k < r->ncells; k++) {
        const an_cell *x = &r->cells[k], *y = &hand->cells[k];
        if (x->group != b)
            continue;
        assert_int_equal(x->indicator, y->indicator);
        if (x->has_estimate != y->has_estimate || x->has_ci != y->has_ci ||
            (x->has_estimate && fabs(x->estimate - y->estimate) > 1e-12) ||
            (x->has_ci && (fabs(x->lower - y->lower) > 1e-12 || fabs(x->upper - y->upper) > 1e-12)))
            fail_msg("%s in QN09399B: %.17g [%.17g, %.17g] against %.17g [%.17g, %.17g] merged by hand",
                     ind_at(defs, x->indicator)->id, x->estimate, x->lower, x->upper, y->estimate, y->lower, y->upper);
        compared += x->has_estimate;
    }
    assert_true(compared >= 2); /* R07 and R17 are the answers the fixture gives */
    an_free(hand);
    an_free(r);

    write_margins(mpath, "hors_qpv");
    mg = load_margins(mpath);
    err[0] = '\0';
    r = an_run(fx.path, forms, defs, mg, &opt, err, sizeof err);
    assert_null(r);
    assert_non_null(strstr(err, "hors_qpv"));
    mg_free(mg);
    unlink(mpath);
    ind_free(defs);
    db_remove(&fx);
    check_soft_failures();
}

/* Resident form version 3: R17 (forgone care) offers « refus » like its neighbours; version 2 did not. A refusal
 * is counted apart, as nsp is, and left out of the denominator of every indicator on R17. */
static void test_r17_refus(void **state)
{
    (void)state;
    const form *v2 = catalog_get(forms, "resident", "2"), *v3 = current("resident");
    assert_non_null(v2);
    assert_string_equal(v3->version, "3");
    json_t *a = person("QN09399A", 0, "bon", "refus");
    answers_report rep;
    assert_int_equal(answers_check(v3, a, TODAY, &rep), 0);
    answers_report_free(&rep);
    assert_int_not_equal(answers_check(v2, a, TODAY, &rep), 0);
    answers_report_free(&rep);
    json_decref(a);
    fixture fx;
    db_open(&fx, "r17.db");
    for (size_t t = 0; t < 5; t++)
        for (size_t i = 0; i < 24; i++)
            db_add(&fx, "resident", person(terrs[t], i, "bon", t == 0 && i < 4 ? "refus" : t == 0 && i < 6 ? "nsp"
                                                                : i % 3 == 0                  ? "oui"
                                                                                              : "non"));
    db_close(&fx);
    ind_set *defs = load_shipped("resident");
    an_result *r = run(&fx, defs, NULL, AN_CI_DEFAULT, DISC_DEFAULT_MIN_N, false);
    const an_cell *c = cell_of(r, "renoncement_soins", -1, "QN09399A");
    assert_int_equal(c->refus, 4);
    assert_int_equal(c->nsp, 2);
    assert_int_equal(c->n, 18);
    assert_int_equal(cell_of(r, "renoncement_soins", -1, "commune")->refus, 4);
    check_json(r);
    an_free(r);
    ind_free(defs);
    db_remove(&fx);
}

/* The zero-variance rule at the level of cells: forgone care answered yes exactly by the residents aged 75+ is
 * fixed by the age margin once raked, so every territory's share (strictly between 0 and 1) has no variance:
 * the degenerate interval with flag zero_variance, never a null interval or one 1e-16 wide. Without margins the
 * same share has an ordinary variance; and a mean over identical values (the EPICES score of residents who all
 * answered alike) has no interval, with the flag. */
static void test_zero_variance_cells(void **state)
{
    (void)state;
    fixture fx;
    db_open(&fx, "zerovar.db");
    for (size_t t = 0; t < 5; t++)
        for (size_t i = 0; i < 24; i++) {
            json_t *a = person(terrs[t], i, "bon", i % 6 == 5 ? "oui" : "non");
            add_epices(a, 0x155);
            db_add(&fx, "resident", a);
        }
    db_close(&fx);
    ind_set *defs = load_shipped("resident");
    char mpath[128];
    tmp_path(mpath, sizeof mpath, "zerovar.csv");
    write_margins(mpath, NULL);
    mg_margins *mg = load_margins(mpath);
    unlink(mpath);
    for (int weighted = 0; weighted < 2; weighted++) {
        an_result *r = run(&fx, defs, weighted ? mg : NULL, AN_CI_DEFAULT, DISC_DEFAULT_MIN_N, false);
        for (size_t t = 0; t < 5; t++) {
            const an_cell *c = cell_of(r, "renoncement_soins", -1, terrs[t]);
            assert_true(c->has_estimate && c->has_ci && c->estimate > 0 && c->estimate < 1);
            if (weighted) {
                double n = (double)c->n, p = c->estimate;
                if (!(c->flags & AN_FLAG_ZERO_VARIANCE) || c->se != 0 ||
                    fabs(c->lower - gsl_cdf_beta_Pinv(0.025, n * p, n * (1 - p) + 1)) > 1e-9 ||
                    fabs(c->upper - gsl_cdf_beta_Pinv(0.975, n * p + 1, n * (1 - p))) > 1e-9)
                    fail_msg("%s raked: p %.17g [%.17g, %.17g] se %g flags %#x", terrs[t], p, c->lower, c->upper,
                             c->se, c->flags);
            } else {
                assert_false(c->flags & AN_FLAG_ZERO_VARIANCE);
                assert_true(c->se > 0.01);
            }
            const an_cell *m = cell_of(r, "epices_score_moyen", -1, terrs[t]);
            assert_true(m->has_estimate && !m->has_ci && m->se == 0 && (m->flags & AN_FLAG_ZERO_VARIANCE));
        }
        check_json(r);
        check_csv(r);
        an_free(r);
    }
    mg_free(mg);
    ind_free(defs);
    db_remove(&fx);
}

/* Respondents of another town, or who refused to say where they live, are counted and left out. */
static void test_no_territory(void **state)
{
    (void)state;
    fixture fx;
    db_open(&fx, "elsewhere.db");
    for (size_t t = 0; t < 5; t++)
        for (size_t i = 0; i < 12; i++)
            db_add(&fx, "resident", person(terrs[t], i, "bon", i % 2 ? "oui" : "non"));
    for (size_t i = 0; i < 10; i++)
        db_add(&fx, "resident", person(i < 7 ? "autre_commune" : "refus", i, "mauvais", "oui"));
    db_close(&fx);
    ind_set *defs = load_shipped("resident");
    an_result *r = run(&fx, defs, NULL, AN_CI_DEFAULT, DISC_DEFAULT_MIN_N, false);
    assert_int_equal(r->records, 70);
    assert_int_equal(r->no_territory, 10);
    assert_int_equal(r->used, 60);
    assert_int_equal(r->groups[group_of(r, "commune")].respondents, 60);
    const an_cell *town = cell_of(r, "renoncement_soins", -1, "commune");
    assert_int_equal(town->n, 60);
    assert_int_equal(town->events, 30);
    town = cell_of(r, "sante_percue_bonne", -1, "commune");
    assert_int_equal(town->events, 60);
    assert_true(town->estimate == 1);
    json_t *doc = out_json(r);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "respondents"), "no_territory")), 10);
    json_decref(doc);
    an_free(r);
    ind_free(defs);
    db_remove(&fx);
}

/* Operators answer for several territories at once: a record counts in every group it serves, and the ratio of
 * two sums is the sum of the numerators over the sum of the denominators; a denominator summing to 0 is flagged,
 * with no estimate. 20 operators serve QN09399A, 10 the whole town (no activity figures), 12 QN09399C (none
 * requested, none done). */
static void test_operator_ratio(void **state)
{
    (void)state;
    fixture fx;
    db_open(&fx, "operator.db");
    double num = 0, den = 0, scale_sum = 0;
    for (size_t i = 0; i < 20; i++) {
        long o17 = 5 + (long)(i % 7) * 3, o18 = (long)(i % 5);
        db_add(&fx, "operator",
               json_pack("{s:s, s:[s], s:I, s:I, s:i}", "O01", "ccas", "O02", "QN09399A", "O17", (json_int_t)o17, "O18",
                         (json_int_t)o18, "O07", (int)(1 + i % 4)));
        num += (double)o18, den += (double)o17;
        scale_sum += (double)(1 + i % 4);
    }
    for (size_t i = 0; i < 10; i++) {
        db_add(&fx, "operator",
               json_pack("{s:s, s:[s], s:i}", "O01", "pmi", "O02", "toute_commune", "O07", (int)(4 - i % 3)));
        scale_sum += (double)(4 - i % 3);
    }
    for (size_t i = 0; i < 12; i++)
        db_add(&fx, "operator",
               json_pack("{s:s, s:[s], s:I, s:I}", "O01", "association", "O02", "QN09399C", "O17", (json_int_t)0, "O18",
                         (json_int_t)0));
    db_close(&fx);
    ind_set *defs = load_shipped("operator");
    an_result *r = run(&fx, defs, NULL, AN_CI_DEFAULT, DISC_DEFAULT_MIN_N, false);
    assert_int_equal(r->no_territory, 0);
    assert_int_equal(r->records, 42);
    const char *ratio = "accompagnements_realises_sur_demandes";
    const an_cell *town = cell_of(r, ratio, -1, "commune");
    assert_int_equal(town->suppressed, DISC_SHOW);
    assert_int_equal(town->n, 32);
    assert_true(fabs(town->estimate - num / den) < 1e-12);
    assert_int_equal(town->events, -1);
    const an_cell *a = cell_of(r, ratio, -1, "QN09399A");
    assert_int_equal(a->n, 20);
    assert_true(fabs(a->estimate - num / den) < 1e-12);
    assert_true(a->has_ci && a->lower < a->estimate && a->estimate < a->upper);
    /* nothing requested in QN09399C: no ratio, a flag, no NaN */
    const an_cell *c = cell_of(r, ratio, -1, "QN09399C");
    assert_int_equal(c->n, 12);
    assert_int_equal(c->suppressed, DISC_SHOW);
    assert_true(c->flags & AN_FLAG_ZERO_DENOM);
    assert_false(c->has_estimate);
    /* nobody with figures serves QN09399B */
    const an_cell *b = cell_of(r, ratio, -1, "QN09399B");
    assert_int_equal(b->n, 0);
    assert_int_equal(b->flags, 0);
    assert_int_equal(b->suppressed, DISC_PRIMARY);
    /* the scale: the 20 of QN09399A and the 10 of the whole town */
    const an_cell *scale = cell_of(r, "capacite_orienter_moyenne", -1, "QN09399A");
    assert_int_equal(scale->n, 30);
    assert_true(fabs(scale->estimate - scale_sum / 30) < 1e-12);
    assert_int_equal(cell_of(r, "capacite_orienter_moyenne", -1, "QN09399B")->n, 10);
    assert_int_equal(cell_of(r, "capacite_orienter_moyenne", -1, "QN09399B")->suppressed, DISC_PRIMARY);
    check_finite(r);
    check_json(r);
    check_csv(r);
    an_free(r);
    ind_free(defs);
    db_remove(&fx);
}

/* With one calibration variable, raking is post-stratification: a territory's weighted share is the
 * population-weighted mean of the shares of women and men, and a group's is the same over its territories. */
static void test_weighted_estimate(void **state)
{
    (void)state;
    static const double pop[5][2] = {{2830, 2554}, {1713, 1539}, {3657, 3429}, {1206, 1065}, {13329, 12000}};
    double x[5][2] = {{0}}, n[5][2] = {{0}};
    fixture fx;
    db_open(&fx, "weighted.db");
    for (size_t t = 0; t < 5; t++)
        for (size_t i = 0; i < 24 + 6 * t; i++) {
            size_t sex = (i / 6) % 2;
            bool yes = sex == 0 ? i % 2 == 0 : i % (3 + t) == 0;
            db_add(&fx, "resident", person(terrs[t], i, "bon", yes ? "oui" : "non"));
            n[t][sex] += 1;
            x[t][sex] += yes;
        }
    db_close(&fx);
    char mpath[128];
    tmp_path(mpath, sizeof mpath, "weighted.csv");
    write_text(mpath, MG_HEAD MG_BODY);
    mg_margins *mg = load_margins(mpath);
    unlink(mpath);
    ind_set *defs = load_shipped("resident");
    an_result *r = run(&fx, defs, mg, AN_CI_DEFAULT, DISC_DEFAULT_MIN_N, false);
    assert_true(r->weighted);
    assert_string_equal(r->method_name, "beta");
    static const char *const groups[3] = {"ensemble_qpv", "commune", "hors_qpv"};
    double num[3] = {0}, den[3] = {0};
    for (size_t t = 0; t < 5; t++) {
        double p = 0, tot = 0;
        for (size_t sex = 0; sex < 2; sex++)
            p += pop[t][sex] * x[t][sex] / n[t][sex], tot += pop[t][sex];
        const an_cell *c = cell_of(r, "renoncement_soins", -1, terrs[t]);
        if (!c->has_estimate || fabs(c->estimate - p / tot) > 1e-9)
            fail_msg("%s: weighted share %.17g, post-stratified %.17g", terrs[t], c->estimate, p / tot);
        assert_true(c->has_ci && c->lower < c->estimate && c->estimate < c->upper);
        for (size_t g = 0; g < 3; g++)
            if ((g == 0 && t < 4) || g == 1 || (g == 2 && t == 4))
                num[g] += p, den[g] += tot;
    }
    for (size_t g = 0; g < 3; g++) {
        const an_cell *c = cell_of(r, "renoncement_soins", -1, groups[g]);
        if (fabs(c->estimate - num[g] / den[g]) > 1e-9)
            fail_msg("%s: weighted share %.17g, post-stratified %.17g", groups[g], c->estimate, num[g] / den[g]);
    }
    check_finite(r);
    check_json(r);
    an_free(r);
    mg_free(mg);
    ind_free(defs);
    db_remove(&fx);
}

/* ------------------------------------------------------------------ grouped rows */

typedef struct rng {
    uint64_t s;
} rng;

/* splitmix64: deterministic answers for a given seed. */
static uint64_t rng_next(rng *g)
{
    uint64_t z = (g->s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* One of n codes, the first made more likely by lean (a territory's character). */
static const char *pick(rng *g, const char *const *codes, size_t n, size_t lean)
{
    size_t k = (size_t)(rng_next(g) % (n + lean));
    return codes[k < n ? k : 0];
}

/* A subset of codes, in the form's order (may be empty). */
static json_t *subset(rng *g, const char *const *codes, size_t n)
{
    json_t *a = json_array();
    for (size_t k = 0; k < n; k++)
        if (rng_next(g) % 3 == 0)
            json_array_append_new(a, json_string(codes[k]));
    return a;
}

#define NCODES(a) (sizeof(a) / sizeof(a)[0])

/* A valid resident record with varied answers: every territory x age x sex cell is filled in 60 consecutive i,
 * a few respondents of another town or of sex "autre" (no margin: left out of weighted estimates). */
static json_t *random_person(rng *g, size_t i)
{
    static const char *const r07[] = {"tres_bon", "bon", "assez_bon", "mauvais", "tres_mauvais", "refus"};
    static const char *const r08[] = {"oui", "non", "nsp", "refus"};
    static const char *const r13[] = {"oui_quartier", "oui_commune", "oui_hors_commune", "non", "nsp"};
    static const char *const r17[] = {"oui", "non", "nsp"};
    static const char *const r18[] = {"generaliste", "specialiste", "dentaire",  "medicaments",
                                      "lunettes",    "analyses",    "radio_irm", "autre"};
    static const char *const r19[] = {
        "cout",         "attendre",           "sait_pas_ou",         "langue",       "papiers_droits", "peur",
        "manque_temps", "distance_transport", "refus_professionnel", "garde_enfants"};
    static const char *const r21[] = {"mutuelle", "c2s_sans_participation", "c2s_avec_participation", "aucune", "nsp",
                                      "refus"};
    static const char *const yes_no[] = {"oui", "non"};
    static const char *const rows[] = {"centre_sante",   "maison_sante", "pmi",  "cmp",  "centre_sante_sexuelle",
                                       "csapa",          "pass",         "cpam", "ccas", "pharmacie",
                                       "mediateur_sante"};
    static const char *const r23[] = {"connu_utilise", "connu", "inconnu"};
    static const char *const r25[] = {"tout_a_fait", "plutot_oui", "plutot_non", "pas_du_tout"};
    static const char *const r26[] = {"oui_aide", "oui_sans_aide", "non"};
    size_t t = i % 5;
    json_t *a = json_object();
    json_object_set_new(a, "R01", json_string(i % 97 == 96 ? "autre_commune" : terrs[t]));
    json_object_set_new(a, "R02", json_string(ages[(i / 5) % 6]));
    json_object_set_new(a, "R03", json_string(i % 41 == 7 ? "autre" : sexes[(i / 30) % 2]));
    json_object_set_new(a, "R07", json_string(pick(g, r07, NCODES(r07), t)));
    if (rng_next(g) % 4)
        json_object_set_new(a, "R08", json_string(pick(g, r08, NCODES(r08), 2 * t)));
    json_object_set_new(a, "R13", json_string(pick(g, r13, NCODES(r13), t)));
    const char *care = pick(g, r17, NCODES(r17), 4 - t);
    json_object_set_new(a, "R17", json_string(care));
    if (strcmp(care, "oui") == 0) {
        json_t *s18 = subset(g, r18, NCODES(r18)), *s19 = subset(g, r19, NCODES(r19));
        if (json_array_size(s18))
            json_object_set_new(a, "R18", s18);
        else
            json_decref(s18);
        if (json_array_size(s19))
            json_object_set_new(a, "R19", s19);
        else
            json_decref(s19);
    }
    json_object_set_new(a, "R21", json_string(pick(g, r21, NCODES(r21), t)));
    for (int k = 0; k < SCORE_EPICES_ITEMS; k++) {
        uint64_t u = rng_next(g) % 25;
        if (u == 0)
            continue;
        json_object_set_new(a, epices_items[k], json_string(u == 1 ? "refus" : pick(g, yes_no, 2, t % 3)));
    }
    json_t *grid = json_object();
    for (size_t k = 0; k < NCODES(rows); k++)
        if (rng_next(g) % 4)
            json_object_set_new(grid, rows[k], json_string(pick(g, r23, NCODES(r23), t)));
    if (json_object_size(grid))
        json_object_set_new(a, "R23", grid);
    else
        json_decref(grid);
    if (rng_next(g) % 5)
        json_object_set_new(a, "R25", json_string(pick(g, r25, NCODES(r25), t)));
    if (rng_next(g) % 3)
        json_object_set_new(a, "R26", json_string(pick(g, r26, NCODES(r26), 4 - t)));
    return a;
}

/* Property: on random towns (each territory with 0 to 30 respondents, small ones often, varied answers with
 * item non-response), with and without raking, no unit of the analysis publishes groups whose combinations
 * isolate fewer than min_n respondents. */
static void test_random_disclosure(void **state)
{
    (void)state;
    ind_set *defs = load_shipped("resident");
    rng g = {2026};
    size_t units = 0, cells = 0;
    for (int rep = 0; rep < 24; rep++) {
        fixture fx;
        char name[32];
        snprintf(name, sizeof name, "random%d.db", rep);
        db_open(&fx, name);
        size_t total = 0;
        for (size_t t = 0; t < 5; t++) {
            uint64_t u = rng_next(&g);
            size_t size = u % 3 == 0 ? (size_t)(rng_next(&g) % 11) : (size_t)(rng_next(&g) % 31);
            for (size_t i = 0; i < size; i++, total++) {
                json_t *a = random_person(&g, total);
                json_object_set_new(a, "R01", json_string(terrs[t]));
                json_object_set_new(a, "R03", json_string(sexes[i % 2]));
                db_add(&fx, "resident", a);
            }
        }
        db_close(&fx);
        if (total > 0) {
            long min_n = rep % 4 == 3 ? 5 : DISC_DEFAULT_MIN_N;
            an_result *r = run(&fx, defs, NULL, AN_CI_DEFAULT, min_n, false);
            char what[64];
            snprintf(what, sizeof what, "town %d (min_n %ld)", rep, min_n);
            units += check_no_leak(r, what);
            cells += r->ncells;
            an_free(r);
        }
        db_remove(&fx);
    }
    print_message("random towns: %zu cells checked, %zu units needed complementary cells\n", cells, units);
    ind_free(defs);
    check_soft_failures();
}

static bool close_to(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) + 1e-12;
}

/* Two analyses of the same data give the same cells and tests, to 1e-9 relative. */
static void compare_results(const an_result *x, const an_result *y, const char *what)
{
    assert_int_equal(x->ncells, y->ncells);
    assert_int_equal(x->ntests, y->ntests);
    assert_int_equal(x->used, y->used);
    assert_int_equal(x->left_out_calibration, y->left_out_calibration);
    assert_int_equal(x->standardised, y->standardised);
    for (size_t g = 0; g < x->ngroups; g++)
        assert_int_equal(x->groups[g].respondents, y->groups[g].respondents);
    for (size_t k = 0; k < x->ncells; k++) {
        const an_cell *a = &x->cells[k], *b = &y->cells[k];
        bool same = a->indicator == b->indicator && a->category == b->category && a->group == b->group &&
                    a->suppressed == b->suppressed && a->flags == b->flags && a->n == b->n && a->events == b->events &&
                    a->nsp == b->nsp && a->refus == b->refus && a->has_estimate == b->has_estimate &&
                    a->has_ci == b->has_ci && a->has_deff == b->has_deff && a->has_std == b->has_std;
        if (same && a->has_estimate)
            same = close_to(a->estimate, b->estimate) && close_to(a->n_eff, b->n_eff);
        if (same && a->has_ci)
            same = close_to(a->lower, b->lower) && close_to(a->upper, b->upper) && close_to(a->se, b->se);
        if (same && a->has_deff)
            same = close_to(a->deff, b->deff);
        if (same && a->has_std)
            same = close_to(a->std, b->std) && close_to(a->std_lower, b->std_lower) &&
                   close_to(a->std_upper, b->std_upper);
        if (!same)
            fail_msg("%s: cell %s/%d/%s differs: n %ld/%ld flags %#x/%#x estimate %.17g/%.17g [%.17g, %.17g] / "
                     "[%.17g, %.17g] deff %.17g/%.17g std %.17g/%.17g",
                     what, ind_at(x->defs, a->indicator)->id, a->category, x->groups[a->group].id, a->n, b->n, a->flags,
                     b->flags, a->estimate, b->estimate, a->lower, a->upper, b->lower, b->upper, a->deff, b->deff,
                     a->std, b->std);
    }
    for (size_t k = 0; k < x->ntests; k++) {
        const an_test *a = &x->tests[k], *b = &y->tests[k];
        bool same = a->kind == b->kind && a->indicator == b->indicator && a->category == b->category &&
                    a->group == b->group && a->suppressed == b->suppressed && close_to(a->statistic, b->statistic) &&
                    close_to(a->p, b->p) && close_to(a->p_holm, b->p_holm) && close_to(a->diff, b->diff) &&
                    close_to(a->lower, b->lower) && close_to(a->upper, b->upper);
        if (!same)
            fail_msg("%s: test %zu (%s) differs: statistic %.17g/%.17g p %.17g/%.17g", what, k,
                     ind_at(x->defs, a->indicator)->id, a->statistic, b->statistic, a->p, b->p);
    }
    assert_int_equal(x->chisq_significant, y->chisq_significant);
    assert_int_equal(x->diff_significant_holm, y->diff_significant_holm);
}

#define GROUPING_N 2000

static void test_grouping(void **state)
{
    (void)state;
    fixture fx;
    rng g = {5};
    db_open(&fx, "grouping.db");
    for (size_t i = 0; i < GROUPING_N; i++)
        db_add(&fx, "resident", random_person(&g, i));
    db_close(&fx);
    ind_set *defs = load_shipped("resident");
    char mpath[128];
    tmp_path(mpath, sizeof mpath, "grouping.csv");
    write_margins(mpath, NULL);
    mg_margins *mg = load_margins(mpath);
    unlink(mpath);
    for (int weighted = 0; weighted < 2; weighted++) {
        an_result *grouped = run(&fx, defs, weighted ? mg : NULL, AN_CI_DEFAULT, DISC_DEFAULT_MIN_N, false);
        an_result *single = run(&fx, defs, weighted ? mg : NULL, AN_CI_DEFAULT, DISC_DEFAULT_MIN_N, true);
        assert_int_equal(grouped->no_territory, GROUPING_N / 97);
        assert_int_equal(grouped->used, GROUPING_N - GROUPING_N / 97 - (weighted ? grouped->left_out_calibration : 0));
        if (weighted)
            assert_true(grouped->left_out_calibration > 0);
        assert_true(grouped->ntests > 0);
        compare_results(grouped, single, weighted ? "raked" : "unweighted");
        check_finite(grouped);
        an_free(single);
        an_free(grouped);
    }
    mg_free(mg);
    ind_free(defs);
    db_remove(&fx);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
    const struct CMUnitTest tests[] = {
        T(test_load_shipped), T(test_load_broken),    T(test_load_reports_all),  T(test_plan_parsed),
        T(test_plan_errors),  T(test_shipped_plan),   T(test_epices_all_patterns),
        T(test_eval),         T(test_margins_errors), T(test_margins_valid),     T(test_min_n),
        T(test_p01),          T(test_empty_group),    T(test_audit_town), T(test_random_disclosure),    T(test_single_respondent), T(test_calibration_fallback), T(test_r17_refus), T(test_zero_variance_cells),
        T(test_no_territory), T(test_operator_ratio), T(test_weighted_estimate), T(test_grouping),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
