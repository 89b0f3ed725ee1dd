/* extract.c -- the answers as CSV (see extract.h). */
#include "extract.h"

#include <string.h>

#include "csv.h"
#include "dataset.h"
#include "util.h"

typedef struct writer {
    const form *f;
    const terr_set *ts;
    bool include_text;
    bool raw_text; /* write cells as typed, formulas included (--raw-text) */
    FILE *out;
    size_t n;
    void (*progress)(void *ctx, size_t records);
    void *progress_ctx;
} writer;

/* Writes ',' and s, neutralised against spreadsheet formulas unless the analyst asked for the text as typed. */
static void field(const writer *w, const char *s)
{
    fputc(',', w->out);
    if (w->raw_text)
        csv_put_raw(w->out, s);
    else
        csv_put(w->out, s);
}

static bool is_text(const form_question *q)
{
    return q->type == FQ_TEXT || q->type == FQ_LONG_TEXT;
}

/* The codes of a multiple question's columns: its choices, and for a territory question the territories. */
static size_t multi_codes(const writer *w, const form_question *q, const char **codes, size_t cap)
{
    size_t n = 0;
    if (q->type == FQ_TERRITORY)
        for (size_t t = 0; w->ts && t < w->ts->count && n < cap; t++)
            codes[n++] = w->ts->items[t].code;
    for (size_t c = 0; c < q->nchoices && n < cap; c++)
        codes[n++] = q->choices[c].code;
    return n;
}

static bool is_multi(const form_question *q)
{
    return q->type == FQ_MULTIPLE || (q->type == FQ_TERRITORY && q->multiple);
}

static void header(const writer *w)
{
    fputs("uuid,form_version,territory,channel,lang,received_at", w->out);
    for (size_t i = 0; i < w->f->nquestions; i++) {
        const form_question *q = &w->f->questions[i];
        char name[256];
        if (q->type == FQ_NOTE || (is_text(q) && !w->include_text))
            continue;
        if (q->type == FQ_GRID) {
            for (size_t r = 0; r < q->nrows; r++) {
                snprintf(name, sizeof name, "%s.%s", q->id, q->rows[r].code);
                field(w, name);
            }
        } else if (is_multi(q)) {
            const char *codes[TERR_MAX + FORM_MAX_CHOICES];
            size_t n = multi_codes(w, q, codes, sizeof codes / sizeof codes[0]);
            for (size_t k = 0; k < n; k++) {
                snprintf(name, sizeof name, "%s.%s", q->id, codes[k]);
                field(w, name);
            }
        } else {
            field(w, q->id);
        }
    }
    fputc('\n', w->out);
}

static bool contains(const json_t *arr, const char *code)
{
    size_t i;
    const json_t *x;
    json_array_foreach(arr, i, x) if (json_is_string(x) && strcmp(json_string_value(x), code) == 0) return true;
    return false;
}

/* One answer as text: codes and dates as stored, numbers in their shortest exact form. */
static const char *scalar(const json_t *v, char *buf, size_t len)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.17g", json_real_value(v));
    else
        return NULL;
    return buf;
}

static int write_record(void *ctx, const ds_record *r)
{
    writer *w = ctx;
    FILE *f = w->out;
    if (++w->n % 65536 == 0 && w->progress)
        w->progress(w->progress_ctx, w->n);
    fputs(r->uuid, f);
    field(w, r->version->version);
    field(w, r->territory);
    field(w, r->channel);
    field(w, r->lang);
    field(w, r->received_at);
    for (size_t i = 0; i < w->f->nquestions; i++) {
        const form_question *q = &w->f->questions[i];
        if (q->type == FQ_NOTE || (is_text(q) && !w->include_text))
            continue;
        const json_t *v = json_object_get(r->answers, q->id);
        char buf[64];
        if (q->type == FQ_GRID) {
            for (size_t k = 0; k < q->nrows; k++)
                field(w, json_string_value(json_object_get(v, q->rows[k].code)));
        } else if (is_multi(q)) {
            const char *codes[TERR_MAX + FORM_MAX_CHOICES];
            size_t n = multi_codes(w, q, codes, sizeof codes / sizeof codes[0]);
            for (size_t k = 0; k < n; k++)
                field(w, json_is_array(v) ? (contains(v, codes[k]) ? "1" : "0") : NULL);
        } else {
            field(w, scalar(v, buf, sizeof buf));
        }
    }
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

int ext_write_csv(const char *db_path, const catalog *c, const char *form_id, bool include_text, bool raw_text,
                  void (*progress)(void *ctx, size_t records), void *progress_ctx, FILE *f, char *err, size_t errlen)
{
    err[0] = '\0';
    writer w = {
        catalog_current(c, form_id), catalog_territories(c), include_text, raw_text, f, 0, progress, progress_ctx};
    if (w.f == NULL) {
        snprintf(err, errlen, "formulaire « %s » inconnu", form_id);
        return -1;
    }
    header(&w);
    ds_counts counts;
    int rc = ds_scan(db_path, c, form_id, write_record, &w, &counts, err, errlen);
    if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "écriture du CSV impossible");
    return rc == 0 && !ferror(f) ? 0 : -1;
}
