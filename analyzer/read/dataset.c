/* dataset.c -- loading the counted answers of a form from the collector's database (see dataset.h). */
#include "dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "answers.h"
#include "util.h"

static bool include_excluded, include_tests; /* ds_set_include */

void ds_set_include(bool excluded, bool tests)
{
    include_excluded = excluded;
    include_tests = tests;
}

const char *ds_source(void)
{
    if (include_excluded && include_tests)
        return "retained_submissions";
    if (include_excluded)
        return "(SELECT * FROM retained_submissions WHERE test = 0)";
    if (include_tests)
        return "(SELECT * FROM retained_submissions WHERE excluded_at IS NULL)";
    return "counted_submissions";
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* The form version a row names, remembered across rows: a million rows name a handful of versions. */
static const form *version_of(const catalog *c, const char *form_id, const char *version, const form **last)
{
    if (*last && version && strcmp((*last)->version, version) == 0)
        return *last;
    const form *f = version ? catalog_get(c, form_id, version) : NULL;
    if (f)
        *last = f;
    return f;
}

int ds_scan(const char *db_path, const catalog *c, const char *form_id, int (*fn)(void *ctx, const ds_record *r),
            void *ctx, ds_counts *counts, char *err, size_t errlen)
{
    return ds_scan_range(db_path, c, form_id, INT64_MIN, INT64_MAX, NULL, fn, ctx, counts, err, errlen);
}

long ds_count(const char *db_path, const char *form_id)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long n = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM submissions WHERE form_id = ?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = (long)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

long ds_count_filtered(const char *db_path, const char *form_id, const ds_filter *f)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long n = -1;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE form_id = ?1 AND (?2 IS NULL OR form_version = ?2) AND "
             "(?3 IS NULL OR substr(received_at, 1, 10) >= ?3) AND (?4 IS NULL OR substr(received_at, 1, 10) <= ?4)",
             ds_source());
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, f->version, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, f->from, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, f->to, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = (long)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

int ds_id_range(const char *db_path, const char *form_id, int64_t *lo, int64_t *hi, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    *lo = 1, *hi = 0;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "ouverture de %s : %s", db_path, db ? sqlite3_errmsg(db) : "mémoire");
        goto done;
    }
    if (sqlite3_prepare_v2(db, "SELECT min(id), max(id) FROM submissions WHERE form_id = ?", -1, &st, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s n'est pas une base du collecteur à jour (%s)", db_path, sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            *lo = sqlite3_column_int64(st, 0), *hi = sqlite3_column_int64(st, 1);
        rc = 0;
    } else {
        snprintf(err, errlen, "lecture de %s : %s", db_path, sqlite3_errmsg(db));
    }
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* Opens db_path read-only and prepares "SELECT what FROM source" over the rows of form_id with lo <= id <= hi that
 * the filter (NULL: none) selects, in id order when ordered. Returns 0, or -1 with a French message (*db may then
 * need closing: the caller closes *db and finalises *st whatever the outcome). */
static int open_rows(const char *db_path, const char *what, const char *source, const char *form_id, int64_t lo,
                     int64_t hi, const ds_filter *filter, bool ordered, sqlite3 **db, sqlite3_stmt **st, char *err,
                     size_t errlen)
{
    if (sqlite3_open_v2(db_path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "ouverture de %s : %s", db_path, *db ? sqlite3_errmsg(*db) : "mémoire");
        return -1;
    }
    sqlite3_busy_timeout(*db, 5000); /* the collector may be writing: wait for its commit, never block it */
    char sql[800];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE form_id = ?1 AND id BETWEEN ?2 AND ?3 AND (?4 IS NULL OR "
             "form_version = ?4) AND (?5 IS NULL OR substr(received_at, 1, 10) >= ?5) AND (?6 IS NULL OR "
             "substr(received_at, 1, 10) <= ?6)%s", what, source, ordered ? " ORDER BY id" : "");
    if (sqlite3_prepare_v2(*db, sql, -1, st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s n'est pas une base du collecteur à jour (%s)", db_path, sqlite3_errmsg(*db));
        return -1;
    }
    sqlite3_bind_text(*st, 1, form_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(*st, 2, lo);
    sqlite3_bind_int64(*st, 3, hi);
    if (filter) {
        sqlite3_bind_text(*st, 4, filter->version, -1, SQLITE_TRANSIENT); /* NULL binds NULL */
        sqlite3_bind_text(*st, 5, filter->from, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(*st, 6, filter->to, -1, SQLITE_TRANSIENT);
    }
    return 0;
}

/* The scan behind ds_scan_range and ds_scan_rows: the rows of source (an SQL table expression) with the
 * filter; with every_row, rows that fail the check or name an unknown version reach fn too, with their status
 * and only their id. */
static int scan(const char *db_path, const catalog *c, const char *form_id, int64_t lo, int64_t hi,
                const ds_filter *filter, const char *source, bool every_row, int (*fn)(void *ctx, const ds_record *r),
                void *ctx, ds_counts *counts, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int status = -1;
    memset(counts, 0, sizeof *counts);
    if (open_rows(db_path, "uuid, form_version, territory, channel, lang, answers, received_at, paper_id, id", source,
                  form_id, lo, hi, filter, every_row, &db, &st, err, errlen) != 0)
        goto done;
    const form *last = NULL;
    int rc = SQLITE_DONE;
    status = 0;
    while (status == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 8);
        const form *f = version_of(c, form_id, (const char *)sqlite3_column_text(st, 1), &last);
        if (f == NULL) {
            counts->unknown_version++;
            if (every_row)
                status = fn(ctx, &(ds_record){.id = id, .status = DS_ROW_UNKNOWN_VERSION});
            continue;
        }
        json_t *answers = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
        answers_report report;
        size_t nerr = answers_check(f, answers, NULL, &report);
        if (answers == NULL || nerr > 0) {
            answers_report_free(&report);
            json_decref(answers);
            counts->rejected++;
            if (every_row)
                status = fn(ctx, &(ds_record){.id = id, .status = DS_ROW_REJECTED});
            continue;
        }
        counts->count++;
        ds_record r = {f, (char *)sqlite3_column_text(st, 0), (char *)sqlite3_column_text(st, 2),
                       (char *)sqlite3_column_text(st, 3), (char *)sqlite3_column_text(st, 4),
                       (char *)sqlite3_column_text(st, 6), answers, report.relevant,
                       (char *)sqlite3_column_text(st, 7), id, DS_ROW_OK};
        status = fn(ctx, &r);
        answers_report_free(&report);
        json_decref(answers);
    }
    if (status == 0 && rc != SQLITE_DONE) {
        snprintf(err, errlen, "lecture de %s : %s", db_path, sqlite3_errmsg(db));
        status = -1;
    }
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}

int ds_scan_range(const char *db_path, const catalog *c, const char *form_id, int64_t lo, int64_t hi,
                  const ds_filter *filter, int (*fn)(void *ctx, const ds_record *r), void *ctx, ds_counts *counts,
                  char *err, size_t errlen)
{
    return scan(db_path, c, form_id, lo, hi, filter, ds_source(), false, fn, ctx, counts, err, errlen);
}

int ds_scan_rows(const char *db_path, const catalog *c, const char *form_id, int64_t lo, int64_t hi,
                 int (*fn)(void *ctx, const ds_record *r), void *ctx, char *err, size_t errlen)
{
    ds_counts counts;
    return scan(db_path, c, form_id, lo, hi, NULL, "submissions", true, fn, ctx, &counts, err, errlen);
}

int ds_scan_ids(const char *db_path, const char *form_id, int64_t lo, int64_t hi, const ds_filter *filter,
                int (*fn)(void *ctx, int64_t id), void *ctx, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int status = -1;
    if (open_rows(db_path, "id", ds_source(), form_id, lo, hi, filter, false, &db, &st, err, errlen) != 0)
        goto done;
    int rc = SQLITE_DONE;
    status = 0;
    while (status == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
        status = fn(ctx, sqlite3_column_int64(st, 0));
    if (status == 0 && rc != SQLITE_DONE) {
        snprintf(err, errlen, "lecture de %s : %s", db_path, sqlite3_errmsg(db));
        status = -1;
    }
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}

static int keep_record(void *ctx, const ds_record *r)
{
    dataset *ds = ctx;
    if (ds->count % 256 == 0)
        ds->records = xrealloc(ds->records, (ds->count + 256) * sizeof *ds->records);
    ds->records[ds->count++] = (ds_record){r->version,
                                           dup_or_null(r->uuid),
                                           dup_or_null(r->territory),
                                           dup_or_null(r->channel),
                                           dup_or_null(r->lang),
                                           dup_or_null(r->received_at),
                                           json_incref(r->answers),
                                           NULL,
                                           dup_or_null(r->paper_id),
                                           r->id,
                                           DS_ROW_OK};
    return 0;
}

dataset *ds_load(const char *db_path, const catalog *c, const char *form_id, char *err, size_t errlen)
{
    dataset *ds = xcalloc(1, sizeof *ds);
    ds->form_id = form_id;
    ds_counts counts;
    if (ds_scan(db_path, c, form_id, keep_record, ds, &counts, err, errlen) != 0) {
        ds_free(ds);
        return NULL;
    }
    ds->rejected = counts.rejected;
    ds->unknown_version = counts.unknown_version;
    return ds;
}

void ds_free(dataset *ds)
{
    if (ds == NULL)
        return;
    for (size_t i = 0; i < ds->count; i++) {
        ds_record *r = &ds->records[i];
        free(r->uuid);
        free(r->territory);
        free(r->channel);
        free(r->lang);
        free(r->received_at);
        free(r->paper_id);
        json_decref(r->answers);
    }
    free(ds->records);
    free(ds);
}
