/* townsreport.c -- the report of several towns analysed together (see townsreport.h). Every figure comes from
 * an_run_towns, under the same minimum-n rule as `analyzer indicators`; a difference is called "plus élevé" or
 * "plus faible" only when its Holm-adjusted test supports it, as in the report of one town. */
#include "townsreport.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "form.h"
#include "frfmt.h"
#include "indicators.h"
#include "util.h"

/* The analyzer's benchmark on the project's 2-core machine (README, "Benchmark"; scripts/bench-analyzer): one
 * million resident answers over 20 territories, every indicator, raked: 2.8 s with the derived cache built on a
 * quiet machine, 4.9 s on a loaded one, 29 s the first time (every JSON answer read and derived into the cache),
 * 290 MB at peak. Keep these in step with the README's table when the benchmark is run again. */
#define BENCH_ANSWERS 1000000.0
#define BENCH_SECONDS_QUIET 2.8
#define BENCH_SECONDS_LOADED 4.9
#define BENCH_SECONDS_COLD 29.0
#define BENCH_PEAK_MB 290.0

#define SECRET "secret stat." /* what a suppressed cell shows, as in the report of one town */

static const an_cell *find_cell(const an_result *r, size_t ind, size_t group)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].indicator == ind && r->cells[i].category < 0 && r->cells[i].group == group)
            return &r->cells[i];
    return NULL;
}

static bool is_share(const ind_def *def)
{
    return def->kind == IND_PROPORTION || def->kind == IND_DISTRIBUTION;
}

/* "34,2 % [30,1 % ; 38,0 %]", a mean with two decimals, SECRET, or "—" when there is no figure. */
static char *cell_text(char *buf, size_t len, const ind_def *def, const an_cell *c)
{
    char e[FR_BUF], lo[FR_BUF], hi[FR_BUF];
    if (c == NULL || c->suppressed != DISC_SHOW) {
        snprintf(buf, len, c ? SECRET : "—");
        return buf;
    }
    if (!c->has_estimate) {
        snprintf(buf, len, "—");
        return buf;
    }
    bool share = is_share(def);
    if (share)
        fr_pct(e, sizeof e, c->estimate, 1);
    else
        fr_num(e, sizeof e, c->estimate, 2);
    if (!c->has_ci) {
        snprintf(buf, len, "%s", e);
        return buf;
    }
    if (share)
        snprintf(buf, len, "%s [%s ; %s]", e, fr_pct(lo, sizeof lo, c->lower, 1), fr_pct(hi, sizeof hi, c->upper, 1));
    else
        snprintf(buf, len, "%s [%s ; %s]", e, fr_num(lo, sizeof lo, c->lower, 2), fr_num(hi, sizeof hi, c->upper, 2));
    return buf;
}

/* A difference in points of percentage for a share, in the indicator's unit otherwise. */
static char *diff_text(char *buf, size_t len, const ind_def *def, double v)
{
    char n[FR_BUF];
    if (is_share(def))
        snprintf(buf, len, "%s%s pt", v > 0 ? "+" : "", fr_num(n, sizeof n, 100 * v, 1));
    else
        snprintf(buf, len, "%s%s", v > 0 ? "+" : "", fr_num(n, sizeof n, v, 2));
    return buf;
}

static const tw_town *town_of(const tw_set *tw, const char *insee)
{
    for (size_t k = 0; insee && k < tw->n; k++)
        if (strcmp(tw->towns[k].insee, insee) == 0)
            return &tw->towns[k];
    return NULL;
}

/* A comparison of a town's QPV together with the other towns' QPV. */
static bool is_town_comparison(const an_result *r, const an_test *t)
{
    const an_group *g = &r->groups[t->group], *v = &r->groups[t->versus];
    return t->kind == AN_T_DIFF && t->category < 0 && g->kind == AN_G_QPV && g->town != NULL &&
           (v->kind == AN_G_OTHER_QPV || (v->kind == AN_G_QPV && v->town != NULL));
}

static void section_participation(doc *d, const an_result *r, const tw_set *tw)
{
    char n[FR_BUF];
    doc_heading(d, 1, "participation", "Qui a répondu");
    doc_para(d, "Réponses retenues par commune et par territoire. Un territoire garde sa commune : deux communes qui "
                "emploient le même code de territoire ne sont jamais confondues.");
    const char *headers[] = {"Commune", "Territoire", "Répondants"};
    const unsigned char numeric[] = {0, 0, 1};
    doc_table(d, "Répondants par commune et par territoire", 3, headers, numeric);
    for (size_t g = 0; g < r->ngroups; g++) {
        const an_group *gr = &r->groups[g];
        const tw_town *t = town_of(tw, gr->town);
        if (gr->kind == AN_G_OTHER_QPV)
            continue;
        if (gr->respondents >= 0)
            fr_int(n, sizeof n, gr->respondents);
        else
            snprintf(n, sizeof n, SECRET);
        const char *row[] = {t ? t->name : "Ensemble des communes", gr->label, n};
        doc_row(d, row);
    }
}

/* One table per key indicator of the plan (every indicator that is not a distribution when the plan names
 * none): each town's QPV against the other towns' QPV. */
static void section_comparison(doc *d, const an_result *r, const tw_set *tw, double alpha)
{
    const ind_plan *plan = ind_report_plan(r->defs);
    char a[FR_BUF], b[FR_BUF];
    doc_heading(d, 1, "comparaison-communes", "Comparaison entre communes");
    doc_para(d,
             "Pour chaque indicateur clé, les quartiers prioritaires (QPV) de chaque commune sont comparés à ceux "
             "des autres communes : l'écart, son intervalle de confiance à %s, et sa lecture. Un écart n'est dit "
             "« plus élevé » ou « plus faible » que si le test, corrigé pour les comparaisons multiples (Holm), le "
             "soutient au seuil de %s.",
             fr_pct(a, sizeof a, r->level, 0), fr_pct(b, sizeof b, alpha, 0));
    size_t shown = 0;
    for (size_t i = 0; i < ind_count(r->defs); i++) {
        const ind_def *def = ind_at(r->defs, i);
        bool key = plan->nsynthesis == 0 && def->kind != IND_DISTRIBUTION;
        for (size_t s = 0; s < plan->nsynthesis && !key; s++)
            key = strcmp(plan->synthesis[s], def->id) == 0;
        if (!key || def->kind == IND_DISTRIBUTION)
            continue;
        size_t rows = 0;
        for (size_t k = 0; k < r->ntests; k++)
            rows += r->tests[k].indicator == i && is_town_comparison(r, &r->tests[k]);
        if (rows == 0)
            continue;
        doc_heading(d, 2, NULL, "%s", form_text(def->label, "fr"));
        const char *headers[] = {"QPV de", "Estimation", "Comparés à", "Estimation", "Écart", "Intervalle de l'écart",
                                 "Lecture"};
        const unsigned char numeric[] = {0, 1, 0, 1, 1, 1, 0};
        doc_table(d, "Quartiers prioritaires de chaque commune et des autres communes", 7, headers, numeric);
        for (size_t k = 0; k < r->ntests; k++) {
            const an_test *t = &r->tests[k];
            if (t->indicator != i || !is_town_comparison(r, t))
                continue;
            const tw_town *town = town_of(tw, r->groups[t->group].town);
            char e1[3 * FR_BUF], e2[3 * FR_BUF], df[FR_BUF], ci[3 * FR_BUF], lo[FR_BUF], hi[FR_BUF];
            cell_text(e1, sizeof e1, def, find_cell(r, i, t->group));
            cell_text(e2, sizeof e2, def, find_cell(r, i, t->versus));
            const char *reading = "pas de différence démontrée";
            if (t->suppressed) {
                snprintf(df, sizeof df, SECRET);
                snprintf(ci, sizeof ci, SECRET);
                reading = SECRET;
            } else {
                diff_text(df, sizeof df, def, t->diff);
                snprintf(ci, sizeof ci, "[%s ; %s]", diff_text(lo, sizeof lo, def, t->lower),
                         diff_text(hi, sizeof hi, def, t->upper));
                if (t->p_holm < alpha)
                    reading = t->diff > 0 ? "plus élevé" : "plus faible";
            }
            const char *row[] = {
                town ? town->name : r->groups[t->group].label, e1, r->groups[t->versus].label, e2, df, ci, reading};
            doc_row(d, row);
        }
        shown++;
    }
    if (shown == 0)
        doc_para(d, "Aucune comparaison : il faut au moins deux communes ayant des quartiers prioritaires.");
}

/* How many towns and answers one machine handles, from the benchmark and this analysis's own size. */
static void section_capacity(doc *d, const an_result *r)
{
    char a[FR_BUF], b[FR_BUF], c[FR_BUF], e[FR_BUF], f[FR_BUF], g[FR_BUF];
    double per_town = r->ntowns ? (double)r->used / (double)r->ntowns : 0;
    doc_heading(d, 1, "capacite", "Combien de communes sur une machine");
    doc_para(d,
             "Sur la machine de référence du projet (2 cœurs), l'analyse d'un million de réponses de tous les "
             "indicateurs prend de %s à %s secondes et %s Mo de mémoire (banc d'essai de l'analyseur), une fois "
             "les réponses lues et codées dans le cache de l'analyseur ; la première analyse d'une base, qui les lit "
             "toutes, prend environ %s secondes. Le temps croît comme le nombre de réponses.",
             fr_num(a, sizeof a, BENCH_SECONDS_QUIET, 1), fr_num(b, sizeof b, BENCH_SECONDS_LOADED, 1),
             fr_num(c, sizeof c, BENCH_PEAK_MB, 0), fr_num(e, sizeof e, BENCH_SECONDS_COLD, 0));
    if (per_town >= 1)
        doc_para(d,
                 "À %s réponses par commune comme ici, un million de réponses représente environ %s communes : "
                 "une seule machine analyse ensemble toutes les communes d'une région (cette analyse-ci : %s réponses, "
                 "%zu communes).",
                 fr_int(e, sizeof e, lround(per_town)), fr_int(f, sizeof f, lround(BENCH_ANSWERS / per_town)),
                 fr_int(g, sizeof g, (long)r->used), r->ntowns);
    doc_para(d, "Au-delà, chaque commune pourrait calculer chez elle des sommes partielles de ses réponses et ne "
                "transmettre que celles-ci : les estimations de ce rapport sont des sommes linéarisées, qui "
                "s'additionnent d'une commune à l'autre (voir le README, « Au-delà d'une machine »).");
}

static void section_methods(doc *d, const an_result *r)
{
    char n[FR_BUF];
    doc_heading(d, 1, "methode", "Méthode");
    doc_item(d, "Plan de sondage : chaque territoire d'une commune est une strate ; la commune est le niveau "
                "au-dessus des territoires, si bien que les communes sont des strates distinctes.");
    doc_item(d, "%s",
             r->weighted ? "Pondération : calage (raking) dans chaque territoire sur les marges de sa propre "
                           "commune ; intervalles de Korn et Graubard pour les proportions."
                         : "Sans marges : chaque répondant pèse 1 ; intervalles de Wilson pour les proportions.");
    doc_item(d,
             "Écarts entre groupes : différence linéarisée sur le plan de sondage, intervalle de Student, p corrigée "
             "par la méthode de Holm avec les autres écarts de l'analyse.");
    doc_item(d,
             "Secret statistique : toute case reposant sur moins de %s répondants est masquée, et d'autres avec "
             "elle pour qu'aucune combinaison des groupes publiés (communes, QPV, région) ne la retrouve.",
             fr_int(n, sizeof n, r->min_n));
    doc_item(d, "Standardisation : %s.", r->standardised ? r->std_note : "non faite");
}

doc *trep_build(const trep_options *o, char *err, size_t errlen)
{
    const tw_set *tw = o->towns;
    an_options ao = {AN_CI_DEFAULT, o->level, o->min_n, o->today, NULL, NULL, false, NULL};
    an_result *r = an_run_towns(tw, &ao, err, errlen);
    if (r == NULL)
        return NULL;
    char today[11], day[FR_BUF];
    if (o->today)
        snprintf(today, sizeof today, "%s", o->today);
    else
        doc_today(today);
    const char *title = "Diagnostic local de santé — comparaison entre communes";
    doc *d = doc_new(title, "fr");
    doc_set_date(d, today);
    doc_heading(d, 1, NULL, "%s", title);
    sbuf names = {0};
    for (size_t k = 0; k < tw->n; k++)
        sbuf_addf(&names, "%s%s (%s)",
                  k == 0           ? ""
                  : k + 1 == tw->n ? " et "
                                   : ", ",
                  tw->towns[k].name, tw->towns[k].insee);
    doc_para(d,
             "Rapport établi le %s à partir des réponses des habitants de %zu communes : %s. Le rapport détaillé de "
             "chaque commune s'obtient sur sa seule base.",
             fr_date(day, sizeof day, today), tw->n, names.data);
    sbuf_free(&names);
    if (tw->all->example)
        doc_finding(d, "Attention : un fichier des territoires est un exemple illustratif ; ces chiffres ne décrivent "
                       "aucune commune réelle.");
    doc_toc(d);
    section_participation(d, r, tw);
    section_comparison(d, r, tw, 1 - o->level);
    section_capacity(d, r);
    section_methods(d, r);
    an_free(r);
    return d;
}
