# exports_check.R -- the Stata, SPSS, R and xlsx exports against the CSV export and the codebook (exports.sh).
# usage: Rscript exports_check.R WORKDIR
suppressPackageStartupMessages({
    library(haven)
    library(readxl)
    library(jsonlite)
})
dir <- commandArgs(trailingOnly = TRUE)[1]
fails <- character(0)
fail <- function(...) fails <<- c(fails, paste0(...))

csv <- read.csv(file.path(dir, "answers.csv"), colClasses = "character", na.strings = "", encoding = "UTF-8",
                check.names = FALSE)
cb <- read.csv(file.path(dir, "codebook.csv"), colClasses = "character", na.strings = "", encoding = "UTF-8",
               check.names = FALSE)
vars <- cb[cb$nature == "variable", ]
vals <- cb[cb$nature == "valeur", ]
if (!identical(names(csv), vars$variable)) fail("the CSV's header is not the codebook's list of variables")
if (!all(grepl("^[A-Za-z][A-Za-z0-9_]{0,31}$", vars$variable))) fail("a name is not valid in Stata, SPSS and R")
if (anyDuplicated(tolower(vars$variable))) fail("two names differ only by case")
if (!("poids" %in% names(csv)) || all(is.na(csv$poids))) fail("no weight filled with --margins")
if (!("score_epices" %in% names(csv))) fail("no score_epices column")
numeric_types <- c("nombre entier", "nombre décimal", "échelle", "poids", "score")

check_file <- function(path, sav) {
    what <- if (sav) "sav" else "dta"
    d <- if (sav) read_sav(path, user_na = TRUE) else read_dta(path)
    if (nrow(d) != nrow(csv)) fail(what, ": ", nrow(d), " rows, the CSV has ", nrow(csv))
    if (!identical(names(d), names(csv))) fail(what, ": the variables are not the CSV's")
    for (k in seq_len(nrow(vars))) {
        v <- vars$variable[k]
        if (!(v %in% names(d))) next
        x <- d[[v]]
        lab <- attr(x, "label")
        if (!identical(if (is.null(lab)) "" else lab, vars$libelle[k]))
            fail(what, " ", v, ": label \"", lab, "\" is not the codebook's \"", vars$libelle[k], "\"")
        vl <- vals[vals$variable == v, ]
        labels <- attr(x, "labels")
        if (nrow(vl) != length(labels)) {
            fail(what, " ", v, ": ", length(labels), " value labels, the codebook has ", nrow(vl))
            next
        }
        cell <- csv[[v]]
        if (nrow(vl) > 0) {
            # every value label as the codebook says, nsp / refus as tagged missing (Stata) or declared missing (SPSS)
            for (j in seq_len(nrow(vl))) {
                tag <- vl$valeur_stata[j]
                if (!sav && startsWith(tag, ".")) {
                    hit <- which(is_tagged_na(labels, substr(tag, 2, 2)))
                } else {
                    hit <- which(!is.na(labels) & labels == as.numeric(vl$valeur[j]))
                }
                if (length(hit) != 1 || names(labels)[hit] != vl$libelle[j])
                    fail(what, " ", v, ": no label \"", vl$libelle[j], "\" for ", vl$code[j])
                if (sav && startsWith(tag, ".") && !(as.numeric(vl$valeur[j]) %in% attr(x, "na_values")))
                    fail(what, " ", v, ": ", vl$valeur[j], " (", vl$code[j], ") is not declared missing")
            }
            # every value is the CSV's code through the labels
            num <- setNames(as.numeric(vl$valeur), vl$code)
            tags <- setNames(substr(vl$valeur_stata, 2, 2), vl$code)
            expect <- unname(num[cell])
            got <- as.numeric(unclass(x))
            special <- !is.na(cell) & startsWith(vl$valeur_stata[match(cell, vl$code)], ".")
            if (!sav) {
                bad <- which(special & !(is_tagged_na(x) & na_tag(x) %in% tags[cell]))
                bad <- c(bad, which(special & na_tag(x) != unname(tags[cell])))
                ok_plain <- !special
                bad <- c(bad, which(ok_plain & !((is.na(expect) & is.na(got) & !is_tagged_na(x)) |
                                                 (!is.na(expect) & !is.na(got) & expect == got))))
            } else {
                bad <- which(!((is.na(expect) & is.na(got)) | (!is.na(expect) & !is.na(got) & expect == got)))
            }
            if (length(bad)) fail(what, " ", v, ": ", length(bad), " values differ from the CSV, first row ", bad[1],
                                  " (CSV \"", cell[bad[1]], "\", file ", got[bad[1]], ")")
        } else if (vars$type[k] %in% numeric_types) {
            a <- as.numeric(cell)
            b <- as.numeric(x)
            bad <- which(!((is.na(a) & is.na(b)) | (!is.na(a) & !is.na(b) & abs(a - b) <= 1e-9 * pmax(1, abs(a)))))
            if (length(bad)) fail(what, " ", v, ": ", length(bad), " numbers differ from the CSV")
        } else {
            a <- ifelse(is.na(cell), "", cell)
            b <- as.character(x)
            if (any(a != b)) fail(what, " ", v, ": ", sum(a != b), " strings differ from the CSV")
        }
    }
    invisible(d)
}
dta <- check_file(file.path(dir, "answers.dta"), FALSE)
sav <- check_file(file.path(dir, "answers.sav"), TRUE)
if (!any(is_tagged_na(dta$R08, "a")) || !any(is_tagged_na(dta$R08, "b")))
    fail("dta R08: the campaign should have both nsp (.a) and refus (.b)")

# EPICES from its published coefficients, as the indicator file gives them: the score columns are the analyzer's.
ind <- fromJSON(file.path(dir, "forms", "resident.indicators.json"), simplifyVector = FALSE)
for (sc in ind$scores) {
    col <- paste0("score_", sc$id)
    total <- rep(sc$constant, nrow(csv))
    missing <- rep(FALSE, nrow(csv))
    for (t in sc$terms) {
        a <- csv[[t$question]]
        missing <- missing | is.na(a) | a %in% c("nsp", "refus")
        total <- total + ifelse(!is.na(a) & a == t$code, t$coef, 0)
    }
    decimals <- if (is.null(sc$decimals)) 2 else sc$decimals
    expect <- ifelse(missing, NA, round(total, decimals))
    got <- as.numeric(csv[[col]])
    bad <- which(!((is.na(expect) & is.na(got)) | (!is.na(expect) & !is.na(got) & abs(expect - got) < 1e-9)))
    if (length(bad)) fail(col, ": ", length(bad), " scores differ from the coefficients, first row ", bad[1])
    if (all(is.na(got))) fail(col, ": never computed")
}

# The R script: runs, gives factors with the French labels and the survey design.
env <- new.env()
res <- tryCatch({
    suppressPackageStartupMessages(sys.source(file.path(dir, "script.R"), envir = env, chdir = TRUE))
    TRUE
}, error = function(e) { fail("script.R: ", conditionMessage(e)); FALSE })
if (res) {
    if (!is.factor(env$d$R08) || !("Je ne sais pas" %in% levels(env$d$R08))) fail("script.R: R08 is not a labelled factor")
    if (!identical(levels(env$d$R06_francais)[1:2], c("Non", "Oui"))) fail("script.R: R06_francais is not Non / Oui")
    if (!inherits(env$plan, "survey.design")) fail("script.R: no survey design")
    if (!is.numeric(env$d$score_epices)) fail("script.R: score_epices is not numeric")
}
status <- system2("Rscript", shQuote(file.path(dir, "script.R")), stdout = FALSE, stderr = FALSE)
if (status != 0) fail("Rscript script.R: exit ", status)

# The workbook.
sheets <- excel_sheets(file.path(dir, "answers.xlsx"))
if (!all(c("Réponses", "Variables") %in% sheets)) fail("xlsx: sheets ", paste(sheets, collapse = ", "))
if (length(sheets) < 3 || any(nchar(sheets) > 31) || anyDuplicated(tolower(sheets))) fail("xlsx: indicator sheets")
rep <- read_excel(file.path(dir, "answers.xlsx"), sheet = "Réponses", col_types = "text")
if (nrow(rep) != nrow(csv)) fail("xlsx: ", nrow(rep), " answers, the CSV has ", nrow(csv))
if (!identical(names(rep), names(csv))) fail("xlsx: the columns are not the CSV's")
if (!identical(rep$uuid, csv$uuid)) fail("xlsx: the rows are not the CSV's")

if (length(fails)) {
    cat(paste0("FAIL ", fails, collapse = "\n"), "\n")
    quit(status = 1)
}
cat("exports: dta, sav, r and xlsx agree with the CSV and the codebook (", nrow(csv), " rows, ", ncol(csv),
    " variables)\n", sep = "")
