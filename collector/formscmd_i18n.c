/* formscmd_i18n.c -- "collector forms translations": the status of every text of a language. */
#include "formscmd.h"

#include <stdio.h>

int formscmd_translations(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "collector forms translations: not implemented yet\n");
    return 2;
}
