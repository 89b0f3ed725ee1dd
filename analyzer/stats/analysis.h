/* analysis.h -- the indicators of a form by territory: estimates with their intervals, design effects,
 * comparisons, standardisation and disclosure control, from the answers stored by the collector.
 *
 * Groups are every territory of the territories file, all priority neighbourhoods together, the rest of the town
 * (the non-QPV territories) and the whole town. Respondents whose territory is not one of the file's (another
 * town, refused) are counted and left out: the design is stratified by territory.
 *
 * Without margins every respondent weighs 1 and proportions get the Wilson (default) or Clopper-Pearson
 * interval. With margins, weights are raked within each territory as R's rake() does and intervals follow
 * svyciprop (Korn-Graubard "beta" by default) on the design stratified by territory; respondents missing a
 * calibration variable are left out of weighted estimates and counted.
 *
 * Every cell (indicator x group) resting on fewer than min_n respondents is suppressed, and so are as many
 * other cells as needed for no combination of the published groups (the town = every territory, all QPV = the
 * QPV territories, the rest of the town, the town = all QPV + the rest; for operators, who may serve several
 * territories, whatever the territories' overlaps allow) to isolate between 1 and min_n - 1 respondents of the
 * indicator (disclosure.h); a suppressed cell carries no number at all. The groups' respondent counts follow
 * the same rule. Differences that involve a suppressed cell are suppressed too, and tests across territories
 * leave suppressed territories out.
 *
 * Ownership: an an_result owns everything it points to except the definitions (ind_def), the territories and
 * the catalog, which it borrows and which must outlive it.
 */
#ifndef ANALYZER_ANALYSIS_H
#define ANALYZER_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "dataset.h"
#include "disclosure.h"
#include "indicators.h"
#include "margins.h"
#include "towns.h"
#include "versions.h"

typedef enum an_method {
    AN_CI_DEFAULT = 0, /* wilson without margins, beta with */
    AN_CI_WILSON,
    AN_CI_CLOPPER_PEARSON,
    AN_CI_BETA,
    AN_CI_LOGIT,
} an_method;

typedef struct an_options {
    an_method method;
    double level;     /* 0.95 */
    long min_n;       /* 11 */
    const char *today; /* "YYYY-MM-DD" for today() in definitions; NULL: the local date */
    void (*progress)(void *ctx, size_t records); /* called every 65,536 records read, or NULL */
    void *progress_ctx;
    bool no_grouping;  /* estimate on one row per respondent instead of grouped rows (tests: same numbers) */
    const ds_filter *filter; /* a wave of the survey, or NULL for every counted record */
} an_options;

/* Flags of a cell (bit mask). A cell with nobody in its denominator (n = 0) has no flag of its own: n = 0 is
 * under the minimum n (>= 1), so the cell is always suppressed and publishes neither a number nor a flag. */
enum {
    AN_FLAG_NEFF = 1 << 0,          /* effective n under 30: too imprecise to publish (NCHS) */
    AN_FLAG_WIDTH = 1 << 1,         /* interval width >= 0.30 (NCHS) */
    AN_FLAG_RELWIDTH = 1 << 2,      /* relative width > 130 % (NCHS) */
    AN_FLAG_REVIEW_DF = 1 << 3,     /* fewer than 8 degrees of freedom */
    AN_FLAG_P01 = 1 << 4,           /* estimate 0 or 1: the interval follows the degenerate rule */
    AN_FLAG_NO_VARIANCE = 1 << 5,   /* a variance cannot be estimated (one respondent in a stratum) */
    AN_FLAG_ZERO_DENOM = 1 << 6,    /* ratio: the denominator sums to 0 */
    AN_FLAG_ZERO_VARIANCE = 1 << 7, /* the design variance is zero under the rule of estimate.h while the
                                       estimate is not 0 or 1: a proportion gets the degenerate interval, a
                                       mean, ratio or standardised estimate none */
};
#define AN_NFLAGS 8
/* The stable name of flag bit k ("neff_lt_30", ...). */
const char *an_flag_name(int k);

/* AN_G_REGION and AN_G_OTHER_QPV occur only in an analysis of several towns (an_run_towns). */
typedef enum an_group_kind {
    AN_G_TERRITORY,
    AN_G_QPV,
    AN_G_REST,
    AN_G_TOWN,
    AN_G_REGION,    /* every town */
    AN_G_OTHER_QPV, /* the QPV of every other town than the group's */
} an_group_kind;

/* How a territory's weights were made with --margins. A territory whose respondents leave a calibration
 * category with a population empty (or fill one without) cannot be raked as is: rather than failing the run,
 * an ordered variable (every category code starts with a digit: age bands) merges that category with its
 * neighbour in the form's order, the previous one or else the next, population and respondents alike (what an
 * analyst does in R by recoding the factor and the margins before rake()); when that is not enough, or the
 * variable has no order (sex), the territory is left unweighted: every respondent weighs the territory's
 * population (first margin variable) over its respondents. */
typedef enum an_calibration {
    AN_CAL_RAKED = 0,  /* raked on the margins as given (or no margins) */
    AN_CAL_COLLAPSED,  /* raked after merging categories: flag "calibration_collapsed" */
    AN_CAL_UNWEIGHTED, /* not raked, weight = population / respondents: flag "calibration_unweighted" */
} an_calibration;

/* The flag name of a calibration fallback ("" for AN_CAL_RAKED). */
const char *an_calibration_name(an_calibration c);

typedef struct an_group {
    const char *id, *label; /* territory code and name, or "ensemble_qpv", "reste_commune", "commune" */
    an_group_kind kind;
    bool qpv;               /* a QPV territory */
    long respondents;       /* respondents of the group (unweighted); -1 when suppressed */
    disc_status suppressed;
    const char *town;       /* several towns: the INSEE code of the group's town, NULL for the region's groups;
                             * always NULL in an analysis of one town */
    an_calibration calibration; /* territories only */
    char calibration_note[384]; /* French: the variable, the categories and why; "" when raked as given */
} an_group;

/* One published line: an indicator (and category, for a distribution) in one group. */
typedef struct an_cell {
    size_t indicator;    /* index in the definitions */
    int category;        /* distribution: index of the category; -1 otherwise */
    size_t group;
    disc_status suppressed;
    unsigned flags;
    /* below: meaningful when not suppressed; has_* false means null in the outputs */
    long n, events;      /* events -1 for means and ratios */
    long nsp, refus;
    bool has_estimate, has_ci, has_deff, has_std, has_std_ci;
    double estimate, se, lower, upper, deff, n_eff;
    double std, std_lower, std_upper; /* age x sex standardised estimate (territories, QPV, rest) */
} an_cell;

typedef enum an_test_kind { AN_T_RAO_SCOTT, AN_T_PEARSON, AN_T_DIFF } an_test_kind;

typedef struct an_test {
    an_test_kind kind;
    size_t indicator;
    int category;        /* -1: the whole indicator */
    size_t group, versus; /* AN_T_DIFF: group minus versus (the rest of the town) */
    bool suppressed;     /* AN_T_DIFF: one of the two cells is suppressed */
    double statistic, ndf, ddf, p, p_holm; /* F (Rao-Scott) or X2 (Pearson) or t; ddf 0 for Pearson */
    double diff, lower, upper;              /* AN_T_DIFF */
} an_test;

typedef struct an_result {
    const char *form_id;
    const ind_set *defs;
    bool weighted;
    const char *method_name; /* the proportion interval: "wilson", "clopper-pearson", "beta", "logit" */
    double level;
    long min_n;
    size_t records, rejected, unknown_version, no_territory, left_out_calibration, used;
    size_t unconverged;      /* territories whose raking stopped at rake()'s 10 cycles without converging */
    const char *unconverged_ids[8]; /* the first of them (territory codes) */
    bool standardised;       /* std fields computed */
    char std_note[256];      /* why not, or what the standard population is */
    an_group *groups;
    size_t ngroups;
    an_cell *cells;
    size_t ncells;
    an_test *tests;
    size_t ntests;
    size_t chisq_tests, chisq_significant, chisq_significant_holm;
    size_t diff_tests, diff_significant, diff_significant_holm;
    double seconds_read, seconds_estimate; /* wall time of the two passes */
    bool cached;             /* the columns came from the derived cache (colcache.h) */
    size_t derived;          /* rows derived from their JSON in this run (all of them without the cache) */
    double seconds_derive;   /* of seconds_read: deriving them (and writing the cache) */
    ver_notes *versions;     /* indicators not comparable across the form versions of the answers read (owned) */
    size_t ntowns;           /* towns analysed together: 1, or more with an_run_towns */
    char **strings;          /* the group ids and labels made for several towns (owned) */
    size_t nstrings;
} an_result;

/* The flag name of an indicator whose questions changed meaning between the versions of its answers (versions.h):
 * the last name in the outputs' flags, not a bit of an_cell.flags. */
#define AN_FLAG_NON_COMPARABLE_NAME "non_comparable_versions"

/* Runs every indicator of defs on the counted answers of the database. margins may be NULL. Returns NULL with a
 * French message in err on a database error or when raking is impossible (a territory with respondents and
 * no margins: the message names it). A calibration cell with nobody in it is not an error: see
 * an_calibration. */
an_result *an_run(const char *db_path, const catalog *c, const ind_set *defs, const mg_margins *margins,
                  const an_options *opt, char *err, size_t errlen);

/* Several towns analysed as one survey (towns.h): the design is stratified by territory within town (a territory
 * is the pair town, code), weights are raked within each territory to its town's margins, and the groups are,
 * after every territory ("INSEE/CODE"), for each town its QPV together ("INSEE/ensemble_qpv"), the rest of it
 * ("INSEE/reste_commune", or its one non-QPV territory) and the whole town ("INSEE/commune"); with more than two
 * towns with QPV, the QPV of the other towns ("INSEE/autres_qpv"); then every QPV of the region ("ensemble_qpv")
 * and the region ("region"). Differences: each QPV and each town's QPV together against the rest of its town, and
 * each town's QPV together against the other towns' QPV ("INSEE/autres_qpv"; with two towns, one test: the first
 * town's "INSEE/ensemble_qpv" against the second's). Suppression covers every union of these groups as for one town. With one town this
 * is an_run on its database. The result borrows tw's definitions and territories: tw must outlive it. Forms
 * answered for several territories (operators) are refused. */
an_result *an_run_towns(const tw_set *tw, const an_options *opt, char *err, size_t errlen);

void an_free(an_result *r);

#endif /* ANALYZER_ANALYSIS_H */
