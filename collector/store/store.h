/* store.h -- the collector's SQLite database: schema and migrations, submissions with their idempotency
 * rules, tokens, and the read queries of the API (stats, export).
 *
 * Durability: the database runs in WAL mode with synchronous=FULL, so a committed transaction survives a crash
 * or power loss; a submission is acknowledged only after the commit that holds it (see commitq.h).
 * Privacy: nothing that identifies a device or a person is stored with answers: no IP address, no user agent,
 * and times no finer than the minute.
 *
 * A store is one connection; it is not shared between threads (the writer thread and the event loop each open
 * their own).
 */
#ifndef COLLECTOR_STORE_H
#define COLLECTOR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define STORE_SCHEMA_VERSION 5
#define STORE_RECEIPT_LEN 11   /* "K7M2Q-9XDHT": 10 base-32 characters and a dash */

typedef struct store store;
struct catalog;
struct diag_list;
struct form;

/* Opens (creating if needed) the database at path and brings its schema up to date. readonly opens an
 * existing database for reading only, with no migration. Returns NULL with a message in err. */
store *store_open(const char *path, bool readonly, char *err, size_t errlen);

/* Closes the store; store_close(NULL) does nothing. */
void store_close(store *s);

/* The underlying SQLite handle, for modules that run their own read queries. */
struct sqlite3 *store_db(store *s);

/* The schema version of an open store. */
int store_schema_version(store *s);

/* ---- submissions --------------------------------------------------------------------------------------- */

typedef enum store_outcome {
    STORE_CREATED = 1,  /* new, committed */
    STORE_REPLAYED,     /* this uuid with this content was already stored: same receipt */
    STORE_CONFLICT,     /* this uuid was stored with different content */
    STORE_UNAVAILABLE,  /* the database cannot take writes now (disk full, locked, I/O error): retry later */
    STORE_REFUSED       /* a rule of paper entry refused it (see store_sub.refusal) */
} store_outcome;

/* One submission to store. The caller fills the inputs; store_insert_batch fills the outputs. */
typedef struct store_sub {
    /* inputs, borrowed for the duration of the call */
    const char *uuid;          /* canonical lowercase RFC 4122 text */
    const char *form_id, *form_version, *lang, *channel;
    const char *territory;     /* NULL when the form has no territory answer */
    const char *started_minute; /* "YYYY-MM-DDTHH:MM" or NULL */
    const char *answers_json;  /* compact JSON of the answers, keys sorted (so that equal answers are equal text) */
    const char *received_minute; /* NULL: now; an import may keep the original "YYYY-MM-DDTHH:MMZ" */
    const struct form *form;   /* the definition answered: recorded with the first answer of its version, in the
                                  same transaction (frozen.h); NULL records nothing (test fixtures, synth) */
    uint8_t hash[32];          /* SHA-256 of the canonical request content, for idempotency */
    /* outputs */
    store_outcome outcome;
    char receipt[STORE_RECEIPT_LEN + 1];
} store_sub;

/* A transaction, for callers that store several things atomically (the writer thread, the import). Each
 * returns 0, or -1 with a message (store_commit rolls back when it fails). */
int store_begin(store *s, char *err, size_t errlen);
int store_commit(store *s, char *err, size_t errlen);
void store_rollback(store *s);

/* Stores one submission inside an open transaction, applying the idempotency rules (sets sub->outcome).
 * Returns 0, or -1 on a database error. */
int store_insert(store *s, store_sub *sub, char *err, size_t errlen);

/* Stores a batch of submissions in one transaction, committed durably before returning. Each sub's outcome is
 * set: CREATED, REPLAYED or CONFLICT when the commit succeeded; all UNAVAILABLE when it failed (then nothing of
 * the batch was stored, and err says why). Returns 0, or -1 when the batch was not committed. */
int store_insert_batch(store *s, store_sub **subs, size_t n, char *err, size_t errlen);

/* The start-up check of frozen versions (frozen.h): opens db_path for writing (migrating it), records the
 * folder's text for versions that have answers but no record yet (a database migrated from schema 3), refuses a
 * version whose text changed under its answers, and adds to c the recorded versions the folder no longer has.
 * Returns 0, 1 when a version changed (the errors are in diags, nothing in the database was changed), or -1 with
 * a message in err. */
int store_check_forms(const char *db_path, struct catalog *c, struct diag_list *diags, char *err, size_t errlen);

/* Number of stored submissions of form_id (NULL: all forms); -1 on error. */
long store_count(store *s, const char *form_id);

/* What counts (the view counted_submissions) is also kept counted, by triggers in the transaction that changes
 * the rows: table stats_tally (form_id, territory, channel, lang, day, n), territory '' for none, day the
 * YYYY-MM-DD of received_at, no row with n = 0 (store.c, migration 3). /api/v1/stats reads only that table. */

/* ---- paper questionnaires -------------------------------------------------------------------------------- */

/* Sheet statuses (README.md, "Paper questionnaires"). */
#define STORE_SHEET_SINGLE "single"
#define STORE_SHEET_AWAITING "awaiting_second"
#define STORE_SHEET_VERIFIED "verified"
#define STORE_SHEET_DISCREPANT "discrepant"
#define STORE_SHEET_RECONCILED "reconciled"

typedef struct store_paper {
    store_sub *sub;            /* the entry itself (uuid, form, answers...); sub->outcome is set */
    const char *paper_id;
    long entered_by;           /* token id; 0 for an import */
    bool single;               /* never double-entered (imported sheets were typed already) */
    /* outputs */
    int entry;                 /* 1 or 2 */
    char status[20];           /* the sheet's status after this entry */
    const char *refusal;       /* with STORE_REFUSED: "sheet_complete" or "same_operator" */
} store_paper;

/* Types in one paper entry inside an open transaction: a first entry creates the sheet (selected for double
 * entry or not, see store_double_selected); a second one, by another operator, is compared with the first
 * (same answers and same language: verified; else discrepant); anything more is refused. Returns 0, or -1 on a database error. */
int store_paper_entry(store *s, store_paper *p, char *err, size_t errlen);

/* The reconciled record of a discrepant sheet, inside an open transaction: stored as entry 0, and the sheet
 * becomes reconciled with decisions_json and who decided. Sets p->sub->outcome (REFUSED with refusal
 * "not_discrepant" when the sheet is not waiting for reconciliation). Returns 0, or -1 on a database error. */
int store_paper_reconcile(store *s, store_paper *p, const char *decisions_json, char *err, size_t errlen);

/* Whether sheet paper_id of form_id is selected for double entry at rate (0..1): a hash of the two falls under
 * the rate, so the choice is stable and auditable. */
bool store_double_selected(const char *form_id, const char *paper_id, double rate);

/* The double-entry rate of a form (1 when never set), or sets it. */
double store_double_rate(store *s, const char *form_id);
int store_set_double_rate(store *s, const char *form_id, double rate, char *err, size_t errlen);

/* ---- tokens -------------------------------------------------------------------------------------------- */

/* Adds a token of role ("mediator", "analyst", "admin") for name. Writes the secret to show once into
 * secret (at least 64 bytes) and the token's public id into *id. Only a hash of the secret is stored.
 * Returns 0, or -1 with a message in err. */
int store_token_add(store *s, const char *role, const char *name, char *secret, size_t secretlen, long *id,
                    char *err, size_t errlen);

/* Prints the tokens (id, role, name, created, revoked) as lines on f. */
int store_token_list(store *s, void *f);

/* The name of token id into name ("" when unknown). */
void store_token_name(store *s, long id, char *name, size_t len);

/* Revokes token id; returns 0, 1 when no such active token, -1 on error. */
int store_token_revoke(store *s, long id);

/* Looks up an active token by its secret (constant-time comparison of hashes). Returns true and copies the
 * role (at most rolelen bytes) and id when it is valid. */
bool store_token_check(store *s, const char *secret, char *role, size_t rolelen, long *id);

/* ---- helpers ------------------------------------------------------------------------------------------- */

/* Writes the current UTC time truncated to the minute, "YYYY-MM-DDTHH:MMZ", into buf (at least 18 bytes). */
void store_now_minute(char *buf, size_t len);

/* Fills buf with n cryptographically random bytes; returns 0 or -1. */
int store_random(void *buf, size_t n);

/* Writes a random (version 4) uuid in canonical lowercase form into out. */
void store_uuid4(char out[37]);

/* base64url without padding of n bytes into out (4n/3 rounded up, plus the NUL): how secrets are written. */
void store_base64url(const uint8_t *in, size_t n, char *out);

/* SHA-256 of data into out. */
void store_sha256(const void *data, size_t len, uint8_t out[32]);

/* Online backup of the live database at src into dest (SQLite backup API), consistent even while the collector
 * writes. Returns 0, or -1 with a message in err. */
int store_backup(const char *src, const char *dest, char *err, size_t errlen);

#endif /* COLLECTOR_STORE_H */
