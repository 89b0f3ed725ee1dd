/* disclosure.h -- what may be published: the minimum-count rule with complementary suppression over every
 * additive relation between published cells, and NCHS's presentation standards for survey proportions
 * (statistics.md section 5).
 *
 * The model. Respondents fall into atoms: the finest groups that no published cell splits (the territories of
 * an indicator table, the patterns of territories operators serve, the inner cells of a count table). Each
 * published cell is the sum over some atoms (a territory is one atom; all QPV the QPV territories; the town
 * every atom). Anyone holding the published cells can add and subtract them: every linear combination of the
 * shown cells is published too, and it describes the respondents of the atoms it does not cancel out.
 *
 * The rule. A cell whose own count is under min_n (unweighted; 11 by default, the fiscal rule) is suppressed
 * (primary). Then, for as long as some combination of the shown cells isolates a set of atoms that holds
 * somebody but fewer than min_n respondents (town minus every published territory, say), more cells are
 * suppressed (complementary): the fewest cells whose loss makes that combination unpublishable, the cheapest in
 * respondents among them, ties to the lowest indices, so the result is deterministic. Whatever the relations
 * (nested groups, crossed tables, overlapping territories), what remains shown isolates either nobody or at
 * least min_n respondents.
 * The search is exact (linear algebra on the shown cells, then the minimal combinations of the small atoms); in
 * a table too large to search exactly it suppresses rather than guess.
 */
#ifndef ANALYZER_DISCLOSURE_H
#define ANALYZER_DISCLOSURE_H

#include <stdbool.h>
#include <stddef.h>

#define DISC_DEFAULT_MIN_N 11

typedef enum disc_status {
    DISC_SHOW = 0,
    DISC_PRIMARY,       /* fewer than min_n respondents */
    DISC_COMPLEMENTARY, /* enough respondents, hidden so that no smaller group can be recovered */
} disc_status;

/* A set of published cells over atoms. Borrowed arrays. */
typedef struct disc_table {
    size_t natom, ncell;
    const long *atom_n;         /* [natom] respondents of each atom in the count the rule judges (>= 0) */
    const long *atom_other;     /* [natom] or NULL: respondents the cells describe besides (an indicator's nsp and
                                   refus, outside its n): an atom with nobody in atom_n but somebody here must
                                   not be isolated either */
    const long *cell_n;         /* [ncell] the count the minimum rule judges (an indicator's n, say) */
    const unsigned char *cover; /* [ncell * natom] nonzero when cell c adds up atom a */
} disc_table;

/* Applies the rule to t, writing out[0..ncell-1]. Returns 0, or -1 when an argument is invalid (min_n < 1, a
 * negative count, a NULL array with a nonzero size). */
int disc_protect(const disc_table *t, long min_n, disc_status *out);

/* The usual table: nrow rows x ncol columns of counts, with each row's total in an extra last column and the
 * column totals in an extra last row; n and out are (nrow + 1) x (ncol + 1), row-major, and the totals must be
 * the sums. The inner cells are the atoms. Returns 0 or -1. */
int disc_suppress_grid(size_t nrow, size_t ncol, const long *n, long min_n, disc_status *out);

/* NCHS presentation standards for a proportion (Parker et al. 2017, as CRAN surveytable implements them). */
typedef enum disc_nchs_reason {
    DISC_NCHS_OK = 0,
    DISC_NCHS_NEFF,     /* effective sample size below 30 */
    DISC_NCHS_WIDTH,    /* CI width >= 0.30 */
    DISC_NCHS_RELWIDTH, /* 0.05 < width < 0.30 and width / p > 1.30 */
} disc_nchs_reason;

typedef struct disc_nchs_result {
    bool show;
    disc_nchs_reason reason;  /* why not shown */
    double n_eff;             /* p(1-p)/se^2 capped at n; n when x = 0 or x = n */
    double width;             /* upper - lower; 0 when x = 0 or x = n (surveytable's convention) */
    bool footnote_complement; /* shown through the relative-width branch with width / (1 - p) > 1.30 */
    bool review_df;           /* shown with df < 8 */
    bool review_p01;          /* shown with p = 0 or 1 (x = 0 or x = n) */
} disc_nchs_result;

/* Judges a proportion p with standard error se, x of n respondents with the outcome, its Korn-Graubard
 * interval [lower, upper] (est_prop with EST_CI_BETA) and df degrees of freedom. Returns 0, or -1 when n < 1,
 * x outside [0, n], p outside [0, 1], se < 0 or the bounds are not finite. */
int disc_nchs(double p, double se, long x, long n, double lower, double upper, long df, disc_nchs_result *out);

#endif /* ANALYZER_DISCLOSURE_H */
