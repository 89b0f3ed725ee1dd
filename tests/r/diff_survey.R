## diff_survey.R -- the R half of the analyzer's differential test (tests/r/differential.sh).
##
##   Rscript diff_survey.R gen   ROOT SEED...   writes ROOT/SEED/{data,margins,config}.csv, a random survey
##   Rscript diff_survey.R check ROOT SEED...   computes every estimate with R's survey and epitools, writes
##                                              ROOT/SEED/r_results.csv, compares it with the C driver's
##                                              ROOT/SEED/c_results.csv and prints the agreement per seed,
##                                              ending with "N passed, M failed" (one test per seed).
##
## Each dataset: n respondents (50 to 5000) in T territories (2 to 20), age (4 groups) and sex, an outcome y
## that is rare (1-5%) or common (15-50%), a real-valued z, a domain flag dom that crosses territories, and
## design weights N_t / n_t. Some respondents miss age or sex: the raked design leaves them out.
## Two designs are compared: "unraked" (strata = territory, weights w0, everybody) and "raked" (complete cases,
## each territory raked to its own age and sex margins with rake(), then assembled into one design whose
## raking structure is the per-territory rakes' -- exactly what rake() would store had it raked them jointly).
suppressPackageStartupMessages({ library(survey); library(epitools) })
options(warn = 1)

args <- commandArgs(TRUE)
mode <- args[1]; root <- args[2]; seeds <- as.integer(args[-(1:2)])

## Per seed: size, territories, outcome, and the raking control (R's defaults unless stated).
configs <- list(
  `101` = list(n = 50,   T = 2,  rare = FALSE, eps = 1, maxit = 10),
  `102` = list(n = 90,   T = 3,  rare = TRUE,  eps = 1, maxit = 10),
  `103` = list(n = 150,  T = 4,  rare = FALSE, eps = 1, maxit = 2),      # raking stops unconverged
  `104` = list(n = 300,  T = 5,  rare = TRUE,  eps = 1, maxit = 10),
  `105` = list(n = 500,  T = 8,  rare = FALSE, eps = 1e-9, maxit = 100), # relative epsilon
  `106` = list(n = 800,  T = 10, rare = TRUE,  eps = 1, maxit = 10, inconsistent = TRUE),
  `107` = list(n = 1200, T = 12, rare = FALSE, eps = 1, maxit = 10),
  `108` = list(n = 2000, T = 15, rare = TRUE,  eps = 1e-12, maxit = 3),  # unconverged, relative epsilon
  `109` = list(n = 3000, T = 20, rare = FALSE, eps = 1, maxit = 10),
  `110` = list(n = 5000, T = 20, rare = TRUE,  eps = 1, maxit = 10),
  `111` = list(n = 2500, T = 6,  rare = FALSE, eps = 1, maxit = 10),
  `112` = list(n = 400,  T = 2,  rare = TRUE,  eps = 1, maxit = 10, p = 0.01))

gen <- function(seed, dir) {
  cf <- configs[[as.character(seed)]]
  set.seed(seed)
  T <- cf$T; n <- cf$n
  sizes <- 12 + as.vector(rmultinom(1, n - 12 * T, runif(T, 0.5, 2)))
  terr <- rep(seq_len(T), sizes)
  first <- unlist(lapply(sizes, function(s) c(rep(TRUE, 8), rep(FALSE, s - 8))))
  pos <- unlist(lapply(sizes, function(s) seq_len(s)))
  ## the first 8 respondents of each territory cover every age x sex cell, so that raking is possible
  age <- ifelse(first, (pos - 1) %% 4 + 1, sample(1:4, n, TRUE, c(.22, .30, .28, .20)))
  sex <- ifelse(first, (pos - 1) %/% 4 + 1, sample(1:2, n, TRUE, c(.54, .46)))
  base <- if (!is.null(cf$p)) cf$p else if (cf$rare) runif(1, .01, .05) else runif(1, .15, .5)
  eta <- qlogis(base) + rnorm(T, 0, 0.4)[terr] + c(0, .2, .4, .6)[age] + 0.3 * (sex == 1)
  y <- rbinom(n, 1, plogis(eta))
  z <- round(rnorm(n, 50 + 5 * age, 15), 1)
  dom <- rbinom(n, 1, 0.3)
  Nt <- round(runif(T, 1500, 9000))
  w0 <- (Nt / sizes)[terr]
  age[!first & runif(n) < 0.04] <- NA
  sex[!first & runif(n) < 0.02] <- NA
  perm <- sample(n)
  dat <- data.frame(id = seq_len(n), territory = terr, age = age, sex = sex, y = y, z = z, dom = dom,
                    w0 = sprintf("%.17g", w0))[perm, ]
  dat$id <- seq_len(n)
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  write.csv(dat, file.path(dir, "data.csv"), row.names = FALSE, quote = FALSE, na = "NA")
  mar <- do.call(rbind, lapply(seq_len(T), function(t) {
    sa <- runif(4, .6, 1.4); sa <- sa / sum(sa); s <- runif(1, .47, .55)
    k <- if (isTRUE(cf$inconsistent)) 1.02 else 1
    data.frame(territory = t, var = c(rep("age", 4), rep("sex", 2)), cat = c(1:4, 1:2),
               pop = sprintf("%.17g", c(Nt[t] * sa, k * Nt[t] * c(s, 1 - s))))
  }))
  write.csv(mar, file.path(dir, "margins.csv"), row.names = FALSE, quote = FALSE)
  write.csv(data.frame(key = c("territories", "rake_eps", "rake_maxit"),
                       value = c(T, sprintf("%.17g", cf$eps), cf$maxit)),
            file.path(dir, "config.csv"), row.names = FALSE, quote = FALSE)
}

## ------------------------------------------------------------------ R's estimates
out <- NULL
put <- function(key, value) out[[key]] <<- as.numeric(value)
quiet <- function(expr) tryCatch(suppressWarnings(expr), error = function(e) NULL)
methods <- c("beta", "logit", "xlogit", "mean", "asin")

estimates <- function(d, tag, T) {
  m <- quiet(svymean(~y, d, deff = TRUE))
  put(paste0(tag, "/svymean/ALL/mean"), coef(m)); put(paste0(tag, "/svymean/ALL/se"), SE(m))
  put(paste0(tag, "/svymean/ALL/deff"), deff(m))
  t <- svytotal(~y, d)
  put(paste0(tag, "/svytotal/ALL/total"), coef(t)); put(paste0(tag, "/svytotal/ALL/se"), SE(t))
  mz <- svymean(~z, d, deff = TRUE)
  put(paste0(tag, "/svymean_z/ALL/mean"), coef(mz)); put(paste0(tag, "/svymean_z/ALL/se"), SE(mz))
  put(paste0(tag, "/svymean_z/ALL/deff"), deff(mz))
  for (byv in c("territory", "dom")) {
    f <- as.formula(paste0("~", byv))
    b <- quiet(svyby(~y, f, d, svymean, deff = TRUE))
    if (!is.null(b)) for (i in seq_len(nrow(b))) {
      g <- paste0(byv, b[[byv]][i])
      put(paste(tag, "svyby", g, "mean", sep = "/"), b$y[i]); put(paste(tag, "svyby", g, "se", sep = "/"), b$se[i])
      put(paste(tag, "svyby", g, "deff", sep = "/"), b$DEff.y[i])
    }
    for (meth in methods) {
      r <- quiet(svyby(~y, f, d, svyciprop, method = meth, vartype = "ci"))
      if (!is.null(r)) for (i in seq_len(nrow(r))) {
        g <- paste0(byv, r[[byv]][i])
        put(paste(tag, meth, g, "p", sep = "/"), r$y[i])
        put(paste(tag, meth, g, "l", sep = "/"), r$ci_l[i]); put(paste(tag, meth, g, "u", sep = "/"), r$ci_u[i])
      }
    }
  }
  ## after raking on age within territory, age x territory has no design variance (tested in test_compare.c)
  for (v in if (tag == "raked") "y" else c("y", "age", "dom")) {
    cF <- quiet(svychisq(as.formula(paste0("~", v, "+territory")), d, statistic = "F"))
    cC <- quiet(svychisq(as.formula(paste0("~", v, "+territory")), d, statistic = "Chisq"))
    if (!is.null(cF)) {
      put(paste(tag, "chisq", v, "F", sep = "/"), cF$statistic); put(paste(tag, "chisq", v, "ndf", sep = "/"), cF$parameter[1])
      put(paste(tag, "chisq", v, "ddf", sep = "/"), cF$parameter[2]); put(paste(tag, "chisq", v, "pF", sep = "/"), cF$p.value)
      put(paste(tag, "chisq", v, "X2", sep = "/"), cC$statistic); put(paste(tag, "chisq", v, "pChisq", sep = "/"), cC$p.value)
    }
  }
  pv <- rep(NA, T)
  for (t in seq_len(T)) {
    tt <- quiet(svyttest(y ~ ina, update(d, ina = as.numeric(territory == t))))
    if (is.null(tt)) next
    g <- paste0("territory", t)
    put(paste(tag, "ttest", g, "diff", sep = "/"), tt$estimate); put(paste(tag, "ttest", g, "t", sep = "/"), tt$statistic)
    put(paste(tag, "ttest", g, "p", sep = "/"), tt$p.value)
    put(paste(tag, "ttest", g, "l", sep = "/"), tt$conf.int[1]); put(paste(tag, "ttest", g, "u", sep = "/"), tt$conf.int[2])
    pv[t] <- tt$p.value
  }
  if (!anyNA(pv)) { h <- p.adjust(pv, "holm"); for (t in seq_len(T)) put(sprintf("%s/holm/territory%d", tag, t), h[t]) }
}

## The raked design: rake() per territory with the dataset's control, assembled into one design.
raked_design <- function(dat, mar, cf, T) {
  cc <- dat[!is.na(dat$age) & !is.na(dat$sex), ]
  des <- svydesign(ids = ~1, strata = ~territory, weights = ~w0, data = cc)
  wfin <- numeric(nrow(cc)); mw <- list(numeric(nrow(cc)), numeric(nrow(cc)))
  idx <- list(character(nrow(cc)), character(nrow(cc)))
  for (t in seq_len(T)) {
    s <- cc$territory == t
    dt <- svydesign(ids = ~1, weights = ~w0, data = cc[s, ])
    mt <- mar[mar$territory == t, ]
    pa <- data.frame(age = factor(1:4, levels = 1:4), Freq = mt$pop[mt$var == "age"])
    ps <- data.frame(sex = factor(1:2, levels = 1:2), Freq = mt$pop[mt$var == "sex"])
    warned <- FALSE
    rt <- withCallingHandlers(rake(dt, list(~age, ~sex), list(pa, ps),
                                   control = list(maxit = cf$maxit, epsilon = cf$eps, verbose = FALSE)),
                              warning = function(w) { warned <<- TRUE; invokeRestart("muffleWarning") })
    put(sprintf("raked/converged/territory%d", t), !warned)
    wfin[s] <- weights(rt)
    rs <- rt$postStrata[[1]]
    for (m in 1:2) { mw[[m]][s] <- attr(rs[[m]], "weights"); idx[[m]][s] <- paste(t, as.vector(rs[[m]])) }
  }
  for (i in seq_len(nrow(cc))) put(sprintf("raked/weight/%d", cc$id[i]), wfin[i])
  des$prob <- 1 / wfin
  rk <- lapply(1:2, function(m) { i <- as.integer(factor(idx[[m]])); attr(i, "weights") <- mw[[m]]; i })
  class(rk) <- "raking"
  des$postStrata <- list(rk)
  des
}

check_one <- function(seed, dir) {
  out <<- list()
  cfg <- read.csv(file.path(dir, "config.csv"))
  T <- cfg$value[cfg$key == "territories"]
  cf <- list(eps = cfg$value[cfg$key == "rake_eps"], maxit = cfg$value[cfg$key == "rake_maxit"])
  dat <- read.csv(file.path(dir, "data.csv"))
  dat$territory <- factor(dat$territory, levels = seq_len(T))
  dat$age <- factor(dat$age, levels = 1:4); dat$sex <- factor(dat$sex, levels = 1:2)
  mar <- read.csv(file.path(dir, "margins.csv"))
  des0 <- svydesign(ids = ~1, strata = ~territory, weights = ~w0, data = dat)
  estimates(des0, "unraked", T)
  des <- raked_design(dat, mar, cf, T)
  estimates(des, "raked", T)
  ## standardisation by age x sex over territory, to the town structure the raked design estimates
  d3 <- update(des, agesex = interaction(age, sex))
  town <- as.vector(svytable(~agesex, d3))
  bs <- quiet(svyby(~y, ~territory, svystandardize(d3, by = ~agesex, over = ~territory, population = town), svymean))
  if (!is.null(bs)) for (i in seq_len(nrow(bs))) {
    put(sprintf("raked/std/territory%s/p", bs$territory[i]), bs$y[i])
    put(sprintf("raked/std/territory%s/se", bs$territory[i]), bs$se[i])
  }
  ## unweighted intervals, Pearson, and age-adjusted rates of y per age group
  z <- qnorm(0.975)
  for (t in seq_len(T)) {
    s <- dat$territory == t; x <- sum(dat$y[s]); nn <- sum(s); g <- sprintf("srs/territory%d", t)
    put(paste0(g, "/wilson/l"), prop.test(x, nn, correct = FALSE)$conf.int[1])
    put(paste0(g, "/wilson/u"), prop.test(x, nn, correct = FALSE)$conf.int[2])
    put(paste0(g, "/cp/l"), binom.test(x, nn)$conf.int[1]); put(paste0(g, "/cp/u"), binom.test(x, nn)$conf.int[2])
    nt <- nn + z^2; pt <- (x + z^2 / 2) / nt
    put(paste0(g, "/ac/l"), max(0, pt - z * sqrt(pt * (1 - pt) / nt)))
    put(paste0(g, "/ac/u"), min(1, pt + z * sqrt(pt * (1 - pt) / nt)))
    put(paste0(g, "/jeffreys/l"), if (x == 0) 0 else qbeta(0.025, x + 0.5, nn - x + 0.5))
    put(paste0(g, "/jeffreys/u"), if (x == nn) 1 else qbeta(0.975, x + 0.5, nn - x + 0.5))
  }
  ct <- quiet(chisq.test(table(dat$y, dat$territory), correct = FALSE))
  if (!is.null(ct)) { put("pearson/X2", ct$statistic); put("pearson/p", ct$p.value) }
  ok <- !is.na(dat$age)
  cnt <- as.vector(tapply(dat$y[ok], dat$age[ok], sum)); py <- as.vector(table(dat$age[ok]))
  stdpop <- as.vector(tapply(mar$pop[mar$var == "age"], mar$cat[mar$var == "age"], sum))
  aa <- suppressWarnings(ageadjust.direct(count = cnt, pop = py, stdpop = stdpop))
  put("ageadjust/crude", aa[["crude.rate"]]); put("ageadjust/adj", aa[["adj.rate"]])
  put("ageadjust/lci", aa[["lci"]]); put("ageadjust/uci", aa[["uci"]])
  write.csv(data.frame(key = names(out), value = sprintf("%.17g", unlist(out))), file.path(dir, "r_results.csv"),
            row.names = FALSE, quote = FALSE)
  out
}

## ------------------------------------------------------------------ comparison
REL <- 1e-8     # relative tolerance
ABS0 <- 1e-6    # below this magnitude (near zero) R's value is compared absolutely, with tolerance ABS_TOL
ABS_TOL <- 1e-14

compare_one <- function(seed, dir, r) {
  cf <- configs[[as.character(seed)]]
  c <- read.csv(file.path(dir, "c_results.csv"), colClasses = c("character", "character"))
  cv <- setNames(suppressWarnings(as.numeric(c$value)), c$key)
  degenerate <- names(cv)[endsWith(names(cv), "/degenerate") & cv == 1]
  degenerate <- sub("/degenerate$", "", degenerate)
  n_ok <- 0; n_bad <- 0; n_degen <- 0; worst <- 0; worst_key <- ""; bad <- character(0)
  for (k in names(r)) {
    want <- r[[k]]
    base <- sub("/[^/]+$", "", k)
    if (base %in% degenerate) { n_degen <- n_degen + 1; next }   # R: NaN or no interval; C: the stated rule
    if (!(k %in% names(cv))) { n_bad <- n_bad + 1; bad <- c(bad, paste(k, "missing in C")); next }
    got <- cv[[k]]
    if (is.na(want) && is.na(got)) { n_ok <- n_ok + 1; next }
    if (is.na(want) || is.na(got)) { n_bad <- n_bad + 1; bad <- c(bad, sprintf("%s R %s C %s", k, want, got)); next }
    err <- abs(got - want)
    near0 <- abs(want) < ABS0
    if (!near0 && err / abs(want) > worst) { worst <- err / abs(want); worst_key <- k }
    if ((near0 && err <= ABS_TOL) || (!near0 && err <= REL * abs(want))) n_ok <- n_ok + 1
    else { n_bad <- n_bad + 1; bad <- c(bad, sprintf("%s R %.17g C %.17g (rel %.3g)", k, want, got, err / abs(want))) }
  }
  conv <- sum(grepl("^raked/converged/", names(r)) & unlist(r) == 0)
  ## values C computed that R did not (R failed or skipped): listed, never silently ignored
  c_only <- setdiff(names(cv)[!is.na(cv) & !endsWith(names(cv), "/degenerate")], names(r))
  c_only <- c_only[!(sub("/[^/]+$", "", c_only) %in% degenerate)]
  if (length(c_only)) { n_bad <- n_bad + length(c_only); bad <- c(bad, paste(c_only, "computed by C, not by R")) }
  ## a degenerate domain is a (design, domain) pair; each has one key per interval method
  ndom <- length(unique(sub("^([^/]+)/[^/]+/", "\\1/", degenerate[grepl("/", degenerate)])))
  cat(sprintf("seed %d: n=%d T=%d %s%s: %d values agree to %g relative (worst %.2g at %s), %d failed; %d degenerate domains (R NaN, C rule: %d values not compared)%s\n",
              seed, cf$n, cf$T, if (cf$rare) "rare" else "common",
              if (conv > 0) sprintf(", %d territories unconverged", conv) else "",
              n_ok, REL, worst, worst_key, n_bad, ndom, n_degen, if (n_bad) ":" else ""))
  for (b in head(bad, 15)) cat("   ", b, "\n")
  list(ok = n_bad == 0, values = n_ok, degen = ndom)
}

if (mode == "gen") {
  for (s in seeds) gen(s, file.path(root, s))
} else if (mode == "check") {
  passed <- 0; failed <- 0; values <- 0; degen <- 0
  for (s in seeds) {
    dir <- file.path(root, s)
    r <- check_one(s, dir)
    res <- compare_one(s, dir, r)
    values <- values + res$values; degen <- degen + res$degen
    if (res$ok) passed <- passed + 1 else failed <- failed + 1
  }
  cat(sprintf("total: %d values agree; %d degenerate domains where R returns NaN and C applies its rule\n",
              values, degen))
  cat(sprintf("%d passed, %d failed\n", passed, failed))
  quit(status = if (failed == 0) 0 else 1)
} else stop("usage: diff_survey.R gen|check ROOT SEED...")
