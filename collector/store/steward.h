/* steward.h -- data stewardship in the store: corrections with their history, exclusions, test mode, erasure
 * (RGPD), and the audit trail of every administrative action (README.md, "Data stewardship").
 *
 * The same functions serve the API (api/api_steward.c, through the writer thread: each is called inside the
 * batch transaction that commitq opens) and the command line (`collector submissions ...`, which opens the
 * database itself and wraps each call in store_begin/store_commit). Every function that changes something
 * appends its audit row in the same transaction, so an action and its audit line commit or fail together.
 *
 * Who acts: a steward_actor, the token id and name of the session or bearer token, or 0 and a description of the
 * command line. Answers never reach the audit: it says what was done to which submission, not what was answered.
 */
#ifndef COLLECTOR_STEWARD_H
#define COLLECTOR_STEWARD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "store.h"
#include "util.h"

#define STEWARD_REASON_MAX 500   /* characters in a reason: a sentence, not a report */

typedef struct steward_actor {
    long token_id;               /* 0: the command line */
    const char *name;            /* the token's name, or "ligne de commande" */
} steward_actor;

typedef enum steward_outcome {
    STEWARD_DONE = 1,
    STEWARD_NOT_FOUND,           /* no submission with this uuid (or receipt) */
    STEWARD_UNCHANGED,           /* already in that state (exclude an excluded one, a correction equal to the answers) */
} steward_outcome;

/* Appends one audit row (inside an open transaction, or on its own). target, reason and detail_json may be NULL;
 * detail_json is a JSON object that never holds an answer. Returns 0, or -1 with a message in err. */
int steward_audit(store *s, const steward_actor *who, const char *action, const char *target, const char *reason,
                  const char *detail_json, char *err, size_t errlen);

/* One submission as the API shows it (a new reference), or NULL when uuid is unknown:
 * {uuid, form_id, form_version, lang, channel, territory, started_at, received_at, receipt, status, test,
 *  excluded: {at, reason} | null, paper: {paper_id, entry, sheet_status} | null, answers, history: [{at, actor,
 *  action, reason, changes}]}. status is "counted", "excluded", "test" or "not_counted" (a paper entry that is
 * not its sheet's record). */
json_t *steward_get(store *s, const char *uuid);

/* The current answers (compact JSON) and form id/version of uuid, for preparing a correction; each out string is
 * malloc'd (free them). Returns 1 when found, 0 when not, -1 on error. */
int steward_current(store *s, const char *uuid, char **answers_json, char **form_id, char **form_version);

/* Applies a correction: answers_json (compact, keys sorted: the whole new set, already checked against the
 * version's definition by the caller) replaces the answers, territory the territory column (NULL: none); the
 * previous answers and the list of changed questions go to submission_history, and an audit row "correct" with
 * the changed question ids (never values). Sets *out. Returns 0, or -1 on a database error. */
int steward_correct(store *s, const steward_actor *who, const char *uuid, const char *answers_json,
                    const char *territory, const char *reason, steward_outcome *out, char *err, size_t errlen);

/* Excludes (exclude = true) or brings back a submission, with its reason, in its history and the audit. */
int steward_exclude(store *s, const steward_actor *who, const char *uuid, bool exclude, const char *reason,
                    steward_outcome *out, char *err, size_t errlen);

/* Erases a submission: its row, its history, and when it is a paper sheet's record or entry, every entry of that
 * sheet and the sheet itself (their answers are the same person's). The audit row "erase" has no target and no
 * detail: that a deletion happened, when, by whom, why. by_receipt: uuid_or_receipt is a receipt ("K7M2Q-9XDHT",
 * case-insensitive). Returns 0, or -1 on a database error. */
int steward_erase(store *s, const steward_actor *who, const char *uuid_or_receipt, bool by_receipt,
                  const char *reason, steward_outcome *out, char *err, size_t errlen);

/* After a commit that erased answers: copies the WAL into the database and truncates it, so that the file and
 * its WAL hold no trace of them (with PRAGMA secure_delete, set by store_open, the freed pages are zeroed).
 * Called outside any transaction. Returns 0, or -1 with a message (the erasure itself is committed anyway). */
int steward_checkpoint(store *s, char *err, size_t errlen);

/* Test mode: whether what arrives now is marked as a test, and switching it (audited "test_mode"). */
bool steward_test_mode(store *s);
int steward_set_test_mode(store *s, const steward_actor *who, bool on, char *err, size_t errlen);

/* Deletes every submission marked as a test (and their sheets and history), audited "purge_tests" with the
 * count; *purged gets the number of submissions deleted. */
int steward_purge_tests(store *s, const steward_actor *who, long *purged, char *err, size_t errlen);
/* The same with the reason given (NULL: none) in its audit row. A sheet with any test entry goes whole. */
int steward_purge_tests_why(store *s, const steward_actor *who, const char *reason, long *purged, char *err,
                            size_t errlen);

/* The changes from before to after (two answers objects) as a new JSON array [{question, before, after}] in the
 * order of question ids; an answer absent on one side is null there. Empty when they are equal. */
json_t *steward_changes(const json_t *before, const json_t *after);

/* steward_checkpoint on a short-lived connection of its own to the database at db_path: for the server, whose
 * loop holds only a read-only connection and must not borrow the writer thread's. Waits at most wait_ms for a
 * commit under way or a reader on an older snapshot (an export being streamed); -1 with a message when they
 * kept it from finishing (try again later), or on error. Returns 0 when the WAL is empty. */
int steward_checkpoint_file(const char *db_path, int wait_ms, char *err, size_t errlen);

/* How many submissions are marked as tests, and how many are excluded (stored, not counted). Returns 0 or -1. */
int steward_campaign_counts(store *s, long *tests, long *excluded);

/* The audit trail, oldest first, as a JSON array [{id, at, actor, actor_name, action, target, reason, detail}]
 * (a new reference), from id > after, at most limit rows (0: all). NULL on error. */
json_t *steward_audit_list(store *s, long after, long limit);

/* Appends the entries of steward_audit_list as CSV (header line first, CRLF line ends, comma-separated, French
 * headers: numero,date,acteur_id,acteur,action,cible,motif,detail; cells a spreadsheet would take for a formula
 * are guarded as in every export, csv.h) to out. */
void steward_audit_csv(const json_t *entries, sbuf *out);

#endif /* COLLECTOR_STEWARD_H */
