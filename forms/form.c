/* form.c -- loading one version of a survey definition: every rule of forms/README.md is checked here, so
 * that the rest of the code can trust a form_t it is given. Exports form_load_file and its accessors.
 */
#include "form.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcheck.h"
#include "util.h"

/* ---------------------------------------------------------------------------------------------------------
 * Question index: open addressing on FNV-1a, so that the checker's lookups stay O(1) on large forms.
 */

struct form_index {
    size_t cap;          /* power of two */
    const form_question **slots;
};

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static struct form_index *index_build(form_question *qs, size_t n)
{
    struct form_index *ix = xcalloc(1, sizeof *ix);
    ix->cap = 16;
    while (ix->cap < n * 2)
        ix->cap *= 2;
    ix->slots = xcalloc(ix->cap, sizeof *ix->slots);
    for (size_t i = 0; i < n; i++) {
        if (qs[i].id == NULL)
            continue;
        size_t k = hash_str(qs[i].id) & (ix->cap - 1);
        while (ix->slots[k] != NULL)
            k = (k + 1) & (ix->cap - 1);
        ix->slots[k] = &qs[i];
    }
    return ix;
}

const form_question *form_question_by_id(const form *f, const char *id)
{
    const struct form_index *ix = f->index;
    if (ix == NULL)
        return NULL;
    size_t k = hash_str(id) & (ix->cap - 1);
    while (ix->slots[k] != NULL) {
        if (strcmp(ix->slots[k]->id, id) == 0)
            return ix->slots[k];
        k = (k + 1) & (ix->cap - 1);
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------------------
 * Small accessors.
 */

static const char *const qtype_names[] = {"single", "multiple", "integer", "decimal", "text", "long_text",
                                          "date", "scale", "grid", "territory", "note"};

const char *form_qtype_name(form_qtype t)
{
    return qtype_names[t];
}

int form_qtype_parse(const char *name)
{
    for (size_t i = 0; i < sizeof qtype_names / sizeof *qtype_names; i++)
        if (strcmp(qtype_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *form_text(const json_t *text, const char *lang)
{
    const char *s = lang ? json_string_value(json_object_get(text, lang)) : NULL;
    if (s == NULL)
        s = json_string_value(json_object_get(text, "fr"));
    return s ? s : "";
}

bool form_has_language(const form *f, const char *lang)
{
    for (size_t i = 0; i < f->nlanguages; i++)
        if (strcmp(f->languages[i], lang) == 0)
            return true;
    return false;
}

const form_choice *form_choice_by_code(const form_question *q, const char *code, bool rows)
{
    const form_choice *list = rows ? q->rows : q->choices;
    size_t n = rows ? q->nrows : q->nchoices;
    for (size_t i = 0; i < n; i++)
        if (list[i].code != NULL && strcmp(list[i].code, code) == 0) // NULL: a choice the loader refused
            return &list[i];
    return NULL;
}

bool form_accepts_code(const form *f, const form_question *q, const char *code)
{
    if (form_choice_by_code(q, code, false) != NULL)
        return true;
    return q->type == FQ_TERRITORY && terr_find(f->territories, code) != NULL;
}

bool form_version_valid(const char *s)
{
    size_t n = strlen(s), digits = 0;
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (++digits > 9)
                return false;
        } else if (s[i] == '.' && digits > 0 && i + 1 < n) {
            digits = 0;
        } else {
            return false;
        }
    }
    return true;
}

int form_version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        long x = 0, y = 0;
        while (*a >= '0' && *a <= '9')
            x = x * 10 + (*a++ - '0');
        while (*b >= '0' && *b <= '9')
            y = y * 10 + (*b++ - '0');
        if (x != y)
            return x < y ? -1 : 1;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Loading.
 */

typedef struct loader {
    jcheck jc;
    form *f;
    const json_t *lists;  /* choice_lists, or NULL */
    bool ok;
    char subject[64];     /* " pour la question R13": whose texts are loading, for the missing-translation warning */
    const offer *offer;   /* the shared list "offre", or NULL */
    json_t *inlined;      /* the arrays expand_shared wrote in place of "offre", or NULL */
    bool shared_texts;    /* loading inlined offer rows: their missing translations were reported against
                           * offer.json, with the service's name, by expand_shared */
} loader;

/* Checks a language map at path. Returns it, or NULL when absent (reported if required) or invalid. */
static const json_t *load_text(loader *ld, const char *path, const json_t *parent, const char *key, bool required)
{
    const json_t *t = jc_member(&ld->jc, path, parent, key, JSON_OBJECT, required);
    char p[JC_PATH_MAX];
    jc_path_key(p, path, key);
    if (t == NULL) {
        if (json_object_get(parent, key) != NULL || required)
            ld->ok = false;
        return NULL;
    }
    const char *lang;
    json_t *v;
    json_object_foreach((json_t *)t, lang, v) {
        char q[JC_PATH_MAX];
        jc_path_key(q, p, lang);
        if (!form_has_language(ld->f, lang)) {
            jc_error(&ld->jc, q, "langue « %s » non déclarée dans « languages »", lang);
            ld->ok = false;
        } else if (!json_is_string(v) || json_string_length(v) == 0) {
            jc_error(&ld->jc, q, "le texte doit être une chaîne non vide");
            ld->ok = false;
        } else if (json_string_length(v) > FORM_MAX_TEXT) {
            jc_error(&ld->jc, q, "texte de plus de %d octets", FORM_MAX_TEXT);
            ld->ok = false;
        }
    }
    if (json_object_get(t, "fr") == NULL) {
        jc_error(&ld->jc, p, "le texte en français (« fr ») est obligatoire");
        ld->ok = false;
        return NULL;
    }
    for (size_t i = 1; i < ld->f->nlanguages && !ld->shared_texts; i++)
        if (json_object_get(t, ld->f->languages[i]) == NULL)
            jc_warn(&ld->jc, p, "traduction « %s » manquante%s (le français sera affiché)", ld->f->languages[i],
                    ld->subject);
    return t;
}

/* Loads an array of choices (or rows). Sets *out and *n; returns false after reporting. */
static bool load_choices(loader *ld, const char *path, const json_t *arr, bool rows, form_question *q,
                         form_choice **out, size_t *n)
{
    static const char *const ckeys[] = {"code", "paper", "label", "exclusive", NULL};
    static const char *const rkeys[] = {"code", "paper", "label", NULL};
    const char *what = rows ? "ligne" : "choix";
    *out = NULL;
    *n = 0;
    if (json_array_size(arr) == 0 || json_array_size(arr) > FORM_MAX_CHOICES) {
        jc_error(&ld->jc, path, "entre 1 et %d %s attendus", FORM_MAX_CHOICES, rows ? "lignes" : "choix");
        return false;
    }
    bool ok = true;
    size_t count = json_array_size(arr);
    form_choice *cs = xcalloc(count, sizeof *cs);
    for (size_t i = 0; i < count; i++) {
        char p[JC_PATH_MAX];
        jc_path_index(p, path, i);
        const json_t *c = json_array_get(arr, i);
        if (!json_is_object(c)) {
            jc_error(&ld->jc, p, "un %s doit être un objet {\"code\", \"label\"}", what);
            ok = false;
            continue;
        }
        ok &= jc_only_keys(&ld->jc, p, c, rows ? rkeys : ckeys);
        cs[i].code = jc_string(&ld->jc, p, c, "code", true);
        char pc[JC_PATH_MAX];
        jc_path_key(pc, p, "code");
        if (cs[i].code == NULL) {
            ok = false;
        } else if (!jc_is_slug(cs[i].code, 32, false)) {
            jc_error(&ld->jc, pc, "code « %s » invalide : minuscules ASCII, chiffres, _, + et - (32 au plus)",
                     cs[i].code);
            ok = false;
        }
        const json_t *paper = jc_member(&ld->jc, p, c, "paper", JSON_INTEGER, false);
        if (json_object_get(c, "paper") != NULL && paper == NULL)
            ok = false;
        cs[i].paper = paper ? (int)json_integer_value(paper) : (int)i + 1;
        if (paper && (json_integer_value(paper) < 0 || json_integer_value(paper) > 99)) {
            char pp[JC_PATH_MAX];
            jc_path_key(pp, p, "paper");
            jc_error(&ld->jc, pp, "le numéro papier va de 0 à 99");
            ok = false;
        }
        cs[i].label = load_text(ld, p, c, "label", true);
        const json_t *ex = jc_member(&ld->jc, p, c, "exclusive", JSON_TRUE, false);
        cs[i].exclusive = ex && json_is_true(ex);
        if (cs[i].exclusive && q->type != FQ_MULTIPLE && !(q->type == FQ_TERRITORY && q->multiple)) {
            jc_error(&ld->jc, p, "« exclusive » n'a de sens que pour une question « multiple »");
            ok = false;
        }
        for (size_t j = 0; j < i; j++) {
            if (cs[i].code && cs[j].code && strcmp(cs[i].code, cs[j].code) == 0) {
                jc_error(&ld->jc, pc, "code « %s » déjà utilisé par le %s %zu", cs[i].code, what, j + 1);
                ok = false;
            }
            if (cs[i].paper == cs[j].paper) {
                jc_error(&ld->jc, p, "numéro papier %d déjà utilisé par le %s %zu", cs[i].paper, what, j + 1);
                ok = false;
            }
        }
    }
    *out = cs;
    *n = count;
    return ok;
}

/* The list a question names instead of giving it inline: an entry of the form's choice_lists, its path written
 * into lp. The shared list "offre" was written inline by expand_shared; it is only met here when there is no
 * offer to take it from. Returns NULL after reporting. */
static const json_t *named_list(loader *ld, const char *path, const char *name, char lp[JC_PATH_MAX])
{
    if (strcmp(name, OFFER_LIST_NAME) == 0) {
        jc_error(&ld->jc, path, "la liste partagée « %s » (les services de santé locaux) demande un fichier "
                 "offer.json valide dans le dossier des formulaires", name);
        return NULL;
    }
    const json_t *list = json_object_get(ld->lists, name);
    if (list == NULL) {
        jc_error(&ld->jc, path, "liste de choix inconnue « %s » (voir « choice_lists »)", name);
        return NULL;
    }
    jc_path_key(lp, "$.choice_lists", name);
    return list;
}

/* As load_choices, for an array in the document: one that expand_shared wrote in place of "offre" is loaded
 * without its own missing-translation warnings, already given against offer.json. */
static bool load_list(loader *ld, const char *path, const json_t *arr, bool rows, form_question *q,
                      form_choice **out, size_t *n)
{
    bool shared = false;
    for (size_t i = 0; i < json_array_size(ld->inlined) && !shared; i++)
        shared = json_array_get(ld->inlined, i) == arr;
    ld->shared_texts = shared;
    bool ok = load_choices(ld, path, arr, rows, q, out, n);
    ld->shared_texts = false;
    return ok;
}

/* Reads `choices`, given inline or as the name of a choice list. */
static bool load_question_choices(loader *ld, const char *path, const json_t *qo, form_question *q, bool required)
{
    const json_t *c = json_object_get(qo, "choices");
    char p[JC_PATH_MAX];
    jc_path_key(p, path, "choices");
    if (c == NULL) {
        if (required)
            jc_error(&ld->jc, p, "« choices » est obligatoire pour une question « %s »", form_qtype_name(q->type));
        return !required;
    }
    if (json_is_string(c)) {
        char lp[JC_PATH_MAX];
        const json_t *list = named_list(ld, p, json_string_value(c), lp);
        return list != NULL && load_choices(ld, lp, list, false, q, &q->choices, &q->nchoices);
    }
    if (!json_is_array(c)) {
        jc_error(&ld->jc, p, "« choices » est un tableau de choix ou le nom d'une liste");
        return false;
    }
    return load_list(ld, p, c, false, q, &q->choices, &q->nchoices);
}

/* Reads a grid's `rows`, given inline or as the name of a list, and checks `row_labels` (expand_shared applied
 * and removed a valid one). */
static bool load_grid_rows(loader *ld, const char *path, const json_t *qo, form_question *q)
{
    const json_t *r = json_object_get(qo, "rows");
    const json_t *which = json_object_get(qo, "row_labels");
    char p[JC_PATH_MAX];
    bool ok = true;
    if (which != NULL && !(json_is_string(r) && strcmp(json_string_value(r), OFFER_LIST_NAME) == 0)) {
        jc_path_key(p, path, "row_labels");
        if (!json_is_string(which) || strcmp(json_string_value(which), "pro") != 0)
            jc_error(&ld->jc, p, "« row_labels » vaut « pro » : les libellés pour les professionnels "
                     "(« label_pro ») de offer.json");
        else
            jc_error(&ld->jc, p, "« row_labels » ne s'emploie qu'avec « rows »: \"%s\"", OFFER_LIST_NAME);
        ok = false;
    }
    jc_path_key(p, path, "rows");
    if (r == NULL) {
        jc_error(&ld->jc, p, "« rows » est obligatoire pour une question « grid »");
        return false;
    }
    if (json_is_string(r)) {
        char lp[JC_PATH_MAX];
        const json_t *list = named_list(ld, p, json_string_value(r), lp);
        return list != NULL && load_choices(ld, lp, list, true, q, &q->rows, &q->nrows) && ok;
    }
    if (!json_is_array(r)) {
        jc_error(&ld->jc, p, "« rows » est un tableau de lignes ou le nom d'une liste");
        return false;
    }
    return load_list(ld, p, r, true, q, &q->rows, &q->nrows) && ok;
}

/* Reads a numeric bound; integer questions need whole numbers. */
static bool load_bound(loader *ld, const char *path, const json_t *qo, const char *key, form_question *q,
                       bool *has, double *v)
{
    const json_t *b = json_object_get(qo, key);
    if (b == NULL)
        return true;
    char p[JC_PATH_MAX];
    jc_path_key(p, path, key);
    bool whole = q->type == FQ_INTEGER || q->type == FQ_SCALE;
    if (whole ? !json_is_integer(b) : !json_is_number(b)) {
        jc_error(&ld->jc, p, "« %s » doit être un nombre%s", key, whole ? " entier" : "");
        return false;
    }
    *has = true;
    *v = json_number_value(b);
    if (fabs(*v) > 1e15) {
        jc_error(&ld->jc, p, "borne hors des limites raisonnables (±10^15)");
        return false;
    }
    return true;
}

static bool load_date_bound(loader *ld, const char *path, const json_t *qo, const char *key, char out[11])
{
    const json_t *b = json_object_get(qo, key);
    out[0] = '\0';
    if (b == NULL)
        return true;
    const char *s = json_string_value(b);
    if (s == NULL || !(strcmp(s, "today") == 0 || util_is_date(s))) {
        char p[JC_PATH_MAX];
        jc_path_key(p, path, key);
        jc_error(&ld->jc, p, "« %s » est une date AAAA-MM-JJ ou « today »", key);
        return false;
    }
    snprintf(out, 11, "%s", s);
    return true;
}

/* Reads max_selected, which must lie between 1 and the number of possible answers. */
static bool load_max_selected(loader *ld, const char *path, const json_t *qo, form_question *q, size_t possible)
{
    const json_t *m = json_object_get(qo, "max_selected");
    if (m == NULL)
        return true;
    char p[JC_PATH_MAX];
    jc_path_key(p, path, "max_selected");
    q->max_selected = json_is_integer(m) ? (long)json_integer_value(m) : -1;
    if (q->max_selected < 1 || (possible && (size_t)q->max_selected > possible)) {
        jc_error(&ld->jc, p, "« max_selected » est un entier entre 1 et le nombre de choix");
        return false;
    }
    return true;
}

/* The keys each question type accepts, besides the common ones. */
static const char *const *type_keys(form_qtype t)
{
    static const char *const single[] = {"choices", NULL};
    static const char *const territory[] = {"choices", "multiple", "max_selected", NULL};
    static const char *const multiple[] = {"choices", "max_selected", NULL};
    static const char *const number[] = {"min", "max", NULL};
    static const char *const scale[] = {"min", "max", "labels", NULL};
    static const char *const text[] = {"max_length", NULL};
    static const char *const grid[] = {"rows", "row_labels", "choices", NULL};
    static const char *const none[] = {NULL};
    switch (t) {
    case FQ_SINGLE: return single;
    case FQ_TERRITORY: return territory;
    case FQ_MULTIPLE: return multiple;
    case FQ_INTEGER:
    case FQ_DECIMAL:
    case FQ_DATE: return number;
    case FQ_SCALE: return scale;
    case FQ_TEXT:
    case FQ_LONG_TEXT: return text;
    case FQ_GRID: return grid;
    case FQ_NOTE: return none;
    }
    return none;
}

static bool check_question_keys(loader *ld, const char *path, const json_t *qo, form_qtype t)
{
    static const char *const common[] = {"id", "type", "label", "hint", "relevant", "required", "constraint",
                                         "constraint_message"};
    const char *allowed[16];
    size_t n = 0;
    size_t ncommon = t == FQ_NOTE ? 5 : 8; /* a note has no required or constraint */
    for (size_t i = 0; i < ncommon; i++)
        allowed[n++] = common[i];
    for (const char *const *k = type_keys(t); *k; k++)
        allowed[n++] = *k;
    allowed[n] = NULL;
    return jc_only_keys(&ld->jc, path, qo, allowed);
}

/* Type-specific parts of a question. */
static bool load_question_body(loader *ld, const char *path, const json_t *qo, form_question *q)
{
    bool ok = true;
    char p[JC_PATH_MAX];
    switch (q->type) {
    case FQ_SINGLE:
    case FQ_MULTIPLE:
        ok &= load_question_choices(ld, path, qo, q, true);
        ok &= load_max_selected(ld, path, qo, q, q->nchoices);
        break;
    case FQ_TERRITORY: {
        const json_t *m = json_object_get(qo, "multiple");
        if (m != NULL && !json_is_boolean(m)) {
            jc_path_key(p, path, "multiple");
            jc_error(&ld->jc, p, "« multiple » vaut true ou false");
            ok = false;
        }
        q->multiple = json_is_true(m);
        if (!q->multiple && json_object_get(qo, "max_selected") != NULL) {
            jc_path_key(p, path, "max_selected");
            jc_error(&ld->jc, p, "« max_selected » demande « multiple »: true");
            ok = false;
        }
        if (ld->f->territories == NULL) {
            jc_error(&ld->jc, path, "question « territory » sans fichier des territoires (territories.json)");
            ok = false;
        }
        ok &= load_question_choices(ld, path, qo, q, false);
        for (size_t i = 0; i < q->nchoices && ld->f->territories; i++) {
            const terr_set *ts = ld->f->territories;
            for (size_t j = 0; j < ts->count; j++) {
                if (q->choices[i].code && strcmp(q->choices[i].code, ts->items[j].code) == 0) {
                    jc_error(&ld->jc, path, "le choix « %s » est aussi un code de territoire", q->choices[i].code);
                    ok = false;
                }
                if (q->choices[i].paper == ts->items[j].paper) {
                    jc_error(&ld->jc, path, "le numéro papier %d du choix « %s » est aussi celui du territoire "
                             "« %s »", q->choices[i].paper, q->choices[i].code ? q->choices[i].code : "?",
                             ts->items[j].code);
                    ok = false;
                }
            }
        }
        if (q->multiple)
            ok &= load_max_selected(ld, path, qo, q, q->nchoices + (ld->f->territories ? ld->f->territories->count : 0));
        break;
    }
    case FQ_GRID:
        ok &= load_grid_rows(ld, path, qo, q);
        ok &= load_question_choices(ld, path, qo, q, true);
        break;
    case FQ_INTEGER:
    case FQ_DECIMAL:
    case FQ_SCALE:
        ok &= load_bound(ld, path, qo, "min", q, &q->has_min, &q->min);
        ok &= load_bound(ld, path, qo, "max", q, &q->has_max, &q->max);
        if (q->has_min && q->has_max && q->min > q->max) {
            jc_error(&ld->jc, path, "« min » (%g) dépasse « max » (%g)", q->min, q->max);
            ok = false;
        }
        if (q->type == FQ_SCALE) {
            if (!q->has_min || !q->has_max || q->max - q->min < 1 || q->max - q->min > 10) {
                jc_error(&ld->jc, path, "une échelle a « min » et « max » entiers, de 2 à 11 points");
                ok = false;
            }
            const json_t *labels = json_object_get(qo, "labels");
            jc_path_key(p, path, "labels");
            if (labels != NULL && !json_is_object(labels)) {
                jc_error(&ld->jc, p, "« labels » est un objet {\"1\": {\"fr\": …}}");
                ok = false;
            } else if (labels != NULL) {
                const char *k;
                json_t *v;
                long point;
                json_object_foreach((json_t *)labels, k, v) {
                    char lp[JC_PATH_MAX];
                    jc_path_key(lp, p, k);
                    if (!util_parse_long(k, -1000, 1000, &point) || point < q->min || point > q->max) {
                        jc_error(&ld->jc, lp, "« %s » n'est pas un point de l'échelle", k);
                        ok = false;
                    }
                    (void)load_text(ld, p, labels, k, true);
                }
                q->labels = labels;
            }
        }
        break;
    case FQ_DATE:
        ok &= load_date_bound(ld, path, qo, "min", q->min_date);
        ok &= load_date_bound(ld, path, qo, "max", q->max_date);
        if (util_is_date(q->min_date) && util_is_date(q->max_date) && strcmp(q->min_date, q->max_date) > 0) {
            jc_error(&ld->jc, path, "« min » est après « max »");
            ok = false;
        }
        break;
    case FQ_TEXT:
    case FQ_LONG_TEXT: {
        q->max_length = q->type == FQ_TEXT ? FORM_TEXT_DEFAULT_MAX : FORM_LONG_TEXT_DEFAULT_MAX;
        const json_t *m = json_object_get(qo, "max_length");
        if (m != NULL) {
            jc_path_key(p, path, "max_length");
            q->max_length = json_is_integer(m) ? (long)json_integer_value(m) : -1;
            if (q->max_length < 1 || q->max_length > FORM_TEXT_HARD_MAX) {
                jc_error(&ld->jc, p, "« max_length » est un entier de 1 à %d", FORM_TEXT_HARD_MAX);
                ok = false;
            }
        }
        break;
    }
    case FQ_NOTE:
        break;
    }
    return ok;
}

/* Reads a computed answer ("type": "calculate"): never shown, so no hint, required or constraint; a label is
 * optional (it names the answer in exports and the report), choices too (they give its codes their labels). Its
 * type is that of a single-choice question when it has choices; compile_calculation settles the others. */
static bool load_calculate(loader *ld, const char *path, const json_t *qo, form_question *q)
{
    static const char *const keys[] = {"id", "type", "label", "relevant", "calculation", "choices", NULL};
    bool ok = jc_only_keys(&ld->jc, path, qo, keys);
    q->calculated = true;
    q->type = json_object_get(qo, "choices") != NULL ? FQ_SINGLE : FQ_TEXT;
    q->label = load_text(ld, path, qo, "label", false);
    q->relevant_src = jc_string(&ld->jc, path, qo, "relevant", false);
    q->calculation_src = jc_string(&ld->jc, path, qo, "calculation", true);
    if (q->calculation_src == NULL)
        ok = false;
    if (q->type == FQ_SINGLE)
        ok &= load_question_choices(ld, path, qo, q, true);
    return ok;
}

/* Reads the common parts of a question, then its type-specific parts. Expressions are compiled later, once
 * every question is known. */
static bool load_question(loader *ld, const char *path, const json_t *qo, form_question *q)
{
    if (!json_is_object(qo)) {
        jc_error(&ld->jc, path, "une question doit être un objet");
        return false;
    }
    bool ok = true;
    q->id = jc_string(&ld->jc, path, qo, "id", true);
    const char *type = jc_string(&ld->jc, path, qo, "type", true);
    char p[JC_PATH_MAX];
    if (q->id != NULL && !jc_is_ident(q->id, 32)) {
        jc_path_key(p, path, "id");
        jc_error(&ld->jc, p, "identifiant « %s » invalide : une lettre puis lettres, chiffres ou _", q->id);
        q->id = NULL;
    }
    if (q->id == NULL || type == NULL)
        return false;
    int t = form_qtype_parse(type);
    if (t < 0 && strcmp(type, "calculate") == 0) {
        snprintf(ld->subject, sizeof ld->subject, " pour la question %s", q->id);
        return load_calculate(ld, path, qo, q);
    }
    if (t < 0) {
        jc_path_key(p, path, "type");
        jc_error(&ld->jc, p, "type inconnu « %s » (single, multiple, integer, decimal, text, long_text, date, "
                 "scale, grid, territory, note, calculate)", type);
        return false;
    }
    q->type = (form_qtype)t;
    snprintf(ld->subject, sizeof ld->subject, " pour la question %s", q->id);
    ok &= check_question_keys(ld, path, qo, q->type);
    q->label = load_text(ld, path, qo, "label", true);
    q->hint = load_text(ld, path, qo, "hint", false);
    q->relevant_src = jc_string(&ld->jc, path, qo, "relevant", false);
    q->constraint_src = jc_string(&ld->jc, path, qo, "constraint", false);
    const json_t *req = json_object_get(qo, "required");
    if (json_is_boolean(req)) {
        q->required = json_is_true(req);
    } else if (json_is_string(req) && json_string_length(req) > 0) {
        q->required_src = json_string_value(req);
    } else if (req != NULL) {
        jc_path_key(p, path, "required");
        jc_error(&ld->jc, p, "« required » vaut true, false ou une expression");
        ok = false;
    }
    q->constraint_message = load_text(ld, path, qo, "constraint_message", q->constraint_src != NULL);
    if (q->constraint_message && q->constraint_src == NULL) {
        jc_path_key(p, path, "constraint_message");
        jc_error(&ld->jc, p, "« constraint_message » sans « constraint »");
        ok = false;
    }
    ok &= load_question_body(ld, path, qo, q);
    return ok;
}

/* ---------------------------------------------------------------------------------------------------------
 * Expressions: references resolve to questions that come strictly before `limit`.
 */

typedef struct scope_ctx {
    const form *f;
    size_t limit;
    bool own;     /* the expression is a question's own, the question at limit: naming it is a self-reference */
    bool dot;     /* a constraint, where the question's own answer is written '.' */
} scope_ctx;

static bool has_choice_code(const void *subject, const char *code)
{
    return form_choice_by_code(subject, code, false) != NULL;
}

static bool has_answer_code(const void *subject, const char *code)
{
    const form_question *q = subject;
    return form_accepts_code(q->owner, q, code);
}

/* What a question is, seen from an expression. */
static expr_ref ref_of(const form_question *q)
{
    expr_ref r = {EXPR_T_NONE, NULL, NULL};
    switch (q->type) {
    case FQ_SINGLE:
        r = (expr_ref){EXPR_T_STRING, has_answer_code, q};
        break;
    case FQ_TERRITORY:
        r = (expr_ref){q->multiple ? EXPR_T_SET : EXPR_T_STRING, has_answer_code, q};
        break;
    case FQ_MULTIPLE:
        r = (expr_ref){EXPR_T_SET, has_choice_code, q};
        break;
    case FQ_INTEGER:
    case FQ_DECIMAL:
    case FQ_SCALE:
        r.type = EXPR_T_NUMBER;
        break;
    case FQ_TEXT:
    case FQ_LONG_TEXT:
        r.type = EXPR_T_STRING;
        break;
    case FQ_DATE:
        r.type = EXPR_T_DATE;
        break;
    case FQ_GRID:
    case FQ_NOTE:
        break;
    }
    return r;
}

static int resolve(void *ctx, const char *qid, const char *row, expr_ref *out, char *err, size_t errlen)
{
    const scope_ctx *sc = ctx;
    const form_question *q = form_question_by_id(sc->f, qid);
    if (q == NULL) {
        snprintf(err, errlen, "question inconnue ${%s}", qid);
        return -1;
    }
    if (sc->own && q->index == sc->limit && sc->dot) {
        snprintf(err, errlen, "${%s} se désigne elle-même : dans une contrainte, la réponse vérifiée s'écrit « . »",
                 qid);
        return -1;
    }
    if (sc->own && q->index == sc->limit) {
        snprintf(err, errlen, "${%s} se désigne elle-même : une condition ou un calcul ne peut regarder qu'en "
                 "arrière, vers les questions d'avant", qid);
        return -1;
    }
    if (q->index >= sc->limit) {
        snprintf(err, errlen, "${%s} vient après la question qui y fait référence : une condition ne peut "
                 "regarder qu'en arrière", qid);
        return -1;
    }
    if (row == NULL) {
        *out = ref_of(q);
        return 0;
    }
    if (q->type != FQ_GRID) {
        snprintf(err, errlen, "${%s.%s} : %s n'est pas une grille", qid, row, qid);
        return -1;
    }
    if (form_choice_by_code(q, row, true) == NULL) {
        snprintf(err, errlen, "la grille %s n'a pas de ligne « %s »", qid, row);
        return -1;
    }
    *out = (expr_ref){EXPR_T_STRING, has_choice_code, q};
    return 0;
}

expr *form_compile_expr(const form *f, const char *src, expr_type want, expr_error *err)
{
    scope_ctx sc = {f, f->nquestions, false, false};
    expr_scope scope = {resolve, &sc, NULL};
    return expr_compile(src, &scope, want, err);
}

/* Compiles one expression of the form; reports and returns NULL on error. */
static expr *compile(loader *ld, const char *path, const char *key, const char *src, size_t limit, bool own,
                     const expr_ref *dot)
{
    if (src == NULL)
        return NULL;
    scope_ctx sc = {ld->f, limit, own, dot != NULL};
    expr_scope scope = {resolve, &sc, dot};
    expr_error err;
    expr *e = expr_compile(src, &scope, EXPR_T_BOOL, &err);
    if (e == NULL) {
        char p[JC_PATH_MAX];
        jc_path_key(p, path, key);
        jc_error(&ld->jc, p, "%s (caractère %zu de « %s »)", err.message, err.pos + 1, src);
        ld->ok = false;
    }
    return e;
}

/* What check_result needs to report against a calculation. */
typedef struct result_ctx {
    loader *ld;
    const form_question *q;
    const char *path;     /* of the calculation */
} result_ctx;

/* Whether every code of list (n of them) is one of q's choices; names the first that is not in *missing. */
static bool codes_within(const form_question *q, const form_choice *list, size_t n, const char **missing)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].code != NULL && form_choice_by_code(q, list[i].code, false) == NULL) {
            *missing = list[i].code;
            return false;
        }
    return true;
}

/* One value a calculation with choices may take (expr_foreach_result): a literal must be one of its codes, an
 * answer to another question may only hold codes it has, so that every stored value has a label. */
static void check_result(void *ctx, const char *lit, const char *qid, const char *row)
{
    result_ctx *rc = ctx;
    const form_question *q = rc->q;
    const char *missing = NULL;
    if (lit != NULL) {
        if (form_choice_by_code(q, lit, false) != NULL)
            return;
        jc_error(&rc->ld->jc, rc->path, "le calcul peut donner « %s », qui n'est pas un code des choix de %s", lit,
                 q->id);
    } else if (qid != NULL) {
        const form_question *src = form_question_by_id(rc->ld->f, qid);
        if (src == NULL)
            return; /* reported when the expression was compiled */
        bool coded = row != NULL || (src->type == FQ_SINGLE && src->nchoices > 0);
        if (coded && codes_within(q, src->choices, src->nchoices, &missing))
            return;
        if (coded)
            jc_error(&rc->ld->jc, rc->path, "le calcul peut donner la réponse à ${%s}%s%s, dont le code « %s » "
                     "n'est pas un code des choix de %s", qid, row ? "." : "", row ? row : "", missing, q->id);
        else
            jc_error(&rc->ld->jc, rc->path, "le calcul peut donner la réponse à ${%s}, qui n'est pas un code : "
                     "une question calculée avec des choix ne prend que leurs codes", qid);
    } else {
        jc_error(&rc->ld->jc, rc->path, "le calcul de %s doit donner un de ses codes", q->id);
    }
    rc->ld->ok = false;
}

/* Compiles a computed answer's calculation, which looks backwards like a condition (so no calculation can
 * depend on itself, even through others), and settles the question's type from the calculation's. */
static void compile_calculation(loader *ld, const char *path, form_question *q)
{
    char p[JC_PATH_MAX];
    jc_path_key(p, path, "calculation");
    scope_ctx sc = {ld->f, q->index, true, false};
    expr_scope scope = {resolve, &sc, NULL};
    expr_error err;
    q->calculation = expr_compile(q->calculation_src, &scope, EXPR_T_ANY, &err);
    if (q->calculation == NULL) {
        jc_error(&ld->jc, p, "%s (caractère %zu de « %s »)", err.message, err.pos + 1, q->calculation_src);
        ld->ok = false;
        return;
    }
    expr_type t = expr_result_type(q->calculation);
    if (q->type == FQ_SINGLE) {
        if (t != EXPR_T_STRING) {
            jc_error(&ld->jc, p, "une question calculée avec des choix prend un code (un texte), pas %s",
                     expr_type_name(t));
            ld->ok = false;
            return;
        }
        result_ctx rc = {ld, q, p};
        expr_foreach_result(q->calculation, check_result, &rc);
        return;
    }
    if (t == EXPR_T_NUMBER || t == EXPR_T_DATE || t == EXPR_T_STRING) {
        q->type = t == EXPR_T_NUMBER ? FQ_DECIMAL : t == EXPR_T_DATE ? FQ_DATE : FQ_TEXT;
        q->max_length = q->type == FQ_TEXT ? FORM_TEXT_DEFAULT_MAX : 0;
        return;
    }
    jc_error(&ld->jc, p, "le calcul doit donner un texte, un nombre ou une date, pas %s (pour une condition, "
             "écrivez if(…, 'oui', 'non') et donnez les choix oui et non)", expr_type_name(t));
    ld->ok = false;
}

static void compile_all(loader *ld)
{
    form *f = ld->f;
    for (size_t s = 0; s < f->nsections; s++) {
        char p[JC_PATH_MAX];
        jc_path_index(p, "$.sections", s);
        f->sections[s].relevant = compile(ld, p, "relevant", f->sections[s].relevant_src, f->sections[s].first, false,
                                          NULL);
        for (size_t i = 0; i < f->sections[s].count; i++) {
            form_question *q = &f->questions[f->sections[s].first + i];
            char qp[JC_PATH_MAX], pq[JC_PATH_MAX];
            jc_path_key(pq, p, "questions");
            jc_path_index(qp, pq, i);
            if (q->id == NULL)
                continue;
            q->relevant = compile(ld, qp, "relevant", q->relevant_src, q->index, true, NULL);
            if (q->calculated) {
                if (q->calculation_src != NULL) /* its absence is reported */
                    compile_calculation(ld, qp, q);
                continue;
            }
            q->required_expr = compile(ld, qp, "required", q->required_src, q->index, true, NULL);
            expr_ref dot = ref_of(q);
            q->constraint = compile(ld, qp, "constraint", q->constraint_src, q->index, true, &dot);
        }
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * The form document.
 */

static bool load_languages(loader *ld, const json_t *doc)
{
    const json_t *langs = jc_member(&ld->jc, "$", doc, "languages", JSON_ARRAY, true);
    if (langs == NULL)
        return false;
    size_t n = json_array_size(langs);
    if (n == 0 || n > sizeof ld->f->languages / sizeof *ld->f->languages) {
        jc_error(&ld->jc, "$.languages", "de 1 à 16 langues, « fr » en premier");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *l = json_string_value(json_array_get(langs, i));
        char p[JC_PATH_MAX];
        jc_path_index(p, "$.languages", i);
        size_t len = l ? strlen(l) : 0;
        bool valid = len == 2 || len == 3;
        for (size_t k = 0; valid && k < len; k++)
            valid = l[k] >= 'a' && l[k] <= 'z';
        if (!valid) {
            jc_error(&ld->jc, p, "code de langue de 2 ou 3 lettres minuscules attendu (fr, ar, en, tr)");
            return false;
        }
        if (form_has_language(ld->f, l)) {
            jc_error(&ld->jc, p, "langue « %s » en double", l);
            return false;
        }
        ld->f->languages[ld->f->nlanguages++] = l;
    }
    if (strcmp(ld->f->languages[0], "fr") != 0) {
        jc_error(&ld->jc, "$.languages[0]", "le français (« fr ») doit être la première langue");
        return false;
    }
    return true;
}

static bool load_sections(loader *ld, const json_t *doc)
{
    static const char *const skeys[] = {"id", "title", "intro", "relevant", "questions", NULL};
    const json_t *sections = jc_member(&ld->jc, "$", doc, "sections", JSON_ARRAY, true);
    if (sections == NULL || json_array_size(sections) == 0) {
        if (sections)
            jc_error(&ld->jc, "$.sections", "au moins une section");
        return false;
    }
    form *f = ld->f;
    size_t total = 0;
    for (size_t s = 0; s < json_array_size(sections); s++)
        total += json_array_size(json_object_get(json_array_get(sections, s), "questions"));
    if (total > FORM_MAX_QUESTIONS) {
        jc_error(&ld->jc, "$.sections", "plus de %d questions", FORM_MAX_QUESTIONS);
        return false;
    }
    f->nsections = json_array_size(sections);
    f->sections = xcalloc(f->nsections, sizeof *f->sections);
    f->questions = xcalloc(total ? total : 1, sizeof *f->questions);
    bool ok = true;
    for (size_t s = 0; s < f->nsections; s++) {
        char p[JC_PATH_MAX];
        jc_path_index(p, "$.sections", s);
        const json_t *so = json_array_get(sections, s);
        form_section *sec = &f->sections[s];
        sec->first = f->nquestions;
        if (!json_is_object(so)) {
            jc_error(&ld->jc, p, "une section doit être un objet");
            ok = false;
            continue;
        }
        ok &= jc_only_keys(&ld->jc, p, so, skeys);
        sec->id = jc_string(&ld->jc, p, so, "id", true);
        if (sec->id && !jc_is_ident(sec->id, 32)) {
            char ip[JC_PATH_MAX];
            jc_path_key(ip, p, "id");
            jc_error(&ld->jc, ip, "identifiant de section « %s » invalide", sec->id);
            ok = false;
        }
        snprintf(ld->subject, sizeof ld->subject, " pour la section %s", sec->id ? sec->id : "?");
        sec->title = load_text(ld, p, so, "title", true);
        sec->intro = load_text(ld, p, so, "intro", false);
        sec->relevant_src = jc_string(&ld->jc, p, so, "relevant", false);
        const json_t *qs = jc_member(&ld->jc, p, so, "questions", JSON_ARRAY, true);
        if (qs == NULL || json_array_size(qs) == 0) {
            if (qs != NULL) {
                char qp[JC_PATH_MAX];
                jc_path_key(qp, p, "questions");
                jc_error(&ld->jc, qp, "une section a au moins une question");
            }
            ok = false;
            continue;
        }
        for (size_t i = 0; i < json_array_size(qs); i++) {
            char qp[JC_PATH_MAX], pq[JC_PATH_MAX];
            jc_path_key(pq, p, "questions");
            jc_path_index(qp, pq, i);
            form_question *q = &f->questions[f->nquestions];
            q->index = f->nquestions++;
            q->section = s;
            q->owner = f;
            ok &= load_question(ld, qp, json_array_get(qs, i), q);
            for (size_t j = 0; q->id && j < q->index; j++)
                if (f->questions[j].id && strcmp(f->questions[j].id, q->id) == 0) {
                    char ip[JC_PATH_MAX];
                    jc_path_key(ip, qp, "id");
                    jc_error(&ld->jc, ip, "identifiant « %s » déjà utilisé", q->id);
                    q->id = NULL;
                    ok = false;
                }
        }
        sec->count = f->nquestions - sec->first;
        for (size_t t = 0; sec->id && t < s; t++)
            if (f->sections[t].id && strcmp(f->sections[t].id, sec->id) == 0) {
                jc_error(&ld->jc, p, "identifiant de section « %s » déjà utilisé", sec->id);
                ok = false;
            }
    }
    return ok;
}

/* ---------------------------------------------------------------------------------------------------------
 * Shared lists: the local health offer written inline.
 */

/* Adds a warning unless the very same one is already in diags: every version of a form that uses the offer
 * would otherwise repeat it. */
static void warn_once(diag_list *diags, const char *file, const char *path, const char *msg)
{
    if (diags == NULL)
        return;
    for (size_t i = 0; i < diags->count; i++)
        if (diags->items[i].warning && strcmp(diags->items[i].file, file) == 0 &&
            strcmp(diags->items[i].path, path) == 0 && strcmp(diags->items[i].message, msg) == 0)
            return;
    diag_add(diags, true, file, path, "%s", msg);
}

/* Warns, against offer.json and naming the service, of every language of langs (French apart) that a service's
 * label lacks: the form will show the French text there. */
static void warn_offer_gaps(loader *ld, bool pro, const char *const *langs, size_t nlangs)
{
    const char *fid = json_string_value(json_object_get(ld->f->doc, "id"));
    for (size_t i = 0; i < offer_count(ld->offer); i++) {
        const offer_service *sv = offer_at(ld->offer, i);
        const json_t *label = pro && sv->label_pro ? sv->label_pro : sv->label;
        char path[JC_PATH_MAX], msg[256];
        offer_label_path(ld->offer, i, pro, path, sizeof path);
        for (size_t l = 0; l < nlangs; l++) {
            if (strcmp(langs[l], "fr") == 0 || json_object_get(label, langs[l]) != NULL)
                continue;
            snprintf(msg, sizeof msg, "service « %s » : traduction « %s » manquante, langue du formulaire %s "
                     "(le français sera affiché)", sv->code, langs[l], fid ? fid : "?");
            warn_once(ld->jc.diags, offer_file(ld->offer), path, msg);
        }
    }
}

/* The document with the shared list written inline wherever a question names it ("rows": "offre" of a grid,
 * with "row_labels": "pro" for the professionals' labels, or "choices": "offre"), each label restricted to
 * the languages the form declares. A new reference: doc itself when it names no shared list or when there is
 * no offer (the loader then reports the name). The inlined arrays are kept in ld->inlined. */
static json_t *expand_shared(loader *ld, json_t *doc)
{
    if (json_object_get(json_object_get(doc, "choice_lists"), OFFER_LIST_NAME) != NULL) {
        jc_error(&ld->jc, "$.choice_lists." OFFER_LIST_NAME, "« %s » est le nom de la liste partagée des services "
                 "locaux (offer.json) : donnez un autre nom à cette liste", OFFER_LIST_NAME);
        ld->ok = false;
    }
    if (ld->offer == NULL)
        return json_incref(doc);
    const char *langs[16];
    size_t nlangs = 0;
    const json_t *jl = json_object_get(doc, "languages");
    for (size_t i = 0; i < json_array_size(jl) && nlangs < 16; i++)
        if (json_is_string(json_array_get(jl, i)))
            langs[nlangs++] = json_string_value(json_array_get(jl, i));
    json_t *copy = NULL;
    const json_t *sections = json_object_get(doc, "sections");
    for (size_t si = 0; si < json_array_size(sections); si++) {
        const json_t *qs = json_object_get(json_array_get(sections, si), "questions");
        for (size_t qi = 0; qi < json_array_size(qs); qi++) {
            const json_t *qo = json_array_get(qs, qi);
            static const char *const keys[] = {"rows", "choices"};
            for (size_t k = 0; k < 2; k++) {
                const char *v = json_string_value(json_object_get(qo, keys[k]));
                if (v == NULL || strcmp(v, OFFER_LIST_NAME) != 0)
                    continue;
                const char *which = json_string_value(json_object_get(qo, "row_labels"));
                bool pro = k == 0 && which != NULL && strcmp(which, "pro") == 0;
                if (copy == NULL) {
                    copy = json_deep_copy(doc);
                    ld->inlined = json_array();
                }
                json_t *cq = json_array_get(json_object_get(json_array_get(json_object_get(copy, "sections"), si),
                                                            "questions"), qi);
                json_t *list = offer_rows(ld->offer, pro, langs, nlangs);
                json_array_append(ld->inlined, list);
                json_object_set_new(cq, keys[k], list);
                if (pro)
                    json_object_del(cq, "row_labels");
                warn_offer_gaps(ld, pro, langs, nlangs);
            }
        }
    }
    return copy ? copy : json_incref(doc);
}

form *form_load_json(json_t *doc, const char *name, const terr_set *territories, diag_list *diags)
{
    form_shared shared = {territories, NULL};
    return form_load_json_shared(doc, name, &shared, diags);
}

form *form_load_json_shared(json_t *doc, const char *name, const form_shared *shared, diag_list *diags)
{
    static const char *const keys[] = {"id", "version", "languages", "title", "notice", "choice_lists",
                                       "sections", NULL};
    form *f = xcalloc(1, sizeof *f);
    f->doc = json_incref(doc);
    f->file = xstrdup(name);
    f->territories = shared ? shared->territories : NULL;
    loader ld = {{diags, name}, f, NULL, true, "", shared ? shared->offer : NULL, NULL, false};
    size_t errors_before = diags ? diags->errors : 0;
    /* Everything below reads the expanded document, so that the form's texts and codes live in it. */
    f->expanded = expand_shared(&ld, doc);
    doc = f->expanded;

    if (!json_is_object(doc)) {
        jc_error(&ld.jc, "$", "un formulaire est un objet JSON");
        goto err;
    }
    ld.ok &= jc_only_keys(&ld.jc, "$", doc, keys);
    f->id = jc_string(&ld.jc, "$", doc, "id", true);
    f->version = jc_string(&ld.jc, "$", doc, "version", true);
    if (f->id && (!jc_is_slug(f->id, 32, true) || strchr(f->id, '+'))) {
        jc_error(&ld.jc, "$.id", "identifiant de formulaire « %s » invalide (minuscules, chiffres, _ et -)", f->id);
        ld.ok = false;
    }
    if (f->version && !form_version_valid(f->version)) {
        jc_error(&ld.jc, "$.version", "version « %s » invalide : des nombres séparés par des points (1, 2.1)",
                 f->version);
        ld.ok = false;
    }
    if (f->id == NULL || f->version == NULL || !load_languages(&ld, doc))
        goto err;
    f->title = load_text(&ld, "$", doc, "title", true);
    f->notice = load_text(&ld, "$", doc, "notice", false);
    ld.lists = jc_member(&ld.jc, "$", doc, "choice_lists", JSON_OBJECT, false);
    if (json_object_get(doc, "choice_lists") && ld.lists == NULL)
        ld.ok = false;
    if (ld.lists != NULL) {
        /* Lists are checked where questions use them; an unused list is checked here so its errors show. */
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)ld.lists, k, v) {
            char p[JC_PATH_MAX];
            jc_path_key(p, "$.choice_lists", k);
            if (!json_is_array(v)) {
                jc_error(&ld.jc, p, "une liste de choix est un tableau");
                ld.ok = false;
            }
        }
    }
    ld.ok &= load_sections(&ld, doc);
    f->index = index_build(f->questions, f->nquestions);
    /* Expressions are compiled even when something else is wrong, so that one run shows every error; the
     * resolver copes with questions that did not load completely. */
    if (f->sections != NULL)
        compile_all(&ld);
    if (!ld.ok || (diags && diags->errors > errors_before))
        goto err;
    json_decref(ld.inlined);
    return f;
err:
    json_decref(ld.inlined);
    form_free(f);
    return NULL;
}

form *form_load_file(const char *path, const terr_set *territories, diag_list *diags)
{
    form_shared shared = {territories, NULL};
    return form_load_file_shared(path, &shared, diags);
}

form *form_load_file_shared(const char *path, const form_shared *shared, diag_list *diags)
{
    json_t *doc = jc_load_file(path, diags);
    if (doc == NULL)
        return NULL;
    form *f = form_load_json_shared(doc, path, shared, diags);
    json_decref(doc);
    return f;
}

void form_free(form *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->nquestions; i++) {
        form_question *q = &f->questions[i];
        expr_free(q->relevant);
        expr_free(q->required_expr);
        expr_free(q->constraint);
        expr_free(q->calculation);
        free(q->choices);
        free(q->rows);
    }
    for (size_t s = 0; s < f->nsections; s++)
        expr_free(f->sections[s].relevant);
    if (f->index) {
        free(f->index->slots);
        free(f->index);
    }
    free(f->questions);
    free(f->sections);
    free((char *)f->file);
    json_decref(f->expanded);
    json_decref(f->doc);
    free(f);
}

json_t *form_expanded_doc(const form *f)
{
    return json_incref(f->expanded);
}
