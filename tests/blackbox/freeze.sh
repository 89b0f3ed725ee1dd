#!/usr/bin/env bash
# Black-box test of frozen form versions (issue 14, part 3): answers are stored under resident version 1; the
# form file is then reworded in place, same version, and the collector must refuse to start (status not 0, a
# French message naming the form, the version and the number of answers) without changing one byte of what is
# stored; once the file says "version": "2" it starts, takes answers to both versions, exports them, the analyzer
# reads both with their own definitions and flags the indicator built on the reworded question, and
# `collector forms diff` names it. Needs curl, jq and sqlite3.
# Usage: freeze.sh COLLECTOR_BINARY ANALYZER_BINARY SOURCE_DIR
set -u
bin=$1
an=$2
src=$3
source "$src/tests/blackbox/lib.sh"

forms=$tmp/forms
db=$tmp/collector.db
cp -R "$src/forms" "$forms"
rm -rf "$forms/versions" # the test's folder holds the current versions only
# The story starts at the resident form's version 1 (forms/versions/resident-1.json): it is the folder's current
# resident form until the test gives the file a version 2 of its own.
cp "$src/forms/versions/resident-1.json" "$forms/resident.json"
# The indicator file as it was then: version 2's EPICES fallbacks (E02q, E03q) are not yet in its report plan.
jq '(.report.themes[] | select(.questions) | .questions) |= map(select(. != "E02q" and . != "E03q"))' \
    "$src/forms/resident.indicators.json" >"$forms/resident.indicators.json"

post() { # UUID VERSION R07: a resident answer
    local body
    body=$(jq -cn --arg u "$1" --arg v "$2" --arg r7 "$3" \
        '{uuid: $u, form_version: $v, lang: "fr", channel: "web",
          answers: {R01: "QN09399A", R02: "25-39", R03: "femme", R07: $r7, R17: "non"}}')
    curl -s -o "$tmp/body" -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
        --data-binary "$body" "$base/api/v1/forms/resident/submissions"
}
uuid() { printf '5d1c0f7e-8a2b-4c3d-9e4f-%012d' "$1"; }
state() { # what is stored, as one line: the count and a checksum of every row of the answers and versions
    printf '%s %s %s' "$(sqlite3 "$db" 'SELECT count(*) FROM submissions')" \
        "$(sqlite3 "$db" 'SELECT * FROM submissions ORDER BY id' | sha256sum | cut -c1-64)" \
        "$(sqlite3 "$db" 'SELECT * FROM form_versions ORDER BY 1, 2' | sha256sum | cut -c1-64)"
}

# ---- answers to version 1 ----------------------------------------------------------------------------------
start_collector "$bin" "$db" "$forms"
codes=""
for i in 1 2 3; do codes+="$(post "$(uuid "$i")" 1 bon) "; done
check "three answers to resident version 1: 201" [ "$codes" = "201 201 201 " ]
stop_collector
check "the collector stops cleanly" [ $? -eq 0 ]
rec() { sqlite3 "$db" "SELECT form_id || ' ' || version || ' ' || length(fingerprint) || ' ' || adopted FROM form_versions"; }
check "the first answer recorded resident version 1 and its fingerprint" [ "$(rec)" = "resident 1 64 0" ]
defn_ok() { sqlite3 "$db" "SELECT definition FROM form_versions WHERE form_id = 'resident'" | jq -e '.id == "resident" and .version == "1"' >/dev/null; }
check "the database keeps the definition answered" defn_ok
before=$(state)

# ---- the same version reworded in place: refused -----------------------------------------------------------
jq '(.sections[] | .questions[] | select(.id == "R07") | .label.fr) = "Diriez-vous que votre santé est bonne ?"' \
    "$src/forms/versions/resident-1.json" >"$forms/resident.json"
st=0
timeout 20 "$bin" serve --db "$db" --forms "$forms" --listen 127.0.0.1:0 --quiet >"$tmp/refused.out" 2>"$tmp/refused.err" || st=$?
refused() {
    [ "$st" -ne 0 ] && [ "$st" -ne 124 ] && ! grep -q listening "$tmp/refused.out" &&
        grep -q '« resident » version 1 a été modifié' "$tmp/refused.err" &&
        grep -q '3 réponse(s) ont été données' "$tmp/refused.err" &&
        grep -q '"version": "2"' "$tmp/refused.err" && grep -q 'démarrage refusé' "$tmp/refused.err" &&
        grep -q 'Ce qui a changé : R07 reformulée' "$tmp/refused.err"
}
if refused; then ok "a version reworded under its answers: the collector refuses to start, in French"; else
    not_ok "a version reworded under its answers: the collector refuses to start, in French" "status $st" \
        "$(head -c 2000 "$tmp/refused.err")"; fi
check "nothing stored changed (count and checksum of every row)" [ "$(state)" = "$before" ]
imp_refused() {
    printf 'uuid\n' >"$tmp/empty.csv"
    ! "$bin" import --db "$db" --forms "$forms" --form resident "$tmp/empty.csv" >/dev/null 2>"$tmp/import.err" &&
        grep -q '« resident » version 1 a été modifié' "$tmp/import.err"
}
check "the CSV import refuses the same folder" imp_refused
check "and still nothing stored changed" [ "$(state)" = "$before" ]
# The analyzer, which only reads, reads those answers with the definition they were given to, and says so.
reader_ok() {
    "$an" export --db "$db" --forms "$forms" --form resident -o "$tmp/inplace.csv" 2>"$tmp/inplace.err" &&
        grep -q 'elles sont lues avec la définition enregistrée' "$tmp/inplace.err" &&
        [ "$(($(wc -l <"$tmp/inplace.csv") - 1))" -eq 3 ]
}
check "the analyzer reads the 3 answers with the recorded definition, with a warning" reader_ok

# ---- a new version: starts, both versions live ---------------------------------------------------------------
jq '.version = "2"' "$forms/resident.json" >"$tmp/r2.json" && mv "$tmp/r2.json" "$forms/resident.json"
start_collector "$bin" "$db" "$forms"
check "with \"version\": \"2\" the collector starts" test -n "${base#http://}"
codes=""
for i in 4 5 6; do codes+="$(post "$(uuid "$i")" 2 mauvais) "; done
check "three answers to version 2: 201" [ "$codes" = "201 201 201 " ]
check "version 1, kept by the database only, still takes answers (a phone that loaded it earlier)" \
    [ "$(post "$(uuid 7)" 1 bon)" = 201 ]
analyst=$("$bin" token add --db "$db" --role analyst --name freeze-test 2>/dev/null)
curl -s -o "$tmp/export.csv" --max-time 20 -H "Authorization: Bearer $analyst" \
    "$base/api/v1/forms/resident/submissions.csv"
exported() {
    tr -d '\r' <"$tmp/export.csv" >"$tmp/export2.csv"
    [ "$(grep -c '^5d1c0f7e-[^,]*,1,' "$tmp/export2.csv")" -eq 4 ] &&
        [ "$(grep -c '^5d1c0f7e-[^,]*,2,' "$tmp/export2.csv")" -eq 3 ]
}
check "the collector's export has the answers of both versions" exported
stop_collector
check "the collector stops cleanly" [ $? -eq 0 ]
check "both versions recorded" [ "$(sqlite3 "$db" 'SELECT group_concat(version) FROM form_versions WHERE form_id = "resident" ORDER BY version')" = "1,2" ]

# ---- forms diff ------------------------------------------------------------------------------------------------
"$bin" forms diff resident 1 2 --forms "$forms" --db "$db" >"$tmp/diff.txt" 2>"$tmp/diff.err"
dst=$?
check "forms diff resident 1 2 --db: status 0, names the reworded question" \
    eval '[ $dst -eq 0 ] && grep -q "R07 reformulée" "$tmp/diff.txt" && grep -q "Diriez-vous" "$tmp/diff.txt"'
diff_json() {
    "$bin" forms diff resident 1 2 --forms "$forms" --db "$db" --json |
        jq -e '.from == "1" and .to == "2" and ([.changes[] | select(.kind == "reworded" and .question == "R07" and .meaning)] | length == 1)' >/dev/null
}
check "forms diff --json: one reworded R07, which changes meaning" diff_json
check "without --db, version 1 is unknown: status 1 and a message" \
    eval '! "$bin" forms diff resident 1 2 --forms "$forms" 2>&1 | grep -q "^formulaire" && ! "$bin" forms diff resident 1 2 --forms "$forms" >/dev/null 2>&1'

# ---- the analyzer ----------------------------------------------------------------------------------------------
"$an" indicators --db "$db" --forms "$forms" --form resident -o "$tmp/ind.json" 2>"$tmp/ind.err"
ist=$?
analysed() {
    [ $ist -eq 0 ] && jq -e '.respondents.counted == 7 and .respondents.unknown_version == 0 and
        .respondents.rejected == 0' "$tmp/ind.json" >/dev/null
}
check "analyzer indicators reads the answers of both versions (7 counted, none unknown or rejected)" analysed
flagged() {
    jq -e '(.comparability.sante_percue_bonne | test("non comparable entre les versions 1 et 2 : R07 reformulée")) and
        ([.indicators[] | select(.id == "sante_percue_bonne") | .flags | index("non_comparable_versions")] | all) and
        ([.indicators[] | select(.id == "maladie_chronique") | has("comparability")] | any | not)' "$tmp/ind.json" >/dev/null &&
        grep -q "sante_percue_bonne est non comparable entre les versions 1 et 2 : R07 reformulée" "$tmp/ind.err"
}
check "the indicator on R07 is flagged (JSON and a warning), the others are not" flagged
# The versions an analysis compares are those of the answers it reads: excluded answers of version 1 take it out
# of the comparison, and --include-excluded brings it back with them.
cp "$db" "$tmp/excl.db"
sqlite3 "$tmp/excl.db" "UPDATE submissions SET excluded_at = '2026-01-01T00:00Z', excluded_reason = 'essai'
    WHERE form_version = '1'"
"$an" indicators --db "$tmp/excl.db" --forms "$forms" --form resident -o "$tmp/excl.json" 2>/dev/null
"$an" indicators --db "$tmp/excl.db" --forms "$forms" --form resident --include-excluded -o "$tmp/incl.json" 2>/dev/null
check "version 1's answers excluded: nothing to compare; with --include-excluded, R07 flagged again" \
    eval 'jq -e "(.comparability // {}) | has(\"sante_percue_bonne\") | not" "$tmp/excl.json" >/dev/null &&
        jq -e ".comparability.sante_percue_bonne | test(\"versions 1 et 2\")" "$tmp/incl.json" >/dev/null'
"$an" export --db "$db" --forms "$forms" --form resident -o "$tmp/an_export.csv" 2>"$tmp/an_export.err"
check "analyzer export writes the 7 answers" eval '[ "$(($(wc -l <"$tmp/an_export.csv") - 1))" -eq 7 ]'
"$an" report --db "$db" --forms "$forms" --form resident --format md -o "$tmp/report.md" 2>"$tmp/report.err"
check "the report notes the indicator as not comparable" \
    grep -q "non comparable entre les versions 1 et 2 : R07 reformulée" "$tmp/report.md"
"$an" report --db "$db" --forms "$forms" --form resident --format md --wave v1=1 --wave v2=2 \
    -o "$tmp/waves.md" 2>"$tmp/waves.err"
waves_ok() { # the row of sante_percue_bonne in the evolution tables says "non comparable", never a number
    local label
    label=$(jq -r '.indicators[] | select(.id == "sante_percue_bonne") | .label.fr' "$src/forms/resident.indicators.json")
    sed -n '/^# Évolution/,/^# [^É]/p' "$tmp/waves.md" >"$tmp/evol.md"
    grep -F "| $label |" "$tmp/evol.md" >"$tmp/evol_rows" && [ -s "$tmp/evol_rows" ] &&
        ! grep -v 'non comparable' "$tmp/evol_rows" | grep -q . &&
        grep -q "aucune évolution n'est calculée entre ces vagues" "$tmp/evol.md"
}
check "report --wave v1=1 --wave v2=2: no evolution for the flagged indicator" waves_ok

# ---- a service added to offer.json: a new version, and only the new row's indicators differ ---------------------
jq '(.services[] | select(.code == "pmi") | .label.fr) = "PMI (consultations pour les bébés et les futures mères)" |
    .services += [{code: "maison_des_femmes", paper: 12, kind: "social",
     label: {fr: "Maison des femmes", ar: "دار النساء", en: "Women'"'"'s house", tr: "Kadın evi"}}]' \
    "$forms/offer.json" >"$tmp/offer.json" && mv "$tmp/offer.json" "$forms/offer.json"
st=0
timeout 20 "$bin" serve --db "$db" --forms "$forms" --listen 127.0.0.1:0 --quiet >/dev/null 2>"$tmp/refused3.err" || st=$?
check "a service added under version 2's answers: refused, and the message says R23 gained a row" \
    eval '[ $st -ne 0 ] && [ $st -ne 124 ] && grep -q "R23 : ligne « maison_des_femmes » ajoutée" "$tmp/refused3.err"'
jq '.version = "3"' "$forms/resident.json" >"$tmp/r3.json" && mv "$tmp/r3.json" "$forms/resident.json"
start_collector "$bin" "$db" "$forms"
post3() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' --data-binary \
        '{"uuid": "5d1c0f7e-8a2b-4c3d-9e4f-000000000008", "form_version": "3", "lang": "fr", "channel": "web",
          "answers": {"R01": "QN09399A", "R02": "25-39", "R03": "femme", "R07": "bon", "R17": "non",
                      "R23": {"pmi": "connu", "maison_des_femmes": "connu_utilise"}}}' \
        "$base/api/v1/forms/resident/submissions"
}
check "version 3 takes an answer on the new service" [ "$(post3)" = 201 ]
stop_collector
"$an" indicators --db "$db" --forms "$forms" --form resident -o "$tmp/ind3.json" 2>"$tmp/ind3.err"
row_level() { # the relabelled service is flagged; the others, and the new one (not pooled), are not
    jq -e '(.comparability.connait_pmi | test("versions 2 et 3 : R23 : ligne « pmi » reformulée")) and
        (.comparability | has("utilise_si_connu_cmp") | not) and (.comparability | has("connait_maison_des_femmes") | not) and
        ([.indicators[] | select(.id == "connait_maison_des_femmes")] | length > 0)' "$tmp/ind3.json" >/dev/null &&
        grep -q "connait_pmi est non comparable" "$tmp/ind3.err" && ! grep -q "connait_cmp est" "$tmp/ind3.err"
}
check "versions 2 and 3: one service relabelled, one added: only the relabelled one's indicators are flagged" row_level
# ---- a territory recoded under its answers: refused; renamed: fine ----------------------------------------------
cp "$forms/territories.json" "$tmp/territories.json"
jq '(.territories[] | select(.code == "QN09399A") | .code) = "QN09399Z"' "$tmp/territories.json" >"$forms/territories.json"
before=$(state)
st=0
timeout 20 "$bin" serve --db "$db" --forms "$forms" --listen 127.0.0.1:0 --quiet >/dev/null 2>"$tmp/terr.err" || st=$?
check "a territory code with answers recoded: refused, naming the code and its answers" \
    eval '[ $st -ne 0 ] && [ $st -ne 124 ] && grep -q "le territoire « QN09399A » n.est plus dans ce fichier" "$tmp/terr.err" &&
          grep -q "réponse(s) au formulaire « resident »" "$tmp/terr.err"'
check "nothing stored changed" [ "$(state)" = "$before" ]
jq '(.territories[] | select(.code == "QN09399A") | .name) = "Les Tilleuls-Nord"' "$tmp/territories.json" >"$forms/territories.json"
start_collector "$bin" "$db" "$forms"
check "the same territory renamed: the collector starts" test -n "${base#http://}"
stop_collector
cp "$tmp/territories.json" "$forms/territories.json"

# ---- an archived old version that names the shared list: offer.json changed since, so it no longer says what
# was answered. The advice is to delete the file (the database has the text), not to renumber it.
mkdir -p "$forms/versions"
cp "$src/forms/versions/resident-1.json" "$forms/versions/resident-1.json"
st=0
timeout 20 "$bin" serve --db "$db" --forms "$forms" --listen 127.0.0.1:0 --quiet >/dev/null 2>"$tmp/archived.err" || st=$?
check "an archived version changed by offer.json: refused, advised to delete the file" \
    eval '[ $st -ne 0 ] && [ $st -ne 124 ] && grep -q "versions/resident-1.json" "$tmp/archived.err" &&
          grep -q "Supprimez ce fichier" "$tmp/archived.err" && ! grep -q "\"version\": \"4\"" "$tmp/archived.err"'
rm "$forms/versions/resident-1.json"
start_collector "$bin" "$db" "$forms"
check "once deleted, the collector starts (version 1 read from the database)" test -n "${base#http://}"
stop_collector
check "no sanitizer report" sanitizer_clean
finish
