#!/usr/bin/env bash
# Black-box test of what the mediators' page needs from the paper API beyond blind double entry (README.md,
# "Paper API"), with curl and sqlite3 against the real binary:
# - a sheet's language: one of its form version's languages (400 naming lang otherwise), the form's first one
#   when absent, stored as the entry's lang; two entries that disagree on it make the sheet discrepant, the
#   difference is named "lang", the reconciler must choose it (422 lang_undecided), and the reconciled record is
#   stored in the chosen language (never a fixed French), which is what counts;
# - GET …/paper/mine: the caller's own entries of the day, newest first, with territory, language and the sheet's
#   status (awaiting, discrepant, reconciled), never another person's, never answers, never a reconciled record;
#   mediators and admins only, by token or by session cookie.
# Usage: paper_entry.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
source "$src/tests/blackbox/lib.sh"

db=$tmp/c.db
m1=$("$bin" token add --db "$db" --role mediator --name m1 2>/dev/null) # token ids 1 to 4, in this order
m2=$("$bin" token add --db "$db" --role mediator --name m2 2>/dev/null)
m3=$("$bin" token add --db "$db" --role mediator --name m3 2>/dev/null)
ana=$("$bin" token add --db "$db" --role analyst --name a1 2>/dev/null)
start_collector "$bin" "$db" "$src/forms"
first=$(jq -r '.languages[0]' "$src/forms/resident.json")

# paper TOKEN PATH [BODY]: a paper route of the resident form, GET without a body, POST with one; the status in
# $st, the body in $tmp/b.
paper() {
    local t=$1 p=$2
    shift 2
    if [ $# -eq 0 ]; then
        st=$(curl -s -o "$tmp/b" -w '%{http_code}' -H "Authorization: Bearer $t" "$base/api/v1/forms/resident/paper$p")
    else
        st=$(curl -s -o "$tmp/b" -w '%{http_code}' -X POST -H "Authorization: Bearer $t" \
            -H 'Content-Type: application/json' --data-binary "$1" "$base/api/v1/forms/resident/paper$p")
    fi
}
# sheet ID R07 [LANG]: the body of a sheet (no lang member when LANG is empty).
sheet() {
    jq -cn --arg id "$1" --arg v "$2" --arg l "${3:-}" '{paper_id: $id, answers: {R01: "QN09399A", R02: "25-39",
        R03: "femme", R07: $v, R17: "non", R39: "ZQX-secret"}} + (if $l == "" then {} else {lang: $l} end)'
}
# is STATUS [JQ...]: the last reply had STATUS and every filter holds on its body.
is() {
    local want=$1 f
    shift
    [ "$st" = "$want" ] || { echo "status $st, expected $want: $(head -c 400 "$tmp/b")"; return 1; }
    for f in "$@"; do jq -e "$f" "$tmp/b" >/dev/null || { echo "not ($f): $(head -c 600 "$tmp/b")"; return 1; }; done
}
q() { sqlite3 "$db" "$1"; }

# ---- the sheet's language ----
paper "$m1" "" "$(sheet L0 bon de)"
check "lang=de, a language the form does not have: 400 invalid_field naming lang" \
    is 400 '.code == "invalid_field" and .field == "lang"'
paper "$m1" "" "$(jq -c '.lang = 3' <<<"$(sheet L0 bon)")"
check "lang not a string: 400 naming lang" is 400 '.field == "lang"'
check "nothing stored for the refused sheets" test "$(q "SELECT count(*) FROM submissions")" = 0

paper "$m1" "" "$(sheet L1 bon)"
check "a sheet without lang: 201" is 201 '.status == "awaiting_second"'
check "... stored in the form's first language ($first)" test "$(q "SELECT lang FROM submissions WHERE paper_id = 'L1'")" = "$first"
paper "$m1" "" "$(sheet L2 bon ar)"
check "a sheet in Arabic: 201" is 201
check "... stored as ar" test "$(q "SELECT lang FROM submissions WHERE paper_id = 'L2'")" = ar

# Same answers, same language: verified, and what counts is in Arabic.
paper "$m2" "" "$(sheet L2 bon ar)"
check "second entry of L2, same answers and language: verified" is 201 '.status == "verified"'
check "the counted record of L2 is in Arabic" \
    test "$(q "SELECT group_concat(lang) FROM counted_submissions WHERE paper_id = 'L2'")" = ar

# Same answers, another language: discrepant; the difference is the language, nothing else.
paper "$m1" "" "$(sheet L3 bon ar)"
paper "$m2" "" "$(sheet L3 bon tr)"
check "second entry of L3 in Turkish, the first in Arabic: discrepant" is 201 '.status == "discrepant"'
paper "$m3" /discrepancies
check "the reconciler sees lang as L3's only difference, and each entry's language" \
    is 200 '.sheets[] | select(.paper_id == "L3") | .differences == [{"field": "lang", "first": "ar", "second": "tr"}]
        and ([.entries[].lang] == ["ar", "tr"])'
paper "$m2" /discrepancies
check "a typist of L3 sees nothing of it but its number" is 200 '.typed_by_you == ["L3"]' '[.sheets[].paper_id] == []'

# Reconciling the language.
ans=$(sheet L3 bon | jq -c '{answers}')
paper "$m3" /L3/reconcile "$ans"
check "reconciling L3 without lang: 422 naming lang (lang_undecided)" \
    is 422 '.code == "invalid_decisions" and .errors == [.errors[] | select(.field == "lang" and .code == "lang_undecided")]
        and (.errors | length) == 1'
paper "$m3" /L3/reconcile "$(jq -c '.lang = "de"' <<<"$ans")"
check "lang=de in a reconciliation: 400 naming lang" is 400 '.code == "invalid_field" and .field == "lang"'
paper "$m3" /L3/reconcile "$(jq -c '.lang = "en"' <<<"$ans")"
check "a third language without its reason: 422 value_not_in_entries on lang" \
    is 422 '[.errors[] | .field + ":" + .code] == ["lang:value_not_in_entries"]'
paper "$m3" /L3/reconcile "$(jq -c '.lang = "ar" | .reasons = {lang: "vu"}' <<<"$ans")"
check "a reason with one entry's language: 422 reason_not_needed on lang" \
    is 422 '[.errors[] | .field + ":" + .code] == ["lang:reason_not_needed"]'
paper "$m1" /L3/reconcile "$(jq -c '.lang = "ar"' <<<"$ans")"
check "a typist may still not reconcile L3: 403 own_entry" is 403 '.code == "own_entry"'
check "nothing was decided yet" test "$(q "SELECT status FROM sheets WHERE paper_id = 'L3'")" = discrepant
paper "$m3" /L3/reconcile "$(jq -c '.lang = "ar"' <<<"$ans")"
check "reconciling L3 in Arabic (entry 1's language): 201 reconciled" is 201 '.status == "reconciled"'
check "the reconciled record is stored in Arabic and is what counts" \
    test "$(q "SELECT group_concat(entry || ':' || lang) FROM counted_submissions WHERE paper_id = 'L3'")" = 0:ar
check "the decision on the language is kept with the sheet" test "$(q "SELECT decisions FROM sheets WHERE paper_id = 'L3'")" \
    = '[{"field":"lang","first":"ar","second":"tr","chosen":"ar","source":"first"}]'
check "the public counts are by the decided language" \
    test "$(q "SELECT group_concat(lang || '=' || n) FROM stats_tally WHERE form_id = 'resident' AND channel = 'paper' ORDER BY lang")" \
    = "ar=2,fr=1"

# Entries that agree on the language: the record keeps it without lang in the body (never a fixed French).
paper "$m1" "" "$(sheet L4 bon tr)"
paper "$m2" "" "$(sheet L4 mauvais tr)"
paper "$m3" /L4/reconcile "$(sheet L4 bon | jq -c '{answers}')"
check "L4 (both entries in Turkish) reconciled without lang: 201" is 201 '.status == "reconciled"'
check "... its record is in Turkish" test "$(q "SELECT lang FROM submissions WHERE paper_id = 'L4' AND entry = 0")" = tr
paper "$m1" "" "$(sheet L5 bon tr)"
paper "$m2" "" "$(sheet L5 bon ar)"
paper "$m3" /L5/reconcile "$(sheet L5 bon | jq -c '{answers, lang: "en", reasons: {lang: "relu : la feuille est en anglais"}}')"
check "a third language with its reason: 201, stored, and the reason kept" is 201 '.status == "reconciled"'
check "... in English, with its reason" test "$(q "SELECT s.lang || '|' || json_extract(h.decisions, '\$[0].reason') FROM sheets h
    JOIN submissions s ON s.uuid = h.final_uuid WHERE h.paper_id = 'L5'")" = 'en|relu : la feuille est en anglais'

# ---- the day's own sheets ----
paper "$m1" /mine
check "m1's day: its entries of L1 to L5, newest first, with territory, language and the sheet's status" \
    is 200 '[.sheets[] | "\(.paper_id):\(.entry):\(.lang):\(.territory):\(.status)"] ==
        ["L5:1:tr:QN09399A:reconciled", "L4:1:tr:QN09399A:reconciled", "L3:1:ar:QN09399A:reconciled",
         "L2:1:ar:QN09399A:verified", "L1:1:fr:QN09399A:awaiting_second"]'
check "... each with its time, to the minute" is 200 '[.sheets[].received_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}Z$")] | all'
check "... and no answers" bash -c '! grep -q "ZQX-secret\|answers\|R07" "$1"' _ "$tmp/b"
paper "$m2" /mine
check "m2's day: its own second entries only (L2 to L5)" \
    is 200 '[.sheets[] | "\(.paper_id):\(.entry):\(.status)"] == ["L5:2:reconciled", "L4:2:reconciled", "L3:2:reconciled", "L2:2:verified"]'
paper "$m3" /mine
check "m3 typed no sheet: its reconciliations are not listed as sheets" is 200 '.sheets == []'
# Yesterday's entries are not of the day: one of m1's moved back two days.
q "UPDATE submissions SET received_at = strftime('%Y-%m-%dT%H:%MZ', 'now', '-2 days') WHERE paper_id = 'L1'"
paper "$m1" /mine
check "an entry of two days ago is not listed" is 200 '[.sheets[].paper_id] == ["L5", "L4", "L3", "L2"]'
paper "$ana" /mine
check "an analyst: 403" is 403
st=$(curl -s -o "$tmp/b" -w '%{http_code}' "$base/api/v1/forms/resident/paper/mine")
check "no credentials: 401" is 401
st=$(curl -s -o "$tmp/b" -w '%{http_code}' -H "Authorization: Bearer $m1" "$base/api/v1/forms/nope/paper/mine")
check "an unknown form: 404 unknown_form" is 404 '.code == "unknown_form"'
# By session cookie, as /entry does: a GET needs no CSRF header.
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d "{\"token\":\"$m2\"}" "$base/api/v1/session" |
    sed -n 's/^[Ss]et-[Cc]ookie: ds_session=\([^;]*\);.*/\1/p')
st=$(curl -s -o "$tmp/b" -w '%{http_code}' -H "Cookie: ds_session=$cookie" "$base/api/v1/forms/resident/paper/mine")
check "by m2's session cookie: m2's sheets" is 200 '[.sheets[].paper_id] == ["L5", "L4", "L3", "L2"]'

if stop_collector && sanitizer_clean; then ok "SIGTERM: exit 0, no sanitizer report"; else
    not_ok "SIGTERM: exit 0, no sanitizer report" "$(head -n 30 "$tmp/collector.err")"; fi
finish
