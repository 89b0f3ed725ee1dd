## towns_check.R -- the R half of tests/r/towns.sh: one between-town difference of `analyzer indicators` with two
## towns (issue 18), recomputed with survey on the two towns' answers stacked, strata = territory within town.
## Forgone care (R17 = "oui" among those who answered, nsp and refus apart) in town A's QPV against town B's QPV:
## svyttest of the outcome on the town within the two QPV domains together, unweighted and raked within
## each territory to its town's margins. Compares the difference, its standard error (from the analyzer's interval
## and degrees of freedom) and p, to 1e-8 relative.
##
##   Rscript towns_check.R DIR   (DIR/a.csv, DIR/b.csv, DIR/ta.json, DIR/tb.json, DIR/ab.json, DIR/ab_raked.json)
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
options(warn = 1, survey.lonely.psu = "fail")
dir <- commandArgs(TRUE)[1]

town <- function(csv, terr) {
  t <- fromJSON(file.path(dir, terr), simplifyVector = FALSE)
  codes <- vapply(t$territories, function(x) x$code, "")
  qpv <- vapply(t$territories, function(x) x$kind == "qpv", TRUE)
  d <- read.csv(file.path(dir, csv), colClasses = "character", na.strings = "")
  d <- d[d$territory %in% codes, ]
  d$qpv <- qpv[match(d$territory, codes)]
  d$town <- t$commune$insee
  d
}
d <- rbind(town("a.csv", "ta.json"), town("b.csv", "tb.json"))
d$stratum <- paste(d$town, d$territory, sep = "/")
d$y <- ifelse(!is.na(d$R17) & !(d$R17 %in% c("nsp", "refus")), as.numeric(d$R17 == "oui"), NA)
d$one <- 1
ta <- unique(d$town)[1]; tb <- unique(d$town)[2]
pops <- list()
for (f in c("ta.json", "tb.json")) {
  t <- fromJSON(file.path(dir, f), simplifyVector = FALSE)
  for (x in t$territories) pops[[paste(t$commune$insee, x$code, sep = "/")]] <- x$population
}

## Raked within each territory of each town to its own town's population, as indicators_check.R does for one
## town: the final weights and, for the variance, the raking residual's per-margin weights and cells.
raked_design <- function(d) {
  p1 <- pops[[1]]; ages <- names(p1); sexes <- names(p1[[1]])
  cc <- d[d$R02 %in% ages & d$R03 %in% sexes, ]
  cc$R02 <- factor(cc$R02, levels = ages); cc$R03 <- factor(cc$R03, levels = sexes)
  des <- svydesign(ids = ~1, strata = ~stratum, weights = ~one, data = cc)
  wfin <- numeric(nrow(cc)); mw <- list(numeric(nrow(cc)), numeric(nrow(cc)))
  idx <- list(character(nrow(cc)), character(nrow(cc)))
  for (st in unique(cc$stratum)) {
    s <- cc$stratum == st
    dt <- svydesign(ids = ~1, weights = ~one, data = cc[s, ])
    p <- pops[[st]]
    pa <- data.frame(R02 = factor(ages, levels = ages), Freq = sapply(ages, function(a) sum(unlist(p[[a]]))))
    ps <- data.frame(R03 = factor(sexes, levels = sexes), Freq = sapply(sexes, function(x) sum(sapply(ages, function(a) p[[a]][[x]]))))
    rt <- rake(dt, list(~R02, ~R03), list(pa, ps))
    wfin[s] <- weights(rt)
    rs <- rt$postStrata[[1]]
    for (m in 1:2) { mw[[m]][s] <- attr(rs[[m]], "weights"); idx[[m]][s] <- paste(st, as.vector(rs[[m]])) }
  }
  des$prob <- 1 / wfin
  rk <- lapply(1:2, function(m) { i <- as.integer(factor(idx[[m]])); attr(i, "weights") <- mw[[m]]; i })
  class(rk) <- "raking"
  des$postStrata <- list(rk)
  des
}

## The difference of forgone care between the two towns' QPV: svyttest of the outcome on "town A" within the two
## domains together (the subset keeps the full design's strata, with zero weights where calibrated).
contrast <- function(des) {
  v <- des$variables
  des <- update(des, ina = v$town == ta)
  ## glm's warning about zero weights concerns its dispersion, which svyttest does not use
  tt <- suppressWarnings(svyttest(y ~ ina, subset(des, qpv & !is.na(y))))
  c(diff = as.numeric(tt$estimate), se = as.numeric(tt$estimate / tt$statistic))
}

check <- function(json, des, label) {
  j <- fromJSON(file.path(dir, json), simplifyVector = FALSE)
  tt <- Filter(function(t) t$kind == "difference" && t$indicator == "renoncement_soins" &&
                 t$group == paste0(ta, "/ensemble_qpv") && t$versus == paste0(tb, "/ensemble_qpv"), j$tests)
  stopifnot(length(tt) == 1)
  t <- tt[[1]]
  r <- contrast(des)
  se_c <- (t$ci_high - t$difference) / qt(0.975, t$ndf)
  p_r <- 2 * pt(-abs(r[["diff"]] / r[["se"]]), t$ndf)
  rel <- function(a, b) abs(a - b) / max(abs(b), 1e-300)
  bad <- c(difference = rel(t$difference, r[["diff"]]), se = rel(se_c, r[["se"]]), p = rel(t$p, p_r))
  cat(sprintf("%s: difference %.6f (R %.6f), se %.6g (R %.6g), p %.3g (R %.3g)\n", label, t$difference,
              r[["diff"]], se_c, r[["se"]], t$p, p_r))
  if (any(bad > 1e-8)) { cat("not ok -", label, "disagrees:", names(bad)[bad > 1e-8], "\n"); return(FALSE) }
  cat("ok -", label, "agrees with survey to 1e-8\n")
  TRUE
}
ok1 <- check("ab.json", svydesign(ids = ~1, strata = ~stratum, weights = ~one, data = d), "unweighted")
ok2 <- check("ab_raked.json", raked_design(d), "raked within each territory to its town's margins")
if (!(ok1 && ok2)) quit(status = 1)
