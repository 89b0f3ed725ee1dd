/* main.c -- the analyst's command-line tool: `analyzer indicators` (estimates by territory); the report, export
 * and codebook commands come with the analyzer's next issue.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "catalog.h"
#include "estimate.h"
#include "indicators.h"
#include "margins.h"
#include "output.h"
#include "util.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: analyzer COMMANDE [OPTIONS]\n\n"
            "  analyzer indicators --db CHEMIN --form ID [--forms DOSSIER] [--margins FICHIER.csv]\n"
            "                      [--indicators FICHIER.json] [--ci wilson|clopper-pearson|beta|logit]\n"
            "                      [--level 0.95] [--min-n 11] [--format json|csv] [-o FICHIER]\n"
            "                      [--no-grouping]  (vérification : une ligne par répondant, mêmes résultats)\n"
            "      indicateurs par territoire, ensemble des QPV, reste de la commune et commune, avec\n"
            "      intervalles de confiance, effets de plan, tests et secret statistique.\n"
            "  analyzer margins [--forms DOSSIER]\n"
            "      le fichier de marges (--margins) tiré des populations par âge et sexe des territoires.\n");
}

typedef struct ind_args {
    const char *db, *forms, *form, *margins, *indicators, *ci, *format, *output;
    double level;
    long min_n;
    bool no_grouping;
} ind_args;

/* Reports a bad flag and returns 2 (the exit status of a usage error). */
static int bad(const char *flag, const char *msg)
{
    fprintf(stderr, "analyzer : %s : %s\n", flag, msg);
    return 2;
}

static int parse_args(int argc, char **argv, ind_args *a)
{
    *a = (ind_args){NULL, "forms", NULL, NULL, NULL, NULL, "json", NULL, 0.95, 11, false};
    for (int i = 2; i < argc; i++) {
        const char *f = argv[i];
        if (strcmp(f, "--no-grouping") == 0) {
            a->no_grouping = true;
            continue;
        }
        const char **slot = strcmp(f, "--db") == 0           ? &a->db
                            : strcmp(f, "--forms") == 0      ? &a->forms
                            : strcmp(f, "--form") == 0       ? &a->form
                            : strcmp(f, "--margins") == 0    ? &a->margins
                            : strcmp(f, "--indicators") == 0 ? &a->indicators
                            : strcmp(f, "--ci") == 0         ? &a->ci
                            : strcmp(f, "--format") == 0     ? &a->format
                            : strcmp(f, "-o") == 0           ? &a->output
                                                             : NULL;
        bool numeric = strcmp(f, "--level") == 0 || strcmp(f, "--min-n") == 0;
        if (slot == NULL && !numeric)
            return bad(f, "option inconnue");
        if (i + 1 >= argc || argv[i + 1][0] == '\0')
            return bad(f, "valeur manquante");
        const char *v = argv[++i];
        if (slot) {
            *slot = v;
        } else if (strcmp(f, "--level") == 0) {
            if (!util_parse_double(v, &a->level) || !(a->level >= 0.5 && a->level < 1))
                return bad(f, "un niveau entre 0.5 et 1 (exclu) est attendu, par exemple 0.95");
        } else if (!util_parse_long(v, 1, 1000000, &a->min_n)) {
            return bad(f, "un entier >= 1 est attendu");
        }
    }
    if (a->db == NULL)
        return bad("--db", "obligatoire");
    if (a->form == NULL)
        return bad("--form", "obligatoire");
    if (strcmp(a->format, "json") != 0 && strcmp(a->format, "csv") != 0)
        return bad("--format", "json ou csv");
    return 0;
}

static int parse_method(const char *ci, bool weighted, an_method *m)
{
    static const struct {
        const char *name;
        an_method m;
        bool weighted_ok, unweighted_ok;
    } methods[] = {{"wilson", AN_CI_WILSON, false, true},
                   {"clopper-pearson", AN_CI_CLOPPER_PEARSON, false, true},
                   {"beta", AN_CI_BETA, true, false},
                   {"logit", AN_CI_LOGIT, true, false}};
    *m = AN_CI_DEFAULT;
    if (ci == NULL)
        return 0;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(ci, methods[i].name) == 0) {
            if (weighted ? !methods[i].weighted_ok : !methods[i].unweighted_ok)
                return bad("--ci", weighted ? "avec --margins : beta (défaut) ou logit"
                                            : "sans --margins : wilson (défaut) ou clopper-pearson");
            *m = methods[i].m;
            return 0;
        }
    return bad("--ci", "wilson, clopper-pearson, beta ou logit");
}

static void progress(void *ctx, size_t records)
{
    (void)ctx;
    fprintf(stderr, "\r%zu réponses lues…", records);
}

/* Writes the result to path through a temporary file renamed at the end, so that a half-written file never
 * takes the place of a good one; "-" or NULL is standard output. */
static int write_result(const an_result *r, const char *format, const char *path)
{
    bool csv = strcmp(format, "csv") == 0;
    if (path == NULL || strcmp(path, "-") == 0)
        return (csv ? out_write_csv(r, stdout) : out_write_json(r, stdout)) == 0 && fflush(stdout) == 0 ? 0 : -1;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "analyzer indicators : -o : %s : %s\n", path, strerror(errno));
        return -1;
    }
    int rc = csv ? out_write_csv(r, f) : out_write_json(r, f);
    if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "analyzer indicators : écriture de %s impossible : %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

static int cmd_indicators(int argc, char **argv)
{
    ind_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;
    an_method method;
    if ((rc = parse_method(a.ci, a.margins != NULL, &method)) != 0)
        return rc;
    diag_list diags = {0};
    catalog *cat = catalog_open(a.forms, &diags);
    ind_set *defs = NULL;
    mg_margins *mg = NULL;
    an_result *res = NULL;
    char err[512], path[4096];
    rc = 1;
    if (cat == NULL) {
        diag_print(&diags, stderr);
        goto done;
    }
    if (catalog_current(cat, a.form) == NULL) {
        rc = bad("--form", "formulaire inconnu dans le dossier des formulaires");
        goto done;
    }
    defs = ind_load(a.indicators ? a.indicators : ind_default_path(cat, a.form, path, sizeof path), cat, a.form,
                    &diags);
    diag_print(&diags, stderr);
    if (defs == NULL)
        goto done;
    if (a.margins &&
        (mg = mg_load(a.margins, catalog_current(cat, a.form), catalog_territories(cat), err, sizeof err)) == NULL) {
        fprintf(stderr, "analyzer indicators : --margins : %s\n", err);
        rc = 2; /* the file given is wrong, like a bad flag */
        goto done;
    }
    an_options opt = {method, a.level, a.min_n, NULL, isatty(STDERR_FILENO) ? progress : NULL, NULL,
                      a.no_grouping};
    res = an_run(a.db, cat, defs, mg, &opt, err, sizeof err);
    if (opt.progress)
        fputs("\r\033[K", stderr);
    if (res == NULL) {
        fprintf(stderr, "analyzer indicators : %s\n", err);
        goto done;
    }
    rc = write_result(res, a.format, a.output) == 0 ? 0 : 1;
done:
    an_free(res);
    mg_free(mg);
    ind_free(defs);
    catalog_close(cat);
    diag_list_free(&diags);
    return rc;
}

/* analyzer margins: the margins file of the territories' population tables (age band and sex of each
 * territory), the usual calibration of a diagnosis, ready for --margins. */
static int cmd_margins(int argc, char **argv)
{
    const char *forms = "forms";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--forms") == 0 && i + 1 < argc)
            forms = argv[++i];
        else
            return bad(argv[i], "option inconnue (analyzer margins [--forms DOSSIER])");
    }
    diag_list diags = {0};
    catalog *cat = catalog_open(forms, &diags);
    const terr_set *ts = cat ? catalog_territories(cat) : NULL;
    int rc = 1;
    if (ts == NULL || ts->population_depth != 2) {
        diag_print(&diags, stderr);
        fprintf(stderr, "analyzer margins : %s n'a pas de territoires avec une population par deux variables\n",
                forms);
        goto done;
    }
    printf("territory,variable,category,population\n");
    for (size_t t = 0; t < ts->count; t++) {
        const json_t *pop = ts->items[t].population;
        const char *a, *b;
        json_t *row, *v;
        json_object_foreach((json_t *)pop, a, row) {
            json_int_t sum = 0;
            json_object_foreach(row, b, v) sum += json_integer_value(v);
            printf("%s,%s,%s,%lld\n", ts->items[t].code, ts->population_by[0], a, (long long)sum);
        }
        json_t *first = json_object_iter_value(json_object_iter((json_t *)pop));
        json_object_foreach(first, b, v) {
            json_int_t sum = 0;
            json_object_foreach((json_t *)pop, a, row) sum += json_integer_value(json_object_get(row, b));
            printf("%s,%s,%s,%lld\n", ts->items[t].code, ts->population_by[1], b, (long long)sum);
        }
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    catalog_close(cat);
    diag_list_free(&diags);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    est_init();
    if (argc >= 2 && strcmp(argv[1], "indicators") == 0)
        return cmd_indicators(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "margins") == 0)
        return cmd_margins(argc, argv);
    usage(stderr);
    if (argc >= 2)
        fprintf(stderr, "analyzer : commande « %s » inconnue\n", argv[1]);
    return 2;
}
