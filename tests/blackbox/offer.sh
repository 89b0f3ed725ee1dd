#!/usr/bin/env bash
# Black-box test of the shared list of local services (forms/offer.json) and of the indicator templates, with
# the real binaries: the shipped forms and indicator files give exactly what their inline versions
# (tests/data/inline) gave (same synthetic database, same `analyzer indicators` and codebook); a service added to
# offer.json is in the form the phone page, the paper form, the entry page and the API get, is accepted in
# answers, and has its indicators and its label in `analyzer indicators` and `analyzer report`; a service
# removed is gone from all of them; a missing Turkish label is a check-forms warning naming the service and
# "tr"; broken offer and indicator files are check-forms errors naming the file and the JSON path.
# Usage: offer.sh COLLECTOR_BINARY ANALYZER_BINARY SYNTH_BINARY SOURCE_DIR
set -u
col=$1
an=$2
synth=$3
src=$4
source "$src/tests/blackbox/lib.sh"

# A copy of the shipped forms folder (definitions only) in $tmp/NAME.
forms_copy() {
    mkdir -p "$tmp/$1"
    cp "$src"/forms/*.json "$src"/forms/*.geojson "$tmp/$1/"
}
# The form definition a page embeds (<script type="application/json" id=ID>), from the HTML in file $1.
embedded() { # FILE ID
    python3 -c 'import sys,re
html = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<script type=\"application/json\" id=\"%s\">(.*?)</script>" % sys.argv[2], html, re.S)
print(m.group(1) if m else "null")' "$1" "$2"
}
get() { curl -s --compressed --max-time 20 -o "$2" -w '%{http_code}' "$base$1"; } # PATH FILE: prints the status
# jqf NAME FILE FILTER: ok when the filter is true on the JSON file.
jqf() {
    if jq -e "$3" "$2" >/dev/null 2>&1; then ok "$1"; else not_ok "$1" "filter: $3" "$(head -c 600 "$2")"; fi
}

# ---- the shipped files equal their inline versions -----------------------------------------------------------
forms_copy shipped
forms_copy inline
cp "$src"/tests/data/inline/{resident,operator}.json "$src"/tests/data/inline/*.indicators.json "$tmp/inline/"
rm "$tmp/inline/offer.json"
for d in shipped inline; do
    "$synth" --forms "$tmp/$d" --form resident --n 400 --seed 11 --db "$tmp/$d.db" >/dev/null 2>"$tmp/synth.err" &&
        "$synth" --forms "$tmp/$d" --form operator --n 40 --seed 12 --db "$tmp/$d.db" >/dev/null 2>>"$tmp/synth.err" ||
        not_ok "synth on the $d folder" "$(head -c 400 "$tmp/synth.err")"
    for f in resident operator; do
        "$an" indicators --db "$tmp/$d.db" --forms "$tmp/$d" --form "$f" --format json 2>"$tmp/an.err" |
            jq -S 'del(.timing)' >"$tmp/$d.$f.json"
        "$an" codebook --forms "$tmp/$d" --form "$f" >"$tmp/$d.$f.codebook" 2>>"$tmp/an.err"
    done
done
check "the same synthetic answers from the shipped folder and from the inline one" \
    test "$(sqlite3 "$tmp/shipped.db" 'SELECT group_concat(answers) FROM submissions')" = \
    "$(sqlite3 "$tmp/inline.db" 'SELECT group_concat(answers) FROM submissions')"
for f in resident operator; do
    check "$f: analyzer indicators with the templates and offer.json = with the inline definitions" \
        cmp "$tmp/shipped.$f.json" "$tmp/inline.$f.json"
    check "$f: the codebook too (questions, rows, labels, indicators)" \
        bash -c "grep -q '^indicateur,' '$tmp/shipped.$f.codebook' && cmp '$tmp/shipped.$f.codebook' '$tmp/inline.$f.codebook'"
done
jqf "... and the resident output has the 33 per-service indicators" "$tmp/shipped.resident.json" \
    '[.indicators[].id | select(test("^(connait|utilise|utilise_si_connu)_"))] | unique | length == 33'

# ---- a service added ------------------------------------------------------------------------------------------
forms_copy add
jq '.services += [{"code": "maison_des_femmes", "paper": 12, "kind": "prevention",
      "label": {"fr": "Maison des femmes", "ar": "دار النساء", "en": "Women'"'"'s centre", "tr": "Kadın evi"}}]' \
    "$src/forms/offer.json" >"$tmp/add/offer.json"
"$col" check-forms "$tmp/add" >"$tmp/cf.out" 2>&1
st=$?
check "check-forms passes with a twelfth service" test "$st" = 0
check "... says so, with 0 warnings" \
    bash -c "grep -q 'offer.json : 12 services' '$tmp/cf.out' && grep -qF '0 erreur(s), 0 avertissement(s)' '$tmp/cf.out'"
check "... and counts its three resident indicators" grep -q "resident.indicators.json : 82 indicateurs" "$tmp/cf.out"

db=$tmp/add.db
start_collector "$col" "$db" "$tmp/add"
s=$(get /f/resident "$tmp/page.html")
embedded "$tmp/page.html" form-def >"$tmp/page.json"
jqf "the phone page's form has the service in R23, with paper 12 and its French label (status $s)" "$tmp/page.json" \
    '[.sections[].questions[] | select(.id == "R23") | .rows[] | select(.code == "maison_des_femmes")] |
     length == 1 and .[0].paper == 12 and .[0].label.fr == "Maison des femmes"'
# The page's other languages come in the block "more", after its scripts (collector/pages/web.c).
embedded "$tmp/page.html" more >"$tmp/more.json"
jqf "... and its Turkish label, in the page's other languages" "$tmp/more.json" \
    '[.form.sections[]?.questions[]? | objects | .rows[]? | objects | .label.tr] | index("Kadın evi") != null'
s=$(get /print/resident "$tmp/print.html")
embedded "$tmp/print.html" form-def >"$tmp/print.json"
jqf "the paper form's definition lists it twelfth (status $s)" "$tmp/print.json" \
    '[.sections[].questions[] | select(.id == "R23") | .rows[].code] | .[11] == "maison_des_femmes" and length == 12'
s=$(get /print/operator "$tmp/printo.html")
embedded "$tmp/printo.html" form-def >"$tmp/printo.json"
jqf "the operators' paper form too, with the French and English label only (status $s)" "$tmp/printo.json" \
    '[.sections[].questions[] | select(.id == "O06") | .rows[] | select(.code == "maison_des_femmes")][0].label ==
     {"fr": "Maison des femmes", "en": "Women'"'"'s centre"}'
s=$(get /entry "$tmp/entry.html")
embedded "$tmp/entry.html" forms >"$tmp/entry.json"
jqf "the entry page's forms have it (status $s)" "$tmp/entry.json" \
    '[.[] | select(.id == "resident") | .sections[].questions[] | select(.id == "R23") | .rows[].code] |
     index("maison_des_femmes") != null'
s=$(get /api/v1/forms/resident "$tmp/api.json")
jqf "GET /api/v1/forms/resident has it, and no \"offre\" left (status $s)" "$tmp/api.json" \
    '([.sections[].questions[] | select(.id == "R23") | .rows[].code] | index("maison_des_femmes") != null) and
     ([.. | strings | select(. == "offre")] | length == 0)'
body() { # UUID R23_ANSWER
    jq -cn --arg u "$1" --argjson g "$2" '{uuid: $u, form_version: "3", lang: "tr", channel: "web",
        answers: {R01: "QN09399A", R02: "25-39", R03: "femme", R07: "bon", R17: "non", R23: $g}}'
}
s=$(curl -s --max-time 20 -o "$tmp/sub.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "$(body 5d1e2c3b-0a4f-4b6e-8c7d-1e2f3a4b5c60 '{"maison_des_femmes": "connu_utilise", "pmi": "connu"}')" \
    "$base/api/v1/forms/resident/submissions")
check "an answer about the new service is stored (status $s)" test "$s" = 201
s=$(curl -s --max-time 20 -o "$tmp/sub.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "$(body 5d1e2c3b-0a4f-4b6e-8c7d-1e2f3a4b5c61 '{"maison_des_hommes": "connu"}')" \
    "$base/api/v1/forms/resident/submissions")
jqf "a service that is not in the list is refused (status $s)" "$tmp/sub.json" \
    '[.. | objects | select(.code? == "invalid_choice")] | length > 0'
stop_collector
check "the collector stops cleanly" test $? = 0

"$synth" --forms "$tmp/add" --form resident --n 400 --seed 5 --db "$db" >/dev/null 2>"$tmp/synth.err"
"$synth" --forms "$tmp/add" --form operator --n 40 --seed 6 --db "$db" >/dev/null 2>>"$tmp/synth.err"
"$an" indicators --db "$db" --forms "$tmp/add" --form resident --format json >"$tmp/ind.json" 2>"$tmp/an.err"
jqf "analyzer indicators has connait_, utilise_ and utilise_si_connu_maison_des_femmes, with the label" "$tmp/ind.json" \
    '([.indicators[] | select(.id | endswith("_maison_des_femmes")) | .id] | unique) ==
       ["connait_maison_des_femmes", "utilise_maison_des_femmes", "utilise_si_connu_maison_des_femmes"] and
     ([.indicators[] | select(.id == "connait_maison_des_femmes") | .label] | unique) == ["Connaît : Maison des femmes"]'
"$an" indicators --db "$db" --forms "$tmp/add" --form operator --format json >"$tmp/indo.json" 2>>"$tmp/an.err"
jqf "... and the operators' operateurs_connaissent_maison_des_femmes" "$tmp/indo.json" \
    '[.indicators[] | select(.id == "operateurs_connaissent_maison_des_femmes")] | length > 0'
"$an" report --db "$db" --forms "$tmp/add" -o "$tmp/report.html" 2>"$tmp/rep.err"
check "analyzer report shows the service" grep -q "Maison des femmes" "$tmp/report.html"
"$an" codebook --forms "$tmp/add" --form resident >"$tmp/codebook.csv" 2>>"$tmp/an.err"
check "the codebook has its row (paper number 12, Turkish label)" \
    grep -q "^variable,R23_maison_des_femmes,R23,maison_des_femmes,12,,,[^,]*,ligne de grille,[a-z_]*,Maison des femmes,.*,Kadın evi" "$tmp/codebook.csv"
check "... and its indicators" grep -q "^indicateur,utilise_si_connu_maison_des_femmes," "$tmp/codebook.csv"

# ---- a service removed ----------------------------------------------------------------------------------------
forms_copy rm
jq 'del(.services[] | select(.code == "cmp"))' "$src/forms/offer.json" >"$tmp/rm/offer.json"
check "check-forms passes without the CMP" "$col" check-forms "$tmp/rm"
db=$tmp/rm.db
start_collector "$col" "$db" "$tmp/rm"
get /print/resident "$tmp/print.html" >/dev/null
embedded "$tmp/print.html" form-def >"$tmp/print.json"
jqf "the paper form has 10 services and no CMP" "$tmp/print.json" \
    '[.sections[].questions[] | select(.id == "R23") | .rows[].code] | length == 10 and index("cmp") == null'
get /api/v1/forms/operator "$tmp/api.json" >/dev/null
jqf "nor has the operators' form" "$tmp/api.json" \
    '[.sections[].questions[] | select(.id == "O06") | .rows[].code] | length == 10 and index("cmp") == null'
stop_collector
check "the collector stops cleanly" test $? = 0
"$synth" --forms "$tmp/rm" --form resident --n 300 --seed 5 --db "$db" >/dev/null 2>"$tmp/synth.err"
"$an" indicators --db "$db" --forms "$tmp/rm" --form resident --format json >"$tmp/ind.json" 2>"$tmp/an.err"
jqf "analyzer indicators has no CMP indicator left" "$tmp/ind.json" \
    '([.indicators[].id | select(test("_cmp$"))] | length == 0) and
     ([.indicators[].id | select(test("^connait_"))] | unique | length == 10)'
"$an" report --db "$db" --forms "$tmp/rm" -o "$tmp/report.html" 2>"$tmp/rep.err"
check "the report no longer names it" bash -c "! grep -q 'CMP (centre médico-psychologique)' '$tmp/report.html' && grep -q 'PMI (protection' '$tmp/report.html'"

# ---- what check-forms says about the offer and the indicator files --------------------------------------------
jq 'del(.services[11].label.tr)' "$tmp/add/offer.json" >"$tmp/add/o.json" && mv "$tmp/add/o.json" "$tmp/add/offer.json"
"$col" check-forms "$tmp/add" >"$tmp/cf.out" 2>&1
st=$?
check "a missing Turkish label: check-forms still passes" test "$st" = 0
check "... with a warning naming offer.json, the service and tr" \
    grep -qF "offer.json: \$.services[11].label: avertissement: service « maison_des_femmes » : traduction « tr » manquante" "$tmp/cf.out"
# cf FILE JQ EXPECTED: the copy "bad" with FILE changed by JQ; check-forms fails naming EXPECTED.
cf() {
    rm -rf "$tmp/bad"
    forms_copy bad
    jq "$2" "$src/forms/$1" >"$tmp/bad/$1"
    "$col" check-forms "$tmp/bad" >"$tmp/cf.out" 2>&1
    local st=$?
    if [ "$st" = 1 ] && grep -qF -- "$3" "$tmp/cf.out"; then ok "check-forms: $4"; else
        not_ok "check-forms: $4" "status $st, expected 1 and: $3" "$(head -c 800 "$tmp/cf.out")"; fi
}
cf offer.json '.services[1].paper = 1' "offer.json: \$.services[1].paper: erreur: numéro papier 1 déjà utilisé" \
    "a paper number used twice in offer.json"
cf offer.json '.services[0].kind = "hopital"' "offer.json: \$.services[0].kind: erreur:" "an unknown kind"
cf resident.json 'del(.languages[3])' "resident.json: \$.sections[0].title.tr: erreur:" \
    "a form error still reported beside the offer"
cf resident.indicators.json '.indicators[9].for_each_row = "R99"' \
    "resident.indicators.json: \$.indicators[9].for_each_row: erreur:" "a template over a grid that does not exist"
cf resident.indicators.json '.indicators[0].numerator = "${R07} = '"'"'tres_bonn'"'"'"' \
    "resident.indicators.json: \$.indicators[0].numerator: erreur:" "an unknown code in an indicator"
cf operator.indicators.json '.indicators[1].id = "operateurs_sensibilises"' \
    "operator.indicators.json: \$.indicators[1]: erreur: identifiant « operateurs_sensibilises » déjà utilisé" \
    "a duplicate indicator id"
cf operator.indicators.json '.indicators[0].question = "O99"' \
    "operator.indicators.json: \$.indicators[0]: erreur: question inconnue « O99 »" "an unknown question"
cf territories.json '.territories[0].kind = "quartier"' "territories.json: \$.territories[0].kind: erreur:" \
    "the territories file"
check "no sanitizer report" sanitizer_clean
finish
