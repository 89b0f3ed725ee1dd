/* weights.c -- raking of survey weights as R's survey::rake() does it, group by group, and the raking
 * residual of svyrecvar (see weights.h for the contract).
 *
 * The arithmetic follows R's: a design keeps selection probabilities prob = 1/w, post-stratification divides
 * prob by pop/sample, and every weighted sum is a sum of 1/prob in data order. Results then agree with R to
 * the last few bits instead of merely to the tolerance, which keeps the convergence test (a strict
 * "delta < epsilon") taking the same branch as R's.
 */
#include "weights.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct wt_raking {
    size_t n, ngroup, nmargin;
    double *w; /* [n] final weights, 0 when left out */
    size_t left_out;
    bool *converged;  /* [ngroup] */
    int *cycles;      /* [ngroup] */
    double *margin_w; /* [nmargin * n] weights right after margin m in the last cycle (0 when left out) */
    size_t *cell;     /* [nmargin * n] (group, category) cell of each respondent for margin m; SIZE_MAX if out */
    size_t *ncell;    /* [nmargin] ngroup * ncat */
    double *count;    /* [n] respondents each row stands for (wt_collapse), NULL when all 1 */
};

/* Writes a formatted message to err when there is room. */
static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The label of group g for messages: its name when given, else "groupe g" written into buf. */
static const char *group_label(const wt_input *in, size_t g, char *buf, size_t len)
{
    if (in->group_names != NULL && in->group_names[g] != NULL)
        return in->group_names[g];
    snprintf(buf, len, "groupe %zu", g);
    return buf;
}

/* The label of margin m for messages: its name when given, else "variable m". */
static const char *margin_label(const wt_input *in, size_t m, char *buf, size_t len)
{
    if (in->margin[m].name != NULL)
        return in->margin[m].name;
    snprintf(buf, len, "variable %zu", m);
    return buf;
}

/* Checks the input against the contract of wt_rake. Returns 0 or -1 with a message. */
static const char *category_label(const wt_margin *mg, size_t c, char *buf, size_t len)
{
    if (mg->codes && mg->codes[c])
        return mg->codes[c];
    snprintf(buf, len, "%zu", c);
    return buf;
}

static int check_input(const wt_input *in, const wt_options *opt, char *err, size_t errlen)
{
    if (in == NULL || in->n == 0 || in->base_weight == NULL || in->ngroup == 0 || in->nmargin == 0 ||
        in->margin == NULL || (in->ngroup > 1 && in->group == NULL)) {
        set_err(err, errlen, "raking : entrée incomplète (aucun répondant, poids, groupe ou marge manquant)");
        return -1;
    }
    if (!(opt->epsilon > 0) || isinf(opt->epsilon) || opt->maxit < 1) {
        set_err(err, errlen, "raking : epsilon doit être > 0 et maxit >= 1");
        return -1;
    }
    for (size_t i = 0; i < in->n; i++) {
        if (!(in->base_weight[i] > 0) || isinf(in->base_weight[i])) {
            set_err(err, errlen, "raking : le poids de départ du répondant %zu n'est pas un nombre > 0", i + 1);
            return -1;
        }
        if (in->group != NULL && (in->group[i] < 0 || (size_t)in->group[i] >= in->ngroup)) {
            set_err(err, errlen, "raking : le groupe du répondant %zu est hors de [0, %zu)", i + 1, in->ngroup);
            return -1;
        }
    }
    for (size_t m = 0; m < in->nmargin; m++) {
        const wt_margin *mg = &in->margin[m];
        char mb[32];
        if (mg->ncat == 0 || mg->cat == NULL || mg->pop == NULL) {
            set_err(err, errlen, "raking : la marge « %s » est vide", margin_label(in, m, mb, sizeof mb));
            return -1;
        }
        for (size_t i = 0; i < in->n; i++)
            if (mg->cat[i] < -1 || (mg->cat[i] >= 0 && (size_t)mg->cat[i] >= mg->ncat)) {
                set_err(err, errlen, "raking : catégorie %d du répondant %zu hors de la variable « %s »", mg->cat[i],
                        i + 1, margin_label(in, m, mb, sizeof mb));
                return -1;
            }
        for (size_t c = 0; c < in->ngroup * mg->ncat; c++)
            if (!(mg->pop[c] >= 0) || isinf(mg->pop[c])) {
                set_err(err, errlen, "raking : total de population invalide pour la variable « %s »",
                        margin_label(in, m, mb, sizeof mb));
                return -1;
            }
    }
    return 0;
}

/* A respondent's categories across margins, for sorting into the cells of the full cross table. */
typedef struct combo_key {
    const int *tuple;
    size_t len;
    size_t pos;
} combo_key;

/* qsort order of combo_key: by categories, then by position so that the order is total. */
static int combo_cmp(const void *pa, const void *pb)
{
    const combo_key *a = pa, *b = pb;
    for (size_t k = 0; k < a->len; k++)
        if (a->tuple[k] != b->tuple[k])
            return a->tuple[k] < b->tuple[k] ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Assigns to each of the ng respondents idx[] the number of its cell in the full cross of all margins, and
 * returns the number of occupied cells. Empty cells of the cross are 0 in both tables R compares, so they
 * never matter. */
static size_t cross_cells(const wt_input *in, const size_t *idx, size_t ng, size_t *combo)
{
    int *tuples = xmalloc((ng ? ng : 1) * in->nmargin * sizeof *tuples);
    combo_key *keys = xmalloc((ng ? ng : 1) * sizeof *keys);
    for (size_t j = 0; j < ng; j++) {
        for (size_t m = 0; m < in->nmargin; m++)
            tuples[j * in->nmargin + m] = in->margin[m].cat[idx[j]];
        keys[j] = (combo_key){tuples + j * in->nmargin, in->nmargin, j};
    }
    qsort(keys, ng, sizeof *keys, combo_cmp);
    size_t ncombo = 0;
    for (size_t j = 0; j < ng; j++) {
        if (j > 0 && memcmp(keys[j].tuple, keys[j - 1].tuple, in->nmargin * sizeof(int)) != 0)
            ncombo++;
        combo[keys[j].pos] = ncombo;
    }
    free(keys);
    free(tuples);
    return ng ? ncombo + 1 : 0;
}

/* Checks the cells of every margin of group g: a positive population total needs somebody in the sample,
 * and respondents need a positive population total (R's postStratify stops in both cases). */
static int check_cells(const wt_input *in, size_t g, const size_t *idx, size_t ng, char *err, size_t errlen)
{
    int rc = -1;
    size_t maxcat = 0;
    for (size_t m = 0; m < in->nmargin; m++)
        if (in->margin[m].ncat > maxcat)
            maxcat = in->margin[m].ncat;
    size_t *count = xmalloc(maxcat * sizeof *count);
    for (size_t m = 0; m < in->nmargin; m++) {
        const wt_margin *mg = &in->margin[m];
        memset(count, 0, mg->ncat * sizeof *count);
        for (size_t j = 0; j < ng; j++)
            count[mg->cat[idx[j]]]++;
        for (size_t c = 0; c < mg->ncat; c++) {
            double pop = mg->pop[g * mg->ncat + c];
            char gb[32], mb[32], cb[32];
            if (pop > 0 && count[c] == 0) {
                set_err(err, errlen,
                        "raking impossible : %s, variable « %s », catégorie « %s » : personne dans l'échantillon "
                        "pour un total de population de %.15g",
                        group_label(in, g, gb, sizeof gb), margin_label(in, m, mb, sizeof mb),
                        category_label(mg, c, cb, sizeof cb), pop);
                goto cleanup;
            }
            if (pop == 0 && count[c] > 0) {
                set_err(err, errlen,
                        "raking impossible : %s, variable « %s », catégorie « %s » : %zu répondant(s) mais un "
                        "total de population nul",
                        group_label(in, g, gb, sizeof gb), margin_label(in, m, mb, sizeof mb),
                        category_label(mg, c, cb, sizeof cb), count[c]);
                goto cleanup;
            }
        }
    }
    rc = 0;
cleanup:
    free(count);
    return rc;
}

/* svytable over the full cross: the sum of weights 1/prob per occupied cell, in data order. */
static void cross_table(const double *prob, const size_t *idx, size_t ng, const size_t *combo, size_t ncombo,
                        double *table)
{
    memset(table, 0, ncombo * sizeof *table);
    for (size_t j = 0; j < ng; j++)
        table[combo[j]] += 1 / prob[idx[j]];
}

/* Rakes group g in place in prob (respondents idx[0..ng-1], all with known categories), recording the
 * weights after each margin of the last cycle in r->margin_w. */
static void rake_group(const wt_input *in, const wt_options *opt, wt_raking *r, size_t g, const size_t *idx, size_t ng,
                       double *prob)
{
    size_t maxcat = 0;
    for (size_t m = 0; m < in->nmargin; m++)
        if (in->margin[m].ncat > maxcat)
            maxcat = in->margin[m].ncat;
    double *sample = xmalloc(maxcat * sizeof *sample);
    size_t *combo = xmalloc(ng * sizeof *combo);
    size_t ncombo = cross_cells(in, idx, ng, combo);
    double *oldtable = xmalloc(ncombo * sizeof *oldtable);
    double *newtable = xmalloc(ncombo * sizeof *newtable);

    double epsilon = opt->epsilon;
    if (epsilon < 1) {
        double sum = 0;
        for (size_t j = 0; j < ng; j++)
            sum += 1 / prob[idx[j]];
        epsilon *= sum;
    }
    cross_table(prob, idx, ng, combo, ncombo, oldtable);
    int iter = 0;
    bool converged = false;
    while (iter < opt->maxit) {
        for (size_t m = 0; m < in->nmargin; m++) {
            const wt_margin *mg = &in->margin[m];
            memset(sample, 0, mg->ncat * sizeof *sample);
            for (size_t j = 0; j < ng; j++)
                sample[mg->cat[idx[j]]] += 1 / prob[idx[j]];
            for (size_t j = 0; j < ng; j++) {
                size_t i = idx[j];
                int c = mg->cat[i];
                double reweight = mg->pop[g * mg->ncat + (size_t)c] / sample[c];
                prob[i] = prob[i] / reweight;
                r->margin_w[m * r->n + i] = 1 / prob[i];
            }
        }
        cross_table(prob, idx, ng, combo, ncombo, newtable);
        double delta = 0;
        for (size_t k = 0; k < ncombo; k++)
            if (fabs(oldtable[k] - newtable[k]) > delta)
                delta = fabs(oldtable[k] - newtable[k]);
        if (delta < epsilon) {
            converged = true;
            break;
        }
        memcpy(oldtable, newtable, ncombo * sizeof *oldtable);
        iter++;
    }
    r->converged[g] = converged;
    r->cycles[g] = converged ? iter + 1 : iter;
    free(newtable);
    free(oldtable);
    free(combo);
    free(sample);
}

void wt_free(wt_raking *r)
{
    if (r == NULL)
        return;
    free(r->w);
    free(r->converged);
    free(r->cycles);
    free(r->margin_w);
    free(r->cell);
    free(r->ncell);
    free(r->count);
    free(r);
}

wt_raking *wt_rake(const wt_input *in, const wt_options *opt, char *err, size_t errlen)
{
    wt_options defaults = {WT_DEFAULT_EPSILON, WT_DEFAULT_MAXIT};
    if (opt == NULL)
        opt = &defaults;
    if (check_input(in, opt, err, errlen) != 0)
        return NULL;

    wt_raking *r = xcalloc(1, sizeof *r);
    size_t n = in->n;
    r->n = n;
    r->ngroup = in->ngroup;
    r->nmargin = in->nmargin;
    r->w = xcalloc(n, sizeof *r->w);
    r->converged = xcalloc(in->ngroup, sizeof *r->converged);
    r->cycles = xcalloc(in->ngroup, sizeof *r->cycles);
    r->margin_w = xcalloc(in->nmargin * n, sizeof *r->margin_w);
    r->cell = xmalloc(in->nmargin * n * sizeof *r->cell);
    r->ncell = xmalloc(in->nmargin * sizeof *r->ncell);
    double *prob = xmalloc(n * sizeof *prob);
    size_t *idx = xmalloc(n * sizeof *idx);
    wt_raking *result = NULL;

    /* Respondents with an unknown category are out; the others keep their margin cells. */
    for (size_t m = 0; m < in->nmargin; m++)
        r->ncell[m] = in->ngroup * in->margin[m].ncat;
    for (size_t i = 0; i < n; i++) {
        bool known = true;
        for (size_t m = 0; m < in->nmargin; m++)
            if (in->margin[m].cat[i] < 0)
                known = false;
        size_t g = in->group ? (size_t)in->group[i] : 0;
        for (size_t m = 0; m < in->nmargin; m++)
            r->cell[m * n + i] = known ? g * in->margin[m].ncat + (size_t)in->margin[m].cat[i] : SIZE_MAX;
        if (!known)
            r->left_out++;
        prob[i] = 1 / in->base_weight[i];
    }

    for (size_t g = 0; g < in->ngroup; g++) {
        size_t ng = 0;
        for (size_t i = 0; i < n; i++)
            if ((in->group ? (size_t)in->group[i] : 0) == g && r->cell[i] != SIZE_MAX)
                idx[ng++] = i;
        if (check_cells(in, g, idx, ng, err, errlen) != 0)
            goto cleanup;
        rake_group(in, opt, r, g, idx, ng, prob);
        for (size_t j = 0; j < ng; j++)
            r->w[idx[j]] = 1 / prob[idx[j]];
    }
    result = r;
    r = NULL;
cleanup:
    free(idx);
    free(prob);
    wt_free(r);
    return result;
}

size_t wt_n(const wt_raking *r)
{
    return r->n;
}

const double *wt_weights(const wt_raking *r)
{
    return r->w;
}

size_t wt_left_out(const wt_raking *r)
{
    return r->left_out;
}

bool wt_converged(const wt_raking *r)
{
    for (size_t g = 0; g < r->ngroup; g++)
        if (!r->converged[g])
            return false;
    return true;
}

bool wt_group_converged(const wt_raking *r, size_t g)
{
    return g < r->ngroup && r->converged[g];
}

int wt_group_cycles(const wt_raking *r, size_t g)
{
    return g < r->ngroup ? r->cycles[g] : 0;
}

void wt_residual(const wt_raking *r, double *u, size_t k)
{
    size_t n = r->n, maxcell = 0;
    for (size_t m = 0; m < r->nmargin; m++)
        if (r->ncell[m] > maxcell)
            maxcell = r->ncell[m];
    double *sum = xmalloc(maxcell * k * sizeof *sum);
    double *count = xmalloc(maxcell * sizeof *count);
    for (int sweep = 0; sweep < WT_RESIDUAL_SWEEPS; sweep++) {
        for (size_t m = 0; m < r->nmargin; m++) {
            const double *psw = r->margin_w + m * n;
            const size_t *cell = r->cell + m * n;
            memset(sum, 0, r->ncell[m] * k * sizeof *sum);
            memset(count, 0, r->ncell[m] * sizeof *count);
            for (size_t i = 0; i < n; i++) {
                if (cell[i] == SIZE_MAX)
                    continue;
                double c = r->count ? r->count[i] : 1;
                count[cell[i]] += c;
                for (size_t j = 0; j < k; j++)
                    sum[cell[i] * k + j] += c * u[j * n + i] / psw[i];
            }
            for (size_t i = 0; i < n; i++) {
                if (cell[i] == SIZE_MAX)
                    continue;
                for (size_t j = 0; j < k; j++)
                    u[j * n + i] -= psw[i] * (sum[cell[i] * k + j] / count[cell[i]]);
            }
        }
    }
    free(count);
    free(sum);
}

wt_raking *wt_collapse(const wt_raking *r, size_t m, const size_t *rep, const double *count)
{
    wt_raking *c = xcalloc(1, sizeof *c);
    c->n = m;
    c->ngroup = r->ngroup;
    c->nmargin = r->nmargin;
    c->w = xmalloc(m * sizeof *c->w);
    c->count = xmalloc(m * sizeof *c->count);
    c->converged = xmalloc(r->ngroup * sizeof *c->converged);
    c->cycles = xmalloc(r->ngroup * sizeof *c->cycles);
    memcpy(c->converged, r->converged, r->ngroup * sizeof *c->converged);
    memcpy(c->cycles, r->cycles, r->ngroup * sizeof *c->cycles);
    c->margin_w = xmalloc(r->nmargin * m * sizeof *c->margin_w);
    c->cell = xmalloc(r->nmargin * m * sizeof *c->cell);
    c->ncell = xmalloc(r->nmargin * sizeof *c->ncell);
    memcpy(c->ncell, r->ncell, r->nmargin * sizeof *c->ncell);
    for (size_t j = 0; j < m; j++) {
        double rc = r->count ? r->count[rep[j]] : 1;
        c->w[j] = r->w[rep[j]];
        c->count[j] = rc * count[j];
        if (c->w[j] == 0)
            c->left_out += (size_t)c->count[j];
        for (size_t k = 0; k < r->nmargin; k++) {
            c->margin_w[k * m + j] = r->margin_w[k * r->n + rep[j]];
            c->cell[k * m + j] = r->cell[k * r->n + rep[j]];
        }
    }
    return c;
}

wt_raking *wt_copy(const wt_raking *r)
{
    size_t *all = xmalloc((r->n + 1) * sizeof *all);
    double *one = xmalloc((r->n + 1) * sizeof *one);
    for (size_t i = 0; i < r->n; i++)
        all[i] = i, one[i] = 1;
    wt_raking *c = wt_collapse(r, r->n, all, one);
    if (r->count == NULL) {
        free(c->count);
        c->count = NULL;
    }
    free(one);
    free(all);
    return c;
}

/* ------------------------------------------------------------------ calibration fallback */

/* Appends a formatted piece to the note (truncated at its size). */
static void note_add(char *note, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note_add(char *note, size_t len, const char *fmt, ...)
{
    size_t used = strlen(note);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note + used, len - used, fmt, ap);
    va_end(ap);
}

#define FB_MAXCAT 64

wt_fallback_kind wt_fallback(size_t n, const int *group, size_t g, size_t nmargin, wt_fallback_margin *m, char *note,
                             size_t notelen)
{
    wt_fallback_kind how = WT_FB_RAKED;
    long cnt[FB_MAXCAT];
    int blk[FB_MAXCAT];
    note[0] = '\0';
    for (size_t v = 0; v < nmargin && how != WT_FB_UNWEIGHTED; v++) {
        const wt_fallback_margin *mv = &m[v];
        size_t K = mv->ncat;
        double *pv = &mv->pop[g * K];
        if (K == 0 || K > FB_MAXCAT) /* margins.c caps categories well below; a wider margin is left as is */
            continue;
        memset(cnt, 0, K * sizeof *cnt);
        for (size_t i = 0; i < n; i++) {
            bool known = (size_t)group[i] == g;
            for (size_t u = 0; u < nmargin && known; u++)
                known = m[u].cat[i] >= 0;
            if (known)
                cnt[mv->cat[i]]++;
        }
        for (size_t k = 0; k < K; k++)
            blk[k] = (int)k;
        for (;;) {
            /* the first block whose population and respondents disagree (one is zero, the other not) */
            int bad = -1;
            long bn = 0;
            double bp = 0;
            for (size_t k = 0; k < K && bad < 0; k++) {
                if (blk[k] != (int)k)
                    continue;
                bp = 0, bn = 0;
                for (size_t j = k; j < K; j++)
                    if (blk[j] == (int)k)
                        bp += pv[j], bn += cnt[j];
                if ((bp > 0) != (bn > 0))
                    bad = (int)k;
            }
            if (bad < 0)
                break;
            /* The number of respondents is not given when there are some: it may be under the minimum n. */
            char what[160];
            if (bn == 0)
                snprintf(what, sizeof what, "aucun répondant pour une population de %.0f", bp);
            else
                snprintf(what, sizeof what, "des répondants pour une population nulle");
            /* neighbours: the blocks just before and just after bad in the margin's order */
            int prev = -1, next = -1;
            for (size_t j = 0; j < K; j++) {
                if (blk[j] == bad)
                    continue;
                if ((int)j < bad)
                    prev = blk[j];
                else if (next < 0)
                    next = blk[j];
            }
            int into = prev >= 0 ? prev : next;
            if (!mv->ordered || into < 0) {
                note[0] = '\0';
                note_add(note, notelen, "non calé (poids = population / répondants) : %s, catégorie « %s » : %s%s",
                         mv->name, mv->codes[bad], what,
                         mv->ordered ? ", et aucune catégorie voisine" : " ; variable sans ordre, pas de regroupement");
                how = WT_FB_UNWEIGHTED;
                break;
            }
            note_add(note, notelen, "%s%s : « %s » regroupée avec « %s » (%s)", note[0] ? " ; " : "", mv->name,
                     mv->codes[bad], mv->codes[into], what);
            int lo = bad < into ? bad : into, hi = bad < into ? into : bad;
            for (size_t j = 0; j < K; j++)
                if (blk[j] == hi)
                    blk[j] = lo;
            how = WT_FB_COLLAPSED;
        }
        if (how == WT_FB_UNWEIGHTED)
            break;
        /* every block on its first category, which holds the block's population */
        for (size_t i = 0; i < n; i++)
            if ((size_t)group[i] == g && mv->cat[i] >= 0)
                mv->cat[i] = blk[mv->cat[i]];
        for (size_t k = 0; k < K; k++)
            if (blk[k] != (int)k) {
                pv[blk[k]] += pv[k];
                pv[k] = 0;
            }
    }
    if (how == WT_FB_UNWEIGHTED) {
        double total = 0;
        for (size_t k = 0; k < m[0].ncat; k++) /* merging blocks keeps the row's sum */
            total += m[0].pop[g * m[0].ncat + k];
        for (size_t v = 0; v < nmargin; v++) {
            size_t K = m[v].ncat;
            for (size_t k = 0; k < K; k++)
                m[v].pop[g * K + k] = k == 0 ? total : 0;
            for (size_t i = 0; i < n; i++)
                if ((size_t)group[i] == g && m[v].cat[i] >= 0)
                    m[v].cat[i] = 0;
        }
    }
    return how;
}
