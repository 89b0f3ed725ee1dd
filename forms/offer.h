/* offer.h -- the local health offer: one list of the town's services (centre de santé, PMI, CMP, pharmacies,
 * médiateur santé…) in forms/offer.json, shared by every form that names it.
 *
 * A form question writes `"rows": "offre"` (or `"choices": "offre"`) instead of listing the services itself; the
 * form loader then inlines the list (form_expanded_doc), so that adding or removing a service is one entry in one
 * file and the residents' grid, the operators' question, the paper form, the indicators and the report follow.
 * The format is in forms/README.md, "La liste des services locaux".
 *
 * Ownership: an offer owns its document; the strings and language maps of its services point into it and live as
 * long as the offer.
 */
#ifndef FORMS_OFFER_H
#define FORMS_OFFER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "diag.h"

/* The name a form uses for the shared list, in place of an array of rows or choices. */
#define OFFER_LIST_NAME "offre"
#define OFFER_MAX_SERVICES 200 /* as FORM_MAX_CHOICES: the list becomes a question's rows */

typedef struct offer_service {
    const char *code;        /* the row code stored in answers: "pmi" */
    int paper;               /* number printed on paper, unique in the list */
    const char *kind;        /* one of offer_kinds() */
    const json_t *label;     /* language map, for residents */
    const json_t *label_pro; /* language map, for professionals, or NULL (then label) */
} offer_service;

typedef struct offer offer;

/* True when form document doc names the shared list (a question's rows or choices are OFFER_LIST_NAME). */
bool offer_used_by(const json_t *doc);

/* Loads path (offer.json). Returns NULL with every error added to diags, each naming the file and JSON path. */
offer *offer_load(const char *path, diag_list *diags);

/* As offer_load, from a parsed document (a new reference is taken); name is used in diagnostics. */
offer *offer_load_json(json_t *doc, const char *name, diag_list *diags);

/* Frees o; offer_free(NULL) does nothing. */
void offer_free(offer *o);

size_t offer_count(const offer *o);
const offer_service *offer_at(const offer *o, size_t i);

/* The service with this code, or NULL. */
const offer_service *offer_find(const offer *o, const char *code);

/* The file name it was loaded from, and its document (borrowed; the XLSForm writer reads it). */
const char *offer_file(const offer *o);
const json_t *offer_doc(const offer *o);

/* True when the file says its services are an illustration to replace. */
bool offer_is_example(const offer *o);

/* The NULL-terminated vocabulary of `kind`. */
const char *const *offer_kinds(void);

/* The list as rows or choices of a form: a new JSON array of {"code", "paper", "label"}, in file order, with
 * label_pro when pro is true and the service has one, and each label restricted to the languages langs[0..n)
 * (a form may not carry a language it does not declare). */
json_t *offer_rows(const offer *o, bool pro, const char *const *langs, size_t nlangs);

/* The JSON path of the label a form shows for service i ("$.services[3].label" or "…label_pro"), into out. */
void offer_label_path(const offer *o, size_t i, bool pro, char *out, size_t len);

#endif /* FORMS_OFFER_H */
