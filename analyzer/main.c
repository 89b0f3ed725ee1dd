/* main.c -- the analyst's command-line tool: indicators by territory, the diagnosis report, the answers as CSV,
 * the codebook, and the margins file of the territories' population tables.
 *
 * Exit status: 0 done, 1 the work failed (database, write), 2 a flag or a file given on the command line is
 * wrong. Every message is French and names the flag or the file.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis.h"
#include "catalog.h"
#include "codebook.h"
#include "colcache.h"
#include "columns.h"
#include "dataset.h"
#include "doc.h"
#include "estimate.h"
#include "extract.h"
#include "frozen.h"
#include "indicators.h"
#include "margins.h"
#include "outfile.h"
#include "output.h"
#include "report.h"
#include "towns.h"
#include "townsreport.h"
#include "util.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: analyzer COMMANDE [OPTIONS]\n\n"
            "  analyzer indicators --db CHEMIN --form ID [--forms DOSSIER] [--margins FICHIER.csv]\n"
            "                      [--indicators FICHIER.json] [--ci wilson|clopper-pearson|beta|logit]\n"
            "                      [--level 0.95] [--min-n 11] [--format json|csv] [-o FICHIER]\n"
            "                      [--no-grouping]  (vérification : une ligne par répondant, mêmes résultats)\n"
            "                      [--include-excluded] [--include-tests]  (aussi pour report et export)\n"
            "      les réponses exclues et celles du mode test sont laissées de côté, sauf avec ces options.\n"
            "      indicateurs par territoire, ensemble des QPV, reste de la commune et commune, avec\n"
            "      intervalles de confiance, effets de plan, tests et secret statistique.\n"
            "      Plusieurs communes : --db BASE --territories FICHIER [--margins FICHIER.csv], répétés dans le\n"
            "      même ordre (un fichier de territoires par base ; des marges pour toutes ou aucune) ; chaque\n"
            "      territoire devient CODE_INSEE/CODE, et les QPV de chaque commune sont comparés à ceux des autres.\n"
            "  analyzer report --db CHEMIN [--forms DOSSIER] [--form resident] [--operator-form operator]\n"
            "                  [--margins FICHIER.csv] [--min-n 11] [--level 0.95] [--format html|md]\n"
            "                  [--include-text] [--wave LIBELLÉ=VERSION|LIBELLÉ=AAAA-MM-JJ..AAAA-MM-JJ ...]\n"
            "                  [-o FICHIER]\n"
            "      le rapport de diagnostic (HTML autonome imprimable, ou Markdown) ; avec plusieurs --wave,\n"
            "      l'évolution de chaque indicateur depuis la première vague.\n"
            "      Plusieurs communes (--db, --territories, --margins répétés comme pour indicators) : le rapport\n"
            "      de comparaison entre communes (sans --wave ni --include-text).\n"
            "  analyzer export --db CHEMIN --form ID [--forms DOSSIER] [--format csv|excel|dta|sav|r|xlsx]\n"
            "                  [--margins FICHIER.csv] [--include-text] [--raw-text] [-o FICHIER]\n"
            "      les réponses qui comptent, une ligne par répondant, les mêmes colonnes que le CSV du\n"
            "      collecteur (nsp et refus gardés à part), le poids calé avec --margins et les scores ;\n"
            "      csv (UTF-8, virgule), excel (point-virgule, virgule décimale, pour Excel), dta (Stata 14+),\n"
            "      sav (SPSS), r (FICHIER.csv et FICHIER.R) ou xlsx (classeur avec les indicateurs). Une\n"
            "      cellule qui commence par = + - @ (hors nombre), une tabulation ou un retour chariot est\n"
            "      précédée d'une apostrophe pour qu'un tableur ne l'exécute pas comme une formule, sauf avec\n"
            "      --raw-text (texte tel que saisi, pour un logiciel statistique seulement). Le texte libre\n"
            "      seulement avec --include-text. Données personnelles de santé : voir README (RGPD).\n"
            "  analyzer codebook --form ID [--forms DOSSIER] [--format csv|html] [-o FICHIER]\n"
            "      chaque variable des exports (nom, libellé, valeurs étiquetées comme dans Stata et SPSS),\n"
            "      les libellés des questions dans chaque langue, et les indicateurs en clair.\n"
            "  analyzer margins [--forms DOSSIER]\n"
            "      le fichier de marges (--margins) tiré des populations par âge et sexe des territoires.\n"
            "  analyzer rebuild-cache --db CHEMIN [--form ID] [--forms DOSSIER] [--indicators FICHIER.json]\n"
            "                        [--margins FICHIER.csv] [--cache DOSSIER]\n"
            "      efface les caches de la base et recalcule celui des indicateurs à partir des réponses JSON.\n"
            "  indicators et report lisent les réponses à travers un cache dérivé (un petit code par réponse\n"
            "  et par indicateur, tenu à jour automatiquement) : --cache DOSSIER pour le placer ailleurs que\n"
            "  dans ~/.cache/sante-analyzer, --no-cache pour relire le JSON.\n");
}

/* Reports a bad flag and returns 2. */
static int bad(const char *cmd, const char *flag, const char *msg)
{
    fprintf(stderr, "analyzer %s : %s : %s\n", cmd, flag, msg);
    return 2;
}

/* ------------------------------------------------------------------ options */

typedef enum opt_kind { OPT_STRING, OPT_LEVEL, OPT_MIN_N, OPT_FLAG, OPT_WAVE, OPT_LIST } opt_kind;

/* A flag that may be repeated (--db, --territories, --margins of several towns), in the order given. */
typedef struct path_list {
    const char *v[TW_MAX];
    size_t n;
} path_list;

#define MAX_WAVES 12

typedef struct wave_list {
    rep_wave w[MAX_WAVES];
    size_t n;
} wave_list;

/* --wave LABEL=VERSION or LABEL=FROM..TO (dates of arrival, inclusive; either may be empty). Returns 0 or 2. */
static int parse_wave(const char *cmd, char *spec, wave_list *l)
{
    char *eq = strchr(spec, '=');
    if (l->n == MAX_WAVES)
        return bad(cmd, "--wave", "12 vagues au plus");
    if (eq == NULL || eq == spec || eq[1] == '\0')
        return bad(cmd, "--wave", "LIBELLÉ=VERSION ou LIBELLÉ=AAAA-MM-JJ..AAAA-MM-JJ attendu");
    *eq = '\0';
    rep_wave *w = &l->w[l->n];
    memset(w, 0, sizeof *w);
    w->label = spec;
    char *range = strstr(eq + 1, "..");
    if (range == NULL) {
        if (!form_version_valid(eq + 1))
            return bad(cmd, "--wave", "version de formulaire invalide");
        w->filter.version = eq + 1;
    } else {
        *range = '\0';
        w->filter.from = eq[1] ? eq + 1 : NULL;
        w->filter.to = range[2] ? range + 2 : NULL;
        if ((w->filter.from && !util_is_date(w->filter.from)) || (w->filter.to && !util_is_date(w->filter.to)) ||
            (w->filter.from == NULL && w->filter.to == NULL))
            return bad(cmd, "--wave", "dates AAAA-MM-JJ..AAAA-MM-JJ attendues");
    }
    l->n++;
    return 0;
}

typedef struct opt {
    const char *name;
    opt_kind kind;
    void *target; /* const char **, double *, long *, bool * */
} opt;

/* Parses argv[2..] against the table; returns 0 or the exit status of a usage error (already reported). */
static int parse_opts(const char *cmd, int argc, char **argv, const opt *opts)
{
    for (int i = 2; i < argc; i++) {
        const opt *o = opts;
        while (o->name && strcmp(o->name, argv[i]) != 0)
            o++;
        if (o->name == NULL)
            return bad(cmd, argv[i], "option inconnue (analyzer --help)");
        if (o->kind == OPT_FLAG) {
            *(bool *)o->target = true;
            continue;
        }
        if (i + 1 >= argc || argv[i + 1][0] == '\0')
            return bad(cmd, o->name, "valeur manquante");
        const char *v = argv[++i];
        if (o->kind == OPT_STRING)
            *(const char **)o->target = v;
        else if (o->kind == OPT_LIST) {
            path_list *l = o->target;
            if (l->n == TW_MAX)
                return bad(cmd, o->name, "64 fois au plus");
            l->v[l->n++] = v;
        }
        else if (o->kind == OPT_WAVE) {
            int rc = parse_wave(cmd, argv[i], o->target);
            if (rc != 0)
                return rc;
        }
        else if (o->kind == OPT_LEVEL) {
            double *level = o->target;
            if (!util_parse_double(v, level) || !(*level >= 0.5 && *level < 1))
                return bad(cmd, o->name, "un niveau entre 0.5 et 1 (exclu) est attendu, par exemple 0.95");
        } else if (!util_parse_long(v, 1, 1000000, o->target)) {
            return bad(cmd, o->name, "un entier >= 1 est attendu");
        }
    }
    return 0;
}

/* A progress bar on standard error for large databases when it is a terminal (a bar has no place in a log). */
#define PROGRESS_MIN 50000

typedef struct progress_state {
    long total;
} progress_state;

static progress_state progress_of;

static void progress(void *ctx, size_t records)
{
    const progress_state *p = ctx;
    double share = p->total > 0 ? (double)records / (double)p->total : 0;
    if (share > 1)
        share = 1;
    char bar[31];
    int full = (int)(share * 30);
    memset(bar, '#', (size_t)full);
    memset(bar + full, '.', (size_t)(30 - full));
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %3.0f %% (%zu / %ld réponses)", bar, 100 * share, records, p->total);
}

/* The progress callback for reading form_id's answers in db, or NULL when there is nothing worth a bar. */
static void (*progress_fn(const char *db, const char *form_id))(void *, size_t)
{
    if (!isatty(STDERR_FILENO))
        return NULL;
    progress_of.total = ds_count(db, form_id);
    return progress_of.total >= PROGRESS_MIN ? progress : NULL;
}

static void progress_done(void)
{
    if (isatty(STDERR_FILENO) && progress_of.total >= PROGRESS_MIN)
        fputs("\r\033[K", stderr);
}

/* Writes through emit to path via a private temporary file (mode 0600, created without following any link)
 * renamed at the end, so that a half-written file never takes the place of a good one and no other local user
 * can read the figures or choose the file written (outfile.h); "-" or NULL is standard output. */
static int write_output(const char *cmd, const char *path, int (*emit)(const void *obj, FILE *f), const void *obj)
{
    if (path == NULL || strcmp(path, "-") == 0)
        return emit(obj, stdout) == 0 && fflush(stdout) == 0 ? 0 : 1;
    char err[4200];
    outfile *o = outfile_open(path, err, sizeof err);
    if (o == NULL) {
        fprintf(stderr, "analyzer %s : -o : %s\n", cmd, err);
        return 1;
    }
    FILE *f = outfile_stream(o);
    int rc = f != NULL ? emit(obj, f) : -1;
    if (rc != 0 || (f != NULL && ferror(f))) {
        fprintf(stderr, "analyzer %s : écriture de %s impossible : %s\n", cmd, path, strerror(errno));
        outfile_discard(o);
        return 1;
    }
    if (outfile_commit(o, err, sizeof err) != 0) {
        fprintf(stderr, "analyzer %s : %s\n", cmd, err);
        return 1;
    }
    return 0;
}

/* Adds to cat the form versions only the database db keeps, and for a version changed in the folder since it was
 * answered, reads its answers with the definition they were given to, with a warning (frozen.h). Returns 0, or -1
 * after printing why. A database that cannot be opened is left to the command, which names it in its own error. */
static int add_recorded_versions(catalog *cat, const char *db, diag_list *diags)
{
    sqlite3 *h = NULL;
    int rc = 0;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        char err[512];
        sqlite3_busy_timeout(h, 5000);
        int r = frozen_check(h, db, cat, FROZEN_PREFER_RECORDED, diags, err, sizeof err);
        diag_print(diags, stderr); /* the warnings of a folder changed under its answers */
        diag_list_free(diags);
        if (r > 0) {
            rc = -1;
        } else if (r < 0 && strstr(err, "file is not a database") == NULL) {
            fprintf(stderr, "analyzer : %s : %s\n", db, err);
            rc = -1;
        }
    }
    sqlite3_close(h);
    return rc;
}

/* Opens the forms folder, completed with the versions the database db keeps (db may be NULL); NULL after
 * printing its diagnostics. */
static catalog *open_forms(const char *dir, const char *db, diag_list *diags)
{
    catalog *cat = catalog_open(dir, diags);
    if (cat == NULL)
        diag_print(diags, stderr);
    else if (db != NULL && add_recorded_versions(cat, db, diags) < 0) {
        catalog_close(cat);
        cat = NULL;
    }
    return cat;
}

/* Turns the derived cache on (colcache.h), or off with --no-cache. Returns 0, or 2 for contradictory flags. */
static int use_cache(const char *cmd, const char *dir, bool off)
{
    if (off && dir)
        return bad(cmd, "--no-cache", "incompatible avec --cache");
    if (dir && dir[0] == '\0')
        return bad(cmd, "--cache", "dossier vide");
    cc_set_dir(off ? "" : dir);
    return 0;
}

/* ------------------------------------------------------------------ indicators */

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
                return bad("indicators", "--ci",
                           weighted ? "avec --margins : beta (défaut) ou logit"
                                    : "sans --margins : wilson (défaut) ou clopper-pearson");
            *m = methods[i].m;
            return 0;
        }
    return bad("indicators", "--ci", "wilson, clopper-pearson, beta ou logit");
}

static int emit_json(const void *r, FILE *f)
{
    return out_write_json(r, f);
}

static int emit_csv(const void *r, FILE *f)
{
    return out_write_csv(r, f);
}

/* Loads the margins file; reports and returns NULL when it is wrong. */
static mg_margins *load_margins(const char *cmd, const char *path, const catalog *cat, const char *form_id)
{
    char err[512];
    mg_margins *mg = mg_load(path, catalog_current(cat, form_id), catalog_territories(cat), err, sizeof err);
    if (mg == NULL)
        fprintf(stderr, "analyzer %s : --margins : %s\n", cmd, err);
    return mg;
}

/* ------------------------------------------------------------------ several towns */

/* Whether the command analyses several towns: more than one --db, or --territories given. */
static bool several_towns(const path_list *dbs, const path_list *terrs)
{
    return dbs->n > 1 || terrs->n > 0;
}

/* The towns of the command line: --db, --territories and --margins repeated in the same order (margins: all or
 * none). Returns 0, or 2 after naming the flag. */
static int towns_spec(const char *cmd, const path_list *dbs, const path_list *terrs, const path_list *margins,
                      tw_spec *spec)
{
    if (terrs->n != dbs->n)
        return bad(cmd, "--territories",
                   "un fichier de territoires par base (--db), dans le même ordre, quand il y a plusieurs bases");
    if (margins->n != 0 && margins->n != dbs->n)
        return bad(cmd, "--margins", "un fichier de marges par base (--db), dans le même ordre, ou aucun");
    for (size_t k = 0; k < dbs->n; k++)
        spec[k] = (tw_spec){dbs->v[k], terrs->v[k], margins->n ? margins->v[k] : NULL};
    return 0;
}

/* Loads the towns; NULL after printing why (the files given are wrong: status 2). */
static tw_set *open_towns(const char *cmd, const char *forms, const char *form_id, const char *indicators,
                          const tw_spec *spec, size_t n)
{
    diag_list diags = {0};
    char err[1024];
    tw_set *tw = tw_open(forms, form_id, indicators, spec, n, &diags, err, sizeof err);
    diag_print(&diags, stderr);
    diag_list_free(&diags);
    if (tw == NULL)
        fprintf(stderr, "analyzer %s : %s\n", cmd, err);
    return tw;
}

/* `analyzer indicators` over several towns (analysis.h, an_run_towns). */
static int indicators_towns(const tw_spec *spec, size_t n, const char *forms, const char *form_id,
                            const char *indicators, const an_options *aopt, const char *format, const char *output)
{
    tw_set *tw = open_towns("indicators", forms, form_id, indicators, spec, n);
    if (tw == NULL)
        return 2;
    char err[512];
    an_result *res = an_run_towns(tw, aopt, err, sizeof err);
    int rc = 1;
    if (res == NULL) {
        fprintf(stderr, "analyzer indicators : %s\n", err);
    } else {
        ver_warn(res->versions, tw->towns[0].defs, "indicators", stderr);
        rc = write_output("indicators", output, strcmp(format, "csv") == 0 ? emit_csv : emit_json, res);
    }
    an_free(res);
    tw_free(tw);
    return rc;
}

static int cmd_indicators(int argc, char **argv)
{
    const char *db = NULL, *forms = "forms", *form_id = NULL, *margins = NULL, *indicators = NULL, *ci = NULL,
               *format = "json", *output = NULL;
    path_list dbs = {0}, terrs = {0}, mgs = {0};
    double level = 0.95;
    long min_n = DISC_DEFAULT_MIN_N;
    bool no_grouping = false, inc_excluded = false, inc_tests = false, no_cache = false;
    const char *cache_dir = NULL;
    const opt opts[] = {{"--db", OPT_LIST, &dbs},         {"--forms", OPT_STRING, &forms},
                        {"--form", OPT_STRING, &form_id},     {"--margins", OPT_LIST, &mgs},
                        {"--territories", OPT_LIST, &terrs},
                        {"--indicators", OPT_STRING, &indicators}, {"--ci", OPT_STRING, &ci},
                        {"--format", OPT_STRING, &format}, {"-o", OPT_STRING, &output},
                        {"--level", OPT_LEVEL, &level},    {"--min-n", OPT_MIN_N, &min_n},
                        {"--no-grouping", OPT_FLAG, &no_grouping},
                        {"--include-excluded", OPT_FLAG, &inc_excluded}, {"--include-tests", OPT_FLAG, &inc_tests},
                        {"--cache", OPT_STRING, &cache_dir}, {"--no-cache", OPT_FLAG, &no_cache},
                        {NULL, OPT_FLAG, NULL}};
    int rc = parse_opts("indicators", argc, argv, opts);
    ds_set_include(inc_excluded, inc_tests);
    if (rc == 0)
        rc = use_cache("indicators", cache_dir, no_cache);
    an_method method;
    tw_spec spec[TW_MAX];
    db = dbs.n ? dbs.v[0] : NULL;
    margins = mgs.n ? mgs.v[0] : NULL;
    if (rc == 0 && db == NULL)
        rc = bad("indicators", "--db", "obligatoire");
    if (rc == 0 && form_id == NULL)
        rc = bad("indicators", "--form", "obligatoire");
    if (rc == 0 && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
        rc = bad("indicators", "--format", "json ou csv");
    if (rc == 0 && several_towns(&dbs, &terrs))
        rc = towns_spec("indicators", &dbs, &terrs, &mgs, spec);
    else if (rc == 0 && mgs.n > 1)
        rc = bad("indicators", "--margins", "un seul fichier de marges pour une seule base (--db)");
    if (rc == 0)
        rc = parse_method(ci, margins != NULL, &method);
    if (rc != 0)
        return rc;
    if (several_towns(&dbs, &terrs)) {
        an_options aopt = {method, level, min_n, NULL, NULL, NULL, no_grouping, NULL};
        return indicators_towns(spec, dbs.n, forms, form_id, indicators, &aopt, format, output);
    }
    diag_list diags = {0};
    catalog *cat = open_forms(forms, db, &diags);
    ind_set *defs = NULL;
    mg_margins *mg = NULL;
    an_result *res = NULL;
    char err[512], path[4096];
    rc = 1;
    if (cat == NULL)
        goto done;
    if (catalog_current(cat, form_id) == NULL) {
        rc = bad("indicators", "--form", "formulaire inconnu dans le dossier des formulaires");
        goto done;
    }
    defs = ind_load(indicators ? indicators : ind_default_path(cat, form_id, path, sizeof path), cat, form_id, &diags);
    diag_print(&diags, stderr);
    if (defs == NULL)
        goto done;
    if (margins && (mg = load_margins("indicators", margins, cat, form_id)) == NULL) {
        rc = 2; /* the file given is wrong, like a bad flag */
        goto done;
    }
    an_options aopt = {method, level, min_n, NULL, progress_fn(db, form_id), &progress_of, no_grouping, NULL};
    res = an_run(db, cat, defs, mg, &aopt, err, sizeof err);
    progress_done();
    if (res == NULL) {
        fprintf(stderr, "analyzer indicators : %s\n", err);
        goto done;
    }
    ver_warn(res->versions, defs, "indicators", stderr);
    rc = write_output("indicators", output, strcmp(format, "csv") == 0 ? emit_csv : emit_json, res);
done:
    an_free(res);
    mg_free(mg);
    ind_free(defs);
    catalog_close(cat);
    diag_list_free(&diags);
    return rc;
}

/* ------------------------------------------------------------------ report */

static int emit_html(const void *d, FILE *f)
{
    return doc_write_html(d, f);
}

static int emit_md(const void *d, FILE *f)
{
    return doc_write_md(d, f);
}

/* `analyzer report` over several towns: the comparison report (townsreport.h). */
static int report_towns(const tw_spec *spec, size_t n, const char *forms, const char *form_id, long min_n,
                        double level, const char *format, const char *output)
{
    tw_set *tw = open_towns("report", forms, form_id, NULL, spec, n);
    if (tw == NULL)
        return 2;
    char err[512];
    trep_options o = {tw, min_n, level, NULL};
    doc *d = trep_build(&o, err, sizeof err);
    int rc = 1;
    if (d == NULL)
        fprintf(stderr, "analyzer report : %s\n", err);
    else
        rc = write_output("report", output, strcmp(format, "md") == 0 ? emit_md : emit_html, d);
    doc_free(d);
    tw_free(tw);
    return rc;
}

static int cmd_report(int argc, char **argv)
{
    const char *db = NULL, *forms = "forms", *form_id = "resident", *operator_form = "operator", *margins = NULL,
               *format = "html", *output = NULL;
    path_list dbs = {0}, terrs = {0}, mgs = {0};
    double level = 0.95;
    long min_n = DISC_DEFAULT_MIN_N;
    bool include_text = false, inc_excluded = false, inc_tests = false, no_cache = false;
    const char *cache_dir = NULL;
    wave_list waves = {0};
    const opt opts[] = {{"--db", OPT_LIST, &dbs},
                        {"--territories", OPT_LIST, &terrs},
                        {"--wave", OPT_WAVE, &waves},
                        {"--forms", OPT_STRING, &forms},
                        {"--form", OPT_STRING, &form_id},
                        {"--operator-form", OPT_STRING, &operator_form},
                        {"--margins", OPT_LIST, &mgs},
                        {"--format", OPT_STRING, &format},
                        {"-o", OPT_STRING, &output},
                        {"--level", OPT_LEVEL, &level},
                        {"--min-n", OPT_MIN_N, &min_n},
                        {"--include-text", OPT_FLAG, &include_text},
                        {"--include-excluded", OPT_FLAG, &inc_excluded},
                        {"--include-tests", OPT_FLAG, &inc_tests},
                        {"--cache", OPT_STRING, &cache_dir},
                        {"--no-cache", OPT_FLAG, &no_cache},
                        {NULL, OPT_FLAG, NULL}};
    int rc = parse_opts("report", argc, argv, opts);
    ds_set_include(inc_excluded, inc_tests);
    if (rc == 0)
        rc = use_cache("report", cache_dir, no_cache);
    tw_spec spec[TW_MAX];
    db = dbs.n ? dbs.v[0] : NULL;
    margins = mgs.n ? mgs.v[0] : NULL;
    if (rc == 0 && db == NULL)
        rc = bad("report", "--db", "obligatoire");
    if (rc == 0 && strcmp(format, "html") != 0 && strcmp(format, "md") != 0)
        rc = bad("report", "--format", "html ou md");
    if (rc == 0 && several_towns(&dbs, &terrs)) {
        rc = towns_spec("report", &dbs, &terrs, &mgs, spec);
        if (rc == 0 && waves.n > 0)
            rc = bad("report", "--wave", "les vagues se comparent sur la base d'une seule commune");
        if (rc == 0 && include_text)
            rc = bad("report", "--include-text", "le texte libre se lit dans le rapport de chaque commune");
        if (rc == 0)
            return report_towns(spec, dbs.n, forms, form_id, min_n, level, format, output);
    } else if (rc == 0 && mgs.n > 1) {
        rc = bad("report", "--margins", "un seul fichier de marges pour une seule base (--db)");
    }
    if (rc != 0)
        return rc;
    diag_list diags = {0};
    catalog *cat = open_forms(forms, db, &diags);
    mg_margins *mg = NULL;
    doc *d = NULL;
    char err[512];
    rc = 1;
    if (cat == NULL)
        goto done;
    if (catalog_current(cat, form_id) == NULL) {
        rc = bad("report", "--form", "formulaire inconnu dans le dossier des formulaires");
        goto done;
    }
    if (strcmp(operator_form, "") != 0 && catalog_current(cat, operator_form) == NULL) {
        rc = bad("report", "--operator-form", "formulaire inconnu dans le dossier des formulaires");
        goto done;
    }
    if (margins && (mg = load_margins("report", margins, cat, form_id)) == NULL) {
        rc = 2;
        goto done;
    }
    rep_options o = {db,           cat,  form_id,       operator_form[0] ? operator_form : NULL,
                     mg,           min_n, level,        include_text,
                     NULL,         waves.n ? waves.w : NULL, waves.n, progress_fn(db, form_id),
                     &progress_of};
    d = rep_build(&o, err, sizeof err);
    progress_done();
    if (d == NULL) {
        fprintf(stderr, "analyzer report : %s\n", err);
        goto done;
    }
    rc = write_output("report", output, strcmp(format, "md") == 0 ? emit_md : emit_html, d);
done:
    doc_free(d);
    mg_free(mg);
    catalog_close(cat);
    diag_list_free(&diags);
    return rc;
}

/* ------------------------------------------------------------------ export, codebook */

typedef struct export_job {
    ext_options o;
    ext_format format;
    const char *csv_name; /* r: the CSV's file name, as the script finds it beside itself */
    char err[512];
} export_job;

static int emit_export(const void *obj, FILE *f)
{
    export_job *j = (export_job *)obj;
    switch (j->format) {
    case EXT_CSV:
    case EXT_EXCEL:
        return ext_write_csv(&j->o, j->format == EXT_EXCEL, f, j->err, sizeof j->err);
    case EXT_DTA:
    case EXT_SAV:
        return ext_write_readstat(&j->o, j->format == EXT_SAV, f, j->err, sizeof j->err);
    case EXT_R:
        return ext_write_r(&j->o, j->csv_name, f, j->err, sizeof j->err);
    case EXT_XLSX:
        return ext_write_xlsx(&j->o, f, j->err, sizeof j->err);
    }
    return -1;
}

/* --format r writes two files: BASE.csv and BASE.R, BASE being -o without its .R or .csv. */
static int export_r(export_job *j, const char *output)
{
    size_t n = strlen(output);
    if (n > 2 && strcmp(output + n - 2, ".R") == 0)
        n -= 2;
    else if (n > 4 && strcmp(output + n - 4, ".csv") == 0)
        n -= 4;
    char csv[4096], script[4096];
    snprintf(csv, sizeof csv, "%.*s.csv", (int)n, output);
    snprintf(script, sizeof script, "%.*s.R", (int)n, output);
    const char *slash = strrchr(csv, '/');
    j->csv_name = slash ? slash + 1 : csv;
    j->format = EXT_CSV;
    j->o.raw_text = true; /* a CSV for R: cells as typed (extract.h) */
    int rc = write_output("export", csv, emit_export, j);
    if (rc == 0) {
        j->format = EXT_R;
        rc = write_output("export", script, emit_export, j);
    }
    return rc;
}

static int cmd_export(int argc, char **argv)
{
    const char *db = NULL, *forms = "forms", *form_id = NULL, *output = NULL, *format = "csv", *margins = NULL;
    bool include_text = false, raw_text = false, inc_excluded = false, inc_tests = false;
    const opt opts[] = {{"--db", OPT_STRING, &db},       {"--forms", OPT_STRING, &forms},
                        {"--form", OPT_STRING, &form_id},   {"-o", OPT_STRING, &output},
                        {"--format", OPT_STRING, &format}, {"--margins", OPT_STRING, &margins},
                        {"--include-text", OPT_FLAG, &include_text}, {"--raw-text", OPT_FLAG, &raw_text},
                        {"--include-excluded", OPT_FLAG, &inc_excluded}, {"--include-tests", OPT_FLAG, &inc_tests},
                        {NULL, OPT_FLAG, NULL}};
    int rc = parse_opts("export", argc, argv, opts);
    ds_set_include(inc_excluded, inc_tests);
    ext_format fmt = EXT_CSV;
    if (rc == 0 && db == NULL)
        rc = bad("export", "--db", "obligatoire");
    if (rc == 0 && form_id == NULL)
        rc = bad("export", "--form", "obligatoire");
    if (rc == 0 && !ext_format_parse(format, &fmt))
        rc = bad("export", "--format", "csv, excel, dta, sav, r ou xlsx");
    if (rc == 0 && fmt == EXT_R && (output == NULL || strcmp(output, "-") == 0))
        rc = bad("export", "-o", "obligatoire avec --format r (FICHIER donne FICHIER.csv et FICHIER.R)");
    if (rc != 0)
        return rc;
    diag_list diags = {0};
    catalog *cat = open_forms(forms, db, &diags);
    ind_set *defs = NULL;
    mg_margins *mg = NULL;
    an_result *res = NULL;
    char path[4096];
    rc = 1;
    if (cat == NULL)
        goto done;
    if (catalog_current(cat, form_id) == NULL) {
        rc = bad("export", "--form", "formulaire inconnu dans le dossier des formulaires");
        goto done;
    }
    /* The indicator file gives the score columns (and the xlsx's indicator sheets); a form may have none. */
    ind_default_path(cat, form_id, path, sizeof path);
    if (access(path, R_OK) == 0 && (defs = ind_load(path, cat, form_id, &diags)) == NULL) {
        diag_print(&diags, stderr);
        goto done;
    }
    if (margins && (mg = load_margins("export", margins, cat, form_id)) == NULL) {
        rc = 2;
        goto done;
    }
    export_job j = {{db, cat, form_id, defs, mg, include_text, raw_text, NULL, progress_fn(db, form_id), &progress_of},
                    fmt, NULL, ""};
    if (fmt == EXT_XLSX && defs && catalog_territories(cat) && catalog_territories(cat)->count > 0) {
        /* the indicators as `analyzer indicators` computes them, with the same small-cell rules */
        char err[512];
        an_options aopt = {AN_CI_DEFAULT, 0.95, DISC_DEFAULT_MIN_N, NULL, NULL, NULL, false, NULL};
        if ((res = an_run(db, cat, defs, mg, &aopt, err, sizeof err)) == NULL) {
            fprintf(stderr, "analyzer export : %s\n", err);
            goto done;
        }
        j.o.analysis = res;
    }
    rc = fmt == EXT_R ? export_r(&j, output) : write_output("export", output, emit_export, &j);
    progress_done();
    if (j.err[0])
        fprintf(stderr, "analyzer export : %s\n", j.err);
done:
    an_free(res);
    mg_free(mg);
    ind_free(defs);
    catalog_close(cat);
    diag_list_free(&diags);
    return rc;
}

typedef struct codebook_job {
    const catalog *cat;
    const char *form_id;
    const ind_set *defs;
    bool html;
} codebook_job;

static int emit_codebook(const void *obj, FILE *f)
{
    const codebook_job *j = obj;
    return j->html ? cb_write_html(j->cat, j->form_id, j->defs, f) : cb_write_csv(j->cat, j->form_id, j->defs, f);
}

static int cmd_codebook(int argc, char **argv)
{
    const char *forms = "forms", *form_id = NULL, *format = "csv", *output = NULL;
    const opt opts[] = {{"--forms", OPT_STRING, &forms}, {"--form", OPT_STRING, &form_id},
                        {"--format", OPT_STRING, &format}, {"-o", OPT_STRING, &output}, {NULL, OPT_FLAG, NULL}};
    int rc = parse_opts("codebook", argc, argv, opts);
    if (rc == 0 && form_id == NULL)
        rc = bad("codebook", "--form", "obligatoire");
    if (rc == 0 && strcmp(format, "csv") != 0 && strcmp(format, "html") != 0)
        rc = bad("codebook", "--format", "csv ou html");
    if (rc != 0)
        return rc;
    diag_list diags = {0};
    catalog *cat = open_forms(forms, NULL, &diags);
    ind_set *defs = NULL;
    rc = 1;
    if (cat && catalog_current(cat, form_id) == NULL) {
        rc = bad("codebook", "--form", "formulaire inconnu dans le dossier des formulaires");
    } else if (cat) {
        char path[4096];
        ind_default_path(cat, form_id, path, sizeof path);
        if (access(path, R_OK) == 0 && (defs = ind_load(path, cat, form_id, &diags)) == NULL) {
            diag_print(&diags, stderr);
        } else {
            codebook_job j = {cat, form_id, defs, strcmp(format, "html") == 0};
            rc = write_output("codebook", output, emit_codebook, &j);
        }
    }
    ind_free(defs);
    catalog_close(cat);
    diag_list_free(&diags);
    return rc;
}

/* ------------------------------------------------------------------ margins */

/* The margins file of the territories' population tables (age band and sex of each territory), the usual
 * calibration of a diagnosis, ready for --margins. */
/* ------------------------------------------------------------------ rebuild-cache */

static int cmd_rebuild_cache(int argc, char **argv)
{
    const char *db = NULL, *forms = "forms", *form_id = "resident", *indicators = NULL, *margins = NULL,
               *cache_dir = NULL;
    const opt opts[] = {{"--db", OPT_STRING, &db},         {"--forms", OPT_STRING, &forms},
                        {"--form", OPT_STRING, &form_id},     {"--indicators", OPT_STRING, &indicators},
                        {"--margins", OPT_STRING, &margins}, {"--cache", OPT_STRING, &cache_dir},
                        {NULL, OPT_FLAG, NULL}};
    int rc = parse_opts("rebuild-cache", argc, argv, opts);
    if (rc == 0 && db == NULL)
        rc = bad("rebuild-cache", "--db", "obligatoire");
    if (rc == 0)
        rc = use_cache("rebuild-cache", cache_dir, false);
    if (rc != 0)
        return rc;
    diag_list diags = {0};
    catalog *cat = open_forms(forms, db, &diags);
    ind_set *defs = NULL;
    mg_margins *mg = NULL;
    std_cells *sc = NULL;
    char err[512], path[4096], dir[4096];
    rc = 1;
    if (cat == NULL)
        goto done;
    if (catalog_current(cat, form_id) == NULL) {
        rc = bad("rebuild-cache", "--form", "formulaire inconnu dans le dossier des formulaires");
        goto done;
    }
    if (catalog_territories(cat) == NULL) {
        fprintf(stderr, "analyzer rebuild-cache : le dossier des formulaires n'a pas de fichier de territoires\n");
        goto done;
    }
    defs = ind_load(indicators ? indicators : ind_default_path(cat, form_id, path, sizeof path), cat, form_id, &diags);
    diag_print(&diags, stderr);
    if (defs == NULL)
        goto done;
    if (margins && (mg = load_margins("rebuild-cache", margins, cat, form_id)) == NULL) {
        rc = 2;
        goto done;
    }
    if (cc_dir(dir, sizeof dir) == NULL) {
        fprintf(stderr, "analyzer rebuild-cache : aucun dossier de cache utilisable (XDG_CACHE_HOME, HOME ou --cache)\n");
        goto done;
    }
    int removed = cc_clear(dir, db);
    if (removed < 0) {
        fprintf(stderr, "analyzer rebuild-cache : --db : %s introuvable\n", db);
        goto done;
    }
    sc = col_std_cells_new(catalog_territories(cat));
    col_source src = {cat, catalog_territories(cat), defs, mg, sc, NULL, NULL, NULL, progress_fn(db, form_id),
                      &progress_of};
    col_stats st;
    if (col_rebuild_cache(db, &src, &st, err, sizeof err) != 0) {
        progress_done();
        fprintf(stderr, "analyzer rebuild-cache : %s\n", err);
        goto done;
    }
    progress_done();
    printf("cache : %d fichier(s) effacé(s) ; %zu lignes dérivées du JSON en %.2f s, dans %s\n", removed, st.derived,
           st.derive_seconds, dir);
    rc = 0;
done:
    col_std_cells_free(sc);
    mg_free(mg);
    ind_free(defs);
    catalog_close(cat);
    diag_list_free(&diags);
    return rc;
}

static int cmd_margins(int argc, char **argv)
{
    const char *forms = "forms";
    const opt opts[] = {{"--forms", OPT_STRING, &forms}, {NULL, OPT_FLAG, NULL}};
    int rc = parse_opts("margins", argc, argv, opts);
    if (rc != 0)
        return rc;
    diag_list diags = {0};
    catalog *cat = open_forms(forms, NULL, &diags);
    const terr_set *ts = cat ? catalog_territories(cat) : NULL;
    rc = 1;
    if (cat && (ts == NULL || ts->population_depth != 2)) {
        fprintf(stderr, "analyzer margins : %s n'a pas de territoires avec une population par deux variables\n",
                forms);
    } else if (cat) {
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
    }
    catalog_close(cat);
    diag_list_free(&diags);
    return rc;
}

int main(int argc, char **argv)
{
    /* Everything this program writes (outputs, SQLite's shared-memory file beside a database it reads) holds
     * health answers or figures from them: owner only, whatever umask the analyst's shell has (022 would let every
     * local user read them). */
    umask(S_IRWXG | S_IRWXO);
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {{"indicators", cmd_indicators}, {"report", cmd_report},     {"export", cmd_export},
                    {"codebook", cmd_codebook},     {"margins", cmd_margins},
                    {"rebuild-cache", cmd_rebuild_cache}};
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    est_init();
    for (size_t i = 0; argc >= 2 && i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc, argv);
    usage(stderr);
    if (argc >= 2)
        fprintf(stderr, "analyzer : commande « %s » inconnue\n", argv[1]);
    return 2;
}
