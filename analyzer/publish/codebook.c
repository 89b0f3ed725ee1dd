/* codebook.c -- the dictionary of a form's exported variables, as CSV and HTML (see codebook.h). */
#include "codebook.h"

#include <string.h>

#include "csv.h"
#include "extract.h"
#include "flat.h"
#include "frfmt.h"
#include "util.h"

const char *cb_type_name(form_qtype t)
{
    switch (t) {
    case FQ_SINGLE: return "choix unique";
    case FQ_MULTIPLE: return "choix multiple";
    case FQ_INTEGER: return "nombre entier";
    case FQ_DECIMAL: return "nombre décimal";
    case FQ_TEXT: return "texte court";
    case FQ_LONG_TEXT: return "texte long";
    case FQ_DATE: return "date";
    case FQ_SCALE: return "échelle";
    case FQ_GRID: return "grille";
    case FQ_TERRITORY: return "territoire";
    case FQ_NOTE: return "texte à lire";
    }
    return "";
}

const char *cb_kind_name(ind_kind k)
{
    switch (k) {
    case IND_PROPORTION: return "proportion";
    case IND_DISTRIBUTION: return "répartition";
    case IND_MEAN: return "moyenne";
    case IND_RATIO: return "rapport";
    }
    return "";
}

/* What a column is, in French: the question's type, "case à cocher (0 ou 1)" for a choice of a multiple question. */
static const char *col_type(const flat_col *c)
{
    switch (c->kind) {
    case FLAT_META: return "information sur la réponse";
    case FLAT_ROW: return "ligne de grille";
    case FLAT_CHOICE: return "case à cocher (0 ou 1)";
    case FLAT_WEIGHT: return "poids";
    case FLAT_SCORE: return "score";
    case FLAT_VALUE: return cb_type_name(c->q->type);
    }
    return "";
}

/* The raw expressions of indicator i, "clé : source" joined by " ; ", for the technical annex and the CSV. */
static void expressions(const ind_set *defs, size_t i, sbuf *b)
{
    static const char *const keys[] = {"denominator", "among", "numerator", "value"};
    static const char *const names[] = {"dénominateur", "parmi", "numérateur", "valeur"};
    const ind_def *def = ind_at(defs, i);
    for (size_t k = 0; k < 4; k++) {
        const char *src = ind_source(defs, i, keys[k]);
        if (src)
            sbuf_addf(b, "%s%s : %s", b->len ? " ; " : "", names[k], src);
    }
    if (def->question)
        sbuf_addf(b, "%sitem : %s", b->len ? " ; " : "", def->question);
    if (def->score) {
        char num[32];
        sbuf_addf(b, "%sscore : %s", b->len ? " ; " : "", def->score->id);
        if (def->kind == IND_PROPORTION)
            sbuf_addf(b, " ≥ %s", fr_num(num, sizeof num, def->threshold, 2));
    }
}

/* The text of a language map in exactly that language ("" when it has none: no French fallback here). */
static const char *text_in(const json_t *map, const char *lang)
{
    const char *s = json_string_value(json_object_get(map, lang));
    return s ? s : "";
}

/* The row or choice a column stands for (NULL for a whole question, the metadata, a territory). */
static const form_choice *item_of(const flat_col *col)
{
    if (col->kind == FLAT_ROW)
        return form_choice_by_code(col->q, col->code, true);
    if (col->kind == FLAT_CHOICE)
        return form_choice_by_code(col->q, col->code, false);
    return NULL;
}

/* The territory a column of a multiple territory question stands for (NULL for any other column). */
static const terr *terr_of(const flat_layout *l, const flat_col *col)
{
    if (col->kind != FLAT_CHOICE || l->ts == NULL || item_of(col) != NULL)
        return NULL;
    return terr_find(l->ts, col->code);
}

/* A territory's name in exactly lang ("" when it has none; its French name for "fr"). */
static const char *terr_text(const terr *t, const char *lang)
{
    const char *s = json_string_value(json_object_get(t->names, lang));
    return s ? s : strcmp(lang, "fr") == 0 ? t->name : "";
}

static void field(FILE *f, const char *s, bool first)
{
    if (!first)
        fputc(',', f);
    csv_put(f, s ? s : "");
}

int cb_write_csv(const catalog *c, const char *form_id, const ind_set *defs, FILE *out)
{
    const form *cur = catalog_current(c, form_id);
    flat_layout *l = flat_layout_new(c, form_id, defs, true);
    if (cur == NULL || l == NULL) {
        flat_layout_free(l);
        return -1;
    }
    fputs("nature,variable,question,code,numero_papier,valeur,valeur_stata,libelle,type,section", out);
    for (size_t k = 0; k < cur->nlanguages; k++)
        fprintf(out, ",texte_%s", cur->languages[k]);
    fputs(",condition_expression,definition,expression\n", out);
    sbuf label = {0};
    ext_value values[FORM_MAX_CHOICES + 2];
    for (size_t i = 0; i < l->count; i++) {
        const flat_col *col = &l->cols[i];
        const form_question *q = col->q;
        sbuf_reset(&label);
        flat_label(col, &label);
        field(out, "variable", true);
        field(out, col->name, false);
        field(out, q ? q->id : "", false);
        field(out, col->code, false);
        const form_choice *item = item_of(col);
        const terr *t = terr_of(l, col);
        char paper[16] = "";
        if (item && item->paper > 0)
            snprintf(paper, sizeof paper, "%d", item->paper);
        else if (t && t->paper > 0)
            snprintf(paper, sizeof paper, "%d", t->paper);
        field(out, paper, false);
        field(out, "", false);
        field(out, "", false);
        field(out, label.data, false);
        field(out, col_type(col), false);
        field(out, q ? q->owner->sections[q->section].id : "", false);
        /* the wording in each language: the question's, or the row's, choice's or territory's for a column of one */
        const json_t *words = item ? item->label : q ? q->label : NULL;
        for (size_t k = 0; k < cur->nlanguages; k++)
            field(out, t ? terr_text(t, cur->languages[k]) : text_in(words, cur->languages[k]), false);
        field(out, q ? q->relevant_src : "", false);
        field(out, "", false);
        field(out, "", false);
        fputc('\n', out);
        size_t nv = ext_values(col, values);
        for (size_t v = 0; v < nv; v++) {
            char num[16], tag[4] = "";
            snprintf(num, sizeof num, "%d", values[v].number);
            if (values[v].tag)
                snprintf(tag, sizeof tag, ".%c", values[v].tag);
            field(out, "valeur", true);
            field(out, col->name, false);
            field(out, q ? q->id : "", false);
            field(out, values[v].code, false);
            field(out, num, false);
            field(out, num, false);
            field(out, tag[0] ? tag : num, false);
            field(out, values[v].label, false);
            field(out, "", false);
            field(out, "", false);
            const form_choice *ch = q && col->type == FLAT_T_CODED ? form_choice_by_code(q, values[v].code, false)
                                    : q && values[v].tag ? form_choice_by_code(q, values[v].code, false)
                                                          : NULL;
            for (size_t k = 0; k < cur->nlanguages; k++)
                field(out, ch ? text_in(ch->label, cur->languages[k]) : "", false);
            for (size_t k = 0; k < 3; k++)
                field(out, "", false);
            fputc('\n', out);
        }
    }
    for (size_t i = 0; defs && i < ind_count(defs); i++) {
        const ind_def *def = ind_at(defs, i);
        sbuf e = {0};
        expressions(defs, i, &e);
        field(out, "indicateur", true);
        field(out, def->id, false);
        field(out, def->question ? def->question : "", false);
        for (size_t k = 0; k < 4; k++)
            field(out, "", false);
        field(out, form_text(def->label, "fr"), false);
        field(out, cb_kind_name(def->kind), false);
        field(out, def->theme, false);
        for (size_t k = 0; k < cur->nlanguages; k++)
            field(out, text_in(def->label, cur->languages[k]), false);
        field(out, "", false);
        field(out, form_text(def->definition, "fr"), false);
        field(out, e.data ? e.data : "", false);
        fputc('\n', out);
        sbuf_free(&e);
    }
    sbuf_free(&label);
    flat_layout_free(l);
    return ferror(out) ? -1 : 0;
}

/* ------------------------------------------------------------------ HTML */

/* The page is written here, not through doc.h, whose texts are plain: identifiers go in <code> and each translation
 * carries its language (lang, dir), so that a screen reader, a translator and the check of the words a reader sees
 * (tests/blackbox/words.sh) know which text is French. Laid out for A4 portrait with 15 mm margins: fixed-width
 * columns whose long words wrap, translations listed under the French text rather than in extra columns. */

static void esc(FILE *f, const char *s)
{
    util_html_fputs(f, s);
}

static void code(FILE *f, const char *s)
{
    fputs("<code>", f);
    esc(f, s);
    fputs("</code>", f);
}

static bool is_rtl(const char *lang)
{
    return strcmp(lang, "ar") == 0 || strcmp(lang, "he") == 0 || strcmp(lang, "fa") == 0 || strcmp(lang, "ur") == 0;
}

/* The French name of a language code ("arabe"), or the code itself. */
static const char *lang_name(const char *lang)
{
    static const char *const names[][2] = {{"fr", "français"}, {"ar", "arabe"},  {"en", "anglais"}, {"tr", "turc"},
                                           {"es", "espagnol"}, {"pt", "portugais"}, {"de", "allemand"},
                                           {"it", "italien"}, {"ro", "roumain"}, {"ru", "russe"}, {"zh", "chinois"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(lang, names[i][0]) == 0)
            return names[i][1];
    return lang;
}

/* The wording of a text (and of an item of it, a grid row or a choice: "question — item") in every language of the
 * form but French, one list item each marked with its language; nothing when there is no translation. */
static void translations(FILE *f, const form *cur, const json_t *text, const json_t *item)
{
    bool open = false;
    for (size_t k = 0; k < cur->nlanguages; k++) {
        const char *l = cur->languages[k];
        const char *t = text_in(text, l), *it = item ? text_in(item, l) : "";
        if (strcmp(l, "fr") == 0 || (!*t && !*it))
            continue;
        if (!open)
            fputs("<ul class=\"trad\">", f);
        open = true;
        fprintf(f, "<li lang=\"%s\"%s>", l, is_rtl(l) ? " dir=\"rtl\"" : "");
        esc(f, t);
        if (*t && *it)
            fputs(" — ", f);
        esc(f, it);
        fputs("</li>", f);
    }
    if (open)
        fputs("</ul>", f);
}

/* The labelled values of a column: "8 = Je ne sais pas (nsp, valeur manquante)", each choice's translations under
 * it. */
static void values_html(FILE *f, const form *cur, const flat_col *col)
{
    ext_value values[FORM_MAX_CHOICES + 2];
    size_t nv = ext_values(col, values);
    if (nv == 0)
        return;
    fputs("<ul class=\"val\">", f);
    for (size_t v = 0; v < nv; v++) {
        char num[FR_BUF];
        fputs("<li>", f);
        code(f, fr_int(num, sizeof num, values[v].number));
        fputs(" = ", f);
        esc(f, values[v].label);
        fputs(" (", f);
        code(f, values[v].code);
        fputs(values[v].tag ? ", valeur manquante)" : ")", f);
        const form_choice *ch = NULL;
        if (col->q && (col->type == FLAT_T_CODED || values[v].tag))
            ch = form_choice_by_code(col->q, values[v].code, false);
        if (ch)
            translations(f, cur, ch->label, NULL);
        fputs("</li>", f);
    }
    fputs("</ul>", f);
}

/* A table's start: its columns' widths (percent of the 180 mm of the page) and headers. */
static void table_head(FILE *f, size_t n, const char *const *headers, const int *widths)
{
    fputs("<table><colgroup>", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "<col style=\"width:%d%%\">", widths[i]);
    fputs("</colgroup><thead><tr>", f);
    for (size_t i = 0; i < n; i++) {
        fputs("<th scope=\"col\">", f);
        esc(f, headers[i]);
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
}

static const char cb_style[] =
    "@page{size:A4;margin:15mm}"
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10pt;line-height:1.35;color:#1a1a1a;max-width:180mm;"
    "margin:0 auto}"
    "h1{font-size:16pt;color:#123d6b;border-bottom:2px solid #123d6b;padding-bottom:2mm;margin-top:0}"
    "h2{font-size:12.5pt;color:#123d6b;margin:6mm 0 2mm;break-after:avoid}p{margin:1.5mm 0}"
    "table{border-collapse:collapse;table-layout:fixed;width:100%;margin:2mm 0 3mm;font-size:8.5pt}"
    "th,td{border:1px solid #b8c4d0;padding:1mm 1.5mm;vertical-align:top;text-align:left;overflow-wrap:anywhere}"
    "thead th{background:#e8eef5}thead{display:table-header-group}tr{break-inside:avoid}"
    "code{font-family:'DejaVu Sans Mono',monospace;font-size:92%}"
    "ul{margin:0;padding:0;list-style:none}ul.val>li{margin-bottom:0.8mm}"
    "ul.trad{color:#3d4a57;font-size:95%;margin-top:0.5mm}"
    "ul.trad li::before{content:attr(lang) \" · \";color:#6b7785;font-size:85%}"
    "ul.trad li[dir=rtl]{text-align:right}.whole{color:#3d4a57;font-size:95%}"
    "@media screen{body{padding:8mm}}";

int cb_write_html(const catalog *c, const char *form_id, const ind_set *defs, FILE *out)
{
    const form *f = catalog_current(c, form_id);
    flat_layout *l = flat_layout_new(c, form_id, defs, true);
    if (f == NULL || l == NULL) {
        flat_layout_free(l);
        return -1;
    }
    char title[256];
    snprintf(title, sizeof title, "Dictionnaire des variables — %s, version %s", f->id, f->version);
    fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
          "<title>",
          out);
    esc(out, title);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", cb_style);
    esc(out, title);
    fputs("</h1>\n<p>Chaque colonne des exports (CSV du collecteur, <code>analyzer export</code> : CSV, Excel, Stata, "
          "SPSS, R, classeur) porte le nom de variable ci-dessous. Les libellés et les valeurs sont ceux des fichiers "
          "Stata et SPSS. « Ne sait pas » et « refus » y sont des valeurs manquantes étiquetées (.a et .b dans Stata, "
          "valeurs manquantes déclarées dans SPSS) ; une case vide est une question non posée ou sans réponse. Les "
          "textes libres ne sont exportés qu'avec <code>--include-text</code>.</p>\n",
          out);
    if (f->nlanguages > 1) {
        fputs("<p>Sous le libellé français, le texte de la question dans les autres langues du questionnaire : ", out);
        bool first = true;
        for (size_t k = 0; k < f->nlanguages; k++)
            if (strcmp(f->languages[k], "fr") != 0) {
                fprintf(out, "%s%s (%s)", first ? "" : ", ", lang_name(f->languages[k]), f->languages[k]);
                first = false;
            }
        fputs(".</p>\n", out);
    }
    static const char *const headers[] = {"Variable", "Libellé", "Nature", "Valeurs"};
    static const int widths[] = {18, 36, 13, 33};
    sbuf label = {0};
    size_t section = (size_t)-1;
    bool open = false;
    for (size_t i = 0; i < l->count; i++) {
        const flat_col *col = &l->cols[i];
        /* a heading where the section changes: the metadata, each section of the form, the weight and scores */
        size_t s = col->kind == FLAT_META ? (size_t)-2
                   : col->q                ? col->q->section + (col->q->owner == f ? 0 : 100000)
                                           : (size_t)-3;
        if (s != section || !open) {
            if (open)
                fputs("</tbody></table>\n", out);
            fputs("<h2>", out);
            if (col->kind == FLAT_META)
                fputs("Informations sur la réponse", out);
            else if (col->q && col->q->owner == f)
                esc(out, form_text(f->sections[col->q->section].title, "fr"));
            else if (col->q)
                fputs("Questions des versions précédentes", out);
            else
                fputs("Poids et scores", out);
            fputs("</h2>\n", out);
            table_head(out, 4, headers, widths);
            section = s;
            open = true;
        }
        sbuf_reset(&label);
        flat_label(col, &label);
        fputs("<tr><th scope=\"row\">", out);
        code(out, col->name);
        fputs("</th><td>", out);
        esc(out, label.data ? label.data : "");
        if (col->q) {
            const form_choice *item = item_of(col);
            const terr *t = terr_of(l, col);
            /* a label cut to Stata's 80 characters: the whole French wording under it */
            sbuf whole = {0};
            sbuf_adds(&whole, form_text(col->q->label, "fr"));
            if (col->kind == FLAT_ROW || col->kind == FLAT_CHOICE)
                sbuf_addf(&whole, " — %s", col->code_label ? col->code_label : col->code);
            if (whole.data && strcmp(label.data ? label.data : "", whole.data) != 0) {
                fputs("<div class=\"whole\">", out);
                esc(out, whole.data);
                fputs("</div>", out);
            }
            sbuf_free(&whole);
            translations(out, f, col->q->label, item ? item->label : t ? t->names : NULL);
        }
        fputs("</td><td>", out);
        esc(out, col_type(col));
        /* the question a column comes from, so that every question id of the form appears in the dictionary */
        if (col->q) {
            fputs(" (question ", out);
            code(out, col->q->id);
            fputs(")", out);
        }
        fputs("</td><td>", out);
        values_html(out, f, col);
        fputs("</td></tr>\n", out);
    }
    if (open)
        fputs("</tbody></table>\n", out);
    if (defs) {
        fputs("<h2>Indicateurs</h2>\n", out);
        static const char *const ih[] = {"Indicateur", "Nature", "Définition"};
        static const int iw[] = {35, 13, 52};
        table_head(out, 3, ih, iw);
        for (size_t i = 0; i < ind_count(defs); i++) {
            const ind_def *def = ind_at(defs, i);
            fputs("<tr><th scope=\"row\">", out);
            esc(out, form_text(def->label, "fr"));
            fputs("<br>", out);
            code(out, def->id);
            translations(out, f, def->label, NULL);
            fputs("</th><td>", out);
            esc(out, cb_kind_name(def->kind));
            fputs("</td><td>", out);
            esc(out, form_text(def->definition, "fr"));
            translations(out, f, def->definition, NULL);
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody></table>\n", out);
    }
    fputs("<h2 id=\"annexe-technique\">Annexe technique</h2>\n<p>Les conditions d'affichage des questions et les "
          "formules des indicateurs, telles qu'elles sont écrites dans les fichiers du questionnaire.</p>\n",
          out);
    static const char *const th[] = {"Question ou indicateur", "Expression"};
    static const int tw[] = {25, 75};
    table_head(out, 2, th, tw);
    for (size_t i = 0; i < f->nquestions; i++)
        if (f->questions[i].relevant_src) {
            fputs("<tr><th scope=\"row\">", out);
            code(out, f->questions[i].id);
            fputs("</th><td>", out);
            code(out, f->questions[i].relevant_src);
            fputs("</td></tr>\n", out);
        }
    for (size_t i = 0; defs && i < ind_count(defs); i++) {
        sbuf e = {0};
        expressions(defs, i, &e);
        fputs("<tr><th scope=\"row\">", out);
        code(out, ind_at(defs, i)->id);
        fputs("</th><td>", out);
        code(out, e.data ? e.data : "");
        fputs("</td></tr>\n", out);
        sbuf_free(&e);
    }
    fputs("</tbody></table>\n</body>\n</html>\n", out);
    sbuf_free(&label);
    flat_layout_free(l);
    return ferror(out) ? -1 : 0;
}
