/* poster.c -- the A4 campaign poster (see poster.h). It is built per request, not at start-up like the form
 * pages: it depends on the territory and the languages asked for, it is printed a few times per campaign, and
 * reading its two small templates each time lets a coordinator adjust them without a restart. */
#include "poster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>

#include "app.h"
#include "uistr.h"
#include "util.h"
#include "web.h"

#define POSTER_MAX_TEMPLATE (64 * 1024)

/* The languages chosen for one poster, and their words. */
typedef struct poster_langs {
    const char *code[POSTER_MAX_LANGS];
    size_t n;
    json_t *words;         /* uistr_page(ui, "poster", code, n) */
} poster_langs;

/* Reads dir/name whole (at most POSTER_MAX_TEMPLATE bytes); NULL when it cannot. Owned. */
static char *read_template(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = xmalloc(POSTER_MAX_TEMPLATE + 1);
    size_t n = fread(buf, 1, POSTER_MAX_TEMPLATE, f);
    bool whole = feof(f) && !ferror(f);
    fclose(f);
    if (!whole) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Appends s to b with &, <, > and quotes escaped (titles and names come from the operator's files). */
static void add_escaped(sbuf *b, const char *s)
{
    util_html_escape(b, s);
}

/* Parses "fr,ar" against the languages of f into *pl (at least one, each once, in the order given; absent:
 * French). Returns false after replying 400. */
static bool parse_langs(hreq *h, const form *f, const char *arg, poster_langs *pl)
{
    pl->n = 0;
    const char *p = arg ? arg : "fr";
    for (;;) {
        size_t len = strcspn(p, ",");
        const char *found = NULL;
        for (size_t i = 0; i < f->nlanguages && found == NULL; i++)
            if (strlen(f->languages[i]) == len && strncmp(f->languages[i], p, len) == 0)
                found = f->languages[i];
        if (found == NULL) {
            http_error(h, 400, "invalid_field", "lang", "langue « %.*s » absente de ce questionnaire (langues : "
                       "codes séparés par des virgules, par exemple fr,ar)", util_utf8_prefix(p, len, 8), p);
            return false;
        }
        bool twice = false;
        for (size_t i = 0; i < pl->n; i++)
            twice |= pl->code[i] == found;
        if (!twice && pl->n == POSTER_MAX_LANGS) {
            http_error(h, 400, "invalid_field", "lang", "%d langues au plus sur une affiche", POSTER_MAX_LANGS);
            return false;
        }
        if (!twice)
            pl->code[pl->n++] = found;
        if (p[len] == '\0')
            return true;
        p += len + 1;
    }
}

/* The word key of the poster in language lang (French when pages.json lacks it: uistr_page fills it). */
static const char *word(const poster_langs *pl, const char *lang, const char *key)
{
    const char *s = json_string_value(json_object_get(
        json_object_get(json_object_get(pl->words, "strings"), lang), key));
    return s ? s : "";
}

/* "rtl" or "ltr": the writing direction pages.json gives lang. */
static const char *lang_dir(const poster_langs *pl, const char *lang)
{
    const char *dir = json_string_value(json_object_get(
        json_object_get(json_object_get(pl->words, "languages"), lang), "dir"));
    return dir && strcmp(dir, "rtl") == 0 ? "rtl" : "ltr";
}

/* ' lang="ar" dir="rtl"' for lang into b. */
static void add_lang_attrs(sbuf *b, const poster_langs *pl, const char *lang)
{
    sbuf_addf(b, " lang=\"%s\" dir=\"%s\"", lang, lang_dir(pl, lang));
}

/* The blocks of the poster, each the HTML that replaces one {{NAME}} of poster.html. */
enum { P_LANG, P_DIR, P_TITLE, P_STYLE, P_HEADINGS, P_SENTENCES, P_QR, P_TERRITORY, P_ADDRESS, P_RGPD, P_COUNT };
static const char *const slot_names[P_COUNT] = {"LANG", "DIR", "TITLE", "STYLE", "HEADINGS", "SENTENCES", "QR",
                                                 "TERRITORY", "ADDRESS", "RGPD"};

/* Fills the per-language blocks of slot into b: titles, sentences, territory names, RGPD lines. */
static void build_blocks(sbuf slot[P_COUNT], const form *f, const terr *t, const poster_langs *pl)
{
    for (size_t i = 0; i < pl->n; i++) {
        const char *l = pl->code[i];
        sbuf_adds(&slot[P_HEADINGS], i == 0 ? "<h1" : "<p class=\"title\"");
        add_lang_attrs(&slot[P_HEADINGS], pl, l);
        sbuf_adds(&slot[P_HEADINGS], ">");
        add_escaped(&slot[P_HEADINGS], form_text(f->title, l));
        sbuf_adds(&slot[P_HEADINGS], i == 0 ? "</h1>" : "</p>");

        sbuf_adds(&slot[P_SENTENCES], "<div class=\"call\"");
        add_lang_attrs(&slot[P_SENTENCES], pl, l);
        sbuf_adds(&slot[P_SENTENCES], "><p class=\"call-main\">");
        add_escaped(&slot[P_SENTENCES], word(pl, l, "call"));
        sbuf_adds(&slot[P_SENTENCES], "</p><p>");
        add_escaped(&slot[P_SENTENCES], word(pl, l, "scan"));
        sbuf_adds(&slot[P_SENTENCES], " ");
        add_escaped(&slot[P_SENTENCES], word(pl, l, "address"));
        sbuf_adds(&slot[P_SENTENCES], "</p></div>");

        sbuf_adds(&slot[P_TERRITORY], "<p");
        add_lang_attrs(&slot[P_TERRITORY], pl, l);
        sbuf_adds(&slot[P_TERRITORY], "><span class=\"label\">");
        add_escaped(&slot[P_TERRITORY], word(pl, l, "territory"));
        sbuf_adds(&slot[P_TERRITORY], "</span> <strong>");
        add_escaped(&slot[P_TERRITORY], terr_name(t, l));
        sbuf_adds(&slot[P_TERRITORY], "</strong></p>");

        sbuf_adds(&slot[P_RGPD], "<p");
        add_lang_attrs(&slot[P_RGPD], pl, l);
        sbuf_adds(&slot[P_RGPD], ">");
        add_escaped(&slot[P_RGPD], word(pl, l, "rgpd"));
        sbuf_adds(&slot[P_RGPD], "</p>");
    }
}

/* Builds the poster into out from its templates in dir; false when a template cannot be read or the QR code
 * made (then err says which). */
static bool build(sbuf *out, const char *dir, const form *f, const terr *t, const poster_langs *pl,
                  const char *url, char *csp, size_t csplen, char *err, size_t errlen)
{
    sbuf slot[P_COUNT] = {{0}};
    char *html = read_template(dir, "poster.html"), *css = read_template(dir, "poster.css"), *svg = NULL;
    bool ok = false;
    if (html == NULL || css == NULL) {
        snprintf(err, errlen, "modèle d'affiche illisible dans %s (poster.html, poster.css)", dir);
        goto done;
    }
    if ((svg = web_qr_svg(url, terr_name(t, pl->code[0]))) == NULL) {
        snprintf(err, errlen, "QR code impossible pour cette adresse");
        goto done;
    }
    sbuf_adds(&slot[P_LANG], pl->code[0]);
    sbuf_adds(&slot[P_DIR], lang_dir(pl, pl->code[0]));
    add_escaped(&slot[P_TITLE], form_text(f->title, pl->code[0]));
    sbuf_adds(&slot[P_STYLE], css);
    /* The QR code is an image for assistive technology: its name is the address it encodes. */
    sbuf_adds(&slot[P_QR], "<svg role=\"img\" aria-label=\"QR code : ");
    add_escaped(&slot[P_QR], url);
    sbuf_adds(&slot[P_QR], "\"");
    sbuf_adds(&slot[P_QR], strncmp(svg, "<svg", 4) == 0 ? svg + 4 : svg);
    sbuf_adds(&slot[P_ADDRESS], "<p class=\"url\" dir=\"ltr\" lang=\"fr\">");
    add_escaped(&slot[P_ADDRESS], url);
    sbuf_adds(&slot[P_ADDRESS], "</p>");
    build_blocks(slot, f, t, pl);
    for (const char *p = html; *p;) {
        const char *open = strstr(p, "{{"), *close = open ? strstr(open, "}}") : NULL;
        if (open == NULL || close == NULL) {
            sbuf_adds(out, p);
            break;
        }
        sbuf_add(out, p, (size_t)(open - p));
        int k = 0;
        while (k < P_COUNT && !((size_t)(close - open - 2) == strlen(slot_names[k]) &&
                                strncmp(open + 2, slot_names[k], strlen(slot_names[k])) == 0))
            k++;
        if (k < P_COUNT && slot[k].data)
            sbuf_add(out, slot[k].data, slot[k].len);
        p = close + 2; /* an unknown name is dropped: the template is ours, a typo must not reach the page */
    }
    uint8_t hash[32];
    char b64[48];
    store_sha256(css, strlen(css), hash);
    EVP_EncodeBlock((unsigned char *)b64, hash, 32);
    snprintf(csp, csplen, "default-src 'none'; style-src 'sha256-%s'; img-src data:; base-uri 'none'; "
             "form-action 'none'; frame-ancestors 'none'", b64);
    ok = true;
done:
    for (int k = 0; k < P_COUNT; k++)
        sbuf_free(&slot[k]);
    free(html);
    free(css);
    free(svg);
    return ok;
}

/* True when the form asks for one territory, so that its link can preselect it (?t=). */
static bool preselects_territory(const form *f)
{
    for (size_t i = 0; i < f->nquestions; i++)
        if (f->questions[i].type == FQ_TERRITORY && !f->questions[i].multiple)
            return true;
    return false;
}

void poster_page(hreq *h, const char *const *params)
{
    const catalog *c = h->srv->forms;
    const form *f = catalog_current(c, params[0]);
    if (f == NULL) {
        http_unknown_form(h, params[0]);
        return;
    }
    const terr *t = terr_find(catalog_territories(c), params[1]);
    if (t == NULL) {
        http_error(h, 404, "unknown_territory", "territory", "territoire inconnu « %.*s »",
                   util_utf8_prefix(params[1], strlen(params[1]), 32), params[1]);
        return;
    }
    struct evkeyvalq query;
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(h->req));
    if (evhttp_parse_query_str(q ? q : "", &query) < 0) {
        http_error(h, 400, "invalid_query", NULL, "paramètres d'adresse illisibles");
        return;
    }
    poster_langs pl = {0};
    sbuf page = {0};
    char base[300], url[512], csp[256], err[256];
    if (!parse_langs(h, f, evhttp_find_header(&query, "lang"), &pl))
        goto done;
    if (!web_base_url(h, base, sizeof base)) {
        http_error(h, 400, "invalid_host", "Host", "en-tête Host invalide ; lancez le collecteur avec --public-url");
        goto done;
    }
    snprintf(url, sizeof url, "%s/f/%s?%s%s%slang=%s", base, f->id, preselects_territory(f) ? "t=" : "",
             preselects_territory(f) ? t->code : "", preselects_territory(f) ? "&" : "", pl.code[0]);
    pl.words = uistr_page(web_ui(h->srv->web), "poster", pl.code, pl.n);
    if (!build(&page, h->srv->cfg.web_dir, f, t, &pl, url, csp, sizeof csp, err, sizeof err)) {
        http_error(h, 500, "poster_failed", NULL, "%s", err);
        goto done;
    }
    struct evkeyvalq *out = evhttp_request_get_output_headers(h->req);
    evhttp_add_header(out, "Content-Security-Policy", csp);
    evhttp_add_header(out, "X-Frame-Options", "DENY");
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, page.data, page.len);
    http_reply_buffer(h, 200, "text/html; charset=utf-8", b);
    evbuffer_free(b);
done:
    json_decref(pl.words);
    sbuf_free(&page);
    evhttp_clear_headers(&query);
}
