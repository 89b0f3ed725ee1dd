/* indicators.h -- indicator definitions as data: what each diagnosis indicator counts, written in the form's own
 * expression language, read from NAME.indicators.json next to the form (the format is in forms/README.md,
 * "Indicators").
 *
 * A definition file is checked like a form: every expression compiles against every version of the form in
 * the catalog (so that answers given to an old version are counted by the same definition), every question and
 * code it names exists, and each problem is reported with its JSON path. Evaluating a set of definitions on one
 * record gives one observation per indicator: whether the record is in the indicator's denominator, answered
 * "nsp" or "refus" (reported apart), or is out of it, and what it contributes.
 *
 * A template (an entry with "for_each_row": "R23") stands for one indicator per row of that grid of the current
 * version, in row order: "{row}" becomes the row code in id, question, numerator, denominator, among and value,
 * "{row_label}" the row's label (in each language) in label. The set holds the expanded list; diagnostics about
 * an expanded indicator name the template's path.
 *
 * This module has no statistics in it (it lives in the forms library, not in the analyzer's), so that
 * `collector check-forms` checks indicator files with the very code the analyzer reads them with.
 *
 * Ownership: an ind_set owns its document, definitions and compiled expressions; it borrows the catalog, which
 * must outlive it.
 */
#ifndef FORMS_INDICATORS_H
#define FORMS_INDICATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "catalog.h"
#include "diag.h"
#include "util.h"

#define IND_MAX_CATEGORIES 64 /* choices of a distribution (one bit each in an observation) */
#define IND_MAX_TERMS 64      /* items of a score */

typedef enum ind_kind {
    IND_PROPORTION,   /* share of the denominator for which the numerator holds */
    IND_DISTRIBUTION, /* share of each choice of a question among those who answered it */
    IND_MEAN,         /* mean of a number or of a score */
    IND_RATIO,        /* sum of one number over the sum of another (operators: done / requested) */
} ind_kind;

/* A score: constant + the sum of coef over the terms whose question has the given answer code, rounded to
 * `decimals`; missing when any item is unanswered (or answered nsp / refus). EPICES is one. */
typedef struct ind_term {
    const char *question;
    const char *code;
    double coef;
} ind_term;

typedef struct ind_score {
    const char *id;
    const json_t *label;
    double constant;
    int decimals;
    ind_term *terms;
    size_t nterms;
} ind_score;

typedef struct ind_category {
    const char *code;
    const json_t *label;
} ind_category;

typedef struct ind_def {
    const char *id, *theme;
    const json_t *label;            /* language map */
    const json_t *definition;       /* language map: the indicator in plain words ("Part des habitants qui ..."),
                                     * as written in the file or, when it gives none, made from the kind and the
                                     * label; never NULL */
    ind_kind kind;
    const char *question, *row;     /* the item whose nsp / refus are counted apart (row: grid row), or NULL */
    const ind_score *score;         /* proportion (with threshold) or mean of a score, or NULL */
    double threshold;               /* proportion of a score: event when score >= threshold */
    ind_category *categories;       /* distribution: the question's choices, nsp and refus excepted */
    size_t ncategories;
    bool multiple;                  /* distribution of a multiple-choice question (shares do not add up to 1) */
} ind_def;

typedef struct ind_set ind_set;

/* The plan of the diagnosis report, the file's optional "report" section (forms/README.md, "Le plan du
 * rapport"): everything the report says that is not a computed figure, so that no theme or title is C. */
typedef struct ind_theme {
    const char *id;                 /* what indicators name in "theme" */
    const json_t *title;            /* language map */
    const json_t *intro;            /* language map: the theme's introductory sentence, or NULL */
    const char **questions;         /* question ids the theme reports besides those of its indicators */
    size_t nquestions;
} ind_theme;

/* Residents and operators on each service: the residents' indicators of resident_theme beside the operators'
 * indicators of operator_theme on the same grid row. */
typedef struct ind_pair {
    const char *resident_theme, *operator_theme;
    const json_t *title;            /* language map: the sub-section's heading */
    const json_t *residents, *operators; /* language maps: the two columns' headings */
    const json_t *reading;          /* language map: what a gap of GAP points or more means */
} ind_pair;

typedef struct ind_plan {
    ind_theme *themes;              /* in the report's order */
    size_t nthemes;
    const char **synthesis;         /* indicator ids of the summary's key findings, in order */
    size_t nsynthesis;
    const char **mapped;            /* indicator ids drawn on the map (or the ranked dot chart) */
    size_t nmapped;
    const char **ranked;            /* distribution indicators drawn as a ranked bar chart per territory (R40) */
    size_t nranked;
    ind_pair *pairs;
    size_t npairs;
} ind_plan;

/* Loads path (NAME.indicators.json) for form_id of catalog c. Returns NULL with every problem in diags. */
ind_set *ind_load(const char *path, const catalog *c, const char *form_id, diag_list *diags);

/* As ind_load, from a document already in memory (a plan the report builds, say); name is used in diagnostics.
 * The set takes its own reference to doc. */
ind_set *ind_load_json(json_t *doc, const char *name, const catalog *c, const char *form_id, diag_list *diags);

/* Writes the conventional file of form_id, DIR/ID.indicators.json, into buf (len bytes) and returns buf. */
char *ind_default_path(const catalog *c, const char *form_id, char *buf, size_t len);

/* Checks every indicator file of the catalog's folder (NAME.indicators.json, for `collector check-forms`): each
 * must describe a form of the catalog and load as ind_load loads it. Every problem goes to diags; one line per
 * file ("FILE : N indicateurs") is appended to summary. Returns the number of files that failed. */
size_t ind_check_dir(const catalog *c, diag_list *diags, sbuf *summary);

void ind_free(ind_set *s);

/* The source of expression key ("numerator", "denominator", "among", "value") of definition i, or NULL. */
const char *ind_source(const ind_set *s, size_t i, const char *key);

/* The report plan of the file (an empty plan, never NULL, when the file has no "report" section). */
const ind_plan *ind_report_plan(const ind_set *s);

/* The theme with this id in the plan, or NULL. */
const ind_theme *ind_theme_by_id(const ind_plan *p, const char *id);

/* The document the set was loaded from (borrowed): what identifies the definitions, for caches of their values. */
const json_t *ind_document(const ind_set *s);

/* The form the definitions describe. */
const char *ind_form_id(const ind_set *s);

size_t ind_count(const ind_set *s);
const ind_def *ind_at(const ind_set *s, size_t i);

/* What one record contributes to one indicator. */
typedef enum ind_state {
    IND_OUT = 0,   /* not in the denominator (outside the sub-population, skipped, unanswered) */
    IND_IN,        /* in the denominator */
    IND_NSP,       /* answered "ne sait pas": counted apart */
    IND_REFUS,     /* declined to answer: counted apart */
} ind_state;

typedef struct ind_obs {
    ind_state state;
    bool event;     /* proportion: the numerator holds */
    uint64_t cats;  /* distribution: bit k set when category k was chosen */
    double a, b;    /* mean: a; ratio: a over b */
} ind_obs;

/* Evaluates every indicator on one record answered to `version` (a version of the set's form in the catalog;
 * answers already checked): out has ind_count(s) entries. today is "YYYY-MM-DD" for today(). */
void ind_eval(const ind_set *s, const form *version, const json_t *answers, const char *today, ind_obs *out);

/* The kind's name in the files and outputs ("proportion", ...). */
const char *ind_kind_name(ind_kind k);

/* The scores of the file ("scores"), in order: for the exports' score columns. */
size_t ind_score_count(const ind_set *s);
const ind_score *ind_score_at(const ind_set *s, size_t i);

/* Evaluates sc on one record's answers exactly as the indicators do: IND_IN with the rounded score in *out, or the
 * state that makes it missing (IND_OUT an item unanswered, IND_NSP / IND_REFUS an item answered so). */
ind_state ind_score_eval(const ind_score *sc, const json_t *answers, double *out);

#endif /* FORMS_INDICATORS_H */
