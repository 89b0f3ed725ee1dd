#!/usr/bin/env bash
# exports.sh -- `analyzer export` in every format, read back by independent readers.
# usage: tests/r/exports.sh ANALYZER SYNTH SOURCE_DIR [WORKDIR]
#
# A synthetic campaign (synth: 3 territories, 400 residents, margins from the territories' populations) is exported
# as csv, dta, sav, r and xlsx with the raked weights, and its codebook as csv; exports_check.R then reads the
# Stata and SPSS files with haven and finds every variable label and value label equal to the codebook's and every
# value equal to the CSV's (codes mapped through the labels, nsp and refus as Stata's .a / .b and SPSS's declared
# missing values), recomputes the EPICES score from its published coefficients, runs the R script (factors and the
# survey design) and reads the workbook with readxl.
set -euo pipefail
analyzer=${1:?usage: exports.sh ANALYZER SYNTH SOURCE_DIR [WORKDIR]}
synth=${2:?}
src=${3:?}
work=${4:-}
if [ -z "$work" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
if ! command -v Rscript >/dev/null ||
    ! Rscript -e 'library(haven); library(readxl); library(survey); library(jsonlite)' >/dev/null 2>&1; then
    echo "exports.sh: Rscript with haven, readxl, survey and jsonlite is required (scripts/setup installs them)" >&2
    exit 1
fi
mkdir -p "$work/forms"
cp "$src/forms/resident.json" "$src/forms/resident.indicators.json" "$src/forms/offer.json" "$work/forms/"
"$synth" --forms "$src/forms" --form resident --territories 3 --seed 21 >"$work/forms/territories.json"
rm -f "$work/db.sqlite"
"$synth" --forms "$work/forms" --form resident --n 400 --seed 21 --db "$work/db.sqlite"
"$analyzer" margins --forms "$work/forms" >"$work/margins.csv"
ex() { "$analyzer" export --db "$work/db.sqlite" --forms "$work/forms" --form resident --margins "$work/margins.csv" \
    --include-text "$@"; }
ex --format csv -o "$work/answers.csv"
ex --format dta -o "$work/answers.dta"
ex --format sav -o "$work/answers.sav"
ex --format r -o "$work/script"
ex --format xlsx -o "$work/answers.xlsx"
"$analyzer" codebook --forms "$work/forms" --form resident -o "$work/codebook.csv"
[ -s "$work/script.R" ] && [ -s "$work/script.csv" ] || { echo "exports.sh: --format r wrote no script.R / script.csv" >&2; exit 1; }
Rscript "$(dirname "$0")/exports_check.R" "$work"
