/* uistr.h -- the pages' own words (buttons, notices, errors, receipts, the RGPD notice), in every language, as
 * data: forms/pages.json. Adding a language to a campaign needs its texts there and in the forms, no code.
 */
#ifndef FORMS_UISTR_H
#define FORMS_UISTR_H

#include "catalog.h"
#include "diag.h"

/* Checks dir/pages.json: every key known, French complete, every language the forms declare complete
 * (warnings), placeholders the same in every language. */
void uistr_check(const char *dir, const catalog *c, diag_list *diags);

#endif /* FORMS_UISTR_H */
