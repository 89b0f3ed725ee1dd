/* terr.h -- the territories of a town: its priority neighbourhoods (QPV) and the rest of the commune, with
 * population figures for weighting and campaign targets.
 *
 * Loaded from the project's territories.json (see forms/README.md) or from the official ANCT list of QPV
 * (CSV: code_qp, lib_qp, insee_com, lib_com). Ownership: a terr_set owns everything it points to; the strings
 * and JSON objects of its territories live as long as the set.
 */
#ifndef FORMS_TERR_H
#define FORMS_TERR_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "diag.h"

#define TERR_MAX 2000 /* territories in one file: the whole ANCT list is about 1,600 */
#define TERR_OUTLINES_MAX_BYTES (128L << 20) /* an outlines file: France's 1,600 QPV take a few dozen MB */
#define TERR_OUTLINES_MAX_FEATURES 20000

/* The properties a feature of an outlines file may carry its territory code in, in this order: our own "code",
 * then the names the official QPV files use (ANCT 2024 on data.gouv.fr: "code_qp"; the 2015 files: "CODE_QP"). */
extern const char *const terr_code_properties[];

typedef struct terr {
    const char *code;        /* "QN09399A" or a slug such as "hors_qpv" */
    const char *name;        /* the French name: what the report, the analyzer and the statistics show */
    const json_t *names;     /* the name in each language, {"fr": …, "ar": …}, or NULL when the file gives one
                              * string (then French only) */
    bool qpv;                /* kind "qpv"; false for "rest" */
    int paper;               /* number printed on paper */
    long target;             /* answers aimed for by the residents' form ("target", or "targets"."resident"),
                              * 0 when none; kept for the readers that know only that form */
    const json_t *targets;   /* {form id: answers aimed for} ("targets"), or NULL: see terr_target */
    const json_t *population; /* nested object by population_by codes, or NULL */
    const json_t *outline;    /* GeoJSON geometry (Polygon or MultiPolygon, [longitude, latitude]), or NULL: the
                               * territory's "outline", else its feature in the file named by "outlines" */
} terr;

typedef struct terr_set {
    json_t *doc;             /* the territories document (owned); territories point into it */
    json_t *outlines;        /* the GeoJSON FeatureCollection named by "outlines" (owned), or NULL */
    bool example;            /* the file says its figures are illustrative */
    const char *commune_insee, *commune_name; /* may be NULL */
    const char *population_by[2]; /* question ids of the population nesting; NULL when unused */
    size_t population_depth;
    terr *items;
    size_t count;
} terr_set;

/* Loads a territories file: .json (the project's format) or .csv (the ANCT list, every QPV in it, plus a
 * "hors_qpv" rest-of-commune territory). Returns NULL with errors added to diags. */
terr_set *terr_load(const char *path, diag_list *diags);

/* Reads the ANCT CSV and keeps the QPV of commune insee (all of them when insee is NULL), followed by the rest
 * of that commune as "hors_qpv". Returns NULL with errors added to diags. */
terr_set *terr_load_anct_csv(const char *path, const char *insee, diag_list *diags);

/* Builds a set from a parsed territories document; takes a new reference to doc. file names it in diagnostics,
 * and its folder is where a relative "outlines" path is read from. */
terr_set *terr_from_json(json_t *doc, const char *file, diag_list *diags);

/* The territory with this code, or NULL. */
const terr *terr_find(const terr_set *set, const char *code);

/* The name of t in lang (a language code such as "ar"), its French name when it has none in lang. */
const char *terr_name(const terr *t, const char *lang);

/* The answers form_id aims for in t: "targets"[form_id] when the file gives it, else the old "target" for the
 * residents' form "resident" only (another form never borrows the residents' target); 0 when none. */
long terr_target(const terr *t, const char *form_id);

/* The name of t in every language it has, as a new JSON object {"fr": …, …} (at least "fr"). */
json_t *terr_names_json(const terr *t);

/* True when code has the form of a QPV code: "QN" + 6 letters/digits (2024) or "QP" + 6 digits (2015). */
bool terr_is_qpv_code(const char *code);

/* Population of the cell (a, b) (b NULL for one-level files); -1 when the file has no such cell. */
long terr_population(const terr *t, const char *a, const char *b);

/* The set as a territories document (a new reference). */
json_t *terr_to_json(const terr_set *set);

/* Frees the set; terr_free(NULL) does nothing. */
void terr_free(terr_set *set);

#endif /* FORMS_TERR_H */
