/* xlsform_read.c -- an XLSForm workbook back to a form document (xlsform_read). Walks the cells that forms/xlsx.c
 * gives, builds the document in the key order of the shipped files, and records for each JSON path it creates
 * the cell it came from (the "source map"), so that the survey language's own checks, run later on the document,
 * can name cells too. See xlsform.h and forms/README.md.
 */
#include "xlsform.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "offer.h"
#include "util.h"
#include "xlsform_int.h"
#include "xlsx.h"

/* ---------------------------------------------------------------------------------------------------------- */
/* Reading                                                                                                      */
/* ---------------------------------------------------------------------------------------------------------- */

/* What a column header means: a base name (lowercase) and, for texts, a language. */
typedef struct rcolumn {
    unsigned col;
    char base[64];
    char lang[4];      /* "" for a column without a language */
} rcolumn;

typedef struct rheader {
    const xlsx_sheet *sheet;
    rcolumn cols[XLSX_MAX_COLS];
    size_t n;
} rheader;

/* A list of the choices sheet, in sheet order: its items (choices, rows or scale labels, by use) and the row of
 * each, for the source map. */
typedef struct rlist {
    char *name;
    json_t *items;     /* array of choice objects, as read */
    unsigned *rows;    /* sheet row of each item */
    size_t cap;        /* of rows */
    unsigned first;    /* row of the first item */
    size_t uses;       /* as choices or rows of a question */
    bool labels;       /* named by a scale's labels column */
    const char *user;  /* its name when that is its last user's own list name ("R02", "R23_rows", "R02-2") */
} rlist;

/* A question's reference to a list, resolved once the whole survey is read. */
typedef struct rref {
    json_t *q;         /* borrowed from the document */
    char path[96];     /* "$.sections[i].questions[j]" */
    char key[8];       /* "choices", "rows" or "labels" */
    char list[128];
    const xlsx_sheet *sheet;
    unsigned row, col; /* the cell naming the list */
} rref;

typedef struct reader {
    const xlsx_book *book;
    const char *file;
    diag_list *diags;
    bool failed;
    json_t *where;     /* source map: JSON path -> "sheet!CELL" */
    char deflang[4];
    char langs[MAX_LANGS][4];
    size_t nlangs;
    rlist *lists;
    size_t nlists;
    json_t *list_index; /* list name -> index in lists */
    rref *refs;
    size_t nrefs, refcap;
    json_t *offer_services; /* the "offre" list, or NULL */
} reader;

static void rdiag(reader *r, bool warning, const xlsx_sheet *s, unsigned row, unsigned col, const char *fmt,
                  va_list ap)
{
    char msg[1024], where[160], ref[16];
    vsnprintf(msg, sizeof msg, fmt, ap);
    util_utf8_trim(msg);
    if (row == 0) {
        snprintf(where, sizeof where, "%s", s ? s->name : "");
    } else {
        xlsx_cellref(ref, sizeof ref, row, col);
        snprintf(where, sizeof where, "%s!%s", s->name, ref);
    }
    diag_add(r->diags, warning, r->file, where, "%s", msg);
    if (!warning)
        r->failed = true;
}

/* An error (or warning) at sheet!cell; row 0 names the whole sheet. */
static void rerr(reader *r, const xlsx_sheet *s, unsigned row, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void rerr(reader *r, const xlsx_sheet *s, unsigned row, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rdiag(r, false, s, row, col, fmt, ap);
    va_end(ap);
}

static void rwarn(reader *r, const xlsx_sheet *s, unsigned row, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void rwarn(reader *r, const xlsx_sheet *s, unsigned row, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rdiag(r, true, s, row, col, fmt, ap);
    va_end(ap);
}

/* Records in the source map that JSON path came from sheet!(row, col). */
static void map_cell(reader *r, const char *path, const xlsx_sheet *s, unsigned row, unsigned col)
{
    char ref[16], v[160];
    xlsx_cellref(ref, sizeof ref, row, col);
    snprintf(v, sizeof v, "%s!%s", s->name, ref);
    json_object_set_new(r->where, path, json_string(v));
}

static void path_key(char *out, size_t size, const char *path, const char *key)
{
    snprintf(out, size, "%s.%s", path, key);
}

/* The text of the cell at (row, col), or NULL when it is empty. A formula or an error value is refused: the
 * text a person reads or a name must be written, not computed (a formula's cached value may be stale). */
static const char *cell_text(reader *r, const xlsx_sheet *s, unsigned row, unsigned col)
{
    const xlsx_cell *c = xlsx_cell_at(s, row, col);
    if (c == NULL)
        return NULL;
    if (c->formula) {
        rerr(r, s, row, col, "formule interdite : écrivez la valeur elle-même");
        return NULL;
    }
    if (c->kind == XLSX_ERROR) {
        rerr(r, s, row, col, "valeur d'erreur du tableur (%s)", c->text);
        return NULL;
    }
    if (c->text[0] == '\0')
        return NULL;
    return c->text;
}

/* As cell_text, with leading and trailing spaces removed (names, types, expressions), into buf. */
static const char *cell_trimmed(reader *r, const xlsx_sheet *s, unsigned row, unsigned col, char *buf,
                                size_t size)
{
    const char *t = cell_text(r, s, row, col);
    if (t == NULL)
        return NULL;
    while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
        t++;
    size_t n = strlen(t);
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\n' || t[n - 1] == '\r'))
        n--;
    if (n == 0)
        return NULL;
    if (n >= size) {
        rerr(r, s, row, col, "valeur trop longue (%zu octets, %zu au plus)", n, size - 1);
        return NULL;
    }
    memcpy(buf, t, n);
    buf[n] = '\0';
    return buf;
}

/* Bases that take a language: "label::Français (fr)"; plain "label" is the default language. */
static bool base_has_lang(const char *base)
{
    static const char *const texts[] = {"label", "hint", "constraint_message", "required_message", "form_title",
                                        "notice", "label_pro", "guidance_hint", "media", "image", "audio",
                                        "video", "big-image", NULL};
    for (size_t i = 0; texts[i]; i++)
        if (strcmp(texts[i], base) == 0)
            return true;
    return false;
}

/* Reads row 1 of s into h: base names in lowercase, languages as codes. Two columns meaning the same thing are
 * an error (a label that exists twice cannot be read one way). */
static void read_header(reader *r, const xlsx_sheet *s, rheader *h)
{
    h->sheet = s;
    h->n = 0;
    for (unsigned c = 1; c <= s->ncols; c++) {
        char buf[256];
        const char *t = cell_trimmed(r, s, 1, c, buf, sizeof buf);
        if (t == NULL)
            continue;
        rcolumn *col = &h->cols[h->n];
        *col = (rcolumn){.col = c};
        const char *sep = strstr(t, "::");
        size_t bn = sep ? (size_t)(sep - t) : strlen(t);
        while (bn > 0 && t[bn - 1] == ' ')
            bn--;
        if (bn >= sizeof col->base) {
            rwarn(r, s, 1, c, "colonne « %s » inconnue, ignorée", t);
            continue;
        }
        for (size_t i = 0; i < bn; i++)
            col->base[i] = (char)((t[i] >= 'A' && t[i] <= 'Z') ? t[i] | 0x20 : t[i]);
        col->base[bn] = '\0';
        if (base_has_lang(col->base)) {
            const char *suffix = sep ? sep + 2 : NULL;
            while (suffix && *suffix == ' ')
                suffix++;
            if (suffix == NULL || *suffix == '\0') {
                strcpy(col->lang, r->deflang);
            } else if (!xlsf_lang_parse(suffix, col->lang) && strcmp(col->base, "media") != 0) {
                rerr(r, s, 1, c, "langue « %s » non reconnue : écrivez « %s::Nom (code) », par exemple "
                                 "« %s::English (en) »", suffix, col->base, col->base);
                continue;
            }
        } else if (sep != NULL) {
            rwarn(r, s, 1, c, "colonne « %s » inconnue, ignorée", t);
            continue;
        }
        bool dup = false;
        for (size_t i = 0; i < h->n && !dup; i++)
            if (strcmp(h->cols[i].base, col->base) == 0 && strcmp(h->cols[i].lang, col->lang) == 0) {
                char ref[16];
                xlsx_cellref(ref, sizeof ref, 1, h->cols[i].col);
                rerr(r, s, 1, c, "colonne « %s » en double (déjà en %s)", t, ref);
                dup = true;
            }
        if (!dup)
            h->n++;
    }
}

/* The column of base (and lang, "" for none) in h, or 0. */
static unsigned hcol(const rheader *h, const char *base, const char *lang)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->cols[i].base, base) == 0 && strcmp(h->cols[i].lang, lang) == 0)
            return h->cols[i].col;
    return 0;
}

/* The cell text of column base (no language) in row, trimmed, or NULL. */
static const char *hget(reader *r, const rheader *h, unsigned row, const char *base, char *buf, size_t size)
{
    unsigned c = hcol(h, base, "");
    return c ? cell_trimmed(r, h->sheet, row, c, buf, size) : NULL;
}

/* A language map from every base::lang column of row, or NULL when all are empty. Maps each language's path. */
static json_t *read_text(reader *r, const rheader *h, unsigned row, const char *base, const char *path)
{
    json_t *t = NULL;
    for (size_t i = 0; i < h->n; i++) {
        const rcolumn *c = &h->cols[i];
        if (strcmp(c->base, base) != 0 || c->lang[0] == '\0')
            continue;
        const char *v = cell_text(r, h->sheet, row, c->col);
        if (v == NULL)
            continue;
        if (t == NULL)
            t = json_object();
        json_object_set_new(t, c->lang, json_string(v));
        if (path != NULL) {
            char p[256];
            path_key(p, sizeof p, path, c->lang);
            map_cell(r, p, h->sheet, row, c->col);
            if (strcmp(c->lang, "fr") == 0 || json_object_get(r->where, path) == NULL)
                map_cell(r, path, h->sheet, row, c->col);
        }
    }
    return t;
}

/* A number from a cell ("3", "3.0", "1E2", or a text holding one): an integer when it is whole. NULL (after
 * an error) when it is not a number; what names the value in the message. */
static json_t *read_number(reader *r, const xlsx_sheet *s, unsigned row, unsigned col, const char *v,
                           const char *what)
{
    double d;
    if (!util_parse_double(v, &d) || !isfinite(d)) {
        rerr(r, s, row, col, "%s : « %s » n'est pas un nombre", what, v);
        return NULL;
    }
    if (d == floor(d) && fabs(d) < 9007199254740992.0)
        return json_integer((json_int_t)d);
    return json_real(d);
}

/* yes/no as XLSForm writes them (also true/false, oui/non, 1/0 as a boolean cell). -1 when it is neither. */
static int read_yes_no(const char *v)
{
    static const char *const yes[] = {"yes", "true", "oui", "1", NULL};
    static const char *const no[] = {"no", "false", "non", "0", NULL};
    for (size_t i = 0; yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
    for (size_t i = 0; no[i]; i++)
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    return -1;
}

/* An Excel date serial (days since 1899-12-30) as "YYYY-MM-DD", for a date bound typed as a date. */
static bool serial_to_date(double serial, char out[11])
{
    if (serial < 1 || serial > 200000 || serial != floor(serial))
        return false;
    long days = (long)serial - 25569; /* days since 1970-01-01 */
    /* civil_from_days (H. Hinnant) */
    long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%04ld-%02ld-%02ld", y + (m <= 2), m, d);
    if (strlen(tmp) != 10)
        return false;
    memcpy(out, tmp, 11);
    return true;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Reading: settings                                                                                            */
/* ---------------------------------------------------------------------------------------------------------- */

static bool lang_known(const reader *r, const char *code)
{
    for (size_t i = 0; i < r->nlangs; i++)
        if (strcmp(r->langs[i], code) == 0)
            return true;
    return false;
}

static void lang_add(reader *r, const char *code)
{
    if (!lang_known(r, code) && r->nlangs < MAX_LANGS)
        strcpy(r->langs[r->nlangs++], code);
}

/* The value in row 2 under the settings header named name (any case), read before the header itself: the
 * default language decides what a plain "form_title" means. Sets *col (0 when there is no such column). */
static const char *settings_value(reader *r, const xlsx_sheet *s, const char *name, unsigned *col, char *buf,
                                  size_t size)
{
    char h[64];
    *col = 0;
    for (unsigned c = 1; c <= s->ncols; c++) {
        const xlsx_cell *cell = xlsx_cell_at(s, 1, c);
        if (cell == NULL || cell->formula || snprintf(h, sizeof h, "%s", cell->text) >= (int)sizeof h)
            continue;
        char *t = h;
        while (*t == ' ')
            t++;
        size_t n = strlen(t);
        while (n > 0 && t[n - 1] == ' ')
            t[--n] = '\0';
        if (strcasecmp(t, name) == 0) {
            *col = c;
            return cell_trimmed(r, s, 2, c, buf, size);
        }
    }
    return NULL;
}

/* The default language (for plain "label" columns) and the declared languages, from settings. */
static void read_settings_langs(reader *r, const xlsx_sheet *s)
{
    char buf[256];
    unsigned col;
    strcpy(r->deflang, "fr");
    const char *d = settings_value(r, s, "default_language", &col, buf, sizeof buf);
    if (d != NULL && !xlsf_lang_parse(d, r->deflang)) {
        rerr(r, s, 2, col, "langue par défaut « %s » non reconnue : écrivez son code (« fr ») ou « Français (fr) »",
             d);
        strcpy(r->deflang, "fr");
    }
    const char *l = settings_value(r, s, "languages", &col, buf, sizeof buf);
    if (l == NULL)
        return;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", l);
    for (char *save = NULL, *tok = strtok_r(copy, " ,;", &save); tok; tok = strtok_r(NULL, " ,;", &save)) {
        char code[4];
        if (!xlsf_lang_parse(tok, code)) {
            rerr(r, s, 2, col, "« languages » : code de langue « %s » non reconnu", tok);
            continue;
        }
        if (lang_known(r, code))
            rerr(r, s, 2, col, "« languages » : « %s » en double", code);
        else if (r->nlangs == MAX_LANGS)
            rerr(r, s, 2, col, "« languages » : %d langues au plus", MAX_LANGS);
        else
            lang_add(r, code);
    }
}

/* The settings columns this reader knows, and those XLSForm tools use that mean nothing here. */
static void check_settings_columns(reader *r, const rheader *h)
{
    static const char *const known[] = {"form_id", "version", "form_title", "notice", "default_language",
                                        "languages", NULL};
    for (size_t i = 0; i < h->n; i++) {
        bool ok = false;
        for (size_t k = 0; known[k]; k++)
            ok |= strcmp(known[k], h->cols[i].base) == 0;
        if (!ok && xlsx_cell_at(h->sheet, 2, h->cols[i].col) != NULL)
            rwarn(r, h->sheet, 2, h->cols[i].col, "réglage « %s » inconnu ici, ignoré", h->cols[i].base);
    }
}

/* Puts id, version, languages and title into doc, from settings row 2. */
static void read_settings(reader *r, const xlsx_sheet *s, const rheader *h, json_t *doc)
{
    char buf[256];
    const char *id = hget(r, h, 2, "form_id", buf, sizeof buf);
    if (id == NULL)
        rerr(r, s, 0, 0, "« form_id » manquant (colonne form_id, ligne 2)");
    else
        json_object_set_new(doc, "id", json_string(id));
    if (id)
        map_cell(r, "$.id", s, 2, hcol(h, "form_id", ""));
    const char *v = hget(r, h, 2, "version", buf, sizeof buf);
    if (v == NULL)
        rerr(r, s, 0, 0, "« version » manquante (colonne version, ligne 2)");
    else
        json_object_set_new(doc, "version", json_string(v));
    if (v)
        map_cell(r, "$.version", s, 2, hcol(h, "version", ""));
    json_t *langs = json_array();
    for (size_t i = 0; i < r->nlangs; i++)
        json_array_append_new(langs, json_string(r->langs[i]));
    json_object_set_new(doc, "languages", langs);
    if (hcol(h, "languages", ""))
        map_cell(r, "$.languages", s, 2, hcol(h, "languages", ""));
    json_t *title = read_text(r, h, 2, "form_title", "$.title");
    if (title == NULL)
        rerr(r, s, 0, 0, "titre manquant (colonne form_title::Français (fr), ligne 2)");
    else
        json_object_set_new(doc, "title", title);
    json_t *notice = read_text(r, h, 2, "notice", "$.notice");
    if (notice != NULL)
        json_object_set_new(doc, "notice", notice);
    check_settings_columns(r, h);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Reading: choices                                                                                             */
/* ---------------------------------------------------------------------------------------------------------- */

static rlist *find_list(reader *r, const char *name)
{
    const json_t *i = json_object_get(r->list_index, name);
    return i ? &r->lists[json_integer_value(i)] : NULL;
}

static void check_choices_columns(reader *r, const rheader *h)
{
    static const char *const known[] = {"list_name", "name", "label", "paper", "exclusive", "kind", "label_pro",
                                        NULL};
    static const char *const media[] = {"media", "image", "audio", "video", "big-image", NULL};
    const xlsx_sheet *s = h->sheet;
    for (size_t i = 0; i < h->n; i++) {
        const char *b = h->cols[i].base;
        bool ok = false, refused = false;
        for (size_t k = 0; known[k]; k++)
            ok |= strcmp(known[k], b) == 0;
        for (size_t k = 0; media[k]; k++)
            refused |= strcmp(media[k], b) == 0;
        if (ok)
            continue;
        for (unsigned row = 2; row <= s->nrows; row++) {
            if (xlsx_cell_at(s, row, h->cols[i].col) == NULL)
                continue;
            if (refused)
                rerr(r, s, row, h->cols[i].col, "média (« %s ») non pris en charge : le questionnaire ne sert "
                                                "que du texte", b);
            else
                rwarn(r, s, 1, h->cols[i].col, "colonne « %s » inconnue, ignorée", b);
            break;
        }
    }
}

/* A choice object from a row of the choices sheet; NULL after an error. */
static json_t *read_choice(reader *r, const rheader *h, unsigned row, bool is_offer)
{
    const xlsx_sheet *s = h->sheet;
    char buf[256];
    json_t *c = json_object();
    const char *name = hget(r, h, row, "name", buf, sizeof buf);
    if (name == NULL) {
        rerr(r, s, row, hcol(h, "name", ""), "« name » (le code du choix) manquant");
        json_decref(c);
        return NULL;
    }
    json_object_set_new(c, "code", json_string(name));
    const char *p = hget(r, h, row, "paper", buf, sizeof buf);
    if (p != NULL) {
        json_t *n = read_number(r, s, row, hcol(h, "paper", ""), p, "numéro papier");
        if (n != NULL && !json_is_integer(n)) {
            rerr(r, s, row, hcol(h, "paper", ""), "numéro papier « %s » : un nombre entier est attendu", p);
            json_decref(n);
        } else if (n != NULL) {
            json_object_set_new(c, "paper", n);
        }
    }
    const char *kind = hget(r, h, row, "kind", buf, sizeof buf);
    if (kind != NULL && is_offer)
        json_object_set_new(c, "kind", json_string(kind));
    else if (kind != NULL)
        rwarn(r, s, row, hcol(h, "kind", ""), "« kind » ne sert que dans la liste « %s » : ignoré", OFFER_LIST_NAME);
    json_t *label = read_text(r, h, row, "label", NULL);
    json_object_set_new(c, "label", label ? label : json_object());
    json_t *pro = read_text(r, h, row, "label_pro", NULL);
    if (pro != NULL && is_offer)
        json_object_set_new(c, "label_pro", pro);
    else if (pro != NULL) {
        rwarn(r, s, row, hcol(h, "label_pro", "fr"), "« label_pro » ne sert que dans la liste « %s » : ignoré",
              OFFER_LIST_NAME);
        json_decref(pro);
    }
    const char *ex = hget(r, h, row, "exclusive", buf, sizeof buf);
    if (ex != NULL) {
        int yn = read_yes_no(ex);
        if (yn < 0)
            rerr(r, s, row, hcol(h, "exclusive", ""), "« exclusive » vaut yes ou no, pas « %s »", ex);
        else if (yn == 1)
            json_object_set_new(c, "exclusive", json_true());
    }
    return c;
}

/* Warns when the rows of list ln resume at row after rows of other lists (its previous row is last). XLSForm
 * reads every row of a list_name as one list, wherever it is, and so does this reader: a choice added at the
 * bottom of the sheet belongs to its list. But two lists given one name by mistake would silently become one,
 * in every question using either: the warning points at the place where that would show. */
static void check_resumed(reader *r, const xlsx_sheet *s, unsigned row, unsigned col, const char *ln,
                          const char *prev, unsigned last)
{
    if (last == 0 || strcmp(prev, ln) == 0)
        return;
    rwarn(r, s, row, col, "la liste « %s » reprend ici après d'autres listes (sa ligne précédente est la %u) : "
                          "ces lignes lui sont ajoutées ; si c'est une autre liste, donnez-lui un autre nom", ln,
          last);
}

/* Reads every list of the choices sheet into r->lists (and the shared offer into r->offer_services). */
static void read_choices(reader *r, const xlsx_sheet *s)
{
    rheader h;
    read_header(r, s, &h);
    check_choices_columns(r, &h);
    if (!hcol(&h, "list_name", "") || !hcol(&h, "name", "")) {
        rerr(r, s, 1, 1, "les colonnes « list_name » et « name » sont requises");
        return;
    }
    r->lists = xcalloc(s->nrows + 1, sizeof *r->lists);
    char prev[256] = ""; /* the list of the last row read */
    unsigned offer_last = 0;
    for (unsigned row = 2; row <= s->nrows; row++) {
        char buf[256];
        const char *ln = hget(r, &h, row, "list_name", buf, sizeof buf);
        if (ln == NULL) {
            bool any = false;
            for (size_t i = 0; i < h.n; i++)
                any |= xlsx_cell_at(s, row, h.cols[i].col) != NULL;
            if (any)
                rerr(r, s, row, hcol(&h, "list_name", ""), "« list_name » manquant sur une ligne remplie");
            continue;
        }
        bool is_offer = strcmp(ln, OFFER_LIST_NAME) == 0;
        json_t *c = read_choice(r, &h, row, is_offer);
        if (c == NULL)
            continue;
        unsigned lcol = hcol(&h, "list_name", "");
        if (is_offer) {
            check_resumed(r, s, row, lcol, ln, prev, offer_last);
            offer_last = row;
            snprintf(prev, sizeof prev, "%s", ln);
            if (r->offer_services == NULL)
                r->offer_services = json_array();
            char p[64];
            snprintf(p, sizeof p, "$.services[%zu]", json_array_size(r->offer_services));
            map_cell(r, p, s, row, hcol(&h, "name", ""));
            json_array_append_new(r->offer_services, c);
            continue;
        }
        rlist *l = find_list(r, ln);
        if (l != NULL)
            check_resumed(r, s, row, lcol, ln, prev, l->rows[json_array_size(l->items) - 1]);
        snprintf(prev, sizeof prev, "%s", ln);
        if (l == NULL) {
            json_object_set_new(r->list_index, ln, json_integer((json_int_t)r->nlists));
            l = &r->lists[r->nlists++];
            l->name = xstrdup(ln);
            l->items = json_array();
            l->first = row;
        }
        if (json_array_size(l->items) == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 16;
            l->rows = xrealloc(l->rows, l->cap * sizeof *l->rows);
        }
        l->rows[json_array_size(l->items)] = row;
        json_array_append_new(l->items, c);
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Reading: survey                                                                                              */
/* ---------------------------------------------------------------------------------------------------------- */

/* XLSForm types with no meaning here, each refused with the reason a coordinator can act on. */
static const struct {
    const char *type, *why;
} refused_types[] = {
    {"begin_repeat", "les groupes répétés ne sont pas pris en charge"},
    {"end_repeat", "les groupes répétés ne sont pas pris en charge"},
    {"select_one_from_file", "les listes de choix dans un fichier externe ne sont pas prises en charge"},
    {"select_multiple_from_file", "les listes de choix dans un fichier externe ne sont pas prises en charge"},
    {"select_one_external", "les listes de choix externes ne sont pas prises en charge"},
    {"geopoint", "la géolocalisation n'est pas collectée (anonymat)"},
    {"geotrace", "la géolocalisation n'est pas collectée (anonymat)"},
    {"geoshape", "la géolocalisation n'est pas collectée (anonymat)"},
    {"start-geopoint", "la géolocalisation n'est pas collectée (anonymat)"},
    {"barcode", "la lecture de codes-barres n'est pas prise en charge"},
    {"image", "les fichiers (photos, sons, vidéos) ne sont pas collectés"},
    {"audio", "les fichiers (photos, sons, vidéos) ne sont pas collectés"},
    {"video", "les fichiers (photos, sons, vidéos) ne sont pas collectés"},
    {"file", "les fichiers (photos, sons, vidéos) ne sont pas collectés"},
    {"background-audio", "les fichiers (photos, sons, vidéos) ne sont pas collectés"},
    {"rank", "le classement n'est pas pris en charge (utilisez select_multiple avec max_selected)"},
    {"acknowledge", "« acknowledge » n'est pas pris en charge (utilisez une question select_one oui/non)"},
    {"trigger", "« trigger » n'est pas pris en charge (utilisez une question select_one oui/non)"},
    {"hidden", "les champs cachés ne sont pas pris en charge"},
    {"time", "les heures ne sont pas prises en charge (seulement les dates)"},
    {"datetime", "les heures ne sont pas prises en charge (seulement les dates)"},
    {"xml-external", "les données externes ne sont pas prises en charge"},
    {"csv-external", "les données externes ne sont pas prises en charge"},
};

/* Metadata that XLSForm tools add by themselves (KoboToolbox puts start and end in every new form): the
 * collector records no such thing about a respondent, so these rows are skipped with a warning. */
static const char *const metadata_types[] = {"start", "end", "today", "deviceid", "username", "simserial",
                                             "subscriberid", "phonenumber", "email", "audit", NULL};

/* Survey columns: those read, those ignored with a warning, and those refused (a feature we cannot honour). */
static const char *const survey_known[] = {"type", "name", "label", "hint", "required", "relevant", "constraint",
                                           "constraint_message", "appearance", "parameters", "min", "max",
                                           "max_length", "max_selected", "multiple", "rows", "row_labels",
                                           "labels", "calculation", NULL};
static const char *const survey_ignored[] = {"guidance_hint", "read_only", "default",
                                             "note", "comment", "comments", NULL};
static const struct {
    const char *base, *why;
} survey_refused[] = {
    {"media", "les médias ne sont pas servis"}, {"image", "les médias ne sont pas servis"},
    {"audio", "les médias ne sont pas servis"}, {"video", "les médias ne sont pas servis"},
    {"big-image", "les médias ne sont pas servis"},
    {"repeat_count", "les groupes répétés ne sont pas pris en charge"},
    {"choice_filter", "les filtres de choix ne sont pas pris en charge"},
    {"trigger", "« trigger » n'est pas pris en charge"},
};

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* required_message::… has no place in the survey language: a required question left empty shows the page's
 * own message, one for every question, in each language (pages.json, "required"). Warns once per column, at its
 * first filled cell, saying so and how many cells are not taken. */
static void warn_required_message(reader *r, const rheader *h, const rcolumn *col)
{
    const xlsx_sheet *s = h->sheet;
    unsigned first = 0, n = 0;
    for (unsigned row = 2; row <= s->nrows; row++)
        if (xlsx_cell_at(s, row, col->col) != NULL && n++ == 0)
            first = row;
    if (n == 0)
        return;
    rwarn(r, s, first, col->col, "« required_message » (%s) non repris (%u cellule%s) : le questionnaire n'a pas de "
                                 "message d'obligation propre à une question ; la page affiche à la place son "
                                 "propre message « Réponse obligatoire. » (pages.json, « required »)",
          col->lang, n, n > 1 ? "s" : "");
}

/* Refuses the columns we cannot honour (at their first filled cell), warns about unknown ones. */
static void check_survey_columns(reader *r, const rheader *h)
{
    const xlsx_sheet *s = h->sheet;
    for (size_t i = 0; i < h->n; i++) {
        const char *b = h->cols[i].base;
        if (in_list(survey_known, b))
            continue;
        if (strcmp(b, "required_message") == 0) {
            warn_required_message(r, h, &h->cols[i]);
            continue;
        }
        const char *why = NULL;
        for (size_t k = 0; k < sizeof survey_refused / sizeof *survey_refused; k++)
            if (strcmp(survey_refused[k].base, b) == 0)
                why = survey_refused[k].why;
        for (unsigned row = 2; row <= s->nrows; row++) {
            if (xlsx_cell_at(s, row, h->cols[i].col) == NULL)
                continue;
            if (why != NULL)
                rerr(r, s, row, h->cols[i].col, "colonne « %s » non prise en charge : %s", b, why);
            else if (in_list(survey_ignored, b))
                rwarn(r, s, 1, h->cols[i].col, "colonne « %s » sans effet ici, ignorée", b);
            else
                rwarn(r, s, 1, h->cols[i].col, "colonne « %s » inconnue, ignorée", b);
            break;
        }
    }
}

/* Expressions may not call pull_data (data from a file the collector does not have). */
static bool check_expression(reader *r, const xlsx_sheet *s, unsigned row, unsigned col, const char *v)
{
    if (strstr(v, "pull_data(") != NULL || strstr(v, "pulldata(") != NULL) {
        rerr(r, s, row, col, "pull_data() n'est pas pris en charge : les données externes ne sont pas lues");
        return false;
    }
    return true;
}

typedef struct rstate {
    rheader h;
    json_t *doc;
    json_t *sections;
    json_t *section;      /* the open group, or NULL */
    unsigned section_row;
    size_t nsection, nquestion;
    json_t *names;        /* name -> row, for duplicates */
} rstate;

/* Sets key of o to the trimmed text of column key (and maps it), when not empty; an expression is checked
 * for pull_data. */
static void read_plain(reader *r, rstate *st, unsigned row, json_t *o, const char *path, const char *key,
                       bool expression)
{
    char buf[EXPR_CELL], p[256];
    unsigned c = hcol(&st->h, key, "");
    const char *v = c ? cell_trimmed(r, st->h.sheet, row, c, buf, sizeof buf) : NULL;
    if (v == NULL || (expression && !check_expression(r, st->h.sheet, row, c, v)))
        return;
    json_object_set_new(o, key, json_string(v));
    path_key(p, sizeof p, path, key);
    map_cell(r, p, st->h.sheet, row, c);
}

static void add_ref(reader *r, json_t *q, const char *path, const char *key, const char *list, unsigned row,
                    unsigned col, const xlsx_sheet *s)
{
    if (r->nrefs == r->refcap) {
        r->refcap = r->refcap ? 2 * r->refcap : 64;
        r->refs = xrealloc(r->refs, r->refcap * sizeof *r->refs);
    }
    rref *f = &r->refs[r->nrefs++];
    *f = (rref){.q = q, .sheet = s, .row = row, .col = col};
    snprintf(f->path, sizeof f->path, "%s", path);
    snprintf(f->key, sizeof f->key, "%s", key);
    snprintf(f->list, sizeof f->list, "%s", list);
    json_object_set_new(q, key, json_null()); /* the place of the key; resolve_refs fills it */
    char p[256];
    path_key(p, sizeof p, path, key);
    map_cell(r, p, s, row, col);
}

/* "yes"/"no" or an expression (required); "yes"/"no" (multiple). */
static void read_flag(reader *r, rstate *st, unsigned row, json_t *q, const char *path, const char *key,
                      bool expression)
{
    char buf[EXPR_CELL], p[256];
    unsigned c = hcol(&st->h, key, "");
    const char *v = c ? cell_trimmed(r, st->h.sheet, row, c, buf, sizeof buf) : NULL;
    if (v == NULL)
        return;
    path_key(p, sizeof p, path, key);
    map_cell(r, p, st->h.sheet, row, c);
    int yn = read_yes_no(v);
    if (yn >= 0)
        json_object_set_new(q, key, json_boolean(yn));
    else if (!expression)
        rerr(r, st->h.sheet, row, c, "« %s » vaut yes ou no, pas « %s »", key, v);
    else if (check_expression(r, st->h.sheet, row, c, v))
        json_object_set_new(q, key, json_string(v));
}

/* A number column (min, max, max_length, max_selected); for a date question, min and max are dates. */
static void read_num(reader *r, rstate *st, unsigned row, json_t *q, const char *path, const char *key,
                     bool date)
{
    char buf[256], p[256];
    unsigned c = hcol(&st->h, key, "");
    const char *v = c ? cell_trimmed(r, st->h.sheet, row, c, buf, sizeof buf) : NULL;
    if (v == NULL)
        return;
    path_key(p, sizeof p, path, key);
    map_cell(r, p, st->h.sheet, row, c);
    const xlsx_cell *cell = xlsx_cell_at(st->h.sheet, row, c);
    if (date) {
        char d[11];
        double serial;
        /* a date typed in a spreadsheet is stored as a number of days */
        if (cell->kind == XLSX_NUMBER && util_parse_double(v, &serial) && serial_to_date(serial, d))
            json_object_set_new(q, key, json_string(d));
        else
            json_object_set_new(q, key, json_string(v));
        return;
    }
    json_t *n = read_number(r, st->h.sheet, row, c, v, key);
    /* A number cell cannot tell 5 from 5.0, but a text cell can: "5.0" and "1e14" are reals, as in JSON (the
     * writer writes whole reals so). */
    if (n != NULL && json_is_integer(n) && cell->kind == XLSX_STRING && strpbrk(v, ".eE") != NULL) {
        double d = (double)json_integer_value(n);
        json_decref(n);
        n = json_real(d);
    }
    if (n != NULL)
        json_object_set_new(q, key, n);
}

/* Range's "start=1 end=5 step=1" as min and max. */
static void read_range(reader *r, rstate *st, unsigned row, json_t *q, const char *path)
{
    char buf[256], p[256];
    unsigned c = hcol(&st->h, "parameters", "");
    const char *v = c ? cell_trimmed(r, st->h.sheet, row, c, buf, sizeof buf) : NULL;
    if (hcol(&st->h, "min", "") && xlsx_cell_at(st->h.sheet, row, hcol(&st->h, "min", "")))
        rerr(r, st->h.sheet, row, hcol(&st->h, "min", ""), "les bornes d'un « range » s'écrivent dans "
                                                           "« parameters » : start=1 end=5 step=1");
    if (hcol(&st->h, "max", "") && xlsx_cell_at(st->h.sheet, row, hcol(&st->h, "max", "")))
        rerr(r, st->h.sheet, row, hcol(&st->h, "max", ""), "les bornes d'un « range » s'écrivent dans "
                                                           "« parameters » : start=1 end=5 step=1");
    if (v == NULL) {
        rerr(r, st->h.sheet, row, c ? c : hcol(&st->h, "type", ""),
             "« range » demande « parameters » : start=1 end=5 step=1");
        return;
    }
    char copy[256];
    snprintf(copy, sizeof copy, "%s", v);
    json_t *min = NULL, *max = NULL;
    for (char *save = NULL, *tok = strtok_r(copy, " ;,", &save); tok; tok = strtok_r(NULL, " ;,", &save)) {
        char *eq = strchr(tok, '=');
        json_t *n = eq ? read_number(r, st->h.sheet, row, c, eq + 1, "parameters") : NULL;
        if (eq == NULL) {
            rerr(r, st->h.sheet, row, c, "« parameters » : « %s » n'est pas de la forme nom=valeur", tok);
        } else if (n == NULL) {
        } else if (strncmp(tok, "start=", 6) == 0) {
            json_decref(min), min = n;
        } else if (strncmp(tok, "end=", 4) == 0) {
            json_decref(max), max = n;
        } else if (strncmp(tok, "step=", 5) == 0) {
            if (!json_is_integer(n) || json_integer_value(n) != 1)
                rerr(r, st->h.sheet, row, c, "« parameters » : seul step=1 est pris en charge");
            json_decref(n);
        } else {
            rerr(r, st->h.sheet, row, c, "« parameters » : « %s » inconnu (start, end, step)", tok);
            json_decref(n);
        }
    }
    path_key(p, sizeof p, path, "min");
    map_cell(r, p, st->h.sheet, row, c);
    path_key(p, sizeof p, path, "max");
    map_cell(r, p, st->h.sheet, row, c);
    if (min)
        json_object_set_new(q, "min", min);
    if (max)
        json_object_set_new(q, "max", max);
}

/* A question's type cell as our type: sets *type and, for list types, list (else ""). Returns false after an
 * error (refused or unknown type). *skip is set for metadata rows. */
static bool parse_type(reader *r, rstate *st, unsigned row, const char *t, const char **type, char *list,
                       size_t lsize, bool *skip)
{
    unsigned c = hcol(&st->h, "type", "");
    char word[64] = "", rest[160] = "", extra[64] = "";
    int n = sscanf(t, "%63s %159s %63s", word, rest, extra);
    for (char *p = word; *p; p++)
        *p = (char)((*p >= 'A' && *p <= 'Z') ? *p | 0x20 : *p);
    *skip = false;
    list[0] = '\0';
    for (size_t i = 0; i < sizeof refused_types / sizeof *refused_types; i++)
        if (strcmp(word, refused_types[i].type) == 0) {
            rerr(r, st->h.sheet, row, c, "type « %s » non pris en charge : %s", word, refused_types[i].why);
            return false;
        }
    if (in_list(metadata_types, word)) {
        rwarn(r, st->h.sheet, row, c, "métadonnée « %s » ignorée : le questionnaire n'enregistre rien de tel",
              word);
        *skip = true;
        return false;
    }
    if (n == 3) {
        rerr(r, st->h.sheet, row, c, "type « %s » : « %s » non pris en charge%s", t, extra,
             strcmp(extra, "or_other") == 0 ? " (ajoutez un choix « autre » et une question text)" : "");
        return false;
    }
    static const struct {
        const char *xls, *ours;
        int list; /* 0 none, 1 required, 2 optional */
    } types[] = {
        {"select_one", "single", 1}, {"select_multiple", "multiple", 1}, {"grid", "grid", 1},
        {"territory", "territory", 2}, {"integer", "integer", 0}, {"decimal", "decimal", 0},
        {"text", "text", 0}, {"date", "date", 0}, {"range", "scale", 0}, {"note", "note", 0},
        {"calculate", "calculate", 2},
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        if (strcmp(word, types[i].xls) != 0)
            continue;
        if (types[i].list == 1 && n < 2) {
            rerr(r, st->h.sheet, row, c, "« %s » demande le nom d'une liste de la feuille choices : "
                                         "« %s NOM_DE_LISTE »", word, word);
            return false;
        }
        if (types[i].list == 0 && n > 1) {
            rerr(r, st->h.sheet, row, c, "type « %s » : « %s » en trop", word, rest);
            return false;
        }
        *type = types[i].ours;
        snprintf(list, lsize, "%s", n > 1 ? rest : "");
        return true;
    }
    rerr(r, st->h.sheet, row, c, "type « %s » inconnu (select_one, select_multiple, integer, decimal, text, "
                                 "date, range, note, grid, territory, calculate)", word);
    return false;
}

/* Checks the name cell: present, not used before. */
static const char *read_name(reader *r, rstate *st, unsigned row, char *buf, size_t size)
{
    unsigned c = hcol(&st->h, "name", "");
    const char *name = c ? cell_trimmed(r, st->h.sheet, row, c, buf, size) : NULL;
    if (name == NULL) {
        rerr(r, st->h.sheet, row, c ? c : hcol(&st->h, "type", ""), "« name » manquant");
        return NULL;
    }
    const json_t *seen = json_object_get(st->names, name);
    if (seen != NULL) {
        rerr(r, st->h.sheet, row, c, "nom « %s » déjà utilisé à la ligne %" JSON_INTEGER_FORMAT, name,
             json_integer_value(seen));
        return NULL;
    }
    json_object_set_new(st->names, name, json_integer(row));
    return name;
}

/* The calculation column: the formula of a calculate row (which must have one), and of no other row. */
static void read_calculation(reader *r, rstate *st, unsigned row, json_t *q, const char *path, bool calculate)
{
    char buf[EXPR_CELL];
    unsigned c = hcol(&st->h, "calculation", "");
    const char *v = c ? cell_trimmed(r, st->h.sheet, row, c, buf, sizeof buf) : NULL;
    if (calculate && v == NULL)
        rerr(r, st->h.sheet, row, c ? c : hcol(&st->h, "type", ""), "une ligne « calculate » demande sa formule "
             "dans la colonne « calculation » : if(${R04} = 'seul', 'non', 'oui')");
    else if (!calculate && v != NULL)
        rerr(r, st->h.sheet, row, c, "« calculation » ne sert qu'aux lignes « calculate » (une réponse calculée)");
    else if (v != NULL)
        read_plain(r, st, row, q, path, "calculation", true);
}

static void read_question(reader *r, rstate *st, unsigned row, const char *t)
{
    const xlsx_sheet *s = st->h.sheet;
    char list[160], buf[256], path[96], p[256];
    const char *type;
    bool skip;
    if (!parse_type(r, st, row, t, &type, list, sizeof list, &skip))
        return;
    const char *id = read_name(r, st, row, buf, sizeof buf);
    if (st->section == NULL) {
        rerr(r, s, row, hcol(&st->h, "type", ""), "question hors de tout groupe : chaque question est dans une "
                                                  "section (begin_group … end_group)");
        return;
    }
    if (id == NULL)
        return;
    char app[256];
    const char *appearance = hget(r, &st->h, row, "appearance", app, sizeof app);
    if (appearance && strstr(appearance, "search(") != NULL) {
        rerr(r, s, row, hcol(&st->h, "appearance", ""), "search() n'est pas pris en charge : les choix viennent "
                                                        "de la feuille choices");
        return;
    }
    if (strcmp(type, "text") == 0 && appearance && strcasecmp(appearance, "multiline") == 0)
        type = "long_text";
    else if (appearance)
        rwarn(r, s, row, hcol(&st->h, "appearance", ""), "apparence « %s » sans effet ici, ignorée", appearance);
    json_t *questions = json_object_get(st->section, "questions");
    snprintf(path, sizeof path, "$.sections[%zu].questions[%zu]", st->nsection - 1, json_array_size(questions));
    json_t *q = json_object();
    json_array_append_new(questions, q);
    map_cell(r, path, s, row, hcol(&st->h, "name", ""));
    json_object_set_new(q, "id", json_string(id));
    json_object_set_new(q, "type", json_string(type));
    path_key(p, sizeof p, path, "type");
    map_cell(r, p, s, row, hcol(&st->h, "type", ""));
    path_key(p, sizeof p, path, "label");
    json_t *label = read_text(r, &st->h, row, "label", p);
    if (label)
        json_object_set_new(q, "label", label);
    path_key(p, sizeof p, path, "hint");
    json_t *hint = read_text(r, &st->h, row, "hint", p);
    if (hint)
        json_object_set_new(q, "hint", hint);
    read_plain(r, st, row, q, path, "relevant", true);
    unsigned rc = hcol(&st->h, "rows", "");
    const char *rows = rc ? cell_trimmed(r, s, row, rc, buf, sizeof buf) : NULL;
    if (rows)
        add_ref(r, q, path, "rows", rows, row, rc, s);
    read_plain(r, st, row, q, path, "row_labels", false);
    if (list[0])
        add_ref(r, q, path, "choices", list, row, hcol(&st->h, "type", ""), s);
    bool date = strcmp(type, "date") == 0;
    if (strcmp(type, "scale") == 0) {
        read_range(r, st, row, q, path);
    } else {
        read_num(r, st, row, q, path, "min", date);
        read_num(r, st, row, q, path, "max", date);
    }
    unsigned lc = hcol(&st->h, "labels", "");
    const char *labels = lc ? cell_trimmed(r, s, row, lc, buf, sizeof buf) : NULL;
    if (labels)
        add_ref(r, q, path, "labels", labels, row, lc, s);
    read_num(r, st, row, q, path, "max_length", false);
    read_num(r, st, row, q, path, "max_selected", false);
    read_flag(r, st, row, q, path, "multiple", false);
    read_plain(r, st, row, q, path, "constraint", true);
    path_key(p, sizeof p, path, "constraint_message");
    json_t *cm = read_text(r, &st->h, row, "constraint_message", p);
    if (cm)
        json_object_set_new(q, "constraint_message", cm);
    read_flag(r, st, row, q, path, "required", true);
    read_calculation(r, st, row, q, path, strcmp(type, "calculate") == 0);
}

static void begin_group(reader *r, rstate *st, unsigned row)
{
    const xlsx_sheet *s = st->h.sheet;
    char buf[256], path[64], p[128];
    if (st->section != NULL) {
        rerr(r, s, row, hcol(&st->h, "type", ""), "groupe dans un groupe (ouvert ligne %u) : les sections ne "
                                                  "s'emboîtent pas", st->section_row);
        return;
    }
    const char *id = read_name(r, st, row, buf, sizeof buf);
    if (id == NULL)
        return;
    snprintf(path, sizeof path, "$.sections[%zu]", st->nsection++);
    st->section = json_object();
    st->section_row = row;
    json_array_append_new(st->sections, st->section);
    map_cell(r, path, s, row, hcol(&st->h, "name", ""));
    json_object_set_new(st->section, "id", json_string(id));
    path_key(p, sizeof p, path, "title");
    json_t *title = read_text(r, &st->h, row, "label", p);
    if (title)
        json_object_set_new(st->section, "title", title);
    path_key(p, sizeof p, path, "intro");
    json_t *intro = read_text(r, &st->h, row, "hint", p);
    if (intro)
        json_object_set_new(st->section, "intro", intro);
    read_plain(r, st, row, st->section, path, "relevant", true);
    json_object_set_new(st->section, "questions", json_array());
    path_key(p, sizeof p, path, "questions");
    map_cell(r, p, s, row, hcol(&st->h, "name", ""));
    static const char *const no_group[] = {"required", "constraint", "parameters", "min", "max", "max_length",
                                           "max_selected", "multiple", "rows", "row_labels", "labels",
                                           "appearance", "calculation", NULL};
    for (size_t i = 0; no_group[i]; i++) {
        unsigned c = hcol(&st->h, no_group[i], "");
        if (c && xlsx_cell_at(s, row, c) != NULL)
            rwarn(r, s, row, c, "« %s » sans effet sur un groupe, ignoré", no_group[i]);
    }
}

/* True when row holds no cell in any known column. */
static bool row_empty(const rstate *st, unsigned row)
{
    for (size_t i = 0; i < st->h.n; i++)
        if (xlsx_cell_at(st->h.sheet, row, st->h.cols[i].col) != NULL)
            return false;
    return true;
}

static void read_survey(reader *r, rstate *st)
{
    const xlsx_sheet *s = st->h.sheet;
    if (!hcol(&st->h, "type", "") || !hcol(&st->h, "name", "")) {
        rerr(r, s, 1, 1, "les colonnes « type » et « name » sont requises en ligne 1");
        return;
    }
    check_survey_columns(r, &st->h);
    for (unsigned row = 2; row <= s->nrows; row++) {
        char buf[256];
        const char *t = hget(r, &st->h, row, "type", buf, sizeof buf);
        if (t == NULL) {
            if (!row_empty(st, row))
                rerr(r, s, row, hcol(&st->h, "type", ""), "« type » manquant sur une ligne remplie");
            continue;
        }
        char lower[32];
        snprintf(lower, sizeof lower, "%s", t);
        for (char *p = lower; *p; p++)
            *p = (char)((*p >= 'A' && *p <= 'Z') ? *p | 0x20 : *p);
        if (strcmp(lower, "begin_group") == 0 || strcmp(lower, "begin group") == 0) {
            begin_group(r, st, row);
        } else if (strcmp(lower, "end_group") == 0 || strcmp(lower, "end group") == 0) {
            if (st->section == NULL)
                rerr(r, s, row, hcol(&st->h, "type", ""), "« end_group » sans « begin_group »");
            st->section = NULL;
        } else if (strcmp(lower, "begin repeat") == 0 || strcmp(lower, "end repeat") == 0) {
            rerr(r, s, row, hcol(&st->h, "type", ""), "type « %s » non pris en charge : les groupes répétés ne "
                                                      "sont pas pris en charge", t);
        } else {
            read_question(r, st, row, t);
        }
    }
    if (st->section != NULL)
        rerr(r, s, st->section_row, hcol(&st->h, "type", ""), "groupe ouvert ici et jamais fermé (end_group)");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Reading: lists                                                                                               */
/* ---------------------------------------------------------------------------------------------------------- */

/* Maps each item of a list written at path (an array) to its row of the choices sheet. */
static void map_items(reader *r, const rlist *l, const char *path)
{
    const xlsx_sheet *cs = xlsx_sheet_by_name(r->book, "choices");
    for (size_t i = 0; i < json_array_size(l->items); i++) {
        char p[256];
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        map_cell(r, p, cs, l->rows[i], 2);
    }
}

/* The scale labels object from a list: point -> label. */
static json_t *labels_object(reader *r, const rlist *l, const char *path)
{
    const xlsx_sheet *cs = xlsx_sheet_by_name(r->book, "choices");
    json_t *o = json_object();
    size_t i;
    const json_t *c;
    json_array_foreach(l->items, i, c) {
        char p[512];
        const char *k = json_string_value(json_object_get(c, "code"));
        snprintf(p, sizeof p, "%.200s.%.200s", path, k);
        map_cell(r, p, cs, l->rows[i], 2);
        if (json_object_get(c, "paper") || json_object_get(c, "exclusive"))
            rwarn(r, cs, l->rows[i], 2, "étiquette d'échelle : « paper » et « exclusive » ignorés");
        json_object_set(o, k, json_object_get(c, "label"));
    }
    return o;
}

/* Counts the uses of each list, then writes each reference as an inline array (a list used once, named as its
 * question's own list would be: xlsf_own_list_name), as the list's name (a shared list), or as the scale labels
 * object. */
static void resolve_refs(reader *r, json_t *doc)
{
    for (size_t i = 0; i < r->nrefs; i++) {
        rref *f = &r->refs[i];
        rlist *l = find_list(r, f->list);
        if (l != NULL && strcmp(f->key, "labels") == 0)
            l->labels = true;
        if (strcmp(f->key, "labels") == 0 || strcmp(f->list, OFFER_LIST_NAME) == 0)
            continue;
        if (l == NULL) {
            rerr(r, f->sheet, f->row, f->col, "liste « %s » absente de la feuille choices", f->list);
            continue;
        }
        l->uses++;
        const char *id = json_string_value(json_object_get(f->q, "id"));
        bool own = id && xlsf_own_list_name(id, strcmp(f->key, "rows") == 0 ? "_rows" : "", l->name);
        l->user = own ? l->name : NULL;
    }
    json_t *named = json_object();
    for (size_t i = 0; i < r->nlists; i++) {
        rlist *l = &r->lists[i];
        if (l->uses == 1 && l->user != NULL)
            continue;
        if (l->uses == 0 && l->labels) /* the scale labels of a question: written in it, not a shared list */
            continue;
        char p[256];
        snprintf(p, sizeof p, "$.choice_lists.%s", l->name);
        json_object_set(named, l->name, l->items);
        map_cell(r, p, xlsx_sheet_by_name(r->book, "choices"), l->first, 1);
        map_items(r, l, p);
    }
    if (json_object_size(named) > 0) {
        /* choice_lists goes before sections, as in the shipped files */
        json_t *sections = json_incref(json_object_get(doc, "sections"));
        json_object_del(doc, "sections");
        json_object_set(doc, "choice_lists", named);
        json_object_set_new(doc, "sections", sections);
    }
    json_decref(named);
    for (size_t i = 0; i < r->nrefs; i++) {
        rref *f = &r->refs[i];
        char p[256];
        path_key(p, sizeof p, f->path, f->key);
        rlist *l = find_list(r, f->list);
        if (strcmp(f->list, OFFER_LIST_NAME) == 0 && strcmp(f->key, "labels") != 0) {
            json_object_set_new(f->q, f->key, json_string(OFFER_LIST_NAME));
        } else if (l == NULL) {
            if (strcmp(f->key, "labels") == 0)
                rerr(r, f->sheet, f->row, f->col, "liste « %s » absente de la feuille choices", f->list);
            json_object_del(f->q, f->key);
        } else if (strcmp(f->key, "labels") == 0) {
            json_object_set_new(f->q, f->key, labels_object(r, l, p));
        } else if (l->uses == 1 && l->user != NULL) {
            json_object_set_new(f->q, f->key, json_deep_copy(l->items));
            map_items(r, l, p);
        } else {
            json_object_set_new(f->q, f->key, json_string(l->name));
        }
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Reading: the workbook                                                                                        */
/* ---------------------------------------------------------------------------------------------------------- */

static void check_sheets(reader *r)
{
    static const char *const ours[] = {"survey", "choices", "settings", NULL};
    for (size_t i = 0; i < r->book->nsheets; i++) {
        const xlsx_sheet *s = &r->book->sheets[i];
        bool known = false;
        for (size_t k = 0; ours[k]; k++)
            known |= strcasecmp(ours[k], s->name) == 0;
        if (strcasecmp(s->name, "external_choices") == 0)
            rerr(r, s, 0, 0, "feuille « external_choices » non prise en charge : les listes de choix externes "
                             "ne sont pas lues");
        else if (!known)
            rwarn(r, s, 0, 0, "feuille « %s » inconnue, ignorée", s->name);
    }
}

/* The declared languages, when settings does not list them: those of the survey's label columns, French first. */
static void derive_langs(reader *r, const rheader *h)
{
    lang_add(r, "fr");
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->cols[i].base, "label") == 0 && h->cols[i].lang[0])
            lang_add(r, h->cols[i].lang);
}

static void reader_free(reader *r)
{
    for (size_t i = 0; i < r->nlists; i++) {
        free(r->lists[i].name);
        json_decref(r->lists[i].items);
        free(r->lists[i].rows);
    }
    free(r->lists);
    json_decref(r->list_index);
    free(r->refs);
    json_decref(r->offer_services);
}

json_t *xlsform_read_book(const xlsx_book *book, const char *file, json_t **offer_out, json_t **where,
                          diag_list *diags)
{
    reader r = {.book = book, .file = file, .diags = diags, .where = json_object(), .list_index = json_object()};
    rstate *st = xcalloc(1, sizeof *st); /* the header tables are large: off the stack */
    json_t *doc = json_object();
    rheader *sh = xcalloc(1, sizeof *sh);
    if (offer_out)
        *offer_out = NULL;
    if (where)
        *where = NULL;
    check_sheets(&r);
    const xlsx_sheet *survey = xlsx_sheet_by_name(book, "survey");
    const xlsx_sheet *choices = xlsx_sheet_by_name(book, "choices");
    const xlsx_sheet *settings = xlsx_sheet_by_name(book, "settings");
    if (survey == NULL)
        diag_add(diags, false, file, "survey", "feuille « survey » absente : un XLSForm a les feuilles survey, "
                                               "choices et settings"), r.failed = true;
    if (settings == NULL)
        diag_add(diags, false, file, "settings", "feuille « settings » absente : form_id, version et form_title "
                                                 "y sont requis"), r.failed = true;
    if (survey == NULL || settings == NULL)
        goto done;
    strcpy(r.deflang, "fr");
    read_settings_langs(&r, settings);
    read_header(&r, settings, sh);
    read_header(&r, survey, &st->h);
    if (r.nlangs == 0)
        derive_langs(&r, &st->h);
    read_settings(&r, settings, sh, doc);
    if (choices != NULL)
        read_choices(&r, choices);
    st->doc = doc;
    st->sections = json_array();
    st->names = json_object();
    json_object_set_new(doc, "sections", st->sections);
    read_survey(&r, st);
    json_decref(st->names);
    resolve_refs(&r, doc);
    if (offer_out && r.offer_services) {
        *offer_out = json_object();
        json_object_set(*offer_out, "services", r.offer_services);
    }
done:
    if (where)
        *where = r.where;
    else
        json_decref(r.where);
    free(st);
    free(sh);
    reader_free(&r);
    if (r.failed) {
        json_decref(doc);
        if (offer_out && *offer_out) {
            json_decref(*offer_out);
            *offer_out = NULL;
        }
        return NULL;
    }
    return doc;
}

json_t *xlsform_read(const char *path, json_t **offer_out, json_t **where, diag_list *diags)
{
    if (offer_out)
        *offer_out = NULL;
    if (where)
        *where = NULL;
    xlsx_book *book = xlsx_open(path, diags);
    if (book == NULL)
        return NULL;
    json_t *doc = xlsform_read_book(book, path, offer_out, where, diags);
    xlsx_free(book);
    return doc;
}

void xlsform_locate(const json_t *where, diag_list *diags, size_t from)
{
    for (size_t i = from; where && i < diags->count; i++) {
        diag *d = &diags->items[i];
        if (d->path == NULL || d->path[0] != '$')
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s", d->path);
        for (;;) {
            const json_t *cell = json_object_get(where, p);
            if (cell != NULL) {
                free(d->path);
                d->path = xstrdup(json_string_value(cell));
                break;
            }
            char *cut = NULL;
            for (char *q = p; *q; q++)
                if (*q == '.' || *q == '[')
                    cut = q;
            if (cut == NULL || cut == p)
                break;
            *cut = '\0';
        }
    }
}
