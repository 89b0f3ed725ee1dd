/* xlsx.h -- the cells of an .xlsx workbook (Office Open XML spreadsheet), as Excel or LibreOffice save it.
 *
 * Reads the zip with libzip and the XML parts with expat: the workbook's sheet list, the shared strings, and
 * each worksheet's cells (shared strings, inline strings, numbers, booleans; formulas are flagged so that a
 * caller can refuse one where a text belongs). Everything read is untrusted: sizes are capped (a zip bomb, a
 * sheet of a million rows, a string of a megabyte get an error, not memory), text must be valid UTF-8, and
 * every error is in French and names the sheet and cell as the spreadsheet shows them ("survey!F12").
 *
 * Ownership: an xlsx_book owns every sheet, cell and string in it; xlsx_free releases them all.
 */
#ifndef FORMS_XLSX_H
#define FORMS_XLSX_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define XLSX_MAX_SHEETS 64
#define XLSX_MAX_ROWS 20000          /* a questionnaire has hundreds; 100,000 rows is an error */
#define XLSX_MAX_COLS 256
#define XLSX_MAX_CELL_BYTES 32767    /* Excel's own limit on a cell's text */
#define XLSX_MAX_PART_BYTES (64u << 20) /* uncompressed size of one XML part */
#define XLSX_MAX_TOTAL_BYTES (256u << 20) /* uncompressed size read from one workbook */
#define XLSX_MAX_CELLS 2000000       /* non-empty cells of one workbook, all sheets together */
#define XLSX_MAX_ENTRIES 1000        /* files in the zip; Excel writes a few dozen */

typedef enum xlsx_kind { XLSX_STRING, XLSX_NUMBER, XLSX_BOOL, XLSX_ERROR } xlsx_kind;

typedef struct xlsx_cell {
    unsigned row, col;  /* 1-based, as shown: row 12, column 6 is F12 */
    xlsx_kind kind;
    bool formula;       /* the cell holds a formula (its text is the cached value, "" when none) */
    char *text;         /* UTF-8 value as shown: a number as written in the file ("3", "2.5"), booleans "1"/"0" */
} xlsx_cell;

typedef struct xlsx_sheet {
    char *name;         /* as in the workbook */
    xlsx_cell *cells;   /* non-empty cells only, sorted by row then column */
    size_t ncells;
    unsigned nrows, ncols; /* the highest row and column that hold a cell (0 when the sheet is empty) */
} xlsx_sheet;

typedef struct xlsx_book {
    xlsx_sheet *sheets; /* in the workbook's order */
    size_t nsheets;
    struct xlsx_store *store; /* private: holds the text of every cell (cells of one shared string share it) */
} xlsx_book;

/* Reads the workbook at path. Returns NULL after adding the errors to diags (file is the name used in them). */
xlsx_book *xlsx_open(const char *path, diag_list *diags);

/* As xlsx_open, from memory (len bytes at data; not kept). name is used in diagnostics. */
xlsx_book *xlsx_open_mem(const void *data, size_t len, const char *name, diag_list *diags);

/* Frees book; xlsx_free(NULL) does nothing. */
void xlsx_free(xlsx_book *book);

/* The sheet with this name, compared without regard to ASCII case, or NULL. */
const xlsx_sheet *xlsx_sheet_by_name(const xlsx_book *book, const char *name);

/* The cell at (row, col), or NULL when empty. O(log n). */
const xlsx_cell *xlsx_cell_at(const xlsx_sheet *sheet, unsigned row, unsigned col);

/* Writes the reference of a cell as the spreadsheet shows it ("F12", "AA3") into buf (at least 16 bytes). */
void xlsx_cellref(char *buf, size_t size, unsigned row, unsigned col);

#endif /* FORMS_XLSX_H */
