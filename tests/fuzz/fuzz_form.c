/* fuzz_form.c -- libFuzzer target for the form loader: bytes -> JSON (duplicate keys refused, as jc_load_file
 * does) -> form_load_json with the shipped territories, loaded once.
 *
 * The loader must never crash or leak, must say why it refuses a form (a NULL form with no error in the
 * diagnostics would leave an author without a clue) and must load nothing it reports errors for. A form it
 * accepts is trusted by everything downstream, so the checker is then run on it: answers_check on {}, on
 * answers built from the form itself (first choices and lower bounds, last choices and upper bounds, every
 * value of the wrong type) and answers_normalize, none of which may crash.
 */
#include "fuzz_common.h"

#include "terr.h"

static terr_set *territories;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[1024];
    diag_list diags = {0};
    territories = terr_load(fuzz_path(path, sizeof path, "forms/territories.json"), &diags);
    if (territories == NULL) {
        diag_print(&diags, stderr);
        exit(2);
    }
    diag_list_free(&diags);
    return 0;
}

/* One plausible answer to q; variant 0 takes first choices and lower bounds, 1 last choices and upper bounds
 * (multiple answers in reverse form order, for answers_normalize), 2 a value of the wrong JSON type. NULL for a
 * note. */
static json_t *answer_for(const form *f, const form_question *q, int variant)
{
    if (variant == 2) {
        switch (q->type) {
        case FQ_TEXT:
        case FQ_LONG_TEXT:
        case FQ_SINGLE:
        case FQ_DATE:
            return json_integer(7);
        case FQ_NOTE:
            return json_string("x");
        default:
            return json_string("zz");
        }
    }
    bool first = variant == 0;
    switch (q->type) {
    case FQ_SINGLE:
        return q->nchoices ? json_string(q->choices[first ? 0 : q->nchoices - 1].code) : NULL;
    case FQ_TERRITORY: {
        const terr_set *ts = f->territories;
        const char *code = ts && ts->count ? ts->items[first ? 0 : ts->count - 1].code
                           : q->nchoices   ? q->choices[0].code
                                           : "hors_qpv";
        if (!q->multiple)
            return json_string(code);
        json_t *arr = json_array();
        for (size_t i = 0; i < q->nchoices; i++)
            json_array_append_new(arr, json_string(q->choices[first ? i : q->nchoices - 1 - i].code));
        json_array_append_new(arr, json_string(code));
        return arr;
    }
    case FQ_MULTIPLE: {
        json_t *arr = json_array();
        size_t n = q->nchoices;
        if (q->max_selected > 0 && (size_t)q->max_selected < n)
            n = (size_t)q->max_selected;
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, json_string(q->choices[first ? i : q->nchoices - 1 - i].code));
        return arr;
    }
    case FQ_INTEGER:
    case FQ_SCALE:
        if (first)
            return json_integer(q->has_min ? (json_int_t)q->min : 0);
        return json_integer(q->has_max ? (json_int_t)q->max : 1000000);
    case FQ_DECIMAL:
        return json_real(first ? (q->has_min ? q->min : -0.5) : (q->has_max ? q->max : 1e9));
    case FQ_TEXT:
    case FQ_LONG_TEXT:
        return json_string(first ? "réponse" : "une réponse libre un peu plus longue, avec des accents : é à ç");
    case FQ_DATE:
        return json_string(first ? (q->min_date[0] == '2' || q->min_date[0] == '1' ? q->min_date : "1990-01-01")
                                 : FUZZ_TODAY);
    case FQ_GRID: {
        json_t *o = json_object();
        for (size_t r = 0; r < q->nrows; r++)
            if (q->nchoices)
                json_object_set_new(o, q->rows[r].code, json_string(q->choices[first ? 0 : q->nchoices - 1].code));
        return o;
    }
    case FQ_NOTE:
        return NULL;
    }
    return NULL;
}

/* Runs the checker on a loaded form: the accessors first, then the answers of every variant. */
static void exercise(const form *f)
{
    for (size_t i = 0; i < f->nquestions; i++) {
        const form_question *q = &f->questions[i];
        if (form_question_by_id(f, q->id) != q)
            fuzz_fail("form_question_by_id(%s) does not find question %zu", q->id, i);
        for (size_t c = 0; c < q->nchoices; c++)
            if (!form_accepts_code(f, q, q->choices[c].code))
                fuzz_fail("question %s does not accept its own choice %s", q->id, q->choices[c].code);
        (void)form_text(q->label, "ar");
    }
    json_t *empty = json_object();
    size_t n = fuzz_check_answers(f, empty);
    fuzz_check_normalize(f, empty, n);
    json_decref(empty);
    for (int variant = 0; variant < 3; variant++) {
        json_t *answers = json_object();
        for (size_t i = 0; i < f->nquestions; i++) {
            json_t *v = answer_for(f, &f->questions[i], variant);
            if (v)
                json_object_set_new(answers, f->questions[i].id, v);
        }
        n = fuzz_check_answers(f, answers);
        fuzz_check_normalize(f, answers, n);
        json_decref(answers);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (doc == NULL)
        return 0;
    diag_list diags = {0};
    form *f = form_load_json(doc, "fuzz.json", territories, &diags);
    json_decref(doc);
    if (f == NULL && diags.errors == 0)
        fuzz_fail("form_load_json refused the form without reporting any error");
    if (f != NULL && diags.errors != 0)
        fuzz_fail("form_load_json loaded a form with %zu errors", diags.errors);
    for (size_t i = 0; i < diags.count; i++)
        if (diags.items[i].message == NULL || diags.items[i].path == NULL)
            fuzz_fail("diagnostic %zu has no message or path", i);
    if (f != NULL)
        exercise(f);
    form_free(f);
    diag_list_free(&diags);
    return 0;
}
