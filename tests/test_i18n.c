/* test_i18n.c -- translation status (forms/i18n.c): the stable keys of a form's texts, the hash, the record
 * file (load, save, refusal of a broken one), the stale warnings of check-forms, and the record's update after
 * an import, case by case; the same for offer.json (pseudo-id "offre").
 */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "i18n.h"

/* ---------------------------------------------------------------------------------------------------------
 * Helpers: a temporary forms folder holding the test form t (languages fr, en) and the test territories.
 */

static void write_json(const char *dir, const char *name, json_t *doc)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
}

static void make_folder(char *dir, json_t *form_doc)
{
    assert_non_null(mkdtemp(dir));
    json_t *t = tu_load("territories_test.json");
    write_json(dir, "territories.json", t);
    json_decref(t);
    write_json(dir, "t.json", form_doc);
}

static void remove_folder(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Saves record r for the texts of doc and its languages. */
static void save_for(i18n_record *r, const json_t *doc)
{
    i18n_texts texts = {0};
    i18n_texts_collect(doc, &texts);
    const char *langs[16];
    size_t n = 0, i;
    const json_t *l;
    json_array_foreach(json_object_get(doc, "languages"), i, l)
        langs[n++] = json_string_value(l);
    char err[512] = "";
    if (i18n_record_save(r, langs, n, &texts, err, sizeof err) != 0)
        fail_msg("save: %s", err);
    i18n_texts_free(&texts);
}

/* The status of key in lang for document doc with the record in dir: a form, or the offer when is_offer. */
static i18n_status status_of_doc(const char *dir, const json_t *doc, bool is_offer, const char *lang,
                                 const char *key)
{
    diag_list diags = {0};
    i18n_record *r = i18n_record_load(dir, is_offer ? I18N_OFFER_ID : json_string_value(json_object_get(doc, "id")),
                                      &diags);
    diag_print(&diags, stderr);
    assert_non_null(r);
    i18n_texts texts = {0};
    if (is_offer)
        i18n_offer_texts_collect(doc, &texts);
    else
        i18n_texts_collect(doc, &texts);
    const i18n_text *t = i18n_texts_find(&texts, key);
    if (t == NULL)
        fail_msg("no text %s", key);
    i18n_status s = i18n_status_of(r, lang, t);
    i18n_texts_free(&texts);
    i18n_record_free(r);
    diag_list_free(&diags);
    return s;
}

static i18n_status status_in(const char *dir, const json_t *doc, const char *lang, const char *key)
{
    return status_of_doc(dir, doc, false, lang, key);
}

/* ---------------------------------------------------------------------------------------------------------
 * Keys and hashes.
 */

static void test_keys(void **state)
{
    (void)state;
    json_t *doc = tu_load("form_valid.json");
    i18n_texts texts = {0};
    i18n_texts_collect(doc, &texts);
    static const struct {
        const char *key, *path, *fr;
    } cases[] = {
        {"title", "$.title", "Formulaire de test"},
        {"notice", "$.notice", "Anonyme."},
        {"list:on.oui", "$.choice_lists.on[0].label", "Oui"},
        {"section:s1.title", "$.sections[0].title", "Première"},
        {"section:s1.intro", "$.sections[0].intro", "Introduction"},
        {"Q1.label", "$.sections[0].questions[0].label", "Q1 ?"},
        {"Q2.choice:aucun", "$.sections[0].questions[1].choices[3].label", "Aucun"},
        {"Q8.scale:5", "$.sections[0].questions[7].labels.5", "Tout à fait"},
        {"Q9.row:r2", "$.sections[0].questions[8].rows[1].label", "L2"},
        {"Q12.constraint_message", "$.sections[0].questions[11].constraint_message", "pas plus que l'âge"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const i18n_text *t = i18n_texts_find(&texts, cases[i].key);
        if (t == NULL)
            fail_msg("case %zu: no key %s", i, cases[i].key);
        assert_string_equal(t->path, cases[i].path);
        assert_string_equal(form_text(t->text, "fr"), cases[i].fr);
    }
    /* a question naming a shared list has no choice keys of its own; keys are unique and in document order */
    assert_null(i18n_texts_find(&texts, "Q1.choice:oui"));
    assert_string_equal(texts.items[0].key, "title");
    for (size_t i = 0; i < texts.count; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(texts.items[i].key, texts.items[j].key) == 0)
                fail_msg("key %s twice", texts.items[i].key);
    /* keys do not move when a question is inserted before */
    json_array_insert_new(json_object_get(json_array_get(json_object_get(doc, "sections"), 0), "questions"), 0,
                          tu_json("{\"id\": \"Q0\", \"type\": \"note\", \"label\": {\"fr\": \"Bonjour\"}}"));
    i18n_texts moved = {0};
    i18n_texts_collect(doc, &moved);
    assert_int_equal(moved.count, texts.count + 1);
    assert_string_equal(i18n_texts_find(&moved, "Q1.label")->path, "$.sections[0].questions[1].label");
    i18n_texts_free(&moved);
    i18n_texts_free(&texts);
    i18n_texts_free(NULL);
    json_decref(doc);
}

static void test_hash(void **state)
{
    (void)state;
    char h[I18N_HASH_LEN + 1];
    i18n_hash("Oui", h); /* python3: hashlib.sha256("Oui".encode()).hexdigest()[:16] */
    assert_string_equal(h, "0a90407639c4155a");
    i18n_hash("Avez-vous un médecin traitant ?", h);
    assert_string_equal(h, "e98e74d7acd045c4");
    assert_string_equal(i18n_status_name(I18N_OK), "ok");
    assert_string_equal(i18n_status_name(I18N_MISSING), "manquante");
    assert_string_equal(i18n_status_name(I18N_STALE), "à revoir");
    assert_string_equal(i18n_status_name(I18N_UNKNOWN), "non suivie");
}

/* ---------------------------------------------------------------------------------------------------------
 * The record.
 */

static void test_status_and_record(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_i18n_XXXXXX";
    json_t *doc = tu_load("form_valid.json");
    make_folder(dir, doc);
    diag_list diags = {0};
    /* no file: an empty record, every translated text unknown, a text without translation missing */
    i18n_record *r = i18n_record_load(dir, "t", &diags);
    assert_non_null(r);
    assert_int_equal(diags.count, 0);
    tu_set(doc, "sections[0].questions[2].label.en", NULL);
    assert_int_equal(status_in(dir, doc, "en", "Q1.label"), I18N_UNKNOWN);
    assert_int_equal(status_in(dir, doc, "en", "Q3.label"), I18N_MISSING);

    i18n_texts texts = {0};
    i18n_texts_collect(doc, &texts);
    i18n_record_accept(r, "en", i18n_texts_find(&texts, "Q1.label"));
    i18n_record_accept(r, "en", i18n_texts_find(&texts, "Q2.label"));
    i18n_record_set(r, "en", "gone.label", "0123456789abcdef"); /* a text the form no longer has */
    i18n_record_set(r, "de", "Q1.label", "0123456789abcdef");   /* a language it does not declare */
    save_for(r, doc);
    i18n_record_free(r);
    i18n_texts_free(&texts);

    /* the file keeps the form's texts and languages only, is readable by the service's user */
    char path[600];
    snprintf(path, sizeof path, "%s/t.translations.json", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    json_t *saved = json_load_file(path, 0, NULL);
    assert_non_null(saved);
    assert_string_equal(json_string_value(json_object_get(saved, "form")), "t");
    json_t *en = json_object_get(json_object_get(saved, "languages"), "en");
    assert_int_equal(json_object_size(en), 2);
    assert_string_equal(json_string_value(json_object_get(en, "Q1.label")), "c5af371a57919214");
    assert_null(json_object_get(json_object_get(saved, "languages"), "de"));
    json_decref(saved);

    assert_int_equal(status_in(dir, doc, "en", "Q1.label"), I18N_OK);
    assert_int_equal(status_in(dir, doc, "en", "Q4.label"), I18N_UNKNOWN);
    tu_set(doc, "sections[0].questions[0].label.fr", json_string("Q1, reformulée ?"));
    assert_int_equal(status_in(dir, doc, "en", "Q1.label"), I18N_STALE);
    tu_set(doc, "sections[0].questions[0].label.en", NULL);
    assert_int_equal(status_in(dir, doc, "en", "Q1.label"), I18N_MISSING); /* missing beats stale */

    /* a broken record is refused with its file and JSON path */
    static const struct {
        const char *text, *path, *fragment;
    } bad[] = {
        {"[1]", "$", "est un objet"},
        {"{\"form\": \"x\", \"languages\": {}}", "$.form", "« x », pas « t »"},
        {"{\"form\": \"t\", \"languages\": {\"en\": {\"Q1.label\": \"XYZ\"}}}", "$.languages.en[\"Q1.label\"]",
         "empreinte"},
        {"{\"form\": \"t\", \"languages\": {\"en\": []}}", "$.languages.en", "objet"},
        {"{\"form\": \"t\", \"langs\": {}}", "$.langs", "clé inconnue"},
        {"{\"form\": \"t\",", NULL, "JSON invalide"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(bad[i].text, fp);
        fclose(fp);
        assert_null(i18n_record_load(dir, "t", &diags));
        if (!tu_has_diag(&diags, false, bad[i].path, bad[i].fragment)) {
            diag_print(&diags, stderr);
            fail_msg("bad record %zu: no error %s", i, bad[i].fragment);
        }
        diag_list_free(&diags);
    }
    json_decref(doc);
    remove_folder(dir);
}

/* ---------------------------------------------------------------------------------------------------------
 * check-forms.
 */

static void test_check_stale(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_i18n_XXXXXX";
    json_t *doc = tu_load("form_valid.json");
    make_folder(dir, doc);
    diag_list diags = {0};
    /* every translation accepted: no warning */
    i18n_record *r = i18n_record_load(dir, "t", &diags);
    i18n_texts texts = {0};
    i18n_texts_collect(doc, &texts);
    for (size_t i = 0; i < texts.count; i++)
        i18n_record_accept(r, "en", &texts.items[i]);
    save_for(r, doc);
    i18n_record_free(r);
    i18n_texts_free(&texts);
    catalog *c = catalog_open(dir, &diags);
    assert_non_null(c);
    size_t before = diags.warnings;
    i18n_check(c, &diags);
    assert_int_equal(diags.warnings, before);
    catalog_close(c);

    /* the French of Q1 and of a shared list's choice reworded: one warning each, naming form, key, language */
    tu_set(doc, "sections[0].questions[0].label.fr", json_string("Q1, autrement ?"));
    tu_set(doc, "choice_lists.on[1].label.fr", json_string("Non, jamais"));
    write_json(dir, "t.json", doc);
    diag_list_free(&diags);
    c = catalog_open(dir, &diags);
    assert_non_null(c);
    before = diags.warnings;
    i18n_check(c, &diags);
    diag_print(&diags, stderr);
    assert_int_equal(diags.warnings, before + 2);
    assert_true(tu_has_diag(&diags, true, "$.sections[0].questions[0].label.en",
                            "t Q1.label : la traduction en a été faite sur un texte français qui a changé depuis"));
    assert_true(tu_has_diag(&diags, true, "$.choice_lists.on[1].label.en", "t list:on.non : la traduction en"));
    catalog_close(c);

    /* an older version in versions/ is not checked: only the current one matters */
    char sub[600];
    snprintf(sub, sizeof sub, "%s/versions", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_json(dir, "versions/t-1.json", doc);
    tu_set(doc, "version", json_string("2"));
    tu_set(doc, "sections[0].questions[0].label.fr", json_string("Q1 ?"));
    tu_set(doc, "choice_lists.on[1].label.fr", json_string("Non"));
    write_json(dir, "t.json", doc);
    diag_list_free(&diags);
    c = catalog_open(dir, &diags);
    assert_non_null(c);
    before = diags.warnings;
    i18n_check(c, &diags);
    assert_int_equal(diags.warnings, before);
    catalog_close(c);

    /* a broken record is an error of check-forms */
    char path[600];
    snprintf(path, sizeof path, "%s/t.translations.json", dir);
    FILE *fp = fopen(path, "w");
    fputs("{\"form\": \"t\", \"languages\": {\"en\": {\"Q1.label\": 3}}}", fp);
    fclose(fp);
    diag_list_free(&diags);
    c = catalog_open(dir, &diags);
    assert_non_null(c);
    i18n_check(c, &diags);
    assert_int_equal(diags.errors, 1);
    catalog_close(c);
    diag_list_free(&diags);
    json_decref(doc);
    remove_folder(dir);
}

/* ---------------------------------------------------------------------------------------------------------
 * After an import: a table of cases on one text, R13's label, in Arabic.
 */

static json_t *mini_form(const char *fr, const char *ar)
{
    json_t *doc = tu_json("{\"id\": \"m\", \"version\": \"1\", \"languages\": [\"fr\", \"ar\"],"
                          " \"title\": {\"fr\": \"Titre\", \"ar\": \"عنوان\"},"
                          " \"sections\": [{\"id\": \"s\", \"title\": {\"fr\": \"S\"}, \"questions\": ["
                          "  {\"id\": \"R13\", \"type\": \"text\", \"label\": {}}]}]}");
    json_t *label = json_object_get(
        json_array_get(json_object_get(json_array_get(json_object_get(doc, "sections"), 0), "questions"), 0), "label");
    json_object_set_new(label, "fr", json_string(fr));
    if (ar)
        json_object_set_new(label, "ar", json_string(ar));
    return doc;
}

static void test_note_import(void **state)
{
    (void)state;
    enum { NONE, OK, STALE }; /* the record before the import: none, made on the old French, older still */
    static const struct {
        const char *old_fr, *old_ar; /* old_fr NULL: a new form (no old document) */
        int before;
        const char *new_fr, *new_ar;
        i18n_status want;
        bool warned;
    } cases[] = {
        /* 0 */ {NULL, NULL, NONE, "Médecin ?", "طبيب؟", I18N_OK, false},                        /* new form */
        /* 1 */ {"Médecin ?", "طبيب؟", NONE, "Médecin traitant ?", "طبيب؟", I18N_STALE, true},   /* French only */
        /* 2 */ {"Médecin ?", "طبيب؟", OK, "Médecin traitant ?", "طبيب معالج؟", I18N_OK, false}, /* both */
        /* 3 */ {"Médecin ?", "طبيب؟", STALE, "Médecin ?", "طبيب معالج؟", I18N_OK, false},       /* translation after */
        /* 4 */ {"Médecin ?", "طبيب؟", OK, "Médecin traitant ?", "طبيب؟", I18N_STALE, true},     /* French only */
        /* 5 */ {"Médecin ?", "طبيب؟", STALE, "Médecin traitant ?", "طبيب؟", I18N_STALE, true},  /* still stale */
        /* 6 */ {"Médecin ?", "طبيب؟", NONE, "Médecin ?", "طبيب؟", I18N_UNKNOWN, false},         /* nothing known */
        /* 7 */ {"Médecin ?", "طبيب؟", STALE, "Médecin ?", "طبيب؟", I18N_STALE, false},          /* unchanged */
        /* 8 */ {"Médecin ?", "طبيب؟", OK, "Médecin ?", NULL, I18N_MISSING, false},              /* removed */
        /* 9 */ {"Médecin ?", NULL, NONE, "Médecin ?", "طبيب؟", I18N_OK, false},                 /* added */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char dir[] = "/tmp/test_i18n_XXXXXX";
        assert_non_null(mkdtemp(dir));
        json_t *old_doc = cases[i].old_fr ? mini_form(cases[i].old_fr, cases[i].old_ar) : NULL;
        json_t *new_doc = mini_form(cases[i].new_fr, cases[i].new_ar);
        diag_list diags = {0};
        if (cases[i].before != NONE) {
            i18n_record *r = i18n_record_load(dir, "m", &diags);
            char h[I18N_HASH_LEN + 1];
            i18n_hash(cases[i].before == OK ? cases[i].old_fr : "Docteur ?", h);
            i18n_record_set(r, "ar", "R13.label", h);
            save_for(r, old_doc);
            i18n_record_free(r);
        }
        i18n_note_import(dir, old_doc, new_doc, &diags);
        i18n_status got = status_in(dir, new_doc, "ar", "R13.label");
        if (got != cases[i].want)
            fail_msg("case %zu: status %s, expected %s", i, i18n_status_name(got), i18n_status_name(cases[i].want));
        bool warned =
            tu_has_diag(&diags, true, "$.sections[0].questions[0].label.ar", "R13.label : traduction ar à revoir");
        if (warned != cases[i].warned)
            fail_msg("case %zu: warning %s", i, warned ? "given" : "missing");
        assert_int_equal(diags.errors, 0);
        /* the untouched title: current when new, otherwise as it was (unknown) */
        assert_int_equal(status_in(dir, new_doc, "ar", "title"), old_doc ? I18N_UNKNOWN : I18N_OK);
        diag_list_free(&diags);
        json_decref(old_doc);
        json_decref(new_doc);
        remove_folder(dir);
    }
}

static void test_note_import_prunes_and_reports(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_i18n_XXXXXX";
    assert_non_null(mkdtemp(dir));
    json_t *old_doc = mini_form("Médecin ?", "طبيب؟");
    diag_list diags = {0};
    i18n_note_import(dir, NULL, old_doc, &diags);
    assert_int_equal(status_in(dir, old_doc, "ar", "R13.label"), I18N_OK);
    /* the question renamed: its old key leaves the record */
    json_t *new_doc = json_deep_copy(old_doc);
    tu_set(new_doc, "sections[0].questions[0].id", json_string("R14"));
    i18n_note_import(dir, old_doc, new_doc, &diags);
    char path[600];
    snprintf(path, sizeof path, "%s/m.translations.json", dir);
    json_t *rec = json_load_file(path, 0, NULL);
    json_t *ar = json_object_get(json_object_get(rec, "languages"), "ar");
    assert_null(json_object_get(ar, "R13.label"));
    assert_non_null(json_object_get(ar, "R14.label"));
    json_decref(rec);
    assert_int_equal(diags.count, 0);
    /* a broken record is left alone, with a warning: the import itself succeeded */
    FILE *fp = fopen(path, "w");
    fputs("{", fp);
    fclose(fp);
    i18n_note_import(dir, old_doc, new_doc, &diags);
    assert_int_equal(diags.errors, 0);
    assert_true(tu_has_diag(&diags, true, "$", "suivi des traductions illisible"));
    diag_list_free(&diags);
    json_decref(old_doc);
    json_decref(new_doc);
    remove_folder(dir);
}

/* ---------------------------------------------------------------------------------------------------------
 * offer.json, tracked under the pseudo-id "offre".
 */

/* A two-service offer: labels in fr, ar, en; label_pro (fr, en) for the first only. */
static json_t *mini_offer(void)
{
    return tu_json("{\"services\": ["
                   " {\"code\": \"pmi\", \"paper\": 1, \"kind\": \"prevention\","
                   "  \"label\": {\"fr\": \"PMI\", \"ar\": \"حماية الأمومة\", \"en\": \"Mother and child\"},"
                   "  \"label_pro\": {\"fr\": \"PMI (pro)\", \"en\": \"PMI service\"}},"
                   " {\"code\": \"cmp\", \"paper\": 2, \"kind\": \"sante_mentale\","
                   "  \"label\": {\"fr\": \"CMP\", \"ar\": \"مركز نفسي\", \"en\": \"Mental health centre\"}}]}");
}

/* Accepts every translated text of offer doc in dir, in each of its languages. */
static void accept_offer(const char *dir, const json_t *doc)
{
    diag_list diags = {0};
    i18n_record *r = i18n_record_load(dir, I18N_OFFER_ID, &diags);
    assert_non_null(r);
    i18n_texts texts = {0};
    i18n_offer_texts_collect(doc, &texts);
    const char *langs[I18N_MAX_LANGS];
    size_t n = i18n_offer_languages(doc, langs, I18N_MAX_LANGS);
    for (size_t l = 0; l < n; l++)
        for (size_t i = 0; i < texts.count; i++)
            if (json_is_string(json_object_get(texts.items[i].text, langs[l])))
                i18n_record_accept(r, langs[l], &texts.items[i]);
    char err[512] = "";
    if (i18n_record_save(r, langs, n, &texts, err, sizeof err) != 0)
        fail_msg("save: %s", err);
    i18n_record_free(r);
    i18n_texts_free(&texts);
}

static i18n_status offer_status_in(const char *dir, const json_t *doc, const char *lang, const char *key)
{
    return status_of_doc(dir, doc, true, lang, key);
}

static void test_offer_keys(void **state)
{
    (void)state;
    json_t *doc = mini_offer();
    i18n_texts texts = {0};
    i18n_offer_texts_collect(doc, &texts);
    assert_int_equal(texts.count, 3);
    assert_string_equal(texts.items[0].key, "pmi.label");
    assert_string_equal(texts.items[0].path, "$.services[0].label");
    assert_string_equal(texts.items[1].key, "pmi.label_pro");
    assert_string_equal(texts.items[1].path, "$.services[0].label_pro");
    assert_string_equal(texts.items[2].key, "cmp.label");
    assert_string_equal(texts.items[2].path, "$.services[1].label");
    i18n_texts_free(&texts);
    const char *langs[I18N_MAX_LANGS];
    assert_int_equal(i18n_offer_languages(doc, langs, I18N_MAX_LANGS), 2);
    assert_string_equal(langs[0], "ar");
    assert_string_equal(langs[1], "en");
    assert_int_equal(i18n_offer_languages(doc, langs, 1), 1); /* never more than asked */
    char *path = i18n_record_path("/f", I18N_OFFER_ID);
    assert_string_equal(path, "/f/offer.translations.json");
    free(path);
    json_decref(doc);
}

static void test_offer_check(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_i18n_XXXXXX";
    json_t *form_doc = tu_load("form_valid.json");
    make_folder(dir, form_doc);
    json_t *doc = mini_offer();
    write_json(dir, "offer.json", doc);
    accept_offer(dir, doc);
    diag_list diags = {0};
    catalog *c = catalog_open(dir, &diags);
    assert_non_null(c);
    assert_non_null(catalog_offer(c));
    assert_int_equal(catalog_count(c), 1); /* offer.translations.json is not a form */
    size_t before = diags.warnings;
    i18n_check(c, &diags);
    assert_int_equal(diags.warnings, before);
    assert_int_equal(diags.errors, 0);
    catalog_close(c);

    /* cmp's French reworded: one warning per translation, naming offer.json, the key, the language */
    tu_set(doc, "services[1].label.fr", json_string("CMP (centre médico-psychologique)"));
    write_json(dir, "offer.json", doc);
    diag_list_free(&diags);
    c = catalog_open(dir, &diags);
    assert_non_null(c);
    before = diags.warnings;
    i18n_check(c, &diags);
    assert_int_equal(diags.warnings, before + 2);
    assert_true(tu_has_diag(&diags, true, "$.services[1].label.ar",
                            "offre cmp.label : la traduction ar a été faite sur un texte français qui a changé"));
    assert_true(tu_has_diag(&diags, true, "$.services[1].label.en", "offre cmp.label : la traduction en"));
    bool named_file = false;
    for (size_t i = 0; i < diags.count; i++)
        named_file |= strstr(diags.items[i].file, "/offer.json") != NULL &&
                      strcmp(diags.items[i].path, "$.services[1].label.ar") == 0;
    assert_true(named_file);
    assert_int_equal(offer_status_in(dir, doc, "ar", "pmi.label"), I18N_OK);
    assert_int_equal(offer_status_in(dir, doc, "ar", "pmi.label_pro"), I18N_MISSING);
    catalog_close(c);

    /* a broken offer record is an error naming its file */
    char path[600];
    snprintf(path, sizeof path, "%s/offer.translations.json", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("{\"form\": \"resident\", \"languages\": {}}", fp);
    fclose(fp);
    diag_list_free(&diags);
    c = catalog_open(dir, &diags);
    assert_non_null(c);
    i18n_check(c, &diags);
    assert_int_equal(diags.errors, 1);
    assert_true(tu_has_diag(&diags, false, "$.form", "« resident », pas « offre »"));
    catalog_close(c);
    diag_list_free(&diags);
    json_decref(doc);
    json_decref(form_doc);
    remove_folder(dir);
}

static void test_offer_note_import(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_i18n_XXXXXX";
    assert_non_null(mkdtemp(dir));
    json_t *old_doc = mini_offer();
    diag_list diags = {0};
    /* a first offer: every translation made from its French */
    i18n_note_offer_import(dir, NULL, old_doc, &diags);
    assert_int_equal(diags.count, 0);
    assert_int_equal(offer_status_in(dir, old_doc, "ar", "cmp.label"), I18N_OK);
    assert_int_equal(offer_status_in(dir, old_doc, "en", "pmi.label_pro"), I18N_OK);
    /* pmi's French changed with its Arabic, cmp's French alone, and a service added */
    json_t *new_doc = json_deep_copy(old_doc);
    tu_set(new_doc, "services[0].label.fr", json_string("PMI (protection maternelle et infantile)"));
    tu_set(new_doc, "services[0].label.ar", json_string("PMI (حماية الأمومة والطفولة)"));
    tu_set(new_doc, "services[1].label.fr", json_string("CMP (centre médico-psychologique)"));
    json_array_append_new(json_object_get(new_doc, "services"),
                          tu_json("{\"code\": \"ccas\", \"paper\": 3, \"kind\": \"social\","
                                  " \"label\": {\"fr\": \"CCAS\", \"ar\": \"المركز الاجتماعي\"}}"));
    i18n_note_offer_import(dir, old_doc, new_doc, &diags);
    assert_int_equal(diags.errors, 0);
    assert_int_equal(offer_status_in(dir, new_doc, "ar", "pmi.label"), I18N_OK);
    assert_int_equal(offer_status_in(dir, new_doc, "en", "pmi.label"), I18N_STALE);
    assert_int_equal(offer_status_in(dir, new_doc, "ar", "cmp.label"), I18N_STALE);
    assert_int_equal(offer_status_in(dir, new_doc, "ar", "ccas.label"), I18N_OK);
    assert_int_equal(offer_status_in(dir, new_doc, "en", "pmi.label_pro"), I18N_OK);
    assert_true(tu_has_diag(&diags, true, "$.services[1].label.ar", "cmp.label : traduction ar à revoir"));
    assert_true(tu_has_diag(&diags, true, "$.services[0].label.en", "pmi.label : traduction en à revoir"));
    assert_false(tu_has_diag(&diags, true, "$.services[0].label.ar", "à revoir"));
    assert_int_equal(diags.warnings, 3); /* pmi en, cmp ar, cmp en */
    char path[600];
    snprintf(path, sizeof path, "%s/offer.translations.json", dir);
    json_t *rec = json_load_file(path, 0, NULL);
    assert_non_null(rec);
    assert_string_equal(json_string_value(json_object_get(rec, "form")), "offre");
    json_decref(rec);
    diag_list_free(&diags);
    json_decref(old_doc);
    json_decref(new_doc);
    remove_folder(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_status_and_record),
        cmocka_unit_test(test_check_stale),
        cmocka_unit_test(test_note_import),
        cmocka_unit_test(test_note_import_prunes_and_reports),
        cmocka_unit_test(test_offer_keys),
        cmocka_unit_test(test_offer_check),
        cmocka_unit_test(test_offer_note_import),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
