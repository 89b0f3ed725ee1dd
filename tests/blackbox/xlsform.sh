#!/usr/bin/env bash
# Black-box test of `collector forms export` and `collector forms import`: the shipped resident form goes out
# as a workbook and comes back the same; a workbook edited as a coordinator would (a label reworded, a choice
# added, a service renamed; the XML rewritten with python's zipfile, cells as inline strings) comes back with
# the change; bad workbooks exit 1 naming the cell, and write nothing.
# Usage: xlsform.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
source "$src/tests/blackbox/lib.sh"

# expect NAME STATUS PATTERN... -- the last command's status (in $st) and its output ($tmp/out).
expect() {
    local name=$1 want=$2 ok=1
    shift 2
    [ "$st" -eq "$want" ] || { ok=0; echo "  status $st, expected $want"; }
    for pat in "$@"; do grep -qF -- "$pat" "$tmp/out" || { ok=0; echo "  missing in output: $pat"; }; done
    if [ $ok -eq 1 ]; then ok "$name"; else not_ok "$name" "$(head -c 3000 "$tmp/out")"; fi
}
run() { "$@" >"$tmp/out" 2>&1; st=$?; }

# edit IN OUT MEMBER PYTHON-EXPR: rewrites one part of a workbook; the expression maps the XML text x to the new.
edit() {
    python3 - "$@" <<'PY'
import sys, zipfile
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
# The folder's listing with checksums: "nothing written" compares it before and after.
snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }

forms=$tmp/forms
mkdir "$forms"
cp "$src"/forms/*.json "$src"/forms/*.geojson "$forms/"

# Export: a workbook of mode 0600 with the three sheets.
run "$bin" forms export resident --forms "$forms" -o "$tmp/resident.xlsx"
expect "export resident" 0 "formulaire resident version"
mode=$(stat -c %a "$tmp/resident.xlsx" 2>/dev/null)
[ "$mode" = 600 ] && ok "workbook is owner-only" || not_ok "workbook is owner-only" "mode $mode"
run python3 -c "import zipfile,sys; n=zipfile.ZipFile(sys.argv[1]).read('xl/workbook.xml').decode(); \
assert all('name=\"%s\"' % s in n for s in ('survey','choices','settings')), n" "$tmp/resident.xlsx"
expect "sheets survey, choices, settings" 0

run "$bin" forms export nosuch --forms "$forms" -o "$tmp/x.xlsx"
expect "export of an unknown form" 1 "introuvable"
[ ! -e "$tmp/x.xlsx" ] && ok "nothing written for an unknown form" || not_ok "nothing written for an unknown form"
run "$bin" forms export resident --forms "$forms"
expect "export without -o is a usage error" 2 "usage"
# (the shipped folder keeps the resident form's version 1 in versions/)
run "$bin" forms export resident --forms "$src/forms" --version 1 -o "$tmp/v1.xlsx"
expect "export of a given version" 0 "formulaire resident version 1"
run "$bin" forms export resident --forms "$forms" --version 99 -o "$tmp/v99.xlsx"
expect "export of a version that does not exist" 1 "version « 99 » introuvable"

# Import into a folder without the form: the same document, and check-forms passes.
rm "$forms/resident.json"
run "$bin" forms import "$tmp/resident.xlsx" --forms "$forms"
expect "import resident" 0 "resident.json : formulaire resident version 3"
if cmp -s <(jq -S . "$forms/resident.json") <(jq -S . "$src/forms/resident.json"); then
    ok "round trip gives the same JSON"
else
    not_ok "round trip gives the same JSON" "$(diff <(jq -S . "$forms/resident.json") <(jq -S . "$src/forms/resident.json") | head -20)"
fi
[ "$(tail -c 1 "$forms/resident.json" | od -An -c | tr -d ' ')" = '\n' ] && ok "JSON ends with a newline" ||
    not_ok "JSON ends with a newline"
[ "$(stat -c %a "$forms/resident.json")" = 600 ] && ok "imported form is owner-only" ||
    not_ok "imported form is owner-only" "mode $(stat -c %a "$forms/resident.json")"
run "$bin" check-forms "$forms"
expect "check-forms passes after the round trip" 0 "0 erreur(s)"

# A coordinator's edits: R13 reworded (its shared string), a choice added to R16 (a new row of inline strings),
# a service renamed in the shared list "offre".
edit "$tmp/resident.xlsx" "$tmp/e1.xlsx" xl/sharedStrings.xml \
    "x.replace('<t>Avez-vous un médecin traitant ?</t>', '<t>Avez-vous un médecin traitant déclaré ?</t>', 1)"
edit "$tmp/e1.xlsx" "$tmp/e2.xlsx" xl/worksheets/sheet2.xml "x.replace('</sheetData>', \
'<row r=\"900\"><c r=\"A900\" t=\"inlineStr\"><is><t>R16</t></is></c><c r=\"B900\" t=\"inlineStr\"><is><t>kine</t></is></c>\
<c r=\"C900\" t=\"inlineStr\"><is><t>Kinésithérapeute</t></is></c><c r=\"G900\"><v>9</v></c></row></sheetData>')"
edit "$tmp/e2.xlsx" "$tmp/edited.xlsx" xl/sharedStrings.xml "x.replace('<t>Centre de santé</t>', '<t>Centre de santé municipal</t>')"
before=$(snapshot "$forms")
run "$bin" forms import "$tmp/edited.xlsx" --forms "$forms"
expect "import of an edited workbook" 0 "offer.json mis à jour : " "nouvelle version"
# The shared list changed: the operators' form, which names it too, changes with it.
expect "the other form using the changed list is named" 0 \
    "forms/operator.json: \$: avertissement: le formulaire operator version 1 utilise aussi la liste partagée « offre », qui change" \
    "donnez-lui aussi une nouvelle version"
# The advice for a version changed in place: a new version, nothing to copy (the database keeps the old one).
expect "same version changed: the advice is a new version, nothing to copy" 0 \
    "rien à copier : la base du collecteur garde la définition de chaque version qui a des réponses"
grep -q "versions/" "$tmp/out" && not_ok "no advice to copy the old version under versions/" "$(cat "$tmp/out")" ||
    ok "no advice to copy the old version under versions/"
check "R13 reworded" jq -e '[.sections[].questions[] | select(.id == "R13")][0].label.fr == "Avez-vous un médecin traitant déclaré ?"' \
    "$forms/resident.json"
check "choice added to R16" jq -e '[.sections[].questions[] | select(.id == "R16")][0].choices[-1] ==
    {"code": "kine", "paper": 9, "label": {"fr": "Kinésithérapeute"}}' "$forms/resident.json"
check "service renamed in offer.json" jq -e '.services[0].label.fr == "Centre de santé municipal" and .example == true' \
    "$forms/offer.json"
check "other R13 texts kept" jq -e '[.sections[].questions[] | select(.id == "R13")][0].label.ar | length > 0' \
    "$forms/resident.json"
run "$bin" check-forms "$forms"
expect "check-forms passes after the edits" 0 "0 erreur(s)"

# Bad workbooks: exit 1, the cell named, nothing written.
before=$(snapshot "$forms")
edit "$tmp/resident.xlsx" "$tmp/dup.xlsx" xl/sharedStrings.xml "x.replace('<t>R14</t>', '<t>R13</t>', 1)"
run "$bin" forms import "$tmp/dup.xlsx" --forms "$forms"
expect "duplicate question name" 1 "survey!B" "déjà utilisé" "rien n'a été écrit"
edit "$tmp/resident.xlsx" "$tmp/typo.xlsx" xl/sharedStrings.xml "x.replace(\"\${R13} = 'non'\", \"\${R13} = 'nn'\", 1)"
run "$bin" forms import "$tmp/typo.xlsx" --forms "$forms"
expect "misspelt code in skip logic, named by its cell" 1 "survey!" "nn"
grep -q '\$\.sections' "$tmp/out" && not_ok "errors name cells, not JSON paths" "$(cat "$tmp/out")" ||
    ok "errors name cells, not JSON paths"
edit "$tmp/resident.xlsx" "$tmp/repeat.xlsx" xl/sharedStrings.xml "x.replace('<t>begin_group</t>', '<t>begin_repeat</t>', 1)"
run "$bin" forms import "$tmp/repeat.xlsx" --forms "$forms"
expect "repeat refused" 1 "survey!A" "begin_repeat" "répétés"
# R07 renamed: the form alone is sound, but resident.indicators.json names R07; check-forms (and the analyzer)
# would fail after the write, so the import refuses it, naming the indicator file. Its private image of the
# folder is removed.
edit "$tmp/resident.xlsx" "$tmp/r07.xlsx" xl/sharedStrings.xml \
    "x.replace('<t>R07</t>', '<t>R07x</t>', 1).replace('<t>select_one R07</t>', '<t>select_one R07x</t>', 1)"
mkdir "$tmp/img"
TMPDIR=$tmp/img run "$bin" forms import "$tmp/r07.xlsx" --forms "$forms"
expect "a question the indicators use, renamed: refused" 1 "resident.indicators.json" "R07" "rien n'a été écrit"
grep -q "$tmp/img" "$tmp/out" && not_ok "errors name the folder's files, not the image's" "$(cat "$tmp/out")" ||
    ok "errors name the folder's files, not the image's"
[ -z "$(ls -A "$tmp/img")" ] && ok "the folder's image is removed" || not_ok "the folder's image is removed" "$(ls -R "$tmp/img")"
# The issue's hostile workbooks, through the command: each a clear error, nothing written.
python3 - "$tmp/resident.xlsx" "$tmp" <<'PY'
import sys, zipfile
src, out = sys.argv[1], sys.argv[2]
zin = zipfile.ZipFile(src)
def rewrite(dst, member, fn):
    with zipfile.ZipFile(out + "/" + dst, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            data = zin.read(item.filename)
            z.writestr(item.filename, fn(data) if item.filename == member else data)  # not item: writestr updates it
# 100,000 rows in the survey sheet
rows = "".join('<row r="%d"><c r="A%d" t="inlineStr"><is><t>note</t></is></c></row>' % (r, r) for r in range(3, 100003))
rewrite("rows.xlsx", "xl/worksheets/sheet1.xml", lambda d: d.replace(b"</sheetData>", rows.encode() + b"</sheetData>"))
# invalid UTF-8 in the shared strings
rewrite("utf8.xlsx", "xl/sharedStrings.xml", lambda d: d.replace("Avez-vous".encode(), b"Avez-\xff\xfeous", 1))
# a formula where a label should be (the first question's French label)
rewrite("formula.xlsx", "xl/worksheets/sheet1.xml", lambda d: d.replace(b'<c r="C3" t="s">', b'<c r="C3" t="s"><f>A1&amp;B1</f>', 1))
# a zip bomb: the survey sheet inflates to 80 MB
rewrite("bomb.xlsx", "xl/worksheets/sheet1.xml", lambda d: d.replace(b"</sheetData>", b" " * (80 << 20) + b"</sheetData>"))
# no survey sheet
with zipfile.ZipFile(out + "/nosurvey.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "xl/workbook.xml":
            data = data.replace(b'name="survey"', b'name="questions"')
        z.writestr(item.filename, data)
PY
run "$bin" forms import "$tmp/rows.xlsx" --forms "$forms"
expect "100,000 rows: refused, the sheet and row named" 1 "survey" "20 000 lignes" "rien n'a été écrit"
run "$bin" forms import "$tmp/utf8.xlsx" --forms "$forms"
expect "invalid UTF-8 in the shared strings: refused" 1 "sharedStrings.xml" "UTF-8" "rien n'a été écrit"
run "$bin" forms import "$tmp/formula.xlsx" --forms "$forms"
expect "a formula in a label: refused, the cell named" 1 "survey!C3" "formule" "rien n'a été écrit"
run "$bin" forms import "$tmp/bomb.xlsx" --forms "$forms"
expect "a zip bomb: refused" 1 "sheet1.xml" "rien n'a été écrit"
run "$bin" forms import "$tmp/nosurvey.xlsx" --forms "$forms"
expect "no survey sheet: refused" 1 "survey" "rien n'a été écrit"
echo "not a workbook" >"$tmp/text.xlsx"
run "$bin" forms import "$tmp/text.xlsx" --forms "$forms"
expect "not a zip" 1 "text.xlsx"
[ "$before" = "$(snapshot "$forms")" ] && ok "nothing written by the failed imports" ||
    not_ok "nothing written by the failed imports" "$(diff <(echo "$before") <(snapshot "$forms"))"

# -o elsewhere: the form goes there, with the workbook's offer beside it.
mkdir "$tmp/out2"
run "$bin" forms import "$tmp/resident.xlsx" --forms "$forms" -o "$tmp/out2/r.json"
expect "import with -o" 0 "offer.json mis à jour"
check "-o target written" jq -e '.id == "resident"' "$tmp/out2/r.json"

sanitizer_clean && ok "no sanitizer report" || not_ok "no sanitizer report"
finish
