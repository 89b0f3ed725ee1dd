/* codebook.h -- the dictionary of a form's exported variables: for each column of the flat layout (forms/flat.h)
 * its name in every export (the mapping from a question, a grid row or a choice to a variable), its label and its
 * labelled values exactly as the Stata and SPSS files hold them (extract.h: ext_values), each question's wording in
 * every language of the form, and each indicator in plain French (ind_def.definition).
 *
 * Everything a reader sees is French: types and kinds in French words, numbers in French format. The raw
 * expressions (skip conditions, indicator formulas) are only in the HTML page's "Annexe technique" (id
 * "annexe-technique") and in the CSV columns whose header says "expression".
 *
 * CSV: one line per variable (nature "variable"), then one per labelled value of it (nature "valeur"), then one
 * per indicator (nature "indicateur"); columns nature, variable, question, code, numero_papier, valeur,
 * valeur_stata, libelle, type, section, texte_LANG for each language (the question's, row's or choice's wording),
 * condition_expression, definition, expression.
 */
#ifndef ANALYZER_CODEBOOK_H
#define ANALYZER_CODEBOOK_H

#include <stdio.h>

#include "catalog.h"
#include "indicators.h"

/* The dictionary of form_id of c (every version's questions, as the exports have them); defs may be NULL (no
 * indicator file: no score columns and no indicators). Return 0, or -1 on a write error or an unknown form. */
int cb_write_csv(const catalog *c, const char *form_id, const ind_set *defs, FILE *out);
int cb_write_html(const catalog *c, const char *form_id, const ind_set *defs, FILE *out);

/* The French name of a question type ("choix unique", ...) and of an indicator kind ("moyenne", ...). */
const char *cb_type_name(form_qtype t);
const char *cb_kind_name(ind_kind k);

#endif /* ANALYZER_CODEBOOK_H */
