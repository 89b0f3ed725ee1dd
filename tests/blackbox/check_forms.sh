#!/usr/bin/env bash
# Black-box test of `collector check-forms` and `collector territories`: runs the real binary on the shipped
# forms and on broken copies, and checks its exit status and the precise messages it prints.
# Usage: check_forms.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

check() { # name, expected status, command output file, status, grep pattern...
    local name=$1 want=$2 out=$3 got=$4
    shift 4
    local ok=1
    [ "$got" -eq "$want" ] || { ok=0; echo "  status $got, expected $want"; }
    for pat in "$@"; do
        grep -qF -- "$pat" "$out" || { ok=0; echo "  missing in output: $pat"; }
    done
    if [ $ok -eq 1 ]; then pass=$((pass + 1)); echo "ok - $name"; else fail=$((fail + 1)); echo "not ok - $name"; sed 's/^/    /' "$out"; fi
}

run() { "$@" >"$tmp/out" 2>&1; echo $?; }

st=$(run "$bin" check-forms "$src/forms")
check "shipped forms are clean" 0 "$tmp/out" "$st" "0 erreur(s), 0 avertissement(s)" "formulaire resident version" \
    "formulaire operator version" "territoires"

cp -r "$src/forms" "$tmp/broken"
# A misspelt code in skip logic, an unknown key and a missing translation, in a copy of the resident form.
python3 - "$tmp/broken/resident.json" <<'PY'
import json, sys
p = sys.argv[1]
doc = json.load(open(p, encoding="utf-8"))
for s in doc["sections"]:
    for q in s["questions"]:
        if q["id"] == "R14":
            q["relevant"] = "${R13} = 'nn'"
        if q["id"] == "R07":
            q["relevent"] = "true()"
        if q["id"] == "R08":
            q["label"].pop("tr", None)
json.dump(doc, open(p, "w", encoding="utf-8"), ensure_ascii=False)
PY
st=$(run "$bin" check-forms "$tmp/broken")
check "broken form: every error with file and path" 1 "$tmp/out" "$st" \
    "resident.json: \$.sections[" ".relevant: erreur: code inconnu" ".relevent: erreur: clé inconnue « relevent »" \
    "avertissement: traduction « tr » manquante" "2 erreur(s), 1 avertissement(s)"

printf '{"id": "x",' >"$tmp/broken/bad.json"
st=$(run "$bin" check-forms "$tmp/broken")
check "invalid JSON names file, line and column" 1 "$tmp/out" "$st" "bad.json: ligne 1, colonne" "JSON invalide"

st=$(run "$bin" check-forms "$tmp/nonexistent")
check "missing folder" 1 "$tmp/out" "$st" "dossier illisible"

st=$(run "$bin" territories "$src/tests/data/anct_sample.csv" --commune 93001)
check "territories from the ANCT list" 0 "$tmp/out" "$st" '"code": "QN09301M"' '"code": "hors_qpv"' \
    '"name": "Cité des Fleurs; Nord"'

st=$(run "$bin" territories "$src/tests/data/anct_sample.csv")
check "territories needs --commune" 2 "$tmp/out" "$st" "usage"

st=$(run "$bin" frobnicate)
check "unknown command" 2 "$tmp/out" "$st" "commande inconnue"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
