/* frozen.h -- form versions that have answers are frozen: the collector's database keeps, for each (form, version)
 * that received an answer, the fingerprint and the canonical text of its definition (table form_versions, created
 * by collector/store/store.c, schema 4). This module reads and writes that table for both programs:
 *
 *   - frozen_record, when the first answer of a version is stored (same transaction);
 *   - frozen_adopt, at the collector's start, for versions that have answers but no record yet (a database from
 *     before schema 4, or answers written by a tool that does not record them): the folder's current text is
 *     adopted as the one answered, which is the best knowledge there is;
 *   - frozen_check, at the collector's start and when the analyzer opens a database: a version whose folder text
 *     differs from the recorded one while it has answers is an error; a recorded version missing from the folder
 *     is added to the catalog from the database, so that old answers are read with their own definition.
 *
 * The caller owns the SQLite connection. Messages are French, for the coordinator who edited the folder.
 */
#ifndef FORMS_FROZEN_H
#define FORMS_FROZEN_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "diag.h"
#include "form.h"

struct sqlite3;

/* Records f as answered, first at first_at ("YYYY-MM-DDTHH:MMZ"), unless its (id, version) is recorded already
 * (the text is computed only then). To be called inside the transaction that stores the answer. Returns 0, or -1
 * with the SQLite message in err. */
int frozen_record(struct sqlite3 *db, const form *f, const char *first_at, char *err, size_t errlen);

/* Records, for every version of c that has answers in db but no record, the folder's current text (adopted = 1),
 * with a warning naming it. Needs a writable connection at schema 4 or later. Returns the number of versions
 * adopted, or -1 with the SQLite message in err. */
int frozen_adopt(struct sqlite3 *db, const catalog *c, diag_list *diags, char *err, size_t errlen);

/* What frozen_check does with a folder version whose text differs from the recorded one while N > 0 answers
 * were given to it. */
typedef enum frozen_mode {
    FROZEN_REFUSE,          /* the collector: an error (nothing is changed in db); a changed version left with no
                               answer (every answer refused afterwards) is re-recorded with the folder's text */
    FROZEN_PREFER_RECORDED  /* readers (analyzer, forms diff): a warning, and the recorded definition replaces the
                               folder's in c, so that the answers are read with the text they were given to */
} frozen_mode;

/* Checks c against the recorded versions of db (named db_name in messages): adds to c each recorded version the
 * folder lacks, and treats a version changed under its answers as mode says. A database without the table
 * (before schema 4) has nothing recorded. Returns 0, 1 when some version changed (FROZEN_REFUSE: errors in diags)
 * or some recorded definition does not load (errors in diags), or -1 with a message in err when the database
 * cannot be read. */
int frozen_check(struct sqlite3 *db, const char *db_name, catalog *c, frozen_mode mode, diag_list *diags, char *err,
                 size_t errlen);

/* Checks that every territory code with answers in db (table stats_tally, schema 3 or later: the single
 * territory question of each answer) is still a territory of c, or an extra choice of that form's territory
 * question in some version ("autre_commune"). A territory's name, population, target and outline may change; its
 * code, under answers, may not: the analyzer would find those answers attached to no territory. Adds one error per
 * missing code, naming it, the form and the number of answers. Returns 0, 1 when some code is missing, or -1 with
 * a message in err. */
int frozen_check_territories(struct sqlite3 *db, const char *db_name, const catalog *c, diag_list *diags, char *err,
                             size_t errlen);

/* The version a changed form should take: the highest version of id in c with its last number increased
 * ("1" -> "2", "2026.10" -> "2026.11"), into buf. */
void frozen_next_version(const catalog *c, const char *id, char *buf, size_t len);

#endif /* FORMS_FROZEN_H */
