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
/* Hands job to the writer thread, whose finish callback will answer h (the request is held meanwhile). When the
 * writer cannot take it (queue full, stopping), replies 503 "busy" with Retry-After and returns false: the caller
 * still owns the job and frees it. */
bool api_push(hreq *h, commitq_job *job);
/* Replies 400 unknown_field naming the member and returns false when body has a member that is not in fields
 * (NULL-terminated). */
bool api_known_fields(hreq *h, json_t *body, const char *const *fields);
/* api_questionnaires.c: the form versions, their workbooks, and publishing a new version from a workbook
 * (README.md, "Questionnaires in the console"). An upload may be larger than the API's body limit: up to
 * API_FORMS_UPLOAD_MAX bytes (a 413 above); server.c lets that route's connections past its usual hard cap. */
#define API_FORMS_UPLOAD_MAX (4u << 20)
#define API_FORMS_UPLOAD_ROUTE "/api/v1/forms/import"
void api_form_versions(hreq *h, const char *const *params);
void api_form_version_xlsx(hreq *h, const char *const *params);
void api_forms_import(hreq *h, const char *const *params);

/* api_people.c: sessions, tokens and one-time sign-in links (README.md, "Sessions, CSRF and one-time links").
 * api_session and api_tokens choose by method (one route per path): POST opens, GET reads, DELETE ends a
 * session; GET lists, POST creates tokens. */
void api_session(hreq *h, const char *const *params);
void api_tokens(hreq *h, const char *const *params);
void api_session_open(hreq *h, const char *const *params);
void api_session_get(hreq *h, const char *const *params);
void api_session_end(hreq *h, const char *const *params);
void api_tokens_list(hreq *h, const char *const *params);
void api_tokens_create(hreq *h, const char *const *params);
void api_tokens_revoke(hreq *h, const char *const *params);
void api_tokens_link(hreq *h, const char *const *params);

/* api_paper.c: paper questionnaires, double entry, reconciliation */
void api_paper_entry(hreq *h, const char *const *params);
void api_paper_discrepancies(hreq *h, const char *const *params);
void api_paper_sheets(hreq *h, const char *const *params);
void api_paper_mine(hreq *h, const char *const *params);        /* the caller's sheets of the day */
void api_paper_reconcile(hreq *h, const char *const *params);

/* api_steward.c: data stewardship (README.md, "Data stewardship"). api_submission chooses by method: GET reads
 * one submission, PATCH corrects it, DELETE erases it. */
void api_submission(hreq *h, const char *const *params);
void api_submission_exclude(hreq *h, const char *const *params);
void api_submission_include(hreq *h, const char *const *params);
void api_erasure(hreq *h, const char *const *params);
void api_campaign(hreq *h, const char *const *params);
void api_campaign_test(hreq *h, const char *const *params);
void api_campaign_purge(hreq *h, const char *const *params);
void api_audit(hreq *h, const char *const *params);
void api_audit_csv(hreq *h, const char *const *params);

/* api_data.c: what analysts and campaign teams read. api_stats: the public counts (per form and territory,
 * small ones hidden); api_stats_detail: every count, for analyst and admin tokens. */
void api_stats(hreq *h, const char *const *params);
void api_stats_detail(hreq *h, const char *const *params);

/* api_progress.c: the console's counts (admin, analyst): each form against its own targets, by territory,
 * channel, language and day, and the mediators' paper work; and every campaign link and poster. */
void api_progress(hreq *h, const char *const *params);
void api_links(hreq *h, const char *const *params);
void api_export_csv(hreq *h, const char *const *params);
void api_export_jsonl(hreq *h, const char *const *params);

#endif /* COLLECTOR_API_H */
