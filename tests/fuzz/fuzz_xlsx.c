/* fuzz_xlsx.c -- libFuzzer target for the .xlsx reader (forms/xlsx.c): workbooks are untrusted files that
 * coordinators upload.
 *
 * An input is either the bytes of a workbook as is (a zip, or anything), or, when it starts with "#xlsx\n", the
 * parts of one written as text, each after a line "@@PART-NAME", which the target zips (stored, not deflated)
 * before reading: the fuzzer then mutates the XML itself, which it could hardly do through deflate. Either way
 * xlsx_open_mem must not crash, leak or hang, must return NULL exactly when it reports an error, and a book it
 * returns must keep the promises of xlsx.h: sheets named and distinct, cells sorted without duplicates, inside
 * the limits, with valid UTF-8 text, found again by xlsx_cell_at.
 */
#include "fuzz_common.h"

#include <strings.h>

#include <zip.h>

#include "util.h"
#include "xlsx.h"

#define TEXT_MAGIC "#xlsx\n"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    return 0;
}

/* True when s[0..len) is valid UTF-8: no overlong form, no surrogate, nothing past U+10FFFF. */
static bool valid_utf8(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || len - i < n)
            return false;
        unsigned cp = n == 1 ? c : c & (0x7F >> n);
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

/* Zips the parts written as text after TEXT_MAGIC; returns the archive (malloc'd, *len bytes) or NULL when
 * libzip refuses (a part name it does not take, for instance). */
static unsigned char *zip_text_parts(const uint8_t *data, size_t size, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (src == NULL)
        fuzz_fail("zip_source_buffer_create: %s", zip_error_strerror(&ze));
    zip_source_keep(src);
    zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    if (z == NULL)
        fuzz_fail("zip_open_from_source: %s", zip_error_strerror(&ze));
    size_t at = strlen(TEXT_MAGIC);
    while (at < size) {
        /* a part: "@@NAME\n" then its content up to the next "\n@@" or the end */
        if (size - at < 2 || data[at] != '@' || data[at + 1] != '@')
            break;
        size_t name_start = at + 2, name_end = name_start;
        while (name_end < size && data[name_end] != '\n')
            name_end++;
        size_t body = name_end < size ? name_end + 1 : size, end = body;
        while (end < size && !(data[end] == '\n' && size - end >= 3 && data[end + 1] == '@' && data[end + 2] == '@'))
            end++;
        char name[256];
        size_t nlen = name_end - name_start;
        if (nlen > 0 && nlen < sizeof name && memchr(data + name_start, '\0', nlen) == NULL) {
            memcpy(name, data + name_start, nlen);
            name[nlen] = '\0';
            zip_source_t *part = zip_source_buffer(z, data + body, end - body, 0);
            zip_int64_t idx = part ? zip_file_add(z, name, part, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) : -1;
            if (idx < 0)
                zip_source_free(part);
            else
                zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
        }
        at = end < size ? end + 1 : size;
    }
    unsigned char *out = NULL;
    if (zip_close(z) != 0) {
        zip_discard(z);
        zip_source_free(src);
        return NULL;
    }
    zip_stat_t st;
    if (zip_source_open(src) == 0) {
        if (zip_source_stat(src, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
            out = malloc(st.size ? st.size : 1);
            if (out == NULL || zip_source_read(src, out, st.size) != (zip_int64_t)st.size)
                fuzz_fail("cannot read back the zip of %zu bytes", (size_t)st.size);
            *len = st.size;
        }
        zip_source_close(src);
    }
    zip_source_free(src);
    return out;
}

static void check_diags(const diag_list *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        const diag *d = &diags->items[i];
        if (d->warning)
            fuzz_fail("the reader gives warnings only as errors: « %s »", d->message);
        if (!d->file[0] || !d->path[0] || !d->message[0])
            fuzz_fail("diagnostic %zu is incomplete (file « %s », path « %s »)", i, d->file, d->path);
        if (!valid_utf8((const unsigned char *)d->message, strlen(d->message)) ||
            !valid_utf8((const unsigned char *)d->path, strlen(d->path)))
            fuzz_fail("diagnostic %zu is not valid UTF-8: « %s »", i, d->message);
    }
}

static void check_book(const xlsx_book *b)
{
    if (b->nsheets == 0 || b->nsheets > XLSX_MAX_SHEETS)
        fuzz_fail("a book of %zu sheets", b->nsheets);
    size_t total = 0;
    for (size_t s = 0; s < b->nsheets; s++) {
        const xlsx_sheet *sh = &b->sheets[s];
        if (sh->name == NULL || sh->name[0] == '\0' || !valid_utf8((const unsigned char *)sh->name, strlen(sh->name)))
            fuzz_fail("sheet %zu has no name or one that is not UTF-8", s);
        if (xlsx_sheet_by_name(b, sh->name) != sh)
            fuzz_fail("xlsx_sheet_by_name(« %s ») finds another sheet", sh->name);
        unsigned nrows = 0, ncols = 0;
        for (size_t i = 0; i < sh->ncells; i++) {
            const xlsx_cell *c = &sh->cells[i];
            char ref[16];
            xlsx_cellref(ref, sizeof ref, c->row, c->col);
            if (c->row < 1 || c->row > XLSX_MAX_ROWS || c->col < 1 || c->col > XLSX_MAX_COLS)
                fuzz_fail("%s!%s is outside the limits", sh->name, ref);
            if (i > 0 && (c[-1].row > c->row || (c[-1].row == c->row && c[-1].col >= c->col)))
                fuzz_fail("%s!%s is out of order or a duplicate", sh->name, ref);
            if (c->text == NULL)
                fuzz_fail("%s!%s has no text", sh->name, ref);
            size_t len = strlen(c->text);
            if (len > XLSX_MAX_CELL_BYTES || !valid_utf8((const unsigned char *)c->text, len))
                fuzz_fail("%s!%s: %zu bytes of text, or not UTF-8", sh->name, ref, len);
            if (len == 0 && !c->formula)
                fuzz_fail("%s!%s is kept although it is empty", sh->name, ref);
            if (c->kind == XLSX_BOOL && !c->formula && strcmp(c->text, "0") != 0 && strcmp(c->text, "1") != 0)
                fuzz_fail("%s!%s: boolean « %s »", sh->name, ref, c->text);
            if (c->kind == XLSX_NUMBER && len > 0) {
                double d;
                if (!util_parse_double(c->text, &d))
                    fuzz_fail("%s!%s: number « %s »", sh->name, ref, c->text);
            }
            if (xlsx_cell_at(sh, c->row, c->col) != c)
                fuzz_fail("xlsx_cell_at does not find %s!%s", sh->name, ref);
            nrows = c->row > nrows ? c->row : nrows;
            ncols = c->col > ncols ? c->col : ncols;
        }
        if (sh->nrows != nrows || sh->ncols != ncols)
            fuzz_fail("sheet %s: %u rows and %u columns claimed, %u and %u held", sh->name, sh->nrows, sh->ncols,
                      nrows, ncols);
        total += sh->ncells;
    }
    if (total > XLSX_MAX_CELLS)
        fuzz_fail("%zu cells kept", total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *zipped = NULL;
    const void *bytes = data;
    size_t len = size;
    if (size >= strlen(TEXT_MAGIC) && memcmp(data, TEXT_MAGIC, strlen(TEXT_MAGIC)) == 0) {
        zipped = zip_text_parts(data, size, &len);
        if (zipped == NULL)
            return 0;
        bytes = zipped;
    }
    diag_list diags = {0};
    xlsx_book *b = xlsx_open_mem(bytes, len, "fuzz.xlsx", &diags);
    if ((b == NULL) != (diags.errors > 0))
        fuzz_fail("xlsx_open_mem returned %s with %zu errors", b ? "a book" : "NULL", diags.errors);
    check_diags(&diags);
    if (b)
        check_book(b);
    xlsx_free(b);
    diag_list_free(&diags);
    free(zipped);
    return 0;
}
