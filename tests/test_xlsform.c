/* test_xlsform.c -- the XLSForm mapping (forms/xlsform.c): the shipped forms and a form using every construct
 * go through a workbook and come back equal; workbooks written here as a spreadsheet might save them (columns in
 * any order and case, plain "label", numbers as numbers, sheets in any order) read right; bad workbooks and
 * XLSForm features we do not support get an error naming the cell, unknown things a warning.
 */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "form.h"
#include "formscmd.h"
#include "offer.h"
#include "outfile.h"
#include "terr.h"
#include "util.h"
#include "xlsform.h"

/* outfile_commit, wrapped at link time (CMakeLists.txt): the commits counted from commit_count = 0 whose bit is
 * set in commit_fail fail as a full disk would, the temporary removed. */
int __real_outfile_commit(outfile *o, char *err, size_t errlen);
int __wrap_outfile_commit(outfile *o, char *err, size_t errlen);
static unsigned commit_count, commit_fail;

int __wrap_outfile_commit(outfile *o, char *err, size_t errlen)
{
    if (commit_fail & (1u << ++commit_count)) {
        outfile_discard(o);
        snprintf(err, errlen, "échec simulé de l'écriture n°%u", commit_count);
        return -1;
    }
    return __real_outfile_commit(o, err, errlen);
}

static char tmpdir[] = "/tmp/test_xlsform.XXXXXX";

static void tmp_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
}

static json_t *load_file(const char *path)
{
    json_error_t err;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (doc == NULL)
        fail_msg("cannot load %s: %s", path, err.text);
    return doc;
}

/* Prints the diagnostics of a failed step, to make a failure readable. */
static void show(const diag_list *d)
{
    diag_print(d, stderr);
}

/* Loads doc as a form with the shipped territories and offer: the documents here must be valid forms. */
static bool loads(json_t *doc, const json_t *offer_doc, diag_list *diags)
{
    terr_set *t = terr_load(FORMS_DIR "/territories.json", diags);
    offer *o = offer_doc ? offer_load_json((json_t *)offer_doc, "offer.json", diags) : NULL;
    form_shared shared = {t, o};
    form *f = form_load_json_shared(doc, "doc", &shared, diags);
    bool ok = f != NULL;
    form_free(f);
    offer_free(o);
    terr_free(t);
    return ok;
}

/* Writes doc to a workbook, reads it back, and checks the document and the offer come back equal. */
static void round_trip(json_t *doc, json_t *offer_doc, const char *name)
{
    char path[512];
    tmp_path(path, sizeof path, name);
    diag_list d = {0};
    if (!xlsform_write(doc, offer_doc, path, &d)) {
        show(&d);
        fail_msg("write %s", name);
    }
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    json_t *offer_back = NULL, *where = NULL;
    json_t *back = xlsform_read(path, &offer_back, &where, &d);
    if (back == NULL) {
        show(&d);
        fail_msg("read %s", name);
    }
    if (!json_equal(doc, back)) {
        char *a = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(1)), *b = json_dumps(back, JSON_SORT_KEYS | JSON_INDENT(1));
        fprintf(stderr, "expected:\n%s\ngot:\n%s\n", a, b);
        free(a), free(b);
        fail_msg("%s: the document changed through the workbook", name);
    }
    if (offer_doc != NULL) {
        assert_non_null(offer_back);
        assert_true(json_equal(json_object_get(offer_doc, "services"), json_object_get(offer_back, "services")));
    } else {
        assert_null(offer_back);
    }
    assert_non_null(where);
    assert_int_equal(d.errors, 0);
    json_decref(back);
    json_decref(offer_back);
    json_decref(where);
    diag_list_free(&d);
    unlink(path);
}

/* True when the form names the shared list. */
static bool names_offer(const json_t *doc)
{
    char *s = json_dumps(doc, 0);
    bool yes = strstr(s, "\"offre\"") != NULL;
    free(s);
    return yes;
}

static void test_shipped_round_trip(void **state)
{
    (void)state;
    const char *names[] = {FORMS_DIR "/resident.json", FORMS_DIR "/operator.json"};
    json_t *offer_doc = load_file(FORMS_DIR "/offer.json");
    for (size_t i = 0; i < 2; i++) {
        json_t *doc = load_file(names[i]);
        round_trip(doc, names_offer(doc) ? offer_doc : NULL, i ? "operator.xlsx" : "resident.xlsx");
        json_decref(doc);
    }
    json_decref(offer_doc);
}

/* Every construct of the survey language, in three languages (one without a display name). */
static const char *const every_construct =
    "{\"id\": \"tout\", \"version\": \"2026.10\", \"languages\": [\"fr\", \"en\", \"lb\"],"
    " \"title\": {\"fr\": \"Tout\", \"en\": \"All\", \"lb\": \"Alles\"},"
    " \"notice\": {\"fr\": \"=Avis\\nsur deux lignes\"},"
    " \"choice_lists\": {"
    "   \"oui_non\": [{\"code\": \"oui\", \"paper\": 1, \"label\": {\"fr\": \"Oui\", \"en\": \"Yes\"}},"
    "                {\"code\": \"non\", \"paper\": 0, \"label\": {\"fr\": \"Non\"}}],"
    "   \"seule\": [{\"code\": \"16-24\", \"label\": {\"fr\": \"16-24\"}}, {\"code\": \"75+\", \"label\": {\"fr\": \"75+\"}},"
    "             {\"code\": \"2\", \"paper\": 7, \"label\": {\"fr\": \"deux\"}}],"
    "   \"inutile\": [{\"code\": \"a\", \"label\": {\"fr\": \"A\"}}]"
    " },"
    " \"sections\": ["
    "  {\"id\": \"s1\", \"title\": {\"fr\": \"Un\", \"lb\": \"Eent\"}, \"intro\": {\"fr\": \"Intro\", \"en\": \"Intro en\"},"
    "   \"questions\": ["
    "    {\"id\": \"Q1\", \"type\": \"single\", \"label\": {\"fr\": \"Q un\"}, \"choices\": \"oui_non\", \"required\": true},"
    "    {\"id\": \"Q2\", \"type\": \"single\", \"label\": {\"fr\": \"Q deux\"}, \"hint\": {\"en\": \"h\", \"fr\": \"aide\"},"
    "     \"choices\": \"oui_non\", \"required\": false, \"relevant\": \"${Q1} = 'oui'\"},"
    "    {\"id\": \"Q3\", \"type\": \"single\", \"label\": {\"fr\": \"Âge\"}, \"choices\": \"seule\"},"
    "    {\"id\": \"Q4\", \"type\": \"multiple\", \"label\": {\"fr\": \"Plusieurs\"}, \"max_selected\": 2,"
    "     \"choices\": [{\"code\": \"x\", \"paper\": 5, \"label\": {\"fr\": \"X\", \"en\": \"X en\"}},"
    "                 {\"code\": \"y\", \"label\": {\"fr\": \"Y\"}},"
    "                 {\"code\": \"aucun\", \"paper\": 9, \"label\": {\"fr\": \"Aucun\"}, \"exclusive\": true}],"
    "     \"required\": \"${Q1} = 'oui'\"}"
    "   ]},"
    "  {\"id\": \"s2\", \"title\": {\"fr\": \"Deux\"}, \"relevant\": \"${Q1} != 'non'\", \"questions\": ["
    "    {\"id\": \"G1\", \"type\": \"grid\", \"label\": {\"fr\": \"Grille\"}, \"rows\": [{\"code\": \"r1\", \"paper\": 1,"
    "     \"label\": {\"fr\": \"Ligne 1\"}}, {\"code\": \"r2\", \"label\": {\"fr\": \"Ligne 2\"}}], \"choices\": \"oui_non\"},"
    "    {\"id\": \"G2\", \"type\": \"grid\", \"label\": {\"fr\": \"Services\"}, \"rows\": \"offre\", \"row_labels\": \"pro\","
    "     \"choices\": [{\"code\": \"connu\", \"label\": {\"fr\": \"Connu\"}}, {\"code\": \"inconnu\", \"label\": {\"fr\": \"Inconnu\"}}]},"
    "    {\"id\": \"T1\", \"type\": \"territory\", \"label\": {\"fr\": \"Quartier\"}},"
    "    {\"id\": \"T2\", \"type\": \"territory\", \"label\": {\"fr\": \"Quartiers\"}, \"multiple\": true, \"max_selected\": 3,"
    "     \"choices\": [{\"code\": \"toute_commune\", \"paper\": 98, \"label\": {\"fr\": \"Toute\"}, \"exclusive\": true}]},"
    "    {\"id\": \"T3\", \"type\": \"territory\", \"label\": {\"fr\": \"Un quartier\"}, \"multiple\": false},"
    "    {\"id\": \"S1\", \"type\": \"scale\", \"label\": {\"fr\": \"Échelle\"}, \"min\": 0, \"max\": 10,"
    "     \"labels\": {\"0\": {\"fr\": \"Pas du tout\", \"en\": \"Not at all\"}, \"10\": {\"fr\": \"Tout à fait\"}}},"
    "    {\"id\": \"S2\", \"type\": \"scale\", \"label\": {\"fr\": \"Sans étiquettes\"}, \"min\": 1, \"max\": 5},"
    "    {\"id\": \"D1\", \"type\": \"date\", \"label\": {\"fr\": \"Date\"}, \"min\": \"2000-01-01\", \"max\": \"today\"},"
    "    {\"id\": \"N1\", \"type\": \"integer\", \"label\": {\"fr\": \"Combien\"}, \"min\": -3, \"max\": 120,"
    "     \"constraint\": \". != 7\", \"constraint_message\": {\"fr\": \"Pas 7\", \"en\": \"Not 7\"}},"
    "    {\"id\": \"N2\", \"type\": \"decimal\", \"label\": {\"fr\": \"Poids\"}, \"min\": 0.5, \"max\": 300.25},"
    "    {\"id\": \"X1\", \"type\": \"text\", \"label\": {\"fr\": \"Texte\"}, \"max_length\": 50},"
    "    {\"id\": \"X2\", \"type\": \"long_text\", \"label\": {\"fr\": \"Long\"}, \"max_length\": 5000,"
    "     \"relevant\": \"string-length(${X1}) > 0\"},"
    "    {\"id\": \"X3\", \"type\": \"text\", \"label\": {\"fr\": \"Texte sans limite\"}},"
    "    {\"id\": \"C1\", \"type\": \"calculate\", \"label\": {\"fr\": \"Calculée\", \"en\": \"Computed\"},"
    "     \"choices\": \"oui_non\", \"calculation\": \"if(${N1} > 2, 'oui', if(${N1} < 0, 'non', ${Q1}))\"},"
    "    {\"id\": \"C2\", \"type\": \"calculate\", \"calculation\": \"${N1} * 2\", \"relevant\": \"${N1} > 0\"},"
    "    {\"id\": \"C3\", \"type\": \"calculate\", \"label\": {\"fr\": \"Sa propre liste\"},"
    "     \"choices\": [{\"code\": \"a\", \"label\": {\"fr\": \"A\"}}], \"calculation\": \"if(${C2} > 3, 'a', '')\"},"
    "    {\"id\": \"Z1\", \"type\": \"note\", \"label\": {\"fr\": \"Une note\", \"lb\": \"Notiz\"}, \"relevant\": \"${N1} > 2\"}"
    "  ]}"
    " ]}";

static void test_every_construct(void **state)
{
    (void)state;
    json_t *doc = tu_json(every_construct);
    json_t *offer_doc = load_file(FORMS_DIR "/offer.json");
    diag_list d = {0};
    if (!loads(doc, offer_doc, &d)) {
        show(&d);
        fail_msg("the synthetic form is not valid");
    }
    diag_list_free(&d);
    round_trip(doc, offer_doc, "tout.xlsx");
    json_decref(offer_doc);
    json_decref(doc);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Hand-built workbooks                                                                                         */
/* ---------------------------------------------------------------------------------------------------------- */

/* A sheet as text: rows separated by '\n', cells by '|'. A cell "#n:3.0" is the number 3.0, "#f:1+1" a formula,
 * "#b:1" a boolean; any other non-empty cell a string. */
typedef struct tsheet {
    const char *name, *rows;
} tsheet;

static void write_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *v)
{
    if (strncmp(v, "#n:", 3) == 0)
        worksheet_write_number(ws, r, c, strtod(v + 3, NULL), NULL);
    else if (strncmp(v, "#f:", 3) == 0)
        worksheet_write_formula(ws, r, c, v + 3, NULL);
    else if (strncmp(v, "#b:", 3) == 0)
        worksheet_write_boolean(ws, r, c, v[3] == '1', NULL);
    else if (*v)
        worksheet_write_string(ws, r, c, v, NULL);
}

static void make_book(const char *path, const tsheet *sheets, size_t n)
{
    lxw_workbook *wb = workbook_new(path);
    assert_non_null(wb);
    for (size_t i = 0; i < n; i++) {
        lxw_worksheet *ws = workbook_add_worksheet(wb, sheets[i].name);
        char *copy = strdup(sheets[i].rows), *save = NULL;
        lxw_row_t r = 0;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), r++) {
            lxw_col_t c = 0;
            for (char *p = line;; c++) {
                char *bar = strchr(p, '|');
                if (bar)
                    *bar = '\0';
                write_cell(ws, r, c, p);
                if (!bar)
                    break;
                p = bar + 1;
            }
        }
        free(copy);
    }
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

static const char *const settings_ok = "form_id|version|form_title\nt|1|Titre";
static const char *const choices_ok = "list_name|name|label|paper\non|oui|Oui|#n:1\non|non|Non|#n:2";

/* Reads a workbook of the given sheets; diags gets its diagnostics; returns the document (or NULL). */
static json_t *read_book(const tsheet *sheets, size_t n, diag_list *d, json_t **where)
{
    char path[512];
    tmp_path(path, sizeof path, "hand.xlsx");
    make_book(path, sheets, n);
    json_t *doc = xlsform_read(path, NULL, where, d);
    unlink(path);
    return doc;
}

/* Reads a workbook with the given survey sheet (and the settings and choices above). */
static json_t *read_survey(const char *survey, diag_list *d)
{
    tsheet s[] = {{"survey", survey}, {"choices", choices_ok}, {"settings", settings_ok}};
    return read_book(s, 3, d, NULL);
}

/* True when an error (or warning) of d names exactly sheet!cell and its message contains fragment. */
static void expect(const diag_list *d, bool warning, const char *where, const char *fragment)
{
    if (!tu_has_diag(d, warning, where, fragment)) {
        show(d);
        fail_msg("expected %s at %s containing « %s »", warning ? "warning" : "error", where, fragment);
    }
}

/* Columns in another order and case, plain "label" (French), "label::English (en)", "LABEL::tr", the sheets in
 * another order, numbers typed as numbers (paper 3.0, max 10), booleans as booleans, a date typed as a date. */
static void test_spreadsheet_variants(void **state)
{
    (void)state;
    tsheet s[] = {
        {"Settings", "Version|FORM_ID|form_title|form_title::English|Languages\n#n:2|t|Titre|Title|fr en tr"},
        {"choices", "NAME|Label::English (en)|list_name|label|PAPER|label::tr\n"
                    "oui|Yes|on|Oui|#n:3.0|Evet\nnon||on|Non|#n:4|\n#n:5|five|cinq|Cinq|#n:5"},
        {"survey", "Label::English (en)|name|TYPE|label|Required|max|min|label::tr\n"
                   "|g|begin_group|Groupe||||\n"
                   "Question|Q1|select_one on|Question ?|#b:1|||Soru\n"
                   "|Q2|integer|Combien ?|no|#n:10|#n:0|\n"
                   "|Q3|select_multiple cinq|Cinq ?|||\n"
                   "|D|date|Quand ?||#n:46053|2000-01-01|\n"
                   "\n"
                   "|end|END_GROUP|||||"},
    };
    diag_list d = {0};
    json_t *doc = read_book(s, 3, &d, NULL);
    if (doc == NULL) {
        show(&d);
        fail_msg("read");
    }
    json_t *want = tu_json(
        "{\"id\": \"t\", \"version\": \"2\", \"languages\": [\"fr\", \"en\", \"tr\"],"
        " \"title\": {\"fr\": \"Titre\", \"en\": \"Title\"},"
        " \"sections\": [{\"id\": \"g\", \"title\": {\"fr\": \"Groupe\"}, \"questions\": ["
        "  {\"id\": \"Q1\", \"type\": \"single\", \"label\": {\"fr\": \"Question ?\", \"en\": \"Question\", \"tr\": \"Soru\"},"
        "   \"choices\": \"on\", \"required\": true},"
        "  {\"id\": \"Q2\", \"type\": \"integer\", \"label\": {\"fr\": \"Combien ?\"}, \"min\": 0, \"max\": 10, \"required\": false},"
        "  {\"id\": \"Q3\", \"type\": \"multiple\", \"label\": {\"fr\": \"Cinq ?\"}, \"choices\": \"cinq\"},"
        "  {\"id\": \"D\", \"type\": \"date\", \"label\": {\"fr\": \"Quand ?\"}, \"min\": \"2000-01-01\", \"max\": \"2026-01-31\"}"
        " ]}],"
        " \"choice_lists\": {"
        "  \"on\": [{\"code\": \"oui\", \"paper\": 3, \"label\": {\"fr\": \"Oui\", \"en\": \"Yes\", \"tr\": \"Evet\"}},"
        "          {\"code\": \"non\", \"paper\": 4, \"label\": {\"fr\": \"Non\"}}],"
        "  \"cinq\": [{\"code\": \"5\", \"paper\": 5, \"label\": {\"fr\": \"Cinq\", \"en\": \"five\"}}]}}");
    if (!json_equal(doc, want)) {
        char *a = json_dumps(doc, JSON_SORT_KEYS);
        fail_msg("got %s", a);
    }
    assert_int_equal(d.errors, 0);
    json_decref(want);
    json_decref(doc);
    diag_list_free(&d);
}

/* Plain "label" is the settings' default language when there is one. */
static void test_default_language(void **state)
{
    (void)state;
    tsheet s[] = {
        {"settings", "form_id|version|form_title::fr|form_title|default_language|languages\nt|1|Titre|Title|English (en)|fr en"},
        {"survey", "type|name|label::Français (fr)|label\nbegin_group|g|Groupe|Group\nnote|n|Note|A note\nend_group"},
    };
    diag_list d = {0};
    json_t *doc = read_book(s, 2, &d, NULL);
    if (doc == NULL) {
        show(&d);
        fail_msg("read");
    }
    json_t *want = tu_json("{\"fr\": \"Note\", \"en\": \"A note\"}");
    assert_true(json_equal(json_object_get(json_array_get(json_object_get(json_array_get(
                    json_object_get(doc, "sections"), 0), "questions"), 0), "label"), want));
    json_decref(want);
    want = tu_json("{\"fr\": \"Titre\", \"en\": \"Title\"}");
    assert_true(json_equal(json_object_get(doc, "title"), want));
    json_decref(want);
    json_decref(doc);
    diag_list_free(&d);
}

/* One case of a bad workbook: its survey sheet, and the diagnostic it must give. */
typedef struct bad_case {
    const char *survey;
    bool warning;          /* a warning only: the document still comes back */
    const char *where, *fragment;
} bad_case;

static const bad_case bad_cases[] = {
    /* 1 */ {"type|name|label\nbegin_group|g|G\ninteger|a|A\ninteger|a|Encore\nend_group", false, "survey!B4",
             "déjà utilisé à la ligne 3"},
    /* 2 */ {"type|name|label\nbegin_group|g|G\ninteger|a|#f:CONCAT(\"A\",\"B\")\nend_group", false, "survey!C3",
             "formule"},
    /* 3 */ {"type|name|label\nbegin_group|g|G\nbegin_repeat|r|R\ninteger|a|A\nend_repeat\nend_group", false,
             "survey!A3", "répétés"},
    /* 4 */ {"type|name|label|relevant\nbegin_group|g|G\ninteger|a|A|\ninteger|b|B|pull_data('x', 'y', 'z', ${a})\n"
             "end_group", false, "survey!D4", "pull_data"},
    /* 5 */ {"type|name|label|couleur\nbegin_group|g|G\ninteger|a|A|rouge\nend_group", true, "survey!D1",
             "colonne « couleur » inconnue"},
    /* 6 */ {"type|name|label\nbegin_group|g|G\ncalculate|c|C\nend_group", false, "survey!A3",
             "demande sa formule dans la colonne « calculation »"},
    /* 7 */ {"type|name|label\nbegin_group|g|G\nstart|debut|\ninteger|a|A\nend_group", true, "survey!A3",
             "métadonnée « start » ignorée"},
    /* 8 */ {"type|name|label|media::image\nbegin_group|g|G\ninteger|a|A|photo.png\nend_group", false, "survey!D3",
             "médias"},
    /* 9 */ {"type|name|label\nbegin_group|g|G\nselect_one on or_other|a|A\nend_group", false, "survey!A3",
             "or_other"},
    /* 10 */ {"type|name|label|appearance\nbegin_group|g|G\nselect_one on|a|A|search('x')\nend_group", false,
              "survey!D3", "search()"},
    /* 11 */ {"type|name|label\nbegin_group|g|G\ngeopoint|a|A\nend_group", false, "survey!A3", "géolocalisation"},
    /* 12 */ {"type|name|label\ninteger|a|A", false, "survey!A2", "hors de tout groupe"},
    /* 13 */ {"type|name|label\nbegin_group|g|G\nselect_one absente|a|A\nend_group", false, "survey!A3",
              "liste « absente »"},
    /* 14 */ {"type|name|label\nbegin_group|g|G\ninteger|a|A", false, "survey!A2", "jamais fermé"},
    /* 15 */ {"type|name|label\nbegin_group|g|G\nselect_one_from_file x.csv|a|A\nend_group", false, "survey!A3",
              "fichier externe"},
    /* 16 */ {"type|name|label\nbegin_group|g|G\nintegr|a|A\nend_group", false, "survey!A3", "type « integr » inconnu"},
    /* 17 */ {"type|name|label|label::Klingon\nbegin_group|g|G||\nend_group", false, "survey!D1", "non reconnue"},
    /* 18 */ {"type|name|label|label::fr\nbegin_group|g|G|G\nend_group", false, "survey!D1", "en double"},
    /* 19 */ {"type|name|label|parameters\nbegin_group|g|G|\nrange|r|R|start=1 end=5 step=2\nend_group", false,
              "survey!D3", "step=1"},
    /* 20 */ {"type|name|label\nbegin_group|g|G\n|a|A\nend_group", false, "survey!A3", "« type » manquant"},
    /* 21 */ {"type|name|label|required_message\nbegin_group|g|G|\ninteger|a|A|Dites-le !\ninteger|b|B|Et ici\n"
              "end_group", true, "survey!D3", "non repris (2 cellules) : le questionnaire n'a pas de message "
              "d'obligation propre à une question ; la page affiche à la place son propre message « Réponse "
              "obligatoire. »"},
    /* 22 */ {"type|name|label|calculation\nbegin_group|g|G|\ninteger|a|A|${a} + 1\nend_group", false, "survey!D3",
              "ne sert qu'aux lignes « calculate »"},
};

static void test_bad_workbooks(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        diag_list d = {0};
        json_t *doc = read_survey(c->survey, &d);
        if (c->warning ? doc == NULL : doc != NULL) {
            show(&d);
            fail_msg("case %zu: %s", i + 1, c->warning ? "refused" : "accepted");
        }
        expect(&d, c->warning, c->where, c->fragment);
        json_decref(doc);
        diag_list_free(&d);
    }
}

static void test_bad_sheets(void **state)
{
    (void)state;
    diag_list d = {0};
    tsheet no_survey[] = {{"choices", choices_ok}, {"settings", settings_ok}};
    assert_null(read_book(no_survey, 2, &d, NULL));
    expect(&d, false, "survey", "feuille « survey » absente");
    diag_list_free(&d);

    tsheet ext[] = {{"survey", "type|name|label\nbegin_group|g|G\nnote|n|N\nend_group"},
                    {"settings", settings_ok}, {"external_choices", "list_name|name\nx|y"}, {"notes", "libre"}};
    assert_null(read_book(ext, 4, &d, NULL));
    expect(&d, false, "external_choices", "external_choices");
    expect(&d, true, "notes", "feuille « notes » inconnue");
    diag_list_free(&d);

    tsheet bad_paper[] = {{"survey", "type|name|label\nbegin_group|g|G\nselect_one on|a|A\nend_group"},
                          {"choices", "list_name|name|label|paper\non|oui|Oui|#n:1.5\non|non|#f:\"Non\"|2"},
                          {"settings", settings_ok}};
    assert_null(read_book(bad_paper, 3, &d, NULL));
    expect(&d, false, "choices!D2", "entier");
    expect(&d, false, "choices!C3", "formule");
    diag_list_free(&d);

    tsheet no_id[] = {{"survey", "type|name|label\nbegin_group|g|G\nnote|n|N\nend_group"},
                      {"settings", "version|form_title\n1|T"}};
    assert_null(read_book(no_id, 2, &d, NULL));
    expect(&d, false, "settings", "form_id");
    diag_list_free(&d);
}

/* The survey language's own checks, run on the document, name the cells through the source map. */
static void test_locate(void **state)
{
    (void)state;
    tsheet s[] = {{"survey", "type|name|label|relevant|constraint\nbegin_group|g|G||\n"
                             "select_one on|a|A|${zz} = 'oui'|\ninteger|b|B||. > 'x'\nend_group"},
                  {"choices", "list_name|name|label\non|oui|Oui\non|oui|Encore"}, {"settings", settings_ok}};
    diag_list d = {0};
    json_t *where = NULL;
    json_t *doc = read_book(s, 3, &d, &where);
    if (doc == NULL) {
        show(&d);
        fail_msg("read");
    }
    size_t first = d.count;
    form *f = form_load_json(doc, "hand.xlsx", NULL, &d);
    assert_null(f);
    xlsform_locate(where, &d, first);
    expect(&d, false, "survey!D3", "zz");
    expect(&d, false, "choices!B3", "oui");
    bool constraint = false;
    for (size_t i = first; i < d.count; i++)
        constraint |= strcmp(d.items[i].path, "survey!E4") == 0;
    if (!constraint) {
        show(&d);
        fail_msg("no diagnostic at survey!E4");
    }
    json_decref(doc);
    json_decref(where);
    diag_list_free(&d);
}

/* A write that cannot happen leaves nothing behind; a form naming the offer needs one. */
static void test_write_failures(void **state)
{
    (void)state;
    json_t *doc = tu_json(every_construct);
    diag_list d = {0};
    char path[512];
    tmp_path(path, sizeof path, "no-offer.xlsx");
    assert_false(xlsform_write(doc, NULL, path, &d));
    assert_int_equal(access(path, F_OK), -1);
    expect(&d, false, "", "offre");
    diag_list_free(&d);
    assert_false(xlsform_write(doc, NULL, "/nonexistent-dir/x.xlsx", &d));
    assert_true(d.errors > 0);
    diag_list_free(&d);
    json_decref(doc);

    /* A key the workbook has no column for is refused, not dropped. */
    doc = tu_json("{\"id\": \"t\", \"version\": \"1\", \"languages\": [\"fr\"], \"title\": {\"fr\": \"T\"},"
                  " \"sections\": [{\"id\": \"s\", \"title\": {\"fr\": \"S\"}, \"questions\": ["
                  "  {\"id\": \"a\", \"type\": \"integer\", \"label\": {\"fr\": \"A\"}, \"unit\": \"kg\"}]}]}");
    tmp_path(path, sizeof path, "unknown-key.xlsx");
    assert_false(xlsform_write(doc, NULL, path, &d));
    assert_int_equal(access(path, F_OK), -1);
    expect(&d, false, "", "« unit » n'a pas de colonne");
    diag_list_free(&d);
    json_decref(doc);

    /* A shared list named as its only question's own list would come back inline: a warning says so. */
    doc = tu_json("{\"id\": \"t\", \"version\": \"1\", \"languages\": [\"fr\"], \"title\": {\"fr\": \"T\"},"
                  " \"choice_lists\": {\"a\": [{\"code\": \"x\", \"label\": {\"fr\": \"X\"}}]},"
                  " \"sections\": [{\"id\": \"s\", \"title\": {\"fr\": \"S\"}, \"questions\": ["
                  "  {\"id\": \"a\", \"type\": \"single\", \"label\": {\"fr\": \"A\"}, \"choices\": \"a\"}]}]}");
    tmp_path(path, sizeof path, "ambiguous.xlsx");
    assert_true(xlsform_write(doc, NULL, path, &d));
    expect(&d, true, "choices", "la liste « a »");
    diag_list_free(&d);
    unlink(path);
    json_decref(doc);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* List names, texts and numbers that must come back exactly                                                   */
/* ---------------------------------------------------------------------------------------------------------- */

/* A question's own list never shares its list_name with another list: a named list, the offer, or another
 * question's own list. Each of these documents was read back with lists merged or taken for the offer. */
static void test_list_names(void **state)
{
    (void)state;
    static const char *const docs[] = {
        /* qa's own choices and the named list "qa" of qb: both questions came back with x, y, a, b */
        "{\"id\": \"t\", \"version\": \"1\", \"languages\": [\"fr\"], \"title\": {\"fr\": \"T\"},"
        " \"choice_lists\": {\"qa\": [{\"code\": \"x\", \"paper\": 3, \"label\": {\"fr\": \"X\"}},"
        "                            {\"code\": \"y\", \"paper\": 4, \"label\": {\"fr\": \"Y\"}}]},"
        " \"sections\": [{\"id\": \"s\", \"title\": {\"fr\": \"S\"}, \"questions\": ["
        "  {\"id\": \"qa\", \"type\": \"single\", \"label\": {\"fr\": \"A\"}, \"choices\": ["
        "    {\"code\": \"a\", \"paper\": 1, \"label\": {\"fr\": \"a\"}}, {\"code\": \"b\", \"paper\": 2, \"label\": {\"fr\": \"b\"}}]},"
        "  {\"id\": \"qb\", \"type\": \"single\", \"label\": {\"fr\": \"B\"}, \"choices\": \"qa\"}]}]}",
        /* the grid G's own rows (G_rows) and the own choices of a question named G_rows; the scale S's labels
         * (S_labels) and the own choices of S_labels; a question named offre (its list is not the offer);
         * a named list called like a suffixed own name, used by two questions */
        "{\"id\": \"t\", \"version\": \"1\", \"languages\": [\"fr\"], \"title\": {\"fr\": \"T\"},"
        " \"choice_lists\": {\"G_rows-2\": [{\"code\": \"n\", \"label\": {\"fr\": \"N\"}}]},"
        " \"sections\": [{\"id\": \"s\", \"title\": {\"fr\": \"S\"}, \"questions\": ["
        "  {\"id\": \"G\", \"type\": \"grid\", \"label\": {\"fr\": \"G\"},"
        "   \"rows\": [{\"code\": \"r1\", \"label\": {\"fr\": \"R1\"}}], \"choices\": \"G_rows-2\"},"
        "  {\"id\": \"G_rows\", \"type\": \"single\", \"label\": {\"fr\": \"GR\"},"
        "   \"choices\": [{\"code\": \"c\", \"label\": {\"fr\": \"C\"}}]},"
        "  {\"id\": \"S\", \"type\": \"scale\", \"label\": {\"fr\": \"S\"}, \"min\": 1, \"max\": 3,"
        "   \"labels\": {\"1\": {\"fr\": \"bas\"}, \"3\": {\"fr\": \"haut\"}}},"
        "  {\"id\": \"S_labels\", \"type\": \"multiple\", \"label\": {\"fr\": \"SL\"},"
        "   \"choices\": [{\"code\": \"d\", \"label\": {\"fr\": \"D\"}}]},"
        "  {\"id\": \"offre\", \"type\": \"single\", \"label\": {\"fr\": \"O\"},"
        "   \"choices\": [{\"code\": \"e\", \"label\": {\"fr\": \"E\"}}]},"
        "  {\"id\": \"H\", \"type\": \"single\", \"label\": {\"fr\": \"H\"}, \"choices\": \"G_rows-2\"}]}]}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        json_t *doc = tu_json(docs[i]);
        round_trip(doc, NULL, "names.xlsx");
        json_decref(doc);
    }
}

/* Rows of a list after rows of another list still belong to it (a choice added at the bottom of the sheet), with
 * a warning at the place where it resumes; each list keeps its own rows. */
static void test_resumed_list(void **state)
{
    (void)state;
    tsheet s[] = {{"survey", "type|name|label\nbegin_group|g|G\nselect_one on|a|A\nselect_one autre|b|B\n"
                             "select_one on|c|C\nend_group"},
                  {"choices", "list_name|name|label\non|oui|Oui\nautre|x|X\non|non|Non\nautre|y|Y"},
                  {"settings", settings_ok}};
    diag_list d = {0};
    json_t *doc = read_book(s, 3, &d, NULL);
    if (doc == NULL) {
        show(&d);
        fail_msg("read");
    }
    expect(&d, true, "choices!A4", "la liste « on » reprend ici après d'autres listes (sa ligne précédente est la 2)");
    expect(&d, true, "choices!A5", "la liste « autre » reprend ici");
    json_t *want = tu_json("{\"on\": [{\"code\": \"oui\", \"label\": {\"fr\": \"Oui\"}}, {\"code\": \"non\", "
                           "\"label\": {\"fr\": \"Non\"}}], \"autre\": [{\"code\": \"x\", \"label\": {\"fr\": \"X\"}},"
                           " {\"code\": \"y\", \"label\": {\"fr\": \"Y\"}}]}");
    assert_true(json_equal(json_object_get(doc, "choice_lists"), want));
    assert_int_equal(d.warnings, 2);
    json_decref(want);
    json_decref(doc);
    diag_list_free(&d);
}

/* A text holding a literal Office escape ("_x0041_" is not "A"), and reals that a number cell would turn into
 * integers (5.0, 1e14) or round (17 significant digits). */
static void test_exact_texts_and_reals(void **state)
{
    (void)state;
    json_t *doc = tu_json(
        "{\"id\": \"t\", \"version\": \"1\", \"languages\": [\"fr\"], \"title\": {\"fr\": \"_x0041_ et _X0042_\"},"
        " \"sections\": [{\"id\": \"s\", \"title\": {\"fr\": \"_x005F_ _x00e9__x00E9_ _x12_ _x0000_\"}, \"questions\": ["
        "  {\"id\": \"a\", \"type\": \"decimal\", \"label\": {\"fr\": \"code _x000D_\"}, \"min\": 5.0, \"max\": 1e14},"
        "  {\"id\": \"b\", \"type\": \"decimal\", \"label\": {\"fr\": \"B\"}, \"min\": -0.5, \"max\": 0.30000000000000004},"
        "  {\"id\": \"c\", \"type\": \"decimal\", \"label\": {\"fr\": \"C\"}, \"min\": -2.0, \"max\": 1e300},"
        "  {\"id\": \"d\", \"type\": \"integer\", \"label\": {\"fr\": \"D\"}, \"min\": 5, \"max\": 100000000000000}]}]}");
    round_trip(doc, NULL, "exact.xlsx");
    json_decref(doc);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* forms import: what is on disk when a write fails                                                            */
/* ---------------------------------------------------------------------------------------------------------- */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    sbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sbuf_add(&b, buf, n);
    fclose(f);
    return b.data ? b.data : strdup("");
}

static void copy_file(const char *from, const char *to)
{
    char *data = read_all(from);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    fputs(data, f);
    fclose(f);
    free(data);
}

/* Sets the French text at key of doc (a form: its title; offer.json: its first service's label) in file path. */
static void set_text(const char *path, bool offer_file, const char *text)
{
    json_t *doc = load_file(path);
    json_t *o = offer_file ? json_object_get(json_array_get(json_object_get(doc, "services"), 0), "label")
                           : json_object_get(doc, "title");
    json_object_set_new(o, "fr", json_string(text));
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(2)), 0);
    json_decref(doc);
}

/* Runs `collector forms import book --forms dir` with the commits in fail failing; its standard error is kept
 * in *err (owned by the caller). Returns the exit status. */
static int run_import(const char *book, const char *dir, unsigned fail, char **err)
{
    char log[512];
    tmp_path(log, sizeof log, "import.log");
    fflush(stderr);
    int saved = dup(2), fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    char *argv[] = {(char *)"import", (char *)book, (char *)"--forms", (char *)dir, NULL};
    commit_count = 0;
    commit_fail = fail;
    int rc = formscmd_import(4, argv);
    commit_fail = 0;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    *err = read_all(log);
    unlink(log);
    return rc;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[1024];
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* The import writes offer.json, then the form. When the second write fails, offer.json is put back and the report
 * says nothing was written; when it cannot be put back either, the report says exactly what was written. */
static void test_import_commit_failures(void **state)
{
    (void)state;
    char dir[512], book[512], form_path[600], offer_path[600];
    tmp_path(dir, sizeof dir, "forms");
    tmp_path(book, sizeof book, "import.xlsx");
    snprintf(form_path, sizeof form_path, "%s/resident.json", dir);
    snprintf(offer_path, sizeof offer_path, "%s/offer.json", dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    DIR *d = opendir(FORMS_DIR);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        char from[1024], to[1024];
        if ((n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) && (n < 9 || strcmp(e->d_name + n - 8, ".geojson") != 0))
            continue; /* the forms folder: definitions, territories and their outlines */
        snprintf(from, sizeof from, "%s/%s", FORMS_DIR, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
        copy_file(from, to);
    }
    closedir(d);
    char *argv[] = {(char *)"export", (char *)"resident", (char *)"--forms", dir, (char *)"-o", book, NULL};
    assert_int_equal(formscmd_export(6, argv), 0);
    /* The folder now differs from the workbook in both files: an import rewrites both. */
    set_text(form_path, false, "Titre local");
    set_text(offer_path, true, "Ancien nom");
    char *form_before = read_all(form_path), *offer_before = read_all(offer_path);

    static const struct {
        unsigned fail;          /* commits that fail: 1 offer.json, 2 the form, 3 offer.json put back */
        bool offer_written, form_written;
        const char *report;
    } cases[] = {
        {1u << 1, false, false, "rien n'a été écrit"},
        {1u << 2, false, false, "rien n'a été écrit"},
        {1u << 2 | 1u << 3, true, false, "seul "},
        {0, true, true, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *err = NULL;
        int rc = run_import(book, dir, cases[i].fail, &err);
        char *form_now = read_all(form_path), *offer_now = read_all(offer_path);
        bool form_changed = strcmp(form_now, form_before) != 0, offer_changed = strcmp(offer_now, offer_before) != 0;
        if (rc != (cases[i].form_written ? 0 : 1) || form_changed != cases[i].form_written ||
            offer_changed != cases[i].offer_written || (cases[i].report && !strstr(err, cases[i].report)) ||
            (cases[i].offer_written && !cases[i].form_written && strstr(err, "rien n'a été écrit")))
            fail_msg("case %zu: status %d, form %s, offer.json %s; output:\n%s", i + 1, rc,
                     form_changed ? "written" : "kept", offer_changed ? "written" : "kept", err);
        if (cases[i].fail == (1u << 2) && !strstr(err, "remis dans son état d'avant l'import"))
            fail_msg("case %zu: offer.json put back without a word:\n%s", i + 1, err);
        free(form_now);
        free(offer_now);
        free(err);
        if (offer_changed) { /* as before the next case */
            FILE *f = fopen(offer_path, "wb");
            fputs(offer_before, f);
            fclose(f);
        }
    }
    free(form_before);
    free(offer_before);
    unlink(book);
    remove_dir(dir);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_round_trip), cmocka_unit_test(test_every_construct),
        cmocka_unit_test(test_spreadsheet_variants), cmocka_unit_test(test_default_language),
        cmocka_unit_test(test_bad_workbooks), cmocka_unit_test(test_bad_sheets), cmocka_unit_test(test_locate),
        cmocka_unit_test(test_write_failures), cmocka_unit_test(test_list_names),
        cmocka_unit_test(test_resumed_list), cmocka_unit_test(test_exact_texts_and_reals),
        cmocka_unit_test(test_import_commit_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
