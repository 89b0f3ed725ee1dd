/* uistr.h -- the pages' own words (buttons, notices, errors, receipts, the paper form's instructions, the
 * data-entry page), in every language, as data: forms/pages.json. Adding a language to a campaign needs its
 * texts there and in the forms, no code.
 *
 * The file (see forms/README.md, "Les mots des pages"):
 *   {"languages": {"fr": {"name": "Français", "dir": "ltr", "speech": "fr-FR"}, "ar": {…, "dir": "rtl"}, …},
 *    "strings": {"fr": {"form": {"next": "Suivant", …}, "print": {…}, "entry": {…}}, "ar": {…}, …}}
 * Pages are "form" (the residents' phone form), "print" (the paper form) and "entry" (the mediators' data-entry
 * page, in French only). The keys each page uses are listed here in C (uistr.c): French must have them all; a
 * key the pages do not use is an error (a typo would otherwise go unseen). Placeholders such as {n} must be the
 * same in every language. A text missing in a language is shown in French.
 *
 * Ownership: functions returning json_t * return a new reference the caller must json_decref.
 */
#ifndef FORMS_UISTR_H
#define FORMS_UISTR_H

#include <jansson.h>

#include "catalog.h"
#include "diag.h"

#define UISTR_FILE "pages.json"

/* Loads and checks dir/pages.json: its structure, every language code, every key known, French complete,
 * placeholders the same in every language. Returns the document, or NULL with errors added to diags (a missing
 * file is an error: the pages would have no words). */
json_t *uistr_load(const char *dir, diag_list *diags);

/* Checks dir/pages.json as uistr_load does, then against the forms of c: a language a current form declares
 * that pages.json lacks, or in which a text of the residents' pages (form, print) is missing, is a warning that
 * names the language and the key. */
void uistr_check(const char *dir, const catalog *c, diag_list *diags);

/* What one page needs, to be embedded in it: {"languages": {lang: {"name", "dir", "speech"?}},
 * "strings": {lang: {key: text}}} for "fr" and each of the nlangs languages of langs, the texts of page only
 * (page is "form", "print" or "entry"), French filling every text a language lacks. doc comes from uistr_load. A
 * language absent from doc gets its code as name and "ltr". With no langs (a page of every form, in French),
 * "languages" names every language of doc. */
json_t *uistr_page(const json_t *doc, const char *page, const char *const *langs, size_t nlangs);

/* The French text of page.key in doc, or NULL when there is none. Borrowed from doc. */
const char *uistr_fr(const json_t *doc, const char *page, const char *key);

#endif /* FORMS_UISTR_H */
