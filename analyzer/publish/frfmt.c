/* frfmt.c -- French number and date formats (frfmt.h). */
#include "frfmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies the digits of digits[0..n) into out, a narrow no-break space before each group of three. */
static size_t group(char *out, const char *digits, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            memcpy(out + o, FR_NNBSP, sizeof FR_NNBSP - 1);
            o += sizeof FR_NNBSP - 1;
        }
        out[o++] = digits[i];
    }
    return o;
}

char *fr_num(char *buf, size_t len, double v, int decimals)
{
    if (len == 0)
        return buf;
    if (!isfinite(v)) {
        snprintf(buf, len, "—");
        return buf;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    char raw[400];
    snprintf(raw, sizeof raw, "%.*f", decimals, v);
    const char *p = raw;
    bool neg = *p == '-';
    if (neg)
        p++;
    const char *dot = strchr(p, '.');
    size_t nint = dot ? (size_t)(dot - p) : strlen(p);
    /* "-0,0" is written "0,0": the sign of a value that rounds to zero says nothing. */
    bool zero = strspn(p, "0.") == strlen(p);
    char out[800];
    size_t o = 0;
    if (neg && !zero)
        out[o++] = '-';
    o += group(out + o, p, nint);
    if (dot) {
        out[o++] = ',';
        size_t nd = strlen(dot + 1);
        memcpy(out + o, dot + 1, nd);
        o += nd;
    }
    out[o] = '\0';
    snprintf(buf, len, "%s", out);
    return buf;
}

char *fr_int(char *buf, size_t len, long v)
{
    return fr_num(buf, len, (double)v, 0);
}

char *fr_pct(char *buf, size_t len, double share, int decimals)
{
    char n[FR_BUF];
    if (!isfinite(share))
        snprintf(buf, len, "—");
    else
        snprintf(buf, len, "%s" FR_NNBSP "%%", fr_num(n, sizeof n, 100 * share, decimals));
    return buf;
}

char *fr_date(char *buf, size_t len, const char *iso)
{
    static const char *const months[] = {"janvier", "février", "mars",      "avril",   "mai",      "juin",
                                         "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
    int y, m, d, used = 0;
    if (iso == NULL || sscanf(iso, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 || m < 1 || m > 12 ||
        d < 1 || d > 31) {
        snprintf(buf, len, "%s", iso ? iso : "");
        return buf;
    }
    if (d == 1)
        snprintf(buf, len, "1er %s %d", months[m - 1], y);
    else
        snprintf(buf, len, "%d %s %d", d, months[m - 1], y);
    return buf;
}
