/* fingerprint.h -- the identity of a form version's content: a SHA-256 of its canonical text.
 *
 * The canonical text is the form's expanded document (form_expanded_doc: shared lists written inline) dumped as
 * compact JSON with object keys sorted, so that reordering keys in the file changes nothing while any change of
 * content (a label, a code, an expression, a translation) changes the fingerprint. The collector records it with
 * the first answer of each version and refuses a folder whose same version says something else (frozen.h).
 */
#ifndef FORMS_FINGERPRINT_H
#define FORMS_FINGERPRINT_H

#include "form.h"

#define FINGERPRINT_HEX_LEN 64 /* lowercase hexadecimal SHA-256 */

/* The canonical text of f: malloc'd, the caller frees it. Never NULL (allocation failure aborts). */
char *fingerprint_canonical(const form *f);

/* The fingerprint of a canonical text into out (FINGERPRINT_HEX_LEN + 1 bytes). */
void fingerprint_of_text(const char *canonical, char out[FINGERPRINT_HEX_LEN + 1]);

/* The fingerprint of f into out; when canonical is not NULL, *canonical receives the text it was computed on
 * (malloc'd, the caller frees it). */
void fingerprint_form(const form *f, char out[FINGERPRINT_HEX_LEN + 1], char **canonical);

#endif /* FORMS_FINGERPRINT_H */
