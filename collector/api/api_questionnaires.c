/* api_questionnaires.c -- the questionnaires in the console (README.md, "Questionnaires in the console"): the
 * versions of a form with their answer counts, a version as an XLSForm workbook, and a new version published from
 * a workbook and put live without a restart.
 *
 * The upload runs `collector forms import` (formscmd_import_book: the same checks, the same files written
 * atomically), with one check more before anything is written: the folder as it will be is checked against the
 * database as at start-up (frozen.h), inside a transaction that is rolled back, so that a version with answers
 * whose text would change is refused (409) with the folder untouched. Then the catalog and the pages are rebuilt and
 * swapped in (reload.h). The files are written on the loop thread: an administrator's rare action, a few
 * milliseconds. The audit rows ("form_publish", "form_export") go through the writer thread like every write, and
 * the reply waits for their commit: an export or a publication is never acknowledged without its audit line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/keyvalq_struct.h>
#include <sqlite3.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "fingerprint.h"
#include "formdiff.h"
#include "formscmd.h"
#include "frozen.h"
#include "reload.h"
#include "steward.h"
#include "util.h"
#include "xlsform.h"
#include "xlsx.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define WORKBOOK_NAME "classeur" /* the uploaded workbook, as diagnostics name it */
#define MAX_LISTED_DIAGS 200     /* errors and warnings listed in one reply: a broken workbook can have thousands */

/* ---------------------------------------------------------------------------------------------------------
 * Replies that wait for their audit row.
 */

typedef struct audit_job {
    commitq_job job;             /* first member */
    hreq *h;
    steward_actor who;
    char name[128];              /* who.name points here */
    const char *action;          /* a literal */
    char target[160];            /* "form@version" */
    char *detail;                /* JSON object, or NULL */
    int status;                  /* the reply once audited */
    json_t *reply;               /* a JSON reply, or */
    struct evbuffer *body;       /* a workbook */
    char disposition[160];
} audit_job;

static void audit_job_free(audit_job *a)
{
    json_decref(a->reply);
    if (a->body)
        evbuffer_free(a->body);
    free(a->detail);
    free(a);
}

static int audit_apply(store *s, commitq_job *job, char *err, size_t errlen)
{
    audit_job *a = (audit_job *)job;
    if (steward_audit(s, &a->who, a->action, a->target, NULL, a->detail, err, errlen) != 0)
        return -1;
    job->sub.outcome = STORE_CREATED;
    return 0;
}

static void audit_finish(commitq_job *job)
{
    audit_job *a = (audit_job *)job;
    hreq *h = a->h;
    h->srv->inflight--;
    if (job->sub.outcome != STORE_CREATED) {
        if (h->req)
            evhttp_add_header(evhttp_request_get_output_headers(h->req), "Retry-After", "10");
        http_error(h, 503, "storage_unavailable", NULL, "le journal d'audit ne peut pas être écrit pour l'instant ; "
                   "réessayez plus tard");
    } else if (a->body) {
        if (h->req)
            evhttp_add_header(evhttp_request_get_output_headers(h->req), "Content-Disposition", a->disposition);
        http_reply_buffer(h, a->status, XLSX_TYPE, a->body);
    } else {
        http_reply_json(h, a->status, json_incref(a->reply));
    }
    audit_job_free(a);
}

/* A job auditing action on target for who; the reply is set by the caller. */
static audit_job *audit_job_new(const auth_identity *who, const char *action, const char *id, const char *version)
{
    audit_job *a = xcalloc(1, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", who->name);
    a->who = (steward_actor){.token_id = who->token_id, .name = a->name};
    a->action = action;
    snprintf(a->target, sizeof a->target, "%.64s@%.32s", id, version);
    a->status = 200;
    return a;
}

/* Queues a; the reply comes from audit_finish once the row is committed. Takes a in every case. */
static void audit_push(hreq *h, audit_job *a)
{
    a->h = h;
    a->job.apply = audit_apply;
    a->job.finish = audit_finish;
    a->job.user = a;
    if (!api_push(h, &a->job)) {
        audit_job_free(a);
        return;
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * GET /api/v1/forms/{id}/versions
 */

/* Counts for one version: stored answers, answers that count, and the record of its first answer. Returns false
 * on a database error. */
static bool version_counts(sqlite3 *db, const form *f, json_t *o)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM submissions WHERE form_id = ?1 AND form_version = ?2),"
        " (SELECT count(*) FROM counted_submissions WHERE form_id = ?1 AND form_version = ?2),"
        " (SELECT first_answer_at FROM form_versions WHERE form_id = ?1 AND version = ?2)";
    sqlite3_stmt *st = NULL;
    bool ok = false;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto done;
    sqlite3_bind_text(st, 1, f->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->version, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
        goto done;
    json_object_set_new(o, "answers", json_integer(sqlite3_column_int64(st, 0)));
    json_object_set_new(o, "counted", json_integer(sqlite3_column_int64(st, 1)));
    const char *first = (const char *)sqlite3_column_text(st, 2);
    json_object_set_new(o, "first_answer_at", first ? json_string(first) : json_null());
    ok = true;
done:
    sqlite3_finalize(st);
    return ok;
}

/* A version the folder has (a file of it exists), as opposed to one only the database keeps (frozen.h). */
static bool in_folder(const form *f)
{
    struct stat st;
    return f->file != NULL && stat(f->file, &st) == 0 && S_ISREG(st.st_mode);
}

void api_form_versions(hreq *h, const char *const *params)
{
    if (!auth_identify(h, AUTH_ADMIN | AUTH_ANALYST, NULL))
        return;
    const catalog *c = h->srv->forms;
    const form *current = catalog_current(c, params[0]);
    if (current == NULL) {
        http_unknown_form(h, params[0]);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (strcmp(f->id, current->id) != 0)
            continue;
        char fp[FINGERPRINT_HEX_LEN + 1];
        fingerprint_form(f, fp, NULL);
        json_t *o = json_pack("{s:s, s:s?}", "version", f->version, "title",
                              json_string_value(json_object_get(f->title, "fr")));
        if (!version_counts(store_db(h->srv->reader), f, o)) {
            json_decref(o);
            json_decref(list);
            http_error(h, 503, "database_unavailable", NULL, "la base de données ne répond pas");
            return;
        }
        json_object_set_new(o, "fingerprint", json_string(fp));
        json_object_set_new(o, "current", json_boolean(f == current));
        json_object_set_new(o, "in_folder", json_boolean(in_folder(f)));
        json_array_append_new(list, o);
    }
    http_reply_json(h, 200, json_pack("{s:s, s:s, s:o}", "form", current->id, "current", current->version,
                                      "versions", list));
}

/* ---------------------------------------------------------------------------------------------------------
 * GET /api/v1/forms/{id}/versions/{v}.xlsx
 */

/* Appends the whole file at path to buf. Returns 0, or -1 with errno set. */
static int read_into(const char *path, struct evbuffer *buf)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int n;
    while ((n = evbuffer_read(buf, fd, 65536)) > 0)
        ;
    int saved = errno;
    close(fd);
    errno = saved;
    return n < 0 ? -1 : 0;
}

/* Writes f as a workbook (the writer of `collector forms export`) into buf, through a private temporary folder.
 * Returns 0, or -1 with a French message in err. */
static int workbook_of(const catalog *c, const form *f, struct evbuffer *buf, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/collector-export.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        snprintf(err, errlen, "dossier temporaire impossible à créer : %s", strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/form.xlsx", dir);
    diag_list diags = {0};
    const offer *off = catalog_offer(c);
    int rc = 0;
    if (!xlsform_write(f->doc, off ? offer_doc(off) : NULL, path, &diags)) {
        snprintf(err, errlen, "%s", diags.count ? diags.items[diags.count - 1].message : "écriture impossible");
        rc = -1;
    } else if (read_into(path, buf) != 0) {
        snprintf(err, errlen, "lecture du classeur impossible : %s", strerror(errno));
        rc = -1;
    }
    diag_list_free(&diags);
    unlink(path);
    rmdir(dir);
    return rc;
}

void api_form_version_xlsx(hreq *h, const char *const *params)
{
    auth_identity who;
    if (!auth_identify(h, AUTH_ADMIN | AUTH_ANALYST, &who))
        return;
    const catalog *c = h->srv->forms;
    const form *f = catalog_get(c, params[0], params[1]);
    if (f == NULL) {
        if (catalog_current(c, params[0]) == NULL)
            http_unknown_form(h, params[0]);
        else
            http_unknown_version(h, params[0], params[1]);
        return;
    }
    audit_job *a = audit_job_new(&who, "form_export", f->id, f->version);
    a->body = evbuffer_new();
    char err[512];
    if (workbook_of(c, f, a->body, err, sizeof err) != 0) {
        http_error(h, 500, "export_failed", NULL, "le classeur n'a pas pu être écrit : %s", err);
        audit_job_free(a);
        return;
    }
    /* id and version are checked identifiers (form.h): nothing to quote in the file name. */
    snprintf(a->disposition, sizeof a->disposition, "attachment; filename=\"%s-%s.xlsx\"", f->id, f->version);
    a->detail = xstrdup("{\"format\":\"xlsx\"}");
    audit_push(h, a);
}

/* ---------------------------------------------------------------------------------------------------------
 * POST /api/v1/forms/import
 */

enum { VET_FROZEN = 1, VET_DATABASE = 2 };

/* The upload's last check before anything is written (formscmd_import_opts.vet): the folder as it will be, against
 * the database, exactly as `collector serve` checks it at start-up (store_check_forms), but in a transaction that
 * is rolled back, since the folder is not written yet. Returns 0, VET_FROZEN when a version with answers would
 * change (or a territory code with answers would go), VET_DATABASE when the database cannot be read. */
static int vet_frozen(catalog *after, void *arg, diag_list *diags)
{
    const srv *s = arg;
    char err[512];
    store *db = store_open(s->cfg.db_path, false, err, sizeof err);
    if (db == NULL)
        goto fail;
    int rc = store_begin(db, err, sizeof err);
    if (rc == 0 && frozen_adopt(store_db(db), after, diags, err, sizeof err) < 0)
        rc = -1;
    if (rc == 0)
        rc = frozen_check(store_db(db), s->cfg.db_path, after, FROZEN_REFUSE, diags, err, sizeof err);
    if (rc == 0)
        rc = frozen_check_territories(store_db(db), s->cfg.db_path, after, diags, err, sizeof err);
    store_rollback(db);
    store_close(db);
    if (rc >= 0)
        return rc > 0 ? VET_FROZEN : 0;
fail:
    diag_add(diags, false, s->cfg.db_path, "", "base de données illisible : %s", err);
    return VET_DATABASE;
}

/* Where a diagnostic points, as the person who sent the workbook knows it: a cell ("survey!B12") for the workbook,
 * otherwise the file of the forms folder (relative to it) and its JSON path. */
static json_t *where_of(const diag *d, const char *dir)
{
    const char *file = d->file ? d->file : "";
    const char *path = d->path ? d->path : "";
    size_t n = strlen(dir);
    if (strcmp(file, WORKBOOK_NAME) == 0)
        return json_string(path[0] ? path : WORKBOOK_NAME);
    if (strncmp(file, dir, n) == 0 && file[n] == '/')
        file += n + 1;
    sbuf b = {0};
    sbuf_addf(&b, path[0] ? "%s: %s" : "%s", file, path);
    json_t *out = json_string(b.data);
    sbuf_free(&b);
    return out ? out : json_string("?"); /* a file name that is not UTF-8 */
}

/* The errors (warnings false) or the warnings of diags as [{"where", "message"}], at most MAX_LISTED_DIAGS. */
static json_t *diags_json(const diag_list *diags, bool warnings, const char *dir)
{
    json_t *list = json_array();
    for (size_t i = 0; i < diags->count && json_array_size(list) < MAX_LISTED_DIAGS; i++) {
        const diag *d = &diags->items[i];
        if (d->warning != warnings)
            continue;
        json_t *msg = json_string(d->message ? d->message : "");
        json_array_append_new(list, json_pack("{s:o, s:o}", "where", where_of(d, dir), "message",
                                              msg ? msg : json_string("?")));
    }
    return list;
}

/* What changed from the current version prev (NULL for a new form) to f: [{"kind", "question", "text",
 * "meaning"}], text being the line `collector forms diff` prints. */
static json_t *changes_json(const form *prev, const form *f)
{
    json_t *list = json_array();
    if (prev == NULL)
        return list;
    formdiff *d = formdiff_compare(prev, f);
    for (size_t i = 0; i < d->count; i++) {
        const formdiff_change *c = &d->items[i];
        char text[1024];
        formdiff_describe(c, text, sizeof text);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b}", "kind", formdiff_kind_name(c->kind),
                                              "question", c->question, "text", text, "meaning", c->meaning));
    }
    formdiff_free(d);
    return list;
}

/* True when the body is declared as an .xlsx workbook; otherwise replies 415 and returns false. */
static bool require_xlsx(hreq *h)
{
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(h->req), "Content-Type");
    if (ct != NULL) {
        while (*ct == ' ')
            ct++;
        size_t n = strcspn(ct, "; ");
        if (n == strlen(XLSX_TYPE) && strncasecmp(ct, XLSX_TYPE, n) == 0)
            return true;
    }
    http_error(h, 415, "unsupported_media_type", "Content-Type", "le classeur doit être envoyé en %s", XLSX_TYPE);
    return false;
}

/* Reads the query: dry_run=1|true|0|false, nothing else. Replies 400 and returns false otherwise. */
static bool parse_query(hreq *h, bool *dry_run)
{
    *dry_run = false;
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
        if (strcmp(p->key, "dry_run") != 0) {
            http_error(h, 400, "unknown_field", "query", "paramètre inconnu (seul « dry_run » est accepté)");
            ok = false;
        } else if (strcmp(p->value, "1") == 0 || strcmp(p->value, "true") == 0) {
            *dry_run = true;
        } else if (strcmp(p->value, "0") != 0 && strcmp(p->value, "false") != 0) {
            http_error(h, 400, "invalid_field", "dry_run", "« dry_run » vaut 1 (vérifier seulement) ou 0");
            ok = false;
        }
    }
    evhttp_clear_headers(&kv);
    return ok;
}

/* Replies to an import that did not succeed (status st of formscmd_import_book). */
static void reply_refused(hreq *h, int st, const formscmd_import_result *r, const diag_list *diags)
{
    const char *dir = h->srv->cfg.forms_dir;
    json_t *out = NULL;
    int status = 422;
    if (st == FORMSCMD_IMPORT_VETOED && r->vetoed == VET_FROZEN) {
        char next[64] = "";
        if (r->form)
            frozen_next_version(h->srv->forms, r->form->id, next, sizeof next);
        char msg[400];
        snprintf(msg, sizeof msg, "le classeur changerait le texte d'une version qui a déjà reçu des réponses : "
                 "donnez-lui une nouvelle version (cellule version de la feuille settings%s%s%s) ; rien n'a été "
                 "écrit", next[0] ? ", par exemple « " : "", next, next[0] ? " »" : "");
        status = 409;
        out = json_pack("{s:s, s:s, s:s}", "code", "version_frozen", "message", msg, "field", "version");
    } else if (st == FORMSCMD_IMPORT_VETOED) {
        status = 503;
        out = json_pack("{s:s, s:s}", "code", "database_unavailable", "message",
                        "la base de données ne répond pas ; rien n'a été écrit, réessayez plus tard");
    } else if (st == FORMSCMD_IMPORT_PARTIAL) {
        status = 500;
        out = json_pack("{s:s, s:s}", "code", "write_failed", "message", "offer.json a été remplacé mais le "
                        "formulaire n'a pas pu être écrit, ni offer.json remis dans son état d'avant (voir errors)");
    } else {
        char msg[160];
        snprintf(msg, sizeof msg, "le classeur a %zu erreur(s) : rien n'a été écrit", diags->errors);
        out = json_pack("{s:s, s:s}", "code", "invalid_workbook", "message", msg);
    }
    json_object_set_new(out, "errors", diags_json(diags, false, dir));
    json_object_set_new(out, "warnings", diags_json(diags, true, dir));
    http_reply_json(h, status, out);
}

/* Imports the workbook data (len bytes) into the forms folder and puts it live, or with dry_run only checks it. */
static void publish(hreq *h, const auth_identity *who, const char *data, size_t len, bool dry_run)
{
    srv *s = h->srv;
    diag_list diags = {0};
    formscmd_import_result r = {0};
    formscmd_import_opts o = {.dir = s->cfg.forms_dir, .name = WORKBOOK_NAME, .dry_run = dry_run,
                              .vet = vet_frozen, .vet_arg = s};
    xlsx_book *book = xlsx_open_mem(data, len, WORKBOOK_NAME, &diags);
    int st = book ? formscmd_import_book(book, &o, &diags, &r) : FORMSCMD_IMPORT_INVALID;
    xlsx_free(book);
    if (st != FORMSCMD_IMPORT_OK) {
        reply_refused(h, st, &r, &diags);
        goto done;
    }
    /* The previous current version stays alive after the swap (reload.h): compare with it afterwards. */
    json_t *changes = changes_json(catalog_current(s->forms, r.form->id), r.form);
    json_t *reply = json_pack("{s:s, s:s, s:b}", "form", r.form->id, "version", r.form->version, "dry_run", dry_run);
    char err[512];
    diag_list reloaded = {0}; /* the whole folder's warnings again: only its errors are worth a reply */
    int reload = dry_run ? 0 : reload_forms(s, &reloaded, err, sizeof err);
    if (reload != 0) {
        json_decref(changes);
        json_decref(reply);
        char msg[800];
        snprintf(msg, sizeof msg, "le classeur a été enregistré dans le dossier des formulaires, mais le collecteur "
                 "garde les définitions d'avant : %s", err);
        util_utf8_trim(msg);
        json_t *out = json_pack("{s:s, s:s}", "code", "reload_failed", "message", msg);
        json_object_set_new(out, "errors", diags_json(&reloaded, false, s->cfg.forms_dir));
        diag_list_free(&reloaded);
        http_reply_json(h, 500, out);
        goto done;
    }
    diag_list_free(&reloaded);
    json_object_set_new(reply, "warnings", diags_json(&diags, true, s->cfg.forms_dir));
    size_t nchanges = json_array_size(changes);
    json_object_set_new(reply, "changes", changes);
    if (dry_run) {
        http_reply_json(h, 200, reply);
        goto done;
    }
    /* The version is live now: its audit line is written here, on a connection of our own like the checks above
     * (the loop waits for this rare action anyway), so that a failure can be told as it is -- live, but not in
     * the journal -- rather than as a 503 that would ask to publish again. */
    char target[128];
    snprintf(target, sizeof target, "%.64s@%.32s", r.form->id, r.form->version);
    json_t *detail = json_pack("{s:I, s:b}", "changes", (json_int_t)nchanges, "offer_changed", r.offer_changed);
    char *dtext = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(detail);
    steward_actor actor = {.token_id = who->token_id, .name = who->name};
    store *db = store_open(s->cfg.db_path, false, err, sizeof err);
    if (db == NULL || steward_audit(db, &actor, "form_publish", target, NULL, dtext, err, sizeof err) != 0) {
        fprintf(stderr, "collector: %s publiée sans ligne d'audit : %s\n", target, err);
        json_object_set_new(reply, "audit", json_string("la version est en service, mais sa publication n'a pas pu "
                                                        "être inscrite au journal d'audit"));
    }
    store_close(db);
    free(dtext);
    http_reply_json(h, 200, reply);
done:
    formscmd_import_result_free(&r);
    diag_list_free(&diags);
}

void api_forms_import(hreq *h, const char *const *params)
{
    (void)params;
    auth_identity who;
    bool dry_run;
    if (!auth_identify(h, AUTH_ADMIN, &who) || !require_xlsx(h) || !parse_query(h, &dry_run))
        return;
    size_t len;
    char *body = http_body(h, API_FORMS_UPLOAD_MAX, &len);
    if (body == NULL)
        return;
    publish(h, &who, body, len, dry_run);
    free(body);
}
