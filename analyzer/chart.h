/* chart.h -- SVG figures for the report: estimates with their interval whiskers, one row per group, the rest of
 * the town drawn as a dashed reference line. Plain SVG 1.1 with a title for screen readers, no script, no font
 * or image to fetch.
 *
 * Ownership: chart_intervals returns a string the caller frees.
 */
#ifndef ANALYZER_CHART_H
#define ANALYZER_CHART_H

#include <stdbool.h>
#include <stddef.h>

typedef struct chart_row {
    const char *label;
    bool shown;          /* false: nothing to draw (suppressed, empty); why says it */
    const char *why;
    double est, lo, hi;
    bool has_ci;
    bool reference;      /* the row the others are compared with (the rest of the town) */
} chart_row;

/* A figure of n rows on a horizontal axis from 0 to xmax (1 for proportions, drawn as percentages). */
char *chart_intervals(const char *title, const chart_row *rows, size_t n, double xmax, bool percent);

#endif /* ANALYZER_CHART_H */
