/* api_steward.c -- data stewardship over HTTP (README.md, "Data stewardship"): one submission with its history,
 * corrections checked against the submission's own form version, exclusions, erasure (by uuid, or by the receipt
 * a resident kept), test mode and its purge, and the audit trail as JSON and CSV. Exports the api_submission*,
 * api_erasure, api_campaign* and api_audit* handlers (api.h).
 *
 * Reads use the loop's read connection. Every change is a job of the writer thread (commitq.h) whose apply runs
 * the steward_* call inside the batch transaction, so that the change and its audit row commit together; finish
 * replies on the loop. A correction is merged and checked in apply, against the answers as they are inside that
 * transaction: two corrections of one submission in flight cannot lose one another's change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sqlite3.h>

#include "answers.h"
#include "api.h"
#include "app.h"
#include "auth.h"
#include "steward.h"
#include "util.h"

#define AUDIT_PAGE_DEFAULT 1000   /* entries per GET /api/v1/audit when no limit is given */
#define AUDIT_PAGE_MAX 10000
#define RECEIPT_INPUT_MAX 32      /* characters of a receipt as typed (spaces, lower case) before it is judged */
#define ERASURE_DEFAULT_REASON "demande de la personne (RGPD)"
/* After an erasure the loop runs the checkpoint itself: it may wait this long for a reader, not more (the loop
 * serves everyone), and tries again every second while an export on an older snapshot holds the WAL. */
#define CHECKPOINT_WAIT_MS 100
#define CHECKPOINT_TRIES 60

typedef enum job_kind { JOB_CORRECT, JOB_EXCLUDE, JOB_INCLUDE, JOB_ERASE, JOB_TEST_MODE, JOB_PURGE } job_kind;

typedef struct steward_job {
    commitq_job job;             /* first member */
    job_kind kind;
    hreq *h;
    steward_actor who;           /* who.name points to name */
    char name[128];
    char uuid[37];
    char *receipt;               /* JOB_ERASE by receipt */
    char *reason;
    const form *f;               /* JOB_CORRECT: the submission's version (alive while the request is) */
    json_t *patch;               /* JOB_CORRECT: {question: value | null} */
    bool on;                     /* JOB_TEST_MODE */
    int tries;                   /* JOB_ERASE: checkpoints tried */
    /* results */
    steward_outcome outcome;
    json_t *changes;             /* JOB_CORRECT done */
    json_t *errors;              /* JOB_CORRECT refused: the answers_report_json of the merged answers */
    char status[16];             /* the submission's status after the change */
    long purged;
} steward_job;

static void job_free(steward_job *j)
{
    free(j->receipt);
    free(j->reason);
    json_decref(j->patch);
    json_decref(j->changes);
    json_decref(j->errors);
    free(j);
}

/* ---------------------------------------------------------------------------------------------------------
 * Input at the edge.
 */

/* Reads the uuid path parameter into out; replies 400 and returns false when it is not one. */
static bool read_uuid(hreq *h, const char *param, char out[37])
{
    if (param != NULL && api_parse_uuid(param, out))
        return true;
    http_error(h, 400, "invalid_field", "uuid", "« %.*s » n'est pas un UUID (RFC 4122)",
               util_utf8_prefix(param ? param : "", param ? strlen(param) : 0, 64), param ? param : "");
    return false;
}

/* Reads "reason" of body into *out (malloc'd): required unless dflt is given, a string of 1 to
 * STEWARD_REASON_MAX characters that is not only spaces. Replies 400 and returns false otherwise. */
static bool read_reason(hreq *h, json_t *body, const char *dflt, char **out)
{
    const json_t *v = json_object_get(body, "reason");
    if (v == NULL && dflt != NULL) {
        *out = xstrdup(dflt);
        return true;
    }
    if (v == NULL) {
        http_error(h, 400, "missing_field", "reason", "« reason » est obligatoire : dites pourquoi (1 à %d "
                   "caractères)", STEWARD_REASON_MAX);
        return false;
    }
    const char *s = json_string_value(v);
    size_t n = s ? util_utf8_len(s) : 0;
    bool blank = true;
    for (const char *p = s; p && *p; p++)
        blank &= *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
    if (s != NULL && n > STEWARD_REASON_MAX) {
        http_error(h, 400, "invalid_field", "reason", "« reason » fait %zu caractères : %d au plus (une phrase, pas "
                   "un rapport)", n, STEWARD_REASON_MAX);
        return false;
    }
    if (s == NULL || blank) {
        http_error(h, 400, "invalid_field", "reason", "« reason » est un texte de 1 à %d caractères",
                   STEWARD_REASON_MAX);
        return false;
    }
    *out = xstrdup(s);
    return true;
}

/* Reads a JSON body whose members are all in fields; replies and returns NULL otherwise. An absent body (no
 * Content-Type, no bytes) reads as {} for the routes where every member is optional (allow_empty). */
static json_t *read_body(hreq *h, const char *const *fields, bool allow_empty)
{
    if (allow_empty && evhttp_find_header(evhttp_request_get_input_headers(h->req), "Content-Type") == NULL &&
        evbuffer_get_length(evhttp_request_get_input_buffer(h->req)) == 0)
        return json_object();
    json_t *body = api_read_json(h);
    if (body != NULL && !api_known_fields(h, body, fields)) {
        json_decref(body);
        return NULL;
    }
    return body;
}

/* A new job for the request, with who acts; NULL (and a reply) when the request may not act. */
static steward_job *job_new(hreq *h, job_kind kind)
{
    auth_identity who;
    if (!auth_identify(h, AUTH_ADMIN, &who))
        return NULL;
    steward_job *j = xcalloc(1, sizeof *j);
    j->kind = kind;
    j->h = h;
    snprintf(j->name, sizeof j->name, "%s", who.name);
    j->who = (steward_actor){.token_id = who.token_id, .name = j->name};
    return j;
}

/* ---------------------------------------------------------------------------------------------------------
 * What the writer does, inside its transaction. A refusal is an outcome, not an error: the batch goes on.
 */

/* The status steward_get gives uuid now, into out. */
static int status_of(store *s, const char *uuid, char *out, size_t len)
{
    json_t *o = steward_get(s, uuid);
    if (o == NULL)
        return -1;
    snprintf(out, len, "%s", json_string_value(json_object_get(o, "status")));
    json_decref(o);
    return 0;
}

/* Merges the patch into the current answers, checks them against the version, and stores them when they pass. */
static int apply_correct(store *s, steward_job *j, char *err, size_t errlen)
{
    char *text = NULL, *form_id = NULL, *version = NULL, *merged_text = NULL;
    json_t *merged = NULL;
    int rc = steward_current(s, j->uuid, &text, &form_id, &version);
    if (rc <= 0) {
        j->outcome = STEWARD_NOT_FOUND;
        if (rc < 0)
            snprintf(err, errlen, "%s", sqlite3_errmsg(store_db(s)));
        goto done;
    }
    rc = -1;
    merged = json_loads(text, 0, NULL);
    if (!json_is_object(merged) || strcmp(form_id, j->f->id) != 0 || strcmp(version, j->f->version) != 0) {
        snprintf(err, errlen, "réponses illisibles ou version inattendue pour %s", j->uuid);
        goto done;
    }
    const char *q;
    json_t *v;
    json_object_foreach(j->patch, q, v) {
        if (json_is_null(v))
            json_object_del(merged, q);
        else
            json_object_set(merged, q, v);
    }
    answers_report report;
    if (answers_check(j->f, merged, NULL, &report) > 0) {
        j->errors = answers_report_json(&report);
        answers_report_free(&report);
        rc = 0;
        goto done;
    }
    answers_report_free(&report);
    answers_normalize(j->f, merged);
    json_t *before = json_loads(text, 0, NULL);
    j->changes = steward_changes(before, merged);
    json_decref(before);
    merged_text = json_dumps(merged, JSON_COMPACT | JSON_SORT_KEYS);
    /* the territory column follows the answer, as for a new submission (stats_tally moves with it) */
    if (steward_correct(s, &j->who, j->uuid, merged_text, api_territory_of(j->f, merged), j->reason, &j->outcome,
                        err, errlen) < 0)
        goto done;
    rc = j->outcome == STEWARD_DONE ? status_of(s, j->uuid, j->status, sizeof j->status) : 0;
done:
    json_decref(merged);
    free(merged_text);
    free(text);
    free(form_id);
    free(version);
    return rc;
}

static int apply(store *s, commitq_job *job, char *err, size_t errlen)
{
    steward_job *j = (steward_job *)job;
    job->sub.outcome = STORE_CREATED; /* the batch committed; j->outcome says what happened */
    switch (j->kind) {
    case JOB_CORRECT:
        return apply_correct(s, j, err, errlen);
    case JOB_EXCLUDE:
    case JOB_INCLUDE:
        if (steward_exclude(s, &j->who, j->uuid, j->kind == JOB_EXCLUDE, j->reason, &j->outcome, err, errlen) < 0)
            return -1;
        return j->outcome == STEWARD_DONE ? status_of(s, j->uuid, j->status, sizeof j->status) : 0;
    case JOB_ERASE:
        return steward_erase(s, &j->who, j->receipt ? j->receipt : j->uuid, j->receipt != NULL, j->reason,
                             &j->outcome, err, errlen);
    case JOB_TEST_MODE:
        j->outcome = STEWARD_DONE;
        return steward_set_test_mode(s, &j->who, j->on, err, errlen);
    case JOB_PURGE:
        j->outcome = STEWARD_DONE;
        return steward_purge_tests_why(s, &j->who, j->reason, &j->purged, err, errlen);
    }
    return -1;
}

/* ---------------------------------------------------------------------------------------------------------
 * Replies, on the loop.
 */

static void reply_not_found(hreq *h, const steward_job *j)
{
    if (j->receipt)
        http_error(h, 404, "unknown_receipt", "receipt", "aucune réponse n'a le reçu « %.*s »",
                   util_utf8_prefix(j->receipt, strlen(j->receipt), RECEIPT_INPUT_MAX), j->receipt);
    else
        http_error(h, 404, "unknown_submission", "uuid", "aucune réponse n'a l'uuid %s", j->uuid);
}

/* The erasure is committed; now the pages that held the answers leave the WAL too (steward.h). The reply waits
 * for it, so that "erased" means gone from the files; a reader that keeps the WAL busy (an export being streamed
 * from a snapshot older than the erasure) is waited for, a second at a time, without blocking the loop. */
static void erase_checkpoint(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    steward_job *j = arg;
    hreq *h = j->h;
    char err[256];
    if (steward_checkpoint_file(h->srv->cfg.db_path, CHECKPOINT_WAIT_MS, err, sizeof err) < 0) {
        struct timeval again = {1, 0};
        if (++j->tries < CHECKPOINT_TRIES && event_base_once(h->srv->base, -1, EV_TIMEOUT, erase_checkpoint, j,
                                                             &again) == 0)
            return;
        fprintf(stderr, "collector: effacement enregistré, mais %s (il sera fait au prochain point de contrôle)\n",
                err);
    }
    h->srv->inflight--;
    http_reply_json(h, 200, json_pack("{s:b}", "erased", 1));
    job_free(j);
}

static void finish(commitq_job *job)
{
    steward_job *j = (steward_job *)job;
    hreq *h = j->h;
    if (j->kind == JOB_ERASE && job->sub.outcome != STORE_UNAVAILABLE && j->outcome == STEWARD_DONE) {
        erase_checkpoint(-1, 0, j); /* still in flight until it has replied */
        return;
    }
    h->srv->inflight--;
    if (job->sub.outcome == STORE_UNAVAILABLE) {
        if (h->req)
            evhttp_add_header(evhttp_request_get_output_headers(h->req), "Retry-After", "10");
        http_error(h, 503, "storage_unavailable", NULL, "l'enregistrement est momentanément impossible ; rien n'a été "
                   "modifié, réessayez plus tard");
    } else if (j->errors) {
        json_t *out = json_pack("{s:s, s:s, s:O}", "code", "invalid_answers", "message", "la correction ne respecte "
                                "pas le formulaire de la réponse (version d'origine) ; rien n'a été modifié",
                                "errors", j->errors);
        http_reply_json(h, 422, out);
    } else if (j->outcome == STEWARD_NOT_FOUND) {
        reply_not_found(h, j);
    } else if (j->outcome == STEWARD_UNCHANGED) {
        http_error(h, 409, "unchanged", j->kind == JOB_CORRECT ? "answers" : NULL, j->kind == JOB_CORRECT
                   ? "la correction ne change aucune réponse" : j->kind == JOB_EXCLUDE
                   ? "cette réponse est déjà exclue" : "cette réponse n'est pas exclue");
    } else {
        switch (j->kind) {
        case JOB_CORRECT:
            http_reply_json(h, 200, json_pack("{s:s, s:s, s:O}", "uuid", j->uuid, "status", j->status, "changes",
                                              j->changes));
            break;
        case JOB_EXCLUDE:
        case JOB_INCLUDE:
            http_reply_json(h, 200, json_pack("{s:s, s:s}", "uuid", j->uuid, "status", j->status));
            break;
        case JOB_ERASE: /* replied by erase_checkpoint */
            break;
        case JOB_TEST_MODE:
            http_reply_json(h, 200, json_pack("{s:b}", "test_mode", j->on));
            break;
        case JOB_PURGE:
            http_reply_json(h, 200, json_pack("{s:I}", "purged", (json_int_t)j->purged));
            break;
        }
    }
    job_free(j);
}

/* Queues j; replies 503 when the writer cannot take it. */
static void push(hreq *h, steward_job *j)
{
    j->job.apply = apply;
    j->job.finish = finish;
    j->job.user = j;
    if (!api_push(h, &j->job)) {
        job_free(j);
        return;
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * Handlers.
 */

static void submission_get(hreq *h, const char *uuid_param)
{
    char uuid[37];
    if (!auth_identify(h, AUTH_ADMIN | AUTH_ANALYST, NULL) || !read_uuid(h, uuid_param, uuid))
        return;
    json_t *o = steward_get(h->srv->reader, uuid);
    if (o == NULL) {
        http_error(h, 404, "unknown_submission", "uuid", "aucune réponse n'a l'uuid %s", uuid);
        return;
    }
    http_reply_json(h, 200, o);
}

static void submission_correct(hreq *h, const char *uuid_param)
{
    static const char *const fields[] = {"answers", "reason", NULL};
    steward_job *j = job_new(h, JOB_CORRECT);
    json_t *body = NULL;
    char *text = NULL, *form_id = NULL, *version = NULL;
    if (j == NULL)
        return;
    if (!read_uuid(h, uuid_param, j->uuid) || (body = read_body(h, fields, false)) == NULL)
        goto fail;
    json_t *answers = json_object_get(body, "answers");
    if (!json_is_object(answers) || json_object_size(answers) == 0) {
        http_error(h, 400, answers ? "invalid_field" : "missing_field", "answers", "« answers » est un objet "
                   "{question: nouvelle réponse, ou null pour l'effacer} d'au moins un membre");
        goto fail;
    }
    if (!read_reason(h, body, NULL, &j->reason))
        goto fail;
    /* The version the submission was given against: its definition judges the correction. */
    int rc = steward_current(h->srv->reader, j->uuid, &text, &form_id, &version);
    if (rc <= 0) {
        if (rc < 0)
            http_error(h, 503, "database_unavailable", NULL, "la base de données ne répond pas");
        else
            http_error(h, 404, "unknown_submission", "uuid", "aucune réponse n'a l'uuid %s", j->uuid);
        goto fail;
    }
    j->f = catalog_get(h->srv->forms, form_id, version);
    if (j->f == NULL) {
        http_error(h, 409, "unknown_version", "form_version", "la version %s du formulaire %s n'est plus connue du "
                   "collecteur : la correction ne peut pas être vérifiée", version, form_id);
        goto fail;
    }
    j->patch = json_incref(answers);
    json_decref(body);
    free(text);
    free(form_id);
    free(version);
    push(h, j);
    return;
fail:
    json_decref(body);
    free(text);
    free(form_id);
    free(version);
    job_free(j);
}

/* DELETE /api/v1/submissions/{uuid} {"reason"}; POST .../exclude and .../include {"reason"}. */
static void submission_change(hreq *h, const char *uuid_param, job_kind kind)
{
    static const char *const fields[] = {"reason", NULL};
    steward_job *j = job_new(h, kind);
    json_t *body = NULL;
    if (j == NULL)
        return;
    /* no body at all reads as {}: the reply then names the missing reason rather than the missing JSON */
    if (!read_uuid(h, uuid_param, j->uuid) || (body = read_body(h, fields, true)) == NULL ||
        !read_reason(h, body, NULL, &j->reason)) {
        json_decref(body);
        job_free(j);
        return;
    }
    json_decref(body);
    push(h, j);
}

void api_submission(hreq *h, const char *const *params)
{
    if (strcmp(h->method, "PATCH") == 0)
        submission_correct(h, params[0]);
    else if (strcmp(h->method, "DELETE") == 0)
        submission_change(h, params[0], JOB_ERASE);
    else
        submission_get(h, params[0]);
}

void api_submission_exclude(hreq *h, const char *const *params)
{
    submission_change(h, params[0], JOB_EXCLUDE);
}

void api_submission_include(hreq *h, const char *const *params)
{
    submission_change(h, params[0], JOB_INCLUDE);
}

void api_erasure(hreq *h, const char *const *params)
{
    (void)params;
    static const char *const fields[] = {"receipt", "reason", NULL};
    steward_job *j = job_new(h, JOB_ERASE);
    json_t *body = NULL;
    if (j == NULL)
        return;
    if ((body = read_body(h, fields, false)) == NULL)
        goto fail;
    const json_t *r = json_object_get(body, "receipt");
    const char *receipt = json_string_value(r);
    if (receipt == NULL || receipt[0] == '\0' || util_utf8_len(receipt) > RECEIPT_INPUT_MAX) {
        http_error(h, 400, r ? "invalid_field" : "missing_field", "receipt", "« receipt » est le reçu remis à la "
                   "personne, par exemple « K7M2Q-9XDHT »");
        goto fail;
    }
    if (!read_reason(h, body, ERASURE_DEFAULT_REASON, &j->reason))
        goto fail;
    /* spaces a person may have typed around or inside it are not part of a receipt */
    j->receipt = xcalloc(strlen(receipt) + 1, 1);
    for (size_t i = 0, k = 0; receipt[i]; i++)
        if (receipt[i] != ' ')
            j->receipt[k++] = receipt[i];
    json_decref(body);
    push(h, j);
    return;
fail:
    json_decref(body);
    job_free(j);
}

void api_campaign(hreq *h, const char *const *params)
{
    (void)params;
    if (!auth_identify(h, AUTH_ADMIN | AUTH_ANALYST, NULL))
        return;
    long tests = 0, excluded = 0;
    if (steward_campaign_counts(h->srv->reader, &tests, &excluded) < 0) {
        http_error(h, 503, "database_unavailable", NULL, "la base de données ne répond pas");
        return;
    }
    http_reply_json(h, 200, json_pack("{s:b, s:I, s:I}", "test_mode", steward_test_mode(h->srv->reader), "tests",
                                      (json_int_t)tests, "excluded", (json_int_t)excluded));
}

void api_campaign_test(hreq *h, const char *const *params)
{
    (void)params;
    static const char *const fields[] = {"on", NULL};
    steward_job *j = job_new(h, JOB_TEST_MODE);
    if (j == NULL)
        return;
    json_t *body = read_body(h, fields, false);
    if (body == NULL) {
        job_free(j);
        return;
    }
    const json_t *on = json_object_get(body, "on");
    if (!json_is_boolean(on)) {
        http_error(h, 400, on ? "invalid_field" : "missing_field", "on", "« on » vaut true (mode test) ou false");
        json_decref(body);
        job_free(j);
        return;
    }
    j->on = json_is_true(on);
    json_decref(body);
    push(h, j);
}

void api_campaign_purge(hreq *h, const char *const *params)
{
    (void)params;
    static const char *const fields[] = {"reason", NULL};
    steward_job *j = job_new(h, JOB_PURGE);
    if (j == NULL)
        return;
    json_t *body = read_body(h, fields, true);
    if (body == NULL || !read_reason(h, body, "réponses de test", &j->reason)) {
        json_decref(body);
        job_free(j);
        return;
    }
    json_decref(body);
    push(h, j);
}

/* Reads ?after=ID&limit=N; replies 400 and returns false on anything else. */
static bool audit_query(hreq *h, long *after, long *limit)
{
    *after = 0;
    *limit = AUDIT_PAGE_DEFAULT;
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(h->req));
    struct evkeyvalq kv;
    kv.tqh_first = NULL; /* TAILQ_INIT, which <sys/queue.h> would give outside POSIX */
    kv.tqh_last = &kv.tqh_first;
    if (q != NULL && evhttp_parse_query_str(q, &kv) != 0) {
        http_error(h, 400, "invalid_query", NULL, "paramètres de requête illisibles");
        return false;
    }
    bool ok = true;
    for (struct evkeyval *p = kv.tqh_first; ok && p; p = p->next.tqe_next) {
        if (strcmp(p->key, "after") == 0 && !util_parse_long(p->value, 0, 1L << 53, after)) {
            http_error(h, 400, "invalid_field", "after", "« after » est le numéro d'une entrée du journal (0 ou plus)");
            ok = false;
        } else if (strcmp(p->key, "limit") == 0 && !util_parse_long(p->value, 1, AUDIT_PAGE_MAX, limit)) {
            http_error(h, 400, "invalid_field", "limit", "« limit » va de 1 à %d", AUDIT_PAGE_MAX);
            ok = false;
        } else if (strcmp(p->key, "after") != 0 && strcmp(p->key, "limit") != 0) {
            http_error(h, 400, "unknown_field", "query", "paramètre inconnu (« after » et « limit » seulement)");
            ok = false;
        }
    }
    evhttp_clear_headers(&kv);
    return ok;
}

static void audit_reply(hreq *h, bool csv)
{
    long after, limit;
    if (!auth_identify(h, AUTH_ADMIN | AUTH_ANALYST, NULL) || !audit_query(h, &after, &limit))
        return;
    json_t *entries = steward_audit_list(h->srv->reader, after, csv ? 0 : limit);
    if (entries == NULL) {
        http_error(h, 503, "database_unavailable", NULL, "la base de données ne répond pas");
        return;
    }
    if (!csv) {
        http_reply_json(h, 200, json_pack("{s:o}", "entries", entries));
        return;
    }
    sbuf b = {0};
    steward_audit_csv(entries, &b);
    json_decref(entries);
    struct evbuffer *body = evbuffer_new();
    evbuffer_add(body, b.data ? b.data : "", b.len);
    sbuf_free(&b);
    if (h->req)
        evhttp_add_header(evhttp_request_get_output_headers(h->req), "Content-Disposition",
                          "attachment; filename=\"journal.csv\"");
    http_reply_buffer(h, 200, "text/csv; charset=utf-8", body);
    evbuffer_free(body);
}

void api_audit(hreq *h, const char *const *params)
{
    (void)params;
    audit_reply(h, false);
}

void api_audit_csv(hreq *h, const char *const *params)
{
    (void)params;
    audit_reply(h, true);
}
