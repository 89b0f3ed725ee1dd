/* flat.h -- the one flat layout of a form's answers: one line per submission, one column per variable. The
 * collector's GET /api/v1/forms/{id}/submissions.csv, every format of `analyzer export` (CSV, Excel CSV, Stata,
 * SPSS, R, xlsx) and the paper-entry import all use it, so a column has the same name everywhere.
 *
 * Columns, in order:
 * - the metadata: uuid, form_version, territory, territory_name, channel, lang, received_at, paper_id;
 * - the questions of every version of the form, the current version's order first, then the questions only
 *   older versions have (newest first): a single choice, number, date or territory as one column; a grid as one
 *   column per row (Q_ROW); a multiple choice (and a multiple territory question) as one 0/1 column per choice
 *   (Q_CODE), empty when the question was not answered; free text (text, long_text) only on request;
 * - weight: the raked survey weight when the analyst gave margins, empty otherwise (always empty in the
 *   collector, which does not rake);
 * - one column per score of the form's indicator file (score_ID, EPICES among them), computed from the answers
 *   exactly as the analyzer computes it (ind_score_eval), empty when an item is missing, nsp or refus.
 *
 * "nsp" (ne sait pas) and "refus" stay distinct from an unanswered question everywhere: a single-choice or grid
 * cell holds the code; a multiple question answered "nsp" or "refus" (exclusive choices, alone by the form's
 * rule) has no column of its own for them: every choice column of that question holds "nsp" or "refus" instead of
 * 0/1, which Stata reads as .a / .b and SPSS as its user-missing codes. A non-exclusive nsp or refus choice (not
 * in the shipped forms) is an ordinary 0/1 column.
 *
 * Names are valid in Stata, SPSS and R: at most FLAT_NAME_MAX characters, ASCII letters, digits and '_',
 * starting with a letter, unique whatever the case (SPSS ignores it), none a reserved word. "R23.pmi" is
 * R23_pmi; '+' becomes "plus", any other character '_'; a name that does not start with a letter gets "v" in
 * front; a reserved word gets '_' after it; a name longer than 32 keeps its first 27 characters followed by '_' and
 * four hexadecimal digits of a hash of the whole name; a name already taken (a collision) ends in _2, _3, ...
 * (shortened to fit). Everything depends only on the forms, so the same folder always gives the same names.
 *
 * Ownership: a flat_layout owns its column names; it borrows the catalog (forms, territories) and the indicator
 * set (scores), which must outlive it.
 */
#ifndef FORMS_FLAT_H
#define FORMS_FLAT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "catalog.h"
#include "indicators.h"
#include "util.h"

#define FLAT_NAME_MAX 32

/* The metadata columns, in order. */
enum {
    FLAT_M_UUID, FLAT_M_VERSION, FLAT_M_TERRITORY, FLAT_M_TERRITORY_NAME, FLAT_M_CHANNEL, FLAT_M_LANG,
    FLAT_M_RECEIVED, FLAT_M_PAPER, FLAT_NMETA
};

typedef enum flat_kind {
    FLAT_META,   /* one of the FLAT_M_* values */
    FLAT_VALUE,  /* the answer of a question that is not a grid nor multiple */
    FLAT_ROW,    /* one row of a grid */
    FLAT_CHOICE, /* one choice of a multiple question: 1, 0, "nsp", "refus" or empty */
    FLAT_WEIGHT, /* the raked weight */
    FLAT_SCORE,  /* a score of the indicator file */
} flat_kind;

/* How a statistical package stores a column. */
typedef enum flat_type {
    FLAT_T_STRING, /* metadata, text, date, territory code */
    FLAT_T_NUMBER, /* integer, decimal, scale, weight, score */
    FLAT_T_CODED,  /* single choice or grid row: a code among q->choices, stored as its paper number */
    FLAT_T_BINARY, /* a 0/1 choice column */
} flat_type;

typedef struct flat_col {
    char *name;                 /* "R23_pmi" */
    flat_kind kind;
    flat_type type;
    int meta;                   /* FLAT_META: FLAT_M_* */
    const form_question *q;     /* VALUE, ROW, CHOICE: from the most recent version that has it */
    const char *code;           /* ROW: the row code; CHOICE: the choice (or territory) code */
    const char *code_label;     /* ROW, CHOICE: the French label of the row or choice (a territory's name) */
    const ind_score *score;     /* SCORE */
} flat_col;

typedef struct flat_layout {
    flat_col *cols;
    size_t count;
    const terr_set *ts;         /* for territory_name; may be NULL */
} flat_layout;

/* The metadata names, in order ("uuid", "form_version", ...). */
extern const char *const flat_meta_names[FLAT_NMETA];

/* The layout of form_id across every version in c, with the score columns of defs (NULL: none) and the free-text
 * columns when include_text. NULL when c has no such form. */
flat_layout *flat_layout_new(const catalog *c, const char *form_id, const ind_set *defs, bool include_text);

/* Frees l; flat_layout_free(NULL) does nothing. */
void flat_layout_free(flat_layout *l);

/* The column called name (exact), or NULL. */
const flat_col *flat_find(const flat_layout *l, const char *name);

/* One submission: the metadata as stored (territory_name is looked up, the entry here is ignored; NULL for
 * empty), its answers, and its weight when has_weight. */
typedef struct flat_record {
    const char *meta[FLAT_NMETA];
    const json_t *answers;
    bool has_weight;
    double weight;
} flat_record;

/* Appends the text of one cell to out ("" when empty): codes and dates as stored, numbers in their shortest exact
 * form with a '.' (callers that write a decimal comma convert). */
void flat_cell(const flat_layout *l, const flat_col *col, const flat_record *r, sbuf *out);

/* The number in a cell of a FLAT_T_NUMBER or FLAT_T_BINARY column: true and *v, or false when the cell is empty or
 * "nsp" / "refus" (then *special is 'a' for nsp, 'b' for refus, else 0). For FLAT_T_CODED, the paper number of the
 * code (false with *special for nsp / refus, and false with 0 for an empty cell or a code this version lacks). */
bool flat_number(const flat_layout *l, const flat_col *col, const flat_record *r, double *v, char *special);

/* The Stata tag of a code: 'a' for "nsp", 'b' for "refus", 0 otherwise. */
char flat_special(const char *code);

#define FLAT_LABEL_MAX 80         /* characters of a variable label (Stata's limit) */
#define FLAT_VALUE_LABEL_MAX 120  /* bytes of a value label (SPSS's limit) */

/* The variable label: the French question; "question — row label" for a grid row; "question — choice label" for a
 * choice column; the score's label; French words for the metadata and the weight. At most FLAT_LABEL_MAX
 * characters, cut with "…": exactly what the Stata and SPSS files hold and the codebook shows. Appends to out. */
void flat_label(const flat_col *col, sbuf *out);

/* A value label (a choice's French label) cut to FLAT_VALUE_LABEL_MAX bytes with "…". Appends to out. */
void flat_value_label(const char *text, sbuf *out);

/* Shortest text that reads back as v exactly ("72.5", "0.1", "3"). Writes into buf (at least 32 bytes). */
const char *flat_number_text(double v, char *buf, size_t len);

#endif /* FORMS_FLAT_H */
