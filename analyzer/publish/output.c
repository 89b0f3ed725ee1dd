/* output.c -- JSON and CSV writers of an analysis (see output.h). */
#include "output.h"

#include <math.h>
#include <string.h>

#include "csv.h"
#include "form.h"
#include "util.h"

static const char *suppressed_name(disc_status s)
{
    return s == DISC_PRIMARY ? "primary" : s == DISC_COMPLEMENTARY ? "complementary" : NULL;
}

static const char *test_kind_name(an_test_kind k)
{
    return k == AN_T_RAO_SCOTT ? "rao-scott" : k == AN_T_PEARSON ? "pearson" : "difference";
}

/* A number, or null when absent or not finite (never NaN in an output). */
static json_t *num(bool has, double v)
{
    return has && isfinite(v) ? json_real(v) : json_null();
}

static json_t *count(bool has, long v)
{
    return has && v >= 0 ? json_integer(v) : json_null();
}

static const char *cell_method(const an_result *r, const ind_def *def)
{
    return def->kind == IND_PROPORTION || def->kind == IND_DISTRIBUTION ? r->method_name : "wald-t";
}

static const char *category_code(const ind_def *def, int category)
{
    return category >= 0 ? def->categories[category].code : NULL;
}

static json_t *flags_json(unsigned flags)
{
    json_t *a = json_array();
    for (int k = 0; k < AN_NFLAGS; k++)
        if (flags & (1u << k))
            json_array_append_new(a, json_string(an_flag_name(k)));
    return a;
}

static json_t *cell_json(const an_result *r, const an_cell *c)
{
    const ind_def *def = ind_at(r->defs, c->indicator);
    const an_group *g = &r->groups[c->group];
    bool show = c->suppressed == DISC_SHOW;
    const char *cat = category_code(def, c->category);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(def->id));
    json_object_set_new(o, "label", json_string(form_text(def->label, "fr")));
    json_object_set_new(o, "theme", def->theme ? json_string(def->theme) : json_null());
    json_object_set_new(o, "kind", json_string(ind_kind_name(def->kind)));
    json_object_set_new(o, "category", cat ? json_string(cat) : json_null());
    json_object_set_new(o, "category_label",
                        cat ? json_string(form_text(def->categories[c->category].label, "fr")) : json_null());
    json_object_set_new(o, "group", json_string(g->id));
    json_object_set_new(o, "group_label", json_string(g->label));
    json_object_set_new(o, "n", count(show, c->n));
    json_object_set_new(o, "events", count(show, c->events));
    json_object_set_new(o, "nsp", count(show, c->nsp));
    json_object_set_new(o, "refus", count(show, c->refus));
    json_object_set_new(o, "estimate", num(show && c->has_estimate, c->estimate));
    json_object_set_new(o, "ci_low", num(show && c->has_ci, c->lower));
    json_object_set_new(o, "ci_high", num(show && c->has_ci, c->upper));
    json_object_set_new(o, "se", num(show && c->has_ci, c->se));
    json_object_set_new(o, "method", json_string(cell_method(r, def)));
    json_object_set_new(o, "deff", num(show && c->has_deff, c->deff));
    json_object_set_new(o, "n_eff", num(show && c->has_estimate, c->n_eff));
    json_object_set_new(o, "std_estimate", num(show && c->has_std, c->std));
    json_object_set_new(o, "std_ci_low", num(show && c->has_std_ci, c->std_lower));
    json_object_set_new(o, "std_ci_high", num(show && c->has_std_ci, c->std_upper));
    const char *sup = suppressed_name(c->suppressed);
    json_object_set_new(o, "suppressed", sup ? json_string(sup) : json_false());
    json_object_set_new(o, "flags", show ? flags_json(c->flags) : json_array());
    const char *note = r->versions ? r->versions->note[c->indicator] : NULL;
    if (note != NULL) { /* not a disclosure: shown on suppressed cells too */
        json_array_append_new(json_object_get(o, "flags"), json_string(AN_FLAG_NON_COMPARABLE_NAME));
        json_object_set_new(o, "comparability", json_string(note));
    }
    return o;
}

static json_t *test_json(const an_result *r, const an_test *t)
{
    const ind_def *def = ind_at(r->defs, t->indicator);
    const char *cat = category_code(def, t->category);
    bool show = !t->suppressed, diff = t->kind == AN_T_DIFF;
    json_t *o = json_object();
    json_object_set_new(o, "indicator", json_string(def->id));
    json_object_set_new(o, "category", cat ? json_string(cat) : json_null());
    json_object_set_new(o, "kind", json_string(test_kind_name(t->kind)));
    json_object_set_new(o, "group", diff ? json_string(r->groups[t->group].id) : json_null());
    json_object_set_new(o, "versus", diff ? json_string(r->groups[t->versus].id) : json_null());
    json_object_set_new(o, "statistic", num(show, t->statistic));
    json_object_set_new(o, "ndf", num(show, t->ndf));
    json_object_set_new(o, "ddf", num(show && t->kind == AN_T_RAO_SCOTT, t->ddf));
    json_object_set_new(o, "p", num(show, t->p));
    json_object_set_new(o, "p_holm", num(show, t->p_holm));
    json_object_set_new(o, "difference", num(show && diff, t->diff));
    json_object_set_new(o, "ci_low", num(show && diff, t->lower));
    json_object_set_new(o, "ci_high", num(show && diff, t->upper));
    json_object_set_new(o, "suppressed", json_boolean(t->suppressed));
    return o;
}

static json_t *family_json(size_t m, size_t sig, size_t sig_holm, double alpha)
{
    return json_pack("{s:I, s:I, s:f, s:I}", "tests", (json_int_t)m, "significant", (json_int_t)sig,
                     "expected_by_chance", (double)m * alpha, "significant_holm", (json_int_t)sig_holm);
}

json_t *out_json(const an_result *r)
{
    json_t *groups = json_array(), *cells = json_array(), *tests = json_array();
    for (size_t g = 0; g < r->ngroups; g++) {
        const an_group *gr = &r->groups[g];
        static const char *const kinds[] = {"territory", "qpv", "rest", "town", "region", "other_qpv"};
        /* A territory whose calibration fell back (analysis.h) says so and why, whatever its suppression: the
         * note names margin categories and population totals, never respondents' answers. */
        json_t *gflags = json_array();
        if (gr->calibration != AN_CAL_RAKED)
            json_array_append_new(gflags, json_string(an_calibration_name(gr->calibration)));
        json_t *go = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o}", "id", gr->id, "label", gr->label, "kind",
                               kinds[gr->kind], "qpv", gr->qpv, "respondents", count(true, gr->respondents),
                               "suppressed",
                               suppressed_name(gr->suppressed) ? json_string(suppressed_name(gr->suppressed))
                                                               : json_false(),
                               "flags", gflags, "calibration_note",
                               gr->calibration_note[0] ? json_string(gr->calibration_note) : json_null());
        /* Several towns only: one town's output keeps its shape. */
        if (r->ntowns > 1)
            json_object_set_new(go, "town", gr->town ? json_string(gr->town) : json_null());
        json_array_append_new(groups, go);
    }
    for (size_t i = 0; i < r->ncells; i++)
        json_array_append_new(cells, cell_json(r, &r->cells[i]));
    for (size_t i = 0; i < r->ntests; i++)
        json_array_append_new(tests, test_json(r, &r->tests[i]));
    double alpha = 1 - r->level;
    json_t *comparability = json_object();
    for (size_t i = 0; r->versions && i < r->versions->count; i++)
        if (r->versions->note[i])
            json_object_set_new(comparability, ind_at(r->defs, i)->id, json_string(r->versions->note[i]));
    json_t *unconverged = json_array();
    for (size_t i = 0; i < r->unconverged && i < 8; i++)
        json_array_append_new(unconverged, json_string(r->unconverged_ids[i]));
    json_t *respondents = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "counted", (json_int_t)r->records,
                                    "used", (json_int_t)r->used, "no_territory", (json_int_t)r->no_territory,
                                    "left_out_calibration", (json_int_t)r->left_out_calibration, "rejected",
                                    (json_int_t)r->rejected, "unknown_version", (json_int_t)r->unknown_version);
    return json_pack("{s:s, s:b, s:{s:I, s:o}, s:s, s:f, s:I, s:o, s:{s:b, s:s}, s:o, s:o, s:o, s:{s:o, s:o}, "
                     "s:{s:f, s:f, s:b, s:I, s:f}, s:o}",
                     "form",
                     r->form_id, "weighted", r->weighted, "raking", "unconverged", (json_int_t)r->unconverged,
                     "unconverged_territories", unconverged, "method", r->method_name, "level", r->level, "min_n",
                     (json_int_t)r->min_n, "respondents", respondents, "standardisation", "done",
                     r->standardised, "note", r->std_note, "groups", groups, "indicators", cells, "tests", tests,
                     "multiple_testing", "across_territories",
                     family_json(r->chisq_tests, r->chisq_significant, r->chisq_significant_holm, alpha),
                     "neighbourhood_vs_rest",
                     family_json(r->diff_tests, r->diff_significant, r->diff_significant_holm, alpha), "timing",
                     "read_seconds", r->seconds_read, "estimate_seconds", r->seconds_estimate, "cache", r->cached,
                     "derived_rows", (json_int_t)r->derived, "derive_seconds", r->seconds_derive, "comparability",
                     comparability);
}

int out_write_json(const an_result *r, FILE *f)
{
    json_t *doc = out_json(r);
    int rc = json_dumpf(doc, f, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
    json_decref(doc);
    if (rc == 0 && fputc('\n', f) == EOF)
        rc = -1;
    return rc;
}

/* ------------------------------------------------------------------ CSV */

static void csv_num(FILE *f, bool has, double v)
{
    fputc(',', f);
    if (has && isfinite(v))
        fprintf(f, "%.17g", v);
}

static void csv_count(FILE *f, bool has, long v)
{
    fputc(',', f);
    if (has && v >= 0)
        fprintf(f, "%ld", v);
}

static void csv_field(FILE *f, const char *s)
{
    fputc(',', f);
    csv_put(f, s);
}

int out_write_csv(const an_result *r, FILE *f)
{
    fputs("id,label,theme,kind,category,category_label,group,group_label,n,events,nsp,refus,estimate,ci_low,"
          "ci_high,se,method,deff,n_eff,std_estimate,std_ci_low,std_ci_high,suppressed,flags\n",
          f);
    for (size_t i = 0; i < r->ncells; i++) {
        const an_cell *c = &r->cells[i];
        const ind_def *def = ind_at(r->defs, c->indicator);
        const an_group *g = &r->groups[c->group];
        bool show = c->suppressed == DISC_SHOW;
        const char *cat = category_code(def, c->category);
        csv_put(f, def->id);
        csv_field(f, form_text(def->label, "fr"));
        csv_field(f, def->theme);
        csv_field(f, ind_kind_name(def->kind));
        csv_field(f, cat);
        csv_field(f, cat ? form_text(def->categories[c->category].label, "fr") : NULL);
        csv_field(f, g->id);
        csv_field(f, g->label);
        csv_count(f, show, c->n);
        csv_count(f, show, c->events);
        csv_count(f, show, c->nsp);
        csv_count(f, show, c->refus);
        csv_num(f, show && c->has_estimate, c->estimate);
        csv_num(f, show && c->has_ci, c->lower);
        csv_num(f, show && c->has_ci, c->upper);
        csv_num(f, show && c->has_ci, c->se);
        csv_field(f, cell_method(r, def));
        csv_num(f, show && c->has_deff, c->deff);
        csv_num(f, show && c->has_estimate, c->n_eff);
        csv_num(f, show && c->has_std, c->std);
        csv_num(f, show && c->has_std_ci, c->std_lower);
        csv_num(f, show && c->has_std_ci, c->std_upper);
        csv_field(f, suppressed_name(c->suppressed) ? suppressed_name(c->suppressed) : "");
        fputc(',', f);
        int first = 1;
        for (int k = 0; show && k < AN_NFLAGS; k++)
            if (c->flags & (1u << k)) {
                fprintf(f, "%s%s", first ? "" : ";", an_flag_name(k));
                first = 0;
            }
        if (r->versions && r->versions->note[c->indicator])
            fprintf(f, "%s%s", first ? "" : ";", AN_FLAG_NON_COMPARABLE_NAME);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}
