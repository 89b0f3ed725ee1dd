/* chart.c -- interval, ranked dot and ranked bar charts as SVG (see chart.h). Exports chart_text_width and the
 * chart_* figures. */
#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frfmt.h"
#include "util.h"

#define FONT_FAMILY "DejaVu Sans, Arial, sans-serif"
#define SAFETY 1.06      /* text measures are rounded up by this much: hinting, a substituted font's kerning */
#define ROW_H 20         /* a row of one line */
#define ROW_H2 32        /* a row whose label takes two lines */
#define LINE_H 13        /* between the two lines of a label */
#define TOP 12
#define BOTTOM 26        /* the axis' tick labels */
#define GAP 8            /* between a label and the plot, the plot and its values */
#define LABEL_BYTES 512  /* one line of a label */

/* ------------------------------------------------------------------ measuring text */

/* Advance widths of DejaVu Sans (units of 1/2048 em) for U+0020..U+007E then U+00A0..U+00FF, read from the
 * font's hmtx table. DejaVu is the widest of the fonts the figures name (Arial's letters are narrower), so a
 * label measured with it fits whichever of them the reader's browser uses. */
static const unsigned short adv_regular[191] = {
    651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087,
    2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612,
    1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024,
    1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253,
    1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716, 651,
    821, 1303, 1303, 1303, 1303, 690, 1024, 1024, 2048, 965, 1253, 1716, 739, 2048, 1024, 1024,
    1716, 821, 821, 1024, 1303, 1303, 651, 1024, 821, 965, 1253, 1985, 1985, 1985, 1087, 1401,
    1401, 1401, 1401, 1401, 1401, 1995, 1430, 1294, 1294, 1294, 1294, 604, 604, 604, 604, 1587,
    1532, 1612, 1612, 1612, 1612, 1612, 1716, 1612, 1499, 1499, 1499, 1499, 1251, 1239, 1290, 1255,
    1255, 1255, 1255, 1255, 1255, 2011, 1126, 1260, 1260, 1260, 1260, 569, 569, 569, 569, 1253,
    1298, 1253, 1253, 1253, 1253, 1253, 1716, 1253, 1298, 1298, 1298, 1298, 1212, 1300, 1212,
};
static const unsigned short adv_bold[191] = {
    713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748,
    1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188,
    2048, 1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038, 1714, 1741,
    1501, 1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936, 748, 936, 1716, 1024,
    1024, 1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702, 2134, 1458, 1407,
    1466, 1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192, 1458, 748, 1458, 1716, 713,
    934, 1425, 1425, 1303, 1425, 748, 1024, 1024, 2048, 1155, 1323, 1716, 850, 2048, 1024, 1024,
    1716, 897, 897, 1024, 1507, 1303, 778, 1024, 897, 1155, 1323, 2120, 2120, 2120, 1188, 1585,
    1585, 1585, 1585, 1585, 1585, 2222, 1503, 1399, 1399, 1399, 1399, 762, 762, 762, 762, 1716,
    1714, 1741, 1741, 1741, 1741, 1741, 1716, 1741, 1663, 1663, 1663, 1663, 1483, 1511, 1473, 1382,
    1382, 1382, 1382, 1382, 1382, 2146, 1214, 1389, 1389, 1389, 1389, 702, 702, 702, 702, 1407,
    1458, 1407, 1407, 1407, 1407, 1407, 1716, 1407, 1458, 1458, 1458, 1458, 1335, 1466, 1335,
};

/* The code point at *s (UTF-8), advancing *s; a byte that starts no valid sequence counts as one character. */
static unsigned next_cp(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    unsigned cp = p[0];
    int len = cp < 0x80 ? 1 : (cp & 0xE0) == 0xC0 ? 2 : (cp & 0xF0) == 0xE0 ? 3 : (cp & 0xF8) == 0xF0 ? 4 : 1;
    if (len > 1) {
        cp &= 0x3F >> (len - 1);
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                *s += 1;
                return 0xFFFD;
            }
            cp = cp << 6 | (p[i] & 0x3F);
        }
    }
    *s += len;
    return cp;
}

/* The advance of one code point in 1/2048 em. Outside the table: the few typographic signs French text uses,
 * and for anything else (Arabic, say) a full em, wider than any letter of the table. */
static unsigned advance(unsigned cp, bool bold)
{
    const unsigned short *t = bold ? adv_bold : adv_regular;
    if (cp >= 0x20 && cp <= 0x7E)
        return t[cp - 0x20];
    if (cp >= 0xA0 && cp <= 0xFF)
        return t[95 + cp - 0xA0];
    switch (cp) {
    case 0x202F: /* narrow no-break space */
    case 0x2009:
        return 409;
    case 0x2019: /* apostrophe */
        return bold ? 778 : 651;
    case 0x2013:
        return 1024;
    case 0x0152:
    case 0x0153:
        return bold ? 2390 : 2191;
    case 0x2212:
        return 1716;
    default:
        return 2048;
    }
}

double chart_text_width(const char *s, double font_size, bool bold)
{
    double units = 0;
    while (s && *s)
        units += advance(next_cp(&s), bold);
    return units / 2048.0 * font_size * SAFETY;
}

/* ------------------------------------------------------------------ labels */

/* A label laid out in one or two lines of at most maxw units; cut is true when the second line ends with an
 * ellipsis (the full text then goes to the label's <title>). */
typedef struct label_fit {
    char line[2][LABEL_BYTES];
    int nlines;
    bool cut;
    double width; /* of the widest line */
} label_fit;

/* Copies at most n bytes of s into dst (LABEL_BYTES), trailing spaces dropped. */
static void copy_line(char *dst, const char *s, size_t n)
{
    if (n >= LABEL_BYTES)
        n = LABEL_BYTES - 1;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* The number of bytes of s that fit in maxw, broken after a space when one is in reach (else anywhere). */
static size_t fit_prefix(const char *s, double maxw, bool bold, bool at_space)
{
    const char *p = s, *last_space = NULL;
    double w = 0;
    while (*p) {
        const char *q = p;
        unsigned cp = next_cp(&q);
        double a = advance(cp, bold) / 2048.0 * CHART_FONT * SAFETY;
        if (w + a > maxw)
            break;
        w += a;
        if (cp == ' ')
            last_space = q;
        p = q;
    }
    if (*p == '\0')
        return (size_t)(p - s);
    if (at_space && last_space && last_space > s)
        return (size_t)(last_space - s);
    return (size_t)(p - s);
}

static void fit_label(label_fit *f, const char *s, double maxw, bool bold)
{
    memset(f, 0, sizeof *f);
    f->nlines = 1;
    size_t len = strlen(s);
    if (chart_text_width(s, CHART_FONT, bold) <= maxw && len < LABEL_BYTES) {
        copy_line(f->line[0], s, len);
    } else {
        size_t a = fit_prefix(s, maxw, bold, true);
        if (a == 0)
            a = len ? 1 : 0;
        copy_line(f->line[0], s, a);
        const char *rest = s + a;
        while (*rest == ' ')
            rest++;
        f->nlines = *rest ? 2 : 1;
        if (*rest) {
            if (chart_text_width(rest, CHART_FONT, bold) <= maxw && strlen(rest) < LABEL_BYTES) {
                copy_line(f->line[1], rest, strlen(rest));
            } else {
                double ell = chart_text_width("…", CHART_FONT, bold);
                size_t b = fit_prefix(rest, maxw - ell, bold, false);
                copy_line(f->line[1], rest, b);
                /* never split a UTF-8 sequence: fit_prefix stops on character boundaries */
                strcat(f->line[1], "…");
                f->cut = true;
            }
        }
    }
    for (int i = 0; i < f->nlines; i++)
        f->width = fmax(f->width, chart_text_width(f->line[i], CHART_FONT, bold));
}

static void xml_text(sbuf *b, const char *s)
{
    util_html_escape(b, s);
}

/* Writes a fitted label right-aligned at x around the row's middle y; full is the label's whole text. */
static void put_label(sbuf *b, const label_fit *f, const char *full, double x, double y, bool bold)
{
    sbuf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\"%s>", x,
              f->nlines == 2 ? y - LINE_H / 2.0 + 4 : y + 4, bold ? " font-weight=\"bold\"" : "");
    if (f->cut) {
        sbuf_adds(b, "<title>");
        xml_text(b, full);
        sbuf_adds(b, "</title>");
    }
    if (f->nlines == 2) {
        sbuf_addf(b, "<tspan x=\"%.1f\">", x);
        xml_text(b, f->line[0]);
        sbuf_addf(b, "</tspan><tspan x=\"%.1f\" dy=\"%d\">", x, LINE_H);
        xml_text(b, f->line[1]);
        sbuf_adds(b, "</tspan>");
    } else {
        xml_text(b, f->line[0]);
    }
    sbuf_adds(b, "</text>");
}

/* ------------------------------------------------------------------ the frame every chart shares */

/* The horizontal layout of a chart: labels, plot, values. */
typedef struct frame {
    double label_w;     /* labels end at label_w - GAP */
    double plot_x, plot_w;
    double xmax;
    bool percent;
    int height;
} frame;

/* Why a row has no mark ("secret statistique", "aucun répondant"), in grey italics at the start of the plot. */
static void put_why(sbuf *b, const frame *fr, const char *why, double y)
{
    label_fit f;
    fit_label(&f, why ? why : "non publié", fr->plot_w - 8, false);
    sbuf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#666\" font-style=\"italic\">", fr->plot_x + 4, y + 4);
    xml_text(b, f.line[0]);
    sbuf_adds(b, "</text>");
}

static double xpos(const frame *fr, double v)
{
    if (!(v >= 0))
        v = 0;
    if (v > fr->xmax)
        v = fr->xmax;
    return fr->plot_x + fr->plot_w * v / fr->xmax;
}

/* A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten. */
static double nice(double v)
{
    if (!(v > 0))
        return 1;
    double p = pow(10, floor(log10(v)));
    return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

/* A value as the chart writes it: "34 %" or "2,5". */
static char *value_text(char *buf, size_t len, double v, bool percent, int decimals)
{
    return percent ? fr_pct(buf, len, v, decimals) : fr_num(buf, len, v, decimals);
}

/* Decimals for the ticks of an axis to xmax (four steps): as few as the step needs. */
static int tick_decimals(double xmax, bool percent)
{
    double step = (percent ? 100 * xmax : xmax) / 4;
    for (int d = 0; d < 3; d++)
        if (fabs(step * pow(10, d) - round(step * pow(10, d))) < 1e-9)
            return d;
    return 3;
}

/* Sets the frame from the labels' widths (fits, n of them) and the widest value text (value_w). */
static void frame_set(frame *fr, const label_fit *fits, size_t n, double value_w, double xmax, bool percent)
{
    double widest = 0;
    for (size_t i = 0; i < n; i++)
        widest = fmax(widest, fits[i].width);
    fr->label_w = fmax(40, ceil(widest) + 2 * GAP);
    fr->xmax = xmax;
    fr->percent = percent;
    /* the last tick's label is centred on the plot's end: half of it may stand in the values' column */
    char t[FR_BUF];
    double half_tick = chart_text_width(value_text(t, sizeof t, xmax, percent, tick_decimals(xmax, percent)),
                                        CHART_FONT, false) / 2;
    fr->plot_x = fr->label_w;
    fr->plot_w = CHART_WIDTH - fr->label_w - fmax(value_w + GAP, half_tick) - 4;
}

static void svg_open(sbuf *b, const char *kind, const char *title, int height)
{
    sbuf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-%s\" viewBox=\"0 0 %d %d\" "
              "width=\"100%%\" role=\"img\" font-family=\"" FONT_FAMILY "\" font-size=\"%d\"><title>",
              kind, CHART_WIDTH, height, CHART_FONT);
    xml_text(b, title);
    sbuf_adds(b, "</title>");
}

/* Four steps of grid lines from the plot's top to its bottom (bottom), their values under it. */
static void axis(sbuf *b, const frame *fr, int bottom)
{
    int d = tick_decimals(fr->xmax, fr->percent);
    for (int k = 0; k <= 4; k++) {
        double v = fr->xmax * k / 4, x = xpos(fr, v);
        char t[FR_BUF];
        sbuf_addf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d5dde6\"/>", x, TOP - 4, x, bottom);
        sbuf_addf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">", x, fr->height - 8);
        xml_text(b, value_text(t, sizeof t, v, fr->percent, d));
        sbuf_adds(b, "</text>");
    }
}

/* The rows' vertical middles into mid[] (n of them); returns the bottom of the last row. */
static int row_layout(const label_fit *fits, size_t n, double *mid)
{
    double y = TOP;
    for (size_t i = 0; i < n; i++) {
        int h = fits[i].nlines == 2 ? ROW_H2 : ROW_H;
        mid[i] = y + h / 2.0;
        y += h;
    }
    return (int)ceil(y);
}

/* ------------------------------------------------------------------ intervals and dots */

static char *draw_rows(const char *kind, const char *title, const chart_row *rows, size_t n, double xmax,
                       bool percent)
{
    if (n == 0)
        return NULL;
    if (!percent) {
        double m = 0;
        for (size_t i = 0; i < n; i++)
            if (rows[i].shown)
                m = fmax(m, rows[i].has_ci ? rows[i].hi : rows[i].est);
        xmax = nice(m);
    }
    if (!(xmax > 0))
        xmax = 1;
    label_fit *fits = xcalloc(n, sizeof *fits);
    double *mid = xcalloc(n, sizeof *mid);
    double value_w = 0;
    int dec = percent ? 0 : 1;
    for (size_t i = 0; i < n; i++) {
        fit_label(&fits[i], rows[i].label ? rows[i].label : "", CHART_LABEL_MAX, rows[i].reference);
        char t[FR_BUF];
        if (rows[i].shown)
            value_w = fmax(value_w, chart_text_width(value_text(t, sizeof t, rows[i].est, percent, dec), CHART_FONT,
                                                     false));
    }
    frame fr;
    frame_set(&fr, fits, n, value_w, xmax, percent);
    int bottom = row_layout(fits, n, mid);
    fr.height = bottom + BOTTOM;
    sbuf b = {0};
    svg_open(&b, kind, title, fr.height);
    axis(&b, &fr, bottom);
    for (size_t i = 0; i < n; i++)
        if (rows[i].reference && rows[i].shown) {
            double x = xpos(&fr, rows[i].est);
            sbuf_addf(&b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c25400\" "
                      "stroke-dasharray=\"4 3\"/>", x, TOP - 6, x, bottom);
        }
    for (size_t i = 0; i < n; i++) {
        const chart_row *r = &rows[i];
        double y = mid[i];
        put_label(&b, &fits[i], r->label ? r->label : "", fr.label_w - GAP, y, r->reference);
        if (!r->shown) {
            put_why(&b, &fr, r->why, y);
            continue;
        }
        const char *colour = r->reference ? "#c25400" : "#123d6b";
        if (r->has_ci) {
            double lo = xpos(&fr, r->lo), hi = xpos(&fr, r->hi);
            sbuf_addf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>"
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
                      lo, y, hi, y, colour, lo, y - 5, lo, y + 5, colour, hi, y - 5, hi, y + 5, colour);
        }
        char t[FR_BUF];
        sbuf_addf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"/>", xpos(&fr, r->est), y, colour);
        sbuf_addf(&b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#333\">", fr.plot_x + fr.plot_w + GAP, y + 4);
        xml_text(&b, value_text(t, sizeof t, r->est, percent, dec));
        sbuf_adds(&b, "</text>");
    }
    sbuf_adds(&b, "</svg>");
    free(fits);
    free(mid);
    return b.data;
}

char *chart_intervals(const char *title, const chart_row *rows, size_t n, double xmax, bool percent)
{
    return draw_rows("intervals", title, rows, n, xmax, percent);
}

char *chart_dots(const char *title, const chart_row *rows, size_t n, double xmax, bool percent)
{
    if (n == 0)
        return NULL;
    /* a stable insertion sort: shown rows by estimate, largest first, ties and unshown rows in the given order */
    chart_row *sorted = xcalloc(n, sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && rows[i].shown &&
               (!sorted[j - 1].shown || sorted[j - 1].est < rows[i].est)) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = rows[i];
    }
    char *svg = draw_rows("dots", title, sorted, n, xmax, percent);
    free(sorted);
    return svg;
}

/* ------------------------------------------------------------------ bars */

#define BAR_H 12

char *chart_bars(const char *title, const chart_bar *bars, size_t n)
{
    size_t shown = 0;
    for (size_t i = 0; i < n; i++)
        shown += bars[i].shown;
    if (shown == 0)
        return NULL;
    chart_bar *sorted = xcalloc(n, sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && bars[i].shown && (!sorted[j - 1].shown || sorted[j - 1].value < bars[i].value)) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = bars[i];
    }
    double top = 0;
    for (size_t i = 0; i < n; i++)
        if (sorted[i].shown)
            top = fmax(top, sorted[i].value);
    /* the axis ends at the next fifth above the largest share (ticks every 5 points): bars long enough to
     * compare, never past 100 % */
    double xmax = fmin(1, fmax(0.2, ceil(top * 5 - 1e-9) / 5));
    label_fit *fits = xcalloc(n, sizeof *fits);
    double *mid = xcalloc(n, sizeof *mid), value_w = 0;
    for (size_t i = 0; i < n; i++) {
        fit_label(&fits[i], sorted[i].label ? sorted[i].label : "", CHART_LABEL_MAX, false);
        char t[FR_BUF];
        if (sorted[i].shown)
            value_w = fmax(value_w, chart_text_width(fr_pct(t, sizeof t, sorted[i].value, 1), CHART_FONT, false));
    }
    frame fr;
    frame_set(&fr, fits, n, value_w, xmax, true);
    int bottom = row_layout(fits, n, mid);
    fr.height = bottom + BOTTOM;
    sbuf b = {0};
    svg_open(&b, "bars", title, fr.height);
    axis(&b, &fr, bottom);
    for (size_t i = 0; i < n; i++) {
        const chart_bar *r = &sorted[i];
        double y = mid[i];
        put_label(&b, &fits[i], r->label ? r->label : "", fr.label_w - GAP, y, false);
        if (!r->shown) {
            put_why(&b, &fr, r->why, y);
            continue;
        }
        double x1 = xpos(&fr, r->value);
        char t[FR_BUF];
        sbuf_addf(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"#2c7fb8\"/>", fr.plot_x,
                  y - BAR_H / 2.0, fmax(0.5, x1 - fr.plot_x), BAR_H);
        sbuf_addf(&b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#333\">", x1 + 4, y + 4);
        xml_text(&b, fr_pct(t, sizeof t, r->value, 1));
        sbuf_adds(&b, "</text>");
    }
    sbuf_addf(&b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>", fr.plot_x, TOP - 4,
              fr.plot_x, bottom);
    sbuf_adds(&b, "</svg>");
    free(sorted);
    free(fits);
    free(mid);
    return b.data;
}
