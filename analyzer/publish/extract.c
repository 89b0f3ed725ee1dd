/* extract.c -- the answers as microdata: the pass over the answers with the raked weights, the value labels, and
 * the two CSV formats (see extract.h; the other formats are in export_stata.c, export_r.c and export_xlsx.c). */
#include "extract.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "dataset.h"
#include "util.h"
#include "weights.h"

bool ext_format_parse(const char *name, ext_format *f)
{
    static const char *const names[] = {"csv", "excel", "dta", "sav", "r", "xlsx"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) {
            *f = (ext_format)i;
            return true;
        }
    return false;
}

/* ------------------------------------------------------------------ value labels */

static size_t add_value(ext_value *out, size_t n, const char *code, int number, char tag, const char *label)
{
    sbuf b = {0};
    flat_value_label(label, &b);
    out[n].code = code;
    out[n].number = number;
    out[n].tag = tag;
    snprintf(out[n].label, sizeof out[n].label, "%s", b.data ? b.data : "");
    sbuf_free(&b);
    return n + 1;
}

size_t ext_values(const flat_col *col, ext_value *out)
{
    size_t n = 0;
    if (col->type == FLAT_T_CODED) {
        for (size_t c = 0; c < col->q->nchoices; c++) {
            const form_choice *ch = &col->q->choices[c];
            n = add_value(out, n, ch->code, ch->paper, flat_special(ch->code), form_text(ch->label, "fr"));
        }
    } else if (col->type == FLAT_T_BINARY) {
        n = add_value(out, n, "0", 0, 0, "Non");
        n = add_value(out, n, "1", 1, 0, "Oui");
        /* the question's exclusive nsp and refus, which stand in every one of its columns (flat.h) */
        for (size_t c = 0; col->kind == FLAT_CHOICE && c < col->q->nchoices; c++) {
            const form_choice *ch = &col->q->choices[c];
            if (ch->exclusive && flat_special(ch->code))
                n = add_value(out, n, ch->code, ch->paper, flat_special(ch->code), form_text(ch->label, "fr"));
        }
    }
    return n;
}

/* ------------------------------------------------------------------ the pass over the answers */

typedef struct pass1 {
    const terr_set *ts;
    const mg_margins *mg;
    long n;
    int *stratum;                 /* [n] territory index, -1 outside the territories file */
    int *mcat[MG_MAX_VARS];       /* [n] calibration category, -1 when it cannot be raked */
    size_t cap;
} pass1;

static int count_record(void *ctx, const ds_record *r)
{
    pass1 *p = ctx;
    if (p->mg) {
        if ((size_t)p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 1024;
            p->stratum = xrealloc(p->stratum, p->cap * sizeof *p->stratum);
            for (size_t v = 0; v < p->mg->nvars; v++)
                p->mcat[v] = xrealloc(p->mcat[v], p->cap * sizeof *p->mcat[v]);
        }
        /* as columns.c reads them for an analysis, so that the weights are the analysis' weights */
        const terr *t = r->territory ? terr_find(p->ts, r->territory) : NULL;
        p->stratum[p->n] = t ? (int)(t - p->ts->items) : -1;
        for (size_t v = 0; v < p->mg->nvars; v++)
            p->mcat[v][p->n] = mg_category(&p->mg->vars[v],
                                           json_string_value(json_object_get(r->answers, p->mg->vars[v].question)));
    }
    p->n++;
    return 0;
}

/* Rakes the respondents of the territories file within each territory, as analysis.c does (one rake per
 * territory, base weights 1). Fills w[n] (NAN outside the file). Returns 0 or -1 with err. */
static int rake(const pass1 *p, double *w, char *err, size_t errlen)
{
    const terr_set *ts = p->ts;
    const mg_margins *mg = p->mg;
    size_t ng = ts->count, m = 0;
    size_t *idx = xmalloc(((size_t)p->n + 1) * sizeof *idx);
    int *group = xmalloc(((size_t)p->n + 1) * sizeof *group);
    double *base = xmalloc(((size_t)p->n + 1) * sizeof *base);
    long *count = xcalloc(ng, sizeof *count);
    int *cat[MG_MAX_VARS] = {0};
    double *pop[MG_MAX_VARS] = {0};
    wt_margin margin[MG_MAX_VARS];
    const char **names = xcalloc(ng, sizeof *names);
    long *known = xcalloc(ng, sizeof *known);
    wt_raking *rk = NULL;
    int rc = -1;
    for (long i = 0; i < p->n; i++) {
        w[i] = NAN;
        if (p->stratum[i] >= 0) {
            idx[m] = (size_t)i, group[m] = p->stratum[i], base[m] = 1;
            count[p->stratum[i]]++;
            bool k = true;
            for (size_t v = 0; v < mg->nvars; v++)
                k &= p->mcat[v][i] >= 0;
            known[p->stratum[i]] += k;
            m++;
        }
    }
    if (m == 0) {
        rc = 0;
        goto done;
    }
    for (size_t g = 0; g < ng; g++)
        names[g] = ts->items[g].code;
    for (size_t v = 0; v < mg->nvars; v++) {
        const mg_var *mv = &mg->vars[v];
        cat[v] = xmalloc(m * sizeof *cat[v]);
        for (size_t k = 0; k < m; k++)
            cat[v][k] = p->mcat[v][idx[k]];
        pop[v] = xcalloc(ng * mv->ncat, sizeof *pop[v]);
        for (size_t g = 0; g < ng; g++) {
            int mt = mg_territory(mg, ts->items[g].code);
            if (mt < 0 && count[g] > 0) {
                snprintf(err, errlen, "le territoire %s a %ld répondant(s) mais aucune marge dans le fichier de marges",
                         ts->items[g].code, count[g]);
                goto done;
            }
            /* nothing to rake where nobody can be raked, as analysis.c */
            for (size_t k = 0; mt >= 0 && known[g] > 0 && k < mv->ncat; k++)
                pop[v][g * mv->ncat + k] = mv->pop[(size_t)mt * mv->ncat + k];
        }
        margin[v] = (wt_margin){mv->question, mv->ncat, cat[v], pop[v], (const char *const *)mv->codes};
    }
    /* The analysis' calibration fallback (weights.h), so that the exported weights stay the analysis' own. */
    wt_fallback_margin fm[MG_MAX_VARS];
    for (size_t v = 0; v < mg->nvars; v++)
        fm[v] = (wt_fallback_margin){mg->vars[v].question, mg->vars[v].ncat, cat[v], pop[v],
                                     (const char *const *)mg->vars[v].codes, mg_ordered(&mg->vars[v])};
    for (size_t g = 0; g < ng; g++) {
        char note[384];
        if (known[g] > 0)
            wt_fallback(m, group, g, mg->nvars, fm, note, sizeof note);
    }
    wt_input in = {m, base, ng, group, names, mg->nvars, margin};
    if ((rk = wt_rake(&in, NULL, err, errlen)) == NULL)
        goto done;
    const double *rw = wt_weights(rk);
    for (size_t k = 0; k < m; k++)
        w[idx[k]] = rw[k];
    rc = 0;
done:
    wt_free(rk);
    for (size_t v = 0; v < MG_MAX_VARS; v++) {
        free(cat[v]);
        free(pop[v]);
    }
    free(names);
    free(known);
    free(count);
    free(base);
    free(group);
    free(idx);
    return rc;
}

typedef struct pass2 {
    const ext_options *o;
    const flat_layout *l;
    const ext_sink *sink;
    void *ctx;
    const double *w;  /* [n] or NULL */
    long n, i;
    char *err;
    size_t errlen;
} pass2;

static int emit_record(void *ctx, const ds_record *r)
{
    pass2 *p = ctx;
    if (++p->i % 65536 == 0 && p->o->progress)
        p->o->progress(p->o->progress_ctx, (size_t)p->i);
    flat_record fr = {{r->uuid, r->version->version, r->territory, NULL, r->channel, r->lang, r->received_at,
                       r->paper_id},
                      r->answers, false, 0};
    /* The two passes read the same rows in the same order (one read-only query); a row the first did not see (the
     * collector wrote meanwhile) gets no weight rather than another's. */
    if (p->w && p->i <= p->n && !isnan(p->w[p->i - 1]))
        fr.has_weight = true, fr.weight = p->w[p->i - 1];
    return p->sink->row(p->ctx, p->l, &fr, p->err, p->errlen) == 0 ? 0 : -1;
}

int ext_scan(const ext_options *o, const flat_layout *l, bool need_count, const ext_sink *sink, void *ctx, char *err,
             size_t errlen)
{
    err[0] = '\0';
    pass1 p1 = {catalog_territories(o->cat), o->mg, 0, NULL, {0}, 0};
    double *w = NULL;
    int rc = -1;
    ds_counts counts;
    if (o->mg && (p1.ts == NULL || p1.ts->count == 0)) {
        snprintf(err, errlen, "--margins : le dossier des formulaires n'a pas de fichier de territoires");
        goto done;
    }
    if (need_count || o->mg) {
        if (ds_scan(o->db, o->cat, o->form_id, count_record, &p1, &counts, err, errlen) != 0)
            goto done;
    }
    if (o->mg) {
        w = xmalloc(((size_t)p1.n + 1) * sizeof *w);
        if (rake(&p1, w, err, errlen) != 0)
            goto done;
    }
    if (sink->begin && sink->begin(ctx, l, need_count || o->mg ? p1.n : -1, err, errlen) != 0)
        goto done;
    pass2 p2 = {o, l, sink, ctx, w, p1.n, 0, err, errlen};
    rc = ds_scan(o->db, o->cat, o->form_id, emit_record, &p2, &counts, err, errlen) == 0 ? 0 : -1;
    if (rc == 0 && (need_count && p2.i != p1.n)) {
        snprintf(err, errlen, "les réponses ont changé pendant l'export (%ld puis %ld) : relancez-le", p1.n, p2.i);
        rc = -1;
    }
done:
    if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "écriture de l'export impossible");
    free(w);
    free(p1.stratum);
    for (size_t v = 0; v < MG_MAX_VARS; v++)
        free(p1.mcat[v]);
    return rc;
}

/* ------------------------------------------------------------------ csv and excel */

typedef struct csv_writer {
    const ext_options *o;
    bool excel;
    FILE *f;
    sbuf cell, line;
} csv_writer;

/* True when Excel would read s as a number, a date, a time or a fraction instead of text ("1-2", "01", "3/4",
 * "1e5", "16-24", "2026-10-04"): only digits, separators and an exponent, with a digit. */
static bool excel_would_convert(const char *s)
{
    return s[0] != '\0' && strspn(s, "0123456789-/.,:eE+% ") == strlen(s) && strpbrk(s, "0123456789") != NULL;
}

static void put_field(csv_writer *w, const flat_col *col, const char *s, bool first)
{
    if (!first)
        sbuf_add(&w->line, w->excel ? ";" : ",", 1);
    if (!w->excel) {
        if (w->o->raw_text) {
            bool q = strpbrk(s, ",;\"\r\n") != NULL;
            if (q)
                sbuf_add(&w->line, "\"", 1);
            for (const char *p = s; *p; p++) {
                if (*p == '"')
                    sbuf_add(&w->line, "\"", 1);
                sbuf_add(&w->line, p, 1);
            }
            if (q)
                sbuf_add(&w->line, "\"", 1);
        } else {
            csv_quote(&w->line, s);
        }
        return;
    }
    bool numeric = col && (col->type == FLAT_T_NUMBER || col->type == FLAT_T_BINARY) && csv_is_number(s);
    if (numeric) {
        /* a French Excel reads 1,5 and not 1.5 */
        for (const char *p = s; *p; p++)
            sbuf_add(&w->line, *p == '.' ? "," : p, 1);
    } else if (excel_would_convert(s)) {
        /* ="1-2": a formula whose value is the text itself; s has only digits and separators, so nothing runs */
        sbuf_addf(&w->line, "\"=\"\"%s\"\"\"", s);
    } else {
        csv_quote(&w->line, s);
    }
}

static int csv_begin(void *ctx, const flat_layout *l, long nrows, char *err, size_t errlen)
{
    (void)nrows, (void)err, (void)errlen;
    csv_writer *w = ctx;
    if (w->excel)
        fputs("\xEF\xBB\xBF", w->f); /* the byte-order mark that makes Excel read UTF-8 */
    sbuf_reset(&w->line);
    for (size_t i = 0; i < l->count; i++)
        put_field(w, NULL, l->cols[i].name, i == 0);
    sbuf_add(&w->line, "\r\n", 2);
    fwrite(w->line.data, 1, w->line.len, w->f);
    return ferror(w->f) ? -1 : 0;
}

static int csv_row(void *ctx, const flat_layout *l, const flat_record *r, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    csv_writer *w = ctx;
    sbuf_reset(&w->line);
    for (size_t i = 0; i < l->count; i++) {
        sbuf_reset(&w->cell);
        flat_cell(l, &l->cols[i], r, &w->cell);
        put_field(w, &l->cols[i], w->cell.data ? w->cell.data : "", i == 0);
    }
    sbuf_add(&w->line, "\r\n", 2);
    fwrite(w->line.data, 1, w->line.len, w->f);
    return ferror(w->f) ? -1 : 0;
}

int ext_write_csv(const ext_options *o, bool excel, FILE *f, char *err, size_t errlen)
{
    flat_layout *l = flat_layout_new(o->cat, o->form_id, o->defs, o->include_text);
    if (l == NULL) {
        snprintf(err, errlen, "formulaire « %s » inconnu", o->form_id);
        return -1;
    }
    csv_writer w = {o, excel, f, {0}, {0}};
    ext_sink sink = {csv_begin, csv_row};
    int rc = ext_scan(o, l, false, &sink, &w, err, errlen);
    sbuf_free(&w.cell);
    sbuf_free(&w.line);
    flat_layout_free(l);
    return rc == 0 && !ferror(f) ? 0 : -1;
}
