/* report.c -- the diagnosis report (see report.h): the analyses it rests on, and its sections in order. What it
 * says besides the figures (themes, their order, titles and introductions, the key findings, the residents-versus-
 * operators pairs) comes from the plan of the indicator files (ind_report_plan), never from this file. */
#include "report.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>

#include <gsl/gsl_cdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "chart.h"
#include "compare.h"
#include "dataset.h"
#include "disclosure.h"
#include "frfmt.h"
#include "indicators.h"
#include "map.h"
#include "profile.h"
#include "util.h"

#define SECRET "secret stat."  /* what a suppressed cell shows */
#define GAP_POINTS 20.0        /* residents' knowledge this far below the operators' is pointed out */
#define GRID_THEME 6           /* themes with more indicators are shown as one table, groups in columns */
#define MAX_TEXTS 300          /* free-text answers printed per question */
#define BLOCK 4                /* groups per table of the per-territory tables (an A4 page's width) */
#define OTHER_THEME "Autres indicateurs" /* indicators whose theme the plan does not name */

/* The questions of one form that the report shows besides its indicators, analysed as distribution (or mean,
 * or grid-row proportion) indicators made for the purpose, so that their tables follow the same minimum-n and
 * suppression rules as every other figure. */
typedef struct extra {
    const form *f;
    const ind_set *defs;      /* the form's own indicators */
    const ind_plan *plan;
    bool *read;               /* [f->nquestions] read by one of the form's indicators */
    bool *listed;             /* [f->nquestions] named in some theme's "questions" */
    ind_set *xdefs;           /* one indicator per choice question (grid: per row and choice), or NULL */
    an_result *xres;
    long *texts;              /* [f->nquestions * (nterr + 1)] non-empty free-text or date answers by territory */
} extra;

typedef struct ctx {
    const rep_options *o;
    const terr_set *ts;
    const form *rf, *of;     /* current versions of the residents' and operators' forms */
    ind_set *rdefs, *odefs;
    const ind_plan *rplan, *oplan; /* the report plans of the two indicator files (empty without one) */
    an_result *res, *ops;    /* ops NULL when there is no operator form or answer */
    an_result **waves;       /* [o->nwaves] the residents' indicators of each wave (the last is res) */
    extra rx, ox;            /* the residents' and the operators' other questions */
    profile *prof;
    doc *d;
    double alpha;
    const char *rest_id;     /* the group the neighbourhoods are compared with */
} ctx;

/* ------------------------------------------------------------------ numbers in French */

/* "34,2 %" (frfmt.h: decimal comma, narrow no-break space) */
static char *pct(char *buf, size_t len, double v)
{
    return fr_pct(buf, len, v, 1);
}

static char *num1(char *buf, size_t len, double v)
{
    return fr_num(buf, len, v, 1);
}

static bool is_share(const ind_def *def)
{
    return def->kind == IND_PROPORTION || def->kind == IND_DISTRIBUTION;
}

static char *value(char *buf, size_t len, const ind_def *def, double v)
{
    return is_share(def) ? pct(buf, len, v) : num1(buf, len, v);
}

/* "34,2 % [31,0 ; 37,5]", or why there is no figure. */
static const char *cell_text(char *buf, size_t len, const ind_def *def, const an_cell *c)
{
    char a[24], b[24], e[24];
    if (c == NULL)
        snprintf(buf, len, "—");
    else if (c->suppressed != DISC_SHOW)
        snprintf(buf, len, SECRET);
    else if (!c->has_estimate)
        snprintf(buf, len, c->n == 0 ? "aucun répondant" : "—");
    else if (!c->has_ci)
        snprintf(buf, len, "%s", value(e, sizeof e, def, c->estimate));
    else if (is_share(def))
        snprintf(buf, len, "%s [%s ; %s]", value(e, sizeof e, def, c->estimate), num1(a, sizeof a, 100 * c->lower),
                 num1(b, sizeof b, 100 * c->upper));
    else
        snprintf(buf, len, "%s [%s ; %s]", value(e, sizeof e, def, c->estimate), num1(a, sizeof a, c->lower),
                 num1(b, sizeof b, c->upper));
    return buf;
}

/* ------------------------------------------------------------------ looking results up */

static int def_index(const an_result *r, const char *id)
{
    for (size_t i = 0; r && i < ind_count(r->defs); i++)
        if (strcmp(ind_at(r->defs, i)->id, id) == 0)
            return (int)i;
    return -1;
}

static const an_cell *cell_of(const an_result *r, size_t ind, int category, const char *group)
{
    for (size_t i = 0; r && i < r->ncells; i++) {
        const an_cell *c = &r->cells[i];
        if (c->indicator == ind && c->category == category && strcmp(r->groups[c->group].id, group) == 0)
            return c;
    }
    return NULL;
}

static const an_test *diff_of(const an_result *r, size_t ind, int category, const char *group)
{
    for (size_t i = 0; r && i < r->ntests; i++) {
        const an_test *t = &r->tests[i];
        if (t->kind == AN_T_DIFF && t->indicator == ind && t->category == category &&
            strcmp(r->groups[t->group].id, group) == 0)
            return t;
    }
    return NULL;
}

static const char *group_label(const an_result *r, const char *id)
{
    for (size_t g = 0; g < r->ngroups; g++)
        if (strcmp(r->groups[g].id, id) == 0)
            return r->groups[g].label;
    return id;
}

/* The honest reading of a difference: a direction only when the Holm-adjusted test supports it. */
static const char *wording(const ctx *x, const an_test *t)
{
    if (t == NULL)
        return "—";
    if (t->suppressed)
        return "non publié (secret statistique)";
    if (t->p_holm < x->alpha)
        return t->diff > 0 ? "plus élevé" : "plus faible";
    return "pas de différence démontrée";
}

static const char *flags_text(char *buf, size_t len, const an_cell *c)
{
    buf[0] = '\0';
    if (c == NULL || c->suppressed != DISC_SHOW)
        return buf;
    if (c->flags & (AN_FLAG_NEFF | AN_FLAG_WIDTH | AN_FLAG_RELWIDTH))
        snprintf(buf, len, "imprécis, à interpréter avec prudence");
    else if (c->flags & (AN_FLAG_REVIEW_DF | AN_FLAG_P01 | AN_FLAG_NO_VARIANCE))
        snprintf(buf, len, "peu de répondants");
    else if (c->flags & AN_FLAG_ZERO_VARIANCE) /* the zero-variance rule of estimate.h */
        snprintf(buf, len, "réponses identiques dans chaque catégorie de calage : précision non mesurable");
    return buf;
}

/* ------------------------------------------------------------------ questions */

static const char *fr(const json_t *text)
{
    return form_text(text, "fr");
}

/* "R10 — Ces 12 derniers mois, ..." appended to b: how the report names every question it shows. */
static void question_name(sbuf *b, const form_question *q)
{
    sbuf_addf(b, "%s — %s", q->id, fr(q->label));
}

/* Marks in read[] the question of f that ref names ("R23" or "R23.pmi"). */
static void mark_ref(const form *f, bool *read, const char *ref, size_t n)
{
    char id[128];
    size_t k = 0;
    while (k < n && k + 1 < sizeof id && ref[k] != '.' && ref[k] != '}')
        id[k] = ref[k], k++;
    id[k] = '\0';
    const form_question *q = form_question_by_id(f, id);
    if (q)
        read[q->index] = true;
}

/* Marks in read[] every question that indicator i of defs reads: its question, its score's items, and every
 * ${...} of its expressions. */
static void mark_reads(const form *f, const ind_set *defs, size_t i, bool *read)
{
    static const char *const keys[] = {"numerator", "denominator", "among", "value"};
    const ind_def *def = ind_at(defs, i);
    if (def->question)
        mark_ref(f, read, def->question, strlen(def->question));
    for (size_t t = 0; def->score && t < def->score->nterms; t++)
        mark_ref(f, read, def->score->terms[t].question, strlen(def->score->terms[t].question));
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        for (const char *src = ind_source(defs, i, keys[k]); src && (src = strstr(src, "${")) != NULL; src += 2) {
            const char *end = strchr(src + 2, '}');
            if (end)
                mark_ref(f, read, src + 2, (size_t)(end - src - 2));
        }
}

/* Whether the plan places indicator def in one of its themes. */
static bool in_plan(const ind_plan *p, const ind_def *def)
{
    return def->theme && ind_theme_by_id(p, def->theme) != NULL;
}

/* Whether indicator i belongs to theme th (NULL: the indicators the plan does not place). */
static bool of_theme(const ind_set *defs, const ind_plan *p, size_t i, const ind_theme *th)
{
    const ind_def *def = ind_at(defs, i);
    return th ? def->theme && strcmp(def->theme, th->id) == 0 : !in_plan(p, def);
}

/* Prints, under an indicator or a theme's table, the questions its indicators read, each with its id and wording
 * (indicator `only` when it is not negative, else the indicators of theme th, as of_theme says). */
static void questions_read(ctx *x, const form *f, const ind_set *defs, const ind_plan *p, const ind_theme *th,
                           long only)
{
    bool *read = xcalloc(f->nquestions + 1, sizeof *read);
    size_t n = 0;
    for (size_t i = 0; i < ind_count(defs); i++)
        if (only >= 0 ? (size_t)only == i : of_theme(defs, p, i, th))
            mark_reads(f, defs, i, read);
    for (size_t q = 0; q < f->nquestions; q++)
        n += read[q];
    if (n == 1) {
        for (size_t q = 0; q < f->nquestions; q++)
            if (read[q]) {
                sbuf b = {0};
                question_name(&b, &f->questions[q]);
                doc_note(x->d, "Question : %s", b.data);
                sbuf_free(&b);
            }
    } else if (n > 1) {
        doc_note(x->d, "Questions :");
        for (size_t q = 0; q < f->nquestions; q++)
            if (read[q]) {
                sbuf b = {0};
                question_name(&b, &f->questions[q]);
                doc_item(x->d, "%s", b.data);
                sbuf_free(&b);
            }
    }
    free(read);
}

/* ------------------------------------------------------------------ summary */

static void summary_participation(ctx *x)
{
    const profile *p = x->prof;
    long paper = 0, in_terr = 0;
    for (size_t t = 0; t <= p->nterr; t++) {
        paper += p->channel[t * PROF_NCHANNEL + PROF_PAPER];
        if (t < p->nterr)
            in_terr += p->channel[t * PROF_NCHANNEL] + p->channel[t * PROF_NCHANNEL + PROF_PAPER];
    }
    char a[FR_BUF], n[FR_BUF], m[FR_BUF], l[FR_BUF];
    doc_para(x->d, "%s habitants ont répondu au questionnaire, dont %s dans les territoires étudiés ; %s des "
             "réponses ont été recueillies sur papier par les médiateurs.", fr_int(n, sizeof n, p->records),
             fr_int(m, sizeof m, in_terr), pct(a, sizeof a, p->records ? (double)paper / (double)p->records : 0));
    if (x->ops)
        doc_para(x->d, "%s professionnels et partenaires de proximité ont répondu au questionnaire des opérateurs.",
                 fr_int(n, sizeof n, (long)x->ops->records));
    doc_para(x->d, x->res->weighted ? "Les résultats sont redressés (calage sur l'âge et le sexe de chaque quartier) "
                                      "et donnés avec leur intervalle de confiance à %s."
                                    : "Les résultats ne sont pas redressés (chaque répondant compte pour un) et sont "
                                      "donnés avec leur intervalle de confiance à %s.",
             fr_pct(l, sizeof l, x->o->level, 0));
}

/* One sentence per key indicator of the plan's synthesis: all QPV against the rest of the town. */
static void summary_findings(ctx *x)
{
    for (size_t k = 0; k < x->rplan->nsynthesis; k++) {
        int i = def_index(x->res, x->rplan->synthesis[k]);
        if (i < 0)
            continue;
        const ind_def *def = ind_at(x->rdefs, (size_t)i);
        const an_cell *q = cell_of(x->res, (size_t)i, -1, "ensemble_qpv");
        const an_cell *r = cell_of(x->res, (size_t)i, -1, x->rest_id);
        char a[96], b[96];
        if (q == NULL || r == NULL)
            continue;
        doc_finding(x->d, "%s : %s dans les quartiers prioritaires, %s dans le reste de la commune — %s.",
                    fr(def->label), cell_text(a, sizeof a, def, q), cell_text(b, sizeof b, def, r),
                    wording(x, diff_of(x->res, (size_t)i, -1, "ensemble_qpv")));
    }
}

/* The label of a per-service indicator without its prefix ("Connaît : PMI" gives "PMI"). */
static const char *service_name(const ind_def *def)
{
    const char *label = fr(def->label), *colon = strstr(label, " : ");
    return colon ? colon + 3 : label;
}

/* The three services of the first residents-versus-operators pair that have the lowest residents' figure (town
 * level): where the plan puts its first comparison, the least known or least used places. */
static void summary_services(ctx *x)
{
    if (x->rplan->npairs == 0)
        return;
    const ind_pair *pair = &x->rplan->pairs[0];
    const char *least[3] = {0};
    double lv[3] = {2, 2, 2};
    for (size_t i = 0; i < ind_count(x->rdefs); i++) {
        const ind_def *def = ind_at(x->rdefs, i);
        if (def->theme == NULL || strcmp(def->theme, pair->resident_theme) != 0 || def->row == NULL ||
            !is_share(def))
            continue;
        const an_cell *c = cell_of(x->res, i, -1, "commune");
        if (c == NULL || c->suppressed != DISC_SHOW || !c->has_estimate)
            continue;
        for (int k = 0; k < 3; k++)
            if (c->estimate < lv[k]) {
                for (int j = 2; j > k; j--)
                    lv[j] = lv[j - 1], least[j] = least[j - 1];
                lv[k] = c->estimate, least[k] = service_name(def);
                break;
            }
    }
    if (least[0] == NULL)
        return;
    sbuf b = {0};
    for (int k = 0; k < 3 && least[k]; k++) {
        char p[FR_BUF];
        sbuf_addf(&b, "%s%s (%s)", k ? " ; " : "", least[k], pct(p, sizeof p, lv[k]));
    }
    doc_finding(x->d, "%s, les trois lieux aux chiffres les plus bas parmi les habitants de la commune : %s.",
                fr(pair->title), b.data);
    sbuf_free(&b);
}

/* The operators' key indicators (their plan's synthesis), town level: they have no comparison group. */
static void summary_operators(ctx *x)
{
    for (size_t k = 0; x->ops && k < x->oplan->nsynthesis; k++) {
        int i = def_index(x->ops, x->oplan->synthesis[k]);
        if (i < 0)
            continue;
        const ind_def *def = ind_at(x->odefs, (size_t)i);
        char a[96];
        doc_finding(x->d, "Opérateurs — %s : %s.", fr(def->label),
                    cell_text(a, sizeof a, def, cell_of(x->ops, (size_t)i, -1, "commune")));
    }
}

static void section_summary(ctx *x)
{
    char a[FR_BUF], n[FR_BUF];
    doc_heading(x->d, 1, "synthese", "Synthèse");
    summary_participation(x);
    doc_heading(x->d, 2, NULL, "Principaux constats");
    summary_findings(x);
    summary_services(x);
    summary_operators(x);
    doc_note(x->d, "Lecture : « plus élevé » ou « plus faible » n'est écrit que lorsque l'écart avec le reste de la "
             "commune est statistiquement établi (test ajusté de Holm sur l'ensemble des comparaisons, seuil %s) ; "
             "sinon « pas de différence démontrée », ce qui ne veut pas dire qu'il n'y en a pas. Entre crochets : "
             "l'intervalle de confiance. « %s » : moins de %s répondants, chiffre non publié.",
             fr_pct(a, sizeof a, x->alpha, 0), SECRET, fr_int(n, sizeof n, x->o->min_n));
}

/* ------------------------------------------------------------------ who answered */

/* Prints a territories x columns table of counts under the minimum-n rule, with totals. */
static void count_table(ctx *x, const char *caption, size_t ncol, const char *const *colnames, const long *n,
                        bool with_targets)
{
    size_t nr = x->prof->nterr;
    long *grid = xcalloc((nr + 1) * (ncol + 1), sizeof *grid);
    disc_status *st = xcalloc((nr + 1) * (ncol + 1), sizeof *st);
    for (size_t t = 0; t < nr; t++)
        for (size_t c = 0; c < ncol; c++) {
            grid[t * (ncol + 1) + c] = n[t * ncol + c];
            grid[t * (ncol + 1) + ncol] += n[t * ncol + c];
            grid[nr * (ncol + 1) + c] += n[t * ncol + c];
            grid[nr * (ncol + 1) + ncol] += n[t * ncol + c];
        }
    disc_suppress_grid(nr, ncol, grid, x->o->min_n, st);
    const char *headers[16] = {"Territoire"};
    unsigned char numeric[16] = {0};
    size_t nh = 1;
    for (size_t c = 0; c < ncol && nh < 13; c++)
        headers[nh] = colnames[c], numeric[nh++] = 1;
    bool total_col = ncol > 1; /* one column is its own total */
    if (total_col)
        headers[nh] = "Total", numeric[nh++] = 1;
    if (with_targets)
        headers[nh] = "Objectif", numeric[nh++] = 1, headers[nh] = "Atteint", numeric[nh++] = 1;
    doc_table(x->d, caption, nh, headers, numeric);
    char buf[16][FR_BUF];
    for (size_t t = 0; t <= nr; t++) {
        const char *cells[16] = {t < nr ? x->ts->items[t].name : "Ensemble"};
        for (size_t c = 0; c < (total_col ? ncol + 1 : ncol) && c < 13; c++) {
            size_t k = t * (ncol + 1) + c;
            if (st[k] != DISC_SHOW)
                snprintf(buf[c], sizeof buf[c], SECRET);
            else
                fr_int(buf[c], sizeof buf[c], grid[k]);
            cells[1 + c] = buf[c];
        }
        if (with_targets) {
            long target = 0, total = grid[t * (ncol + 1) + ncol];
            for (size_t k = 0; k < nr; k++)
                target += t == nr || k == t ? x->ts->items[k].target : 0;
            fr_int(buf[14], sizeof buf[14], target);
            cells[ncol + 2] = target > 0 ? buf[14] : "—";
            char p[FR_BUF];
            snprintf(buf[15], sizeof buf[15], "%s",
                     target > 0 && st[t * (ncol + 1) + ncol] == DISC_SHOW ? pct(p, sizeof p, (double)total / (double)target)
                                                                            : "—");
            cells[ncol + 3] = buf[15];
        }
        doc_row(x->d, cells);
    }
    free(st);
    free(grid);
}

static void section_participation(ctx *x)
{
    const profile *p = x->prof;
    doc_heading(x->d, 1, "participation", "Qui a répondu");
    doc_para(x->d, "Réponses des habitants par territoire et par mode de recueil (téléphone ou questionnaire papier "
             "saisi par un médiateur), rapportées à l'objectif de la campagne.");
    static const char *const channels[] = {"Téléphone", "Papier"};
    count_table(x, "Réponses par territoire et mode de recueil", PROF_NCHANNEL, channels, p->channel, true);
    long outside = p->channel[p->nterr * PROF_NCHANNEL] + p->channel[p->nterr * PROF_NCHANNEL + PROF_PAPER];
    char on[FR_BUF];
    if (outside > 0)
        doc_note(x->d, "%s réponses viennent de personnes qui n'habitent pas l'un de ces territoires (autre commune, "
                 "refus de répondre) : elles ne comptent dans aucun indicateur.", fr_int(on, sizeof on, outside));
    const char *langs[16];
    for (size_t l = 0; l < p->nlang && l < 16; l++)
        langs[l] = p->f->languages[l];
    count_table(x, "Réponses par territoire et langue du questionnaire", p->nlang, langs, p->lang, false);

    if (p->nage == 0)
        return;
    /* age x sex of the town's respondents against its population */
    size_t na = p->nage, ns = p->nsex;
    long *n = xcalloc(na * ns, sizeof *n), total = 0;
    double *pop = xcalloc(na * ns, sizeof *pop), ptotal = 0;
    for (size_t t = 0; t < p->nterr; t++)
        for (size_t k = 0; k < na * ns; k++) {
            n[k] += p->agesex[t * na * ns + k];
            total += p->agesex[t * na * ns + k];
            long v = terr_population(&x->ts->items[t], p->age[k / ns], p->sex[k % ns]);
            pop[k] += v > 0 ? (double)v : 0;
            ptotal += v > 0 ? (double)v : 0;
        }
    long *grid = xcalloc((na + 1) * (ns + 1), sizeof *grid);
    disc_status *st = xcalloc((na + 1) * (ns + 1), sizeof *st);
    for (size_t a = 0; a < na; a++)
        for (size_t s = 0; s < ns; s++) {
            grid[a * (ns + 1) + s] = n[a * ns + s];
            grid[a * (ns + 1) + ns] += n[a * ns + s];
            grid[na * (ns + 1) + s] += n[a * ns + s];
            grid[na * (ns + 1) + ns] += n[a * ns + s];
        }
    disc_suppress_grid(na, ns, grid, x->o->min_n, st);
    const char *headers[10] = {"Âge"};
    unsigned char numeric[10] = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    char hb[8][64];
    size_t nh = 1;
    for (size_t s = 0; s < ns && s < 4; s++) {
        snprintf(hb[2 * s], sizeof hb[0], "%s : répondants", p->sex[s]);
        snprintf(hb[2 * s + 1], sizeof hb[0], "%s : population", p->sex[s]);
        headers[nh++] = hb[2 * s], headers[nh++] = hb[2 * s + 1];
    }
    doc_table(x->d, "Âge et sexe des répondants et de la population (part de l'ensemble)", nh, headers, numeric);
    for (size_t a = 0; a < na; a++) {
        char cb[8][FR_BUF];
        const char *cells[10] = {p->age[a]};
        for (size_t s = 0; s < ns && s < 4; s++) {
            if (st[a * (ns + 1) + s] != DISC_SHOW)
                snprintf(cb[2 * s], sizeof cb[0], SECRET);
            else
                pct(cb[2 * s], sizeof cb[0], total ? (double)n[a * ns + s] / (double)total : 0);
            pct(cb[2 * s + 1], sizeof cb[0], ptotal > 0 ? pop[a * ns + s] / ptotal : 0);
            cells[1 + 2 * s] = cb[2 * s], cells[2 + 2 * s] = cb[2 * s + 1];
        }
        doc_row(x->d, cells);
    }
    doc_note(x->d, "Les répondants ne ressemblent jamais tout à fait à la population (davantage de femmes et de "
             "personnes âgées, en général) : %s", x->res->weighted
                 ? "le calage sur l'âge et le sexe de chaque quartier corrige cet écart dans les indicateurs."
                 : "sans fichier de marges, les indicateurs ne corrigent pas cet écart ; les chiffres standardisés "
                   "par âge et sexe permettent de comparer les quartiers à structure égale.");
    free(st);
    free(grid);
    free(pop);
    free(n);
}

/* ------------------------------------------------------------------ indicators */

/* The groups in the order tables and charts show them: territories, all QPV, the town. */
static void indicator_table(ctx *x, const an_result *r, size_t ind, int category)
{
    const ind_def *def = ind_at(r->defs, ind);
    static const char *const headers[] = {"Territoire", "n", "Estimation [IC]", "Standardisé âge × sexe",
                                          "Par rapport au reste de la commune", "Remarque"};
    static const unsigned char numeric[] = {0, 1, 1, 1, 0, 0};
    bool compare = r == x->res;
    doc_table(x->d, NULL, compare ? 6 : 3, headers, numeric);
    chart_row rows[64];
    size_t nrow = 0;
    char why[64][32];
    for (size_t g = 0; g < r->ngroups; g++) {
        const an_cell *c = cell_of(r, ind, category, r->groups[g].id);
        char n[FR_BUF], est[96], stdv[96], flags[96];
        snprintf(n, sizeof n, "%s", c && c->suppressed == DISC_SHOW ? "" : SECRET);
        if (c && c->suppressed == DISC_SHOW)
            fr_int(n, sizeof n, c->n);
        cell_text(est, sizeof est, def, c);
        if (c && c->suppressed == DISC_SHOW && c->has_std)
            value(stdv, sizeof stdv, def, c->std);
        else
            snprintf(stdv, sizeof stdv, "—");
        const an_test *t = diff_of(r, ind, category, r->groups[g].id);
        const char *cells[] = {r->groups[g].label, n, est, stdv, compare ? wording(x, t) : "",
                               flags_text(flags, sizeof flags, c)};
        doc_row(x->d, cells);
        if (nrow < 64 && c) {
            chart_row *cr = &rows[nrow];
            snprintf(why[nrow], sizeof why[nrow], "%s", c->suppressed != DISC_SHOW ? "secret statistique"
                                                          : c->n == 0 ? "aucun répondant"
                                                                                     : "non estimé");
            *cr = (chart_row){r->groups[g].label, c->suppressed == DISC_SHOW && c->has_estimate, why[nrow],
                              c->estimate, c->lower, c->upper, c->has_ci, strcmp(r->groups[g].id, x->rest_id) == 0};
            nrow++;
        }
    }
    char title[512];
    snprintf(title, sizeof title, "%s%s%s : estimation et intervalle de confiance par territoire",
             fr(def->label), category >= 0 ? " — " : "", category >= 0 ? fr(def->categories[category].label) : "");
    char *svg = chart_intervals(title, rows, nrow, 1, is_share(def));
    if (svg)
        doc_figure(x->d, svg, title);
    free(svg);
}

/* A distribution: categories in rows, all QPV, the rest and the town in columns. */
static void distribution_table(ctx *x, const an_result *r, size_t ind)
{
    const ind_def *def = ind_at(r->defs, ind);
    const char *groups[3] = {"ensemble_qpv", x->rest_id, "commune"};
    const char *headers[4] = {"Réponse", group_label(r, groups[0]), group_label(r, groups[1]),
                              group_label(r, groups[2])};
    static const unsigned char numeric[] = {0, 1, 1, 1};
    doc_table(x->d, NULL, 4, headers, numeric);
    chart_row rows[IND_MAX_CATEGORIES];
    for (size_t k = 0; k < def->ncategories; k++) {
        char v[3][96];
        const char *cells[4] = {fr(def->categories[k].label)};
        for (int g = 0; g < 3; g++)
            cells[1 + g] = cell_text(v[g], sizeof v[g], def, cell_of(r, ind, (int)k, groups[g]));
        doc_row(x->d, cells);
        const an_cell *c = cell_of(r, ind, (int)k, "commune");
        rows[k] = (chart_row){fr(def->categories[k].label), c && c->suppressed == DISC_SHOW && c->has_estimate,
                              "secret statistique", c ? c->estimate : 0, c ? c->lower : 0, c ? c->upper : 0,
                              c && c->has_ci, false};
    }
    const an_cell *c0 = cell_of(r, ind, 0, "commune");
    char n[FR_BUF];
    if (c0 && c0->suppressed == DISC_SHOW)
        doc_note(x->d, "Parmi %s répondants de la commune.%s", fr_int(n, sizeof n, c0->n),
                 def->multiple ? " Plusieurs réponses possibles : le total dépasse 100" FR_NNBSP "%." : "");
    char title[512];
    snprintf(title, sizeof title, "%s (ensemble de la commune)", fr(def->label));
    char *svg = chart_intervals(title, rows, def->ncategories, 1, true);
    if (svg)
        doc_figure(x->d, svg, title);
    free(svg);
}

/* Many indicators of one theme (a service each): indicators in rows, all QPV, the rest and the town in columns. */
static void theme_grid(ctx *x, const an_result *r, const ind_plan *p, const ind_theme *th)
{
    const char *groups[3] = {"ensemble_qpv", x->rest_id, "commune"};
    const char *headers[5] = {"Indicateur", group_label(r, groups[0]), group_label(r, groups[1]),
                              group_label(r, groups[2]), "Quartiers / reste"};
    static const unsigned char numeric[] = {0, 1, 1, 1, 0};
    doc_table(x->d, NULL, r == x->res ? 5 : 4, headers, numeric);
    for (size_t i = 0; i < ind_count(r->defs); i++) {
        const ind_def *def = ind_at(r->defs, i);
        if (!of_theme(r->defs, p, i, th) || def->kind == IND_DISTRIBUTION)
            continue;
        char v[3][96];
        const char *cells[5] = {fr(def->label)};
        for (int g = 0; g < 3; g++)
            cells[1 + g] = cell_text(v[g], sizeof v[g], def, cell_of(r, i, -1, groups[g]));
        cells[4] = wording(x, diff_of(r, i, -1, "ensemble_qpv"));
        doc_row(x->d, cells);
    }
}

/* Per-territory detail of a grid theme: indicators in rows, territories in columns, five at a time. */
static void theme_grid_territories(ctx *x, const an_result *r, const ind_plan *p, const ind_theme *th)
{
    size_t nterr = x->ts->count;
    for (size_t first = 0; first < nterr; first += 5) {
        size_t k = nterr - first < 5 ? nterr - first : 5;
        const char *headers[6] = {"Indicateur"};
        unsigned char numeric[6] = {0, 1, 1, 1, 1, 1};
        for (size_t j = 0; j < k; j++)
            headers[1 + j] = x->ts->items[first + j].name;
        doc_table(x->d, NULL, 1 + k, headers, numeric);
        for (size_t i = 0; i < ind_count(r->defs); i++) {
            const ind_def *def = ind_at(r->defs, i);
            if (!of_theme(r->defs, p, i, th) || def->kind == IND_DISTRIBUTION)
                continue;
            char v[5][96];
            const char *cells[6] = {fr(def->label)};
            for (size_t j = 0; j < k; j++)
                cells[1 + j] = cell_text(v[j], sizeof v[j], def, cell_of(r, i, -1, x->ts->items[first + j].code));
            doc_row(x->d, cells);
        }
    }
}

static size_t theme_size(const an_result *r, const ind_plan *p, const ind_theme *th)
{
    size_t n = 0;
    for (size_t i = 0; i < ind_count(r->defs); i++)
        n += of_theme(r->defs, p, i, th);
    return n;
}

/* Says, under an indicator, that its questions changed meaning between the form versions its answers were given
 * to (versions.h): the figure pools two wordings. */
static void comparability_note(ctx *x, const an_result *r, size_t ind)
{
    const char *note = r->versions ? r->versions->note[ind] : NULL;
    if (note != NULL)
        doc_note(x->d, "« %s » : %s. Les réponses aux deux versions sont mises en commun : à lire avec prudence.",
                 fr(ind_at(r->defs, ind)->label), note);
}

/* One line of a per-group table (share_blocks): a category's share (or a mean), or the respondents' count. */
typedef struct share_row {
    const char *label;
    size_t ind;
    int category;
    bool count;     /* the cell's n instead of its estimate */
} share_row;

/* The text of one cell of a per-group table: the estimate alone (its interval is in the indicators' tables). */
static const char *share_cell(char *buf, size_t len, const ind_def *def, const an_cell *c, bool count)
{
    if (c == NULL)
        snprintf(buf, len, "—");
    else if (c->suppressed != DISC_SHOW)
        snprintf(buf, len, SECRET);
    else if (count)
        fr_int(buf, len, c->n);
    else if (!c->has_estimate)
        snprintf(buf, len, "—");
    else
        value(buf, len, def, c->estimate);
    return buf;
}

/* Rows of shares by group (every territory, all QPV, the rest, the town), BLOCK groups to a table with the row
 * labels repeated, so that no table is wider than a page. */
static void share_blocks(ctx *x, const an_result *r, const char *first, const share_row *rows, size_t nrows)
{
    for (size_t g0 = 0; g0 < r->ngroups; g0 += BLOCK) {
        size_t k = r->ngroups - g0 < BLOCK ? r->ngroups - g0 : BLOCK;
        const char *headers[BLOCK + 1] = {first};
        unsigned char numeric[BLOCK + 1] = {0};
        for (size_t j = 0; j < k; j++)
            headers[1 + j] = r->groups[g0 + j].label, numeric[1 + j] = 1;
        doc_table(x->d, NULL, 1 + k, headers, numeric);
        for (size_t i = 0; i < nrows; i++) {
            char v[BLOCK][FR_BUF];
            const char *cells[BLOCK + 1] = {rows[i].label};
            for (size_t j = 0; j < k; j++)
                cells[1 + j] = share_cell(v[j], sizeof v[j], ind_at(r->defs, rows[i].ind),
                                          cell_of(r, rows[i].ind, rows[i].category, r->groups[g0 + j].id),
                                          rows[i].count);
            doc_row(x->d, cells);
        }
    }
}

static bool is_ranked(const ind_plan *p, const ind_def *def)
{
    for (size_t k = 0; k < p->nranked; k++)
        if (strcmp(p->ranked[k], def->id) == 0)
            return true;
    return false;
}

/* A ranked distribution (the residents' priorities): its shares in every territory, and a ranked bar chart for
 * each territory and the town. */
static void ranked_detail(ctx *x, const an_result *r, size_t ind)
{
    const ind_def *def = ind_at(r->defs, ind);
    share_row *rows = xcalloc(def->ncategories + 1, sizeof *rows);
    for (size_t k = 0; k < def->ncategories; k++)
        rows[k] = (share_row){fr(def->categories[k].label), ind, (int)k, false};
    rows[def->ncategories] = (share_row){"Répondants", ind, 0, true};
    doc_heading(x->d, 3, NULL, "Par territoire");
    share_blocks(x, r, "Réponse", rows, def->ncategories + 1);
    free(rows);
    chart_bar *bars = xcalloc(def->ncategories + 1, sizeof *bars);
    for (size_t g = 0; g < r->ngroups; g++) {
        if (r->groups[g].kind != AN_G_TERRITORY && r->groups[g].kind != AN_G_TOWN)
            continue;
        for (size_t k = 0; k < def->ncategories; k++) {
            const an_cell *c = cell_of(r, ind, (int)k, r->groups[g].id);
            bars[k] = (chart_bar){fr(def->categories[k].label), c && c->suppressed == DISC_SHOW && c->has_estimate,
                                  c ? c->estimate : 0, c && c->suppressed != DISC_SHOW ? "secret statistique"
                                                                                         : "aucun répondant"};
        }
        char title[512];
        snprintf(title, sizeof title, "%s — %s", fr(def->label), r->groups[g].label);
        char *svg = chart_bars(title, bars, def->ncategories);
        if (svg) /* chart_bars may draw nothing (no figure is better than an empty one) */
            doc_figure(x->d, svg, title);
        free(svg);
    }
    free(bars);
}

/* "Définition : ..." with the full stop the files leave out. */
static void definition_para(ctx *x, const ind_def *def)
{
    const char *t = fr(def->definition);
    size_t n = strlen(t);
    doc_para(x->d, "Définition : %s%s", t, n && strchr(".!?", t[n - 1]) ? "" : ".");
}

/* One indicator of a theme with few indicators: its heading, its definition in words, the questions it reads, its
 * table and chart. */
static void indicator_block(ctx *x, const an_result *r, const form *f, const ind_plan *p, size_t i)
{
    const ind_def *def = ind_at(r->defs, i);
    doc_heading(x->d, 2, NULL, "%s", fr(def->label));
    definition_para(x, def);
    questions_read(x, f, r->defs, p, NULL, (long)i);
    if (def->kind == IND_DISTRIBUTION)
        distribution_table(x, r, i);
    else
        indicator_table(x, r, i, -1);
    comparability_note(x, r, i);
    if (def->kind == IND_DISTRIBUTION && is_ranked(p, def))
        ranked_detail(x, r, i);
}

/* ------------------------------------------------------------------ the other questions */

/* The index of the first indicator made for question q (extra.xdefs), or -1. */
static long extra_first(const extra *e, const form_question *q)
{
    for (size_t i = 0; e->xres && i < ind_count(e->xdefs); i++) {
        const char *ref = ind_at(e->xdefs, i)->question;
        size_t n = strlen(q->id);
        if (ref && strncmp(ref, q->id, n) == 0 && (ref[n] == '\0' || ref[n] == '.'))
            return (long)i;
    }
    return -1;
}

/* A free-text or date question: how many answered it, by territory for the residents (under the minimum-n rule, as
 * the counts of "Qui a répondu"), in all for the operators. */
static void text_count(ctx *x, const extra *e, const form_question *q)
{
    const char *what = q->type == FQ_DATE ? "Réponses données" : "Réponses écrites";
    size_t nt = x->ts->count;
    const long *n = &e->texts[q->index * (nt + 1)];
    if (e == &x->rx) {
        char caption[256];
        snprintf(caption, sizeof caption, "%s à la question %s, par territoire", what, q->id);
        static const char *const cols[] = {"Réponses"};
        count_table(x, caption, 1, cols, n, false);
    } else {
        long total = 0;
        char t[FR_BUF], m[FR_BUF];
        for (size_t k = 0; k <= nt; k++)
            total += n[k];
        if (total == 0 || total >= x->o->min_n)
            doc_para(x->d, "%s : %s.", what, fr_int(t, sizeof t, total));
        else
            doc_para(x->d, "%s : moins de %s (%s).", what, fr_int(m, sizeof m, x->o->min_n), SECRET);
    }
    if (q->type != FQ_DATE)
        doc_note(x->d, "Le texte des réponses n'est reproduit qu'à la demande de l'analyste (--include-text), "
                 "car il pourrait permettre de reconnaître quelqu'un.");
}

/* One question shown for itself: its id and wording, then the share of each answer among those who answered it,
 * by group, from the indicators made for it (or a count for free text and dates). */
static void extra_question(ctx *x, const extra *e, const form_question *q, int level)
{
    sbuf name = {0};
    question_name(&name, q);
    doc_heading(x->d, level, NULL, "%s", name.data);
    sbuf_free(&name);
    if (q->type == FQ_TEXT || q->type == FQ_LONG_TEXT || q->type == FQ_DATE) {
        text_count(x, e, q);
        return;
    }
    if (q->type == FQ_TERRITORY) {
        doc_para(x->d, e == &x->rx ? "Les réponses par territoire sont dans la section « Qui a répondu »."
                                   : "Une structure peut desservir plusieurs territoires : elle compte alors dans les "
                                     "chiffres de chacun d'eux.");
        return;
    }
    long first = extra_first(e, q);
    if (first < 0) {
        doc_para(x->d, "Aucun tableau : la question n'a pas de réponse à compter.");
        return;
    }
    const an_result *r = e->xres;
    size_t nrows = 0, cap = 0;
    share_row *rows = NULL;
    const char *head = "Réponse";
    sbuf labels = {0}; /* the grid rows' labels, "Ligne : choix", kept until the tables are written */
    char **owned = NULL;
    size_t nowned = 0;
    for (size_t i = (size_t)first; i < ind_count(e->xdefs); i++) {
        const ind_def *def = ind_at(e->xdefs, i);
        size_t n = strlen(q->id);
        if (def->question == NULL || strncmp(def->question, q->id, n) != 0 ||
            (def->question[n] != '\0' && def->question[n] != '.'))
            break;
        if (nrows + def->ncategories + 3 > cap) {
            cap = 2 * cap + def->ncategories + 8;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        if (def->kind == IND_DISTRIBUTION) {
            for (size_t k = 0; k < def->ncategories; k++)
                rows[nrows++] = (share_row){fr(def->categories[k].label), i, (int)k, false};
            rows[nrows++] = (share_row){"Répondants", i, 0, true};
        } else if (def->kind == IND_MEAN) {
            head = "";
            rows[nrows++] = (share_row){"Moyenne", i, -1, false};
            rows[nrows++] = (share_row){"Répondants", i, -1, true};
        } else { /* a grid row and one of its choices */
            const form_choice *row = form_choice_by_code(q, def->row, true);
            const char *code = strrchr(def->id, '-') + 1;
            const form_choice *choice = NULL;
            for (size_t c = 0; c < q->nchoices; c++)
                if ((size_t)atol(code) == c)
                    choice = &q->choices[c];
            owned = xrealloc(owned, (nowned + 2) * sizeof *owned);
            sbuf_reset(&labels);
            sbuf_addf(&labels, "%s : %s", row ? fr(row->label) : def->row, choice ? fr(choice->label) : "");
            owned[nowned] = xstrdup(labels.data);
            rows[nrows++] = (share_row){owned[nowned++], i, -1, false};
            bool last = i + 1 == ind_count(e->xdefs) || ind_at(e->xdefs, i + 1)->row == NULL ||
                        strcmp(ind_at(e->xdefs, i + 1)->row, def->row) != 0 ||
                        strcmp(ind_at(e->xdefs, i + 1)->question, def->question) != 0;
            if (last) {
                sbuf_reset(&labels);
                sbuf_addf(&labels, "%s : répondants", row ? fr(row->label) : def->row);
                owned[nowned] = xstrdup(labels.data);
                rows[nrows++] = (share_row){owned[nowned++], i, -1, true};
            }
        }
    }
    share_blocks(x, r, head, rows, nrows);
    const ind_def *d0 = ind_at(e->xdefs, (size_t)first);
    if (d0->kind == IND_MEAN)
        doc_note(x->d, "Moyenne des réponses données (« ne sait pas » et refus à part).");
    else
        doc_note(x->d, "Part de chaque réponse parmi les personnes qui ont répondu à la question (« ne sait pas » et "
                 "refus à part).%s", d0->multiple ? " Plusieurs réponses possibles : le total dépasse 100" FR_NNBSP "%."
                                                  : "");
    for (size_t k = 0; k < nowned; k++)
        free(owned[k]);
    free(owned);
    sbuf_free(&labels);
    free(rows);
}

/* Whether some indicator of theme th reads question q. */
static bool theme_reads(const form *f, const ind_set *defs, const ind_plan *p, const ind_theme *th,
                        const form_question *q)
{
    bool *read = xcalloc(f->nquestions + 1, sizeof *read), found;
    for (size_t i = 0; i < ind_count(defs); i++)
        if (of_theme(defs, p, i, th))
            mark_reads(f, defs, i, read);
    found = read[q->index];
    free(read);
    return found;
}

/* ------------------------------------------------------------------ themes */

/* The body of one theme (NULL: the indicators the plan does not place): its introduction, its indicators with
 * their definitions and questions, then the questions it lists that none of its indicators reads. */
static void theme_body(ctx *x, const an_result *r, const extra *e, const ind_plan *p, const ind_theme *th)
{
    if (th && th->intro)
        doc_para(x->d, "%s", fr(th->intro));
    size_t n = theme_size(r, p, th);
    if (n > GRID_THEME) {
        theme_grid(x, r, p, th);
        doc_heading(x->d, 3, NULL, "Par territoire");
        theme_grid_territories(x, r, p, th);
        for (size_t k = 0; k < ind_count(r->defs); k++)
            if (of_theme(r->defs, p, k, th))
                comparability_note(x, r, k);
        doc_heading(x->d, 3, NULL, "Définitions");
        for (size_t k = 0; k < ind_count(r->defs); k++)
            if (of_theme(r->defs, p, k, th) && ind_at(r->defs, k)->kind != IND_DISTRIBUTION)
                doc_item(x->d, "%s : %s", fr(ind_at(r->defs, k)->label), fr(ind_at(r->defs, k)->definition));
        questions_read(x, e->f, r->defs, p, th, -1);
        for (size_t k = 0; k < ind_count(r->defs); k++)
            if (of_theme(r->defs, p, k, th) && ind_at(r->defs, k)->kind == IND_DISTRIBUTION)
                indicator_block(x, r, e->f, p, k);
    } else {
        for (size_t k = 0; k < ind_count(r->defs); k++)
            if (of_theme(r->defs, p, k, th))
                indicator_block(x, r, e->f, p, k);
    }
    for (size_t k = 0; th && k < th->nquestions; k++) {
        const form_question *q = form_question_by_id(e->f, th->questions[k]);
        if (q && !theme_reads(e->f, r->defs, p, th, q))
            extra_question(x, e, q, 2);
    }
}

static void section_themes(ctx *x)
{
    for (size_t t = 0; t < x->rplan->nthemes; t++) {
        const ind_theme *th = &x->rplan->themes[t];
        char id[96];
        snprintf(id, sizeof id, "theme-%s", th->id);
        doc_heading(x->d, 1, id, "%s", fr(th->title));
        theme_body(x, x->res, &x->rx, x->rplan, th);
    }
    if (theme_size(x->res, x->rplan, NULL) > 0) {
        doc_heading(x->d, 1, "theme-autres", OTHER_THEME);
        theme_body(x, x->res, &x->rx, x->rplan, NULL);
    }
}

/* ------------------------------------------------------------------ map */

/* The indicators the plan maps (its "map" list), or while a file has no plan the four of the earlier reports. One
 * map per indicator when the territories have outlines (map.h: quantile classes, hatched when not published or
 * imprecise); without outlines no map, but the territories ranked as dots with their intervals (chart_dots). */
static void section_map(ctx *x)
{
    static const char *const fallback[] = {"sante_percue_bonne", "sans_medecin_traitant", "renoncement_soins",
                                           "sait_ou_aller"};
    const char *const *keys = x->rplan->nmapped ? x->rplan->mapped : fallback;
    size_t nkeys = x->rplan->nmapped ? x->rplan->nmapped : sizeof fallback / sizeof fallback[0];
    size_t outlines = 0, nterr = x->ts->count, drawn = 0;
    for (size_t t = 0; t < nterr; t++)
        outlines += x->ts->items[t].outline != NULL;
    for (size_t k = 0; k < nkeys; k++)
        drawn += def_index(x->res, keys[k]) >= 0;
    if (drawn == 0)
        return;
    if (outlines) {
        doc_heading(x->d, 1, "carte", "Carte des principaux indicateurs");
        doc_para(x->d, "Chaque quartier prioritaire est coloré selon la valeur de l'indicateur, en classes de même "
                 "effectif (quantiles) dont les bornes sont dans la légende : une couleur plus foncée marque une valeur "
                 "plus élevée. Le reste de la commune, en gris, sert de référence : sa valeur est écrite sur la carte et "
                 "dans la légende. Un territoire hachuré de gris n'a pas de chiffre publié (secret statistique) ; un "
                 "territoire hachuré de traits fins a un chiffre imprécis, à lire avec son intervalle de confiance "
                 "dans les tableaux.");
    } else {
        doc_heading(x->d, 1, "carte", "Les territoires comparés");
        doc_para(x->d, "Le fichier des territoires ne donne pas leurs contours : au lieu d'une carte, chaque figure "
                 "range les territoires de la valeur la plus élevée à la plus faible, avec l'intervalle de confiance "
                 "de chaque estimation ; la ligne pointillée est le reste de la commune.");
    }
    map_area *areas = xcalloc(nterr, sizeof *areas);
    chart_row *rows = xcalloc(nterr, sizeof *rows);
    for (size_t k = 0; k < nkeys; k++) {
        int i = def_index(x->res, keys[k]);
        if (i < 0)
            continue;
        const ind_def *def = ind_at(x->rdefs, (size_t)i);
        for (size_t t = 0; t < nterr; t++) {
            const terr *tr = &x->ts->items[t];
            const an_cell *c = cell_of(x->res, (size_t)i, -1, tr->code);
            bool shown = c && c->suppressed == DISC_SHOW && c->has_estimate;
            areas[t] = (map_area){tr->name, tr->outline, shown, c ? c->estimate : 0,
                                  c && (c->flags & (AN_FLAG_NEFF | AN_FLAG_WIDTH | AN_FLAG_RELWIDTH)), !tr->qpv};
            rows[t] = (chart_row){tr->name, shown, c && c->suppressed != DISC_SHOW ? "secret statistique"
                                                                                     : "aucun répondant",
                                  c ? c->estimate : 0, c ? c->lower : 0, c ? c->upper : 0, c && c->has_ci,
                                  strcmp(tr->code, x->rest_id) == 0};
        }
        char title[512], id[32];
        snprintf(id, sizeof id, "hatch-%zu", k);
        char *svg;
        if (outlines) {
            snprintf(title, sizeof title, "%s par territoire", fr(def->label));
            svg = map_choropleth(title, id, areas, nterr, MAP_QUANTILES, is_share(def));
        } else {
            snprintf(title, sizeof title, "%s : territoires rangés, avec leur intervalle de confiance",
                     fr(def->label));
            svg = chart_dots(title, rows, nterr, 1, is_share(def));
        }
        if (svg) {
            doc_heading(x->d, 2, NULL, "%s", fr(def->label));
            doc_para(x->d, "%s", fr(def->definition));
            doc_figure(x->d, svg, title);
        }
        free(svg);
    }
    free(rows);
    free(areas);
}

/* ------------------------------------------------------------------ waves */

/* The change of one cell between two independent waves: difference and its normal interval as text, and the
 * two-sided p-value (-1 when there is no change to test). */
static double change_text(const ctx *x, const ind_def *def, const an_cell *a, const an_cell *b, char *chg,
                          size_t len)
{
    bool ok = a && b && a->suppressed == DISC_SHOW && b->suppressed == DISC_SHOW && a->has_ci && b->has_ci;
    if (!ok) {
        snprintf(chg, len, a && b && (a->suppressed != DISC_SHOW || b->suppressed != DISC_SHOW) ? SECRET : "—");
        return -1;
    }
    double d = b->estimate - a->estimate, se = sqrt(a->se * a->se + b->se * b->se);
    double z = gsl_cdf_ugaussian_Pinv(1 - x->alpha / 2), lo = d - z * se, hi = d + z * se;
    double k = is_share(def) ? 100 : 1; /* shares change in points */
    char v[24], l[24], h[24];
    snprintf(chg, len, "%s%s [%s ; %s]%s", d >= 0 ? "+" : "", num1(v, sizeof v, k * d), num1(l, sizeof l, k * lo),
             num1(h, sizeof h, k * hi), is_share(def) ? " pts" : "");
    return se > 0 ? 2 * gsl_cdf_ugaussian_Q(fabs(d) / se) : -1;
}

/* One table: every indicator of one group between the first wave and wave w, the readings Holm-adjusted over the
 * table (as many indicators, as many chances of a spurious "hausse"). */
static void wave_table(ctx *x, size_t w, const char *group, const ver_notes *notes)
{
    const rep_options *o = x->o;
    size_t n = ind_count(x->rdefs), m = 0;
    double *p = xcalloc(n + 1, sizeof *p), *adj = xcalloc(n + 1, sizeof *adj);
    char (*chg)[96] = xcalloc(n + 1, sizeof *chg);
    int *slot = xcalloc(n + 1, sizeof *slot);
    for (size_t i = 0; i < n; i++) {
        const ind_def *def = ind_at(x->rdefs, i);
        slot[i] = -1;
        if (def->kind == IND_DISTRIBUTION || def->kind == IND_RATIO)
            continue;
        if (notes->note[i] != NULL) { /* its questions changed meaning between the waves' versions: no evolution */
            snprintf(chg[i], sizeof chg[i], "non comparable");
            continue;
        }
        double pv = change_text(x, def, cell_of(x->waves[0], i, -1, group), cell_of(x->waves[w], i, -1, group), chg[i],
                                sizeof chg[i]);
        if (pv >= 0)
            slot[i] = (int)m, p[m++] = pv;
    }
    cmp_holm(p, m, adj);
    doc_heading(x->d, 2, NULL, "%s — %s → %s", group_label(x->res, group), o->waves[0].label, o->waves[w].label);
    const char *headers[] = {"Indicateur", o->waves[0].label, o->waves[w].label, "Évolution [IC]", "Lecture"};
    static const unsigned char numeric[] = {0, 1, 1, 1, 0};
    doc_table(x->d, NULL, 5, headers, numeric);
    for (size_t i = 0; i < n; i++) {
        const ind_def *def = ind_at(x->rdefs, i);
        if (def->kind == IND_DISTRIBUTION || def->kind == IND_RATIO)
            continue;
        const an_cell *a = cell_of(x->waves[0], i, -1, group), *b = cell_of(x->waves[w], i, -1, group);
        const char *reading = slot[i] < 0                     ? ""
                              : adj[slot[i]] >= x->alpha      ? "pas d'évolution démontrée"
                              : b->estimate > a->estimate     ? "hausse"
                                                              : "baisse";
        char va[96], vb[96];
        const char *cells[] = {form_text(def->label, "fr"), cell_text(va, sizeof va, def, a),
                               cell_text(vb, sizeof vb, def, b), chg[i], reading};
        doc_row(x->d, cells);
    }
    for (size_t i = 0; i < n; i++)
        if (notes->note[i] != NULL && ind_at(x->rdefs, i)->kind != IND_DISTRIBUTION &&
            ind_at(x->rdefs, i)->kind != IND_RATIO)
            doc_note(x->d, "« %s » : %s ; aucune évolution n'est calculée entre ces vagues.",
                     form_text(ind_at(x->rdefs, i)->label, "fr"), notes->note[i]);
    free(slot);
    free(chg);
    free(adj);
    free(p);
}

static void section_waves(ctx *x)
{
    const rep_options *o = x->o;
    doc_heading(x->d, 1, "evolution", "Évolution depuis la première vague");
    doc_para(x->d, "Le diagnostic a été répété : %zu vagues (%s à %s). Pour chaque indicateur, l'écart entre la "
             "première vague et les suivantes, avec son intervalle de confiance à %.0f %% (les vagues interrogent des "
             "personnes différentes). « Hausse » ou « baisse » n'est écrit que si l'écart est établi après la "
             "correction de Holm sur les indicateurs du tableau ; sinon « pas d'évolution démontrée ».",
             o->nwaves, o->waves[0].label, o->waves[o->nwaves - 1].label, 100 * o->level);
    const char *groups[3] = {"ensemble_qpv", x->rest_id, "commune"};
    for (size_t w = 1; w < o->nwaves; w++) {
        ver_notes *notes = ver_check_waves(o->db, o->cat, x->rdefs, &o->waves[0].filter, &o->waves[w].filter);
        for (int g = 0; g < 3; g++)
            wave_table(x, w, groups[g], notes);
        ver_free(notes);
    }
}

/* ------------------------------------------------------------------ residents and operators */

/* The operators' indicator of theme `theme` on the same service (grid row) as a residents' one. */
static int operator_twin(const ctx *x, const ind_def *def, const char *theme)
{
    for (size_t i = 0; x->ops && i < ind_count(x->odefs); i++) {
        const ind_def *o = ind_at(x->odefs, i);
        if (o->row && def->row && strcmp(o->row, def->row) == 0 && o->theme && strcmp(o->theme, theme) == 0)
            return (int)i;
    }
    return -1;
}

/* One pair of the plan: each service (grid row) of the residents' indicators of its resident theme beside the
 * operators' indicator on the same service of its operator theme. */
static void shared_table(ctx *x, const ind_pair *pair)
{
    const char *headers[] = {"Service", fr(pair->residents), fr(pair->operators), "Écart (points)", "Lecture"};
    static const unsigned char numeric[] = {0, 1, 1, 1, 0};
    doc_table(x->d, NULL, 5, headers, numeric);
    const char *done[64];
    size_t ndone = 0;
    for (size_t i = 0; i < ind_count(x->rdefs); i++) {
        const ind_def *def = ind_at(x->rdefs, i);
        if (def->theme == NULL || strcmp(def->theme, pair->resident_theme) != 0 || def->row == NULL)
            continue;
        bool seen = false; /* the first residents' indicator of each service */
        for (size_t k = 0; k < ndone; k++)
            seen |= strcmp(done[k], def->row) == 0;
        int j = seen ? -1 : operator_twin(x, def, pair->operator_theme);
        if (j < 0 || ndone == 64)
            continue;
        done[ndone++] = def->row;
        const an_cell *rc = cell_of(x->res, i, -1, "commune"), *oc = cell_of(x->ops, (size_t)j, -1, "commune");
        char a[96], b[96], gap[FR_BUF] = "—";
        const char *reading = "";
        bool both = rc && oc && rc->suppressed == DISC_SHOW && oc->suppressed == DISC_SHOW && rc->has_estimate &&
                    oc->has_estimate;
        if (both) {
            double g = 100 * (oc->estimate - rc->estimate);
            num1(gap, sizeof gap, g);
            if (g >= GAP_POINTS)
                reading = fr(pair->reading);
        }
        const char *cells[] = {service_name(def), cell_text(a, sizeof a, def, rc),
                               cell_text(b, sizeof b, ind_at(x->odefs, (size_t)j), oc), gap, reading};
        doc_row(x->d, cells);
    }
}

static void section_shared(ctx *x)
{
    if (x->rplan->npairs == 0)
        return; /* the plan compares nothing */
    doc_heading(x->d, 1, "regards-croises", "Regards croisés des habitants et des opérateurs");
    if (x->ops == NULL) {
        doc_para(x->d, "Aucune réponse d'opérateur n'a été recueillie : la comparaison n'est pas possible.");
        return;
    }
    char g[FR_BUF];
    doc_para(x->d, "Pour chaque lieu ou service, ce qu'en disent les habitants de la commune et les opérateurs "
             "(professionnels et partenaires). Un écart de %s points ou plus signale un service que les "
             "professionnels connaissent ou vers lequel ils orientent, alors que les habitants l'ignorent ou n'y vont "
             "pas : une piste pour le plan d'action.", fr_num(g, sizeof g, GAP_POINTS, 0));
    for (size_t k = 0; k < x->rplan->npairs; k++) {
        doc_heading(x->d, 2, NULL, "%s", fr(x->rplan->pairs[k].title));
        shared_table(x, &x->rplan->pairs[k]);
    }
}

/* The operators' indicators of one theme of their plan (NULL: those it does not place): the process indicators in
 * one table (town), then each distribution, the definitions, the questions read and the theme's other questions. */
static void operator_theme(ctx *x, const ind_theme *th)
{
    const an_result *r = x->ops;
    const ind_plan *p = x->oplan;
    if (th && th->intro)
        doc_para(x->d, "%s", fr(th->intro));
    size_t nplain = 0;
    for (size_t i = 0; i < ind_count(x->odefs); i++)
        nplain += of_theme(x->odefs, p, i, th) && ind_at(x->odefs, i)->kind != IND_DISTRIBUTION;
    if (nplain > 0) {
        static const char *const headers[] = {"Indicateur", "n", "Commune [IC]"};
        static const unsigned char numeric[] = {0, 1, 1};
        doc_table(x->d, NULL, 3, headers, numeric);
        for (size_t i = 0; i < ind_count(x->odefs); i++) {
            const ind_def *def = ind_at(x->odefs, i);
            if (!of_theme(x->odefs, p, i, th) || def->kind == IND_DISTRIBUTION)
                continue;
            const an_cell *c = cell_of(r, i, -1, "commune");
            char n[FR_BUF], v[96];
            snprintf(n, sizeof n, "%s", c && c->suppressed == DISC_SHOW ? "" : SECRET);
            if (c && c->suppressed == DISC_SHOW)
                fr_int(n, sizeof n, c->n);
            const char *cells[] = {fr(def->label), n, cell_text(v, sizeof v, def, c)};
            doc_row(x->d, cells);
        }
        for (size_t i = 0; i < ind_count(x->odefs); i++)
            if (of_theme(x->odefs, p, i, th) && ind_at(x->odefs, i)->kind != IND_DISTRIBUTION)
                doc_item(x->d, "%s : %s", fr(ind_at(x->odefs, i)->label), fr(ind_at(x->odefs, i)->definition));
        bool *read = xcalloc(x->of->nquestions + 1, sizeof *read);
        for (size_t i = 0; i < ind_count(x->odefs); i++)
            if (of_theme(x->odefs, p, i, th) && ind_at(x->odefs, i)->kind != IND_DISTRIBUTION)
                mark_reads(x->of, x->odefs, i, read);
        for (size_t q = 0; q < x->of->nquestions; q++)
            if (read[q]) {
                sbuf b = {0};
                question_name(&b, &x->of->questions[q]);
                doc_item(x->d, "Question : %s", b.data);
                sbuf_free(&b);
            }
        free(read);
    }
    for (size_t i = 0; i < ind_count(x->odefs); i++) {
        const ind_def *def = ind_at(x->odefs, i);
        if (!of_theme(x->odefs, p, i, th) || def->kind != IND_DISTRIBUTION)
            continue;
        doc_heading(x->d, 3, NULL, "%s", fr(def->label));
        definition_para(x, def);
        questions_read(x, x->of, x->odefs, p, NULL, (long)i);
        distribution_table(x, r, i);
        if (is_ranked(p, def))
            ranked_detail(x, r, i);
    }
    for (size_t k = 0; th && k < th->nquestions; k++) {
        const form_question *q = form_question_by_id(x->of, th->questions[k]);
        if (q && !theme_reads(x->of, x->odefs, p, th, q))
            extra_question(x, &x->ox, q, 3);
    }
}

static void section_operators(ctx *x)
{
    doc_heading(x->d, 1, "fiche-action", "Fiche action : indicateurs de processus");
    if (x->ops == NULL) {
        doc_para(x->d, "Aucune réponse d'opérateur n'a été recueillie.");
        return;
    }
    char n[FR_BUF];
    doc_para(x->d, "%s opérateurs ont répondu. Un opérateur qui intervient dans plusieurs quartiers compte dans "
             "chacun : les chiffres par quartier ne s'additionnent pas.", fr_int(n, sizeof n, (long)x->ops->records));
    for (size_t t = 0; t < x->oplan->nthemes; t++) {
        doc_heading(x->d, 2, NULL, "%s", fr(x->oplan->themes[t].title));
        operator_theme(x, &x->oplan->themes[t]);
    }
    if (theme_size(x->ops, x->oplan, NULL) > 0) {
        doc_heading(x->d, 2, NULL, OTHER_THEME);
        operator_theme(x, NULL);
    }
}

/* ------------------------------------------------------------------ the annex of the other questions */

/* The questions of f that no indicator reads and no theme lists, in the form's order. */
static size_t annex_count(const extra *e)
{
    size_t n = 0;
    for (size_t q = 0; e->f && q < e->f->nquestions; q++)
        n += !e->read[q] && !e->listed[q] && e->f->questions[q].type != FQ_NOTE;
    return n;
}

static void section_annex(ctx *x)
{
    if (annex_count(&x->rx) + annex_count(&x->ox) == 0)
        return;
    doc_heading(x->d, 1, "autres-questions", "Autres questions");
    doc_para(x->d, "Les questions qu'aucun indicateur ne résume et qu'aucun thème ne présente : pour chacune, la "
             "part de chaque réponse parmi les personnes qui y ont répondu, par territoire, sous la même règle de "
             "secret statistique que les indicateurs ; pour les réponses libres, leur nombre.");
    const extra *es[2] = {&x->rx, &x->ox};
    for (int k = 0; k < 2; k++) {
        const extra *e = es[k];
        if (annex_count(e) == 0 || (k == 1 && x->ops == NULL))
            continue;
        doc_heading(x->d, 2, NULL, k == 0 ? "Questionnaire des habitants" : "Questionnaire des opérateurs");
        for (size_t q = 0; q < e->f->nquestions; q++)
            if (!e->read[q] && !e->listed[q] && e->f->questions[q].type != FQ_NOTE)
                extra_question(x, e, &e->f->questions[q], 3);
    }
}

/* ------------------------------------------------------------------ data quality */

static void section_quality(ctx *x)
{
    const profile *p = x->prof;
    doc_heading(x->d, 1, "qualite", "Qualité des données");
    long twice = p->sheets[PROF_VERIFIED] + p->sheets[PROF_DISCREPANT] + p->sheets[PROF_RECONCILED];
    long paper_sheets = twice + p->sheets[PROF_SINGLE] + p->sheets[PROF_AWAITING];
    char a[FR_BUF], b1[FR_BUF], b2[FR_BUF], b3[FR_BUF];
    long paper = 0;
    for (size_t t = 0; t <= p->nterr; t++)
        paper += p->channel[t * PROF_NCHANNEL + PROF_PAPER];
    doc_para(x->d, "Part des réponses recueillies sur papier : %s (%s sur %s).",
             pct(a, sizeof a, p->records ? (double)paper / (double)p->records : 0), fr_int(b1, sizeof b1, paper),
             fr_int(b2, sizeof b2, p->records));
    doc_para(x->d, "Questionnaires papier : %s feuilles saisies, dont %s saisies deux fois (double saisie) ; %s "
             "attendent leur seconde saisie.", fr_int(b1, sizeof b1, paper_sheets), fr_int(b2, sizeof b2, twice),
             fr_int(b3, sizeof b3, p->sheets[PROF_AWAITING]));
    if (twice > 0)
        doc_para(x->d, "Taux de discordance de la double saisie : %s des feuilles saisies deux fois différaient (%s "
                 "réponses arbitrées) ; %s feuilles discordantes attendent un arbitrage et ne comptent pas encore.",
                 pct(a, sizeof a, (double)(p->sheets[PROF_DISCREPANT] + p->sheets[PROF_RECONCILED]) / (double)twice),
                 fr_int(b1, sizeof b1, p->differing_fields), fr_int(b2, sizeof b2, p->sheets[PROF_DISCREPANT]));
    doc_para(x->d, "Réponses écartées de l'analyse : %s ne respectent plus le questionnaire, %s portent sur une "
             "version de questionnaire absente, %s ne sont rattachées à aucun territoire.",
             fr_int(b1, sizeof b1, (long)x->res->rejected), fr_int(b2, sizeof b2, (long)x->res->unknown_version),
             fr_int(b3, sizeof b3, (long)x->res->no_territory));
    if (x->res->weighted)
        doc_para(x->d, "%s répondants sans âge ou sexe utilisable ne comptent pas dans les estimations redressées.",
                 fr_int(b1, sizeof b1, (long)x->res->left_out_calibration));
    if (x->res->unconverged)
        doc_finding(x->d, "Le calage n'a pas convergé dans %s territoire(s) (arrêt après 10 cycles, comme le calage "
                    "du logiciel R) : les marges de ces territoires sont peut-être incohérentes entre elles.",
                    fr_int(b1, sizeof b1, (long)x->res->unconverged));
    doc_heading(x->d, 2, NULL, "Non-réponse par question");
    static const char *const headers[] = {"Question", "Posée à", "Sans réponse", "Ne sait pas", "Refus"};
    static const unsigned char numeric[] = {0, 1, 1, 1, 1};
    doc_table(x->d, NULL, 5, headers, numeric);
    for (size_t k = 0; k < p->nitems; k++) {
        const prof_item *it = &p->items[k];
        char asked[FR_BUF], b[FR_BUF], n[FR_BUF], r[FR_BUF];
        sbuf label = {0};
        sbuf_addf(&label, "%s — %s", it->q->id, form_text(it->q->label, "fr"));
        bool show = it->asked >= x->o->min_n;
        fr_int(asked, sizeof asked, it->asked);
        const char *cells[] = {label.data, show ? asked : SECRET,
                               show ? pct(b, sizeof b, (double)it->blank / (double)it->asked) : "—",
                               show ? pct(n, sizeof n, (double)it->nsp / (double)it->asked) : "—",
                               show ? pct(r, sizeof r, (double)it->refus / (double)it->asked) : "—"};
        doc_row(x->d, cells);
        sbuf_free(&label);
    }
    doc_note(x->d, "« Posée à » : les répondants à qui la question s'adressait (les questions filtrées ne sont pas "
             "posées à tous). Sans réponse : question laissée vide (facultative).");
}

/* ------------------------------------------------------------------ free text */

typedef struct texts {
    const form *f;
    size_t nq;
    const char *ids[16];
    char **items[16];
    size_t count[16], seen[16];
} texts;

static int collect_text(void *ctx_, const ds_record *r)
{
    texts *t = ctx_;
    for (size_t k = 0; k < t->nq; k++) {
        const char *s = json_string_value(json_object_get(r->answers, t->ids[k]));
        if (s == NULL || t->seen[k]++ >= MAX_TEXTS)
            continue;
        t->items[k] = xrealloc(t->items[k], (t->count[k] + 1) * sizeof *t->items[k]);
        t->items[k][t->count[k]++] = xstrdup(s);
    }
    return 0;
}

static void section_texts(ctx *x, char *err, size_t errlen)
{
    texts t = {.f = x->rf};
    for (size_t i = 0; i < x->rf->nquestions && t.nq < 16; i++)
        if (x->rf->questions[i].type == FQ_LONG_TEXT || x->rf->questions[i].type == FQ_TEXT)
            t.ids[t.nq++] = x->rf->questions[i].id;
    ds_counts counts;
    const ds_filter *last = x->o->nwaves ? &x->o->waves[x->o->nwaves - 1].filter : NULL;
    if (t.nq == 0 || ds_scan_range(x->o->db, x->o->cat, x->o->form, INT64_MIN, INT64_MAX, last, collect_text, &t,
                                   &counts, err, errlen) != 0)
        return;
    doc_heading(x->d, 1, "paroles", "Paroles d'habitants (réponses libres)");
    doc_note(x->d, "Réponses libres publiées à la demande de l'analyste (--include-text) : relisez-les et retirez "
             "tout ce qui pourrait permettre de reconnaître quelqu'un avant de diffuser ce rapport.");
    for (size_t k = 0; k < t.nq; k++) {
        sbuf name = {0};
        question_name(&name, form_question_by_id(x->rf, t.ids[k]));
        doc_heading(x->d, 2, NULL, "%s", name.data);
        sbuf_free(&name);
        char a[FR_BUF], b[FR_BUF];
        if (t.seen[k] > t.count[k])
            doc_note(x->d, "%s réponses ; les %s premières reçues sont reproduites (analyzer export --include-text "
                     "les donne toutes).", fr_int(a, sizeof a, (long)t.seen[k]), fr_int(b, sizeof b, (long)t.count[k]));
        for (size_t i = 0; i < t.count[k]; i++) {
            doc_item(x->d, "%s", t.items[k][i]);
            free(t.items[k][i]);
        }
        free(t.items[k]);
    }
}

/* ------------------------------------------------------------------ methods */

/* The kind of an indicator in words. */
static const char *kind_words(ind_kind k)
{
    switch (k) {
    case IND_PROPORTION:
        return "part";
    case IND_DISTRIBUTION:
        return "répartition";
    case IND_MEAN:
        return "moyenne";
    case IND_RATIO:
        return "rapport";
    }
    return "";
}

/* Each indicator's definition in words (the expressions are in the technical annex). */
static void definitions_table(ctx *x, const ind_set *defs)
{
    static const char *const headers[] = {"Indicateur", "Type", "Définition"};
    doc_table(x->d, NULL, 3, headers, NULL);
    for (size_t i = 0; i < ind_count(defs); i++) {
        const ind_def *def = ind_at(defs, i);
        const char *cells[] = {fr(def->label), kind_words(def->kind), fr(def->definition)};
        doc_row(x->d, cells);
    }
}

static void questionnaire(ctx *x, const form *f)
{
    static const char *const headers[] = {"Question", "Libellé exact", "Réponses (code = libellé)"};
    doc_table(x->d, NULL, 3, headers, NULL);
    for (size_t i = 0; i < f->nquestions; i++) {
        const form_question *q = &f->questions[i];
        sbuf choices = {0};
        const form_choice *list = q->type == FQ_GRID ? q->rows : q->choices;
        size_t n = q->type == FQ_GRID ? q->nrows : q->nchoices;
        if (q->type == FQ_GRID)
            sbuf_adds(&choices, "lignes : ");
        for (size_t c = 0; c < n; c++)
            sbuf_addf(&choices, "%s%s = %s", c ? " ; " : "", list[c].code, fr(list[c].label));
        if (q->type == FQ_TERRITORY)
            sbuf_addf(&choices, "%sles territoires du fichier", n ? " ; " : "");
        if (q->relevant_src) /* the condition itself is an expression: the technical annex gives it */
            sbuf_addf(&choices, "%s(posée à une partie des répondants)", choices.len ? " " : "");
        const char *cells[] = {q->id, fr(q->label), choices.data ? choices.data : ""};
        doc_row(x->d, cells);
        sbuf_free(&choices);
    }
}

/* The proportion interval's method in words. */
static const char *method_words(const char *name)
{
    static const char *const names[][2] = {
        {"wilson", "de Wilson"},
        {"clopper-pearson", "exacte de Clopper et Pearson"},
        {"beta", "de Korn et Graubard"},
        {"logit", "de la transformation logistique"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], name) == 0)
            return names[i][1];
    return name;
}

static void section_methods(ctx *x)
{
    char a[FR_BUF], b[FR_BUF], c[FR_BUF], d[FR_BUF], e[FR_BUF];
    doc_heading(x->d, 1, "methodes", "Méthodes");
    doc_para(x->d, "Source : les réponses enregistrées par le collecteur (téléphone, et papier saisi par les "
             "médiateurs : une seule réponse par feuille, la feuille vérifiée ou arbitrée quand elle a été saisie deux "
             "fois ; une feuille encore discordante ne compte pas). Chaque réponse est vérifiée à nouveau contre la "
             "version du questionnaire à laquelle elle a été donnée.");
    if (x->res->weighted)
        doc_para(x->d, "Pondération : dans chaque territoire, les répondants sont calés sur les effectifs de population "
                 "par tranche d'âge et par sexe (calage itératif sur les marges, comme le fait le paquet « survey » du "
                 "logiciel R). Intervalles : méthode %s avec la variance linéarisée d'un plan stratifié par "
                 "territoire ; effet de plan et taille d'échantillon efficace calculés pour chaque estimation.",
                 method_words(x->res->method_name));
    else
        doc_para(x->d, "Pas de pondération : chaque répondant compte pour un. Intervalles : méthode %s pour les "
                 "parts, intervalle de Student pour les moyennes.", method_words(x->res->method_name));
    /* The calibration fallback of analysis.h, territory by territory: which variable and categories, and why. */
    for (size_t g = 0; x->res->weighted && g < x->res->ngroups; g++) {
        const an_group *gr = &x->res->groups[g];
        if (gr->calibration == AN_CAL_COLLAPSED)
            doc_para(x->d, "Calage adapté pour %s : une catégorie de calage sans répondant est regroupée avec sa "
                     "voisine, population comprise, avant le calage (%s).", gr->label, gr->calibration_note);
        else if (gr->calibration == AN_CAL_UNWEIGHTED)
            doc_para(x->d, "%s n'est pas calé : une catégorie de calage sans répondant ne peut pas être regroupée "
                     "avec une voisine ; chaque répondant y pèse la population du territoire divisée par le nombre "
                     "de répondants, et ses autres estimations sont calculées normalement (%s).", gr->label,
                     gr->calibration_note);
    }
    doc_para(x->d, "Cas limites : une part nulle ou totale, ou dont la variance est nulle (réponses identiques dans "
             "chaque catégorie de calage : erreur type nulle à l'arrondi du calcul près), reçoit l'intervalle exact de Clopper-Pearson calculé sur les répondants ; une moyenne "
             "ou un chiffre standardisé de variance nulle est publié sans intervalle, et une différence de variance "
             "nulle n'est pas testée.");
    doc_para(x->d, "Comparaisons : chaque quartier prioritaire, et leur ensemble, est comparé au reste de la commune "
             "(différence et son intervalle) ; les écarts entre territoires sont testés par le test de %s. Avec de "
             "nombreux indicateurs, des écarts « significatifs » apparaissent par hasard : sur %s comparaisons, le "
             "hasard seul en donnerait environ %s au seuil de %s ; %s le sont avant correction, %s après la "
             "correction de Holm, seule retenue dans ce rapport.",
             x->res->weighted ? "Rao et Scott" : "khi-deux de Pearson", fr_int(a, sizeof a, (long)x->res->diff_tests),
             fr_num(b, sizeof b, (double)x->res->diff_tests * x->alpha, 0), fr_pct(c, sizeof c, x->alpha, 0),
             fr_int(d, sizeof d, (long)x->res->diff_significant),
             fr_int(e, sizeof e, (long)x->res->diff_significant_holm));
    doc_para(x->d, "Standardisation : %s ; les chiffres standardisés sont ceux qu'aurait chaque quartier s'il avait "
             "la structure par âge et sexe de la commune.", x->res->std_note);
    doc_para(x->d, "Secret statistique : aucun chiffre ne repose sur moins de %s répondants ; les cases qui "
             "permettraient de le retrouver par soustraction (commune = quartiers + reste) sont masquées aussi. Les "
             "estimations trop imprécises (taille efficace inférieure à 30, intervalle trop large au sens des "
             "normes du centre national des statistiques de santé américain) sont signalées « imprécis ».",
             fr_int(a, sizeof a, x->o->min_n));
    doc_heading(x->d, 2, NULL, "Définition des indicateurs");
    definitions_table(x, x->rdefs);
    if (x->ops)
        definitions_table(x, x->odefs);
    doc_heading(x->d, 2, NULL, "Questionnaire des habitants (version %s)", x->rf->version);
    questionnaire(x, x->rf);
    if (x->of) {
        doc_heading(x->d, 2, NULL, "Questionnaire des opérateurs (version %s)", x->of->version);
        questionnaire(x, x->of);
    }
}

/* ------------------------------------------------------------------ technical annex */

/* Each indicator's id and expressions, as written in its file: for the analyst who checks or redoes a figure. */
static void expressions_table(ctx *x, const ind_set *defs)
{
    static const char *const headers[] = {"Identifiant", "Indicateur", "Expressions"};
    doc_table(x->d, NULL, 3, headers, NULL);
    for (size_t i = 0; i < ind_count(defs); i++) {
        const ind_def *def = ind_at(defs, i);
        sbuf text = {0};
        if (def->question)
            sbuf_addf(&text, "question %s (ne sait pas et refus à part) ; ", def->question);
        static const char *const keys[] = {"denominator", "among", "numerator", "value"};
        static const char *const names[] = {"dénominateur", "parmi", "numérateur", "valeur"};
        for (size_t k = 0; k < 4; k++) {
            const char *src = ind_source(defs, i, keys[k]);
            if (src)
                sbuf_addf(&text, "%s : %s ; ", names[k], src);
        }
        if (def->score) {
            char t[FR_BUF];
            sbuf_addf(&text, "score %s", def->score->id);
            if (def->kind == IND_PROPORTION)
                sbuf_addf(&text, " au moins égal à %s", fr_num(t, sizeof t, def->threshold, 2));
        }
        const char *cells[] = {def->id, fr(def->label), text.data ? text.data : ""};
        doc_row(x->d, cells);
        sbuf_free(&text);
    }
}

/* The condition under which each filtered question is asked, as written in the form. */
static void conditions_table(ctx *x, const form *f)
{
    static const char *const headers[] = {"Question", "Posée si"};
    doc_table(x->d, NULL, 2, headers, NULL);
    for (size_t i = 0; i < f->nquestions; i++)
        if (f->questions[i].relevant_src) {
            const char *cells[] = {f->questions[i].id, f->questions[i].relevant_src};
            doc_row(x->d, cells);
        }
}

static void section_technical(ctx *x)
{
    doc_heading(x->d, 1, "annexe-technique", "Annexe technique : expressions des indicateurs");
    doc_para(x->d, "Pour l'analyste qui veut vérifier ou refaire un calcul : chaque indicateur tel qu'il est écrit dans "
             "le fichier des indicateurs, dans le langage d'expressions des questionnaires, et la condition de chaque "
             "question filtrée.");
    doc_heading(x->d, 2, NULL, "Indicateurs des habitants");
    expressions_table(x, x->rdefs);
    if (x->ops) {
        doc_heading(x->d, 2, NULL, "Indicateurs des opérateurs");
        expressions_table(x, x->odefs);
    }
    doc_heading(x->d, 2, NULL, "Questions filtrées des habitants");
    conditions_table(x, x->rf);
    if (x->of) {
        doc_heading(x->d, 2, NULL, "Questions filtrées des opérateurs");
        conditions_table(x, x->of);
    }
}

/* ------------------------------------------------------------------ building */

static ind_set *load_defs(const catalog *c, const char *form_id, char *err, size_t errlen)
{
    char path[4096];
    diag_list diags = {0};
    ind_set *s = ind_load(ind_default_path(c, form_id, path, sizeof path), c, form_id, &diags);
    if (s == NULL)
        snprintf(err, errlen, "%s : %s", path,
                 diags.count ? diags.items[0].message : "définitions d'indicateurs illisibles");
    diag_list_free(&diags);
    return s;
}

static void find_rest(ctx *x)
{
    x->rest_id = "reste_commune";
    for (size_t i = 0; i < x->res->ntests; i++)
        if (x->res->tests[i].kind == AN_T_DIFF) {
            x->rest_id = x->res->groups[x->res->tests[i].versus].id;
            return;
        }
    for (size_t g = 0; g < x->res->ngroups; g++)
        if (x->res->groups[g].kind == AN_G_REST || (x->res->groups[g].kind == AN_G_TERRITORY && !x->res->groups[g].qpv))
            x->rest_id = x->res->groups[g].id;
}

/* The later of two dates "YYYY-MM-DD" (NULL: unbounded), and the earlier. */
static const char *later(const char *a, const char *b)
{
    return a == NULL ? b : b == NULL ? a : strcmp(a, b) >= 0 ? a : b;
}

static const char *earlier(const char *a, const char *b)
{
    return a == NULL ? b : b == NULL ? a : strcmp(a, b) <= 0 ? a : b;
}

/* Waves must not share answers: a change between waves is computed as between independent samples, and two
 * overlapping waves would publish, by difference, the answers they do not share (a wave up to 31 March and one
 * up to 1 April: the second minus the first is one day of answers, perhaps one person's). Returns 0, or -1 with
 * a message naming the two waves. */
static int waves_disjoint(const rep_options *o, char *err, size_t errlen)
{
    for (size_t i = 0; i < o->nwaves; i++)
        for (size_t j = i + 1; j < o->nwaves; j++) {
            const ds_filter *a = &o->waves[i].filter, *b = &o->waves[j].filter;
            if (a->version && b->version && strcmp(a->version, b->version) != 0)
                continue;
            ds_filter both = {a->version ? a->version : b->version, later(a->from, b->from), earlier(a->to, b->to)};
            if (both.from && both.to && strcmp(both.from, both.to) > 0)
                continue;
            long n = ds_count_filtered(o->db, o->form, &both);
            if (n < 0) {
                snprintf(err, errlen, "lecture de %s impossible", o->db);
                return -1;
            }
            if (n > 0) {
                snprintf(err, errlen, "--wave : les vagues « %s » et « %s » ont %ld réponse(s) en commun ; les vagues "
                         "doivent être disjointes (des échantillons indépendants), sinon leur différence publierait les "
                         "réponses qui ne sont que dans l'une d'elles", o->waves[i].label, o->waves[j].label, n);
                return -1;
            }
        }
    return 0;
}

/* ------------------------------------------------------------------ the other questions, analysed */

/* {"fr": text} */
static json_t *fr_map(const json_t *label)
{
    return json_pack("{s:s}", "fr", fr(label));
}

/* The indicators made for the questions of e that the report shows for themselves: a distribution for a choice
 * question, a mean for a number, and for a grid one proportion per row and choice (the expression language names
 * a grid row's answer, a distribution cannot). Their ids, never shown, say which question, row and choice. */
static json_t *extra_doc(const extra *e)
{
    json_t *list = json_array();
    for (size_t i = 0; i < e->f->nquestions; i++) {
        const form_question *q = &e->f->questions[i];
        if (e->read[i] && !e->listed[i])
            continue;
        char id[64];
        snprintf(id, sizeof id, "q%zu", i);
        if (q->type == FQ_SINGLE || q->type == FQ_MULTIPLE) {
            size_t n = 0;
            for (size_t c = 0; c < q->nchoices; c++)
                n += strcmp(q->choices[c].code, "nsp") != 0 && strcmp(q->choices[c].code, "refus") != 0;
            if (n > 0 && n <= IND_MAX_CATEGORIES)
                json_array_append_new(list, json_pack("{s:s, s:o, s:s, s:s}", "id", id, "label", fr_map(q->label),
                                                      "type", "distribution", "question", q->id));
        } else if (q->type == FQ_INTEGER || q->type == FQ_DECIMAL || q->type == FQ_SCALE) {
            char value[160];
            snprintf(value, sizeof value, "${%s}", q->id);
            json_array_append_new(list, json_pack("{s:s, s:o, s:s, s:s, s:s}", "id", id, "label", fr_map(q->label),
                                                  "type", "mean", "question", q->id, "value", value));
        } else if (q->type == FQ_GRID) {
            for (size_t r = 0; r < q->nrows; r++)
                for (size_t c = 0; c < q->nchoices; c++) {
                    const char *code = q->choices[c].code;
                    if (strcmp(code, "nsp") == 0 || strcmp(code, "refus") == 0)
                        continue;
                    char gid[64], ref[256], num[512];
                    snprintf(gid, sizeof gid, "q%zu-%zu-%zu", i, r, c);
                    snprintf(ref, sizeof ref, "%s.%s", q->id, q->rows[r].code);
                    snprintf(num, sizeof num, "${%s} = '%s'", ref, code);
                    json_array_append_new(list, json_pack("{s:s, s:o, s:s, s:s, s:s}", "id", gid, "label",
                                                          fr_map(q->label), "type", "proportion", "question", ref,
                                                          "numerator", num));
                }
        }
    }
    return json_pack("{s:s, s:o}", "form", e->f->id, "indicators", list);
}

/* Loads the definitions of doc as ind_load loads a file. */
static ind_set *extra_load(const rep_options *o, const char *form_id, json_t *jdoc, char *err, size_t errlen)
{
    diag_list diags = {0};
    ind_set *s = ind_load_json(jdoc, "rapport", o->cat, form_id, &diags);
    if (s == NULL)
        snprintf(err, errlen, "questions de « %s » : %s", form_id,
                 diags.count ? diags.items[0].message : "tableaux impossibles à construire");
    diag_list_free(&diags);
    return s;
}

typedef struct text_scan {
    const extra *e;
    const terr_set *ts;
    long *n;
} text_scan;

/* Counts the non-empty free-text and date answers of one record, in its territory's row (or the last row). */
static int count_texts(void *ctx_, const ds_record *r)
{
    text_scan *t = ctx_;
    size_t nt = t->ts->count, row = nt;
    for (size_t k = 0; r->territory && k < nt; k++)
        if (strcmp(t->ts->items[k].code, r->territory) == 0)
            row = k;
    const form *f = t->e->f;
    for (size_t i = 0; i < f->nquestions; i++) {
        form_qtype ty = f->questions[i].type;
        if (ty != FQ_TEXT && ty != FQ_LONG_TEXT && ty != FQ_DATE)
            continue;
        const char *s = json_string_value(json_object_get(r->answers, f->questions[i].id));
        if (s && *s)
            t->n[i * (nt + 1) + row]++;
    }
    return 0;
}

/* Prepares e for form f and its indicators: which questions they read, which the plan lists, the indicators made for
 * the others and their analysis, and the free-text counts. Returns 0, or -1 with a message in err. */
static int extra_prepare(ctx *x, extra *e, const form *f, const ind_set *defs, const mg_margins *margins,
                         const an_options *ao, char *err, size_t errlen)
{
    const ind_plan *p = ind_report_plan(defs);
    e->f = f, e->defs = defs, e->plan = p;
    e->read = xcalloc(f->nquestions + 1, sizeof *e->read);
    e->listed = xcalloc(f->nquestions + 1, sizeof *e->listed);
    e->texts = xcalloc(f->nquestions * (x->ts->count + 1) + 1, sizeof *e->texts);
    for (size_t i = 0; i < ind_count(defs); i++)
        mark_reads(f, defs, i, e->read);
    for (size_t t = 0; t < p->nthemes; t++)
        for (size_t k = 0; k < p->themes[t].nquestions; k++) {
            const form_question *q = form_question_by_id(f, p->themes[t].questions[k]);
            if (q)
                e->listed[q->index] = true;
        }
    json_t *jdoc = extra_doc(e);
    int rc = 0;
    if (json_array_size(json_object_get(jdoc, "indicators")) > 0) {
        if ((e->xdefs = extra_load(x->o, f->id, jdoc, err, errlen)) == NULL ||
            (e->xres = an_run(x->o->db, x->o->cat, e->xdefs, margins, ao, err, errlen)) == NULL)
            rc = -1;
    }
    json_decref(jdoc);
    text_scan t = {e, x->ts, e->texts};
    ds_counts counts;
    if (rc == 0 && ds_scan_range(x->o->db, x->o->cat, f->id, INT64_MIN, INT64_MAX, ao->filter, count_texts, &t,
                                 &counts, err, errlen) != 0)
        rc = -1;
    return rc;
}

static void extra_free(extra *e)
{
    an_free(e->xres);
    ind_free(e->xdefs);
    free(e->read);
    free(e->listed);
    free(e->texts);
}

static int analyse_figures(ctx *x, char *err, size_t errlen)
{
    const rep_options *o = x->o;
    const ds_filter *last = o->nwaves ? &o->waves[o->nwaves - 1].filter : NULL;
    an_options ao = {AN_CI_DEFAULT, o->level, o->min_n, o->today, o->progress, o->progress_ctx, false, last};
    if (waves_disjoint(o, err, errlen) != 0 || (x->rdefs = load_defs(o->cat, o->form, err, errlen)) == NULL ||
        (x->res = an_run(o->db, o->cat, x->rdefs, o->margins, &ao, err, errlen)) == NULL)
        return -1;
    ver_warn(x->res->versions, x->rdefs, "report", stderr);
    if (o->nwaves > 1) {
        x->waves = xcalloc(o->nwaves, sizeof *x->waves);
        for (size_t w = 0; w + 1 < o->nwaves; w++) {
            an_options wo = ao;
            wo.filter = &o->waves[w].filter;
            if ((x->waves[w] = an_run(o->db, o->cat, x->rdefs, o->margins, &wo, err, errlen)) == NULL)
                return -1;
        }
        x->waves[o->nwaves - 1] = x->res;
    }
    if (x->of) {
        if ((x->odefs = load_defs(o->cat, o->operator_form, err, errlen)) == NULL)
            return -1;
        char operr[256];
        /* a wave named by a version of the residents' form says nothing of the operators' form: dates only */
        ds_filter opf = {NULL, last ? last->from : NULL, last ? last->to : NULL};
        an_options oo = ao;
        oo.filter = last ? &opf : NULL;
        x->ops = an_run(o->db, o->cat, x->odefs, NULL, &oo, operr, sizeof operr); /* no operator: no section */
        x->oplan = ind_report_plan(x->odefs);
        if (x->ops && extra_prepare(x, &x->ox, x->of, x->odefs, NULL, &oo, err, errlen) != 0)
            return -1;
    }
    x->rplan = ind_report_plan(x->rdefs);
    if (extra_prepare(x, &x->rx, x->rf, x->rdefs, o->margins, &ao, err, errlen) != 0)
        return -1;
    find_rest(x);
    return 0;
}

/* The residents' profile reads every answer's JSON (the derived cache holds indicators, not per-question counts):
 * it runs on a thread of its own while the indicators are estimated and the free texts counted. */
typedef struct prof_job {
    const rep_options *o;
    const ds_filter *filter;
    profile *p;
    char err[512];
} prof_job;

static void *prof_main(void *arg)
{
    prof_job *j = arg;
    j->p = prof_scan(j->o->db, j->o->cat, j->o->form, j->filter, j->err, sizeof j->err);
    return NULL;
}

static int analyse(ctx *x, char *err, size_t errlen)
{
    const rep_options *o = x->o;
    prof_job job = {o, o->nwaves ? &o->waves[o->nwaves - 1].filter : NULL, NULL, ""};
    pthread_t th;
    bool started = pthread_create(&th, NULL, prof_main, &job) == 0;
    int rc = analyse_figures(x, err, errlen);
    if (started)
        pthread_join(th, NULL);
    else
        prof_main(&job); /* no thread to be had: read it here */
    x->prof = job.p;
    if (rc == 0 && x->prof == NULL) {
        snprintf(err, errlen, "%s", job.err);
        rc = -1;
    }
    return rc;
}

doc *rep_build(const rep_options *o, char *err, size_t errlen)
{
    static const ind_plan none = {0}; /* the plan of a file not read (no operators' form) */
    ctx x = {.o = o, .ts = catalog_territories(o->cat), .rf = catalog_current(o->cat, o->form),
             .of = o->operator_form ? catalog_current(o->cat, o->operator_form) : NULL, .rplan = &none,
             .oplan = &none, .alpha = 1 - o->level};
    doc *d = NULL;
    if (x.rf == NULL || x.ts == NULL) {
        snprintf(err, errlen, x.rf ? "le dossier des formulaires n'a pas de fichier de territoires"
                                   : "formulaire « %s » inconnu", o->form);
        return NULL;
    }
    if (analyse(&x, err, errlen) == 0) {
        char today[11];
        if (o->today)
            snprintf(today, sizeof today, "%s", o->today);
        else
            doc_today(today); /* SOURCE_DATE_EPOCH when set: tests fix the date */
        const char *town = x.ts->commune_name ? x.ts->commune_name : "la commune";
        char title[256];
        snprintf(title, sizeof title, "Diagnostic local de santé — %s", town);
        d = x.d = doc_new(title, "fr");
        doc_set_date(d, today);
        doc_heading(d, 1, NULL, "%s", title);
        char day[FR_BUF];
        doc_para(d, "Diagnostic participatif et partagé : rapport établi le %s à partir des réponses des habitants et "
                 "des opérateurs de proximité.", fr_date(day, sizeof day, today));
        if (o->nwaves)
            doc_para(d, "Ce rapport décrit la vague « %s » ; la section « Évolution » la compare aux précédentes.",
                     o->waves[o->nwaves - 1].label);
        if (x.ts->example)
            doc_finding(d, "Attention : le fichier des territoires est un exemple illustratif ; ces chiffres ne "
                        "décrivent aucune commune réelle.");
        doc_toc(d);
        section_summary(&x);
        section_participation(&x);
        section_themes(&x);
        section_map(&x);
        if (o->nwaves > 1)
            section_waves(&x);
        section_shared(&x);
        section_operators(&x);
        section_annex(&x);
        section_quality(&x);
        if (o->include_text)
            section_texts(&x, err, errlen);
        section_methods(&x);
        section_technical(&x);
    }
    extra_free(&x.rx);
    extra_free(&x.ox);
    for (size_t w = 0; x.waves && w + 1 < o->nwaves; w++)
        an_free(x.waves[w]);
    free(x.waves);
    an_free(x.res);
    an_free(x.ops);
    ind_free(x.rdefs);
    ind_free(x.odefs);
    prof_free(x.prof);
    return d;
}
