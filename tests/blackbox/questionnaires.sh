#!/usr/bin/env bash
# Black-box test of the questionnaires in the console (issue 15, part D), against the real collector: the versions
# of a form with their answer counts; a version downloaded as a workbook that `collector forms import` takes back
# unchanged; a new version uploaded and live at once (API and pages) without a restart, with answers to both
# versions accepted; the same version changed under its answers refused (409) with the folder untouched; a broken
# workbook refused (422) naming its cell; dry_run, media type, size and role checks; the audit rows; and a
# restart on the folder the upload wrote. Needs curl, jq, python3 and sqlite3.
# Usage: questionnaires.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
source "$src/tests/blackbox/lib.sh"

XLSX='application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
forms=$tmp/forms
db=$tmp/collector.db
mkdir "$forms"
cp "$src"/forms/*.json "$src"/forms/*.geojson "$forms/"
# The story starts at the resident form's version 1 (forms/versions/resident-1.json), the folder's current one here.
cp "$src/forms/versions/resident-1.json" "$forms/resident.json"
# The indicator file as it was then: version 2's EPICES fallbacks (E02q, E03q) are not yet in its report plan.
jq '(.report.themes[] | select(.questions) | .questions) |= map(select(. != "E02q" and . != "E03q"))' \
    "$src/forms/resident.indicators.json" >"$forms/resident.indicators.json"
adm=$("$bin" token add --db "$db" --role admin --name coordinatrice 2>/dev/null)
ana=$("$bin" token add --db "$db" --role analyst --name analyste 2>/dev/null)
med=$("$bin" token add --db "$db" --role mediator --name mediatrice 2>/dev/null)
start_collector "$bin" "$db" "$forms"

# call TOKEN METHOD PATH [CURL ARGS...]: the status; the body in $tmp/body, the headers in $tmp/headers.
call() {
    local token=$1 method=$2 path=$3
    shift 3
    curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' --max-time 30 -X "$method" \
        ${token:+-H "Authorization: Bearer $token"} "$@" "$base$path"
}
upload() { # TOKEN FILE [QUERY]: POST the workbook
    call "$1" POST "/api/v1/forms/import${3:-}" -H "Content-Type: $XLSX" --data-binary "@$2"
}
post() { # UUID VERSION: a resident answer
    local body
    body=$(jq -cn --arg u "$1" --arg v "$2" '{uuid: $u, form_version: $v, lang: "fr", channel: "web",
          answers: {R01: "QN09399A", R02: "25-39", R03: "femme", R07: "bon", R17: "non"}}')
    curl -s -o "$tmp/body" -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
        --data-binary "$body" "$base/api/v1/forms/resident/submissions"
}
uuid() { printf '7a1c0f7e-8a2b-4c3d-9e4f-%012d' "$1"; }
# body_is NAME STATUS GOT JQ-FILTER: the status and a jq test of the body.
body_is() {
    local name=$1 want=$2 got=$3 filter=$4
    if [ "$got" = "$want" ] && jq -e "$filter" "$tmp/body" >/dev/null 2>&1; then ok "$name"; else
        not_ok "$name" "status $got (expected $want)" "$(head -c 1500 "$tmp/body")"; fi
}
# edit IN OUT MEMBER PYTHON-EXPR: rewrites one part of a workbook (as tests/blackbox/xlsform.sh does).
edit() {
    python3 - "$@" <<'PY'
import re, sys, zipfile
src, dst, member, expr = sys.argv[1:5]
zin = zipfile.ZipFile(src)
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == member:
            x = data.decode("utf-8")
            new = eval(expr)
            assert new != x, "the edit changed nothing"
            data = new.encode("utf-8")
        zout.writestr(item, data)
PY
}
snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }
R13='Avez-vous un médecin traitant ?'
R13B='Avez-vous un médecin traitant déclaré ?'

# ---- versions and their answers -----------------------------------------------------------------------------
codes=""
for i in 1 2 3; do codes+="$(post "$(uuid "$i")" 1) "; done
check "three answers to resident version 1" [ "$codes" = "201 201 201 " ]
st=$(call "$ana" GET /api/v1/forms/resident/versions)
body_is "versions of resident (analyst): version 1 with its 3 answers, current, in the folder" 200 "$st" \
    '.form == "resident" and .current == "1" and (.versions | length) == 1 and
     (.versions[0] | .version == "1" and .answers == 3 and .counted == 3 and .current and .in_folder and
      (.fingerprint | test("^[0-9a-f]{64}$")) and (.first_answer_at | type) == "string" and (.title | length) > 0)'
fp1=$(jq -r '.versions[0].fingerprint' "$tmp/body")
rec=$(sqlite3 "$db" "SELECT fingerprint FROM form_versions WHERE form_id = 'resident' AND version = '1'")
check "the fingerprint shown is the one recorded with the first answer" [ "$fp1" = "$rec" ]
st=$(call "" GET /api/v1/forms/resident/versions)
body_is "versions without credentials: 401" 401 "$st" '.code | type == "string"'
st=$(call "$med" GET /api/v1/forms/resident/versions)
body_is "versions for a mediator: 403" 403 "$st" '.code | type == "string"'
st=$(call "$ana" GET /api/v1/forms/nosuch/versions)
body_is "versions of an unknown form: 404 unknown_form" 404 "$st" '.code == "unknown_form"'

# ---- a version as a workbook, and back through `collector forms import` --------------------------------------
st=$(call "$ana" GET /api/v1/forms/resident/versions/1.xlsx)
cp "$tmp/body" "$tmp/v1.xlsx"
dl_ok() {
    [ "$st" = 200 ] && grep -qi "^content-type: $XLSX" "$tmp/headers" &&
        grep -qi '^content-disposition: attachment; filename="resident-1.xlsx"' "$tmp/headers" &&
        python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).read('xl/workbook.xml')" "$tmp/v1.xlsx"
}
check "version 1 as a workbook: 200, attachment, a valid .xlsx" dl_ok
mkdir "$tmp/rt"
cp "$forms"/*.json "$forms"/*.geojson "$tmp/rt/" && rm "$tmp/rt/resident.json"
check "the downloaded workbook goes back through collector forms import" \
    "$bin" forms import "$tmp/v1.xlsx" --forms "$tmp/rt"
check "round trip: the same form as the folder's" cmp -s <(jq -S . "$tmp/rt/resident.json") <(jq -S . "$forms/resident.json")
st=$(call "$adm" GET /api/v1/forms/resident/versions/9.xlsx)
body_is "a version that does not exist: 404 unknown_form_version" 404 "$st" '.code == "unknown_form_version"'
st=$(call "$med" GET /api/v1/forms/resident/versions/1.xlsx)
body_is "workbook for a mediator: 403" 403 "$st" '.code | type == "string"'

# ---- workbooks for the upload ---------------------------------------------------------------------------------
edit "$tmp/v1.xlsx" "$tmp/reworded.xlsx" xl/sharedStrings.xml "x.replace('<t>$R13</t>', '<t>$R13B</t>', 1)"
set_version='re.sub(r"<c r=\"B2\"[^>]*>(<v>[^<]*</v>|<is>.*?</is>)</c>", "<c r=\"B2\" t=\"inlineStr\"><is><t>2</t></is></c>", x, count=1)'
edit "$tmp/reworded.xlsx" "$tmp/v2.xlsx" xl/worksheets/sheet3.xml "$set_version"
edit "$tmp/v1.xlsx" "$tmp/broken.xlsx" xl/sharedStrings.xml "x.replace('<t>R14</t>', '<t>R13</t>', 1)"
before=$(snapshot "$forms")
unchanged() { [ "$(snapshot "$forms")" = "$before" ]; }

# ---- refusals: the folder stays byte for byte as it was -------------------------------------------------------
st=$(upload "$adm" "$tmp/reworded.xlsx")
body_is "version 1 reworded under its answers: 409 version_frozen, a new version suggested" 409 "$st" \
    '.code == "version_frozen" and (.message | test("nouvelle version")) and (.message | test("« 2 »")) and
     (.errors | length) > 0'
check "after the 409 the forms folder is byte for byte unchanged" unchanged
st=$(upload "$adm" "$tmp/broken.xlsx")
body_is "a broken workbook: 422 invalid_workbook naming the cell" 422 "$st" \
    '.code == "invalid_workbook" and ([.errors[].where | test("^survey![A-Z]+[0-9]+$")] | any)'
check "after the 422 the forms folder is unchanged" unchanged
st=$(upload "$adm" "$tmp/v2.xlsx" "?dry_run=1")
body_is "dry_run=1: 200, the changes listed, R13 reworded" 200 "$st" \
    '.dry_run == true and .form == "resident" and .version == "2" and
     ([.changes[] | select(.question == "R13" and .kind == "reworded" and .meaning)] | length) == 1'
check "dry_run wrote nothing" unchanged
st=$(call "$ana" GET /api/v1/forms/resident)
body_is "dry_run put nothing live" 200 "$st" '.version == "1"'
st=$(upload "$adm" "$tmp/v2.xlsx" "?dry_run=maybe")
body_is "dry_run=maybe: 400" 400 "$st" '.field == "dry_run"'
st=$(call "$adm" POST /api/v1/forms/import -H 'Content-Type: application/json' --data-binary "@$tmp/v2.xlsx")
body_is "wrong Content-Type: 415" 415 "$st" '.code == "unsupported_media_type" and .field == "Content-Type"'
head -c $((4 * 1024 * 1024 + 1)) /dev/zero >"$tmp/huge.xlsx"
st=$(upload "$adm" "$tmp/huge.xlsx")
body_is "4 MiB + 1 byte: 413 in JSON" 413 "$st" '.code == "body_too_large"'
head -c $((3 * 1024 * 1024)) /dev/zero >"$tmp/big.xlsx"
st=$(upload "$adm" "$tmp/big.xlsx")
body_is "3 MiB that are no workbook: past the usual 1 MiB cap, a JSON 422" 422 "$st" '.code == "invalid_workbook"'
st=$(upload "$ana" "$tmp/v2.xlsx")
body_is "upload by an analyst: 403" 403 "$st" '.code | type == "string"'
st=$(upload "" "$tmp/v2.xlsx")
body_is "upload without credentials: 401" 401 "$st" '.code | type == "string"'
check "after the refused uploads the folder is unchanged" unchanged
# The larger cap is the upload route's only: the same body elsewhere meets the HTTP layer's own 413.
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
    --data-binary "@$tmp/huge.xlsx" "$base/api/v1/forms/resident/submissions")
check "4 MiB to the submissions route: still refused (413)" [ "$st" = 413 ]

# ---- version 2 published and live without a restart ------------------------------------------------------------
st=$(upload "$adm" "$tmp/v2.xlsx")
body_is "version 2 uploaded: 200" 200 "$st" \
    '.dry_run == false and .version == "2" and ([.changes[] | select(.question == "R13")] | length) >= 1'
check "the folder now holds version 2" jq -e '.version == "2"' "$forms/resident.json"
st=$(call "$ana" GET /api/v1/forms/resident)
body_is "GET /api/v1/forms/resident: version 2 at once, R13 reworded" 200 "$st" \
    ".version == \"2\" and ([.sections[].questions[] | select(.id == \"R13\")][0].label.fr == \"$R13B\")"
page=$(curl -s --max-time 20 "$base/f/resident")
check "the residents' page is rebuilt with the new text" grep -qF "$R13B" <<<"$page"
check "an answer to version 2: 201" [ "$(post "$(uuid 4)" 2)" = 201 ]
check "an answer to version 1 (kept from the database): still 201" [ "$(post "$(uuid 5)" 1)" = 201 ]
st=$(call "$ana" GET /api/v1/forms/resident/versions)
body_is "versions: 1 (database only, 4 answers) and 2 (current, in the folder, 1 answer)" 200 "$st" \
    '.current == "2" and ([.versions[] | {version, answers, current, in_folder}] ==
     [{version: "1", answers: 4, current: false, in_folder: false}, {version: "2", answers: 1, current: true, in_folder: true}])'
st=$(call "$ana" GET /api/v1/forms/resident/versions/1.xlsx)
check "version 1 still downloads as a workbook from the database's definition" [ "$st" = 200 ]

# ---- the audit ------------------------------------------------------------------------------------------------
st=$(call "$adm" GET /api/v1/audit)
if [ "$st" = 200 ]; then
    audited() { jq -e '[.entries[] | select(.action == "form_publish" and .target == "resident@2")] | length == 1' "$tmp/body" &&
        jq -e '[.entries[] | select(.action == "form_export" and .target == "resident@1")] | length >= 1' "$tmp/body"; }
else
    audited() { [ "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE action = 'form_publish' AND target = 'resident@2'")" = 1 ] &&
        [ "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE action = 'form_export' AND target = 'resident@1'")" -ge 1 ]; }
fi
check "audit: one form_publish resident@2 and the form_export rows" audited
check "no audit row for the dry run or the refusals" \
    [ "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE action = 'form_publish'")" = 1 ]

# ---- a restart on the folder the upload wrote -----------------------------------------------------------------
stop_collector
check "the collector stops cleanly" [ $? -eq 0 ]
start_collector "$bin" "$db" "$forms"
st=$(call "$ana" GET /api/v1/forms/resident)
body_is "after a restart the folder starts as it is: version 2" 200 "$st" '.version == "2"'
stop_collector
check "sanitizers found nothing" sanitizer_clean
finish
