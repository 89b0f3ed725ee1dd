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
