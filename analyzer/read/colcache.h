/* colcache.h -- the analyzer's derived cache: what an analysis keeps of every stored answer of a form (its
 * territory, calibration and age x sex cells, one small observation per indicator: columns.h), computed once
 * from the JSON answers and kept in a file, so that the next analysis reads a few bytes per answer instead of
 * parsing and checking a kilobyte of JSON again.
 *
 * The JSON in the collector's database stays the record of truth; a cache file is derived data that can be
 * deleted or rebuilt at any time (`analyzer rebuild-cache`) and never changes a figure: the columns an analysis
 * gathers from it are, value for value and in the same order, the ones it would have computed from the JSON
 * (tests/blackbox/cache.sh proves it on every shipped indicator).
 *
 * A file is named by the database (its real path), the form and a key: the SHA-256 of everything a derived row
 * depends on besides the answers -- the form versions' fingerprints, the indicator definitions, the territories
 * file, the calibration variables and their codes, the analyzer's own executable, and the date when a
 * definition uses today(). Its header holds the database's content version when it was written: the highest row
 * id and the number of rows of the form, and the highest audit and history ids (every correction, exclusion and
 * erasure is audited). New rows only (the common case during a campaign): the cache derives those and appends
 * them; any other change: it is derived again from scratch, so that an erased answer leaves no derived trace.
 *
 * Files live in $XDG_CACHE_HOME/sante-analyzer (else ~/.cache/sante-analyzer), created 0700, files 0600: they
 * hold coded health answers. At most CC_KEEP files per database and CC_KEEP_ALL in all are kept (the least
 * recently written go).
 *
 * Ownership: a cc_table owns its columns, or the mapping they point into.
 */
#ifndef ANALYZER_COLCACHE_H
#define ANALYZER_COLCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columns.h"

#define CC_KEEP 4      /* files per database */
#define CC_KEEP_ALL 32 /* files in the folder */
#define CC_KEY_LEN 64 /* hexadecimal SHA-256 */

/* The database's content version for one form. */
typedef struct cc_version {
    int64_t max_id, rows, audit_max, history_max;
} cc_version;

/* Every stored row of a form, derived, in id order: col.id and col.status are set. */
typedef struct cc_table {
    cc_version version;
    columns col;
    size_t ndefs;
    void *map;     /* non-NULL: col's arrays point into this read-only mapping of the file */
    size_t maplen;
} cc_table;

/* Turns the cache on, in folder dir (NULL: the default folder); "" turns it off (--no-cache). Off until this
 * is called: the library's other users (unit tests) read the JSON. Set once, before any read. */
void cc_set_dir(const char *dir);

/* The folder into buf, created when missing; NULL when the cache is off or no folder can be had. */
const char *cc_dir(char *buf, size_t len);

/* The key of what src derives (see above) into out. */
void cc_key(const col_source *src, char out[CC_KEY_LEN + 1]);

/* The content version of form_id in db. Returns 0, or -1 with a French message. */
int cc_content_version(const char *db, const char *form_id, cc_version *v, char *err, size_t errlen);

/* The file of (db, form_id, key) in dir into buf. Returns 0, or -1 when db has no real path. */
int cc_path(char *buf, size_t len, const char *dir, const char *db, const char *form_id, const char *key);

/* Maps the file at path when it is a cache of this key and shape (a file that is missing, truncated or of
 * another key is not an error: the caller derives again). Returns 0 with t filled, or -1. */
int cc_load(const char *path, const char *key, const ind_set *defs, size_t nvars, cc_table *t);

/* Writes t to path (through a temporary file renamed over it) and removes the database's oldest files past
 * CC_KEEP. Returns 0, or -1 with a French message. */
int cc_save(const char *path, const char *key, const ind_set *defs, size_t nvars, const cc_table *t, char *err,
            size_t errlen);

/* Removes every cache file of db in dir; returns how many, or -1 when db has no real path. */
int cc_clear(const char *dir, const char *db);

/* Releases t's columns or mapping. */
void cc_release(cc_table *t);

#endif /* ANALYZER_COLCACHE_H */
