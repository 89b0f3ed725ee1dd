/* chart.c -- interval charts as SVG (see chart.h). */
#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define WIDTH 640
#define LABEL_W 210
#define PLOT_W 390
#define ROW_H 20
#define TOP 24
#define BOTTOM 26

static void xml_text(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            sbuf_adds(b, "&amp;");
            break;
        case '<':
            sbuf_adds(b, "&lt;");
            break;
        case '>':
            sbuf_adds(b, "&gt;");
            break;
        case '"':
            sbuf_adds(b, "&quot;");
            break;
        default:
            sbuf_add(b, s, 1);
        }
    }
}

static double xpos(double v, double xmax)
{
    if (!(v >= 0))
        v = 0;
    if (v > xmax)
        v = xmax;
    return LABEL_W + PLOT_W * v / xmax;
}

/* A "nice" upper bound for a non-proportion axis: 1, 2 or 5 times a power of ten. */
static double nice(double v)
{
    if (!(v > 0))
        return 1;
    double p = pow(10, floor(log10(v)));
    return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

char *chart_intervals(const char *title, const chart_row *rows, size_t n, double xmax, bool percent)
{
    if (!percent) {
        double m = 0;
        for (size_t i = 0; i < n; i++)
            if (rows[i].shown)
                m = fmax(m, rows[i].has_ci ? rows[i].hi : rows[i].est);
        xmax = nice(m);
    }
    int height = TOP + (int)n * ROW_H + BOTTOM;
    sbuf b = {0};
    sbuf_addf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
              "role=\"img\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"11\"><title>",
              WIDTH, height, WIDTH, height);
    xml_text(&b, title);
    sbuf_adds(&b, "</title>");
    /* axis: five ticks */
    for (int k = 0; k <= 4; k++) {
        double v = xmax * k / 4, x = xpos(v, xmax);
        sbuf_addf(&b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d5dde6\"/>", x, TOP - 4, x,
                  TOP + (int)n * ROW_H);
        if (percent)
            sbuf_addf(&b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%.0f %%</text>", x,
                      height - 8, v * 100);
        else
            sbuf_addf(&b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%g</text>", x, height - 8,
                      v);
    }
    for (size_t i = 0; i < n; i++)
        if (rows[i].reference && rows[i].shown) {
            double x = xpos(rows[i].est, xmax);
            sbuf_addf(&b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c25400\" "
                      "stroke-dasharray=\"4 3\"/>", x, TOP - 6, x, TOP + (int)n * ROW_H);
        }
    for (size_t i = 0; i < n; i++) {
        const chart_row *r = &rows[i];
        int y = TOP + (int)i * ROW_H + ROW_H / 2;
        sbuf_addf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"%s>", LABEL_W - 8, y + 4,
                  r->reference ? " font-weight=\"bold\"" : "");
        xml_text(&b, r->label);
        sbuf_adds(&b, "</text>");
        if (!r->shown) {
            sbuf_addf(&b, "<text x=\"%d\" y=\"%d\" fill=\"#666\" font-style=\"italic\">", LABEL_W + 4, y + 4);
            xml_text(&b, r->why ? r->why : "non publié");
            sbuf_adds(&b, "</text>");
            continue;
        }
        const char *colour = r->reference ? "#c25400" : "#123d6b";
        if (r->has_ci)
            sbuf_addf(&b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
                      "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>"
                      "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>",
                      xpos(r->lo, xmax), y, xpos(r->hi, xmax), y, colour, xpos(r->lo, xmax), y - 5,
                      xpos(r->lo, xmax), y + 5, colour, xpos(r->hi, xmax), y - 5, xpos(r->hi, xmax), y + 5, colour);
        sbuf_addf(&b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"4.5\" fill=\"%s\"/>", xpos(r->est, xmax), y, colour);
        if (percent)
            sbuf_addf(&b, "<text x=\"%d\" y=\"%d\" fill=\"#333\">%.0f %%</text>", LABEL_W + PLOT_W + 8, y + 4,
                      r->est * 100);
        else
            sbuf_addf(&b, "<text x=\"%d\" y=\"%d\" fill=\"#333\">%.1f</text>", LABEL_W + PLOT_W + 8, y + 4, r->est);
    }
    sbuf_adds(&b, "</svg>");
    return b.data;
}

/* ------------------------------------------------------------------ maps */

#define MAP_W 600
#define MAP_H 380
#define MAP_LEGEND 150

typedef struct bbox {
    double lon0, lon1, lat0, lat1;
} bbox;

/* Calls fn on every ring of a Polygon or MultiPolygon. */
static void each_ring(const json_t *g, void (*fn)(void *ctx, const json_t *ring), void *ctx)
{
    const char *type = json_string_value(json_object_get(g, "type"));
    const json_t *coords = json_object_get(g, "coordinates"), *poly, *ring;
    size_t i, j;
    if (type && strcmp(type, "Polygon") == 0)
        json_array_foreach(coords, i, ring) fn(ctx, ring);
    else if (type && strcmp(type, "MultiPolygon") == 0)
        json_array_foreach(coords, i, poly) json_array_foreach(poly, j, ring) fn(ctx, ring);
}

static void grow_box(void *ctx, const json_t *ring)
{
    bbox *b = ctx;
    size_t i;
    const json_t *p;
    json_array_foreach(ring, i, p) {
        double lon = json_number_value(json_array_get(p, 0)), lat = json_number_value(json_array_get(p, 1));
        b->lon0 = fmin(b->lon0, lon), b->lon1 = fmax(b->lon1, lon);
        b->lat0 = fmin(b->lat0, lat), b->lat1 = fmax(b->lat1, lat);
    }
}

typedef struct projection {
    bbox box;
    double kx, scale, ox, oy;
    sbuf *out;
} projection;

static void path_ring(void *ctx, const json_t *ring)
{
    projection *pr = ctx;
    size_t i;
    const json_t *p;
    json_array_foreach(ring, i, p) {
        double x = pr->ox + (json_number_value(json_array_get(p, 0)) - pr->box.lon0) * pr->kx * pr->scale;
        double y = pr->oy + (pr->box.lat1 - json_number_value(json_array_get(p, 1))) * pr->scale;
        sbuf_addf(pr->out, "%s%.1f %.1f", i ? " L" : "M", x, y);
    }
    sbuf_adds(pr->out, " Z ");
}

static const char *const classes[5] = {"#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"};

char *chart_map(const char *title, const char *id, const chart_area *areas, size_t n)
{
    bbox box = {INFINITY, -INFINITY, INFINITY, -INFINITY};
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (areas[i].outline)
            each_ring(areas[i].outline, grow_box, &box);
        if (areas[i].outline && areas[i].shown)
            lo = fmin(lo, areas[i].value), hi = fmax(hi, areas[i].value);
    }
    if (!(box.lon1 > box.lon0 && box.lat1 > box.lat0))
        return NULL;
    projection pr = {box, cos((box.lat0 + box.lat1) / 2 * 3.14159265358979323846 / 180), 0, 10, 30, NULL};
    double w = (box.lon1 - box.lon0) * pr.kx, h = box.lat1 - box.lat0;
    pr.scale = fmin((MAP_W - MAP_LEGEND - 20) / w, (MAP_H - 40) / h);
    double step = hi > lo ? (hi - lo) / 5 : 1;
    sbuf b = {0};
    pr.out = &b;
    sbuf_addf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
              "role=\"img\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"10\"><title>",
              MAP_W, MAP_H, MAP_W, MAP_H);
    xml_text(&b, title);
    sbuf_addf(&b, "</title><defs><pattern id=\"%s\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
              "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f2f2f2\"/>"
              "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#999\"/></pattern></defs>", id);
    for (size_t i = 0; i < n; i++) {
        if (areas[i].outline == NULL)
            continue;
        int k = areas[i].shown ? (int)fmin(4, floor((areas[i].value - lo) / step)) : -1;
        char hatch[48];
        snprintf(hatch, sizeof hatch, "url(#%s)", id);
        sbuf_addf(&b, "<path fill-rule=\"evenodd\" stroke=\"#333\" stroke-width=\"0.8\" fill=\"%s\" d=\"",
                  k >= 0 ? classes[k] : hatch);
        each_ring(areas[i].outline, path_ring, &pr);
        sbuf_adds(&b, "\"><title>");
        xml_text(&b, areas[i].label);
        sbuf_adds(&b, "</title></path>");
    }
    for (size_t i = 0; i < n; i++) { /* labels above every shape */
        if (areas[i].outline == NULL)
            continue;
        bbox a = {INFINITY, -INFINITY, INFINITY, -INFINITY};
        each_ring(areas[i].outline, grow_box, &a);
        double x = pr.ox + ((a.lon0 + a.lon1) / 2 - box.lon0) * pr.kx * pr.scale;
        double y = pr.oy + (box.lat1 - (a.lat0 + a.lat1) / 2) * pr.scale;
        sbuf_addf(&b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" paint-order=\"stroke\" stroke=\"#fff\" "
                  "stroke-width=\"3\">", x, y);
        xml_text(&b, areas[i].label);
        if (areas[i].shown)
            sbuf_addf(&b, " %.0f %%", 100 * areas[i].value);
        sbuf_adds(&b, "</text>");
    }
    int lx = MAP_W - MAP_LEGEND + 10;
    for (int k = 0; k < 5 && hi >= lo; k++)
        sbuf_addf(&b, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\" stroke=\"#333\"/>"
                  "<text x=\"%d\" y=\"%d\">%.0f – %.0f %%</text>", lx, 40 + 20 * k, classes[k], lx + 20,
                  51 + 20 * k, 100 * (lo + k * step), 100 * (lo + (k + 1) * step));
    sbuf_addf(&b, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"url(#%s)\" stroke=\"#333\"/>"
              "<text x=\"%d\" y=\"%d\">non publié</text></svg>", lx, 150, id, lx + 20, 161);
    return b.data;
}
