/* test_formdiff.c -- fingerprints of form versions (stable under key order, changed by any change of content) and
 * the comparison of two versions (forms/formdiff.c): a table of edits of tests/data/form_valid.json, each with the
 * change it must be reported as and whether it changes what answers mean.
 */
#include "testutil.h"

#include "fingerprint.h"
#include "form.h"
#include "formdiff.h"
#include "terr.h"

static terr_set *territories;

static int setup(void **state)
{
    (void)state;
    diag_list diags = {0};
    territories = terr_load(TEST_DATA_DIR "/territories_test.json", &diags);
    diag_list_free(&diags);
    return territories == NULL;
}

static int teardown(void **state)
{
    (void)state;
    terr_free(territories);
    return 0;
}

/* Loads doc as a form or fails the test with its first diagnostic. */
static form *load(json_t *doc)
{
    diag_list diags = {0};
    form *f = form_load_json(doc, "test", territories, &diags);
    if (f == NULL)
        fail_msg("form does not load: %s: %s", diags.count ? diags.items[0].path : "",
                 diags.count ? diags.items[0].message : "");
    diag_list_free(&diags);
    return f;
}

/* A deep copy of v whose objects have their keys inserted in reverse order. */
static json_t *reversed(const json_t *v)
{
    if (json_is_array(v)) {
        json_t *a = json_array();
        for (size_t i = 0; i < json_array_size(v); i++)
            json_array_append_new(a, reversed(json_array_get(v, i)));
        return a;
    }
    if (!json_is_object(v))
        return json_deep_copy(v);
    const char *keys[64];
    size_t n = 0;
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        assert_true(n < 64);
        keys[n++] = k;
    }
    json_t *o = json_object();
    while (n-- > 0)
        json_object_set_new(o, keys[n], reversed(json_object_get(v, keys[n])));
    return o;
}

static void fingerprint_doc(json_t *doc, char out[FINGERPRINT_HEX_LEN + 1])
{
    form *f = load(doc);
    fingerprint_form(f, out, NULL);
    form_free(f);
}

static void test_fingerprint_stable(void **state)
{
    (void)state;
    json_t *doc = tu_load("form_valid.json");
    char a[FINGERPRINT_HEX_LEN + 1], b[FINGERPRINT_HEX_LEN + 1], c[FINGERPRINT_HEX_LEN + 1];
    fingerprint_doc(doc, a);
    fingerprint_doc(doc, b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), FINGERPRINT_HEX_LEN);
    assert_int_equal(strspn(a, "0123456789abcdef"), FINGERPRINT_HEX_LEN);
    /* the same content written with every object's keys in another order */
    json_t *rev = reversed(doc);
    char *t1 = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *t2 = json_dumps(rev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_not_equal(t1, t2); /* the files differ as text */
    fingerprint_doc(rev, c);
    assert_string_equal(a, c);
    /* the canonical text reloads to the same fingerprint (what the database keeps is a faithful copy) */
    form *f = load(doc);
    char *canon = fingerprint_canonical(f);
    json_t *again = tu_json(canon);
    fingerprint_doc(again, c);
    assert_string_equal(a, c);
    fingerprint_of_text(canon, c);
    assert_string_equal(a, c);
    free(canon);
    form_free(f);
    free(t1);
    free(t2);
    json_decref(again);
    json_decref(rev);
    json_decref(doc);
}

/* Edits of form_valid.json: path (tu_set syntax) and the new value as JSON text, NULL to delete the member. */
typedef struct edit {
    const char *path, *value;
} edit;

static const edit content_edits[] = {
    {"sections[0].questions[0].label.fr", "\"Q1 reformulée ?\""},
    {"sections[0].questions[0].label.en", "\"Q1 again?\""},
    {"sections[0].questions[1].choices[1].code", "\"bb\""},
    {"sections[0].questions[1].choices[3].paper", "8"},
    {"sections[0].questions[1].relevant", "\"${Q1} = 'non'\""},
    {"sections[0].questions[2].max", "110"},
    {"sections[0].questions[4]", NULL},
    {"sections[1].relevant", "\"${Q3} >= 16\""},
    {"title.en", "\"Another title\""},
    {"version", "\"2\""},
};

static json_t *edited(const edit *e)
{
    json_t *doc = tu_load("form_valid.json");
    tu_set(doc, e->path, e->value ? tu_json(e->value) : NULL);
    return doc;
}

static void test_fingerprint_changes(void **state)
{
    (void)state;
    size_t n = sizeof content_edits / sizeof *content_edits;
    char seen[16][FINGERPRINT_HEX_LEN + 1];
    json_t *doc = tu_load("form_valid.json");
    fingerprint_doc(doc, seen[0]);
    json_decref(doc);
    for (size_t i = 0; i < n; i++) {
        json_t *d = edited(&content_edits[i]);
        fingerprint_doc(d, seen[i + 1]);
        json_decref(d);
        for (size_t k = 0; k <= i; k++)
            if (strcmp(seen[k], seen[i + 1]) == 0)
                fail_msg("edit %zu (%s) leaves the fingerprint of %s", i, content_edits[i].path,
                         k ? content_edits[k - 1].path : "the original");
    }
}

/* One edit and the change it must produce. An edit whose path ends in "[+]" appends to that array. */
typedef struct diff_case {
    edit e[2];              /* applied in order; path NULL ends */
    formdiff_kind kind;
    const char *question, *item;
    bool meaning;
    const char *text;       /* a fragment of formdiff_describe */
} diff_case;

static const diff_case diff_cases[] = {
    {{{"sections[0].questions[0].label.fr", "\"Q1 reformulée ?\""}}, FORMDIFF_REWORDED, "Q1", NULL, true,
     "Q1 reformulée"},
    {{{"sections[0].questions[0].label.en", "\"Q1 again?\""}}, FORMDIFF_TRANSLATION, "Q1", "en", false,
     "traduction en"},
    {{{"sections[0].questions[0].hint", "{\"fr\": \"Une aide\"}"}}, FORMDIFF_HINT, "Q1", NULL, false, "aide"},
    {{{"sections[0].questions[2].type", "\"decimal\""}}, FORMDIFF_TYPE, "Q3", NULL, true, "integer → decimal"},
    {{{"sections[0].questions[4]", NULL}}, FORMDIFF_REMOVED, "Q5", NULL, true, "Q5 retirée"},
    {{{"sections[0].questions[+]", "{\"id\": \"Q99\", \"type\": \"text\", \"label\": {\"fr\": \"Nouvelle\", "
       "\"en\": \"New\"}}"}},
     FORMDIFF_ADDED, "Q99", NULL, true, "Q99 ajoutée"},
    {{{"sections[0].questions[1].choices[1].code", "\"bb\""}}, FORMDIFF_ITEM_RECODED, "Q2", "b", true,
     "« b » recodé en « bb »"},
    {{{"sections[0].questions[1].choices[1].label.fr", "\"Bé\""}}, FORMDIFF_ITEM_RELABELED, "Q2", "b", true,
     "choix « b » reformulé"},
    {{{"sections[0].questions[1].choices[1].label.en", "\"Bee\""}}, FORMDIFF_ITEM_TRANSLATION, "Q2", "b", false,
     "traduction en"},
    {{{"sections[0].questions[1].choices[3].paper", "8"}}, FORMDIFF_ITEM_PAPER, "Q2", "aucun", false,
     "numéro papier 9 → 8"},
    {{{"sections[0].questions[1].choices[+]", "{\"code\": \"e\", \"label\": {\"fr\": \"E\", \"en\": \"E\"}}"}},
     FORMDIFF_ITEM_ADDED, "Q2", "e", true, "choix « e » ajouté"},
    /* nsp and refus are left out of every denominator: adding one keeps the other answers' meaning */
    {{{"sections[0].questions[1].choices[+]", "{\"code\": \"refus\", \"label\": {\"fr\": \"Refus\", \"en\": \"No answer\"}}"}},
     FORMDIFF_ITEM_ADDED, "Q2", "refus", false, "choix « refus » ajouté"},
    {{{"sections[0].questions[1].choices[+]", "{\"code\": \"nsp\", \"label\": {\"fr\": \"Ne sait pas\", \"en\": \"Don't know\"}}"}},
     FORMDIFF_ITEM_ADDED, "Q2", "nsp", false, "choix « nsp » ajouté"},
    {{{"sections[0].questions[1].choices[3]", NULL}}, FORMDIFF_ITEM_REMOVED, "Q2", "aucun", true,
     "choix « aucun » retiré"},
    {{{"sections[0].questions[1].relevant", "\"${Q1} = 'non'\""}}, FORMDIFF_RELEVANT, "Q2", NULL, true,
     "condition d'affichage"},
    {{{"sections[1].relevant", "\"${Q3} >= 16\""}}, FORMDIFF_RELEVANT, "Q15", "s2", true, "section s2"},
    {{{"sections[0].questions[0].required", "false"}}, FORMDIFF_REQUIRED, "Q1", NULL, false, "obligation"},
    {{{"sections[0].questions[2].max", "110"}}, FORMDIFF_BOUNDS, "Q3", NULL, false, "max 120 → min 0, max 110"},
    /* A scale's range, its points' French labels, and how many choices a multiple allows shape what answers say. */
    {{{"sections[0].questions[7].max", "7"}}, FORMDIFF_BOUNDS, "Q8", NULL, true, "max 5 → min 1, max 7"},
    {{{"sections[0].questions[7].labels.5.fr", "\"Complètement\""}}, FORMDIFF_SCALE_LABELS, "Q8", NULL, true,
     "libellés de l'échelle"},
    {{{"sections[0].questions[1].max_selected", "3"}}, FORMDIFF_BOUNDS, "Q2", NULL, true, "max_selected 3"},
};

/* Applies e to doc: tu_set, or an append when the path ends in "[+]". */
static void apply(json_t *doc, const edit *e)
{
    size_t len = strlen(e->path);
    if (len < 3 || strcmp(e->path + len - 3, "[+]") != 0) {
        tu_set(doc, e->path, e->value ? tu_json(e->value) : NULL);
        return;
    }
    /* walk to the array: the path without "[+]", resolved as tu_set would, by setting it to itself */
    char path[256];
    snprintf(path, sizeof path, "%.*s", (int)(len - 3), e->path);
    json_t *cur = doc;
    for (char *p = path; *p;) {
        if (*p == '[') {
            char *end;
            cur = json_array_get(cur, strtoul(p + 1, &end, 10));
            p = end + 1;
        } else {
            size_t n = strcspn(p, ".[");
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)n, p);
            cur = json_object_get(cur, key);
            p += n;
        }
        if (*p == '.')
            p++;
        if (cur == NULL)
            fail_msg("apply: %s does not exist", e->path);
    }
    assert_true(json_is_array(cur));
    json_array_append_new(cur, tu_json(e->value));
}

static void test_diff_cases(void **state)
{
    (void)state;
    json_t *base = tu_load("form_valid.json");
    form *a = load(base);
    for (size_t i = 0; i < sizeof diff_cases / sizeof *diff_cases; i++) {
        const diff_case *c = &diff_cases[i];
        json_t *doc = tu_load("form_valid.json");
        tu_set(doc, "version", json_string("2"));
        for (size_t k = 0; k < 2 && c->e[k].path; k++)
            apply(doc, &c->e[k]);
        form *b = load(doc);
        formdiff *d = formdiff_compare(a, b);
        if (d->count != 1) {
            char t[256] = "";
            if (d->count > 1)
                formdiff_describe(&d->items[1], t, sizeof t);
            fail_msg("case %zu (%s): %zu changes, expected 1 (second: %s)", i, c->e[0].path, d->count, t);
        }
        const formdiff_change *ch = &d->items[0];
        char text[512];
        formdiff_describe(ch, text, sizeof text);
        if (ch->kind != c->kind || strcmp(ch->question, c->question) != 0 || ch->meaning != c->meaning ||
            (c->item == NULL) != (ch->item == NULL) || (c->item && strcmp(c->item, ch->item) != 0) ||
            strstr(text, c->text) == NULL)
            fail_msg("case %zu (%s): got %s on %s (%s), meaning %d: « %s »", i, c->e[0].path,
                     formdiff_kind_name(ch->kind), ch->question, ch->item ? ch->item : "-", ch->meaning, text);
        assert_int_equal(formdiff_meaning_count(d), c->meaning);
        assert_true((formdiff_meaning_change(d, c->question) != NULL) == c->meaning);
        json_t *j = formdiff_to_json(d);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "changes"), 0),
                                                               "kind")),
                            formdiff_kind_name(c->kind));
        json_decref(j);
        formdiff_free(d);
        form_free(b);
        json_decref(doc);
    }
    /* the same version compared with itself, and with a copy whose keys are in another order: nothing */
    json_t *rev = reversed(base);
    form *b = load(rev);
    formdiff *d = formdiff_compare(a, b);
    assert_int_equal(d->count, 0);
    formdiff_free(d);
    form_free(b);
    json_decref(rev);
    form_free(a);
    json_decref(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fingerprint_stable),
        cmocka_unit_test(test_fingerprint_changes),
        cmocka_unit_test(test_diff_cases),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
