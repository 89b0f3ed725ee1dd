/* i18n.h -- translations a coordinator can keep up: which texts of a language are missing, and which were
 * translated from a French text that has since changed (stale).
 *
 * A form's translation record, ID.translations.json beside ID.json, keeps for each language and each text
 * a short hash of the French text its translation was made from. See forms/README.md, "Traductions".
 *
 * Texts are named by stable keys, not by JSON positions (which move when a question is inserted):
 *   title, notice                       the form's
 *   section:ID.title, section:ID.intro  a section's
 *   Q.label, Q.hint, Q.constraint_message
 *   Q.choice:CODE, Q.row:CODE           a choice or grid row given inline in question Q
 *   Q.scale:N                           the label of point N of scale question Q
 *   list:NAME.CODE                      a choice of the shared list choice_lists.NAME
 *
 * The shared list of local services (offer.json) is tracked the same way under the pseudo-id I18N_OFFER_ID, its
 * record being offer.translations.json beside it, with the keys CODE.label and CODE.label_pro.
 *
 * Ownership: i18n_texts and i18n_record own what they hold; language maps in an i18n_text are borrowed from the
 * document they were collected from, which must outlive them.
 */
#ifndef FORMS_I18N_H
#define FORMS_I18N_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "catalog.h"
#include "diag.h"

#define I18N_HASH_LEN 16 /* hex digits of SHA-256 kept: enough to tell two wordings apart */
#define I18N_OFFER_ID "offre" /* the pseudo-id of offer.json's texts: the name forms give the list */
#define I18N_MAX_LANGS 16      /* languages tracked per record, French excepted */

/* Adds a warning for every text of every current form, and of the catalog's offer.json, whose translation is
 * stale, naming the form (or offer.json), the text and the language (missing translations are reported by the
 * form loader), and an error for a record file that cannot be read. */
void i18n_check(const catalog *c, diag_list *diags);

/* Records, after a form document old_doc (NULL for a new form) was replaced by new_doc in dir (an import from
 * a workbook), which translations were made from which French text: a translation that changed with (or after)
 * its French text is current; one that did not change while the French did becomes stale, and a warning naming
 * the text and language is added to diags. The record file is rewritten atomically; a failure to read or write
 * it is a warning (the form itself was imported). */
void i18n_note_import(const char *dir, const json_t *old_doc, const json_t *new_doc, diag_list *diags);

/* The same for offer.json in dir, rewritten from old_offer (NULL when there was none) to new_offer. */
void i18n_note_offer_import(const char *dir, const json_t *old_offer, const json_t *new_offer, diag_list *diags);

/* ---------------------------------------------------------------------------------------------------------
 * The parts the command `collector forms translations` and the tests use.
 */

/* One translatable text of a form document. */
typedef struct i18n_text {
    char *key;          /* stable key, "R13.label" */
    char *path;         /* JSON path in the document, "$.sections[2].questions[4].label" */
    const json_t *text; /* the language map, borrowed */
} i18n_text;

typedef struct i18n_texts {
    i18n_text *items;
    size_t count, cap;
} i18n_texts;

/* Collects every text of doc, in document order, into out (which starts zeroed). Parts that are not shaped as
 * forms/README.md says are skipped: the form loader reports them. Free with i18n_texts_free. */
void i18n_texts_collect(const json_t *doc, i18n_texts *out);

/* Collects the service names of offer document doc (offer.json), keyed CODE.label and CODE.label_pro, with
 * their paths "$.services[I].label". Free with i18n_texts_free. */
void i18n_offer_texts_collect(const json_t *doc, i18n_texts *out);

/* The languages other than French found in the labels of offer document doc, in order of first appearance,
 * borrowed from doc: at most max of them into langs. Returns how many. */
size_t i18n_offer_languages(const json_t *doc, const char **langs, size_t max);

/* The text with this key, or NULL. Linear: for a few look-ups. */
const i18n_text *i18n_texts_find(const i18n_texts *t, const char *key);

/* Frees the items and resets t to empty; t may be NULL. */
void i18n_texts_free(i18n_texts *t);

/* Writes the first I18N_HASH_LEN hex digits of the SHA-256 of s (its UTF-8 bytes) and a NUL into out. */
void i18n_hash(const char *s, char out[I18N_HASH_LEN + 1]);

typedef enum i18n_status {
    I18N_OK,      /* translated from the current French text */
    I18N_MISSING, /* the text has no translation in that language */
    I18N_STALE,   /* translated from a French text that has changed since */
    I18N_UNKNOWN  /* translated, but the record does not say from which French text */
} i18n_status;

/* The French name of a status as the command prints it: "ok", "manquante", "à revoir", "non suivie". */
const char *i18n_status_name(i18n_status s);

typedef struct i18n_record i18n_record;

/* The path of form id's record in dir, in a new string (free it): DIR/ID.translations.json, and
 * DIR/offer.translations.json for I18N_OFFER_ID. */
char *i18n_record_path(const char *dir, const char *id);

/* Reads the record of form id in dir: an empty record when the file does not exist; NULL when it exists but is
 * not a valid record, with an error naming the file and JSON path in diags. Free with i18n_record_free. */
i18n_record *i18n_record_load(const char *dir, const char *id, diag_list *diags);

/* Frees r; i18n_record_free(NULL) does nothing. */
void i18n_record_free(i18n_record *r);

/* The recorded hash for (lang, key), or NULL. Valid until r changes. */
const char *i18n_record_get(const i18n_record *r, const char *lang, const char *key);

/* Records hash (I18N_HASH_LEN hex digits) for (lang, key); hash NULL removes the entry. */
void i18n_record_set(i18n_record *r, const char *lang, const char *key, const char *hash);

/* Records, for (lang, t), the hash of t's current French text: the translation was reviewed against it. */
void i18n_record_accept(i18n_record *r, const char *lang, const i18n_text *t);

/* The status of text t in lang according to r. */
i18n_status i18n_status_of(const i18n_record *r, const char *lang, const i18n_text *t);

/* Writes r to its file atomically (a temporary renamed over it), keeping only the languages in langs (n of
 * them, French excepted) and the keys of texts, in their order. Returns 0, or -1 with a French message naming
 * the file in err. */
int i18n_record_save(i18n_record *r, const char *const *langs, size_t n, const i18n_texts *texts, char *err,
                     size_t errlen);

#endif /* FORMS_I18N_H */
