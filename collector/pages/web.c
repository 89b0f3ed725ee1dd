/* web.c -- the residents' form page, its service worker and campaign QR codes (see web.h). */
#include "web.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>
#include <qrencode.h>
#include <zlib.h>

#include "api.h"
#include "app.h"
#include "home.h"
#include "minify.h"
#include "uistr.h"
#include "util.h"

#define WEB_MAX_FILE (1024 * 1024)

/* The pages, each built from a template set: an HTML template, its style and its script. */
enum { KIND_FORM, KIND_PRINT, KIND_ENTRY, KIND_ADMIN, KIND_SIGNIN, KIND_HOME, NKINDS };

/* The page of pages.json (uistr.h) whose words each kind shows. */
static const char *const ui_page[NKINDS] = {"form", "print", "entry", "admin", "signin", "home"};

static const char *const templates[NKINDS][3] = {
    {"form.html", "app.css", "app.js"},
    {"print.html", "print.css", "print.js"},
    {"entry.html", "entry.css", "entry.js"},
    {"admin.html", "admin.css", "admin.js"},    /* the coordinator's console */
    {"signin.html", "signin.css", "signin.js"}, /* where a one-time sign-in link lands */
    {"home.html", "home.css", "home.js"},       /* GET / for residents: the campaign's links */
};

typedef struct page {
    int kind;
    char *form_id;         /* NULL for the entry page */
    sbuf html;
    uint8_t *gz;
    size_t gzlen;
    char etag[24];
} page;

struct web {
    page *pages;
    size_t npages;
    char *csp[NKINDS];     /* one policy per template set: it allows exactly that set's inline script and style */
    sbuf sw;               /* the service worker */
    char sw_etag[24];
    json_t *ui;            /* pages.json, for the pages built per request (the posters: poster.c) */
};

/* Reads dir/name whole; NULL with a message when it cannot. */
static char *read_file(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s : %s", path, strerror(errno));
        return NULL;
    }
    sbuf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < WEB_MAX_FILE)
        sbuf_add(&b, chunk, n);
    fclose(f);
    if (b.data == NULL)
        sbuf_add(&b, "", 0);
    return b.data;
}

/* Replaces *s, a style sheet or a script as lang says, by its minified text (minify.h): a fifth less to send to
 * a phone on a slow network. */
static void shrink(char **s, minify_lang lang)
{
    char *m = minify(*s, lang);
    free(*s);
    *s = m;
}

/* 'sha256-…' of s, for the Content-Security-Policy. */
static void csp_hash(const char *s, char out[64])
{
    uint8_t h[32];
    store_sha256(s, strlen(s), h);
    char b64[48];
    EVP_EncodeBlock((unsigned char *)b64, h, 32);
    snprintf(out, 64, "'sha256-%s'", b64);
}

static int gzip_buf(const char *in, size_t len, uint8_t **out, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, len);
    *out = xmalloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = *out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *outlen = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

static void etag_of(const char *s, size_t len, char out[24])
{
    uint8_t h[32];
    store_sha256(s, len, h);
    snprintf(out, 24, "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
}

/* Copies tpl into out, replacing each "{{NAME}}" whose name is in names by its value. */
static void fill(sbuf *out, const char *tpl, const char *const *names, const char *const *values, size_t n)
{
    const char *p = tpl;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (open == NULL) {
            sbuf_adds(out, p);
            break;
        }
        sbuf_add(out, p, (size_t)(open - p));
        const char *close = strstr(open, "}}");
        bool done = false;
        for (size_t i = 0; close && i < n; i++)
            if ((size_t)(close - open - 2) == strlen(names[i]) && strncmp(open + 2, names[i], strlen(names[i])) == 0) {
                sbuf_adds(out, values[i]);
                p = close + 2;
                done = true;
                break;
            }
        if (!done) {
            sbuf_add(out, "{{", 2);
            p = open + 2;
        }
    }
}

/* The territories as the pages need them: codes, names (French, and "names" in every language the file gives),
 * kinds and paper numbers (no population figures). */
static char *territories_json(const catalog *c)
{
    json_t *arr = json_array();
    const terr_set *ts = catalog_territories(c);
    for (size_t i = 0; ts && i < ts->count; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:s, s:i}", "code", ts->items[i].code, "name",
                                             ts->items[i].name, "names", terr_names_json(&ts->items[i]), "kind",
                                             ts->items[i].qpv ? "qpv" : "rest", "paper", ts->items[i].paper));
    /* JSON_ESCAPE_SLASH writes "<\/script>", so no text can close the inline data block. */
    char *s = json_dumps(arr, JSON_COMPACT | JSON_ESCAPE_SLASH);
    json_decref(arr);
    return s;
}

/* s with &, <, > and quotes escaped for HTML text (titles come from the operator's form files). Owned. */
static char *html_escape(const char *s)
{
    sbuf b = {0};
    util_html_escape(&b, s);
    if (b.data == NULL)
        sbuf_add(&b, "", 0);
    return b.data;
}

/* Every current form's definition, for the entry page. */
static char *forms_json(const catalog *c)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < catalog_count(c); i++)
        if (catalog_current(c, catalog_at(c, i)->id) == catalog_at(c, i))
            json_array_append_new(arr, form_expanded_doc(catalog_at(c, i))); /* shared lists inline */
    char *s = json_dumps(arr, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_PRESERVE_ORDER);
    json_decref(arr);
    return s;
}

/* The French text of key for kind, HTML-escaped (for the template's text before the script runs). Owned. */
static char *ui_html(const json_t *ui, int kind, const char *key)
{
    const char *s = uistr_fr(ui, ui_page[kind], key);
    return html_escape(s ? s : "");
}

/* The residents' page's first script, before any content: until the page's own scripts have run, it keeps each
 * tap on the welcome screen that the server drew (welcome_html) as the selector of its button, for app.js to
 * carry out on the screen it draws (app.js then sets window.__early to null, which ends the keeping). The page
 * paints that screen as soon as its first bytes arrive; the form and the scripts follow. */
static const char early_js[] =
    "window.__early=[];addEventListener('click',function(e){var q=window.__early,"
    "b=q&&e.target.closest&&e.target.closest('#start,[data-lang]');"
    "if(b)q.push(b.id==='start'?'#start':'[data-lang=\"'+b.getAttribute('data-lang')+'\"]')},true);";

/* The welcome screen of form f as app.js draws it, in French: title, the languages, the notice, Commencer. */
static char *welcome_html(const json_t *ui, const form *f)
{
    sbuf b = {0};
    const char *choose = uistr_fr(ui, "form", "chooseLang"), *start = uistr_fr(ui, "form", "start");
    const char *back = uistr_fr(ui, "form", "back"), *next = uistr_fr(ui, "form", "next");
    const json_t *langs = json_object_get(ui, "languages");
    sbuf_adds(&b, "<section class=\"card\"><h1 tabindex=\"-1\">");
    util_html_escape(&b, form_text(f->title, "fr"));
    sbuf_adds(&b, "</h1><h2>");
    util_html_escape(&b, choose ? choose : "");
    sbuf_adds(&b, "</h2><div class=\"langs\" role=\"group\" aria-label=\"");
    util_html_escape(&b, choose ? choose : "");
    sbuf_adds(&b, "\">");
    for (size_t i = 0; i < f->nlanguages; i++) {
        const char *l = f->languages[i];
        const json_t *li = json_object_get(langs, l);
        const char *name = json_string_value(json_object_get(li, "name")), *dir = json_string_value(json_object_get(li, "dir"));
        sbuf_addf(&b, "<button type=\"button\" lang=\"%s\" dir=\"%s\" data-lang=\"%s\" aria-pressed=\"%s\">", l,
                  dir && strcmp(dir, "rtl") == 0 ? "rtl" : "ltr", l, i == 0 ? "true" : "false");
        util_html_escape(&b, name ? name : l);
        sbuf_adds(&b, "</button>");
    }
    sbuf_adds(&b, "</div></section>");
    if (f->notice) {
        sbuf_adds(&b, "<section class=\"card notice\"><p>");
        util_html_escape(&b, form_text(f->notice, "fr"));
        sbuf_adds(&b, "</p></section>");
    }
    sbuf_adds(&b, "<nav class=\"nav\" aria-label=\"");
    util_html_escape(&b, back ? back : "");
    sbuf_adds(&b, " / ");
    util_html_escape(&b, next ? next : "");
    sbuf_adds(&b, "\"><button type=\"button\" class=\"primary\" id=\"start\">");
    util_html_escape(&b, start ? start : "");
    sbuf_adds(&b, "</button></nav>");
    return b.data;
}

/* ---------------------------------------------------------------------------------------------------------
 * The residents' page carries its texts in two parts: French (and the form's first language) in the blocks
 * its scripts read, the other languages in one block after the scripts, which app.js adds when the page has
 * been parsed. On a slow network the first screens then wait only for the part a French reader needs (a
 * language is about 4 KB of the 21 KB the four of them weigh compressed); the page, whole, still opens offline
 * in every language.
 */

/* True when lang is one of the languages the first part keeps for form f. */
static bool first_part_lang(const char *lang, const form *f)
{
    return strcmp(lang, "fr") == 0 || (f->nlanguages > 0 && strcmp(lang, f->languages[0]) == 0);
}

/* True when v is a text in several languages: a non-empty object whose keys are all languages of f and whose
 * values are all strings (form_text's shape). */
static bool is_text(const json_t *v, const form *f)
{
    if (!json_is_object(v) || json_object_size(v) == 0)
        return false;
    const char *k;
    const json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        bool known = false;
        for (size_t i = 0; i < f->nlanguages && !known; i++)
            known = strcmp(k, f->languages[i]) == 0;
        if (!known || !json_is_string(x))
            return false;
    }
    return true;
}

/* Moves out of doc, in place, every translation first_part_lang does not keep. Returns what was moved in the
 * shape of doc (objects by key, arrays by index with null where nothing moved), or NULL when nothing was: a
 * new reference. */
static json_t *split_texts(json_t *doc, const form *f)
{
    json_t *rest = NULL, *v, *r;
    if (is_text(doc, f)) {
        const char *k;
        void *tmp;
        json_object_foreach_safe(doc, tmp, k, v) {
            if (first_part_lang(k, f))
                continue;
            if (rest == NULL)
                rest = json_object();
            json_object_set(rest, k, v);
            json_object_del(doc, k);
        }
    } else if (json_is_object(doc)) {
        const char *k;
        json_object_foreach(doc, k, v)
            if ((r = split_texts(v, f)) != NULL) {
                if (rest == NULL)
                    rest = json_object();
                json_object_set_new(rest, k, r);
            }
    } else if (json_is_array(doc)) {
        size_t i;
        json_array_foreach(doc, i, v)
            if ((r = split_texts(v, f)) != NULL) {
                if (rest == NULL)
                    rest = json_array();
                while (json_array_size(rest) < i)
                    json_array_append_new(rest, json_null());
                json_array_append_new(rest, r);
            }
    }
    return rest;
}

/* Cuts the residents' page's form definition fdoc and words uidoc (uistr_page) in two, in place, and returns
 * the second part's block, {"form": …, "ui": {"strings": {lang: …}}} (see above), as owned JSON text. */
static char *split_page(json_t *fdoc, json_t *uidoc, const form *f)
{
    json_t *more = json_object(), *strings = json_object_get(uidoc, "strings"), *moved = json_object(), *v;
    json_t *rest = split_texts(fdoc, f);
    if (rest != NULL)
        json_object_set_new(more, "form", rest);
    const char *k;
    void *tmp;
    json_object_foreach_safe(strings, tmp, k, v) {
        if (first_part_lang(k, f))
            continue;
        json_object_set(moved, k, v);
        json_object_del(strings, k);
    }
    json_object_set_new(more, "ui", json_pack("{s:o}", "strings", moved));
    char *s = json_dumps(more, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_PRESERVE_ORDER);
    json_decref(more);
    return s;
}

/* Builds one page of kind from its template set text[kind] (html, css, js) and the engine. */
static bool add_page(web *w, int kind, const form *f, char *const text[NKINDS][3], const char *engine,
                     const char *tjson, const char *forms, const json_t *ui)
{
    w->pages = xrealloc(w->pages, (w->npages + 1) * sizeof *w->pages);
    page *pg = &w->pages[w->npages++];
    memset(pg, 0, sizeof *pg);
    pg->kind = kind;
    pg->form_id = f ? xstrdup(f->id) : NULL;
    /* The pages get the expanded document: the shared list of local services is written in it. The form owns
     * that document (form_expanded_doc gives a reference): the residents' page cuts its own copy. */
    json_t *fdoc = f ? form_expanded_doc(f) : NULL;
    if (fdoc && kind == KIND_FORM) {
        json_t *copy = json_deep_copy(fdoc);
        json_decref(fdoc);
        fdoc = copy;
    }
    json_t *uidoc = uistr_page(ui, ui_page[kind], f ? f->languages : NULL, f ? f->nlanguages : 0);
    char *more = kind == KIND_FORM ? split_page(fdoc, uidoc, f) : NULL;
    char *fjson = fdoc ? json_dumps(fdoc, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_PRESERVE_ORDER) : NULL;
    char *uijson = json_dumps(uidoc, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_PRESERVE_ORDER);
    json_decref(fdoc);
    json_decref(uidoc);
    static const char *const names[] = {"STYLE", "ENGINE", "APP", "FORM", "FORMS", "TERRITORIES", "FORM_ID",
                                        "TITLE", "UI", "UI_LOADING", "UI_NOSCRIPT", "EARLY", "WELCOME", "MORE"};
    char *title = f ? html_escape(form_text(f->title, "fr")) : ui_html(ui, kind, "title");
    char *loading = ui_html(ui, kind, "loading");
    char *noscript = ui_html(ui, kind, "noscript");
    char *welcome = kind == KIND_FORM ? welcome_html(ui, f) : NULL;
    const char *values[] = {text[kind][1], engine, text[kind][2], fjson ? fjson : "null", forms, tjson,
                            f ? f->id : "", title, uijson, loading, noscript, early_js, welcome ? welcome : "",
                            more ? more : "null"};
    fill(&pg->html, text[kind][0], names, values, sizeof names / sizeof *names);
    free(fjson);
    free(title);
    free(uijson);
    free(loading);
    free(noscript);
    free(welcome);
    free(more);
    etag_of(pg->html.data, pg->html.len, pg->etag);
    return gzip_buf(pg->html.data, pg->html.len, &pg->gz, &pg->gzlen) == 0;
}

web *web_new(const char *dir, const catalog *c, char *err, size_t errlen)
{
    char *text[NKINDS][3] = {{0}};
    char *engine = NULL, *sw = NULL, *tjson = NULL, *forms = NULL, *home = NULL;
    json_t *ui = NULL;
    web *w = xcalloc(1, sizeof *w);
    /* The pages' words come with the forms (forms/pages.json): a file with errors stops the start, as a form
     * with errors does, each error printed with its file and JSON path. */
    diag_list diags = {0};
    ui = uistr_load(catalog_dir(c), &diags);
    if (ui == NULL) {
        diag_print(&diags, stderr);
        snprintf(err, errlen, "%s/%s : %zu erreur(s) ci-dessus ; corrigez ce fichier du dossier des questionnaires",
                 catalog_dir(c), UISTR_FILE, diags.errors);
        diag_list_free(&diags);
        goto err;
    }
    diag_list_free(&diags);
    if ((engine = read_file(dir, "engine.js", err, errlen)) == NULL || (sw = read_file(dir, "sw.js", err, errlen)) == NULL)
        goto err;
    shrink(&engine, MINIFY_JS);
    shrink(&sw, MINIFY_JS);
    char h_engine[64];
    csp_hash(engine, h_engine);
    for (int k = 0; k < NKINDS; k++) {
        for (int i = 0; i < 3; i++)
            if ((text[k][i] = read_file(dir, templates[k][i], err, errlen)) == NULL)
                goto err;
        shrink(&text[k][1], MINIFY_CSS); /* the policy's hashes are of what is served */
        shrink(&text[k][2], MINIFY_JS);
        char h_style[64], h_app[64], h_early[64];
        csp_hash(text[k][1], h_style);
        csp_hash(text[k][2], h_app);
        csp_hash(early_js, h_early);
        sbuf csp = {0};
        sbuf_addf(&csp, "default-src 'none'; script-src %s %s%s%s; style-src %s; img-src 'self' data:; "
                  "connect-src 'self'; worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
                  "frame-ancestors 'none'", h_engine, h_app, k == KIND_FORM ? " " : "", k == KIND_FORM ? h_early : "",
                  h_style);
        w->csp[k] = csp.data;
    }
    tjson = territories_json(c);
    forms = forms_json(c);
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (catalog_current(c, f->id) != f)
            continue;
        if (!add_page(w, KIND_FORM, f, text, engine, tjson, forms, ui) ||
            !add_page(w, KIND_PRINT, f, text, engine, tjson, forms, ui))
            goto gzip_err;
    }
    home = home_forms_json(c, ui); /* the residents' link page needs titles and languages, not whole forms */
    for (int k = KIND_ENTRY; k < NKINDS; k++) /* the pages that are not per form */
        if (!add_page(w, k, NULL, text, engine, tjson, k == KIND_HOME ? home : forms, ui))
            goto gzip_err;
    sbuf_adds(&w->sw, sw);
    etag_of(w->sw.data, w->sw.len, w->sw_etag);
    w->ui = json_incref(ui);
    goto done;
gzip_err:
    snprintf(err, errlen, "compression des pages impossible");
err:
    web_free(w);
    w = NULL;
done:
    for (int k = 0; k < NKINDS; k++)
        for (int i = 0; i < 3; i++)
            free(text[k][i]);
    free(engine);
    free(sw);
    free(tjson);
    free(forms);
    free(home);
    json_decref(ui);
    return w;
}

void web_free(web *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->npages; i++) {
        free(w->pages[i].form_id);
        sbuf_free(&w->pages[i].html);
        free(w->pages[i].gz);
    }
    free(w->pages);
    for (int k = 0; k < NKINDS; k++)
        free(w->csp[k]);
    sbuf_free(&w->sw);
    json_decref(w->ui);
    free(w);
}

const json_t *web_ui(const web *w)
{
    return w->ui;
}

/* ---------------------------------------------------------------------------------------------------------
 * Handlers.
 */

static bool accepts_gzip(struct evhttp_request *req)
{
    const char *ae = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept-Encoding");
    return ae != NULL && strstr(ae, "gzip") != NULL;
}

static bool not_modified(hreq *h, const char *etag)
{
    const char *inm = evhttp_find_header(evhttp_request_get_input_headers(h->req), "If-None-Match");
    return inm != NULL && strstr(inm, etag) != NULL;
}

/* Headers every page carries, besides the policy. */
static void page_headers(struct evhttp_request *req, const char *etag)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(out, "Referrer-Policy", "no-referrer");
    evhttp_add_header(out, "X-Frame-Options", "DENY");
    evhttp_add_header(out, "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()");
    evhttp_add_header(out, "Cross-Origin-Opener-Policy", "same-origin");
    /* Revalidate each time: a new form version must reach phones; the service worker serves it offline. */
    evhttp_add_header(out, "Cache-Control", "no-cache");
    evhttp_add_header(out, "ETag", etag);
    evhttp_add_header(out, "Vary", "Accept-Encoding");
}

static void send_static(hreq *h, const char *type, const char *etag, const sbuf *plain, const uint8_t *gz,
                        size_t gzlen)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(h->req);
    page_headers(h->req, etag);
    if (not_modified(h, etag)) {
        evhttp_send_reply(h->req, 304, "Not Modified", NULL);
        http_end(h, 304);
        return;
    }
    evhttp_add_header(out, "Content-Type", type);
    struct evbuffer *b = evbuffer_new();
    if (gz && accepts_gzip(h->req)) {
        evhttp_add_header(out, "Content-Encoding", "gzip");
        evbuffer_add(b, gz, gzlen);
    } else {
        evbuffer_add(b, plain->data, plain->len);
    }
    http_send(h->req, 200, "OK", b);
    evbuffer_free(b);
    http_end(h, 200);
}

/* Sends the page of kind for form_id (NULL for the entry page), or 404. */
static void send_page(hreq *h, int kind, const char *form_id)
{
    web *w = h->srv->web;
    for (size_t i = 0; i < w->npages; i++) {
        page *pg = &w->pages[i];
        if (pg->kind == kind && (form_id == NULL || (pg->form_id && strcmp(pg->form_id, form_id) == 0))) {
            evhttp_add_header(evhttp_request_get_output_headers(h->req), "Content-Security-Policy", w->csp[kind]);
            send_static(h, "text/html; charset=utf-8", pg->etag, &pg->html, pg->gz, pg->gzlen);
            return;
        }
    }
    http_unknown_form(h, form_id);
}

void web_form_page(hreq *h, const char *const *params)
{
    send_page(h, KIND_FORM, params[0]);
}

void web_print_page(hreq *h, const char *const *params)
{
    send_page(h, KIND_PRINT, params[0]);
}

void web_entry_page(hreq *h, const char *const *params)
{
    (void)params;
    send_page(h, KIND_ENTRY, NULL);
}

void web_admin_page(hreq *h, const char *const *params)
{
    (void)params;
    send_page(h, KIND_ADMIN, NULL);
}

void web_signin_page(hreq *h, const char *const *params)
{
    (void)params;
    send_page(h, KIND_SIGNIN, NULL);
}

void web_home_page(hreq *h, const char *const *params)
{
    (void)params;
    send_page(h, KIND_HOME, NULL);
}

void web_service_worker(hreq *h, const char *const *params)
{
    (void)params;
    web *w = h->srv->web;
    send_static(h, "text/javascript; charset=utf-8", w->sw_etag, &w->sw, NULL, 0);
}

/* The public base URL of the service: --public-url, or what the client used to reach it (Host header). */
bool web_base_url(hreq *h, char *out, size_t len)
{
    if (h->srv->cfg.public_url) {
        snprintf(out, len, "%s", h->srv->cfg.public_url);
        return true;
    }
    const char *host = evhttp_find_header(evhttp_request_get_input_headers(h->req), "Host");
    if (host == NULL || strlen(host) == 0 || strlen(host) > 255)
        return false;
    for (const char *p = host; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
            return false;
    /* Behind a trusted TLS proxy the residents reach us by https: a poster or link must say so. */
    const char *proto = h->srv->cfg.trust_proxy ?
        evhttp_find_header(evhttp_request_get_input_headers(h->req), "X-Forwarded-Proto") : NULL;
    snprintf(out, len, "%s://%s", proto && strcasecmp(proto, "https") == 0 ? "https" : "http", host);
    return true;
}

char *web_qr_svg(const char *url, const char *caption)
{
    QRcode *qr = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL)
        return NULL;
    /* One path of unit squares, with the four-module quiet zone the standard asks for, and the address and the
     * territory written under it for people whose phone cannot scan. */
    int size = qr->width + 8, below = 14; /* room for the two lines of text */
    sbuf svg = {0};
    sbuf_addf(&svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
              "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/><path fill=\"#000\" d=\"", size, size + below);
    for (int y = 0; y < qr->width; y++)
        for (int x = 0; x < qr->width; x++)
            if (qr->data[y * qr->width + x] & 1)
                sbuf_addf(&svg, "M%d %dh1v1h-1z", x + 4, y + 4);
    sbuf_addf(&svg, "\"/><text x=\"%d\" y=\"%d\" font-family=\"sans-serif\" font-size=\"3\" text-anchor=\"middle\">",
              size / 2, size + 2);
    const char *label = caption ? caption : "";
    for (const char *p = label; *p; p++) { /* names come from the operator's file: escape them all the same */
        if (*p == '<') sbuf_adds(&svg, "&lt;");
        else if (*p == '&') sbuf_adds(&svg, "&amp;");
        else if (*p == '>') sbuf_adds(&svg, "&gt;");
        else sbuf_add(&svg, p, 1);
    }
    /* The address in monospace, sized to fit the width (a character is about 0.6 em wide). */
    double fs = (double)(size - 2) / (0.62 * (double)strlen(url));
    sbuf_addf(&svg, "</text><text x=\"%d\" y=\"%d\" font-family=\"monospace\" font-size=\"%.2f\" "
              "text-anchor=\"middle\">", size / 2, size + 6, fs > 2.2 ? 2.2 : fs);
    for (const char *p = url; *p; p++) {
        if (*p == '&') sbuf_adds(&svg, "&amp;");
        else if (*p == '<') sbuf_adds(&svg, "&lt;");
        else sbuf_add(&svg, p, 1);
    }
    sbuf_adds(&svg, "</text></svg>\n");
    QRcode_free(qr);
    return svg.data;
}

void web_qr(hreq *h, const char *const *params)
{
    const catalog *c = h->srv->forms;
    if (catalog_current(c, params[0]) == NULL) {
        http_unknown_form(h, params[0]);
        return;
    }
    struct evkeyvalq query;
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(h->req));
    if (evhttp_parse_query_str(q ? q : "", &query) < 0) {
        http_error(h, 400, "invalid_query", NULL, "paramètres d'adresse illisibles");
        return;
    }
    const char *t = evhttp_find_header(&query, "t"), *lang = evhttp_find_header(&query, "lang");
    const terr *territory = t ? terr_find(catalog_territories(c), t) : NULL;
    const form *f = catalog_current(c, params[0]);
    char base[300];
    if (t && territory == NULL) {
        http_error(h, 400, "invalid_field", "t", "territoire inconnu « %.*s »", util_utf8_prefix(t, strlen(t), 32), t);
        goto done;
    }
    bool known_lang = false; /* the form's languages only: the QR code must not lead to a page it cannot show */
    for (size_t i = 0; lang && i < f->nlanguages; i++)
        known_lang |= strcmp(f->languages[i], lang) == 0;
    if (lang && !known_lang) {
        http_error(h, 400, "invalid_field", "lang", "langue « %.*s » absente de ce questionnaire",
                   util_utf8_prefix(lang, strlen(lang), 8), lang);
        goto done;
    }
    if (!web_base_url(h, base, sizeof base)) {
        http_error(h, 400, "invalid_host", "Host", "en-tête Host invalide ; lancez le collecteur avec --public-url");
        goto done;
    }
    char url[512];
    snprintf(url, sizeof url, "%s/f/%s%s%s%s%s", base, params[0], t ? "?t=" : "", t ? t : "",
             lang ? (t ? "&lang=" : "?lang=") : "", lang ? lang : "");
    char *svgtext = web_qr_svg(url, territory ? terr_name(territory, lang) : "");
    if (svgtext == NULL) {
        http_error(h, 500, "qr_failed", NULL, "QR code impossible pour cette adresse");
        goto done;
    }
    sbuf svg = {.data = svgtext, .len = strlen(svgtext), .cap = strlen(svgtext) + 1};
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, svg.data, svg.len);
    sbuf_free(&svg);
    http_reply_buffer(h, 200, "image/svg+xml", b);
    evbuffer_free(b);
done:
    evhttp_clear_headers(&query);
}
