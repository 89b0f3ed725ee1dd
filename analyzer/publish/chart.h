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

#include <jansson.h>

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

/* One territory of a map: its GeoJSON outline (Polygon or MultiPolygon in longitude, latitude, as checked by
 * the territories loader) and its value, or why it has none. */
typedef struct chart_area {
    const char *label;
    const json_t *outline;
    bool shown;
    double value; /* a proportion */
    const char *why;
} chart_area;

/* A choropleth of the areas with an outline (equirectangular projection around the town's mean latitude), five
 * classes of equal width between the smallest and the largest value shown, a legend, and the areas without a
 * value hatched. id names the figure's hatch pattern: unique in the document. */
char *chart_map(const char *title, const char *id, const chart_area *areas, size_t n);

#endif /* ANALYZER_CHART_H */
