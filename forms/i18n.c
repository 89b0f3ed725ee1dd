/* i18n.c -- translation status of form texts. See i18n.h. */
#include "i18n.h"

void i18n_check(const catalog *c, diag_list *diags)
{
    (void)c, (void)diags;
}

void i18n_note_import(const char *dir, const json_t *old_doc, const json_t *new_doc, diag_list *diags)
{
    (void)dir, (void)old_doc, (void)new_doc, (void)diags;
}
