#!/usr/bin/env bash
# Black-box test of the one CSV layout (forms/flat.h) on the real binaries: a synthetic campaign served by a real
# collector; its GET /api/v1/forms/resident/submissions.csv and `analyzer export --format csv` of the same database
# must have the same header and the same rows (in any order), free text only on request in both; the Excel variant
# (--format excel) must begin with a byte-order mark, separate with ';', write a decimal comma (1,5 not 1.5) and keep
# codes such as 1-2 as text (="1-2"); a bad --format is refused. CSV files are read with sqlite3's CSV reader and
# plain text tools, not with a reader of ours.
# Usage: exports.sh COLLECTOR_BINARY ANALYZER_BINARY SYNTH_BINARY SOURCE_DIR
set -u
bin=$1
an=$2
synth=$3
src=$4
source "$src/tests/blackbox/lib.sh"

mkdir -p "$tmp/forms"
cp "$src/forms/resident.json" "$src/forms/resident.indicators.json" "$src/forms/offer.json" "$src/forms/pages.json" \
    "$tmp/forms/"
"$synth" --forms "$src/forms" --form resident --territories 3 --seed 31 >"$tmp/forms/territories.json"
"$synth" --forms "$tmp/forms" --form resident --n 250 --seed 31 --db "$tmp/db.sqlite" >/dev/null 2>&1
"$an" margins --forms "$tmp/forms" >"$tmp/margins.csv"
analyst=$("$bin" token add --db "$tmp/db.sqlite" --role analyst --name a 2>/dev/null)
start_collector "$bin" "$tmp/db.sqlite" "$tmp/forms"
curl -s -H "Authorization: Bearer $analyst" "$base/api/v1/forms/resident/submissions.csv" >"$tmp/api.csv"
curl -s -H "Authorization: Bearer $analyst" "$base/api/v1/forms/resident/submissions.csv?include=text" \
    >"$tmp/api_text.csv"
stop_collector
"$an" export --db "$tmp/db.sqlite" --forms "$tmp/forms" --form resident --format csv -o "$tmp/an.csv" 2>"$tmp/err"
"$an" export --db "$tmp/db.sqlite" --forms "$tmp/forms" --form resident --include-text -o "$tmp/an_text.csv" \
    2>>"$tmp/err"

same_header() { [ "$(head -n 1 "$1")" = "$(head -n 1 "$2")" ] || { head -n 1 "$1" | cut -c 1-300;
    head -n 1 "$2" | cut -c 1-300; return 1; }; }
same_rows() { diff <(tail -n +2 "$1" | sort) <(tail -n +2 "$2" | sort) | head -n 6; [ "${PIPESTATUS[0]}" -eq 0 ]; }
check "the collector's CSV and analyzer export --format csv: the same header" same_header "$tmp/api.csv" "$tmp/an.csv"
check "... and the same rows" same_rows "$tmp/api.csv" "$tmp/an.csv"
check "with free text (?include=text, --include-text): the same header" same_header "$tmp/api_text.csv" \
    "$tmp/an_text.csv"
check "... and the same rows" same_rows "$tmp/api_text.csv" "$tmp/an_text.csv"
check "one row per counted answer" test "$(($(wc -l <"$tmp/api.csv") - 1))" = \
    "$(sqlite3 "$tmp/db.sqlite" "SELECT count(*) FROM counted_submissions WHERE form_id = 'resident'")"
hdr=$(head -n 1 "$tmp/api.csv" | tr -d '\r')
check "metadata first, weight and the EPICES score last" bash -c "[[ '$hdr' == uuid,form_version,territory,territory_name,channel,lang,received_at,paper_id,R01,* ]] && [[ '$hdr' == *,poids,score_epices ]]"
check "names valid in Stata, SPSS and R: R23_pmi, one 0/1 column per choice (R06_francais), no dot" \
    bash -c "tr ',' '\n' <<<'$hdr' | grep -qx R23_pmi && tr ',' '\n' <<<'$hdr' | grep -qx R06_francais &&
        ! tr ',' '\n' <<<'$hdr' | grep -vqE '^[A-Za-z][A-Za-z0-9_]{0,31}$'"
check "no free-text column unless asked for (R39)" bash -c "! tr ',' '\n' <<<'$hdr' | grep -qx R39 &&
    head -n 1 '$tmp/api_text.csv' | tr -d '\r' | tr ',' '\n' | grep -qx R39"
check "CRLF line ends" bash -c "head -n 1 '$tmp/an.csv' | grep -q $'\r$'"

"$an" export --db "$tmp/db.sqlite" --forms "$tmp/forms" --form resident --format excel --margins "$tmp/margins.csv" \
    -o "$tmp/excel.csv" 2>>"$tmp/err"
check "excel: begins with a byte-order mark" test "$(head -c 3 "$tmp/excel.csv" | od -An -tx1 | tr -d ' ')" = efbbbf
check "excel: ';' between the columns" bash -c "head -n 1 '$tmp/excel.csv' | grep -q '^.*uuid;form_version;territory;'"
# the weight column (last but one): numbers with a decimal comma, never a point
wcol=$(head -n 1 "$tmp/excel.csv" | tr -d '\r' | tr ';' '\n' | grep -nx poids | cut -d: -f1)
check "excel: weights written 1,5 and not 1.5" bash -c "tail -n +2 '$tmp/excel.csv' | tr -d '\r' | cut -d';' -f$wcol |
    grep -v '^$' >'$tmp/w' && grep -q ',' '$tmp/w' && ! grep -q '\.' '$tmp/w'"
rcol=$(head -n 1 "$tmp/excel.csv" | tr -d '\r' | tr ';' '\n' | grep -nx R34 | cut -d: -f1)
check "excel: a code such as 1-2 kept as text (=\"1-2\")" bash -c "tail -n +2 '$tmp/excel.csv' | cut -d';' -f$rcol |
    grep -qx '\"=\"\"1-2\"\"\"' && ! tail -n +2 '$tmp/excel.csv' | cut -d';' -f$rcol | grep -qx '1-2'"
"$an" export --db "$tmp/db.sqlite" --forms "$tmp/forms" --form resident --format pdf -o "$tmp/x" 2>"$tmp/bad"
check "an unknown --format: exit 2 and the formats named" bash -c "test $? -eq 2 && grep -q 'dta, sav' '$tmp/bad'"
check "no sanitizer report" sanitizer_clean
finish
