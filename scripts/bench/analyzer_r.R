## analyzer_r.R -- R's survey doing what `analyzer indicators --margins` does for one indicator, timed, for
## scripts/bench-analyzer: each territory raked to its age and sex margins (rake() per territory, assembled into
## one design stratified by territory), then the proportion with its Korn-Graubard interval and design effect
## for every territory, all QPV together and the whole town, the Rao-Scott test across territories and each
## QPV against the rest of the town.
##
##   Rscript analyzer_r.R DIR   (DIR/answers.csv from SQLite, DIR/forms/territories.json)
## Prints "r_seconds_load S", "r_seconds_estimate S" and the estimates of the first groups.
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
args <- commandArgs(TRUE)
dir <- args[1]

t0 <- proc.time()[["elapsed"]]
terr <- fromJSON(file.path(dir, "forms", "territories.json"), simplifyVector = FALSE)
codes <- vapply(terr$territories, function(t) t$code, "")
isqpv <- vapply(terr$territories, function(t) t$kind == "qpv", TRUE)
rest <- codes[!isqpv]
ages <- names(terr$territories[[1]]$population); sexes <- names(terr$territories[[1]]$population[[1]])
d <- read.csv(file.path(dir, "answers.csv"), colClasses = "character", na.strings = "")
d <- d[d$territory %in% codes & d$R02 %in% ages & d$R03 %in% sexes, ]
d$territory <- factor(d$territory, levels = codes)
d$R02 <- factor(d$R02, levels = ages); d$R03 <- factor(d$R03, levels = sexes)
d$qpv <- isqpv[as.integer(d$territory)]
d$y <- ifelse(!is.na(d$R07) & d$R07 != "refus", as.numeric(d$R07 %in% c("tres_bon", "bon")), NA)
d$one <- 1
t1 <- proc.time()[["elapsed"]]

des <- svydesign(ids = ~1, strata = ~territory, weights = ~one, data = d)
wfin <- numeric(nrow(d)); mw <- list(numeric(nrow(d)), numeric(nrow(d)))
idx <- list(character(nrow(d)), character(nrow(d)))
for (t in codes) {
  s <- d$territory == t
  dt <- svydesign(ids = ~1, weights = ~one, data = d[s, ])
  p <- terr$territories[[match(t, codes)]]$population
  pa <- data.frame(R02 = factor(ages, levels = ages), Freq = sapply(ages, function(a) sum(unlist(p[[a]]))))
  ps <- data.frame(R03 = factor(sexes, levels = sexes),
                   Freq = sapply(sexes, function(x) sum(sapply(ages, function(a) p[[a]][[x]]))))
  rt <- rake(dt, list(~R02, ~R03), list(pa, ps))
  wfin[s] <- weights(rt)
  rs <- rt$postStrata[[1]]
  for (m in 1:2) { mw[[m]][s] <- attr(rs[[m]], "weights"); idx[[m]][s] <- paste(t, as.vector(rs[[m]])) }
}
des$prob <- 1 / wfin
rk <- lapply(1:2, function(m) { i <- as.integer(factor(idx[[m]])); attr(i, "weights") <- mw[[m]]; i })
class(rk) <- "raking"
des$postStrata <- list(rk)

dd <- subset(des, !is.na(y))
d0 <- des; d0$variables$y[is.na(d0$variables$y)] <- 0
d0 <- update(d0, ens = factor(ifelse(qpv & !is.na(des$variables$y), "qpv", "x")))
by_t <- svyby(~y, ~territory, dd, svyciprop, method = "beta", vartype = "ci")
deff_t <- svyby(~y, ~territory, dd, svymean, deff = TRUE)
by_q <- svyby(~y, ~ens, d0, svyciprop, method = "beta", vartype = "ci")
town <- svyciprop(~y, dd, method = "beta")
chi <- svychisq(~y + territory, dd, statistic = "F")
for (t in codes[isqpv]) {
  dg <- update(d0, ina = as.numeric(territory == t & !is.na(des$variables$y)),
               inab = (territory == t | territory == rest) & !is.na(des$variables$y))
  tt <- suppressWarnings(svyttest(y ~ ina, subset(dg, inab)))
}
t2 <- proc.time()[["elapsed"]]
cat(sprintf("r_seconds_load %.2f\nr_seconds_estimate %.2f\n", t1 - t0, t2 - t1))
print(head(by_t, 3))
