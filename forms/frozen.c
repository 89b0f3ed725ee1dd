/* frozen.c -- the recorded definitions of answered form versions (see frozen.h). The table is created by the
 * collector's migration 4 (collector/store/store.c):
 *
 *   form_versions (form_id, version, fingerprint, definition, first_answer_at, adopted)
 *
 * with (form_id, version) as key and the index submissions_by_version on submissions(form_id, form_version), which
 * keeps the checks here to index lookups whatever the number of answers.
 */
#include "frozen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fingerprint.h"
#include "formdiff.h"
#include "util.h"

static void db_error(sqlite3 *db, char *err, size_t errlen)
{
    snprintf(err, errlen, "form_versions : %s", sqlite3_errmsg(db));
}

/* Whether db has the table (schema 4 or later). Returns 1, 0, or -1 on error. */
static int has_table(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'form_versions'", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Inserts or (replace) overwrites the record of f. Returns 0 or -1. */
static int write_record(sqlite3 *db, const form *f, const char *first_at, bool adopted, bool replace)
{
    char fp[FINGERPRINT_HEX_LEN + 1];
    char *text;
    fingerprint_form(f, fp, &text);
    sqlite3_stmt *st;
    const char *sql = replace ? "UPDATE form_versions SET fingerprint = ?3, definition = ?4, adopted = ?6 "
                                "WHERE form_id = ?1 AND version = ?2"
                              : "INSERT OR IGNORE INTO form_versions (form_id, version, fingerprint, definition, "
                                "first_answer_at, adopted) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    int rc = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto done;
    sqlite3_bind_text(st, 1, f->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, f->version, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, fp, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, first_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, adopted);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
done:
    free(text);
    return rc;
}

/* Whether (id, version) is recorded: 1, 0, or -1 on error. */
static int is_recorded(sqlite3 *db, const char *id, const char *version)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM form_versions WHERE form_id = ? AND version = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int frozen_record(sqlite3 *db, const form *f, const char *first_at, char *err, size_t errlen)
{
    int r = is_recorded(db, f->id, f->version);
    if (r == 0)
        r = write_record(db, f, first_at, false, false);
    if (r < 0) {
        db_error(db, err, errlen);
        return -1;
    }
    return 0;
}

/* The number of stored answers of (id, version), and the first time one arrived into first (len bytes, "" when
 * none). Returns the number, or -1 on error. */
static long count_answers(sqlite3 *db, const char *id, const char *version, char *first, size_t len)
{
    sqlite3_stmt *st;
    long n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*), min(received_at) FROM submissions WHERE form_id = ? AND "
                           "form_version = ?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = (long)sqlite3_column_int64(st, 0);
        const unsigned char *m = sqlite3_column_text(st, 1);
        if (first != NULL)
            snprintf(first, len, "%s", m ? (const char *)m : "");
    }
    sqlite3_finalize(st);
    return n;
}

/* Whether (id, version) has at least one stored answer: 1, 0, -1 on error. Uses the index, unlike a count. */
static int has_answers(sqlite3 *db, const char *id, const char *version)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM submissions WHERE form_id = ? AND form_version = ? LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int frozen_adopt(sqlite3 *db, const catalog *c, diag_list *diags, char *err, size_t errlen)
{
    int adopted = 0;
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        int rec = is_recorded(db, f->id, f->version);
        int has = rec == 0 ? has_answers(db, f->id, f->version) : 0;
        if (rec < 0 || has < 0)
            goto fail;
        if (has == 0)
            continue;
        char first[32];
        long n = count_answers(db, f->id, f->version, first, sizeof first);
        if (n < 0 || write_record(db, f, first, true, false) < 0)
            goto fail;
        diag_add(diags, true, f->file, "$.version",
                 "le formulaire %s version %s avait %ld réponse(s) sans définition enregistrée (base d'avant "
                 "le gel des versions) : le texte actuel de ce fichier est adopté comme celui auquel elles ont "
                 "été données, et ne pourra plus changer sous cette version", f->id, f->version, n);
        adopted++;
    }
    return adopted;
fail:
    db_error(db, err, errlen);
    return -1;
}

void frozen_next_version(const catalog *c, const char *id, char *buf, size_t len)
{
    const form *cur = catalog_current(c, id);
    const char *v = cur ? cur->version : "1";
    size_t n = strlen(v), k = n;
    while (k > 0 && v[k - 1] >= '0' && v[k - 1] <= '9')
        k--;
    long last = 0;
    if (k == n || !util_parse_long(v + k, 0, 1000000000L, &last)) {
        snprintf(buf, len, "%s.1", v);
        return;
    }
    snprintf(buf, len, "%.*s%ld", (int)k, v, last + 1);
}

/* The error of a version changed under its answers: which form, which version, how many answers, what to do. */
/* Up to five changes between the recorded definition (text) and the folder's f, in French, into buf: what the
 * coordinator changed, so that she sees it is hers and not a corruption. Empty when the recorded text does not
 * load (it then differs only in ways the survey language cannot say, which the fingerprint still sees). */
static void describe_changes(const catalog *c, const form *f, const char *text, char *buf, size_t len)
{
    buf[0] = '\0';
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (doc == NULL)
        return;
    form_shared shared = {catalog_territories(c), catalog_offer(c)};
    form *old = form_load_json_shared(doc, "enregistrée", &shared, NULL);
    json_decref(doc);
    if (old == NULL)
        return;
    formdiff *d = formdiff_compare(old, f);
    size_t used = 0;
    for (size_t i = 0; i < d->count && i < 5 && used + 1 < len; i++) {
        char one[512];
        formdiff_describe(&d->items[i], one, sizeof one);
        int w = snprintf(buf + used, len - used, "%s%s", i ? " ; " : " Ce qui a changé : ", one);
        used = w < 0 || (size_t)w >= len - used ? len - 1 : used + (size_t)w;
    }
    if (d->count > 5 && used + 1 < len)
        snprintf(buf + used, len - used, " ; et %zu autre(s) changement(s) (collector forms diff)", d->count - 5);
    else if (d->count > 0 && used + 2 < len)
        snprintf(buf + used, len - used, ".");
    formdiff_free(d);
    form_free(old);
}

static void report_changed(const catalog *c, const form *f, const char *text, long n, const char *first_at,
                           const char *db_name, diag_list *diags)
{
    char next[64], what[2048];
    frozen_next_version(c, f->id, next, sizeof next);
    describe_changes(c, f, text, what, sizeof what);
    if (strstr(f->file, "/versions/") != NULL || strncmp(f->file, "versions/", 9) == 0) {
        /* An archived old version: giving it a new number would be wrong advice. It changed because someone
         * edited it or because a shared list it names (offer.json) changed; the database has the exact text. */
        diag_add(diags, false, f->file, "$.version",
                 "l'ancienne version %s du formulaire « %s », gardée dans ce fichier, ne correspond plus au texte "
                 "auquel %ld réponse(s) ont été données (depuis le %s, enregistré dans %s) : le fichier a été "
                 "modifié, ou la liste partagée des services (offer.json) qu'il nomme a changé. Supprimez ce "
                 "fichier : la base de données garde la définition exacte de cette version, et c'est elle qui "
                 "sera lue. Rien n'a été modifié dans la base.%s",
                 f->version, f->id, n, first_at, db_name, what);
        return;
    }
    diag_add(diags, false, f->file, "$.version",
             "le formulaire « %s » version %s a été modifié alors que %ld réponse(s) ont été données à l'ancien "
             "texte (depuis le %s, enregistré dans %s). Une version qui a des réponses ne change plus : donnez "
             "au formulaire modifié une nouvelle version, par exemple \"version\": \"%s\" dans %s (ou la ligne "
             "version de la feuille settings du classeur). L'ancienne définition est gardée par la base de "
             "données : rien à copier. Rien n'a été modifié dans la base.%s",
             f->id, f->version, n, first_at, db_name, next, f->file, what);
}

/* Adds the recorded definition of (id, version) to c, or replaces the folder's with it. Returns 0, or 1 when it
 * does not load (reported). */
static int add_recorded(catalog *c, const char *db_name, const char *id, const char *version, const char *text,
                        bool replace, diag_list *diags)
{
    char name[512];
    snprintf(name, sizeof name, "%s (form_versions : %s version %s)", db_name, id, version);
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        diag_add(diags, false, name, "$", "définition enregistrée illisible : %s", jerr.text);
        return 1;
    }
    const form *f = replace ? catalog_replace_json(c, doc, name, diags) : catalog_add_json(c, doc, name, diags);
    json_decref(doc);
    return f == NULL ? 1 : 0;
}

int frozen_check(sqlite3 *db, const char *db_name, catalog *c, frozen_mode mode, diag_list *diags, char *err,
                 size_t errlen)
{
    int t = has_table(db);
    if (t <= 0) {
        if (t < 0)
            db_error(db, err, errlen);
        return t;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT form_id, version, fingerprint, definition, first_answer_at FROM "
                           "form_versions ORDER BY form_id, version", -1, &st, NULL) != SQLITE_OK) {
        db_error(db, err, errlen);
        return -1;
    }
    int changed = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *version = (const char *)sqlite3_column_text(st, 1);
        const char *recorded = (const char *)sqlite3_column_text(st, 2);
        const char *text = (const char *)sqlite3_column_text(st, 3);
        const char *first_at = (const char *)sqlite3_column_text(st, 4);
        const form *f = catalog_get(c, id, version);
        if (f == NULL) {
            changed |= add_recorded(c, db_name, id, version, text, false, diags);
            continue;
        }
        char fp[FINGERPRINT_HEX_LEN + 1];
        fingerprint_form(f, fp, NULL);
        if (strcmp(fp, recorded) == 0)
            continue;
        long n = count_answers(db, id, version, NULL, 0);
        if (n < 0)
            break;
        if (n > 0 && mode == FROZEN_REFUSE) {
            report_changed(c, f, text, n, first_at, db_name, diags);
            changed = 1;
        } else if (n > 0) {
            diag_add(diags, true, f->file, "$.version",
                     "le formulaire %s version %s a été modifié depuis que %ld réponse(s) lui ont été données : "
                     "elles sont lues avec la définition enregistrée dans %s, pas avec ce fichier (le collecteur "
                     "refusera ce dossier : donnez une nouvelle version au formulaire modifié)",
                     f->id, f->version, n, db_name);
            changed |= add_recorded(c, db_name, id, version, text, true, diags); /* frees f */
        } else if (mode == FROZEN_REFUSE && write_record(db, f, first_at, false, true) < 0) {
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_error(db, err, errlen);
        return -1;
    }
    return changed;
}

/* True when code is an extra choice of the single territory question of some version of form_id in c. */
static bool territory_extra_choice(const catalog *c, const char *form_id, const char *code)
{
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (strcmp(f->id, form_id) != 0)
            continue;
        for (size_t q = 0; q < f->nquestions; q++)
            if (f->questions[q].type == FQ_TERRITORY && !f->questions[q].multiple &&
                form_choice_by_code(&f->questions[q], code, false) != NULL)
                return true;
    }
    return false;
}

int frozen_check_territories(sqlite3 *db, const char *db_name, const catalog *c, diag_list *diags, char *err,
                             size_t errlen)
{
    sqlite3_stmt *st;
    /* stats_tally is small (a row per form, territory, channel, language and day) whatever the number of answers:
     * the check costs the same at a hundred answers and at a million. */
    if (sqlite3_prepare_v2(db, "SELECT form_id, territory, sum(n) FROM stats_tally WHERE territory <> '' "
                           "GROUP BY form_id, territory ORDER BY form_id, territory", -1, &st, NULL) != SQLITE_OK) {
        if (strstr(sqlite3_errmsg(db), "no such table") != NULL)
            return 0; /* before schema 3: nothing to check against */
        db_error(db, err, errlen);
        return -1;
    }
    const terr_set *ts = catalog_territories(c);
    int missing = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *form_id = (const char *)sqlite3_column_text(st, 0);
        const char *code = (const char *)sqlite3_column_text(st, 1);
        long n = (long)sqlite3_column_int64(st, 2);
        if ((ts != NULL && terr_find(ts, code) != NULL) || territory_extra_choice(c, form_id, code))
            continue;
        char file[4096];
        snprintf(file, sizeof file, "%s/territories.json", catalog_dir(c));
        diag_add(diags, false, file, "$.territories",
                 "le territoire « %s » n'est plus dans ce fichier, alors que %ld réponse(s) au formulaire « %s » "
                 "y sont rattachées (enregistrées dans %s) : remettez-le. Le nom, la population, l'objectif et le "
                 "contour d'un territoire peuvent changer, pas son code.",
                 code, n, form_id, db_name);
        missing = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_error(db, err, errlen);
        return -1;
    }
    return missing;
}
