/* export_xlsx.c -- the analyst's workbook (see extract.h), written with libxlsxwriter:
 * - "Réponses": one line per respondent under a line of variable names, the choices as their French labels (Oui /
 *   Non for a 0/1 column), numbers as numbers;
 * - "Variables": each variable's name, label and labelled values, as in the Stata and SPSS files;
 * - one sheet per indicator of the report (named after the indicator, at most 31 characters, unique): each group
 *   (territories, all QPV, the rest of the town, the town) and category with its estimate, interval, respondents
 *   and nsp / refus; a cell the small-cell rules suppress (analysis.h) has no number, only the reason.
 * libxlsxwriter 1.1 writes only to a named file: the workbook is made in a private temporary folder and copied to
 * the output, then removed.
 */
#include "extract.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "util.h"

typedef struct xl_writer {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold;
    lxw_row_t row;
    sbuf cell;
} xl_writer;

static int xl_begin(void *ctx, const flat_layout *l, long nrows, char *err, size_t errlen)
{
    (void)nrows, (void)err, (void)errlen;
    xl_writer *x = ctx;
    for (size_t i = 0; i < l->count; i++)
        worksheet_write_string(x->ws, 0, (lxw_col_t)i, l->cols[i].name, x->bold);
    worksheet_freeze_panes(x->ws, 1, 1);
    x->row = 1;
    return 0;
}

static int xl_row(void *ctx, const flat_layout *l, const flat_record *r, char *err, size_t errlen)
{
    xl_writer *x = ctx;
    if (x->row >= LXW_ROW_MAX) {
        snprintf(err, errlen, "plus de %u réponses : trop pour une feuille de classeur ; prenez le format csv", LXW_ROW_MAX - 1);
        return -1;
    }
    ext_value values[FORM_MAX_CHOICES + 2];
    for (size_t i = 0; i < l->count; i++) {
        const flat_col *c = &l->cols[i];
        sbuf_reset(&x->cell);
        flat_cell(l, c, r, &x->cell);
        const char *s = x->cell.data ? x->cell.data : "";
        if (s[0] == '\0')
            continue;
        lxw_col_t col = (lxw_col_t)i;
        if (c->type == FLAT_T_NUMBER) {
            worksheet_write_number(x->ws, x->row, col, strtod(s, NULL), NULL);
            continue;
        }
        size_t nv = ext_values(c, values), k = 0;
        while (k < nv && strcmp(values[k].code, s) != 0)
            k++;
        worksheet_write_string(x->ws, x->row, col, k < nv ? values[k].label : s, NULL);
    }
    x->row++;
    return 0;
}

/* The variables sheet. */
static void variables_sheet(xl_writer *x, const flat_layout *l)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Variables");
    static const char *const head[] = {"Variable", "Libellé", "Valeurs"};
    for (lxw_col_t c = 0; c < 3; c++)
        worksheet_write_string(ws, 0, c, head[c], x->bold);
    ext_value values[FORM_MAX_CHOICES + 2];
    sbuf b = {0};
    for (size_t i = 0; i < l->count; i++) {
        worksheet_write_string(ws, (lxw_row_t)i + 1, 0, l->cols[i].name, NULL);
        sbuf_reset(&b);
        flat_label(&l->cols[i], &b);
        worksheet_write_string(ws, (lxw_row_t)i + 1, 1, b.data ? b.data : "", NULL);
        sbuf_reset(&b);
        size_t nv = ext_values(&l->cols[i], values);
        for (size_t k = 0; k < nv; k++)
            sbuf_addf(&b, "%s%s = %s", k ? " ; " : "", values[k].code, values[k].label);
        if (nv)
            worksheet_write_string(ws, (lxw_row_t)i + 1, 2, b.data, NULL);
    }
    sbuf_free(&b);
    worksheet_set_column(ws, 0, 0, 24, NULL);
    worksheet_set_column(ws, 1, 1, 70, NULL);
    worksheet_set_column(ws, 2, 2, 70, NULL);
}

/* A sheet name from id: at most 31 characters, none of []:*?/\, unique among names[0..n) whatever the case. */
static void sheet_name(const char *id, char names[][32], size_t n, char *out)
{
    char base[32];
    size_t k = 0;
    for (const char *p = id; *p && k < 31; p++)
        base[k++] = strchr("[]:*?/\\'", *p) ? '_' : *p;
    base[k] = '\0';
    snprintf(out, 32, "%s", base);
    for (unsigned v = 2;; v++) {
        bool used = false;
        for (size_t i = 0; i < n && !used; i++)
            used = strcasecmp(names[i], out) == 0;
        if (!used)
            return;
        char suffix[12];
        int sl = snprintf(suffix, sizeof suffix, "_%u", v);
        snprintf(out, 32, "%.*s%s", (int)(31 - (size_t)sl < k ? 31 - (size_t)sl : k), base, suffix);
    }
}

static const char *reason(disc_status s)
{
    return s == DISC_PRIMARY        ? "secret statistique : moins de répondants que le seuil"
           : s == DISC_COMPLEMENTARY ? "secret statistique : masqué pour qu'un autre chiffre ne puisse pas être "
                                       "retrouvé par différence"
                                     : "";
}

/* One sheet per indicator, from the analysis, under its small-cell rules. */
static void indicator_sheets(xl_writer *x, const an_result *res)
{
    size_t nd = ind_count(res->defs);
    char (*names)[32] = xcalloc(nd + 3, sizeof *names);
    strcpy(names[0], "Réponses");
    strcpy(names[1], "Variables");
    lxw_format *pct = workbook_add_format(x->wb);
    format_set_num_format(pct, "0.0%");
    for (size_t i = 0; i < nd; i++) {
        const ind_def *d = ind_at(res->defs, i);
        sheet_name(d->id, names, i + 2, names[i + 2]);
        lxw_worksheet *ws = workbook_add_worksheet(x->wb, names[i + 2]);
        bool share = d->kind == IND_PROPORTION || d->kind == IND_DISTRIBUTION;
        worksheet_write_string(ws, 0, 0, form_text(d->label, "fr"), x->bold);
        worksheet_write_string(ws, 1, 0, form_text(d->definition, "fr"), NULL);
        static const char *const head[] = {"Territoire", "Réponse", "Estimation", "Borne basse", "Borne haute",
                                           "Répondants", "Ne sait pas", "Refus", "Secret statistique"};
        for (lxw_col_t c = 0; c < 9; c++)
            worksheet_write_string(ws, 3, c, head[c], x->bold);
        lxw_row_t row = 4;
        for (size_t k = 0; k < res->ncells; k++) {
            const an_cell *c = &res->cells[k];
            if (c->indicator != i)
                continue;
            worksheet_write_string(ws, row, 0, res->groups[c->group].label, NULL);
            if (c->category >= 0 && (size_t)c->category < d->ncategories)
                worksheet_write_string(ws, row, 1, form_text(d->categories[c->category].label, "fr"), NULL);
            if (c->suppressed != DISC_SHOW) {
                worksheet_write_string(ws, row, 8, reason(c->suppressed), NULL);
            } else {
                lxw_format *fmt = share ? pct : NULL;
                if (c->has_estimate)
                    worksheet_write_number(ws, row, 2, c->estimate, fmt);
                if (c->has_ci) {
                    worksheet_write_number(ws, row, 3, c->lower, fmt);
                    worksheet_write_number(ws, row, 4, c->upper, fmt);
                }
                worksheet_write_number(ws, row, 5, (double)c->n, NULL);
                worksheet_write_number(ws, row, 6, (double)c->nsp, NULL);
                worksheet_write_number(ws, row, 7, (double)c->refus, NULL);
            }
            row++;
        }
        worksheet_set_column(ws, 0, 1, 30, NULL);
        worksheet_set_column(ws, 2, 7, 12, NULL);
        worksheet_set_column(ws, 8, 8, 50, NULL);
    }
    free(names);
}

/* Copies the file at path to f. */
static int copy_to(const char *path, FILE *f)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return -1;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, f) != n)
            break;
    int rc = ferror(in) || ferror(f) ? -1 : 0;
    fclose(in);
    return rc;
}

int ext_write_xlsx(const ext_options *o, FILE *f, char *err, size_t errlen)
{
    flat_layout *l = flat_layout_new(o->cat, o->form_id, o->defs, o->include_text);
    if (l == NULL) {
        snprintf(err, errlen, "formulaire « %s » inconnu", o->form_id);
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/analyzer-xlsx-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int rc = -1;
    xl_writer x = {0};
    if (mkdtemp(dir) == NULL) { /* mode 0700: nobody else reads the answers while the workbook is made */
        snprintf(err, errlen, "dossier temporaire %s : %s", dir, strerror(errno));
        flat_layout_free(l);
        return -1;
    }
    snprintf(path, sizeof path, "%s/export.xlsx", dir);
    /* Constant memory: rows are written in order and flushed to the temporary directory, so a
     * 50,000-answer export takes megabytes, not the 600 MB a workbook held in memory took. */
    lxw_workbook_options wo = {.constant_memory = LXW_TRUE, .tmpdir = dir};
    x.wb = workbook_new_opt(path, &wo);
    if (x.wb == NULL) {
        snprintf(err, errlen, "classeur impossible à créer dans %s", dir);
        goto done;
    }
    x.bold = workbook_add_format(x.wb);
    format_set_bold(x.bold);
    x.ws = workbook_add_worksheet(x.wb, "Réponses");
    ext_sink sink = {xl_begin, xl_row};
    rc = ext_scan(o, l, false, &sink, &x, err, errlen);
    variables_sheet(&x, l);
    if (o->analysis)
        indicator_sheets(&x, o->analysis);
    lxw_error e = workbook_close(x.wb);
    x.wb = NULL;
    if (rc == 0 && e != LXW_NO_ERROR) {
        snprintf(err, errlen, "écriture du classeur : %s", lxw_strerror(e));
        rc = -1;
    }
    if (rc == 0 && copy_to(path, f) != 0) {
        snprintf(err, errlen, "copie du classeur : %s", strerror(errno));
        rc = -1;
    }
done:
    unlink(path);
    rmdir(dir);
    sbuf_free(&x.cell);
    flat_layout_free(l);
    return rc;
}
