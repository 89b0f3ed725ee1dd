/* towns.h -- several towns analysed together: each town is a collector database with its own territories file
 * (and margins), all answering the same questionnaire of one forms folder. tw_open loads them and builds one
 * combined set of territories, in which territory k of town t is "INSEE/CODE" so that two towns sharing a code
 * ("hors_qpv", a QPV on their common border) never mix; tw_read reads every database into one set of columns whose
 * strata are the combined territories (town by town, in the order given).
 *
 * With one town the combined set keeps the plain codes and names: the analysis is then that of the database alone.
 *
 * Ownership: a tw_set owns its towns' catalogs, definitions, margins and the combined set; it borrows the paths
 * (the command line's), which must outlive it.
 */
#ifndef ANALYZER_TOWNS_H
#define ANALYZER_TOWNS_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "columns.h"
#include "dataset.h"
#include "diag.h"
#include "indicators.h"
#include "margins.h"
#include "terr.h"

#define TW_MAX 64 /* towns in one analysis: a region's contract towns, far below what one machine holds */

/* What the command line gives for one town: its database, territories file (NULL: the forms folder's) and margins
 * file (NULL: unweighted). */
typedef struct tw_spec {
    const char *db, *territories, *margins;
} tw_spec;

typedef struct tw_town {
    const char *db;
    catalog *cat;             /* the forms folder read with this town's territories and its database's versions */
    ind_set *defs;            /* the indicators, loaded against cat */
    mg_margins *mg;           /* NULL when unweighted */
    const terr_set *ts;       /* catalog_territories(cat) */
    const char *insee, *name; /* the territories file's "commune" (name falls back to insee) */
    size_t first;             /* index of its first territory in the combined set */
} tw_town;

typedef struct tw_set {
    size_t n;
    tw_town *towns;
    terr_set *all;   /* every town's territories, town by town */
    size_t *town_of; /* [all->count] the town of each combined territory */
    mg_margins *mg;  /* every town's margins under the combined codes; NULL when unweighted */
    char **strings;  /* the combined codes and names (owned) */
    size_t nstrings;
} tw_set;

/* Loads n towns (1 <= n <= TW_MAX) answering form_id of the forms folder forms_dir, with the indicator file
 * indicators (NULL: the folder's ID.indicators.json). Every town must name its commune (INSEE code) when n > 1,
 * no two towns the same, and either all or none have margins, with the same calibration variables and categories.
 * Returns NULL with a French message in err naming the flag (--db, --territories, --margins) and the file, after
 * adding any file diagnostics to diags. */
tw_set *tw_open(const char *forms_dir, const char *form_id, const char *indicators, const tw_spec *spec, size_t n,
                diag_list *diags, char *err, size_t errlen);

/* Reads every town's counted records into col (initialised for tw->towns[0].defs), each through col_read with its
 * own catalog, territories and margins, and src's other fields (sc must come from tw->all); strata are combined
 * territory indices. Counts are summed; so is st (NULL: not wanted), whose cached is true when every town's
 * columns came from the derived cache. Returns 0, or -1 with a French message naming the database. */
int tw_read(const tw_set *tw, const col_source *src, columns *col, ds_counts *counts, size_t *no_territory,
            col_stats *st, char *err, size_t errlen);

/* Appends src's n records to dst (both initialised for the same definitions: ndefs, nvars calibration variables;
 * neither for a multiple territory question), adding offset to every stratum. */
void tw_append_columns(columns *dst, const columns *src, size_t ndefs, size_t nvars, int offset);

/* Frees tw; tw_free(NULL) does nothing. */
void tw_free(tw_set *tw);

#endif /* ANALYZER_TOWNS_H */
