/* map.c -- choropleth maps of the territories (see map.h): Lambert-93 projection, quantile and Jenks classes,
 * and the SVG figure. Exports map_lcc, map_isometric_latitude, map_lambert93*, map_classify, map_class_of,
 * map_sdcm and map_choropleth. */
#include "map.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "frfmt.h"
#include "util.h"

#define PI 3.14159265358979323846
#define DEG (PI / 180)

/* ------------------------------------------------------------------ projection */

/* GRS80, the ellipsoid of RGF93 */
#define GRS80_A 6378137.0
#define GRS80_F (1 / 298.257222101)

double map_isometric_latitude(double lat, double e)
{
    double s = e * sin(lat);
    return log(tan(PI / 4 + lat / 2) * pow((1 - s) / (1 + s), e / 2));
}

void map_lcc(double lon, double lat, double e, double n, double c, double lon_c, double xs, double ys, double *x,
             double *y)
{
    double r = c * exp(-n * map_isometric_latitude(lat, e)), g = n * (lon - lon_c);
    *x = xs + r * sin(g);
    *y = ys - r * cos(g);
}

static double grs80_e(void)
{
    return sqrt(2 * GRS80_F - GRS80_F * GRS80_F);
}

void map_lambert93_constants(double *n, double *c, double *ys)
{
    double e = grs80_e(), p1 = 44 * DEG, p2 = 49 * DEG, p0 = 46.5 * DEG;
    double m1 = cos(p1) / sqrt(1 - e * e * sin(p1) * sin(p1)), m2 = cos(p2) / sqrt(1 - e * e * sin(p2) * sin(p2));
    double l1 = map_isometric_latitude(p1, e), l2 = map_isometric_latitude(p2, e);
    *n = log(m1 / m2) / (l2 - l1);
    *c = GRS80_A * m1 * exp(*n * l1) / *n;
    *ys = 6600000 + *c * exp(-*n * map_isometric_latitude(p0, e));
}

void map_lambert93(double lon_deg, double lat_deg, double *x, double *y)
{
    static double n, c, ys, e;
    if (e == 0) { /* computed once; the same values on every call, so a race would write them twice, harmlessly */
        map_lambert93_constants(&n, &c, &ys);
        e = grs80_e();
    }
    map_lcc(lon_deg * DEG, lat_deg * DEG, e, n, c, 3 * DEG, 700000, ys, x, y);
}

/* ------------------------------------------------------------------ classes */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Fills out from the sorted values s and the start of each group (start[0] = 0, k groups). */
static void classes_from(const double *s, size_t n, const size_t *start, size_t k, map_classes *out)
{
    out->k = 0;
    for (size_t j = 0; j < k; j++) {
        size_t a = start[j], b = j + 1 < k ? start[j + 1] : n;
        if (b <= a)
            continue;
        out->lo[out->k] = s[a];
        out->hi[out->k] = s[b - 1];
        out->k++;
    }
}

/* Jenks' natural breaks by Fisher's dynamic programme over the sorted values: cost[c][j] is the least sum of
 * squared deviations of s[0..j] in c + 1 classes. O(k n^2) time: a town has a few dozen territories at most. */
static void jenks(const double *s, size_t n, size_t k, size_t *start)
{
    double *sum = xcalloc(n + 1, sizeof *sum), *sq = xcalloc(n + 1, sizeof *sq);
    for (size_t i = 0; i < n; i++) {
        sum[i + 1] = sum[i] + s[i];
        sq[i + 1] = sq[i] + s[i] * s[i];
    }
    double *cost = xcalloc(k * n, sizeof *cost);
    size_t *from = xcalloc(k * n, sizeof *from);
#define SSD(a, b) (sq[(b) + 1] - sq[a] - (sum[(b) + 1] - sum[a]) * (sum[(b) + 1] - sum[a]) / (double)((b) - (a) + 1))
    for (size_t j = 0; j < n; j++)
        cost[j] = SSD(0, j);
    for (size_t c = 1; c < k; c++)
        for (size_t j = c; j < n; j++) {
            double best = INFINITY;
            size_t arg = c;
            for (size_t i = c; i <= j; i++) { /* the last class is s[i..j] */
                double v = cost[(c - 1) * n + i - 1] + SSD(i, j);
                if (v < best - 1e-12) {
                    best = v;
                    arg = i;
                }
            }
            cost[c * n + j] = best;
            from[c * n + j] = arg;
        }
#undef SSD
    size_t j = n - 1;
    start[0] = 0;
    for (size_t c = k - 1; c > 0; c--) {
        start[c] = from[c * n + j];
        j = start[c] - 1;
    }
    free(sum);
    free(sq);
    free(cost);
    free(from);
}

int map_classify(const double *v, size_t n, size_t k, map_method method, map_classes *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || k < 1 || k > MAP_MAX_CLASSES)
        return -1;
    double *s = xmalloc(n * sizeof *s);
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    size_t distinct = 1;
    for (size_t i = 1; i < n; i++)
        distinct += s[i] != s[i - 1];
    if (k > distinct)
        k = distinct;
    size_t start[MAP_MAX_CLASSES] = {0};
    if (method == MAP_JENKS) {
        jenks(s, n, k, start);
    } else {
        for (size_t j = 1; j < k; j++) {
            size_t b = (j * n + k / 2) / k;
            if (b < start[j - 1] + 1)
                b = start[j - 1] + 1;
            /* equal values stay in one class: move the boundary past the run it would cut */
            while (b < n && b > 0 && s[b] == s[b - 1])
                b++;
            start[j] = b > n ? n : b;
        }
    }
    classes_from(s, n, start, k, out);
    free(s);
    return 0;
}

size_t map_class_of(const map_classes *c, double v)
{
    for (size_t j = 0; j < c->k; j++)
        if (v <= c->hi[j])
            return j;
    return c->k ? c->k - 1 : 0;
}

double map_sdcm(const double *v, size_t n, const map_classes *c)
{
    double sum[MAP_MAX_CLASSES] = {0}, total = 0;
    size_t count[MAP_MAX_CLASSES] = {0};
    for (size_t i = 0; i < n; i++) {
        size_t j = map_class_of(c, v[i]);
        sum[j] += v[i];
        count[j]++;
    }
    for (size_t i = 0; i < n; i++) {
        size_t j = map_class_of(c, v[i]);
        double d = v[i] - sum[j] / (double)count[j];
        total += d * d;
    }
    return total;
}

/* ------------------------------------------------------------------ outlines, projected */

typedef struct ring {
    double *x, *y;
    size_t n;
} ring;

typedef struct shape {
    ring *rings;
    size_t nrings;
    double x0, x1, y0, y1;
} shape;

typedef struct projector {
    bool lambert;           /* else equirectangular around lat0 */
    double coslat0;
} projector;

static void project(const projector *p, double lon, double lat, double *x, double *y)
{
    if (p->lambert) {
        map_lambert93(lon, lat, x, y);
    } else {
        *x = GRS80_A * lon * DEG * p->coslat0;
        *y = GRS80_A * lat * DEG;
    }
}

static void add_ring(shape *s, const projector *p, const json_t *r)
{
    s->rings = xrealloc(s->rings, (s->nrings + 1) * sizeof *s->rings);
    ring *g = &s->rings[s->nrings++];
    g->n = json_array_size(r);
    g->x = xcalloc(g->n ? g->n : 1, sizeof *g->x);
    g->y = xcalloc(g->n ? g->n : 1, sizeof *g->y);
    for (size_t i = 0; i < g->n; i++) {
        const json_t *pos = json_array_get(r, i);
        project(p, json_number_value(json_array_get(pos, 0)), json_number_value(json_array_get(pos, 1)), &g->x[i],
                &g->y[i]);
        s->x0 = fmin(s->x0, g->x[i]), s->x1 = fmax(s->x1, g->x[i]);
        s->y0 = fmin(s->y0, g->y[i]), s->y1 = fmax(s->y1, g->y[i]);
    }
}

/* Calls fn(ctx, ring) on every ring of a Polygon or MultiPolygon. */
static void each_ring(const json_t *g, void (*fn)(void *, const json_t *), void *ctx)
{
    const char *type = json_string_value(json_object_get(g, "type"));
    const json_t *coords = json_object_get(g, "coordinates"), *poly, *r;
    size_t i, j;
    if (type && strcmp(type, "Polygon") == 0)
        json_array_foreach(coords, i, r) fn(ctx, r);
    else if (type && strcmp(type, "MultiPolygon") == 0)
        json_array_foreach(coords, i, poly) json_array_foreach(poly, j, r) fn(ctx, r);
}

typedef struct ring_ctx {
    shape *s;
    const projector *p;
    double lon0, lon1, lat0, lat1; /* for the choice of projection */
} ring_ctx;

static void ring_to_shape(void *ctx, const json_t *r)
{
    ring_ctx *c = ctx;
    add_ring(c->s, c->p, r);
}

static void ring_extent(void *ctx, const json_t *r)
{
    ring_ctx *c = ctx;
    size_t i;
    const json_t *pos;
    json_array_foreach(r, i, pos) {
        double lon = json_number_value(json_array_get(pos, 0)), lat = json_number_value(json_array_get(pos, 1));
        c->lon0 = fmin(c->lon0, lon), c->lon1 = fmax(c->lon1, lon);
        c->lat0 = fmin(c->lat0, lat), c->lat1 = fmax(c->lat1, lat);
    }
}

static void shape_free(shape *s)
{
    for (size_t i = 0; i < s->nrings; i++) {
        free(s->rings[i].x);
        free(s->rings[i].y);
    }
    free(s->rings);
}

/* Even-odd rule over every ring: inside the area, holes excepted. */
static bool inside(const shape *s, double x, double y)
{
    bool in = false;
    for (size_t r = 0; r < s->nrings; r++) {
        const ring *g = &s->rings[r];
        for (size_t i = 0, j = g->n ? g->n - 1 : 0; i < g->n; j = i++)
            if ((g->y[i] > y) != (g->y[j] > y) &&
                x < (g->x[j] - g->x[i]) * (y - g->y[i]) / (g->y[j] - g->y[i]) + g->x[i])
                in = !in;
    }
    return in;
}

static double edge_distance(const shape *s, double x, double y)
{
    double best = INFINITY;
    for (size_t r = 0; r < s->nrings; r++) {
        const ring *g = &s->rings[r];
        for (size_t i = 0; i + 1 < g->n; i++) {
            double ax = g->x[i], ay = g->y[i], dx = g->x[i + 1] - ax, dy = g->y[i + 1] - ay;
            double len2 = dx * dx + dy * dy, t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0;
            t = fmax(0, fmin(1, t));
            best = fmin(best, hypot(x - ax - t * dx, y - ay - t * dy));
        }
    }
    return best;
}

/* Where the area's label goes: of a grid of points over its extent, the inside point farthest from every edge
 * (the middle of the extent may fall in a hole, as it does for the rest of a town around its neighbourhoods). */
static void label_point(const shape *s, double *lx, double *ly)
{
    enum { GRID = 24 };
    double best = -1;
    *lx = (s->x0 + s->x1) / 2, *ly = (s->y0 + s->y1) / 2;
    for (int i = 0; i < GRID; i++)
        for (int j = 0; j < GRID; j++) {
            double x = s->x0 + (s->x1 - s->x0) * (i + 0.5) / GRID, y = s->y0 + (s->y1 - s->y0) * (j + 0.5) / GRID;
            if (!inside(s, x, y))
                continue;
            double d = edge_distance(s, x, y);
            if (d > best)
                best = d, *lx = x, *ly = y;
        }
}

/* ------------------------------------------------------------------ the figure */

#define MAP_W CHART_WIDTH
#define MAP_MAX_H 440
#define PAD 8
#define SWATCH 14
#define LEGEND_ROW 20

/* ColorBrewer YlGnBu, sequential and safe for the common colour blindnesses, for 1 to 5 classes. */
/* The rest of the town: a neutral grey, lighter than any class and distinct from the "non publié" hatches. */
#define REFERENCE_FILL "#d9d9d9"

static const char *const palette[MAP_MAX_CLASSES][MAP_MAX_CLASSES] = {
    {"#41b6c4"},
    {"#a1dab4", "#225ea8"},
    {"#edf8b1", "#7fcdbb", "#2c7fb8"},
    {"#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"},
    {"#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"},
};

static void xml_text(sbuf *b, const char *s)
{
    util_html_escape(b, s);
}

static char *fmt_value(char *buf, size_t len, double v, bool percent)
{
    return percent ? fr_pct(buf, len, v, 1) : fr_num(buf, len, v, 1);
}

typedef struct fit {
    double scale, ox, oy, x0, y1;
} fit;

static void path_d(sbuf *b, const shape *s, const fit *f)
{
    for (size_t r = 0; r < s->nrings; r++) {
        const ring *g = &s->rings[r];
        for (size_t i = 0; i < g->n; i++)
            sbuf_addf(b, "%s%.1f %.1f", i ? " L" : "M", f->ox + (g->x[i] - f->x0) * f->scale,
                      f->oy + (f->y1 - g->y[i]) * f->scale);
        sbuf_adds(b, " Z ");
    }
}

char *map_choropleth(const char *title, const char *id, const map_area *areas, size_t n, map_method method,
                     bool percent)
{
    ring_ctx ext = {NULL, NULL, INFINITY, -INFINITY, INFINITY, -INFINITY};
    size_t withline = 0, nvalues = 0;
    for (size_t i = 0; i < n; i++)
        if (areas[i].outline) {
            each_ring(areas[i].outline, ring_extent, &ext);
            withline++;
        }
    if (withline == 0 || !(ext.lon1 >= ext.lon0))
        return NULL;
    /* Lambert-93 is made for metropolitan France; overseas, a local equirectangular projection is as good */
    double clon = (ext.lon0 + ext.lon1) / 2, clat = (ext.lat0 + ext.lat1) / 2;
    projector pr = {clon > -6 && clon < 10.5 && clat > 41 && clat < 51.5, cos(clat * DEG)};
    shape *shapes = xcalloc(n, sizeof *shapes);
    double *values = xcalloc(n, sizeof *values);
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        shapes[i] = (shape){NULL, 0, INFINITY, -INFINITY, INFINITY, -INFINITY};
        if (areas[i].outline == NULL)
            continue;
        ring_ctx rc = {&shapes[i], &pr, 0, 0, 0, 0};
        each_ring(areas[i].outline, ring_to_shape, &rc);
        x0 = fmin(x0, shapes[i].x0), x1 = fmax(x1, shapes[i].x1);
        y0 = fmin(y0, shapes[i].y0), y1 = fmax(y1, shapes[i].y1);
        if (areas[i].shown && isfinite(areas[i].value) && !areas[i].reference)
            values[nvalues++] = areas[i].value;
    }
    map_classes cl = {0};
    size_t nclasses = nvalues / 2 < 2 ? (nvalues < 2 ? 1 : 2) : nvalues / 2;
    if (nvalues)
        map_classify(values, nvalues, nclasses < MAP_MAX_CLASSES ? nclasses : MAP_MAX_CLASSES, method, &cl);
    const map_area *ref = NULL; /* the reference drawn in grey, in the legend when it has a value */
    for (size_t i = 0; i < n && ref == NULL; i++)
        if (areas[i].reference && areas[i].outline && areas[i].shown && isfinite(areas[i].value))
            ref = &areas[i];

    /* the legend's texts decide its width; the map takes the rest */
    char legend[MAP_MAX_CLASSES][2 * FR_BUF + 16];
    double legend_w = chart_text_width(method == MAP_JENKS ? "Classes (seuils naturels)" : "Classes (quantiles)",
                                       CHART_FONT, true);
    for (size_t j = 0; j < cl.k; j++) {
        char a[FR_BUF], b2[FR_BUF];
        fmt_value(a, sizeof a, cl.lo[j], percent);
        fmt_value(b2, sizeof b2, cl.hi[j], percent);
        if (strcmp(a, b2) == 0)
            snprintf(legend[j], sizeof legend[j], "%s", a);
        else
            snprintf(legend[j], sizeof legend[j], "de %s à %s", a, b2);
        legend_w = fmax(legend_w, SWATCH + 6 + chart_text_width(legend[j], CHART_FONT, false));
    }
    legend_w = fmax(legend_w, SWATCH + 6 + chart_text_width("non publié", CHART_FONT, false));
    char ref_text[FR_BUF + 256] = "";
    if (ref) {
        char v[FR_BUF];
        snprintf(ref_text, sizeof ref_text, "référence : %s", fmt_value(v, sizeof v, ref->value, percent));
        legend_w = fmax(legend_w, SWATCH + 6 + chart_text_width(ref_text, CHART_FONT, false));
    }
    legend_w = ceil(legend_w) + 2 * PAD;
    double avail_w = MAP_W - legend_w - 3 * PAD, dx = fmax(x1 - x0, 1), dy = fmax(y1 - y0, 1);
    fit f = {fmin(avail_w / dx, (MAP_MAX_H - 2 * PAD) / dy), PAD, PAD, x0, y1};
    double legend_h = LEGEND_ROW * (double)(cl.k + 3 + (ref != NULL)) + PAD;
    int height = (int)ceil(fmax(dy * f.scale + 2 * PAD, legend_h + 2 * PAD));
    f.ox = PAD + (avail_w - dx * f.scale) / 2;

    sbuf b = {0};
    sbuf_addf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-map\" viewBox=\"0 0 %d %d\" "
              "width=\"100%%\" role=\"img\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"%d\"><title>",
              MAP_W, height, CHART_FONT);
    xml_text(&b, title);
    /* not published: grey hatches on light grey; imprecise: sparse dark hatches the other way, over the colour */
    sbuf_addf(&b, "</title><defs><pattern id=\"%s-np\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
              "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eeeeee\"/>"
              "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#8c8c8c\" stroke-width=\"1.5\"/></pattern>"
              "<pattern id=\"%s-imp\" width=\"7\" height=\"7\" patternUnits=\"userSpaceOnUse\" "
              "patternTransform=\"rotate(-45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"7\" stroke=\"#333333\" "
              "stroke-width=\"0.8\"/></pattern></defs><rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>",
              id, id, MAP_W, height);
    /* the largest areas first, so that a surrounding area drawn without holes cannot hide the others */
    size_t *order = xcalloc(n, sizeof *order), m = 0;
    for (size_t i = 0; i < n; i++)
        if (areas[i].outline)
            order[m++] = i;
    for (size_t i = 1; i < m; i++)
        for (size_t j = i; j > 0; j--) {
            const shape *a = &shapes[order[j - 1]], *c = &shapes[order[j]];
            if ((a->x1 - a->x0) * (a->y1 - a->y0) >= (c->x1 - c->x0) * (c->y1 - c->y0))
                break;
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t k = 0; k < m; k++) {
        size_t i = order[k];
        const map_area *a = &areas[i];
        bool has = a->shown && isfinite(a->value) && (cl.k > 0 || a->reference);
        if (has && a->reference)
            sbuf_addf(&b, "<path fill-rule=\"evenodd\" stroke=\"#8c8c8c\" stroke-width=\"0.6\" fill=\"%s\" d=\"",
                      REFERENCE_FILL);
        else if (has)
            sbuf_addf(&b, "<path fill-rule=\"evenodd\" stroke=\"#8c8c8c\" stroke-width=\"0.6\" fill=\"%s\" d=\"",
                      palette[cl.k - 1][map_class_of(&cl, a->value)]);
        else
            sbuf_addf(&b, "<path fill-rule=\"evenodd\" stroke=\"#8c8c8c\" stroke-width=\"0.6\" fill=\"url(#%s-np)\" "
                      "d=\"", id);
        path_d(&b, &shapes[i], &f);
        sbuf_adds(&b, "\"><title>");
        xml_text(&b, a->label);
        char v[FR_BUF];
        sbuf_adds(&b, " : ");
        xml_text(&b, has ? fmt_value(v, sizeof v, a->value, percent) : "non publié");
        if (has && a->imprecise)
            sbuf_adds(&b, " (imprécis)");
        sbuf_adds(&b, "</title></path>");
        if (has && a->imprecise) {
            sbuf_addf(&b, "<path fill-rule=\"evenodd\" stroke=\"none\" fill=\"url(#%s-imp)\" d=\"", id);
            path_d(&b, &shapes[i], &f);
            sbuf_adds(&b, "\"/>");
        }
    }
    /* labels above every shape, kept inside the map's part of the figure; a label that would cover one already
     * placed (two small neighbouring areas) moves down, then up, by a label's height until it is clear */
    double (*box)[4] = xcalloc(m ? m : 1, sizeof *box); /* x0, y0, x1, y1 of the labels placed */
    for (size_t k = 0; k < m; k++) {
        size_t i = order[k];
        const map_area *a = &areas[i];
        double lx, ly;
        label_point(&shapes[i], &lx, &ly);
        double x = f.ox + (lx - f.x0) * f.scale, y = f.oy + (f.y1 - ly) * f.scale;
        char v[FR_BUF];
        bool has = a->shown && isfinite(a->value) && (cl.k > 0 || a->reference);
        fmt_value(v, sizeof v, a->value, percent);
        double w = fmax(chart_text_width(a->label, CHART_FONT, true), chart_text_width(has ? v : "non publié",
                                                                                        CHART_FONT, false));
        double right = MAP_W - legend_w - PAD;
        x = fmax(PAD + w / 2, fmin(right - w / 2, x));
        y = fmax(PAD + CHART_FONT, fmin(height - PAD - CHART_FONT - 2, y));
        double lh = 2.0 * CHART_FONT + 4, y_at = y;
        for (int attempt = 1; attempt <= 8; attempt++) {
            bool clear = true;
            for (size_t j = 0; j < k && clear; j++)
                clear = x + w / 2 < box[j][0] || x - w / 2 > box[j][2] || y - CHART_FONT - 2 > box[j][3] ||
                        y + CHART_FONT + 4 < box[j][1];
            if (clear)
                break;
            double step = lh * (double)((attempt + 1) / 2);
            y = fmax(PAD + CHART_FONT, fmin(height - PAD - CHART_FONT - 2, attempt % 2 ? y_at + step : y_at - step));
        }
        box[k][0] = x - w / 2, box[k][1] = y - CHART_FONT - 2, box[k][2] = x + w / 2, box[k][3] = y + CHART_FONT + 4;
        sbuf_addf(&b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" paint-order=\"stroke\" stroke=\"#ffffff\" "
                  "stroke-width=\"3\" stroke-linejoin=\"round\"><tspan x=\"%.1f\" font-weight=\"bold\">", x, y - 2, x);
        xml_text(&b, a->label);
        sbuf_addf(&b, "</tspan><tspan x=\"%.1f\" dy=\"%d\">", x, CHART_FONT + 2);
        xml_text(&b, has ? v : "non publié");
        sbuf_adds(&b, "</tspan></text>");
    }
    double lx = MAP_W - legend_w + PAD;
    int ly = PAD + CHART_FONT;
    sbuf_addf(&b, "<text x=\"%.1f\" y=\"%d\" font-weight=\"bold\">%s</text>", lx, ly,
              method == MAP_JENKS ? "Classes (seuils naturels)" : "Classes (quantiles)");
    for (size_t j = 0; j < cl.k; j++) {
        int y = ly + 8 + LEGEND_ROW * (int)j;
        sbuf_addf(&b, "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#8c8c8c\"/>"
                  "<text x=\"%.1f\" y=\"%d\">", lx, y, SWATCH, SWATCH, palette[cl.k - 1][j], lx + SWATCH + 6, y + 11);
        xml_text(&b, legend[j]);
        sbuf_adds(&b, "</text>");
    }
    int y = ly + 8 + LEGEND_ROW * (int)cl.k;
    if (ref) {
        sbuf_addf(&b, "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#8c8c8c\"/>"
                  "<text x=\"%.1f\" y=\"%d\">", lx, y, SWATCH, SWATCH, REFERENCE_FILL, lx + SWATCH + 6, y + 11);
        xml_text(&b, ref_text);
        sbuf_adds(&b, "</text>");
        y += LEGEND_ROW;
    }
    sbuf_addf(&b, "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"url(#%s-np)\" stroke=\"#8c8c8c\"/>"
              "<text x=\"%.1f\" y=\"%d\">non publié</text>", lx, y, SWATCH, SWATCH, id, lx + SWATCH + 6, y + 11);
    y += LEGEND_ROW;
    sbuf_addf(&b, "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ffffff\" stroke=\"#8c8c8c\"/>"
              "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"url(#%s-imp)\"/>"
              "<text x=\"%.1f\" y=\"%d\">imprécis</text></svg>", lx, y, SWATCH, SWATCH, lx, y, SWATCH, SWATCH, id,
              lx + SWATCH + 6, y + 11);
    for (size_t i = 0; i < n; i++)
        shape_free(&shapes[i]);
    free(box);
    free(shapes);
    free(values);
    free(order);
    return b.data;
}
