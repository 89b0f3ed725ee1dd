#!/usr/bin/env bash
# Black-box test of `collector serve` and its tools: starts the real binary on a temporary database (port 0),
# drives every API route and every status the API promises with curl, reads the database with sqlite3 to check
# what is (and is not) stored, and stops the service with SIGTERM. Needs curl, jq and sqlite3 (scripts/setup).
# Usage: collector_api.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { # name, details...
    fail=$((fail + 1))
    echo "not ok - $1"
    shift
    for d in "$@"; do echo "  $d"; done
}

# Starts `collector serve` on database $1 with extra flags; sets srv_pid, srv_port and base (the URL prefix).
# Its stdout goes to $tmp/serve.N.out and its stderr (the access log) to $tmp/serve.N.err.
nserve=0
serve() {
    local db=$1
    shift
    nserve=$((nserve + 1))
    srv_out=$tmp/serve.$nserve.out
    srv_err=$tmp/serve.$nserve.err
    "$bin" serve --db "$db" --forms "$src/forms" --listen 127.0.0.1:0 "$@" >"$srv_out" 2>"$srv_err" &
    srv_pid=$!
    pids+=("$srv_pid")
    srv_port=
    for _ in $(seq 100); do # up to 10 s: the sanitizer build starts slowly
        srv_port=$(sed -n '1s/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$srv_out")
        [ -n "$srv_port" ] && break
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.1
    done
    base=http://127.0.0.1:$srv_port
    [ -n "$srv_port" ]
}

# req METHOD PATH [curl arguments...]: sets st (the status), and leaves the body in $tmp/body and the headers
# in $tmp/hdr.
req() {
    local m=$1 p=$2
    shift 2
    local how=(-X "$m")
    [ "$m" = HEAD ] && how=(-I)
    st=$(curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time 20 "${how[@]}" "$@" "$base$p")
}

post() { # FORM_ID BODY [curl arguments...]: a submission
    local f=$1 b=$2
    shift 2
    req POST "/api/v1/forms/$f/submissions" -H 'Content-Type: application/json' --data-binary "$b" "$@"
}

header() { # NAME: the value of a response header of the last request
    tr -d '\r' <"$tmp/hdr" | sed -n "s/^$1: //Ip" | tail -n 1
}

# expect NAME STATUS [jq filter...]: the last request answered STATUS, with a JSON body for which every filter
# is true. An error status (>= 400) also needs the error shape {"code","message","field"?} and a JSON type.
expect() {
    local name=$1 want=$2
    shift 2
    local why=()
    [ "$st" = "$want" ] || why+=("status $st, expected $want")
    if ! jq -e . "$tmp/body" >/dev/null 2>&1; then
        why+=("body is not JSON")
    else
        if [ "$want" -ge 400 ]; then
            jq -e '(.code | type == "string") and (.message | type == "string") and
                   ((has("field") | not) or (.field | type == "string"))' "$tmp/body" >/dev/null ||
                why+=("not an error object {code, message, field?}")
            header Content-Type | grep -q '^application/json' || why+=("error Content-Type: $(header Content-Type)")
        fi
        for f in "$@"; do
            jq -e "$f" "$tmp/body" >/dev/null 2>&1 || why+=("false: $f")
        done
    fi
    if [ ${#why[@]} -eq 0 ]; then ok "$name"; else not_ok "$name" "${why[@]}" "body: $(head -c 600 "$tmp/body")"; fi
}

# check NAME COMMAND...: passes when the command succeeds.
check() {
    local name=$1
    shift
    if "$@" >"$tmp/check.out" 2>&1; then ok "$name"; else not_ok "$name" "$(head -c 600 "$tmp/check.out")"; fi
}

sub() { # UUID ANSWERS [extra envelope fields as JSON object]: a resident submission body
    local extra='{}'
    [ $# -ge 3 ] && extra=$3
    jq -cn --arg u "$1" --argjson a "$2" --argjson x "$extra" \
        '{uuid: $u, form_version: "1", lang: "fr", channel: "web", started_at: "2024-05-01T10:12:33+02:00",
          answers: $a} + $x'
}

minimal='{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R17":"non"}'
u1=0b6f3c1e-4d2a-4c8e-9f10-2a7d5e6b8c01
u2=0b6f3c1e-4d2a-4c8e-9f10-2a7d5e6b8c02
u3=0b6f3c1e-4d2a-4c8e-9f10-2a7d5e6b8c03
u4=0b6f3c1e-4d2a-4c8e-9f10-2a7d5e6b8c04
ubad=0b6f3c1e-4d2a-4c8e-9f10-2a7d5e6b8c99
db=$tmp/collector.db

# ---- start -------------------------------------------------------------------------------------------------

if ! serve "$db"; then
    not_ok "collector serve starts and prints its address" "$(cat "$srv_out" "$srv_err")"
    echo "$pass passed, $((fail + 1)) failed"
    exit 1
fi
main_pid=$srv_pid
main_err=$srv_err
ok "collector serve starts on port 0 and prints 'listening on 127.0.0.1:$srv_port'"

# ---- reading the definitions ---------------------------------------------------------------------------------

req GET /healthz
expect "GET /healthz" 200 '.status == "ok"'
req HEAD /healthz
if [ "$st" = 200 ]; then ok "HEAD /healthz"; else not_ok "HEAD /healthz" "status $st"; fi

req GET /api/v1/forms
expect "GET /api/v1/forms lists both forms with their versions" 200 \
    '[.forms[].id] | sort == ["operator", "resident"]' \
    '.forms[] | select(.id == "resident") | .version == "3" and .versions == ["1", "2", "3"] and (.languages | index("fr"))'
req GET /api/v1/forms/resident
expect "GET /api/v1/forms/resident (the current version)" 200 '.id == "resident"' '.version == "3"' '.sections | length > 0'
req GET /api/v1/forms/resident/versions/1
expect "GET /api/v1/forms/resident/versions/1" 200 '.id == "resident" and .version == "1"'
req GET /api/v1/forms/nope
expect "GET an unknown form: 404" 404 '.code == "unknown_form"'
req GET /api/v1/forms/resident/versions/99
expect "GET an unknown version: 404" 404 '.code == "unknown_form_version"' '.field == "form_version"'
req GET /api/v1/territories
expect "GET /api/v1/territories" 200 '[.territories[].code] | index("QN09399A")' \
    '.territories[] | select(.code == "QN09399A") | .kind == "qpv"' \
    '.territories[] | select(.code == "QN09399A") | .name == .names.fr and (.names.ar | length > 0)'
req GET /api/v1/stats
expect "GET /api/v1/stats on an empty database: every form at 0, every territory hidden" 200 '.min_n == 11' \
    '[.forms[].count] == [0, 0]' '[.forms[].territories[].count] | all(. == null)'
req GET /nowhere
expect "unknown path: 404 in JSON" 404 '.code == "not_found"'

# ---- methods -------------------------------------------------------------------------------------------------

req DELETE /api/v1/forms
expect "DELETE /api/v1/forms: 405" 405 '.code == "method_not_allowed"'
allow=$(header Allow)
if [ "$allow" = "GET, HEAD" ]; then ok "405 names the allowed methods (Allow: $allow)"; else
    not_ok "405 names the allowed methods" "Allow: '$allow'"; fi
req GET /api/v1/forms/resident/submissions
expect "GET on the submissions route: 405" 405 '.code == "method_not_allowed"'
allow=$(header Allow)
if [ "$allow" = "POST" ]; then ok "405 on submissions says Allow: POST"; else
    not_ok "405 on submissions says Allow: POST" "Allow: '$allow'"; fi
req POST /api/v1/forms/resident/submissions.csv -H 'Content-Type: application/json' --data-binary '{}'
expect "POST on the CSV export: 405" 405 '.code == "method_not_allowed"'

# ---- submissions ---------------------------------------------------------------------------------------------

body1=$(sub "$u1" "$minimal")
post resident "$body1"
expect "valid submission: 201 with uuid and receipt" 201 ".uuid == \"$u1\"" \
    '.receipt | test("^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")'
receipt1=$(jq -r .receipt "$tmp/body")

post resident "$body1"
expect "same uuid, same body: 200 with the same receipt" 200 ".uuid == \"$u1\"" ".receipt == \"$receipt1\""

# The same content with its keys in another order and other spacing is the same submission.
reordered=$(jq -n --argjson b "$body1" '{answers: ($b.answers | to_entries | reverse | from_entries)} + ($b | del(.answers))')
post resident "$reordered"
expect "same uuid, same content reordered: 200 with the same receipt" 200 ".receipt == \"$receipt1\""

post resident "$(sub "$u1" '{"R01":"QN09399A","R02":"40-54","R03":"femme","R07":"bon","R17":"non"}')"
expect "same uuid, other answers: 409" 409 '.code == "uuid_conflict"' '.field == "uuid"'

post resident "$(sub "$u2" "$minimal" '{"lang":"en","channel":"mediator"}')"
expect "a second submission (mediator channel, English)" 201 ".uuid == \"$u2\""

# Skip logic: R14 is asked only when R13 = 'non'. (R13's "yes" answers are oui_quartier, oui_commune, ...)
skip_ok=$(jq -cn --argjson a "$minimal" '$a + {R13: "non", R14: "medecin_parti"}')
post resident "$(sub "$u3" "$skip_ok")"
expect "R14 answered when R13 = 'non': 201" 201
skip_bad=$(jq -cn --argjson a "$minimal" '$a + {R13: "oui_quartier", R14: "medecin_parti"}')
post resident "$(sub "$ubad" "$skip_bad")"
expect "R14 answered when R13 = 'oui_quartier': 422 not_relevant" 422 '.code == "invalid_answers"' \
    '.errors | length == 1' '.errors[0] | .question == "R14" and .code == "not_relevant" and (.message | length > 0)'

# Grid and multiple answers, so that the exports have something in their grid columns.
rich=$(jq -cn --argjson a "$minimal" '$a + {R06: ["francais", "arabe"], R23: {pmi: "connu_utilise", cpam: "connu"}}')
post resident "$(sub "$u4" "$rich")"
expect "grid and multiple-choice answers: 201" 201

several='{"R01":"QN09399A","R02":"99","R07":"bon","R17":"non","R06":"francais","R13":"oui_quartier","R14":"autre","ZZ":1}'
post resident "$(sub "$ubad" "$several")"
expect "invalid answers: 422 listing every error with its code" 422 '.code == "invalid_answers"' \
    '[.errors[] | select(.question == "R02")][0].code == "invalid_choice"' \
    '[.errors[] | select(.question == "R03")][0].code == "required"' \
    '[.errors[] | select(.question == "R06")][0].code == "invalid_type"' \
    '[.errors[] | select(.question == "R14")][0].code == "not_relevant"' \
    '[.errors[] | select(.question == "ZZ")][0].code == "unknown_question"' \
    '.errors | length == 5' '[.errors[] | (.message | type == "string")] | all'

post resident '{"uuid": "'"$ubad"'", "form_version": '
expect "malformed JSON: 400" 400 '.code == "invalid_json"'
post resident '["not", "an", "object"]'
expect "JSON that is not an object: 400" 400 '.code == "invalid_json"'
post resident "$(sub "$ubad" "$minimal" | jq -c 'del(.uuid)')"
expect "missing uuid: 400" 400 '.code == "missing_field"' '.field == "uuid"'
post resident "$(sub "not-a-uuid" "$minimal")"
expect "invalid uuid: 400" 400 '.code == "invalid_field"' '.field == "uuid"'
post resident "$(sub "$ubad" "$minimal" '{"ip":"1.2.3.4"}')"
expect "unknown envelope field: 400" 400 '.code == "unknown_field"' '.field == "ip"'
post resident "$(sub "$ubad" "$minimal" '{"channel":"paper"}')"
expect "invalid channel: 400" 400 '.code == "invalid_field"' '.field == "channel"'
post nope "$(sub "$ubad" "$minimal")"
expect "unknown form: 404" 404 '.code == "unknown_form"'
post resident "$(sub "$ubad" "$minimal" '{"form_version":"99"}')"
expect "unknown form version: 404" 404 '.code == "unknown_form_version"' '.field == "form_version"'
req POST /api/v1/forms/resident/submissions -H 'Content-Type: text/plain' --data-binary "$(sub "$ubad" "$minimal")"
expect "wrong content type: 415" 415 '.code == "unsupported_media_type"'
req POST /api/v1/forms/resident/submissions --data-binary "$(sub "$ubad" "$minimal")" -H 'Content-Type:'
expect "no content type: 415" 415 '.code == "unsupported_media_type"'

# 300 KB: over the default --max-body (256 KiB). A long free-text answer keeps it a plausible submission.
head -c 307200 /dev/zero | tr '\0' 'a' >"$tmp/long.txt"
jq -cn --arg u "$ubad" --rawfile t "$tmp/long.txt" \
    '{uuid: $u, form_version: "1", answers: {R01: "QN09399A", R02: "25-39", R03: "femme", R07: "bon", R17: "non",
      R39: $t}}' >"$tmp/big.json"
req POST /api/v1/forms/resident/submissions -H 'Content-Type: application/json' --data-binary "@$tmp/big.json"
expect "300 KB body: 413 in JSON" 413 '.code == "body_too_large"'

req GET /healthz
expect "the service still answers after the errors" 200

# ---- tokens and exports --------------------------------------------------------------------------------------

analyst=$("$bin" token add --db "$db" --role analyst --name analyste-test 2>"$tmp/token.err")
st_a=$?
mediator=$("$bin" token add --db "$db" --role mediator --name mediatrice-test 2>>"$tmp/token.err")
st_m=$?
if [ $st_a -eq 0 ] && [ $st_m -eq 0 ] && [[ $analyst =~ ^ds_[A-Za-z0-9_-]{43}$ ]] && [[ $mediator =~ ^ds_ ]]; then
    ok "token add prints a token for an analyst and a mediator"
else
    not_ok "token add prints a token" "status $st_a/$st_m, stdout '$analyst' '$mediator'" "$(cat "$tmp/token.err")"
fi
"$bin" token list --db "$db" >"$tmp/tokens" 2>&1
if [ $? -eq 0 ] && grep -q $'^1\tanalyst\tanalyste-test\t.*\t-$' "$tmp/tokens" &&
    grep -q $'^2\tmediator\tmediatrice-test\t' "$tmp/tokens" && ! grep -q 'ds_' "$tmp/tokens"; then
    ok "token list shows both tokens, active, without their secrets"
else
    not_ok "token list" "$(cat "$tmp/tokens")"
fi

csv=/api/v1/forms/resident/submissions.csv
jsonl=/api/v1/forms/resident/submissions.jsonl
req GET $csv
expect "CSV export without a token: 401" 401 '.code == "unauthorized"'
if header WWW-Authenticate | grep -q '^Bearer'; then ok "401 carries WWW-Authenticate: Bearer"; else
    not_ok "401 carries WWW-Authenticate: Bearer" "$(cat "$tmp/hdr")"; fi
req GET $csv -H "Authorization: Bearer ds_not_a_real_token"
expect "CSV export with an unknown token: 401" 401 '.code == "unauthorized"'
req GET $jsonl -H "Authorization: Bearer $mediator"
expect "JSONL export with a mediator token: 403" 403 '.code == "forbidden"'
req GET $csv -H "Authorization: Bearer $mediator"
expect "CSV export with a mediator token: 403" 403 '.code == "forbidden"'
req GET /api/v1/forms/nope/submissions.csv -H "Authorization: Bearer $analyst"
expect "CSV export of an unknown form: 404" 404 '.code == "unknown_form"'

req GET $csv -H "Authorization: Bearer $analyst"
tr -d '\r' <"$tmp/body" >"$tmp/export.csv"
why=()
[ "$st" = 200 ] || why+=("status $st")
header Content-Type | grep -q '^text/csv' || why+=("Content-Type $(header Content-Type)")
head -n 1 "$tmp/export.csv" |
    grep -q '^uuid,form_version,territory,territory_name,channel,lang,received_at,paper_id,R01,R02,R03,' ||
    why+=("header: $(head -n 1 "$tmp/export.csv" | cut -c 1-120)")
head -n 1 "$tmp/export.csv" | tr ',' '\n' | grep -qx 'R23_pmi' || why+=("no R23_pmi column")
head -n 1 "$tmp/export.csv" | grep -q ',poids,score_epices$' || why+=("no weight and score columns at the end")
[ "$(wc -l <"$tmp/export.csv")" -eq 5 ] || why+=("$(wc -l <"$tmp/export.csv") lines, expected header + 4")
grep -q "^$u2,1,QN09399A,Les Tilleuls,mediator,en,[0-9-]*T[0-9][0-9]:[0-9][0-9]Z,,QN09399A,25-39,femme," "$tmp/export.csv" ||
    why+=("no row for $u2 with its metadata")
# cell NAME UUID: the cell of column NAME in UUID's row.
cell() {
    local c
    c=$(head -n 1 "$tmp/export.csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1)
    [ -n "$c" ] && grep "^$2," "$tmp/export.csv" | cut -d, -f"$c"
}
# The R23_pmi cell of u4's row holds its grid answer; R06 is one 0/1 column per choice, both ticked, none else.
[ "$(cell R23_pmi "$u4")" = connu_utilise ] || why+=("R23_pmi of $u4 is not connu_utilise")
[ "$(cell R06_francais "$u4")/$(cell R06_arabe "$u4")/$(cell R06_turc "$u4")" = 1/1/0 ] ||
    why+=("R06_francais/arabe/turc of $u4: $(cell R06_francais "$u4")/$(cell R06_arabe "$u4")/$(cell R06_turc "$u4")")
[ "$(cell R06_francais "$u2")" = "" ] || why+=("R06_francais of $u2, who did not answer R06, is not empty")
if [ ${#why[@]} -eq 0 ]; then ok "CSV export with an analyst token: header, grid columns, one row each"; else
    not_ok "CSV export with an analyst token" "${why[@]}"; fi

req GET $jsonl -H "Authorization: Bearer $analyst"
why=()
[ "$st" = 200 ] || why+=("status $st")
[ "$(wc -l <"$tmp/body")" -eq 4 ] || why+=("$(wc -l <"$tmp/body") lines, expected 4")
n=0
while IFS= read -r line; do
    n=$((n + 1))
    jq -e '(.uuid | type == "string") and .form_version == "1" and (.answers | type == "object") and
           (.received_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}Z$"))' <<<"$line" >/dev/null 2>&1 ||
        why+=("line $n: $line")
done <"$tmp/body"
jq -se --arg u "$u4" '[.[] | select(.uuid == $u)][0].answers.R23.pmi == "connu_utilise"' "$tmp/body" >/dev/null 2>&1 ||
    why+=("$u4 has not its grid answer")
if [ ${#why[@]} -eq 0 ]; then ok "JSONL export: every line parses with jq, one per submission"; else
    not_ok "JSONL export" "${why[@]}"; fi

"$bin" token revoke --db "$db" --id 1 >"$tmp/revoke" 2>&1
st_r=$?
"$bin" token list --db "$db" >"$tmp/tokens" 2>&1
if [ $st_r -eq 0 ] && grep -q $'^1\tanalyst\tanalyste-test\t.*\t[0-9-]*T[0-9:]*Z$' "$tmp/tokens"; then
    ok "token revoke, then token list shows when"
else
    not_ok "token revoke" "status $st_r" "$(cat "$tmp/revoke" "$tmp/tokens")"
fi
"$bin" token revoke --db "$db" --id 1 >"$tmp/revoke" 2>&1
st_r=$?
if [ $st_r -eq 1 ]; then ok "revoking a revoked token fails (status 1)"; else
    not_ok "revoking a revoked token fails" "status $st_r" "$(cat "$tmp/revoke")"; fi
req GET $csv -H "Authorization: Bearer $analyst"
expect "CSV export with a revoked token: 401" 401 '.code == "unauthorized"'

# ---- what is stored, and what is logged ----------------------------------------------------------------------

req GET /api/v1/stats
expect "public stats: 4 answers are fewer than 11, in the form's count and its territory's; no breakdown" 200 \
    '.forms[] | select(.form == "resident") | .count == null and .suppressed == "primary" and .fewer_than == 11' \
    '.forms[] | select(.form == "resident") | .territories[] | select(.territory == "QN09399A") |
     .count == null and .suppressed == "primary" and .name == "Les Tilleuls" and .target == 300' \
    '[.. | objects | select(has("by_channel") or has("by_lang") or has("by_day"))] == []'
admin_t=$("$bin" token add --db "$db" --role admin --name admin-test 2>/dev/null)
req GET /api/v1/stats/detail -H "Authorization: Bearer $admin_t"
expect "detailed stats with an admin token count what was stored" 200 '.total == 4' \
    '.forms[] | select(.form == "resident") | .count == 4 and .by_channel.mediator == 1 and .by_lang.en == 1' \
    '.forms[] | select(.form == "resident") | .by_territory[] | select(.territory == "QN09399A") | .count == 4' \
    '.forms[] | select(.form == "operator") | .count == 0 and .by_territory == [] and .target == 51' \
    '.forms[] | select(.form == "resident") | .target == 1550'
req GET /api/v1/stats/detail
expect "detailed stats without a token: 401" 401 '.code == "unauthorized"'
req GET /api/v1/stats/detail -H "Authorization: Bearer $mediator"
expect "detailed stats with a mediator token: 403" 403 '.code == "forbidden"'

count=$(sqlite3 "$db" 'SELECT count(*) FROM submissions')
if [ "$count" = 4 ]; then ok "the database holds the 4 accepted submissions"; else
    not_ok "the database holds the 4 accepted submissions" "count: $count"; fi

sqlite3 "$db" .dump >"$tmp/dump.sql"
if [ -s "$tmp/dump.sql" ] && ! grep -q '127\.0\.0\.1\|localhost\|curl/' "$tmp/dump.sql" &&
    ! grep -aq '127\.0\.0\.1' "$db" "$db-wal" 2>/dev/null; then
    ok "no IP address or user agent anywhere in the database"
else
    not_ok "no IP address or user agent anywhere in the database" "$(grep -n '127\.0\.0\.1\|localhost\|curl/' "$tmp/dump.sql")"
fi

bad_times=$(sqlite3 "$db" "SELECT count(*) FROM submissions WHERE received_at NOT GLOB
    '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]Z'
    OR (started_at IS NOT NULL AND started_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]Z')")
started=$(sqlite3 "$db" "SELECT started_at FROM submissions WHERE uuid = '$u1'")
if [ "$bad_times" = 0 ] && [ "$started" = 2024-05-01T08:12Z ]; then  # 10:12:33+02:00, in UTC
    ok "received_at and started_at are kept to the minute, in UTC"
else
    not_ok "received_at and started_at are kept to the minute" "$bad_times finer times; started_at '$started'"
fi

# Backup while the service runs.
"$bin" backup --db "$db" "$tmp/backup.db" >"$tmp/backup.out" 2>&1
st_b=$?
bcount=$(sqlite3 "$tmp/backup.db" 'SELECT count(*) FROM submissions' 2>&1)
if [ $st_b -eq 0 ] && [ "$bcount" = "$count" ]; then ok "backup of the live database has the same $count rows"; else
    not_ok "backup" "status $st_b, backup count '$bcount', live '$count'" "$(cat "$tmp/backup.out")"; fi

# ---- rate limit, on a second instance ------------------------------------------------------------------------

if serve "$tmp/limited.db" --rate-limit 0.01 --burst 3 --quiet; then  # no refill during the test, however slow
    codes=
    for _ in 1 2 3 4 5; do
        req GET /api/v1/forms
        codes="$codes $st"
    done
    retry=$(header Retry-After)
    expect "over the rate limit: 429 in JSON" 429 '.code == "rate_limited"'
    if [ "$codes" = " 200 200 200 429 429" ] && [[ $retry =~ ^[1-9][0-9]*$ ]]; then
        ok "a burst of 3 passes, then 429 with Retry-After: $retry"
    else
        not_ok "a burst of 3 passes, then 429 with Retry-After" "statuses:$codes, Retry-After '$retry'"
    fi
    post resident "$(sub "$ubad" "$minimal")"
    expect "submissions count against the same limit: 429" 429 '.code == "rate_limited"'
    req GET /healthz
    expect "/healthz is not rate limited" 200
    kill -INT "$srv_pid"
    wait "$srv_pid"
    st_i=$?
    if [ $st_i -eq 0 ]; then ok "SIGINT: exit status 0"; else not_ok "SIGINT: exit status 0" "status $st_i"; fi
    if [ ! -s "$srv_err" ] || ! grep -qv '^collector: signal' "$srv_err"; then ok "--quiet: no access log"; else
        not_ok "--quiet: no access log" "$(head -n 5 "$srv_err")"; fi
else
    not_ok "second instance with --rate-limit 0.01 --burst 3 starts" "$(cat "$srv_out" "$srv_err")"
fi

# ---- blind double entry and reconciliation, on a third instance ----------------------------------------------
# Mediators pm1 and pm2 type sheet B1 (R07 and the free text R39 differ); pm1 and the admin type B2; pm3 types
# nothing. Whoever typed an entry of a sheet may neither read it among the discrepancies nor reconcile it.

pdb=$tmp/paper.db
pm1=$("$bin" token add --db "$pdb" --role mediator --name pm1 2>/dev/null)  # token ids 1 to 4, in this order
pm2=$("$bin" token add --db "$pdb" --role mediator --name pm2 2>/dev/null)
pm3=$("$bin" token add --db "$pdb" --role mediator --name pm3 2>/dev/null)
padm=$("$bin" token add --db "$pdb" --role admin --name padm 2>/dev/null)
paper() { # TOKEN PATH [BODY]: a paper route, GET without a body, POST with one
    local t=$1 p=$2
    shift 2
    if [ $# -eq 0 ]; then req GET "/api/v1/forms/resident/paper$p" -H "Authorization: Bearer $t"; else
        req POST "/api/v1/forms/resident/paper$p" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' \
            --data-binary "$1"; fi
}
sheet() { # R07 R39 [R03]: the answers of a sheet
    jq -cn --arg v "$1" --arg t "$2" --arg s "${3:-femme}" \
        '{R01: "QN09399A", R02: "25-39", R03: $s, R07: $v, R17: "non", R39: $t}'
}
if serve "$pdb" --quiet; then
    paper "$pm1" "" "{\"paper_id\":\"B1\",\"answers\":$(sheet bon 'Bruit la nuit ZQX-1')}"
    expect "B1, first entry (pm1)" 201 '.status == "awaiting_second"'
    paper "$pm2" "" "{\"paper_id\":\"B1\",\"answers\":$(sheet tres_bon 'Bruit la nuit ZQX-2')}"
    expect "B1, second entry (pm2): discrepant, and nothing of entry 1 in the reply" 201 '.status == "discrepant"' \
        '(tostring | test("ZQX-1|\"bon\"|R07")) | not'
    paper "$pm1" "" "{\"paper_id\":\"B2\",\"answers\":$(sheet mauvais 'ZQX-3')}"
    paper "$padm" "" "{\"paper_id\":\"B2\",\"answers\":$(sheet tres_mauvais 'ZQX-3')}"
    expect "B2, second entry (admin): discrepant" 201 '.status == "discrepant"'

    paper "$pm2" /discrepancies
    expect "discrepancies for the second typist of B1: B1 named as its own, none of its entries" 200 \
        '[.sheets[].paper_id] == ["B2"]' '.typed_by_you == ["B1"]' '(tostring | test("ZQX-1|ZQX-2")) | not'
    paper "$pm1" /discrepancies
    expect "discrepancies for the first typist of both: nothing shown" 200 '.sheets == []' \
        '.typed_by_you == ["B1", "B2"]'
    paper "$padm" /discrepancies
    expect "discrepancies for the admin, who typed B2: B1 only" 200 '[.sheets[].paper_id] == ["B1"]' \
        '.typed_by_you == ["B2"]'
    paper "$pm3" /discrepancies
    expect "discrepancies for a third mediator: both sheets, with their differences and entries" 200 \
        '[.sheets[].paper_id] == ["B1", "B2"]' '.typed_by_you == []' \
        '.sheets[0].differences == [{"field": "R07", "first": "bon", "second": "tres_bon"},
                                    {"field": "R39", "first": "Bruit la nuit ZQX-1", "second": "Bruit la nuit ZQX-2"}]' \
        '[.sheets[0].entries[].entered_by] == [1, 2]'
    paper "$pm2" /sheets
    expect "the sheets list: statuses, no answers" 200 '[.sheets[].status] == ["discrepant", "discrepant"]' \
        '(tostring | test("ZQX")) | not'

    keep="{\"answers\":$(sheet bon 'Bruit la nuit ZQX-1')}"
    paper "$pm1" /B1/reconcile "$keep"
    expect "the first typist may not reconcile B1: 403 own_entry" 403 '.code == "own_entry"' '.field == "paper_id"' \
        '.message | test("saisie 1")'
    paper "$pm2" /B1/reconcile "$keep"
    expect "the second typist may not reconcile B1: 403 own_entry" 403 '.code == "own_entry"' \
        '.message | test("saisie 2")'
    paper "$padm" /B2/reconcile "{\"answers\":$(sheet mauvais 'ZQX-3')}"
    expect "an admin who typed B2 may not reconcile it: 403 own_entry" 403 '.code == "own_entry"'
    paper "$pm3" /B1/reconcile "{\"answers\":$(sheet mauvais 'Bruit la nuit ZQX-1')}"
    expect "a value in neither entry, without a reason: 422 naming the field" 422 '.code == "invalid_decisions"' \
        '[.errors[] | .field + ":" + .code] == ["R07:value_not_in_entries"]' '.errors[0].message | test("raison")'
    paper "$pm3" /B1/reconcile "{\"answers\":$(sheet bon 'Bruit la nuit ZQX-1' homme)}"
    expect "a value both entries agree on, changed without a reason: 422 naming the field" 422 \
        '[.errors[] | .field + ":" + .code] == ["R03:agreed_value_changed"]'
    paper "$pm3" /B1/reconcile "{\"answers\":$(sheet mauvais 'x' homme)}"
    expect "every offending field is listed" 422 \
        '[.errors[].field] == ["R03", "R07", "R39"]'
    paper "$pm3" /B1/reconcile "{\"answers\":$(sheet mauvais 'Bruit la nuit ZQX-1'),\"reasons\":{\"R07\":\"\"}}"
    expect "an empty reason: 400 naming reasons" 400 '.code == "invalid_field"' '.field == "reasons"'
    paper "$pm3" /B1/reconcile "{\"answers\":$(sheet mauvais 'Bruit la nuit ZQX-1'),\"reasons\":{\"R99\":\"vu\"}}"
    expect "a reason for a field the form does not have: 400 naming reasons" 400 '.code == "invalid_field"' \
        '.field == "reasons"' '.message | test("R99")'
    paper "$pm3" /B1/reconcile "{\"answers\":$(sheet bon 'Bruit la nuit ZQX-1'),\"why\":1}"
    expect "an unknown top-level field: 400 unknown_field" 400 '.code == "unknown_field"' '.field == "why"'
    paper "$padm" /B1/reconcile \
        "{\"answers\":$(sheet mauvais 'Bruit la nuit ZQX-1'),\"reasons\":{\"R07\":\"relu sur la feuille papier\"}}"
    expect "the admin, who typed neither entry of B1, gives a third value with its reason: 201" 201 \
        '.status == "reconciled"'
    check "B1's decisions: R07 a third value with its reason, R39 the first entry's; decided by the admin, to the minute" \
        test "$(sqlite3 "$pdb" "SELECT decided_by || '|' || (decided_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]Z') || '|' || decisions FROM sheets WHERE paper_id = 'B1'")" = \
        '4|1|[{"field":"R07","first":"bon","second":"tres_bon","chosen":"mauvais","source":"third","reason":"relu sur la feuille papier"},{"field":"R39","first":"Bruit la nuit ZQX-1","second":"Bruit la nuit ZQX-2","chosen":"Bruit la nuit ZQX-1","source":"first"}]'
    check "what counts for B1 is the decided record" test \
        "$(sqlite3 "$pdb" "SELECT json_extract(answers, '\$.R07') FROM counted_submissions WHERE paper_id = 'B1'")" = mauvais
    paper "$pm3" /B2/reconcile "{\"answers\":$(sheet tres_mauvais 'ZQX-3')}"
    expect "a third mediator reconciles B2 with the second entry's value: 201" 201 '.status == "reconciled"'
    check "B2's decision: the second entry's value, decided by the third mediator" test \
        "$(sqlite3 "$pdb" "SELECT decided_by || '|' || json_extract(decisions, '\$[0].source') FROM sheets WHERE paper_id = 'B2'")" = "3|second"
    paper "$pm3" /B1/reconcile "$keep"
    expect "reconciling a reconciled sheet: 409 not_discrepant" 409 '.code == "not_discrepant"'
    kill -TERM "$srv_pid"
    wait "$srv_pid"
    st_p=$?
    if [ $st_p -eq 0 ] && ! grep -q 'Sanitizer\|runtime error:' "$srv_err"; then
        ok "paper instance: SIGTERM, exit 0, no sanitizer report"
    else
        not_ok "paper instance: SIGTERM, exit 0, no sanitizer report" "status $st_p" "$(head -n 30 "$srv_err")"
    fi
else
    not_ok "third instance (paper) starts" "$(cat "$srv_out" "$srv_err")"
fi

# ---- public counts, on a fourth instance ---------------------------------------------------------------------
# The audit's town: 12 residents in Les Tilleuls (QN09399A), 1 in La Roseraie (QN09399B). Without a token nothing
# may show a count of 1 to 10, nor let the form's count minus the territories shown give one; --min-n moves the
# threshold.

sdb=$tmp/stats.db
# No count of 1 to min_n - 1 anywhere, and each form's count minus its shown territories is 0 or min_n or more.
protected='(.min_n // 11) as $m | ([.. | objects | select(has("count")) | .count | numbers | select(. > 0 and . < $m)] == [])
    and ([.forms[] | select(.count != null) | .count - ([.territories[].count | numbers] | add // 0)
          | select(. > 0 and . < $m)] == [])'
if serve "$sdb" --quiet; then
    for i in $(seq 1 13); do
        t=QN09399A
        [ "$i" = 13 ] && t=QN09399B
        extra='{}'
        [ "$i" = 5 ] && extra='{"channel": "mediator", "lang": "en"}'
        post resident "$(sub "$(printf '5c6f3c1e-4d2a-4c8e-9f10-%012d' "$i")" \
            "$(jq -c --arg t "$t" '.R01 = $t' <<<"$minimal")" "$extra")"
        [ "$st" = 201 ] || not_ok "stats instance: submission $i stored" "status $st" "$(cat "$tmp/body")"
    done
    req GET /api/v1/stats
    expect "12 + 1 answers: La Roseraie fewer than 11, Les Tilleuls hidden to protect it, the town's 13 shown" 200 \
        "$protected" \
        '.forms[] | select(.form == "resident") | .count == 13 and .suppressed == false' \
        '.forms[] | select(.form == "resident") | .territories[] | select(.territory == "QN09399B") |
         .count == null and .suppressed == "primary" and .fewer_than == 11' \
        '.forms[] | select(.form == "resident") | .territories[] | select(.territory == "QN09399A") |
         .count == null and .suppressed == "complementary" and (has("fewer_than") | not)' \
        '[.. | objects | select(has("by_channel") or has("by_lang") or has("by_day"))] == []' \
        '(tostring | test("mediator|\"en\"")) | not'
    sadm=$("$bin" token add --db "$sdb" --role admin --name stats-admin 2>/dev/null)
    req GET /api/v1/stats/detail -H "Authorization: Bearer $sadm"
    expect "the same counts in detail for an admin: 12 and 1, by channel, language and day" 200 \
        '.total == 13' \
        '.forms[] | select(.form == "resident") | ([.by_territory[] | select(.count > 0) | {(.territory): .count}] | add)
         == {"QN09399A": 12, "QN09399B": 1}' \
        '.forms[] | select(.form == "resident") | .by_channel == {"mediator": 1, "web": 12} and .by_lang.en == 1
         and ([.by_day[]] | add) == 13'
    kill -TERM "$srv_pid"
    wait "$srv_pid"
    if serve "$sdb" --quiet --min-n 5; then
        req GET /api/v1/stats
        expect "--min-n 5: La Roseraie fewer than 5, Les Tilleuls still hidden to protect it" 200 '.min_n == 5' \
            "$protected" \
            '.forms[] | select(.form == "resident") | .territories[] | select(.territory == "QN09399B") |
             .fewer_than == 5' \
            '.forms[] | select(.form == "resident") | .territories[] | select(.territory == "QN09399A") |
             .suppressed == "complementary"'
        kill -TERM "$srv_pid"
        wait "$srv_pid"
    else
        not_ok "serve --min-n 5 starts" "$(cat "$srv_out" "$srv_err")"
    fi
    if serve "$sdb" --quiet --min-n 1; then
        req GET /api/v1/stats
        expect "--min-n 1: every count shown" 200 '.min_n == 1' \
            '.forms[] | select(.form == "resident") | ([.territories[] | select(.count > 0) | {(.territory): .count}] | add)
             == {"QN09399A": 12, "QN09399B": 1}'
        kill -TERM "$srv_pid"
        wait "$srv_pid"
    else
        not_ok "serve --min-n 1 starts" "$(cat "$srv_out" "$srv_err")"
    fi
else
    not_ok "fourth instance (public counts) starts" "$(cat "$srv_out" "$srv_err")"
fi
timeout 10 "$bin" serve --db "$sdb" --forms "$src/forms" --listen 127.0.0.1:0 --min-n 0 >"$tmp/minn.out" 2>&1
st_m=$?
if [ $st_m -eq 2 ] && grep -q -- '--min-n' "$tmp/minn.out"; then ok "serve --min-n 0 is refused (status 2)"; else
    not_ok "serve --min-n 0 is refused" "status $st_m" "$(cat "$tmp/minn.out")"; fi

# ---- stop ----------------------------------------------------------------------------------------------------

kill -TERM "$main_pid"
wait "$main_pid"
st_t=$?
if [ $st_t -eq 0 ] && grep -q 'signal 15' "$main_err"; then ok "SIGTERM: graceful stop, exit status 0"; else
    not_ok "SIGTERM: graceful stop, exit status 0" "status $st_t" "$(tail -n 20 "$main_err")"; fi

# The access log: one line per request with method, route pattern, status and duration; never an address,
# a body, a uuid, a receipt or a token.
why=()
grep -q '^POST /api/v1/forms/{id}/submissions 201 [0-9.]*ms$' "$main_err" || why+=("no line for a 201")
grep -q '^GET /api/v1/forms/{id}/submissions.csv 401 ' "$main_err" || why+=("no line for a 401")
for secret in 127.0.0.1 localhost curl "$u1" "$receipt1" QN09399A femme connu_utilise "${analyst:-ds_}" \
    "${mediator:-ds_}" Bearer; do
    grep -qF -- "$secret" "$main_err" && why+=("the log contains '$secret'")
done
if [ ${#why[@]} -eq 0 ]; then ok "access log on stderr: no address, no body content, no token"; else
    not_ok "access log on stderr" "${why[@]}" "$(head -n 5 "$main_err")"; fi

count=$(sqlite3 "$db" 'SELECT count(*) FROM submissions')
if [ "$count" = 4 ]; then ok "after the stop the database still holds 4 submissions"; else
    not_ok "after the stop the database still holds 4 submissions" "count: $count"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
