/* api.h -- the handlers of HTTP API version 1 (README.md, "API"). Each takes the request context and the
 * path parameters captured by the route ({id}, {v}); each answers exactly once, now or later.
 */
#ifndef COLLECTOR_API_H
#define COLLECTOR_API_H

#include <stdbool.h>
#include <stdint.h>

#include "commitq.h"
#include "form.h"
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

/* Shared by the handlers that take answers (api_submit.c, api_paper.c). */
/* Validates an RFC 4122 uuid (versions 1-8, RFC variant) and writes its lowercase form to out. */
bool api_parse_uuid(const char *s, char out[37]);
/* SHA-256 of the form id and the body in canonical form (keys sorted, compact): "the same content". */
void api_content_hash(const char *form_id, const json_t *body, uint8_t out[32]);
/* The answer to the form's single territory question, or NULL. */
const char *api_territory_of(const form *f, const json_t *answers);
/* Reads the request body as a JSON object; replies 415/413/400 and returns NULL when it is not one. */
json_t *api_read_json(hreq *h);
/* Replies 400 unknown_field naming the member and returns false when body has a member that is not in fields
 * (NULL-terminated). */
bool api_known_fields(hreq *h, json_t *body, const char *const *fields);
/* api_paper.c: paper questionnaires, double entry, reconciliation */
void api_paper_entry(hreq *h, const char *const *params);
void api_paper_discrepancies(hreq *h, const char *const *params);
void api_paper_sheets(hreq *h, const char *const *params);
void api_paper_reconcile(hreq *h, const char *const *params);

/* api_data.c: what analysts and campaign teams read. api_stats: the public counts (per form and territory,
 * small ones hidden); api_stats_detail: every count, for analyst and admin tokens. */
void api_stats(hreq *h, const char *const *params);
void api_stats_detail(hreq *h, const char *const *params);
void api_export_csv(hreq *h, const char *const *params);
void api_export_jsonl(hreq *h, const char *const *params);

#endif /* COLLECTOR_API_H */
