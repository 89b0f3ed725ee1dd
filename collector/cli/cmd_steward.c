/* cmd_steward.c -- `collector submissions ...`, `collector audit`, `collector campaign ...` (see cmd_steward.h).
 * The commands open the database for writing (as the running service does; SQLite serialises the two), wrap
 * each steward_* call in store_begin/store_commit, and after an erasure run the checkpoint that leaves no trace of
 * the answers in the WAL.
 */
#include "cmd_steward.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "api.h"
#include "catalog.h"
#include "diag.h"
#include "steward.h"
#include "store.h"
#include "util.h"

#define CLI_MAX_SETS 200          /* --set options in one correction */
#define CLI_DEFAULT_DB "data/collector.db"

static const steward_actor cli_actor = {.token_id = 0, .name = "ligne de commande"};

/* The options of every command here; each command says which it accepts (OPT_* bits). */
enum { OPT_DB = 1, OPT_FORMS = 2, OPT_REASON = 4, OPT_RECEIPT = 8, OPT_SET = 16, OPT_CSV = 32, OPT_AFTER = 64,
       OPT_LIMIT = 128 };

typedef struct cli_opts {
    const char *db, *forms, *reason, *receipt;
    const char *sets[CLI_MAX_SETS];
    size_t nsets;
    bool csv;
    long after, limit;
    const char *args[2];         /* positional arguments */
    size_t nargs;
} cli_opts;

/* Parses argv[first..] into o, accepting the options in allowed and at most 2 positional arguments. Returns
 * false with a message on stderr. */
static bool parse(const char *cmd, int argc, char **argv, int first, unsigned allowed, cli_opts *o)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"--db", OPT_DB},         {"--forms", OPT_FORMS}, {"--reason", OPT_REASON}, {"--receipt", OPT_RECEIPT},
                 {"--set", OPT_SET},       {"--csv", OPT_CSV},     {"--after", OPT_AFTER},   {"--limit", OPT_LIMIT}};
    memset(o, 0, sizeof *o);
    o->db = CLI_DEFAULT_DB;
    o->forms = "forms";
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        unsigned bit = 0;
        for (size_t k = 0; k < sizeof names / sizeof *names; k++)
            if (strcmp(a, names[k].name) == 0)
                bit = names[k].bit;
        if (bit == 0 && a[0] != '-' && o->nargs < 2) {
            o->args[o->nargs++] = a;
            continue;
        }
        if (bit == 0 || !(allowed & bit)) {
            fprintf(stderr, "collector %s : argument inattendu « %s »\n", cmd, a);
            return false;
        }
        if (bit == OPT_CSV) {
            o->csv = true;
            continue;
        }
        if (i + 1 >= argc || argv[i + 1][0] == '\0') {
            fprintf(stderr, "collector %s : %s demande une valeur\n", cmd, a);
            return false;
        }
        const char *v = argv[++i];
        switch (bit) {
        case OPT_DB: o->db = v; break;
        case OPT_FORMS: o->forms = v; break;
        case OPT_REASON: o->reason = v; break;
        case OPT_RECEIPT: o->receipt = v; break;
        case OPT_SET:
            if (o->nsets == CLI_MAX_SETS) {
                fprintf(stderr, "collector %s : %d --set au plus\n", cmd, CLI_MAX_SETS);
                return false;
            }
            o->sets[o->nsets++] = v;
            break;
        case OPT_AFTER:
        case OPT_LIMIT:
            if (!util_parse_long(v, bit == OPT_AFTER ? 0 : 1, 1L << 53, bit == OPT_AFTER ? &o->after : &o->limit)) {
                fprintf(stderr, "collector %s : %s attend un entier positif, pas « %s »\n", cmd, a, v);
                return false;
            }
            break;
        }
    }
    return true;
}

/* The same rule as the API's: 1 to STEWARD_REASON_MAX characters, not only spaces. */
static bool reason_ok(const char *cmd, const char *reason)
{
    if (reason == NULL) {
        fprintf(stderr, "collector %s : --reason est obligatoire (dites pourquoi, en une phrase)\n", cmd);
        return false;
    }
    size_t n = util_utf8_len(reason);
    if (n > STEWARD_REASON_MAX || strspn(reason, " \t\r\n") == strlen(reason)) {
        fprintf(stderr, "collector %s : le motif fait de 1 à %d caractères (il en a %zu)\n", cmd, STEWARD_REASON_MAX,
                n);
        return false;
    }
    return true;
}

static store *open_store(const char *cmd, const char *db, bool readonly)
{
    char err[512];
    store *s = store_open(db, readonly, err, sizeof err);
    if (s == NULL)
        fprintf(stderr, "collector %s : %s\n", cmd, err);
    return s;
}

/* Commits, or rolls back and says why. Returns 0 or -1. */
static int commit(const char *cmd, store *s, int rc, const char *err)
{
    char cerr[512];
    if (rc < 0) {
        store_rollback(s);
        fprintf(stderr, "collector %s : %s\n", cmd, err);
        return -1;
    }
    if (store_commit(s, cerr, sizeof cerr) < 0) {
        fprintf(stderr, "collector %s : %s\n", cmd, cerr);
        return -1;
    }
    return 0;
}

/* Exit status of an outcome, with its message for a refusal. */
static int outcome_status(const char *cmd, steward_outcome out, const char *what)
{
    if (out == STEWARD_NOT_FOUND)
        fprintf(stderr, "collector %s : aucune réponse %s\n", cmd, what);
    else if (out == STEWARD_UNCHANGED)
        fprintf(stderr, "collector %s : rien à changer pour %s\n", cmd, what);
    return out == STEWARD_DONE ? 0 : 1;
}

/* ---------------------------------------------------------------------------------------------------------
 * collector submissions ...
 */

static int sub_show(store *s, const char *uuid)
{
    json_t *o = steward_get(s, uuid);
    if (o == NULL) {
        fprintf(stderr, "collector submissions show : aucune réponse n'a l'uuid %s\n", uuid);
        return 1;
    }
    json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(o);
    return 0;
}

/* Applies the --set Q=VALUE options to answers: VALUE is JSON (3, "texte", ["a","b"], null to remove); a VALUE
 * that is not JSON is taken as text, so that --set R01=bonjour needs no quotes. Returns false on a malformed one. */
static bool apply_sets(const cli_opts *o, json_t *answers)
{
    for (size_t i = 0; i < o->nsets; i++) {
        const char *eq = strchr(o->sets[i], '=');
        if (eq == NULL || eq == o->sets[i]) {
            fprintf(stderr, "collector submissions correct : --set attend QUESTION=VALEUR, pas « %s »\n", o->sets[i]);
            return false;
        }
        char *q = xstrndup(o->sets[i], (size_t)(eq - o->sets[i]));
        json_t *v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
        if (v == NULL)
            v = json_string(eq + 1);
        if (v == NULL) {
            fprintf(stderr, "collector submissions correct : la valeur de %s n'est pas du texte UTF-8\n", q);
            free(q);
            return false;
        }
        if (json_is_null(v))
            json_object_del(answers, q);
        else
            json_object_set(answers, q, v);
        json_decref(v);
        free(q);
    }
    return true;
}

static int sub_correct(store *s, const cli_opts *o, const char *uuid)
{
    const char *cmd = "submissions correct";
    char *text = NULL, *form_id = NULL, *version = NULL, *merged_text = NULL;
    json_t *merged = NULL;
    catalog *c = NULL;
    int status = 1;
    char err[512] = "";
    /* read, merge and write in one transaction: the service may be correcting the same answers */
    if (store_begin(s, err, sizeof err) < 0) {
        fprintf(stderr, "collector %s : %s\n", cmd, err);
        return 1;
    }
    int rc = steward_current(s, uuid, &text, &form_id, &version);
    if (rc <= 0) {
        fprintf(stderr, "collector %s : %s\n", cmd, rc < 0 ? "lecture impossible" : "aucune réponse n'a cet uuid");
        goto done;
    }
    diag_list diags = {0};
    c = catalog_open(o->forms, &diags);
    diag_list_free(&diags);
    const form *f = c ? catalog_get(c, form_id, version) : NULL;
    if (f == NULL) {
        fprintf(stderr, "collector %s : le dossier %s n'a pas la version %s du formulaire %s : la correction ne peut "
                "pas être vérifiée\n", cmd, o->forms, version, form_id);
        goto done;
    }
    merged = json_loads(text, 0, NULL);
    if (!json_is_object(merged) || !apply_sets(o, merged))
        goto done;
    answers_report report;
    if (answers_check(f, merged, NULL, &report) > 0) {
        for (size_t i = 0; i < report.count; i++)
            fprintf(stderr, "collector %s : %s%s%s : %s\n", cmd, report.errors[i].question,
                    report.errors[i].row ? "." : "", report.errors[i].row ? report.errors[i].row : "",
                    report.errors[i].message);
        fprintf(stderr, "collector %s : la correction ne respecte pas le formulaire %s version %s ; rien n'a été "
                "modifié\n", cmd, form_id, version);
        answers_report_free(&report);
        goto done;
    }
    answers_report_free(&report);
    answers_normalize(f, merged);
    merged_text = json_dumps(merged, JSON_COMPACT | JSON_SORT_KEYS);
    steward_outcome out = STEWARD_NOT_FOUND;
    rc = steward_correct(s, &cli_actor, uuid, merged_text, api_territory_of(f, merged), o->reason, &out, err,
                         sizeof err);
    if (commit(cmd, s, rc, err) < 0)
        goto done;
    if (out == STEWARD_DONE) {
        json_t *before = json_loads(text, 0, NULL), *changes = steward_changes(before, merged);
        size_t i;
        json_t *ch;
        json_array_foreach(changes, i, ch) {
            char *b = json_dumps(json_object_get(ch, "before"), JSON_ENCODE_ANY | JSON_COMPACT);
            char *a = json_dumps(json_object_get(ch, "after"), JSON_ENCODE_ANY | JSON_COMPACT);
            printf("%s : %s -> %s\n", json_string_value(json_object_get(ch, "question")), b, a);
            free(b);
            free(a);
        }
        json_decref(changes);
        json_decref(before);
    }
    status = outcome_status(cmd, out, "(la correction ne change rien)");
done:
    store_rollback(s); /* nothing open after a commit: a no-op then */
    json_decref(merged);
    free(merged_text);
    free(text);
    free(form_id);
    free(version);
    catalog_close(c);
    return status;
}

/* exclude, include, delete, erase: one steward call in one transaction. */
static int sub_change(store *s, const char *sub, const char *cmd, const cli_opts *o, const char *uuid)
{
    char err[512] = "";
    steward_outcome out = STEWARD_NOT_FOUND;
    if (store_begin(s, err, sizeof err) < 0) {
        fprintf(stderr, "collector %s : %s\n", cmd, err);
        return 1;
    }
    int rc;
    bool erase = strcmp(sub, "delete") == 0 || strcmp(sub, "erase") == 0;
    if (erase)
        rc = steward_erase(s, &cli_actor, o->receipt ? o->receipt : uuid, o->receipt != NULL,
                           o->reason ? o->reason : "demande de la personne (RGPD)", &out, err, sizeof err);
    else
        rc = steward_exclude(s, &cli_actor, uuid, strcmp(sub, "exclude") == 0, o->reason, &out, err, sizeof err);
    if (commit(cmd, s, rc, err) < 0)
        return 1;
    if (erase && out == STEWARD_DONE) {
        if (steward_checkpoint(s, err, sizeof err) < 0)
            fprintf(stderr, "collector %s : effacement enregistré, mais %s\n", cmd, err);
        fprintf(stderr, "réponse effacée (base et journal WAL)\n");
    } else if (out == STEWARD_DONE) {
        fprintf(stderr, "réponse %s %s\n", uuid, strcmp(sub, "exclude") == 0 ? "exclue" : "réintégrée");
    }
    return outcome_status(cmd, out, o->receipt ? "n'a ce reçu" : strcmp(sub, "exclude") == 0 ? "(déjà exclue, ou "
                          "inconnue)" : erase ? "n'a cet uuid" : "(pas exclue)");
}

static void submissions_usage(void)
{
    fprintf(stderr, "usage: collector submissions show UUID [--db CHEMIN]\n"
                    "       collector submissions correct UUID --set QUESTION=VALEUR_JSON... --reason MOTIF "
                    "[--forms DOSSIER] [--db CHEMIN]\n"
                    "       collector submissions exclude|include UUID --reason MOTIF [--db CHEMIN]\n"
                    "       collector submissions delete UUID --reason MOTIF [--db CHEMIN]\n"
                    "       collector submissions erase --receipt RECU [--reason MOTIF] [--db CHEMIN]\n");
}

int cmd_submissions(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    static const struct {
        const char *name;
        unsigned opts;
    } subs[] = {{"show", OPT_DB},
                {"correct", OPT_DB | OPT_FORMS | OPT_SET | OPT_REASON},
                {"exclude", OPT_DB | OPT_REASON},
                {"include", OPT_DB | OPT_REASON},
                {"delete", OPT_DB | OPT_REASON},
                {"erase", OPT_DB | OPT_REASON | OPT_RECEIPT}};
    unsigned allowed = 0;
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
        if (strcmp(sub, subs[i].name) == 0)
            allowed = subs[i].opts;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "submissions %s", sub);
    cli_opts o;
    if (allowed == 0 || !parse(cmd, argc, argv, 2, allowed, &o)) {
        submissions_usage();
        return 2;
    }
    bool erase = strcmp(sub, "erase") == 0;
    if ((erase && (o.receipt == NULL || o.nargs != 0)) || (!erase && o.nargs != 1) ||
        (strcmp(sub, "correct") == 0 && o.nsets == 0)) {
        submissions_usage();
        return 2;
    }
    char uuid[37] = "";
    if (!erase && !api_parse_uuid(o.args[0], uuid)) {
        fprintf(stderr, "collector %s : « %s » n'est pas un UUID (RFC 4122)\n", cmd, o.args[0]);
        return 2;
    }
    if (strcmp(sub, "show") != 0 && !(erase && o.reason == NULL) && !reason_ok(cmd, o.reason))
        return 2;
    store *s = open_store(cmd, o.db, strcmp(sub, "show") == 0);
    if (s == NULL)
        return 1;
    int rc;
    if (strcmp(sub, "show") == 0)
        rc = sub_show(s, uuid);
    else if (strcmp(sub, "correct") == 0)
        rc = sub_correct(s, &o, uuid);
    else
        rc = sub_change(s, sub, cmd, &o, uuid);
    store_close(s);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------------
 * collector audit, collector campaign
 */

int cmd_audit(int argc, char **argv)
{
    cli_opts o;
    if (!parse("audit", argc, argv, 1, OPT_DB | OPT_CSV | OPT_AFTER | OPT_LIMIT, &o) || o.nargs != 0) {
        fprintf(stderr, "usage: collector audit [--csv] [--after N] [--limit N] [--db CHEMIN]\n");
        return 2;
    }
    store *s = open_store("audit", o.db, true);
    if (s == NULL)
        return 1;
    json_t *entries = steward_audit_list(s, o.after, o.limit);
    store_close(s);
    if (entries == NULL) {
        fprintf(stderr, "collector audit : lecture du journal impossible (base antérieure au schéma 5 ?)\n");
        return 1;
    }
    if (o.csv) {
        sbuf b = {0};
        steward_audit_csv(entries, &b);
        fwrite(b.data ? b.data : "", 1, b.len, stdout);
        sbuf_free(&b);
    } else {
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e) {
            char *detail = json_dumps(json_object_get(e, "detail"), JSON_ENCODE_ANY | JSON_COMPACT);
            const char *target = json_string_value(json_object_get(e, "target"));
            const char *reason = json_string_value(json_object_get(e, "reason"));
            printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)json_integer_value(json_object_get(e, "id")),
                   json_string_value(json_object_get(e, "at")), json_string_value(json_object_get(e, "actor_name")),
                   json_string_value(json_object_get(e, "action")), target ? target : "-", reason ? reason : "-",
                   detail && strcmp(detail, "null") != 0 ? detail : "-");
            free(detail);
        }
    }
    json_decref(entries);
    return 0;
}

static void campaign_usage(void)
{
    fprintf(stderr, "usage: collector campaign test on|off|status [--db CHEMIN]\n"
                    "       collector campaign purge-tests [--reason MOTIF] [--db CHEMIN]\n");
}

int cmd_campaign(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    bool test = strcmp(sub, "test") == 0, purge = strcmp(sub, "purge-tests") == 0;
    cli_opts o;
    if ((!test && !purge) || !parse(test ? "campaign test" : "campaign purge-tests", argc, argv, 2,
                                    test ? OPT_DB : OPT_DB | OPT_REASON, &o) ||
        (test && (o.nargs != 1 || (strcmp(o.args[0], "on") != 0 && strcmp(o.args[0], "off") != 0 &&
                                   strcmp(o.args[0], "status") != 0))) ||
        (purge && o.nargs != 0)) {
        campaign_usage();
        return 2;
    }
    if (purge && o.reason && !reason_ok("campaign purge-tests", o.reason))
        return 2;
    bool status = test && strcmp(o.args[0], "status") == 0;
    store *s = open_store("campaign", o.db, status);
    if (s == NULL)
        return 1;
    int rc = 0;
    if (status) {
        long tests = 0, excluded = 0;
        rc = steward_campaign_counts(s, &tests, &excluded) < 0;
        printf("mode test : %s\nréponses de test : %ld\nréponses exclues : %ld\n",
               steward_test_mode(s) ? "activé" : "désactivé", tests, excluded);
    } else {
        char err[512] = "";
        long purged = 0;
        if (store_begin(s, err, sizeof err) < 0) {
            fprintf(stderr, "collector campaign : %s\n", err);
            rc = 1;
        } else {
            int r = test ? steward_set_test_mode(s, &cli_actor, strcmp(o.args[0], "on") == 0, err, sizeof err)
                         : steward_purge_tests_why(s, &cli_actor, o.reason, &purged, err, sizeof err);
            rc = commit("campaign", s, r, err) < 0;
            if (rc == 0 && test)
                fprintf(stderr, "mode test %s : les réponses reçues %s\n", strcmp(o.args[0], "on") == 0 ? "activé" :
                        "désactivé", strcmp(o.args[0], "on") == 0 ? "sont marquées comme tests, hors exports et "
                        "analyses" : "comptent de nouveau");
            if (rc == 0 && purge)
                printf("%ld réponse(s) de test supprimée(s)\n", purged);
        }
    }
    store_close(s);
    return rc;
}
