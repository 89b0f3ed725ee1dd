/* scores.h -- scores computed from a respondent's item answers: EPICES (deprivation, Sass et al. 2006) and
 * WHO-5 (well-being, Topp et al. 2015). Pure functions over item values, no allocation.
 */
#ifndef ANALYZER_SCORES_H
#define ANALYZER_SCORES_H

#include <stdbool.h>

#define SCORE_EPICES_ITEMS 11
#define SCORE_EPICES_PRECARIOUS 30.0 /* precarious when the score is >= 30 */
#define SCORE_WHO5_ITEMS 5

/* EPICES from its 11 yes/no items in the published order (1 social worker, 2 complementary insurance,
 * 3 couple, 4 home owner, 5 financial difficulties, 6 sport, 7 shows, 8 holidays, 9 family contact, 10 could
 * be hosted, 11 material help): items[k] is 1 for "oui", 0 for "non", anything else is missing. Returns true
 * and sets *score (0 to 100, rounded to the coefficients' hundredths) when every item is answered; false
 * when any is missing (the score is then missing, as amscorer does). */
bool score_epices(const int items[SCORE_EPICES_ITEMS], double *score);

/* True when an EPICES score is >= 30 (compared in hundredths, so 30.00 counts whatever the rounding). */
bool score_epices_precarious(double score);

typedef struct score_who5_result {
    int raw;         /* sum of the 5 items, 0 to 25 */
    int percent;     /* raw x 4, 0 to 100 */
    bool poor;       /* poor well-being, screen for depression: raw < 13 (percent <= 48) */
    bool depression; /* likely depression: percent <= 28 (raw <= 7) */
} score_who5_result;

/* WHO-5 from its 5 items, each 0 ("at no time") to 5 ("all of the time"); anything else is missing. Returns
 * true and fills out when all five are answered, false otherwise (out untouched). */
bool score_who5(const int items[SCORE_WHO5_ITEMS], score_who5_result *out);

/* True when two WHO-5 percentage scores differ by 10 points or more (a clinically relevant change). */
bool score_who5_relevant_change(int percent_before, int percent_after);

#endif /* ANALYZER_SCORES_H */
