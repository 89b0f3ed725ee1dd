/* formscmd_i18n.c -- "collector forms translations": the status of every text of a language in the current
 * version of a form, or in offer.json under the pseudo-id "offre" (ok, missing, stale, not tracked), and
 * --accept, with which a translator who has reviewed texts records that they now match the French. The record
 * format and the statuses are forms/i18n.h's.
 */
#include "formscmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "i18n.h"
#include "offer.h"
#include "util.h"

#define SHOWN_CHARS 40 /* code points of each text shown on a status line */

typedef struct options {
    const char *id, *lang, *dir;
    bool accept, json;
    char **keys; /* --accept KEY...: borrowed from argv */
    size_t nkeys;
} options;

/* Parses argv into o. Returns 0, or 2 after printing the usage. */
static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){.dir = "forms"};
    o->keys = xcalloc((size_t)argc, sizeof *o->keys);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc) {
            o->lang = argv[++i];
        } else if (strcmp(argv[i], "--forms") == 0 && i + 1 < argc) {
            o->dir = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0) {
            o->json = true;
        } else if (strcmp(argv[i], "--accept") == 0) {
            o->accept = true;
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                o->keys[o->nkeys++] = argv[++i];
        } else if (argv[i][0] != '-' && o->id == NULL) {
            o->id = argv[i];
        } else {
            fprintf(stderr, "collector forms translations : argument inattendu « %s »\n", argv[i]);
            goto usage;
        }
    }
    if (o->id != NULL && o->lang != NULL)
        return 0;
usage:
    fprintf(stderr, "usage : collector forms translations ID --lang LANGUE [--forms DOSSIER] [--accept [CLÉ...]] "
                    "[--json]\n");
    return 2;
}

/* What the texts listed belong to: a form's current version, or offer.json. */
typedef struct subject {
    const char *id;           /* the form's id, or I18N_OFFER_ID */
    const char *version;      /* the form's version, or NULL for offer.json */
    const char *file;         /* the file the texts are in */
    const char *const *langs; /* its languages (French may be among them) */
    size_t nlangs;
    const char *offer_langs[I18N_MAX_LANGS]; /* storage of langs for offer.json */
} subject;

/* Appends s to b shortened to max code points (with "…"), line breaks and tabs turned into spaces, so that a
 * text fits on its status line. */
static void shorten(sbuf *b, const char *s, size_t max)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t len = 1;
        while ((p[len] & 0xC0) == 0x80)
            len++;
        if (n == max) {
            sbuf_adds(b, "…");
            return;
        }
        if (*p < 0x20)
            sbuf_add(b, " ", 1);
        else
            sbuf_add(b, (const char *)p, len);
        p += len;
        n++;
    }
}

/* Prints s then spaces up to width code points: printf's widths count bytes, and the "à" of "à revoir" is two. */
static void print_padded(const char *s, size_t width)
{
    size_t n = util_utf8_len(s);
    fputs(s, stdout);
    for (; n < width; n++)
        putchar(' ');
}

/* Prints one status line per text, or the JSON listing; counts statuses into counts. */
static void list_texts(const options *o, const subject *f, const i18n_record *r, const i18n_texts *texts,
                       size_t counts[4])
{
    size_t keyw = 0;
    for (size_t i = 0; i < texts->count; i++)
        if (strlen(texts->items[i].key) > keyw)
            keyw = strlen(texts->items[i].key);
    static const char *const json_names[] = {"ok", "missing", "stale", "unknown"};
    json_t *arr = json_array();
    for (size_t i = 0; i < texts->count; i++) {
        const i18n_text *t = &texts->items[i];
        i18n_status s = i18n_status_of(r, o->lang, t);
        counts[s]++;
        const char *fr = form_text(t->text, "fr");
        const char *tr = json_string_value(json_object_get(t->text, o->lang));
        if (o->json) {
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s?}", "key", t->key, "status", json_names[s], "fr",
                                                 fr, "translation", tr));
            continue;
        }
        sbuf line = {0};
        shorten(&line, fr, SHOWN_CHARS);
        sbuf_adds(&line, "  →  ");
        if (tr)
            shorten(&line, tr, SHOWN_CHARS);
        else
            sbuf_adds(&line, "—");
        print_padded(i18n_status_name(s), 11);
        print_padded(t->key, keyw + 2);
        printf("%s\n", line.data);
        sbuf_free(&line);
    }
    if (o->json) {
        json_t *doc = json_pack("{s:s, s:s?, s:s, s:o, s:{s:I, s:I, s:I, s:I}}", "form", f->id, "version", f->version,
                                "lang", o->lang, "texts", arr, "summary", "ok", (json_int_t)counts[I18N_OK], "missing",
                                (json_int_t)counts[I18N_MISSING], "stale", (json_int_t)counts[I18N_STALE], "unknown",
                                (json_int_t)counts[I18N_UNKNOWN]);
        json_dumpf(doc, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(doc);
    } else {
        json_decref(arr);
    }
}

/* Records the current French of the texts named in o (all translated texts when none is named). Returns 0, or
 * 1 after printing why nothing was written. */
static int accept_texts(const options *o, const subject *f, i18n_record *r, const i18n_texts *texts)
{
    size_t n = 0;
    for (size_t k = 0; k < o->nkeys; k++) {
        const i18n_text *t = i18n_texts_find(texts, o->keys[k]);
        if (t == NULL) {
            fprintf(stderr,
                    "collector forms translations : %s (%s) n'a pas de texte « %s » (la liste sans --accept "
                    "donne les clés)\n",
                    f->id, f->file, o->keys[k]);
            return 1;
        }
        if (!json_is_string(json_object_get(t->text, o->lang))) {
            fprintf(stderr, "collector forms translations : %s n'a pas de traduction %s : rien à valider\n", t->key,
                    o->lang);
            return 1;
        }
    }
    for (size_t i = 0; i < texts->count; i++) {
        const i18n_text *t = &texts->items[i];
        bool named = o->nkeys == 0;
        for (size_t k = 0; k < o->nkeys && !named; k++)
            named = strcmp(o->keys[k], t->key) == 0;
        if (named && json_is_string(json_object_get(t->text, o->lang))) {
            i18n_record_accept(r, o->lang, t);
            n++;
        }
    }
    char err[512];
    char *path = i18n_record_path(o->dir, f->id);
    int rc = i18n_record_save(r, f->langs, f->nlangs, texts, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "collector forms translations : %s\n", err);
    else if (!o->json)
        printf("%zu traduction(s) %s validée(s) sur le français actuel : %s\n", n, o->lang, path);
    free(path);
    return rc != 0;
}

/* Fills s with offer.json of c, and its texts into texts. Returns false after printing why not. */
static bool find_offer(const options *o, const catalog *c, subject *s, i18n_texts *texts)
{
    const offer *off = catalog_offer(c);
    if (off == NULL) {
        fprintf(stderr, "collector forms translations : pas de liste des services locaux (offer.json) dans %s\n",
                o->dir);
        return false;
    }
    *s = (subject){.id = I18N_OFFER_ID, .file = offer_file(off)}; /* no version */
    s->nlangs = i18n_offer_languages(offer_doc(off), s->offer_langs, I18N_MAX_LANGS);
    s->langs = s->offer_langs;
    i18n_offer_texts_collect(offer_doc(off), texts);
    return true;
}

/* Fills s with the current version of form o->id in c (or offer.json for I18N_OFFER_ID), having language
 * o->lang, and its texts into texts. Returns false after printing why not. */
static bool find_subject(const options *o, const catalog *c, subject *s, i18n_texts *texts)
{
    if (strcmp(o->lang, "fr") == 0) {
        fprintf(stderr, "collector forms translations : le français est la langue d'origine des textes, pas une "
                        "traduction\n");
        return false;
    }
    const form *f = strcmp(o->id, I18N_OFFER_ID) == 0 ? NULL : catalog_current(c, o->id);
    if (f != NULL) {
        *s = (subject){.id = f->id, .version = f->version, .file = f->file, .langs = f->languages,
                       .nlangs = f->nlanguages};
        i18n_texts_collect(f->doc, texts);
    } else if (strcmp(o->id, I18N_OFFER_ID) == 0) {
        if (!find_offer(o, c, s, texts))
            return false;
    } else {
        fprintf(stderr, "collector forms translations : pas de formulaire « %s » dans %s (formulaires :", o->id,
                o->dir);
        for (size_t i = 0; i < catalog_count(c); i++)
            if (catalog_current(c, catalog_at(c, i)->id) == catalog_at(c, i))
                fprintf(stderr, " %s", catalog_at(c, i)->id);
        fprintf(stderr, " ; liste des services locaux : %s)\n", I18N_OFFER_ID);
        return false;
    }
    for (size_t l = 0; l < s->nlangs; l++)
        if (strcmp(s->langs[l], o->lang) == 0)
            return true;
    fprintf(stderr, "collector forms translations : %s (%s) n'a pas la langue « %s » (langues :", s->id, s->file,
            o->lang);
    if (s->version == NULL)
        fprintf(stderr, " fr");
    for (size_t l = 0; l < s->nlangs; l++)
        fprintf(stderr, " %s", s->langs[l]);
    fprintf(stderr, ")\n");
    return false;
}

int formscmd_translations(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    diag_list diags = {0};
    catalog *c = NULL;
    i18n_record *r = NULL;
    i18n_texts texts = {0};
    if (rc != 0)
        goto done;
    rc = 1;
    c = catalog_open(o.dir, &diags);
    if (c == NULL) {
        diag_print(&diags, stderr);
        goto done;
    }
    subject subj = {0}, *f = &subj;
    if (!find_subject(&o, c, f, &texts))
        goto done;
    diag_list_free(&diags); /* the loader's missing-translation warnings: the listing shows them */
    if ((r = i18n_record_load(o.dir, f->id, &diags)) == NULL) {
        diag_print(&diags, stderr);
        goto done;
    }
    if (o.accept && accept_texts(&o, f, r, &texts) != 0)
        goto done;
    size_t counts[4] = {0};
    if (o.accept && !o.json) {
        for (size_t i = 0; i < texts.count; i++)
            counts[i18n_status_of(r, o.lang, &texts.items[i])]++;
    } else {
        list_texts(&o, f, r, &texts, counts);
    }
    if (!o.json) {
        if (f->version != NULL)
            printf("%s version %s", f->id, f->version);
        else
            printf("%s (%s)", f->id, f->file);
        printf(", langue %s : %zu textes, %zu ok, %zu à revoir, %zu manquante(s), %zu non suivie(s)\n", o.lang,
               texts.count, counts[I18N_OK], counts[I18N_STALE], counts[I18N_MISSING],
               counts[I18N_UNKNOWN]);
        if (counts[I18N_STALE] + counts[I18N_UNKNOWN] > 0)
            printf("Après relecture : collector forms translations %s --lang %s --forms %s --accept [CLÉ...]\n", f->id,
                   o.lang, o.dir);
    }
    rc = 0;
done:
    i18n_texts_free(&texts);
    i18n_record_free(r);
    catalog_close(c);
    diag_list_free(&diags);
    free(o.keys);
    return rc;
}
