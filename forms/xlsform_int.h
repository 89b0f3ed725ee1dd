/* xlsform_int.h -- what the two halves of the XLSForm mapping share (xlsform_write.c, xlsform_read.c): the
 * languages as column headers show them, and the names the writer gives to a question's own lists. Private to
 * the mapping; the public interface is xlsform.h.
 */
#ifndef FORMS_XLSFORM_INT_H
#define FORMS_XLSFORM_INT_H

#include <stdbool.h>
#include <stddef.h>

#define MAX_LANGS 16
#define EXPR_CELL (XLSX_MAX_CELL_BYTES + 1) /* an expression may fill a cell */

/* The display name of a language code in its own language ("Français"), or NULL when the table lacks it. */
const char *xlsf_lang_display(const char *code);

/* The language of a column suffix: "Français (fr)", "fr", "FR" or a display name of the table ("English").
 * Writes the lowercase code into out (at least 4 bytes); false when it is none of those. */
bool xlsf_lang_parse(const char *s, char *out);

/* The header of column base in language code: "label::Français (fr)", or "label::xx" for a code the table
 * lacks. */
void xlsf_lang_header(char *buf, size_t size, const char *base, const char *code);

/* True when name is a list_name the writer gives to the own list of question qid (suffix "", "_rows" or
 * "_labels"): qid + suffix, or that followed by "-N" (N >= 2). */
bool xlsf_own_list_name(const char *qid, const char *suffix, const char *name);

#endif /* FORMS_XLSFORM_INT_H */
