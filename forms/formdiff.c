/* formdiff.c -- question-by-question comparison of two versions of a form (see formdiff.h). */
#include "formdiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void add(formdiff *d, formdiff_kind kind, const char *qid, const char *item, bool row, const char *before,
                const char *after, bool meaning)
{
    if (d->count == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->items = xrealloc(d->items, d->cap * sizeof *d->items);
    }
    d->items[d->count++] = (formdiff_change){kind, xstrdup(qid), dup_or_null(item), row, dup_or_null(before),
                                             dup_or_null(after), meaning};
}

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static const char *lang_text(const json_t *map, const char *lang)
{
    return json_string_value(json_object_get(map, lang));
}

/* Reports each language other than French whose text differs between the maps a and b (either may be NULL). */
static void diff_translations(formdiff *d, const char *qid, const char *code, bool row, const json_t *a,
                              const json_t *b)
{
    const json_t *maps[2] = {a, b};
    for (int m = 0; m < 2; m++) {
        const char *lang;
        json_t *v;
        json_object_foreach((json_t *)maps[m], lang, v) {
            if (strcmp(lang, "fr") == 0 || (m == 1 && json_object_get(a, lang) != NULL))
                continue; /* French is compared apart; a language of both maps is seen once */
            const char *x = lang_text(a, lang), *y = lang_text(b, lang);
            if (same_str(x, y))
                continue;
            if (code == NULL)
                add(d, FORMDIFF_TRANSLATION, qid, lang, false, x, y, false);
            else
                add(d, FORMDIFF_ITEM_TRANSLATION, qid, code, row, lang, y, false);
        }
    }
}

/* The choices (or rows) of a list that another list lacks, by code. */
static const form_choice *find_code(const form_choice *list, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].code, code) == 0)
            return &list[i];
    return NULL;
}

static const form_choice *find_fr_label(const form_choice *list, size_t n, const char *label, const form_choice *other,
                                        size_t on)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(form_text(list[i].label, "fr"), label) == 0 && find_code(other, on, list[i].code) == NULL)
            return &list[i];
    return NULL;
}

/* Compares two lists of choices (row false) or rows (row true) of question qid. */
static void diff_items(formdiff *d, const char *qid, bool row, const form_choice *a, size_t na, const form_choice *b,
                       size_t nb)
{
    for (size_t i = 0; i < na; i++) {
        const form_choice *x = &a[i], *y = find_code(b, nb, x->code);
        if (y == NULL) {
            /* Gone under this code: the same French label under a new code is a recoding. */
            const form_choice *r = find_fr_label(b, nb, form_text(x->label, "fr"), a, na);
            if (r != NULL)
                add(d, FORMDIFF_ITEM_RECODED, qid, x->code, row, form_text(x->label, "fr"), r->code, true);
            else
                add(d, FORMDIFF_ITEM_REMOVED, qid, x->code, row, form_text(x->label, "fr"), NULL, true);
            continue;
        }
        const char *fx = form_text(x->label, "fr"), *fy = form_text(y->label, "fr");
        if (strcmp(fx, fy) != 0)
            add(d, FORMDIFF_ITEM_RELABELED, qid, x->code, row, fx, fy, true);
        diff_translations(d, qid, x->code, row, x->label, y->label);
        if (x->paper != y->paper) {
            char pa[24], pb[24];
            snprintf(pa, sizeof pa, "%d", x->paper);
            snprintf(pb, sizeof pb, "%d", y->paper);
            add(d, FORMDIFF_ITEM_PAPER, qid, x->code, row, pa, pb, false);
        }
    }
    for (size_t i = 0; i < nb; i++) {
        const form_choice *y = &b[i];
        if (find_code(a, na, y->code) != NULL)
            continue;
        if (find_fr_label(a, na, form_text(y->label, "fr"), b, nb) != NULL)
            continue; /* reported as the recoding of an old code */
        /* A new "nsp" or "refus" choice does not change what the other answers say: every indicator leaves
         * those two codes out of its denominator and counts them apart (indicators.h), so oui still means oui
         * and the estimates stay comparable; only item non-response may move, and the analyzer reports it per
         * cell. Removing one does change meaning (those respondents are pushed onto a substantive answer). */
        bool missing_code = !row && (strcmp(y->code, "nsp") == 0 || strcmp(y->code, "refus") == 0);
        add(d, FORMDIFF_ITEM_ADDED, qid, y->code, row, NULL, form_text(y->label, "fr"), !missing_code);
    }
}

/* The bounds of q as one text ("min 0, max 120"), "" when it has none. */
static void bounds_text(const form_question *q, char *buf, size_t len)
{
    sbuf b = {0};
    if (q->has_min)
        sbuf_addf(&b, "%smin %g", b.len ? ", " : "", q->min);
    if (q->has_max)
        sbuf_addf(&b, "%smax %g", b.len ? ", " : "", q->max);
    if (q->min_date[0])
        sbuf_addf(&b, "%smin %s", b.len ? ", " : "", q->min_date);
    if (q->max_date[0])
        sbuf_addf(&b, "%smax %s", b.len ? ", " : "", q->max_date);
    if (q->max_selected)
        sbuf_addf(&b, "%smax_selected %ld", b.len ? ", " : "", q->max_selected);
    if (q->max_length)
        sbuf_addf(&b, "%smax_length %ld", b.len ? ", " : "", q->max_length);
    snprintf(buf, len, "%s", b.len ? b.data : "");
    sbuf_free(&b);
}

/* The French labels of a scale's points, in point order ("1 : Pas du tout ; 5 : Tout à fait"). Owned. */
static char *scale_labels_text(const form_question *q)
{
    sbuf b = {0};
    sbuf_addf(&b, "%s", "");
    for (long p = (long)q->min; q->labels != NULL && p <= (long)q->max; p++) {
        char key[24];
        snprintf(key, sizeof key, "%ld", p);
        const json_t *t = json_object_get(q->labels, key);
        if (t != NULL)
            sbuf_addf(&b, "%s%ld : %s", b.len ? " ; " : "", p, form_text(t, "fr"));
    }
    return b.data;
}

static void diff_expr(formdiff *d, formdiff_kind kind, const char *qid, const char *a, const char *b, bool meaning)
{
    if (!same_str(a, b))
        add(d, kind, qid, NULL, false, a, b, meaning);
}

static void diff_question(formdiff *d, const form *fa, const form_question *a, const form *fb,
                          const form_question *b)
{
    const char *qid = a->id;
    if (a->type != b->type || a->multiple != b->multiple) {
        char ta[48], tb[48];
        snprintf(ta, sizeof ta, "%s%s", form_qtype_name(a->type), a->multiple ? " (plusieurs)" : "");
        snprintf(tb, sizeof tb, "%s%s", form_qtype_name(b->type), b->multiple ? " (plusieurs)" : "");
        add(d, FORMDIFF_TYPE, qid, NULL, false, ta, tb, true);
    }
    const char *la = form_text(a->label, "fr"), *lb = form_text(b->label, "fr");
    if (strcmp(la, lb) != 0)
        add(d, FORMDIFF_REWORDED, qid, NULL, false, la, lb, true);
    diff_translations(d, qid, NULL, false, a->label, b->label);
    const char *ha = form_text(a->hint, "fr"), *hb = form_text(b->hint, "fr");
    if (strcmp(ha, hb) != 0)
        add(d, FORMDIFF_HINT, qid, NULL, false, ha, hb, false);
    diff_items(d, qid, false, a->choices, a->nchoices, b->choices, b->nchoices);
    diff_items(d, qid, true, a->rows, a->nrows, b->rows, b->nrows);

    diff_expr(d, FORMDIFF_RELEVANT, qid, a->relevant_src, b->relevant_src, true);
    const form_section *sa = &fa->sections[a->section], *sb = &fb->sections[b->section];
    if (!same_str(sa->relevant_src, sb->relevant_src))
        add(d, FORMDIFF_RELEVANT, qid, sb->id, false, sa->relevant_src, sb->relevant_src, true);
    if (!same_str(a->required_src, b->required_src) || (a->required_src == NULL && a->required != b->required))
        add(d, FORMDIFF_REQUIRED, qid, NULL, false, a->required_src ? a->required_src : a->required ? "true" : "false",
            b->required_src ? b->required_src : b->required ? "true" : "false", false);
    diff_expr(d, FORMDIFF_CONSTRAINT, qid, a->constraint_src, b->constraint_src, false);
    /* An item that becomes computed (or asked again) says the same thing if the form's author derived it
     * faithfully (the resident form's EPICES items: tests/test_calculate.c proves it); a derivation that changes
     * may not. */
    diff_expr(d, FORMDIFF_CALCULATION, qid, a->calculation_src, b->calculation_src,
              a->calculation_src != NULL && b->calculation_src != NULL);
    char ba[160], bb[160];
    bounds_text(a, ba, sizeof ba);
    bounds_text(b, bb, sizeof bb);
    if (strcmp(ba, bb) != 0) {
        /* 1-5 then 0-10 is another scale; "at most 3" then "all that apply" is another distribution. */
        bool meaning = b->type == FQ_SCALE ? a->min != b->min || a->max != b->max
                       : b->type == FQ_MULTIPLE && a->max_selected != b->max_selected;
        add(d, FORMDIFF_BOUNDS, qid, NULL, false, ba, bb, meaning);
    }
    if (a->type == FQ_SCALE && b->type == FQ_SCALE) {
        char *pa = scale_labels_text(a), *pb = scale_labels_text(b);
        if (strcmp(pa, pb) != 0)
            add(d, FORMDIFF_SCALE_LABELS, qid, NULL, false, pa, pb, true);
        free(pa);
        free(pb);
    }
}

formdiff *formdiff_compare(const form *a, const form *b)
{
    formdiff *d = xcalloc(1, sizeof *d);
    d->form_id = xstrdup(a->id);
    d->from = xstrdup(a->version);
    d->to = xstrdup(b->version);
    for (size_t i = 0; i < a->nquestions; i++) {
        const form_question *qa = &a->questions[i], *qb = form_question_by_id(b, qa->id);
        if (qb == NULL)
            add(d, FORMDIFF_REMOVED, qa->id, NULL, false, form_text(qa->label, "fr"), NULL, true);
        else
            diff_question(d, a, qa, b, qb);
    }
    for (size_t i = 0; i < b->nquestions; i++)
        if (form_question_by_id(a, b->questions[i].id) == NULL)
            add(d, FORMDIFF_ADDED, b->questions[i].id, NULL, false, NULL, form_text(b->questions[i].label, "fr"),
                true);
    return d;
}

void formdiff_free(formdiff *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].question);
        free(d->items[i].item);
        free(d->items[i].before);
        free(d->items[i].after);
    }
    free(d->items);
    free(d->form_id);
    free(d->from);
    free(d->to);
    free(d);
}

const char *formdiff_kind_name(formdiff_kind k)
{
    static const char *const names[] = {"added", "removed", "type", "reworded", "translation", "hint",
                                        "item_added", "item_removed", "item_recoded", "item_relabeled",
                                        "item_translation", "item_paper", "relevant", "required", "constraint",
                                        "bounds", "scale_labels", "calculation"};
    return (size_t)k < sizeof names / sizeof *names ? names[k] : "?";
}

void formdiff_describe(const formdiff_change *c, char *buf, size_t len)
{
    const char *q = c->question, *it = c->item ? c->item : "", *what = c->row ? "ligne" : "choix";
    const char *e = c->row ? "e" : ""; /* "ligne" is feminine: "ligne « pmi » ajoutée", "choix « oui » ajouté" */
    const char *before = c->before ? c->before : "", *after = c->after ? c->after : "";
    switch (c->kind) {
    case FORMDIFF_ADDED: snprintf(buf, len, "%s ajoutée", q); break;
    case FORMDIFF_REMOVED: snprintf(buf, len, "%s retirée", q); break;
    case FORMDIFF_TYPE: snprintf(buf, len, "%s : type changé (%s → %s)", q, before, after); break;
    case FORMDIFF_REWORDED: snprintf(buf, len, "%s reformulée", q); break;
    case FORMDIFF_TRANSLATION: snprintf(buf, len, "%s : traduction %s changée", q, it); break;
    case FORMDIFF_HINT: snprintf(buf, len, "%s : aide reformulée", q); break;
    case FORMDIFF_ITEM_ADDED: snprintf(buf, len, "%s : %s « %s » ajouté%s", q, what, it, e); break;
    case FORMDIFF_ITEM_REMOVED: snprintf(buf, len, "%s : %s « %s » retiré%s", q, what, it, e); break;
    case FORMDIFF_ITEM_RECODED: snprintf(buf, len, "%s : %s « %s » recodé%s en « %s »", q, what, it, e, after); break;
    case FORMDIFF_ITEM_RELABELED: snprintf(buf, len, "%s : %s « %s » reformulé%s", q, what, it, e); break;
    case FORMDIFF_ITEM_TRANSLATION:
        snprintf(buf, len, "%s : %s « %s », traduction %s changée", q, what, it, before);
        break;
    case FORMDIFF_ITEM_PAPER:
        snprintf(buf, len, "%s : %s « %s », numéro papier %s → %s", q, what, it, before, after);
        break;
    case FORMDIFF_RELEVANT:
        if (c->item)
            snprintf(buf, len, "%s : condition d'affichage de sa section %s changée", q, it);
        else
            snprintf(buf, len, "%s : condition d'affichage (relevant) changée", q);
        break;
    case FORMDIFF_REQUIRED: snprintf(buf, len, "%s : obligation (required) changée", q); break;
    case FORMDIFF_CONSTRAINT: snprintf(buf, len, "%s : contrainte (constraint) changée", q); break;
    case FORMDIFF_BOUNDS: snprintf(buf, len, "%s : bornes changées (%s → %s)", q, before, after); break;
    case FORMDIFF_SCALE_LABELS: snprintf(buf, len, "%s : libellés de l'échelle changés", q); break;
    case FORMDIFF_CALCULATION:
        if (c->before == NULL)
            snprintf(buf, len, "%s : désormais calculée d'après les réponses précédentes (calculation)", q);
        else if (c->after == NULL)
            snprintf(buf, len, "%s : de nouveau posée (n'est plus calculée)", q);
        else
            snprintf(buf, len, "%s : calcul (calculation) changé", q);
        break;
    }
}

const formdiff_change *formdiff_meaning_change(const formdiff *d, const char *qid)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].meaning && strcmp(d->items[i].question, qid) == 0)
            return &d->items[i];
    return NULL;
}

size_t formdiff_meaning_count(const formdiff *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++)
        n += d->items[i].meaning;
    return n;
}

json_t *formdiff_to_json(const formdiff *d)
{
    json_t *changes = json_array();
    for (size_t i = 0; i < d->count; i++) {
        const formdiff_change *c = &d->items[i];
        char text[1024];
        formdiff_describe(c, text, sizeof text);
        util_utf8_trim(text); /* a long label may have been cut inside a character: jansson wants valid UTF-8 */
        json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "kind", formdiff_kind_name(c->kind), "question", c->question,
                              "meaning", c->meaning, "text", text);
        if (c->item) {
            json_object_set_new(o, "item", json_string(c->item));
            if (c->kind >= FORMDIFF_ITEM_ADDED && c->kind <= FORMDIFF_ITEM_PAPER)
                json_object_set_new(o, "row", json_boolean(c->row));
        }
        if (c->before)
            json_object_set_new(o, "before", json_string(c->before));
        if (c->after)
            json_object_set_new(o, "after", json_string(c->after));
        json_array_append_new(changes, o);
    }
    return json_pack("{s:s, s:s, s:s, s:o}", "form", d->form_id, "from", d->from, "to", d->to, "changes", changes);
}
