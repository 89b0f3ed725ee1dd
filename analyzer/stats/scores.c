/* scores.c -- EPICES and WHO-5 (see scores.h for the contract).
 *
 * EPICES is summed in integer hundredths: the coefficients have two decimals, and summing them as doubles
 * would give 29.999999999999996 for a score of exactly 30, on the wrong side of the precarity threshold.
 */
#include "scores.h"

#include <math.h>
#include <stdlib.h>

/* Coefficients in hundredths for the answer "oui" (Sass et al. 2006; CRAN amscorer::epices_score). */
static const int epices_coef[SCORE_EPICES_ITEMS] = {1006, -1183, -828, -828, 1480, -651, -710, -710, -947, -947, -710};
static const int epices_constant = 7514;

bool score_epices(const int items[SCORE_EPICES_ITEMS], double *score)
{
    int sum = epices_constant;
    for (int k = 0; k < SCORE_EPICES_ITEMS; k++) {
        if (items[k] != 0 && items[k] != 1)
            return false;
        sum += items[k] * epices_coef[k];
    }
    *score = sum / 100.0;
    return true;
}

bool score_epices_precarious(double score)
{
    return lround(score * 100) >= lround(SCORE_EPICES_PRECARIOUS * 100);
}

bool score_who5(const int items[SCORE_WHO5_ITEMS], score_who5_result *out)
{
    int raw = 0;
    for (int k = 0; k < SCORE_WHO5_ITEMS; k++) {
        if (items[k] < 0 || items[k] > 5)
            return false;
        raw += items[k];
    }
    out->raw = raw;
    out->percent = raw * 4;
    out->poor = raw < 13;
    out->depression = out->percent <= 28;
    return true;
}

bool score_who5_relevant_change(int percent_before, int percent_after)
{
    return abs(percent_after - percent_before) >= 10;
}
