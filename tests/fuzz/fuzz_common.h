/* fuzz_common.h -- what the libFuzzer targets of tests/fuzz share: where the checkout's data is, a fixed clock,
 * a check that fails loudly, and the invariants every answers_report must satisfy.
 *
 * Header-only (static inline functions), like tests/testutil.h, so that each target stays one file. A broken
 * invariant calls fuzz_fail, which prints what was broken and aborts: libFuzzer then saves the input as a crash.
 */
#ifndef TESTS_FUZZ_COMMON_H
#define TESTS_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "answers.h"
#include "form.h"

#ifndef FUZZ_SOURCE_DIR
#error "compile with -DFUZZ_SOURCE_DIR=\"…\" (the checkout's root; tests/fuzz/CMakeLists.txt does)"
#endif

/* The date every target passes as today: results must not depend on the day the fuzzer runs. */
#define FUZZ_TODAY "2026-11-23"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static inline void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Reports a broken invariant and aborts, so that libFuzzer keeps the input as a finding. */
static inline void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FUZZ INVARIANT BROKEN: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Writes FUZZ_SOURCE_DIR/rel into out (size bytes). */
static inline const char *fuzz_path(char *out, size_t size, const char *rel)
{
    snprintf(out, size, "%s/%s", FUZZ_SOURCE_DIR, rel);
    return out;
}

/* Removes an SQLite database and the -wal and -shm files WAL mode leaves beside it. */
static inline void fuzz_remove_db(const char *db_path)
{
    char p[1100];
    unlink(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    unlink(p);
}

/* Parses a JSON file of the checkout the way the loaders do (duplicate keys refused); aborts when it cannot,
 * since a target without its fixture would fuzz nothing. */
static inline json_t *fuzz_load_json(const char *rel)
{
    char path[1024];
    json_error_t err;
    json_t *doc = json_load_file(fuzz_path(path, sizeof path, rel), JSON_REJECT_DUPLICATES, &err);
    if (doc == NULL) {
        fprintf(stderr, "fuzz: cannot load %s: %s (line %d)\n", path, err.text, err.line);
        exit(2);
    }
    return doc;
}

/* True when s is one of the stable error codes of answers.h. */
static inline bool fuzz_known_code(const char *s)
{
    static const char *const codes[] = {ANSWERS_UNKNOWN_QUESTION, ANSWERS_INVALID_TYPE, ANSWERS_INVALID_CHOICE,
                                        ANSWERS_OUT_OF_RANGE,     ANSWERS_TOO_LONG,     ANSWERS_REQUIRED,
                                        ANSWERS_NOT_RELEVANT,     ANSWERS_CONSTRAINT,   ANSWERS_TOO_MANY_ERRORS};
    for (size_t i = 0; s && i < sizeof codes / sizeof *codes; i++)
        if (strcmp(s, codes[i]) == 0)
            return true;
    return false;
}

/* Checks answers against f and holds the result to answers.h: the count returned is the report's, every error
 * has a question, a known code and a message, and answers_report_json lists every one of them (the collector
 * sends that array in its 422 replies, so a dropped entry is an error a client never sees). Returns the
 * number of errors. */
static inline size_t fuzz_check_answers(const form *f, const json_t *answers)
{
    answers_report rep;
    size_t n = answers_check(f, answers, FUZZ_TODAY, &rep);
    if (n != rep.count)
        fuzz_fail("answers_check returned %zu but the report holds %zu errors", n, rep.count);
    if (json_is_object(answers) && rep.nquestions != f->nquestions)
        fuzz_fail("report covers %zu questions, form %s has %zu", rep.nquestions, f->id, f->nquestions);
    for (size_t i = 0; i < rep.count; i++) {
        const answers_error *e = &rep.errors[i];
        if (e->question == NULL || e->message == NULL || e->message[0] == '\0' || !fuzz_known_code(e->code))
            fuzz_fail("error %zu of the report is incomplete (question %s, code %s)", i,
                      e->question ? e->question : "(null)", e->code ? e->code : "(null)");
        bool last = i == ANSWERS_MAX_ERRORS && i + 1 == rep.count;
        if ((strcmp(e->code, ANSWERS_TOO_MANY_ERRORS) == 0) != last)
            fuzz_fail("error %zu of %zu is %s: too_many_errors comes last, after %d errors", i, rep.count, e->code,
                      ANSWERS_MAX_ERRORS);
    }
    json_t *arr = answers_report_json(&rep);
    if (!json_is_array(arr) || json_array_size(arr) != rep.count)
        fuzz_fail("answers_report_json lists %zu errors of %zu (form %s): an error was dropped", json_array_size(arr),
                  rep.count, f->id);
    /* The reply the collector would send must serialise. */
    char *text = json_dumps(arr, JSON_COMPACT);
    if (text == NULL)
        fuzz_fail("the errors of form %s do not serialise to JSON", f->id);
    free(text);
    json_decref(arr);
    answers_report_free(&rep);
    return n;
}

/* answers_normalize on a deep copy of answers, held to its contract: normalising twice changes nothing, and
 * the order of ticked codes does not change how many errors the checker finds. */
static inline void fuzz_check_normalize(const form *f, const json_t *answers, size_t errors)
{
    json_t *copy = json_deep_copy(answers);
    if (copy == NULL)
        return;
    answers_normalize(f, copy);
    json_t *again = json_deep_copy(copy);
    answers_normalize(f, again);
    if (!json_equal(copy, again))
        fuzz_fail("answers_normalize is not idempotent on form %s", f->id);
    size_t after = fuzz_check_answers(f, copy);
    if (after != errors)
        fuzz_fail("form %s: %zu errors before answers_normalize, %zu after", f->id, errors, after);
    json_decref(again);
    json_decref(copy);
}

#endif /* TESTS_FUZZ_COMMON_H */
