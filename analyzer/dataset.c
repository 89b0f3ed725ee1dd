/* dataset.c -- loading the counted answers of a form from the collector's database (see dataset.h). */
#include "dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "answers.h"
#include "util.h"

static char *dup_or_null(const unsigned char *s)
{
    return s ? xstrdup((const char *)s) : NULL;
}

dataset *ds_load(const char *db_path, const catalog *c, const char *form_id, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    dataset *ds = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "ouverture de %s : %s", db_path, db ? sqlite3_errmsg(db) : "mémoire");
        goto done;
    }
    sqlite3_busy_timeout(db, 5000); /* the collector may be writing: wait for its commit, never block it */
    if (sqlite3_prepare_v2(db, "SELECT uuid, form_version, territory, channel, lang, answers FROM "
                           "counted_submissions WHERE form_id = ? ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s n'est pas une base du collecteur à jour (%s)", db_path, sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    ds = xcalloc(1, sizeof *ds);
    ds->form_id = form_id;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const form *f = catalog_get(c, form_id, (const char *)sqlite3_column_text(st, 1));
        if (f == NULL) {
            ds->unknown_version++;
            continue;
        }
        json_t *answers = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
        answers_report report;
        size_t nerr = answers_check(f, answers, NULL, &report);
        answers_report_free(&report);
        if (answers == NULL || nerr > 0) {
            json_decref(answers);
            ds->rejected++;
            continue;
        }
        if (ds->count == cap) {
            cap = cap ? cap * 2 : 256;
            ds->records = xrealloc(ds->records, cap * sizeof *ds->records);
        }
        ds->records[ds->count++] = (ds_record){f, dup_or_null(sqlite3_column_text(st, 0)),
                                               dup_or_null(sqlite3_column_text(st, 2)),
                                               dup_or_null(sqlite3_column_text(st, 3)),
                                               dup_or_null(sqlite3_column_text(st, 4)), answers};
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "lecture de %s : %s", db_path, sqlite3_errmsg(db));
        ds_free(ds);
        ds = NULL;
    }
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
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
        json_decref(r->answers);
    }
    free(ds->records);
    free(ds);
}
