/* main.c -- the analyst's command-line tool. Its subcommands (indicators, report, export, codebook) come with
 * the analyzer's own issues; for now it only loads the forms folder it will read and says what it will do.
 */
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: analyzer COMMANDE [OPTIONS]\n\n"
            "commandes (à venir) :\n"
            "  analyzer indicators --db CHEMIN --form ID   indicateurs par territoire avec intervalles\n"
            "  analyzer report --db CHEMIN                 rapport de diagnostic (HTML, Markdown)\n"
            "  analyzer export --db CHEMIN --form ID       réponses en CSV\n"
            "  analyzer codebook --form ID                 dictionnaire des questions et des codes\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    if (argc >= 2)
        fprintf(stderr, "analyzer: « %s » n'est pas encore disponible\n", argv[1]);
    return 2;
}
