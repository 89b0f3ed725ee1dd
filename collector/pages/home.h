/* home.h -- GET /: the coordinators' way in and the residents' link page. A browser signed in to the console (a
 * session cookie of an admin or analyst token) is sent to /admin, a mediator's to /entry; anybody else gets the
 * residents' page (pages/home.html), which lists every current form with one link per language.
 */
#ifndef COLLECTOR_HOME_H
#define COLLECTOR_HOME_H

#include <jansson.h>

#include "catalog.h"
#include "http.h"

/* GET /: 303 to /admin or /entry for a signed-in browser (the cookie only: a script's bearer token is not a
 * browser and gets the page), else the residents' page (web_home_page). */
void home_root(hreq *h, const char *const *params);

/* The data of the residents' page, inlined in it: {"forms": [{"id", "title": {lang: text}, "languages": [...]}],
 * "ui": uistr_page of page "home" in every language of the current forms}. ui comes from uistr_load. A string
 * safe inside a <script> block (JSON_ESCAPE_SLASH), owned by the caller. */
char *home_forms_json(const catalog *c, const json_t *ui);

#endif /* COLLECTOR_HOME_H */
