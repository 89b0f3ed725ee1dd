#!/usr/bin/env bash
# Black-box test of data stewardship (README.md, "Data stewardship"; api_steward.c, cmd_steward.c) against the
# real collector: reading one submission, corrections (checked against the form, kept in the history, shown in
# the export, the territory's count moved), exclusion and inclusion, test mode and its purge, erasure by uuid and
# by receipt (a marker answer searched in the database file and its WAL: there before, gone after), the audit
# trail (JSON, CSV, nothing of the erased answers in it), bad input with its precise JSON errors, the analyzer's
# --include-excluded and --include-tests, and the same actions from the command line.
# Usage: steward.sh COLLECTOR ANALYZER SOURCE_DIR
set -u
bin=$1
an=$2
src=$3
source "$src/tests/blackbox/lib.sh"
# KEEP_TMP=1 keeps the temporary folder (the database, its WAL, the replies) to look into after a failure
[ -n "${KEEP_TMP:-}" ] && trap "[ -n \"\$pid\" ] && kill \"\$pid\"; echo kept \$tmp" EXIT

db=$tmp/c.db
forms=$src/forms
admin=$("$bin" token add --db "$db" --role admin --name coordinatrice 2>/dev/null)
analyst=$("$bin" token add --db "$db" --role analyst --name analyste 2>/dev/null)
mediator=$("$bin" token add --db "$db" --role mediator --name mediatrice 2>/dev/null)
start_collector "$bin" "$db" "$forms"

# req METHOD PATH TOKEN [JSON BODY]: sets st; the body is in $tmp/body.
req() {
    local m=$1 p=$2 t=$3 args=()
    [ -n "$t" ] && args+=(-H "Authorization: Bearer $t")
    [ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
    st=$(curl -s -o "$tmp/body" -w '%{http_code}' --max-time 20 -X "$m" "${args[@]}" "$base$p")
}
# expect NAME STATUS [jq filter...]: the last reply had STATUS and a JSON body for which every filter holds.
expect() {
    local name=$1 want=$2 why=()
    shift 2
    [ "$st" = "$want" ] || why+=("status $st, expected $want")
    for f in "$@"; do jq -e "$f" "$tmp/body" >/dev/null 2>&1 || why+=("false: $f"); done
    if [ ${#why[@]} -eq 0 ]; then ok "$name"; else not_ok "$name" "${why[@]}" "body: $(head -c 600 "$tmp/body")"; fi
}
submit() { # UUID ANSWERS: a resident's web answer; prints the receipt
    curl -s --max-time 20 -H 'Content-Type: application/json' --data-binary \
        "$(jq -cn --arg u "$1" --argjson a "$2" '{uuid: $u, form_version: "1", lang: "fr", answers: $a}')" \
        "$base/api/v1/forms/resident/submissions" | jq -r .receipt
}
export_csv() { # [QUERY]: the CSV export of the resident form
    curl -s --max-time 20 -H "Authorization: Bearer $admin" "$base/api/v1/forms/resident/submissions.csv${1:-}"
}
rows() { # FILE: data lines of a CSV
    echo $(($(wc -l <"$1") - 1))
}
# marker_count: occurrences of the marker in the database file and its WAL (binary files: grep -c counts lines)
marker_count() {
    local n=0 f c
    for f in "$db" "$db-wal"; do
        [ -f "$f" ] || continue
        c=$(grep -c -a -- "$marker" "$f")
        n=$((n + c))
    done
    echo "$n"
}

marker=zq-marqueur-rgpd-$$-$RANDOM
minimal='{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R17":"non"}'
with_marker=$(jq -c --arg m "$marker" '. + {R06: ["autre"], R06b: $m}' <<<"$minimal")
u1=5e1f0a2b-7c3d-4e5f-8a9b-0c1d2e3f4a01
u2=5e1f0a2b-7c3d-4e5f-8a9b-0c1d2e3f4a02
u3=5e1f0a2b-7c3d-4e5f-8a9b-0c1d2e3f4a03
u4=5e1f0a2b-7c3d-4e5f-8a9b-0c1d2e3f4a04
u5=5e1f0a2b-7c3d-4e5f-8a9b-0c1d2e3f4a05
unknown=5e1f0a2b-7c3d-4e5f-8a9b-0c1d2e3f4aff
r1=$(submit "$u1" "$with_marker")
submit "$u2" "$minimal" >/dev/null
submit "$u3" "$minimal" >/dev/null
check "three answers stored, receipt of the first: $r1" test "${#r1}" -eq 11

# ---- reading one submission ----------------------------------------------------------------------------------
req GET "/api/v1/submissions/$u1" "$admin"
expect "GET a submission (admin)" 200 ".uuid == \"$u1\" and .status == \"counted\" and .form_version == \"1\"" \
    ".answers.R06b == \"$marker\" and .receipt == \"$r1\" and .test == false and .excluded == null" \
    '.paper == null and .history == [] and .channel == "web" and .territory == "QN09399A"'
req GET "/api/v1/submissions/$u1" "$analyst"
expect "GET a submission (analyst, read-only)" 200 ".uuid == \"$u1\""
req GET "/api/v1/submissions/$u1" "$mediator"
expect "a mediator may not read a submission" 403
req GET "/api/v1/submissions/$u1" ""
expect "nobody may without credentials" 401
req GET "/api/v1/submissions/not-a-uuid" "$admin"
expect "an invalid uuid: 400 on field uuid" 400 '.code == "invalid_field" and .field == "uuid"'
req GET "/api/v1/submissions/$unknown" "$admin"
expect "an unknown uuid: 404 unknown_submission" 404 '.code == "unknown_submission" and .field == "uuid"'

# ---- corrections ---------------------------------------------------------------------------------------------
req PATCH "/api/v1/submissions/$u1" "$admin" '{"answers":{"R07":"mauvais"},"reason":"erreur de saisie"}'
expect "PATCH corrects one answer" 200 ".uuid == \"$u1\" and .status == \"counted\"" \
    '.changes == [{"question":"R07","before":"bon","after":"mauvais"}]'
req PATCH "/api/v1/submissions/$u1" "$admin" '{"answers":{"R07":"mauvais"},"reason":"encore"}'
expect "the same correction again: 409 unchanged" 409 '.code == "unchanged"'
req PATCH "/api/v1/submissions/$u1" "$analyst" '{"answers":{"R07":"bon"},"reason":"x"}'
expect "an analyst may not correct" 403
req PATCH "/api/v1/submissions/$u1" "$admin" '{"answers":{"R02":"999","R17":null},"reason":"essai"}'
expect "a correction that breaks the form: 422 with every error" 422 '.code == "invalid_answers"' \
    '[.errors[].question] | sort == ["R02", "R17"]' \
    '(.errors[] | select(.question == "R02") | .code) == "invalid_choice"' \
    '(.errors[] | select(.question == "R17") | .code) == "required"'
long=$(head -c 501 /dev/zero | tr '\0' 'a')
req PATCH "/api/v1/submissions/$u1" "$admin" "{\"answers\":{\"R07\":\"bon\"},\"reason\":\"$long\"}"
expect "a reason of 501 characters: 400 on reason" 400 '.code == "invalid_field" and .field == "reason"' \
    '.message | test("501")'
req PATCH "/api/v1/submissions/$u1" "$admin" '{"answers":{"R07":"bon"}}'
expect "no reason: 400 missing_field" 400 '.code == "missing_field" and .field == "reason"'
req PATCH "/api/v1/submissions/$u1" "$admin" '{"answers":{"R07":"bon"},"reason":"x","status":"ok"}'
expect "an unknown member: 400 unknown_field" 400 '.code == "unknown_field" and .field == "status"'
req PATCH "/api/v1/submissions/$unknown" "$admin" '{"answers":{"R07":"bon"},"reason":"x"}'
expect "correcting an unknown uuid: 404" 404 '.code == "unknown_submission"'
req GET "/api/v1/submissions/$u1" "$admin"
expect "the history keeps who, when, why and what changed" 200 '.answers.R07 == "mauvais"' \
    '.history | length == 1' '.history[0].actor == "coordinatrice" and .history[0].reason == "erreur de saisie"' \
    '.history[0].action == "correct" and (.history[0].at | test("^[0-9-]{10}T"))' \
    '.history[0].changes == [{"question":"R07","before":"bon","after":"mauvais"}]'
export_csv >"$tmp/e1.csv"
col=$(head -1 "$tmp/e1.csv" | tr ',' '\n' | grep -nx R07 | cut -d: -f1)
check "the export shows the corrected answer" test "$(grep "^$u1," "$tmp/e1.csv" | cut -d, -f"$col")" = mauvais
# the territory column follows the territory answer
req PATCH "/api/v1/submissions/$u2" "$admin" '{"answers":{"R01":"QN09399B"},"reason":"quartier mal saisi"}'
expect "a correction of the territory" 200 '.changes[0].question == "R01"'
check "the territory column follows" test "$(sqlite3 "$db" "SELECT territory FROM submissions WHERE uuid = '$u2'")" = QN09399B
check "and its count moves (stats_tally)" test "$(sqlite3 "$db" "SELECT group_concat(territory || ':' || n) FROM stats_tally WHERE form_id = 'resident' ORDER BY territory")" = "QN09399A:2,QN09399B:1"

# ---- exclusion -----------------------------------------------------------------------------------------------
req POST "/api/v1/submissions/$u3/exclude" "$admin" '{"reason":"doublon"}'
expect "exclude" 200 ".uuid == \"$u3\" and .status == \"excluded\""
req POST "/api/v1/submissions/$u3/exclude" "$admin" '{"reason":"doublon"}'
expect "exclude again: 409 unchanged" 409 '.code == "unchanged"'
req POST "/api/v1/submissions/$u3/exclude" "$admin" '{}'
expect "exclude without a reason: 400" 400 '.field == "reason"'
export_csv >"$tmp/e2.csv"
check "an excluded answer is out of the export" test "$(grep -c "^$u3," "$tmp/e2.csv")" = 0
export_csv '?include=excluded' >"$tmp/e3.csv"
check "?include=excluded brings it back with the columns excluded and test" \
    bash -c "head -1 '$tmp/e3.csv' | grep -q ',excluded,test.\$' && grep '^$u3,' '$tmp/e3.csv' | grep -q ',1,0.\$'"
curl -s -H "Authorization: Bearer $admin" "$base/api/v1/forms/resident/submissions.jsonl?include=excluded,test" >"$tmp/e3.jsonl"
check "JSONL with include: the flags on each row" jq -e -s "map(select(.uuid == \"$u3\"))[0] | .excluded == true and .test == false" "$tmp/e3.jsonl"
req GET "/api/v1/forms/resident/submissions.csv?include=everything" "$admin"
expect "?include= with an unknown value: 400" 400 '.field == "include"'
"$an" export --db "$db" --forms "$forms" --form resident -o "$tmp/a1.csv" 2>/dev/null
"$an" export --db "$db" --forms "$forms" --form resident --include-excluded -o "$tmp/a2.csv" 2>/dev/null
check "the analyzer leaves the excluded answer out, --include-excluded brings it in" \
    test "$(rows "$tmp/a1.csv") $(rows "$tmp/a2.csv")" = "2 3"
req POST "/api/v1/submissions/$u3/include" "$admin" '{"reason":"pas un doublon"}'
expect "include" 200 '.status == "counted"'
req POST "/api/v1/submissions/$unknown/include" "$admin" '{"reason":"x"}'
expect "include an unknown uuid: 404" 404 '.code == "unknown_submission"'

# ---- test mode -----------------------------------------------------------------------------------------------
req POST /api/v1/campaign/test "$admin" '{"on":true}'
expect "test mode on" 200 '.test_mode == true'
req POST /api/v1/campaign/test "$admin" '{"on":"yes"}'
expect "test mode takes a boolean" 400 '.field == "on"'
submit "$u4" "$minimal" >/dev/null
req GET "/api/v1/submissions/$u4" "$admin"
expect "an answer received in test mode is a test" 200 '.status == "test" and .test == true'
req GET /api/v1/campaign "$analyst"
expect "GET /api/v1/campaign shows the tests apart" 200 '.test_mode == true and .tests == 1 and .excluded == 0'
check "a test is out of the export" test "$(export_csv | grep -c "^$u4,")" = 0
check "?include=test brings it back" test "$(export_csv '?include=test' | grep -c "^$u4,")" = 1
"$an" export --db "$db" --forms "$forms" --form resident --include-tests -o "$tmp/a3.csv" 2>/dev/null
check "the analyzer: --include-tests brings it in" test "$(rows "$tmp/a3.csv")" = 4
req POST /api/v1/campaign/purge-tests "$admin" '{"reason":"fin de la formation"}'
expect "purge the tests" 200 '.purged == 1'
req GET "/api/v1/submissions/$u4" "$admin"
expect "a purged test is gone" 404
check "test mode off from the command line" "$bin" campaign test off --db "$db"
req GET /api/v1/campaign "$admin"
expect "and the API sees it" 200 '.test_mode == false and .tests == 0'

# ---- erasure -------------------------------------------------------------------------------------------------
before=$(marker_count)
check "before the erasure the marker is in the files ($before)" test "$before" -gt 0
req POST /api/v1/erasure "$admin" "{\"receipt\":\"$(tr 'A-Z' 'a-z' <<<"$r1")\"}"
expect "erasure by receipt (typed in lower case)" 200 '.erased == true'
wal_size=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
[ "$wal_size" = 0 ] && ok "the WAL is truncated after the erasure" ||
    not_ok "the WAL is truncated after the erasure" "$wal_size bytes" "$(cat "$tmp/collector.err")"
check "no trace of the marker in the database and its WAL" test "$(marker_count)" = 0
req GET "/api/v1/submissions/$u1" "$admin"
expect "the erased answer is gone" 404 '.code == "unknown_submission"'
req POST /api/v1/erasure "$admin" "{\"receipt\":\"$r1\"}"
expect "the same receipt again: 404 unknown_receipt" 404 '.code == "unknown_receipt" and .field == "receipt"'
req POST /api/v1/erasure "$admin" '{"reason":"x"}'
expect "erasure without a receipt: 400" 400 '.code == "missing_field" and .field == "receipt"'
# an erasure while a reader holds an older snapshot (an export being streamed): the reply waits for the
# checkpoint, the loop does not (another request is served meanwhile), and the WAL ends empty all the same
u6=5e1f0a2b-7c3d-4e5f-8a9b-0c1d2e3f4a06
r6=$(submit "$u6" "$with_marker")
python3 - "$db" 2 >"$tmp/reader.out" 2>&1 <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN")
print(c.execute("SELECT count(*) FROM submissions").fetchone()[0], flush=True)
time.sleep(float(sys.argv[2]))
c.execute("COMMIT")
PY
reader=$!
for _ in $(seq 50); do [ -s "$tmp/reader.out" ] && break; sleep 0.05; done
t0=$(date +%s%N)
req POST /api/v1/erasure "$admin" "{\"receipt\":\"$r6\",\"reason\":\"demande au guichet\"}" &
eraser=$!
sleep 0.5
t1=$(date +%s%N)
hz=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/healthz")
t2=$(date +%s%N)
wait "$eraser"
t3=$(date +%s%N)
wait "$reader"
check "while the checkpoint waits for a reader, the loop still serves ($hz in $(((t2 - t1) / 1000000)) ms)" \
    test "$hz" = 200 -a $(((t2 - t1) / 1000000)) -lt 500
check "the erasure's reply waited for the reader ($(((t3 - t0) / 1000000)) ms)" test $(((t3 - t0) / 1000000)) -ge 1500
check "and the WAL is empty, the marker gone" test "$(stat -c %s "$db-wal" 2>/dev/null || echo 0) $(marker_count)" = "0 0"
req DELETE "/api/v1/submissions/$u2" "$admin"
expect "DELETE without a body: 400 missing reason" 400 '.code == "missing_field" and .field == "reason"' 
req DELETE "/api/v1/submissions/$u2" "$admin" '{"reason":"la personne l a demandé au médiateur"}'
expect "DELETE with a reason" 200 '.erased == true'
req DELETE "/api/v1/submissions/$u2" "$admin" '{"reason":"encore"}'
expect "DELETE again: 404" 404 '.code == "unknown_submission"'

# ---- the audit -----------------------------------------------------------------------------------------------
req GET /api/v1/audit "$analyst"
expect "GET /api/v1/audit: every action, in order" 200 \
    '[.entries[].action] | index("correct") and index("exclude") and index("include") and index("test_mode") and
      index("purge_tests") and index("erase") and index("export") and index("token_create")' \
    '[.entries[].id] | . == sort' \
    '[.entries[] | select(.action == "correct")] | length == 2' \
    '[.entries[] | select(.action == "erase")] | length == 3 and all(.target == null and .detail == null)' \
    '[.entries[] | select(.action == "erase")][1].reason == "demande au guichet"' \
    '[.entries[] | select(.action == "erase")][0].reason == "demande de la personne (RGPD)"' \
    '[.entries[] | select(.action == "erase")][0].actor_name == "coordinatrice"' \
    '[.entries[] | select(.action == "export")][0] | .target == "resident" and .detail.format == "csv"'
check "nothing of the erased answer in the audit (receipt, marker)" \
    bash -c "! grep -q -e '$r1' -e '$marker' '$tmp/body'"
first=$(jq '.entries[0].id' "$tmp/body")
req GET "/api/v1/audit?after=$first&limit=2" "$admin"
expect "paging the audit" 200 ".entries | length == 2 and .[0].id > $first"
req GET "/api/v1/audit?limit=0" "$admin"
expect "a bad limit: 400" 400 '.field == "limit"'
req GET /api/v1/audit "$mediator"
expect "a mediator may not read the audit" 403
code=$(curl -s -o "$tmp/audit.csv" -w '%{http_code} %{content_type}' -H "Authorization: Bearer $admin" "$base/api/v1/audit.csv")
check "GET /api/v1/audit.csv" bash -c "[ '$code' = '200 text/csv; charset=utf-8' ] &&
    head -1 '$tmp/audit.csv' | grep -q '^numero,date,acteur_id,acteur,action,cible,motif,detail' &&
    grep -q ',coordinatrice,erase,,' '$tmp/audit.csv'"
check "the audit refuses UPDATE and DELETE (append-only)" \
    bash -c "! sqlite3 '$db' 'DELETE FROM audit' 2>/dev/null && ! sqlite3 '$db' \"UPDATE audit SET reason = 'x'\" 2>/dev/null"

stop_collector && ok "the collector stops cleanly" || not_ok "the collector stops cleanly" "$(tail -5 "$tmp/collector.err")"
check "after it stopped, still no trace of the marker" test "$(marker_count)" = 0
grep -q "effacement enregistré, mais" "$tmp/collector.err" && not_ok "a checkpoint failed" "$(cat "$tmp/collector.err")"

# ---- the command line ----------------------------------------------------------------------------------------
start_collector "$bin" "$db" "$forms"
submit "$u5" "$with_marker" >/dev/null
r5=$(sqlite3 "$db" "SELECT receipt FROM submissions WHERE uuid = '$u5'")
stop_collector
check "submissions show" bash -c "'$bin' submissions show '$u5' --db '$db' | jq -e '.status == \"counted\"'"
check "submissions correct" bash -c "'$bin' submissions correct '$u5' --set R07='\"mauvais\"' --set R02=16-24 \
    --reason 'relu avec la personne' --db '$db' --forms '$forms' | grep -q '^R07 : \"bon\" -> \"mauvais\"'"
check "a correction that breaks the form is refused, naming the question" bash -c "
    ! '$bin' submissions correct '$u5' --set R17=null --reason x --db '$db' --forms '$forms' 2>'$tmp/cli.err' &&
    grep -q 'R17' '$tmp/cli.err'"
check "submissions correct without --reason: usage" bash -c "
    '$bin' submissions correct '$u5' --set R07='\"bon\"' --db '$db'; [ \$? -eq 2 ]"
check "submissions exclude / include" bash -c "'$bin' submissions exclude '$u5' --reason doublon --db '$db' &&
    ! '$bin' submissions exclude '$u5' --reason doublon --db '$db' 2>/dev/null &&
    '$bin' submissions include '$u5' --reason erreur --db '$db'"
check "campaign test on / status" bash -c "'$bin' campaign test on --db '$db' 2>/dev/null &&
    '$bin' campaign test status --db '$db' | grep -q 'mode test : activé' && '$bin' campaign test off --db '$db'"
check "campaign purge-tests" bash -c "'$bin' campaign purge-tests --reason fin --db '$db' | grep -q '^0 réponse'"
check "before the erasure from the command line, the marker is there" test "$(marker_count)" -gt 0
check "submissions erase --receipt" "$bin" submissions erase --receipt "$r5" --db "$db"
check "no trace of the marker after it" test "$(marker_count)" = 0
check "an unknown receipt: exit 1" bash -c "'$bin' submissions erase --receipt '$r5' --db '$db' 2>/dev/null; [ \$? -eq 1 ]"
check "collector audit lists the command line's actions" bash -c "
    '$bin' audit --db '$db' | grep -P '\tligne de commande\tcorrect\t$u5\trelu avec la personne' &&
    '$bin' audit --db '$db' | grep -qP '\tligne de commande\terase\t-\tdemande de la personne \(RGPD\)\t-$' &&
    '$bin' audit --csv --db '$db' | head -1 | grep -q '^numero,date'"
check "submissions delete of an unknown uuid: exit 1" bash -c "
    '$bin' submissions delete '$unknown' --reason x --db '$db' 2>/dev/null; [ \$? -eq 1 ]"
check "no sanitizer report" sanitizer_clean
finish
