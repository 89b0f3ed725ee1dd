/* doc.c -- the report's document model and its HTML and Markdown writers (see doc.h). The HTML is laid out for
 * A4 portrait with 15 mm margins: the running title, date and page numbers in the page's margin boxes, tables
 * too wide for the 180 mm of a page split into blocks of columns with their row labels repeated. */
#include "doc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chart.h"
#include "frfmt.h"
#include "util.h"

#define DOC_MAX_COLS 16

typedef enum block_kind { B_HEADING, B_PARA, B_FINDING, B_NOTE, B_ITEM, B_TABLE, B_ROW, B_FIGURE, B_TOC } block_kind;

typedef struct block {
    block_kind kind;
    int level;           /* heading */
    char *id;            /* heading anchor */
    char *text;          /* heading, paragraphs, table caption, figure alternative */
    char *svg;           /* figure */
    size_t ncols;        /* table, row */
    char *cells[DOC_MAX_COLS];
    unsigned char numeric[DOC_MAX_COLS];
} block;

struct doc {
    char *title, *lang;
    char *date;          /* the running header's date, in words; NULL: none */
    block *blocks;
    size_t n, cap;
};

doc *doc_new(const char *title, const char *lang)
{
    doc *d = xcalloc(1, sizeof *d);
    d->title = xstrdup(title);
    d->lang = xstrdup(lang);
    return d;
}

void doc_free(doc *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n; i++) {
        block *b = &d->blocks[i];
        free(b->id);
        free(b->text);
        free(b->svg);
        for (size_t c = 0; c < b->ncols; c++)
            free(b->cells[c]);
    }
    free(d->blocks);
    free(d->title);
    free(d->lang);
    free(d->date);
    free(d);
}

void doc_set_date(doc *d, const char *iso)
{
    char buf[FR_BUF];
    free(d->date);
    d->date = iso ? xstrdup(fr_date(buf, sizeof buf, iso)) : NULL;
}

void doc_today(char buf[11])
{
    /* reproducible builds' convention: a fixed date for tests and for a report rebuilt from the same answers */
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno == 0 && *end == '\0' && v >= 0 && v < 253402300800LL) {
            time_t t = (time_t)v;
            struct tm tm;
            if (gmtime_r(&t, &tm) && strftime(buf, 11, "%Y-%m-%d", &tm) == 10)
                return;
        }
    }
    util_today(buf);
}

static block *add(doc *d, block_kind kind)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->blocks = xrealloc(d->blocks, d->cap * sizeof *d->blocks);
    }
    block *b = &d->blocks[d->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    return b;
}

static char *vformat(const char *fmt, va_list ap)
{
    char buf[1024];
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(buf, sizeof buf, fmt, ap);
    if (len >= 0 && (size_t)len < sizeof buf) {
        va_end(copy);
        return xstrdup(buf);
    }
    char *big = xmalloc((size_t)len + 1);
    vsnprintf(big, (size_t)len + 1, fmt, copy);
    va_end(copy);
    return big;
}

#define ADD_TEXT(kind_)                                                                                           \
    do {                                                                                                          \
        va_list ap;                                                                                               \
        va_start(ap, fmt);                                                                                        \
        add(d, kind_)->text = vformat(fmt, ap);                                                                   \
        va_end(ap);                                                                                               \
    } while (0)

void doc_heading(doc *d, int level, const char *id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    block *b = add(d, B_HEADING);
    b->level = level < 1 ? 1 : level > 3 ? 3 : level;
    b->id = id ? xstrdup(id) : NULL;
    b->text = vformat(fmt, ap);
    va_end(ap);
}

void doc_para(doc *d, const char *fmt, ...)
{
    ADD_TEXT(B_PARA);
}

void doc_finding(doc *d, const char *fmt, ...)
{
    ADD_TEXT(B_FINDING);
}

void doc_note(doc *d, const char *fmt, ...)
{
    ADD_TEXT(B_NOTE);
}

void doc_item(doc *d, const char *fmt, ...)
{
    ADD_TEXT(B_ITEM);
}

void doc_table(doc *d, const char *caption, size_t ncols, const char *const *headers, const unsigned char *numeric)
{
    block *b = add(d, B_TABLE);
    b->text = xstrdup(caption ? caption : "");
    b->ncols = ncols > DOC_MAX_COLS ? DOC_MAX_COLS : ncols;
    for (size_t c = 0; c < b->ncols; c++) {
        b->cells[c] = xstrdup(headers[c]);
        b->numeric[c] = numeric ? numeric[c] : 0;
    }
}

void doc_row(doc *d, const char *const *cells)
{
    size_t ncols = 0;
    for (size_t i = d->n; i-- > 0;)
        if (d->blocks[i].kind == B_TABLE) {
            ncols = d->blocks[i].ncols;
            break;
        }
    block *b = add(d, B_ROW);
    b->ncols = ncols;
    for (size_t c = 0; c < ncols; c++)
        b->cells[c] = xstrdup(cells[c] ? cells[c] : "");
}

void doc_figure(doc *d, const char *svg, const char *alt)
{
    block *b = add(d, B_FIGURE);
    b->svg = xstrdup(svg);
    b->text = xstrdup(alt);
}

void doc_toc(doc *d)
{
    add(d, B_TOC);
}

/* ------------------------------------------------------------------ HTML */

static void html_text(FILE *f, const char *s)
{
    util_html_fputs(f, s);
}

/* Print-first styles: A4 portrait, 15 mm margins (a 180 mm column), each level-1 section on a new page, headings
 * kept with what follows, no table row split across pages, the table head repeated on every page, long words
 * and addresses wrapped, figures scaled to the column. The @page rule with its margin boxes is written by
 * write_page_rule, since it carries the title and the date. */
static const char html_style[] =
    "html{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10.5pt;line-height:1.4;color:#1a1a1a;max-width:"
    "180mm;margin:0 auto;padding:0;overflow-wrap:break-word}"
    "h1{font-size:17pt;color:#123d6b;border-bottom:2px solid #123d6b;padding-bottom:2mm;margin-top:0}"
    "h1.section{break-before:page}h2{font-size:13pt;color:#123d6b;margin:6mm 0 2mm}"
    "h3{font-size:11pt;margin:4mm 0 1mm}p{margin:1.5mm 0;orphans:3;widows:3}"
    "h1,h2,h3{break-after:avoid;break-inside:avoid}"
    /* a heading's definition and question lines stay with it and with the start of its table or figure */
    "h2+p,h2+p+p,h3+p,h3+p+p{break-after:avoid}"
    ".finding{border-left:4px solid #c25400;background:#fff4ea;padding:2mm 3mm;margin:2mm 0}"
    ".note{font-size:8.5pt;color:#444}"
    "table{border-collapse:collapse;width:100%;margin:2mm 0 3mm;font-size:9pt}"
    "caption{text-align:left;font-weight:bold;padding-bottom:1mm;break-after:avoid}"
    "thead{display:table-header-group}"
    "th,td{border:1px solid #b8c4d0;padding:1mm 1.5mm;vertical-align:top;overflow-wrap:break-word}"
    "th{background:#e8eef5;text-align:left}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;overflow-wrap:normal}tr{break-inside:avoid}"
    "figure{margin:2mm 0 4mm;break-inside:avoid}figcaption{font-size:8.5pt;color:#444}"
    "figure svg{display:block;width:100%;height:auto;max-width:180mm}nav ol{columns:2}"
    "li{break-inside:avoid}a{overflow-wrap:anywhere}"
    "@media screen{body{padding:8mm}}";

/* s as the inside of a CSS string: quotes and backslashes escaped, "<" written as an escape so that the text
 * cannot close the style element, line breaks as spaces. */
static void css_string(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '<')
            fputs("\\3C ", f);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

/* The page: A4 portrait, 15 mm margins; the title at the top left, the date at the top right, "page N / M" at
 * the bottom right, in the margin boxes (CSS Paged Media), small and grey. */
static void write_page_rule(const doc *d, FILE *f)
{
    static const char box[] = "font-family:'DejaVu Sans',Arial,sans-serif;font-size:7.5pt;color:#555";
    fputs("@page{size:A4 portrait;margin:15mm;@top-left{content:\"", f);
    css_string(f, d->title);
    fprintf(f, "\";%s;vertical-align:bottom;padding-bottom:3mm}", box);
    if (d->date) {
        fputs("@top-right{content:\"", f);
        css_string(f, d->date);
        fprintf(f, "\";%s;vertical-align:bottom;padding-bottom:3mm}", box);
    }
    fprintf(f, "@bottom-right{content:\"page \" counter(page) \" / \" counter(pages);%s;vertical-align:top;"
            "padding-top:3mm}}", box);
}

/* ------------------------------------------------------------------ tables that fit the page */

#define PAGE_MM 180.0    /* the content box of an A4 page with 15 mm margins */
#define TABLE_PT 9.0     /* the tables' font size */
#define CELL_PAD_MM 3.6  /* a cell's padding and borders */
#define NUM_MAX_MM 30.0  /* a numeric column is wished no narrower than its figures, up to this */
#define LABEL_MAX_MM 40.0

/* The width in mm a column needs for text s: its longest word (a cell breaks only between words; the narrow
 * no-break spaces of French numbers do not break), and the whole text up to cap. */
static double text_mm(const char *s, bool bold, double cap)
{
    const double pt_mm = 25.4 / 72;
    double longest = 0;
    char word[512];
    const char *p = s;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n == 0)
            break;
        size_t m = n < sizeof word - 1 ? n : sizeof word - 1;
        memcpy(word, p, m);
        word[m] = '\0';
        longest = fmax(longest, chart_text_width(word, TABLE_PT, bold) * pt_mm);
        p += n;
    }
    double whole = chart_text_width(s, TABLE_PT, bold) * pt_mm;
    return fmax(longest, fmin(whole, cap)) + CELL_PAD_MM;
}

/* Splits the columns of table t (with its nrows rows) into blocks that fit PAGE_MM: *lead is the number of
 * leading label columns every block repeats, start[b] the first column of block b; returns the number of
 * blocks (1 when the table fits). */
static size_t table_blocks(const block *t, const block *rows, size_t nrows, size_t *lead, size_t *start)
{
    double w[DOC_MAX_COLS] = {0};
    size_t ncols = t->ncols;
    *lead = 1;
    while (*lead < ncols && !t->numeric[*lead])
        (*lead)++;
    if (*lead >= ncols) { /* no numeric column: a table of text, whose cells wrap rather than split */
        *lead = 1;
        start[0] = 1;
        return 1;
    }
    for (size_t c = 0; c < ncols; c++) {
        /* a text column beyond the labels may shrink to its longest word: the browser wraps it */
        double cap = c < *lead ? LABEL_MAX_MM : t->numeric[c] ? NUM_MAX_MM : 0;
        w[c] = text_mm(t->cells[c], true, cap);
        for (size_t r = 0; r < nrows; r++)
            if (c < rows[r].ncols)
                w[c] = fmax(w[c], text_mm(rows[r].cells[c], c == 0, cap));
    }
    double fixed = 0, total = 0;
    for (size_t c = 0; c < ncols; c++)
        *(c < *lead ? &fixed : &total) += w[c];
    size_t nblocks = 0;
    start[nblocks++] = *lead;
    if (fixed + total <= PAGE_MM)
        return 1;
    double used = 0;
    for (size_t c = *lead; c < ncols; c++) {
        if (used > 0 && fixed + used + w[c] > PAGE_MM) {
            start[nblocks++] = c;
            used = 0;
        }
        used += w[c];
    }
    return nblocks;
}

/* Writes table t and its rows, as one table or as blocks of columns. */
static void write_table(FILE *f, const block *t, const block *rows, size_t nrows)
{
    size_t lead, start[DOC_MAX_COLS + 1];
    size_t nblocks = table_blocks(t, rows, nrows, &lead, start);
    start[nblocks] = t->ncols;
    for (size_t b = 0; b < nblocks; b++) {
        fputs("<table>", f);
        if (t->text[0] || nblocks > 1) {
            fputs("<caption>", f);
            html_text(f, t->text);
            if (nblocks > 1) /* which block of columns: the reader finds the rest of the table in the next ones */
                fprintf(f, "%s<span class=\"block\">(colonnes, partie %zu sur %zu)</span>", t->text[0] ? " " : "",
                        b + 1, nblocks);
            fputs("</caption>", f);
        }
        fputs("<thead><tr>", f);
        for (size_t c = 0; c < t->ncols; c++) {
            if (c >= lead && (c < start[b] || c >= start[b + 1]))
                continue;
            fputs("<th scope=\"col\">", f);
            html_text(f, t->cells[c]);
            fputs("</th>", f);
        }
        fputs("</tr></thead><tbody>\n", f);
        for (size_t r = 0; r < nrows; r++) {
            fputs("<tr>", f);
            for (size_t c = 0; c < rows[r].ncols; c++) {
                if (c >= lead && (c < start[b] || c >= start[b + 1]))
                    continue;
                fputs(c == 0 ? "<th scope=\"row\">" : t->numeric[c] ? "<td class=\"n\">" : "<td>", f);
                html_text(f, rows[r].cells[c]);
                fputs(c == 0 ? "</th>" : "</td>", f);
            }
            fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
    }
}

int doc_write_html(const doc *d, FILE *f)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n", d->lang);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", f);
    /* Nothing outside this file may load, even if a viewer would try: no script, no remote resource. */
    fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
          "img-src data:\">\n<title>",
          f);
    html_text(f, d->title);
    fputs("</title>\n<style>", f);
    write_page_rule(d, f);
    fprintf(f, "%s</style>\n</head>\n<body>\n", html_style);
    bool in_list = false, first_h1 = true;
    for (size_t i = 0; i < d->n; i++) {
        const block *b = &d->blocks[i];
        if (in_list && b->kind != B_ITEM) {
            fputs("</ul>\n", f);
            in_list = false;
        }
        switch (b->kind) {
        case B_HEADING:
            fprintf(f, "<h%d", b->level);
            if (b->level == 1 && !first_h1)
                fputs(" class=\"section\"", f);
            if (b->level == 1)
                first_h1 = false;
            if (b->id)
                fprintf(f, " id=\"%s\"", b->id);
            fputc('>', f);
            html_text(f, b->text);
            fprintf(f, "</h%d>\n", b->level);
            break;
        case B_PARA:
        case B_FINDING:
        case B_NOTE:
            fputs(b->kind == B_PARA ? "<p>" : b->kind == B_FINDING ? "<p class=\"finding\">" : "<p class=\"note\">", f);
            html_text(f, b->text);
            fputs("</p>\n", f);
            break;
        case B_ITEM:
            if (!in_list)
                fputs("<ul>\n", f);
            in_list = true;
            fputs("<li>", f);
            html_text(f, b->text);
            fputs("</li>\n", f);
            break;
        case B_TABLE: {
            size_t nrows = 0;
            while (i + 1 + nrows < d->n && d->blocks[i + 1 + nrows].kind == B_ROW)
                nrows++;
            write_table(f, b, b + 1, nrows);
            i += nrows;
            break;
        }
        case B_ROW: /* a row with no table before it: doc_row gave it no column */
            break;
        case B_FIGURE:
            fputs("<figure>", f);
            fputs(b->svg, f);
            fputs("<figcaption>", f);
            html_text(f, b->text);
            fputs("</figcaption></figure>\n", f);
            break;
        case B_TOC:
            fputs("<nav aria-label=\"Sommaire\"><h2>Sommaire</h2><ol>\n", f);
            for (size_t k = 0; k < d->n; k++)
                if (d->blocks[k].kind == B_HEADING && d->blocks[k].level == 1 && d->blocks[k].id) {
                    fprintf(f, "<li><a href=\"#%s\">", d->blocks[k].id);
                    html_text(f, d->blocks[k].text);
                    fputs("</a></li>\n", f);
                }
            fputs("</ol></nav>\n", f);
            break;
        }
    }
    if (in_list)
        fputs("</ul>\n", f);
    fputs("</body>\n</html>\n", f);
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------------ Markdown */

/* Markdown's special characters escaped, so that a label such as "2*3" or "[note]" prints as written. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_[]<>#|", *s))
            fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
}

int doc_write_md(const doc *d, FILE *f)
{
    bool in_list = false;
    for (size_t i = 0; i < d->n; i++) {
        const block *b = &d->blocks[i];
        if (in_list && b->kind != B_ITEM) {
            fputc('\n', f);
            in_list = false;
        }
        switch (b->kind) {
        case B_HEADING:
            for (int k = 0; k < b->level; k++)
                fputc('#', f);
            fputc(' ', f);
            md_text(f, b->text);
            fputs("\n\n", f);
            break;
        case B_PARA:
            md_text(f, b->text);
            fputs("\n\n", f);
            break;
        case B_FINDING:
            fputs("> ", f);
            md_text(f, b->text);
            fputs("\n\n", f);
            break;
        case B_NOTE:
            fputc('_', f);
            md_text(f, b->text);
            fputs("_\n\n", f);
            break;
        case B_ITEM:
            fputs("- ", f);
            md_text(f, b->text);
            fputc('\n', f);
            in_list = true;
            break;
        case B_TABLE:
            if (b->text[0]) {
                fputs("**", f);
                md_text(f, b->text);
                fputs("**\n\n", f);
            }
            fputc('|', f);
            for (size_t c = 0; c < b->ncols; c++) {
                fputc(' ', f);
                md_text(f, b->cells[c]);
                fputs(" |", f);
            }
            fputs("\n|", f);
            for (size_t c = 0; c < b->ncols; c++)
                fputs(b->numeric[c] ? "---:|" : "---|", f);
            fputc('\n', f);
            break;
        case B_ROW:
            fputc('|', f);
            for (size_t c = 0; c < b->ncols; c++) {
                fputc(' ', f);
                md_text(f, b->cells[c]);
                fputs(" |", f);
            }
            fputc('\n', f);
            if (i + 1 == d->n || d->blocks[i + 1].kind != B_ROW)
                fputc('\n', f);
            break;
        case B_FIGURE:
            fputs("_Figure : ", f);
            md_text(f, b->text);
            fputs("_\n\n", f);
            break;
        case B_TOC:
            for (size_t k = 0; k < d->n; k++)
                if (d->blocks[k].kind == B_HEADING && d->blocks[k].level == 1 && d->blocks[k].id) {
                    fputs("- ", f);
                    md_text(f, d->blocks[k].text);
                    fputc('\n', f);
                }
            fputc('\n', f);
            break;
        }
    }
    return ferror(f) ? -1 : 0;
}
