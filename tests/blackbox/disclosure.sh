#!/usr/bin/env bash
# Black-box test of the disclosure rule on the real binaries (issue 13, finding 1): small campaigns loaded with
# `collector import`, then every output a reader gets from `analyzer indicators` (JSON, CSV) and `analyzer report`
# (HTML, Markdown) read back and attacked by subtraction, as anyone holding the publication could: a shown total
# minus its shown parts must never isolate between 1 and min_n - 1 respondents. The audit's town (12 residents in
# one neighbourhood, 1 in another: the town minus the first was the second's answers), two and three small
# neighbourhoods that add up to fewer than 11, an item answered "nsp" by the only respondent of a neighbourhood,
# a change between waves resting on a suppressed wave, and overlapping waves (refused).
# Usage: disclosure.sh ANALYZER_BINARY COLLECTOR_BINARY SOURCE_DIR
set -u
an=$1
col=$2
src=$3
forms=$src/forms
source "$src/tests/blackbox/lib.sh"
JQLIB=$(cat "$src/tests/blackbox/report.jq")
QPV=$(jq -c '[.territories[] | select(.kind == "qpv") | .code]' "$forms/territories.json")
REST=$(jq -c '[.territories[] | select(.kind != "qpv") | .code]' "$forms/territories.json")

# ---- campaigns ------------------------------------------------------------------------------------------------
# One CSV line per resident: territory, perceived health, chronic illness, forgone care, complementary cover,
# arrival. `collector import` checks each like any submission.
line() { # territory health chronic care cover [day]
    printf 'web,fr,%sT10:00Z,%s,25-39,femme,%s,%s,%s,%s\n' "${6:-2026-03-02}" "$1" "$2" "$3" "$4" "$5"
}
many() { # count, then line's arguments
    local n=$1 i
    shift
    for ((i = 0; i < n; i++)); do line "$@"; done
}
load() { # name: reads the CSV lines on stdin into $tmp/NAME.db
    { echo "channel,lang,received_at,R01,R02,R03,R07,R08,R17,R21"; cat; } >"$tmp/$1.csv"
    "$col" import --db "$tmp/$1.db" --forms "$forms" --form resident "$tmp/$1.csv" >"$tmp/import.out" 2>"$tmp/err"
}
outputs() { # name: indicators JSON and CSV, report HTML and Markdown, with the default --min-n 11
    "$an" indicators --db "$tmp/$1.db" --forms "$forms" --form resident -o "$tmp/$1.json" 2>"$tmp/err" &&
        "$an" indicators --db "$tmp/$1.db" --forms "$forms" --form resident --format csv -o "$tmp/$1.csv.out" 2>>"$tmp/err" &&
        "$an" report --db "$tmp/$1.db" --forms "$forms" -o "$tmp/$1.html" 2>>"$tmp/err" &&
        "$an" report --db "$tmp/$1.db" --forms "$forms" --format md -o "$tmp/$1.md" 2>>"$tmp/err"
}

# ---- the attacker ---------------------------------------------------------------------------------------------
# The relations the outputs publish: the town is every territory, all QPV the QPV territories, the rest of the
# town its territories (when it is a group of its own), and the town all QPV plus the rest.
JQREL='
def relations($qpv; $rest; $rest_id):
    [{total: "commune", parts: ($qpv + $rest)}, {total: "ensemble_qpv", parts: $qpv}]
    + (if $rest_id == "reste_commune" then [{total: "reste_commune", parts: $rest}] else [] end)
    + [{total: "commune", parts: ["ensemble_qpv", $rest_id]}];
# Given a map group -> published count (null when suppressed), what subtraction recovers in each relation whose
# total is published: its suppressed parts together. Problems when that is between 1 and 10.
def leaks($count; $rels; $what):
    $rels[] | select($count[.total] != null) | . as $r
    | [$r.parts[] | select($count[.] == null)] as $hidden
    | select($hidden | length > 0)
    | ($count[$r.total] - ([$r.parts[] | $count[.] // 0] | add)) as $d
    | select($d > 0 and $d < 11)
    | "\($what): \($r.total) minus its published parts gives \($hidden | join(" + ")) = \($d) respondents";
'
rest_id() { jq -r 'if any(.groups[]; .id == "reste_commune") then "reste_commune" else ([.groups[] | select(.kind == "territory" and (.qpv | not)) | .id] | last) end' "$1"; }
# Every unit of the JSON (each indicator, each category) and the groups' respondent counts.
json_leaks() { # indicators json
    jq --argjson qpv "$QPV" --argjson rest "$REST" --arg rid "$(rest_id "$1")" "$JQREL"'
        relations($qpv; $rest; $rid) as $rels
        | [(.indicators | group_by([.id, .category])[] | . as $u
            | (reduce $u[] as $c ({}; .[$c.group] = (if $c.suppressed == false then $c.n else null end))) as $n
            | leaks($n; $rels; "\($u[0].id)/\($u[0].category // "")")),
           ((reduce .groups[] as $g ({}; .[$g.id] = $g.respondents)) as $n | leaks($n; $rels; "respondents"))] | unique' "$1"
}
# The same in the CSV: its n column.
csv_leaks() { # indicators csv, indicators json (for the groups)
    jq -Rs --argjson qpv "$QPV" --argjson rest "$REST" --arg rid "$(rest_id "$2")" "$JQREL"'
        def fields: [scan("(?:^|,)(\"(?:[^\"]|\"\")*\"|[^,]*)") | .[0] | if startswith("\"") then .[1:-1] | gsub("\"\""; "\"") else . end];
        split("\n") | map(select(length > 0) | fields) | .[0] as $h | .[1:]
        | map([$h, .] | transpose | map({(.[0]): .[1]}) | add)
        | relations($qpv; $rest; $rid) as $rels
        | [group_by([.id, .category])[] | . as $u
           | (reduce $u[] as $c ({}; .[$c.group] = (if $c.suppressed == "" then ($c.n | tonumber) else null end))) as $n
           | leaks($n; $rels; "CSV \($u[0].id)/\($u[0].category)")] | unique' "$1"
}
# The report: in every table whose rows are groups, the "n" column; group labels from the JSON.
report_leaks() { # report file, its format, indicators json
    jq -n --rawfile h "$1" --arg fmt "$2" --slurpfile j "$3" --argjson qpv "$QPV" --argjson rest "$REST" \
        --arg rid "$(rest_id "$3")" "$JQLIB$JQREL"'
        (reduce $j[0].groups[] as $g ({}; .[$g.label] = $g.id)) as $id
        | relations($qpv; $rest; $rid) as $rels
        | (if $fmt == "html" then $h | html_blocks | html_tables else $h | md_blocks | md_tables end) as $T
        | [$T[] | select((.head | index("n")) == 1 and (.head[0] == "Territoire")) as $t
           | (reduce $t.rows[] as $r ({}; .[$id[$r[0]] // $r[0]] = (if $r[1] == "secret stat." then null else ($r[1] | tonumber) end))) as $n
           | leaks($n; $rels; "\($t.h1) / \($t.h2 // "") \($t.h3 // "")")] | unique
        | if length == 0 and ([$T[] | select(.head[0] == "Territoire" and (.head | index("n")) == 1)] | length) < 5
          then ["fewer than 5 indicator tables read from the report"] else . end'
}
# The count tables of "Qui a répondu": every row and column, a shown total minus its shown parts.
counts_leaks() { # report file, format
    jq -n --rawfile h "$1" --arg fmt "$2" "$JQLIB"'
        (if $fmt == "html" then $h | html_blocks | html_tables else $h | md_blocks | md_tables end) as $T
        | [$T[] | select(.cap == "Réponses par territoire et mode de recueil" or .cap == "Réponses par territoire et langue du questionnaire")
           | (if .cap | contains("mode") then 3 else (.head | length) - 1 end) as $nc | .cap as $cap
           | ([.rows[] | .[1:1 + $nc]] | ., transpose)[]
           | select(.[-1] != "secret stat." and (.[:-1] | any(. == "secret stat.")))
           | ((.[-1] | tonumber) - ([.[:-1][] | select(. != "secret stat.") | tonumber] | add // 0)) as $d
           | select($d > 0 and $d < 11) | "\($cap): \(join(" | ")) leaves \($d) in its suppressed cells"]'
}
attack() { # name: every output of the campaign
    list_check "$1: JSON, no unit nor respondent count recoverable by subtraction" json_leaks "$tmp/$1.json"
    list_check "$1: CSV, the same" csv_leaks "$tmp/$1.csv.out" "$tmp/$1.json"
    list_check "$1: HTML report, the same in every table of groups" report_leaks "$tmp/$1.html" html "$tmp/$1.json"
    list_check "$1: Markdown report, the same" report_leaks "$tmp/$1.md" md "$tmp/$1.json"
    list_check "$1: HTML report, who answered: no count recoverable" counts_leaks "$tmp/$1.html" html
    list_check "$1: Markdown report, who answered: the same" counts_leaks "$tmp/$1.md" md
}
status_of() { # json, indicator, group
    jq -r --arg i "$2" --arg g "$3" '.indicators[] | select(.id == $i and .group == $g) | .suppressed' "$1"
}

# ---- 1. the audit's town: 12 + 1 --------------------------------------------------------------------------------
{
    many 12 QN09399A bon non non mutuelle
    line QN09399B mauvais oui oui aucune
} | load audit
check "audit: 13 residents loaded" test "$(sqlite3 "$tmp/audit.db" 'SELECT count(*) FROM counted_submissions')" = 13
check "audit: indicators and report written" outputs audit
attack audit
check "audit: B suppressed (primary), A suppressed (complementary), the town published (13), for perceived health" \
    test "$(status_of "$tmp/audit.json" sante_percue_bonne QN09399B)/$(status_of "$tmp/audit.json" sante_percue_bonne QN09399A)/$(status_of "$tmp/audit.json" sante_percue_bonne commune)" = primary/complementary/false
check "audit: the same for chronic illness and complementary cover" \
    jq -e '[.indicators[] | select(.id == "maladie_chronique" or .id == "sans_complementaire") | select(.group == "QN09399A" or .group == "QN09399B")] | length == 4 and all(.suppressed != false and .n == null and .events == null and .estimate == null)' "$tmp/audit.json"
check "audit: A's respondents are not published, the town's are (13)" \
    jq -e '(.groups[] | select(.id == "QN09399A") | .respondents == null and .suppressed == "complementary") and (.groups[] | select(.id == "commune") | .respondents == 13)' "$tmp/audit.json"
check "audit: in the HTML, A's row of perceived health reads « secret stat. »" \
    jq -en --rawfile h "$tmp/audit.html" "$JQLIB"'[$h | html_blocks | html_tables | .[] | select(.head[0] == "Territoire") | .rows[] | select(.[0] == "Les Tilleuls")] | length > 0 and all(.[1:3][] == "secret stat.")'
charts_hide_a() { # html: every chart row of A says why it has no value, every map area of A is hatched (map labels,
    # centred, are names only)
    local rows areas
    rows=$(grep -o 'Les Tilleuls</text><text [^>]*>[^<]*' "$1" | grep -v 'text-anchor="middle"' | sed 's/.*>//' | sort | uniq -c)
    areas=$(grep -o '<path [^>]*><title>Les Tilleuls' "$1" | grep -o 'fill="[^"]*"' | sed 's/[0-9]*")$//' | sort | uniq -c)
    echo "$rows" | grep -q "secret statistique" && ! echo "$rows" | grep -qv "secret statistique" &&
        echo "$areas" | grep -q 'url(#hatch-' && ! echo "$areas" | grep -qv 'url(#hatch-'
}
check "audit: no chart nor map gives A a value (« secret statistique », hatched)" charts_hide_a "$tmp/audit.html"

# ---- 2. two and three small neighbourhoods that add up to fewer than 11 -------------------------------------------
{
    many 20 QN09399A bon non non mutuelle
    many 3 QN09399B mauvais oui oui aucune
    many 4 QN09399C assez_bon oui non aucune
    many 30 hors_qpv tres_bon non non mutuelle
} | load two
check "two small (3 + 4): indicators and report written" outputs two
attack two
check "two small: A goes with them (all QPV, 27, and the town stay published)" \
    test "$(status_of "$tmp/two.json" sante_percue_bonne QN09399A)/$(status_of "$tmp/two.json" sante_percue_bonne ensemble_qpv)/$(status_of "$tmp/two.json" sante_percue_bonne commune)" = complementary/false/false
{
    many 25 QN09399A bon non non mutuelle
    many 3 QN09399B mauvais oui oui aucune
    many 4 QN09399C assez_bon oui non aucune
    many 2 QN09399D mauvais oui oui aucune
    many 40 hors_qpv tres_bon non non mutuelle
} | load three
check "three small (3 + 4 + 2): indicators and report written" outputs three
attack three
check "three small: A goes with them" test "$(status_of "$tmp/three.json" sante_percue_bonne QN09399A)" = complementary
{
    many 25 QN09399A bon non non mutuelle
    many 3 QN09399B mauvais oui oui aucune
    many 4 QN09399C assez_bon oui non aucune
    many 5 QN09399D mauvais oui oui aucune
    many 40 hors_qpv tres_bon non non mutuelle
} | load twelve
check "three small adding up to 12: indicators and report written" outputs twelve
attack twelve
check "three small adding up to 12: nothing more is hidden (A, all QPV and the town published)" \
    test "$(status_of "$tmp/twelve.json" sante_percue_bonne QN09399A)/$(status_of "$tmp/twelve.json" sante_percue_bonne ensemble_qpv)" = false/false

# ---- 3. nobody in the denominator but an "nsp" --------------------------------------------------------------------
{
    many 12 QN09399A bon non non mutuelle
    line QN09399B mauvais nsp oui aucune
} | load nsp
check "one nsp: indicators and report written" outputs nsp
check "one nsp: chronic illness has nobody in B's denominator, and A is hidden so that the town does not tell B's nsp" \
    jq -e '(.indicators[] | select(.id == "maladie_chronique" and .group == "QN09399A") | .suppressed == "complementary")
           and (.indicators[] | select(.id == "maladie_chronique" and .group == "commune") | .suppressed == false and .n == 12 and .nsp == 1)' "$tmp/nsp.json"

# ---- 4. waves -----------------------------------------------------------------------------------------------------
# 2025: all QPV has 8 respondents (suppressed); 2026: 40. The change for all QPV rests on 2025's suppressed cell.
{
    many 4 QN09399A bon non non mutuelle 2025-03-02
    many 4 QN09399B mauvais oui oui aucune 2025-03-02
    many 30 hors_qpv tres_bon non non mutuelle 2025-03-02
    many 20 QN09399A bon non non mutuelle 2026-03-02
    many 20 QN09399B assez_bon oui non aucune 2026-03-02
    many 30 hors_qpv tres_bon non non mutuelle 2026-03-02
} | load waves
"$an" report --db "$tmp/waves.db" --forms "$forms" --wave 2025=2025-01-01..2025-12-31 --wave 2026=2026-01-01..2026-12-31 \
    -o "$tmp/waves.html" 2>"$tmp/err"
check "waves: report with 2025 and 2026" test $? -eq 0
check "waves: the change for all QPV rests on a suppressed 2025 cell: « secret stat. », no number" \
    jq -en --rawfile h "$tmp/waves.html" "$JQLIB"'[$h | html_blocks | html_tables | .[] | select(.h1 == "Évolution depuis la première vague" and (.h2 | startswith("Ensemble des quartiers prioritaires")))
        | .rows[] | select(.[0] == "État de santé perçu bon ou très bon")] as $r
        | ($r | length) == 1 and $r[0][1] == "secret stat." and ($r[0][2] | test("^[0-9]")) and $r[0][3] == "secret stat." and $r[0][4] == ""'
# Overlapping waves: everything up to 2026-03-01, and everything: their difference would be one year of answers, or
# one day, or one person. Refused, naming both waves.
"$an" report --db "$tmp/waves.db" --forms "$forms" --wave avant=..2025-12-31 --wave tout=2025-01-01..2026-12-31 \
    -o "$tmp/overlap.html" 2>"$tmp/err"
st=$?
check "overlapping waves: refused (status 1), the message names both waves and the shared answers" \
    bash -c '[ "$1" -eq 1 ] && grep -q "avant" "$2" && grep -q "tout" "$2" && grep -q "en commun" "$2" && [ ! -e "$3" ]' _ "$st" "$tmp/err" "$tmp/overlap.html"
"$an" report --db "$tmp/waves.db" --forms "$forms" --wave v3=3 --wave 2026=2026-01-01..2026-12-31 -o "$tmp/overlap2.html" 2>"$tmp/err"
st=$?
check "a wave by version and a wave by dates that share answers: refused too" \
    bash -c '[ "$1" -eq 1 ] && grep -q "en commun" "$2"' _ "$st" "$tmp/err"

check "no sanitizer report in any run" sanitizer_clean
finish
