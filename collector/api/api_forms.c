/* api_forms.c -- GET endpoints that serve the survey definitions and the territories, and the health check. */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "api.h"
#include "app.h"
#include "util.h"

void api_healthz(hreq *h, const char *const *params)
{
    (void)params;
    /* The read connection answering a trivial query shows the database is reachable. */
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(store_db(h->srv->reader), "SELECT 1", -1, &st, NULL) == SQLITE_OK &&
              sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!ok) {
        http_error(h, 503, "database_unavailable", NULL, "la base de données ne répond pas");
        return;
    }
    http_reply_json(h, 200, json_pack("{s:s}", "status", "ok"));
}

void api_forms_list(hreq *h, const char *const *params)
{
    (void)params;
    const catalog *c = h->srv->forms;
    json_t *list = json_array();
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (catalog_current(c, f->id) != f)
            continue;
        json_t *langs = json_array(), *versions = json_array();
        for (size_t l = 0; l < f->nlanguages; l++)
            json_array_append_new(langs, json_string(f->languages[l]));
        for (size_t k = 0; k < catalog_count(c); k++)
            if (strcmp(catalog_at(c, k)->id, f->id) == 0)
                json_array_append_new(versions, json_string(catalog_at(c, k)->version));
        json_array_append_new(list, json_pack("{s:s, s:s, s:O, s:o, s:o}", "id", f->id, "version", f->version,
                                              "title", f->title, "languages", langs, "versions", versions));
    }
    http_reply_json(h, 200, json_pack("{s:o}", "forms", list));
}

static void reply_form(hreq *h, const form *f)
{
    http_reply_json(h, 200, form_expanded_doc(f)); /* with the shared list of local services inline */
}

void api_form_current(hreq *h, const char *const *params)
{
    const form *f = catalog_current(h->srv->forms, params[0]);
    if (f == NULL) {
        http_unknown_form(h, params[0]);
        return;
    }
    reply_form(h, f);
}

void api_form_version(hreq *h, const char *const *params)
{
    const form *f = catalog_get(h->srv->forms, params[0], params[1]);
    if (f == NULL) {
        if (catalog_current(h->srv->forms, params[0]) == NULL)
            http_unknown_form(h, params[0]);
        else
            http_unknown_version(h, params[0], params[1]);
        return;
    }
    reply_form(h, f);
}

void api_territories(hreq *h, const char *const *params)
{
    (void)params;
    const terr_set *ts = catalog_territories(h->srv->forms);
    json_t *list = json_array();
    for (size_t i = 0; ts && i < ts->count; i++) {
        const terr *t = &ts->items[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:i}", "code", t->code, "name", t->name, "kind",
                              t->qpv ? "qpv" : "rest", "paper", t->paper);
        json_object_set_new(o, "names", terr_names_json(t)); /* "name" stays French for existing clients */
        if (t->target > 0)
            json_object_set_new(o, "target", json_integer(t->target));
        json_array_append_new(list, o);
    }
    json_t *out = json_pack("{s:o, s:b}", "territories", list, "example", ts ? ts->example : 0);
    if (ts && ts->commune_name)
        json_object_set_new(out, "commune", json_pack("{s:s?, s:s?}", "insee", ts->commune_insee, "name",
                                                      ts->commune_name));
    http_reply_json(h, 200, out);
}
