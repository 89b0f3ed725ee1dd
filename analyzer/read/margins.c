/* margins.c -- reading the population margins file (see margins.h). */
#include "margins.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"

/* One data row, kept until every row is read (categories are ordered by the form, not by the file). */
typedef struct mrow {
    size_t line;
    const terr *t;
    const form_question *q;
    const form_choice *c;
    double pop;
} mrow;

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static const char *const header[] = {"territory", "variable", "category", "population"};

static int check_header(char **fields, size_t nf, char *err, size_t errlen)
{
    if (nf != 4) {
        set_err(err, errlen, "ligne 1 : en-tête attendu « territory,variable,category,population »");
        return -1;
    }
    for (size_t i = 0; i < 4; i++)
        if (strcmp(fields[i], header[i]) != 0) {
            set_err(err, errlen, "ligne 1, colonne %zu : « %s » attendu, « %s » trouvé", i + 1, header[i], fields[i]);
            return -1;
        }
    return 0;
}

static int parse_row(char **fields, size_t nf, size_t line, const form *f, const terr_set *ts, mrow *out, char *err,
                     size_t errlen)
{
    if (nf != 4) {
        set_err(err, errlen, "ligne %zu : 4 champs attendus, %zu trouvés", line, nf);
        return -1;
    }
    out->line = line;
    out->t = terr_find(ts, fields[0]);
    if (out->t == NULL) {
        set_err(err, errlen, "ligne %zu, territory : territoire inconnu « %s »", line, fields[0]);
        return -1;
    }
    out->q = form_question_by_id(f, fields[1]);
    if (out->q == NULL || out->q->type != FQ_SINGLE) {
        set_err(err, errlen, "ligne %zu, variable : « %s » n'est pas une question à choix unique du formulaire %s",
                line, fields[1], f->id);
        return -1;
    }
    out->c = form_choice_by_code(out->q, fields[2], false);
    if (out->c == NULL) {
        set_err(err, errlen, "ligne %zu, category : « %s » n'est pas un code de %s", line, fields[2], fields[1]);
        return -1;
    }
    if (!util_parse_double(fields[3], &out->pop) || !isfinite(out->pop) || out->pop < 0) {
        set_err(err, errlen, "ligne %zu, population : « %s » n'est pas un effectif positif ou nul", line, fields[3]);
        return -1;
    }
    return 0;
}

static int read_rows(const char *path, const form *f, const terr_set *ts, mrow **rows, size_t *nrows, char *err,
                     size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        set_err(err, errlen, "%s : impossible d'ouvrir le fichier", path);
        return -1;
    }
    csv_reader *r = csv_open(fp, 0);
    char **fields;
    size_t nf, cap = 0;
    int rc, status = -1;
    bool first = true;
    while ((rc = csv_next(r, &fields, &nf)) == 1) {
        if (first) {
            first = false;
            if (check_header(fields, nf, err, errlen) < 0)
                goto done;
            continue;
        }
        if (*nrows == cap) {
            cap = cap ? 2 * cap : 64;
            *rows = xrealloc(*rows, cap * sizeof **rows);
        }
        if (parse_row(fields, nf, csv_line(r), f, ts, &(*rows)[*nrows], err, errlen) < 0)
            goto done;
        ++*nrows;
    }
    if (rc < 0)
        set_err(err, errlen, "ligne %zu : %s", csv_line(r), csv_error(r));
    else if (*nrows == 0)
        set_err(err, errlen, "%s : aucune marge", path);
    else
        status = 0;
done:
    csv_close(r);
    fclose(fp);
    return status;
}

static int find_str(char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return (int)i;
    return -1;
}

int mg_territory(const mg_margins *m, const char *code)
{
    return find_str(m->terr, m->nterr, code);
}

int mg_category(const mg_var *v, const char *code)
{
    return find_str(v->codes, v->ncat, code);
}

bool mg_ordered(const mg_var *v)
{
    for (size_t k = 0; k < v->ncat; k++)
        if (v->codes[k][0] < '0' || v->codes[k][0] > '9')
            return false;
    return true;
}

/* Builds the variables, categories and territories from the rows, in the form's and territories' orders. */
static int build(mg_margins *m, const mrow *rows, size_t nrows, const terr_set *ts, char *err, size_t errlen)
{
    for (size_t t = 0; t < ts->count; t++)
        for (size_t i = 0; i < nrows; i++)
            if (rows[i].t == &ts->items[t]) {
                m->terr = xrealloc(m->terr, (m->nterr + 1) * sizeof *m->terr);
                m->terr[m->nterr++] = xstrdup(ts->items[t].code);
                break;
            }
    for (size_t i = 0; i < nrows; i++) {
        bool known = false;
        for (size_t v = 0; v < m->nvars; v++)
            known |= strcmp(m->vars[v].question, rows[i].q->id) == 0;
        if (known)
            continue;
        if (m->nvars == MG_MAX_VARS) {
            set_err(err, errlen, "ligne %zu : plus de %d variables de calage", rows[i].line, MG_MAX_VARS);
            return -1;
        }
        mg_var *v = &m->vars[m->nvars++];
        v->question = xstrdup(rows[i].q->id);
        v->codes = xcalloc(rows[i].q->nchoices, sizeof *v->codes);
        for (size_t c = 0; c < rows[i].q->nchoices; c++)
            for (size_t j = 0; j < nrows; j++)
                if (rows[j].c == &rows[i].q->choices[c]) {
                    v->codes[v->ncat++] = xstrdup(rows[i].q->choices[c].code);
                    break;
                }
        v->pop = xmalloc(m->nterr * v->ncat * sizeof *v->pop);
        for (size_t k = 0; k < m->nterr * v->ncat; k++)
            v->pop[k] = -1; /* not given yet */
    }
    for (size_t i = 0; i < nrows; i++) {
        size_t v = 0;
        while (strcmp(m->vars[v].question, rows[i].q->id) != 0)
            v++;
        size_t cell = (size_t)mg_territory(m, rows[i].t->code) * m->vars[v].ncat +
                      (size_t)mg_category(&m->vars[v], rows[i].c->code);
        if (m->vars[v].pop[cell] >= 0) {
            set_err(err, errlen, "ligne %zu : %s / %s / %s figure deux fois", rows[i].line, rows[i].t->code,
                    rows[i].q->id, rows[i].c->code);
            return -1;
        }
        m->vars[v].pop[cell] = rows[i].pop;
    }
    for (size_t v = 0; v < m->nvars; v++)
        for (size_t t = 0; t < m->nterr; t++)
            for (size_t c = 0; c < m->vars[v].ncat; c++)
                if (m->vars[v].pop[t * m->vars[v].ncat + c] < 0) {
                    set_err(err, errlen, "marge manquante : %s / %s / %s (chaque territoire donne les mêmes "
                            "catégories de chaque variable)", m->terr[t], m->vars[v].question, m->vars[v].codes[c]);
                    return -1;
                }
    return 0;
}

mg_margins *mg_load(const char *path, const form *f, const terr_set *ts, char *err, size_t errlen)
{
    if (ts == NULL) {
        set_err(err, errlen, "le dossier des formulaires n'a pas de fichier de territoires");
        return NULL;
    }
    mrow *rows = NULL;
    size_t nrows = 0;
    mg_margins *m = NULL;
    if (read_rows(path, f, ts, &rows, &nrows, err, errlen) < 0)
        goto done;
    m = xcalloc(1, sizeof *m);
    if (build(m, rows, nrows, ts, err, errlen) < 0) {
        mg_free(m);
        m = NULL;
    }
done:
    free(rows);
    return m;
}

void mg_free(mg_margins *m)
{
    if (m == NULL)
        return;
    for (size_t t = 0; t < m->nterr; t++)
        free(m->terr[t]);
    free(m->terr);
    for (size_t v = 0; v < m->nvars; v++) {
        for (size_t c = 0; c < m->vars[v].ncat; c++)
            free(m->vars[v].codes[c]);
        free(m->vars[v].codes);
        free(m->vars[v].pop);
        free(m->vars[v].question);
    }
    free(m);
}
