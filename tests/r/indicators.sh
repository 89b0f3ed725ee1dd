#!/usr/bin/env bash
# indicators.sh -- `analyzer indicators` end to end against R's survey package.
# usage: tests/r/indicators.sh ANALYZER SYNTH SOURCE_DIR [WORKDIR]
#
# For several synthetic campaigns (sizes, 2 to 20 territories, rare and common indicators), synth writes a
# territories file and a collector database of resident answers; the analyzer computes the shipped indicators
# without and with margins (raked within each territory); the answers are read back from the database with
# SQLite's own JSON functions (not with our code), and indicators_check.R recomputes nine of the indicators
# (proportions with nsp and refus apart, a grid row, a sub-population denominator, a multiple-choice
# category, EPICES from its coefficients, a mean) for every group with survey and compares estimates,
# interval bounds, design effects, standardised estimates, Rao-Scott / Pearson tests and the differences to
# the rest of the town, to 1e-8 relative. One line per campaign, then "N passed, M failed".
set -euo pipefail
analyzer=${1:?usage: indicators.sh ANALYZER SYNTH SOURCE_DIR [WORKDIR]}
synth=${2:?}
src=${3:?}
work=${4:-}
if [ -z "$work" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
if ! command -v Rscript >/dev/null || ! Rscript -e 'library(survey); library(jsonlite)' >/dev/null 2>&1; then
    echo "indicators.sh: Rscript with the survey and jsonlite packages is required (scripts/setup installs them)" >&2
    exit 1
fi
command -v sqlite3 >/dev/null || { echo "indicators.sh: sqlite3 is required" >&2; exit 1; }

# campaign: respondents territories seed
campaigns=("400 2 11" "1500 5 12" "3000 12 13" "6000 20 14")
passed=0
failed=0
for c in "${campaigns[@]}"; do
    read -r n t seed <<<"$c"
    dir="$work/c$seed"
    mkdir -p "$dir/forms"
    cp "$src/forms/resident.json" "$src/forms/resident.indicators.json" "$src/forms/offer.json" "$dir/forms/"
    "$synth" --forms "$src/forms" --form resident --territories "$t" --seed "$seed" >"$dir/forms/territories.json"
    rm -f "$dir/db.sqlite"
    "$synth" --forms "$dir/forms" --form resident --n "$n" --seed "$seed" --db "$dir/db.sqlite"
    "$analyzer" margins --forms "$dir/forms" >"$dir/margins.csv"
    "$analyzer" indicators --db "$dir/db.sqlite" --forms "$dir/forms" --form resident -o "$dir/plain.json"
    "$analyzer" indicators --db "$dir/db.sqlite" --forms "$dir/forms" --form resident \
        --margins "$dir/margins.csv" -o "$dir/raked.json"
    cols="territory"
    for q in R02 R03 R07 R08 R13 R17 R19 R26 E01 E02 E03 E04 R22 E06 E07 E08 E09 E10 E11; do
        cols+=", json_extract(answers, '\$.$q') AS $q"
    done
    cols+=", json_extract(answers, '\$.R23.pmi') AS R23_pmi"
    sqlite3 -csv -header "$dir/db.sqlite" \
        "SELECT $cols FROM counted_submissions WHERE form_id = 'resident' ORDER BY id" >"$dir/answers.csv"
    if Rscript "$(dirname "$0")/indicators_check.R" "$dir" "campaign $seed: $n respondents, $t territories"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
