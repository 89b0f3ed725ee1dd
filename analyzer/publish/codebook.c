/* codebook.c -- a form's dictionary as CSV and HTML (see codebook.h). */
#include "codebook.h"

#include <string.h>

#include "csv.h"
#include "doc.h"
#include "util.h"

static void field(FILE *f, const char *s, bool first)
{
    if (!first)
        fputc(',', f);
    csv_put(f, s);
}

/* The text of a language map in exactly that language ("" when it has none: no French fallback here). */
static const char *text_in(const json_t *map, const char *lang)
{
    const char *s = json_string_value(json_object_get(map, lang));
    return s ? s : "";
}

static void line(const form *f, FILE *out, const char *kind, const char *id, const char *type, const char *section,
                 const char *code, int paper, const json_t *label, const char *condition)
{
    char num[16] = "";
    if (paper > 0)
        snprintf(num, sizeof num, "%d", paper);
    field(out, kind, true);
    field(out, id, false);
    field(out, type, false);
    field(out, section, false);
    field(out, code, false);
    field(out, num, false);
    for (size_t l = 0; l < f->nlanguages; l++)
        field(out, text_in(label, f->languages[l]), false);
    field(out, condition, false);
    fputc('\n', out);
}

/* A definition in words: its item, sub-population, numerator or value. */
static void definition(const ind_set *defs, size_t i, sbuf *b)
{
    const ind_def *def = ind_at(defs, i);
    if (def->question)
        sbuf_addf(b, "question %s (nsp et refus à part)", def->question);
    static const char *const keys[] = {"denominator", "among", "numerator", "value"};
    for (size_t k = 0; k < 4; k++) {
        const char *src = ind_source(defs, i, keys[k]);
        if (src)
            sbuf_addf(b, "%s%s: %s", b->len ? " ; " : "", keys[k], src);
    }
    if (def->score)
        sbuf_addf(b, "%sscore %s%s", b->len ? " ; " : "", def->score->id,
                  def->kind == IND_PROPORTION ? " >= seuil" : "");
    if (def->score && def->kind == IND_PROPORTION)
        sbuf_addf(b, " %g", def->threshold);
}

int cb_write_csv(const form *f, const ind_set *defs, FILE *out)
{
    fputs("kind,id,type,section,code,paper", out);
    for (size_t l = 0; l < f->nlanguages; l++)
        fprintf(out, ",label_%s", f->languages[l]);
    fputs(",condition\n", out);
    for (size_t i = 0; i < f->nquestions; i++) {
        const form_question *q = &f->questions[i];
        const char *section = f->sections[q->section].id;
        line(f, out, "question", q->id, form_qtype_name(q->type), section, NULL, 0, q->label, q->relevant_src);
        for (size_t r = 0; r < q->nrows; r++)
            line(f, out, "row", q->id, NULL, section, q->rows[r].code, q->rows[r].paper, q->rows[r].label, NULL);
        for (size_t c = 0; c < q->nchoices; c++)
            line(f, out, "choice", q->id, NULL, section, q->choices[c].code, q->choices[c].paper,
                 q->choices[c].label, NULL);
    }
    for (size_t i = 0; defs && i < ind_count(defs); i++) {
        const ind_def *def = ind_at(defs, i);
        sbuf b = {0};
        definition(defs, i, &b);
        line(f, out, "indicator", def->id, ind_kind_name(def->kind), def->theme, NULL, 0, def->label,
             b.data ? b.data : "");
        sbuf_free(&b);
    }
    return ferror(out) ? -1 : 0;
}

int cb_write_html(const form *f, const ind_set *defs, FILE *out)
{
    char title[256];
    snprintf(title, sizeof title, "Dictionnaire des codes — %s, version %s", f->id, f->version);
    doc *d = doc_new(title, "fr");
    doc_heading(d, 1, NULL, "%s", title);
    const char *headers[16] = {"Question", "Code", "N° papier"};
    size_t nh = 3;
    for (size_t l = 0; l < f->nlanguages && nh < 15; l++)
        headers[nh++] = f->languages[l];
    headers[nh++] = "Condition";
    for (size_t s = 0; s < f->nsections; s++) {
        doc_heading(d, 2, NULL, "%s", form_text(f->sections[s].title, "fr"));
        doc_table(d, NULL, nh, headers, NULL);
        for (size_t i = f->sections[s].first; i < f->sections[s].first + f->sections[s].count; i++) {
            const form_question *q = &f->questions[i];
            char type[64];
            snprintf(type, sizeof type, "%s (%s)", q->id, form_qtype_name(q->type));
            const char *cells[16] = {type, "", ""};
            for (size_t l = 0; l < f->nlanguages && 3 + l < 15; l++)
                cells[3 + l] = text_in(q->label, f->languages[l]);
            cells[nh - 1] = q->relevant_src ? q->relevant_src : "";
            doc_row(d, cells);
            for (int pass = 0; pass < 2; pass++) {
                const form_choice *list = pass ? q->choices : q->rows;
                size_t n = pass ? q->nchoices : q->nrows;
                for (size_t c = 0; c < n; c++) {
                    char paper[16] = "";
                    if (list[c].paper > 0)
                        snprintf(paper, sizeof paper, "%d", list[c].paper);
                    const char *row[16] = {pass ? "" : "ligne", list[c].code, paper};
                    for (size_t l = 0; l < f->nlanguages && 3 + l < 15; l++)
                        row[3 + l] = text_in(list[c].label, f->languages[l]);
                    row[nh - 1] = "";
                    doc_row(d, row);
                }
            }
        }
    }
    if (defs) {
        doc_heading(d, 2, NULL, "Indicateurs");
        static const char *const ih[] = {"Indicateur", "Type", "Libellé", "Définition"};
        doc_table(d, NULL, 4, ih, NULL);
        for (size_t i = 0; i < ind_count(defs); i++) {
            const ind_def *def = ind_at(defs, i);
            sbuf b = {0};
            definition(defs, i, &b);
            const char *cells[] = {def->id, ind_kind_name(def->kind), form_text(def->label, "fr"),
                                   b.data ? b.data : ""};
            doc_row(d, cells);
            sbuf_free(&b);
        }
    }
    int rc = doc_write_html(d, out);
    doc_free(d);
    return rc;
}
