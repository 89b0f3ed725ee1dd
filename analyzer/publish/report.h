/* report.h -- the diagnosis report: what an analyst hands to the steering committee of the local health contract
 * and to the residents who took part, built from the residents' and operators' answers.
 *
 * Sections, following the plan of the indicator files (ind_report_plan): a one-page summary of the plan's key
 * findings in plain words; who answered; the residents' themes in the plan's order, each with its introduction, its
 * indicators (definition in words, the questions read as "ID — wording", tables with crude and standardised figures,
 * interval charts of each neighbourhood against the rest of the town; a ranked bar chart per territory for the
 * plan's ranked distributions) and a table of shares by territory for each other question it lists; the indicators
 * the plan does not place ("Autres indicateurs"); the residents' and the operators' views of each service, one table
 * per pair of the plan; the operators' themes (action sheet); an annex "Autres questions" for every question no
 * indicator reads and no theme lists (free text as a count); data quality; the methods and the questionnaires' exact
 * wording; a technical annex (id "annexe-technique"), the only place where the indicators' expressions appear.
 * Every number and date is written in French (frfmt.h). Every figure comes from analysis.h, so the report's numbers are the indicators command's, under the
 * same minimum-n rule; differences are called "plus élevé" or "plus faible" only when the Holm-adjusted test
 * supports it. Free-text answers appear only when asked for, since they may identify someone. Several waves of
 * the same survey add each indicator's change since the first wave, with its interval.
 *
 * Ownership: the returned doc belongs to the caller (doc_free).
 */
#ifndef ANALYZER_REPORT_H
#define ANALYZER_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "dataset.h"
#include "doc.h"
#include "margins.h"

/* A wave of a repeated diagnosis: its label ("2025") and its answers (a form version, or dates of arrival). */
typedef struct rep_wave {
    const char *label;
    ds_filter filter;
} rep_wave;

typedef struct rep_options {
    const char *db;
    const catalog *cat;
    const char *form;          /* the residents' form: "resident" */
    const char *operator_form; /* the operators' form, or NULL for none */
    const mg_margins *margins; /* NULL: unweighted */
    long min_n;
    double level;
    bool include_text;         /* print free-text answers (they may identify someone) */
    const char *today;         /* "YYYY-MM-DD" written in the report; NULL: the local date */
    const rep_wave *waves;     /* in time order; the report describes the last one and how each indicator changed
                                  since the first; NULL (nwaves 0): every answer, no evolution */
    size_t nwaves;
    void (*progress)(void *ctx, size_t records);
    void *progress_ctx;
} rep_options;

/* Builds the report. Returns NULL with a French message when the database or a definition file cannot be read
 * or the analysis fails (a raking error names its cell). */
doc *rep_build(const rep_options *o, char *err, size_t errlen);

#endif /* ANALYZER_REPORT_H */
