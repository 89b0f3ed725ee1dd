/* formdiff.h -- what changed between two versions of a form, question by question, so that an analyst knows
 * which answers can be pooled or compared across versions (collector forms diff, and the analyzer's warnings).
 *
 * A change "changes meaning" when answers to the two versions no longer say the same thing: a question added or
 * removed, its type changed, its French label reworded (French is the reference text), a choice or grid row
 * added (except a choice "nsp" or "refus", which every indicator leaves out of its denominator), removed,
 * recoded or relabelled in French, or when it is asked (relevant, of the question or of its
 * section) changed, a scale's range or the French labels of its points changed, or how many choices a multiple
 * question allows. Translations, hints, paper numbers, required, constraints and other bounds are reported but do not
 * change meaning: they change how a question is shown or checked, not what an answer means.
 *
 * Ownership: a formdiff owns copies of every string it reports; it does not keep the forms.
 */
#ifndef FORMS_FORMDIFF_H
#define FORMS_FORMDIFF_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "form.h"

typedef enum formdiff_kind {
    FORMDIFF_ADDED,          /* question only in the second version */
    FORMDIFF_REMOVED,        /* question only in the first */
    FORMDIFF_TYPE,           /* type, or single/several territories */
    FORMDIFF_REWORDED,       /* French label */
    FORMDIFF_TRANSLATION,    /* label in another language (item: the language) */
    FORMDIFF_HINT,           /* French hint */
    FORMDIFF_ITEM_ADDED,     /* choice or row (item: its code) */
    FORMDIFF_ITEM_REMOVED,
    FORMDIFF_ITEM_RECODED,   /* same French label, another code (item: old code, after: new code) */
    FORMDIFF_ITEM_RELABELED, /* same code, French label changed */
    FORMDIFF_ITEM_TRANSLATION, /* same code, label in another language changed (before: the language) */
    FORMDIFF_ITEM_PAPER,     /* same code, paper number changed */
    FORMDIFF_RELEVANT,       /* relevant of the question, or of its section (item: the section id) */
    FORMDIFF_REQUIRED,
    FORMDIFF_CONSTRAINT,
    FORMDIFF_BOUNDS,         /* min, max, dates, max_selected, max_length; changes meaning for a scale's range
                              * and a multiple choice's max_selected, which shape what the answers say */
    FORMDIFF_SCALE_LABELS,   /* the French labels of a scale's points */
    FORMDIFF_CALCULATION     /* a computed answer's calculation (before or after NULL: asked in that version);
                              * changes meaning only from one calculation to another */
} formdiff_kind;

typedef struct formdiff_change {
    formdiff_kind kind;
    char *question;          /* question id */
    char *item;              /* choice or row code, language, or section id; NULL when none */
    bool row;                /* item is a grid row rather than a choice */
    char *before, *after;    /* what it was and what it is (texts, expressions, codes); NULL when none */
    bool meaning;            /* answers to the two versions no longer mean the same */
} formdiff_change;

typedef struct formdiff {
    char *form_id, *from, *to;
    formdiff_change *items;
    size_t count, cap;
} formdiff;

/* Compares version a (older) with b (newer) of the same form. Never NULL. */
formdiff *formdiff_compare(const form *a, const form *b);

/* Frees d; formdiff_free(NULL) does nothing. */
void formdiff_free(formdiff *d);

/* The kind's stable name in JSON ("reworded", "item_recoded", ...). */
const char *formdiff_kind_name(formdiff_kind k);

/* A short French description of c, e.g. "R13 reformulée", "R08 : choix « 3 » recodé en « 4 »". */
void formdiff_describe(const formdiff_change *c, char *buf, size_t len);

/* The first change of question qid that changes meaning, or NULL. */
const formdiff_change *formdiff_meaning_change(const formdiff *d, const char *qid);

/* Number of changes that change meaning. */
size_t formdiff_meaning_count(const formdiff *d);

/* {"form", "from", "to", "changes": [{"kind", "question", "item"?, "row"?, "before"?, "after"?, "meaning"}]}:
 * a new reference. */
json_t *formdiff_to_json(const formdiff *d);

#endif /* FORMS_FORMDIFF_H */
