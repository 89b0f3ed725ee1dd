## towns_check.R -- the R half of tests/r/towns.sh: one between-town difference of `analyzer indicators` with two
## towns (issue 18), recomputed with survey on the two towns' answers stacked, strata = territory within town.
## Forgone care (R17 = "oui" among those who answered, nsp and refus apart) in town A's QPV against town B's QPV:
## svyby's domain means with their covariance, then svycontrast for the difference. Compares the difference, its
## standard error (from the analyzer's interval and degrees of freedom) and p, to 1e-8 relative.
##
##   Rscript towns_check.R DIR   (DIR/a.csv, DIR/b.csv, DIR/ta.json, DIR/tb.json, DIR/ab.json)
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
d$g <- factor(ifelse(d$qpv, paste(d$town, "qpv"), "autre"))
d$one <- 1
des <- svydesign(ids = ~1, strata = ~stratum, weights = ~one, data = d)
des <- subset(des, !is.na(y)) # a domain: the full sample's n_h are kept (reference/statistics.md 1.2)
b <- svyby(~y, ~g, des, svymean, covmat = TRUE)
ga <- paste(unique(d$town)[1], "qpv"); gb <- paste(unique(d$town)[2], "qpv")
w <- setNames(numeric(nrow(b)), rownames(b)); w[ga] <- 1; w[gb] <- -1
ct <- svycontrast(b, w)
diff_r <- as.numeric(coef(ct)); se_r <- as.numeric(SE(ct))

j <- fromJSON(file.path(dir, "ab.json"), simplifyVector = FALSE)
tt <- Filter(function(t) t$kind == "difference" && t$indicator == "renoncement_soins" &&
               t$group == paste0(unique(d$town)[1], "/ensemble_qpv") &&
               t$versus == paste0(unique(d$town)[2], "/ensemble_qpv"), j$tests)
stopifnot(length(tt) == 1)
t <- tt[[1]]
se_c <- (t$ci_high - t$difference) / qt(0.975, t$ndf)
p_r <- 2 * pt(-abs(diff_r / se_r), t$ndf)
rel <- function(a, b) abs(a - b) / max(abs(b), 1e-300)
bad <- c(difference = rel(t$difference, diff_r), se = rel(se_c, se_r), p = rel(t$p, p_r))
cat(sprintf("towns: difference %.6f (R %.6f), se %.6g (R %.6g), p %.3g (R %.3g)\n", t$difference, diff_r, se_c,
            se_r, t$p, p_r))
if (any(bad > 1e-8)) { cat("not ok - disagreement:", names(bad)[bad > 1e-8], "\n"); quit(status = 1) }
cat("ok - the between-town difference agrees with survey to 1e-8\n")
