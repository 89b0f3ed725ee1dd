/* indicators.c -- loading and evaluating indicator definitions (see indicators.h): templates expanded over the
 * rows of a grid, every definition checked and compiled against every version of its form, the report's plan
 * (the file's "report" section) checked against the definitions and the form, then evaluated on one record at a
 * time for the analyzer. Exports ind_load and its accessors (ind_report_plan among them), and ind_eval.
 */
#include "indicators.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "form.h"
#include "jcheck.h"
#include "util.h"

/* The expressions of one definition, compiled against one form version. */
enum { SLOT_NUMERATOR, SLOT_DENOMINATOR, SLOT_AMONG, SLOT_VALUE, NSLOTS };

typedef struct compiled {
    expr *e[NSLOTS];
    bool usable; /* false when a definition does not compile against this (older) version */
} compiled;

struct ind_set {
    json_t *doc;
    const catalog *cat;
    const char *form_id;
    ind_score *scores;
    size_t nscores;
    ind_def *defs;
    size_t ndefs;
    json_t *list;          /* the definitions with every template expanded; defs point into it */
    size_t *origin;        /* [ndefs] index in the file's "indicators" array (a template's, when expanded) */
    const form **versions; /* every version of the form in the catalog */
    size_t nversions;
    compiled *code;        /* [nversions * ndefs] */
    const char **src;      /* [ndefs * NSLOTS] expression sources */
    json_t *made;          /* the definitions made for entries that give none; defs point into it */
    ind_plan plan;         /* the "report" section: arrays owned, texts and ids borrowed from doc */
    bool has_plan;         /* the file has a "report" section: every indicator then names one of its themes */
};

const char *ind_kind_name(ind_kind k)
{
    static const char *const names[] = {"proportion", "distribution", "mean", "ratio"};
    return names[k];
}

static int kind_parse(const char *s)
{
    for (int k = IND_PROPORTION; k <= IND_RATIO; k++)
        if (strcmp(s, ind_kind_name((ind_kind)k)) == 0)
            return k;
    return -1;
}

static bool is_missing_code(const char *code)
{
    return strcmp(code, "nsp") == 0 || strcmp(code, "refus") == 0;
}

char *ind_default_path(const catalog *c, const char *form_id, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.indicators.json", catalog_dir(c), form_id);
    return buf;
}

/* ------------------------------------------------------------------ loading */

typedef struct loader {
    jcheck jc;
    ind_set *s;
    const form *cur; /* the current version: names and codes are checked against it */
    bool ok;
} loader;

static void load_error(loader *ld, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void load_error(loader *ld, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    util_utf8_trim(msg); /* quoted input cut mid-character stays valid UTF-8 */
    va_end(ap);
    jc_error(&ld->jc, path, "%s", msg);
    ld->ok = false;
}

/* Splits "R23.pmi" into the question and its grid row, checking both against the current version. */
static const form_question *load_question_ref(loader *ld, const char *path, const char *ref, ind_def *d)
{
    const char *dot = strchr(ref, '.');
    char qid[128];
    snprintf(qid, sizeof qid, "%.*s", dot ? (int)(dot - ref) : (int)strlen(ref), ref);
    const form_question *q = form_question_by_id(ld->cur, qid);
    if (q == NULL) {
        load_error(ld, path, "question inconnue « %s »", qid);
        return NULL;
    }
    d->question = ref;
    d->row = NULL;
    if (dot) {
        if (q->type != FQ_GRID || form_choice_by_code(q, dot + 1, true) == NULL) {
            load_error(ld, path, "« %s » n'est pas une ligne de grille de %s", ref, qid);
            return NULL;
        }
        d->row = dot + 1;
    } else if (q->type == FQ_GRID) {
        load_error(ld, path, "%s est une grille : nommez une ligne (%s.LIGNE)", qid, qid);
        return NULL;
    }
    return q;
}

static void load_score(loader *ld, const char *path, const json_t *o, ind_score *sc)
{
    static const char *const keys[] = {"id", "label", "constant", "decimals", "terms", NULL};
    ld->ok &= jc_only_keys(&ld->jc, path, o, keys);
    sc->id = jc_string(&ld->jc, path, o, "id", true);
    sc->label = jc_member(&ld->jc, path, o, "label", JSON_OBJECT, true);
    const json_t *k = json_object_get(o, "constant");
    sc->constant = json_is_number(k) ? json_number_value(k) : 0;
    const json_t *dec = json_object_get(o, "decimals");
    sc->decimals = json_is_integer(dec) ? (int)json_integer_value(dec) : 2;
    if (sc->decimals < 0 || sc->decimals > 6)
        load_error(ld, path, "« decimals » doit être entre 0 et 6");
    const json_t *terms = jc_member(&ld->jc, path, o, "terms", JSON_ARRAY, true);
    if (sc->id == NULL || sc->label == NULL || terms == NULL || (k && !json_is_number(k))) {
        ld->ok = false;
        return;
    }
    if (json_array_size(terms) == 0 || json_array_size(terms) > IND_MAX_TERMS) {
        load_error(ld, path, "un score a de 1 à 64 termes");
        return;
    }
    sc->terms = xcalloc(json_array_size(terms), sizeof *sc->terms);
    sc->nterms = json_array_size(terms);
    char terms_path[JC_PATH_MAX];
    jc_path_key(terms_path, path, "terms");
    for (size_t t = 0; t < sc->nterms; t++) {
        char tp[JC_PATH_MAX];
        jc_path_index(tp, terms_path, t);
        static const char *const tkeys[] = {"question", "code", "coef", NULL};
        const json_t *to = json_array_get(terms, t);
        ind_term *term = &sc->terms[t];
        if (!json_is_object(to) || !jc_only_keys(&ld->jc, tp, to, tkeys)) {
            load_error(ld, tp, "terme invalide : {question, code, coef} attendu");
            continue;
        }
        term->question = jc_string(&ld->jc, tp, to, "question", true);
        term->code = jc_string(&ld->jc, tp, to, "code", true);
        const json_t *coef = jc_member(&ld->jc, tp, to, "coef", JSON_REAL, false);
        if (coef == NULL)
            coef = jc_member(&ld->jc, tp, to, "coef", JSON_INTEGER, true);
        if (term->question == NULL || term->code == NULL || coef == NULL) {
            ld->ok = false;
            continue;
        }
        term->coef = json_number_value(coef);
        const form_question *q = form_question_by_id(ld->cur, term->question);
        if (q == NULL || q->type != FQ_SINGLE)
            load_error(ld, tp, "« %s » n'est pas une question à choix unique du formulaire", term->question);
        else if (form_choice_by_code(q, term->code, false) == NULL)
            load_error(ld, tp, "« %s » n'est pas un code de %s", term->code, term->question);
    }
}

static const ind_score *find_score(const ind_set *s, const char *id)
{
    for (size_t i = 0; i < s->nscores; i++)
        if (s->scores[i].id && strcmp(s->scores[i].id, id) == 0)
            return &s->scores[i];
    return NULL;
}

/* Which expression keys a kind takes, and of what type. */
static expr_type slot_type(ind_kind k, int slot)
{
    switch (slot) {
    case SLOT_NUMERATOR:
        return k == IND_PROPORTION ? EXPR_T_BOOL : k == IND_RATIO ? EXPR_T_NUMBER : EXPR_T_ANY;
    case SLOT_DENOMINATOR:
        return k == IND_PROPORTION ? EXPR_T_BOOL : k == IND_RATIO ? EXPR_T_NUMBER : EXPR_T_ANY;
    case SLOT_AMONG:
        return EXPR_T_BOOL;
    case SLOT_VALUE:
        return k == IND_MEAN ? EXPR_T_NUMBER : EXPR_T_ANY;
    }
    return EXPR_T_ANY;
}

static const char *const slot_key[NSLOTS] = {"numerator", "denominator", "among", "value"};

/* ------------------------------------------------------------------ templates */

/* A new string: s with every "{NAME}" in place of name replaced by value. */
static json_t *substitute(const char *s, const char *name, const char *value)
{
    sbuf b = {0};
    size_t n = strlen(name);
    for (const char *hit; (hit = strstr(s, name)) != NULL; s = hit + n) {
        sbuf_add(&b, s, (size_t)(hit - s));
        sbuf_adds(&b, value);
    }
    sbuf_adds(&b, s);
    json_t *out = json_string(b.data);
    sbuf_free(&b);
    return out;
}

/* One indicator of template t for row r of its grid: a new object. The label's (and the definition's) languages
 * are the template's; a row without a text in one of them gives its French text, as the pages do. */
static json_t *instantiate(const json_t *t, const form_choice *r)
{
    static const char *const keys[] = {"id", "question", "numerator", "denominator", "among", "value"};
    json_t *o = json_deep_copy(t);
    json_object_del(o, "for_each_row");
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const char *v = json_string_value(json_object_get(o, keys[k]));
        if (v != NULL)
            json_object_set_new(o, keys[k], substitute(v, "{row}", r->code));
    }
    /* The label and the definition are texts a reader sees: both name the row, in each of their languages. */
    static const char *const texts[] = {"label", "definition"};
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        json_t *map = json_object_get(o, texts[k]);
        const char *lang;
        json_t *text;
        json_object_foreach(map, lang, text) {
            if (!json_is_string(text))
                continue; /* reported by load_def */
            json_t *with_label = substitute(json_string_value(text), "{row_label}", form_text(r->label, lang));
            json_object_set_new(map, lang, substitute(json_string_value(with_label), "{row}", r->code));
            json_decref(with_label);
        }
    }
    return o;
}

/* Expands the file's "indicators" array into s->list and s->origin: plain entries as they are, each template
 * (an entry with "for_each_row") as one entry per row of its grid in the current version. A template that names
 * no grid, or whose id does not vary with the row, is reported and left out. */
static void expand_templates(loader *ld, const json_t *defs)
{
    ind_set *s = ld->s;
    size_t cap = json_array_size(defs) + 1;
    s->list = json_array();
    s->origin = xcalloc(cap, sizeof *s->origin);
    for (size_t i = 0; i < json_array_size(defs); i++) {
        const json_t *o = json_array_get(defs, i);
        const json_t *over = json_object_get(o, "for_each_row");
        char p[JC_PATH_MAX], pk[JC_PATH_MAX];
        jc_path_index(p, "$.indicators", i);
        size_t nrows = 1;
        const form_question *grid = NULL;
        if (over != NULL) {
            jc_path_key(pk, p, "for_each_row");
            grid = json_is_string(over) ? form_question_by_id(ld->cur, json_string_value(over)) : NULL;
            const char *id = json_string_value(json_object_get(o, "id"));
            if (grid == NULL || grid->type != FQ_GRID) {
                load_error(ld, pk, "« for_each_row » nomme une grille du formulaire %s (%s n'en est pas une)",
                           ld->cur->id, json_is_string(over) ? json_string_value(over) : "?");
                continue;
            }
            if (id != NULL && strstr(id, "{row}") == NULL) {
                jc_path_key(pk, p, "id");
                load_error(ld, pk, "l'identifiant d'un modèle contient {row} : sans lui, les %zu lignes de %s "
                           "auraient le même", grid->nrows, grid->id);
                continue;
            }
            nrows = grid->nrows;
        }
        if (json_array_size(s->list) + nrows >= cap) {
            cap = (json_array_size(s->list) + nrows) * 2;
            s->origin = xrealloc(s->origin, cap * sizeof *s->origin);
        }
        for (size_t r = 0; r < nrows; r++) {
            s->origin[json_array_size(s->list)] = i;
            if (grid != NULL)
                json_array_append_new(s->list, instantiate(o, &grid->rows[r]));
            else
                json_array_append(s->list, (json_t *)o);
        }
    }
}

/* A template's rows share its mistakes: an unknown key in it would otherwise be reported once per row. Removes
 * the diagnostics from index `from` on that repeat an earlier one word for word. */
static void drop_repeated(diag_list *d, size_t from)
{
    if (d == NULL)
        return;
    size_t kept = from;
    for (size_t i = from; i < d->count; i++) {
        bool seen = false;
        for (size_t j = from; j < kept && !seen; j++)
            seen = d->items[i].warning == d->items[j].warning && strcmp(d->items[i].file, d->items[j].file) == 0 &&
                   strcmp(d->items[i].path, d->items[j].path) == 0 &&
                   strcmp(d->items[i].message, d->items[j].message) == 0;
        if (seen) {
            if (d->items[i].warning)
                d->warnings--;
            else
                d->errors--;
            free(d->items[i].file);
            free(d->items[i].path);
            free(d->items[i].message);
        } else {
            d->items[kept++] = d->items[i];
        }
    }
    d->count = kept;
}

static void load_categories(loader *ld, const char *path, const form_question *q, ind_def *d)
{
    if (q->type != FQ_SINGLE && q->type != FQ_MULTIPLE) {
        load_error(ld, path, "une distribution porte sur une question à choix (%s n'en est pas une)", q->id);
        return;
    }
    d->multiple = q->type == FQ_MULTIPLE;
    d->categories = xcalloc(q->nchoices, sizeof *d->categories);
    for (size_t c = 0; c < q->nchoices; c++)
        if (!is_missing_code(q->choices[c].code))
            d->categories[d->ncategories++] = (ind_category){q->choices[c].code, q->choices[c].label};
    if (d->ncategories > IND_MAX_CATEGORIES)
        load_error(ld, path, "%s a plus de 64 choix : trop pour une distribution", q->id);
}

/* A language map at o[key] (label, definition, the plan's titles): an object whose values are texts, with a
 * French one, as everything a reader sees is at least in French. Returns it, or NULL (reported) when it is
 * malformed, or (reported when required) absent. */
static const json_t *load_text(loader *ld, const char *path, const json_t *o, const char *key, bool required)
{
    const json_t *map = jc_member(&ld->jc, path, o, key, JSON_OBJECT, required);
    if (map == NULL) {
        if (json_object_get(o, key) != NULL || required)
            ld->ok = false;
        return NULL;
    }
    char p[JC_PATH_MAX];
    jc_path_key(p, path, key);
    const json_t *fr = json_object_get(map, "fr");
    if (!json_is_string(fr) || json_string_length(fr) == 0) {
        load_error(ld, p, "le texte en français (« fr ») manque");
        return NULL;
    }
    const char *lang;
    json_t *text;
    json_object_foreach((json_t *)map, lang, text) {
        if (!json_is_string(text)) {
            char pl[JC_PATH_MAX];
            jc_path_key(pl, p, lang);
            load_error(ld, pl, "un texte est attendu");
            return NULL;
        }
    }
    return map;
}

/* A number as a French reader writes it: a decimal comma, no useless zeros (30, 12,5). */
static void number_fr(char *buf, size_t len, double x)
{
    snprintf(buf, len, "%g", x);
    for (char *c = buf; *c; c++)
        if (*c == '.')
            *c = ',';
}

/* The definition of an entry that gives none, in plain French from its kind and its label (quoted, so that the
 * label's own capital letter and wording stay as written): a new language map kept in s->made. sub is true when
 * a denominator restricts a proportion to a sub-population, among when "among" restricts the other kinds. The
 * words avoid the expression language: the expression itself goes to the report's technical annex. */
static const json_t *default_definition(ind_set *s, const ind_def *d, bool sub, bool among)
{
    const char *label = form_text(d->label, "fr");
    const char *who = among ? "parmi les personnes concernées" : "parmi les personnes";
    char num[32];
    sbuf b = {0};
    switch (d->kind) {
    case IND_PROPORTION:
        if (d->score) {
            number_fr(num, sizeof num, d->threshold);
            sbuf_addf(&b, "Part des répondants dont le score « %s » atteint au moins %s, parmi ceux qui ont répondu "
                      "à toutes les questions du score", form_text(d->score->label, "fr"), num);
        } else {
            sbuf_addf(&b, "Part des répondants concernés par « %s », parmi ceux %s", label,
                      sub ? "à qui la question s'applique" : "qui ont répondu à la question");
        }
        if (d->question)
            sbuf_adds(&b, " ; les réponses « je ne sais pas » et les refus de répondre sont comptés à part");
        break;
    case IND_DISTRIBUTION:
        sbuf_addf(&b, "Répartition des réponses (« %s »), %s qui ont répondu à la question", label, who);
        if (d->multiple)
            sbuf_adds(&b, " ; plusieurs réponses étaient possibles : le total dépasse 100\u202f%");
        break;
    case IND_MEAN:
        if (d->score)
            sbuf_addf(&b, "Moyenne du score « %s », %s qui ont répondu à toutes les questions du score",
                      form_text(d->score->label, "fr"), who);
        else
            sbuf_addf(&b, "Moyenne de « %s », %s qui ont donné une réponse", label, who);
        break;
    case IND_RATIO:
        sbuf_addf(&b, "Rapport « %s » : le total des premiers nombres divisé par le total des seconds, %s qui ont "
                  "donné les deux", label, who);
        break;
    }
    if (s->made == NULL)
        s->made = json_array();
    json_t *map = json_pack("{s:s}", "fr", b.data);
    sbuf_free(&b);
    json_array_append_new(s->made, map);
    return map;
}

static void load_def(loader *ld, const char *path, const json_t *o, size_t i)
{
    static const char *const keys[] = {"id", "theme", "label", "definition", "type", "question", "score",
                                       "threshold", "numerator", "denominator", "among", "value", "for_each_row",
                                       NULL};
    ind_set *s = ld->s;
    ind_def *d = &s->defs[i];
    ld->ok &= jc_only_keys(&ld->jc, path, o, keys);
    d->id = jc_string(&ld->jc, path, o, "id", true);
    d->theme = jc_string(&ld->jc, path, o, "theme", false);
    d->label = jc_member(&ld->jc, path, o, "label", JSON_OBJECT, true);
    d->definition = load_text(ld, path, o, "definition", false);
    const char *type = jc_string(&ld->jc, path, o, "type", true);
    const char *qref = jc_string(&ld->jc, path, o, "question", false);
    const char *score = jc_string(&ld->jc, path, o, "score", false);
    for (int slot = 0; slot < NSLOTS; slot++)
        s->src[i * NSLOTS + slot] = jc_string(&ld->jc, path, o, slot_key[slot], false);
    if (d->id == NULL || d->label == NULL || type == NULL) {
        ld->ok = false;
        return;
    }
    if (!jc_is_slug(d->id, 64, true))
        load_error(ld, path, "identifiant « %s » invalide (lettres minuscules, chiffres, _ et -)", d->id);
    for (size_t j = 0; j < i; j++)
        if (s->defs[j].id && strcmp(s->defs[j].id, d->id) == 0)
            load_error(ld, path, "identifiant « %s » déjà utilisé", d->id);
    int kind = kind_parse(type);
    if (kind < 0) {
        load_error(ld, path, "type « %s » inconnu (proportion, distribution, mean, ratio)", type);
        return;
    }
    d->kind = (ind_kind)kind;
    const form_question *q = qref ? load_question_ref(ld, path, qref, d) : NULL;
    if (score) {
        d->score = find_score(s, score);
        if (d->score == NULL)
            load_error(ld, path, "score « %s » inconnu (voir « scores »)", score);
    }
    const json_t *thr = json_object_get(o, "threshold");
    if (thr && !json_is_number(thr))
        load_error(ld, path, "« threshold » doit être un nombre");
    d->threshold = json_number_value(thr);

    const char *const *src = &s->src[i * NSLOTS];
    bool ok = true;
    switch (d->kind) {
    case IND_PROPORTION:
        ok = score ? thr && !src[SLOT_NUMERATOR] : src[SLOT_NUMERATOR] && (qref || src[SLOT_DENOMINATOR]);
        ok &= !src[SLOT_VALUE] && !src[SLOT_AMONG];
        break;
    case IND_DISTRIBUTION:
        ok = qref && !score && !thr && !src[SLOT_NUMERATOR] && !src[SLOT_DENOMINATOR] && !src[SLOT_VALUE];
        if (ok && q)
            load_categories(ld, path, q, d);
        break;
    case IND_MEAN:
        ok = (score != NULL) != (src[SLOT_VALUE] != NULL) && !thr && !src[SLOT_NUMERATOR] &&
             !src[SLOT_DENOMINATOR];
        break;
    case IND_RATIO:
        ok = src[SLOT_NUMERATOR] && src[SLOT_DENOMINATOR] && !score && !thr && !src[SLOT_VALUE];
        break;
    }
    if (!ok)
        load_error(ld, path,
                   "clés incompatibles avec le type « %s » : proportion = numerator + (question ou denominator), "
                   "ou score + threshold ; distribution = question [+ among] ; mean = value ou score [+ among] ; "
                   "ratio = numerator + denominator [+ among]",
                   type);
    if (d->definition == NULL && json_object_get(o, "definition") == NULL)
        d->definition = default_definition(s, d, src[SLOT_DENOMINATOR] != NULL, src[SLOT_AMONG] != NULL);
}

/* ------------------------------------------------------------------ the report's plan */

/* The definition with this id (templates expanded), or NULL. */
static const ind_def *def_by_id(const ind_set *s, const char *id)
{
    for (size_t i = 0; i < s->ndefs; i++)
        if (s->defs[i].id && strcmp(s->defs[i].id, id) == 0)
            return &s->defs[i];
    return NULL;
}

/* True when some version of the form in the catalog has a question id that carries answers (not a note): a
 * theme may list a question that only an older version asked, whose answers are still in the database. */
static bool form_has_question(const loader *ld, const char *id)
{
    const catalog *c = ld->s->cat;
    for (size_t v = 0; v < catalog_count(c); v++) {
        const form *f = catalog_at(c, v);
        if (strcmp(f->id, ld->cur->id) != 0)
            continue;
        const form_question *q = form_question_by_id(f, id);
        if (q != NULL && q->type != FQ_NOTE)
            return true;
    }
    return false;
}

/* One theme of "report.themes". Its questions are question ids of the form, each placed in one theme only (the
 * report shows a question once). */
static void load_theme(loader *ld, const char *path, const json_t *o, size_t index)
{
    static const char *const keys[] = {"id", "title", "intro", "questions", NULL};
    ind_plan *p = &ld->s->plan;
    ind_theme *t = &p->themes[index];
    ld->ok &= jc_only_keys(&ld->jc, path, o, keys);
    t->id = jc_string(&ld->jc, path, o, "id", true);
    t->title = load_text(ld, path, o, "title", true);
    t->intro = load_text(ld, path, o, "intro", false);
    const json_t *qs = jc_member(&ld->jc, path, o, "questions", JSON_ARRAY, false);
    if (t->id == NULL || (qs == NULL && json_object_get(o, "questions") != NULL)) {
        ld->ok = false;
        t->id = NULL;
        return;
    }
    if (!jc_is_slug(t->id, 64, true))
        load_error(ld, path, "identifiant de thème « %s » invalide (lettres minuscules, chiffres, _ et -)", t->id);
    for (size_t j = 0; j < index; j++)
        if (p->themes[j].id && strcmp(p->themes[j].id, t->id) == 0)
            load_error(ld, path, "thème « %s » déjà défini", t->id);
    t->questions = xcalloc(json_array_size(qs) + 1, sizeof *t->questions);
    char qpath[JC_PATH_MAX];
    jc_path_key(qpath, path, "questions");
    for (size_t k = 0; k < json_array_size(qs); k++) {
        char qp[JC_PATH_MAX];
        jc_path_index(qp, qpath, k);
        const char *qid = json_string_value(json_array_get(qs, k));
        if (qid == NULL || !form_has_question(ld, qid)) {
            load_error(ld, qp, "« %s » n'est une question d'aucune version du formulaire %s", qid ? qid : "?",
                       ld->cur->id);
            continue;
        }
        for (size_t j = 0; j <= index; j++)
            for (size_t m = 0; m < p->themes[j].nquestions; m++)
                if (strcmp(p->themes[j].questions[m], qid) == 0)
                    load_error(ld, qp, "la question %s est déjà placée dans le thème « %s »", qid,
                               p->themes[j].id ? p->themes[j].id : "?");
        t->questions[t->nquestions++] = qid;
    }
}

/* A list of indicator ids of the plan ("synthesis", "map", "ranked") into *out. Each names an indicator of the
 * file (a template's expanded id, "connait_pmi"), once; a ranked chart draws the choices of a distribution,
 * while the summary and the map show one figure per territory, which a distribution does not have. */
static void load_id_list(loader *ld, const json_t *report, const char *key, const char ***out, size_t *n)
{
    const json_t *a = jc_member(&ld->jc, "$.report", report, key, JSON_ARRAY, false);
    if (a == NULL) {
        if (json_object_get(report, key) != NULL)
            ld->ok = false;
        return;
    }
    bool ranked = strcmp(key, "ranked") == 0;
    char path[JC_PATH_MAX];
    jc_path_key(path, "$.report", key);
    *out = xcalloc(json_array_size(a) + 1, sizeof **out);
    for (size_t k = 0; k < json_array_size(a); k++) {
        char p[JC_PATH_MAX];
        jc_path_index(p, path, k);
        const char *id = json_string_value(json_array_get(a, k));
        const ind_def *d = id ? def_by_id(ld->s, id) : NULL;
        if (d == NULL) {
            load_error(ld, p, "« %s » n'est pas un indicateur de ce fichier", id ? id : "?");
            continue;
        }
        if (ranked && d->kind != IND_DISTRIBUTION)
            load_error(ld, p, "« %s » n'est pas une distribution : seules les réponses à une question à choix se "
                       "classent", id);
        else if (!ranked && d->kind == IND_DISTRIBUTION)
            load_error(ld, p, "« %s » est une distribution : la synthèse et la carte montrent un seul chiffre par "
                       "territoire", id);
        for (size_t j = 0; j < *n; j++)
            if (strcmp((*out)[j], id) == 0)
                load_error(ld, p, "« %s » est déjà dans la liste", id);
        (*out)[(*n)++] = id;
    }
}

/* One pair of "report.pairs": a theme of this file beside a theme of the other form's file, which this file
 * cannot see (only its name is checked here). */
static void load_pair(loader *ld, const char *path, const json_t *o, ind_pair *pr)
{
    static const char *const keys[] = {"resident_theme", "operator_theme", "title", "residents", "operators",
                                       "reading", NULL};
    ld->ok &= jc_only_keys(&ld->jc, path, o, keys);
    pr->resident_theme = jc_string(&ld->jc, path, o, "resident_theme", true);
    pr->operator_theme = jc_string(&ld->jc, path, o, "operator_theme", true);
    pr->title = load_text(ld, path, o, "title", true);
    pr->residents = load_text(ld, path, o, "residents", true);
    pr->operators = load_text(ld, path, o, "operators", true);
    pr->reading = load_text(ld, path, o, "reading", true);
    if (pr->resident_theme == NULL || pr->operator_theme == NULL) {
        ld->ok = false;
        return;
    }
    if (ind_theme_by_id(&ld->s->plan, pr->resident_theme) == NULL) {
        char p[JC_PATH_MAX];
        jc_path_key(p, path, "resident_theme");
        load_error(ld, p, "thème « %s » inconnu (voir « report.themes »)", pr->resident_theme);
    }
}

/* Reads the file's "report" section into s->plan, then checks that every indicator names one of its themes. */
static void load_plan(loader *ld, const json_t *report)
{
    static const char *const keys[] = {"themes", "synthesis", "map", "ranked", "pairs", NULL};
    ind_set *s = ld->s;
    ind_plan *p = &s->plan;
    s->has_plan = true;
    ld->ok &= jc_only_keys(&ld->jc, "$.report", report, keys);
    const json_t *themes = jc_member(&ld->jc, "$.report", report, "themes", JSON_ARRAY, true);
    if (themes == NULL)
        ld->ok = false;
    p->themes = xcalloc(json_array_size(themes) + 1, sizeof *p->themes);
    for (size_t i = 0; i < json_array_size(themes); i++) {
        char tp[JC_PATH_MAX];
        jc_path_index(tp, "$.report.themes", i);
        if (json_is_object(json_array_get(themes, i)))
            load_theme(ld, tp, json_array_get(themes, i), i);
        else
            load_error(ld, tp, "un objet est attendu");
        p->nthemes++; /* counted even when broken, so that the indices stay those of the file */
    }
    load_id_list(ld, report, "synthesis", &p->synthesis, &p->nsynthesis);
    load_id_list(ld, report, "map", &p->mapped, &p->nmapped);
    load_id_list(ld, report, "ranked", &p->ranked, &p->nranked);
    const json_t *pairs = jc_member(&ld->jc, "$.report", report, "pairs", JSON_ARRAY, false);
    if (pairs == NULL && json_object_get(report, "pairs") != NULL)
        ld->ok = false;
    p->pairs = xcalloc(json_array_size(pairs) + 1, sizeof *p->pairs);
    for (size_t i = 0; i < json_array_size(pairs); i++) {
        char pp[JC_PATH_MAX];
        jc_path_index(pp, "$.report.pairs", i);
        if (json_is_object(json_array_get(pairs, i)))
            load_pair(ld, pp, json_array_get(pairs, i), &p->pairs[p->npairs++]);
        else
            load_error(ld, pp, "un objet est attendu");
    }
    for (size_t i = 0; i < s->ndefs; i++) {
        const ind_def *d = &s->defs[i];
        char dp[JC_PATH_MAX], tp[JC_PATH_MAX];
        jc_path_index(dp, "$.indicators", s->origin[i]);
        if (d->id == NULL)
            continue; /* already reported */
        if (d->theme == NULL) {
            load_error(ld, dp, "« theme » manque : avec un plan (« report »), chaque indicateur est placé dans un "
                       "de ses thèmes");
        } else if (ind_theme_by_id(p, d->theme) == NULL) {
            jc_path_key(tp, dp, "theme");
            load_error(ld, tp, "thème « %s » absent du plan (« report.themes »)", d->theme);
        }
    }
}

/* Compiles every definition against every version; the current version must take them all. */
static void compile_all(loader *ld)
{
    ind_set *s = ld->s;
    s->code = xcalloc(s->nversions * s->ndefs, sizeof *s->code);
    for (size_t v = 0; v < s->nversions; v++) {
        const form *f = s->versions[v];
        bool current = f == ld->cur;
        for (size_t i = 0; i < s->ndefs; i++) {
            compiled *c = &s->code[v * s->ndefs + i];
            c->usable = true;
            for (int slot = 0; slot < NSLOTS; slot++) {
                const char *src = s->src[i * NSLOTS + slot];
                if (src == NULL)
                    continue;
                expr_error err;
                c->e[slot] = form_compile_expr(f, src, slot_type(s->defs[i].kind, slot), &err);
                if (c->e[slot] != NULL)
                    continue;
                char p[JC_PATH_MAX], pk[JC_PATH_MAX];
                jc_path_index(p, "$.indicators", s->origin[i]);
                jc_path_key(pk, p, slot_key[slot]);
                c->usable = false;
                if (current) {
                    jc_error(&ld->jc, pk, "%s (caractère %zu de « %s »)", err.message, err.pos + 1, src);
                    ld->ok = false;
                } else {
                    jc_warn(&ld->jc, pk, "les réponses à la version %s ne comptent pas pour cet indicateur : %s",
                            f->version, err.message);
                }
            }
        }
    }
}

ind_set *ind_load(const char *path, const catalog *c, const char *form_id, diag_list *diags)
{
    if (catalog_current(c, form_id) == NULL) {
        diag_add(diags, false, path, "$", "formulaire « %s » inconnu", form_id);
        return NULL;
    }
    json_t *doc = jc_load_file(path, diags);
    if (doc == NULL)
        return NULL;
    ind_set *s = ind_load_json(doc, path, c, form_id, diags);
    json_decref(doc);
    return s;
}

ind_set *ind_load_json(json_t *doc, const char *name, const catalog *c, const char *form_id, diag_list *diags)
{
    const char *path = name;
    loader ld = {{diags, path}, NULL, catalog_current(c, form_id), true};
    if (ld.cur == NULL) {
        diag_add(diags, false, path, "$", "formulaire « %s » inconnu", form_id);
        return NULL;
    }
    json_incref(doc);
    ind_set *s = xcalloc(1, sizeof *s);
    size_t diags_before = diags ? diags->count : 0;
    ld.s = s;
    s->doc = doc;
    s->cat = c;
    s->form_id = ld.cur->id;
    static const char *const keys[] = {"form", "scores", "indicators", "report", NULL};
    if (!json_is_object(doc)) {
        jc_error(&ld.jc, "$", "un objet JSON est attendu");
        goto fail;
    }
    ld.ok &= jc_only_keys(&ld.jc, "$", doc, keys);
    const char *fid = jc_string(&ld.jc, "$", doc, "form", true);
    if (fid && strcmp(fid, form_id) != 0)
        load_error(&ld, "$.form", "ce fichier décrit « %s », pas « %s »", fid, form_id);
    const json_t *scores = jc_member(&ld.jc, "$", doc, "scores", JSON_ARRAY, false);
    const json_t *defs = jc_member(&ld.jc, "$", doc, "indicators", JSON_ARRAY, true);
    const json_t *report = jc_member(&ld.jc, "$", doc, "report", JSON_OBJECT, false);
    if (fid == NULL || defs == NULL || (report == NULL && json_object_get(doc, "report") != NULL))
        goto fail;
    s->nscores = json_array_size(scores);
    s->scores = xcalloc(s->nscores + 1, sizeof *s->scores);
    for (size_t i = 0; i < s->nscores; i++) {
        char p[JC_PATH_MAX];
        jc_path_index(p, "$.scores", i);
        if (json_is_object(json_array_get(scores, i)))
            load_score(&ld, p, json_array_get(scores, i), &s->scores[i]);
        else
            load_error(&ld, p, "un objet est attendu");
    }
    expand_templates(&ld, defs);
    s->ndefs = json_array_size(s->list);
    s->defs = xcalloc(s->ndefs + 1, sizeof *s->defs);
    s->src = xcalloc(s->ndefs * NSLOTS + 1, sizeof *s->src);
    for (size_t i = 0; i < s->ndefs; i++) {
        char p[JC_PATH_MAX];
        jc_path_index(p, "$.indicators", s->origin[i]);
        if (json_is_object(json_array_get(s->list, i)))
            load_def(&ld, p, json_array_get(s->list, i), i);
        else
            load_error(&ld, p, "un objet est attendu");
    }
    if (report != NULL)
        load_plan(&ld, report);
    if (!ld.ok)
        goto fail;
    for (size_t i = 0; i < catalog_count(c); i++)
        if (strcmp(catalog_at(c, i)->id, form_id) == 0)
            s->nversions++;
    s->versions = xcalloc(s->nversions, sizeof *s->versions);
    s->nversions = 0;
    for (size_t i = 0; i < catalog_count(c); i++)
        if (strcmp(catalog_at(c, i)->id, form_id) == 0)
            s->versions[s->nversions++] = catalog_at(c, i);
    compile_all(&ld);
    drop_repeated(diags, diags_before);
    if (ld.ok)
        return s;
fail:
    drop_repeated(diags, diags_before);
    if (diags && diags->errors == 0)
        diag_add(diags, false, path, "$", "définitions d'indicateurs invalides");
    ind_free(s);
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t ind_check_dir(const catalog *c, diag_list *diags, sbuf *summary)
{
    static const char suffix[] = ".indicators.json";
    size_t failed = 0, n = 0, cap = 0;
    char **names = NULL;
    DIR *d = opendir(catalog_dir(c));
    if (d == NULL)
        return 0; /* the catalog has just read it: nothing new to report */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), slen = sizeof suffix - 1;
        if (e->d_name[0] == '.' || len <= slen || strcmp(e->d_name + len - slen, suffix) != 0)
            continue;
        if (n == cap)
            names = xrealloc(names, (cap = cap ? cap * 2 : 8) * sizeof *names);
        names[n++] = xstrndup(e->d_name, len - slen);
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_str); /* a stable order for the messages */
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s%s", catalog_dir(c), names[i], suffix);
        size_t errors_before = diags->errors;
        ind_set *s = catalog_current(c, names[i]) ? ind_load(path, c, names[i], diags) : NULL;
        if (catalog_current(c, names[i]) == NULL)
            diag_add(diags, false, path, "$", "aucun formulaire « %s » dans le dossier : ce fichier d'indicateurs "
                     "ne décrit rien", names[i]);
        if (s == NULL) {
            failed++;
            if (diags->errors == errors_before)
                diag_add(diags, false, path, "$", "définitions d'indicateurs invalides");
        } else {
            sbuf_addf(summary, "%s : %zu indicateurs\n", path, ind_count(s));
        }
        ind_free(s);
        free(names[i]);
    }
    free(names);
    return failed;
}

void ind_free(ind_set *s)
{
    if (s == NULL)
        return;
    if (s->code)
        for (size_t k = 0; k < s->nversions * s->ndefs; k++)
            for (int slot = 0; slot < NSLOTS; slot++)
                expr_free(s->code[k].e[slot]);
    for (size_t i = 0; i < s->ndefs; i++)
        free(s->defs[i].categories);
    for (size_t i = 0; i < s->nscores; i++)
        free(s->scores[i].terms);
    for (size_t i = 0; i < s->plan.nthemes; i++)
        free(s->plan.themes[i].questions);
    free(s->plan.themes);
    free(s->plan.synthesis);
    free(s->plan.mapped);
    free(s->plan.ranked);
    free(s->plan.pairs);
    json_decref(s->made);
    free(s->code);
    free(s->src);
    free(s->versions);
    free(s->defs);
    free(s->scores);
    free(s->origin);
    json_decref(s->list);
    json_decref(s->doc);
    free(s);
}

const char *ind_source(const ind_set *s, size_t i, const char *key)
{
    for (int slot = 0; slot < NSLOTS && i < s->ndefs; slot++)
        if (strcmp(slot_key[slot], key) == 0)
            return s->src[i * NSLOTS + slot];
    return NULL;
}

const ind_plan *ind_report_plan(const ind_set *s)
{
    return &s->plan; /* all zero when the file has no "report" section */
}

const ind_theme *ind_theme_by_id(const ind_plan *p, const char *id)
{
    for (size_t i = 0; i < p->nthemes; i++)
        if (p->themes[i].id && strcmp(p->themes[i].id, id) == 0)
            return &p->themes[i];
    return NULL;
}

const json_t *ind_document(const ind_set *s)
{
    return s->doc;
}

const char *ind_form_id(const ind_set *s)
{
    return s->form_id;
}

size_t ind_count(const ind_set *s)
{
    return s->ndefs;
}

const ind_def *ind_at(const ind_set *s, size_t i)
{
    return &s->defs[i];
}

/* ------------------------------------------------------------------ evaluation */

typedef struct record {
    const json_t *answers;
    const char *today;
} record;

/* Answers have been checked: a key present is an answer that counts (skipped questions have none). */
static const json_t *lookup(void *ctx, const char *qid, const char *row)
{
    const record *r = ctx;
    const json_t *v = json_object_get(r->answers, qid);
    return row ? json_object_get(v, row) : v;
}

static bool eval_bool(const expr *e, const record *r)
{
    expr_values vals = {lookup, (void *)r, NULL, r->today};
    return expr_eval_bool(e, &vals);
}

/* A number, or NaN when empty. */
static double eval_number(const expr *e, const record *r)
{
    expr_values vals = {lookup, (void *)r, NULL, r->today};
    expr_value v = expr_eval(e, &vals);
    return v.empty || v.type != EXPR_T_NUMBER ? NAN : v.num;
}

/* IND_IN when the item has an answer that counts, IND_NSP / IND_REFUS for those codes, IND_OUT when empty. */
static ind_state item_state(const json_t *v)
{
    if (v == NULL || json_is_null(v))
        return IND_OUT;
    if (json_is_string(v)) {
        const char *code = json_string_value(v);
        return strcmp(code, "nsp") == 0 ? IND_NSP : strcmp(code, "refus") == 0 ? IND_REFUS : IND_IN;
    }
    if (json_is_array(v)) {
        if (json_array_size(v) == 0)
            return IND_OUT;
        size_t k;
        const json_t *x;
        json_array_foreach(v, k, x) {
            if (json_is_string(x) && strcmp(json_string_value(x), "refus") == 0)
                return IND_REFUS;
            if (json_is_string(x) && strcmp(json_string_value(x), "nsp") == 0)
                return IND_NSP;
        }
    }
    return IND_IN;
}

/* The score, or the state that makes it missing. */
static ind_state score_value(const ind_score *sc, const json_t *answers, double *out)
{
    double sum = sc->constant;
    for (size_t t = 0; t < sc->nterms; t++) {
        const json_t *v = json_object_get(answers, sc->terms[t].question);
        ind_state st = item_state(v);
        if (st != IND_IN)
            return st;
        if (strcmp(json_string_value(v), sc->terms[t].code) == 0)
            sum += sc->terms[t].coef;
    }
    double scale = pow(10, sc->decimals);
    *out = round(sum * scale) / scale;
    return IND_IN;
}

static int choice_index(const ind_def *d, const char *code)
{
    for (size_t c = 0; c < d->ncategories; c++)
        if (strcmp(d->categories[c].code, code) == 0)
            return (int)c;
    return -1;
}

static void eval_one(const ind_def *d, const compiled *c, const record *r, ind_obs *o)
{
    memset(o, 0, sizeof *o);
    if (!c->usable)
        return;
    if (c->e[SLOT_AMONG] && !eval_bool(c->e[SLOT_AMONG], r))
        return;
    if (d->kind == IND_PROPORTION && c->e[SLOT_DENOMINATOR] && !eval_bool(c->e[SLOT_DENOMINATOR], r))
        return;
    const json_t *item = NULL;
    if (d->question) {
        const char *dot = d->row ? strchr(d->question, '.') : NULL;
        if (dot) {
            char qid[128];
            snprintf(qid, sizeof qid, "%.*s", (int)(dot - d->question), d->question);
            item = json_object_get(json_object_get(r->answers, qid), d->row);
        } else {
            item = json_object_get(r->answers, d->question);
        }
        o->state = item_state(item);
        if (o->state != IND_IN)
            return;
    }
    switch (d->kind) {
    case IND_PROPORTION:
        if (d->score) {
            double v;
            if ((o->state = score_value(d->score, r->answers, &v)) == IND_IN)
                o->event = v >= d->threshold - 1e-9;
        } else {
            o->state = IND_IN;
            o->event = eval_bool(c->e[SLOT_NUMERATOR], r);
        }
        break;
    case IND_DISTRIBUTION:
        if (json_is_string(item)) {
            int k = choice_index(d, json_string_value(item));
            if (k >= 0)
                o->cats = UINT64_C(1) << k;
        } else {
            size_t i;
            const json_t *x;
            json_array_foreach(item, i, x) {
                int k = json_is_string(x) ? choice_index(d, json_string_value(x)) : -1;
                if (k >= 0)
                    o->cats |= UINT64_C(1) << k;
            }
        }
        if (o->cats == 0)
            o->state = IND_OUT; /* a code this version has and the current one does not */
        break;
    case IND_MEAN:
        if (d->score)
            o->state = score_value(d->score, r->answers, &o->a);
        else
            o->a = eval_number(c->e[SLOT_VALUE], r), o->state = isfinite(o->a) ? IND_IN : IND_OUT;
        break;
    case IND_RATIO:
        o->a = eval_number(c->e[SLOT_NUMERATOR], r);
        o->b = eval_number(c->e[SLOT_DENOMINATOR], r);
        o->state = isfinite(o->a) && isfinite(o->b) ? IND_IN : IND_OUT;
        break;
    }
}

void ind_eval(const ind_set *s, const form *version, const json_t *answers, const char *today, ind_obs *out)
{
    size_t v = 0;
    while (v < s->nversions && s->versions[v] != version)
        v++;
    record r = {answers, today};
    for (size_t i = 0; i < s->ndefs; i++) {
        if (v == s->nversions)
            memset(&out[i], 0, sizeof out[i]);
        else
            eval_one(&s->defs[i], &s->code[v * s->ndefs + i], &r, &out[i]);
    }
}

/* ------------------------------------------------------------------ scores alone, for the exports */

size_t ind_score_count(const ind_set *s)
{
    return s->nscores;
}

const ind_score *ind_score_at(const ind_set *s, size_t i)
{
    return i < s->nscores ? &s->scores[i] : NULL;
}

/* The very computation the indicators use (score_value), so that an exported score column and a mean of the score
 * in the report cannot disagree. */
ind_state ind_score_eval(const ind_score *sc, const json_t *answers, double *out)
{
    return score_value(sc, answers, out);
}
