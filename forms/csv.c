/* csv.c -- RFC 4180 reader with separator guessing and size limits, and the field writer that neutralises
 * spreadsheet formulas (see csv.h). */
#include "csv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct csv_reader {
    FILE *f;
    char sep;
    size_t line;        /* line number of the next character to read */
    size_t record_line; /* line where the last record started */
    bool started;
    char *peek;         /* the first line, kept while guessing, replayed before the file */
    size_t peek_len, peek_pos;
    char *buf;          /* field contents, NUL-separated */
    size_t buf_len, buf_cap;
    size_t *offsets;    /* start of each field in buf */
    char **fields;
    size_t nfields, fields_cap;
    char error[160];
};

csv_reader *csv_open(FILE *f, char sep)
{
    if (f == NULL)
        return NULL;
    csv_reader *r = xcalloc(1, sizeof *r);
    r->f = f;
    r->sep = sep;
    r->line = 1;
    return r;
}

/* Returns the next byte of input: first the replayed first line, then the file. */
static int next_char(csv_reader *r)
{
    if (r->peek != NULL) {
        if (r->peek_pos < r->peek_len)
            return (unsigned char)r->peek[r->peek_pos++];
        free(r->peek);
        r->peek = NULL;
    }
    return getc(r->f);
}

/* Reads the first line to guess the separator and skip a byte-order mark, then keeps it for replay. */
static void prime(csv_reader *r)
{
    size_t cap = 256, len = 0;
    char *line = xmalloc(cap);
    int c;
    while ((c = getc(r->f)) != EOF) {
        if (len + 1 >= cap) {
            if (cap >= CSV_MAX_FIELD * 4) {
                ungetc(c, r->f); /* enough to guess from: this byte is read again after the replay */
                break;
            }
            cap *= 2;
            line = xrealloc(line, cap);
        }
        line[len++] = (char)c;
        if (c == '\n')
            break;
    }
    size_t skip = 0;
    if (len >= 3 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB &&
        (unsigned char)line[2] == 0xBF)
        skip = 3;
    if (r->sep == 0) {
        size_t commas = 0, semis = 0;
        bool quoted = false;
        for (size_t i = skip; i < len; i++) {
            if (line[i] == '"')
                quoted = !quoted;
            else if (!quoted && line[i] == ',')
                commas++;
            else if (!quoted && line[i] == ';')
                semis++;
        }
        r->sep = semis > commas ? ';' : ',';
    }
    memmove(line, line + skip, len - skip);
    r->peek = line;
    r->peek_len = len - skip;
    r->peek_pos = 0;
    r->started = true;
}

static int push_byte(csv_reader *r, char c)
{
    if (r->buf_len + 1 >= r->buf_cap) {
        size_t cap = r->buf_cap ? r->buf_cap * 2 : 1024;
        r->buf = xrealloc(r->buf, cap);
        r->buf_cap = cap;
    }
    r->buf[r->buf_len++] = c;
    return 0;
}

/* Ends the current field; fails when the record has too many fields or the field is too long. */
static int end_field(csv_reader *r, size_t start)
{
    if (r->buf_len - start > CSV_MAX_FIELD) {
        snprintf(r->error, sizeof r->error, "champ de plus de %d octets", CSV_MAX_FIELD);
        return -1;
    }
    if (r->nfields == CSV_MAX_FIELDS) {
        snprintf(r->error, sizeof r->error, "plus de %d colonnes", CSV_MAX_FIELDS);
        return -1;
    }
    push_byte(r, '\0');
    if (r->nfields == r->fields_cap) {
        r->fields_cap = r->fields_cap ? r->fields_cap * 2 : 32;
        r->offsets = xrealloc(r->offsets, r->fields_cap * sizeof *r->offsets);
        r->fields = xrealloc(r->fields, r->fields_cap * sizeof *r->fields);
    }
    r->offsets[r->nfields++] = start;
    return 0;
}

int csv_next(csv_reader *r, char ***fields, size_t *nfields)
{
    if (!r->started)
        prime(r);
    for (;;) {
        r->buf_len = 0;
        r->nfields = 0;
        r->record_line = r->line;
        int c = next_char(r);
        if (c == EOF)
            return 0;
        if (c == '\n' || c == '\r') {       /* blank line */
            if (c == '\n')
                r->line++;
            continue;
        }
        size_t start = 0;
        bool quoted = false, was_quoted = false;
        for (;;) {
            if (quoted) {
                if (c == EOF) {
                    snprintf(r->error, sizeof r->error, "guillemet ouvert jamais fermé");
                    return -1;
                }
                if (c == '"') {
                    int d = next_char(r);
                    if (d == '"') {
                        push_byte(r, '"');
                    } else {
                        quoted = false;
                        c = d;
                        continue;
                    }
                } else {
                    if (c == '\n')
                        r->line++;
                    push_byte(r, (char)c);
                }
            } else if (c == '"' && r->buf_len == start && !was_quoted) {
                quoted = was_quoted = true;
            } else if (c == '"') {
                snprintf(r->error, sizeof r->error, "guillemet au milieu d'un champ non entouré de guillemets");
                return -1;
            } else if (c == r->sep) {
                if (end_field(r, start) < 0)
                    return -1;
                start = r->buf_len;
                was_quoted = false;
            } else if (c == '\r' || c == '\n' || c == EOF) {
                if (c == '\r') {
                    int d = next_char(r);
                    if (d != '\n' && d != EOF) {
                        snprintf(r->error, sizeof r->error, "retour chariot isolé");
                        return -1;
                    }
                }
                if (c != EOF)
                    r->line++;
                if (end_field(r, start) < 0)
                    return -1;
                break;
            } else if (was_quoted) {
                snprintf(r->error, sizeof r->error, "caractère après le guillemet fermant d'un champ");
                return -1;
            } else {
                push_byte(r, (char)c);
            }
            if (r->buf_len - start > CSV_MAX_FIELD) {
                snprintf(r->error, sizeof r->error, "champ de plus de %d octets", CSV_MAX_FIELD);
                return -1;
            }
            c = next_char(r);
        }
        for (size_t i = 0; i < r->nfields; i++)
            r->fields[i] = r->buf + r->offsets[i];
        *fields = r->fields;
        *nfields = r->nfields;
        return 1;
    }
}

size_t csv_line(const csv_reader *r)
{
    return r->record_line;
}

const char *csv_error(const csv_reader *r)
{
    return r->error;
}

char csv_separator(const csv_reader *r)
{
    return r->sep;
}

void csv_close(csv_reader *r)
{
    if (r == NULL)
        return;
    free(r->peek);
    free(r->buf);
    free(r->offsets);
    free(r->fields);
    free(r);
}

/* ------------------------------------------------------------------ writing */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Skips a run of digits at *p; false when there is none. */
static bool digits(const char **p)
{
    const char *start = *p;
    while (is_digit(**p))
        (*p)++;
    return *p > start;
}

bool csv_is_number(const char *s)
{
    if (s == NULL)
        return false;
    if (*s == '-')
        s++;
    if (!digits(&s))
        return false;
    if (*s == '.') {
        s++;
        if (!digits(&s))
            return false;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!digits(&s))
            return false;
    }
    return *s == '\0';
}

bool csv_needs_guard(const char *s)
{
    if (s == NULL)
        return false;
    /* Single quotes typed in front of a formula get one more (see csv.h), so they are skipped here. */
    while (*s == '\'')
        s++;
    return *s != '\0' && strchr("=+-@\t\r", *s) != NULL && !csv_is_number(s);
}

bool csv_is_guarded(const char *s)
{
    return s != NULL && s[0] == '\'' && csv_needs_guard(s + 1);
}

static bool needs_quotes(const char *s, size_t n)
{
    return n > 0 && (strpbrk(s, ",;\"\r\n") != NULL || s[0] == ' ' || s[n - 1] == ' ');
}

void csv_quote(sbuf *out, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    bool guard = csv_needs_guard(s);
    if (!needs_quotes(s, n)) {
        if (guard)
            sbuf_add(out, "'", 1);
        sbuf_add(out, s ? s : "", n);
        return;
    }
    sbuf_add(out, guard ? "\"'" : "\"", guard ? 2 : 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sbuf_add(out, "\"", 1);
        sbuf_add(out, p, 1);
    }
    sbuf_add(out, "\"", 1);
}

/* csv_put and csv_put_raw: guard says whether to neutralise formulas. */
static void put(FILE *f, const char *s, bool guard)
{
    size_t n = s ? strlen(s) : 0;
    bool quoted = needs_quotes(s, n);
    if (quoted)
        fputc('"', f);
    if (guard && csv_needs_guard(s))
        fputc('\'', f);
    for (const char *p = s; p && *p; p++) {
        if (quoted && *p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    if (quoted)
        fputc('"', f);
}

void csv_put(FILE *f, const char *s)
{
    put(f, s, true);
}

void csv_put_raw(FILE *f, const char *s)
{
    put(f, s, false);
}
