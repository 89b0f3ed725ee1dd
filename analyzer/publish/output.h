/* output.h -- an analysis written for people and programs: JSON (everything: groups, indicator cells, tests,
 * multiple-testing summary) and CSV (one line per indicator cell, the same lines as the JSON's "indicators").
 *
 * A suppressed cell is written with its identifiers and the reason only: every number of it is null (JSON) or
 * empty (CSV), so that no output carries what disclosure control hid.
 */
#ifndef ANALYZER_OUTPUT_H
#define ANALYZER_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

#include "analysis.h"

/* The result as a JSON document (a new reference). */
json_t *out_json(const an_result *r);

/* Writes the JSON document to f; returns 0 or -1 on a write error. */
int out_write_json(const an_result *r, FILE *f);

/* Writes the CSV to f (comma-separated, header first, UTF-8); returns 0 or -1 on a write error. */
int out_write_csv(const an_result *r, FILE *f);

#endif /* ANALYZER_OUTPUT_H */
