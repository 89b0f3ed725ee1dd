/* api.h -- the handlers of HTTP API version 1 (README.md, "API"). Each takes the request context and the
 * path parameters captured by the route ({id}, {v}); each answers exactly once, now or later.
 */
#ifndef COLLECTOR_API_H
#define COLLECTOR_API_H

#include "commitq.h"
#include "http.h"

/* api_forms.c: reading the definitions */
void api_healthz(hreq *h, const char *const *params);
void api_forms_list(hreq *h, const char *const *params);
void api_form_current(hreq *h, const char *const *params);
void api_form_version(hreq *h, const char *const *params);
void api_territories(hreq *h, const char *const *params);

/* api_submit.c: taking answers */
void api_submit(hreq *h, const char *const *params);
/* Answers a submission the writer has handed back; runs on the loop thread. */
void api_submit_finish(commitq_job *job);

/* api_data.c: what analysts and campaign teams read */
void api_stats(hreq *h, const char *const *params);
void api_export_csv(hreq *h, const char *const *params);
void api_export_jsonl(hreq *h, const char *const *params);

#endif /* COLLECTOR_API_H */
