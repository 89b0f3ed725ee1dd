/* xlsform.h -- a form as an XLSForm workbook, both ways (forms/README.md, "Éditer un questionnaire dans un
 * tableur").
 *
 * xlsform_write turns a form document into a workbook with sheets survey, choices and settings (libxlsxwriter);
 * xlsform_read turns such a workbook, as Excel or LibreOffice saved it, back into a form document. Our
 * constructs without an XLSForm equivalent keep a documented form in extra columns, so that the round trip is
 * exact. Errors name the sheet and cell ("survey!F12"), in French; XLSForm features we do not support are
 * refused by name, anything else unknown is a warning.
 */
#ifndef FORMS_XLSFORM_H
#define FORMS_XLSFORM_H

#include <stdbool.h>

#include <jansson.h>

#include "diag.h"
#include "xlsx.h"

/* Writes form document doc (as written in its file) to the workbook path, through a temporary file renamed
 * over path (mode 0600). offer is the shared list of local services (offer.json's document) or NULL; when the
 * form uses it, it is written as list_name "offre" in the choices sheet. Returns true, or false after adding
 * an error to diags (nothing is left at path then). A named list that would come back inline (see the README)
 * gets a warning. */
bool xlsform_write(const json_t *doc, const json_t *offer, const char *path, diag_list *diags);

/* Reads the workbook at path. Returns the form document (new reference) and, when the workbook holds the
 * shared list "offre", sets *offer to an offer.json document (new reference, else NULL). When where is not
 * NULL, sets *where to the workbook's source map (new reference; see xlsform_locate), also on failure (it may
 * then be NULL). Returns NULL after adding the errors to diags (each naming sheet!cell). The document is not
 * yet checked against the survey language rules: load it with form_load_json, then xlsform_locate. */
json_t *xlsform_read(const char *path, json_t **offer, json_t **where, diag_list *diags);

/* As xlsform_read, from a workbook already read; file is the name used in diagnostics. */
json_t *xlsform_read_book(const xlsx_book *book, const char *file, json_t **offer, json_t **where,
                          diag_list *diags);

/* Rewrites the JSON path of every diagnostic in diags[from..] (as form_load_json gives them, such as
 * "$.sections[2].questions[4].relevant") into the cell it came from ("survey!H9"), using the source map
 * where from xlsform_read (the longest mapped prefix of the path wins). Paths it cannot map are left. */
void xlsform_locate(const json_t *where, diag_list *diags, size_t from);

#endif /* FORMS_XLSFORM_H */
