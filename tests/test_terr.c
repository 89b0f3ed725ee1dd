/* test_terr.c -- territories: the JSON file and its errors, QPV code syntax, and the ANCT CSV loader. */
#include "testutil.h"

#include <unistd.h>

#include "terr.h"

static void test_qpv_codes(void **state)
{
    (void)state;
    static const char *const good[] = {"QN09301M", "QN07511M", "QP067007", "QN2A004A", "QN97101Z"};
    static const char *const bad[] = {"QN0930M", "QN09301m", "QP06700A", "XX093011", "qn09301m", "QN093011M", ""};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(terr_is_qpv_code(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(terr_is_qpv_code(bad[i]));
}

static void test_fixture(void **state)
{
    (void)state;
    diag_list diags = {0};
    terr_set *ts = terr_load(TEST_DATA_DIR "/territories_test.json", &diags);
    assert_non_null(ts);
    assert_int_equal(ts->count, 2);
    assert_true(ts->example);
    assert_string_equal(ts->commune_insee, "93999");
    assert_int_equal(ts->population_depth, 2);
    const terr *t = terr_find(ts, "QN09399A");
    assert_non_null(t);
    assert_true(t->qpv);
    assert_int_equal(t->target, 50);
    assert_int_equal(terr_population(t, "16-24", "femme"), 100);
    assert_int_equal(terr_population(t, "75+", "femme"), -1);
    assert_false(terr_find(ts, "hors_qpv")->qpv);
    assert_null(terr_find(ts, "nowhere"));
    terr_free(ts);
    terr_free(NULL);
    diag_list_free(&diags);
}

typedef struct terr_case {
    const char *path, *value, *want_path, *want_msg;
} terr_case;

static const terr_case cases[] = {
    {"territories", "[]", "$.territories", "entre 1 et"},
    {"territories[0].code", "\"Les Tilleuls\"", "$.territories[0].code", "ni un code QPV"},
    {"territories[1].code", "\"QN09399A\"", "$.territories[1]", "déjà utilisé"},
    {"territories[1].paper", "1", "$.territories[1]", "numéro papier 1"},
    {"territories[0].kind", "\"quartier\"", "$.territories[0].kind", "qpv"},
    {"territories[1].kind", "\"qpv\"", "$.territories[1].code", "code QPV"},
    {"territories[0].name", NULL, "$.territories[0].name", "obligatoire"},
    {"territories[0].insee_com", "[\"930\"]", "$.territories[0].insee_com[0]", "5 caractères"},
    {"territories[0].population.16-24.femme", "-3", "$.territories[0].population.16-24.femme", "positif"},
    {"territories[0].population.16-24", "12", "$.territories[0].population.16-24", "objet"},
    {"territories[0].target", "-1", "$.territories[0].target", "positif"},
    {"territories[0].colour", "\"x\"", "$.territories[0].colour", "clé inconnue"},
    {"population_by", "[]", "$.population_by", "une ou deux"},
    {"population_by", NULL, "$.territories[0].population", "population_by"},
    {"commune.postcode", "\"93300\"", "$.commune.postcode", "clé inconnue"},
    /* a name is a string (French) or a map by language in which French is required */
    {"territories[0].name", "{\"ar\": \"لي تيول\"}", "$.territories[0].name", "français (« fr ») est obligatoire"},
    {"territories[0].name", "{\"fr\": \"A\", \"AR\": \"x\"}", "$.territories[0].name.AR", "code de langue invalide"},
    {"territories[0].name", "{\"fr\": \"A\", \"arab\": \"x\"}", "$.territories[0].name.arab", "2 ou 3 lettres"},
    {"territories[0].name", "{\"fr\": \"A\", \"ar\": \"\"}", "$.territories[0].name.ar", "texte non vide"},
    {"territories[0].name", "{\"fr\": \"A\", \"tr\": 3}", "$.territories[0].name.tr", "texte non vide"},
    {"territories[0].name", "{\"fr\": \"\"}", "$.territories[0].name.fr", "texte non vide"},
    {"territories[0].name", "3", "$.territories[0].name", "objet par langue"},
    {"territories[0].name", "[\"Les Tilleuls\"]", "$.territories[0].name", "objet par langue"},
    /* targets per form: a form id and a count each; the old "target" is the residents' and must agree */
    {"territories[0].targets", "{\"operator\": -2}", "$.territories[0].targets.operator", "positif ou nul"},
    {"territories[0].targets", "{\"operator\": \"12\"}", "$.territories[0].targets.operator", "nombre entier"},
    {"territories[0].targets", "{\"Opérateur\": 3}", "$.territories[0].targets.Opérateur", "identifiant"},
    {"territories[0].targets", "{\"resident\": 40}", "$.territories[0].targets", "se contredisent"},
};

static void test_errors(void **state)
{
    (void)state;
    size_t failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *doc = tu_load("territories_test.json");
        tu_set(doc, cases[i].path, cases[i].value ? tu_json(cases[i].value) : NULL);
        diag_list diags = {0};
        terr_set *ts = terr_from_json(doc, "case", &diags);
        if (ts != NULL || !tu_has_diag(&diags, false, cases[i].want_path, cases[i].want_msg)) {
            failures++;
            fprintf(stderr, "case %zu (%s): expected %s « %s », got:\n", i, cases[i].path, cases[i].want_path,
                    cases[i].want_msg);
            diag_print(&diags, stderr);
        }
        terr_free(ts);
        diag_list_free(&diags);
        json_decref(doc);
    }
    assert_int_equal(failures, 0);
}

/* Names by language: the French one stays t->name for the report and the analyzer; terr_name gives the
 * resident's language, French when the file has no translation; a plain string is French only. */
static void test_name_maps(void **state)
{
    (void)state;
    json_t *doc = tu_load("territories_test.json");
    tu_set(doc, "territories[0].name", tu_json("{\"fr\": \"Les Tilleuls\", \"ar\": \"لي تيول\", "
                                               "\"tr\": \"Les Tilleuls (Ihlamurlar)\"}"));
    diag_list diags = {0};
    terr_set *ts = terr_from_json(doc, "case", &diags);
    diag_print(&diags, stderr);
    assert_non_null(ts);
    const terr *t = &ts->items[0];
    assert_string_equal(t->name, "Les Tilleuls");
    assert_string_equal(terr_name(t, "fr"), "Les Tilleuls");
    assert_string_equal(terr_name(t, "ar"), "لي تيول");
    assert_string_equal(terr_name(t, "tr"), "Les Tilleuls (Ihlamurlar)");
    assert_string_equal(terr_name(t, "en"), "Les Tilleuls");
    assert_string_equal(terr_name(t, NULL), "Les Tilleuls");
    json_t *names = terr_names_json(t);
    assert_int_equal(json_object_size(names), 3);
    assert_string_equal(json_string_value(json_object_get(names, "ar")), "لي تيول");
    json_decref(names);

    const terr *plain = &ts->items[1]; /* a string: French only */
    assert_null(plain->names);
    assert_string_equal(terr_name(plain, "ar"), plain->name);
    names = terr_names_json(plain);
    assert_int_equal(json_object_size(names), 1);
    assert_string_equal(json_string_value(json_object_get(names, "fr")), plain->name);
    json_decref(names);

    /* the document written back keeps the map */
    json_t *out = terr_to_json(ts);
    assert_true(json_is_object(json_object_get(json_array_get(json_object_get(out, "territories"), 0), "name")));
    json_decref(out);
    terr_free(ts);
    json_decref(doc);

    /* the shipped example gives Arabic and Turkish names to every territory */
    ts = terr_load(FORMS_DIR "/territories.json", &diags);
    assert_non_null(ts);
    for (size_t i = 0; i < ts->count; i++) {
        assert_non_null(ts->items[i].names);
        assert_string_not_equal(terr_name(&ts->items[i], "ar"), ts->items[i].name);
        assert_string_not_equal(terr_name(&ts->items[i], "tr"), ts->items[i].name);
    }
    terr_free(ts);
    diag_list_free(&diags);
}

/* Targets per form: "targets" gives each form its own; the old "target" stays the residents' form's, and no
 * other form borrows it (the operators' form aims at organisations, not residents). */
static void test_targets(void **state)
{
    (void)state;
    json_t *doc = tu_load("territories_test.json");
    tu_set(doc, "territories[0].targets", tu_json("{\"resident\": 50, \"operator\": 7}"));
    tu_set(doc, "territories[1].targets", tu_json("{\"resident\": 30, \"operator\": 0}"));
    diag_list diags = {0};
    terr_set *ts = terr_from_json(doc, "case", &diags);
    diag_print(&diags, stderr);
    assert_non_null(ts);
    assert_int_equal(terr_target(&ts->items[0], "resident"), 50);
    assert_int_equal(terr_target(&ts->items[0], "operator"), 7);
    assert_int_equal(terr_target(&ts->items[0], "other"), 0);
    assert_int_equal(ts->items[1].target, 30); /* "targets.resident" alone sets the residents' target */
    assert_int_equal(terr_target(&ts->items[1], "resident"), 30);
    assert_int_equal(terr_target(&ts->items[1], "operator"), 0);
    terr_free(ts);
    json_decref(doc);

    /* the old key alone: the residents' target only */
    doc = tu_load("territories_test.json");
    ts = terr_from_json(doc, "case", &diags);
    assert_non_null(ts);
    assert_int_equal(terr_target(&ts->items[0], "resident"), 50);
    assert_int_equal(terr_target(&ts->items[0], "operator"), 0);
    terr_free(ts);
    json_decref(doc);

    /* the shipped example gives both forms a target in every territory */
    ts = terr_load(FORMS_DIR "/territories.json", &diags);
    assert_non_null(ts);
    for (size_t i = 0; i < ts->count; i++) {
        assert_true(terr_target(&ts->items[i], "resident") > 0);
        assert_true(terr_target(&ts->items[i], "operator") > 0);
        assert_int_equal(terr_target(&ts->items[i], "resident"), ts->items[i].target);
    }
    terr_free(ts);
    assert_int_equal(diags.errors, 0);
    diag_list_free(&diags);
}

static void test_anct_csv(void **state)
{
    (void)state;
    diag_list diags = {0};
    terr_set *ts = terr_load_anct_csv(TEST_DATA_DIR "/anct_sample.csv", "93001", &diags);
    diag_print(&diags, stderr);
    assert_non_null(ts);
    assert_int_equal(ts->count, 4); /* three QPV of 93001, then the rest of the commune */
    assert_string_equal(ts->items[0].name, "Cité des Fleurs; Nord");
    assert_string_equal(ts->items[2].name, "Le \"Marcreux\"");
    assert_string_equal(ts->items[3].code, "hors_qpv");
    assert_false(ts->items[3].qpv);
    assert_string_equal(ts->commune_name, "Aubervilliers");
    terr_free(ts);

    /* a QPV spanning two communes belongs to both */
    ts = terr_load_anct_csv(TEST_DATA_DIR "/anct_sample.csv", "93066", &diags);
    assert_non_null(ts);
    assert_int_equal(ts->count, 2);
    assert_string_equal(ts->items[0].code, "QN09302M");
    terr_free(ts);

    /* the whole list */
    ts = terr_load(TEST_DATA_DIR "/anct_sample.csv", &diags);
    assert_non_null(ts);
    assert_int_equal(ts->count, 5);
    terr_free(ts);

    assert_null(terr_load_anct_csv(TEST_DATA_DIR "/anct_sample.csv", "01001", &diags));
    assert_true(tu_has_diag(&diags, false, "$", "aucun QPV pour la commune 01001"));
    diag_list_free(&diags);
}

/* Writes text to a temporary file and returns its path (static buffer). */
static const char *temp_csv(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_terr_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_anct_csv_errors(void **state)
{
    (void)state;
    diag_list diags = {0};
    const char *p = temp_csv("code;nom\nQN09301M;X\n");
    assert_null(terr_load_anct_csv(p, NULL, &diags));
    assert_true(tu_has_diag(&diags, false, "ligne 1", "colonne « code_qp » absente"));
    unlink(p);
    diag_list_free(&diags);

    p = temp_csv("code_qp,lib_qp,insee_com,lib_com\nQN09301M,A,93001,X\nBAD,B,93001,X\n");
    assert_null(terr_load_anct_csv(p, NULL, &diags));
    assert_true(tu_has_diag(&diags, false, "ligne 3", "code QPV invalide « BAD »"));
    unlink(p);
    diag_list_free(&diags);

    p = temp_csv("code_qp,lib_qp,insee_com,lib_com\nQN09301M,\"A,93001,X\n");
    assert_null(terr_load_anct_csv(p, NULL, &diags));
    assert_true(tu_has_diag(&diags, false, "ligne 2", "guillemet"));
    unlink(p);
    diag_list_free(&diags);

    assert_null(terr_load_anct_csv("/nonexistent/list.csv", NULL, &diags));
    assert_true(tu_has_diag(&diags, false, "$", "impossible d'ouvrir"));
    diag_list_free(&diags);
}

/* ------------------------------------------------------------------ outlines file */

#define SQUARE "{\"type\": \"Polygon\", \"coordinates\": [[[2.4, 48.9], [2.41, 48.9], [2.41, 48.91], [2.4, 48.9]]]}"

/* Writes text to a new file in dir (a mkdtemp folder) and returns its path (static). */
static const char *write_in(const char *dir, const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads the fixture with "outlines" set to name, from a territories file written in dir. */
static terr_set *load_with_outlines(const char *dir, const char *name, diag_list *diags)
{
    json_t *doc = tu_load("territories_test.json");
    json_object_set_new(doc, "outlines", json_string(name));
    char *text = json_dumps(doc, 0);
    char tpath[256];
    snprintf(tpath, sizeof tpath, "%s", write_in(dir, "territories.json", text));
    free(text);
    json_decref(doc);
    return terr_load(tpath, diags);
}

/* The file of outlines: read beside the territories file, features matched by "code" or by the official files'
 * "code_qp" / "CODE_QP", other features skipped, an inline outline kept. */
static void test_outlines_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_terr_geo_XXXXXX";
    assert_non_null(mkdtemp(dir));
    diag_list diags = {0};
    static const char *const props[] = {"code", "code_qp", "CODE_QP"};
    for (size_t i = 0; i < 3; i++) {
        char text[1024];
        snprintf(text, sizeof text, "{\"type\": \"FeatureCollection\", \"features\": ["
                 "{\"type\": \"Feature\", \"properties\": {\"%s\": \"QN09399A\"}, \"geometry\": " SQUARE "},"
                 "{\"type\": \"Feature\", \"properties\": {\"%s\": \"QN75001A\"}, \"geometry\": " SQUARE "}]}",
                 props[i], props[i]);
        write_in(dir, "contours.geojson", text);
        terr_set *ts = load_with_outlines(dir, "contours.geojson", &diags);
        diag_print(&diags, stderr);
        assert_non_null(ts);
        const json_t *o = terr_find(ts, "QN09399A")->outline;
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "type")), "Polygon");
        assert_null(terr_find(ts, "hors_qpv")->outline); /* no feature: no outline */
        terr_free(ts);
    }
    diag_list_free(&diags);

    /* the shipped example: every territory has an outline from forms/territories.geojson, the rest of the town
     * with a hole per neighbourhood (the two adjacent ones share one) */
    terr_set *ts = terr_load(FORMS_DIR "/territories.json", &diags);
    diag_print(&diags, stderr);
    assert_non_null(ts);
    for (size_t i = 0; i < ts->count; i++)
        assert_non_null(ts->items[i].outline);
    assert_int_equal(json_array_size(json_object_get(terr_find(ts, "hors_qpv")->outline, "coordinates")), 4);
    terr_free(ts);
    diag_list_free(&diags);

    /* errors name the outlines file and the feature */
    typedef struct bad {
        const char *text, *file_part, *path, *msg;
    } bad;
    static const bad bads[] = {
        {"[1]", "contours.geojson", "$", "FeatureCollection"},
        {"{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"nom\": \"x\"}, "
         "\"geometry\": " SQUARE "}]}", "contours.geojson", "$.features[0].properties", "code_qp"},
        {"{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"code\": "
         "\"QN09399A\"}, \"geometry\": {\"type\": \"Point\", \"coordinates\": [2.4, 48.9]}}]}", "contours.geojson",
         "$.features[0].geometry", "Polygon"},
        /* Lambert-93 metres instead of degrees: the message says how to convert */
        {"{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"code_qp\": "
         "\"QN09399A\"}, \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[652000, 6862000], [653000, "
         "6862000], [653000, 6863000], [652000, 6862000]]]}}]}", "contours.geojson", "$.features[0].geometry",
         "EPSG:4326"},
        {"{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"code\": "
         "\"QN09399A\"}, \"geometry\": " SQUARE "}, {\"type\": \"Feature\", \"properties\": {\"code\": \"QN09399A\"}, "
         "\"geometry\": " SQUARE "}]}", "contours.geojson", "$.features[1]", "deuxième contour"},
        {"{\"type\": \"FeatureCollection\", \"features\": [", "contours.geojson", NULL, ""},
    };
    for (size_t i = 0; i < sizeof bads / sizeof *bads; i++) {
        write_in(dir, "contours.geojson", bads[i].text);
        ts = load_with_outlines(dir, "contours.geojson", &diags);
        if (ts != NULL || diags.count == 0 || strstr(diags.items[0].file, bads[i].file_part) == NULL ||
            (bads[i].path && !tu_has_diag(&diags, false, bads[i].path, bads[i].msg))) {
            fprintf(stderr, "outlines case %zu:\n", i);
            diag_print(&diags, stderr);
            fail();
        }
        diag_list_free(&diags);
    }
    ts = load_with_outlines(dir, "absent.geojson", &diags);
    assert_null(ts);
    assert_true(tu_has_diag(&diags, false, "$.outlines", "impossible d'ouvrir"));
    diag_list_free(&diags);
    ts = load_with_outlines(dir, "", &diags);
    assert_null(ts);
    assert_true(tu_has_diag(&diags, false, "$.outlines", "GeoJSON"));
    diag_list_free(&diags);

    unlink(write_in(dir, "contours.geojson", ""));
    unlink(write_in(dir, "territories.json", ""));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qpv_codes),
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_name_maps),
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_anct_csv),
        cmocka_unit_test(test_anct_csv_errors),
        cmocka_unit_test(test_outlines_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
