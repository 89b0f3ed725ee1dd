/* export_stata.c -- the answers as a Stata (.dta, format 118, Stata 14 and later) or SPSS (.sav) file, written
 * with ReadStat (see extract.h).
 *
 * Every variable has its label (flat_label); a single choice or a grid row is numeric, its value the choice's
 * paper number, labelled with the French label; a 0/1 choice column is labelled Non / Oui. "nsp" and "refus" are
 * missing values that keep their meaning: Stata's tagged missing .a and .b (labelled), SPSS's user-missing values
 * (the nsp / refus paper numbers, labelled and declared missing). Numbers, the weight and the scores are numeric;
 * the metadata, dates (as "AAAA-MM-JJ") and free text are strings. A code a column's labels do not know (a choice
 * an older version had) is an ordinary missing value.
 */
#include "extract.h"

#include <readstat.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define STR_MAX 2045 /* the longest fixed-width string of Stata 14 and SPSS alike */

typedef struct rs_writer {
    FILE *f;
    bool sav;
    readstat_writer_t *w;
    readstat_variable_t **vars;  /* [l->count] */
    size_t *width;               /* [l->count] string width in bytes, 0 for a numeric column */
    sbuf cell;
    readstat_label_set_t *nonoui; /* the one Non / Oui set of the 0/1 columns */
} rs_writer;

static ssize_t write_bytes(const void *data, size_t len, void *ctx)
{
    rs_writer *rw = ctx;
    return fwrite(data, 1, len, rw->f) == len ? (ssize_t)len : -1;
}

static int fail(readstat_error_t e, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s : %s", what, readstat_error_message(e));
    return -1;
}

/* The string width of each string column: its longest cell, as Stata and SPSS need it before any row. */
typedef struct widths {
    size_t *width;
    sbuf cell;
} widths;

static int measure_row(void *ctx, const flat_layout *l, const flat_record *r, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    widths *m = ctx;
    for (size_t i = 0; i < l->count; i++) {
        if (l->cols[i].type != FLAT_T_STRING)
            continue;
        sbuf_reset(&m->cell);
        flat_cell(l, &l->cols[i], r, &m->cell);
        if (m->cell.len > m->width[i])
            m->width[i] = m->cell.len;
    }
    return 0;
}

static int rs_begin(void *ctx, const flat_layout *l, long nrows, char *err, size_t errlen)
{
    rs_writer *rw = ctx;
    readstat_error_t e;
    rw->w = readstat_writer_init();
    readstat_set_data_writer(rw->w, write_bytes);
    readstat_writer_set_file_label(rw->w, "Diagnostic de santé participatif : réponses");
    if (!rw->sav)
        readstat_writer_set_file_format_version(rw->w, 118);
    rw->vars = xcalloc(l->count, sizeof *rw->vars);
    ext_value values[FORM_MAX_CHOICES + 2];
    sbuf label = {0};
    for (size_t i = 0; i < l->count; i++) {
        const flat_col *c = &l->cols[i];
        bool str = c->type == FLAT_T_STRING;
        size_t width = rw->width[i] ? rw->width[i] : 1;
        if (width > STR_MAX)
            width = STR_MAX;
        rw->width[i] = str ? width : 0;
        readstat_variable_t *v = readstat_add_variable(rw->w, c->name, str ? READSTAT_TYPE_STRING : READSTAT_TYPE_DOUBLE,
                                                       str ? width : 0);
        sbuf_reset(&label);
        flat_label(c, &label);
        readstat_variable_set_label(v, label.data ? label.data : "");
        size_t nv = ext_values(c, values);
        if (nv > 0) {
            /* Non / Oui once for every 0/1 column without nsp or refus; a set per column otherwise */
            bool nonoui = c->type == FLAT_T_BINARY && nv == 2;
            readstat_label_set_t *ls = nonoui ? rw->nonoui : NULL;
            if (ls == NULL) {
                ls = readstat_add_label_set(rw->w, READSTAT_TYPE_DOUBLE, nonoui ? "nonoui" : c->name);
                if (nonoui)
                    rw->nonoui = ls;
                for (size_t k = 0; k < nv; k++) {
                    if (values[k].tag && !rw->sav)
                        readstat_label_tagged_value(ls, values[k].tag, values[k].label);
                    else
                        readstat_label_double_value(ls, values[k].number, values[k].label);
                }
            }
            readstat_variable_set_label_set(v, ls);
            for (size_t k = 0; rw->sav && k < nv; k++)
                if (values[k].tag)
                    readstat_variable_add_missing_double_value(v, values[k].number);
            readstat_variable_set_measure(v, READSTAT_MEASURE_NOMINAL);
        }
        rw->vars[i] = v;
    }
    sbuf_free(&label);
    e = rw->sav ? readstat_begin_writing_sav(rw->w, rw, nrows) : readstat_begin_writing_dta(rw->w, rw, nrows);
    if (e != READSTAT_OK)
        return fail(e, rw->sav ? "fichier SPSS" : "fichier Stata", err, errlen);
    if ((e = readstat_validate_metadata(rw->w)) != READSTAT_OK)
        return fail(e, "métadonnées", err, errlen);
    for (size_t i = 0; i < l->count; i++)
        if ((e = readstat_validate_variable(rw->w, rw->vars[i])) != READSTAT_OK) {
            char what[128];
            snprintf(what, sizeof what, "variable %s", l->cols[i].name);
            return fail(e, what, err, errlen);
        }
    return 0;
}

static int rs_row(void *ctx, const flat_layout *l, const flat_record *r, char *err, size_t errlen)
{
    rs_writer *rw = ctx;
    readstat_error_t e = readstat_begin_row(rw->w);
    for (size_t i = 0; e == READSTAT_OK && i < l->count; i++) {
        const flat_col *c = &l->cols[i];
        readstat_variable_t *v = rw->vars[i];
        if (c->type == FLAT_T_STRING) {
            sbuf_reset(&rw->cell);
            flat_cell(l, c, r, &rw->cell);
            const char *s = rw->cell.data ? rw->cell.data : "";
            if (strlen(s) > rw->width[i]) { /* longer than Stata's longest string: cut on a character */
                rw->cell.data[util_utf8_prefix(s, strlen(s), rw->width[i])] = '\0';
            }
            e = readstat_insert_string_value(rw->w, v, s);
            continue;
        }
        double x;
        char special;
        if (flat_number(l, c, r, &x, &special)) {
            e = readstat_insert_double_value(rw->w, v, x);
        } else if (special && !rw->sav) {
            e = readstat_insert_tagged_missing_value(rw->w, v, special);
        } else if (special) {
            /* SPSS: the nsp / refus paper number, which the variable declares missing */
            ext_value values[FORM_MAX_CHOICES + 2];
            size_t nv = ext_values(c, values), k = 0;
            while (k < nv && values[k].tag != special)
                k++;
            e = k < nv ? readstat_insert_double_value(rw->w, v, values[k].number) : readstat_insert_missing_value(rw->w, v);
        } else {
            e = readstat_insert_missing_value(rw->w, v);
        }
    }
    if (e == READSTAT_OK)
        e = readstat_end_row(rw->w);
    return e == READSTAT_OK ? 0 : fail(e, "écriture d'une ligne", err, errlen);
}

int ext_write_readstat(const ext_options *o, bool sav, FILE *f, char *err, size_t errlen)
{
    flat_layout *l = flat_layout_new(o->cat, o->form_id, o->defs, o->include_text);
    if (l == NULL) {
        snprintf(err, errlen, "formulaire « %s » inconnu", o->form_id);
        return -1;
    }
    rs_writer rw = {f, sav, NULL, NULL, xcalloc(l->count, sizeof(size_t)), {0}, NULL};
    widths m = {rw.width, {0}};
    ext_sink measure = {NULL, measure_row};
    ext_sink sink = {rs_begin, rs_row};
    /* A first reading for the strings' widths (the rows' count comes with the second). */
    ext_options unweighted = *o;
    unweighted.mg = NULL; /* widths need no raking */
    unweighted.progress = NULL;
    int rc = ext_scan(&unweighted, l, false, &measure, &m, err, errlen);
    sbuf_free(&m.cell);
    if (rc == 0)
        rc = ext_scan(o, l, true, &sink, &rw, err, errlen);
    if (rc == 0 && rw.w) {
        readstat_error_t e = readstat_end_writing(rw.w);
        if (e != READSTAT_OK)
            rc = fail(e, "fin du fichier", err, errlen);
    }
    if (rw.w)
        readstat_writer_free(rw.w);
    free(rw.vars);
    free(rw.width);
    sbuf_free(&rw.cell);
    flat_layout_free(l);
    return rc == 0 && !ferror(f) ? 0 : -1;
}
