/* expr.h -- the expression language of forms (relevant, required, constraint, calculation).
 *
 * An expression is compiled once, when its form is loaded: compilation parses it, resolves every ${ref}
 * through the caller's scope and checks types, so that a misspelt reference, a choice code that does not exist
 * or a comparison of a number with a string is reported to the form's author and never met by a resident.
 * A compiled expression is then evaluated any number of times against a set of answers.
 *
 * The language is specified in forms/README.md ("Expressions"); tests/data/expressions.json is the table of
 * cases that both this implementation and the browser's are held to.
 *
 * Ownership: expr_compile returns an expression the caller owns and frees with expr_free. Values met during
 * evaluation (strings of answers) are borrowed from the caller's json_t answers and live as long as they do.
 */
#ifndef FORMS_EXPR_H
#define FORMS_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Hard limits on what an expression may be, so that hostile or broken forms cannot exhaust the stack. */
#define EXPR_MAX_LEN 2000   /* bytes of source */
#define EXPR_MAX_DEPTH 48   /* nesting of sub-expressions */

typedef enum expr_type {
    EXPR_T_ANY = 0, /* only as the `want` argument of expr_compile: no constraint on the result */
    EXPR_T_BOOL,
    EXPR_T_NUMBER,
    EXPR_T_STRING,
    EXPR_T_DATE,
    EXPR_T_SET,     /* answer of a `multiple` question */
    EXPR_T_NONE     /* a reference that has no value (a note, a whole grid): usable nowhere */
} expr_type;

typedef enum expr_errkind {
    EXPR_ERR_SYNTAX = 1, /* not a well-formed expression, or over the limits above */
    EXPR_ERR_REFERENCE,  /* ${ref} unknown, not allowed here, or '.' outside a constraint */
    EXPR_ERR_TYPE,       /* operands or result of the wrong type, wrong function arity */
    EXPR_ERR_CHOICE      /* a string literal that is not a code of the choice question it is compared with */
} expr_errkind;

typedef struct expr_error {
    expr_errkind kind;
    size_t pos;          /* byte offset in the source where the problem was found */
    char message[256];   /* French, for the form's author: "référence inconnue : ${R99}" */
} expr_error;

/* What compilation learns of a reference: its type and, for choice questions, how to check a code. */
typedef struct expr_ref {
    expr_type type;
    /* For single, multiple, territory questions and grid rows: returns whether code is one of the choices.
     * NULL when any string is acceptable (text questions). */
    bool (*has_code)(const void *subject, const char *code);
    const void *subject;
} expr_ref;

typedef struct expr_scope {
    /* Resolves ${qid} (row == NULL) or ${qid.row}. Returns 0 and fills *out, or -1 after writing a French
     * message into err (errlen bytes) when the reference is unknown or not allowed where it is used. */
    int (*resolve)(void *ctx, const char *qid, const char *row, expr_ref *out, char *err, size_t errlen);
    void *ctx;
    const expr_ref *dot; /* what '.' is, in a constraint; NULL where '.' is not allowed */
} expr_scope;

typedef struct expr expr;

/* Compiles src in scope. want is the type the result must have (EXPR_T_BOOL for relevant, required and
 * constraint), or EXPR_T_ANY. Returns the compiled expression, or NULL with *err filled. */
expr *expr_compile(const char *src, const expr_scope *scope, expr_type want, expr_error *err);

/* Frees e; expr_free(NULL) does nothing. */
void expr_free(expr *e);

/* The static type of the result of e. */
expr_type expr_result_type(const expr *e);

/* Calls fn for every reference in e, in source order (row is NULL for ${qid}); '.' is not reported. */
void expr_foreach_ref(const expr *e, void (*fn)(void *ctx, const char *qid, const char *row), void *ctx);

/* Calls fn for every leaf the value of e may come from, following if() into both its branches: a string
 * literal (lit set, qid NULL), a reference (qid and row as in expr_foreach_ref), or any other value (all three
 * NULL). The literal '' (no value) is not reported. Used to check that a computed answer only takes the codes
 * of its choices. */
void expr_foreach_result(const expr *e, void (*fn)(void *ctx, const char *lit, const char *qid, const char *row),
                         void *ctx);

/* The answers an evaluation reads. */
typedef struct expr_values {
    /* Returns the answer to ${qid} or ${qid.row}, borrowed, or NULL when it is empty (not answered, skipped,
     * or judged invalid). A value whose JSON type does not fit the reference's type is treated as empty. */
    const json_t *(*lookup)(void *ctx, const char *qid, const char *row);
    void *ctx;
    const json_t *dot;  /* the answer being checked, for '.'; NULL when empty */
    const char *today;  /* "YYYY-MM-DD", the value of today(); injected so tests control the clock */
} expr_values;

/* The result of an evaluation. str is borrowed from the expression or from the answers. */
typedef struct expr_value {
    expr_type type;
    bool empty;         /* the empty value (an unanswered reference) */
    bool b;             /* EXPR_T_BOOL */
    double num;         /* EXPR_T_NUMBER; NaN after arithmetic with an empty value */
    const char *str;    /* EXPR_T_STRING, EXPR_T_DATE */
    const json_t *set;  /* EXPR_T_SET: the JSON array of codes */
} expr_value;

/* Evaluates e. Never fails on well-typed input: type mismatches in the answers read as empty values. */
expr_value expr_eval(const expr *e, const expr_values *vals);

/* Evaluates a boolean expression; an empty result counts as false. */
bool expr_eval_bool(const expr *e, const expr_values *vals);

/* Returns the French name of a type, for messages ("nombre", "texte", ...). */
const char *expr_type_name(expr_type t);

#endif /* FORMS_EXPR_H */
