/* reload.c -- a new catalog and new pages from the forms folder, swapped into the running server (reload.h). */
#include "reload.h"

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "catalog.h"
#include "store.h"
#include "util.h"
#include "web.h"

/* A catalog and its pages, replaced by a reload and kept until server_free. */
struct reload_retired {
    catalog *forms;
    web *web;
    struct reload_retired *next;
};

int reload_forms(srv *s, diag_list *diags, char *err, size_t errlen)
{
    web *w = NULL;
    int rc = 1;
    catalog *c = catalog_open(s->cfg.forms_dir, diags);
    if (c == NULL) {
        snprintf(err, errlen, "les formulaires de %s ont des erreurs", s->cfg.forms_dir);
        goto fail;
    }
    rc = store_check_forms(s->cfg.db_path, c, diags, err, errlen);
    if (rc > 0)
        snprintf(err, errlen, "un formulaire qui a déjà des réponses a été modifié");
    if (rc != 0)
        goto fail;
    w = web_new(s->cfg.web_dir, c, err, errlen);
    if (w == NULL) {
        rc = -1;
        goto fail;
    }
    struct reload_retired *old = xcalloc(1, sizeof *old);
    *old = (struct reload_retired){.forms = s->forms, .web = s->web, .next = s->retired};
    s->retired = old;
    s->forms = c;
    s->web = w;
    return 0;
fail:
    catalog_close(c);
    return rc;
}

void reload_retired_free(srv *s)
{
    while (s->retired) {
        struct reload_retired *r = s->retired;
        s->retired = r->next;
        web_free(r->web);
        catalog_close(r->forms);
        free(r);
    }
}
