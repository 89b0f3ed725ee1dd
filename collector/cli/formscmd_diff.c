/* formscmd_diff.c -- "collector forms diff ID V1 V2": what changed between two versions of a form, read from the
 * forms folder or, for a version the folder no longer has, from the collector's database (frozen.h), printed in
 * French (or as JSON with --json) for an analyst deciding which answers can be pooled or compared.
 */
#include "formscmd.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "formdiff.h"
#include "frozen.h"
#include "store.h"

#define DIFF_USAGE "usage: collector forms diff ID V1 V2 [--forms DOSSIER] [--db CHEMIN] [--json]\n"

/* Adds the versions only the database has, and prefers its definition of a version changed in the folder since
 * it was answered (read-only, with a warning). Returns 0, or -1 after printing why the database cannot be read. */
static int add_recorded(const char *db_path, catalog *c)
{
    char err[512];
    store *s = store_open(db_path, true, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "collector forms diff: %s\n", err);
        return -1;
    }
    diag_list diags = {0};
    int rc = frozen_check(store_db(s), db_path, c, FROZEN_PREFER_RECORDED, &diags, err, sizeof err);
    diag_print(&diags, stderr);
    diag_list_free(&diags);
    store_close(s);
    if (rc < 0) {
        fprintf(stderr, "collector forms diff: %s\n", err);
        return -1;
    }
    return 0;
}

/* Prints one change: a star marks those that change meaning; texts before and after follow when they say more. */
static void print_change(const formdiff_change *c)
{
    char text[1024];
    formdiff_describe(c, text, sizeof text);
    printf("  %s %s\n", c->meaning ? "*" : " ", text);
    bool texts = c->kind == FORMDIFF_REWORDED || c->kind == FORMDIFF_TRANSLATION || c->kind == FORMDIFF_HINT ||
                 c->kind == FORMDIFF_ITEM_RELABELED || c->kind == FORMDIFF_RELEVANT ||
                 c->kind == FORMDIFF_REQUIRED || c->kind == FORMDIFF_CONSTRAINT;
    if (!texts)
        return;
    printf("        avant : %s\n", c->before ? c->before : "(aucun)");
    printf("        après : %s\n", c->after ? c->after : "(aucun)");
}

static void print_diff(const formdiff *d)
{
    printf("formulaire %s : de la version %s à la version %s\n", d->form_id, d->from, d->to);
    if (d->count == 0) {
        printf("aucune différence\n");
        return;
    }
    for (size_t i = 0; i < d->count; i++)
        print_change(&d->items[i]);
    size_t m = formdiff_meaning_count(d);
    printf("%zu changement(s), dont %zu qui change(nt) le sens des réponses (*)%s\n", d->count, m,
           m ? " : ces questions ne sont pas comparables entre les deux versions, et l'analyseur signale les "
               "indicateurs qui les utilisent"
             : "");
}

int formscmd_diff(int argc, char **argv)
{
    const char *id = NULL, *v1 = NULL, *v2 = NULL, *forms = "forms", *db = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "--forms") == 0 || strcmp(argv[i], "--db") == 0) && i + 1 < argc) {
            *(strcmp(argv[i], "--forms") == 0 ? &forms : &db) = argv[i + 1];
            i++;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (argv[i][0] != '-' && (id == NULL || v1 == NULL || v2 == NULL)) {
            *(id == NULL ? &id : v1 == NULL ? &v1 : &v2) = argv[i];
        } else {
            fprintf(stderr, "collector forms diff: argument inattendu « %s »\n" DIFF_USAGE, argv[i]);
            return 2;
        }
    }
    if (v2 == NULL) {
        fprintf(stderr, DIFF_USAGE);
        return 2;
    }
    diag_list diags = {0};
    catalog *c = catalog_open(forms, &diags);
    diag_print(&diags, stderr);
    diag_list_free(&diags);
    if (c == NULL)
        return 1;
    int rc = 1;
    if (db != NULL && add_recorded(db, c) < 0)
        goto done;
    const form *a = catalog_get(c, id, v1), *b = catalog_get(c, id, v2);
    if (a == NULL || b == NULL) {
        fprintf(stderr, "collector forms diff: le formulaire %s n'a pas de version « %s » dans %s%s%s\n", id,
                a == NULL ? v1 : v2, forms, db ? " ni dans " : "", db ? db : " (--db CHEMIN lit aussi les versions "
                                                                              "gardées par la base)");
        goto done;
    }
    formdiff *d = formdiff_compare(a, b);
    if (json) {
        json_t *j = formdiff_to_json(d);
        json_dumpf(j, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(j);
    } else {
        print_diff(d);
    }
    formdiff_free(d);
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    catalog_close(c);
    return rc;
}
