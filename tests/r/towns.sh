#!/usr/bin/env bash
# towns.sh -- one between-town difference of `analyzer indicators` (two towns, issue 18), unweighted and raked,
# against R's survey on the stacked answers, read back from both databases with SQLite's JSON functions (not with our code).
# usage: tests/r/towns.sh ANALYZER SYNTH SOURCE_DIR
set -euo pipefail
analyzer=${1:?usage: towns.sh ANALYZER SYNTH SOURCE_DIR}
synth=${2:?}
src=${3:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Town B: the shipped folder with another commune, sharing the codes QN09399A and hors_qpv with town A.
mkdir -p "$work/fb"
cp "$src/forms"/*.json "$work/fb/"
jq '.commune = {insee: "93888", name: "Autreville"} | del(.outlines)
    | .territories |= map(del(.outline) | if .code == "QN09399B" then .code = "QN09388B" else . end)' \
    "$src/forms/territories.json" >"$work/fb/territories.json"
cp "$src/forms/territories.json" "$work/ta.json"
cp "$work/fb/territories.json" "$work/tb.json"
"$synth" --forms "$src/forms" --form resident --n 1200 --seed 21 --db "$work/a.db" >/dev/null
"$synth" --forms "$work/fb" --form resident --n 900 --seed 22 --db "$work/b.db" >/dev/null
"$analyzer" indicators --forms "$src/forms" --form resident --db "$work/a.db" --territories "$src/forms/territories.json" \
    --db "$work/b.db" --territories "$work/tb.json" -o "$work/ab.json"
"$analyzer" margins --forms "$src/forms" >"$work/ma.csv"
"$analyzer" margins --forms "$work/fb" >"$work/mb.csv"
"$analyzer" indicators --forms "$src/forms" --form resident --db "$work/a.db" --territories "$src/forms/territories.json" \
    --margins "$work/ma.csv" --db "$work/b.db" --territories "$work/tb.json" --margins "$work/mb.csv" -o "$work/ab_raked.json"
for t in a b; do
    sqlite3 -csv -header "$work/$t.db" "SELECT territory, json_extract(answers, '\$.R17') AS R17,
        json_extract(answers, '\$.R02') AS R02, json_extract(answers, '\$.R03') AS R03 FROM counted_submissions
        WHERE form_id = 'resident' ORDER BY id" >"$work/$t.csv"
done
Rscript "$(dirname "$0")/towns_check.R" "$work"
