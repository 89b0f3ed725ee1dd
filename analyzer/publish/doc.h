/* doc.h -- a small document model for the diagnosis report: headings, paragraphs, lists, tables and SVG figures,
 * written either as one self-contained HTML file (styles inline, no script, no external request, A4 print
 * layout) or as Markdown (figures replaced by their text alternative).
 *
 * Every text given to the model is plain text: the writers escape it for their format. Only SVG figures are
 * markup, made by chart.h.
 *
 * Ownership: a doc owns copies of everything added to it; doc_free releases them.
 */
#ifndef ANALYZER_DOC_H
#define ANALYZER_DOC_H

#include <stddef.h>
#include <stdio.h>

typedef struct doc doc;

doc *doc_new(const char *title, const char *lang);
void doc_free(doc *d);

/* The date printed in every page's margin beside the title: iso ("2026-12-04") is written in words by fr_date;
 * NULL prints none. */
void doc_set_date(doc *d, const char *iso);

/* Today's date as "YYYY-MM-DD" into buf: the UTC date of the SOURCE_DATE_EPOCH environment variable (seconds
 * since 1970) when it is set and valid, so that a report can be rebuilt identically, else the local date. */
void doc_today(char buf[11]);

/* Level 1 is the document's sections (a new page when printed), 2 and 3 below them. id (may be NULL) is the
 * anchor of the heading, for the table of contents. */
void doc_heading(doc *d, int level, const char *id, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void doc_para(doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A paragraph set apart: a key finding in the summary. */
void doc_finding(doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Small print under a table or figure. */
void doc_note(doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void doc_item(doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A table of ncols columns (at most 16); numeric columns (flags, may be NULL) are right-aligned. In HTML, a
 * table too wide for the printed page (180 mm, measured from its headers' and cells' texts) is written as several
 * tables of as many columns as fit, each repeating the leading label columns (those before the first numeric
 * one; at least the first). */
void doc_table(doc *d, const char *caption, size_t ncols, const char *const *headers, const unsigned char *numeric);
void doc_row(doc *d, const char *const *cells);

/* An SVG figure (markup) with its text alternative, which Markdown prints instead. */
void doc_figure(doc *d, const char *svg, const char *alt);

/* The table of contents: the level-1 headings that have an id, in order. */
void doc_toc(doc *d);

int doc_write_html(const doc *d, FILE *f);
int doc_write_md(const doc *d, FILE *f);

#endif /* ANALYZER_DOC_H */
