/* catalog.c -- loads a forms folder: territories first, then every form version, then cross-checks
 * (duplicate versions, population codes against the questions they name). See catalog.h.
 */
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

struct catalog {
    char *dir;
    terr_set *territories;
    offer *offer;          /* offer.json, or NULL */
    form **forms;
    size_t count, cap;
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the form files of dir (sorted, so that diagnostics come in a stable order). Returns the number of
 * names (owned by the caller, as is the array), or -1 when dir cannot be read (reported). */
static long list_forms(const char *dir, bool top, char ***out, diag_list *diags)
{
    DIR *d = opendir(dir);
    *out = NULL;
    if (d == NULL) {
        if (!top && errno == ENOENT)
            return 0;
        diag_add(diags, false, dir, "$", "dossier illisible : %s", strerror(errno));
        return -1;
    }
    size_t n = 0, cap = 0;
    char **names = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (name[0] == '.' || !ends_with(name, ".json") || ends_with(name, ".indicators.json") ||
            ends_with(name, ".translations.json"))
            continue;
        /* The folder's shared files: territories, the local health offer, the pages' own words. */
        if (top && (strcmp(name, "territories.json") == 0 || strcmp(name, "offer.json") == 0 ||
                    strcmp(name, "pages.json") == 0))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof *names);
        }
        size_t len = strlen(dir) + strlen(name) + 2;
        names[n] = xmalloc(len);
        snprintf(names[n], len, "%s/%s", dir, name);
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    return (long)n;
}

static int cmp_forms(const void *a, const void *b)
{
    const form *x = *(form *const *)a, *y = *(form *const *)b;
    int c = strcmp(x->id, y->id);
    return c ? c : form_version_cmp(x->version, y->version);
}

/* The population codes of the territories file must be answer codes of the questions it names, in every form
 * that has those questions: a misspelt "75 +" would silently drop a weighting cell. */
static void check_population_codes(const catalog *c, diag_list *diags)
{
    const terr_set *ts = c->territories;
    if (ts == NULL || ts->population_depth == 0)
        return;
    for (size_t i = 0; i < c->count; i++) {
        const form *f = c->forms[i];
        const form_question *q0 = form_question_by_id(f, ts->population_by[0]);
        const form_question *q1 = ts->population_depth > 1 ? form_question_by_id(f, ts->population_by[1]) : NULL;
        if (q0 == NULL || (ts->population_depth > 1 && q1 == NULL))
            continue;
        for (size_t t = 0; t < ts->count; t++) {
            const char *a;
            json_t *inner;
            if (ts->items[t].population == NULL)
                continue;
            json_object_foreach((json_t *)ts->items[t].population, a, inner) {
                char path[256];
                snprintf(path, sizeof path, "$.territories[%zu].population.%s", t, a);
                if (!form_accepts_code(f, q0, a))
                    diag_add(diags, false, "territories", path, "« %s » n'est pas un code de %s dans le "
                             "formulaire %s", a, q0->id, f->id);
                const char *b;
                json_t *v;
                if (q1 == NULL || !json_is_object(inner))
                    continue;
                json_object_foreach(inner, b, v) {
                    if (!form_accepts_code(f, q1, b))
                        diag_add(diags, false, "territories", path, "« %s » n'est pas un code de %s dans le "
                                 "formulaire %s", b, q1->id, f->id);
                }
            }
        }
    }
}

static void add_form(catalog *c, form *f)
{
    if (c->count == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->forms = xrealloc(c->forms, c->cap * sizeof *c->forms);
    }
    c->forms[c->count++] = f;
}

catalog *catalog_open(const char *dir, diag_list *diags)
{
    return catalog_open_territories(dir, NULL, diags);
}

catalog *catalog_open_territories(const char *dir, const char *territories, diag_list *diags)
{
    diag_list local = {0};
    diag_list *dl = diags ? diags : &local;
    size_t errors_before = dl->errors;
    catalog *c = xcalloc(1, sizeof *c);
    c->dir = xstrdup(dir);

    char path[4096];
    snprintf(path, sizeof path, "%s/territories.json", dir);
    if (territories != NULL) {
        c->territories = terr_load(territories, dl);
        if (c->territories == NULL && dl->errors == errors_before) /* not expected: terr_load says why */
            diag_add(dl, false, territories, "$", "fichier de territoires illisible");
    } else if (file_exists(path)) {
        c->territories = terr_load(path, dl);
    } else {
        snprintf(path, sizeof path, "%s/territories.csv", dir);
        if (file_exists(path))
            c->territories = terr_load(path, dl);
    }

    /* The local health offer before the forms, which may name it ("rows": "offre"). */
    snprintf(path, sizeof path, "%s/offer.json", dir);
    if (file_exists(path))
        c->offer = offer_load(path, dl);
    form_shared shared = {c->territories, c->offer};

    for (int pass = 0; pass < 2; pass++) {
        char sub[4096];
        snprintf(sub, sizeof sub, pass == 0 ? "%s" : "%s/versions", dir);
        char **names;
        long n = list_forms(sub, pass == 0, &names, dl);
        for (long i = 0; i < n; i++) {
            form *f = form_load_file_shared(names[i], &shared, dl);
            if (f != NULL)
                add_form(c, f);
            free(names[i]);
        }
        free(names);
    }
    if (c->count > 0)
        qsort(c->forms, c->count, sizeof *c->forms, cmp_forms);
    for (size_t i = 1; i < c->count; i++)
        if (cmp_forms(&c->forms[i - 1], &c->forms[i]) == 0)
            diag_add(dl, false, c->forms[i]->file, "$.version", "le formulaire %s version %s est déjà défini "
                     "dans %s", c->forms[i]->id, c->forms[i]->version, c->forms[i - 1]->file);
    check_population_codes(c, dl);
    if (c->count == 0 && dl->errors == errors_before)
        diag_add(dl, false, dir, "$", "aucun formulaire (*.json) dans ce dossier");
    if (dl->errors > errors_before) {
        catalog_close(c);
        c = NULL;
    }
    diag_list_free(&local);
    return c;
}

/* Loads doc and adds it; an existing version of the same id is replaced when replace, an error otherwise. */
static const form *put_json(catalog *c, json_t *doc, const char *name, bool replace, diag_list *diags)
{
    form_shared shared = {c->territories, c->offer};
    form *f = form_load_json_shared(doc, name, &shared, diags);
    if (f == NULL)
        return NULL;
    for (size_t i = 0; replace && i < c->count; i++)
        if (strcmp(c->forms[i]->id, f->id) == 0 && strcmp(c->forms[i]->version, f->version) == 0) {
            form_free(c->forms[i]);
            c->forms[i] = f;
            return f;
        }
    const form *other = catalog_get(c, f->id, f->version);
    if (other != NULL) {
        diag_add(diags, false, name, "$.version", "le formulaire %s version %s est déjà défini dans %s", f->id,
                 f->version, other->file);
        form_free(f);
        return NULL;
    }
    add_form(c, f);
    qsort(c->forms, c->count, sizeof *c->forms, cmp_forms);
    return f;
}

const form *catalog_add_json(catalog *c, json_t *doc, const char *name, diag_list *diags)
{
    return put_json(c, doc, name, false, diags);
}

const form *catalog_replace_json(catalog *c, json_t *doc, const char *name, diag_list *diags)
{
    return put_json(c, doc, name, true, diags);
}

void catalog_close(catalog *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->count; i++)
        form_free(c->forms[i]);
    free(c->forms);
    terr_free(c->territories);
    offer_free(c->offer);
    free(c->dir);
    free(c);
}

const form *catalog_current(const catalog *c, const char *id)
{
    const form *best = NULL;
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->forms[i]->id, id) == 0)
            best = c->forms[i]; /* sorted by version: the last match is the highest */
    return best;
}

const form *catalog_get(const catalog *c, const char *id, const char *version)
{
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->forms[i]->id, id) == 0 && strcmp(c->forms[i]->version, version) == 0)
            return c->forms[i];
    return NULL;
}

size_t catalog_count(const catalog *c)
{
    return c->count;
}

const form *catalog_at(const catalog *c, size_t i)
{
    return c->forms[i];
}

const terr_set *catalog_territories(const catalog *c)
{
    return c->territories;
}

const offer *catalog_offer(const catalog *c)
{
    return c->offer;
}

const char *catalog_dir(const catalog *c)
{
    return c->dir;
}
