/* formscmd.h -- "collector forms ...": the coordinator's commands on questionnaires.
 *
 *   collector forms export ID [--forms DIR] [--version V] -o FILE.xlsx    a form as an XLSForm workbook
 *   collector forms import FILE.xlsx [--forms DIR] [-o DIR/ID.json]        a workbook back to a checked form
 *   collector forms diff ID V1 V2 [--forms DIR] [--db PATH] [--json]      what changed between two versions
 *   collector forms translations ID --lang L [--forms DIR] [--accept [KEY...]] [--json]
 *                                                                          status of every text in language L
 *
 * Each returns a process exit status: 0 done, 1 the input has errors (printed), 2 bad usage.
 */
#ifndef COLLECTOR_FORMSCMD_H
#define COLLECTOR_FORMSCMD_H

/* Dispatches argv[1] (argv[0] is "forms"). */
int formscmd(int argc, char **argv);

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "catalog.h"
#include "diag.h"
#include "xlsx.h"

int formscmd_export(int argc, char **argv);       /* formscmd_xlsx.c */
int formscmd_import(int argc, char **argv);       /* formscmd_xlsx.c */
int formscmd_diff(int argc, char **argv);         /* formscmd_diff.c */
int formscmd_translations(int argc, char **argv); /* formscmd_i18n.c */

/* ---- the import as a function (formscmd_xlsx.c), for `forms import` and the console's upload ----------- */

typedef struct formscmd_import_opts {
    const char *dir;             /* the forms folder */
    const char *out;             /* where the form goes; NULL: DIR/ID.json */
    const char *name;            /* the workbook's name in diagnostics */
    bool dry_run;                /* every check, nothing written */
    /* Called, once every other check has passed, with the catalog of the folder as it will be after the write
     * (a private image, closed afterwards: it may be changed, nothing kept). A nonzero return stops the import
     * before anything is written (FORMSCMD_IMPORT_VETOED); its diagnostics go to diags. NULL: none. */
    int (*vet)(catalog *after, void *arg, diag_list *diags);
    void *vet_arg;
} formscmd_import_opts;

enum {
    FORMSCMD_IMPORT_OK = 0,      /* checked, and written unless dry_run */
    FORMSCMD_IMPORT_INVALID,     /* errors in diags; nothing written */
    FORMSCMD_IMPORT_VETOED,      /* the vet refused (its status in vetoed); nothing written */
    FORMSCMD_IMPORT_PARTIAL      /* offer.json replaced but the form could not be written, nor offer.json put back */
};

typedef struct formscmd_import_result {
    form *form;                  /* the new form as loaded (owned), NULL when it has errors */
    json_t *doc;                 /* its document, NULL when the workbook could not be read */
    json_t *old_doc;             /* what the target file held before, or NULL */
    bool offer_changed;          /* offer.json is (or would be) rewritten from the workbook */
    size_t offer_services;       /* the workbook's services, when offer_changed */
    int vetoed;                  /* the vet's return */
    char out[4200];              /* the form's file */
    char offer_path[4200];
} formscmd_import_result;

/* Imports workbook book into the folder o->dir exactly as `collector forms import` does: every check of
 * check-forms on the form and on the folder as it will be, then the files written atomically (outfile.h), the
 * translation records noted. Writes nothing when there is an error. Returns a FORMSCMD_IMPORT_* status; r is
 * filled in every case (free it with formscmd_import_result_free). */
int formscmd_import_book(const xlsx_book *book, const formscmd_import_opts *o, diag_list *diags,
                         formscmd_import_result *r);

/* Frees what r holds and zeroes it; NULL does nothing. */
void formscmd_import_result_free(formscmd_import_result *r);

#endif /* COLLECTOR_FORMSCMD_H */
