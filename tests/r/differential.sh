#!/usr/bin/env bash
# differential.sh -- the analyzer's statistics against R itself, on random surveys.
# usage: tests/r/differential.sh ANALYZER_DIFF [WORKDIR]
# For a fixed list of seeds, diff_survey.R writes random datasets (50 to 5000 respondents, 2 to 20
# territories, rare and common outcomes, raked and unraked designs, respondents missing a calibration
# variable); the C driver and R compute the same estimates, and R compares them: estimates, standard errors,
# interval bounds of every method, design effects, Rao-Scott statistics, raked weights and more, to 1e-8
# relative. It prints one line per seed and ends with "N passed, M failed" (one test per seed).
set -euo pipefail
driver=${1:?usage: differential.sh ANALYZER_DIFF [WORKDIR]}
here=$(cd "$(dirname "$0")" && pwd)
work=${2:-}
if [ -z "$work" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
seeds=(101 102 103 104 105 106 107 108 109 110 111 112)

if ! command -v Rscript >/dev/null || ! Rscript -e 'library(survey); library(epitools)' >/dev/null 2>&1; then
    echo "differential.sh: Rscript with the survey and epitools packages is required (scripts/setup installs them)" >&2
    exit 1
fi
Rscript "$here/diff_survey.R" gen "$work" "${seeds[@]}"
dirs=()
for s in "${seeds[@]}"; do dirs+=("$work/$s"); done
"$driver" "${dirs[@]}"
Rscript "$here/diff_survey.R" check "$work" "${seeds[@]}"
