/* fuzz_csv.c -- libFuzzer target for the CSV reader and the paper-entry import: bytes -> csv_reader through
 * fmemopen (separator guessed, then ',' and ';' forced), compared record by record with a small reference
 * reader written from csv.h, and each record written again by csv_quote and read back (formulas neutralised, the
 * round trip exact); then the same bytes through import_csv in --dry-run mode, the way
 * `collector import --dry-run` runs it, against the shipped forms.
 *
 * import_csv reads a path and opens a database, so each process writes the input to a file in a
 * /tmp folder of its own and checks it against an empty database there, all removed at exit. (":memory:" would write
 * nothing, but SQLite would then create the schema on every open: four times slower than opening the file.) The form is
 * "operator" when the first line names its first question (O01), "resident" otherwise, so that export files of either
 * form are seeds.
 */
#include "fuzz_common.h"

#include <unistd.h>

#include "catalog.h"
#include "csv.h"
#include "import.h"

static catalog *shipped;
static char dir[32], csv_path[64], db_path[64];
static FILE *devnull;

static void cleanup(void)
{
    unlink(csv_path);
    fuzz_remove_db(db_path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[1024];
    diag_list diags = {0};
    shipped = catalog_open(fuzz_path(path, sizeof path, "forms"), &diags);
    if (shipped == NULL) {
        diag_print(&diags, stderr);
        exit(2);
    }
    diag_list_free(&diags);
    snprintf(dir, sizeof dir, "/tmp/fuzz_csv_XXXXXX"); /* a folder of its own: no run reuses another's files */
    if (mkdtemp(dir) == NULL) {
        perror("fuzz_csv: mkdtemp");
        exit(2);
    }
    snprintf(csv_path, sizeof csv_path, "%s/input.csv", dir);
    snprintf(db_path, sizeof db_path, "%s/collector.db", dir);
    atexit(cleanup);
    devnull = fopen("/dev/null", "w");
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * The reference reader: csv.h's rules, written the simple way over the whole buffer.
 */

typedef struct ref_reader {
    const unsigned char *s;
    size_t len, at;
    size_t line; /* line of the next byte */
    char sep;
    char *buf; /* the current record's fields, each NUL-terminated */
    size_t buf_len, buf_cap;
    size_t starts[CSV_MAX_FIELDS];
    size_t nfields;
    size_t record_line;
} ref_reader;

static void ref_push(ref_reader *r, char c)
{
    if (r->buf_len == r->buf_cap) {
        r->buf_cap = r->buf_cap ? r->buf_cap * 2 : 1024;
        r->buf = realloc(r->buf, r->buf_cap);
    }
    r->buf[r->buf_len++] = c;
}

/* Initialises r over s: skips a byte-order mark and guesses the separator from the first line when sep is 0. */
static void ref_open(ref_reader *r, const unsigned char *s, size_t len, char sep)
{
    memset(r, 0, sizeof *r);
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        s += 3, len -= 3;
    r->s = s;
    r->len = len;
    r->line = 1;
    r->sep = sep;
    if (sep == 0) {
        size_t commas = 0, semis = 0;
        bool quoted = false;
        for (size_t i = 0; i < len; i++) {
            if (s[i] == '"')
                quoted = !quoted;
            else if (!quoted && s[i] == ',')
                commas++;
            else if (!quoted && s[i] == ';')
                semis++;
            if (s[i] == '\n')
                break;
        }
        r->sep = semis > commas ? ';' : ',';
    }
}

static int ref_get(ref_reader *r)
{
    return r->at < r->len ? r->s[r->at++] : EOF;
}

/* Ends a field; -1 past the limits of csv.h. */
static int ref_end_field(ref_reader *r, size_t start)
{
    if (r->buf_len - start > CSV_MAX_FIELD || r->nfields == CSV_MAX_FIELDS)
        return -1;
    ref_push(r, '\0');
    r->starts[r->nfields++] = start;
    return 0;
}

/* Reads one record: 1, 0 at the end, -1 on a malformed record. */
static int ref_next(ref_reader *r)
{
    int c;
    for (;;) {
        r->record_line = r->line;
        c = ref_get(r);
        if (c == EOF)
            return 0;
        if (c == '\n')
            r->line++;
        else if (c != '\r')
            break;
    }
    r->buf_len = 0;
    r->nfields = 0;
    size_t start = 0;
    for (;;) {
        if (c == '"') { /* a quoted field: up to the closing quote, "" for a quote */
            for (;;) {
                c = ref_get(r);
                if (c == EOF)
                    return -1;
                if (c == '"') {
                    c = ref_get(r);
                    if (c != '"')
                        break;
                }
                if (c == '\n')
                    r->line++;
                ref_push(r, (char)c);
                if (r->buf_len - start > CSV_MAX_FIELD)
                    return -1;
            }
            if (c != r->sep && c != '\r' && c != '\n' && c != EOF)
                return -1;
        } else { /* a plain field: up to a separator or the end of the line */
            while (c != r->sep && c != '\r' && c != '\n' && c != EOF) {
                if (c == '"')
                    return -1;
                ref_push(r, (char)c);
                if (r->buf_len - start > CSV_MAX_FIELD)
                    return -1;
                c = ref_get(r);
            }
        }
        if (c == r->sep) {
            if (ref_end_field(r, start) < 0)
                return -1;
            start = r->buf_len;
            c = ref_get(r);
            continue;
        }
        if (c == '\r') {
            int d = ref_get(r);
            if (d != '\n' && d != EOF)
                return -1;
            c = d;
        }
        if (c == '\n')
            r->line++;
        return ref_end_field(r, start) < 0 ? -1 : 1;
    }
}

/* The writer against the reader: a record read is written again with csv_quote (formulas neutralised) and read
 * back; with the protective quotes taken off (csv_is_guarded), every field must be what was read. */
static void check_writer(char **fields, size_t n, size_t rec)
{
    if (n == 1 && fields[0][0] == '\0')
        return; /* one empty field writes a blank line, which the reader skips by design */
    if (strncmp(fields[0], "\xEF\xBB\xBF", 3) == 0)
        return; /* at the start of a file, a byte-order mark, which the reader skips by design */
    sbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (strlen(fields[i]) >= CSV_MAX_FIELD) { /* the protective quote would pass the reader's limit */
            sbuf_free(&b);
            return;
        }
        if (i)
            sbuf_add(&b, ",", 1);
        csv_quote(&b, fields[i]);
    }
    sbuf_add(&b, "\n", 1);
    FILE *f = fmemopen(b.data, b.len, "rb");
    csv_reader *r = csv_open(f, ',');
    char **back;
    size_t m;
    if (csv_next(r, &back, &m) != 1 || m != n)
        fuzz_fail("record %zu written again does not read back as %zu fields (%s)", rec, n, csv_error(r));
    for (size_t i = 0; i < n; i++) {
        const char *cell = csv_is_guarded(back[i]) ? back[i] + 1 : back[i];
        if (strcmp(cell, fields[i]) != 0)
            fuzz_fail("record %zu, field %zu written again reads back as « %.40s », not « %.40s »", rec, i, cell,
                      fields[i]);
        if (back[i][0] != '\0' && strchr("=+-@\t\r", back[i][0]) != NULL && !csv_is_number(back[i]))
            fuzz_fail("record %zu, field %zu written as a formula: « %.40s »", rec, i, back[i]);
    }
    csv_close(r);
    fclose(f);
    sbuf_free(&b);
}

/* Reads data with csv_reader and with the reference, for separator sep, and compares them record by record. */
static void compare_readers(const uint8_t *data, size_t size, char sep)
{
    FILE *f = fmemopen((void *)data, size, "rb");
    if (f == NULL)
        return;
    csv_reader *r = csv_open(f, sep);
    ref_reader ref;
    ref_open(&ref, data, size, sep);
    char **fields;
    size_t n;
    for (size_t rec = 1;; rec++) {
        int got = csv_next(r, &fields, &n);
        int want = ref_next(&ref);
        if (rec == 1 && csv_separator(r) != ref.sep)
            fuzz_fail("separator '%c' (sep %d), the reference guessed '%c'", csv_separator(r), sep, ref.sep);
        if (got != want)
            fuzz_fail("record %zu (sep %d): csv_next returned %d, the reference %d (line %zu, csv_error « %s »)", rec,
                      sep, got, want, csv_line(r), got < 0 ? csv_error(r) : "");
        if (got < 0 && csv_error(r)[0] == '\0')
            fuzz_fail("csv_next failed without saying why");
        if (got <= 0)
            break;
        if (csv_line(r) != ref.record_line)
            fuzz_fail("record %zu starts on line %zu, the reference says %zu", rec, csv_line(r), ref.record_line);
        if (n != ref.nfields)
            fuzz_fail("record %zu has %zu fields, the reference %zu", rec, n, ref.nfields);
        if (sep == ',')
            check_writer(fields, n, rec);
        for (size_t i = 0; i < n; i++) {
            const char *a = fields[i], *b = ref.buf + ref.starts[i];
            size_t at = 0;
            while (a[at] && a[at] == b[at])
                at++;
            if (a[at] != b[at])
                fuzz_fail("record %zu, field %zu (%zu bytes, the reference %zu): first difference at byte %zu, "
                          "« %.20s » against « %.20s »",
                          rec, i, strlen(a), strlen(b), at, a + at, b + at);
        }
    }
    free(ref.buf);
    csv_close(r);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    compare_readers(data, size, 0);
    compare_readers(data, size, ',');
    compare_readers(data, size, ';');

    FILE *f = fopen(csv_path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        fuzz_fail("cannot write %s", csv_path);
    const uint8_t *eol = memchr(data, '\n', size);
    size_t first = eol ? (size_t)(eol - data) : size;
    bool operator= false;
    for (size_t i = 0; i + 3 <= first && !operator; i++)
        operator= memcmp(data + i, "O01", 3) == 0;
    import_result res;
    int rc = import_csv(db_path, shipped, operator? "operator" : "resident", csv_path, true, devnull, &res);
    if (rc < -1 || rc > 1)
        fuzz_fail("import_csv returned %d", rc);
    if (rc == 0 && res.errors != 0)
        fuzz_fail("import_csv succeeded with %zu errors", res.errors);
    if (rc == 1 && res.errors == 0)
        fuzz_fail("import_csv failed on errors without reporting any");
    if (res.imported != 0)
        fuzz_fail("a dry run imported %zu rows", res.imported);
    if (rc == 0 && res.valid != res.rows) /* a row refused without an error would vanish from the import */
        fuzz_fail("import_csv succeeded with %zu valid rows of %zu", res.valid, res.rows);
    return 0;
}
