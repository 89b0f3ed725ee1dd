/* doc.c -- the report's document model and its HTML and Markdown writers (see doc.h). */
#include "doc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
    free(d);
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
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* Print-first styles: A4 pages, each level-1 section on a new page, tables that do not split a row. */
static const char html_style[] =
    "@page{size:A4;margin:16mm 14mm}"
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10.5pt;line-height:1.4;color:#1a1a1a;max-width:"
    "180mm;margin:0 auto;padding:8mm 0}"
    "h1{font-size:17pt;color:#123d6b;border-bottom:2px solid #123d6b;padding-bottom:2mm;margin-top:0}"
    "h1.section{break-before:page}h2{font-size:13pt;color:#123d6b;margin:6mm 0 2mm}"
    "h3{font-size:11pt;margin:4mm 0 1mm}p{margin:1.5mm 0}"
    ".finding{border-left:4px solid #c25400;background:#fff4ea;padding:2mm 3mm;margin:2mm 0}"
    ".note{font-size:8.5pt;color:#444}"
    "table{border-collapse:collapse;width:100%;margin:2mm 0 3mm;font-size:9pt}"
    "caption{text-align:left;font-weight:bold;padding-bottom:1mm}"
    "th,td{border:1px solid #b8c4d0;padding:1mm 1.5mm;vertical-align:top}th{background:#e8eef5;text-align:left}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}tr{break-inside:avoid}"
    "figure{margin:2mm 0 4mm;break-inside:avoid}figcaption{font-size:8.5pt;color:#444}"
    "svg{max-width:100%;height:auto}nav ol{columns:2}"
    "@media screen{body{padding:8mm}}";

int doc_write_html(const doc *d, FILE *f)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n", d->lang);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", f);
    /* Nothing outside this file may load, even if a viewer would try: no script, no remote resource. */
    fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
          "img-src data:\">\n<title>",
          f);
    html_text(f, d->title);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", html_style);
    bool in_list = false, in_table = false, first_h1 = true;
    for (size_t i = 0; i < d->n; i++) {
        const block *b = &d->blocks[i];
        if (in_list && b->kind != B_ITEM) {
            fputs("</ul>\n", f);
            in_list = false;
        }
        if (in_table && b->kind != B_ROW) {
            fputs("</tbody></table>\n", f);
            in_table = false;
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
        case B_TABLE:
            fputs("<table>", f);
            if (b->text[0]) {
                fputs("<caption>", f);
                html_text(f, b->text);
                fputs("</caption>", f);
            }
            fputs("<thead><tr>", f);
            for (size_t c = 0; c < b->ncols; c++) {
                fputs("<th scope=\"col\">", f);
                html_text(f, b->cells[c]);
                fputs("</th>", f);
            }
            fputs("</tr></thead><tbody>\n", f);
            in_table = true;
            break;
        case B_ROW: {
            const block *t = NULL;
            for (size_t k = i; k-- > 0 && t == NULL;)
                if (d->blocks[k].kind == B_TABLE)
                    t = &d->blocks[k];
            fputs("<tr>", f);
            for (size_t c = 0; c < b->ncols; c++) {
                fputs(c == 0 ? "<th scope=\"row\">" : t && t->numeric[c] ? "<td class=\"n\">" : "<td>", f);
                html_text(f, b->cells[c]);
                fputs(c == 0 ? "</th>" : "</td>", f);
            }
            fputs("</tr>\n", f);
            break;
        }
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
    if (in_table)
        fputs("</tbody></table>\n", f);
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
