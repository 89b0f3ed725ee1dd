/* web.h -- the pages the collector serves: the residents' form (/f/{form}), its service worker (/sw.js), the
 * campaign QR codes (/qr/{form}), the printable paper questionnaire (/print/{form}) and the mediators' data-entry
 * page (/entry).
 *
 * A form page is one self-contained HTML document: style, scripts, the form definition, the territories (names
 * in every language) and the page's own words in the form's languages (forms/pages.json, see uistr.h) are
 * inlined, so that a phone on a slow network gets the first question after a single round trip. Pages are built
 * once at start-up from the templates in the web folder (collector/pages), compressed once, and sent with a strict
 * Content-Security-Policy that allows exactly their inline scripts, by hash.
 */
#ifndef COLLECTOR_WEB_H
#define COLLECTOR_WEB_H

#include "catalog.h"
#include "http.h"

typedef struct web web;

/* Builds the pages of every current form in c from the templates in dir, with the words of pages.json in c's
 * folder. Returns NULL with a message in err (pages.json's errors are printed on stderr first). */
web *web_new(const char *dir, const catalog *c, char *err, size_t errlen);

/* Frees w; web_free(NULL) does nothing. */
void web_free(web *w);

/* Handlers (params[0] is the form id). */
void web_form_page(hreq *h, const char *const *params);
void web_print_page(hreq *h, const char *const *params);
void web_entry_page(hreq *h, const char *const *params);
void web_admin_page(hreq *h, const char *const *params);   /* /admin, the coordinator's console */
void web_signin_page(hreq *h, const char *const *params);  /* /signin, where a one-time link lands */
void web_home_page(hreq *h, const char *const *params);    /* the residents' links (GET / when signed out) */
void web_service_worker(hreq *h, const char *const *params);
void web_qr(hreq *h, const char *const *params);

/* pages.json as web_new loaded it (uistr.h), for the pages built per request; borrowed, lives as long as w. */
const json_t *web_ui(const web *w);

/* The public base URL of the service ("https://example.org", no trailing slash): --public-url, or what the
 * client used to reach it (its Host header, checked; https behind a trusted proxy that says X-Forwarded-Proto:
 * https). False when the Host header is unusable. */
bool web_base_url(hreq *h, char *out, size_t len);

/* A QR code of url as a standalone SVG document (quiet zone included), with caption and the address written
 * under it for phones that cannot scan. Owned by the caller (free); NULL when url cannot be encoded. */
char *web_qr_svg(const char *url, const char *caption);

#endif /* COLLECTOR_WEB_H */
