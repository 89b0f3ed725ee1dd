/* townsreport.h -- the report of several towns analysed together (analysis.h, an_run_towns): who answered in each
 * town, the comparison between towns (each town's QPV against the region's other QPV, for every key indicator of
 * the plan, with the difference's interval), how many towns and answers one machine handles (from the analyzer's
 * benchmark), and the method. Each town's own detailed report is `analyzer report` on its database alone.
 *
 * Ownership: the returned doc belongs to the caller (doc_free); the options are borrowed.
 */
#ifndef ANALYZER_TOWNSREPORT_H
#define ANALYZER_TOWNSREPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "doc.h"
#include "towns.h"

typedef struct trep_options {
    const tw_set *towns;
    long min_n;
    double level;
    const char *today; /* "YYYY-MM-DD" written in the report; NULL: doc_today */
} trep_options;

/* Builds the report. Returns NULL with a French message when the analysis fails (a database that cannot be read,
 * a raking error naming its cell). */
doc *trep_build(const trep_options *o, char *err, size_t errlen);

#endif /* ANALYZER_TOWNSREPORT_H */
