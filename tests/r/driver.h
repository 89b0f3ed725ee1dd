/* driver.h -- what the C halves of the differential tests against R share (analyzer_diff.c, analyzer_edges.c):
 * writing key,value result lines and opening the CSV files the R side wrote. Header-only (static functions), so
 * that each driver stays one file; the driver defines DRIVER_NAME (for messages) before including it.
 */
#ifndef TESTS_R_DRIVER_H
#define TESTS_R_DRIVER_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

static FILE *out; /* DIR/c_results.csv of the survey being computed */

/* Writes key (printf-style) with v, or NA when v is not finite. */
static void put(double v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(double v, const char *fmt, ...)
{
    char key[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof key, fmt, ap);
    va_end(ap);
    if (isfinite(v))
        fprintf(out, "%s,%.17g\n", key, v);
    else
        fprintf(out, "%s,NA\n", key);
}

/* Opens DIR/name and its CSV reader past the header; NULL with a message on failure. */
static csv_reader *open_csv(const char *dir, const char *name, FILE **f)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *f = fopen(path, "r");
    if (*f == NULL) {
        fprintf(stderr, DRIVER_NAME ": cannot open %s\n", path);
        return NULL;
    }
    csv_reader *r = csv_open(*f, ',');
    char **fields;
    size_t nf;
    if (csv_next(r, &fields, &nf) != 1) {
        fprintf(stderr, DRIVER_NAME ": %s has no header\n", path);
        csv_close(r);
        fclose(*f);
        return NULL;
    }
    return r;
}

/* A category written by R as 1, 2, ... or NA: 0, 1, ... or -1. */
static int code_or_missing(const char *s)
{
    return strcmp(s, "NA") == 0 ? -1 : atoi(s) - 1;
}

#endif /* TESTS_R_DRIVER_H */
