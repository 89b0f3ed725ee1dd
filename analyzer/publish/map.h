/* map.h -- choropleth maps of the territories for the report: outlines (GeoJSON, longitude and latitude)
 * projected in Lambert-93, the official projection of metropolitan France (a local equirectangular one
 * elsewhere), fitted to the figure; values grouped in classes by quantiles or Jenks natural breaks, each class's
 * bounds in the legend in French ("de 12,3 % à 18,0 %"); a colour-blind-safe sequential palette (ColorBrewer
 * YlGnBu); territories without a published figure hatched "non publié", imprecise ones hatched "imprécis".
 *
 * Ownership: map_choropleth returns a string the caller frees; the outlines are borrowed.
 */
#ifndef ANALYZER_MAP_H
#define ANALYZER_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* ------------------------------------------------------------------ projection */

/* The Lambert conformal conic projection of IGN's algorithm ALG0003: longitude and latitude (radians) to x, y
 * (metres), given the ellipsoid's eccentricity e, the projection's exponent n and constant c, the central
 * meridian lon_c (radians) and the pole's coordinates xs, ys. */
void map_lcc(double lon, double lat, double e, double n, double c, double lon_c, double xs, double ys, double *x,
             double *y);

/* The isometric latitude of lat (radians) on an ellipsoid of eccentricity e (IGN ALG0001). */
double map_isometric_latitude(double lat, double e);

/* The constants of Lambert-93 (EPSG:2154: GRS80, standard parallels 44° and 49°, origin 3° E 46.5° N, false
 * easting 700 000 m and northing 6 600 000 m) computed from its definition: n, c and the pole's ys. */
void map_lambert93_constants(double *n, double *c, double *ys);

/* Longitude and latitude in degrees to Lambert-93 metres. */
void map_lambert93(double lon_deg, double lat_deg, double *x, double *y);

/* ------------------------------------------------------------------ classes */

#define MAP_MAX_CLASSES 5

typedef enum map_method { MAP_QUANTILES, MAP_JENKS } map_method;

/* Classes of values: class j holds the values from lo[j] to hi[j] (both values of the data). */
typedef struct map_classes {
    size_t k;
    double lo[MAP_MAX_CLASSES], hi[MAP_MAX_CLASSES];
} map_classes;

/* Groups the n values v (any order, finite) in at most k classes (1 to MAP_MAX_CLASSES; fewer when there are
 * fewer distinct values): equal counts (quantiles; equal values never split) or Jenks' natural breaks (Fisher's
 * exact optimisation: the least sum of squared deviations from the class means). Returns 0, or -1 when n is 0
 * or k is out of range. */
int map_classify(const double *v, size_t n, size_t k, map_method method, map_classes *out);

/* The class of v (the first whose upper bound is at least v; the last for anything larger). */
size_t map_class_of(const map_classes *c, double v);

/* The within-class sum of squared deviations of a classification of v (how well Jenks did). */
double map_sdcm(const double *v, size_t n, const map_classes *c);

/* ------------------------------------------------------------------ the figure */

typedef struct map_area {
    const char *label;
    const json_t *outline;   /* GeoJSON Polygon or MultiPolygon (checked by the territories loader), or NULL */
    bool shown;              /* false: no published figure, hatched "non publié" */
    double value;
    bool imprecise;          /* too imprecise to read alone (an_cell's NEFF / WIDTH / RELWIDTH flags) */
    bool reference;          /* the rest of the town: drawn in grey with its value, outside the classes, which
                              * compare the neighbourhoods (its large area would otherwise dominate the map) */
} map_area;

/* A choropleth of the n areas that have an outline. percent: values are shares, written as percentages. id
 * prefixes the figure's pattern ids: unique in the document. NULL when no area has an outline. The classes
 * hold two values or more on average (at most MAP_MAX_CLASSES): one class per territory would show ranks, not
 * groups, and make small differences look large. */
char *map_choropleth(const char *title, const char *id, const map_area *areas, size_t n, map_method method,
                     bool percent);

#endif /* ANALYZER_MAP_H */
