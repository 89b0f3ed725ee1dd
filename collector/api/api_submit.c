/* api_submit.c -- POST /api/v1/forms/{id}/submissions: validate, hand to the group-commit writer, answer
 * once the commit that holds the submission has returned.
 *
 * Idempotency: the client's uuid is the key. The same uuid with the same content is answered 200 with the
 * receipt it was first given (a phone that lost the first answer retries safely); the same uuid with other
 * content is 409. "Same content" is the SHA-256 of the request body in canonical form (keys sorted, compact).
 *
 * The cost of a submission is mostly JSON: the body is parsed once, the answers judged and normalised in one
 * walk of the form (answers_check_computed), and when the body arrived already in canonical form (canon.h; the
 * resident page sends it so) neither the hash nor the stored answers need json_dumps: both are taken from the
 * bytes received, which are then exactly what json_dumps would have written.
 *
 * Threads: the loop takes the body out of the connection and hands the rest (parse_submission) to a parse
 * thread when the server has one (app.h). The request is deferred meanwhile (http_defer): an error is recorded,
 * not sent, and the submission goes either to the writer or back to the loop (server_hand_back); the loop
 * answers in api_submit_finish in both cases, so an acknowledgement still leaves only after the commit.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "api.h"
#include "arena.h"
#include "canon.h"
#include "app.h"
#include "util.h"

#define RETRY_AFTER_BUSY "2"
#define RETRY_AFTER_UNAVAILABLE "10"

typedef struct submission {
    commitq_job job;        /* first member: the queue hands back &job */
    pool_task task;         /* parse_submission, on a parse thread */
    hreq *h;
    const catalog *forms;   /* the forms when the request came (a reload may swap h->srv->forms meanwhile) */
    char *form_id;          /* from the path (a copy: the request's parameters go when api_submit returns) */
    size_t len;             /* of text */
    bool refused;           /* an error reply is recorded in h: finish sends it */
    bool busy;              /* that reply is the writer's full queue: with Retry-After */
    json_t *body;           /* keeps the borrowed strings of job.sub alive */
    char *text;             /* the body as received; may hold the stored answers (answers_json points into it) */
    char *answers_json;     /* NULL, or the answers written by json_dumps (owned) */
    arena *arena;           /* holds most of body's tree (arena.h), or NULL */
    char uuid[37];
    char started[18];
} submission;

bool api_parse_uuid(const char *s, char out[37])
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[36] = '\0';
    return out[14] >= '1' && out[14] <= '8' && strchr("89ab", out[19]) != NULL;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm): timegm is not in POSIX. */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Accepts an ISO 8601 time "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]" and writes it in UTC to the minute,
 * "YYYY-MM-DDTHH:MMZ", like received_at: finer times are not stored, and both are comparable. Without an offset
 * the time is taken as UTC (phones send toISOString(), which always says Z). */
static bool parse_started(const char *s, char out[18])
{
    size_t n = strlen(s);
    if (n < 16 || n > 40 || s[10] != 'T' || s[13] != ':')
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    for (int i = 11; i < 16; i++)
        if (i != 13 && !isdigit((unsigned char)s[i]))
            return false;
    long hh = (s[11] - '0') * 10 + (s[12] - '0'), mm = (s[14] - '0') * 10 + (s[15] - '0');
    if (!util_is_date(date) || hh > 23 || mm > 59)
        return false;
    const char *p = s + 16;
    if (*p == ':') { /* seconds and fraction: dropped */
        p++;
        while (isdigit((unsigned char)*p) || *p == '.')
            p++;
    }
    long offset = 0; /* minutes east of UTC */
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
            return false;
        long oh = (p[1] - '0') * 10 + (p[2] - '0'), om = 0;
        p += 3;
        if (*p == ':')
            p++;
        if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])) {
            om = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
        if (oh > 14 || om > 59)
            return false;
        offset = sign * (oh * 60 + om);
    } else if (*p == 'Z') {
        p++;
    }
    if (*p != '\0')
        return false;
    long minutes = days_from_civil(atol(date), atol(date + 5), atol(date + 8)) * 1440 + hh * 60 + mm - offset;
    long days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440), rest = minutes - days * 1440;
    /* back to a civil date (the inverse of days_from_civil) */
    long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1, m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    if (y < 1900 || y > 2199)
        return false;
    snprintf(out, 18, "%04u-%02u-%02uT%02u:%02uZ", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u,
             (unsigned)(rest / 60) % 100u, (unsigned)(rest % 60) % 100u);
    return true;
}

/* SHA-256 of the form id, a newline and canon, the canonical text of a body (clen bytes). */
static void content_hash_text(const char *form_id, const char *canon, size_t clen, uint8_t out[32])
{
    size_t idlen = strlen(form_id);
    char *keyed = xmalloc(idlen + 1 + clen);
    memcpy(keyed, form_id, idlen);
    keyed[idlen] = '\n';
    memcpy(keyed + idlen + 1, canon, clen);
    store_sha256(keyed, idlen + 1 + clen, out);
    free(keyed);
}

void api_content_hash(const char *form_id, const json_t *body, uint8_t out[32])
{
    /* Canonical content: the form id and the whole body, keys sorted. */
    char *canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    content_hash_text(form_id, canon, strlen(canon), out);
    free(canon);
}

/* Parses text (len bytes) as a JSON object, its tree in a (may be NULL); replies 400 and returns NULL when it
 * is not one. */
static json_t *parse_json(hreq *h, const char *text, size_t len, arena *a)
{
    json_error_t jerr;
    arena_enter(a);
    json_t *body = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    arena_leave();
    if (body == NULL) {
        http_error(h, 400, "invalid_json", NULL, "JSON invalide (ligne %d, colonne %d) : %s", jerr.line, jerr.column,
                   jerr.text);
        return NULL;
    }
    if (!json_is_object(body)) {
        http_error(h, 400, "invalid_json", NULL, "le corps doit être un objet JSON");
        json_decref(body);
        return NULL;
    }
    return body;
}

/* Takes the body of a JSON request out of its connection (NUL-terminated, *len bytes); replies 415/413 and
 * returns NULL otherwise. */
static char *read_body(hreq *h, size_t *len)
{
    if (!http_require_json(h))
        return NULL;
    return http_body(h, h->srv->cfg.max_body, len);
}

json_t *api_read_json(hreq *h)
{
    size_t len;
    char *text = read_body(h, &len);
    if (text == NULL)
        return NULL;
    json_t *body = parse_json(h, text, len, NULL);
    free(text);
    return body;
}

static void submission_free(submission *sub)
{
    json_decref(sub->body);
    arena_give(sub->arena); /* after the tree it holds */
    free(sub->text);
    free(sub->form_id);
    free(sub->answers_json);
    free(sub);
}

bool api_push(hreq *h, commitq_job *job)
{
    http_hold(h);
    if (commitq_push(h->srv->writer, job) < 0) {
        evhttp_add_header(evhttp_request_get_output_headers(h->req), "Retry-After", RETRY_AFTER_BUSY);
        http_error(h, 503, "busy", NULL, "le service est trop chargé, réessayez dans un instant");
        return false;
    }
    h->srv->inflight++;
    return true;
}

/* Replies 400 unknown_field and returns false when body has a member that is not in fields (NULL-terminated). */
bool api_known_fields(hreq *h, json_t *body, const char *const *fields)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        bool known = false;
        for (const char *const *f = fields; *f; f++)
            known |= strcmp(*f, key) == 0;
        if (!known) {
            http_error(h, 400, "unknown_field", key, "champ inconnu « %.*s »", util_utf8_prefix(key, strlen(key), 64),
                       key);
            return false;
        }
    }
    return true;
}

/* Checks the envelope of the submission; replies and returns NULL on the first problem. */
static const form *check_envelope(hreq *h, const char *form_id, json_t *body, submission *sub)
{
    static const char *const fields[] = {"uuid", "form_version", "lang", "channel", "started_at", "answers", NULL};
    if (!api_known_fields(h, body, fields))
        return NULL;
    const char *uuid = json_string_value(json_object_get(body, "uuid"));
    if (uuid == NULL || !api_parse_uuid(uuid, sub->uuid)) {
        http_error(h, 400, json_object_get(body, "uuid") ? "invalid_field" : "missing_field", "uuid",
                   "« uuid » doit être un UUID (RFC 4122) généré par le client");
        return NULL;
    }
    if (catalog_current(sub->forms, form_id) == NULL) {
        http_unknown_form(h, form_id);
        return NULL;
    }
    const char *version = json_string_value(json_object_get(body, "form_version"));
    if (version == NULL) {
        bool present = json_object_get(body, "form_version") != NULL;
        http_error(h, 400, present ? "invalid_field" : "missing_field", "form_version",
                   present ? "« form_version » est le texte d'une version (\"1\")" : "« form_version » est obligatoire");
        return NULL;
    }
    const form *f = catalog_get(sub->forms, form_id, version);
    if (f == NULL) {
        http_unknown_version(h, form_id, version);
        return NULL;
    }
    const json_t *lang = json_object_get(body, "lang");
    if (lang != NULL && (!json_is_string(lang) || !form_has_language(f, json_string_value(lang)))) {
        http_error(h, 400, "invalid_field", "lang", "« lang » doit être une des langues du formulaire");
        return NULL;
    }
    const json_t *channel = json_object_get(body, "channel");
    if (channel != NULL && (!json_is_string(channel) || (strcmp(json_string_value(channel), "web") != 0 &&
                                                        strcmp(json_string_value(channel), "mediator") != 0))) {
        http_error(h, 400, "invalid_field", "channel", "« channel » vaut « web » ou « mediator » (les "
                   "questionnaires papier passent par /paper)");
        return NULL;
    }
    const json_t *started = json_object_get(body, "started_at");
    if (started != NULL && (!json_is_string(started) || !parse_started(json_string_value(started), sub->started))) {
        http_error(h, 400, "invalid_field", "started_at", "« started_at » est une date et heure ISO 8601 "
                   "(AAAA-MM-JJTHH:MM)");
        return NULL;
    }
    const json_t *answers = json_object_get(body, "answers");
    if (!json_is_object(answers)) {
        http_error(h, 400, answers ? "invalid_field" : "missing_field", "answers",
                   "« answers » est un objet {question: réponse}");
        return NULL;
    }
    return f;
}

const char *api_territory_of(const form *f, const json_t *answers)
{
    for (size_t i = 0; i < f->nquestions; i++)
        if (f->questions[i].type == FQ_TERRITORY && !f->questions[i].multiple)
            return json_string_value(json_object_get(answers, f->questions[i].id));
    return NULL;
}

/* Parses and checks the submission, then hands it to the writer, or back to the loop with its error reply
 * recorded in h (sub->refused). Runs on a parse thread, or on the loop when there is none; touches nothing of
 * the server but the writer's queue, and of h only its recorded reply (http_defer). */
static void parse_submission(submission *sub)
{
    hreq *h = sub->h;
    size_t len = sub->len;
    bool expected = true; /* announced to the writer by api_submit, until pushed or given up */
    json_t *computed = NULL;
    answers_report report = {0};
    sub->arena = arena_take();
    sub->body = parse_json(h, sub->text, len, sub->arena);
    if (sub->body == NULL)
        goto refuse;
    json_t *body = sub->body;
    const form *f = check_envelope(h, sub->form_id, body, sub);
    if (f == NULL)
        goto refuse;
    json_t *answers = json_object_get(body, "answers");
    /* The walk's own objects (the computed answers, which the tree may adopt) go in the arena too; the reply
     * below must not: it is written with json_dumps. */
    arena_enter(sub->arena);
    size_t errors = answers_check_computed(f, answers, NULL, &report, &computed);
    arena_leave();
    if (errors > 0) {
        json_t *out = json_pack("{s:s, s:s, s:o}", "code", "invalid_answers", "message",
                                "les réponses ne respectent pas le formulaire", "errors",
                                answers_report_json(&report));
        http_reply_json(h, 422, out);
        goto refuse;
    }

    /* The hash is of the body as sent (so that a retry matches), with the uuid in canonical form: the same uuid
     * in capitals is the same submission. A canonical text whose uuid is already lowercase is that body. */
    canon_member at = {"answers", 0, 0};
    bool canonical = canon_scan(sub->text, len, &at) &&
                     strcmp(json_string_value(json_object_get(body, "uuid")), sub->uuid) == 0;
    if (canonical) {
        content_hash_text(f->id, sub->text, len, sub->job.sub.hash);
    } else {
        json_object_set_new(body, "uuid", json_string(sub->uuid));
        api_content_hash(f->id, body, sub->job.sub.hash);
    }
    /* Stored as json_dumps writes the normalised answers: when normalising changed nothing in answers that were
     * canonical text, that text is what json_dumps would write, and is stored as it came. The byte after it (a
     * ',' or the closing '}') is no longer needed once the hash is taken. */
    if (!answers_normalize_computed(f, answers, computed) && canonical) {
        sub->text[at.start + at.len] = '\0';
        sub->job.sub.answers_json = sub->text + at.start;
    } else {
        sub->answers_json = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
        sub->job.sub.answers_json = sub->answers_json;
        free(sub->text); /* nothing refers to it any more: not kept while the submission waits for its commit */
        sub->text = NULL;
    }
    json_decref(computed);
    computed = NULL;
    answers_report_free(&report);

    const char *lang = json_string_value(json_object_get(body, "lang"));
    const char *channel = json_string_value(json_object_get(body, "channel"));
    store_sub *s = &sub->job.sub;
    s->uuid = sub->uuid;
    s->form_id = f->id;
    s->form_version = f->version;
    s->form = f; /* recorded with the version's first answer (frozen.h) */
    s->lang = lang ? lang : "fr";
    s->channel = channel ? channel : "web";
    s->territory = api_territory_of(f, answers);
    s->started_minute = sub->started[0] ? sub->started : NULL;
    if (commitq_push_expected(h->srv->writer, &sub->job) == 0)
        return; /* the writer hands it back once committed */
    expected = false;
    sub->busy = true;
    http_error(h, 503, "busy", NULL, "le service est trop chargé, réessayez dans un instant");
refuse:
    if (expected)
        commitq_unexpect(h->srv->writer);
    json_decref(computed);
    answers_report_free(&report);
    sub->refused = true;
    server_hand_back(h->srv, &sub->job);
}

static void parse_task(pool_task *task)
{
    parse_submission((submission *)((char *)task - offsetof(submission, task)));
}

void api_submit(hreq *h, const char *const *params)
{
    size_t len;
    char *text = read_body(h, &len);
    if (text == NULL)
        return;
    submission *sub = xcalloc(1, sizeof *sub);
    sub->text = text;
    sub->len = len;
    sub->h = h;
    sub->forms = h->srv->forms;
    sub->form_id = xstrdup(params[0]);
    sub->job.user = sub;
    sub->job.finish = api_submit_finish;
    sub->task.run = parse_task;
    /* From here the request is answered in api_submit_finish, whatever happens. */
    http_hold(h);
    http_defer(h);
    h->srv->inflight++;
    commitq_expect(h->srv->writer);
    if (h->srv->parsers != NULL)
        pool_push(h->srv->parsers, &sub->task);
    else
        parse_submission(sub);
}

void api_submit_finish(commitq_job *job)
{
    submission *sub = job->user;
    hreq *h = sub->h;
    h->srv->inflight--;
    if (sub->refused) {
        if (sub->busy && h->req)
            evhttp_add_header(evhttp_request_get_output_headers(h->req), "Retry-After", RETRY_AFTER_BUSY);
        http_flush(h); /* sends the recorded reply */
        submission_free(sub);
        return;
    }
    http_flush(h); /* nothing recorded: answered below */
    const store_sub *s = &job->sub;
    switch (s->outcome) {
    case STORE_CREATED:
    case STORE_REPLAYED: {
        /* What http_reply_json writes of {"uuid", "receipt"}, without building and dumping a tree for the most
         * frequent reply: both are ASCII letters, digits and hyphens, which JSON writes as they are. */
        struct evbuffer *buf = evbuffer_new();
        evbuffer_add_printf(buf, "{\"uuid\":\"%s\",\"receipt\":\"%s\"}\n", s->uuid, s->receipt);
        http_reply_buffer(h, s->outcome == STORE_CREATED ? 201 : 200, "application/json; charset=utf-8", buf);
        evbuffer_free(buf);
        break;
    }
    case STORE_CONFLICT:
        http_error(h, 409, "uuid_conflict", "uuid", "une autre réponse a déjà été enregistrée avec cet uuid");
        break;
    case STORE_UNAVAILABLE:
    default:
        if (h->req)
            evhttp_add_header(evhttp_request_get_output_headers(h->req), "Retry-After", RETRY_AFTER_UNAVAILABLE);
        http_error(h, 503, "storage_unavailable", NULL, "l'enregistrement est momentanément impossible ; "
                   "rien n'a été enregistré, réessayez plus tard");
        break;
    }
    submission_free(sub);
}
