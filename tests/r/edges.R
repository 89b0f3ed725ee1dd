## edges.R -- the R half of the degenerate cases' differential test (tests/r/edges.sh).
##
##   Rscript edges.R gen   ROOT   writes ROOT/CASE/{data,margins,config}.csv for every case below
##   Rscript edges.R check ROOT   computes every estimate with R's survey, applies README's rules for the
##                                degenerate cases to R's own numbers, compares with the C driver's
##                                ROOT/CASE/c_results.csv, prints one line per case and "N passed, M failed".
##
## The rules (README, "Degenerate cases: the rules"), as applied here to R's numbers:
## - zero variance: an SE at most 2^-30 times the scale (max of |estimate| and the range of the values) is 0;
## - a proportion with x = 0 or n, an SE zero under that rule, fewer than 1 df or fewer than 2 design rows gets
##   the Clopper-Pearson interval with n_eff = n at the weighted p, whatever the method (R: NaN, or noise);
## - a mean or standardised rate with zero variance has SE 0 (C reports no interval: flag zero_variance);
## - a difference with zero variance is not tested (R: a t of 1e15 made of rounding noise);
## - a stratum with one respondent: no variance, as R's lonely.psu = "fail" (C: EST_ELONELY);
## - a territory whose respondents leave a calibration category empty: an age band merges with the previous
##   band (else the next), population and respondents alike, recoding the factor and the margins before
##   rake(); a sex category cannot merge, so the territory is left unweighted (weights N / n).
suppressPackageStartupMessages(library(survey))
options(warn = 1, survey.lonely.psu = "fail")

args <- commandArgs(TRUE)
mode <- args[1]; root <- args[2]
TOL <- 2^-30
cases <- c("zerovar", "collapse", "unweighted", "lonely", "p01_raked")

## ------------------------------------------------------------------ datasets built to hit each case
gen_case <- function(name, dir) {
  set.seed(match(name, cases) + 300)
  T <- 3; margins <- 2; sizes <- rep(40, T)
  if (name == "zerovar") { sizes <- rep(30, 3); margins <- 1 }
  if (name == "lonely") { T <- 4; sizes <- c(20, 20, 20, 1); margins <- 0 }
  if (name == "p01_raked") { T <- 2; sizes <- c(40, 40) }
  n <- sum(sizes)
  terr <- rep(seq_len(T), sizes)
  pos <- unlist(lapply(sizes, seq_len))
  ## the first 8 of each territory cover every age x sex cell, the others at random
  age <- ifelse(pos <= 8, (pos - 1) %% 4 + 1, sample(1:4, n, TRUE))
  sex <- ifelse(pos <= 8, (pos - 1) %/% 4 + 1, sample(1:2, n, TRUE))
  y <- rbinom(n, 1, 0.35); z <- round(rnorm(n, 50, 12), 1); dom <- rbinom(n, 1, 0.4)
  if (name == "zerovar") {
    ## raked on age alone: an answer that depends on age only has no design variance in territories 1 and 2
    ## (a share strictly between 0 and 1), territory 3 answers yes throughout (p = 1), z depends on age only
    y <- ifelse(terr == 3, 1, as.numeric(age == 4)); z <- 10 * age + 40
  }
  if (name == "collapse") age[terr == 2 & age == 4] <- 3       # nobody aged 75+ in territory 2
  if (name == "unweighted") sex[terr == 3] <- 1                # only women in territory 3
  if (name == "lonely") {
    y[terr == 1] <- 0; y[terr == 2] <- 1                       # p = 0 and p = 1, unweighted design
    dom <- as.numeric(terr == 3 & pos == 5)                    # a domain of one respondent
  }
  if (name == "p01_raked") y <- as.numeric(terr == 2)          # p = 0, p = 1, and their difference
  Nt <- round(runif(T, 1500, 9000))
  w0 <- (Nt / sizes)[terr]
  dat <- data.frame(id = seq_len(n), territory = terr, age = age, sex = sex, y = y, z = z, dom = dom,
                    w0 = sprintf("%.17g", w0))
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  write.csv(dat, file.path(dir, "data.csv"), row.names = FALSE, quote = FALSE)
  mar <- do.call(rbind, lapply(seq_len(T), function(t) {
    sa <- runif(4, .6, 1.4); sa <- sa / sum(sa); s <- runif(1, .47, .55)
    data.frame(territory = t, var = c(rep("age", 4), rep("sex", 2)), cat = c(1:4, 1:2),
               pop = sprintf("%.17g", c(Nt[t] * sa, Nt[t] * c(s, 1 - s))))
  }))
  write.csv(mar, file.path(dir, "margins.csv"), row.names = FALSE, quote = FALSE)
  write.csv(data.frame(key = c("territories", "margins"), value = c(T, margins)), file.path(dir, "config.csv"),
            row.names = FALSE, quote = FALSE)
}

## ------------------------------------------------------------------ R's raking with the fallback
## The fallback for one territory's margin, written again here: returns the block (a category index) of each
## category, or NULL when the territory must be left unweighted.
blocks <- function(pop, count, ordered) {
  blk <- seq_along(pop)
  repeat {
    bad <- NA
    for (b in sort(unique(blk))) if ((sum(pop[blk == b]) > 0) != (sum(count[blk == b]) > 0)) { bad <- b; break }
    if (is.na(bad)) return(blk)
    others <- sort(unique(blk[blk != bad]))
    prev <- others[others < bad]; nxt <- others[others > bad]
    if (!ordered || length(others) == 0) return(NULL)
    into <- if (length(prev)) max(prev) else min(nxt)
    blk[blk == max(bad, into)] <- min(bad, into)
  }
}

fallback_kind <- list()
raked_design <- function(dat, mar, T, margins) {
  des <- svydesign(ids = ~1, strata = ~territory, weights = ~w0, data = dat)
  n <- nrow(dat)
  wfin <- numeric(n); mw <- lapply(1:margins, function(m) numeric(n)); idx <- lapply(1:margins, function(m) character(n))
  vars <- c("age", "sex")[1:margins]; K <- c(age = 4, sex = 2)
  for (t in seq_len(T)) {
    s <- dat$territory == t
    pops <- lapply(vars, function(v) mar$pop[mar$territory == t & mar$var == v])
    bl <- lapply(seq_along(vars), function(m)
      blocks(pops[[m]], tabulate(as.integer(dat[[vars[m]]][s]), K[[vars[m]]]), vars[m] == "age"))
    if (any(vapply(bl, is.null, TRUE))) {
      ## unweighted: every respondent weighs the territory's population (age margin) over its respondents,
      ## and the raking structure holds one cell per margin (its residual only centres within the territory)
      fallback_kind[[t]] <<- 2
      wfin[s] <- sum(pops[[1]]) / sum(s)
      for (m in seq_along(vars)) { mw[[m]][s] <- wfin[s]; idx[[m]][s] <- paste(t, "all") }
      next
    }
    fallback_kind[[t]] <<- if (any(vapply(seq_along(vars), function(m) any(bl[[m]] != seq_along(bl[[m]])), TRUE))) 1 else 0
    dt <- svydesign(ids = ~1, weights = ~w0, data = dat[s, ])
    pl <- list(); fl <- list()
    for (m in seq_along(vars)) {
      b <- bl[[m]]; keep <- sort(unique(b)); keep <- keep[vapply(keep, function(k) sum(pops[[m]][b == k]) > 0, TRUE)]
      ## the recoded factor (an analyst's collapse) and the population of each block
      dt <- update(dt, .v = factor(b[as.integer(dt$variables[[vars[m]]])], levels = keep))
      names(dt$variables)[names(dt$variables) == ".v"] <- paste0(vars[m], "_c")
      pl[[m]] <- data.frame(v = factor(keep, levels = keep), Freq = vapply(keep, function(k) sum(pops[[m]][b == k]), 0))
      names(pl[[m]])[1] <- paste0(vars[m], "_c")
      fl[[m]] <- as.formula(paste0("~", vars[m], "_c"))
    }
    rt <- rake(dt, fl, pl)
    wfin[s] <- weights(rt)
    rs <- rt$postStrata[[1]]
    for (m in seq_along(vars)) { mw[[m]][s] <- attr(rs[[m]], "weights"); idx[[m]][s] <- paste(t, as.vector(rs[[m]])) }
  }
  des$prob <- 1 / wfin
  rk <- lapply(seq_along(vars), function(m) { i <- as.integer(factor(idx[[m]])); attr(i, "weights") <- mw[[m]]; i })
  class(rk) <- "raking"
  des$postStrata <- list(rk)
  list(des = des, w = wfin)
}

## ------------------------------------------------------------------ comparison under the rules
cv <- NULL; fails <- character(0); n_ok <- 0; used <- c(degenerate = 0, zero = 0, notest = 0, lonely = 0)
close_to <- function(got, want) {
  if (is.na(got) || is.na(want)) return(FALSE)
  if (abs(want) < 1e-6) abs(got - want) <= 1e-12 else abs(got - want) <= 1e-8 * abs(want)
}
C <- function(key) { v <- cv[key]; if (is.na(v)) NA_real_ else unname(v) }
expect <- function(key, want, what = "") {
  got <- C(key)
  if (close_to(got, want)) n_ok <<- n_ok + 1
  else fails <<- c(fails, sprintf("%s: C %s, R %s %s", key, format(got, digits = 17), format(want, digits = 17), what))
}
expect_eq <- function(key, want, what = "") {
  got <- C(key)
  if (!is.na(got) && got == want) n_ok <<- n_ok + 1
  else fails <<- c(fails, sprintf("%s: C %s, want %s %s", key, got, want, what))
}
tryr <- function(expr) tryCatch(suppressWarnings(expr), error = function(e) NULL)
cp_rule <- function(p, n, x) {
  c(if (x == 0) 0 else qbeta(0.025, n * p, n * (1 - p) + 1), if (x == n) 1 else qbeta(0.975, n * p + 1, n * (1 - p)))
}

check_domain <- function(des, tag, name, sel, calibrated) {
  if (!any(sel & weights(des) > 0)) return()
  des <- update(des, .sel = sel)
  sub <- subset(des, .sel)
  for (v in c("y", "z")) {
    key <- sprintf("%s/mean_%s/%s", tag, v, name)
    m <- tryr(svymean(as.formula(paste0("~", v)), sub))
    if (is.null(m)) { expect_eq(paste0(key, "/status"), -3, "(R: lonely PSU)"); used["lonely"] <<- used["lonely"] + 1; next }
    expect_eq(paste0(key, "/status"), 0)
    expect(paste0(key, "/mean"), coef(m))
    vals <- des$variables[[v]][sel & weights(des) > 0]
    if (SE(m) <= TOL * max(abs(coef(m)), diff(range(vals)))) {
      expect_eq(paste0(key, "/zero"), 1, "(R's SE is rounding noise)"); expect_eq(paste0(key, "/se"), 0)
      used["zero"] <<- used["zero"] + 1
    } else { expect_eq(paste0(key, "/zero"), 0); expect(paste0(key, "/se"), SE(m)) }
  }
  yy <- des$variables$y[sel & weights(des) > 0]
  n <- length(yy); x <- sum(yy)
  strata <- length(unique(des$variables$territory[sel & weights(des) > 0]))
  df <- n - strata; nrow <- if (calibrated) sum(weights(des) > 0) else n
  m <- tryr(svymean(~y, sub))
  for (meth in c("beta", "logit", "xlogit", "mean", "asin")) {
    key <- sprintf("%s/%s/%s", tag, meth, name)
    if (is.null(m)) { expect_eq(paste0(key, "/status"), -3, "(R: lonely PSU)"); next }
    expect_eq(paste0(key, "/status"), 0)
    p <- unname(coef(m)); se <- unname(SE(m))
    zero <- se <= TOL * max(p, if (x > 0 && x < n) 1 else 0)
    if (x == 0 || x == n || zero || df < 1 || nrow < 2) {
      ci <- cp_rule(if (x == 0) 0 else if (x == n) 1 else p, n, x)
      expect_eq(paste0(key, "/degenerate"), 1, "(the rule applies)")
      expect_eq(paste0(key, "/zero"), as.numeric(zero && x > 0 && x < n))
      expect(paste0(key, "/p"), p); expect(paste0(key, "/l"), ci[1]); expect(paste0(key, "/u"), ci[2])
      used["degenerate"] <<- used["degenerate"] + 1
    } else {
      r <- tryr(svyciprop(~y, sub, method = meth))
      expect_eq(paste0(key, "/degenerate"), 0)
      expect(paste0(key, "/p"), coef(r)); expect(paste0(key, "/l"), confint(r)[1]); expect(paste0(key, "/u"), confint(r)[2])
    }
  }
}

check_design <- function(des, tag, dat, T, calibrated) {
  for (t in seq_len(T)) check_domain(des, tag, paste0("territory", t), dat$territory == t, calibrated)
  for (v in 0:1) check_domain(des, tag, paste0("dom", v), dat$dom == v, calibrated)
  check_domain(des, tag, "ALL", rep(TRUE, nrow(dat)), calibrated)
  for (t in seq_len(T)) {
    key <- sprintf("%s/ttest/territory%d", tag, t)
    tt <- tryr(svyttest(y ~ ina, update(des, ina = as.numeric(territory == t))))
    if (is.null(tt)) { expect_eq(paste0(key, "/status"), -3, "(R: lonely PSU)"); used["lonely"] <<- used["lonely"] + 1; next }
    se <- as.numeric(diff(as.vector(tt$conf.int)) / (2 * qt(0.975, as.numeric(tt$parameter))))[1]
    yv <- des$variables$y[weights(des) > 0]
    if (!isTRUE(is.finite(se)) || isTRUE(se <= TOL * max(abs(tt$estimate), diff(range(yv)), na.rm = TRUE))) {
      expect_eq(paste0(key, "/status"), -4, "(zero variance: no test)"); used["notest"] <<- used["notest"] + 1
    } else {
      expect_eq(paste0(key, "/status"), 0)
      expect(paste0(key, "/diff"), tt$estimate); expect(paste0(key, "/p"), tt$p.value)
      expect(paste0(key, "/l"), tt$conf.int[1]); expect(paste0(key, "/u"), tt$conf.int[2])
    }
  }
}

check_case <- function(name, dir) {
  cv <<- NULL; fails <<- character(0); n_ok <<- 0; used[] <<- 0; fallback_kind <<- list()
  c <- read.csv(file.path(dir, "c_results.csv"), colClasses = c("character", "character"))
  cv <<- setNames(suppressWarnings(as.numeric(c$value)), c$key)
  cfg <- read.csv(file.path(dir, "config.csv"))
  T <- cfg$value[cfg$key == "territories"]; margins <- cfg$value[cfg$key == "margins"]
  dat <- read.csv(file.path(dir, "data.csv"))
  dat$territory <- factor(dat$territory, levels = seq_len(T))
  mar <- read.csv(file.path(dir, "margins.csv"))
  check_design(svydesign(ids = ~1, strata = ~territory, weights = ~w0, data = dat), "unraked", dat, T, FALSE)
  if (margins > 0) {
    rd <- raked_design(dat, mar, T, margins)
    for (t in seq_len(T)) expect_eq(sprintf("raked/fallback/territory%d", t), fallback_kind[[t]])
    for (i in seq_len(nrow(dat))) expect(sprintf("raked/weight/%d", dat$id[i]), rd$w[i])
    check_design(rd$des, "raked", dat, T, TRUE)
    ## an unweighted territory against a plain design of its own respondents with weights N / n
    for (t in seq_len(T)) if (fallback_kind[[t]] == 2) {
      s <- dat$territory == t
      plain <- svymean(~y, svydesign(ids = ~1, weights = rep(rd$w[s][1], sum(s)), data = dat[s, ]))
      expect(sprintf("raked/mean_y/territory%d/mean", t), coef(plain), "(plain design N / n)")
      expect(sprintf("raked/mean_y/territory%d/se", t), SE(plain), "(plain design N / n)")
    }
    ## standardised by age x sex over territory, to the town structure the raked design estimates
    d3 <- update(rd$des, agesex = interaction(factor(age, levels = 1:4), factor(sex, levels = 1:2)))
    town <- as.vector(svytable(~agesex, d3))
    bs <- tryr(svyby(~y, ~territory, svystandardize(d3, by = ~agesex, over = ~territory, population = town), svymean))
    if (is.null(bs)) fails <<- c(fails, "R's svystandardize failed")
    else for (i in seq_len(nrow(bs))) {
      key <- sprintf("raked/std/territory%s", bs$territory[i])
      expect(paste0(key, "/p"), bs$y[i])
      yv <- dat$y[dat$territory == bs$territory[i]]
      if (bs$se[i] <= TOL * max(abs(bs$y[i]), diff(range(yv)))) {
        expect_eq(paste0(key, "/zero"), 1, "(R's SE is rounding noise)"); expect_eq(paste0(key, "/se"), 0)
        used["zero"] <<- used["zero"] + 1
      } else { expect_eq(paste0(key, "/zero"), 0); expect(paste0(key, "/se"), bs$se[i]) }
    }
  }
  cat(sprintf("case %s: %d values agree; rules applied: %d degenerate intervals, %d zero variances, %d differences not tested, %d lonely strata; %d failed%s\n",
              name, n_ok, used["degenerate"], used["zero"], used["notest"], used["lonely"], length(fails),
              if (length(fails)) ":" else ""))
  for (f in head(fails, 15)) cat("   ", f, "\n")
  list(ok = length(fails) == 0, used = used)
}

if (mode == "gen") {
  for (k in cases) gen_case(k, file.path(root, k))
} else if (mode == "check") {
  passed <- 0; failed <- 0; total <- used
  for (k in cases) {
    r <- check_case(k, file.path(root, k))
    total <- total + r$used
    if (r$ok) passed <- passed + 1 else failed <- failed + 1
  }
  ## every rule must have been exercised, or the datasets no longer test what they were built for
  for (u in names(total)) if (total[u] == 0) { cat(sprintf("no case exercised the rule %s\n", u)); failed <- failed + 1 }
  cat(sprintf("%d passed, %d failed\n", passed, failed))
  quit(status = if (failed == 0) 0 else 1)
} else stop("usage: edges.R gen|check ROOT")
