/* main.c -- the collector's command line: a table of subcommands, each a static handler.
 *
 *   collector [serve] [--db PATH] [--forms DIR] [--listen ADDR:PORT] [limits]   the HTTP service
 *   collector token add|list|revoke --db PATH ...                                 bearer tokens
 *   collector backup --db PATH DEST                                               online backup
 *   collector check-forms [DIR]                 lint every survey definition of a forms folder
 *   collector territories FILE.csv --commune C  turn the official ANCT list of QPV into a territories file
 *   collector forms export|import|diff|translations  questionnaires as XLSForm workbooks, versions, translations
 *                                                    (formscmd.h)
 *   collector submissions|audit|campaign ...   data stewardship: corrections, exclusions, erasure, audit trail,
 *                                              test mode (cmd_steward.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "auth.h"
#include "session.h"
#include "steward.h"
#include "import.h"
#include "catalog.h"
#include "diag.h"
#include "formscmd.h"
#include "cmd_steward.h"
#include "i18n.h"
#include "indicators.h"
#include "offer.h"
#include "server.h"
#include "store.h"
#include "terr.h"
#include "uistr.h"
#include "util.h"

/* Reads the value of flag argv[*i] into *out, advancing *i; reports a missing value. */
static bool flag_value(int argc, char **argv, int *i, const char **out)
{
    if (*i + 1 >= argc || argv[*i + 1][0] == '\0') {
        fprintf(stderr, "collector: %s demande une valeur\n", argv[*i]);
        return false;
    }
    *out = argv[++*i];
    return true;
}

static bool flag_long(int argc, char **argv, int *i, long min, long max, long *out)
{
    const char *v;
    if (!flag_value(argc, argv, i, &v))
        return false;
    if (!util_parse_long(v, min, max, out)) {
        fprintf(stderr, "collector: %s attend un entier de %ld à %ld, pas « %s »\n", argv[*i - 1], min, max, v);
        return false;
    }
    return true;
}

/* serve: the HTTP service. */
static int cmd_serve(int argc, char **argv)
{
    srv_config cfg;
    server_config_defaults(&cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long n;
        if (strcmp(a, "--db") == 0) {
            if (!flag_value(argc, argv, &i, &cfg.db_path))
                return 2;
        } else if (strcmp(a, "--forms") == 0) {
            if (!flag_value(argc, argv, &i, &cfg.forms_dir))
                return 2;
        } else if (strcmp(a, "--listen") == 0) {
            if (!flag_value(argc, argv, &i, &cfg.listen))
                return 2;
        } else if (strcmp(a, "--max-body") == 0) {
            if (!flag_long(argc, argv, &i, 1024, 64L * 1024 * 1024, &n))
                return 2;
            cfg.max_body = (size_t)n;
        } else if (strcmp(a, "--max-headers") == 0) {
            if (!flag_long(argc, argv, &i, 1024, 1024 * 1024, &n))
                return 2;
            cfg.max_headers = (size_t)n;
        } else if (strcmp(a, "--timeout") == 0) {
            if (!flag_long(argc, argv, &i, 1, 3600, &n))
                return 2;
            cfg.timeout = (int)n;
        } else if (strcmp(a, "--max-connections") == 0) {
            if (!flag_long(argc, argv, &i, 1, 100000, &n))
                return 2;
            cfg.max_connections = (int)n;
        } else if (strcmp(a, "--max-connections-per-client") == 0) {
            if (!flag_long(argc, argv, &i, 0, 100000, &n))
                return 2;
            cfg.max_per_client = (int)n;
        } else if (strcmp(a, "--rate-limit") == 0) {
            const char *v;
            double r;
            if (!flag_value(argc, argv, &i, &v))
                return 2;
            if (!util_parse_double(v, &r) || r < 0 || r > 1e6) {
                fprintf(stderr, "collector: --rate-limit attend un nombre de requêtes par seconde (0 : pas de "
                        "limite), pas « %s »\n", v);
                return 2;
            }
            cfg.rate = r;
        } else if (strcmp(a, "--burst") == 0) {
            if (!flag_long(argc, argv, &i, 1, 1000000, &n))
                return 2;
            cfg.burst = (double)n;
        } else if (strcmp(a, "--min-n") == 0) {
            if (!flag_long(argc, argv, &i, 1, 1000000, &cfg.min_n))
                return 2;
        } else if (strcmp(a, "--web") == 0) {
            if (!flag_value(argc, argv, &i, &cfg.web_dir))
                return 2;
        } else if (strcmp(a, "--public-url") == 0) {
            if (!flag_value(argc, argv, &i, &cfg.public_url))
                return 2;
        } else if (strcmp(a, "--session-seconds") == 0) {
            /* hidden, for tests of expiry: a console session's life (README.md, "Sessions, CSRF and one-time
             * links") */
            if (!flag_long(argc, argv, &i, 1, 7L * 24 * 3600, &cfg.session_seconds))
                return 2;
        } else if (strcmp(a, "--parse-threads") == 0) {
            if (!flag_long(argc, argv, &i, 0, 16, &n))
                return 2;
            cfg.parse_threads = (int)n;
        } else if (strcmp(a, "--trust-proxy") == 0) {
            cfg.trust_proxy = true;
        } else if (strcmp(a, "--quiet") == 0) {
            cfg.quiet = true;
        } else {
            fprintf(stderr, "collector serve: option inconnue « %s »\n", a);
            return 2;
        }
    }
    if (cfg.max_per_client > cfg.max_connections) {
        fprintf(stderr, "collector: --max-connections-per-client (%d) dépasse --max-connections (%d) : un seul client "
                "pourrait prendre toutes les connexions\n", cfg.max_per_client, cfg.max_connections);
        return 2;
    }
    if (cfg.max_per_client > 0 && cfg.trust_proxy) {
        fprintf(stderr, "collector: --max-connections-per-client est sans effet avec --trust-proxy : toutes les "
                "connexions viennent du proxy, c'est lui qui limite les connexions de chaque client (limit_conn de "
                "nginx, collector/deploy/nginx.conf)\n");
        return 2;
    }
    return server_run(&cfg);
}

/* The command line's changes to tokens, each in one transaction with its audit row: revoking ends the token's
 * sessions and links at once; a link prints its URL (base: --public-url). Returns 0, 1 when the token is not
 * there (or not an active mediator's, for a link), -1 with a message in err. */
static const steward_actor cli_actor = {.token_id = 0, .name = "ligne de commande"};

static int token_change(store *s, const char *sub, long id, const char *role, const char *base, char *err,
                        size_t errlen)
{
    char target[32], secret[SESSION_SECRET_LEN + 1] = "", expires[24] = "", r[16] = "";
    snprintf(target, sizeof target, "token:%ld", id);
    if (store_begin(s, err, errlen) < 0)
        return -1;
    int rc;
    if (strcmp(sub, "add") == 0) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"role\":\"%s\"}", role);
        rc = steward_audit(s, &cli_actor, "token_create", target, NULL, detail, err, errlen);
    } else if (strcmp(sub, "revoke") == 0) {
        rc = store_token_revoke(s, id);
        if (rc == 0 && (session_end_token(s, id) < 0 ||
                        steward_audit(s, &cli_actor, "token_revoke", target, NULL, NULL, err, errlen) < 0))
            rc = -1;
    } else {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(store_db(s), "SELECT role FROM tokens WHERE id = ? AND revoked_at IS NULL", -1, &st,
                               NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, id);
            if (sqlite3_step(st) == SQLITE_ROW)
                snprintf(r, sizeof r, "%s", (const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
        rc = strcmp(r, "mediator") != 0 ? 1 : session_link_new(s, id, secret, expires, err, errlen);
        char detail[64];
        snprintf(detail, sizeof detail, "{\"expires_at\":\"%s\"}", expires);
        if (rc == 0 && steward_audit(s, &cli_actor, "signin_link", target, NULL, detail, err, errlen) < 0)
            rc = -1;
    }
    if (rc != 0) {
        if (rc < 0 && err[0] == '\0')
            snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        store_rollback(s);
        return rc;
    }
    if (store_commit(s, err, errlen) < 0)
        return -1;
    if (strcmp(sub, "link") == 0) {
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '/')
            n--;
        printf("%.*s/signin#%s\n", (int)n, base, secret);
        fprintf(stderr, "lien de connexion à usage unique, valable jusqu'à %s (UTC)\n", expires);
    }
    return 0;
}

/* token add|list|revoke|link: manage the bearer tokens of mediators, analysts and administrators. */
static int cmd_token(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "", *db = "data/collector.db", *role = NULL, *name = NULL, *pub = NULL;
    long id = -1;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            if (!flag_value(argc, argv, &i, &db))
                return 2;
        } else if (strcmp(argv[i], "--role") == 0) {
            if (!flag_value(argc, argv, &i, &role))
                return 2;
        } else if (strcmp(argv[i], "--name") == 0) {
            if (!flag_value(argc, argv, &i, &name))
                return 2;
        } else if (strcmp(argv[i], "--id") == 0) {
            if (!flag_long(argc, argv, &i, 1, 1L << 40, &id))
                return 2;
        } else if (strcmp(argv[i], "--public-url") == 0) {
            if (!flag_value(argc, argv, &i, &pub))
                return 2;
        } else {
            fprintf(stderr, "collector token: argument inconnu « %s »\n", argv[i]);
            return 2;
        }
    }
    bool add = strcmp(sub, "add") == 0, list = strcmp(sub, "list") == 0, revoke = strcmp(sub, "revoke") == 0;
    bool link = strcmp(sub, "link") == 0;
    if ((!add && !list && !revoke && !link) || (add && (role == NULL || name == NULL)) || (revoke && id < 0) ||
        (link && (id < 0 || pub == NULL))) {
        fprintf(stderr, "usage: collector token add --db CHEMIN --role mediator|analyst|admin --name NOM\n"
                        "       collector token list --db CHEMIN\n"
                        "       collector token revoke --db CHEMIN --id N\n"
                        "       collector token link --db CHEMIN --id N --public-url https://ADRESSE\n");
        return 2;
    }
    if (add && auth_role_bit(role) == 0) {
        fprintf(stderr, "collector token: rôle « %s » inconnu (mediator, analyst ou admin)\n", role);
        return 2;
    }
    if (add && (strlen(name) == 0 || strlen(name) > 100)) {
        fprintf(stderr, "collector token: le nom fait de 1 à 100 caractères (un pseudonyme suffit)\n");
        return 2;
    }
    char err[256];
    store *s = store_open(db, false, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "collector token: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (add) {
        char secret[80];
        if (store_token_add(s, role, name, secret, sizeof secret, &id, err, sizeof err) < 0) {
            fprintf(stderr, "collector token: %s\n", err);
            rc = 1;
        } else {
            if (token_change(s, "add", id, role, NULL, err, sizeof err) < 0)
                fprintf(stderr, "collector token: journal d'audit : %s\n", err);
            printf("%s\n", secret);
            fprintf(stderr, "jeton %ld (%s, %s) créé : notez-le maintenant, il ne sera plus affiché.\n", id, role,
                    name);
        }
    } else if (list) {
        rc = store_token_list(s, stdout) == 0 ? 0 : 1;
    } else {
        err[0] = '\0';
        int r = token_change(s, sub, id, NULL, pub, err, sizeof err);
        if (r == 1)
            fprintf(stderr, "collector token: pas de jeton %sactif %ld\n", link ? "de médiateur " : "", id);
        else if (r < 0)
            fprintf(stderr, "collector token: %s\n", err);
        rc = r == 0 ? 0 : 1;
    }
    store_close(s);
    return rc;
}

/* backup --db PATH DEST: a consistent copy of a live database. */
static int cmd_backup(int argc, char **argv)
{
    const char *db = "data/collector.db", *dest = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            if (!flag_value(argc, argv, &i, &db))
                return 2;
        } else if (argv[i][0] != '-' && dest == NULL) {
            dest = argv[i];
        } else {
            fprintf(stderr, "collector backup: argument inattendu « %s »\n", argv[i]);
            return 2;
        }
    }
    if (dest == NULL) {
        fprintf(stderr, "usage: collector backup --db CHEMIN DESTINATION\n");
        return 2;
    }
    char err[256];
    if (store_backup(db, dest, err, sizeof err) < 0) {
        fprintf(stderr, "collector backup: %s\n", err);
        return 1;
    }
    fprintf(stderr, "sauvegarde de %s écrite dans %s (lisible par vous seul)\n", db, dest);
    return 0;
}

typedef struct command {
    const char *name;
    const char *usage;
    int (*run)(int argc, char **argv);
} command;

/* check-forms [DIR]: loads every definition, prints each error and warning, exits 1 on any error. */
static int cmd_check_forms(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "forms";
    if (argc > 2) {
        fprintf(stderr, "usage: collector check-forms [DIR]\n");
        return 2;
    }
    diag_list diags = {0};
    sbuf summary = {0};
    catalog *c = catalog_open(dir, &diags);
    if (c != NULL) {
        i18n_check(c, &diags);
        uistr_check(dir, c, &diags);
        ind_check_dir(c, &diags, &summary);
    }
    diag_print(&diags, stdout);
    if (c != NULL) {
        for (size_t i = 0; i < catalog_count(c); i++) {
            const form *f = catalog_at(c, i);
            printf("%s: formulaire %s version %s : %zu sections, %zu questions, langues :", f->file, f->id,
                   f->version, f->nsections, f->nquestions);
            for (size_t l = 0; l < f->nlanguages; l++)
                printf(" %s", f->languages[l]);
            printf("\n");
        }
        const terr_set *ts = catalog_territories(c);
        if (ts)
            printf("%s/territories : %zu territoires%s\n", dir, ts->count,
                   ts->example ? " (exemple illustratif, à remplacer par les vôtres)" : "");
        const offer *o = catalog_offer(c);
        if (o)
            printf("%s : %zu services de santé locaux%s\n", offer_file(o), offer_count(o),
                   offer_is_example(o) ? " (exemple illustratif, à remplacer par les vôtres)" : "");
        fputs(summary.data ? summary.data : "", stdout);
    }
    sbuf_free(&summary);
    printf("%zu erreur(s), %zu avertissement(s)\n", diags.errors, diags.warnings);
    int rc = c != NULL && diags.errors == 0 ? 0 : 1;
    catalog_close(c);
    diag_list_free(&diags);
    return rc;
}

/* territories FILE.csv --commune INSEE: prints a territories.json for that commune on standard output. */
static int cmd_territories(int argc, char **argv)
{
    const char *file = NULL, *insee = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--commune") == 0 && i + 1 < argc)
            insee = argv[++i];
        else if (argv[i][0] != '-' && file == NULL)
            file = argv[i];
        else {
            fprintf(stderr, "collector territories: argument inattendu « %s »\n", argv[i]);
            return 2;
        }
    }
    if (file == NULL || insee == NULL || strlen(insee) != 5) {
        fprintf(stderr, "usage: collector territories LISTE_QPV.csv --commune CODE_INSEE (5 caractères)\n");
        return 2;
    }
    diag_list diags = {0};
    terr_set *set = terr_load_anct_csv(file, insee, &diags);
    diag_print(&diags, stderr);
    int rc = 1;
    if (set != NULL) {
        json_t *doc = terr_to_json(set);
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(doc);
        fprintf(stderr, "%zu territoires ; ajoutez « population_by » et les effectifs INSEE pour pondérer.\n",
                set->count);
        rc = 0;
    }
    terr_free(set);
    diag_list_free(&diags);
    return rc;
}

/* import --db PATH --form ID [--forms DIR] [--dry-run] FILE.csv */
static int cmd_import(int argc, char **argv)
{
    const char *db = "data/collector.db", *forms = "forms", *form_id = NULL, *file = NULL;
    bool dry = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            if (!flag_value(argc, argv, &i, &db))
                return 2;
        } else if (strcmp(argv[i], "--forms") == 0) {
            if (!flag_value(argc, argv, &i, &forms))
                return 2;
        } else if (strcmp(argv[i], "--form") == 0) {
            if (!flag_value(argc, argv, &i, &form_id))
                return 2;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            dry = true;
        } else if (argv[i][0] != '-' && file == NULL) {
            file = argv[i];
        } else {
            fprintf(stderr, "collector import: argument inattendu « %s »\n", argv[i]);
            return 2;
        }
    }
    if (form_id == NULL || file == NULL) {
        fprintf(stderr, "usage: collector import --db CHEMIN --form ID [--forms DOSSIER] [--dry-run] FICHIER.csv\n");
        return 2;
    }
    diag_list diags = {0};
    catalog *c = catalog_open(forms, &diags);
    diag_print(&diags, stderr);
    diag_list_free(&diags);
    if (c == NULL)
        return 1;
    /* The same rule as at the service's start: no import under a version whose text changed (frozen.h). */
    char err[512];
    int frozen = dry ? 0 : store_check_forms(db, c, &diags, err, sizeof err);
    diag_print(&diags, stderr);
    diag_list_free(&diags);
    if (frozen != 0) {
        if (frozen < 0)
            fprintf(stderr, "collector import: base de données : %s\n", err);
        catalog_close(c);
        return 1;
    }
    import_result res;
    int rc = import_csv(db, c, form_id, file, dry, stdout, &res);
    catalog_close(c);
    return rc == 0 ? 0 : 1;
}

/* double-entry --db PATH --form ID --rate R: the share of paper sheets typed twice. */
static int cmd_double_entry(int argc, char **argv)
{
    const char *db = "data/collector.db", *form_id = NULL, *rate_s = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            if (!flag_value(argc, argv, &i, &db))
                return 2;
        } else if (strcmp(argv[i], "--form") == 0) {
            if (!flag_value(argc, argv, &i, &form_id))
                return 2;
        } else if (strcmp(argv[i], "--rate") == 0) {
            if (!flag_value(argc, argv, &i, &rate_s))
                return 2;
        } else {
            fprintf(stderr, "collector double-entry: argument inattendu « %s »\n", argv[i]);
            return 2;
        }
    }
    double rate;
    if (form_id == NULL || rate_s == NULL || !util_parse_double(rate_s, &rate) || rate < 0 || rate > 1) {
        fprintf(stderr, "usage: collector double-entry --db CHEMIN --form ID --rate PART (de 0 à 1 : 0.1 pour 10 %%, "
                        "1 pour tous les questionnaires)\n");
        return 2;
    }
    char err[256];
    store *s = store_open(db, false, err, sizeof err);
    if (s == NULL || store_set_double_rate(s, form_id, rate, err, sizeof err) < 0) {
        fprintf(stderr, "collector double-entry: %s\n", err);
        store_close(s);
        return 1;
    }
    fprintf(stderr, "formulaire %s : %.0f %% des questionnaires papier seront saisis deux fois\n", form_id,
            rate * 100);
    store_close(s);
    return 0;
}

static const command commands[] = {
    {"serve", "serve [--db CHEMIN] [--forms DOSSIER] [--listen ADRESSE:PORT] [--max-body OCTETS] [--max-headers "
              "OCTETS] [--timeout S] [--max-connections N] [--max-connections-per-client N] [--rate-limit N/S] "
              "[--burst N] [--min-n 11] [--web DOSSIER] "
              "[--public-url URL] [--trust-proxy] [--parse-threads N] [--quiet]",
     cmd_serve},
    {"token", "token add|list|revoke|link --db CHEMIN [--role ROLE --name NOM | --id N [--public-url URL]]",
     cmd_token},
    {"backup", "backup --db CHEMIN DESTINATION", cmd_backup},
    {"import", "import --db CHEMIN --form ID [--forms DOSSIER] [--dry-run] FICHIER.csv", cmd_import},
    {"double-entry", "double-entry --db CHEMIN --form ID --rate PART", cmd_double_entry},
    {"check-forms", "check-forms [DIR]", cmd_check_forms},
    {"territories", "territories LISTE_QPV.csv --commune CODE_INSEE", cmd_territories},
    {"forms", "forms export|import|diff|translations ... (collector forms, sans argument, pour le détail)", formscmd},
    {"submissions", "submissions show|correct|exclude|include|delete|erase ... (collector submissions, sans "
                    "argument, pour le détail)", cmd_submissions},
    {"audit", "audit [--csv] [--after N] [--limit N] --db CHEMIN", cmd_audit},
    {"campaign", "campaign test on|off|status | purge-tests [--reason MOTIF] --db CHEMIN", cmd_campaign},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: collector COMMANDE [ARGUMENTS]\n\ncommandes :\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  collector %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
    /* Every file this program creates holds answers (the database, its -wal and -shm, backups): owner only,
     * whatever umask the service or the administrator's shell has (022 would let every local user read them). */
    umask(S_IRWXG | S_IRWXO);
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            usage(stdout);
            return 0;
        }
        return cmd_serve(argc, argv); /* "collector [--db ...]": serve is the default command */
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "collector: commande inconnue « %s »\n", argv[1]);
    usage(stderr);
    return 2;
}
