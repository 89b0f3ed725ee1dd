/* answers.h -- judging a set of answers against one form version.
 *
 * This is the only place where answers are judged: the collector (on every submission), the paper-entry
 * import and the analyzer all call answers_check, so a rule changes in one place. It returns every error it
 * finds, not just the first, so that a client can show them all at once.
 *
 * Ownership: an answers_report owns its errors and their strings; answers_report_free releases them.
 */
#ifndef FORMS_ANSWERS_H
#define FORMS_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "form.h"

/* The stable error codes of the API (forms/README.md, "Checking answers"). */
#define ANSWERS_UNKNOWN_QUESTION "unknown_question"
#define ANSWERS_INVALID_TYPE "invalid_type"
#define ANSWERS_INVALID_CHOICE "invalid_choice"
#define ANSWERS_OUT_OF_RANGE "out_of_range"
#define ANSWERS_TOO_LONG "too_long"
#define ANSWERS_REQUIRED "required"
#define ANSWERS_NOT_RELEVANT "not_relevant"
#define ANSWERS_CONSTRAINT "constraint"
#define ANSWERS_TOO_MANY_ERRORS "too_many_errors"

#define ANSWERS_MAX_ERRORS 100 /* errors listed at most; then one too_many_errors (question "answers") */

typedef struct answers_error {
    char *question;      /* question id as sent (may not exist in the form for unknown_question) */
    char *row;           /* grid row concerned, or NULL */
    const char *code;    /* one of the ANSWERS_* codes (static) */
    char *message;       /* French */
} answers_error;

typedef struct answers_report {
    answers_error *errors;
    size_t count, cap;
    bool *relevant;      /* per question of the form: asked (true) or skipped (false) */
    size_t nquestions;
} answers_report;

/* Checks answers (a JSON object from question id to answer) against f. today is "YYYY-MM-DD" (NULL: the
 * current UTC date) and matters for date bounds and today(). Fills *report, which the caller frees with
 * answers_report_free whatever the result. Returns the number of errors (0: the answers are valid). A
 * non-object `answers` is one error with question "answers". */
size_t answers_check(const form *f, const json_t *answers, const char *today, answers_report *report);

/* Sets, in place, every computed answer ("type": "calculate") of answers (an object) to the value its
 * calculation gives, read from the answers that answers_check judges usable, or removes it when it has no value
 * (not relevant, or its calculation gives the empty value). Whatever a client sent for a computed answer is
 * replaced, never refused: the collector's computation is the one stored. today as for answers_check. */
void answers_calculate(const form *f, json_t *answers, const char *today);

/* Puts answers in their stored form, in place: computed answers as answers_calculate gives them (today: the
 * current UTC date), and the codes of every multiple-choice answer (and multiple territory answer) in the order
 * of the form's choices, so that equal answers are equal JSON whatever order they were ticked or typed in:
 * double entry compares them. Codes the question does not know stay at the end, in their order. Every path that
 * stores answers calls it after answers_check. */
void answers_normalize(const form *f, json_t *answers);

/* As answers_check, and also hands back in *computed the value of every computed answer that has one (a new
 * object the caller releases with json_decref, NULL when answers is not an object), as answers_calculate would
 * set them: with answers_normalize_computed, one walk of the form both judges and normalises a submission. */
size_t answers_check_computed(const form *f, const json_t *answers, const char *today, answers_report *report,
                              json_t **computed);

/* answers_normalize, with the computed answers that answers_check_computed gave for these very answers (and the
 * same today; the collector passes NULL to both, the current UTC date): the same result without walking the form
 * again. Returns whether answers changed, so that a caller holding the text the answers came from knows whether
 * that text is still theirs in stored form. */
bool answers_normalize_computed(const form *f, json_t *answers, const json_t *computed);

/* The errors as a JSON array [{"question", "row"?, "code", "message"}] (a new reference). */
json_t *answers_report_json(const answers_report *report);

/* Frees the report's contents and zeroes it; report may be NULL. */
void answers_report_free(answers_report *report);

#endif /* FORMS_ANSWERS_H */
