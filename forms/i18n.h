/* i18n.h -- translations a coordinator can keep up: which texts of a language are missing, and which were
 * translated from a French text that has since changed (stale).
 *
 * A form's translation record, NAME.translations.json beside NAME.json, keeps for each language and each text
 * a short hash of the French text its translation was made from. See forms/README.md, "Traductions".
 */
#ifndef FORMS_I18N_H
#define FORMS_I18N_H

#include <jansson.h>

#include "catalog.h"
#include "diag.h"

/* Adds a warning for every text of every current form that lacks a declared language or whose translation is
 * stale, naming the form, the text and the language. */
void i18n_check(const catalog *c, diag_list *diags);

/* Records, after a form document old_doc (NULL for a new form) was replaced by new_doc in dir (an import from
 * a workbook), which translations were made from which French text: a translation that changed with its
 * French text is current; one that did not change while the French did becomes stale. */
void i18n_note_import(const char *dir, const json_t *old_doc, const json_t *new_doc, diag_list *diags);

#endif /* FORMS_I18N_H */
