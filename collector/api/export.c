/* export.c -- the older column layout (paper double entry, import of old files) and the flat CSV of the API
 * (see export.h). */
#include "export.h"

#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool has_column(const export_layout *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->cols[i].name, name) == 0)
            return true;
    return false;
}

static void add_column(export_layout *l, size_t *cap, const form_question *q, const char *row)
{
    char name[80];
    snprintf(name, sizeof name, row ? "%s.%s" : "%s", q->id, row ? row : "");
    if (has_column(l, name))
        return;
    if (l->count == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        l->cols = xrealloc(l->cols, *cap * sizeof *l->cols);
    }
    l->cols[l->count++] = (export_col){xstrdup(name), q, row};
}

static void add_form(export_layout *l, size_t *cap, const form *f)
{
    for (size_t i = 0; i < f->nquestions; i++) {
        const form_question *q = &f->questions[i];
        if (q->type == FQ_NOTE)
            continue;
        if (q->type == FQ_GRID)
            for (size_t r = 0; r < q->nrows; r++)
                add_column(l, cap, q, q->rows[r].code);
        else
            add_column(l, cap, q, NULL);
    }
}

export_layout *export_layout_new(const catalog *c, const char *form_id)
{
    const form *cur = catalog_current(c, form_id);
    if (cur == NULL)
        return NULL;
    export_layout *l = xcalloc(1, sizeof *l);
    size_t cap = 0;
    add_form(l, &cap, cur);
    /* Older versions, newest first, add only the columns the current one lacks. */
    for (size_t i = catalog_count(c); i-- > 0;) {
        const form *f = catalog_at(c, i);
        if (f != cur && strcmp(f->id, form_id) == 0)
            add_form(l, &cap, f);
    }
    return l;
}

void export_layout_free(export_layout *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->cols[i].name);
    free(l->cols);
    free(l);
}

static void scalar(const json_t *v, sbuf *out)
{
    if (json_is_string(v))
        sbuf_adds(out, json_string_value(v));
    else if (json_is_integer(v))
        sbuf_addf(out, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        sbuf_addf(out, "%.17g", json_real_value(v));
}

void export_cell(const export_col *col, const json_t *answers, sbuf *out)
{
    const json_t *v = json_object_get(answers, col->q->id);
    if (v == NULL)
        return;
    if (col->row) {
        scalar(json_object_get(v, col->row), out);
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *c;
        json_array_foreach(v, i, c) {
            if (i)
                sbuf_add(out, ";", 1);
            scalar(c, out);
        }
    } else {
        scalar(v, out);
    }
}

/* ------------------------------------------------------------------ the flat CSV */

export_csv *export_csv_new(const catalog *c, const char *form_id, bool include_text)
{
    if (catalog_current(c, form_id) == NULL)
        return NULL;
    export_csv *x = xcalloc(1, sizeof *x);
    char path[4096];
    ind_default_path(c, form_id, path, sizeof path);
    if (access(path, R_OK) == 0) {
        diag_list diags = {0};
        x->defs = ind_load(path, c, form_id, &diags);
        if (x->defs == NULL) {
            fprintf(stderr, "collector: %s ne se charge pas : l'export n'a pas de colonnes de score\n", path);
            diag_print(&diags, stderr);
        }
        diag_list_free(&diags);
    }
    x->layout = flat_layout_new(c, form_id, x->defs, include_text);
    return x;
}

void export_csv_free(export_csv *x)
{
    if (x == NULL)
        return;
    flat_layout_free(x->layout);
    ind_free(x->defs);
    free(x);
}

void export_csv_header(const export_csv *x, sbuf *out)
{
    for (size_t i = 0; i < x->layout->count; i++) {
        if (i)
            sbuf_add(out, ",", 1);
        csv_quote(out, x->layout->cols[i].name);
    }
    sbuf_add(out, "\r\n", 2);
}

void export_csv_row(const export_csv *x, const char *const *meta, const json_t *answers, sbuf *out)
{
    /* The stored metadata (EXPORT_META_COLUMNS) into the flat layout's order, which adds territory_name. */
    flat_record r = {{meta[0], meta[1], meta[2], NULL, meta[3], meta[4], meta[5], meta[6]}, answers, false, 0};
    sbuf cell = {0};
    for (size_t i = 0; i < x->layout->count; i++) {
        if (i)
            sbuf_add(out, ",", 1);
        sbuf_reset(&cell);
        flat_cell(x->layout, &x->layout->cols[i], &r, &cell);
        csv_quote(out, cell.data ? cell.data : "");
    }
    sbuf_add(out, "\r\n", 2);
    sbuf_free(&cell);
}
