/* frfmt.h -- numbers and dates as a French reader expects them (Imprimerie nationale rules): decimal comma,
 * a narrow no-break space (U+202F) between groups of three digits, a narrow no-break space before "%", and
 * dates in words ("4 décembre 2026", "1er mars 2027").
 *
 * Every function writes into buf (FR_BUF bytes are always enough) and returns buf; a value that is not finite
 * is written "—".
 */
#ifndef ANALYZER_FRFMT_H
#define ANALYZER_FRFMT_H

#include <stddef.h>

#define FR_BUF 64
#define FR_NNBSP "\xe2\x80\xaf" /* U+202F NARROW NO-BREAK SPACE */

/* v with `decimals` digits after the comma (0 to 6): "1 234,5", "-0,3". */
char *fr_num(char *buf, size_t len, double v, int decimals);

/* An integer with its thousands grouped: "12 345". */
char *fr_int(char *buf, size_t len, long v);

/* A share (0.123) as a percentage with `decimals` digits: "12,3 %". */
char *fr_pct(char *buf, size_t len, double share, int decimals);

/* An ISO date or timestamp ("2026-12-04", "2026-12-04T10:00:00Z") in words: "4 décembre 2026"; anything else
 * is copied as is. */
char *fr_date(char *buf, size_t len, const char *iso);

#endif /* ANALYZER_FRFMT_H */
