/* poster.h -- the campaign poster: GET /poster/{form}/{territory}?lang=fr,ar, an A4 portrait page ready to print
 * (the form's title, a sentence in each chosen language, the QR code of the territory's link, the territory's
 * name, the RGPD line and the address in clear text). Public, like /qr: a poster reveals nothing.
 *
 * Built per request from the templates poster.html and poster.css of the web folder, with the words of page
 * "poster" of pages.json; no script, and a Content-Security-Policy that allows exactly its style, by hash.
 */
#ifndef COLLECTOR_POSTER_H
#define COLLECTOR_POSTER_H

#include "http.h"

#define POSTER_MAX_LANGS 4 /* languages on one poster: more would not fit one A4 page at a readable size */

/* The handler (params[0]: the form id, params[1]: the territory code). 404 for an unknown form or territory,
 * 400 invalid_field "lang" for a language the form does not have (or more than POSTER_MAX_LANGS). */
void poster_page(hreq *h, const char *const *params);

#endif /* COLLECTOR_POSTER_H */
