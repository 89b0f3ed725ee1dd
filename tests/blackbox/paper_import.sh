#!/usr/bin/env bash
# Black-box test of paper entry (double entry, reconciliation, blindness, tokens) and of `collector import`
# (round trip from the export, every error with row and column, all or nothing, duplicates, --dry-run), on the
# real binary with a temporary database.
# Usage: paper_import.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "  $l"; done; }
jqt() { jq -e "$@" >/dev/null; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name" "command: $*" "last body: $(cat "$tmp/body" 2>/dev/null)"; fi; }

db=$tmp/c.db
"$bin" serve --db "$db" --forms "$src/forms" --listen 127.0.0.1:0 --rate-limit 0 --quiet >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.1; done
base=http://$(sed -n 's/listening on //p' "$tmp/out")
m1=$("$bin" token add --db "$db" --role mediator --name m1 2>/dev/null)
m2=$("$bin" token add --db "$db" --role mediator --name m2 2>/dev/null)
m3=$("$bin" token add --db "$db" --role mediator --name m3 2>/dev/null)  # types nothing: reconciles
an=$("$bin" token add --db "$db" --role analyst --name a1 2>/dev/null)

paper() { # token, json body -> status in $st, body in $tmp/body
    st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        -d "$2" "$base/api/v1/forms/resident/paper")
}
ans='"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R17":"oui","R18":["lunettes","dentaire"]'
ans_diff='"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"tres_bon","R17":"oui","R18":["dentaire","lunettes"]'

paper "" '{"paper_id":"P1","form_version":"1","answers":{'"$ans"'}}'
check "paper entry without a token: 401" test "$st" = 401
paper "$an" '{"paper_id":"P1","form_version":"1","answers":{'"$ans"'}}'
check "paper entry with an analyst token: 403" test "$st" = 403
paper "$m1" '{"paper_id":"P1","uuid":"11111111-0000-4000-8000-000000000001","form_version":"1","answers":{'"$ans"'}}'
check "first entry: 201 awaiting_second" grep -q '"status":"awaiting_second"' "$tmp/body"
paper "$m1" '{"paper_id":"P1","uuid":"11111111-0000-4000-8000-000000000001","form_version":"1","answers":{'"$ans"'}}'
check "retry of the first entry: 200, same status" test "$st" = 200
paper "$m1" '{"paper_id":"P1","form_version":"1","answers":{'"$ans"'}}'
check "second entry by the same mediator: 409 same_operator" grep -q '"code":"same_operator"' "$tmp/body"
paper "$m2" '{"paper_id":"P1","form_version":"1","answers":{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R17":"oui","R18":["dentaire","lunettes"]}}'
check "second entry, same answers ticked in another order: verified" grep -q '"status":"verified"' "$tmp/body"
if grep -q 'tres_bon\|"R07"' "$tmp/body"; then not_ok "the second entry is blind" "$(cat "$tmp/body")"; else ok "the second entry is blind"; fi
paper "$m2" '{"paper_id":"P1","form_version":"1","answers":{'"$ans"'}}'
check "third entry: 409 sheet_complete" grep -q '"code":"sheet_complete"' "$tmp/body"
paper "$m1" '{"paper_id":"P2","form_version":"1","answers":{'"$ans"'}}'
paper "$m2" '{"paper_id":"P2","form_version":"1","answers":{'"$ans_diff"'}}'
check "second entry with a different value: discrepant" grep -q '"status":"discrepant"' "$tmp/body"
paper "$m1" '{"paper_id":"P3","form_version":"1","answers":{"R17":"peut-etre"}}'
check "a sheet with invalid answers: 422 listing the errors" grep -q '"code":"invalid_answers"' "$tmp/body"
paper "$m1" '{"paper_id":"bad id!","form_version":"1","answers":{}}'
check "an invalid sheet number: 400 naming paper_id" grep -q '"field":"paper_id"' "$tmp/body"

st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $m2" "$base/api/v1/forms/resident/paper/discrepancies")
check "the second typist is not shown the sheet it typed, only told it is its own" \
    jqt '.sheets == [] and .typed_by_you == ["P2"]' "$tmp/body"
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $m3" "$base/api/v1/forms/resident/paper/discrepancies")
check "discrepancies list the differing field with both values (to a mediator who typed neither entry)" \
    jqt '.sheets | length == 1 and .[0].paper_id == "P2" and (.[0].differences | length == 1) and .[0].differences[0].field == "R07" and .[0].differences[0].first == "bon" and .[0].differences[0].second == "tres_bon"' "$tmp/body"
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $m2" -H 'Content-Type: application/json' \
    -d '{"answers":{'"$ans"'}}' "$base/api/v1/forms/resident/paper/P2/reconcile")
check "a typist of the sheet may not reconcile it: 403 own_entry" bash -c "test $st = 403 && grep -q '\"code\":\"own_entry\"' '$tmp/body'"
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $m3" -H 'Content-Type: application/json' \
    -d '{"answers":{'"$ans"'}}' "$base/api/v1/forms/resident/paper/P2/reconcile")
check "reconciliation by a third mediator: 201 reconciled" grep -q '"status":"reconciled"' "$tmp/body"
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $m3" -H 'Content-Type: application/json' \
    -d '{"answers":{'"$ans"'}}' "$base/api/v1/forms/resident/paper/P2/reconcile")
check "reconciling twice: 409" test "$st" = 409
check "the decision is kept with its source and who made it" test "$(sqlite3 "$db" "SELECT json_extract(decisions, '\$[0].chosen') || '|' || json_extract(decisions, '\$[0].source') || '|' || decided_by FROM sheets WHERE paper_id = 'P2'")" = "bon|first|3"
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $m1" "$base/api/v1/forms/resident/paper/sheets")
check "sheets list statuses and entry counts" jqt '[.sheets[] | .paper_id + ":" + .status + ":" + (.entries|tostring)] == ["P1:verified:2", "P2:reconciled:2"]' "$tmp/body"
check "counted: one record per sheet, never both entries" test "$(sqlite3 "$db" "SELECT count(*) FROM counted_submissions")" = 2
check "stored: four entries and one reconciled record, channel paper" test "$(sqlite3 "$db" "SELECT count(*) || '/' || sum(channel = 'paper') FROM submissions")" = "5/5"

curl -s -H "Authorization: Bearer $an" "$base/api/v1/forms/resident/submissions.csv" >"$tmp/export.csv"
check "the export has one row per counted sheet, with its sheet number" test "$(grep -c ',P[12],' "$tmp/export.csv")" = 2
kill -TERM "$pid"; wait "$pid"; pid=

# ---- import -----------------------------------------------------------------------------------------------
"$bin" import --db "$tmp/new.db" --form resident --forms "$src/forms" "$tmp/export.csv" >"$tmp/imp" 2>&1
check "import of the export: 2 rows imported" grep -q '2 ligne(s), 2 importée(s)' "$tmp/imp"
check "round trip: the same answers and sheet numbers" test \
    "$(sqlite3 "$db" "SELECT paper_id, answers FROM counted_submissions ORDER BY paper_id")" = \
    "$(sqlite3 "$tmp/new.db" "SELECT paper_id, answers FROM counted_submissions ORDER BY paper_id")"
"$bin" import --db "$tmp/new.db" --form resident --forms "$src/forms" "$tmp/export.csv" >"$tmp/imp" 2>&1
check "importing again: already present, reported, not duplicated" grep -q '0 importée(s), 2 déjà présente(s)' "$tmp/imp"
# The older layout (before issue 16: a grid row as R23.pmi, a multiple answer's codes joined by ';') still reads.
printf 'paper_id,R01,R02,R03,R07,R17,R06,R23.pmi\nO1,QN09399A,25-39,femme,bon,non,francais;arabe,connu\n' >"$tmp/old.csv"
"$bin" import --db "$tmp/new.db" --form resident --forms "$src/forms" "$tmp/old.csv" >"$tmp/imp" 2>&1
check "a file in the older layout (R23.pmi, \"francais;arabe\") still imports" test \
    "$(sqlite3 "$tmp/new.db" "SELECT json_extract(answers, '\$.R06') || json_extract(answers, '\$.R23.pmi') FROM submissions WHERE paper_id = 'O1'")" = '["francais","arabe"]connu'
# The flat layout's 0/1 columns: "nsp" or "refus" in them stands for the whole answer; anything else is an error.
printf 'paper_id,R01,R02,R03,R07,R17,R06_francais,R06_arabe,R06_turc\nF1,QN09399A,25-39,femme,bon,non,refus,refus,refus\nF2,QN09399A,25-39,femme,bon,non,1,oui,0\n' >"$tmp/flat.csv"
"$bin" import --db "$tmp/new.db" --form resident --forms "$src/forms" "$tmp/flat.csv" >"$tmp/imp" 2>&1
check "a 0/1 column that holds neither 0, 1, nsp nor refus: the cell named" grep -q 'ligne 3, colonne R06_arabe' "$tmp/imp"
sed -i '$d' "$tmp/flat.csv"
"$bin" import --db "$tmp/new.db" --form resident --forms "$src/forms" "$tmp/flat.csv" >"$tmp/imp" 2>&1
check "refus in the 0/1 columns is the answer [\"refus\"]" test \
    "$(sqlite3 "$tmp/new.db" "SELECT json_extract(answers, '\$.R06') FROM submissions WHERE paper_id = 'F1'")" = '["refus"]'
printf 'paper_id,R01,R02,R03,R07,R17,R18,R04\nN1,QN09399A,25-39,femme,bon,non,,\nN2,QN09399A,25-39,femme,bon,peut,,\nN3,QN09399A,12,femme,bon,non,,seul\nN1,hors_qpv,75+,homme,bon,non,,\n' >"$tmp/bad.csv"
"$bin" import --db "$tmp/new.db" --form resident --forms "$src/forms" "$tmp/bad.csv" >"$tmp/imp" 2>&1
st=$?
check "a file with bad rows: exit 1" test $st -eq 1
check "every error with its row and column" bash -c "grep -q 'ligne 3, colonne R17' '$tmp/imp' && grep -q 'ligne 4, colonne R02' '$tmp/imp' && grep -q 'ligne 5, colonne paper_id' '$tmp/imp'"
check "nothing imported when a row is wrong" test "$(sqlite3 "$tmp/new.db" "SELECT count(*) FROM submissions WHERE paper_id LIKE 'N%'")" = 0
printf 'paper_id,R01,R02,R03,R07,R17,R99\nN1,QN09399A,25-39,femme,bon,non,1\n' >"$tmp/unknown.csv"
"$bin" import --db "$tmp/new.db" --form resident --forms "$src/forms" "$tmp/unknown.csv" >"$tmp/imp" 2>&1
check "an unknown column is an error naming it" grep -q 'ligne 1, colonne R99' "$tmp/imp"
# Windows-1252, as a spreadsheet saves "CSV" on Windows: "très" is 74 72 e8 73. The row must be refused with its
# reason, not dropped in silence.
printf 'paper_id;R01;R02;R03;R07;R17;R39\nW1;QN09399A;25-39;femme;bon;non;tr\350s loin\n' >"$tmp/cp1252.csv"
"$bin" import --db "$tmp/new.db" --form resident --forms "$src/forms" "$tmp/cp1252.csv" >"$tmp/imp" 2>&1
st=$?
check "a Windows-1252 file: exit 1, the cell named, UTF-8 asked for" \
    bash -c "test $st -eq 1 && grep -q 'ligne 2, colonne R39 : .*UTF-8' '$tmp/imp'"
check "and nothing of it stored" test "$(sqlite3 "$tmp/new.db" "SELECT count(*) FROM sheets WHERE paper_id = 'W1'")" = 0
printf 'paper_id;R01;R02;R03;R07;R17\nN1;QN09399A;25-39;femme;bon;non\n' >"$tmp/good.csv"
"$bin" import --db "$tmp/new.db" --form resident --forms "$src/forms" --dry-run "$tmp/good.csv" >"$tmp/imp" 2>&1
check "--dry-run checks a good ';' file and writes nothing" bash -c "grep -q 'vérification seule' '$tmp/imp' && test \"\$(sqlite3 '$tmp/new.db' \"SELECT count(*) FROM submissions WHERE paper_id = 'N1'\")\" = 0"
"$bin" import --db "$tmp/new.db" --form resident --forms "$src/forms" "$tmp/good.csv" >"$tmp/imp" 2>&1
check "then imports it as a single-entry sheet" test "$(sqlite3 "$tmp/new.db" "SELECT status FROM sheets WHERE paper_id = 'N1'")" = single
"$bin" double-entry --db "$tmp/new.db" --form resident --rate 0.1 2>/dev/null
check "double-entry rate set" test "$(sqlite3 "$tmp/new.db" "SELECT double_rate FROM campaign WHERE form_id = 'resident'")" = 0.1
"$bin" double-entry --db "$tmp/new.db" --form resident --rate 2 2>/dev/null
check "a rate above 1 is refused" test $? -eq 2

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
