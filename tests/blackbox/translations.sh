#!/usr/bin/env bash
# Black-box test of stale translations: on a copy of the shipped forms, rewords R13's French label and checks
# that `collector check-forms` warns for each of its translations (ar, en, tr), that `collector forms
# translations` lists it as "à revoir", and that once the Arabic is updated and accepted only en and tr remain.
# Also: the shipped records are current, and bad languages, forms and keys are refused without writing anything.
# The same for offer.json under the pseudo-id "offre" (record offer.translations.json).
# Usage: translations.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
source "$src/tests/blackbox/lib.sh"

# expect NAME WANT_STATUS PATTERN...: runs the command in $cmd (an array), checks its status and that each
# fixed-string pattern is in its output (stdout and stderr); "!PATTERN" must be absent.
expect() {
    local name=$1 want=$2 st=0 bad=()
    shift 2
    "${cmd[@]}" >"$tmp/out" 2>&1 || st=$?
    [ "$st" -eq "$want" ] || bad+=("status $st, expected $want")
    for pat in "$@"; do
        if [ "${pat:0:1}" = "!" ]; then
            grep -qF -- "${pat:1}" "$tmp/out" && bad+=("present in output: ${pat:1}")
        else
            grep -qF -- "$pat" "$tmp/out" || bad+=("missing in output: $pat")
        fi
    done
    if [ ${#bad[@]} -eq 0 ]; then ok "$name"; else not_ok "$name" "${bad[@]}" "$(head -c 3000 "$tmp/out")"; fi
}
# stale_count NAME N: the last output has exactly N stale-translation warnings (other warnings do not count).
stale_count() {
    local n
    n=$(grep -c "a changé depuis" "$tmp/out")
    if [ "$n" -eq "$2" ]; then ok "$1"; else not_ok "$1" "$n stale warnings, expected $2"; fi
}

# The shipped forms: every translation is recorded against the French it was made from.
cmd=("$bin" check-forms "$src/forms")
expect "shipped forms: no stale translation" 0 "!a changé depuis"
for lang in ar en tr; do
    cmd=("$bin" forms translations resident --lang "$lang" --forms "$src/forms")
    expect "shipped resident $lang: all tracked" 0 " 0 à revoir, 0 manquante(s), 0 non suivie(s)"
done
cmd=("$bin" forms translations operator --lang en --forms "$src/forms")
expect "shipped operator en: all tracked" 0 " 0 à revoir, 0 manquante(s), 0 non suivie(s)"

# R13 reworded in French, translations untouched.
cp -r "$src/forms" "$tmp/forms"
f=$tmp/forms
setlabel() { # LANG TEXT: sets R13's label in LANG
    python3 - "$f/resident.json" "$1" "$2" <<'PY'
import json, sys
p, lang, text = sys.argv[1:]
doc = json.load(open(p, encoding="utf-8"))
for s in doc["sections"]:
    for q in s["questions"]:
        if q["id"] == "R13":
            q["label"][lang] = text
json.dump(doc, open(p, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
PY
}
setlabel fr "Avez-vous aujourd'hui un médecin traitant déclaré ?"
cmd=("$bin" check-forms "$f")
expect "check-forms: R13 stale in ar, en, tr" 0 \
    "resident R13.label : la traduction ar a été faite sur un texte français qui a changé depuis" \
    "resident R13.label : la traduction en a été faite" "resident R13.label : la traduction tr a été faite" \
    ".label.ar: avertissement:" "0 erreur(s)" "!R14.label"
stale_count "check-forms: exactly 3 stale warnings" 3
cmd=("$bin" forms translations resident --lang ar --forms "$f")
expect "translations ar: R13.label à revoir" 0 "à revoir   R13.label" \
    "Avez-vous aujourd'hui un médecin traitan…" "ok         R14.label" ", 1 à revoir, 0 manquante(s)" \
    "--accept"
check "translations --json: R13.label stale" \
    bash -c "'$bin' forms translations resident --lang ar --forms '$f' --json |
             jq -e '(.texts[] | select(.key == \"R13.label\") | .status == \"stale\") and .summary.stale == 1'"

# Bad requests: refused, nothing written.
cp "$f/resident.translations.json" "$tmp/record.before"
cmd=("$bin" forms translations resident --lang de --forms "$f" --accept)
expect "unknown language refused" 1 "n'a pas la langue « de » (langues : fr ar en tr)"
cmd=("$bin" forms translations resident --lang fr --forms "$f")
expect "French is not a translation" 1 "langue d'origine"
cmd=("$bin" forms translations nothere --lang ar --forms "$f")
expect "unknown form refused" 1 "pas de formulaire « nothere »" "operator resident"
cmd=("$bin" forms translations resident --lang ar --forms "$f" --accept R13.label R99.label)
expect "unknown key refused" 1 "pas de texte « R99.label »"
cmd=("$bin" forms translations resident --forms "$f")
expect "--lang is required" 2 "usage"
check "record untouched by refused commands" cmp "$f/resident.translations.json" "$tmp/record.before"

# The Arabic updated, then accepted: the ar warning goes, en and tr stay.
setlabel ar "هل لديك اليوم طبيب معالج مصرّح به (médecin traitant)؟"
cmd=("$bin" forms translations resident --lang ar --forms "$f" --accept R13.label)
expect "accept R13.label in ar" 0 "1 traduction(s) ar validée(s)" ", 0 à revoir,"
cmd=("$bin" check-forms "$f")
expect "check-forms: only en and tr remain" 0 "!la traduction ar" "resident R13.label : la traduction en" \
    "resident R13.label : la traduction tr" "0 erreur(s)"
stale_count "check-forms: exactly 2 stale warnings" 2
check "record keeps its mode" test "$(stat -c %a "$f/resident.translations.json")" = \
    "$(stat -c %a "$src/forms/resident.translations.json")"

# --accept without keys: every translated text of the language.
cmd=("$bin" forms translations resident --lang en --forms "$f" --accept)
expect "accept all in en" 0 "traduction(s) en validée(s)" ", 0 à revoir,"
cmd=("$bin" check-forms "$f")
expect "check-forms: only tr remains" 0 "!la traduction en" "resident R13.label : la traduction tr" "0 erreur(s)"
stale_count "check-forms: exactly 1 stale warning" 1

# A missing translation is named by question and language (the loader's warning).
python3 - "$f/resident.json" <<'PY'
import json, sys
p = sys.argv[1]
doc = json.load(open(p, encoding="utf-8"))
for s in doc["sections"]:
    for q in s["questions"]:
        if q["id"] == "R14":
            del q["label"]["tr"]
json.dump(doc, open(p, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
PY
cmd=("$bin" check-forms "$f")
expect "missing translation names question and language" 0 \
    "traduction « tr » manquante pour la question R14"
cmd=("$bin" forms translations resident --lang tr --forms "$f")
expect "translations tr: R14.label manquante" 0 "manquante  R14.label" "1 manquante(s)"

# A broken record is an error of check-forms, with its file.
printf '{"form": "resident", "languages": {"ar": {"R13.label": "zz"}}}' >"$f/resident.translations.json"
cmd=("$bin" check-forms "$f")
expect "broken record is an error" 1 "resident.translations.json: \$.languages.ar[\"R13.label\"]: erreur: empreinte"

# offer.json, tracked as "offre": the shipped record is current; a service's French reworded is stale in every
# language that translated it, until accepted.
for lang in ar en tr; do
    cmd=("$bin" forms translations offre --lang "$lang" --forms "$src/forms")
    expect "shipped offer $lang: all tracked" 0 " 0 à revoir, " " 0 non suivie(s)" "ok         pmi.label"
done
cp -r "$src/forms" "$tmp/forms2"
g=$tmp/forms2
python3 - "$g/offer.json" <<'PY'
import json, sys
p = sys.argv[1]
doc = json.load(open(p, encoding="utf-8"))
for s in doc["services"]:
    if s["code"] == "cmp":
        s["label"]["fr"] = "CMP (centre médico-psychologique, consultations gratuites)"
json.dump(doc, open(p, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
PY
cmd=("$bin" check-forms "$g")
expect "check-forms: offer cmp.label stale in ar, en, tr" 0 \
    "offer.json: \$.services[3].label.ar: avertissement: offre cmp.label : la traduction ar a été faite" \
    "\$.services[3].label.en: avertissement: offre cmp.label : la traduction en" \
    "\$.services[3].label.tr: avertissement: offre cmp.label : la traduction tr" "!cmp.label_pro" "0 erreur(s)"
stale_count "check-forms: exactly 3 stale offer warnings" 3
cmd=("$bin" forms translations offre --lang ar --forms "$g")
expect "translations offre ar: cmp.label à revoir" 0 "à revoir   cmp.label" "ok         pmi.label" \
    ", 1 à revoir," "--accept"
check "translations offre --json: cmp.label stale" \
    bash -c "'$bin' forms translations offre --lang ar --forms '$g' --json |
             jq -e '(.texts[] | select(.key == \"cmp.label\") | .status == \"stale\") and .summary.stale == 1'"
cmd=("$bin" forms translations offre --lang de --forms "$g")
expect "offer: unknown language refused" 1 "n'a pas la langue « de » (langues : fr ar en tr)"
cmd=("$bin" forms translations offre --lang ar --forms "$g" --accept nothere.label)
expect "offer: unknown key refused" 1 "pas de texte « nothere.label »"
cmd=("$bin" forms translations offre --lang ar --forms "$g" --accept cmp.label)
expect "offer: accept cmp.label in ar" 0 "1 traduction(s) ar validée(s)" "offer.translations.json" ", 0 à revoir,"
cmd=("$bin" check-forms "$g")
expect "check-forms: offer ar cleared, en and tr remain" 0 "!la traduction ar" "offre cmp.label : la traduction en" \
    "offre cmp.label : la traduction tr" "0 erreur(s)"
stale_count "check-forms: exactly 2 stale offer warnings" 2
check "offer record is not listed as a form" bash -c "! '$bin' check-forms '$g' | grep -q 'formulaire offre'"

check "no sanitizer report" sanitizer_clean
finish
