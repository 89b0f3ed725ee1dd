/* offer.c -- loading and checking the local health offer (offer.json) and writing it out as a form's rows.
 * See offer.h. Every rule a row of a form must follow (code, unique paper number, French label) is checked here,
 * against offer.json's own paths, so that a coordinator is told where in that file the problem is.
 */
#include "offer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcheck.h"
#include "util.h"

#define OFFER_MAX_TEXT 4000 /* bytes of one label, as FORM_MAX_TEXT */

struct offer {
    json_t *doc;
    char *file;
    bool example;
    offer_service *items;
    size_t count;
};

/* Why a kind: the report and the coordinator's own tables group services by it; a closed list keeps two
 * spellings of one kind from splitting a group. */
static const char *const kinds[] = {"soins", "prevention", "sante_mentale", "addictions", "droits", "social",
                                    "pharmacie", "mediation", "autre", NULL};

const char *const *offer_kinds(void)
{
    return kinds;
}

static bool is_kind(const char *s)
{
    for (const char *const *k = kinds; *k; k++)
        if (strcmp(*k, s) == 0)
            return true;
    return false;
}

/* Checks the language map obj[key] at path: French present, every language code well formed, every text a
 * non-empty string of at most OFFER_MAX_TEXT bytes. Returns the map, or NULL when absent or invalid (reported,
 * absence only when required). *ok is cleared on any error. */
static const json_t *load_label(jcheck *jc, const char *path, const json_t *obj, const char *key, bool required,
                                bool *ok)
{
    const json_t *t = jc_member(jc, path, obj, key, JSON_OBJECT, required);
    char p[JC_PATH_MAX];
    jc_path_key(p, path, key);
    if (t == NULL) {
        if (json_object_get(obj, key) != NULL || required)
            *ok = false;
        return NULL;
    }
    bool good = true;
    const char *lang;
    json_t *v;
    json_object_foreach((json_t *)t, lang, v) {
        char q[JC_PATH_MAX];
        jc_path_key(q, p, lang);
        if (!util_is_lang_code(lang)) {
            jc_error(jc, q, "code de langue « %s » invalide : 2 ou 3 lettres minuscules (fr, ar, en, tr)", lang);
            good = false;
        } else if (!json_is_string(v) || json_string_length(v) == 0) {
            jc_error(jc, q, "le texte doit être une chaîne non vide");
            good = false;
        } else if (json_string_length(v) > OFFER_MAX_TEXT) {
            jc_error(jc, q, "texte de plus de %d octets", OFFER_MAX_TEXT);
            good = false;
        }
    }
    if (json_object_get(t, "fr") == NULL) {
        jc_error(jc, p, "le texte en français (« fr ») est obligatoire");
        good = false;
    }
    *ok &= good;
    return good ? t : NULL;
}

/* Loads service i at path into s. Returns false after reporting. */
static bool load_service(jcheck *jc, const char *path, const json_t *o, offer_service *s)
{
    static const char *const keys[] = {"code", "paper", "kind", "label", "label_pro", NULL};
    char p[JC_PATH_MAX];
    if (!json_is_object(o)) {
        jc_error(jc, path, "un service est un objet {\"code\", \"paper\", \"kind\", \"label\"}");
        return false;
    }
    bool ok = jc_only_keys(jc, path, o, keys);
    s->code = jc_string(jc, path, o, "code", true);
    jc_path_key(p, path, "code");
    if (s->code == NULL) {
        ok = false;
    } else if (!jc_is_slug(s->code, 32, false)) {
        jc_error(jc, p, "code « %s » invalide : minuscules ASCII, chiffres, _, + et - (32 au plus)", s->code);
        ok = false;
    }
    /* Required, unlike a choice's: a default by position would renumber the paper form when a service is
     * removed, and mediators type these numbers. */
    const json_t *paper = jc_member(jc, path, o, "paper", JSON_INTEGER, true);
    jc_path_key(p, path, "paper");
    if (paper == NULL) {
        ok = false;
    } else if (json_integer_value(paper) < 0 || json_integer_value(paper) > 99) {
        jc_error(jc, p, "le numéro papier va de 0 à 99");
        ok = false;
    } else {
        s->paper = (int)json_integer_value(paper);
    }
    s->kind = jc_string(jc, path, o, "kind", true);
    jc_path_key(p, path, "kind");
    if (s->kind == NULL) {
        ok = false;
    } else if (!is_kind(s->kind)) {
        jc_error(jc, p, "« kind » inconnu « %s » (soins, prevention, sante_mentale, addictions, droits, social, "
                 "pharmacie, mediation, autre)", s->kind);
        ok = false;
    }
    s->label = load_label(jc, path, o, "label", true, &ok);
    s->label_pro = load_label(jc, path, o, "label_pro", false, &ok);
    return ok;
}

/* Codes and paper numbers are unique in the list, since the list becomes one question's rows. */
static bool check_unique(jcheck *jc, const offer *o)
{
    bool ok = true;
    for (size_t i = 0; i < o->count; i++)
        for (size_t j = 0; j < i; j++) {
            char p[JC_PATH_MAX], q[JC_PATH_MAX];
            jc_path_index(p, "$.services", i);
            if (o->items[i].code && o->items[j].code && strcmp(o->items[i].code, o->items[j].code) == 0) {
                jc_path_key(q, p, "code");
                jc_error(jc, q, "code « %s » déjà utilisé par le service %zu", o->items[i].code, j + 1);
                ok = false;
            }
            if (o->items[i].paper >= 0 && o->items[i].paper == o->items[j].paper) {
                jc_path_key(q, p, "paper");
                jc_error(jc, q, "numéro papier %d déjà utilisé par le service %zu (« %s »)", o->items[i].paper,
                         j + 1, o->items[j].code ? o->items[j].code : "?");
                ok = false;
            }
        }
    return ok;
}

offer *offer_load_json(json_t *doc, const char *name, diag_list *diags)
{
    static const char *const keys[] = {"example", "note", "services", NULL};
    jcheck jc = {diags, name};
    offer *o = xcalloc(1, sizeof *o);
    o->doc = json_incref(doc);
    o->file = xstrdup(name);
    bool ok = true;
    if (!json_is_object(doc)) {
        jc_error(&jc, "$", "offer.json est un objet JSON {\"services\": […]}");
        goto err;
    }
    ok &= jc_only_keys(&jc, "$", doc, keys);
    const json_t *ex = json_object_get(doc, "example");
    if (ex != NULL && !json_is_boolean(ex)) {
        jc_error(&jc, "$.example", "« example » vaut true ou false");
        ok = false;
    }
    o->example = json_is_true(ex);
    if (json_object_get(doc, "note") != NULL && jc_string(&jc, "$", doc, "note", false) == NULL)
        ok = false;
    const json_t *services = jc_member(&jc, "$", doc, "services", JSON_ARRAY, true);
    if (services == NULL)
        goto err;
    o->count = json_array_size(services);
    if (o->count == 0 || o->count > OFFER_MAX_SERVICES) {
        jc_error(&jc, "$.services", "entre 1 et %d services attendus", OFFER_MAX_SERVICES);
        goto err;
    }
    o->items = xcalloc(o->count, sizeof *o->items);
    for (size_t i = 0; i < o->count; i++) {
        char p[JC_PATH_MAX];
        jc_path_index(p, "$.services", i);
        o->items[i].paper = -1;
        ok &= load_service(&jc, p, json_array_get(services, i), &o->items[i]);
    }
    ok &= check_unique(&jc, o);
    if (!ok)
        goto err;
    return o;
err:
    offer_free(o);
    return NULL;
}

offer *offer_load(const char *path, diag_list *diags)
{
    json_t *doc = jc_load_file(path, diags);
    if (doc == NULL)
        return NULL;
    offer *o = offer_load_json(doc, path, diags);
    json_decref(doc);
    return o;
}

void offer_free(offer *o)
{
    if (o == NULL)
        return;
    free(o->items);
    free(o->file);
    json_decref(o->doc);
    free(o);
}

size_t offer_count(const offer *o)
{
    return o->count;
}

const offer_service *offer_at(const offer *o, size_t i)
{
    return &o->items[i];
}

const offer_service *offer_find(const offer *o, const char *code)
{
    for (size_t i = 0; i < o->count; i++)
        if (strcmp(o->items[i].code, code) == 0)
            return &o->items[i];
    return NULL;
}

const char *offer_file(const offer *o)
{
    return o->file;
}

const json_t *offer_doc(const offer *o)
{
    return o->doc;
}

bool offer_is_example(const offer *o)
{
    return o->example;
}

json_t *offer_rows(const offer *o, bool pro, const char *const *langs, size_t nlangs)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < o->count; i++) {
        const offer_service *s = &o->items[i];
        const json_t *src = pro && s->label_pro ? s->label_pro : s->label;
        json_t *label = json_object();
        /* In the form's language order, so that the inlined rows read like rows written by hand. */
        for (size_t l = 0; l < nlangs; l++) {
            json_t *text = json_object_get(src, langs[l]);
            if (text != NULL)
                json_object_set(label, langs[l], text);
        }
        json_array_append_new(rows, json_pack("{s:s, s:i, s:o}", "code", s->code, "paper", s->paper, "label",
                                              label));
    }
    return rows;
}

void offer_label_path(const offer *o, size_t i, bool pro, char *out, size_t len)
{
    bool use_pro = pro && i < o->count && o->items[i].label_pro != NULL;
    snprintf(out, len, "$.services[%zu].%s", i, use_pro ? "label_pro" : "label");
}

bool offer_used_by(const json_t *doc)
{
    size_t i, j;
    const json_t *s, *q;
    json_array_foreach(json_object_get(doc, "sections"), i, s)
        json_array_foreach(json_object_get(s, "questions"), j, q) {
            const char *r = json_string_value(json_object_get(q, "rows"));
            const char *c = json_string_value(json_object_get(q, "choices"));
            if ((r && strcmp(r, OFFER_LIST_NAME) == 0) || (c && strcmp(c, OFFER_LIST_NAME) == 0))
                return true;
        }
    return false;
}
