/* fuzz_answers.c -- libFuzzer target for the answer checker: bytes -> JSON -> answers_check and
 * answers_normalize against every form of the shipped forms folder (resident and operator) and against
 * tests/data/form_valid.json, the test form that has every question type.
 *
 * Any JSON value is accepted: a non-object is one error. When the input is a whole submission body (an object
 * with an "answers" object, as the collector receives it and synth --jsonl writes it), its answers are checked
 * too. Every report is held to answers.h (fuzz_check_answers) and normalisation to its contract
 * (fuzz_check_normalize).
 */
#include "fuzz_common.h"

#include "catalog.h"
#include "terr.h"

static catalog *shipped;
static terr_set *test_territories;
static form *test_form;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[1024];
    diag_list diags = {0};
    shipped = catalog_open(fuzz_path(path, sizeof path, "forms"), &diags);
    test_territories = terr_load(fuzz_path(path, sizeof path, "tests/data/territories_test.json"), &diags);
    if (test_territories)
        test_form =
            form_load_file(fuzz_path(path, sizeof path, "tests/data/form_valid.json"), test_territories, &diags);
    if (shipped == NULL || test_form == NULL) {
        diag_print(&diags, stderr);
        exit(2);
    }
    diag_list_free(&diags);
    return 0;
}

static void check_all(const json_t *answers)
{
    for (size_t i = 0; i < catalog_count(shipped); i++) {
        const form *f = catalog_at(shipped, i);
        size_t n = fuzz_check_answers(f, answers);
        fuzz_check_normalize(f, answers, n);
    }
    size_t n = fuzz_check_answers(test_form, answers);
    fuzz_check_normalize(test_form, answers, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (doc == NULL)
        return 0;
    check_all(doc);
    json_t *inner = json_object_get(doc, "answers");
    if (json_is_object(inner))
        check_all(inner);
    json_decref(doc);
    return 0;
}
