/* test_xlsx.c -- the .xlsx reader (forms/xlsx.c): workbooks whose XML parts the test writes itself and zips with
 * libzip (shared and inline strings, rich text, formulas, namespaces, sheets in any order), one written by
 * libxlsxwriter, then a table of hostile or broken workbooks, each of which must give NULL and an error naming
 * what is wrong (part, or sheet and cell).
 */
#include "testutil.h"

#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>
#include <zip.h>

#include "util.h"
#include "xlsx.h"

/* ---- building workbooks ------------------------------------------------------------------------------- */

typedef struct part {
    const char *name;
    const char *xml;  /* NUL-terminated, unless len is set */
    size_t len;
} part;

#define MAX_PARTS 12

static const char CT[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
static const char ROOT_RELS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";
static const char WORKBOOK[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"survey\" sheetId=\"1\" r:id=\"rId1\"/>"
    "<sheet name=\"choices\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>";
static const char WB_RELS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    "worksheet\" Target=\"worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    "sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>";
#define SST_HEAD                                                                                                 \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                             \
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
#define SHEET_HEAD                                                                                               \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                             \
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
#define SHEET_TAIL "</sheetData></worksheet>"
static const char SST_DEFAULT[] = SST_HEAD "<si><t>type</t></si><si><t>name</t></si></sst>";
static const char SHEET_DEFAULT[] = SHEET_HEAD "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
                                               "<c r=\"B1\" t=\"s\"><v>1</v></c></row>" SHEET_TAIL;

/* The usual six parts with sst and the two sheets replaced where given (NULL keeps the default). */
static size_t std_parts(part *out, const char *sst, const char *sheet1, const char *sheet2)
{
    size_t n = 0;
    out[n++] = (part){"[Content_Types].xml", CT, 0};
    out[n++] = (part){"_rels/.rels", ROOT_RELS, 0};
    out[n++] = (part){"xl/workbook.xml", WORKBOOK, 0};
    out[n++] = (part){"xl/_rels/workbook.xml.rels", WB_RELS, 0};
    out[n++] = (part){"xl/sharedStrings.xml", sst ? sst : SST_DEFAULT, 0};
    out[n++] = (part){"xl/worksheets/sheet1.xml", sheet1 ? sheet1 : SHEET_DEFAULT, 0};
    out[n++] = (part){"xl/worksheets/sheet2.xml", sheet2 ? sheet2 : SHEET_HEAD SHEET_TAIL, 0};
    return n;
}

static char tmpdir[64];

static const char *tmp_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
    return buf;
}

/* Zips the parts into path (deflated). */
static void write_zip(const char *path, const part *parts, size_t n)
{
    int err;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    assert_non_null(z);
    for (size_t i = 0; i < n; i++) {
        size_t len = parts[i].len ? parts[i].len : strlen(parts[i].xml);
        zip_source_t *src = zip_source_buffer(z, parts[i].xml, len, 0);
        assert_non_null(src);
        assert_true(zip_file_add(z, parts[i].name, src, ZIP_FL_OVERWRITE) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    unsigned char *data = xmalloc((size_t)size + 1);
    assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return data;
}

/* Zips the parts and reads them back, alternately from the file and from memory (both entry points). */
static xlsx_book *open_parts(const part *parts, size_t n, diag_list *diags)
{
    static int calls;
    char path[128];
    tmp_path(path, sizeof path, "t.xlsx");
    write_zip(path, parts, n);
    if (calls++ % 2 == 0)
        return xlsx_open(path, diags);
    size_t len;
    unsigned char *data = slurp(path, &len);
    xlsx_book *b = xlsx_open_mem(data, len, path, diags);
    free(data);
    return b;
}

static const char *text_at(const xlsx_sheet *sh, unsigned row, unsigned col)
{
    const xlsx_cell *c = xlsx_cell_at(sh, row, col);
    return c ? c->text : NULL;
}

/* ---- what a good workbook gives ----------------------------------------------------------------------- */

static void test_cells(void **state)
{
    (void)state;
    static const char sst[] = SST_HEAD
        "<si><t>type</t></si>"
        "<si><r><rPr><b/></rPr><t>Quel </t></r><r><t xml:space=\"preserve\"> âge avez-vous ?</t></r>"
        "<rPh sb=\"0\" eb=\"1\"><t>ふりがな</t></rPh></si>"
        "<si><t xml:space=\"preserve\">  espaces gardés  </t></si>"
        "<si><t>ligne 1_x000D_\nligne 2, _x005F_x000D_ littéral</t></si>"
        "<si><t>العربية</t></si>"
        "<si><t>_x 00D_ _x00G0_ _x0000_ _xD800_ _x00e9_</t></si>" /* not escapes, but the last */
        "</sst>";
    static const char sheet[] = SHEET_HEAD
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
        "<c r=\"C1\" s=\"3\"/><c r=\"D1\" t=\"s\"><v>4</v></c></row>"
        "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><r><t>en </t></r><r><t>ligne</t></r></is></c>"
        "<c r=\"B3\" t=\"str\"><f>CONCAT(\"a\";\"b\")</f><v>ab</v></c>"
        "<c r=\"C3\"><f>1+1</f><v>2</v></c>"
        "<c r=\"D3\" t=\"b\"><v>1</v></c><c r=\"E3\" t=\"b\"><v>0</v></c>"
        "<c r=\"F3\"><v>2.5E-3</v></c><c r=\"G3\" t=\"e\"><v>#N/A</v></c>"
        "<c r=\"H3\" t=\"s\"><v>2</v></c><c r=\"I3\" t=\"s\"><v>3</v></c>"
        "<c r=\"J3\" t=\"str\"><f>A1</f></c><c r=\"K3\" t=\"s\"><v>5</v></c></row>"
        /* cells and rows without r: by order */
        "<row><c t=\"inlineStr\"><is><t>a4</t></is></c><c/><c><v>3</v></c></row>"
        "<row r=\"7\"><c r=\"C7\"><v>7</v></c><c><v>8</v></c></row>"
        SHEET_TAIL;
    part parts[MAX_PARTS];
    size_t n = std_parts(parts, sst, sheet, NULL);
    diag_list diags = {0};
    xlsx_book *b = open_parts(parts, n, &diags);
    diag_print(&diags, stderr);
    assert_non_null(b);
    assert_int_equal(diags.count, 0);
    assert_int_equal(b->nsheets, 2);
    const xlsx_sheet *sh = &b->sheets[0];
    assert_string_equal(sh->name, "survey");
    assert_string_equal(text_at(sh, 1, 1), "type");
    assert_string_equal(text_at(sh, 1, 2), "Quel  âge avez-vous ?");
    assert_null(xlsx_cell_at(sh, 1, 3)); /* a style and no value: empty */
    assert_string_equal(text_at(sh, 1, 4), "العربية");
    assert_string_equal(text_at(sh, 3, 1), "en ligne");
    const xlsx_cell *c = xlsx_cell_at(sh, 3, 2);
    assert_true(c->formula);
    assert_int_equal(c->kind, XLSX_STRING);
    assert_string_equal(c->text, "ab");
    c = xlsx_cell_at(sh, 3, 3);
    assert_true(c->formula);
    assert_int_equal(c->kind, XLSX_NUMBER);
    assert_string_equal(c->text, "2");
    c = xlsx_cell_at(sh, 3, 4);
    assert_int_equal(c->kind, XLSX_BOOL);
    assert_string_equal(c->text, "1");
    assert_false(c->formula);
    assert_string_equal(text_at(sh, 3, 5), "0");
    assert_int_equal(xlsx_cell_at(sh, 3, 6)->kind, XLSX_NUMBER);
    assert_string_equal(text_at(sh, 3, 6), "2.5E-3");
    assert_int_equal(xlsx_cell_at(sh, 3, 7)->kind, XLSX_ERROR);
    assert_string_equal(text_at(sh, 3, 7), "#N/A");
    assert_string_equal(text_at(sh, 3, 8), "  espaces gardés  ");
    assert_string_equal(text_at(sh, 3, 9), "ligne 1\r\nligne 2, _x000D_ littéral");
    c = xlsx_cell_at(sh, 3, 10); /* a formula without a cached value */
    assert_non_null(c);
    assert_true(c->formula);
    assert_string_equal(c->text, "");
    assert_string_equal(text_at(sh, 4, 1), "a4");
    assert_null(xlsx_cell_at(sh, 4, 2));
    assert_string_equal(text_at(sh, 4, 3), "3");
    assert_string_equal(text_at(sh, 7, 3), "7");
    assert_string_equal(text_at(sh, 7, 4), "8");
    assert_int_equal(sh->nrows, 7);
    assert_string_equal(text_at(sh, 3, 11), "_x 00D_ _x00G0_ _x0000_ _xD800_ é");
    assert_int_equal(sh->ncols, 11);
    for (size_t i = 1; i < sh->ncells; i++) /* sorted by row, then column */
        assert_true(sh->cells[i - 1].row < sh->cells[i].row ||
                    (sh->cells[i - 1].row == sh->cells[i].row && sh->cells[i - 1].col < sh->cells[i].col));
    assert_int_equal(b->sheets[1].ncells, 0);
    assert_int_equal(b->sheets[1].nrows, 0);
    xlsx_free(b);
    diag_list_free(&diags);
}

/* Sheets listed in another order than their parts, prefixed namespaces everywhere, a workbook at another path
 * with absolute targets, cells written out of order, no shared strings at all. */
static void test_order_namespaces(void **state)
{
    (void)state;
    static const char root_rels[] =
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"R9\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
        "core-properties\" Target=\"docProps/core.xml\"/>"
        "<Relationship Id=\"R1\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument\" "
        "Target=\"/book/main.xml\"/></Relationships>";
    static const char workbook[] =
        "<x:workbook xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
        "xmlns:rel=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
        "<x:sheets><x:sheet name=\"settings\" sheetId=\"3\" rel:id=\"a\"/>"
        "<x:sheet name=\"choices\" sheetId=\"2\" rel:id=\"b\"/>"
        "<x:sheet name=\"Survey\" sheetId=\"1\" rel:id=\"c\"/></x:sheets></x:workbook>";
    static const char wb_rels[] =
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"c\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet\" "
        "Target=\"/book/sheets/s1.xml\"/>"
        "<Relationship Id=\"b\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet\" "
        "Target=\"sheets/../sheets/./s2.xml\"/>"
        "<Relationship Id=\"a\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet\" "
        "Target=\"sheets/s3.xml\"/></Relationships>";
    static const char s1[] =
        "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><x:sheetData>"
        "<x:row r=\"2\"><x:c r=\"B2\" t=\"inlineStr\"><x:is><x:t>b2</x:t></x:is></x:c>"
        "<x:c r=\"A2\" t=\"inlineStr\"><x:is><x:t>a2</x:t></x:is></x:c></x:row>"
        "<x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>a1</x:t></x:is></x:c></x:row>"
        "</x:sheetData></x:worksheet>";
    static const char s2[] =
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>list_name</t></is></c></row></sheetData></worksheet>";
    static const char s3[] =
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        "<row r=\"1\"><c r=\"A1\"><v>42</v></c></row></sheetData></worksheet>";
    part parts[] = {{"_rels/.rels", root_rels, 0},     {"book/main.xml", workbook, 0},
                    {"book/_rels/main.xml.rels", wb_rels, 0}, {"book/sheets/s1.xml", s1, 0},
                    {"book/sheets/s2.xml", s2, 0},     {"book/sheets/s3.xml", s3, 0}};
    diag_list diags = {0};
    xlsx_book *b = open_parts(parts, sizeof parts / sizeof *parts, &diags);
    diag_print(&diags, stderr);
    assert_non_null(b);
    assert_int_equal(b->nsheets, 3);
    assert_string_equal(b->sheets[0].name, "settings");
    assert_string_equal(b->sheets[2].name, "Survey");
    const xlsx_sheet *sh = xlsx_sheet_by_name(b, "survey");
    assert_ptr_equal(sh, &b->sheets[2]);
    assert_ptr_equal(xlsx_sheet_by_name(b, "CHOICES"), &b->sheets[1]);
    assert_null(xlsx_sheet_by_name(b, "external_choices"));
    assert_string_equal(sh->cells[0].text, "a1");
    assert_string_equal(sh->cells[1].text, "a2");
    assert_string_equal(sh->cells[2].text, "b2");
    assert_string_equal(text_at(&b->sheets[1], 1, 1), "list_name");
    assert_string_equal(text_at(&b->sheets[0], 1, 1), "42");
    xlsx_free(b);
    diag_list_free(&diags);
}

static void test_cellref(void **state)
{
    (void)state;
    static const struct { unsigned row, col; const char *want; } cases[] = {
        {1, 1, "A1"},     {12, 6, "F12"},    {3, 26, "Z3"},         {3, 27, "AA3"},     {1, 52, "AZ1"},
        {1, 53, "BA1"},   {9, 702, "ZZ9"},   {20001, 703, "AAA20001"}, {1, 16384, "XFD1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[16];
        xlsx_cellref(buf, sizeof buf, cases[i].row, cases[i].col);
        assert_string_equal(buf, cases[i].want);
    }
}

/* A workbook written by another library (the one the export uses) reads back cell for cell. */
static void test_xlsxwriter(void **state)
{
    (void)state;
    char path[128];
    tmp_path(path, sizeof path, "writer.xlsx");
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *choices = workbook_add_worksheet(wb, "choices");
    lxw_worksheet *survey = workbook_add_worksheet(wb, "survey");
    worksheet_write_string(survey, 0, 0, "type", NULL);
    worksheet_write_string(survey, 0, 1, "label::العربية (ar)", NULL);
    worksheet_write_string(survey, 1, 0, "select_one oui_non", NULL);
    worksheet_write_string(survey, 1, 1, "هل لديك طبيب؟", NULL);
    worksheet_write_number(survey, 1, 2, 2.5, NULL);
    worksheet_write_boolean(survey, 1, 3, 1, NULL);
    worksheet_write_formula(survey, 1, 4, "=1+1", NULL);
    worksheet_write_string(survey, 11, 5, "type", NULL); /* the same text twice: one shared string */
    worksheet_write_string(choices, 0, 0, "list_name", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

    diag_list diags = {0};
    xlsx_book *b = xlsx_open(path, &diags);
    diag_print(&diags, stderr);
    assert_non_null(b);
    assert_int_equal(b->nsheets, 2);
    assert_string_equal(b->sheets[0].name, "choices");
    const xlsx_sheet *sh = xlsx_sheet_by_name(b, "survey");
    assert_non_null(sh);
    assert_string_equal(text_at(sh, 1, 1), "type");
    assert_string_equal(text_at(sh, 1, 2), "label::العربية (ar)");
    assert_string_equal(text_at(sh, 2, 1), "select_one oui_non");
    assert_string_equal(text_at(sh, 2, 2), "هل لديك طبيب؟");
    assert_string_equal(text_at(sh, 2, 3), "2.5");
    assert_int_equal(xlsx_cell_at(sh, 2, 4)->kind, XLSX_BOOL);
    assert_true(xlsx_cell_at(sh, 2, 5)->formula);
    assert_string_equal(text_at(sh, 12, 6), "type");
    assert_int_equal(sh->nrows, 12);
    assert_int_equal(sh->ncols, 6);
    assert_string_equal(text_at(&b->sheets[0], 1, 1), "list_name");
    xlsx_free(b);
    diag_list_free(&diags);
}

/* A survey sheet of 2,000 rows reads in milliseconds (one sort, lookups by binary search). */
static void test_speed(void **state)
{
    (void)state;
    sbuf s = {0};
    sbuf_adds(&s, SHEET_HEAD);
    for (unsigned r = 1; r <= 2000; r++) {
        sbuf_addf(&s, "<row r=\"%u\">", r);
        for (unsigned c = 1; c <= 12; c++) {
            char ref[16];
            xlsx_cellref(ref, sizeof ref, r, c);
            sbuf_addf(&s, "<c r=\"%s\" t=\"inlineStr\"><is><t>q%u_%u</t></is></c>", ref, r, c);
        }
        sbuf_adds(&s, "</row>");
    }
    sbuf_adds(&s, SHEET_TAIL);
    part parts[MAX_PARTS];
    size_t n = std_parts(parts, NULL, s.data, NULL);
    char path[128];
    write_zip(tmp_path(path, sizeof path, "t.xlsx"), parts, n);
    diag_list diags = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    xlsx_book *b = xlsx_open(path, &diags);
    assert_non_null(b);
    const xlsx_sheet *sh = &b->sheets[0];
    assert_int_equal(sh->ncells, 24000);
    for (unsigned r = 1; r <= 2000; r++) {
        char want[32];
        snprintf(want, sizeof want, "q%u_%u", r, r % 12 + 1);
        assert_string_equal(text_at(sh, r, r % 12 + 1), want);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    fprintf(stderr, "2,000 rows x 12 columns: %.1f ms\n", ms);
    assert_true(ms < 5000); /* generous: valgrind runs this too; quadratic work would take minutes */
    xlsx_free(b);
    diag_list_free(&diags);
    sbuf_free(&s);
}

/* ---- bad workbooks ------------------------------------------------------------------------------------ */

/* Opens the parts and expects NULL with an error at path (NULL: any) whose message holds fragment. */
static void expect_error(const char *label, const part *parts, size_t n, const char *path, const char *fragment)
{
    diag_list diags = {0};
    xlsx_book *b = open_parts(parts, n, &diags);
    if (b != NULL || diags.errors == 0 || !tu_has_diag(&diags, false, path, fragment)) {
        diag_print(&diags, stderr);
        fail_msg("%s: want NULL and an error at %s with « %s »", label, path ? path : "(any)", fragment);
    }
    xlsx_free(b);
    diag_list_free(&diags);
}

static void expect_mem_error(const char *label, const void *data, size_t len, const char *fragment)
{
    diag_list diags = {0};
    xlsx_book *b = xlsx_open_mem(data, len, "x.xlsx", &diags);
    if (b != NULL || !tu_has_diag(&diags, false, NULL, fragment)) {
        diag_print(&diags, stderr);
        fail_msg("%s: want NULL and an error with « %s »", label, fragment);
    }
    diag_list_free(&diags);
}

static void test_not_a_workbook(void **state)
{
    (void)state;
    expect_mem_error("text", "type,name\nselect_one x,q1\n", 27, "n'est pas un classeur .xlsx");
    expect_mem_error("empty", "", 0, "n'est pas un classeur .xlsx");
    static const unsigned char xls[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0};
    expect_mem_error("xls", xls, sizeof xls, "(.xls)");

    part ods[] = {{"mimetype", "application/vnd.oasis.opendocument.spreadsheet", 0},
                  {"content.xml", "<office:document-content/>", 0}};
    expect_error("ods", ods, 2, "mimetype", "(.ods)");
    part docx[] = {{"_rels/.rels", ROOT_RELS, 0}, {"word/document.xml", "<w:document/>", 0}};
    expect_error("docx", docx, 2, "xl/workbook.xml", "n'est pas un classeur .xlsx");
    part zip_only[] = {{"readme.txt", "hello", 0}};
    expect_error("zip without workbook", zip_only, 1, "xl/workbook.xml", "absente");

    char path[128];
    diag_list diags = {0};
    assert_null(xlsx_open(tmp_path(path, sizeof path, "missing.xlsx"), &diags));
    assert_true(tu_has_diag(&diags, false, "(fichier)", "impossible d'ouvrir"));
    diag_list_free(&diags);
}

static void test_missing_parts(void **state)
{
    (void)state;
    part parts[MAX_PARTS];
    size_t n = std_parts(parts, NULL, NULL, NULL);
    /* the second sheet's part left out */
    expect_error("missing sheet", parts, n - 1, "xl/worksheets/sheet2.xml", "« choices » renvoie à");
    /* the workbook's relationships left out */
    part norels[MAX_PARTS];
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(parts[i].name, "xl/_rels/workbook.xml.rels") != 0)
            norels[m++] = parts[i];
    expect_error("missing rels", norels, m, "xl/_rels/workbook.xml.rels", "absente");
    /* a sheet whose relationship id is not in the rels */
    part p2[MAX_PARTS];
    memcpy(p2, parts, sizeof p2);
    p2[2].xml = "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
                "<sheets><sheet name=\"survey\" r:id=\"rId7\"/></sheets></workbook>";
    expect_error("unknown r:id", p2, n, NULL, "« rId7 », absente");
    /* no sheet at all */
    p2[2].xml = "<workbook><sheets/></workbook>";
    expect_error("no sheet", p2, n, "xl/workbook.xml", "aucune feuille");
    /* a target that climbs out of the package */
    memcpy(p2, parts, sizeof p2);
    p2[3].xml = "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"../../../etc/passwd\"/>"
                "<Relationship Id=\"rId2\" Type=\"x/worksheet\" Target=\"worksheets/sheet2.xml\"/></Relationships>";
    expect_error("target out of the package", p2, n, NULL, "absent de l'archive");
    /* two sheets whose names differ only by case */
    p2[2].xml = "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
                "<sheets><sheet name=\"survey\" r:id=\"rId1\"/><sheet name=\"SURVEY\" r:id=\"rId2\"/></sheets>"
                "</workbook>";
    expect_error("duplicate sheet names", p2, n, "xl/workbook.xml", "deux feuilles s'appellent « SURVEY »");
}

/* 70 MB in a sheet part, compressed to about 70 KB: well-formed XML (a start tag, then spaces), so that only
 * the size limit can stop it. */
static void test_zip_bomb(void **state)
{
    (void)state;
    size_t len = 70u << 20;
    char *bomb = xmalloc(len);
    memset(bomb, ' ', len);
    memcpy(bomb, "<worksheet>", 11);
    part parts[MAX_PARTS];
    size_t n = std_parts(parts, NULL, NULL, NULL);
    parts[5].xml = bomb;
    parts[5].len = len;
    char path[128];
    tmp_path(path, sizeof path, "bomb.xlsx");
    write_zip(path, parts, n);
    free(bomb);
    size_t zlen;
    unsigned char *data = slurp(path, &zlen);
    assert_true(zlen < 1u << 20);
    expect_mem_error("bomb", data, zlen, "plus de 67 108 864 octets une fois décompressée");

    /* The same archive with the sizes in its headers forged to 100 bytes: the bytes inflated are counted,
     * whatever the headers say. The forged part is the first whose uncompressed size is 70 MB. */
    size_t forged = 0;
    for (size_t i = 0; i + 30 <= zlen; i++) {
        bool local = memcmp(data + i, "PK\3\4", 4) == 0, central = memcmp(data + i, "PK\1\2", 4) == 0;
        size_t at = local ? i + 22 : central ? i + 24 : 0;
        if (at && data[at] == 0 && data[at + 1] == 0 && data[at + 2] == 0x60 && data[at + 3] == 0x04) {
            data[at] = 100, data[at + 2] = 0, data[at + 3] = 0; /* 0x04600000 (70 MiB) becomes 100 */
            forged++;
        }
    }
    assert_int_equal(forged, 2);
    diag_list diags = {0};
    xlsx_book *b = xlsx_open_mem(data, zlen, "forged.xlsx", &diags);
    assert_null(b);
    assert_true(diags.errors > 0);
    diag_print(&diags, stderr);
    assert_true(tu_has_diag(&diags, false, "xl/worksheets/sheet1.xml", "feuille « survey » : plus de 67 108 864 "
                                                                       "octets une fois décompressée : archive"));
    diag_list_free(&diags);
    free(data);
}

static void test_too_many_entries(void **state)
{
    (void)state;
    enum { N = XLSX_MAX_ENTRIES + 1 };
    part *parts = xcalloc(N + MAX_PARTS, sizeof *parts);
    char (*names)[32] = xcalloc(N, sizeof *names);
    size_t n = std_parts(parts, NULL, NULL, NULL);
    for (size_t i = 0; n < N; i++, n++) {
        snprintf(names[i], sizeof names[i], "xl/media/image%zu.png", i);
        parts[n] = (part){names[i], "x", 0};
    }
    expect_error("entries", parts, n, "(archive)", "plus de 1 000 fichiers");
    free(names);
    free(parts);
}

/* Shared strings or a sheet that break a rule, each with where the error must point and what it must say. */
typedef struct bad_case {
    const char *label;
    const char *sst, *sheet1; /* NULL: the default part */
    const char *path, *fragment;
} bad_case;

static const bad_case bad_cases[] = {
    {"invalid UTF-8 in shared strings", SST_HEAD "<si><t>ok</t></si><si><t>caf\xE9</t></si></sst>", NULL,
     "xl/sharedStrings.xml", "texte partagé n° 2 : XML illisible, ligne 2"},
    {"invalid UTF-8 (message)", SST_HEAD "<si><t>caf\xE9</t></si></sst>", NULL, "xl/sharedStrings.xml", "UTF-8"},
    {"invalid UTF-8 in a sheet", NULL, SHEET_HEAD "\n<row><c t=\"inlineStr\"><is><t>\xC3\x28</t></is></c></row>"
     SHEET_TAIL, "xl/worksheets/sheet1.xml", "feuille « survey » : XML illisible, ligne 3"},
    {"billion laughs", "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY a \"aaaaaaaaaa\">"
     "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><sst><si><t>&b;</t></si></sst>", NULL,
     "xl/sharedStrings.xml", "DOCTYPE refusée"},
    {"external entity", NULL, "<?xml version=\"1.0\"?><!DOCTYPE worksheet SYSTEM \"file:///etc/passwd\">"
     "<worksheet/>", "xl/worksheets/sheet1.xml", "DOCTYPE refusée"},
    {"undefined entity", NULL, SHEET_HEAD "<row><c t=\"inlineStr\"><is><t>&x;</t></is></c></row>" SHEET_TAIL,
     "xl/worksheets/sheet1.xml", "entité inconnue"},
    {"not well-formed", NULL, SHEET_HEAD "<row><c>", "xl/worksheets/sheet1.xml", "XML illisible"},
    {"bad cell reference", NULL, SHEET_HEAD "<row r=\"1\"><c r=\"1A\"><v>1</v></c></row>" SHEET_TAIL, "survey",
     "référence de cellule « 1A » invalide"},
    {"row zero", NULL, SHEET_HEAD "<row r=\"1\"><c r=\"A0\"><v>1</v></c></row>" SHEET_TAIL, "survey", "« A0 »"},
    {"four letters", NULL, SHEET_HEAD "<row r=\"1\"><c r=\"AAAA1\"><v>1</v></c></row>" SHEET_TAIL, "survey",
     "« AAAA1 »"},
    {"bad row number", NULL, SHEET_HEAD "<row r=\"-2\"/>" SHEET_TAIL, "survey", "numéro de ligne « -2 »"},
    {"shared string out of range", NULL, SHEET_HEAD "<row r=\"2\"><c r=\"B2\" t=\"s\"><v>5</v></c></row>"
     SHEET_TAIL, "survey!B2", "texte partagé n° 6, absent (le classeur en a 2)"},
    {"shared string index not a number", NULL, SHEET_HEAD "<row r=\"2\"><c r=\"B2\" t=\"s\"><v>-1</v></c></row>"
     SHEET_TAIL, "survey!B2", "« -1 » invalide"},
    {"duplicate cell", NULL, SHEET_HEAD "<row r=\"3\"><c r=\"C3\"><v>1</v></c></row>"
     "<row r=\"3\"><c r=\"C3\"><v>2</v></c></row>" SHEET_TAIL, "survey!C3", "deux fois"},
    {"column past the limit", NULL, SHEET_HEAD "<row r=\"4\"><c r=\"IW4\"><v>1</v></c></row>" SHEET_TAIL,
     "survey!IW4", "plus de 256 colonnes (colonne IW)"},
    {"bad boolean", NULL, SHEET_HEAD "<row r=\"1\"><c r=\"D1\" t=\"b\"><v>yes</v></c></row>" SHEET_TAIL,
     "survey!D1", "valeur booléenne « yes »"},
    {"bad number", NULL, SHEET_HEAD "<row r=\"1\"><c r=\"D1\"><v>0x10</v></c></row>" SHEET_TAIL, "survey!D1",
     "nombre « 0x10 »"},
    {"unknown type", NULL, SHEET_HEAD "<row r=\"1\"><c r=\"D1\" t=\"zz\"><v>1</v></c></row>" SHEET_TAIL,
     "survey!D1", "type de cellule « zz »"},
};

static void test_bad_parts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        part parts[MAX_PARTS];
        size_t n = std_parts(parts, c->sst, c->sheet1, NULL);
        expect_error(c->label, parts, n, c->path, c->fragment);
    }
}

/* 100,000 rows: refused at the first row past the limit, naming the sheet and the row. */
static void test_too_many_rows(void **state)
{
    (void)state;
    sbuf s = {0};
    sbuf_adds(&s, SHEET_HEAD);
    for (unsigned r = 1; r <= 100000; r++)
        sbuf_addf(&s, "<row r=\"%u\"><c r=\"A%u\"><v>%u</v></c></row>", r, r, r);
    sbuf_adds(&s, SHEET_TAIL);
    part parts[MAX_PARTS];
    size_t n = std_parts(parts, NULL, s.data, NULL);
    expect_error("100,000 rows", parts, n, "survey!A20001", "survey : plus de 20 000 lignes (ligne 20 001)");

    /* Exactly XLSX_MAX_ROWS rows are fine; so are styled empty cells further down (they hold nothing). */
    sbuf_reset(&s);
    sbuf_adds(&s, SHEET_HEAD);
    for (unsigned r = 1; r <= XLSX_MAX_ROWS; r++)
        sbuf_addf(&s, "<row><c><v>%u</v></c></row>", r);
    sbuf_adds(&s, "<row r=\"1048576\"><c r=\"XFD1048576\" s=\"2\"/></row>" SHEET_TAIL);
    n = std_parts(parts, NULL, s.data, NULL);
    diag_list diags = {0};
    xlsx_book *b = open_parts(parts, n, &diags);
    assert_non_null(b);
    assert_int_equal(b->sheets[0].nrows, XLSX_MAX_ROWS);
    assert_string_equal(text_at(&b->sheets[0], XLSX_MAX_ROWS, 1), "20000");
    xlsx_free(b);
    diag_list_free(&diags);
    sbuf_free(&s);
}

/* A cell or a shared string over Excel's 32,767 bytes. */
static void test_huge_cell(void **state)
{
    (void)state;
    size_t big = XLSX_MAX_CELL_BYTES + 1;
    char *text = xmalloc(big + 1);
    memset(text, 'x', big);
    text[big] = '\0';
    sbuf sheet = {0}, sst = {0};
    sbuf_addf(&sheet, SHEET_HEAD "<row r=\"5\"><c r=\"C5\" t=\"inlineStr\"><is><t>%s</t></is></c></row>"
              SHEET_TAIL, text);
    part parts[MAX_PARTS];
    size_t n = std_parts(parts, NULL, sheet.data, NULL);
    expect_error("huge inline cell", parts, n, "survey!C5", "plus de 32 767 octets");

    sbuf_reset(&sheet);
    sbuf_addf(&sheet, SHEET_HEAD "<row r=\"5\"><c r=\"C5\" t=\"str\"><f>A1</f><v>%s</v></c></row>" SHEET_TAIL,
              text);
    n = std_parts(parts, NULL, sheet.data, NULL);
    expect_error("huge cached value", parts, n, "survey!C5", "plus de 32 767 octets");

    sbuf_addf(&sst, SST_HEAD "<si><t>a</t></si><si><r><t>%s</t></r></si></sst>", text);
    n = std_parts(parts, sst.data, NULL, NULL);
    expect_error("huge shared string", parts, n, "xl/sharedStrings.xml", "texte partagé n° 2 : plus de 32 767");

    /* 32,767 bytes exactly, some of them escapes that decode to one byte, are fine. */
    text[big - 1] = '\0';
    memcpy(text, "_x000A_", 7);
    sbuf_reset(&sst);
    sbuf_addf(&sst, SST_HEAD "<si><t>%s_x0041_</t></si><si><t>b</t></si></sst>", text);
    n = std_parts(parts, sst.data, NULL, NULL);
    diag_list diags = {0};
    xlsx_book *b = open_parts(parts, n, &diags);
    assert_non_null(b);
    const char *got = text_at(&b->sheets[0], 1, 1);
    assert_int_equal(strlen(got), XLSX_MAX_CELL_BYTES - 6 + 1);
    assert_int_equal(got[0], '\n');
    xlsx_free(b);
    diag_list_free(&diags);
    sbuf_free(&sheet);
    sbuf_free(&sst);
    free(text);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_xlsx.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const names[] = {"t.xlsx", "writer.xlsx", "bomb.xlsx"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(tmp_path(path, sizeof path, names[i]));
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells),           cmocka_unit_test(test_order_namespaces),
        cmocka_unit_test(test_cellref),         cmocka_unit_test(test_xlsxwriter),
        cmocka_unit_test(test_speed),           cmocka_unit_test(test_not_a_workbook),
        cmocka_unit_test(test_missing_parts),   cmocka_unit_test(test_zip_bomb),
        cmocka_unit_test(test_too_many_entries), cmocka_unit_test(test_bad_parts),
        cmocka_unit_test(test_too_many_rows),   cmocka_unit_test(test_huge_cell),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
