## unit_refs.R -- reference values for the analyzer's unit tests that results_long.csv does not hold, computed
## with R's survey and epitools on the r-example fixture. Writes unit_refs.h (a C table of key/value pairs),
## which tests/test_est*.c, test_weights.c, test_compare.c and test_standardize.c include.
## Run from the repository root:  Rscript tests/r/unit_refs.R tests/data/r-example tests/r/unit_refs.h
## (R 4.2.2, survey 4.1-1, epitools 0.5-10.1 from Debian 12.)
suppressPackageStartupMessages({ library(survey); library(epitools) })
args <- commandArgs(TRUE)
dir <- if (length(args) >= 1) args[1] else "tests/data/r-example"
outfile <- if (length(args) >= 2) args[2] else "tests/r/unit_refs.h"

dat <- read.csv(file.path(dir, "data.csv"))
lv_terr <- c("QPV_Nord", "QPV_Centre", "QPV_Sud"); lv_age <- c("18-29", "30-44", "45-59", "60+")
dat$territory <- factor(dat$territory, levels = lv_terr)
dat$agegrp <- factor(dat$agegrp, levels = lv_age)
dat$sex <- factor(dat$sex, levels = c("F", "M"))
dat$z <- (dat$id %% 7) + 0.5 * dat$y                 # a real-valued outcome for means
dat$y2 <- ifelse(dat$id %% 9 == 0, NA, dat$y)         # an outcome with missing answers
dat$a2 <- ifelse(dat$id %% 11 == 0, NA, as.integer(dat$agegrp))   # a categorical variable with NAs
out <- character(0)
add <- function(key, value) out <<- c(out, sprintf("    {\"%s\", %s},", key,
  if (is.na(value)) "NAN" else sprintf("%.17g", value)))
quiet <- function(expr) suppressWarnings(expr)

## the two designs of the fixture: unraked (des0) and raked to territory, age and sex (des)
des0 <- svydesign(ids = ~1, strata = ~territory, weights = ~w0, data = dat)
Ntot <- 11500
pops <- list(data.frame(territory = lv_terr, Freq = c(5200, 3900, 2400)),
             data.frame(agegrp = lv_age, Freq = Ntot * c(0.24, 0.30, 0.26, 0.20)),
             data.frame(sex = c("F", "M"), Freq = Ntot * c(0.53, 0.47)))
des <- rake(des0, list(~territory, ~agegrp, ~sex), pops, control = list(maxit = 100, epsilon = 1e-12))

## 1. unweighted intervals, Jeffreys and edge counts
srs <- function(tag, x, n) {
  add(paste0("srs/", tag, "/wilson/l"), prop.test(x, n, correct = FALSE)$conf.int[1])
  add(paste0("srs/", tag, "/wilson/u"), prop.test(x, n, correct = FALSE)$conf.int[2])
  add(paste0("srs/", tag, "/cp/l"), binom.test(x, n)$conf.int[1])
  add(paste0("srs/", tag, "/cp/u"), binom.test(x, n)$conf.int[2])
  z <- qnorm(0.975); nt <- n + z^2; pt <- (x + z^2 / 2) / nt
  add(paste0("srs/", tag, "/ac/l"), max(0, pt - z * sqrt(pt * (1 - pt) / nt)))
  add(paste0("srs/", tag, "/ac/u"), min(1, pt + z * sqrt(pt * (1 - pt) / nt)))
  add(paste0("srs/", tag, "/jeffreys/l"), if (x == 0) 0 else qbeta(0.025, x + 0.5, n - x + 0.5))
  add(paste0("srs/", tag, "/jeffreys/u"), if (x == n) 1 else qbeta(0.975, x + 0.5, n - x + 0.5))
}
for (xn in list(c(73, 200), c(22, 72), c(0, 10), c(10, 10), c(1, 1), c(0, 1), c(3, 250), c(1, 400)))
  srs(sprintf("%d_%d", xn[1], xn[2]), xn[1], xn[2])

## 2. domains in both designs: by territory (strata) and by sex (crossing strata); real-valued mean
for (dn in c("des0", "des")) {
  d <- get(dn)
  for (byv in c("territory", "sex")) {
    f <- as.formula(paste0("~", byv))
    b <- svyby(~y, f, d, svymean, deff = TRUE)
    for (i in seq_len(nrow(b))) {
      g <- as.character(b[[byv]][i])
      add(paste(dn, "mean", g, "mean", sep = "/"), b$y[i]); add(paste(dn, "mean", g, "se", sep = "/"), b$se[i])
      add(paste(dn, "mean", g, "deff", sep = "/"), b$DEff.y[i])
    }
    bt <- svyby(~y, f, d, svytotal, deff = TRUE)
    for (i in seq_len(nrow(bt))) {
      g <- as.character(bt[[byv]][i])
      add(paste(dn, "total", g, "total", sep = "/"), bt$y[i]); add(paste(dn, "total", g, "se", sep = "/"), bt$se[i])
      add(paste(dn, "total", g, "deff", sep = "/"), bt$DEff.y[i])
    }
    for (meth in c("beta", "logit", "xlogit", "mean", "asin")) {
      r <- quiet(svyby(~y, f, d, svyciprop, method = meth, vartype = "ci"))
      for (i in seq_len(nrow(r))) {
        g <- as.character(r[[byv]][i])
        add(paste(dn, meth, g, "p", sep = "/"), r$y[i])
        add(paste(dn, meth, g, "l", sep = "/"), r$ci_l[i]); add(paste(dn, meth, g, "u", sep = "/"), r$ci_u[i])
      }
    }
  }
  m <- svymean(~z, d, deff = TRUE)
  add(paste(dn, "z", "ALL", "mean", sep = "/"), coef(m)); add(paste(dn, "z", "ALL", "se", sep = "/"), SE(m))
  add(paste(dn, "z", "ALL", "deff", sep = "/"), deff(m))
  mr <- svymean(~z, d, deff = "replace"); add(paste(dn, "z", "ALL", "deff_replace", sep = "/"), deff(mr))
  t <- svytotal(~z, d, deff = TRUE); add(paste(dn, "z", "ALL", "total_deff", sep = "/"), deff(t))
  m2 <- svymean(~y2, d, na.rm = TRUE)
  add(paste(dn, "y2", "ALL", "mean", sep = "/"), coef(m2)); add(paste(dn, "y2", "ALL", "se", sep = "/"), SE(m2))
  ## 3. Rao-Scott on y x territory, on the 4-level age x territory, and with missing values (a2)
  for (v in c("y", "agegrp", "a2")) {
    cF <- svychisq(as.formula(paste0("~", v, "+territory")), d, statistic = "F")
    cC <- svychisq(as.formula(paste0("~", v, "+territory")), d, statistic = "Chisq")
    add(paste(dn, "chisq", v, "F", sep = "/"), cF$statistic)
    add(paste(dn, "chisq", v, "ndf", sep = "/"), cF$parameter[1])
    add(paste(dn, "chisq", v, "ddf", sep = "/"), cF$parameter[2])
    add(paste(dn, "chisq", v, "pF", sep = "/"), cF$p.value)
    add(paste(dn, "chisq", v, "X2", sep = "/"), cC$statistic)
    add(paste(dn, "chisq", v, "pChisq", sep = "/"), cC$p.value)
  }
  ## 4. a territory against the rest of the town (svyttest)
  for (g in lv_terr) {
    d2 <- update(d, ina = as.numeric(territory == g))
    tt <- svyttest(y ~ ina, d2)
    add(paste(dn, "ttest", g, "diff", sep = "/"), tt$estimate)
    add(paste(dn, "ttest", g, "t", sep = "/"), tt$statistic)
    add(paste(dn, "ttest", g, "df", sep = "/"), tt$parameter)
    add(paste(dn, "ttest", g, "p", sep = "/"), tt$p.value)
    add(paste(dn, "ttest", g, "l", sep = "/"), tt$conf.int[1]); add(paste(dn, "ttest", g, "u", sep = "/"), tt$conf.int[2])
  }
  ## 5. svystandardize by age over territory to the ESP weights of the fixture
  esp4 <- c(17500, 20500, 20500, 25500)
  ds <- svystandardize(d, by = ~agegrp, over = ~territory, population = esp4)
  bs <- svyby(~y, ~territory, ds, svymean)
  for (i in 1:3) {
    add(paste(dn, "std", as.character(bs$territory[i]), "p", sep = "/"), bs$y[i])
    add(paste(dn, "std", as.character(bs$territory[i]), "se", sep = "/"), bs$se[i])
  }
  ## age x sex cells (8) standardised to the town structure the design estimates
  dat$agesex <- interaction(dat$agegrp, dat$sex)
  d3 <- update(d, agesex = interaction(agegrp, sex))
  town <- as.vector(svytable(~agesex, d3))
  bs2 <- svyby(~y2, ~territory, svystandardize(d3, by = ~agesex, over = ~territory, population = town),
               svymean, na.rm = TRUE)
  for (i in 1:3) {
    add(paste(dn, "std2", as.character(bs2$territory[i]), "p", sep = "/"), bs2$y2[i])
    add(paste(dn, "std2", as.character(bs2$territory[i]), "se", sep = "/"), bs2$se[i])
  }
}

## 6. unweighted Pearson and Holm
ct <- chisq.test(table(dat$y, dat$territory), correct = FALSE)
add("pearson/y/X2", ct$statistic); add("pearson/y/p", ct$p.value)
ct <- quiet(chisq.test(table(dat$a2, dat$territory), correct = FALSE))
add("pearson/a2/X2", ct$statistic); add("pearson/a2/p", ct$p.value)
hp <- c(0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.9)
ha <- p.adjust(hp, "holm"); for (i in seq_along(ha)) add(sprintf("holm/%d", i - 1), ha[i])

## 7. raking within each territory to its own age and sex margins, R's default control (epsilon 1, maxit 10)
shares_age <- rbind(c(.30, .30, .25, .15), c(.22, .31, .27, .20), c(.20, .28, .27, .25))
shares_sex <- rbind(c(.52, .48), c(.54, .46), c(.50, .50))
Nt <- c(5200, 3900, 2400)
for (k in 1:3) {
  s <- dat$territory == lv_terr[k]
  dk <- svydesign(ids = ~1, weights = ~w0, data = dat[s, ])
  pa <- data.frame(agegrp = lv_age, Freq = Nt[k] * shares_age[k, ])
  ps <- data.frame(sex = c("F", "M"), Freq = Nt[k] * shares_sex[k, ])
  rk <- rake(dk, list(~agegrp, ~sex), list(pa, ps))
  w <- weights(rk); ids <- dat$id[s]
  add(sprintf("rake_terr/%s/sumw2", lv_terr[k]), sum(w^2))
  for (j in 1:3) add(sprintf("rake_terr/id%d", ids[j]), w[j])
  ## margins inconsistent by 3% still converge (to the limit of the cycle), as in R
  ps2 <- data.frame(sex = c("F", "M"), Freq = 1.03 * Nt[k] * shares_sex[k, ])
  add(sprintf("rake_incons/%s/sumw2", lv_terr[k]), sum(weights(rake(dk, list(~agegrp, ~sex), list(pa, ps2)))^2))
  ## two cycles with a tiny epsilon do not converge: R warns and keeps the last weights
  warned <- 0
  rk2 <- withCallingHandlers(rake(dk, list(~agegrp, ~sex), list(pa, ps), control = list(maxit = 2, epsilon = 1e-12)),
                             warning = function(w) { warned <<- 1; invokeRestart("muffleWarning") })
  add(sprintf("rake_bad/%s/warned", lv_terr[k]), warned)
  add(sprintf("rake_bad/%s/sumw2", lv_terr[k]), sum(weights(rk2)^2))
  add(sprintf("rake_bad/id%d", ids[1]), weights(rk2)[1])
}

## 8. ageadjust.direct with every count 0 (R's lower bound is NaN, the upper one is defined)
cnt <- c(0, 0, 0, 0); py <- c(2500, 3100, 2600, 2000); esp4 <- c(17500, 20500, 20500, 25500)
aa <- ageadjust.direct(count = cnt, pop = py, stdpop = esp4)
add("ageadjust_zero/uci", aa[["uci"]]); add("ageadjust_zero/adj", aa[["adj.rate"]])
aa <- ageadjust.direct(count = c(1, 0, 250, 3), pop = c(900, 1200, 40000, 700), stdpop = esp4, conf.level = 0.9)
for (s in names(aa)) add(paste0("ageadjust_mixed/", s), aa[[s]])

## 9. hard beta quantiles (where GSL's own gsl_cdf_beta_Pinv returns NaN)
bq <- rbind(c(0.025, 0.005, 50), c(0.75, 0.1, 50), c(0.975, 0.3, 5000), c(0.025, 0.05, 3000),
            c(0.975, 5000, 0.2), c(0.5, 0.02, 0.02), c(0.025, 1500.3, 3500.7), c(0.975, 150000.3, 350000.7))
for (i in seq_len(nrow(bq))) add(sprintf("qbeta/%d", i - 1), qbeta(bq[i, 1], bq[i, 2], bq[i, 3]))

writeLines(c("/* unit_refs.h -- generated by tests/r/unit_refs.R from tests/data/r-example; do not edit.",
             " * R reference values (survey 4.1-1, epitools 0.5-10.1) that results_long.csv does not hold. */",
             "static const struct { const char *key; double value; } unit_refs[] = {", out, "};"), outfile)
cat("wrote", length(out), "values to", outfile, "\n")
