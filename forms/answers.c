/* answers.c -- the answer checker (see answers.h and forms/README.md, "Checking answers").
 *
 * The walk goes through the questions in form order. Expressions only look backwards (the loader enforces
 * it), so when a question's relevance is decided every question it may read has already been judged: answers
 * that were invalid or skipped are masked, and read as empty, exactly as the browser sees them.
 */
#include "answers.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct walk {
    const form *f;
    const json_t *answers;
    bool *usable;        /* per question: answered, relevant and valid (for a computed answer: has a value) */
    const char *today;
    answers_report *report;
    json_t *computed;    /* question id -> value of every computed answer that has one (owned) */
} walk;

static void add_error(answers_report *r, const char *question, const char *row, const char *code,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_error(answers_report *r, const char *question, const char *row, const char *code,
                      const char *fmt, ...)
{
    /* A hostile body could otherwise ask for an error per element: the list stops at ANSWERS_MAX_ERRORS, with
     * one last error saying so, so that the reply stays small whatever was sent. */
    if (r->count > ANSWERS_MAX_ERRORS)
        return;
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->errors = xrealloc(r->errors, r->cap * sizeof *r->errors);
    }
    char msg[512];
    if (r->count == ANSWERS_MAX_ERRORS) {
        code = ANSWERS_TOO_MANY_ERRORS;
        question = "answers";
        row = NULL;
        snprintf(msg, sizeof msg, "plus de %d erreurs : les suivantes ne sont pas listées", ANSWERS_MAX_ERRORS);
    } else {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        util_utf8_trim(msg); /* a long code sent by the client may have been cut mid-character */
    }
    answers_error *e = &r->errors[r->count++];
    e->question = xstrdup(question);
    e->row = row ? xstrdup(row) : NULL;
    e->code = code;
    e->message = xstrdup(msg);
}

/* Expression lookups read only answers already judged usable. */
static const json_t *lookup(void *ctx, const char *qid, const char *row)
{
    const walk *w = ctx;
    const form_question *q = form_question_by_id(w->f, qid);
    if (q == NULL || !w->usable[q->index])
        return NULL;
    const json_t *v = json_object_get(q->calculated ? w->computed : w->answers, qid);
    return row ? json_object_get(v, row) : v;
}

static bool eval(const walk *w, const expr *e, const json_t *dot)
{
    expr_values vals = {lookup, (void *)w, dot, w->today};
    return expr_eval_bool(e, &vals);
}

static bool is_relevant(const walk *w, const form_question *q)
{
    const form_section *s = &w->f->sections[q->section];
    if (s->relevant && !eval(w, s->relevant, NULL))
        return false;
    return q->relevant == NULL || eval(w, q->relevant, NULL);
}

static bool is_required(const walk *w, const form_question *q)
{
    return q->required_expr ? eval(w, q->required_expr, NULL) : q->required;
}

static bool is_empty(const json_t *v)
{
    return (json_is_string(v) && json_string_length(v) == 0) || (json_is_array(v) && json_array_size(v) == 0) ||
           (json_is_object(v) && json_object_size(v) == 0);
}

/* Checks one code of a choice question; returns false after reporting. */
static bool check_code(walk *w, const form_question *q, const json_t *v, const char *row)
{
    answers_report *r = w->report;
    if (!json_is_string(v)) {
        add_error(r, q->id, row, ANSWERS_INVALID_TYPE, "%s%s%s : un code de réponse (texte) est attendu", q->id,
                  row ? "." : "", row ? row : "");
        return false;
    }
    const char *code = json_string_value(v);
    if (!form_accepts_code(w->f, q, code)) {
        add_error(r, q->id, row, ANSWERS_INVALID_CHOICE, "%s%s%s : « %.*s » n'est pas une réponse possible", q->id,
                  row ? "." : "", row ? row : "", util_utf8_prefix(code, strlen(code), 64), code);
        return false;
    }
    return true;
}

static bool check_multiple(walk *w, const form_question *q, const json_t *v)
{
    answers_report *r = w->report;
    if (!json_is_array(v)) {
        add_error(r, q->id, NULL, ANSWERS_INVALID_TYPE, "%s : une liste de codes est attendue", q->id);
        return false;
    }
    bool ok = true, exclusive = false;
    size_t n = json_array_size(v);
    size_t codes = q->nchoices + (q->type == FQ_TERRITORY && q->owner->territories ? q->owner->territories->count : 0);
    if (n > codes) { /* more codes than the question has: some repeat; one error, not one per pair */
        add_error(r, q->id, NULL, ANSWERS_INVALID_CHOICE, "%s : %zu codes donnés pour %zu choix possibles", q->id, n,
                  codes);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(v, i);
        if (!check_code(w, q, c, NULL)) {
            ok = false;
            continue;
        }
        const char *code = json_string_value(c);
        size_t first = i; /* the first place this code appears: a repeat is reported once, at its second place */
        for (size_t j = 0; j < i && first == i; j++)
            if (json_equal(c, json_array_get(v, j)))
                first = j;
        bool reported = false;
        for (size_t j = first + 1; first < i && j < i && !reported; j++)
            reported = json_equal(c, json_array_get(v, j));
        if (first < i && !reported) {
            add_error(r, q->id, NULL, ANSWERS_INVALID_CHOICE, "%s : « %s » est choisi deux fois", q->id, code);
            ok = false;
        } else if (first < i) {
            ok = false;
        }
        const form_choice *ch = form_choice_by_code(q, code, false); /* NULL for a territory */
        if (ch && ch->exclusive && n > 1 && !exclusive) {
            add_error(r, q->id, NULL, ANSWERS_INVALID_CHOICE, "%s : « %s » ne peut pas être combiné avec une "
                      "autre réponse", q->id, code);
            exclusive = true;
            ok = false;
        }
    }
    if (q->max_selected > 0 && n > (size_t)q->max_selected) {
        add_error(r, q->id, NULL, ANSWERS_OUT_OF_RANGE, "%s : %ld choix au plus (%zu donnés)", q->id,
                  q->max_selected, n);
        ok = false;
    }
    return ok;
}

static bool check_grid(walk *w, const form_question *q, const json_t *v, bool required)
{
    answers_report *r = w->report;
    if (!json_is_object(v)) {
        add_error(r, q->id, NULL, ANSWERS_INVALID_TYPE, "%s : un objet {ligne: code} est attendu", q->id);
        return false;
    }
    bool ok = true;
    const char *row;
    json_t *c;
    json_object_foreach((json_t *)v, row, c) {
        if (form_choice_by_code(q, row, true) == NULL) {
            add_error(r, q->id, row, ANSWERS_INVALID_CHOICE, "%s : pas de ligne « %.*s »", q->id,
                      util_utf8_prefix(row, strlen(row), 64), row);
            ok = false;
        } else {
            ok &= check_code(w, q, c, row);
        }
    }
    for (size_t i = 0; required && i < q->nrows; i++)
        if (json_object_get(v, q->rows[i].code) == NULL) {
            add_error(r, q->id, q->rows[i].code, ANSWERS_REQUIRED, "%s : la ligne « %s » est obligatoire", q->id,
                      form_text(q->rows[i].label, "fr"));
            ok = false;
        }
    return ok;
}

static bool check_number(walk *w, const form_question *q, const json_t *v)
{
    answers_report *r = w->report;
    bool whole = q->type != FQ_DECIMAL;
    double x = json_number_value(v);
    if (!json_is_number(v) || (whole && !json_is_integer(v) && (floor(x) != x || fabs(x) > 9e15))) {
        add_error(r, q->id, NULL, ANSWERS_INVALID_TYPE, "%s : un nombre%s est attendu", q->id,
                  whole ? " entier" : "");
        return false;
    }
    if ((q->has_min && x < q->min) || (q->has_max && x > q->max)) {
        if (q->has_min && q->has_max)
            add_error(r, q->id, NULL, ANSWERS_OUT_OF_RANGE, "%s : la valeur doit être comprise entre %g et %g",
                      q->id, q->min, q->max);
        else if (q->has_min)
            add_error(r, q->id, NULL, ANSWERS_OUT_OF_RANGE, "%s : la valeur doit être au moins %g", q->id, q->min);
        else
            add_error(r, q->id, NULL, ANSWERS_OUT_OF_RANGE, "%s : la valeur doit être au plus %g", q->id, q->max);
        return false;
    }
    return true;
}

static bool check_date(walk *w, const form_question *q, const json_t *v)
{
    answers_report *r = w->report;
    const char *s = json_string_value(v);
    if (s == NULL || !util_is_date(s)) {
        add_error(r, q->id, NULL, ANSWERS_INVALID_TYPE, "%s : une date AAAA-MM-JJ est attendue", q->id);
        return false;
    }
    const char *min = strcmp(q->min_date, "today") == 0 ? w->today : q->min_date;
    const char *max = strcmp(q->max_date, "today") == 0 ? w->today : q->max_date;
    if (*min && strcmp(s, min) < 0) {
        add_error(r, q->id, NULL, ANSWERS_OUT_OF_RANGE, "%s : la date doit être le %s ou après", q->id, min);
        return false;
    }
    if (*max && strcmp(s, max) > 0) {
        add_error(r, q->id, NULL, ANSWERS_OUT_OF_RANGE, "%s : la date doit être le %s ou avant", q->id, max);
        return false;
    }
    return true;
}

static bool check_text(walk *w, const form_question *q, const json_t *v)
{
    answers_report *r = w->report;
    if (!json_is_string(v)) {
        add_error(r, q->id, NULL, ANSWERS_INVALID_TYPE, "%s : un texte est attendu", q->id);
        return false;
    }
    /* jansson has already refused invalid UTF-8 and accepts "\u0000": a NUL would truncate the text
     * silently downstream, so it is refused here. */
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        add_error(r, q->id, NULL, ANSWERS_INVALID_TYPE, "%s : le texte contient un caractère nul", q->id);
        return false;
    }
    size_t len = util_utf8_len(json_string_value(v));
    if ((long)len > q->max_length) {
        add_error(r, q->id, NULL, ANSWERS_TOO_LONG, "%s : %ld caractères au plus (%zu donnés)", q->id,
                  q->max_length, len);
        return false;
    }
    return true;
}

/* Checks the value of a relevant, answered question against its type; returns whether it is usable. */
static bool check_value(walk *w, const form_question *q, const json_t *v, bool required)
{
    switch (q->type) {
    case FQ_SINGLE: return check_code(w, q, v, NULL);
    case FQ_TERRITORY: return q->multiple ? check_multiple(w, q, v) : check_code(w, q, v, NULL);
    case FQ_MULTIPLE: return check_multiple(w, q, v);
    case FQ_GRID: return check_grid(w, q, v, required);
    case FQ_INTEGER:
    case FQ_DECIMAL:
    case FQ_SCALE: return check_number(w, q, v);
    case FQ_DATE: return check_date(w, q, v);
    case FQ_TEXT:
    case FQ_LONG_TEXT: return check_text(w, q, v);
    case FQ_NOTE: break;
    }
    return false;
}

/* The JSON of a calculation's value, or NULL when it has none (empty, or a number that is not finite).
 * Whole numbers are JSON integers, as a typed answer would be. */
static json_t *value_json(const expr_value *v)
{
    if (v->empty)
        return NULL;
    switch (v->type) {
    case EXPR_T_NUMBER:
        if (!isfinite(v->num))
            return NULL;
        if (floor(v->num) == v->num && fabs(v->num) <= 9e15)
            return json_integer((json_int_t)v->num);
        return json_real(v->num);
    case EXPR_T_STRING:
    case EXPR_T_DATE:
        return json_string(v->str);
    default:
        return NULL;
    }
}

/* A computed answer: whatever was sent for it is not read (answers_calculate replaces it), so it is never an
 * error; its value, when relevant, is what later questions read. */
static void compute_question(walk *w, const form_question *q)
{
    bool relevant = is_relevant(w, q);
    w->report->relevant[q->index] = relevant;
    if (!relevant)
        return;
    expr_values vals = {lookup, (void *)w, NULL, w->today};
    expr_value v = expr_eval(q->calculation, &vals);
    json_t *j = value_json(&v);
    if (j == NULL)
        return;
    json_object_set_new(w->computed, q->id, j);
    w->usable[q->index] = true;
}

static void check_question(walk *w, const form_question *q)
{
    if (q->calculated) {
        compute_question(w, q);
        return;
    }
    answers_report *r = w->report;
    const json_t *v = json_object_get(w->answers, q->id);
    bool relevant = is_relevant(w, q);
    r->relevant[q->index] = relevant;
    if (q->type == FQ_NOTE) {
        if (v != NULL)
            add_error(r, q->id, NULL, ANSWERS_UNKNOWN_QUESTION, "%s est un texte d'information, sans réponse",
                      q->id);
        return;
    }
    if (!relevant) {
        if (v != NULL)
            add_error(r, q->id, NULL, ANSWERS_NOT_RELEVANT, "%s ne doit pas être répondue : elle est sautée "
                      "d'après les réponses précédentes", q->id);
        return;
    }
    bool required = is_required(w, q);
    if (v == NULL) {
        if (required)
            add_error(r, q->id, NULL, ANSWERS_REQUIRED, "%s : une réponse est obligatoire", q->id);
        return;
    }
    if (is_empty(v) || json_is_null(v)) {
        add_error(r, q->id, NULL, ANSWERS_INVALID_TYPE, "%s : une question sans réponse doit être omise, pas "
                  "envoyée vide", q->id);
        return;
    }
    if (!check_value(w, q, v, required))
        return;
    if (q->constraint && !eval(w, q->constraint, v)) {
        add_error(r, q->id, NULL, ANSWERS_CONSTRAINT, "%s : %s", q->id, form_text(q->constraint_message, "fr"));
        return;
    }
    w->usable[q->index] = true;
}

/* Walks every question of f in order, judging answers into report and computing the computed answers into
 * *computed (a new object, or NULL when answers is not an object). Returns the number of errors. */
static size_t walk_answers(const form *f, const json_t *answers, const char *today, answers_report *report,
                           json_t **computed)
{
    *computed = NULL;
    memset(report, 0, sizeof *report);
    if (!json_is_object(answers)) {
        add_error(report, "answers", NULL, ANSWERS_INVALID_TYPE, "les réponses doivent être un objet JSON "
                  "{question: réponse}");
        return report->count;
    }
    char today_buf[11];
    if (today == NULL) {
        util_today(today_buf);
        today = today_buf;
    }
    report->nquestions = f->nquestions;
    report->relevant = xcalloc(f->nquestions ? f->nquestions : 1, sizeof *report->relevant);
    walk w = {f, answers, xcalloc(f->nquestions ? f->nquestions : 1, sizeof(bool)), today, report, json_object()};

    const char *key;
    json_t *v;
    json_object_foreach((json_t *)answers, key, v) {
        if (form_question_by_id(f, key) == NULL)
            add_error(report, key, NULL, ANSWERS_UNKNOWN_QUESTION,
                      "« %.*s » n'est pas une question du "
                      "formulaire %s version %s",
                      util_utf8_prefix(key, strlen(key), 64), key, f->id, f->version);
    }
    for (size_t i = 0; i < f->nquestions; i++)
        check_question(&w, &f->questions[i]);
    free(w.usable);
    *computed = w.computed;
    return report->count;
}

size_t answers_check(const form *f, const json_t *answers, const char *today, answers_report *report)
{
    json_t *computed = NULL;
    size_t n = walk_answers(f, answers, today, report, &computed);
    json_decref(computed);
    return n;
}

size_t answers_check_computed(const form *f, const json_t *answers, const char *today, answers_report *report,
                              json_t **computed)
{
    return walk_answers(f, answers, today, report, computed);
}

/* Sets every computed answer of answers to its value in computed, or removes it when computed has none; returns
 * whether answers changed (a client that computed the same values sent them already). */
static bool apply_computed(const form *f, json_t *answers, const json_t *computed)
{
    bool changed = false;
    for (size_t i = 0; i < f->nquestions; i++) {
        const form_question *q = &f->questions[i];
        if (!q->calculated)
            continue;
        json_t *v = json_object_get(computed, q->id);
        json_t *sent = json_object_get(answers, q->id);
        if (v != NULL && !(sent != NULL && json_equal(sent, v))) {
            json_object_set(answers, q->id, v);
            changed = true;
        } else if (v == NULL && sent != NULL) {
            json_object_del(answers, q->id);
            changed = true;
        }
    }
    return changed;
}

void answers_calculate(const form *f, json_t *answers, const char *today)
{
    answers_report report;
    json_t *computed = NULL;
    walk_answers(f, answers, today, &report, &computed);
    answers_report_free(&report);
    if (computed == NULL)
        return;
    apply_computed(f, answers, computed);
    json_decref(computed);
}

/* Position of code among q's possible answers (territories first for a territory question); large if unknown. */
static size_t code_rank(const form *f, const form_question *q, const json_t *code)
{
    const char *c = json_string_value(code);
    size_t base = 0;
    if (c == NULL)
        return (size_t)-1;
    if (q->type == FQ_TERRITORY && f->territories) {
        for (size_t i = 0; i < f->territories->count; i++)
            if (strcmp(f->territories->items[i].code, c) == 0)
                return i;
        base = f->territories->count;
    }
    for (size_t i = 0; i < q->nchoices; i++)
        if (strcmp(q->choices[i].code, c) == 0)
            return base + i;
    return (size_t)-1;
}

/* Puts the codes of every multiple answer in the order of the form's choices; returns whether any moved. */
static bool order_codes(const form *f, json_t *answers)
{
    bool changed = false;
    for (size_t i = 0; i < f->nquestions; i++) {
        const form_question *q = &f->questions[i];
        json_t *v = json_object_get(answers, q->id);
        if (!json_is_array(v) || !(q->type == FQ_MULTIPLE || (q->type == FQ_TERRITORY && q->multiple)))
            continue;
        /* Insertion sort, stable: arrays are a handful of codes. */
        size_t n = json_array_size(v);
        for (size_t a = 1; a < n; a++) {
            json_t *item = json_incref(json_array_get(v, a));
            size_t r = code_rank(f, q, item), b = a;
            while (b > 0 && code_rank(f, q, json_array_get(v, b - 1)) > r) {
                json_array_set(v, b, json_array_get(v, b - 1));
                b--;
            }
            changed |= b != a;
            json_array_set_new(v, b, item);
        }
    }
    return changed;
}

void answers_normalize(const form *f, json_t *answers)
{
    if (!json_is_object(answers))
        return;
    answers_calculate(f, answers, NULL);
    order_codes(f, answers);
}

bool answers_normalize_computed(const form *f, json_t *answers, const json_t *computed)
{
    if (!json_is_object(answers) || computed == NULL)
        return false;
    bool changed = apply_computed(f, answers, computed);
    return order_codes(f, answers) || changed;
}

json_t *answers_report_json(const answers_report *report)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < report->count; i++) {
        const answers_error *e = &report->errors[i];
        json_t *o = json_pack("{s:s, s:s, s:s}", "question", e->question, "code", e->code, "message", e->message);
        if (e->row)
            json_object_set_new(o, "row", json_string(e->row));
        json_array_append_new(arr, o);
    }
    return arr;
}

void answers_report_free(answers_report *report)
{
    if (report == NULL)
        return;
    for (size_t i = 0; i < report->count; i++) {
        free(report->errors[i].question);
        free(report->errors[i].row);
        free(report->errors[i].message);
    }
    free(report->errors);
    free(report->relevant);
    memset(report, 0, sizeof *report);
}
