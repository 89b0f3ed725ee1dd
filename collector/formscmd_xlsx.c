/* formscmd_xlsx.c -- "collector forms export" and "collector forms import" (XLSForm workbooks). */
#include "formscmd.h"

#include <stdio.h>

int formscmd_export(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "collector forms export: not implemented yet\n");
    return 2;
}

int formscmd_import(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "collector forms import: not implemented yet\n");
    return 2;
}
