/* reload.h -- puts the forms folder live in a running collector, without a restart (the console's upload of a
 * questionnaire, POST /api/v1/forms/import).
 *
 * A reload does what `collector serve` does at start-up: it loads the folder (catalog_open), checks it against the
 * database with store_check_forms (a version changed under its answers is refused; the versions only the database
 * still has are added from their recorded definitions; territory codes with answers must remain), builds the pages
 * (web_new), and only then swaps the new catalog and pages into the server. Nothing is swapped when any step fails.
 *
 * Lifetime: handlers take `const form *` and page pointers from h->srv->forms and h->srv->web, and keep them past
 * the loop iteration: a submission waiting in the writer thread holds its form (store_sub.form), an export stream
 * its layout, a reply its page. So a replaced catalog and its pages are never freed while the server runs: they go
 * on a list freed by server_free (reload_retired_free), after the writer has stopped. A reload is a rare action of
 * an administrator (a few per campaign), so keeping a few hundred kilobytes each time is the simplest correct
 * choice; reference counting would have to follow every pointer the handlers keep.
 *
 * Threads: both functions run on the loop thread.
 */
#ifndef COLLECTOR_RELOAD_H
#define COLLECTOR_RELOAD_H

#include <stddef.h>

#include "diag.h"

struct srv;

/* Reloads s->cfg.forms_dir as described above. Returns 0 when the new catalog and pages are live; 1 when the
 * folder or the frozen check refused it (the reasons in diags, the running catalog unchanged); -1 when the
 * database or the pages could not be read (a French message in err). */
int reload_forms(struct srv *s, diag_list *diags, char *err, size_t errlen);

/* Frees the catalogs and pages replaced by reloads; call once nothing can point into them any more (server_free,
 * after the writer thread has stopped). */
void reload_retired_free(struct srv *s);

#endif /* COLLECTOR_RELOAD_H */
