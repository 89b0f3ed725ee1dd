/* import.c -- typed questionnaires from a CSV file in the export's format (see import.h). */
#include "import.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "answers.h"
#include "api.h"
#include "csv.h"
#include "export.h"
#include "store.h"
#include "util.h"

enum { META_UUID, META_VERSION, META_TERRITORY, META_CHANNEL, META_LANG, META_RECEIVED, META_PAPER };

typedef struct row {
    size_t line;
    char uuid[37];
    const form *f;
    char *lang, *channel, *received, *paper_id;
    json_t *answers;
    char *answers_json;
    bool present;
} row;

typedef struct importer {
    const catalog *c;
    const char *form_id;
    export_layout *layout;     /* the older layout (R23.pmi, codes joined by ';'), still read */
    export_csv *flat;          /* the flat layout every export writes (flat.h) */
    int meta[EXPORT_NMETA];    /* column index of each metadata column, -1 when absent */
    int *col_of;               /* older layout column -> CSV column, -1 when absent */
    int *flat_of;              /* flat layout column -> CSV column, -1 when absent */
    FILE *out;
    import_result *res;
    row *rows;
    size_t nrows, cap;
} importer;

static void report(importer *im, size_t line, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(importer *im, size_t line, const char *column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(im->out, "ligne %zu%s%s : ", line, column ? ", colonne " : "", column ? column : "");
    vfprintf(im->out, fmt, ap);
    fputc('\n', im->out);
    va_end(ap);
    im->res->errors++;
}

/* Maps the header to metadata and question columns, in the flat layout or the older one; the columns an export
 * computes (territory_name, weight, the scores) are read past. Every unknown column is an error. */
static bool read_header(importer *im, char **fields, size_t n)
{
    static const char *const meta[EXPORT_NMETA] = {EXPORT_META_COLUMNS};
    const flat_layout *fl = im->flat->layout;
    bool ok = true;
    for (size_t m = 0; m < EXPORT_NMETA; m++)
        im->meta[m] = -1;
    im->col_of = xmalloc((im->layout->count ? im->layout->count : 1) * sizeof *im->col_of);
    for (size_t k = 0; k < im->layout->count; k++)
        im->col_of[k] = -1;
    im->flat_of = xmalloc(fl->count * sizeof *im->flat_of);
    for (size_t k = 0; k < fl->count; k++)
        im->flat_of[k] = -1;
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (size_t m = 0; m < EXPORT_NMETA && !known; m++)
            if (strcmp(fields[i], meta[m]) == 0)
                im->meta[m] = (int)i, known = true;
        for (size_t k = 0; k < fl->count && !known; k++)
            if (strcmp(fields[i], fl->cols[k].name) == 0) {
                known = true;
                if (fl->cols[k].kind == FLAT_VALUE || fl->cols[k].kind == FLAT_ROW || fl->cols[k].kind == FLAT_CHOICE)
                    im->flat_of[k] = (int)i;
            }
        for (size_t k = 0; k < im->layout->count && !known; k++)
            if (strcmp(fields[i], im->layout->cols[k].name) == 0)
                im->col_of[k] = (int)i, known = true;
        if (!known) {
            report(im, 1, fields[i], "colonne inconnue du formulaire %s", im->form_id);
            ok = false;
        }
    }
    return ok;
}

/* True when cell is UTF-8 that JSON can hold, as jansson judges it. */
static bool cell_is_utf8(const char *cell)
{
    json_t *probe = json_string(cell);
    json_decref(probe);
    return probe != NULL;
}

/* The JSON value of one cell for its column's question; NULL after reporting when it cannot be read. */
static json_t *cell_value(importer *im, size_t line, const export_col *col, const char *cell)
{
    const form_question *q = col->q;
    /* A spreadsheet saved as plain "CSV" on Windows is in Windows-1252, where an accent is not UTF-8: said here,
     * or json_string below would return NULL and the row vanish without an error. */
    if (!cell_is_utf8(cell)) {
        report(im, line, col->name,
               "texte qui n'est pas en UTF-8 : enregistrez le fichier au format « CSV UTF-8 » "
               "(invalid_type)");
        return NULL;
    }
    if (col->row)
        return json_string(cell);
    switch (q->type) {
    case FQ_MULTIPLE:
    case FQ_TERRITORY:
        if (q->type == FQ_TERRITORY && !q->multiple)
            return json_string(cell);
        {
            json_t *arr = json_array();
            const char *p = cell;
            while (*p) {
                size_t n = strcspn(p, ";");
                char *code = xstrndup(p, n);
                char *trim = code;
                while (*trim == ' ')
                    trim++;
                if (*trim)
                    json_array_append_new(arr, json_string(trim));
                free(code);
                p += n;
                if (*p == ';')
                    p++;
            }
            return arr;
        }
    case FQ_INTEGER:
    case FQ_SCALE: {
        long v;
        if (!util_parse_long(cell, -999999999999L, 999999999999L, &v)) {
            report(im, line, col->name, "« %s » n'est pas un nombre entier (invalid_type)", cell);
            return NULL;
        }
        return json_integer(v);
    }
    case FQ_DECIMAL: {
        char *copy = xstrdup(cell), *comma = strchr(copy, ',');
        if (comma)
            *comma = '.'; /* French spreadsheets write 72,5 */
        double v;
        bool ok = util_parse_double(copy, &v);
        free(copy);
        if (!ok) {
            report(im, line, col->name, "« %s » n'est pas un nombre (invalid_type)", cell);
            return NULL;
        }
        return json_real(v);
    }
    default:
        return json_string(cell);
    }
}

/* Reads the cells of the flat layout's columns into answers: a value or grid row as the older layout reads it, a
 * multiple question from its 0/1 columns ("nsp" or "refus" in them standing for the whole answer, flat.h). Returns
 * false after reporting a cell it cannot read. */
static bool read_flat(importer *im, size_t line, char **fields, size_t n, json_t *answers)
{
    const flat_layout *fl = im->flat->layout;
    json_t *multi = json_object(), *special = json_object();
    bool ok = true;
    for (size_t k = 0; k < fl->count; k++) {
        int i = im->flat_of[k];
        if (i < 0 || (size_t)i >= n || fields[i][0] == '\0')
            continue;
        const flat_col *fc = &fl->cols[k];
        const char *cell = fields[i];
        if (fc->kind == FLAT_CHOICE) {
            json_t *arr = json_object_get(multi, fc->q->id);
            if (arr == NULL)
                json_object_set_new(multi, fc->q->id, arr = json_array());
            if (strcmp(cell, "1") == 0) {
                json_array_append_new(arr, json_string(fc->code));
            } else if (flat_special(cell)) {
                const char *before = json_string_value(json_object_get(special, fc->q->id));
                if (before && strcmp(before, cell) != 0) {
                    report(im, line, fc->name, "« %s » alors qu'une autre colonne de %s dit « %s » (invalid_choice)",
                           cell, fc->q->id, before);
                    ok = false;
                }
                json_object_set_new(special, fc->q->id, json_string(cell));
            } else if (strcmp(cell, "0") != 0) {
                report(im, line, fc->name, "« %s » : 1 (cochée), 0 (non cochée), nsp ou refus attendu (invalid_type)",
                       cell);
                ok = false;
            }
            continue;
        }
        export_col col = {fc->name, fc->q, fc->kind == FLAT_ROW ? fc->code : NULL};
        json_t *v = cell_value(im, line, &col, cell);
        if (v == NULL) {
            ok = false;
        } else if (col.row) {
            json_t *g = json_object_get(answers, fc->q->id);
            if (g == NULL)
                json_object_set_new(answers, fc->q->id, g = json_object());
            json_object_set_new(g, col.row, v);
        } else {
            json_object_set_new(answers, fc->q->id, v);
        }
    }
    const char *qid;
    json_t *arr;
    json_object_foreach(multi, qid, arr) {
        const char *sp = json_string_value(json_object_get(special, qid));
        if (sp && json_array_size(arr) > 0) {
            report(im, line, qid, "« %s » avec des cases cochées : l'un ou l'autre (invalid_choice)", sp);
            ok = false;
        } else if (sp) {
            json_object_set_new(answers, qid, json_pack("[s]", sp));
        } else if (json_array_size(arr) == 0) {
            report(im, line, qid, "aucune case cochée : laissez les colonnes vides quand la question n'a pas de "
                   "réponse (invalid_type)");
            ok = false;
        } else {
            json_object_set(answers, qid, arr);
        }
    }
    json_decref(multi);
    json_decref(special);
    return ok;
}

static const char *meta_cell(const importer *im, char **fields, size_t n, int m)
{
    int i = im->meta[m];
    return i >= 0 && (size_t)i < n && fields[i][0] ? fields[i] : NULL;
}

/* Reads and checks one data row; errors are reported, and the row kept only when it is valid. */
static void read_row(importer *im, size_t line, char **fields, size_t n)
{
    row r = {0};
    r.line = line;
    bool ok = true;
    /* The export puts a quote before a cell a spreadsheet would take for a formula (csv.h): it is taken off here,
     * so that an export imported again gives back exactly the answers stored. */
    for (size_t i = 0; i < n; i++)
        if (csv_is_guarded(fields[i]))
            fields[i]++;
    const char *version = meta_cell(im, fields, n, META_VERSION);
    r.f = version ? catalog_get(im->c, im->form_id, version) : catalog_current(im->c, im->form_id);
    if (r.f == NULL) {
        report(im, line, "form_version", "le formulaire %s n'a pas de version « %s »", im->form_id, version);
        return;
    }
    const char *uuid = meta_cell(im, fields, n, META_UUID);
    if (uuid && !api_parse_uuid(uuid, r.uuid)) {
        report(im, line, "uuid", "« %s » n'est pas un UUID", uuid);
        ok = false;
    }
    const char *lang = meta_cell(im, fields, n, META_LANG);
    if (lang && !form_has_language(r.f, lang)) {
        report(im, line, "lang", "langue « %s » absente du formulaire", lang);
        ok = false;
    }
    const char *channel = meta_cell(im, fields, n, META_CHANNEL);
    if (channel && strcmp(channel, "web") != 0 && strcmp(channel, "mediator") != 0 && strcmp(channel, "paper") != 0) {
        report(im, line, "channel", "canal « %s » inconnu (web, mediator ou paper)", channel);
        ok = false;
    }
    const char *received = meta_cell(im, fields, n, META_RECEIVED);
    if (received) {
        char day[11];
        snprintf(day, sizeof day, "%s", received);
        if (strlen(received) != 17 || !util_is_date(day) || received[10] != 'T' || received[13] != ':' ||
            received[16] != 'Z') {
            report(im, line, "received_at", "« %s » : date de réception AAAA-MM-JJTHH:MMZ attendue", received);
            ok = false;
        }
    }
    const char *paper = meta_cell(im, fields, n, META_PAPER);
    if (paper && (strlen(paper) > 20 || strspn(paper, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                      "0123456789-_") != strlen(paper))) {
        report(im, line, "paper_id", "numéro de questionnaire « %s » invalide (20 lettres, chiffres, - ou _)", paper);
        ok = false;
    }
    r.answers = json_object();
    for (size_t k = 0; k < im->layout->count; k++) {
        int i = im->col_of[k];
        if (i < 0 || (size_t)i >= n || fields[i][0] == '\0')
            continue;
        const export_col *col = &im->layout->cols[k];
        json_t *v = cell_value(im, line, col, fields[i]);
        if (v == NULL) {
            ok = false;
        } else if (col->row) {
            json_t *g = json_object_get(r.answers, col->q->id);
            if (g == NULL)
                json_object_set_new(r.answers, col->q->id, g = json_object());
            json_object_set_new(g, col->row, v);
        } else {
            json_object_set_new(r.answers, col->q->id, v);
        }
    }
    if (!read_flat(im, line, fields, n, r.answers))
        ok = false;
    if (ok) {
        answers_report rep;
        if (answers_check(r.f, r.answers, NULL, &rep) > 0) {
            for (size_t e = 0; e < rep.count; e++) {
                char column[80];
                snprintf(column, sizeof column, rep.errors[e].row ? "%s.%s" : "%s", rep.errors[e].question,
                         rep.errors[e].row ? rep.errors[e].row : "");
                report(im, line, column, "%s (%s)", rep.errors[e].message, rep.errors[e].code);
            }
            ok = false;
        }
        answers_report_free(&rep);
    }
    if (!ok) {
        json_decref(r.answers);
        return;
    }
    answers_normalize(r.f, r.answers);
    r.answers_json = json_dumps(r.answers, JSON_COMPACT | JSON_SORT_KEYS);
    r.lang = xstrdup(lang ? lang : "fr");
    r.channel = xstrdup(channel ? channel : "paper");
    r.received = received ? xstrdup(received) : NULL;
    r.paper_id = paper ? xstrdup(paper) : NULL;
    if (im->nrows == im->cap) {
        im->cap = im->cap ? im->cap * 2 : 64;
        im->rows = xrealloc(im->rows, im->cap * sizeof *im->rows);
    }
    im->rows[im->nrows++] = r;
}

/* A uuid or sheet number repeated in the file is an error; one already in the database is skipped. */
static void check_duplicates(importer *im, store *db)
{
    sqlite3_stmt *by_uuid, *by_sheet;
    sqlite3_prepare_v2(store_db(db), "SELECT 1 FROM submissions WHERE uuid = ?", -1, &by_uuid, NULL);
    sqlite3_prepare_v2(store_db(db), "SELECT 1 FROM sheets WHERE form_id = ? AND paper_id = ?", -1, &by_sheet, NULL);
    for (size_t i = 0; i < im->nrows; i++) {
        row *r = &im->rows[i];
        for (size_t j = 0; j < i; j++) {
            if (r->uuid[0] && strcmp(r->uuid, im->rows[j].uuid) == 0)
                report(im, r->line, "uuid", "uuid déjà utilisé ligne %zu", im->rows[j].line);
            if (r->paper_id && im->rows[j].paper_id && strcmp(r->paper_id, im->rows[j].paper_id) == 0)
                report(im, r->line, "paper_id", "questionnaire %s déjà saisi ligne %zu", r->paper_id,
                       im->rows[j].line);
        }
        sqlite3_reset(by_uuid);
        sqlite3_bind_text(by_uuid, 1, r->uuid, -1, SQLITE_STATIC);
        bool dup_uuid = r->uuid[0] && sqlite3_step(by_uuid) == SQLITE_ROW;
        bool dup_sheet = false;
        if (r->paper_id) {
            sqlite3_reset(by_sheet);
            sqlite3_bind_text(by_sheet, 1, im->form_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(by_sheet, 2, r->paper_id, -1, SQLITE_STATIC);
            dup_sheet = sqlite3_step(by_sheet) == SQLITE_ROW;
        }
        if (dup_uuid || dup_sheet) {
            r->present = true;
            im->res->present++;
            fprintf(im->out, "ligne %zu : %s %s déjà présent, ligne ignorée\n", r->line,
                    dup_uuid ? "uuid" : "questionnaire", dup_uuid ? r->uuid : r->paper_id);
        }
    }
    sqlite3_finalize(by_uuid);
    sqlite3_finalize(by_sheet);
}

/* Stores every valid row not already present, in one transaction. */
static int write_rows(importer *im, store *db, char *err, size_t errlen)
{
    if (store_begin(db, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < im->nrows; i++) {
        row *r = &im->rows[i];
        if (r->present)
            continue;
        if (r->uuid[0] == '\0')
            store_uuid4(r->uuid);
        store_sub sub = {0};
        sub.uuid = r->uuid;
        sub.form_id = r->f->id;
        sub.form_version = r->f->version;
        sub.form = r->f; /* recorded with the version's first answer (frozen.h) */
        sub.lang = r->lang;
        sub.channel = r->channel;
        sub.territory = api_territory_of(r->f, r->answers);
        sub.answers_json = r->answers_json;
        sub.received_minute = r->received;
        store_sha256(r->answers_json, strlen(r->answers_json), sub.hash);
        int rc;
        if (r->paper_id) {
            store_paper p = {&sub, r->paper_id, 0, true, 0, "", NULL};
            rc = store_paper_entry(db, &p, err, errlen);
        } else {
            rc = store_insert(db, &sub, err, errlen);
        }
        if (rc < 0 || sub.outcome != STORE_CREATED) {
            if (rc == 0)
                snprintf(err, errlen, "ligne %zu : enregistrement refusé", r->line);
            store_rollback(db);
            return -1;
        }
        im->res->imported++;
    }
    return store_commit(db, err, errlen);
}

int import_csv(const char *db_path, const catalog *c, const char *form_id, const char *csv_path, bool dry_run,
               FILE *out, import_result *res)
{
    memset(res, 0, sizeof *res);
    importer im = {c, form_id, NULL, NULL, {0}, NULL, NULL, out, res, NULL, 0, 0};
    int rc = -1;
    store *db = NULL;
    csv_reader *r = NULL;
    char err[256];
    FILE *f = fopen(csv_path, "rb");
    if (f == NULL) {
        fprintf(out, "%s : %s\n", csv_path, strerror(errno));
        return -1;
    }
    im.layout = export_layout_new(c, form_id);
    im.flat = export_csv_new(c, form_id, true);
    if (im.layout == NULL || im.flat == NULL) {
        fprintf(out, "formulaire inconnu « %s »\n", form_id);
        goto done;
    }
    r = csv_open(f, 0);
    char **fields;
    size_t n;
    int got = csv_next(r, &fields, &n);
    if (got != 1) {
        fprintf(out, "%s : en-tête absent%s%s\n", csv_path, got < 0 ? " : " : "", got < 0 ? csv_error(r) : "");
        goto done;
    }
    bool header_ok = read_header(&im, fields, n);
    while (header_ok && (got = csv_next(r, &fields, &n)) == 1) {
        res->rows++;
        read_row(&im, csv_line(r), fields, n);
    }
    if (got < 0) {
        report(&im, csv_line(r), NULL, "%s", csv_error(r));
    }
    if ((db = store_open(db_path, false, err, sizeof err)) == NULL) {
        fprintf(out, "base de données : %s\n", err);
        goto done;
    }
    check_duplicates(&im, db);
    res->valid = im.nrows;
    if (res->errors > 0) {
        rc = 1;
    } else if (dry_run) {
        rc = 0;
    } else if (write_rows(&im, db, err, sizeof err) < 0) {
        fprintf(out, "écriture : %s ; rien n'a été importé\n", err);
        res->imported = 0;
    } else {
        rc = 0;
    }
    fprintf(out, "%zu ligne(s), %zu importée(s), %zu déjà présente(s), %zu erreur(s)%s\n", res->rows, res->imported,
            res->present, res->errors, res->errors ? " : rien n'a été importé" : dry_run ? " (vérification seule)" : "");
done:
    for (size_t i = 0; i < im.nrows; i++) {
        json_decref(im.rows[i].answers);
        free(im.rows[i].answers_json);
        free(im.rows[i].lang);
        free(im.rows[i].channel);
        free(im.rows[i].received);
        free(im.rows[i].paper_id);
    }
    free(im.rows);
    free(im.col_of);
    free(im.flat_of);
    export_layout_free(im.layout);
    export_csv_free(im.flat);
    csv_close(r);
    store_close(db);
    fclose(f);
    return rc;
}
