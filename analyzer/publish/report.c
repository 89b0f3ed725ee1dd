/* report.c -- the diagnosis report (see report.h): the analyses it rests on, and its sections in order. */
#include "report.h"

#include <math.h>
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
#include "indicators.h"
#include "profile.h"
#include "util.h"

#define SECRET "secret stat."  /* what a suppressed cell shows */
#define GAP_POINTS 20.0        /* residents' knowledge this far below the operators' is pointed out */
#define GRID_THEME 6           /* themes with more indicators are shown as one table, groups in columns */
#define MAX_TEXTS 300          /* free-text answers printed per question */

typedef struct ctx {
    const rep_options *o;
    const terr_set *ts;
    const form *rf, *of;     /* current versions of the residents' and operators' forms */
    ind_set *rdefs, *odefs;
    an_result *res, *ops;    /* ops NULL when there is no operator form or answer */
    an_result **waves;       /* [o->nwaves] the residents' indicators of each wave (the last is res) */
    profile *prof;
    doc *d;
    double alpha;
    const char *rest_id;     /* the group the neighbourhoods are compared with */
} ctx;

/* ------------------------------------------------------------------ numbers in French */

/* "34,2 %" */
static char *pct(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.1f %%", 100 * v);
    char *dot = strchr(buf, '.');
    if (dot)
        *dot = ',';
    return buf;
}

static char *num1(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.1f", v);
    char *dot = strchr(buf, '.');
    if (dot)
        *dot = ',';
    return buf;
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
        snprintf(buf, len, c->flags & AN_FLAG_EMPTY ? "aucun répondant" : "—");
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
    return buf;
}

static const char *theme_title(const char *theme)
{
    static const char *const names[][2] = {
        {"etat_sante", "État de santé"},
        {"acces_soins", "Accès aux soins et renoncement"},
        {"couverture", "Couverture maladie"},
        {"precarite", "Précarité (score EPICES)"},
        {"connaissance_offre", "Connaissance de l'offre locale de santé"},
        {"mobilisation_offre", "Mobilisation de l'offre locale"},
        {"accompagnement", "Accompagnement vers les soins"},
        {"relais", "Opérateurs relais"},
        {"communication", "Outils de communication"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (theme && strcmp(names[i][0], theme) == 0)
            return names[i][1];
    return theme ? theme : "Autres indicateurs";
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
    char a[32];
    doc_para(x->d, "%ld habitants ont répondu au questionnaire, dont %ld dans les territoires étudiés ; %s des "
             "réponses ont été recueillies sur papier par les médiateurs.", p->records, in_terr,
             pct(a, sizeof a, p->records ? (double)paper / (double)p->records : 0));
    if (x->ops)
        doc_para(x->d, "%zu professionnels et partenaires de proximité ont répondu au questionnaire des opérateurs.",
                 x->ops->records);
    doc_para(x->d, x->res->weighted ? "Les résultats sont redressés (calage sur l'âge et le sexe de chaque quartier) "
                                      "et donnés avec leur intervalle de confiance à %.0f %%."
                                    : "Les résultats ne sont pas redressés (chaque répondant compte pour un) et sont "
                                      "donnés avec leur intervalle de confiance à %.0f %%.",
             100 * x->o->level);
}

/* One sentence per key indicator: all QPV against the rest of the town. */
static void summary_findings(ctx *x)
{
    static const char *const keys[] = {"sante_percue_bonne", "sans_medecin_traitant", "renoncement_soins",
                                       "sans_complementaire", "epices_precarite", "sait_ou_aller",
                                       "accompagnement_non_satisfait"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        int i = def_index(x->res, keys[k]);
        if (i < 0)
            continue;
        const ind_def *def = ind_at(x->rdefs, (size_t)i);
        const an_cell *q = cell_of(x->res, (size_t)i, -1, "ensemble_qpv");
        const an_cell *r = cell_of(x->res, (size_t)i, -1, x->rest_id);
        char a[96], b[96];
        if (q == NULL || r == NULL)
            continue;
        doc_finding(x->d, "%s : %s dans les quartiers prioritaires, %s dans le reste de la commune — %s.",
                    form_text(def->label, "fr"), cell_text(a, sizeof a, def, q), cell_text(b, sizeof b, def, r),
                    wording(x, diff_of(x->res, (size_t)i, -1, "ensemble_qpv")));
    }
}

/* The three services residents know least (town level). */
static void summary_services(ctx *x)
{
    const char *least[3] = {0};
    double lv[3] = {2, 2, 2};
    for (size_t i = 0; i < ind_count(x->rdefs); i++) {
        const ind_def *def = ind_at(x->rdefs, i);
        if (def->theme == NULL || strcmp(def->theme, "connaissance_offre") != 0 || def->row == NULL)
            continue;
        const an_cell *c = cell_of(x->res, i, -1, "commune");
        if (c == NULL || c->suppressed != DISC_SHOW || !c->has_estimate)
            continue;
        for (int k = 0; k < 3; k++)
            if (c->estimate < lv[k]) {
                for (int j = 2; j > k; j--)
                    lv[j] = lv[j - 1], least[j] = least[j - 1];
                lv[k] = c->estimate, least[k] = form_text(def->label, "fr");
                break;
            }
    }
    if (least[0] == NULL)
        return;
    sbuf b = {0};
    for (int k = 0; k < 3 && least[k]; k++) {
        char p[32];
        sbuf_addf(&b, "%s%s (%s)", k ? " ; " : "", least[k], pct(p, sizeof p, lv[k]));
    }
    doc_finding(x->d, "Les lieux les moins connus des habitants de la commune : %s.", b.data);
    sbuf_free(&b);
}

static void section_summary(ctx *x)
{
    doc_heading(x->d, 1, "synthese", "Synthèse");
    summary_participation(x);
    doc_heading(x->d, 2, NULL, "Principaux constats");
    summary_findings(x);
    summary_services(x);
    doc_note(x->d, "Lecture : « plus élevé » ou « plus faible » n'est écrit que lorsque l'écart avec le reste de la "
             "commune est statistiquement établi (test ajusté de Holm sur l'ensemble des comparaisons, seuil %.0f %%) ; "
             "sinon « pas de différence démontrée », ce qui ne veut pas dire qu'il n'y en a pas. Entre crochets : "
             "l'intervalle de confiance. « %s » : moins de %ld répondants, chiffre non publié.",
             100 * x->alpha, SECRET, x->o->min_n);
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
    headers[nh] = "Total", numeric[nh++] = 1;
    if (with_targets)
        headers[nh] = "Objectif", numeric[nh++] = 1, headers[nh] = "Atteint", numeric[nh++] = 1;
    doc_table(x->d, caption, nh, headers, numeric);
    char buf[16][32];
    for (size_t t = 0; t <= nr; t++) {
        const char *cells[16] = {t < nr ? x->ts->items[t].name : "Ensemble"};
        for (size_t c = 0; c <= ncol && c < 13; c++) {
            size_t k = t * (ncol + 1) + c;
            if (st[k] != DISC_SHOW)
                snprintf(buf[c], sizeof buf[c], SECRET);
            else
                snprintf(buf[c], sizeof buf[c], "%ld", grid[k]);
            cells[1 + c] = buf[c];
        }
        if (with_targets) {
            long target = 0, total = grid[t * (ncol + 1) + ncol];
            for (size_t k = 0; k < nr; k++)
                target += t == nr || k == t ? x->ts->items[k].target : 0;
            snprintf(buf[14], sizeof buf[14], "%ld", target);
            cells[ncol + 2] = target > 0 ? buf[14] : "—";
            char p[32];
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
    if (outside > 0)
        doc_note(x->d, "%ld réponses viennent de personnes qui n'habitent pas l'un de ces territoires (autre commune, "
                 "refus de répondre) : elles ne comptent dans aucun indicateur.", outside);
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
        char cb[8][32];
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
        char n[32], est[96], stdv[96], flags[96];
        snprintf(n, sizeof n, "%s", c && c->suppressed == DISC_SHOW ? "" : SECRET);
        if (c && c->suppressed == DISC_SHOW)
            snprintf(n, sizeof n, "%ld", c->n);
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
                                                          : c->flags & AN_FLAG_EMPTY ? "aucun répondant"
                                                                                     : "non estimé");
            *cr = (chart_row){r->groups[g].label, c->suppressed == DISC_SHOW && c->has_estimate, why[nrow],
                              c->estimate, c->lower, c->upper, c->has_ci, strcmp(r->groups[g].id, x->rest_id) == 0};
            nrow++;
        }
    }
    char title[512];
    snprintf(title, sizeof title, "%s%s%s : estimation et intervalle de confiance par territoire",
             form_text(def->label, "fr"), category >= 0 ? " — " : "",
             category >= 0 ? form_text(def->categories[category].label, "fr") : "");
    char *svg = chart_intervals(title, rows, nrow, 1, is_share(def));
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
        const char *cells[4] = {form_text(def->categories[k].label, "fr")};
        for (int g = 0; g < 3; g++)
            cells[1 + g] = cell_text(v[g], sizeof v[g], def, cell_of(r, ind, (int)k, groups[g]));
        doc_row(x->d, cells);
        const an_cell *c = cell_of(r, ind, (int)k, "commune");
        rows[k] = (chart_row){form_text(def->categories[k].label, "fr"),
                              c && c->suppressed == DISC_SHOW && c->has_estimate, "secret statistique",
                              c ? c->estimate : 0, c ? c->lower : 0, c ? c->upper : 0, c && c->has_ci, false};
    }
    const an_cell *c0 = cell_of(r, ind, 0, "commune");
    if (c0 && c0->suppressed == DISC_SHOW)
        doc_note(x->d, "Parmi %ld répondants de la commune.%s", c0->n,
                 def->multiple ? " Plusieurs réponses possibles : le total dépasse 100 %." : "");
    char title[512];
    snprintf(title, sizeof title, "%s (ensemble de la commune)", form_text(def->label, "fr"));
    char *svg = chart_intervals(title, rows, def->ncategories, 1, true);
    doc_figure(x->d, svg, title);
    free(svg);
}

/* Many indicators of one theme (a service each): indicators in rows, all QPV, the rest and the town in columns. */
static void theme_grid(ctx *x, const an_result *r, const char *theme)
{
    const char *groups[3] = {"ensemble_qpv", x->rest_id, "commune"};
    const char *headers[5] = {"Indicateur", group_label(r, groups[0]), group_label(r, groups[1]),
                              group_label(r, groups[2]), "Quartiers / reste"};
    static const unsigned char numeric[] = {0, 1, 1, 1, 0};
    doc_table(x->d, NULL, r == x->res ? 5 : 4, headers, numeric);
    for (size_t i = 0; i < ind_count(r->defs); i++) {
        const ind_def *def = ind_at(r->defs, i);
        if (def->theme == NULL || strcmp(def->theme, theme) != 0 || def->kind == IND_DISTRIBUTION)
            continue;
        char v[3][96];
        const char *cells[5] = {form_text(def->label, "fr")};
        for (int g = 0; g < 3; g++)
            cells[1 + g] = cell_text(v[g], sizeof v[g], def, cell_of(r, i, -1, groups[g]));
        cells[4] = wording(x, diff_of(r, i, -1, "ensemble_qpv"));
        doc_row(x->d, cells);
    }
}

/* Per-territory detail of a grid theme: indicators in rows, territories in columns, five at a time. */
static void theme_grid_territories(ctx *x, const an_result *r, const char *theme)
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
            if (def->theme == NULL || strcmp(def->theme, theme) != 0 || def->kind == IND_DISTRIBUTION)
                continue;
            char v[5][96];
            const char *cells[6] = {form_text(def->label, "fr")};
            for (size_t j = 0; j < k; j++)
                cells[1 + j] = cell_text(v[j], sizeof v[j], def, cell_of(r, i, -1, x->ts->items[first + j].code));
            doc_row(x->d, cells);
        }
    }
}

static size_t theme_size(const an_result *r, const char *theme)
{
    size_t n = 0;
    for (size_t i = 0; i < ind_count(r->defs); i++)
        n += ind_at(r->defs, i)->theme && strcmp(ind_at(r->defs, i)->theme, theme) == 0;
    return n;
}

/* Says, under an indicator, that its questions changed meaning between the form versions its answers were given
 * to (versions.h): the figure pools two wordings. */
static void comparability_note(ctx *x, const an_result *r, size_t ind)
{
    const char *note = r->versions ? r->versions->note[ind] : NULL;
    if (note != NULL)
        doc_note(x->d, "« %s » : %s. Les réponses aux deux versions sont mises en commun : à lire avec prudence.",
                 form_text(ind_at(r->defs, ind)->label, "fr"), note);
}

static void section_themes(ctx *x)
{
    const an_result *r = x->res;
    const char *done[32];
    size_t ndone = 0;
    for (size_t i = 0; i < ind_count(r->defs); i++) {
        const char *theme = ind_at(r->defs, i)->theme;
        bool seen = false;
        for (size_t k = 0; k < ndone; k++)
            seen |= theme && strcmp(done[k], theme) == 0;
        if (seen || theme == NULL || ndone == 32)
            continue;
        done[ndone++] = theme;
        char id[64];
        snprintf(id, sizeof id, "theme-%s", theme);
        doc_heading(x->d, 1, id, "%s", theme_title(theme));
        if (theme_size(r, theme) > GRID_THEME) {
            theme_grid(x, r, theme);
            doc_heading(x->d, 3, NULL, "Par territoire");
            theme_grid_territories(x, r, theme);
            for (size_t k = i; k < ind_count(r->defs); k++)
                if (ind_at(r->defs, k)->theme && strcmp(ind_at(r->defs, k)->theme, theme) == 0)
                    comparability_note(x, r, k);
            continue;
        }
        for (size_t k = i; k < ind_count(r->defs); k++) {
            const ind_def *def = ind_at(r->defs, k);
            if (def->theme == NULL || strcmp(def->theme, theme) != 0)
                continue;
            doc_heading(x->d, 2, NULL, "%s", form_text(def->label, "fr"));
            if (def->kind == IND_DISTRIBUTION)
                distribution_table(x, r, k);
            else
                indicator_table(x, r, k, -1);
            comparability_note(x, r, k);
        }
    }
}

/* ------------------------------------------------------------------ map */

static void section_map(ctx *x)
{
    static const char *const keys[] = {"sante_percue_bonne", "sans_medecin_traitant", "renoncement_soins",
                                       "sait_ou_aller"};
    size_t outlines = 0, nterr = x->ts->count;
    for (size_t t = 0; t < nterr; t++)
        outlines += x->ts->items[t].outline != NULL;
    if (outlines == 0)
        return;
    doc_heading(x->d, 1, "carte", "Carte des principaux indicateurs");
    doc_para(x->d, "Chaque territoire coloré selon la valeur de l'indicateur (cinq classes de même largeur entre la plus "
             "petite et la plus grande valeur) ; hachuré quand le chiffre n'est pas publié. Les intervalles de "
             "confiance, que la carte ne montre pas, sont dans les tableaux.");
    chart_area *areas = xcalloc(nterr, sizeof *areas);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        int i = def_index(x->res, keys[k]);
        if (i < 0)
            continue;
        const ind_def *def = ind_at(x->rdefs, (size_t)i);
        for (size_t t = 0; t < nterr; t++) {
            const an_cell *c = cell_of(x->res, (size_t)i, -1, x->ts->items[t].code);
            areas[t] = (chart_area){x->ts->items[t].name, x->ts->items[t].outline,
                                    c && c->suppressed == DISC_SHOW && c->has_estimate, c ? c->estimate : 0,
                                    "non publié"};
        }
        char title[256];
        snprintf(title, sizeof title, "%s par territoire", form_text(def->label, "fr"));
        char id[32];
        snprintf(id, sizeof id, "hatch-%zu", k);
        char *svg = chart_map(title, id, areas, nterr);
        if (svg) {
            doc_heading(x->d, 2, NULL, "%s", form_text(def->label, "fr"));
            doc_figure(x->d, svg, title);
        }
        free(svg);
    }
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

/* The operators' indicator on the same service (grid row) and theme as a residents' one. */
static int operator_twin(const ctx *x, const ind_def *def)
{
    for (size_t i = 0; x->ops && i < ind_count(x->odefs); i++) {
        const ind_def *o = ind_at(x->odefs, i);
        if (o->row && def->row && strcmp(o->row, def->row) == 0 && o->theme && def->theme &&
            strcmp(o->theme, def->theme) == 0)
            return (int)i;
    }
    return -1;
}

/* One theme of the shared diagnosis: each service (grid row) of the residents' indicators beside the operators'
 * indicator on the same service and theme. */
typedef struct shared_theme {
    const char *theme, *residents, *operators, *reading;
} shared_theme;

static void shared_table(ctx *x, const shared_theme *th)
{
    const char *headers[] = {"Service", th->residents, th->operators, "Écart (points)", "Lecture"};
    static const unsigned char numeric[] = {0, 1, 1, 1, 0};
    doc_table(x->d, NULL, 5, headers, numeric);
    const char *done[64];
    size_t ndone = 0;
    for (size_t i = 0; i < ind_count(x->rdefs); i++) {
        const ind_def *def = ind_at(x->rdefs, i);
        if (def->theme == NULL || strcmp(def->theme, th->theme) != 0 || def->row == NULL)
            continue;
        bool seen = false; /* the first residents' indicator of each service */
        for (size_t k = 0; k < ndone; k++)
            seen |= strcmp(done[k], def->row) == 0;
        int j = seen ? -1 : operator_twin(x, def);
        if (j < 0 || ndone == 64)
            continue;
        done[ndone++] = def->row;
        const an_cell *rc = cell_of(x->res, i, -1, "commune"), *oc = cell_of(x->ops, (size_t)j, -1, "commune");
        char a[96], b[96], gap[32] = "—";
        const char *reading = "";
        bool both = rc && oc && rc->suppressed == DISC_SHOW && oc->suppressed == DISC_SHOW && rc->has_estimate &&
                    oc->has_estimate;
        if (both) {
            double g = 100 * (oc->estimate - rc->estimate);
            num1(gap, sizeof gap, g);
            if (g >= GAP_POINTS)
                reading = th->reading;
        }
        const char *label = form_text(def->label, "fr"), *colon = strstr(label, " : ");
        const char *cells[] = {colon ? colon + 3 : label, cell_text(a, sizeof a, def, rc),
                               cell_text(b, sizeof b, ind_at(x->odefs, (size_t)j), oc), gap, reading};
        doc_row(x->d, cells);
    }
}

static void section_shared(ctx *x)
{
    static const shared_theme themes[] = {
        {"connaissance_offre", "Habitants qui le connaissent", "Opérateurs qui le connaissent",
         "méconnu des habitants, connu des opérateurs"},
        {"mobilisation_offre", "Habitants qui y sont allés", "Opérateurs qui y orientent",
         "peu fréquenté par les habitants, les opérateurs y orientent"},
    };
    doc_heading(x->d, 1, "regards-croises", "Regards croisés des habitants et des opérateurs");
    if (x->ops == NULL) {
        doc_para(x->d, "Aucune réponse d'opérateur n'a été recueillie : la comparaison n'est pas possible.");
        return;
    }
    doc_para(x->d, "Pour chaque lieu ou service, ce qu'en disent les habitants de la commune et les opérateurs "
             "(professionnels et partenaires). Un écart de %.0f points ou plus signale un service que les "
             "professionnels connaissent ou vers lequel ils orientent, alors que les habitants l'ignorent ou n'y vont "
             "pas : une piste pour le plan d'action.", GAP_POINTS);
    doc_heading(x->d, 2, NULL, "Connaissance de l'offre");
    shared_table(x, &themes[0]);
    doc_heading(x->d, 2, NULL, "Mobilisation de l'offre");
    shared_table(x, &themes[1]);
}

static void section_operators(ctx *x)
{
    doc_heading(x->d, 1, "fiche-action", "Fiche action : indicateurs de processus");
    if (x->ops == NULL) {
        doc_para(x->d, "Aucune réponse d'opérateur n'a été recueillie.");
        return;
    }
    doc_para(x->d, "%zu opérateurs ont répondu. Un opérateur qui intervient dans plusieurs quartiers compte dans "
             "chacun : les chiffres par quartier ne s'additionnent pas.", x->ops->records);
    static const char *const headers[] = {"Indicateur", "n", "Commune [IC]"};
    static const unsigned char numeric[] = {0, 1, 1};
    doc_table(x->d, NULL, 3, headers, numeric);
    for (size_t i = 0; i < ind_count(x->odefs); i++) {
        const ind_def *def = ind_at(x->odefs, i);
        if (def->kind == IND_DISTRIBUTION ||
            (def->theme && (strcmp(def->theme, "connaissance_offre") == 0 ||
                            strcmp(def->theme, "mobilisation_offre") == 0)))
            continue;
        const an_cell *c = cell_of(x->ops, i, -1, "commune");
        char n[32], v[96];
        snprintf(n, sizeof n, "%s", c && c->suppressed == DISC_SHOW ? "" : SECRET);
        if (c && c->suppressed == DISC_SHOW)
            snprintf(n, sizeof n, "%ld", c->n);
        const char *cells[] = {form_text(def->label, "fr"), n, cell_text(v, sizeof v, def, c)};
        doc_row(x->d, cells);
    }
    for (size_t i = 0; i < ind_count(x->odefs); i++)
        if (ind_at(x->odefs, i)->kind == IND_DISTRIBUTION) {
            doc_heading(x->d, 2, NULL, "%s", form_text(ind_at(x->odefs, i)->label, "fr"));
            distribution_table(x, x->ops, i);
        }
}

/* ------------------------------------------------------------------ data quality */

static void section_quality(ctx *x)
{
    const profile *p = x->prof;
    doc_heading(x->d, 1, "qualite", "Qualité des données");
    long twice = p->sheets[PROF_VERIFIED] + p->sheets[PROF_DISCREPANT] + p->sheets[PROF_RECONCILED];
    long paper_sheets = twice + p->sheets[PROF_SINGLE] + p->sheets[PROF_AWAITING];
    char a[32];
    long paper = 0;
    for (size_t t = 0; t <= p->nterr; t++)
        paper += p->channel[t * PROF_NCHANNEL + PROF_PAPER];
    doc_para(x->d, "Part des réponses recueillies sur papier : %s (%ld sur %ld).",
             pct(a, sizeof a, p->records ? (double)paper / (double)p->records : 0), paper, p->records);
    doc_para(x->d, "Questionnaires papier : %ld feuilles saisies, dont %ld saisies deux fois (double saisie) ; %ld "
             "attendent leur seconde saisie.", paper_sheets, twice, p->sheets[PROF_AWAITING]);
    if (twice > 0)
        doc_para(x->d, "Taux de discordance de la double saisie : %s des feuilles saisies deux fois différaient (%ld "
                 "réponses arbitrées) ; %ld feuilles discordantes attendent un arbitrage et ne comptent pas encore.",
                 pct(a, sizeof a, (double)(p->sheets[PROF_DISCREPANT] + p->sheets[PROF_RECONCILED]) / (double)twice),
                 p->differing_fields, p->sheets[PROF_DISCREPANT]);
    doc_para(x->d, "Réponses écartées de l'analyse : %zu ne respectent plus le questionnaire, %zu portent sur une "
             "version de questionnaire absente, %zu ne sont rattachées à aucun territoire%s.", x->res->rejected,
             x->res->unknown_version, x->res->no_territory, x->res->weighted ? "" : "");
    if (x->res->weighted)
        doc_para(x->d, "%zu répondants sans âge ou sexe utilisable ne comptent pas dans les estimations redressées.",
                 x->res->left_out_calibration);
    if (x->res->unconverged)
        doc_finding(x->d, "Le calage n'a pas convergé dans %zu territoire(s) (arrêt après 10 cycles, comme rake() "
                    "dans R) : les marges de ces territoires sont peut-être incohérentes entre elles.",
                    x->res->unconverged);
    doc_heading(x->d, 2, NULL, "Non-réponse par question");
    static const char *const headers[] = {"Question", "Posée à", "Sans réponse", "Ne sait pas", "Refus"};
    static const unsigned char numeric[] = {0, 1, 1, 1, 1};
    doc_table(x->d, NULL, 5, headers, numeric);
    for (size_t k = 0; k < p->nitems; k++) {
        const prof_item *it = &p->items[k];
        char asked[32], b[32], n[32], r[32];
        sbuf label = {0};
        sbuf_addf(&label, "%s — %s", it->q->id, form_text(it->q->label, "fr"));
        bool show = it->asked >= x->o->min_n;
        snprintf(asked, sizeof asked, "%ld", it->asked);
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
        if (x->rf->questions[i].type == FQ_LONG_TEXT)
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
        doc_heading(x->d, 2, NULL, "%s", form_text(form_question_by_id(x->rf, t.ids[k])->label, "fr"));
        if (t.seen[k] > t.count[k])
            doc_note(x->d, "%zu réponses ; les %zu premières reçues sont reproduites (analyzer export --include-text "
                     "les donne toutes).", t.seen[k], t.count[k]);
        for (size_t i = 0; i < t.count[k]; i++) {
            doc_item(x->d, "%s", t.items[k][i]);
            free(t.items[k][i]);
        }
        free(t.items[k]);
    }
}

/* ------------------------------------------------------------------ methods */

static void definitions_table(ctx *x, const ind_set *defs)
{
    static const char *const headers[] = {"Indicateur", "Type", "Définition"};
    doc_table(x->d, NULL, 3, headers, NULL);
    for (size_t i = 0; i < ind_count(defs); i++) {
        const ind_def *def = ind_at(defs, i);
        char text[1200] = "";
        size_t len = 0;
        if (def->question)
            len += (size_t)snprintf(text + len, sizeof text - len, "question %s (nsp et refus à part) ; ",
                                    def->question);
        static const char *const keys[] = {"denominator", "among", "numerator", "value"};
        static const char *const names[] = {"dénominateur", "parmi", "numérateur", "valeur"};
        for (size_t k = 0; k < 4 && len < sizeof text; k++) {
            const char *src = ind_source(defs, i, keys[k]);
            if (src)
                len += (size_t)snprintf(text + len, sizeof text - len, "%s : %s ; ", names[k], src);
        }
        if (def->score && len < sizeof text)
            len += (size_t)snprintf(text + len, sizeof text - len, "score %s%s", def->score->id,
                                    def->kind == IND_PROPORTION ? " au moins égal au seuil" : "");
        if (def->score && def->kind == IND_PROPORTION && len < sizeof text)
            snprintf(text + len, sizeof text - len, " %g", def->threshold);
        const char *cells[] = {form_text(def->label, "fr"), ind_kind_name(def->kind), text};
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
            sbuf_addf(&choices, "%s%s = %s", c ? " ; " : "", list[c].code, form_text(list[c].label, "fr"));
        if (q->type == FQ_TERRITORY)
            sbuf_addf(&choices, "%sles territoires du fichier", n ? " ; " : "");
        if (q->relevant_src)
            sbuf_addf(&choices, "%s(posée si %s)", choices.len ? " " : "", q->relevant_src);
        const char *cells[] = {q->id, form_text(q->label, "fr"), choices.data ? choices.data : ""};
        doc_row(x->d, cells);
        sbuf_free(&choices);
    }
}

static void section_methods(ctx *x)
{
    doc_heading(x->d, 1, "methodes", "Méthodes");
    doc_para(x->d, "Source : les réponses enregistrées par le collecteur (téléphone, et papier saisi par les "
             "médiateurs : une seule réponse par feuille, la feuille vérifiée ou arbitrée quand elle a été saisie deux "
             "fois ; une feuille encore discordante ne compte pas). Chaque réponse est vérifiée à nouveau contre la "
             "version du questionnaire à laquelle elle a été donnée.");
    if (x->res->weighted)
        doc_para(x->d, "Pondération : dans chaque territoire, les répondants sont calés sur les effectifs de population "
                 "par tranche d'âge et par sexe (raking, comme la fonction rake() du paquet R survey). Intervalles : "
                 "méthode %s (Korn-Graubard) avec la variance linéarisée d'un plan stratifié par territoire ; effet de "
                 "plan et taille d'échantillon efficace calculés pour chaque estimation.", x->res->method_name);
    else
        doc_para(x->d, "Pas de pondération : chaque répondant compte pour un. Intervalles : méthode de %s pour les "
                 "proportions, intervalle de Student pour les moyennes.",
                 strcmp(x->res->method_name, "wilson") == 0 ? "Wilson" : "Clopper-Pearson (exacte)");
    doc_para(x->d, "Comparaisons : chaque quartier prioritaire, et leur ensemble, est comparé au reste de la commune "
             "(différence et son intervalle) ; les écarts entre territoires sont testés par le test de %s. Avec de "
             "nombreux indicateurs, des écarts « significatifs » apparaissent par hasard : sur %zu comparaisons, le "
             "hasard seul en donnerait environ %.0f au seuil de %.0f %% ; %zu le sont avant correction, %zu après la "
             "correction de Holm, seule retenue dans ce rapport.",
             x->res->weighted ? "Rao-Scott" : "khi-deux de Pearson", x->res->diff_tests,
             (double)x->res->diff_tests * x->alpha, 100 * x->alpha, x->res->diff_significant,
             x->res->diff_significant_holm);
    doc_para(x->d, "Standardisation : %s ; les chiffres standardisés sont ceux qu'aurait chaque quartier s'il avait "
             "la structure par âge et sexe de la commune.", x->res->std_note);
    doc_para(x->d, "Secret statistique : aucun chiffre ne repose sur moins de %ld répondants ; les cases qui "
             "permettraient de le retrouver par soustraction (commune = quartiers + reste) sont masquées aussi. Les "
             "estimations trop imprécises (taille efficace inférieure à 30, intervalle trop large au sens des "
             "normes du NCHS) sont signalées « imprécis ».", x->o->min_n);
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

static int analyse(ctx *x, char *err, size_t errlen)
{
    const rep_options *o = x->o;
    const ds_filter *last = o->nwaves ? &o->waves[o->nwaves - 1].filter : NULL;
    an_options ao = {AN_CI_DEFAULT, o->level, o->min_n, o->today, o->progress, o->progress_ctx, false, last};
    if (waves_disjoint(o, err, errlen) != 0 || (x->rdefs = load_defs(o->cat, o->form, err, errlen)) == NULL ||
        (x->res = an_run(o->db, o->cat, x->rdefs, o->margins, &ao, err, errlen)) == NULL ||
        (x->prof = prof_scan(o->db, o->cat, o->form, last, err, errlen)) == NULL)
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
    }
    find_rest(x);
    return 0;
}

doc *rep_build(const rep_options *o, char *err, size_t errlen)
{
    ctx x = {.o = o, .ts = catalog_territories(o->cat), .rf = catalog_current(o->cat, o->form),
             .of = o->operator_form ? catalog_current(o->cat, o->operator_form) : NULL, .alpha = 1 - o->level};
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
            util_today(today);
        const char *town = x.ts->commune_name ? x.ts->commune_name : "la commune";
        char title[256];
        snprintf(title, sizeof title, "Diagnostic local de santé — %s", town);
        d = x.d = doc_new(title, "fr");
        doc_heading(d, 1, NULL, "%s", title);
        doc_para(d, "Diagnostic participatif et partagé : rapport établi le %s à partir des réponses des habitants et "
                 "des opérateurs de proximité.", today);
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
        section_quality(&x);
        if (o->include_text)
            section_texts(&x, err, errlen);
        section_methods(&x);
    }
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
