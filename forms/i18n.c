/* i18n.c -- translation status of form texts: the stable keys of a form's texts, the translation record
 * (ID.translations.json) that says from which French text each translation was made, the stale check of
 * `check-forms`, and the record's update after a workbook import. See i18n.h.
 */
#include "i18n.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "jcheck.h"
#include "offer.h"
#include "outfile.h"
#include "util.h"

/* ---------------------------------------------------------------------------------------------------------
 * Texts and their keys.
 */

/* Appends a text when map is a language map (an object); anything else is the loader's to report. */
static void add_text(i18n_texts *out, const json_t *map, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_text(i18n_texts *out, const json_t *map, const char *path, const char *fmt, ...)
{
    if (!json_is_object(map))
        return;
    if (out->count == out->cap) {
        out->cap = out->cap ? 2 * out->cap : 64;
        out->items = xrealloc(out->items, out->cap * sizeof *out->items);
    }
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *key = xmalloc((size_t)(n > 0 ? n : 0) + 1);
    vsnprintf(key, (size_t)(n > 0 ? n : 0) + 1, fmt, ap2);
    va_end(ap2);
    i18n_text *t = &out->items[out->count++];
    t->key = key;
    t->path = xstrdup(path);
    t->text = map;
}

/* Adds the labels of an inline array of choices (or rows) at path, keyed "prefix:CODE". */
static void add_choices(i18n_texts *out, const json_t *arr, const char *path, const char *owner, const char *kind)
{
    size_t i;
    const json_t *c;
    json_array_foreach(arr, i, c) {
        const char *code = json_string_value(json_object_get(c, "code"));
        if (code == NULL)
            continue;
        char p[JC_PATH_MAX], lp[JC_PATH_MAX];
        jc_path_index(p, path, i);
        jc_path_key(lp, p, "label");
        add_text(out, json_object_get(c, "label"), lp, "%s%s%s", owner, kind, code);
    }
}

/* Adds the texts of question qo at path. */
static void add_question(i18n_texts *out, const json_t *qo, const char *path)
{
    const char *id = json_string_value(json_object_get(qo, "id"));
    if (id == NULL)
        return;
    static const char *const keys[] = {"label", "hint", "constraint_message"};
    char p[JC_PATH_MAX];
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        jc_path_key(p, path, keys[k]);
        add_text(out, json_object_get(qo, keys[k]), p, "%s.%s", id, keys[k]);
    }
    /* Choices and rows named by a shared list are keyed under the list, once. */
    const json_t *choices = json_object_get(qo, "choices");
    if (json_is_array(choices)) {
        jc_path_key(p, path, "choices");
        add_choices(out, choices, p, id, ".choice:");
    }
    const json_t *rows = json_object_get(qo, "rows");
    if (json_is_array(rows)) {
        jc_path_key(p, path, "rows");
        add_choices(out, rows, p, id, ".row:");
    }
    const json_t *labels = json_object_get(qo, "labels");
    if (json_is_object(labels)) {
        jc_path_key(p, path, "labels");
        const char *point;
        const json_t *map;
        json_object_foreach((json_t *)labels, point, map) {
            char lp[JC_PATH_MAX];
            jc_path_key(lp, p, point);
            add_text(out, map, lp, "%s.scale:%s", id, point);
        }
    }
}

void i18n_texts_collect(const json_t *doc, i18n_texts *out)
{
    add_text(out, json_object_get(doc, "title"), "$.title", "title");
    add_text(out, json_object_get(doc, "notice"), "$.notice", "notice");
    const json_t *lists = json_object_get(doc, "choice_lists");
    if (json_is_object(lists)) {
        const char *name;
        const json_t *arr;
        json_object_foreach((json_t *)lists, name, arr) {
            char p[JC_PATH_MAX], owner[128];
            jc_path_key(p, "$.choice_lists", name);
            snprintf(owner, sizeof owner, "list:%s", name);
            if (json_is_array(arr))
                add_choices(out, arr, p, owner, ".");
        }
    }
    size_t i, j;
    const json_t *so, *qo;
    json_array_foreach(json_object_get(doc, "sections"), i, so) {
        char sp[JC_PATH_MAX], p[JC_PATH_MAX];
        jc_path_index(sp, "$.sections", i);
        const char *sid = json_string_value(json_object_get(so, "id"));
        if (sid != NULL) {
            jc_path_key(p, sp, "title");
            add_text(out, json_object_get(so, "title"), p, "section:%s.title", sid);
            jc_path_key(p, sp, "intro");
            add_text(out, json_object_get(so, "intro"), p, "section:%s.intro", sid);
        }
        char qsp[JC_PATH_MAX];
        jc_path_key(qsp, sp, "questions");
        json_array_foreach(json_object_get(so, "questions"), j, qo) {
            jc_path_index(p, qsp, j);
            add_question(out, qo, p);
        }
    }
}

void i18n_offer_texts_collect(const json_t *doc, i18n_texts *out)
{
    size_t i;
    const json_t *so;
    json_array_foreach(json_object_get(doc, "services"), i, so) {
        const char *code = json_string_value(json_object_get(so, "code"));
        if (code == NULL)
            continue; /* offer_load reports it */
        char sp[JC_PATH_MAX], p[JC_PATH_MAX];
        jc_path_index(sp, "$.services", i);
        jc_path_key(p, sp, "label");
        add_text(out, json_object_get(so, "label"), p, "%s.label", code);
        jc_path_key(p, sp, "label_pro");
        add_text(out, json_object_get(so, "label_pro"), p, "%s.label_pro", code);
    }
}

size_t i18n_offer_languages(const json_t *doc, const char **langs, size_t max)
{
    size_t n = 0, i;
    const json_t *so;
    /* offer.json declares no languages: the ones its labels carry are those the forms that name it use (a form
     * restricts the list to its own languages). */
    json_array_foreach(json_object_get(doc, "services"), i, so) {
        static const char *const fields[] = {"label", "label_pro"};
        for (size_t f = 0; f < 2; f++) {
            const char *lang;
            const json_t *v;
            json_object_foreach(json_object_get(so, fields[f]), lang, v) {
                bool seen = strcmp(lang, "fr") == 0;
                for (size_t k = 0; k < n && !seen; k++)
                    seen = strcmp(langs[k], lang) == 0;
                if (!seen && n < max)
                    langs[n++] = lang;
            }
        }
    }
    return n;
}

const i18n_text *i18n_texts_find(const i18n_texts *t, const char *key)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->items[i].key, key) == 0)
            return &t->items[i];
    return NULL;
}

void i18n_texts_free(i18n_texts *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->count; i++) {
        free(t->items[i].key);
        free(t->items[i].path);
    }
    free(t->items);
    *t = (i18n_texts){0};
}

/* ---------------------------------------------------------------------------------------------------------
 * Hashes and statuses.
 */

void i18n_hash(const char *s, char out[I18N_HASH_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    /* EVP_Digest with SHA-256 fails only when the library cannot allocate: nothing sensible remains to do. */
    if (EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) != 1)
        abort();
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < I18N_HASH_LEN / 2; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[I18N_HASH_LEN] = '\0';
}

const char *i18n_status_name(i18n_status s)
{
    switch (s) {
    case I18N_OK:
        return "ok";
    case I18N_MISSING:
        return "manquante";
    case I18N_STALE:
        return "à revoir";
    case I18N_UNKNOWN:
        return "non suivie";
    }
    return "?";
}

/* ---------------------------------------------------------------------------------------------------------
 * The record file.
 */

struct i18n_record {
    char *path;
    char *id;
    json_t *langs; /* language -> key -> hash */
};

char *i18n_record_path(const char *dir, const char *id)
{
    sbuf b = {0};
    if (strcmp(id, I18N_OFFER_ID) == 0)
        sbuf_addf(&b, "%s/offer.translations.json", dir);
    else
        sbuf_addf(&b, "%s/%s.translations.json", dir, id);
    return b.data;
}

/* True when s is I18N_HASH_LEN lowercase hex digits. */
static bool is_hash(const char *s)
{
    if (s == NULL || strlen(s) != I18N_HASH_LEN)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return false;
    return true;
}

/* Checks the record document doc of form id against the format; reports each problem. */
static bool record_valid(jcheck *jc, const json_t *doc, const char *id)
{
    static const char *const keys[] = {"form", "about", "languages", NULL};
    if (!json_is_object(doc)) {
        jc_error(jc, "$", "le suivi des traductions est un objet {\"form\", \"languages\"}");
        return false;
    }
    bool ok = jc_only_keys(jc, "$", doc, keys);
    const char *fid = jc_string(jc, "$", doc, "form", true);
    if (fid != NULL && strcmp(fid, id) != 0) {
        jc_error(jc, "$.form", "ce fichier suit le formulaire « %s », pas « %s »", fid, id);
        ok = false;
    }
    const json_t *langs = jc_member(jc, "$", doc, "languages", JSON_OBJECT, true);
    if (fid == NULL || langs == NULL)
        return false;
    const char *lang, *key;
    const json_t *m, *h;
    json_object_foreach((json_t *)langs, lang, m) {
        char lp[JC_PATH_MAX];
        jc_path_key(lp, "$.languages", lang);
        if (!json_is_object(m)) {
            jc_error(jc, lp, "un objet {\"CLÉ DU TEXTE\": \"EMPREINTE\"} est attendu");
            ok = false;
            continue;
        }
        json_object_foreach((json_t *)m, key, h) {
            if (!is_hash(json_string_value(h))) {
                char kp[2 * JC_PATH_MAX];
                snprintf(kp, sizeof kp, "%s[\"%s\"]", lp, key);
                jc_error(jc, kp, "empreinte de %d chiffres hexadécimaux attendue", I18N_HASH_LEN);
                ok = false;
            }
        }
    }
    return ok;
}

i18n_record *i18n_record_load(const char *dir, const char *id, diag_list *diags)
{
    i18n_record *r = xcalloc(1, sizeof *r);
    r->path = i18n_record_path(dir, id);
    r->id = xstrdup(id);
    struct stat st;
    if (stat(r->path, &st) != 0 && errno == ENOENT) {
        r->langs = json_object();
        return r;
    }
    json_t *doc = jc_load_file(r->path, diags);
    jcheck jc = {diags, r->path};
    if (doc == NULL || !record_valid(&jc, doc, id))
        goto err;
    r->langs = json_incref(json_object_get(doc, "languages"));
    json_decref(doc);
    return r;
err:
    json_decref(doc);
    i18n_record_free(r);
    return NULL;
}

void i18n_record_free(i18n_record *r)
{
    if (r == NULL)
        return;
    json_decref(r->langs);
    free(r->path);
    free(r->id);
    free(r);
}

const char *i18n_record_get(const i18n_record *r, const char *lang, const char *key)
{
    return json_string_value(json_object_get(json_object_get(r->langs, lang), key));
}

void i18n_record_set(i18n_record *r, const char *lang, const char *key, const char *hash)
{
    json_t *m = json_object_get(r->langs, lang);
    if (hash == NULL) {
        json_object_del(m, key);
        return;
    }
    if (m == NULL) {
        m = json_object();
        json_object_set_new(r->langs, lang, m);
    }
    json_object_set_new(m, key, json_string(hash));
}

void i18n_record_accept(i18n_record *r, const char *lang, const i18n_text *t)
{
    const char *fr = json_string_value(json_object_get(t->text, "fr"));
    if (fr == NULL)
        return;
    char h[I18N_HASH_LEN + 1];
    i18n_hash(fr, h);
    i18n_record_set(r, lang, t->key, h);
}

i18n_status i18n_status_of(const i18n_record *r, const char *lang, const i18n_text *t)
{
    const char *fr = json_string_value(json_object_get(t->text, "fr"));
    if (!json_is_string(json_object_get(t->text, lang)))
        return I18N_MISSING;
    const char *rec = i18n_record_get(r, lang, t->key);
    if (rec == NULL || fr == NULL)
        return I18N_UNKNOWN;
    char h[I18N_HASH_LEN + 1];
    i18n_hash(fr, h);
    return strcmp(h, rec) == 0 ? I18N_OK : I18N_STALE;
}

/* The record's document, its entries in the order of texts, for the languages in langs only. New reference. */
static json_t *record_doc(const i18n_record *r, const char *const *langs, size_t n, const i18n_texts *texts)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "form", json_string(r->id));
    json_object_set_new(doc, "about",
                        json_string("Suivi des traductions : pour chaque langue et chaque texte, l'empreinte "
                                    "(SHA-256, 16 premiers chiffres hexadécimaux) du texte français d'où la "
                                    "traduction a été faite. Tenu à jour par « collector forms translations ID "
                                    "--lang LANGUE --accept » et « collector forms import » ; voir "
                                    "forms/README.md, « Traductions »."));
    json_t *out = json_object();
    for (size_t l = 0; l < n; l++) {
        if (strcmp(langs[l], "fr") == 0)
            continue;
        json_t *m = json_object();
        for (size_t i = 0; i < texts->count; i++) {
            const char *h = i18n_record_get(r, langs[l], texts->items[i].key);
            if (h != NULL)
                json_object_set_new(m, texts->items[i].key, json_string(h));
        }
        json_object_set_new(out, langs[l], m);
    }
    json_object_set_new(doc, "languages", out);
    return doc;
}

int i18n_record_save(i18n_record *r, const char *const *langs, size_t n, const i18n_texts *texts, char *err,
                     size_t errlen)
{
    int rc = -1;
    json_t *doc = record_doc(r, langs, n, texts);
    outfile *o = outfile_open(r->path, err, errlen);
    if (o == NULL)
        goto done;
    FILE *fp = outfile_stream(o);
    /* outfile makes a private 0600 file, right for answers; a record is part of the forms folder, which the
     * service's user and the coordinator's repository both read: it keeps the mode of the file it replaces. */
    struct stat st;
    mode_t mode = stat(r->path, &st) == 0 ? (st.st_mode & 0777) : 0644;
    if (fp == NULL || fchmod(fileno(fp), mode) != 0 || json_dumpf(doc, fp, JSON_INDENT(2)) != 0 ||
        fputc('\n', fp) == EOF) {
        snprintf(err, errlen, "%s : écriture impossible : %s", r->path, strerror(errno));
        outfile_discard(o);
        goto done;
    }
    rc = outfile_commit(o, err, errlen);
done:
    json_decref(doc);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------------
 * The stale check of check-forms.
 */

/* Warns for each stale translation in langs (n of them; French is skipped) of the texts of id, read from file,
 * whose record is in dir. */
static void check_texts(const char *id, const char *file, const i18n_texts *texts, const char *const *langs,
                        size_t n, const char *dir, diag_list *diags)
{
    i18n_record *r = i18n_record_load(dir, id, diags);
    if (r == NULL)
        return;
    for (size_t i = 0; i < texts->count; i++) {
        const i18n_text *t = &texts->items[i];
        for (size_t l = 0; l < n; l++) {
            const char *lang = langs[l];
            if (strcmp(lang, "fr") == 0 || i18n_status_of(r, lang, t) != I18N_STALE)
                continue;
            char p[JC_PATH_MAX];
            jc_path_key(p, t->path, lang);
            diag_add(diags, true, file, p,
                     "%s %s : la traduction %s a été faite sur un texte français qui a changé depuis (à revoir, "
                     "puis « collector forms translations %s --lang %s --accept %s »)",
                     id, t->key, lang, id, lang, t->key);
        }
    }
    i18n_record_free(r);
}

void i18n_check(const catalog *c, diag_list *diags)
{
    i18n_texts texts = {0};
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (catalog_current(c, f->id) != f)
            continue;
        i18n_texts_collect(f->doc, &texts);
        check_texts(f->id, f->file, &texts, f->languages, f->nlanguages, catalog_dir(c),
                    diags);
        i18n_texts_free(&texts);
    }
    const offer *o = catalog_offer(c);
    if (o != NULL) {
        const char *langs[I18N_MAX_LANGS];
        size_t n = i18n_offer_languages(offer_doc(o), langs, I18N_MAX_LANGS);
        i18n_offer_texts_collect(offer_doc(o), &texts);
        check_texts(I18N_OFFER_ID, offer_file(o), &texts, langs, n, catalog_dir(c), diags);
        i18n_texts_free(&texts);
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * After an import.
 */

static int cmp_text_key(const void *a, const void *b)
{
    return strcmp(((const i18n_text *)a)->key, ((const i18n_text *)b)->key);
}

/* True when the strings a and b (either may be NULL) differ. */
static bool differ(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0);
}

/* Updates r for text t of the new document in lang, o being the same text in the old document (or NULL).
 * Returns true when the translation has become stale: its French changed under it. */
static bool note_text(i18n_record *r, const char *lang, const i18n_text *t, const i18n_text *o)
{
    const char *fr = json_string_value(json_object_get(t->text, "fr"));
    const char *tr = json_string_value(json_object_get(t->text, lang));
    if (fr == NULL || tr == NULL) {
        i18n_record_set(r, lang, t->key, NULL); /* missing: nothing was translated */
        return false;
    }
    const char *old_fr = o ? json_string_value(json_object_get(o->text, "fr")) : NULL;
    const char *old_tr = o ? json_string_value(json_object_get(o->text, lang)) : NULL;
    if (o == NULL || differ(tr, old_tr)) {
        /* A new text, or a translation edited in the same workbook as (or after) its French: the translator
         * worked from the French text now in the form. */
        i18n_record_accept(r, lang, t);
        return false;
    }
    if (!differ(fr, old_fr) || old_fr == NULL)
        return false;
    /* The French changed, the translation did not. Without a record, the old French is the best knowledge of
     * what was translated; with one, it already says so (or is older still). */
    if (i18n_record_get(r, lang, t->key) == NULL) {
        char h[I18N_HASH_LEN + 1];
        i18n_hash(old_fr, h);
        i18n_record_set(r, lang, t->key, h);
    }
    return i18n_status_of(r, lang, t) == I18N_STALE;
}

/* The part of an import's record update common to forms and offer.json: id's record in dir is updated from the
 * texts olds (any order; sorted here) to news, for langs (n of them, French excepted); file names the document
 * in the stale warnings. */
static void note_texts(const char *dir, const char *id, const char *file, i18n_texts *olds, const i18n_texts *news,
                       const char *const *langs, size_t nlangs, diag_list *diags)
{
    diag_list load_diags = {0};
    i18n_record *r = i18n_record_load(dir, id, &load_diags);
    if (r == NULL) {
        char *path = i18n_record_path(dir, id);
        diag_add(diags, true, path, "$", "suivi des traductions illisible, non mis à jour : %s : %s",
                 load_diags.count ? load_diags.items[0].path : "$",
                 load_diags.count ? load_diags.items[0].message : "?");
        free(path);
        goto done;
    }
    /* Sorted by key, so that a form of thousands of texts is matched in n log n. */
    if (olds->count > 0) /* qsort's array may not be NULL, even empty */
        qsort(olds->items, olds->count, sizeof *olds->items, cmp_text_key);
    for (size_t t = 0; t < news->count; t++) {
        const i18n_text *nt = &news->items[t];
        const i18n_text *o =
            olds->count ? bsearch(nt, olds->items, olds->count, sizeof *olds->items, cmp_text_key) : NULL;
        for (size_t k = 0; k < nlangs; k++) {
            if (!note_text(r, langs[k], nt, o))
                continue;
            char p[JC_PATH_MAX];
            jc_path_key(p, nt->path, langs[k]);
            diag_add(diags, true, file, p,
                     "%s : traduction %s à revoir (le texte français a changé, pas la traduction)", nt->key, langs[k]);
        }
    }
    char err[512];
    if (i18n_record_save(r, langs, nlangs, news, err, sizeof err) != 0)
        diag_add(diags, true, r->path, "$", "suivi des traductions non mis à jour : %s", err);
done:
    diag_list_free(&load_diags);
    i18n_record_free(r);
}

void i18n_note_import(const char *dir, const json_t *old_doc, const json_t *new_doc, diag_list *diags)
{
    const char *id = json_string_value(json_object_get(new_doc, "id"));
    if (id == NULL)
        return;
    i18n_texts olds = {0}, news = {0};
    const char *langs[I18N_MAX_LANGS];
    size_t nlangs = 0;
    char form_file[1024];
    snprintf(form_file, sizeof form_file, "%s/%s.json", dir, id);
    if (old_doc != NULL)
        i18n_texts_collect(old_doc, &olds);
    i18n_texts_collect(new_doc, &news);
    size_t i;
    const json_t *l;
    json_array_foreach(json_object_get(new_doc, "languages"), i, l) {
        const char *lang = json_string_value(l);
        if (lang != NULL && strcmp(lang, "fr") != 0 && nlangs < I18N_MAX_LANGS)
            langs[nlangs++] = lang;
    }
    note_texts(dir, id, form_file, &olds, &news, langs, nlangs, diags);
    i18n_texts_free(&olds);
    i18n_texts_free(&news);
}

void i18n_note_offer_import(const char *dir, const json_t *old_offer, const json_t *new_offer, diag_list *diags)
{
    i18n_texts olds = {0}, news = {0};
    const char *langs[I18N_MAX_LANGS];
    size_t nlangs = i18n_offer_languages(new_offer, langs, I18N_MAX_LANGS);
    char file[1024];
    snprintf(file, sizeof file, "%s/offer.json", dir);
    if (old_offer != NULL)
        i18n_offer_texts_collect(old_offer, &olds);
    i18n_offer_texts_collect(new_offer, &news);
    note_texts(dir, I18N_OFFER_ID, file, &olds, &news, langs, nlangs, diags);
    i18n_texts_free(&olds);
    i18n_texts_free(&news);
}
