/* home.c -- GET / (see home.h). */
#include "home.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "uistr.h"
#include "web.h"

#define HOME_MAX_LANGS 32 /* languages across the current forms; each form has at most 16 (form.h) */

/* Sends 303 See Other to location (a path of this service). */
static void see_other(hreq *h, const char *location)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(h->req);
    evhttp_add_header(out, "Location", location);
    evhttp_add_header(out, "Cache-Control", "no-store");
    evhttp_add_header(out, "Vary", "Cookie");
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "Voir %s\n", location);
    http_reply_buffer(h, 303, "text/plain; charset=utf-8", b);
    evbuffer_free(b);
}

void home_root(hreq *h, const char *const *params)
{
    auth_identity who;
    /* Only a session redirects: the page is the same for everybody else, so it may be cached by its ETag. */
    if (auth_peek(h, &who) && who.session) {
        see_other(h, who.role == AUTH_MEDIATOR ? "/entry" : "/admin");
        return;
    }
    evhttp_add_header(evhttp_request_get_output_headers(h->req), "Vary", "Cookie");
    web_home_page(h, params);
}

/* Adds lang to langs (n of them) unless it is there already or the list is full. */
static void add_lang(const char **langs, size_t *n, const char *lang)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(langs[i], lang) == 0)
            return;
    if (*n < HOME_MAX_LANGS)
        langs[(*n)++] = lang;
}

char *home_forms_json(const catalog *c, const json_t *ui)
{
    const char *langs[HOME_MAX_LANGS];
    size_t nlangs = 0;
    json_t *forms = json_array();
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (catalog_current(c, f->id) != f)
            continue;
        json_t *titles = json_object(), *fl = json_array();
        for (size_t l = 0; l < f->nlanguages; l++) {
            json_object_set_new(titles, f->languages[l], json_string(form_text(f->title, f->languages[l])));
            json_array_append_new(fl, json_string(f->languages[l]));
            add_lang(langs, &nlangs, f->languages[l]);
        }
        json_array_append_new(forms, json_pack("{s:s, s:o, s:o}", "id", f->id, "title", titles, "languages", fl));
    }
    json_t *doc = json_pack("{s:o, s:o}", "forms", forms, "ui", uistr_page(ui, "home", langs, nlangs));
    /* JSON_ESCAPE_SLASH writes "<\/script>", so no title can close the inline data block. */
    char *s = json_dumps(doc, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return s;
}
