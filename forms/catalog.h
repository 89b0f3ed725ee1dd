/* catalog.h -- every form version in a forms folder, with the territories they share.
 *
 * A folder holds the current version of each form as NAME.json, older versions under versions/, the
 * territories as territories.json (or the ANCT territories.csv), and the local health offer that forms may
 * share as offer.json. Indicator files (NAME.indicators.json) are
 * left to the analyzer. Stored answers name a form version, so every version stays loadable.
 *
 * Ownership: the catalog owns its forms and territories; pointers it returns live as long as it does.
 */
#ifndef FORMS_CATALOG_H
#define FORMS_CATALOG_H

#include <stddef.h>

#include "diag.h"
#include "form.h"
#include "offer.h"
#include "terr.h"

typedef struct catalog catalog;

/* Loads every definition in dir. Returns NULL when any file has errors (all of them are added to diags,
 * warnings too), or when dir holds no form at all. */
catalog *catalog_open(const char *dir, diag_list *diags);

/* The same, with the territories read from the file territories (.json or ANCT .csv) instead of the folder's: a
 * region analyses several towns that share one questionnaire, each with its own territories, and a form checks
 * each answer's territory code against the territories it was loaded with. */
catalog *catalog_open_territories(const char *dir, const char *territories, diag_list *diags);

/* Adds a version that is not in the folder, from its document (a new reference is taken): the collector's
 * database keeps the definition of every version that has answers (frozen.h). name is used in diagnostics.
 * Returns the form, or NULL when it has errors or when the catalog already has this id and version (both
 * reported in diags). */
const form *catalog_add_json(catalog *c, json_t *doc, const char *name, diag_list *diags);

/* As catalog_add_json, but a version the catalog already has is replaced (and freed: pointers to it become invalid)
 * by the one loaded from doc: a reader of the database prefers the definition its answers were given to. */
const form *catalog_replace_json(catalog *c, json_t *doc, const char *name, diag_list *diags);

/* Frees the catalog; catalog_close(NULL) does nothing. */
void catalog_close(catalog *c);

/* The current (highest) version of form id, or NULL. */
const form *catalog_current(const catalog *c, const char *id);

/* A given version of form id, or NULL. */
const form *catalog_get(const catalog *c, const char *id, const char *version);

/* All loaded form versions, sorted by id then version; i < catalog_count(c). */
size_t catalog_count(const catalog *c);
const form *catalog_at(const catalog *c, size_t i);

/* The territories, or NULL when the folder has none. */
const terr_set *catalog_territories(const catalog *c);

/* The local health offer (offer.json), or NULL when the folder has none. Forms that name it ("offre") were
 * loaded with it. */
const offer *catalog_offer(const catalog *c);

/* The folder it was loaded from. */
const char *catalog_dir(const catalog *c);

#endif /* FORMS_CATALOG_H */
