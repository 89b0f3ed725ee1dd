/* test_server.c -- the collector's HTTP service in process, on 127.0.0.1 port 0 with the shipped forms: routing,
 * every error path of the API as a table (request -> status and JSON error code), idempotent retries, tokens,
 * body limits, public and detailed counts, rate limiting, concurrency, and a graceful stop that answers what is in
 * flight.
 */
#include "testutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "httpc.h"
#include "server.h"
#include "store.h"

#define MAX_BODY 8192

typedef struct running {
    srv *s;
    pthread_t thread;
    char db[64];
} running;

static void *loop_main(void *arg)
{
    server_loop(arg);
    return NULL;
}

static void start(running *r, double rate, double burst)
{
    snprintf(r->db, sizeof r->db, "/tmp/test_server_XXXXXX");
    int fd = mkstemp(r->db);
    close(fd);
    unlink(r->db);
    srv_config cfg;
    server_config_defaults(&cfg);
    cfg.db_path = r->db;
    cfg.forms_dir = FORMS_DIR;
    cfg.listen = "127.0.0.1:0";
    cfg.max_body = MAX_BODY;
    cfg.rate = rate;
    cfg.burst = burst;
    cfg.quiet = true;
    cfg.no_signals = true;
    r->s = server_new(&cfg);
    assert_non_null(r->s);
    assert_true(server_port(r->s) > 0);
    pthread_create(&r->thread, NULL, loop_main, r->s);
}

/* Stops the server and keeps its database for inspection. */
static void stop_keep(running *r)
{
    server_stop(r->s);
    pthread_join(r->thread, NULL);
    server_free(r->s);
    r->s = NULL;
}

static void remove_db(running *r)
{
    char p[96];
    unlink(r->db);
    snprintf(p, sizeof p, "%s-wal", r->db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", r->db);
    unlink(p);
}

static void stop(running *r)
{
    stop_keep(r);
    remove_db(r);
}

#define JSON_HDR "Content-Type: application/json\r\n"
#define SUBMIT "/api/v1/forms/resident/submissions"
#define UUID1 "\"uuid\": \"6f1c1a2e-5a4b-4c3d-9e8f-0123456789ab\""
#define VALID "{\"R01\": \"QN09399A\", \"R02\": \"25-39\", \"R03\": \"femme\", \"R07\": \"bon\", \"R17\": \"non\"}"

typedef struct api_case {
    const char *method, *path, *headers, *body;
    int status;
    const char *code;   /* expected "code" of the JSON error, NULL for success */
    const char *field;  /* expected "field", or NULL not to check */
} api_case;

static const api_case cases[] = {
    {"GET", "/healthz", NULL, NULL, 200, NULL, NULL},
    {"GET", "/api/v1/forms", NULL, NULL, 200, NULL, NULL},
    {"GET", "/api/v1/forms/resident", NULL, NULL, 200, NULL, NULL},
    {"GET", "/api/v1/forms/resident/versions/1", NULL, NULL, 200, NULL, NULL},
    {"GET", "/api/v1/forms/resident/versions/9", NULL, NULL, 404, "unknown_form_version", "form_version"},
    {"GET", "/api/v1/forms/nope", NULL, NULL, 404, "unknown_form", "form"},
    {"GET", "/api/v1/forms/%2e%2e%2fetc", NULL, NULL, 404, "unknown_form", NULL},
    {"GET", "/api/v1/territories", NULL, NULL, 200, NULL, NULL},
    {"GET", "/api/v1/stats", NULL, NULL, 200, NULL, NULL},
    {"GET", "/api/v1/stats/detail", NULL, NULL, 401, "unauthorized", "Authorization"},
    {"GET", "/api/v1/stats/detail", "Authorization: Bearer ds_nope\r\n", NULL, 401, "unauthorized", "Authorization"},
    {"GET", "/nowhere", NULL, NULL, 404, "not_found", NULL},
    {"GET", "/api/v1/forms/resident/extra/segments/here", NULL, NULL, 404, "not_found", NULL},
    {"DELETE", "/api/v1/forms", NULL, NULL, 405, "method_not_allowed", NULL},
    {"GET", SUBMIT, NULL, NULL, 405, "method_not_allowed", NULL},
    {"PUT", SUBMIT, JSON_HDR, "{}", 405, "method_not_allowed", NULL},
    {"POST", "/api/v1/forms", JSON_HDR, "{}", 405, "method_not_allowed", NULL},
    {"POST", SUBMIT, "Content-Type: text/plain\r\n", "{}", 415, "unsupported_media_type", "Content-Type"},
    {"POST", SUBMIT, NULL, "{}", 415, "unsupported_media_type", "Content-Type"},
    {"POST", SUBMIT, JSON_HDR, "{\"uuid\":", 400, "invalid_json", NULL},
    {"POST", SUBMIT, JSON_HDR, "[]", 400, "invalid_json", NULL},
    {"POST", SUBMIT, JSON_HDR, "{\"a\": 1, \"a\": 2}", 400, "invalid_json", NULL},
    {"POST", SUBMIT, JSON_HDR, "{\"uuid\": \"x\\u0000\"}", 400, "invalid_json", NULL},
    {"POST", SUBMIT, JSON_HDR, "\xff\xfe", 400, "invalid_json", NULL},
    {"POST", SUBMIT, JSON_HDR, "{\"form_version\": \"1\", \"answers\": {}}", 400, "missing_field", "uuid"},
    {"POST", SUBMIT, JSON_HDR, "{\"uuid\": \"not-a-uuid\"}", 400, "invalid_field", "uuid"},
    {"POST", SUBMIT, JSON_HDR, "{\"uuid\": \"6f1c1a2e-5a4b-0c3d-9e8f-0123456789ab\"}", 400, "invalid_field", "uuid"},
    {"POST", SUBMIT, JSON_HDR, "{" UUID1 ", \"colour\": 1}", 400, "unknown_field", "colour"},
    {"POST", "/api/v1/forms/nope/submissions", JSON_HDR, "{" UUID1 "}", 404, "unknown_form", "form"},
    {"POST", SUBMIT, JSON_HDR, "{" UUID1 ", \"answers\": {}}", 400, "missing_field", "form_version"},
    {"POST", SUBMIT, JSON_HDR, "{" UUID1 ", \"form_version\": \"7\"}", 404, "unknown_form_version", "form_version"},
    {"POST", SUBMIT, JSON_HDR, "{" UUID1 ", \"form_version\": 1}", 400, "invalid_field", "form_version"},
    {"POST", SUBMIT, JSON_HDR, "{" UUID1 ", \"form_version\": \"1\", \"lang\": \"de\", \"answers\": {}}", 400,
     "invalid_field", "lang"},
    {"POST", SUBMIT, JSON_HDR, "{" UUID1 ", \"form_version\": \"1\", \"channel\": \"paper\", \"answers\": {}}", 400,
     "invalid_field", "channel"},
    {"POST", SUBMIT, JSON_HDR, "{" UUID1 ", \"form_version\": \"1\", \"started_at\": \"hier\", \"answers\": {}}",
     400, "invalid_field", "started_at"},
    {"POST", SUBMIT, JSON_HDR, "{" UUID1 ", \"form_version\": \"1\"}", 400, "missing_field", "answers"},
    {"POST", SUBMIT, JSON_HDR, "{" UUID1 ", \"form_version\": \"1\", \"answers\": []}", 400, "invalid_field",
     "answers"},
    {"POST", SUBMIT, JSON_HDR, "{" UUID1 ", \"form_version\": \"1\", \"answers\": {\"R17\": \"peut-etre\"}}", 422,
     "invalid_answers", NULL},
    {"GET", "/api/v1/forms/resident/submissions.csv", NULL, NULL, 401, "unauthorized", "Authorization"},
    {"GET", "/api/v1/forms/resident/submissions.jsonl", "Authorization: Bearer ds_nope\r\n", NULL, 401,
     "unauthorized", "Authorization"},
    {"GET", "/api/v1/forms/resident/submissions.csv", "Authorization: Basic YTpi\r\n", NULL, 401, "unauthorized",
     NULL},
};

static void check_error_body(const httpc_resp *r, const api_case *c, size_t i, size_t *failures)
{
    json_error_t err;
    json_t *body = json_loads(r->body ? r->body : "", 0, &err);
    const char *code = json_string_value(json_object_get(body, "code"));
    const char *field = json_string_value(json_object_get(body, "field"));
    const char *msg = json_string_value(json_object_get(body, "message"));
    bool ok = body != NULL;
    if (c->code)
        ok = ok && code && strcmp(code, c->code) == 0 && msg && strlen(msg) > 5 &&
             (c->field == NULL || (field && strcmp(field, c->field) == 0));
    if (!ok) {
        (*failures)++;
        fprintf(stderr, "case %zu %s %s: body %s\n", i, c->method, c->path, r->body ? r->body : "(none)");
    }
    json_decref(body);
}

static void test_api_table(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    size_t failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const api_case *c = &cases[i];
        httpc_resp resp = httpc_request(server_port(r.s), c->method, c->path, c->headers, c->body);
        if (resp.status != c->status) {
            failures++;
            fprintf(stderr, "case %zu %s %s: status %d, expected %d\n", i, c->method, c->path, resp.status,
                    c->status);
        } else if (strcmp(c->method, "HEAD") != 0) {
            check_error_body(&resp, c, i, &failures);
            char ct[128] = "";
            httpc_header(&resp, "Content-Type", ct, sizeof ct);
            if (strncmp(ct, "application/json", 16) != 0) {
                failures++;
                fprintf(stderr, "case %zu: content type %s\n", i, ct);
            }
        }
        if (c->status == 405) {
            char allow[64] = "";
            /* exactly the route's methods: the submissions route takes POST only, the others GET and HEAD */
            const char *want = strcmp(c->path, SUBMIT) == 0 ? "POST" : "GET, HEAD";
            if (!httpc_header(&resp, "Allow", allow, sizeof allow) || strcmp(allow, want) != 0) {
                failures++;
                fprintf(stderr, "case %zu: 405 with Allow '%s', expected '%s'\n", i, allow, want);
            }
        }
        httpc_free(&resp);
    }
    /* the service still answers after all of that */
    httpc_resp h = httpc_request(server_port(r.s), "GET", "/healthz", NULL, NULL);
    assert_int_equal(h.status, 200);
    httpc_free(&h);
    stop(&r);
    assert_int_equal(failures, 0);
}

static httpc_resp submit(int port, const char *uuid, const char *answers)
{
    size_t len = strlen(answers) + 256;
    char *body = malloc(len);
    snprintf(body, len, "{\"uuid\": \"%s\", \"form_version\": \"1\", \"lang\": \"ar\", \"channel\": \"web\", "
             "\"started_at\": \"2026-11-23T09:41:27.512+01:00\", \"answers\": %s}", uuid, answers);
    httpc_resp r = httpc_request(port, "POST", SUBMIT, JSON_HDR, body);
    free(body);
    return r;
}

static void test_submission_lifecycle(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    int port = server_port(r.s);
    const char *uuid = "0b6e9d3c-1f2a-4b5c-8d7e-9f0a1b2c3d4e";
    httpc_resp a = submit(port, uuid, VALID);
    assert_int_equal(a.status, 201);
    json_t *ja = json_loads(a.body, 0, NULL);
    const char *receipt = json_string_value(json_object_get(ja, "receipt"));
    assert_non_null(receipt);
    assert_string_equal(json_string_value(json_object_get(ja, "uuid")), uuid);
    /* a retry of the same content: 200 and the same receipt; the uuid in capitals is the same uuid */
    httpc_resp b = submit(port, "0B6E9D3C-1F2A-4B5C-8D7E-9F0A1B2C3D4E", VALID);
    assert_int_equal(b.status, 200);
    assert_non_null(strstr(b.body, receipt));
    httpc_resp c = submit(port, uuid, VALID);
    assert_int_equal(c.status, 200);
    json_t *jc = json_loads(c.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(jc, "receipt")), receipt);
    httpc_resp d = submit(port, uuid, "{\"R01\": \"QN09399A\", \"R02\": \"25-39\", \"R03\": \"homme\", \"R07\": "
                                      "\"bon\", \"R17\": \"non\"}");
    assert_int_equal(d.status, 409);
    /* the stored row: minute precision, language kept, nothing else about the client */
    char err[256];
    store *s = store_open(r.db, true, err, sizeof err);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "SELECT started_at, received_at, lang, channel, territory FROM submissions", -1,
                       &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "2026-11-23T08:41Z"); /* 09:41+01:00, in UTC */
    assert_int_equal(strlen((const char *)sqlite3_column_text(st, 1)), strlen("2026-11-23T09:41Z"));
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "ar");
    assert_string_equal((const char *)sqlite3_column_text(st, 3), "web");
    assert_string_equal((const char *)sqlite3_column_text(st, 4), "QN09399A");
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    store_close(s);
    /* a 422 lists every error with its question and code */
    httpc_resp e = submit(port, "1b6e9d3c-1f2a-4b5c-8d7e-9f0a1b2c3d4e",
                          "{\"R01\": \"QN09399A\", \"R02\": \"25-39\", \"R03\": \"femme\", \"R07\": \"bon\", "
                          "\"R17\": \"non\", \"R13\": \"oui_quartier\", \"R14\": \"autre\", \"ZZ\": 1}");
    assert_int_equal(e.status, 422);
    json_t *je = json_loads(e.body, 0, NULL);
    json_t *errors = json_object_get(je, "errors");
    assert_int_equal(json_array_size(errors), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "code")), "unknown_question");
    assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "question")), "R14");
    assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "code")), "not_relevant");
    json_decref(ja);
    json_decref(jc);
    json_decref(je);
    httpc_free(&a);
    httpc_free(&b);
    httpc_free(&c);
    httpc_free(&d);
    httpc_free(&e);
    stop(&r);
}

/* The stored answers of uuid, as text (caller frees), or NULL. */
static char *stored_answers(const char *db, const char *uuid)
{
    char err[256], *out = NULL;
    store *s = store_open(db, true, err, sizeof err);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "SELECT answers FROM submissions WHERE uuid = ?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    store_close(s);
    return out;
}

/* A body sent already in canonical form (keys sorted, compact, as the resident page sends it) is stored from
 * the bytes received; any other form is written by json_dumps: either way the stored text is the same, the one
 * json_dumps gives of the normalised answers, and a retry in another form is the same content (200). Computed
 * answers sent wrong, and codes out of the form's order, make the collector write the answers itself. */
static void test_canonical_bodies(void **state)
{
    (void)state;
#define CANON_ANSWERS "{\"E02\":\"oui\",\"E03\":\"non\",\"R01\":\"QN09399A\",\"R02\":\"25-39\",\"R03\":\"femme\"," \
                      "\"R04\":\"seul\",\"R06\":[\"francais\",\"arabe\"],\"R07\":\"bon\",\"R17\":\"non\"," \
                      "\"R21\":\"mutuelle\",\"R39\":\"a/b \\\"c\\\"\\n\\u001F é\"}"
    static const struct {
        int n;
        const char *uuid, *body;
        int status;
    } bodies[] = {
        /* 1: canonical, stored as received */
        {1, "0c000000-0000-4000-8000-000000000001",
         "{\"answers\":" CANON_ANSWERS ",\"channel\":\"web\",\"form_version\":\"2\",\"lang\":\"fr\","
         "\"started_at\":\"2026-11-23T09:41:27.512Z\",\"uuid\":\"0c000000-0000-4000-8000-000000000001\"}", 201},
        /* 2: the same in the order a browser's JSON.stringify keeps, with spaces, '/' escaped, é as \u00e9 */
        {2, "0c000000-0000-4000-8000-000000000002",
         "{\"uuid\": \"0c000000-0000-4000-8000-000000000002\", \"form_version\": \"2\", \"lang\": \"fr\", "
         "\"channel\": \"web\", \"started_at\": \"2026-11-23T09:41:27.512Z\", \"answers\": {\"R01\": \"QN09399A\", "
         "\"R02\": \"25-39\", \"R03\": \"femme\", \"R04\": \"seul\", \"R06\": [\"francais\", \"arabe\"], \"R07\": "
         "\"bon\", \"R17\": \"non\", \"R21\": \"mutuelle\", \"R39\": \"a\\/b \\\"c\\\"\\n\\u001f \\u00e9\", "
         "\"E02\": \"oui\", \"E03\": \"non\"}}", 201},
        /* 3: canonical, but computed answers sent wrong (E02) and missing (E03): the collector's are stored */
        {3, "0c000000-0000-4000-8000-000000000003",
         "{\"answers\":{\"E02\":\"non\",\"R01\":\"QN09399A\",\"R02\":\"25-39\",\"R03\":\"femme\",\"R04\":\"seul\","
         "\"R06\":[\"francais\",\"arabe\"],\"R07\":\"bon\",\"R17\":\"non\",\"R21\":\"mutuelle\","
         "\"R39\":\"a/b \\\"c\\\"\\n\\u001F é\"},\"channel\":\"web\",\"form_version\":\"2\",\"lang\":\"fr\","
         "\"started_at\":\"2026-11-23T09:41:27.512Z\",\"uuid\":\"0c000000-0000-4000-8000-000000000003\"}", 201},
        /* 4: canonical, codes ticked out of the form's order */
        {4, "0c000000-0000-4000-8000-000000000004",
         "{\"answers\":{\"E02\":\"oui\",\"E03\":\"non\",\"R01\":\"QN09399A\",\"R02\":\"25-39\",\"R03\":\"femme\","
         "\"R04\":\"seul\",\"R06\":[\"arabe\",\"francais\"],\"R07\":\"bon\",\"R17\":\"non\",\"R21\":\"mutuelle\","
         "\"R39\":\"a/b \\\"c\\\"\\n\\u001F é\"},\"channel\":\"web\",\"form_version\":\"2\",\"lang\":\"fr\","
         "\"started_at\":\"2026-11-23T09:41:27.512Z\",\"uuid\":\"0c000000-0000-4000-8000-000000000004\"}", 201},
        /* 5: case 1 again in the form of case 2: the same content, so the same receipt (200) */
        {5, "0c000000-0000-4000-8000-000000000001",
         "{\"uuid\": \"0c000000-0000-4000-8000-000000000001\", \"form_version\": \"2\", \"lang\": \"fr\", "
         "\"channel\": \"web\", \"started_at\": \"2026-11-23T09:41:27.512Z\", \"answers\": {\"R01\": \"QN09399A\", "
         "\"R02\": \"25-39\", \"R03\": \"femme\", \"R04\": \"seul\", \"R06\": [\"francais\", \"arabe\"], \"R07\": "
         "\"bon\", \"R17\": \"non\", \"R21\": \"mutuelle\", \"R39\": \"a\\/b \\\"c\\\"\\n\\u001f \\u00e9\", "
         "\"E02\": \"oui\", \"E03\": \"non\"}}", 200},
        /* 6: case 1, canonical but for the uuid in capitals: the same submission (200) */
        {6, "0c000000-0000-4000-8000-000000000001",
         "{\"answers\":" CANON_ANSWERS ",\"channel\":\"web\",\"form_version\":\"2\",\"lang\":\"fr\","
         "\"started_at\":\"2026-11-23T09:41:27.512Z\",\"uuid\":\"0C000000-0000-4000-8000-000000000001\"}", 200},
    };
    running r;
    start(&r, 0, 1);
    int port = server_port(r.s);
    char receipt1[32] = "";
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        httpc_resp x = httpc_request(port, "POST", "/api/v1/forms/resident/submissions", JSON_HDR, bodies[i].body);
        if (x.status != bodies[i].status)
            fail_msg("case %d: status %d, expected %d: %s", bodies[i].n, x.status, bodies[i].status, x.body);
        json_t *j = json_loads(x.body, 0, NULL);
        const char *receipt = json_string_value(json_object_get(j, "receipt"));
        assert_non_null(receipt);
        if (bodies[i].n == 1)
            snprintf(receipt1, sizeof receipt1, "%s", receipt);
        else if (strcmp(bodies[i].uuid, bodies[0].uuid) == 0)
            assert_string_equal(receipt, receipt1);
        json_decref(j);
        httpc_free(&x);
        char *stored = stored_answers(r.db, bodies[i].uuid);
        assert_non_null(stored);
        if (strcmp(stored, CANON_ANSWERS) != 0)
            fail_msg("case %d: stored %s, expected %s", bodies[i].n, stored, CANON_ANSWERS);
        /* and that text is what json_dumps writes of it */
        json_t *a = json_loads(stored, 0, NULL);
        char *dump = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
        assert_string_equal(dump, stored);
        free(dump);
        json_decref(a);
        free(stored);
    }
    stop(&r);
#undef CANON_ANSWERS
}

static void test_body_limits(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    int port = server_port(r.s);
    char *big = malloc(MAX_BODY * 2);
    memset(big, ' ', MAX_BODY * 2 - 1);
    big[MAX_BODY * 2 - 1] = '\0';
    big[0] = '{';
    big[MAX_BODY * 2 - 2] = '}';
    httpc_resp a = httpc_request(port, "POST", SUBMIT, JSON_HDR, big);
    assert_int_equal(a.status, 413);
    assert_non_null(strstr(a.body, "\"body_too_large\""));
    httpc_free(&a);
    free(big);
    /* far over the limit: libevent's own cap answers 413 before any handler */
    size_t huge = MAX_BODY * 8;
    big = malloc(huge + 1);
    memset(big, 'x', huge);
    big[huge] = '\0';
    httpc_resp b = httpc_request(port, "POST", SUBMIT, JSON_HDR, big);
    assert_int_equal(b.status, 413);
    httpc_free(&b);
    free(big);
    /* absurd Content-Length */
    const char *raw = "POST " SUBMIT " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" JSON_HDR
                      "Content-Length: 99999999999999999999\r\n\r\n{}";
    httpc_resp c = httpc_raw(port, raw, strlen(raw));
    assert_true(c.status == 400 || c.status == 413);
    httpc_free(&c);
    httpc_resp h = httpc_request(port, "GET", "/healthz", NULL, NULL);
    assert_int_equal(h.status, 200);
    httpc_free(&h);
    stop(&r);
}

static void test_tokens_and_export(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    int port = server_port(r.s);
    httpc_resp a = submit(port, "2b6e9d3c-1f2a-4b5c-8d7e-9f0a1b2c3d4e",
                          "{\"R01\": \"QN09399A\", \"R02\": \"25-39\", \"R03\": \"femme\", \"R07\": \"bon\", "
                          "\"R17\": \"oui\", \"R18\": [\"dentaire\", \"lunettes\"], \"R23\": {\"pmi\": \"connu\"}}");
    assert_int_equal(a.status, 201);
    httpc_free(&a);
    char err[256], analyst[80], mediator[80];
    long id;
    store *s = store_open(r.db, false, err, sizeof err);
    assert_int_equal(store_token_add(s, "analyst", "A", analyst, sizeof analyst, &id, err, sizeof err), 0);
    long aid = id;
    assert_int_equal(store_token_add(s, "mediator", "M", mediator, sizeof mediator, &id, err, sizeof err), 0);
    char hdr[160];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", mediator);
    httpc_resp m = httpc_request(port, "GET", "/api/v1/forms/resident/submissions.csv", hdr, NULL);
    assert_int_equal(m.status, 403);
    httpc_free(&m);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", analyst);
    httpc_resp csv = httpc_request(port, "GET", "/api/v1/forms/resident/submissions.csv", hdr, NULL);
    assert_int_equal(csv.status, 200);
    assert_non_null(strstr(csv.body, "uuid,form_version,territory,territory_name,channel,lang,received_at,paper_id,"
                                     "R01,R02"));
    assert_non_null(strstr(csv.body, ",R23_pmi,"));
    /* a multiple choice as one 0/1 column per choice (flat.h) */
    assert_non_null(strstr(csv.body, ",R18_dentaire,R18_medicaments,R18_lunettes,"));
    assert_null(strstr(csv.body, "R23.pmi"));
    assert_non_null(strstr(csv.body, "2b6e9d3c-1f2a-4b5c-8d7e-9f0a1b2c3d4e,1,QN09399A,"));
    assert_non_null(strstr(csv.body, ",web,ar,"));
    httpc_free(&csv);
    httpc_resp jl = httpc_request(port, "GET", "/api/v1/forms/resident/submissions.jsonl", hdr, NULL);
    assert_int_equal(jl.status, 200);
    json_t *line = json_loads(jl.body, JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(line);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(line, "answers"), "R23"),
                                                          "pmi")), "connu");
    json_decref(line);
    httpc_free(&jl);
    httpc_resp op = httpc_request(port, "GET", "/api/v1/forms/operator/submissions.csv", hdr, NULL);
    assert_int_equal(op.status, 200);
    assert_non_null(strstr(op.body, "uuid,"));
    httpc_free(&op);
    /* revoked: refused at once */
    assert_int_equal(store_token_revoke(s, aid), 0);
    httpc_resp rv = httpc_request(port, "GET", "/api/v1/forms/resident/submissions.csv", hdr, NULL);
    assert_int_equal(rv.status, 401);
    httpc_free(&rv);
    store_close(s);
    stop(&r);
}

/* ---------------------------------------------------------------------------------------------------------
 * Counts: the audit's town (12 residents in Les Tilleuls, 1 in La Roseraie). Without a token, no breakdown by
 * channel, language or day, no count of 1 to 10 anywhere, and the form's count minus the territories shown
 * isolates nobody or at least 11; with an analyst or admin token, every count.
 */

/* Whether some member of v, at any depth, is named key. */
static bool has_member(const json_t *v, const char *key)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) {
            if (strcmp(k, key) == 0 || has_member(x, key))
                return true;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) {
            if (has_member(x, key))
                return true;
        }
    }
    return false;
}

/* Fails when a member "count" of v, at any depth, is a number from 1 to min_n - 1. */
static void assert_no_small_count(const json_t *v, long min_n)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_t *c = json_object_get(v, "count");
        if (json_is_integer(c) && json_integer_value(c) > 0 && json_integer_value(c) < min_n)
            fail_msg("a public count of %lld", (long long)json_integer_value(c));
        json_object_foreach((json_t *)v, k, x)
            assert_no_small_count(x, min_n);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            assert_no_small_count(x, min_n);
    }
}

/* The member of array a whose "key" is value. */
static json_t *find_by(const json_t *a, const char *key, const char *value)
{
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) {
        const char *v = json_string_value(json_object_get(x, key));
        if (v && strcmp(v, value) == 0)
            return x;
    }
    fail_msg("no %s %s", key, value);
    return NULL;
}

static json_t *get_json(int port, const char *path, const char *headers, int status)
{
    httpc_resp r = httpc_request(port, "GET", path, headers, NULL);
    if (r.status != status)
        fail_msg("GET %s: status %d, expected %d: %s", path, r.status, status, r.body ? r.body : "");
    json_t *body = json_loads(r.body ? r.body : "", 0, NULL);
    assert_non_null(body);
    httpc_free(&r);
    return body;
}

static void test_stats(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    int port = server_port(r.s);
    for (int i = 0; i < 13; i++) {
        char uuid[40];
        snprintf(uuid, sizeof uuid, "3c6e9d3c-1f2a-4b5c-8d7e-%012d", i);
        httpc_resp a = submit(port, uuid, i < 12 ? VALID
                                                 : "{\"R01\": \"QN09399B\", \"R02\": \"75+\", \"R03\": \"homme\", "
                                                   "\"R07\": \"mauvais\", \"R17\": \"oui\"}");
        assert_int_equal(a.status, 201);
        httpc_free(&a);
    }

    json_t *pub = get_json(port, "/api/v1/stats", NULL, 200);
    assert_false(has_member(pub, "by_channel") || has_member(pub, "by_lang") || has_member(pub, "by_day") ||
                 has_member(pub, "channel") || has_member(pub, "lang"));
    assert_no_small_count(pub, 11);
    assert_int_equal(json_integer_value(json_object_get(pub, "min_n")), 11);
    json_t *res = find_by(json_object_get(pub, "forms"), "form", "resident");
    assert_int_equal(json_integer_value(json_object_get(res, "count")), 13);
    json_t *terrs = json_object_get(res, "territories");
    json_t *a = find_by(terrs, "territory", "QN09399A"), *b = find_by(terrs, "territory", "QN09399B");
    /* La Roseraie's one resident is "fewer than 11"; Les Tilleuls is hidden too, or 13 - 12 would give it away */
    assert_true(json_is_null(json_object_get(b, "count")));
    assert_string_equal(json_string_value(json_object_get(b, "suppressed")), "primary");
    assert_int_equal(json_integer_value(json_object_get(b, "fewer_than")), 11);
    assert_true(json_is_null(json_object_get(a, "count")));
    assert_string_equal(json_string_value(json_object_get(a, "suppressed")), "complementary");
    assert_null(json_object_get(a, "fewer_than"));
    assert_string_equal(json_string_value(json_object_get(a, "name")), "Les Tilleuls");
    assert_int_equal(json_integer_value(json_object_get(a, "target")), 300);
    /* no published subtraction isolates 1 to 10 answers: each form's count minus its shown territories */
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(pub, "forms"), i, f) {
        json_t *c = json_object_get(f, "count");
        if (!json_is_integer(c))
            continue;
        json_int_t rest = json_integer_value(c);
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(f, "territories"), k, t)
            rest -= json_integer_value(json_object_get(t, "count"));
        assert_false(rest > 0 && rest < 11);
    }
    /* the operators' form: no count by territory, no residents' target */
    json_t *op = find_by(json_object_get(pub, "forms"), "form", "operator");
    assert_int_equal(json_array_size(json_object_get(op, "territories")), 0);
    json_decref(pub);

    /* the detail: a token of analyst or admin, not of mediator */
    char err[256], analyst[80], admin[80], mediator[80], hdr[160];
    long id;
    store *s = store_open(r.db, false, err, sizeof err);
    assert_int_equal(store_token_add(s, "analyst", "A", analyst, sizeof analyst, &id, err, sizeof err), 0);
    assert_int_equal(store_token_add(s, "admin", "D", admin, sizeof admin, &id, err, sizeof err), 0);
    assert_int_equal(store_token_add(s, "mediator", "M", mediator, sizeof mediator, &id, err, sizeof err), 0);
    store_close(s);
    json_t *e = get_json(port, "/api/v1/stats/detail", NULL, 401);
    assert_string_equal(json_string_value(json_object_get(e, "code")), "unauthorized");
    json_decref(e);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", mediator);
    e = get_json(port, "/api/v1/stats/detail", hdr, 403);
    assert_string_equal(json_string_value(json_object_get(e, "code")), "forbidden");
    json_decref(e);
    const char *tokens[] = {analyst, admin};
    for (size_t t = 0; t < 2; t++) {
        snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", tokens[t]);
        json_t *d = get_json(port, "/api/v1/stats/detail", hdr, 200);
        assert_int_equal(json_integer_value(json_object_get(d, "total")), 13);
        json_t *dr = find_by(json_object_get(d, "forms"), "form", "resident");
        assert_int_equal(json_integer_value(json_object_get(dr, "count")), 13);
        json_t *db_ = find_by(json_object_get(dr, "by_territory"), "territory", "QN09399B");
        assert_int_equal(json_integer_value(json_object_get(db_, "count")), 1);
        assert_int_equal(json_integer_value(json_object_get(db_, "target")), 250);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(dr, "by_channel"), "web")), 13);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(dr, "by_lang"), "ar")), 13);
        const char *day;
        json_t *v;
        json_int_t days = 0;
        json_object_foreach(json_object_get(dr, "by_day"), day, v) {
            assert_int_equal(strlen(day), 10);
            days += json_integer_value(v);
        }
        assert_int_equal(days, 13);
        json_t *dop = find_by(json_object_get(d, "forms"), "form", "operator");
        assert_int_equal(json_integer_value(json_object_get(dop, "count")), 0);
        /* the operators' own target (organisations: territories.json "targets"), never the residents' */
        assert_int_equal(json_integer_value(json_object_get(dop, "target")), 51);
        json_decref(d);
    }
    stop(&r);
}

/* ---------------------------------------------------------------------------------------------------------
 * Paper double entry: who may read a discrepant sheet, who may reconcile it, and with which values. Four
 * tokens: mediators M1 and M2 typed sheet S1, M1 and the admin typed S2, mediator M3 typed nothing. The steps
 * run in order against one server; the database is read at the end.
 */

enum { M1, M2, M3, ADMIN, NTOKENS };

#define PAPER "/api/v1/forms/resident/paper"
#define S1_R07(v) "{\"R01\": \"QN09399A\", \"R02\": \"25-39\", \"R03\": \"femme\", \"R07\": \"" v "\", \"R17\": \"non\"}"
#define S1_AS(v) "{\"answers\": " S1_R07(v)
#define REASON "\"relu sur la feuille papier\""

typedef struct paper_step {
    int token;
    const char *method, *path, *body;
    int status;
    const char *code;    /* expected "code" (NULL: a success) */
    const char *field;   /* 400/403: expected "field"; 422: every error as "FIELD:code" joined by spaces;
                          * GET discrepancies: the sheets shown, then " / " and the sheets typed by the caller */
} paper_step;

static const paper_step paper_steps[] = {
    {M1, "POST", PAPER, "{\"paper_id\": \"S1\", \"answers\": " S1_R07("bon") "}", 201, NULL, NULL},
    {M2, "POST", PAPER, "{\"paper_id\": \"S1\", \"answers\": " S1_R07("tres_bon") "}", 201, NULL, NULL},
    {M1, "POST", PAPER, "{\"paper_id\": \"S2\", \"answers\": " S1_R07("mauvais") "}", 201, NULL, NULL},
    {ADMIN, "POST", PAPER, "{\"paper_id\": \"S2\", \"answers\": " S1_R07("tres_mauvais") "}", 201, NULL, NULL},
    /* a typist never sees a sheet it typed, nor the other entry of it */
    {M1, "GET", PAPER "/discrepancies", NULL, 200, NULL, " / S1 S2"},
    {M2, "GET", PAPER "/discrepancies", NULL, 200, NULL, "S2 / S1"},
    {ADMIN, "GET", PAPER "/discrepancies", NULL, 200, NULL, "S1 / S2"},
    {M3, "GET", PAPER "/discrepancies", NULL, 200, NULL, "S1 S2 / "},
    /* nor reconciles it: refused before any comparison with the entries */
    {M1, "POST", PAPER "/S1/reconcile", S1_AS("bon") "}", 403, "own_entry", "paper_id"},
    {M2, "POST", PAPER "/S1/reconcile", S1_AS("tres_bon") "}", 403, "own_entry", "paper_id"},
    {M2, "POST", PAPER "/S1/reconcile", S1_AS("mauvais") "}", 403, "own_entry", "paper_id"},
    {ADMIN, "POST", PAPER "/S2/reconcile", S1_AS("mauvais") "}", 403, "own_entry", "paper_id"},
    /* malformed bodies */
    {M3, "POST", PAPER "/S1/reconcile", S1_AS("bon") ", \"status\": \"verified\"}", 400, "unknown_field", "status"},
    {M3, "POST", PAPER "/S1/reconcile", S1_AS("mauvais") ", \"reasons\": [" REASON "]}", 400, "invalid_field",
     "reasons"},
    {M3, "POST", PAPER "/S1/reconcile", S1_AS("mauvais") ", \"reasons\": {\"R99\": " REASON "}}", 400,
     "invalid_field", "reasons"},
    {M3, "POST", PAPER "/S1/reconcile", S1_AS("mauvais") ", \"reasons\": {\"R07\": \" \"}}", 400, "invalid_field",
     "reasons"},
    {M3, "POST", PAPER "/S1/reconcile", S1_AS("mauvais") ", \"reasons\": {\"R07\": 1}}", 400, "invalid_field",
     "reasons"},
    /* a value from neither entry, or an agreed value changed, needs a reason; a kept value does not take one */
    {M3, "POST", PAPER "/S1/reconcile", S1_AS("mauvais") "}", 422, "invalid_decisions", "R07:value_not_in_entries"},
    {M3, "POST", PAPER "/S1/reconcile",
     "{\"answers\": {\"R01\": \"QN09399A\", \"R02\": \"25-39\", \"R03\": \"homme\", \"R07\": \"bon\", \"R17\": \"non\"}}",
     422, "invalid_decisions", "R03:agreed_value_changed"},
    {M3, "POST", PAPER "/S1/reconcile",
     "{\"answers\": {\"R01\": \"QN09399A\", \"R02\": \"25-39\", \"R03\": \"homme\", \"R07\": \"refus\", "
     "\"R17\": \"non\"}}", 422, "invalid_decisions", "R03:agreed_value_changed R07:value_not_in_entries"},
    {M3, "POST", PAPER "/S1/reconcile", S1_AS("bon") ", \"reasons\": {\"R07\": " REASON "}}", 422,
     "invalid_decisions", "R07:reason_not_needed"},
    /* the admin, who typed neither entry of S1, gives a third value with its reason; M3 keeps S2's second */
    {ADMIN, "POST", PAPER "/S1/reconcile", S1_AS("mauvais") ", \"reasons\": {\"R07\": " REASON "}}", 201, NULL,
     NULL},
    {M3, "POST", PAPER "/S1/reconcile", S1_AS("bon") "}", 409, "not_discrepant", "paper_id"},
    {M3, "POST", PAPER "/S2/reconcile", S1_AS("tres_mauvais") "}", 201, NULL, NULL},
    {M3, "GET", PAPER "/discrepancies", NULL, 200, NULL, " / "},
};

/* The paper ids of a JSON array of sheets (objects with paper_id) or of ids, joined by spaces, into out. */
static void join_ids(const json_t *list, char *out, size_t len)
{
    size_t i, n = 0;
    json_t *x;
    out[0] = '\0';
    json_array_foreach(list, i, x) {
        const char *id = json_is_string(x) ? json_string_value(x) : json_string_value(json_object_get(x, "paper_id"));
        n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", i ? " " : "", id ? id : "?");
    }
}

/* What a step's reply says, in the form of paper_step.field, into out. */
static void paper_summary(const paper_step *c, const json_t *body, char *out, size_t len)
{
    char a[200], b[200]; /* with " / ", within paper_run's 512 */
    if (c->status == 200) {
        join_ids(json_object_get(body, "sheets"), a, sizeof a);
        join_ids(json_object_get(body, "typed_by_you"), b, sizeof b);
        snprintf(out, len, "%s / %s", a, b);
    } else if (c->status == 422) {
        size_t i, n = 0;
        json_t *e;
        out[0] = '\0';
        json_array_foreach(json_object_get(body, "errors"), i, e)
            n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s:%s", i ? " " : "",
                                  json_string_value(json_object_get(e, "field")),
                                  json_string_value(json_object_get(e, "code")));
    } else {
        snprintf(out, len, "%s", c->field ? json_string_value(json_object_get(body, "field")) : "");
    }
}

/* Runs one step with the token of its caller; returns 1 when the reply is not the one expected, 0 otherwise. */
static int paper_run(int port, const char *const *secrets, size_t i)
{
    const paper_step *c = &paper_steps[i];
    char hdr[256], got[512] = "";
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n%s", secrets[c->token], c->body ? JSON_HDR : "");
    httpc_resp r = httpc_request(port, c->method, c->path, hdr, c->body);
    json_t *body = json_loads(r.body ? r.body : "", 0, NULL);
    const char *code = json_string_value(json_object_get(body, "code"));
    if (c->field)
        paper_summary(c, body, got, sizeof got);
    bool ok = r.status == c->status && (c->code == NULL || (code && strcmp(code, c->code) == 0)) &&
              (c->field == NULL || strcmp(got, c->field) == 0);
    if (!ok)
        fprintf(stderr, "paper step %zu: %s %s: status %d, expected %d; got « %s », expected « %s »; body %s\n", i,
                c->method, c->path, r.status, c->status, got, c->field ? c->field : "", r.body ? r.body : "");
    json_decref(body);
    httpc_free(&r);
    return ok ? 0 : 1;
}

/* The decisions kept with a sheet, and who decided and when, as "DECIDED_BY|DECIDED_AT|DECISIONS". */
static void sheet_decision(sqlite3 *db, const char *paper_id, char *out, size_t len)
{
    sqlite3_stmt *st;
    out[0] = '\0';
    sqlite3_prepare_v2(db, "SELECT decided_by, decided_at, decisions FROM sheets WHERE paper_id = ?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, paper_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, len, "%lld|%s|%s", (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
                 sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
}

static void test_paper_reconcile(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    char err[256], secret[NTOKENS][80];
    const char *secrets[NTOKENS];
    long ids[NTOKENS];
    static const char *const roles[NTOKENS] = {"mediator", "mediator", "mediator", "admin"};
    store *s = store_open(r.db, false, err, sizeof err);
    for (int t = 0; t < NTOKENS; t++) {
        assert_int_equal(store_token_add(s, roles[t], "t", secret[t], sizeof secret[t], &ids[t], err, sizeof err), 0);
        secrets[t] = secret[t];
    }
    char before[24], after[24];
    store_now_minute(before, sizeof before);
    int failures = 0;
    for (size_t i = 0; i < sizeof paper_steps / sizeof *paper_steps; i++)
        failures += paper_run(server_port(r.s), secrets, i);
    store_now_minute(after, sizeof after);
    assert_int_equal(failures, 0);

    /* Kept with each sheet: every decided field with both entries' values, the value chosen, where it comes
     * from and the reason for a third value; who decided (token id) and when (to the minute). */
    char got[1024], want[1024], when[24];
    sheet_decision(store_db(s), "S1", got, sizeof got);
    snprintf(want, sizeof want, "%ld|", ids[ADMIN]);
    assert_memory_equal(got, want, strlen(want));
    snprintf(when, sizeof when, "%.*s", (int)strcspn(got + strlen(want), "|"), got + strlen(want));
    assert_int_equal(strlen(when), strlen(before));
    assert_true(strcmp(before, when) <= 0 && strcmp(when, after) <= 0);
    assert_string_equal(strchr(strchr(got, '|') + 1, '|') + 1,
                        "[{\"field\":\"R07\",\"first\":\"bon\",\"second\":\"tres_bon\",\"chosen\":\"mauvais\","
                        "\"source\":\"third\",\"reason\":\"relu sur la feuille papier\"}]");
    sheet_decision(store_db(s), "S2", got, sizeof got);
    snprintf(want, sizeof want, "%ld|", ids[M3]);
    assert_memory_equal(got, want, strlen(want));
    assert_non_null(strstr(got, "|[{\"field\":\"R07\",\"first\":\"mauvais\",\"second\":\"tres_mauvais\","
                                "\"chosen\":\"tres_mauvais\",\"source\":\"second\"}]"));
    /* What counts is the decided record, with the third value. */
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "SELECT json_extract(answers, '$.R07') FROM counted_submissions WHERE paper_id = "
                       "'S1'", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "mauvais");
    sqlite3_finalize(st);
    store_close(s);
    stop(&r);
}

static void test_rate_limit(void **state)
{
    (void)state;
    running r;
    start(&r, 0.01, 3); /* one token every 100 s: none comes back during the test, however slow the machine */
    int port = server_port(r.s);
    int statuses[5];
    for (int i = 0; i < 5; i++) {
        httpc_resp x = httpc_request(port, "GET", "/api/v1/forms", NULL, NULL);
        statuses[i] = x.status;
        if (x.status == 429) {
            char ra[16] = "";
            assert_true(httpc_header(&x, "Retry-After", ra, sizeof ra));
            assert_true(atoi(ra) >= 1);
            assert_non_null(strstr(x.body, "\"rate_limited\""));
        }
        httpc_free(&x);
    }
    assert_int_equal(statuses[0], 200);
    assert_int_equal(statuses[2], 200);
    assert_int_equal(statuses[3], 429);
    assert_int_equal(statuses[4], 429);
    /* the health check is never limited */
    httpc_resp h = httpc_request(port, "GET", "/healthz", NULL, NULL);
    assert_int_equal(h.status, 200);
    httpc_free(&h);
    stop(&r);
}

/* ---- concurrency ---- */

#define CLIENTS 8
#define PER_CLIENT 40

typedef struct client_arg {
    int port, index, created;
} client_arg;

static void *client_main(void *arg)
{
    client_arg *c = arg;
    for (int i = 0; i < PER_CLIENT; i++) {
        char uuid[40];
        snprintf(uuid, sizeof uuid, "%08x-0000-4000-8000-%012x", c->index, i);
        httpc_resp r = submit(c->port, uuid, VALID);
        c->created += r.status == 201;
        httpc_free(&r);
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    pthread_t t[CLIENTS];
    client_arg args[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        args[i] = (client_arg){server_port(r.s), i, 0};
        pthread_create(&t[i], NULL, client_main, &args[i]);
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(t[i], NULL);
    int created = 0;
    for (int i = 0; i < CLIENTS; i++)
        created += args[i].created;
    assert_int_equal(created, CLIENTS * PER_CLIENT);
    unsigned long batches, items;
    commitq_stats(r.s->writer, &batches, &items);
    assert_int_equal(items, CLIENTS * PER_CLIENT);
    stop(&r);
}

/* Clients post until the service stops; every submission answered 201 is in the database afterwards, and
 * the service stops cleanly while clients are still sending. */
typedef struct stop_client {
    int port, index, acked;
    char uuids[400][40];
} stop_client;

static void *stop_client_main(void *arg)
{
    stop_client *c = arg;
    for (int i = 0; i < 400; i++) {
        snprintf(c->uuids[c->acked], 40, "%08x-1111-4000-8000-%012x", c->index, i);
        httpc_resp r = submit(c->port, c->uuids[c->acked], VALID);
        if (r.status == 201)
            c->acked++;
        bool refused = r.status == 0 || r.status == 503;
        httpc_free(&r);
        if (refused)
            break;
    }
    return NULL;
}

static void test_stop_during_load(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    pthread_t t[CLIENTS];
    static stop_client args[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].port = server_port(r.s);
        args[i].index = i;
        pthread_create(&t[i], NULL, stop_client_main, &args[i]);
    }
    struct timespec pause = {0, 150 * 1000 * 1000};
    nanosleep(&pause, NULL);
    server_stop(r.s);
    pthread_join(r.thread, NULL);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(t[i], NULL);
    server_free(r.s);
    char err[256];
    store *s = store_open(r.db, true, err, sizeof err);
    assert_non_null(s);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM submissions WHERE uuid = ?", -1, &st, NULL);
    int acked = 0;
    for (int i = 0; i < CLIENTS; i++) {
        for (int k = 0; k < args[i].acked; k++) {
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, args[i].uuids[k], -1, SQLITE_STATIC);
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            assert_int_equal(sqlite3_column_int(st, 0), 1);
            acked++;
        }
    }
    sqlite3_finalize(st);
    fprintf(stderr, "stop during load: %d acknowledged, all stored\n", acked);
    assert_true(acked > 0);
    store_close(s);
    remove_db(&r);
}

/* The disk fills up: submissions get 503 with Retry-After, none is acknowledged without being stored, and the
 * service takes answers again once there is room. The file size limit stands in for a full disk (the server
 * ignores SIGXFSZ, so the write fails with EFBIG and SQLite reports the disk full). */
static void test_disk_full(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    int port = server_port(r.s);
    char text[1801];
    memset(text, 'a', 1800);
    text[1800] = '\0';
    char answers[2200];
    snprintf(answers, sizeof answers, "{\"R01\": \"QN09399A\", \"R02\": \"25-39\", \"R03\": \"femme\", "
             "\"R07\": \"bon\", \"R17\": \"non\", \"R39\": \"%s\"}", text);
    char uuids[300][40];
    int acked = 0, unavailable = 0, i = 0;
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    struct stat st;
    char wal[96];
    snprintf(wal, sizeof wal, "%s-wal", r.db);
    httpc_resp first = submit(port, "00000000-2222-4000-8000-000000000000", answers);
    assert_int_equal(first.status, 201);
    httpc_free(&first);
    assert_int_equal(stat(wal, &st), 0);
    lim.rlim_cur = (rlim_t)st.st_size + 64 * 1024;
    lim.rlim_max = old.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (i = 0; i < 300 && unavailable < 3; i++) {
        snprintf(uuids[i], 40, "00000000-3333-4000-8000-%012d", i);
        httpc_resp x = submit(port, uuids[i], answers);
        if (x.status == 201) {
            acked++;
        } else {
            assert_int_equal(x.status, 503);
            char ra[16] = "";
            assert_true(httpc_header(&x, "Retry-After", ra, sizeof ra));
            assert_non_null(strstr(x.body, "\"storage_unavailable\""));
            uuids[i][0] = '\0'; /* not acknowledged */
            unavailable++;
        }
        httpc_free(&x);
    }
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_true(unavailable > 0);
    fprintf(stderr, "disk full: %d acknowledged, then %d refused with 503\n", acked, unavailable);
    /* room again: the same submissions are taken now */
    httpc_resp again = submit(port, "00000000-4444-4000-8000-000000000000", answers);
    assert_int_equal(again.status, 201);
    httpc_free(&again);
    stop_keep(&r);
    char err[256];
    store *s = store_open(r.db, true, err, sizeof err);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM submissions WHERE uuid = ?", -1, &q, NULL);
    for (int k = 0; k < i; k++) {
        if (uuids[k][0] == '\0')
            continue;
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, uuids[k], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(q, 0), 1);
    }
    sqlite3_finalize(q);
    store_close(s);
    remove_db(&r);
}

/* Another process holds the database's write lock (an administrator's sqlite3 session, a tool writing to it):
 * submissions get 503 with Retry-After once the writer has waited its 2 s, none is stored, and they are taken
 * again when the lock goes. A backup (collector backup: SQLite's backup API, a reader) during the same load
 * blocks nothing: WAL lets the writer go on. */
static void test_database_locked(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    int port = server_port(r.s);
    const char *answers = "{\"R01\": \"QN09399B\", \"R02\": \"40-54\", \"R03\": \"homme\", \"R07\": \"bon\", "
                          "\"R17\": \"non\"}";
    httpc_resp first = submit(port, "00000000-5555-4000-8000-000000000001", answers);
    assert_int_equal(first.status, 201);
    httpc_free(&first);

    sqlite3 *other;
    assert_int_equal(sqlite3_open(r.db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    httpc_resp locked = submit(port, "00000000-5555-4000-8000-000000000002", answers);
    assert_int_equal(locked.status, 503);
    char ra[16] = "";
    assert_true(httpc_header(&locked, "Retry-After", ra, sizeof ra));
    httpc_free(&locked);
    httpc_resp health = httpc_request(port, "GET", "/healthz", NULL, NULL); /* the loop never waited */
    assert_int_equal(health.status, 200);
    httpc_free(&health);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);

    /* a backup while submissions go on */
    char dest[128], err[256];
    snprintf(dest, sizeof dest, "%s.backup", r.db);
    int ok = 0;
    for (int i = 0; i < 20; i++) {
        char uuid[40];
        snprintf(uuid, sizeof uuid, "00000000-6666-4000-8000-%012d", i);
        if (i == 5)
            assert_int_equal(store_backup(r.db, dest, err, sizeof err), 0);
        httpc_resp x = submit(port, uuid, answers);
        ok += x.status == 201;
        httpc_free(&x);
    }
    assert_int_equal(ok, 20);
    httpc_resp again = submit(port, "00000000-5555-4000-8000-000000000002", answers);
    assert_int_equal(again.status, 201); /* refused before, stored now */
    httpc_free(&again);
    stop_keep(&r);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(other, "SELECT count(*) FROM submissions", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 22);
    sqlite3_finalize(q);
    sqlite3_close(other);
    remove(dest);
    remove_db(&r);
}

/* The residents' page: one compressed, self-contained document with a strict policy; the service worker; QR
 * codes that decode to the campaign link (checked with zbarimg on the rendered SVG). */
static void test_pages_and_qr(void **state)
{
    (void)state;
    running r;
    start(&r, 0, 1);
    int port = server_port(r.s);
    httpc_resp p = httpc_request(port, "GET", "/f/resident", "Accept-Encoding: gzip, deflate\r\n", NULL);
    assert_int_equal(p.status, 200);
    char v[1024];
    assert_true(httpc_header(&p, "Content-Encoding", v, sizeof v));
    assert_string_equal(v, "gzip");
    assert_true(httpc_header(&p, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "default-src 'none'"));
    assert_non_null(strstr(v, "script-src 'sha256-"));
    assert_null(strstr(v, "unsafe-inline"));
    assert_true(p.body_len > 1000 && p.body_len < 60000);
    char etag[64];
    assert_true(httpc_header(&p, "ETag", etag, sizeof etag));
    httpc_free(&p);
    httpc_resp plain = httpc_request(port, "GET", "/f/resident", NULL, NULL);
    assert_int_equal(plain.status, 200);
    assert_non_null(strstr(plain.body, "<script type=\"application/json\" id=\"form-def\">{\"id\":\"resident\""));
    assert_null(strstr(plain.body, "{{")); /* every placeholder filled */
    httpc_free(&plain);
    char inm[96];
    snprintf(inm, sizeof inm, "If-None-Match: %s\r\n", etag);
    httpc_resp nm = httpc_request(port, "GET", "/f/resident", inm, NULL);
    assert_int_equal(nm.status, 304);
    httpc_free(&nm);
    httpc_resp nf = httpc_request(port, "GET", "/f/nope", NULL, NULL);
    assert_int_equal(nf.status, 404);
    httpc_free(&nf);
    httpc_resp sw = httpc_request(port, "GET", "/sw.js", NULL, NULL);
    assert_int_equal(sw.status, 200);
    assert_non_null(strstr(sw.body, "addEventListener('fetch'"));
    httpc_free(&sw);

    httpc_resp bad = httpc_request(port, "GET", "/qr/resident?t=QN00000Z", NULL, NULL);
    assert_int_equal(bad.status, 400);
    assert_non_null(strstr(bad.body, "\"field\":\"t\""));
    httpc_free(&bad);
    httpc_resp qr = httpc_request(port, "GET", "/qr/resident?t=QN09399A", NULL, NULL);
    assert_int_equal(qr.status, 200);
    assert_non_null(strstr(qr.body, "<svg"));
    assert_non_null(strstr(qr.body, "Les Tilleuls"));
    char svg[] = "/tmp/test_qr_XXXXXX";
    int fd = mkstemp(svg);
    assert_true(write(fd, qr.body, qr.body_len) == (ssize_t)qr.body_len);
    close(fd);
    httpc_free(&qr);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rsvg-convert -w 400 -b white %s | zbarimg -q --raw - 2>/dev/null", svg);
    FILE *pipe = popen(cmd, "r");
    char decoded[256] = "";
    assert_non_null(fgets(decoded, sizeof decoded, pipe));
    pclose(pipe);
    unlink(svg);
    decoded[strcspn(decoded, "\n")] = '\0';
    assert_string_equal(decoded, "http://test/f/resident?t=QN09399A"); /* the Host the client used */
    stop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_table),
        cmocka_unit_test(test_submission_lifecycle),
        cmocka_unit_test(test_canonical_bodies),
        cmocka_unit_test(test_body_limits),
        cmocka_unit_test(test_tokens_and_export),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_paper_reconcile),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_stop_during_load),
        cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_database_locked),
        cmocka_unit_test(test_pages_and_qr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
