/* synth.c -- a synthetic survey campaign: answers to any form of a forms folder, realistic enough to exercise the
 * analysis (territories that differ from one another, respondents skewed towards women and older people as in
 * real diagnoses, "nsp" and "refus" now and then, skip logic followed, every record valid for the form).
 *
 * The same generator feeds the benchmarks (a million records straight into a collector database), the tests
 * and the demonstration (JSON lines posted to the collector's API). Deterministic for a given seed.
 *
 * With --assumptions FILE (tests/gen/population.json for the demonstration), the answers follow stated
 * assumptions instead of arbitrary shares: each respondent is poor or not (monetary poverty, drawn with the
 * file's rate for a QPV or for the rest of the town, give or take a per-territory spread), and the file gives,
 * for some answer codes, their share among the poor and among the others (R17 "oui": 32 % and 18 %). Codes the
 * file does not name share the rest as before. So the demonstration's figures are of a plausible order, and what
 * they show is what the file assumed, which the demonstration prints: not a finding.
 *
 *   synth --forms DIR --form ID --n N [--seed S] [--paper-share 0.2] [--assumptions FILE]
 *         (--db PATH | --jsonl)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "answers.h"
#include "catalog.h"
#include "store.h"
#include "util.h"

typedef struct rng {
    uint64_t s;
} rng;

/* splitmix64: small, fast, good enough for synthetic data. */
static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double rng_unif(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* A stable pseudo-random number in [0, 1) from a few integers: the "character" of a territory. */
static double hash_unif(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    rng r = {a * 1000003u ^ b * 7919u ^ c * 104729u ^ d * 15485863u};
    rng_next(&r);
    return rng_unif(&r);
}

typedef struct gen {
    const form *f;
    const terr_set *ts;
    uint64_t seed;
    rng r;
    double paper_share;
    double *terr_weight; /* [ts->count] sampling weight of each territory */
    size_t age_q, sex_q; /* indices of the population_by questions, SIZE_MAX when absent */
    struct assumed *assumed; /* --assumptions: shares of answer codes for the poor and the others */
    size_t nassumed;
    double poverty[2];   /* rate of poverty in a QPV [1] and in the rest of the town [0] */
    double spread;       /* each territory's rate is its kind's, plus or minus up to this */
    bool poor;           /* the respondent being drawn is poor */
} gen;

/* One assumption: the share of answer `choice` to question `question` (index in the form), among the poor
 * [1] and the others [0]. */
typedef struct assumed {
    size_t question, choice;
    double share[2];
} assumed;

static size_t pick_weighted(rng *r, const double *w, size_t n)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    double u = rng_unif(r) * total;
    for (size_t i = 0; i < n; i++) {
        if (u < w[i])
            return i;
        u -= w[i];
    }
    return n - 1;
}

/* Weight of choice c of question q in territory t: each territory leans its own way, nsp and refus are rare. */
static double choice_weight(const gen *g, size_t t, const form_question *q, size_t c)
{
    const char *code = q->choices[c].code;
    if (strcmp(code, "refus") == 0)
        return 0.02;
    if (strcmp(code, "nsp") == 0)
        return 0.05;
    double base = 0.15 + hash_unif(g->seed, 0, q->index, c);
    double lean = 0.75 + 0.5 * hash_unif(g->seed, t + 1, q->index, c);
    return base * lean;
}

/* Choice weights with the assumptions applied: an assumed code gets its share, the others share the rest in
 * proportion to their usual weights. */
static void assume_weights(const gen *g, const form_question *q, double *w)
{
    double fixed = 0, rest = 0;
    bool any = false, is_fixed[FORM_MAX_CHOICES] = {0};
    for (size_t k = 0; k < g->nassumed; k++) {
        const assumed *a = &g->assumed[k];
        if (a->question != q->index)
            continue;
        is_fixed[a->choice] = any = true;
        fixed += a->share[g->poor];
    }
    if (!any)
        return;
    for (size_t c = 0; c < q->nchoices; c++)
        rest += is_fixed[c] ? 0 : w[c];
    for (size_t c = 0; c < q->nchoices; c++)
        if (!is_fixed[c])
            w[c] = rest > 0 && fixed < 1 ? w[c] / rest * (1 - fixed) : 0;
    for (size_t k = 0; k < g->nassumed; k++)
        if (g->assumed[k].question == q->index)
            w[g->assumed[k].choice] = g->assumed[k].share[g->poor];
}

static const char *pick_choice(gen *g, size_t t, const form_question *q)
{
    double w[FORM_MAX_CHOICES];
    for (size_t c = 0; c < q->nchoices; c++)
        w[c] = choice_weight(g, t, q, c);
    if (q->type == FQ_SINGLE)
        assume_weights(g, q, w);
    return q->choices[pick_weighted(&g->r, w, q->nchoices)].code;
}

static json_t *gen_multiple(gen *g, size_t t, const form_question *q)
{
    json_t *a = json_array();
    size_t max = q->max_selected > 0 ? (size_t)q->max_selected : 3;
    size_t want = 1 + (size_t)(rng_unif(&g->r) * (double)(max < 3 ? max : 3));
    for (size_t k = 0; k < want; k++) {
        const char *code = pick_choice(g, t, q);
        const form_choice *ch = form_choice_by_code(q, code, false);
        if (ch->exclusive) {
            json_array_clear(a);
            json_array_append_new(a, json_string(code));
            return a;
        }
        bool dup = false;
        size_t i;
        json_t *x;
        json_array_foreach(a, i, x) dup |= strcmp(json_string_value(x), code) == 0;
        if (!dup)
            json_array_append_new(a, json_string(code));
    }
    return a;
}

static json_t *gen_number(gen *g, const form_question *q, bool integer)
{
    double lo = q->has_min ? q->min : 0, hi = q->has_max ? q->max : (q->has_min ? q->min + 20 : 20);
    double v = lo + rng_unif(&g->r) * (hi - lo);
    if (integer || q->type == FQ_SCALE)
        return json_integer((json_int_t)floor(lo + rng_unif(&g->r) * (hi - lo + 1)));
    return json_real(round(v * 10) / 10);
}

static json_t *gen_territory(gen *g, size_t t, const form_question *q)
{
    if (!q->multiple) {
        if (rng_unif(&g->r) < 0.015 && q->nchoices > 0)
            return json_string(q->choices[(size_t)(rng_unif(&g->r) * (double)q->nchoices)].code);
        return json_string(g->ts->items[t].code);
    }
    json_t *a = json_array();
    if (rng_unif(&g->r) < 0.2 && q->nchoices > 0) {
        json_array_append_new(a, json_string(q->choices[0].code));
        return a;
    }
    json_array_append_new(a, json_string(g->ts->items[t].code));
    size_t other = (size_t)(rng_unif(&g->r) * (double)g->ts->count);
    if (other != t && rng_unif(&g->r) < 0.4)
        json_array_append_new(a, json_string(g->ts->items[other].code));
    return a;
}

static json_t *gen_answer(gen *g, size_t t, const form_question *q)
{
    switch (q->type) {
    case FQ_SINGLE:
        return json_string(pick_choice(g, t, q));
    case FQ_MULTIPLE:
        return gen_multiple(g, t, q);
    case FQ_INTEGER:
    case FQ_SCALE:
        return gen_number(g, q, true);
    case FQ_DECIMAL:
        return gen_number(g, q, false);
    case FQ_TEXT:
        return json_string("texte libre de démonstration");
    case FQ_LONG_TEXT:
        return rng_unif(&g->r) < 0.3 ? json_string("Réponse libre de démonstration, sans donnée personnelle.") : NULL;
    case FQ_DATE:
        return json_string(q->max_date[0] && strcmp(q->max_date, "today") != 0 ? q->max_date : "2026-01-15");
    case FQ_GRID: {
        json_t *o = json_object();
        for (size_t k = 0; k < q->nrows; k++) {
            double w[FORM_MAX_CHOICES];
            for (size_t c = 0; c < q->nchoices; c++)
                w[c] = choice_weight(g, t, q, c) * (0.5 + hash_unif(g->seed, t + 7, q->index * 100 + k, c));
            json_object_set_new(o, q->rows[k].code, json_string(q->choices[pick_weighted(&g->r, w, q->nchoices)].code));
        }
        return o;
    }
    case FQ_TERRITORY:
        return gen_territory(g, t, q);
    case FQ_NOTE:
        break;
    }
    return NULL;
}

/* Age band and sex drawn from the territory's population, skewed as real respondents are (more women, more older
 * people); returns false when the territories file has no such table. */
static bool gen_age_sex(gen *g, size_t t, const char **age, const char **sex)
{
    const json_t *pop = g->ts->items[t].population;
    if (g->age_q == SIZE_MAX || !json_is_object(pop))
        return false;
    double w[256];
    const char *ac[256], *bc[256];
    size_t n = 0;
    const char *a, *b;
    json_t *row, *v;
    json_object_foreach((json_t *)pop, a, row) {
        size_t band = n;
        json_object_foreach(row, b, v) {
            if (n == 256)
                break;
            ac[n] = a, bc[n] = b;
            w[n++] = (double)json_integer_value(v) * (strcmp(b, "femme") == 0 ? 1.5 : 1.0) * (1 + 0.1 * (double)band);
        }
    }
    if (n == 0)
        return false;
    size_t k = pick_weighted(&g->r, w, n);
    *age = ac[k], *sex = bc[k];
    return true;
}

/* One valid record for territory t: answers drawn in form order, then skipped questions removed and the
 * answers the checker refuses drawn again, until the checker accepts them all. */
static json_t *gen_record(gen *g, size_t t)
{
    if (g->nassumed > 0) {
        const terr *tr = &g->ts->items[t];
        double rate = g->poverty[tr->qpv] + g->spread * (2 * hash_unif(g->seed, t + 1, 0xB0, 0) - 1);
        g->poor = rng_unif(&g->r) < rate;
    }
    for (int attempt = 0; attempt < 50; attempt++) {
        json_t *ans = json_object();
        const char *age = NULL, *sex = NULL;
        bool has_cell = gen_age_sex(g, t, &age, &sex);
        for (size_t i = 0; i < g->f->nquestions; i++) {
            const form_question *q = &g->f->questions[i];
            json_t *v;
            if (has_cell && i == g->age_q)
                v = json_string(rng_unif(&g->r) < 0.01 ? "refus" : age);
            else if (has_cell && i == g->sex_q)
                v = json_string(rng_unif(&g->r) < 0.01 ? "refus" : sex);
            else if (!q->required && q->type != FQ_TERRITORY && rng_unif(&g->r) < 0.03)
                v = NULL; /* left blank */
            else
                v = gen_answer(g, t, q);
            if (v)
                json_object_set_new(ans, q->id, v);
        }
        for (int pass = 0; pass < 20; pass++) {
            answers_report rep;
            size_t nerr = answers_check(g->f, ans, NULL, &rep);
            if (nerr == 0) {
                answers_report_free(&rep);
                answers_normalize(g->f, ans);
                return ans;
            }
            for (size_t e = 0; e < rep.count; e++) {
                const answers_error *er = &rep.errors[e];
                const form_question *q = form_question_by_id(g->f, er->question);
                if (q == NULL || strcmp(er->code, ANSWERS_NOT_RELEVANT) == 0) {
                    json_object_del(ans, er->question);
                    continue;
                }
                json_t *v = gen_answer(g, t, q);
                if (v)
                    json_object_set_new(ans, q->id, v);
                else
                    json_object_del(ans, q->id);
            }
            answers_report_free(&rep);
        }
        json_decref(ans);
    }
    return NULL;
}

static const char *pick_lang(gen *g)
{
    double u = rng_unif(&g->r);
    if (g->f->nlanguages <= 1 || u < 0.7)
        return g->f->languages[0];
    return g->f->languages[1 + (size_t)(rng_unif(&g->r) * (double)(g->f->nlanguages - 1))];
}

static void setup(gen *g)
{
    size_t n = g->ts->count;
    g->terr_weight = xcalloc(n, sizeof *g->terr_weight);
    for (size_t t = 0; t < n; t++)
        g->terr_weight[t] = g->ts->items[t].target > 0 ? (double)g->ts->items[t].target : 100;
    g->age_q = g->sex_q = SIZE_MAX;
    for (size_t i = 0; i < g->f->nquestions; i++) {
        if (g->ts->population_depth == 2 && strcmp(g->f->questions[i].id, g->ts->population_by[0]) == 0)
            g->age_q = i;
        if (g->ts->population_depth == 2 && strcmp(g->f->questions[i].id, g->ts->population_by[1]) == 0)
            g->sex_q = i;
    }
    if (g->sex_q == SIZE_MAX)
        g->age_q = SIZE_MAX;
}

static int emit_db(gen *g, const char *path, long n)
{
    char err[256];
    store *st = store_open(path, false, err, sizeof err);
    if (st == NULL) {
        fprintf(stderr, "synth : %s\n", err);
        return 1;
    }
    enum { BATCH = 2000 };
    store_sub *subs = xcalloc(BATCH, sizeof *subs);
    store_sub **ptr = xcalloc(BATCH, sizeof *ptr);
    char (*uuid)[37] = xcalloc(BATCH, sizeof *uuid);
    char **json = xcalloc(BATCH, sizeof *json);
    int rc = 0;
    for (long done = 0; done < n && rc == 0;) {
        size_t k = 0;
        for (; k < BATCH && done < n; done++) {
            size_t t = pick_weighted(&g->r, g->terr_weight, g->ts->count);
            json_t *ans = gen_record(g, t);
            if (ans == NULL)
                continue;
            store_uuid4(uuid[k]);
            json[k] = json_dumps(ans, JSON_COMPACT | JSON_SORT_KEYS);
            store_sub *s = &subs[k];
            memset(s, 0, sizeof *s);
            s->uuid = uuid[k];
            s->form_id = g->f->id;
            s->form_version = g->f->version;
            s->lang = pick_lang(g);
            s->channel = rng_unif(&g->r) < g->paper_share ? "paper" : "web";
            for (size_t q = 0; q < g->f->nquestions; q++)
                if (g->f->questions[q].type == FQ_TERRITORY && !g->f->questions[q].multiple)
                    s->territory = json_string_value(json_object_get(ans, g->f->questions[q].id));
            s->territory = s->territory ? xstrdup(s->territory) : NULL;
            s->answers_json = json[k];
            store_sha256(json[k], strlen(json[k]), s->hash);
            ptr[k] = s;
            json_decref(ans);
            k++;
        }
        if (k > 0 && store_insert_batch(st, ptr, k, err, sizeof err) != 0) {
            fprintf(stderr, "synth : %s\n", err);
            rc = 1;
        }
        for (size_t i = 0; i < k; i++) {
            free(json[i]);
            free((char *)subs[i].territory);
        }
    }
    free(json);
    free(uuid);
    free(ptr);
    free(subs);
    store_close(st);
    return rc;
}

static int emit_jsonl(gen *g, long n)
{
    for (long done = 0; done < n; done++) {
        size_t t = pick_weighted(&g->r, g->terr_weight, g->ts->count);
        json_t *ans = gen_record(g, t);
        if (ans == NULL)
            continue;
        char uuid[37];
        store_uuid4(uuid);
        json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:o}", "uuid", uuid, "form_version", g->f->version, "lang",
                                 pick_lang(g), "channel", rng_unif(&g->r) < g->paper_share ? "paper" : "web",
                                 "answers", ans);
        char *line = json_dumps(body, JSON_COMPACT);
        puts(line);
        free(line);
        json_decref(body);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Reads the assumptions file (see the top of this file); returns 0, or 1 after printing what is wrong. */
static int load_assumptions(gen *g, const char *path)
{
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je), *rules;
    const json_t *pov = json_object_get(doc, "poverty");
    if (doc == NULL) {
        fprintf(stderr, "synth : %s : ligne %d : %s\n", path, je.line, je.text);
        return 1;
    }
    g->poverty[1] = json_number_value(json_object_get(pov, "qpv"));
    g->poverty[0] = json_number_value(json_object_get(pov, "rest"));
    g->spread = json_number_value(json_object_get(pov, "spread"));
    rules = json_object_get(doc, "answers");
    if (!(g->poverty[0] > 0 && g->poverty[0] < 1 && g->poverty[1] > 0 && g->poverty[1] < 1 && g->spread >= 0 &&
          g->spread < 0.2) || !json_is_array(rules) || json_array_size(rules) == 0) {
        fprintf(stderr, "synth : %s : « poverty » {qpv, rest, spread} et « answers » attendus\n", path);
        json_decref(doc);
        return 1;
    }
    g->assumed = xcalloc(json_array_size(rules), sizeof *g->assumed);
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) {
        const form_question *q = form_question_by_id(g->f, json_string_value(json_object_get(r, "question")));
        const char *code = json_string_value(json_object_get(r, "code"));
        const form_choice *ch = q && code ? form_choice_by_code(q, code, false) : NULL;
        double poor = json_number_value(json_object_get(r, "poor")), other = json_number_value(json_object_get(r, "other"));
        if (ch == NULL || q->type != FQ_SINGLE || !(poor >= 0 && poor <= 1 && other >= 0 && other <= 1)) {
            fprintf(stderr, "synth : %s : answers[%zu] : question à choix unique, code et parts (0 à 1) du "
                            "formulaire %s attendus\n", path, i, g->f->id);
            json_decref(doc);
            return 1;
        }
        g->assumed[g->nassumed++] = (assumed){q->index, (size_t)(ch - q->choices), {other, poor}};
    }
    json_decref(doc);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: synth --forms DIR --form ID --n N [--seed S] [--paper-share P] [--assumptions FICHIER]\n"
                    "             (--db PATH | --jsonl)\n"
                    "       synth --forms DIR --form ID --territories T [--seed S]   (a territories.json)\n");
    return 2;
}

/* A territories file of t territories for the form's age and sex questions: t - 1 QPV and the rest of the town,
 * each with a population by age band and sex (the form's first two single-choice questions with 4+ and 2+
 * codes other than refus: R02 and R03 in the resident form). */
static int emit_territories(const form *f, long t, uint64_t seed)
{
    const form_question *age = NULL, *sex = NULL;
    for (size_t i = 0; i < f->nquestions && !(age && sex); i++) {
        const form_question *q = &f->questions[i];
        if (q->type != FQ_SINGLE)
            continue;
        if (age == NULL && q->nchoices >= 5)
            age = q;
        else if (age && sex == NULL && q->nchoices >= 3)
            sex = q;
    }
    if (age == NULL || sex == NULL || t < 2) {
        fprintf(stderr, "synth : le formulaire %s n'a pas de questions d'âge et de sexe\n", f->id);
        return 1;
    }
    rng r = {seed};
    json_t *items = json_array();
    for (long k = 0; k < t; k++) {
        char code[32], name[64];
        bool rest = k == t - 1;
        snprintf(code, sizeof code, rest ? "hors_qpv" : "QN0939%02ld", k);
        snprintf(name, sizeof name, rest ? "Reste de la commune" : "Quartier %ld", k + 1);
        double size = rest ? 20000 : 1500 + 6000 * rng_unif(&r);
        json_t *pop = json_object();
        for (size_t a = 0; a < age->nchoices; a++) {
            if (strcmp(age->choices[a].code, "refus") == 0)
                continue;
            json_t *row = json_object();
            double share = (0.6 + 0.8 * rng_unif(&r)) / (double)age->nchoices;
            for (size_t b = 0; b < sex->nchoices && b < 2; b++)
                json_object_set_new(row, sex->choices[b].code,
                                    json_integer((json_int_t)(size * share * (b == 0 ? 0.52 : 0.48))));
            json_object_set_new(pop, age->choices[a].code, row);
        }
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:[s], s:I, s:o, s:I}", "code", code, "name", name,
                                               "kind", rest ? "rest" : "qpv", "insee_com", "93999", "paper",
                                               (json_int_t)(k + 1), "population", pop, "target", (json_int_t)300));
    }
    json_t *doc = json_pack("{s:b, s:s, s:{s:s, s:s}, s:[s, s], s:o}", "example", 1, "note",
                            "Territoires synthétiques (tests et mesures) : aucun n'existe.", "commune", "insee",
                            "93999", "name", "Synthéville", "population_by", age->id, sex->id, "territories", items);
    char *text = json_dumps(doc, JSON_INDENT(1));
    puts(text);
    free(text);
    json_decref(doc);
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *forms = "forms", *form_id = NULL, *db = NULL, *assumptions = NULL;
    long n = -1, seed = 1, territories = 0;
    double paper = 0.2;
    bool jsonl = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--jsonl") == 0) {
            jsonl = true;
            continue;
        }
        if (v == NULL)
            return usage();
        i++;
        if (strcmp(a, "--forms") == 0)
            forms = v;
        else if (strcmp(a, "--form") == 0)
            form_id = v;
        else if (strcmp(a, "--db") == 0)
            db = v;
        else if (strcmp(a, "--assumptions") == 0)
            assumptions = v;
        else if (strcmp(a, "--n") == 0 ? !util_parse_long(v, 0, 100000000, &n)
                 : strcmp(a, "--seed") == 0 ? !util_parse_long(v, 0, 1L << 40, &seed)
                 : strcmp(a, "--territories") == 0 ? !util_parse_long(v, 2, 1000, &territories)
                 : strcmp(a, "--paper-share") == 0 ? !util_parse_double(v, &paper) || paper < 0 || paper > 1
                                                   : true)
            return usage();
    }
    if (form_id == NULL || (territories == 0 && (n < 0 || (db == NULL) == !jsonl)))
        return usage();
    diag_list diags = {0};
    catalog *c = catalog_open(forms, &diags);
    if (territories > 0) {
        int rc = c && catalog_current(c, form_id) ? emit_territories(catalog_current(c, form_id), territories,
                                                                      (uint64_t)seed)
                                                  : 1;
        if (rc && c == NULL)
            diag_print(&diags, stderr);
        catalog_close(c);
        diag_list_free(&diags);
        return rc;
    }
    if (c == NULL || catalog_current(c, form_id) == NULL || catalog_territories(c) == NULL) {
        diag_print(&diags, stderr);
        fprintf(stderr, "synth : formulaire « %s » ou territoires introuvables dans %s\n", form_id, forms);
        catalog_close(c);
        diag_list_free(&diags);
        return 1;
    }
    gen g = {.f = catalog_current(c, form_id), .ts = catalog_territories(c), .seed = (uint64_t)seed,
             .r = {(uint64_t)seed}, .paper_share = paper};
    setup(&g);
    int rc = assumptions ? load_assumptions(&g, assumptions) : 0;
    if (rc == 0)
        rc = jsonl ? emit_jsonl(&g, n) : emit_db(&g, db, n);
    free(g.assumed);
    free(g.terr_weight);
    catalog_close(c);
    diag_list_free(&diags);
    return rc;
}
