/* form.h -- one version of a survey definition, loaded and checked.
 *
 * form_load_* parses a form document (forms/README.md), checks every rule of the survey language, compiles its
 * expressions, and either returns a form ready for use or reports each problem with its JSON path. A loaded form
 * is immutable and may be shared freely between threads for reading.
 *
 * Ownership: a form owns its document and everything derived from it; texts (json_t language maps) and strings
 * point into the document (its expanded copy when it names a shared list) and live as long as the form. It borrows the territories it was loaded with, which
 * must outlive it.
 */
#ifndef FORMS_FORM_H
#define FORMS_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "diag.h"
#include "expr.h"
#include "offer.h"
#include "terr.h"

#define FORM_MAX_QUESTIONS 1000
#define FORM_MAX_CHOICES 200
#define FORM_MAX_TEXT 4000          /* bytes of one translated text */
#define FORM_TEXT_DEFAULT_MAX 200   /* default max_length of "text" */
#define FORM_LONG_TEXT_DEFAULT_MAX 2000
#define FORM_TEXT_HARD_MAX 10000

typedef enum form_qtype {
    FQ_SINGLE, FQ_MULTIPLE, FQ_INTEGER, FQ_DECIMAL, FQ_TEXT, FQ_LONG_TEXT,
    FQ_DATE, FQ_SCALE, FQ_GRID, FQ_TERRITORY, FQ_NOTE
} form_qtype;

/* A choice, or a row of a grid. */
typedef struct form_choice {
    const char *code;
    int paper;
    const json_t *label;   /* language map */
    bool exclusive;
} form_choice;

typedef struct form_question {
    const char *id;
    form_qtype type;
    size_t index;          /* position among all questions of the form */
    size_t section;        /* index of its section */
    const json_t *label, *hint, *constraint_message, *labels; /* language maps, NULL when absent */
    const char *relevant_src, *required_src, *constraint_src; /* expression sources, NULL when absent */
    bool required;         /* the constant value of `required` when it is not an expression */
    expr *required_expr, *relevant, *constraint; /* compiled, NULL when absent */
    form_choice *choices;  /* single, multiple, grid; for territory, the question's extra choices */
    size_t nchoices;
    form_choice *rows;     /* grid */
    size_t nrows;
    bool has_min, has_max;
    double min, max;       /* integer, decimal, scale */
    char min_date[11], max_date[11]; /* date bounds, "" when absent, "today" allowed */
    bool calculated;       /* "type": "calculate": never asked; its answer is computed from `calculation`. type is
                            * then the shape of that answer: FQ_SINGLE with choices, else FQ_TEXT, FQ_DECIMAL or
                            * FQ_DATE after the calculation's type, so that readers of answers treat it as such */
    const char *calculation_src;
    expr *calculation;     /* compiled, for a calculated question */
    bool multiple;         /* territory: several territories may be chosen (answer is an array) */
    long max_selected;     /* multiple (and multiple territory); 0 when unlimited */
    long max_length;       /* text, long_text, in characters */
    const struct form *owner;
} form_question;

typedef struct form_section {
    const char *id;
    const json_t *title, *intro;
    const char *relevant_src;
    expr *relevant;
    size_t first, count;   /* its questions: questions[first .. first+count) */
} form_section;

typedef struct form {
    json_t *doc;           /* as written in its file */
    json_t *expanded;      /* doc with the shared lists it names written inline (form_expanded_doc); every text
                            * and string below points into it */
    const char *file;      /* owned copy of the file name, for messages */
    const char *id, *version;
    const char *languages[16];
    size_t nlanguages;
    const json_t *title, *notice;
    form_section *sections;
    size_t nsections;
    form_question *questions;
    size_t nquestions;
    const terr_set *territories; /* borrowed */
    struct form_index *index;    /* question id lookup, private */
} form;

/* Loads the form in file path. territories may be NULL when the form has no territory question. Returns the
 * form, or NULL when it has errors; errors and warnings (missing translations) are added to diags. */
form *form_load_file(const char *path, const terr_set *territories, diag_list *diags);

/* As form_load_file, from a parsed document (a new reference is taken). name is used in diagnostics. */
form *form_load_json(json_t *doc, const char *name, const terr_set *territories, diag_list *diags);

/* What a form may name besides itself, both borrowed and either NULL: the town's territories (for territory
 * questions) and its local health offer, the shared list "offre" (offer.h) that a grid's `rows`, or a
 * question's `choices`, may name. The form copies what it uses: the offer need not outlive it, the
 * territories must. */
typedef struct form_shared {
    const terr_set *territories;
    const offer *offer;
} form_shared;

/* As form_load_file and form_load_json, with the shared lists (shared may be NULL). A form naming "offre" loads
 * only with an offer; a service lacking a text in a language the form declares is a warning naming the service,
 * the language and offer.json's path. */
form *form_load_file_shared(const char *path, const form_shared *shared, diag_list *diags);
form *form_load_json_shared(json_t *doc, const char *name, const form_shared *shared, diag_list *diags);

/* Compiles src with every question of f in scope (an analysis looks at whole records, not backwards as a
 * condition does): for indicator definitions. Returns NULL with *err filled. */
expr *form_compile_expr(const form *f, const char *src, expr_type want, expr_error *err);

/* The form's document with every shared list it names (the local health offer, offer.json) written inline: the
 * complete meaning of this version, on which its fingerprint is computed. New reference. */
json_t *form_expanded_doc(const form *f);

/* Frees f; form_free(NULL) does nothing. */
void form_free(form *f);

/* The question with this id, or NULL. O(1). */
const form_question *form_question_by_id(const form *f, const char *id);

/* The choice (or row, for rows == true) with this code, or NULL. For a territory question, a territory from
 * the territories file is not a form_choice: use form_accepts_code. */
const form_choice *form_choice_by_code(const form_question *q, const char *code, bool rows);

/* True when code is a valid answer code of q (choices, and for territory questions the territories too). */
bool form_accepts_code(const form *f, const form_question *q, const char *code);

/* The text of a language map in lang, falling back to French; "" when text is NULL. */
const char *form_text(const json_t *text, const char *lang);

/* True when f declares lang. */
bool form_has_language(const form *f, const char *lang);

/* The stable name of a question type ("single", "grid", ...) and back; -1 when unknown. */
const char *form_qtype_name(form_qtype t);
int form_qtype_parse(const char *name);

/* Compares two version strings ("1", "1.2", "2026.10") number by number: <0, 0, >0. */
int form_version_cmp(const char *a, const char *b);

/* True when s is a valid version string. */
bool form_version_valid(const char *s);

#endif /* FORMS_FORM_H */
