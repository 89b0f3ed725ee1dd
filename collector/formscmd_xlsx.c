/* formscmd_xlsx.c -- "collector forms export" and "collector forms import": a form as an XLSForm workbook and
 * back (forms/xlsform.h). Import runs the checks of check-forms on the new form, with the folder's territories
 * and local health offer, and writes nothing when there is any error.
 */
#include "formscmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog.h"
#include "form.h"
#include "i18n.h"
#include "offer.h"
#include "outfile.h"
#include "terr.h"
#include "util.h"
#include "xlsform.h"

typedef struct options {
    const char *id, *file, *dir, *version, *out;
} options;

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Parses argv: one positional argument (ID or FILE), --forms, -o, and --version when version is allowed.
 * Returns 0, or 2 after printing the usage. */
static int parse_args(int argc, char **argv, options *o, bool version, const char *usage)
{
    *o = (options){.dir = "forms"};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--forms") == 0 && i + 1 < argc)
            o->dir = argv[++i];
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            o->out = argv[++i];
        else if (version && strcmp(argv[i], "--version") == 0 && i + 1 < argc)
            o->version = argv[++i];
        else if (argv[i][0] != '-' && o->id == NULL)
            o->id = o->file = argv[i];
        else {
            fprintf(stderr, "collector forms %s : argument inattendu « %s »\n", argv[0], argv[i]);
            o->id = NULL;
            break;
        }
    }
    if (o->id != NULL && (o->out != NULL || !version))
        return 0;
    fprintf(stderr, "usage : collector %s\n", usage);
    return 2;
}

int formscmd_export(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o, true, "forms export ID [--forms DOSSIER] [--version V] -o FICHIER.xlsx");
    if (rc != 0)
        return rc;
    diag_list diags = {0};
    catalog *c = catalog_open(o.dir, &diags);
    rc = 1;
    if (c == NULL)
        goto done;
    const form *f = o.version ? catalog_get(c, o.id, o.version) : catalog_current(c, o.id);
    if (f == NULL) {
        if (o.version)
            diag_add(&diags, false, o.dir, "", "formulaire « %s » version « %s » introuvable", o.id, o.version);
        else
            diag_add(&diags, false, o.dir, "", "formulaire « %s » introuvable", o.id);
        goto done;
    }
    const offer *off = catalog_offer(c);
    if (xlsform_write(f->doc, off ? offer_doc(off) : NULL, o.out, &diags)) {
        fprintf(stderr, "%s : formulaire %s version %s (%zu sections, %zu questions)\n", o.out, f->id,
                f->version, f->nsections, f->nquestions);
        rc = 0;
    }
done:
    diag_print(&diags, stderr);
    catalog_close(c);
    diag_list_free(&diags);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Import                                                                                                       */
/* ---------------------------------------------------------------------------------------------------------- */

/* What an import reads besides the workbook: the folder's territories and offer, and what the target holds. */
typedef struct import_ctx {
    terr_set *territories;
    json_t *old_offer;      /* DIR/offer.json as a document, or NULL */
    json_t *new_offer;      /* the offer the form is checked with: the workbook's, else old_offer */
    offer *offer;
    json_t *old_doc;        /* the target's current content, or NULL */
    char out_dir[4096];     /* the target's folder, where offer.json is written too */
    char offer_path[4200];
} import_ctx;

static void ctx_free(import_ctx *x)
{
    terr_free(x->territories);
    json_decref(x->old_offer);
    json_decref(x->new_offer);
    offer_free(x->offer);
    json_decref(x->old_doc);
}

static void load_folder(const char *dir, import_ctx *x, diag_list *diags)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/territories.json", dir);
    if (!file_exists(path))
        snprintf(path, sizeof path, "%s/territories.csv", dir);
    if (file_exists(path))
        x->territories = terr_load(path, diags);
    snprintf(path, sizeof path, "%s/offer.json", dir);
    if (file_exists(path)) {
        json_error_t err;
        x->old_offer = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (x->old_offer == NULL)
            diag_add(diags, false, path, "", "JSON illisible (ligne %d) : %s", err.line, err.text);
    }
}

/* The offer the form is checked with. The workbook's list replaces the services of offer.json and keeps its
 * other keys (the note saying it is an example stays until its author removes it). */
static void choose_offer(import_ctx *x, json_t *wb_offer, const char *name, diag_list *diags)
{
    if (wb_offer != NULL) {
        x->new_offer = x->old_offer ? json_deep_copy(x->old_offer) : json_object();
        json_object_set(x->new_offer, "services", json_object_get(wb_offer, "services"));
    } else if (x->old_offer != NULL) {
        x->new_offer = json_incref(x->old_offer);
        name = x->offer_path;
    }
    if (x->new_offer != NULL)
        x->offer = offer_load_json(x->new_offer, name, diags);
}

/* Warns when the import replaces a version with other content under the same number: stored answers were
 * given to the old text, and the collector refuses such a change. */
static void warn_same_version(const import_ctx *x, const json_t *doc, const char *out, diag_list *diags)
{
    if (x->old_doc == NULL)
        return;
    const char *ov = json_string_value(json_object_get(x->old_doc, "version"));
    const char *nv = json_string_value(json_object_get(doc, "version"));
    const char *oid = json_string_value(json_object_get(x->old_doc, "id"));
    const char *nid = json_string_value(json_object_get(doc, "id"));
    if (!ov || !nv || !oid || !nid || strcmp(ov, nv) != 0 || strcmp(oid, nid) != 0)
        return;
    bool offer_changed = offer_used_by(doc) && x->old_offer && x->new_offer &&
                         !json_equal(json_object_get(x->old_offer, "services"),
                                     json_object_get(x->new_offer, "services"));
    if (json_equal(x->old_doc, doc) && !offer_changed)
        return;
    diag_add(diags, true, out, "$.version",
             "le formulaire %s change sans changer de version (%s)%s : si cette version a déjà reçu des "
             "réponses, elle ne peut plus changer et le collecteur refusera de démarrer ; donnez au formulaire "
             "modifié une nouvelle version (colonne version de la feuille settings) et gardez l'ancienne dans "
             "versions/", nid, nv, offer_changed ? " (la liste des services locaux a changé)" : "");
}

/* Writes doc (and offer.json when the workbook's list differs from the folder's) through temporaries, so that
 * a failure leaves both files as they were. Returns 0 or -1 (reported). */
static int write_outputs(import_ctx *x, const json_t *doc, const char *out, bool write_offer, diag_list *diags)
{
    char err[512];
    outfile *fo = outfile_open(out, err, sizeof err), *oo = NULL;
    if (fo == NULL)
        goto fail;
    if (write_offer && (oo = outfile_open(x->offer_path, err, sizeof err)) == NULL)
        goto fail;
    FILE *fs = outfile_stream(fo);
    if (fs == NULL || json_dumpf(doc, fs, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', fs) == EOF) {
        snprintf(err, sizeof err, "écriture de %.400s impossible", out);
        goto fail;
    }
    if (oo != NULL) {
        FILE *os = outfile_stream(oo);
        if (os == NULL || json_dumpf(x->new_offer, os, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
            fputc('\n', os) == EOF) {
            snprintf(err, sizeof err, "écriture de %.400s impossible", x->offer_path);
            goto fail;
        }
    }
    if (outfile_commit(fo, err, sizeof err) != 0) {
        fo = NULL;
        goto fail;
    }
    fo = NULL;
    if (oo != NULL && outfile_commit(oo, err, sizeof err) != 0) {
        oo = NULL;
        goto fail;
    }
    return 0;
fail:
    outfile_discard(fo);
    outfile_discard(oo);
    diag_add(diags, false, out, "", "%s", err);
    return -1;
}

int formscmd_import(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o, false, "forms import FICHIER.xlsx [--forms DOSSIER] [-o DOSSIER/ID.json]");
    if (rc != 0)
        return rc;
    diag_list diags = {0};
    import_ctx x = {0};
    json_t *wb_offer = NULL, *where = NULL;
    form *f = NULL;
    char out[4200];
    rc = 1;
    json_t *doc = xlsform_read(o.file, &wb_offer, &where, &diags);
    if (doc == NULL)
        goto done;
    const char *id = json_string_value(json_object_get(doc, "id"));
    if (o.out == NULL)
        snprintf(out, sizeof out, "%s/%s.json", o.dir, id);
    else
        snprintf(out, sizeof out, "%s", o.out);
    const char *slash = strrchr(out, '/');
    snprintf(x.out_dir, sizeof x.out_dir, "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
    snprintf(x.offer_path, sizeof x.offer_path, "%s/offer.json", x.out_dir);
    load_folder(o.dir, &x, &diags);
    if (diags.errors > 0)
        goto done;
    size_t first = diags.count;
    choose_offer(&x, wb_offer, o.file, &diags);
    form_shared shared = {x.territories, x.offer};
    f = form_load_json_shared(doc, o.file, &shared, &diags);
    xlsform_locate(where, &diags, first);
    if (f == NULL || diags.errors > 0)
        goto done;
    if (file_exists(out))
        x.old_doc = json_load_file(out, 0, NULL);
    warn_same_version(&x, doc, out, &diags);
    bool offer_changed = wb_offer != NULL &&
                         (x.old_offer == NULL || !json_equal(json_object_get(x.old_offer, "services"),
                                                             json_object_get(wb_offer, "services")));
    if (write_outputs(&x, doc, out, offer_changed, &diags) != 0)
        goto done;
    if (offer_changed)
        fprintf(stderr, "offer.json mis à jour : %zu services\n",
                json_array_size(json_object_get(wb_offer, "services")));
    fprintf(stderr, "%s : formulaire %s version %s (%zu sections, %zu questions)\n", out, f->id, f->version,
            f->nsections, f->nquestions);
    i18n_note_import(x.out_dir, x.old_doc, doc, &diags);
    rc = 0;
done:
    diag_print(&diags, stderr);
    if (rc != 0 && diags.errors > 0)
        fprintf(stderr, "%zu erreur(s) : rien n'a été écrit\n", diags.errors);
    form_free(f);
    json_decref(doc);
    json_decref(wb_offer);
    json_decref(where);
    ctx_free(&x);
    diag_list_free(&diags);
    return rc;
}
