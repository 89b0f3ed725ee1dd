/* test_dataset.c -- the analyzer's dataset: what counts (web answers, one record per paper sheet, never both
 * entries, never a discrepant sheet), records that no longer pass the form check left out and counted, and the
 * errors of a file that is not a collector database.
 */
#include "testutil.h"

#include <unistd.h>

#include "catalog.h"
#include "dataset.h"
#include "store.h"

static char dbpath[64];
static catalog *forms;

static int setup(void **state)
{
    (void)state;
    snprintf(dbpath, sizeof dbpath, "/tmp/test_dataset_XXXXXX");
    int fd = mkstemp(dbpath);
    close(fd);
    unlink(dbpath);
    diag_list diags = {0};
    forms = catalog_open(FORMS_DIR, &diags);
    diag_list_free(&diags);
    return forms ? 0 : -1;
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
    catalog_close(forms);
    return 0;
}

#define VALID "{\"R01\":\"QN09399A\",\"R02\":\"25-39\",\"R03\":\"femme\",\"R07\":\"bon\",\"R17\":\"non\"}"
#define VALID2 "{\"R01\":\"QN09399B\",\"R02\":\"75+\",\"R03\":\"homme\",\"R07\":\"mauvais\",\"R17\":\"oui\"}"

static void sub_init(store_sub *s, const char *uuid, const char *channel, const char *version, const char *answers)
{
    memset(s, 0, sizeof *s);
    s->uuid = uuid;
    s->form_id = "resident";
    s->form_version = version;
    s->lang = "fr";
    s->channel = channel;
    s->territory = "QN09399A";
    s->answers_json = answers;
    store_sha256(answers, strlen(answers), s->hash);
}

/* Stores one web answer or one paper entry (paper_id != NULL) in its own transaction. */
static void put(store *s, const char *uuid, const char *version, const char *answers, const char *paper_id, long by)
{
    char err[256];
    store_sub sub;
    sub_init(&sub, uuid, paper_id ? "paper" : "web", version, answers);
    assert_int_equal(store_begin(s, err, sizeof err), 0);
    if (paper_id) {
        store_paper p = {&sub, paper_id, by, false, 0, "", NULL};
        assert_int_equal(store_paper_entry(s, &p, err, sizeof err), 0);
    } else {
        assert_int_equal(store_insert(s, &sub, err, sizeof err), 0);
    }
    assert_int_equal(store_commit(s, err, sizeof err), 0);
    assert_int_equal(sub.outcome, STORE_CREATED);
}

static void test_what_counts(void **state)
{
    (void)state;
    char err[256];
    store *s = store_open(dbpath, false, err, sizeof err);
    assert_non_null(s);
    put(s, "d0000000-0000-4000-8000-000000000001", "1", VALID, NULL, 0);           /* web */
    put(s, "d0000000-0000-4000-8000-000000000002", "1", VALID, "S1", 1);           /* verified sheet: */
    put(s, "d0000000-0000-4000-8000-000000000003", "1", VALID, "S1", 2);           /*   counted once */
    put(s, "d0000000-0000-4000-8000-000000000004", "1", VALID, "S2", 1);           /* discrepant sheet: */
    put(s, "d0000000-0000-4000-8000-000000000005", "1", VALID2, "S2", 2);          /*   not counted */
    put(s, "d0000000-0000-4000-8000-000000000006", "1", VALID, "S3", 1);           /* awaiting its second entry */
    put(s, "d0000000-0000-4000-8000-000000000007", "1", "{\"R17\":\"peut\"}", NULL, 0); /* fails the check today */
    put(s, "d0000000-0000-4000-8000-000000000008", "9", VALID, NULL, 0);           /* a version no longer there */
    store_close(s);

    dataset *ds = ds_load(dbpath, forms, "resident", err, sizeof err);
    assert_non_null(ds);
    assert_int_equal(ds->count, 3);
    assert_int_equal(ds->rejected, 1);
    assert_int_equal(ds->unknown_version, 1);
    assert_string_equal(ds->records[0].uuid, "d0000000-0000-4000-8000-000000000001");
    assert_string_equal(ds->records[0].channel, "web");
    assert_string_equal(ds->records[1].uuid, "d0000000-0000-4000-8000-000000000002"); /* the first entry */
    assert_string_equal(ds->records[2].uuid, "d0000000-0000-4000-8000-000000000006");
    assert_string_equal(ds->records[1].territory, "QN09399A");
    assert_string_equal(json_string_value(json_object_get(ds->records[1].answers, "R07")), "bon");
    assert_string_equal(ds->records[0].version->version, "1");
    ds_free(ds);

    ds = ds_load(dbpath, forms, "operator", err, sizeof err);
    assert_non_null(ds);
    assert_int_equal(ds->count, 0);
    ds_free(ds);
    ds_free(NULL);
}

static void test_not_a_database(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(ds_load("/nonexistent/x.db", forms, "resident", err, sizeof err));
    assert_true(strlen(err) > 0);
    FILE *f = fopen(dbpath, "w");
    fputs("not sqlite", f);
    fclose(f);
    err[0] = '\0';
    assert_null(ds_load(dbpath, forms, "resident", err, sizeof err));
    assert_non_null(strstr(err, dbpath));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_what_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
