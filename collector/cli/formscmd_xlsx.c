/* formscmd_xlsx.c -- "collector forms export" and "collector forms import": a form as an XLSForm workbook and
 * back (forms/xlsform.h). Import runs the checks of check-forms on the new form, with the folder's territories
 * and local health offer, then on the whole folder as it would be after the write (indicator files, the pages'
 * words), and writes nothing when there is any error.
 */
#include "formscmd.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "form.h"
#include "i18n.h"
#include "indicators.h"
#include "offer.h"
#include "outfile.h"
#include "terr.h"
#include "uistr.h"
#include "util.h"
#include "xlsform.h"

#define MAX_OFFER_BYTES (16 << 20) /* offer.json kept in memory to restore it: far above any town's list */

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
    bool offer_changed;     /* the workbook's list differs from offer.json: offer.json is written */
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
        x->offer_changed = x->old_offer == NULL || !json_equal(json_object_get(x->old_offer, "services"),
                                                               json_object_get(wb_offer, "services"));
    } else if (x->old_offer != NULL) {
        x->new_offer = json_incref(x->old_offer);
        name = x->offer_path;
    }
    if (x->new_offer != NULL)
        x->offer = offer_load_json(x->new_offer, name, diags);
}

/* Warns when the import replaces a version with other content under the same number: stored answers were
 * given to the old text, and the collector refuses such a change. Nothing is to be kept by hand: the
 * collector's database holds the definition of every version that has answers, and a copy under versions/
 * that names the shared list would not even keep its meaning when offer.json changes. */
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
    bool offer_changed = offer_used_by(doc) && x->offer_changed;
    if (json_equal(x->old_doc, doc) && !offer_changed)
        return;
    diag_add(diags, true, out, "$.version",
             "le formulaire %s change sans changer de version (%s)%s : si cette version a déjà reçu des "
             "réponses, elle ne peut plus changer et le collecteur refusera de démarrer ; donnez au formulaire "
             "modifié une nouvelle version (colonne version de la feuille settings) ; rien à copier : la base du "
             "collecteur garde la définition de chaque version qui a des réponses", nid, nv,
             offer_changed ? " (la liste des services locaux a changé)" : "");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Import: the folder as it would be after the write                                                            */
/* ---------------------------------------------------------------------------------------------------------- */

/* The folder check runs check-forms' catalog, indicator and page checks on a private image of the forms folder:
 * a temporary folder of links to the folder's own files, where the new form (and offer.json when it changes)
 * are real files. A changed offer changes every form that names it, which an open catalog cannot take in; the
 * image makes the check exactly what `collector check-forms` will see. */
typedef struct image {
    char dir[4096];        /* the temporary folder */
    char form[4400];       /* the new form's file in it */
    char offer[4200];      /* its offer.json, when the import writes one ("" otherwise) */
} image;

/* dir as an absolute path (links must not depend on the working folder), into out. */
static int absolute(const char *dir, char *out, size_t size)
{
    char cwd[4096];
    if (dir[0] == '/')
        return snprintf(out, size, "%s", dir) < (int)size ? 0 : -1;
    if (getcwd(cwd, sizeof cwd) == NULL)
        return -1;
    return snprintf(out, size, "%s/%s", cwd, dir) < (int)size ? 0 : -1;
}

static bool same_folder(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Links every file of src a catalog reads (*.json, territories.csv) into dst, except skip1 and skip2 (names,
 * or NULL). A missing src is fine when optional. Returns 0, or -1 with the reason in err. */
static int link_files(const char *src, const char *dst, const char *skip1, const char *skip2, bool optional,
                      char *err, size_t errlen)
{
    char abs[4096];
    if (absolute(src, abs, sizeof abs) != 0) {
        snprintf(err, errlen, "chemin de %.400s trop long ou dossier courant illisible", src);
        return -1;
    }
    DIR *d = opendir(src);
    if (d == NULL) {
        if (optional && errno == ENOENT)
            return 0;
        snprintf(err, errlen, "dossier %.400s illisible : %s", src, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        bool wanted = (len > 5 && strcmp(n + len - 5, ".json") == 0) || strcmp(n, "territories.csv") == 0;
        if (n[0] == '.' || !wanted || (skip1 && strcmp(n, skip1) == 0) || (skip2 && strcmp(n, skip2) == 0))
            continue;
        char from[4400], to[4400];
        struct stat st;
        snprintf(from, sizeof from, "%s/%s", abs, n);
        snprintf(to, sizeof to, "%s/%s", dst, n);
        if (stat(from, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (symlink(from, to) != 0) {
            snprintf(err, errlen, "lien vers %.400s impossible : %s", from, strerror(errno));
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

/* Removes the image's files and folders (links and our own files only: it holds nothing else). */
static void image_remove(const image *im)
{
    char sub[4200];
    const char *dirs[2] = {sub, im->dir};
    snprintf(sub, sizeof sub, "%s/versions", im->dir);
    for (size_t k = 0; k < 2; k++) {
        DIR *d = opendir(dirs[k]);
        if (d == NULL)
            continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char p[4400];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strcmp(e->d_name, "versions") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", dirs[k], e->d_name);
            unlink(p);
        }
        closedir(d);
        rmdir(dirs[k]);
    }
}

static int dump(const json_t *doc, const char *path, char *err, size_t errlen)
{
    if (json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0)
        return 0;
    snprintf(err, errlen, "écriture de %.400s impossible", path);
    return -1;
}

/* Makes the image of folder dir after the import: form doc under the name name, and offer.json when the import
 * writes it. Returns 0, or -1 with the reason in err (the image removed). */
static int image_make(image *im, const char *dir, const char *name, const json_t *doc, const import_ctx *x,
                      char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(im->dir, sizeof im->dir, "%s/collector-import.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    im->offer[0] = '\0';
    if (mkdtemp(im->dir) == NULL) {
        snprintf(err, errlen, "dossier temporaire impossible à créer (%.400s) : %s", im->dir, strerror(errno));
        return -1;
    }
    snprintf(im->form, sizeof im->form, "%s/%s", im->dir, name);
    char src[4200], dst[4200];
    snprintf(src, sizeof src, "%s/versions", dir);
    snprintf(dst, sizeof dst, "%s/versions", im->dir);
    if (x->offer_changed)
        snprintf(im->offer, sizeof im->offer, "%s/offer.json", im->dir);
    if (mkdir(dst, 0700) != 0) {
        snprintf(err, errlen, "dossier temporaire impossible à créer (%.400s) : %s", dst, strerror(errno));
        goto fail;
    }
    /* A folder that does not exist yet holds nothing to check the form against: the image is the new files. */
    if (link_files(dir, im->dir, name, x->offer_changed ? "offer.json" : NULL, true, err, errlen) != 0 ||
        link_files(src, dst, NULL, NULL, true, err, errlen) != 0 || dump(doc, im->form, err, errlen) != 0 ||
        (x->offer_changed && dump(x->new_offer, im->offer, err, errlen) != 0))
        goto fail;
    return 0;
fail:
    image_remove(im);
    return -1;
}

/* s with every occurrence of from replaced by to: a new string. */
static char *replace_all(const char *s, const char *from, const char *to)
{
    sbuf b = {0};
    size_t n = strlen(from);
    for (const char *hit; n > 0 && (hit = strstr(s, from)) != NULL; s = hit + n) {
        sbuf_add(&b, s, (size_t)(hit - s));
        sbuf_adds(&b, to);
    }
    sbuf_adds(&b, s);
    return b.data ? b.data : xstrdup("");
}

/* Copies diagnostic d into diags with the image's names turned into the names the user knows: the new form is
 * out, the new offer.json is offer_path, any other file is the folder's own. */
static void add_renamed(diag_list *diags, const diag *d, const image *im, const char *dir, const char *out,
                        const char *offer_path)
{
    char *text[2] = {xstrdup(d->file ? d->file : ""), xstrdup(d->message ? d->message : "")};
    for (size_t k = 0; k < 2; k++) {
        char *t = replace_all(text[k], im->form, out);
        free(text[k]);
        text[k] = t;
        if (im->offer[0]) {
            t = replace_all(text[k], im->offer, offer_path);
            free(text[k]);
            text[k] = t;
        }
        t = replace_all(text[k], im->dir, dir);
        free(text[k]);
        text[k] = t;
    }
    diag_add(diags, d->warning, text[0], d->path ? d->path : "", "%s", text[1]);
    free(text[0]);
    free(text[1]);
}

/* Warns, when offer.json changes, about every other form version of the folder that names the shared list: its
 * meaning changes too, and a version that has answers may not change (the collector would refuse to start). */
static void warn_offer_users(const catalog *c, const json_t *doc, const image *im, const char *dir,
                             const char *out, const char *offer_path, diag_list *diags)
{
    const char *id = json_string_value(json_object_get(doc, "id"));
    const char *version = json_string_value(json_object_get(doc, "version"));
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (!offer_used_by(f->doc) || (strcmp(f->id, id) == 0 && strcmp(f->version, version) == 0))
            continue;
        diag d = {.warning = true, .file = (char *)f->file, .path = (char *)"$", .message = NULL};
        char msg[1024];
        snprintf(msg, sizeof msg, "le formulaire %s version %s utilise aussi la liste partagée « %s », qui change "
                 "avec cet import : s'il a déjà reçu des réponses, donnez-lui aussi une nouvelle version, sinon "
                 "le collecteur refusera de démarrer", f->id, f->version, OFFER_LIST_NAME);
        d.message = msg;
        add_renamed(diags, &d, im, dir, out, offer_path);
    }
}

/* Runs check-forms' folder checks on the folder dir as it will be once doc is written to out (and offer.json, when
 * it changes): the catalog (versions, territories' population codes), the indicator files and the pages' words.
 * Errors go to diags; the catalog's warnings are left out (the form's and the offer's were given already, with
 * their cells), those of the indicator and page checks are kept. When all pass and o->vet is set, it vets the
 * folder's catalog too (its status goes to *vetoed). Returns the number of errors added. */
static size_t check_folder(const char *dir, const char *out, const import_ctx *x, const json_t *doc,
                           const formscmd_import_opts *o, int *vetoed, diag_list *diags)
{
    size_t before = diags->errors;
    image im;
    char err[600], name[256];
    const char *slash = strrchr(out, '/');
    /* Written elsewhere (-o), the form is checked where it is meant to go: DIR/ID.json. */
    if (same_folder(x->out_dir, dir))
        snprintf(name, sizeof name, "%.255s", slash ? slash + 1 : out);
    else
        snprintf(name, sizeof name, "%.200s.json", json_string_value(json_object_get(doc, "id")));
    if (image_make(&im, dir, name, doc, x, err, sizeof err) != 0) {
        diag_add(diags, false, dir, "", "vérification du dossier impossible : %s", err);
        return diags->errors - before;
    }
    diag_list local = {0};
    sbuf summary = {0};
    catalog *c = catalog_open(im.dir, &local);
    size_t opened = local.count; /* the catalog's own diagnostics come first */
    if (c != NULL) {
        uistr_check(im.dir, c, &local);
        ind_check_dir(c, &local, &summary);
    }
    for (size_t i = 0; i < local.count; i++)
        if (!local.items[i].warning || i >= opened)
            add_renamed(diags, &local.items[i], &im, dir, out, x->offer_path);
    if (c != NULL && x->offer_changed)
        warn_offer_users(c, doc, &im, dir, out, x->offer_path, diags);
    if (c != NULL && o->vet != NULL && diags->errors == before) {
        diag_list vetted = {0};
        *vetoed = o->vet(c, o->vet_arg, &vetted);
        for (size_t i = 0; i < vetted.count; i++)
            add_renamed(diags, &vetted.items[i], &im, dir, out, x->offer_path);
        diag_list_free(&vetted);
    }
    catalog_close(c);
    sbuf_free(&summary);
    diag_list_free(&local);
    image_remove(&im);
    return diags->errors - before;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Import: writing                                                                                              */
/* ---------------------------------------------------------------------------------------------------------- */

/* What the writing left on disk, for the last line of the report. */
typedef enum written {
    WROTE_NOTHING,    /* both files as they were */
    WROTE_ALL,        /* the form, and offer.json when it changed */
    WROTE_OFFER_ONLY, /* offer.json replaced, the form not written, and offer.json could not be put back */
} written;

/* Reads the file at path whole into *data (owned by the caller; NULL and *len 0 when there is no such file).
 * Returns 0, or -1 with the reason in err. */
static int read_whole(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "lecture de %.400s impossible : %s", path, strerror(errno));
        return -1;
    }
    sbuf b = {0};
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && b.len <= MAX_OFFER_BYTES)
        sbuf_add(&b, buf, n);
    int rc = ferror(f) || b.len > MAX_OFFER_BYTES ? -1 : 0;
    fclose(f);
    if (rc != 0) {
        snprintf(err, errlen, "lecture de %.400s impossible (ou plus de %d octets)", path, MAX_OFFER_BYTES);
        sbuf_free(&b);
        return -1;
    }
    *len = b.len;
    *data = b.data ? b.data : xstrdup("");
    return 0;
}

/* Puts offer.json back as it was before the import: data (len bytes), or no file when data is NULL. Returns 0
 * or -1 with the reason in err. */
static int restore(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    if (data == NULL) {
        if (unlink(path) == 0 || errno == ENOENT)
            return 0;
        snprintf(err, errlen, "suppression de %.400s impossible : %s", path, strerror(errno));
        return -1;
    }
    outfile *o = outfile_open(path, err, errlen);
    if (o == NULL)
        return -1;
    FILE *s = outfile_stream(o);
    if (s == NULL || fwrite(data, 1, len, s) != len) {
        outfile_discard(o);
        snprintf(err, errlen, "écriture de %.400s impossible", path);
        return -1;
    }
    return outfile_commit(o, err, errlen);
}

static int write_json(outfile *o, const json_t *doc)
{
    FILE *s = outfile_stream(o);
    return s == NULL || json_dumpf(doc, s, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', s) == EOF
               ? -1 : 0;
}

/* Writes doc to out, and offer.json when the workbook's list differs from the folder's. Both contents are
 * written to temporaries first; then offer.json is committed, then the form; if the form cannot be committed,
 * offer.json is put back as it was. Returns what is on disk afterwards; every failure is reported in diags. */
static written write_outputs(const import_ctx *x, const json_t *doc, const char *out, diag_list *diags)
{
    char err[512], rerr[512];
    outfile *fo = NULL, *oo = NULL;
    char *old = NULL;
    size_t oldlen = 0;
    written w = WROTE_NOTHING;
    if ((fo = outfile_open(out, err, sizeof err)) == NULL)
        goto fail;
    if (x->offer_changed && (oo = outfile_open(x->offer_path, err, sizeof err)) == NULL)
        goto fail;
    if (write_json(fo, doc) != 0) {
        snprintf(err, sizeof err, "écriture de %.400s impossible", out);
        goto fail;
    }
    if (oo != NULL && write_json(oo, x->new_offer) != 0) {
        snprintf(err, sizeof err, "écriture de %.400s impossible", x->offer_path);
        goto fail;
    }
    if (oo != NULL && read_whole(x->offer_path, &old, &oldlen, err, sizeof err) != 0)
        goto fail;
    if (oo != NULL) {
        int rc = outfile_commit(oo, err, sizeof err);
        oo = NULL;
        if (rc != 0)
            goto fail;
    }
    int rc = outfile_commit(fo, err, sizeof err);
    fo = NULL;
    if (rc == 0) {
        free(old);
        return WROTE_ALL;
    }
    if (x->offer_changed) {
        if (restore(x->offer_path, old, oldlen, rerr, sizeof rerr) == 0) {
            diag_add(diags, false, x->offer_path, "", "remis dans son état d'avant l'import, le formulaire "
                     "n'ayant pas pu être écrit");
        } else {
            diag_add(diags, false, x->offer_path, "", "a été remplacé par la liste du classeur, mais le "
                     "formulaire n'a pas pu être écrit et l'ancien offer.json n'a pas pu être remis : %s", rerr);
            w = WROTE_OFFER_ONLY;
        }
    }
fail:
    outfile_discard(fo);
    outfile_discard(oo);
    free(old);
    diag_add(diags, false, out, "", "%s", err);
    return w;
}

/* See formscmd.h. */
void formscmd_import_result_free(formscmd_import_result *r)
{
    if (r == NULL)
        return;
    form_free(r->form);
    json_decref(r->doc);
    json_decref(r->old_doc);
    *r = (formscmd_import_result){0};
}

int formscmd_import_book(const xlsx_book *book, const formscmd_import_opts *o, diag_list *diags,
                         formscmd_import_result *r)
{
    import_ctx x = {0};
    json_t *wb_offer = NULL, *where = NULL;
    written w = WROTE_NOTHING;
    int rc = FORMSCMD_IMPORT_INVALID;
    *r = (formscmd_import_result){0};
    json_t *doc = xlsform_read_book(book, o->name, &wb_offer, &where, diags);
    if (doc == NULL)
        goto done;
    const char *id = json_string_value(json_object_get(doc, "id"));
    if (o->out == NULL)
        snprintf(r->out, sizeof r->out, "%s/%s.json", o->dir, id);
    else
        snprintf(r->out, sizeof r->out, "%s", o->out);
    const char *out = r->out;
    const char *slash = strrchr(out, '/');
    snprintf(x.out_dir, sizeof x.out_dir, "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
    snprintf(x.offer_path, sizeof x.offer_path, "%s/offer.json", x.out_dir);
    load_folder(o->dir, &x, diags);
    if (diags->errors > 0)
        goto done;
    size_t first = diags->count;
    choose_offer(&x, wb_offer, o->name, diags);
    form_shared shared = {x.territories, x.offer};
    r->form = form_load_json_shared(doc, o->name, &shared, diags);
    xlsform_locate(where, diags, first);
    if (r->form == NULL || diags->errors > 0)
        goto done;
    /* The form is sound on its own; the indicator files and the other forms must still agree with it. */
    if (check_folder(o->dir, out, &x, doc, o, &r->vetoed, diags) > 0 || r->vetoed != 0) {
        rc = r->vetoed != 0 ? FORMSCMD_IMPORT_VETOED : FORMSCMD_IMPORT_INVALID;
        goto done;
    }
    if (file_exists(out))
        x.old_doc = json_load_file(out, 0, NULL);
    warn_same_version(&x, doc, out, diags);
    r->offer_changed = x.offer_changed;
    r->offer_services = json_array_size(json_object_get(wb_offer, "services"));
    if (o->dry_run) {
        rc = FORMSCMD_IMPORT_OK;
        goto done;
    }
    w = write_outputs(&x, doc, out, diags);
    if (w != WROTE_ALL) {
        rc = w == WROTE_OFFER_ONLY ? FORMSCMD_IMPORT_PARTIAL : FORMSCMD_IMPORT_INVALID;
        goto done;
    }
    i18n_note_import(x.out_dir, x.old_doc, doc, diags);
    if (x.offer_changed)
        i18n_note_offer_import(x.out_dir, x.old_offer, x.new_offer, diags);
    rc = FORMSCMD_IMPORT_OK;
done:
    r->doc = doc;
    r->old_doc = json_incref(x.old_doc);
    snprintf(r->offer_path, sizeof r->offer_path, "%s", x.offer_path);
    json_decref(wb_offer);
    json_decref(where);
    ctx_free(&x);
    return rc;
}

int formscmd_import(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o, false, "forms import FICHIER.xlsx [--forms DOSSIER] [-o DOSSIER/ID.json]");
    if (rc != 0)
        return rc;
    diag_list diags = {0};
    formscmd_import_result r = {0};
    formscmd_import_opts io = {.dir = o.dir, .out = o.out, .name = o.file};
    xlsx_book *book = xlsx_open(o.file, &diags);
    int st = book ? formscmd_import_book(book, &io, &diags, &r) : FORMSCMD_IMPORT_INVALID;
    xlsx_free(book);
    if (st == FORMSCMD_IMPORT_OK) {
        if (r.offer_changed)
            fprintf(stderr, "offer.json mis à jour : %zu services\n", r.offer_services);
        fprintf(stderr, "%s : formulaire %s version %s (%zu sections, %zu questions)\n", r.out, r.form->id,
                r.form->version, r.form->nsections, r.form->nquestions);
    }
    diag_print(&diags, stderr);
    if (st == FORMSCMD_IMPORT_PARTIAL)
        fprintf(stderr, "%zu erreur(s) : seul %s a été écrit (la liste des services du classeur) ; %s n'a pas "
                "été écrit\n", diags.errors, r.offer_path, r.out);
    else if (st != FORMSCMD_IMPORT_OK && diags.errors > 0)
        fprintf(stderr, "%zu erreur(s) : rien n'a été écrit\n", diags.errors);
    formscmd_import_result_free(&r);
    diag_list_free(&diags);
    return st == FORMSCMD_IMPORT_OK ? 0 : 1;
}
