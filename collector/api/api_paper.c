/* api_paper.c -- paper questionnaires typed in by mediators: entries with blind double entry, the list of
 * discrepant sheets, and their reconciliation (README.md, "Paper API"). Every route needs a mediator or admin
 * token; the token's id is stored with each entry as the mediator's pseudonym.
 *
 * Blindness: nothing of one entry ever reaches the token that typed the other. A discrepant sheet, its
 * differences and its entries are shown only to a token that typed neither entry, and only such a token may
 * reconcile it; each reconciled value is entry 1's or entry 2's, or a third value with the reconciler's reason.
 *
 * Writes go through the group-commit writer like submissions, as jobs whose apply callback runs the sheet rules
 * (store_paper_entry, store_paper_reconcile) inside the batch transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "answers.h"
#include "api.h"
#include "auth.h"
#include "export.h"
#include "app.h"
#include "util.h"

#define PAPER_ID_MAX 20
#define REASON_MAX 500  /* characters in a reconciler's reason for a third value: a sentence, not a report */

typedef struct paper_job {
    commitq_job job;           /* first member */
    store_paper paper;
    hreq *h;
    json_t *body;              /* keeps borrowed strings alive */
    char *answers_json;
    char *decisions;           /* reconciliation only */
    char uuid[37];
    char paper_id[PAPER_ID_MAX + 1];
    char lang[16];             /* reconciliation only: the decided language (a form's language code) */
} paper_job;

static void paper_job_free(paper_job *p)
{
    json_decref(p->body);
    free(p->answers_json);
    free(p->decisions);
    free(p);
}

static bool valid_paper_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > PAPER_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

static int apply_entry(store *s, commitq_job *job, char *err, size_t errlen)
{
    paper_job *p = (paper_job *)job;
    return store_paper_entry(s, &p->paper, err, errlen);
}

static int apply_reconcile(store *s, commitq_job *job, char *err, size_t errlen)
{
    paper_job *p = (paper_job *)job;
    return store_paper_reconcile(s, &p->paper, p->decisions, err, errlen);
}

static void finish(commitq_job *job)
{
    paper_job *p = (paper_job *)job;
    hreq *h = p->h;
    h->srv->inflight--;
    switch (job->sub.outcome) {
    case STORE_CREATED:
    case STORE_REPLAYED:
        http_reply_json(h, job->sub.outcome == STORE_CREATED ? 201 : 200,
                        json_pack("{s:s, s:s, s:i, s:s}", "uuid", p->uuid, "paper_id", p->paper_id, "entry",
                                  p->paper.entry, "status", p->paper.status));
        break;
    case STORE_CONFLICT:
        http_error(h, 409, "uuid_conflict", "uuid", "une autre saisie a déjà été enregistrée avec cet uuid");
        break;
    case STORE_REFUSED:
        if (strcmp(p->paper.refusal, "same_operator") == 0)
            http_error(h, 409, "same_operator", "paper_id", "la seconde saisie du questionnaire %s doit être faite "
                       "par une autre personne que la première", p->paper_id);
        else if (strcmp(p->paper.refusal, "not_discrepant") == 0)
            http_error(h, 409, "not_discrepant", "paper_id", "le questionnaire %s n'attend pas de réconciliation "
                       "(statut : %s)", p->paper_id, p->paper.status[0] ? p->paper.status : "inconnu");
        else
            http_error(h, 409, "sheet_complete", "paper_id", "le questionnaire %s a déjà toutes ses saisies",
                       p->paper_id);
        break;
    case STORE_UNAVAILABLE:
    default:
        if (h->req)
            evhttp_add_header(evhttp_request_get_output_headers(h->req), "Retry-After", "10");
        http_error(h, 503, "storage_unavailable", NULL, "l'enregistrement est momentanément impossible ; rien n'a "
                   "été enregistré, réessayez plus tard");
        break;
    }
    paper_job_free(p);
}

/* Fills the job's submission from the checked body: the uuid (p->uuid, set by the caller) is part of the
 * content hash; answers are normalised so that both entries of a sheet compare as text. */
static void prepare(paper_job *p, const form *f, const char *paper_id, json_t *answers, const char *lang, long token,
                    commitq_apply_fn apply)
{
    snprintf(p->paper_id, sizeof p->paper_id, "%s", paper_id);
    json_object_set_new(p->body, "uuid", json_string(p->uuid));
    api_content_hash(f->id, p->body, p->job.sub.hash);
    answers_normalize(f, answers);
    p->answers_json = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
    store_sub *s = &p->job.sub;
    s->uuid = p->uuid;
    s->form_id = f->id;
    s->form_version = f->version;
    s->form = f; /* recorded with the version's first answer (frozen.h) */
    s->lang = lang;
    s->channel = "paper";
    s->territory = api_territory_of(f, answers);
    s->answers_json = p->answers_json;
    p->paper.sub = s;
    p->paper.paper_id = p->paper_id;
    p->paper.entered_by = token;
    p->job.apply = apply;
}

/* Queues a prepared job; replies 503 when the writer cannot take it. */
static void push(hreq *h, paper_job *p)
{
    p->h = h;
    p->job.user = p;
    p->job.finish = finish;
    if (!api_push(h, &p->job)) {
        paper_job_free(p);
        return;
    }
}

/* Checks answers against f; replies 422 and returns false when they break it. */
static bool answers_ok(hreq *h, const form *f, const json_t *answers)
{
    answers_report report;
    if (answers_check(f, answers, NULL, &report) == 0) {
        answers_report_free(&report);
        return true;
    }
    json_t *out = json_pack("{s:s, s:s, s:o}", "code", "invalid_answers", "message",
                            "les réponses ne respectent pas le formulaire", "errors", answers_report_json(&report));
    answers_report_free(&report);
    http_reply_json(h, 422, out);
    return false;
}

void api_paper_entry(hreq *h, const char *const *params)
{
    long token;
    if (!auth_require(h, AUTH_MEDIATOR | AUTH_ADMIN, &token))
        return;
    json_t *body = api_read_json(h);
    if (body == NULL)
        return;
    paper_job *p = xcalloc(1, sizeof *p);
    p->body = body;
    static const char *const fields[] = {"paper_id", "uuid", "form_version", "lang", "answers", NULL};
    if (!api_known_fields(h, body, fields))
        goto fail;
    if (catalog_current(h->srv->forms, params[0]) == NULL) {
        http_unknown_form(h, params[0]);
        goto fail;
    }
    const char *paper_id = json_string_value(json_object_get(body, "paper_id"));
    if (!valid_paper_id(paper_id)) {
        http_error(h, 400, paper_id ? "invalid_field" : "missing_field", "paper_id", "« paper_id » est le numéro du "
                   "questionnaire papier : 1 à %d lettres, chiffres, - ou _", PAPER_ID_MAX);
        goto fail;
    }
    const char *uuid = json_string_value(json_object_get(body, "uuid"));
    if (json_object_get(body, "uuid") && (uuid == NULL || !api_parse_uuid(uuid, p->uuid))) {
        http_error(h, 400, "invalid_field", "uuid", "« uuid » doit être un UUID (RFC 4122)");
        goto fail;
    }
    if (uuid == NULL)
        store_uuid4(p->uuid);
    const char *version = json_string_value(json_object_get(body, "form_version"));
    const form *f = version ? catalog_get(h->srv->forms, params[0], version) : catalog_current(h->srv->forms,
                                                                                                params[0]);
    if (f == NULL) {
        http_unknown_version(h, params[0], version);
        goto fail;
    }
    const char *lang = json_string_value(json_object_get(body, "lang"));
    if (json_object_get(body, "lang") && (lang == NULL || !form_has_language(f, lang))) {
        http_error(h, 400, "invalid_field", "lang", "« lang » doit être une des langues du formulaire");
        goto fail;
    }
    json_t *answers = json_object_get(body, "answers");
    if (!json_is_object(answers)) {
        http_error(h, 400, answers ? "invalid_field" : "missing_field", "answers",
                   "« answers » est un objet {question: réponse}");
        goto fail;
    }
    if (!answers_ok(h, f, answers))
        goto fail;
    /* a sheet without its language is in the form's first one (French for the shipped forms) */
    prepare(p, f, paper_id, answers, lang ? lang : f->languages[0], token, apply_entry);
    push(h, p);
    return;
fail:
    paper_job_free(p);
}

/* ---------------------------------------------------------------------------------------------------------
 * Reading sheets.
 */

/* The flat fields of an answers object, as export columns ("R23.pmi"), with their cell text. */
static json_t *flatten(const export_layout *l, const json_t *answers)
{
    json_t *o = json_object();
    sbuf cell = {0};
    for (size_t i = 0; i < l->count; i++) {
        sbuf_reset(&cell);
        export_cell(&l->cols[i], answers, &cell);
        if (cell.len > 0)
            json_object_set_new(o, l->cols[i].name, json_string(cell.data));
    }
    sbuf_free(&cell);
    return o;
}

/* The fields where two entries differ: [{field, first, second}] (null where one of them is empty). */
static json_t *differences(const export_layout *l, const json_t *a, const json_t *b)
{
    json_t *fa = flatten(l, a), *fb = flatten(l, b), *out = json_array();
    for (size_t i = 0; i < l->count; i++) {
        const char *name = l->cols[i].name;
        json_t *x = json_object_get(fa, name), *y = json_object_get(fb, name);
        if ((x == NULL) != (y == NULL) || (x && !json_equal(x, y)))
            json_array_append_new(out, json_pack("{s:s, s:O?, s:O?}", "field", name, "first", x, "second", y));
    }
    json_decref(fa);
    json_decref(fb);
    return out;
}

/* The two entries of a sheet: fills answers[2] (new references) and entries ([{entry, uuid, entered_by, lang,
 * answers}]); false when it has not two. */
static bool load_entries(sqlite3 *db, const char *form_id, const char *paper_id, json_t *answers[2],
                         json_t **entries, char *version, size_t vlen)
{
    sqlite3_stmt *st;
    answers[0] = answers[1] = NULL;
    *entries = json_array();
    if (sqlite3_prepare_v2(db, "SELECT entry, uuid, entered_by, answers, form_version, lang FROM submissions "
                           "WHERE form_id = ? AND paper_id = ? AND entry IN (1, 2) ORDER BY entry", -1, &st,
                           NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, paper_id, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int e = sqlite3_column_int(st, 0);
        json_t *a = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
        if (version && e == 1)
            snprintf(version, vlen, "%s", sqlite3_column_text(st, 4));
        json_array_append_new(*entries, json_pack("{s:i, s:s, s:I, s:s, s:O}", "entry", e, "uuid",
                                                  sqlite3_column_text(st, 1), "entered_by",
                                                  (json_int_t)sqlite3_column_int64(st, 2), "lang",
                                                  sqlite3_column_text(st, 5), "answers", a));
        answers[e - 1] = a;
    }
    sqlite3_finalize(st);
    return answers[0] && answers[1];
}

/* The language of entry i (0 or 1) of entries as load_entries gives them, as a borrowed JSON string. */
static json_t *entry_lang(json_t *entries, size_t i)
{
    return json_object_get(json_array_get(entries, i), "lang");
}

/* The differences of a sheet's two entries: the sheet's language first when they disagree on it (field "lang"),
 * then the answers' (see differences). */
static json_t *sheet_differences(const export_layout *l, json_t *const a[2], json_t *entries)
{
    json_t *out = json_array(), *x = entry_lang(entries, 0), *y = entry_lang(entries, 1);
    if (!json_equal(x, y))
        json_array_append_new(out, json_pack("{s:s, s:O, s:O}", "field", "lang", "first", x, "second", y));
    json_t *d = differences(l, a[0], a[1]);
    json_array_extend(out, d);
    json_decref(d);
    return out;
}

/* The entry (1 or 2) of a sheet that token typed, or 0 when it typed neither; entries as load_entries gives
 * them. Whoever typed an entry may neither see the other one nor reconcile the sheet. */
static int typed_by(json_t *entries, long token)
{
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        if (json_integer_value(json_object_get(e, "entered_by")) == token)
            return (int)json_integer_value(json_object_get(e, "entry"));
    }
    return 0;
}

void api_paper_discrepancies(hreq *h, const char *const *params)
{
    long token;
    if (!auth_require(h, AUTH_MEDIATOR | AUTH_ADMIN, &token))
        return;
    export_layout *l = export_layout_new(h->srv->forms, params[0]);
    if (l == NULL) {
        http_unknown_form(h, params[0]);
        return;
    }
    sqlite3 *db = store_db(h->srv->reader);
    sqlite3_stmt *st;
    json_t *sheets = json_array(), *own = json_array();
    if (sqlite3_prepare_v2(db, "SELECT paper_id FROM sheets WHERE form_id = ? AND status = 'discrepant' ORDER BY "
                           "paper_id", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, params[0], -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *pid = (const char *)sqlite3_column_text(st, 0);
            json_t *a[2], *entries;
            bool two = load_entries(db, params[0], pid, a, &entries, NULL, 0);
            /* A typist's own sheets are named, so that the page can say why they are not shown; nothing else. */
            if (two && typed_by(entries, token))
                json_array_append_new(own, json_string(pid));
            else if (two)
                json_array_append_new(sheets, json_pack("{s:s, s:o, s:O}", "paper_id", pid, "differences",
                                                        sheet_differences(l, a, entries), "entries", entries));
            json_decref(entries);
            json_decref(a[0]);
            json_decref(a[1]);
        }
        sqlite3_finalize(st);
    }
    export_layout_free(l);
    http_reply_json(h, 200, json_pack("{s:o, s:o}", "sheets", sheets, "typed_by_you", own));
}

/* A mediator's or an administrator's request about the sheets of a current form: the caller's token id in
 * *token. Replies 401/403/404 and returns false otherwise. */
static bool sheets_request(hreq *h, const char *form_id, long *token)
{
    if (!auth_require(h, AUTH_MEDIATOR | AUTH_ADMIN, token))
        return false;
    if (catalog_current(h->srv->forms, form_id) == NULL) {
        http_unknown_form(h, form_id);
        return false;
    }
    return true;
}

void api_paper_sheets(hreq *h, const char *const *params)
{
    if (!sheets_request(h, params[0], NULL))
        return;
    sqlite3_stmt *st;
    json_t *sheets = json_array();
    if (sqlite3_prepare_v2(store_db(h->srv->reader),
                           "SELECT h.paper_id, h.status, h.double, (SELECT count(*) FROM submissions s WHERE "
                           "s.form_id = h.form_id AND s.paper_id = h.paper_id AND s.entry IN (1, 2)) FROM sheets h "
                           "WHERE h.form_id = ? ORDER BY h.paper_id", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, params[0], -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW)
            json_array_append_new(sheets, json_pack("{s:s, s:s, s:b, s:i}", "paper_id", sqlite3_column_text(st, 0),
                                                    "status", sqlite3_column_text(st, 1), "double",
                                                    sqlite3_column_int(st, 2), "entries",
                                                    sqlite3_column_int(st, 3)));
        sqlite3_finalize(st);
    }
    http_reply_json(h, 200, json_pack("{s:o, s:f}", "sheets", sheets, "double_rate",
                                      store_double_rate(h->srv->reader, params[0])));
}

/* GET …/paper/mine: the sheets the caller typed today (local time), newest first: number, which entry, when,
 * language, territory and the sheet's status. Never another person's entries, never answers; a reconciled
 * record (entry 0) is a decision, not a sheet typed, and the typists see it as their sheet's status. */
void api_paper_mine(hreq *h, const char *const *params)
{
    long token;
    if (!sheets_request(h, params[0], &token))
        return;
    sqlite3_stmt *st;
    json_t *sheets = json_array();
    if (sqlite3_prepare_v2(store_db(h->srv->reader),
                           "SELECT s.paper_id, s.entry, s.received_at, s.lang, coalesce(s.territory, ''), h.status "
                           "FROM submissions s JOIN sheets h ON h.form_id = s.form_id AND h.paper_id = s.paper_id "
                           "WHERE s.form_id = ? AND s.entered_by = ? AND s.paper_id IS NOT NULL AND s.entry IN (1, 2) "
                           "AND date(s.received_at, 'localtime') = date('now', 'localtime') "
                           "ORDER BY s.received_at DESC, s.id DESC", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, params[0], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, token);
        while (sqlite3_step(st) == SQLITE_ROW)
            json_array_append_new(sheets, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s}", "paper_id",
                                                    sqlite3_column_text(st, 0), "entry", sqlite3_column_int(st, 1),
                                                    "received_at", sqlite3_column_text(st, 2), "lang",
                                                    sqlite3_column_text(st, 3), "territory",
                                                    sqlite3_column_text(st, 4), "status", sqlite3_column_text(st, 5)));
        sqlite3_finalize(st);
    }
    http_reply_json(h, 200, json_pack("{s:o}", "sheets", sheets));
}

/* ---------------------------------------------------------------------------------------------------------
 * Reconciliation.
 */

/* Whether layout l has an export column called name. */
static bool layout_has(const export_layout *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->cols[i].name, name) == 0)
            return true;
    return false;
}

/* Whether s has a character other than white space. */
static bool has_text(const char *s)
{
    return s[strspn(s, " \t\r\n")] != '\0';
}

/* Checks a reconciliation body: {"answers": {...}, "reasons"?: {FIELD: "why", ...}, "lang"?: "ar"}, where each
 * FIELD is an export column of the form or "lang" (the sheet's language), and each reason a string of 1 to
 * REASON_MAX characters that is not blank. Replies 400 and returns false otherwise; lang is checked against the
 * sheet's form version later (reconcile_lang_ok), once that version is known. */
static bool reconcile_body_ok(hreq *h, json_t *body, const export_layout *l)
{
    static const char *const fields[] = {"answers", "reasons", "lang", NULL};
    if (!api_known_fields(h, body, fields))
        return false;
    json_t *answers = json_object_get(body, "answers"), *reasons = json_object_get(body, "reasons");
    if (!json_is_object(answers)) {
        http_error(h, 400, answers ? "invalid_field" : "missing_field", "answers",
                   "le corps est {\"answers\": {…}, \"reasons\": {…}} : les réponses décidées, et la raison de "
                   "chaque valeur qui ne vient d'aucune des deux saisies");
        return false;
    }
    if (reasons && !json_is_object(reasons)) {
        http_error(h, 400, "invalid_field", "reasons", "« reasons » est un objet {champ: raison}");
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(reasons, key, v) {
        int n = util_utf8_prefix(key, strlen(key), 64);
        const char *why = json_string_value(v);
        if (!layout_has(l, key) && strcmp(key, "lang") != 0) {
            http_error(h, 400, "invalid_field", "reasons", "« reasons » : « %.*s » n'est pas une réponse de ce "
                       "questionnaire (une question, une ligne de grille comme R23.pmi, ou lang)", n, key);
            return false;
        }
        if (why == NULL || !has_text(why) || util_utf8_len(why) > REASON_MAX) {
            http_error(h, 400, "invalid_field", "reasons", "« reasons » : la raison donnée pour %.*s doit être un "
                       "texte de 1 à %d caractères", n, key, REASON_MAX);
            return false;
        }
    }
    return true;
}

/* Replies 403 own_entry: the caller typed entry e of sheet paper_id. */
static void own_entry(hreq *h, const char *paper_id, int e)
{
    http_error(h, 403, "own_entry", "paper_id", "vous avez fait la saisie %d du questionnaire %s : sa réconciliation "
               "revient à une personne qui n'a fait aucune des deux saisies (un autre médiateur ou un "
               "administrateur)", e, paper_id);
}

/* Whether two cells of flattened answers (NULL: no answer) are the same. */
static bool same_cell(const json_t *a, const json_t *b)
{
    return a == NULL ? b == NULL : b != NULL && json_equal(a, b);
}

/* Appends to errors the refusal of field name: {field, code, message}. */
static void refuse_field(json_t *errors, const char *name, const char *code, const char *message)
{
    json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field", name, "code", code, "message", message));
}

/* Decides one field from its cells in entry 1 (x), entry 2 (y) and the reconciled answers (c), and the
 * reconciler's reason (NULL if none). Appends to decisions {field, first, second, chosen, source, reason?}
 * when the entries differ or the reconciler overrode them, or to errors when the rule is broken: a value must
 * be one of the entries' unless a reason is given, and a reason goes only with such a third value. */
static void decide_field(const char *name, json_t *x, json_t *y, json_t *c, const char *reason, json_t *decisions,
                         json_t *errors)
{
    bool agreed = same_cell(x, y);
    const char *source = same_cell(c, x) ? "first" : same_cell(c, y) ? "second" : reason ? "third" : NULL;
    if (source == NULL && agreed)
        refuse_field(errors, name, "agreed_value_changed", "les deux saisies donnent la même réponse : la "
                     "changer demande une raison dans « reasons »");
    else if (source == NULL)
        refuse_field(errors, name, "value_not_in_entries", "cette valeur ne vient ni de la saisie 1 ni de la "
                     "saisie 2 : gardez l'une des deux, ou donnez dans « reasons » la raison d'une autre valeur");
    else if (reason && strcmp(source, "third") != 0)
        refuse_field(errors, name, "reason_not_needed", "cette valeur est celle d'une des saisies : une raison "
                     "n'accompagne qu'une valeur qui ne vient d'aucune des deux");
    else if (!agreed || reason)
        json_array_append_new(decisions, json_pack("{s:s, s:O?, s:O?, s:O?, s:s, s:s*}", "field", name, "first", x,
                                                   "second", y, "chosen", c, "source", source, "reason", reason));
}

/* Decides the sheet's language from the entries' (x, y) and the body's lang (NULL: none given), by the rule of
 * decide_field under the name "lang"; without lang it is the entries' when they agree, and must be chosen when
 * they do not. Returns the decided language (borrowed from x or lang), or NULL after appending to errors. */
static json_t *decide_lang(json_t *x, json_t *y, json_t *lang, const char *reason, json_t *decisions,
                           json_t *errors)
{
    if (lang == NULL && !json_equal(x, y)) {
        refuse_field(errors, "lang", "lang_undecided", "les deux saisies ne donnent pas la même langue de feuille : "
                     "choisissez dans « lang » celle de la saisie 1 ou de la saisie 2 (ou une autre, avec sa raison)");
        return NULL;
    }
    json_t *c = lang ? lang : x;
    size_t before = json_array_size(errors);
    decide_field("lang", x, y, c, reason, decisions, errors);
    return json_array_size(errors) == before ? c : NULL;
}

/* Checks the reconciled sheet against its two entries: its language (decide_lang, from lang: NULL when the body
 * has none), then its answers field by field (export columns) against a[0] and a[1] (decide_field). Returns the
 * decisions to keep with the sheet (a new array) and the decided language in *chosen (borrowed), or NULL after
 * replying 422 invalid_decisions with every field that breaks the rule. */
static json_t *decide(hreq *h, const export_layout *l, json_t *const a[2], json_t *entries, const json_t *answers,
                      const json_t *reasons, json_t *lang, json_t **chosen)
{
    json_t *f1 = flatten(l, a[0]), *f2 = flatten(l, a[1]), *fc = flatten(l, answers);
    json_t *decisions = json_array(), *errors = json_array();
    *chosen = decide_lang(entry_lang(entries, 0), entry_lang(entries, 1), lang,
                          json_string_value(json_object_get(reasons, "lang")), decisions, errors);
    for (size_t i = 0; i < l->count; i++) {
        const char *name = l->cols[i].name;
        decide_field(name, json_object_get(f1, name), json_object_get(f2, name), json_object_get(fc, name),
                     json_string_value(json_object_get(reasons, name)), decisions, errors);
    }
    json_decref(f1);
    json_decref(f2);
    json_decref(fc);
    if (json_array_size(errors) == 0) {
        json_decref(errors);
        return decisions;
    }
    json_decref(decisions);
    http_reply_json(h, 422, json_pack("{s:s, s:s, s:o}", "code", "invalid_decisions", "message",
                                      "chaque réponse décidée doit venir de la saisie 1 ou de la saisie 2, ou être "
                                      "une autre valeur accompagnée de sa raison", "errors", errors));
    return NULL;
}

void api_paper_reconcile(hreq *h, const char *const *params)
{
    long token;
    if (!auth_require(h, AUTH_MEDIATOR | AUTH_ADMIN, &token))
        return;
    json_t *body = api_read_json(h);
    if (body == NULL)
        return;
    paper_job *p = xcalloc(1, sizeof *p);
    p->body = body;
    json_t *a[2] = {NULL, NULL}, *entries = NULL;
    export_layout *l = export_layout_new(h->srv->forms, params[0]);
    if (l == NULL) {
        http_unknown_form(h, params[0]);
        goto fail;
    }
    if (!reconcile_body_ok(h, body, l))
        goto fail;
    if (!valid_paper_id(params[1])) {
        http_error(h, 404, "unknown_sheet", "paper_id", "numéro de questionnaire invalide");
        goto fail;
    }
    char version[40] = "";
    if (!load_entries(store_db(h->srv->reader), params[0], params[1], a, &entries, version, sizeof version)) {
        http_error(h, 404, "unknown_sheet", "paper_id", "le questionnaire %s n'a pas deux saisies à réconcilier",
                   params[1]);
        goto fail;
    }
    /* Before anything is compared with the entries: a typist must not learn the other entry from the 422. */
    int mine = typed_by(entries, token);
    if (mine) {
        own_entry(h, params[1], mine);
        goto fail;
    }
    json_t *answers = json_object_get(body, "answers"), *lang = json_object_get(body, "lang");
    const form *f = catalog_get(h->srv->forms, params[0], version);
    if (f == NULL)
        goto fail;
    if (lang && (!json_is_string(lang) || !form_has_language(f, json_string_value(lang)))) {
        http_error(h, 400, "invalid_field", "lang", "« lang » doit être une des langues du formulaire");
        goto fail;
    }
    if (!answers_ok(h, f, answers))
        goto fail;
    answers_normalize(f, answers); /* entries are stored normalised: compare like with like */
    json_t *chosen;
    json_t *decisions = decide(h, l, a, entries, answers, json_object_get(body, "reasons"), lang, &chosen);
    if (decisions == NULL)
        goto fail;
    p->decisions = json_dumps(decisions, JSON_COMPACT);
    json_decref(decisions);
    /* the record is in the sheet's decided language, copied: entries are released before the job is written */
    snprintf(p->lang, sizeof p->lang, "%s", json_string_value(chosen));
    store_uuid4(p->uuid);
    prepare(p, f, params[1], answers, p->lang, token, apply_reconcile);
    json_decref(a[0]);
    json_decref(a[1]);
    json_decref(entries);
    export_layout_free(l);
    push(h, p);
    return;
fail:
    json_decref(a[0]);
    json_decref(a[1]);
    json_decref(entries);
    export_layout_free(l);
    paper_job_free(p);
}
