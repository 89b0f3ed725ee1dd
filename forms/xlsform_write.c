/* xlsform_write.c -- a form document as an XLSForm workbook (xlsform_write). Walks the document once and fills
 * the three sheets with libxlsxwriter. See xlsform.h and forms/README.md.
 */
#include "xlsform.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <xlsxwriter.h>

#include "offer.h"
#include "outfile.h"
#include "util.h"
#include "xlsform_int.h"
#include "xlsx.h"

/* ---------------------------------------------------------------------------------------------------------- */
/* Writing                                                                                                      */
/* ---------------------------------------------------------------------------------------------------------- */

/* The survey sheet's columns, in order; a column with lang != NULL is one of a language. */
typedef struct wcolumn {
    const char *base, *lang;
} wcolumn;

typedef struct writer {
    lxw_workbook *wb;
    lxw_worksheet *survey, *choices, *settings;
    lxw_format *bold;
    const json_t *doc, *offer;
    const char *file;
    diag_list *diags;
    bool failed;
    const char *langs[MAX_LANGS];       /* the form's languages */
    size_t nlangs;
    const char *clangs[2 * MAX_LANGS];  /* choice label languages: the form's, then any the offer adds */
    size_t nclangs;
    const char *plangs[2 * MAX_LANGS];  /* languages of the offer's label_pro */
    size_t nplangs;
    wcolumn scols[128];
    size_t nscols;
    json_t *list_names;  /* every list_name given so far, and the names of choice_lists and "offre" */
    size_t ccol_paper, ccol_exclusive, ccol_kind, ccol_pro; /* choices sheet: fixed columns */
    lxw_row_t srow, crow;
} writer;

static void werror(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void werror(writer *w, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    util_utf8_trim(msg);
    diag_add(w->diags, false, w->file, "", "%s", msg);
    w->failed = true;
}

static void add_lang(const char **set, size_t *n, size_t cap, const char *code)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(set[i], code) == 0)
            return;
    if (*n < cap)
        set[(*n)++] = code;
}

static void add_scol(writer *w, const char *base, bool per_lang)
{
    if (!per_lang) {
        w->scols[w->nscols++] = (wcolumn){base, NULL};
        return;
    }
    for (size_t i = 0; i < w->nlangs; i++)
        w->scols[w->nscols++] = (wcolumn){base, w->langs[i]};
}

/* Index of the survey column base (lang NULL) or base::lang. The column exists: the table is built first. */
static lxw_col_t scol(const writer *w, const char *base, const char *lang)
{
    for (size_t i = 0; i < w->nscols; i++)
        if (strcmp(w->scols[i].base, base) == 0 &&
            (lang == NULL ? w->scols[i].lang == NULL : w->scols[i].lang && strcmp(w->scols[i].lang, lang) == 0))
            return (lxw_col_t)i;
    abort(); /* a column missing from the table is a programmer error */
}

/* True when s starts with an Office escape "_xHHHH_", which a reader of the workbook (ours, Excel) decodes. */
static bool is_office_escape(const char *s)
{
    if (s[0] != '_' || s[1] != 'x' || s[6] != '_')
        return false;
    for (size_t i = 2; i < 6; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

/* s with every literal "_xHHHH_" written "_x005F_xHHHH_" (the escaped underscore), so that it reads back as
 * typed: libxlsxwriter writes it as is, and readers decode it as a character. A new string, or NULL when s
 * needs no escape. */
static char *escape_office(const char *s)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i + 7 <= len; i++)
        n += is_office_escape(s + i);
    if (n == 0)
        return NULL;
    char *out = xmalloc(len + 6 * n + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        if (i + 7 <= len && is_office_escape(s + i)) {
            memcpy(o, "_x005F", 6);
            o += 6;
        }
        *o++ = s[i];
    }
    *o = '\0';
    return out;
}

static void wstr(writer *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s)
{
    char *escaped = escape_office(s);
    lxw_error e = worksheet_write_string(ws, row, col, escaped ? escaped : s, NULL);
    free(escaped);
    if (e != LXW_NO_ERROR && !w->failed)
        werror(w, "écriture de la cellule impossible : %s", lxw_strerror(e));
}

/* A number cell, except for a real that a number cell would not bring back as a real: a whole one (5.0, 1e14
 * would come back as the integers 5 and 100000000000000), or one whose shortest form has 17 digits (a number
 * cell keeps 16). Those are written as text, as JSON writes them ("5.0"), and the reader keeps the text's
 * realness (read_num). */
static void wnum(writer *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const json_t *v)
{
    double d = json_number_value(v);
    if (json_is_real(v)) {
        char buf[40];
        snprintf(buf, sizeof buf, "%.16g", d);
        if (d == floor(d) || strtod(buf, NULL) != d) {
            snprintf(buf, sizeof buf, "%.17g", d);
            /* "%.17g" is exact for a finite double; ".0" marks a whole one as real, as JSON writes it */
            if (strspn(buf, "-0123456789") == strlen(buf))
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ".0");
            wstr(w, ws, row, col, buf);
            return;
        }
    }
    lxw_error e = worksheet_write_number(ws, row, col, d, NULL);
    if (e != LXW_NO_ERROR && !w->failed)
        werror(w, "écriture de la cellule impossible : %s", lxw_strerror(e));
}

/* Writes a number or a string value (min, max, max_length...) as the cell type it is. */
static void wvalue(writer *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const json_t *v)
{
    if (json_is_number(v))
        wnum(w, ws, row, col, v);
    else if (json_is_string(v))
        wstr(w, ws, row, col, json_string_value(v));
    else if (json_is_boolean(v))
        wstr(w, ws, row, col, json_is_true(v) ? "yes" : "no");
    else if (v != NULL)
        werror(w, "valeur inattendue dans le document (ni nombre, ni texte, ni booléen)");
}

/* Writes language map text in the survey columns base::lang. */
static void wtext_survey(writer *w, lxw_row_t row, const char *base, const json_t *text)
{
    for (size_t i = 0; i < w->nlangs; i++) {
        const json_t *t = json_object_get(text, w->langs[i]);
        if (json_is_string(t))
            wstr(w, w->survey, row, scol(w, base, w->langs[i]), json_string_value(t));
    }
}

/* Writes language map text in the choices sheet, from column first (one column per choice language). */
static void wtext_choices(writer *w, lxw_row_t row, size_t first, const char **langs, size_t nlangs,
                          const json_t *text)
{
    for (size_t i = 0; i < nlangs; i++) {
        const json_t *t = json_object_get(text, langs[i]);
        if (json_is_string(t))
            wstr(w, w->choices, row, (lxw_col_t)(first + i), json_string_value(t));
    }
}

/* Refuses a key the workbook has no column for: the survey language may grow a key before this mapping does,
 * and a key dropped on the way out would be lost on the way back. what names the object in the message. */
static void check_keys(writer *w, const json_t *o, const char *const *known, const char *what)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool ok = false;
        for (size_t i = 0; known[i] && !ok; i++)
            ok = strcmp(known[i], k) == 0;
        if (!ok)
            werror(w, "%s : la clé « %s » n'a pas de colonne dans le classeur", what, k);
    }
}

static const char *const choice_keys[] = {"code", "paper", "label", "exclusive", NULL};

/* Writes the items of list (choices or rows) under list_name. */
static void write_list(writer *w, const char *name, const json_t *list)
{
    size_t i;
    const json_t *c;
    json_array_foreach(list, i, c) {
        lxw_row_t row = ++w->crow;
        char what[192];
        snprintf(what, sizeof what, "liste %s, choix %zu", name, i + 1);
        check_keys(w, c, choice_keys, what);
        wstr(w, w->choices, row, 0, name);
        wvalue(w, w->choices, row, 1, json_object_get(c, "code"));
        wtext_choices(w, row, 2, w->clangs, w->nclangs, json_object_get(c, "label"));
        wvalue(w, w->choices, row, (lxw_col_t)w->ccol_paper, json_object_get(c, "paper"));
        if (json_is_true(json_object_get(c, "exclusive")))
            wstr(w, w->choices, row, (lxw_col_t)w->ccol_exclusive, "yes");
    }
}

/* The scale labels of question id, as a list "ID_labels" whose names are the scale points. */
static void write_scale_labels(writer *w, const char *name, const json_t *labels)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)labels, k, v) {
        lxw_row_t row = ++w->crow;
        wstr(w, w->choices, row, 0, name);
        wstr(w, w->choices, row, 1, k);
        wtext_choices(w, row, 2, w->clangs, w->nclangs, v);
    }
}

static void write_offer(writer *w)
{
    static const char *const known[] = {"code", "paper", "kind", "label", "label_pro", NULL};
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(w->offer, "services"), i, s) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)s, k, v) {
            bool ok = false;
            for (size_t j = 0; known[j]; j++)
                ok |= strcmp(known[j], k) == 0;
            if (!ok)
                werror(w, "offer.json : clé « %s » du service %zu sans colonne dans le classeur", k, i + 1);
        }
        lxw_row_t row = ++w->crow;
        wstr(w, w->choices, row, 0, OFFER_LIST_NAME);
        wvalue(w, w->choices, row, 1, json_object_get(s, "code"));
        wtext_choices(w, row, 2, w->clangs, w->nclangs, json_object_get(s, "label"));
        wvalue(w, w->choices, row, (lxw_col_t)w->ccol_paper, json_object_get(s, "paper"));
        wvalue(w, w->choices, row, (lxw_col_t)w->ccol_kind, json_object_get(s, "kind"));
        wtext_choices(w, row, w->ccol_pro, w->plangs, w->nplangs, json_object_get(s, "label_pro"));
    }
}

/* Into out, the list_name for the own list of question qid (suffix "", "_rows" or "_labels") that no list has
 * yet: ID, else ID-2, ID-3... (xlsf_own_list_name). Two lists under one name would be read back as one list, in
 * both questions. The name is taken. */
static void own_list(writer *w, const char *qid, const char *suffix, char *out, size_t size)
{
    snprintf(out, size, "%s%s", qid, suffix);
    for (unsigned n = 2; json_object_get(w->list_names, out) != NULL; n++)
        snprintf(out, size, "%s%s-%u", qid, suffix, n);
    json_object_set_new(w->list_names, out, json_true());
}

/* The list_name a question's choices or rows (key) are written under: a named list or "offre" keeps its name,
 * an inline list is written now under its own name (own_list). */
static void list_ref(writer *w, const char *qid, const char *key, const json_t *v, char *out, size_t size)
{
    if (json_is_string(v)) {
        snprintf(out, size, "%s", json_string_value(v));
        return;
    }
    own_list(w, qid, strcmp(key, "rows") == 0 ? "_rows" : "", out, size);
    write_list(w, out, v);
}

static void write_question(writer *w, const json_t *q)
{
    const char *id = json_string_value(json_object_get(q, "id"));
    const char *type = json_string_value(json_object_get(q, "type"));
    lxw_row_t row = ++w->srow;
    char list[128], rows[128], t[192];
    if (id == NULL || type == NULL) {
        werror(w, "question sans « id » ou « type » : le document n'a pas été vérifié");
        return;
    }
    static const char *const keys[] = {"id", "type", "label", "hint", "relevant", "required", "constraint",
                                       "constraint_message", "choices", "rows", "row_labels", "min", "max",
                                       "labels", "max_length", "max_selected", "multiple", "calculation", NULL};
    char what[160];
    snprintf(what, sizeof what, "question %s", id);
    check_keys(w, q, keys, what);
    const json_t *choices = json_object_get(q, "choices");
    if (strcmp(type, "single") == 0 || strcmp(type, "multiple") == 0) {
        list_ref(w, id, "choices", choices, list, sizeof list);
        snprintf(t, sizeof t, "%s %s", type[0] == 's' ? "select_one" : "select_multiple", list);
    } else if (strcmp(type, "grid") == 0) {
        /* rows first: the rows of a grid read first in the choices sheet, as on the page */
        list_ref(w, id, "rows", json_object_get(q, "rows"), rows, sizeof rows);
        wstr(w, w->survey, row, scol(w, "rows", NULL), rows);
        list_ref(w, id, "choices", choices, list, sizeof list);
        snprintf(t, sizeof t, "grid %s", list);
    } else if (strcmp(type, "territory") == 0) {
        if (choices != NULL) {
            list_ref(w, id, "choices", choices, list, sizeof list);
            snprintf(t, sizeof t, "territory %s", list);
        } else {
            snprintf(t, sizeof t, "territory");
        }
    } else if (strcmp(type, "calculate") == 0) {
        /* XLSForm's own type and column; the choices that label its codes, ours, follow as for territory */
        if (choices != NULL) {
            list_ref(w, id, "choices", choices, list, sizeof list);
            snprintf(t, sizeof t, "calculate %s", list);
        } else {
            snprintf(t, sizeof t, "calculate");
        }
        wvalue(w, w->survey, row, scol(w, "calculation", NULL), json_object_get(q, "calculation"));
    } else if (strcmp(type, "scale") == 0) {
        snprintf(t, sizeof t, "range");
    } else if (strcmp(type, "long_text") == 0) {
        snprintf(t, sizeof t, "text");
        wstr(w, w->survey, row, scol(w, "appearance", NULL), "multiline");
    } else {
        snprintf(t, sizeof t, "%s", type);
    }
    wstr(w, w->survey, row, scol(w, "type", NULL), t);
    wstr(w, w->survey, row, scol(w, "name", NULL), id);
    wtext_survey(w, row, "label", json_object_get(q, "label"));
    wtext_survey(w, row, "hint", json_object_get(q, "hint"));
    wtext_survey(w, row, "constraint_message", json_object_get(q, "constraint_message"));
    static const char *const plain[] = {"required", "relevant", "constraint", "max_length", "max_selected",
                                        "multiple", "row_labels", NULL};
    for (size_t i = 0; plain[i]; i++)
        wvalue(w, w->survey, row, scol(w, plain[i], NULL), json_object_get(q, plain[i]));
    const json_t *min = json_object_get(q, "min"), *max = json_object_get(q, "max");
    if (strcmp(type, "scale") == 0) {
        char p[96];
        snprintf(p, sizeof p, "start=%" JSON_INTEGER_FORMAT " end=%" JSON_INTEGER_FORMAT " step=1",
                 json_integer_value(min), json_integer_value(max));
        if (!json_is_integer(min) || !json_is_integer(max))
            werror(w, "question %s : une échelle a des bornes entières (min, max)", id);
        wstr(w, w->survey, row, scol(w, "parameters", NULL), p);
        const json_t *labels = json_object_get(q, "labels");
        if (labels != NULL) {
            own_list(w, id, "_labels", list, sizeof list);
            wstr(w, w->survey, row, scol(w, "labels", NULL), list);
            write_scale_labels(w, list, labels);
        }
    } else {
        wvalue(w, w->survey, row, scol(w, "min", NULL), min);
        wvalue(w, w->survey, row, scol(w, "max", NULL), max);
    }
}

static void write_sections(writer *w)
{
    size_t i;
    const json_t *s;
    static const char *const keys[] = {"id", "title", "intro", "relevant", "questions", NULL};
    json_array_foreach(json_object_get(w->doc, "sections"), i, s) {
        char what[64];
        snprintf(what, sizeof what, "section %zu", i + 1);
        check_keys(w, s, keys, what);
        lxw_row_t row = ++w->srow;
        wstr(w, w->survey, row, scol(w, "type", NULL), "begin_group");
        wvalue(w, w->survey, row, scol(w, "name", NULL), json_object_get(s, "id"));
        wtext_survey(w, row, "label", json_object_get(s, "title"));
        wtext_survey(w, row, "hint", json_object_get(s, "intro"));
        wvalue(w, w->survey, row, scol(w, "relevant", NULL), json_object_get(s, "relevant"));
        size_t j;
        const json_t *q;
        json_array_foreach(json_object_get(s, "questions"), j, q)
            write_question(w, q);
        wstr(w, w->survey, ++w->srow, scol(w, "type", NULL), "end_group");
    }
}

static void write_settings(writer *w)
{
    static const char *const heads[] = {"form_id", "version", "default_language", "languages"};
    lxw_col_t c = 0;
    char h[128], langs[MAX_LANGS * 4 + 1] = "";
    for (size_t i = 0; i < 4; i++)
        worksheet_write_string(w->settings, 0, c++, heads[i], w->bold);
    wvalue(w, w->settings, 1, 0, json_object_get(w->doc, "id"));
    wvalue(w, w->settings, 1, 1, json_object_get(w->doc, "version"));
    xlsf_lang_header(h, sizeof h, "x", "fr");
    wstr(w, w->settings, 1, 2, h + 3); /* "Français (fr)", as the label columns say it */
    for (size_t i = 0; i < w->nlangs; i++) {
        strcat(langs, i ? " " : "");
        strcat(langs, w->langs[i]);
    }
    wstr(w, w->settings, 1, 3, langs);
    static const char *const texts[][2] = {{"form_title", "title"}, {"notice", "notice"}};
    for (size_t k = 0; k < 2; k++) {
        const json_t *t = json_object_get(w->doc, texts[k][1]);
        if (t == NULL && k == 1)
            continue;
        for (size_t i = 0; i < w->nlangs; i++) {
            xlsf_lang_header(h, sizeof h, texts[k][0], w->langs[i]);
            worksheet_write_string(w->settings, 0, c, h, w->bold);
            const json_t *v = json_object_get(t, w->langs[i]);
            if (json_is_string(v))
                wstr(w, w->settings, 1, c, json_string_value(v));
            c++;
        }
    }
}

/* Warns about a named list that the reader will take for an inline one: used by one question only (as its
 * choices, or rows) and named as that question's own list would be (xlsf_own_list_name). */
static void warn_ambiguous_lists(writer *w)
{
    const char *name;
    const json_t *list;
    json_object_foreach(json_object_get(w->doc, "choice_lists"), name, list) {
        size_t uses = 0, i, j;
        bool same = false;
        const json_t *s, *q;
        json_array_foreach(json_object_get(w->doc, "sections"), i, s)
            json_array_foreach(json_object_get(s, "questions"), j, q) {
                const char *id = json_string_value(json_object_get(q, "id"));
                const char *c = json_string_value(json_object_get(q, "choices"));
                const char *r = json_string_value(json_object_get(q, "rows"));
                if (c && strcmp(c, name) == 0)
                    uses++, same |= id && xlsf_own_list_name(id, "", name);
                if (r && strcmp(r, name) == 0)
                    uses++, same |= id && xlsf_own_list_name(id, "_rows", name);
            }
        if (uses == 1 && same)
            diag_add(w->diags, true, w->file, "choices",
                     "la liste « %s » porte le nom que prendrait la liste propre de sa seule question : "
                     "relue, elle sera écrite dans la question (renommez-la pour la garder partagée)", name);
    }
}

/* Whether the document has a computed answer: only then has the workbook a calculation column, so that the
 * workbooks of other forms stay as they were. */
static bool has_calculate(const json_t *doc)
{
    size_t i, j;
    const json_t *sec, *q;
    json_array_foreach(json_object_get(doc, "sections"), i, sec)
        json_array_foreach(json_object_get(sec, "questions"), j, q) {
            const char *t = json_string_value(json_object_get(q, "type"));
            if (t != NULL && strcmp(t, "calculate") == 0)
                return true;
        }
    return false;
}

static void writer_columns(writer *w)
{
    add_scol(w, "type", false);
    add_scol(w, "name", false);
    add_scol(w, "label", true);
    add_scol(w, "hint", true);
    add_scol(w, "required", false);
    add_scol(w, "relevant", false);
    add_scol(w, "constraint", false);
    add_scol(w, "constraint_message", true);
    add_scol(w, "appearance", false);
    static const char *const extra[] = {"parameters", "min", "max", "max_length", "max_selected", "multiple",
                                        "rows", "row_labels", "labels"};
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
        add_scol(w, extra[i], false);
    if (has_calculate(w->doc))
        add_scol(w, "calculation", false);
}

static void write_headers(writer *w, bool with_offer)
{
    char h[128];
    for (size_t i = 0; i < w->nscols; i++) {
        if (w->scols[i].lang)
            xlsf_lang_header(h, sizeof h, w->scols[i].base, w->scols[i].lang);
        else
            snprintf(h, sizeof h, "%s", w->scols[i].base);
        worksheet_write_string(w->survey, 0, (lxw_col_t)i, h, w->bold);
    }
    worksheet_write_string(w->choices, 0, 0, "list_name", w->bold);
    worksheet_write_string(w->choices, 0, 1, "name", w->bold);
    for (size_t i = 0; i < w->nclangs; i++) {
        xlsf_lang_header(h, sizeof h, "label", w->clangs[i]);
        worksheet_write_string(w->choices, 0, (lxw_col_t)(2 + i), h, w->bold);
    }
    w->ccol_paper = 2 + w->nclangs;
    w->ccol_exclusive = w->ccol_paper + 1;
    worksheet_write_string(w->choices, 0, (lxw_col_t)w->ccol_paper, "paper", w->bold);
    worksheet_write_string(w->choices, 0, (lxw_col_t)w->ccol_exclusive, "exclusive", w->bold);
    if (with_offer) {
        w->ccol_kind = w->ccol_exclusive + 1;
        w->ccol_pro = w->ccol_kind + 1;
        worksheet_write_string(w->choices, 0, (lxw_col_t)w->ccol_kind, "kind", w->bold);
        for (size_t i = 0; i < w->nplangs; i++) {
            xlsf_lang_header(h, sizeof h, "label_pro", w->plangs[i]);
            worksheet_write_string(w->choices, 0, (lxw_col_t)(w->ccol_pro + i), h, w->bold);
        }
    }
    worksheet_freeze_panes(w->survey, 1, 2);
    worksheet_freeze_panes(w->choices, 1, 2);
    worksheet_set_column(w->survey, 0, 1, 18, NULL);
    worksheet_set_column(w->survey, 2, (lxw_col_t)(1 + 2 * w->nlangs), 40, NULL);
    worksheet_set_column(w->choices, 0, 1, 16, NULL);
    worksheet_set_column(w->choices, 2, (lxw_col_t)(1 + w->nclangs), 30, NULL);
}

/* Collects the languages: the form's, then those of the offer's labels and professional labels. */
static bool writer_langs(writer *w, bool with_offer)
{
    size_t i;
    const json_t *l;
    json_array_foreach(json_object_get(w->doc, "languages"), i, l) {
        if (!json_is_string(l) || w->nlangs == MAX_LANGS) {
            werror(w, "« languages » : au plus %d codes de langue attendus", MAX_LANGS);
            return false;
        }
        w->langs[w->nlangs++] = json_string_value(l);
        add_lang(w->clangs, &w->nclangs, 2 * MAX_LANGS, json_string_value(l));
    }
    if (!with_offer)
        return true;
    const json_t *s;
    json_array_foreach(json_object_get(w->offer, "services"), i, s) {
        const char *k;
        const json_t *v;
        json_object_foreach(json_object_get(s, "label"), k, v)
            add_lang(w->clangs, &w->nclangs, 2 * MAX_LANGS, k);
        json_object_foreach(json_object_get(s, "label_pro"), k, v)
            add_lang(w->plangs, &w->nplangs, 2 * MAX_LANGS, k);
    }
    return true;
}

bool xlsform_write(const json_t *doc, const json_t *offer_doc, const char *path, diag_list *diags)
{
    writer w = {.doc = doc, .offer = offer_doc, .file = path, .diags = diags};
    char err[512];
    bool offered = offer_used_by(doc);
    outfile *out = NULL;
    if (offered && !json_is_array(json_object_get(offer_doc, "services"))) {
        werror(&w, "le formulaire utilise la liste partagée « offre » mais offer.json manque ou n'a pas de "
                   "« services »");
        return false;
    }
    if (!writer_langs(&w, offered))
        return false;
    out = outfile_open(path, err, sizeof err);
    if (out == NULL) {
        werror(&w, "%s", err);
        return false;
    }
    lxw_workbook_options opts = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    w.wb = workbook_new_opt(outfile_temp_path(out), &opts);
    if (w.wb == NULL) {
        werror(&w, "classeur impossible à créer");
        goto fail;
    }
    w.survey = workbook_add_worksheet(w.wb, "survey");
    w.choices = workbook_add_worksheet(w.wb, "choices");
    w.settings = workbook_add_worksheet(w.wb, "settings");
    w.bold = workbook_add_format(w.wb);
    format_set_bold(w.bold);
    w.list_names = json_object();
    static const char *const keys[] = {"id", "version", "languages", "title", "notice", "choice_lists", "sections",
                                       NULL};
    check_keys(&w, doc, keys, "formulaire");
    writer_columns(&w);
    write_headers(&w, offered);
    warn_ambiguous_lists(&w);
    const char *name;
    const json_t *list;
    json_object_set_new(w.list_names, OFFER_LIST_NAME, json_true());
    json_object_foreach(json_object_get(doc, "choice_lists"), name, list)
        json_object_set_new(w.list_names, name, json_true());
    json_object_foreach(json_object_get(doc, "choice_lists"), name, list)
        write_list(&w, name, list);
    write_sections(&w);
    if (offered)
        write_offer(&w);
    write_settings(&w);
    lxw_error e = workbook_close(w.wb);
    w.wb = NULL;
    if (e != LXW_NO_ERROR && !w.failed)
        werror(&w, "classeur impossible à écrire : %s", lxw_strerror(e));
    if (w.failed)
        goto fail;
    json_decref(w.list_names);
    if (outfile_commit(out, err, sizeof err) != 0) {
        werror(&w, "%s", err);
        return false;
    }
    return true;
fail:
    json_decref(w.list_names);
    if (w.wb != NULL)
        workbook_close(w.wb);
    outfile_discard(out);
    return false;
}
