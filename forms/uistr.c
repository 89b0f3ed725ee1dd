/* uistr.c -- checks of the pages' strings file. See uistr.h. */
#include "uistr.h"

void uistr_check(const char *dir, const catalog *c, diag_list *diags)
{
    (void)dir, (void)c, (void)diags;
}
