/* test_offer.c -- the shared list of local services (offer.c) and what forms and indicator files make of it:
 * offer.json's own checks, "rows": "offre" written inline (form_expanded_doc) exactly as the forms were written
 * by hand before, the missing-translation warning naming the service, and indicator templates expanding to
 * exactly the per-service definitions they replace.
 */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "answers.h"
#include "catalog.h"
#include "indicators.h"
#include "offer.h"

/* The shipped offer.json, parsed. */
static json_t *shipped_offer_doc(void)
{
    json_error_t err;
    json_t *doc = json_load_file(FORMS_DIR "/offer.json", JSON_REJECT_DUPLICATES, &err);
    if (doc == NULL)
        fail_msg("offer.json: %s", err.text);
    return doc;
}

/* A copy of the shipped forms folder in a fresh temporary directory, written into dir. The copy holds the
 * forms, territories.json, offer.json and the indicator files. */
static void copy_forms(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/test_offer_XXXXXX");
    if (mkdtemp(dir) == NULL)
        fail_msg("mkdtemp failed");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp %s/*.json %s/*.geojson '%s'/", FORMS_DIR, FORMS_DIR, dir);
    assert_int_equal(system(cmd), 0);
}

static void remove_dir(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Writes doc as dir/name. */
static void write_json(const char *dir, const char *name, const json_t *doc)
{
    char path[2400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
}

/* ================================================================== offer.json */

static void test_shipped_offer(void **state)
{
    (void)state;
    diag_list diags = {0};
    offer *o = offer_load(FORMS_DIR "/offer.json", &diags);
    diag_print(&diags, stderr);
    assert_non_null(o);
    assert_int_equal(diags.errors + diags.warnings, 0);
    assert_int_equal(offer_count(o), 11);
    assert_true(offer_is_example(o));
    assert_string_equal(offer_at(o, 2)->code, "pmi");
    assert_int_equal(offer_at(o, 2)->paper, 3);
    assert_string_equal(offer_find(o, "mediateur_sante")->kind, "mediation");
    assert_int_equal(offer_find(o, "mediateur_sante")->paper, 11);
    assert_null(offer_find(o, "nope"));
    assert_string_equal(offer_file(o), FORMS_DIR "/offer.json");
    /* rows for a French and English form: the other languages are left out, label_pro chosen on demand */
    static const char *const langs[] = {"fr", "en"};
    json_t *rows = offer_rows(o, true, langs, 2);
    assert_int_equal(json_array_size(rows), 11);
    json_t *want = tu_json("{\"code\": \"maison_sante\", \"paper\": 2, \"label\": {\"fr\": \"Maison de santé "
                           "pluriprofessionnelle (MSP)\", \"en\": \"Multi-professional health practice (MSP)\"}}");
    assert_true(json_equal(json_array_get(rows, 1), want));
    json_decref(want);
    json_decref(rows);
    rows = offer_rows(o, false, langs, 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(rows, 1), "label"), "fr")),
                        "Maison de santé (médecins et soignants au même endroit)");
    assert_int_equal(json_object_size(json_object_get(json_array_get(rows, 1), "label")), 1);
    json_decref(rows);
    offer_free(o);
    offer_free(NULL);
    diag_list_free(&diags);
}

/* One broken copy of the shipped offer.json: the member at `set` replaced by the JSON text `value` (deleted when
 * NULL); the load must fail with an error at `path` containing `fragment`. */
typedef struct offer_case {
    const char *set, *value, *path, *fragment;
} offer_case;

static const offer_case offer_cases[] = {
    {"services[3].code", "\"pmi\"", "$.services[3].code", "« pmi » déjà utilisé par le service 3"},
    {"services[4].paper", "3", "$.services[4].paper", "numéro papier 3 déjà utilisé par le service 3"},
    {"services[0].code", "\"Centre Santé\"", "$.services[0].code", "code « Centre Santé » invalide"},
    {"services[0].label.fr", NULL, "$.services[0].label", "(« fr ») est obligatoire"},
    {"services[1].label_pro.fr", NULL, "$.services[1].label_pro", "(« fr ») est obligatoire"},
    {"services[0].labell", "{\"fr\": \"x\"}", "$.services[0].labell", "clé inconnue « labell »"},
    {"services[0].kind", "\"hopital\"", "$.services[0].kind", "« kind » inconnu « hopital »"},
    {"services[0].kind", NULL, "$.services[0].kind", "« kind » est obligatoire"},
    {"services[0].paper", NULL, "$.services[0].paper", "« paper » est obligatoire"},
    {"services[0].paper", "100", "$.services[0].paper", "de 0 à 99"},
    {"services[0].label.fr_FR", "\"Centre\"", "$.services[0].label.fr_FR", "code de langue « fr_FR » invalide"},
    {"services[0].label.en", "\"\"", "$.services[0].label.en", "non vide"},
    {"services", "[]", "$.services", "entre 1 et 200 services"},
    {"services", "{}", "$.services", "doit être un tableau"},
    {"servces", "[]", "$.servces", "clé inconnue « servces »"},
    {"example", "\"oui\"", "$.example", "true ou false"},
    {"services[2]", "\"pmi\"", "$.services[2]", "un service est un objet"},
};

static void test_offer_errors(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof offer_cases / sizeof *offer_cases; k++) {
        const offer_case *oc = &offer_cases[k];
        json_t *doc = shipped_offer_doc();
        tu_set(doc, oc->set, oc->value ? tu_json(oc->value) : NULL);
        diag_list diags = {0};
        offer *o = offer_load_json(doc, "offer.json", &diags);
        if (o != NULL || !tu_has_diag(&diags, false, oc->path, oc->fragment)) {
            diag_print(&diags, stderr);
            fail_msg("case %zu (%s): expected an error at %s containing \"%s\"", k + 1, oc->set, oc->path,
                     oc->fragment);
        }
        assert_string_equal(diags.items[0].file, "offer.json");
        diag_list_free(&diags);
        json_decref(doc);
    }
    /* not JSON at all: line and column */
    char path[] = "/tmp/test_offer_bad_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"services\": [", 14), 14);
    close(fd);
    diag_list diags = {0};
    assert_null(offer_load(path, &diags));
    assert_true(tu_has_diag(&diags, false, NULL, "JSON invalide"));
    diag_list_free(&diags);
    unlink(path);
}

/* ================================================================== forms naming the offer */

/* The shipped resident and operator forms, whose local services now come from offer.json, expand to exactly the
 * documents they were before (tests/data/inline/): stored answers keep their meaning, and the fingerprint of a
 * running campaign's version does not change. */
static void test_expanded_equals_inline(void **state)
{
    (void)state;
    diag_list diags = {0};
    catalog *c = catalog_open(FORMS_DIR, &diags);
    diag_print(&diags, stderr);
    assert_non_null(c);
    assert_non_null(catalog_offer(c));
    static const char *const ids[] = {"resident", "operator"};
    for (size_t i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "inline/%s.json", ids[i]);
        json_t *want = tu_load(name);
        const form *f = catalog_current(c, ids[i]);
        assert_non_null(f);
        /* the file names the shared list; its expansion is the old inline document */
        assert_false(json_equal(f->doc, want));
        json_t *got = form_expanded_doc(f);
        if (!json_equal(got, want)) {
            char *s = json_dumps(got, JSON_INDENT(1));
            fprintf(stderr, "%s expanded:\n%.4000s\n", ids[i], s);
            free(s);
            fail_msg("%s: form_expanded_doc differs from tests/data/%s", ids[i], name);
        }
        json_decref(got);
        /* the old inline document, loaded alone, has the same questions and rows */
        diag_list d2 = {0};
        form *old = form_load_json(want, name, catalog_territories(c), &d2);
        assert_non_null(old);
        got = form_expanded_doc(old);
        assert_true(got == old->doc); /* nothing to expand: the document itself */
        json_decref(got);
        assert_int_equal(old->nquestions, f->nquestions);
        for (size_t q = 0; q < f->nquestions; q++) {
            assert_int_equal(old->questions[q].nrows, f->questions[q].nrows);
            for (size_t r = 0; r < f->questions[q].nrows; r++) {
                assert_string_equal(old->questions[q].rows[r].code, f->questions[q].rows[r].code);
                assert_int_equal(old->questions[q].rows[r].paper, f->questions[q].rows[r].paper);
                assert_true(json_equal(old->questions[q].rows[r].label, f->questions[q].rows[r].label));
            }
        }
        form_free(old);
        diag_list_free(&d2);
        json_decref(want);
    }
    /* the operators see label_pro */
    const form_question *o06 = form_question_by_id(catalog_current(c, "operator"), "O06");
    assert_string_equal(form_text(form_choice_by_code(o06, "maison_sante", true)->label, "fr"),
                        "Maison de santé pluriprofessionnelle (MSP)");
    const form_question *r23 = form_question_by_id(catalog_current(c, "resident"), "R23");
    assert_string_equal(form_text(form_choice_by_code(r23, "maison_sante", true)->label, "tr"),
                        "Sağlık evi (maison de santé: doktorlar ve sağlık çalışanları bir arada)");
    catalog_close(c);
    diag_list_free(&diags);
}

/* A minimal form around one question q (JSON text), in French and English. */
static json_t *mini_form(const char *q, const char *lists)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"id\": \"mini\", \"version\": \"1\", \"languages\": [\"fr\", \"en\"], "
             "\"title\": {\"fr\": \"Mini\", \"en\": \"Mini\"}, %s%s%s"
             "\"sections\": [{\"id\": \"s\", \"title\": {\"fr\": \"S\", \"en\": \"S\"}, \"questions\": [%s]}]}",
             lists ? "\"choice_lists\": " : "", lists ? lists : "", lists ? ", " : "", q);
    return tu_json(text);
}

#define GRID_CHOICES "\"choices\": [{\"code\": \"oui\", \"label\": {\"fr\": \"Oui\", \"en\": \"Yes\"}}]"
#define LABEL "\"label\": {\"fr\": \"Q\", \"en\": \"Q\"}"

/* A form's use of the shared list, and the errors around it: q is the question, `with_offer` whether the shipped
 * offer is given; the load must succeed (path NULL) or fail with an error at path containing fragment. */
typedef struct use_case {
    const char *question, *lists;
    bool with_offer;
    const char *path, *fragment;
} use_case;

static const use_case use_cases[] = {
    {"{\"id\": \"G\", \"type\": \"grid\", " LABEL ", \"rows\": \"offre\", " GRID_CHOICES "}", NULL, true, NULL,
     NULL},
    {"{\"id\": \"G\", \"type\": \"grid\", " LABEL ", \"rows\": \"offre\", \"row_labels\": \"pro\", " GRID_CHOICES
     "}", NULL, true, NULL, NULL},
    {"{\"id\": \"S\", \"type\": \"single\", " LABEL ", \"choices\": \"offre\"}", NULL, true, NULL, NULL},
    {"{\"id\": \"M\", \"type\": \"multiple\", " LABEL ", \"choices\": \"offre\"}", NULL, true, NULL, NULL},
    /* rows from the form's own lists */
    {"{\"id\": \"G\", \"type\": \"grid\", " LABEL ", \"rows\": \"lieux\", \"choices\": \"on\"}",
     "{\"lieux\": [{\"code\": \"a\", \"label\": {\"fr\": \"A\", \"en\": \"A\"}}], "
     "\"on\": [{\"code\": \"oui\", \"label\": {\"fr\": \"Oui\", \"en\": \"Yes\"}}]}", false, NULL, NULL},
    {"{\"id\": \"G\", \"type\": \"grid\", " LABEL ", \"rows\": \"lieu\", " GRID_CHOICES "}",
     "{\"lieux\": [{\"code\": \"a\", \"label\": {\"fr\": \"A\"}}]}", false, "$.sections[0].questions[0].rows",
     "liste de choix inconnue « lieu »"},
    {"{\"id\": \"G\", \"type\": \"grid\", " LABEL ", \"rows\": \"offre\", " GRID_CHOICES "}", NULL, false,
     "$.sections[0].questions[0].rows", "offer.json"},
    {"{\"id\": \"S\", \"type\": \"single\", " LABEL ", \"choices\": \"offre\"}", NULL, false,
     "$.sections[0].questions[0].choices", "offer.json"},
    {"{\"id\": \"G\", \"type\": \"grid\", " LABEL ", \"rows\": \"offre\", \"row_labels\": \"pros\", " GRID_CHOICES
     "}", NULL, true, "$.sections[0].questions[0].row_labels", "vaut « pro »"},
    {"{\"id\": \"G\", \"type\": \"grid\", " LABEL ", \"rows\": [{\"code\": \"a\", \"label\": {\"fr\": \"A\"}}], "
     "\"row_labels\": \"pro\", " GRID_CHOICES "}", NULL, true, "$.sections[0].questions[0].row_labels",
     "qu'avec « rows »"},
    {"{\"id\": \"S\", \"type\": \"single\", " LABEL ", \"choices\": \"offre\", \"row_labels\": \"pro\"}", NULL, true,
     "$.sections[0].questions[0].row_labels", "clé inconnue"},
    {"{\"id\": \"G\", \"type\": \"grid\", " LABEL ", \"rows\": 3, " GRID_CHOICES "}", NULL, true,
     "$.sections[0].questions[0].rows", "le nom d'une liste"},
    {"{\"id\": \"G\", \"type\": \"grid\", " LABEL ", " GRID_CHOICES "}", NULL, true,
     "$.sections[0].questions[0].rows", "obligatoire"},
    {"{\"id\": \"S\", \"type\": \"single\", " LABEL ", \"choices\": \"on\"}",
     "{\"offre\": [{\"code\": \"a\", \"label\": {\"fr\": \"A\"}}], \"on\": [{\"code\": \"oui\", \"label\": {\"fr\": "
     "\"Oui\"}}]}", true, "$.choice_lists.offre", "liste partagée"},
};

static void test_form_uses_offer(void **state)
{
    (void)state;
    json_t *odoc = shipped_offer_doc();
    offer *o = offer_load_json(odoc, "offer.json", NULL);
    assert_non_null(o);
    for (size_t k = 0; k < sizeof use_cases / sizeof *use_cases; k++) {
        const use_case *uc = &use_cases[k];
        json_t *doc = mini_form(uc->question, uc->lists);
        diag_list diags = {0};
        form_shared shared = {NULL, uc->with_offer ? o : NULL};
        form *f = form_load_json_shared(doc, "mini.json", &shared, &diags);
        bool want_ok = uc->path == NULL;
        if (want_ok ? f == NULL || diags.errors > 0 : f != NULL || !tu_has_diag(&diags, false, uc->path,
                                                                                  uc->fragment)) {
            diag_print(&diags, stderr);
            fail_msg("case %zu: expected %s%s%s", k + 1, want_ok ? "a clean load" : "an error at ",
                     want_ok ? "" : uc->path, want_ok ? "" : uc->fragment);
        }
        if (f != NULL && uc->with_offer) {
            /* the list is inline in the expanded document, in offer order, with the form's languages only */
            const form_question *q = &f->questions[0];
            bool grid = q->type == FQ_GRID;
            assert_int_equal(grid ? q->nrows : q->nchoices, 11);
            json_t *x = form_expanded_doc(f);
            json_t *qo = json_array_get(json_object_get(json_array_get(json_object_get(x, "sections"), 0),
                                                        "questions"), 0);
            json_t *list = json_object_get(qo, grid ? "rows" : "choices");
            assert_int_equal(json_array_size(list), 11);
            assert_null(json_object_get(qo, "row_labels"));
            json_t *label = json_object_get(json_array_get(list, 10), "label");
            assert_int_equal(json_object_size(label), 2);
            assert_string_equal(json_string_value(json_object_get(json_array_get(list, 10), "code")),
                                "mediateur_sante");
            /* the file's own document is untouched */
            json_t *raw = json_array_get(json_object_get(json_array_get(json_object_get(f->doc, "sections"), 0),
                                                         "questions"), 0);
            assert_string_equal(json_string_value(json_object_get(raw, grid ? "rows" : "choices")), "offre");
            json_decref(x);
            /* answers use the service codes */
            json_t *answers = grid ? tu_json("{\"G\": {\"pmi\": \"oui\", \"cmp\": \"oui\"}}")
                              : q->type == FQ_SINGLE ? tu_json("{\"S\": \"pharmacie\"}")
                                                     : tu_json("{\"M\": [\"pmi\", \"ccas\"]}");
            answers_report r;
            assert_int_equal(answers_check(f, answers, "2026-11-23", &r), 0);
            answers_report_free(&r);
            json_decref(answers);
            answers = grid ? tu_json("{\"G\": {\"maison_des_femmes\": \"oui\"}}") : tu_json("{\"S\": \"hopital\"}");
            assert_true(q->type == FQ_MULTIPLE || answers_check(f, answers, "2026-11-23", &r) > 0);
            if (q->type != FQ_MULTIPLE)
                answers_report_free(&r);
            json_decref(answers);
        }
        form_free(f);
        diag_list_free(&diags);
        json_decref(doc);
    }
    offer_free(o);
    json_decref(odoc);
}

/* A translation missing for a service, in a language a form using the list declares, is a warning against
 * offer.json naming the service and the language; the form still loads. A language no form using the list
 * declares is no concern. */
static void test_missing_translation_warns(void **state)
{
    (void)state;
    char dir[64];
    copy_forms(dir, sizeof dir);
    json_t *odoc = shipped_offer_doc();
    tu_set(odoc, "services[4].label.tr", NULL);     /* resident declares tr */
    tu_set(odoc, "services[5].label_pro.en", NULL); /* operator declares en, and shows label_pro */
    tu_set(odoc, "services[6].label_pro", NULL);    /* no label_pro: label, which has en */
    write_json(dir, "offer.json", odoc);
    diag_list diags = {0};
    catalog *c = catalog_open(dir, &diags);
    assert_non_null(c);
    assert_int_equal(diags.errors, 0);
    assert_true(tu_has_diag(&diags, true, "$.services[4].label",
                            "service « centre_sante_sexuelle » : traduction « tr » manquante"));
    assert_true(tu_has_diag(&diags, true, "$.services[5].label_pro", "service « csapa » : traduction « en »"));
    assert_int_equal(diags.warnings, 2);
    assert_string_equal(diags.items[0].file + strlen(dir), "/offer.json");
    /* the operator's PASS row now reads the residents' label */
    const form_question *o06 = form_question_by_id(catalog_current(c, "operator"), "O06");
    assert_string_equal(form_text(form_choice_by_code(o06, "pass", true)->label, "fr"),
                        "PASS de l'hôpital (soins pour les personnes sans couverture santé)");
    catalog_close(c);
    diag_list_free(&diags);

    /* two versions of the resident form using the list: one warning, not two */
    char path[1200];
    snprintf(path, sizeof path, "%s/versions", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    json_t *v0 = json_load_file(FORMS_DIR "/resident.json", 0, NULL);
    json_object_set_new(v0, "version", json_string("0.9"));
    write_json(path, "resident-0.9.json", v0);
    c = catalog_open(dir, &diags);
    assert_non_null(c);
    assert_int_equal(diags.warnings, 2);
    catalog_close(c);
    diag_list_free(&diags);

    /* a broken offer.json stops the folder, with its own path, and the forms say what they miss */
    tu_set(odoc, "services[1].code", json_string("centre_sante"));
    write_json(dir, "offer.json", odoc);
    assert_null(catalog_open(dir, &diags));
    assert_true(tu_has_diag(&diags, false, "$.services[1].code", "« centre_sante » déjà utilisé"));
    assert_true(tu_has_diag(&diags, false, NULL, "offer.json valide"));
    diag_list_free(&diags);
    /* no offer.json at all */
    snprintf(path, sizeof path, "%s/offer.json", dir);
    assert_int_equal(unlink(path), 0);
    assert_null(catalog_open(dir, &diags));
    assert_true(tu_has_diag(&diags, false, "$.sections[9].questions[0].rows", "offer.json"));
    diag_list_free(&diags);
    json_decref(v0);
    json_decref(odoc);
    remove_dir(dir);
}

/* ================================================================== indicator templates */

/* The shipped indicator files, whose per-service entries are now templates, expand to exactly the definitions
 * they replace (tests/data/inline/NAME.indicators.json): ids, order, themes, types, items, expressions, labels. */
static void test_templates_equal_inline(void **state)
{
    (void)state;
    diag_list diags = {0};
    catalog *c = catalog_open(FORMS_DIR, &diags);
    assert_non_null(c);
    static const char *const ids[] = {"resident", "operator"};
    static const char *const keys[] = {"numerator", "denominator", "among", "value"};
    /* R23 and O06 (11 services each, 3 and 2 templates), R37 (5 rows) and O14 (4 rows) */
    static const size_t templates[] = {4, 3}, per_service[] = {33 + 5, 22 + 4};
    for (size_t i = 0; i < 2; i++) {
        char path[512], old_path[512];
        ind_set *now = ind_load(ind_default_path(c, ids[i], path, sizeof path), c, ids[i], &diags);
        snprintf(old_path, sizeof old_path, "%s/inline/%s.indicators.json", TEST_DATA_DIR, ids[i]);
        ind_set *old = ind_load(old_path, c, ids[i], &diags);
        diag_print(&diags, stderr);
        assert_non_null(now);
        assert_non_null(old);
        assert_int_equal(ind_count(now), ind_count(old));
        for (size_t k = 0; k < ind_count(old); k++) {
            const ind_def *a = ind_at(now, k), *b = ind_at(old, k);
            assert_string_equal(a->id, b->id);
            assert_true((a->theme == NULL) == (b->theme == NULL));
            if (a->theme)
                assert_string_equal(a->theme, b->theme);
            assert_int_equal(a->kind, b->kind);
            if (!json_equal(a->label, b->label))
                fail_msg("%s: label of %s differs", ids[i], a->id);
            assert_true((a->question == NULL) == (b->question == NULL));
            if (a->question)
                assert_string_equal(a->question, b->question);
            assert_true((a->row == NULL) == (b->row == NULL));
            if (a->row)
                assert_string_equal(a->row, b->row);
            assert_true(a->score == NULL ? b->score == NULL : strcmp(a->score->id, b->score->id) == 0);
            for (size_t s = 0; s < 4; s++) {
                const char *x = ind_source(now, k, keys[s]), *y = ind_source(old, k, keys[s]);
                assert_true((x == NULL) == (y == NULL));
                if (x)
                    assert_string_equal(x, y);
            }
        }
        /* and the shipped file is indeed written with templates */
        json_t *doc = json_load_file(path, 0, NULL);
        size_t ntemplates = 0, n = json_array_size(json_object_get(doc, "indicators"));
        for (size_t k = 0; k < n; k++)
            ntemplates += json_object_get(json_array_get(json_object_get(doc, "indicators"), k), "for_each_row") != NULL;
        assert_int_equal(ntemplates, templates[i]);
        assert_int_equal(n + per_service[i] - ntemplates, ind_count(now));
        json_decref(doc);
        ind_free(now);
        ind_free(old);
    }
    catalog_close(c);
    diag_list_free(&diags);
}

/* A broken template: the resident file's template at index 9 ("connait_{row}") changed at `set`. */
typedef struct template_case {
    const char *set, *value, *path, *fragment;
    size_t errors; /* how many errors, so that one mistake in a template is not reported once per row */
} template_case;

static const template_case template_cases[] = {
    {"indicators[9].for_each_row", "\"R99\"", "$.indicators[9].for_each_row", "R99 n'en est pas une", 1},
    {"indicators[9].for_each_row", "\"R13\"", "$.indicators[9].for_each_row", "R13 n'en est pas une", 1},
    {"indicators[9].id", "\"connait\"", "$.indicators[9].id", "contient {row}", 1},
    {"indicators[9].colour", "\"red\"", "$.indicators[9].colour", "clé inconnue « colour »", 1},
    {"indicators[9].type", "\"part\"", "$.indicators[9]", "type « part » inconnu", 1},
    {"indicators[9].numerator", "\"${R23.{row}} = 'connnu'\"", "$.indicators[9].numerator", "connnu", 11},
    {"indicators[9].question", "\"R23.{row}x\"", "$.indicators[9]", "n'est pas une ligne de grille", 11},
    {"indicators[1].id", "\"connait_pmi\"", "$.indicators[9]", "« connait_pmi » déjà utilisé", 1},
};

static void test_template_errors(void **state)
{
    (void)state;
    diag_list d0 = {0};
    catalog *c = catalog_open(FORMS_DIR, &d0);
    assert_non_null(c);
    for (size_t k = 0; k < sizeof template_cases / sizeof *template_cases; k++) {
        const template_case *tc = &template_cases[k];
        char path[512];
        json_t *doc = json_load_file(ind_default_path(c, "resident", path, sizeof path), 0, NULL);
        assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(doc, "indicators"), 9),
                                                              "id")),
                            "connait_{row}");
        tu_set(doc, tc->set, tu_json(tc->value));
        char tmp[] = "/tmp/test_offer_ind_XXXXXX";
        int fd = mkstemp(tmp);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(json_dump_file(doc, tmp, JSON_INDENT(1)), 0);
        diag_list diags = {0};
        ind_set *s = ind_load(tmp, c, "resident", &diags);
        if (s != NULL || !tu_has_diag(&diags, false, tc->path, tc->fragment) || diags.errors != tc->errors) {
            diag_print(&diags, stderr);
            fail_msg("case %zu (%s): expected %zu error(s) at %s containing \"%s\"", k + 1, tc->set, tc->errors,
                     tc->path, tc->fragment);
        }
        ind_free(s);
        diag_list_free(&diags);
        unlink(tmp);
        json_decref(doc);
    }
    catalog_close(c);
    diag_list_free(&d0);
}

/* Templates follow the offer: a service added to offer.json is a row of R23 and of O06, hence three more
 * resident indicators and two more operator ones, with its label; a service removed takes its indicators along.
 * ind_check_dir, check-forms' indicator pass, reports nothing on either folder. */
static void test_templates_follow_offer(void **state)
{
    (void)state;
    char dir[64];
    copy_forms(dir, sizeof dir);
    json_t *odoc = shipped_offer_doc();
    json_array_append_new(json_object_get(odoc, "services"),
                          tu_json("{\"code\": \"maison_des_femmes\", \"paper\": 12, \"kind\": \"prevention\", "
                                  "\"label\": {\"fr\": \"Maison des femmes\", \"ar\": \"دار النساء\", \"en\": "
                                  "\"Women's centre\", \"tr\": \"Kadın evi\"}}"));
    json_array_remove(json_object_get(odoc, "services"), 3); /* cmp */
    write_json(dir, "offer.json", odoc);
    diag_list diags = {0};
    catalog *c = catalog_open(dir, &diags);
    diag_print(&diags, stderr);
    assert_non_null(c);
    sbuf summary = {0};
    assert_int_equal(ind_check_dir(c, &diags, &summary), 0);
    assert_int_equal(diags.errors + diags.warnings, 0);
    assert_non_null(strstr(summary.data, "resident.indicators.json : 79 indicateurs"));
    assert_non_null(strstr(summary.data, "operator.indicators.json : 43 indicateurs"));
    sbuf_free(&summary);
    char path[512];
    ind_set *s = ind_load(ind_default_path(c, "resident", path, sizeof path), c, "resident", &diags);
    assert_non_null(s);
    bool found = false;
    for (size_t i = 0; i < ind_count(s); i++) {
        assert_null(strstr(ind_at(s, i)->id, "cmp"));
        if (strcmp(ind_at(s, i)->id, "utilise_si_connu_maison_des_femmes") == 0) {
            found = true;
            assert_string_equal(form_text(ind_at(s, i)->label, "fr"),
                                "Y est allé·e, parmi celles et ceux qui connaissent : Maison des femmes");
            assert_string_equal(ind_source(s, i, "denominator"), "${R23.maison_des_femmes} != 'inconnu'");
        }
    }
    assert_true(found);
    assert_string_equal(ind_at(s, 9 + 10)->id, "connait_maison_des_femmes"); /* last row of the first template */
    ind_free(s);
    catalog_close(c);
    diag_list_free(&diags);

    /* an indicator file for a form the folder does not have */
    snprintf(path, sizeof path, "%s/nosuch.indicators.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"form\": \"nosuch\", \"indicators\": []}", f);
    fclose(f);
    c = catalog_open(dir, &diags);
    assert_int_equal(ind_check_dir(c, &diags, &summary), 1);
    assert_true(tu_has_diag(&diags, false, "$", "aucun formulaire « nosuch »"));
    sbuf_free(&summary);
    catalog_close(c);
    diag_list_free(&diags);
    json_decref(odoc);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_offer),
        cmocka_unit_test(test_offer_errors),
        cmocka_unit_test(test_expanded_equals_inline),
        cmocka_unit_test(test_form_uses_offer),
        cmocka_unit_test(test_missing_translation_warns),
        cmocka_unit_test(test_templates_equal_inline),
        cmocka_unit_test(test_template_errors),
        cmocka_unit_test(test_templates_follow_offer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
