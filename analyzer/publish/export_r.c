/* export_r.c -- the R script of `analyzer export --format r` (see extract.h): it reads the CSV written beside it
 * (with the cells as typed: that CSV is for R, not for a spreadsheet, so it has no protective quotes),
 * gives each coded column its French labels as a factor (levels = the codes, labels = the French labels, nsp and
 * refus included so that they stay apart from a question left blank), the numbers as numbers, every variable its
 * label (attribute "label", as haven sets it), and, when the weight column (poids) is filled, the survey design the
 * analyzer's estimates rest on: survey::svydesign(ids = ~1, strata = ~territory, weights = ~poids).
 */
#include "extract.h"

#include <string.h>

#include "util.h"

/* s as an R string literal. */
static void r_string(sbuf *b, const char *s)
{
    sbuf_add(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            sbuf_add(b, "\\", 1);
        if (*p == '\n')
            sbuf_adds(b, "\\n");
        else
            sbuf_add(b, p, 1);
    }
    sbuf_add(b, "\"", 1);
}

/* The column as R names it: d[["R07"]] (a name may begin with anything R reads, but this form needs no care). */
static void r_col(sbuf *b, const char *name)
{
    sbuf_addf(b, "d[[\"%s\"]]", name);
}

int ext_write_r(const ext_options *o, const char *csv_name, FILE *f, char *err, size_t errlen)
{
    flat_layout *l = flat_layout_new(o->cat, o->form_id, o->defs, o->include_text);
    if (l == NULL) {
        snprintf(err, errlen, "formulaire « %s » inconnu", o->form_id);
        return -1;
    }
    sbuf b = {0}, label = {0};
    sbuf_addf(&b, "# Réponses du formulaire %s : lecture dans R, avec les libellés et le plan de sondage.\n", o->form_id);
    sbuf_adds(&b, "# Écrit par `analyzer export --format r`. Données personnelles de santé : à garder chez le "
                  "responsable du traitement.\n");
    sbuf_adds(&b, "# Usage : Rscript FICHIER.R, ou source(\"FICHIER.R\") ; le tableau est `d`, le plan `plan` quand les "
                  "poids sont remplis.\n\n");
    /* The CSV is beside the script: found whether the script is run (Rscript), sourced, or read from its folder. */
    sbuf_adds(&b, "csv <- ");
    r_string(&b, csv_name);
    sbuf_adds(&b, "\n"
                  "args <- commandArgs(trailingOnly = FALSE)\n"
                  "ici <- c(tryCatch(dirname(sys.frame(1)$ofile), error = function(e) NULL),\n"
                  "         dirname(sub(\"^--file=\", \"\", args[grep(\"^--file=\", args)])), getwd())\n"
                  "ici <- ici[file.exists(file.path(ici, csv))][1]\n"
                  "if (is.na(ici)) stop(\"fichier \", csv, \" introuvable à côté du script\")\n"
                  "d <- read.csv(file.path(ici, csv), colClasses = \"character\", na.strings = \"\", "
                  "encoding = \"UTF-8\", check.names = FALSE)\n");
    sbuf_adds(&b, "\n");
    ext_value values[FORM_MAX_CHOICES + 2];
    for (size_t i = 0; i < l->count; i++) {
        const flat_col *c = &l->cols[i];
        size_t nv = ext_values(c, values);
        if (c->type == FLAT_T_NUMBER) {
            r_col(&b, c->name);
            sbuf_adds(&b, " <- as.numeric(");
            r_col(&b, c->name);
            sbuf_adds(&b, ")\n");
        } else if (nv > 0) {
            r_col(&b, c->name);
            sbuf_adds(&b, " <- factor(");
            r_col(&b, c->name);
            sbuf_adds(&b, ", levels = c(");
            for (size_t k = 0; k < nv; k++) {
                if (k)
                    sbuf_adds(&b, ", ");
                r_string(&b, values[k].code);
            }
            sbuf_adds(&b, "), labels = c(");
            for (size_t k = 0; k < nv; k++) {
                if (k)
                    sbuf_adds(&b, ", ");
                r_string(&b, values[k].label);
            }
            sbuf_adds(&b, "))\n");
        }
        sbuf_reset(&label);
        flat_label(c, &label);
        sbuf_adds(&b, "attr(");
        r_col(&b, c->name);
        sbuf_adds(&b, ", \"label\") <- ");
        r_string(&b, label.data ? label.data : "");
        sbuf_adds(&b, "\n");
    }
    sbuf_adds(&b, "\n# Le plan de sondage : strates = territoires, poids calés sur les marges (les répondants hors des\n"
                  "# territoires du fichier ou qui n'ont pu être calés, de poids vide ou nul, en sont écartés, comme\n"
                  "# dans les estimations de l'analyseur).\n"
                  "if (any(!is.na(d$poids))) {\n"
                  "    library(survey)\n"
                  "    options(survey.lonely.psu = \"adjust\")\n"
                  "    calee <- d[!is.na(d$poids) & d$poids > 0, ]\n"
                  "    plan <- svydesign(ids = ~1, strata = ~territory, weights = ~poids, data = calee)\n"
                  "}\n");
    fwrite(b.data, 1, b.len, f);
    sbuf_free(&b);
    sbuf_free(&label);
    flat_layout_free(l);
    if (ferror(f)) {
        snprintf(err, errlen, "écriture du script R impossible");
        return -1;
    }
    return 0;
}
