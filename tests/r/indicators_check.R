## indicators_check.R -- the R half of tests/r/indicators.sh: recomputes shipped indicators with survey from
## the answers SQLite extracted (DIR/answers.csv), and compares them with the analyzer's DIR/plain.json (no
## margins: Wilson intervals, Pearson tests) and DIR/raked.json (raked within each territory: Korn-Graubard
## intervals, Rao-Scott tests). Prints one line; exits 1 on any disagreement beyond 1e-8 relative.
##
##   Rscript indicators_check.R DIR LABEL
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
options(warn = 1, survey.lonely.psu = "fail")

args <- commandArgs(TRUE)
dir <- args[1]; label <- args[2]
REL <- 1e-8; ABS0 <- 1e-6; ABS_TOL <- 1e-12

terr <- fromJSON(file.path(dir, "forms", "territories.json"), simplifyVector = FALSE)
codes <- vapply(terr$territories, function(t) t$code, "")
isqpv <- vapply(terr$territories, function(t) t$kind == "qpv", TRUE)
rest <- codes[!isqpv]
stopifnot(length(rest) == 1)
pop1 <- terr$territories[[1]]$population
ages <- names(pop1); sexes <- names(pop1[[1]])
cells <- as.vector(outer(sexes, ages, function(s, a) paste(a, s, sep = "|")))   # a * nb + b: sex fastest
town <- setNames(numeric(length(cells)), cells)
for (t in terr$territories) for (a in ages) for (s in sexes) {
  k <- paste(a, s, sep = "|"); town[k] <- town[k] + t$population[[a]][[s]]
}

d <- read.csv(file.path(dir, "answers.csv"), colClasses = "character", na.strings = "")
d <- d[d$territory %in% codes, ]
d$territory <- factor(d$territory, levels = codes)
d$qpv <- isqpv[as.integer(d$territory)]
has <- function(v) !is.na(v) & v != ""

## ---- the indicators, from their definitions in forms/resident.indicators.json, written again in R
prop <- function(item, num, among = TRUE) ifelse(has(item) & !(item %in% c("nsp", "refus")) & among, num, NA)
epices_items <- c("E01", "E02", "E03", "E04", "R22", "E06", "E07", "E08", "E09", "E10", "E11")
epices_coef <- c(10.06, -11.83, -8.28, -8.28, 14.80, -6.51, -7.10, -7.10, -9.47, -9.47, -7.10)
score <- 75.14
ok <- TRUE
for (k in seq_along(epices_items)) {
  v <- d[[epices_items[k]]]
  ok <- ok & has(v) & v != "refus"
  score <- score + epices_coef[k] * (!is.na(v) & v == "oui")
}
score <- ifelse(ok, round(score * 100) / 100, NA)
cout <- ifelse(has(d$R19) & d$R17 %in% "oui", as.numeric(grepl('"cout"', d$R19, fixed = TRUE)), NA)
Y <- list(
  sante_percue_bonne = prop(d$R07, as.numeric(d$R07 %in% c("tres_bon", "bon"))),
  maladie_chronique = prop(d$R08, as.numeric(d$R08 %in% "oui")),
  sans_medecin_traitant = prop(d$R13, as.numeric(d$R13 %in% "non")),
  connait_pmi = prop(d$R23_pmi, as.numeric(d$R23_pmi %in% c("connu_utilise", "connu"))),
  utilise_si_connu_pmi = prop(d$R23_pmi, as.numeric(d$R23_pmi %in% "connu_utilise"), d$R23_pmi %in% c("connu_utilise", "connu")),
  accompagnement_non_satisfait = prop(d$R26, as.numeric(d$R26 %in% "oui_sans_aide"), d$R26 %in% c("oui_aide", "oui_sans_aide")),
  `renoncement_raisons/cout` = cout,
  epices_precarite = ifelse(is.na(score), NA, as.numeric(score >= 30 - 1e-9)),
  epices_score_moyen = score)
means <- "epices_score_moyen"

## ---- designs
d$one <- 1
d$agesex <- factor(ifelse(d$R02 %in% ages & d$R03 %in% sexes, paste(d$R02, d$R03, sep = "|"), NA), levels = cells)
for (k in names(Y)) d[[k]] <- Y[[k]]
des0 <- svydesign(ids = ~1, strata = ~territory, weights = ~one, data = d)

raked_design <- function(d) {
  cc <- d[d$R02 %in% ages & d$R03 %in% sexes, ]
  cc$R02 <- factor(cc$R02, levels = ages); cc$R03 <- factor(cc$R03, levels = sexes)
  des <- svydesign(ids = ~1, strata = ~territory, weights = ~one, data = cc)
  wfin <- numeric(nrow(cc)); mw <- list(numeric(nrow(cc)), numeric(nrow(cc)))
  idx <- list(character(nrow(cc)), character(nrow(cc)))
  for (t in codes) {
    s <- cc$territory == t
    if (!any(s)) next
    dt <- svydesign(ids = ~1, weights = ~one, data = cc[s, ])
    p <- terr$territories[[match(t, codes)]]$population
    pa <- data.frame(R02 = factor(ages, levels = ages), Freq = sapply(ages, function(a) sum(unlist(p[[a]]))))
    ps <- data.frame(R03 = factor(sexes, levels = sexes), Freq = sapply(sexes, function(s) sum(sapply(ages, function(a) p[[a]][[s]]))))
    rt <- rake(dt, list(~R02, ~R03), list(pa, ps))
    wfin[s] <- weights(rt)
    rs <- rt$postStrata[[1]]
    for (m in 1:2) { mw[[m]][s] <- attr(rs[[m]], "weights"); idx[[m]][s] <- paste(t, as.vector(rs[[m]])) }
  }
  des$prob <- 1 / wfin
  rk <- lapply(1:2, function(m) { i <- as.integer(factor(idx[[m]])); attr(i, "weights") <- mw[[m]]; i })
  class(rk) <- "raking"
  des$postStrata <- list(rk)
  des
}

## ---- expected values, keyed like the analyzer's output
want <- list()
put <- function(key, v) want[[key]] <<- as.numeric(v)
all_groups <- c(codes, "ensemble_qpv", "commune")
in_group <- function(v, g) if (g == "commune") rep(TRUE, nrow(v)) else if (g == "ensemble_qpv") v$qpv else v$territory == g

## One domain of the indicator's denominator, estimated as svyby does it: the design restricted to the
## denominator (subset), then the group as a by-variable.
by_group <- function(dd, k, g, FUN, ...) {
  inside <- in_group(dd$variables, g) & !is.na(dd$variables$y_na)
  dg <- update(dd, gg = factor(ifelse(inside, "in", "out"), levels = c("in", "out")))
  b <- svyby(as.formula(paste0("~`", k, "`")), ~gg, dg, FUN, ...)
  b[b$gg == "in", ]
}

expected <- function(des, tag, weighted) {
  degf_full <- degf(des)
  for (k in names(Y)) {
    isprop <- !(k %in% means)
    dd <- subset(des, !is.na(des$variables[[k]]))
    ## the denominator as domains of the whole design: outside it, the outcome is set to 0 and the respondent is
    ## in no compared domain (svyby with covmat does not take a subset of an uncalibrated design)
    v <- des$variables[[k]]; live <- weights(des) > 0
    d0 <- des; d0$variables[[k]][is.na(v)] <- 0; d0$variables$y_na <- v
    for (g in all_groups) {
      dom <- in_group(des$variables, g) & live & !is.na(v)
      n <- sum(dom); x <- sum(v[dom])
      key <- paste(tag, k, g, sep = "/")
      put(paste0(key, "/n"), n)
      if (n < 2) next
      if (!weighted && isprop) {
        pt <- prop.test(x, n, correct = FALSE)$conf.int
        put(paste0(key, "/events"), x); put(paste0(key, "/estimate"), x / n)
        put(paste0(key, "/ci_low"), max(0, pt[1])); put(paste0(key, "/ci_high"), min(1, pt[2]))
        next
      }
      m <- by_group(d0, k, g, svymean, deff = TRUE)
      put(paste0(key, "/estimate"), m[[2]])
      if (weighted) put(paste0(key, "/deff"), m[[4]])
      if (isprop) {
        put(paste0(key, "/events"), x)
        if (x == 0 || x == n) next   # R: NaN; the analyzer: its degenerate rule (not compared)
        ci <- by_group(d0, k, g, svyciprop, method = "beta", vartype = "ci")
        put(paste0(key, "/ci_low"), ci$ci_l); put(paste0(key, "/ci_high"), ci$ci_u)
      } else {
        dfd <- n - length(unique(des$variables$territory[dom]))
        q <- qt(0.975, dfd)
        put(paste0(key, "/ci_low"), m[[2]] - q * m[[3]]); put(paste0(key, "/ci_high"), m[[2]] + q * m[[3]])
      }
    }
    ## across territories
    if (isprop) {
      if (weighted) {
        ch <- svychisq(as.formula(paste0("~`", k, "`+territory")), dd, statistic = "F", na.rm = TRUE)
        put(paste(tag, k, "chisq/statistic", sep = "/"), ch$statistic)
        put(paste(tag, k, "chisq/ndf", sep = "/"), ch$parameter[1]); put(paste(tag, k, "chisq/ddf", sep = "/"), ch$parameter[2])
        put(paste(tag, k, "chisq/p", sep = "/"), ch$p.value)
      } else {
        ok <- !is.na(v)
        ch <- suppressWarnings(chisq.test(table(v[ok], droplevels(des$variables$territory[ok])), correct = FALSE))
        put(paste(tag, k, "chisq/statistic", sep = "/"), ch$statistic); put(paste(tag, k, "chisq/p", sep = "/"), ch$p.value)
      }
    }
    ## each QPV and all QPV together against the rest of the town: svyttest on the two domains of the whole
    ## design (its estimate and standard error), with degf(whole design) - 1 degrees of freedom as the analyzer
    ## states (svyttest itself would count the domains' rows only)
    for (g in c(codes[isqpv], "ensemble_qpv")) {
      a <- in_group(d0$variables, g) & !is.na(v); b <- d0$variables$territory == rest & !is.na(v)
      if (sum(a & live) == 0 || sum(b & live) == 0) next
      dg <- update(d0, ina = as.numeric(a), inab = a | b)
      tt <- suppressWarnings(svyttest(as.formula(paste0("`", k, "` ~ ina")), subset(dg, inab)))
      est <- as.numeric(tt$estimate); se <- est / as.numeric(tt$statistic)
      dfd <- degf_full - 1; q <- qt(0.975, dfd)
      key <- paste(tag, k, "diff", g, sep = "/")
      put(paste0(key, "/difference"), est); put(paste0(key, "/ci_low"), est - q * se)
      put(paste0(key, "/ci_high"), est + q * se); put(paste0(key, "/p"), 2 * pt(-abs(est / se), dfd))
    }
  }
}

standardised <- function(des, tag) {
  std <- svystandardize(des, by = ~agesex, over = ~territory, population = as.vector(town))
  for (k in names(Y)) {
    b <- svyby(as.formula(paste0("~`", k, "`")), ~territory, std, svymean, na.rm = TRUE)
    for (i in seq_len(nrow(b))) put(paste(tag, k, b$territory[i], "std_estimate", sep = "/"), b[i, 2])
  }
}

expected(des0, "plain", FALSE)
standardised(subset(des0, !is.na(agesex)), "plain")
desr <- raked_design(d)
expected(desr, "raked", TRUE)
standardised(desr, "raked")

## ---- the analyzer's values under the same keys
got <- list()
take <- function(tag) {
  j <- fromJSON(file.path(dir, paste0(tag, ".json")), simplifyVector = FALSE)
  for (c in j$indicators) {
    id <- if (is.null(c$category)) c$id else paste(c$id, c$category, sep = "/")
    if (!(id %in% names(Y)) || !identical(c$suppressed, FALSE)) next
    key <- paste(tag, id, c$group, sep = "/")
    for (f in c("n", "events", "estimate", "ci_low", "ci_high", "deff", "std_estimate"))
      if (!is.null(c[[f]])) got[[paste(key, f, sep = "/")]] <<- as.numeric(c[[f]])
  }
  for (t in j$tests) {
    id <- if (is.null(t$category)) t$indicator else paste(t$indicator, t$category, sep = "/")
    if (!(id %in% names(Y)) || isTRUE(t$suppressed)) next
    if (t$kind == "difference") {
      key <- paste(tag, id, "diff", t$group, sep = "/")
      for (f in c("difference", "ci_low", "ci_high", "p")) got[[paste(key, f, sep = "/")]] <<- as.numeric(t[[f]])
    } else {
      key <- paste(tag, id, "chisq", sep = "/")
      for (f in c("statistic", "ndf", "ddf", "p")) if (!is.null(t[[f]])) got[[paste(key, f, sep = "/")]] <<- as.numeric(t[[f]])
    }
  }
  j
}
jp <- take("plain"); jr <- take("raked")

## ---- comparison: every value R computed must be in the analyzer's output unless the cell is suppressed
suppressed <- function(key) {
  parts <- strsplit(key, "/")[[1]]
  j <- if (parts[1] == "plain") jp else jr
  id <- parts[2]; cat <- NA
  if (length(parts) >= 4 && paste(parts[2], parts[3], sep = "/") %in% names(Y)) { id <- parts[2]; cat <- parts[3]; parts <- parts[-3] }
  g <- parts[3]
  for (c in j$indicators)
    if (c$id == id && c$group == g && (is.na(cat) || identical(c$category, cat))) return(!identical(c$suppressed, FALSE))
  for (t in j$tests)
    if (t$kind == "difference" && t$indicator == id && identical(t$group, parts[4])) return(isTRUE(t$suppressed))
  FALSE
}
n_ok <- 0; bad <- character(0); worst <- 0; worst_key <- ""; skipped <- 0
for (k in names(want)) {
  w <- want[[k]]
  if (!(k %in% names(got))) {
    if (suppressed(k)) { skipped <- skipped + 1; next }
    bad <- c(bad, paste(k, "missing from the analyzer's output")); next
  }
  g <- got[[k]]; err <- abs(g - w); near0 <- abs(w) < ABS0
  if (!near0 && err / abs(w) > worst) { worst <- err / abs(w); worst_key <- k }
  if ((near0 && err <= ABS_TOL) || (!near0 && err <= REL * abs(w))) n_ok <- n_ok + 1
  else bad <- c(bad, sprintf("%s R %.17g analyzer %.17g", k, w, g))
}
cat(sprintf("%s: %d values agree to %g relative (worst %.2g at %s), %d suppressed cells not compared, %d failed%s\n",
            label, n_ok, REL, worst, worst_key, skipped, length(bad), if (length(bad)) ":" else ""))
for (b in head(bad, 20)) cat("   ", b, "\n")
quit(status = if (length(bad) == 0 && n_ok > 0) 0 else 1)
