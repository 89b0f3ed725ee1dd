/* test_uistr.c -- the pages' strings file (forms/pages.json): the shipped file is clean, each kind of mistake is
 * an error or a warning at its JSON path, and a page's cut gets French wherever its language lacks a text. */
#include "testutil.h"

#include <unistd.h>

#include "catalog.h"
#include "uistr.h"

/* Writes doc as dir/pages.json. */
static void write_pages(const char *dir, const json_t *doc)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, UISTR_FILE);
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
}

static json_t *shipped(void)
{
    json_error_t err;
    json_t *doc = json_load_file(FORMS_DIR "/" UISTR_FILE, JSON_REJECT_DUPLICATES, &err);
    if (doc == NULL)
        fail_msg("cannot load the shipped pages.json: %s", err.text);
    return doc;
}

static catalog *forms;
static char dir[] = "/tmp/test_uistr_XXXXXX";

static int setup(void **state)
{
    (void)state;
    diag_list diags = {0};
    forms = catalog_open(FORMS_DIR, &diags);
    diag_list_free(&diags);
    return forms == NULL || mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, UISTR_FILE);
    unlink(path);
    rmdir(dir);
    catalog_close(forms);
    return 0;
}

/* The shipped file: no error, and no warning for the languages the shipped forms declare. */
static void test_shipped_clean(void **state)
{
    (void)state;
    diag_list diags = {0};
    uistr_check(FORMS_DIR, forms, &diags);
    diag_print(&diags, stderr);
    assert_int_equal(diags.errors, 0);
    assert_int_equal(diags.warnings, 0);
    diag_list_free(&diags);
}

typedef struct uistr_case {
    const char *path, *value;   /* a change to the shipped file: value NULL deletes the member */
    const char *path2, *value2; /* a second change, or path2 NULL */
    bool warning;               /* the diagnostic expected is a warning (the file still loads) */
    const char *want_path, *want_msg;
} uistr_case;

static const uistr_case cases[] = {
    /* French is the fallback: complete, and only known keys */
    {"strings.fr.form.next", NULL, NULL, NULL, false, "$.strings.fr.form.next", "texte français manquant"},
    {"strings.fr.entry.title", NULL, NULL, NULL, false, "$.strings.fr.entry.title", "texte français manquant"},
    {"strings.fr.form.nxet", "\"Suivant\"", NULL, NULL, false, "$.strings.fr.form.nxet", "clé inconnue « nxet »"},
    {"strings.ar.print.skp", "\"x\"", NULL, NULL, false, "$.strings.ar.print.skp", "clé inconnue"},
    {"strings.fr.widget", "{}", NULL, NULL, false, "$.strings.fr.widget", "page inconnue"},
    {"strings.fr", NULL, NULL, NULL, false, "$.strings", "français"},
    {"strings.ar.form.next", "\"\"", NULL, NULL, false, "$.strings.ar.form.next", "texte non vide"},
    {"strings.ar.form.next", "3", NULL, NULL, false, "$.strings.ar.form.next", "texte non vide"},
    {"strings.ar.form", "[]", NULL, NULL, false, "$.strings.ar.form", "objet"},
    /* placeholders: the same set in every language, in any order */
    {"strings.ar.form.step", "\"الخطوة {n}\"", NULL, NULL, false, "$.strings.ar.form.step", "repères différents"},
    {"strings.tr.form.step", "\"Adım {n} / {m} {k}\"", NULL, NULL, false, "$.strings.tr.form.step", "{k} {m} {n}"},
    {"strings.en.print.atRow", "\"row {r} of {q}\"", NULL, NULL, false, "$.strings.en.print.atRow", "{n} {r}"},
    /* languages: codes, direction, names */
    {"languages.ar.dir", "\"up\"", NULL, NULL, false, "$.languages.ar.dir", "« rtl »"},
    {"languages.ar.name", NULL, NULL, NULL, false, "$.languages.ar.name", "obligatoire"},
    {"languages.ar.colour", "\"red\"", NULL, NULL, false, "$.languages.ar.colour", "clé inconnue"},
    {"languages.Es", "{\"name\": \"Español\", \"dir\": \"ltr\"}", NULL, NULL, false, "$.languages.Es",
     "code de langue invalide"},
    {"languages.fr", NULL, NULL, NULL, false, "$.languages", "français"},
    {"strings.de", "{\"form\": {\"next\": \"Weiter\"}}", NULL, NULL, false, "$.strings.de", "absente de $.languages"},
    {"note", "3", NULL, NULL, false, "$.note", "une chaîne"},
    {"colours", "{}", NULL, NULL, false, "$.colours", "clé inconnue"},
    /* a language the forms declare: a missing text, or no texts at all, is a warning naming key and language */
    {"strings.tr.form.next", NULL, NULL, NULL, true, "$.strings.tr.form.next", "« form.next » manquant en « tr »"},
    {"strings.ar.print.skip", NULL, NULL, NULL, true, "$.strings.ar.print.skip", "manquant en « ar »"},
    {"strings.tr", NULL, NULL, NULL, true, "$.strings.tr", "aucun texte en « tr »"},
    {"strings.tr", NULL, "languages.tr", NULL, true, "$.languages.tr", "absente de pages.json"},
};

static void test_cases(void **state)
{
    (void)state;
    size_t failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const uistr_case *k = &cases[i];
        json_t *doc = shipped();
        tu_set(doc, k->path, k->value ? tu_json(k->value) : NULL);
        if (k->path2)
            tu_set(doc, k->path2, k->value2 ? tu_json(k->value2) : NULL);
        write_pages(dir, doc);
        json_decref(doc);
        diag_list diags = {0};
        uistr_check(dir, forms, &diags);
        bool ok = tu_has_diag(&diags, k->warning, k->want_path, k->want_msg) &&
                  (k->warning ? diags.errors == 0 : diags.errors > 0);
        /* uistr_load agrees: a file with errors is refused, one with warnings only is loaded */
        diag_list d2 = {0};
        json_t *loaded = uistr_load(dir, &d2);
        ok &= (loaded != NULL) == k->warning;
        json_decref(loaded);
        diag_list_free(&d2);
        if (!ok) {
            failures++;
            fprintf(stderr, "case %zu (%s): expected %s %s « %s », got:\n", i, k->path,
                    k->warning ? "warning" : "error", k->want_path, k->want_msg);
            diag_print(&diags, stderr);
        }
        diag_list_free(&diags);
    }
    assert_int_equal(failures, 0);
}

/* Every diagnostic names the file: dir/pages.json. */
static void test_file_named(void **state)
{
    (void)state;
    json_t *doc = shipped();
    tu_set(doc, "strings.fr.form.next", NULL);
    write_pages(dir, doc);
    json_decref(doc);
    diag_list diags = {0};
    assert_null(uistr_load(dir, &diags));
    char want[1100];
    snprintf(want, sizeof want, "%s/%s", dir, UISTR_FILE);
    assert_true(diags.count > 0);
    for (size_t i = 0; i < diags.count; i++)
        assert_string_equal(diags.items[i].file, want);
    diag_list_free(&diags);
}

static void test_unreadable(void **state)
{
    (void)state;
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, UISTR_FILE);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"languages\": {\"fr\": {\"name\": \"Français\", \"dir\": \"ltr\"}},\n \"strings\": {\"fr\": }}\n", f);
    fclose(f);
    diag_list diags = {0};
    assert_null(uistr_load(dir, &diags));
    assert_true(diags.errors > 0);
    assert_true(tu_has_diag(&diags, false, NULL, "JSON invalide"));
    assert_non_null(strstr(diags.items[0].path, "ligne 2")); /* where the mistake is */
    diag_list_free(&diags);

    unlink(path);
    assert_null(uistr_load(dir, &diags)); /* no file: the pages would have no words */
    assert_true(tu_has_diag(&diags, false, "$", "impossible d'ouvrir le fichier des mots des pages"));
    diag_list_free(&diags);
}

/* A page's cut: its own texts only, French for what a language lacks, name and direction of each language. */
static void test_page_cut(void **state)
{
    (void)state;
    json_t *doc = shipped();
    tu_set(doc, "strings.tr.form.next", NULL);
    tu_set(doc, "strings.es", tu_json("{\"form\": {\"next\": \"Siguiente\", \"step\": \"Paso {n} de {m}\"}}"));
    write_pages(dir, doc);
    json_decref(doc);
    diag_list diags = {0};
    json_t *ui = uistr_load(dir, &diags);
    diag_print(&diags, stderr);
    assert_non_null(ui);
    static const char *const langs[] = {"fr", "tr", "es", "xx"};
    json_t *cut = uistr_page(ui, "form", langs, 4);
    json_t *s = json_object_get(cut, "strings"), *l = json_object_get(cut, "languages");
    assert_int_equal(json_object_size(s), 4);
    assert_string_equal(json_string_value(json_object_get(json_object_get(s, "tr"), "next")), "Suivant");
    assert_string_equal(json_string_value(json_object_get(json_object_get(s, "tr"), "back")), "Geri");
    assert_string_equal(json_string_value(json_object_get(json_object_get(s, "es"), "next")), "Siguiente");
    assert_string_equal(json_string_value(json_object_get(json_object_get(s, "es"), "back")), "Précédent");
    assert_string_equal(json_string_value(json_object_get(json_object_get(l, "es"), "name")), "Español");
    assert_string_equal(json_string_value(json_object_get(json_object_get(l, "xx"), "name")), "xx");
    assert_string_equal(json_string_value(json_object_get(json_object_get(l, "xx"), "dir")), "ltr");
    assert_null(json_object_get(json_object_get(s, "fr"), "paper")); /* a print text: not in the form's cut */
    json_decref(cut);

    cut = uistr_page(ui, "print", (const char *const[]){"ar"}, 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(cut, "languages"), "ar"),
                                                          "dir")), "rtl");
    assert_non_null(json_object_get(json_object_get(json_object_get(cut, "strings"), "ar"), "paper"));
    json_decref(cut);

    cut = uistr_page(ui, "entry", NULL, 0);
    assert_int_equal(json_object_size(json_object_get(cut, "strings")), 1);
    json_decref(cut);

    assert_string_equal(uistr_fr(ui, "entry", "title"), "Saisie des questionnaires papier");
    assert_null(uistr_fr(ui, "entry", "nope"));
    json_decref(ui);
    diag_list_free(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_clean),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_file_named),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_page_cut),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
