/* formscmd.c -- dispatch of "collector forms SUBCOMMAND". See formscmd.h. */
#include "formscmd.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *usage;
    int (*run)(int argc, char **argv);
} subcommands[] = {
    {"export", "forms export ID [--forms DOSSIER] [--version V] -o FICHIER.xlsx", formscmd_export},
    {"import", "forms import FICHIER.xlsx [--forms DOSSIER] [-o DOSSIER/ID.json]", formscmd_import},
    {"diff", "forms diff ID V1 V2 [--forms DOSSIER] [--db CHEMIN] [--json]", formscmd_diff},
    {"translations", "forms translations ID --lang LANGUE [--forms DOSSIER] [--accept [CLÉ...]] [--json]",
     formscmd_translations},
};

int formscmd(int argc, char **argv)
{
    if (argc >= 2)
        for (size_t i = 0; i < sizeof subcommands / sizeof *subcommands; i++)
            if (strcmp(argv[1], subcommands[i].name) == 0)
                return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, argc >= 2 ? "collector forms: sous-commande inconnue « %s »\n" : "%s", argc >= 2 ? argv[1] : "");
    fprintf(stderr, "usage :\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof *subcommands; i++)
        fprintf(stderr, "  collector %s\n", subcommands[i].usage);
    return 2;
}
