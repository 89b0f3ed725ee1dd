/* chart.h -- SVG figures for the report: estimates with their interval whiskers (one row per group, the rest of
 * the town drawn as a dashed reference line), the same ranked as dots, and ranked bars. Plain SVG 1.1 with a
 * title for screen readers, no script, no font or image to fetch.
 *
 * Every figure names its font ("DejaVu Sans, Arial, sans-serif") and sizes its label column from the longest
 * label, measured with that font's advance widths (chart_text_width): no label is clipped. A label wider than
 * CHART_LABEL_MAX wraps onto a second line, and only a label that still does not fit is cut with an ellipsis;
 * its whole text stays in the label's <title>. Figures have a viewBox and width 100%: they scale to the column
 * they are printed in. Numbers are written in French (frfmt.h).
 *
 * Ownership: every chart_* function returns a string the caller frees, or NULL when there is nothing to draw.
 */
#ifndef ANALYZER_CHART_H
#define ANALYZER_CHART_H

#include <stdbool.h>
#include <stddef.h>

#define CHART_WIDTH 640      /* the viewBox width of every chart: 180 mm of print is 640 units of 0.28 mm */
#define CHART_FONT 11        /* font size of the labels, in viewBox units (about 8.8 pt printed at 180 mm) */
#define CHART_LABEL_MAX 250  /* the widest label column; longer labels wrap */

/* The width of s (UTF-8) written at font_size in DejaVu Sans (bold or regular), the widest of the fonts the
 * figures name, with a safety margin: an upper bound of what a browser draws. */
double chart_text_width(const char *s, double font_size, bool bold);

typedef struct chart_row {
    const char *label;
    bool shown;          /* false: nothing to draw (suppressed, empty); why says it */
    const char *why;
    double est, lo, hi;
    bool has_ci;
    bool reference;      /* the row the others are compared with (the rest of the town) */
} chart_row;

/* A figure of n rows on a horizontal axis from 0 to xmax (1 for proportions, drawn as percentages; otherwise
 * the axis ends at a round value above the largest upper bound). NULL when n is 0. */
char *chart_intervals(const char *title, const chart_row *rows, size_t n, double xmax, bool percent);

/* The rows ranked by estimate, largest first, each a dot with its interval: what the report draws instead of a
 * map when the territories have no outlines. Rows not shown go last, with their reason. NULL when n is 0. */
char *chart_dots(const char *title, const chart_row *rows, size_t n, double xmax, bool percent);

/* One bar of a ranked bar chart: a share (0 to 1), or why it has none. */
typedef struct chart_bar {
    const char *label;
    bool shown;
    double value;
    const char *why;
} chart_bar;

/* Horizontal bars ranked largest first (ties in the given order), the share written at each bar's end: the
 * residents' priorities (R40) of one territory. NULL when n is 0 or no bar is shown. */
char *chart_bars(const char *title, const chart_bar *bars, size_t n);

#endif /* ANALYZER_CHART_H */
