/* test_store.c -- the collector's store: migrations, the idempotency rules of batched inserts, a batch that
 * cannot commit, tokens, receipts, backup, and group commit under concurrent pushes.
 */
#include "testutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "commitq.h"
#include "store.h"

static char dbpath[64];

static void sleep_us(long us)
{
    struct timespec t = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&t, NULL);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dbpath, sizeof dbpath, "/tmp/test_store_XXXXXX");
    int fd = mkstemp(dbpath);
    close(fd);
    unlink(dbpath);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[96];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    return 0;
}

static store *open_store(void)
{
    char err[256];
    store *s = store_open(dbpath, false, err, sizeof err);
    if (s == NULL)
        fail_msg("store_open: %s", err);
    return s;
}

static void fill(store_sub *sub, const char *uuid, const char *answers)
{
    memset(sub, 0, sizeof *sub);
    sub->uuid = uuid;
    sub->form_id = "resident";
    sub->form_version = "1";
    sub->lang = "fr";
    sub->channel = "web";
    sub->territory = "QN09399A";
    sub->answers_json = answers;
    store_sha256(answers, strlen(answers), sub->hash);
}

static void test_migrations(void **state)
{
    (void)state;
    store *s = open_store();
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    store_close(s);
    s = open_store(); /* reopening applies nothing twice */
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    /* journal mode and durability as promised */
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "PRAGMA journal_mode", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_prepare_v2(store_db(s), "PRAGMA synchronous", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 2); /* FULL */
    sqlite3_finalize(st);
    sqlite3_exec(store_db(s), "PRAGMA user_version = 99", NULL, NULL, NULL);
    store_close(s);
    char err[256];
    assert_null(store_open(dbpath, false, err, sizeof err));
    assert_non_null(strstr(err, "plus récent"));
    /* read-only opening of something that is not a collector database */
    assert_null(store_open("/nonexistent/x.db", true, err, sizeof err));
}

static void test_idempotency(void **state)
{
    (void)state;
    store *s = open_store();
    char err[256];
    store_sub a, b, c, d;
    fill(&a, "11111111-1111-4111-8111-111111111111", "{\"R02\":\"25-39\"}");
    fill(&b, "22222222-2222-4222-8222-222222222222", "{\"R02\":\"40-54\"}");
    fill(&c, "11111111-1111-4111-8111-111111111111", "{\"R02\":\"25-39\"}"); /* same uuid, same content, same batch */
    store_sub *batch[] = {&a, &b, &c};
    assert_int_equal(store_insert_batch(s, batch, 3, err, sizeof err), 0);
    assert_int_equal(a.outcome, STORE_CREATED);
    assert_int_equal(b.outcome, STORE_CREATED);
    assert_int_equal(c.outcome, STORE_REPLAYED);
    assert_string_equal(a.receipt, c.receipt);
    assert_int_equal(strlen(a.receipt), STORE_RECEIPT_LEN);
    assert_int_equal(a.receipt[5], '-');
    assert_null(strpbrk(a.receipt, "ILOU"));
    /* later: the same content replays, other content conflicts */
    fill(&c, "11111111-1111-4111-8111-111111111111", "{\"R02\":\"25-39\"}");
    fill(&d, "22222222-2222-4222-8222-222222222222", "{\"R02\":\"75+\"}");
    store_sub *batch2[] = {&c, &d};
    assert_int_equal(store_insert_batch(s, batch2, 2, err, sizeof err), 0);
    assert_int_equal(c.outcome, STORE_REPLAYED);
    assert_string_equal(c.receipt, a.receipt);
    assert_int_equal(d.outcome, STORE_CONFLICT);
    assert_int_equal(store_count(s, "resident"), 2);
    assert_int_equal(store_count(s, NULL), 2);
    assert_int_equal(store_count(s, "operator"), 0);
    store_close(s);
}

/* A batch that cannot commit (another writer holds the lock) is reported whole as UNAVAILABLE, and nothing
 * of it is stored. */
static void test_batch_unavailable(void **state)
{
    (void)state;
    store *s = open_store();
    sqlite3 *other;
    assert_int_equal(sqlite3_open(dbpath, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    store_sub a;
    fill(&a, "33333333-3333-4333-8333-333333333333", "{}");
    store_sub *batch[] = {&a};
    char err[256] = "";
    assert_int_equal(store_insert_batch(s, batch, 1, err, sizeof err), -1);
    assert_int_equal(a.outcome, STORE_UNAVAILABLE);
    assert_true(strlen(err) > 0);
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(other);
    assert_int_equal(store_count(s, NULL), 0);
    assert_int_equal(store_insert_batch(s, batch, 1, err, sizeof err), 0); /* and it succeeds afterwards */
    assert_int_equal(a.outcome, STORE_CREATED);
    store_close(s);
}

static void test_tokens(void **state)
{
    (void)state;
    store *s = open_store();
    char secret[80], secret2[80], role[16], err[256];
    long id, id2, got;
    assert_int_equal(store_token_add(s, "analyst", "Ana", secret, sizeof secret, &id, err, sizeof err), 0);
    assert_int_equal(store_token_add(s, "mediator", "Med", secret2, sizeof secret2, &id2, err, sizeof err), 0);
    assert_int_equal(strncmp(secret, "ds_", 3), 0);
    assert_int_equal(strlen(secret), 3 + 43);
    assert_string_not_equal(secret, secret2);
    assert_true(store_token_check(s, secret, role, sizeof role, &got));
    assert_string_equal(role, "analyst");
    assert_int_equal(got, id);
    secret[10] ^= 1;
    assert_false(store_token_check(s, secret, role, sizeof role, &got));
    secret[10] ^= 1;
    assert_false(store_token_check(s, "", role, sizeof role, &got));
    /* only the hash is stored */
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM tokens WHERE secret_hash = ? OR name = ?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, secret, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, secret, -1, SQLITE_STATIC);
    sqlite3_step(st);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    assert_int_equal(store_token_revoke(s, id), 0);
    assert_int_equal(store_token_revoke(s, id), 1);
    assert_false(store_token_check(s, secret, role, sizeof role, &got));
    assert_true(store_token_check(s, secret2, role, sizeof role, &got));
    assert_int_equal(store_token_add(s, "boss", "X", secret, sizeof secret, &id, err, sizeof err), -1);
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(store_token_list(s, devnull), 0);
    fclose(devnull);
    store_close(s);
}

static void test_backup(void **state)
{
    (void)state;
    store *s = open_store();
    char err[256];
    store_sub a;
    fill(&a, "44444444-4444-4444-8444-444444444444", "{\"R07\":\"bon\"}");
    store_sub *batch[] = {&a};
    assert_int_equal(store_insert_batch(s, batch, 1, err, sizeof err), 0);
    char dest[96];
    snprintf(dest, sizeof dest, "%s.bak", dbpath);
    assert_int_equal(store_backup(dbpath, dest, err, sizeof err), 0);
    store *copy = store_open(dest, true, err, sizeof err);
    assert_non_null(copy);
    assert_int_equal(store_count(copy, NULL), 1);
    store_close(copy);
    store_close(s);
    unlink(dest);
    assert_int_equal(store_backup("/nonexistent/a.db", dest, err, sizeof err), -1);
}

/* ---- paper questionnaires ---- */

/* Types one entry of a sheet in its own transaction. */
static store_paper type_sheet(store *s, const char *uuid, const char *paper_id, long by, const char *answers)
{
    static store_sub subs[16];
    static int next;
    store_sub *sub = &subs[next++ % 16];
    fill(sub, uuid, answers);
    sub->channel = "paper";
    store_paper p = {sub, paper_id, by, false, 0, "", NULL};
    char err[256];
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    assert_int_equal(store_paper_entry(s, &p, err, sizeof err), 0);
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    return p;
}

static long counted(store *s, const char *paper_id)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM counted_submissions WHERE paper_id = ?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, paper_id, -1, SQLITE_STATIC);
    sqlite3_step(st);
    long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_paper_double_entry(void **state)
{
    (void)state;
    store *s = open_store();
    char err[256];
    /* every sheet is double-entered by default */
    assert_true(store_double_rate(s, "resident") == 1.0);
    store_paper a = type_sheet(s, "a0000000-0000-4000-8000-000000000001", "001", 7, "{\"R07\":\"bon\"}");
    assert_int_equal(a.sub->outcome, STORE_CREATED);
    assert_int_equal(a.entry, 1);
    assert_string_equal(a.status, STORE_SHEET_AWAITING);
    assert_int_equal(counted(s, "001"), 1); /* a single entry counts until the second comes */
    /* the same person cannot type the second entry */
    store_paper same = type_sheet(s, "a0000000-0000-4000-8000-000000000002", "001", 7, "{\"R07\":\"bon\"}");
    assert_int_equal(same.sub->outcome, STORE_REFUSED);
    assert_string_equal(same.refusal, "same_operator");
    /* another person, same answers: verified, still one record counted */
    store_paper b = type_sheet(s, "a0000000-0000-4000-8000-000000000003", "001", 8, "{\"R07\":\"bon\"}");
    assert_int_equal(b.sub->outcome, STORE_CREATED);
    assert_int_equal(b.entry, 2);
    assert_string_equal(b.status, STORE_SHEET_VERIFIED);
    assert_int_equal(counted(s, "001"), 1);
    /* a third entry is refused, and a retry of the second replays it */
    store_paper c = type_sheet(s, "a0000000-0000-4000-8000-000000000004", "001", 9, "{\"R07\":\"bon\"}");
    assert_int_equal(c.sub->outcome, STORE_REFUSED);
    assert_string_equal(c.refusal, "sheet_complete");
    store_paper b2 = type_sheet(s, "a0000000-0000-4000-8000-000000000003", "001", 8, "{\"R07\":\"bon\"}");
    assert_int_equal(b2.sub->outcome, STORE_REPLAYED);
    assert_int_equal(b2.entry, 2);
    assert_string_equal(b2.status, STORE_SHEET_VERIFIED);

    /* disagreeing entries: discrepant, nothing counted until reconciled */
    type_sheet(s, "b0000000-0000-4000-8000-000000000001", "002", 7, "{\"R07\":\"bon\"}");
    store_paper d = type_sheet(s, "b0000000-0000-4000-8000-000000000002", "002", 8, "{\"R07\":\"mauvais\"}");
    assert_string_equal(d.status, STORE_SHEET_DISCREPANT);
    assert_int_equal(counted(s, "002"), 0);
    store_sub rsub;
    fill(&rsub, "b0000000-0000-4000-8000-000000000003", "{\"R07\":\"bon\"}");
    store_paper r = {&rsub, "002", 9, false, 0, "", NULL};
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    assert_int_equal(store_paper_reconcile(s, &r, "[{\"field\":\"R07\"}]", err, sizeof err), 0);
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    assert_int_equal(rsub.outcome, STORE_CREATED);
    assert_string_equal(r.status, STORE_SHEET_RECONCILED);
    assert_int_equal(counted(s, "002"), 1);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s), "SELECT c.uuid, h.decided_by, h.decisions FROM counted_submissions c JOIN sheets h "
                       "ON h.final_uuid = c.uuid WHERE c.paper_id = '002'", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "b0000000-0000-4000-8000-000000000003");
    assert_int_equal(sqlite3_column_int(st, 1), 9);
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "[{\"field\":\"R07\"}]");
    sqlite3_finalize(st);
    /* reconciling again is refused */
    fill(&rsub, "b0000000-0000-4000-8000-000000000004", "{\"R07\":\"bon\"}");
    store_paper r2 = {&rsub, "002", 9, false, 0, "", NULL};
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    assert_int_equal(store_paper_reconcile(s, &r2, "[]", err, sizeof err), 0);
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    assert_int_equal(rsub.outcome, STORE_REFUSED);
    assert_string_equal(r2.refusal, "not_discrepant");
    store_close(s);
}

static void test_paper_sampling(void **state)
{
    (void)state;
    store *s = open_store();
    char err[256];
    assert_int_equal(store_set_double_rate(s, "resident", 0.1, err, sizeof err), 0);
    assert_true(store_double_rate(s, "resident") == 0.1);
    assert_int_equal(store_set_double_rate(s, "resident", 1.5, err, sizeof err), -1);
    /* stable, and close to the rate over many sheets */
    int selected = 0;
    for (int i = 0; i < 10000; i++) {
        char id[16];
        snprintf(id, sizeof id, "%06d", i);
        bool x = store_double_selected("resident", id, 0.1);
        assert_int_equal(x, store_double_selected("resident", id, 0.1));
        selected += x;
    }
    fprintf(stderr, "double entry at 10%%: %d of 10000 sheets selected\n", selected);
    assert_true(selected > 900 && selected < 1100);
    assert_true(store_double_selected("resident", "x", 1));
    assert_false(store_double_selected("resident", "x", 0));
    /* a sheet not selected is single and complete after one entry */
    char id[16] = "";
    for (int i = 0; i < 100 && id[0] == '\0'; i++) {
        snprintf(id, sizeof id, "s%d", i);
        if (store_double_selected("resident", id, 0.1))
            id[0] = '\0';
    }
    store_paper a = type_sheet(s, "c0000000-0000-4000-8000-000000000001", id, 7, "{}");
    assert_string_equal(a.status, STORE_SHEET_SINGLE);
    store_paper b = type_sheet(s, "c0000000-0000-4000-8000-000000000002", id, 8, "{}");
    assert_int_equal(b.sub->outcome, STORE_REFUSED);
    assert_string_equal(b.refusal, "sheet_complete");
    store_close(s);
}

/* ---- group commit ---- */

#define PUSHERS 4
#define PER_PUSHER 500

typedef struct counter {
    pthread_mutex_t lock;
    int created, other;
} counter;

static void on_done(commitq_job *job, void *arg)
{
    counter *c = arg;
    pthread_mutex_lock(&c->lock);
    if (job->sub.outcome == STORE_CREATED)
        c->created++;
    else
        c->other++;
    pthread_mutex_unlock(&c->lock);
    free((char *)job->sub.uuid);
    free(job);
}

static void *pusher(void *arg)
{
    commitq *q = arg;
    static int next;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    for (int i = 0; i < PER_PUSHER; i++) {
        pthread_mutex_lock(&lock);
        int n = next++;
        pthread_mutex_unlock(&lock);
        commitq_job *job = calloc(1, sizeof *job);
        char *uuid = malloc(37);
        snprintf(uuid, 37, "%08x-0000-4000-8000-000000000000", n);
        fill(&job->sub, uuid, "{\"R07\":\"bon\"}");
        while (commitq_push(q, job) < 0)
            sleep_us(100);
    }
    return NULL;
}

static void test_group_commit(void **state)
{
    (void)state;
    counter c = {PTHREAD_MUTEX_INITIALIZER, 0, 0};
    char err[256];
    commitq *q = commitq_start(dbpath, on_done, &c, err, sizeof err);
    assert_non_null(q);
    pthread_t t[PUSHERS];
    for (int i = 0; i < PUSHERS; i++)
        pthread_create(&t[i], NULL, pusher, q);
    for (int i = 0; i < PUSHERS; i++)
        pthread_join(t[i], NULL);
    unsigned long batches, items;
    commitq_stop(q); /* drains: every job handed back */
    assert_int_equal(c.created, PUSHERS * PER_PUSHER);
    assert_int_equal(c.other, 0);
    store *s = open_store();
    assert_int_equal(store_count(s, NULL), PUSHERS * PER_PUSHER);
    store_close(s);
    /* stats are read before stop in real use; here a fresh queue shows they start at zero */
    q = commitq_start(dbpath, on_done, &c, err, sizeof err);
    commitq_stats(q, &batches, &items);
    assert_int_equal(items, 0);
    commitq_stop(q);
    commitq_stop(NULL);
}

/* Concurrent pushes are grouped: fewer commits than submissions. */
static void test_batches_are_grouped(void **state)
{
    (void)state;
    counter c = {PTHREAD_MUTEX_INITIALIZER, 0, 0};
    char err[256];
    commitq *q = commitq_start(dbpath, on_done, &c, err, sizeof err);
    pthread_t t[PUSHERS];
    for (int i = 0; i < PUSHERS; i++)
        pthread_create(&t[i], NULL, pusher, q);
    for (int i = 0; i < PUSHERS; i++)
        pthread_join(t[i], NULL);
    while (commitq_pending(q) > 0)
        sleep_us(1000);
    unsigned long batches, items;
    commitq_stats(q, &batches, &items);
    commitq_stop(q);
    fprintf(stderr, "group commit: %lu submissions in %lu commits\n", items, batches);
    assert_int_equal(items, PUSHERS * PER_PUSHER);
    assert_true(batches < items / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paper_double_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paper_sampling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_are_grouped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
