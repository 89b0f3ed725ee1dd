/* formscmd_diff.c -- "collector forms diff": what changed between two versions of a form. */
#include "formscmd.h"

#include <stdio.h>

int formscmd_diff(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "collector forms diff: not implemented yet\n");
    return 2;
}
