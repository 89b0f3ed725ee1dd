#!/usr/bin/env bash
# Black-box test of `analyzer report`, `analyzer export` and `analyzer codebook`: runs the real binaries on a
# synthetic campaign (residents and operators written by synth into one collector database) and checks exit
# statuses and messages; that the HTML report is self-contained (no script, no link or resource outside the
# file) and has every section; that every figure of every table (and of the summary) is the figure of
# `analyzer indicators` run with the same database, margins and minimum n, at the report's precision (one
# decimal, French comma); that "plus élevé"/"plus faible" follow the Holm-adjusted tests; that the Markdown
# report has the HTML's headings and tables, and no HTML; that suppression holds in every table and chart;
# that free text appears only with --include-text (at most 300 answers a question, with a note beyond); tables too
# wide for the page split into blocks of columns (read back whole before any comparison); the maps (their two hatch
# patterns, « non publié » and « imprécis »), or ranked dot charts without outlines; residents' and operators'
# knowledge and use of each service side by side; the
# non-response table's whole wordings; two waves (by dates and by form version) against each wave alone, with
# Holm-adjusted evolution readings; the export CSV against the database; the codebook.
# Usage: report.sh ANALYZER_BINARY SYNTH_BINARY COLLECTOR_BINARY SOURCE_DIR
set -u
an=$1
synth=$2
col=$3 # kept for the common signature of the black-box tests; not needed here
src=$4
forms=$src/forms
terr=$forms/territories.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The definitions as the programs read them, for the checks that read them with jq: offer.json's services written
# inline in the forms and the indicator templates written out (tests/js/offer.js; tests/js checks it against C).
xforms=$tmp/expanded
node "$src/tests/js/offer.js" "$forms" "$xforms" || { echo "not ok - tests/js/offer.js $forms"; exit 1; }
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "  $l"; done; }
check() { # name, command...: the command's status decides
    local name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name" "command: $(echo "$*" | head -c 400)" "last stderr: $(head -c 600 "$tmp/err")"; fi
}
jqt() { jq -e "$@" >/dev/null 2>&1; }
# Runs the analyzer with stdout in $tmp/out and stderr in $tmp/err (also kept in $tmp/allerr); status in $st.
run() { "$an" "$@" >"$tmp/out" 2>"$tmp/err"; st=$?; { echo "== analyzer $*"; cat "$tmp/err"; } >>"$tmp/allerr"; }
# A usage or input error: status, nothing on stdout, and every fixed string given in the message.
err_check() { # name, expected status, strings...
    local name=$1 want=$2 good=1 why=()
    shift 2
    [ "$st" -eq "$want" ] || { good=0; why+=("status $st, expected $want"); }
    [ -s "$tmp/out" ] && { good=0; why+=("something on stdout"); }
    for pat in "$@"; do
        grep -qF -- "$pat" "$tmp/err" || { good=0; why+=("missing in message: $pat"); }
    done
    if [ $good -eq 1 ]; then ok "$name"; else not_ok "$name" "${why[@]}" "stderr: $(head -c 600 "$tmp/err")"; fi
}
# Runs the analyzer writing to -o FILE; the check fails unless the status is 0 and the file is not empty.
produce() { # name, file, analyzer arguments...
    local name=$1 file=$2
    shift 2
    run "$@" -o "$file"
    if [ "$st" -eq 0 ] && [ -s "$file" ]; then ok "$name"; else not_ok "$name" "status $st" "stderr: $(head -c 600 "$tmp/err")"; fi
}
# A command that prints a JSON array of failures: passes when it is empty, else shows the first ones.
list_check() { # name, command...
    local name=$1 res
    shift
    if ! res=$("$@" 2>"$tmp/jqerr") || ! res=$(echo "$res" | jq -c . 2>>"$tmp/jqerr"); then
        not_ok "$name" "command failed: $*" "$(head -c 800 "$tmp/jqerr")"
        return
    fi
    if [ "$res" = "[]" ]; then ok "$name"; else
        not_ok "$name" "$(echo "$res" | jq -r '"\(length) problem(s):", (.[:12][] | "  " + .)')"
    fi
}
sq() { sqlite3 "$@"; }
# The codes of the territories that have an outline: their own "outline", or a feature of the GeoJSON file named by
# "outlines" (relative to the territories file) whose "code", "code_qp" or "CODE_QP" property is theirs (forms/terr.h).
outlined_of() { # territories file: a JSON array of codes
    local g
    g=$(jq -r '.outlines // empty' "$1")
    case $g in "" | /*) ;; *) g=$(dirname "$1")/$g ;; esac
    { if [ -n "$g" ]; then cat "$g"; else echo '{"features": []}'; fi; } | jq -c --slurpfile t "$1" '
        [.features[] | select(.geometry != null) | .properties | .code // .code_qp // .CODE_QP] as $f
        | [$t[0].territories[] | select(.outline != null or (.code as $c | $f | index([$c]))) | .code]'
}

# ---- jq definitions: reading the report back, and what the indicators JSON says it must show -----------------
JQLIB=$(cat "$src/tests/blackbox/report.jq")

# Runs report_checks on an HTML report and the JSON of the same analysis; writes the list of checks to $4.
compare_report() { # html, residents json, operators json, output
    jq -n --rawfile h "$1" --slurpfile r "$2" --slurpfile o "$3" --slurpfile rd "$xforms/resident.indicators.json" \
        --slurpfile od "$xforms/operator.indicators.json" "$JQLIB"'
        ($h | html_blocks) as $b | report_checks($b | html_tables; $b; $r[0]; $o[0]; $rd[0]; $od[0])' >"$4" 2>"$4.err"
}
# Every failed cell of a comparison written by compare_report, and enough of them compared.
compared_ok() { # file, minimum number of cells
    [ -s "$1" ] || { jq -nc --rawfile e "$1.err" '["the comparison failed: " + $e]'; return; }
    jq -c --argjson min "$2" 'if length < $min then ["only \(length) figures compared (at least \($min) expected)"] else map(select(.ok | not) | .w) end' "$1"
}

# The HTML refers to nothing outside itself: no script, links to #anchors only, no URL but the SVG namespace.
selfcontained() { # file: prints what is wrong
    local f=$1
    grep -qi '<script' "$f" && echo "a <script> element"
    grep -qiE '<(link|img|iframe|object|embed|audio|video|source|base|form)[ >/]' "$f" && echo "an element that loads something: $(grep -oiE '<(link|img|iframe|object|embed|audio|video|source|base|form)[ >/]' "$f" | head -3 | tr '\n' ' ')"
    local refs
    refs=$(grep -oiE '(href|src|srcset|xlink:href|action|poster)[[:space:]]*=[[:space:]]*("[^"]*"|'"'"'[^'"'"']*'"'"'|[^ >]+)' "$f" | grep -vE '^href="#[A-Za-z0-9_-]+"$')
    [ -n "$refs" ] && echo "references that are not #anchors: $(echo "$refs" | sort -u | head -5 | tr '\n' ' ')"
    local urls svgns
    urls=$(grep -oE '[A-Za-z]+://' "$f" | wc -l)
    svgns=$(grep -oF 'xmlns="http://www.w3.org/2000/svg"' "$f" | wc -l)
    [ "$urls" -eq "$svgns" ] || echo "URLs other than the SVG namespace: $(grep -oE '[A-Za-z]+://[^"<> ]*' "$f" | grep -vx 'http://www.w3.org/2000/svg' | sort -u | head -5 | tr '\n' ' ')"
    # url() only to a fragment of the file itself (an SVG pattern), never to a resource
    grep -oiE 'url[[:space:]]*\([^)]*\)' "$f" | grep -viE '^url\(#[A-Za-z0-9_-]+\)$' | sort -u | head -3 | sed 's/^/url() to a resource: /'
    local frag
    for frag in $(grep -oE 'url\(#[A-Za-z0-9_-]+\)' "$f" | sort -u | sed 's/^url(#//; s/)$//'); do
        grep -qF "id=\"$frag\"" "$f" || echo "url(#$frag) refers to no element of the file"
    done
    grep -qi '@import' "$f" && echo "@import in the styles"
    grep -qi 'Content-Security-Policy' "$f" || echo "no Content-Security-Policy meta"
    return 0
}
selfcontained_ok() { local w; w=$(selfcontained "$1"); [ -z "$w" ] || { echo "  $w" | head -8 >"$tmp/err"; return 1; }; }

# ---- data --------------------------------------------------------------------------------------------------
db=$tmp/r.db
"$synth" --forms "$forms" --form resident --n 2000 --seed 7 --db "$db" >/dev/null 2>"$tmp/err"
"$synth" --forms "$forms" --form operator --n 50 --seed 8 --db "$db" >/dev/null 2>>"$tmp/err"
check "synth writes 2,000 residents and 50 operators into one database" \
    test "$(sq "$db" "SELECT count(*) FROM counted_submissions WHERE form_id = 'resident'")/$(sq "$db" "SELECT count(*) FROM counted_submissions WHERE form_id = 'operator'")" = 2000/50
# A free-text answer to recognise (with characters each format must escape), in the first resident's R39.
MARK=ZQX-marqueur-7731
MARKTEXT="$MARK <b>bruit</b> & \"voisins\""
marked=$(sq "$db" "SELECT uuid FROM submissions WHERE form_id = 'resident' ORDER BY id LIMIT 1")
sq "$db" "UPDATE submissions SET answers = json_set(answers, '\$.R39', '$MARKTEXT') WHERE uuid = '$marked'"
check "R39 of one resident holds the marker" test "$(sq "$db" "SELECT json_extract(answers, '\$.R39') FROM submissions WHERE uuid = '$marked'")" = "$MARKTEXT"
# Paper sheets as the collector records them: 5 single, 4 awaiting their second entry, 10 verified, 3 discrepant,
# 2 reconciled (2 and 1 fields decided). They name no submission: the answers that count do not change.
sq "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 24)
    INSERT INTO sheets (form_id, paper_id, status, double, decisions)
    SELECT 'resident', 'T' || i, CASE WHEN i <= 5 THEN 'single' WHEN i <= 9 THEN 'awaiting_second' WHEN i <= 19 THEN 'verified'
        WHEN i <= 22 THEN 'discrepant' ELSE 'reconciled' END, i > 5, CASE i WHEN 23 THEN '[{\"field\":\"R07\"},{\"field\":\"R13\"}]'
        WHEN 24 THEN '[{\"field\":\"R17\"}]' END FROM n"
check "24 paper sheets recorded (none of them names an answer)" test "$(sq "$db" "SELECT count(*) FROM sheets WHERE form_id = 'resident'")" = 24
"$an" margins --forms "$forms" >"$tmp/m.csv" 2>"$tmp/err"
check "analyzer margins writes a margins file" test -s "$tmp/m.csv"

# ---- bad flags and inputs ----------------------------------------------------------------------------------
run report --forms "$forms"
err_check "report without --db: status 2, message names --db" 2 "--db" "obligatoire"
run report --db "$db" --forms "$forms" --format pdf
err_check "report --format pdf: status 2, message names --format" 2 "--format"
run report --db "$db" --forms "$forms" --min-n 0
err_check "report --min-n 0: status 2, message names --min-n" 2 "--min-n"
run report --db "$db" --forms "$forms" --form visiteur
err_check "report --form unknown: status 2, message names --form" 2 "--form" "formulaire inconnu"
run report --db "$db" --forms "$forms" --operator-form visiteur
err_check "report --operator-form unknown: status 2, message names --operator-form" 2 "--operator-form" "formulaire inconnu"
printf 'territory,variable,category,population\nQN09399A,R02,16-24,beaucoup\n' >"$tmp/bad.csv"
run report --db "$db" --forms "$forms" --margins "$tmp/bad.csv"
err_check "report --margins with a bad file: status 2, message names --margins" 2 "--margins"
run report --db "$db" --forms "$forms" --margins "$tmp/absent.csv"
err_check "report --margins with a missing file: status 2, message names --margins" 2 "--margins"
run report --db "$db" --forms "$forms" --level 2
err_check "report --level 2: status 2, message names --level" 2 "--level"
run report --db "$db" --forms "$forms" --pdf
err_check "report with an unknown option: status 2, message names it" 2 "--pdf"
run report --db "$tmp/absent.db" --forms "$forms"
err_check "report on a missing database: status 1, message names the file" 1 "$tmp/absent.db"
run report --db "$db" --forms "$forms" -o "$tmp/nodir/r.html"
err_check "report -o in a missing directory: status 1, message names the path" 1 "$tmp/nodir/r.html"
check "... and no file is left behind" test ! -e "$tmp/nodir"
run export --db "$db" --forms "$forms"
err_check "export without --form: status 2, message names --form" 2 "--form" "obligatoire"
run export --form resident --forms "$forms"
err_check "export without --db: status 2, message names --db" 2 "--db" "obligatoire"
run export --db "$db" --form visiteur --forms "$forms"
err_check "export --form unknown: status 2, message names --form" 2 "--form" "formulaire inconnu"
run codebook --forms "$forms"
err_check "codebook without --form: status 2, message names --form" 2 "--form" "obligatoire"
run codebook --form resident --forms "$forms" --format pdf
err_check "codebook --format pdf: status 2, message names --format" 2 "--format"
run codebook --form visiteur --forms "$forms"
err_check "codebook --form unknown: status 2, message names --form" 2 "--form" "formulaire inconnu"

# ---- the HTML report ---------------------------------------------------------------------------------------
produce "report (HTML, margins from analyzer margins): status 0, a file" "$tmp/r.html" report --db "$db" --forms "$forms" --margins "$tmp/m.csv"
check "report -o: nothing on stdout, no temporary file left" test ! -s "$tmp/out" -a ! -e "$tmp/r.html.tmp"
produce "report --format md: status 0, a file" "$tmp/r.md" report --db "$db" --forms "$forms" --margins "$tmp/m.csv" --format md
produce "indicators (residents, same margins): the JSON to compare with" "$tmp/r.json" indicators --db "$db" --forms "$forms" --form resident --margins "$tmp/m.csv"
produce "indicators (operators): the JSON to compare with" "$tmp/o.json" indicators --db "$db" --forms "$forms" --form operator
check "the marked record is still valid for the form (nothing rejected)" jqt '.respondents.rejected == 0 and .respondents.counted == 2000' "$tmp/r.json"
check "HTML: self-contained (no script, only #anchors, no URL but the SVG namespace, no url(), a CSP)" selfcontained_ok "$tmp/r.html"
check "HTML: lang=fr, UTF-8, an A4 page rule, sections start a new printed page" \
    grep -qz '<html lang="fr">.*<meta charset="utf-8">.*@page{size:A4.*break-before:page' "$tmp/r.html"
check "HTML: every table of contents link leads to a heading of the file" \
    jqt -Rn '[inputs] | join("\n") | ([scan("href=\"#([^\"]*)\"") | .[0]]) as $l | ([scan(" id=\"([^\"]*)\"") | .[0]]) as $ids | ($l | length) >= 10 and ($l - $ids == [])' "$tmp/r.html"
# The sections follow the residents' plan: its themes in order, with their titles (and "Autres indicateurs" for the
# indicators it does not place); after the themes, the map section when the territories have outlines, else the
# territories compared (ranked dot charts), when the plan maps some indicator.
sections_ok() { # html [territories file]: the title, the level-1 headings in order, and the level-2 headings that must be there
    local tf=${2:-$terr}
    jq -ne --rawfile h "$1" --slurpfile rd "$xforms/resident.indicators.json" --slurpfile od "$xforms/operator.indicators.json" \
        --slurpfile rf "$xforms/resident.json" --slurpfile of "$xforms/operator.json" --slurpfile t "$tf" \
        --argjson outlined "$(outlined_of "$tf")" "$JQLIB"'
        ($rd[0].report.themes // []) as $th
        | ($h | html_blocks | map(select(.k == "h"))) as $hs
        | ([$rd[0].indicators[] | select(.theme as $t | $th | any(.id == $t) | not)] | length > 0) as $others
        | ($hs | map(select(.l == 1) | .t)) == (["Diagnostic local de santé — \($t[0].commune.name)", "Synthèse", "Qui a répondu"]
            + ($th | map(.title.fr)) + (if $others then ["Autres indicateurs"] else [] end)
            + (if mapped($rd[0]) == [] then [] elif $outlined != [] then ["Carte des principaux indicateurs"] else ["Les territoires comparés"] end)
            + (if ($rd[0].report.pairs // []) != [] then ["Regards croisés des habitants et des opérateurs"] else [] end)
            + ["Fiche action : indicateurs de processus"]
            + (if ($hs | any(.l == 1 and .id == "autres-questions")) then ["Autres questions"] else [] end)
            + ["Qualité des données", "Méthodes", "Annexe technique : expressions des indicateurs"])
        and (["Principaux constats", "Non-réponse par question", "Définition des indicateurs",
              "Questionnaire des habitants (version \($rf[0].version))", "Questionnaire des opérateurs (version \($of[0].version))"]
             + [$od[0].report.themes[]?.title.fr] - ($hs | map(select(.l == 2) | .t)) == [])
        and ([$hs[] | select(.l == 1 and (.id // "" | startswith("theme-"))) | .id] == ([$th[] | "theme-\(.id)"] + (if $others then ["theme-autres"] else [] end)))' >/dev/null
}
check "HTML: the title, then Synthèse, Qui a répondu, the plan's themes in its order with its titles, Regards croisés, Fiche action (the operators' plan's themes), Qualité, Méthodes, Annexe technique" sections_ok "$tmp/r.html"
charts_ok() { # html, residents json, operators json [territories file]: one interval chart (class chart-intervals, with
    # points) per indicator table and distribution; per indicator of the plan's map list, a map (chart-map) when the
    # territories have outlines, else a ranked dot chart (chart-dots); all titled
    local tf=${4:-$terr}
    jq -n --rawfile h "$1" --slurpfile r "$2" --slurpfile o "$3" --argjson outlined "$(outlined_of "$tf")" \
        --slurpfile rd "$xforms/resident.indicators.json" "$JQLIB"'
        ctx($r[0]) as $x | ctx($o[0]) as $y | ($h | figures) as $f
        | (([$x.defs[] | select(theme_size($x; .theme) <= 6 or .kind == "distribution")] | length) + ([$y.defs[] | select(.kind == "distribution")] | length)) as $intervals
        | (mapped($rd[0]) | map(select(. as $k | $x.defs | any(.id == $k))) | length) as $m
        | (if $outlined != [] then $m else 0 end) as $maps | (if $outlined != [] then 0 else $m end) as $dots
        | def count($c; f): $f | map(select(fig_is($c) and f)) | length;
        [($f[] | select(.role != "img" or .title == null or .title != .caption) | "a figure without role=img, or whose title is not its caption: \(.title)"),
           (if count("chart-intervals"; .circles > 0) != $intervals then "\(count("chart-intervals"; .circles > 0)) interval charts, \($intervals) expected" else empty end),
           (if count("chart-map"; .paths > 0) != $maps then "\(count("chart-map"; .paths > 0)) maps, \($maps) expected" else empty end),
           (if count("chart-dots"; .circles > 0) != $dots then "\(count("chart-dots"; .circles > 0)) ranked dot charts, \($dots) expected" else empty end),
           ($f[] | select(.circles == 0 and .paths == 0 and .rects == 0) | "a figure that draws nothing: \(.title)")]'
}
list_check "HTML: an SVG interval chart per indicator table and distribution, a map per indicator of the plan's map list, each titled (role=img)" \
    charts_ok "$tmp/r.html" "$tmp/r.json" "$tmp/o.json"
maps_ok() { # html, residents json: every territory of every map coloured, titled and labelled (its name, then its value
    # to one decimal) as the JSON says, hatched over its colour with the map's "imprécis" pattern when the JSON flags it
    # imprecise; or, not published, filled with the map's « non publié » pattern and labelled so. Each map declares its
    # own two patterns, hatch-K-np and hatch-K-imp (K its own), and its url()s point to them and nowhere else.
    jq -n --rawfile h "$1" --slurpfile r "$2" "$JQLIB"'ctx($r[0]) as $x | [$x.groups[] | select(.kind == "territory")] as $terr
        | [$h | figures[] | select(fig_is("chart-map"))] as $maps
        | [(if $maps == [] then "no map" else empty end),
           ($maps | map(.patterns[]) | group_by(.)[] | select(length > 1) | "pattern id \(.[0]) declared by \(length) maps"),
           ($maps[] | . as $m | ($m.title | sub(" par territoire$"; "")) as $lab
           | ([$x.defs[] | select(.label == $lab)][0]) as $d
           | (($m.patterns[0] // "") | sub("-np$"; "")) as $k
           | if $d == null then "a map of no indicator: \($m.title)"
             elif ($k | test("^hatch-[0-9]+$") | not) or $m.patterns != ["\($k)-np", "\($k)-imp"] then "map \($d.id): its patterns \($m.patterns)"
             elif $m.urls != ($m.patterns | sort) then "map \($d.id): url() to \($m.urls), its patterns are \($m.patterns)"
             else ($d.kind | share) as $sh |
               ($terr[] as $g | $x.cells["\($d.id)|null|\($g.id)"] as $c
                | [$m.areas[] | select(.[1] | startswith($g.label + " : "))] as $a
                | [$m.labels[] | select(.[0] == $g.label)] as $l
                | if ($a | length) != 1 or ($l | length) != 1 then "map \($d.id) / \($g.id): \($a | length) areas and \($l | length) labels, 1 expected"
                  else $a[0] as [$fill, $title, $over] | $l[0][1] as $text | ($title | ltrimstr($g.label + " : ")) as $tv
                  | if $c.suppressed == false and $c.estimate != null then
                      (flag_text($c) | startswith("imprécis")) as $imp
                      | select(($fill | startswith("url(")) or (value_ok($text; $c.estimate; $sh) | not)
                          or $tv != (if $imp then "\($text) (imprécis)" else $text end) or $over != (if $imp then "\($k)-imp" else null end))
                      | "map \($d.id) / \($g.id): fill \($fill), title \($title), label \($text), hatched \($over); JSON \($c.estimate), flags \($c.flags)"
                    else select($fill != "url(#\($k)-np)" or $tv != "non publié" or $text != "non publié" or $over != null)
                      | "map \($d.id) / \($g.id) (not published): fill \($fill), title \($title), label \($text), hatched \($over); url(#\($k)-np) and « non publié » expected" end
                  end)
             end)]'
}
list_check "HTML maps: each territory coloured, titled and labelled with the JSON estimate (one decimal), imprecise ones hatched" maps_ok "$tmp/r.html" "$tmp/r.json"
# Territories without outlines: no map, but « Les territoires comparés », a ranked dot chart per indicator of the
# plan's map list, the territories ranked by their estimate, each with its value (to the unit).
cp -r "$forms" "$tmp/forms5"
jq 'del(.outlines) | del(.territories[].outline)' "$terr" >"$tmp/forms5/territories.json"
produce "territories without outlines: report" "$tmp/o5.html" report --db "$db" --forms "$tmp/forms5" --margins "$tmp/m.csv"
check "territories without outlines: the sections, « Les territoires comparés » in place of the map" sections_ok "$tmp/o5.html" "$tmp/forms5/territories.json"
list_check "territories without outlines: the interval charts, no map, a ranked dot chart per indicator of the plan's map list" \
    charts_ok "$tmp/o5.html" "$tmp/r.json" "$tmp/o.json" "$tmp/forms5/territories.json"
dots_ok() { # html, residents json: the dot charts in the plan's order, the territories from the highest estimate down
    jq -n --rawfile h "$1" --slurpfile r "$2" --slurpfile rd "$xforms/resident.indicators.json" "$JQLIB"'
        ctx($r[0]) as $x | [$x.groups[] | select(.kind == "territory")] as $terr
        | [$h | figures[] | select(fig_is("chart-dots"))] as $f
        | ($h | split("<figure>")[1:] | map(split("</figure>")[0]) | map(select(test("^<svg [^>]*class=\"[^\"]*chart-dots")))) as $svg
        | mapped($rd[0]) as $m
        | [(if ($f | map(.title)) != ($m | map(. as $k | ($x.defs[] | select(.id == $k) | .label) + " : territoires rangés, avec leur intervalle de confiance"))
            then "dot charts \($f | map(.title))" else empty end),
           (range(0; [($f | length), ($m | length)] | min) as $i | $m[$i] as $k
            | [$terr[] | {label: .label, c: ($x.cells["\($k)|null|\(.id)"])} | select(.c.suppressed == false and .c.estimate != null)]
            | sort_by(-.c.estimate) as $want
            | [$svg[$i] | scan("text-anchor=\"end\"[^>]*>([^<]*)</text>(?:<line [^>]*/>)*<circle [^>]*/><text [^>]*>([^<]*)</text>") | map(unhtml)] as $got
            | if ($got | map(.[0])) != ($want | map(.label)) then "\($k): ranked \($got | map(.[0])), expected \($want | map(.label))"
              else ([$got, $want] | transpose[] | select((.[0][1] | test("^[0-9]+\u202f%$") | not)
                        or ((.[0][1] | rtrimstr("\u202f%") | tonumber) - 100 * .[1].c.estimate | fabs) > 0.5 + 1e-9)
                    | "\($k) / \(.[1].label): \(.[0][1]), JSON \(.[1].c.estimate)") end)]'
}
list_check "territories without outlines: each dot chart ranks the territories by the JSON estimate, each with its value" dots_ok "$tmp/o5.html" "$tmp/r.json"
unique_ids() { # html: every id once
    jq -Rn '[inputs] | join("\n") | [scan(" id=\"([^\"]*)\"") | .[0]] | group_by(.) | map(select(length > 1) | "id=\"\(.[0])\" \(length) times")' "$1"
}
list_check "HTML: every id is unique (anchors and SVG patterns)" unique_ids "$tmp/r.html"
# Split tables: the HTML writes a table too wide for the page as blocks of columns, each repeating the row labels.
split_ok() { # html: the split tables read back whole (merge_blocks), and some table split
    jq -n --rawfile h "$1" "$JQLIB"'($h | html_blocks | html_tables) as $T
        | [(if any($T[]; .blocks != null) | not then "no table split into blocks of columns" else empty end),
           ($T[] | select(.split_error != null) | "\(.h1) / \(.h2) / \(.h3) / \(.cap): \(.split_error)")]'
}
list_check "HTML: tables too wide for the page in blocks of columns « (colonnes, partie i sur n) », parts 1 to n in a row, each repeating the label columns of the header and of every row" \
    split_ok "$tmp/r.html"

# Every figure of the report against the JSON.
compare_report "$tmp/r.html" "$tmp/r.json" "$tmp/o.json" "$tmp/cmp.json"
list_check "HTML figures equal the JSON's (every table, summary; crude, standardised, wording, n, flags)" \
    compared_ok "$tmp/cmp.json" 400
echo "# $(jq 'length' "$tmp/cmp.json") figures and words of the report compared with the indicators JSON"
cells_of() { # jq filter on the comparison: how many checks of a kind were made
    jq "[.[] | select(.w | test(\"$1\"))] | length" "$tmp/cmp.json"
}
nsynth=$(jq '.report.synthesis | length' "$xforms/resident.indicators.json")
check "... including standardised figures (at least 20) and the summary's wording ($nsynth key indicators of the plan)" \
    test "$(cells_of 'standardised [0-9]')" -ge 20 -a "$(cells_of '^summary [a-z_]+: « ')" -eq "$nsynth" -a "$nsynth" -ge 5
check "the summary says « plus élevé » or « plus faible » at least once and « pas de différence démontrée » at least once" \
    jqt -Rn '[inputs] | join("\n") | test("<p class=\"finding\">[^<]*— plus (élevé|faible)\\.</p>") and test("<p class=\"finding\">[^<]*— pas de différence démontrée\\.</p>")' "$tmp/r.html"
every_operator_indicator() { # the operator indicators whose figures appear nowhere in the report
    jq -n --rawfile h "$tmp/r.html" --slurpfile r "$tmp/r.json" --slurpfile o "$tmp/o.json" --slurpfile rd "$xforms/resident.indicators.json" \
        --slurpfile od "$xforms/operator.indicators.json" "$JQLIB"'($h | html_blocks | html_tables) as $T | ctx($o[0]) as $x
        | [($T[] | select(.id == "fiche-action") | (.rows[][0], .h2, .h3)), ($h | html_blocks[] | select(.k == "h" and .l == 3) | .t)] as $shown
        | [shared_tables($rd[0])[] as $k | [$T[] | select(.id == "regards-croises" and .h2 == $k.h2) | .rows[][0]] as $rows
            | twins(ctx($r[0]); $rd[0]; $od[0]; $k.theme; $k.otheme)[] | select(.d.label | service | IN($rows[])) | .oid] as $side
        | [$x.defs[] | select((.label as $l | $shown | index([$l])) or (.id as $i | $side | index([$i]))) | .id] as $seen
        | [$x.defs[] | .id] - $seen | map("operator indicator \(.) appears nowhere in the report")'
}
list_check "every operator indicator appears in the report (action sheet, distributions, or beside the residents' knowledge or use of the service)" \
    every_operator_indicator

# Everything asked is reported: every question of both forms (notes aside) is named « ID — wording » in the body of
# the report (its themes, the action sheet or the annex « Autres questions »), not only in the methods' questionnaire or
# the data-quality table.
body_of() { # html: the report up to the data-quality section
    sed -n '1,/<h1 class="section" id="qualite">/p' "$1"
}
questions_named() { # html: prints the question ids the body does not name
    local f q
    body_of "$1" >"$tmp/body.html"
    for f in "$xforms/resident.json" "$xforms/operator.json"; do
        for q in $(jq -r '.sections[].questions[] | select(.type != "note") | .id' "$f"); do
            grep -qE "(^|[^A-Za-z0-9_])$q — " "$tmp/body.html" || echo "$q"
        done
    done
}
questions_ok() { local m; m=$(questions_named "$1"); [ -z "$m" ] || { echo "not named in the body: $m" | tr '\n' ' ' >"$tmp/err"; return 1; }; }
check "HTML: every question of both forms is named « ID — wording » in the themes, the action sheet or the annex" questions_ok "$tmp/r.html"
check "... the body names at least 60 questions (the test reads the forms)" test "$(jq -s '[.[].sections[].questions[] | select(.type != "note")] | length' "$xforms/resident.json" "$xforms/operator.json")" -ge 60
# The text a reader sees (tags, styles and SVG markup removed; SVG titles and texts kept), without the technical annex.
visible() { # html or md file
    sed -e '/id="annexe-technique"/,$d' -e '/^# Annexe technique/,$d' "$1" | sed -e 's/<style>.*<\/style>//' -e 's/<[^>]*>/ /g' \
        -e 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g'
}
french_numbers() { # file: the numbers written with a decimal point, or with a plain space before « % »
    visible "$1" | grep -noE '[0-9]+\.[0-9]+|[0-9] %' | head -5
}
french_ok() { local m; m=$(french_numbers "$1"); [ -z "$m" ] || { echo "$m" >"$tmp/err"; return 1; }; }
check "HTML: numbers in French (decimal comma, narrow no-break space before %), charts included" french_ok "$tmp/r.html"
check "Markdown: numbers in French" french_ok "$tmp/r.md"
check "HTML: thousands grouped with a narrow no-break space (2 000 residents)" grep -qF "2 000 habitants ont répondu" "$tmp/r.html"
check "HTML: the report's date in words" grep -qE "rapport établi le (1er|[0-9]{1,2}) (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) [0-9]{4}" "$tmp/r.html"
check "HTML: each indicator of a small theme gives its definition in words (« Définition : Part des ... »)" \
    test "$(grep -c '<p>Définition : ' "$tmp/r.html")" -ge 40
check "HTML: no raw expression in the body (« \${ » only in the technical annex, which has them)" \
    bash -c "$(declare -f visible)"'; ! visible "$1" | grep -qF "\${" && sed -n "/id=\"annexe-technique\"/,\$p" "$1" | grep -qF "\${R07} = "' _ "$tmp/r.html"
ranked_ok() { # the plan's ranked distributions: their table per territory (every category, and the respondents)
    jq -n --rawfile h "$tmp/r.html" --slurpfile r "$tmp/r.json" --slurpfile rd "$xforms/resident.indicators.json" "$JQLIB"'
        ($h | html_blocks | html_tables) as $T | ctx($r[0]) as $x
        | [$rd[0].report.ranked[]? as $k | ($x.defs[] | select(.id == $k)) as $d
           | [$T[] | select(.h2 == $d.label and .h3 == "Par territoire")] as $ts
           | if ($ts | length) == 0 then "\($k): no per-territory table" else
               ($ts[] | .head[1:] as $gs | .rows as $rows
                | ($x.cats[$k] | to_entries[] | .key as $i | .value as $c | $gs | to_entries[] | .key as $j
                   | ([$x.groups[] | select(.label == $gs[$j]) | .id][0]) as $g | $x.cells["\($k)|\($c.code)|\($g)"] as $cell
                   | $rows[$i][1 + $j] as $t
                   | select(if $cell.suppressed != false then $t != "secret stat." else ($t | test("^\(NUM)\u202f%$") | not) or (num_ok($t | rtrimstr("\u202f%"); 100 * $cell.estimate) | not) end)
                   | "\($k) / \($c.code) / \($g): \($t)"))
             end]'
}
list_check "HTML: the residents' priorities (the plan's ranked distributions): a table per territory, each share the JSON's" ranked_ok

# A plan that leaves questions out: the first theme's questions go to the annex « Autres questions », each still named,
# with its table (a share per answer, or the count of free-text answers).
cp -r "$forms" "$tmp/forms4"
jq '(.report.themes[0].questions) = []' "$forms/resident.indicators.json" >"$tmp/forms4/resident.indicators.json"
# those that no indicator reads (its question, a score's item, or ${Q} in an expression) go to the annex
left=$(jq -r '[.indicators[], .scores[]? | .. | strings] as $s | [.report.themes[0].questions[]? as $q
    | select(any($s[]; . == $q or startswith($q + ".") or contains("${" + $q + "}") or contains("${" + $q + ".")) | not) | $q] | join(" ")' \
    "$forms/resident.indicators.json")
produce "a plan without the first theme's questions: report" "$tmp/a.html" report --db "$db" --forms "$tmp/forms4"
annex_ok() { # the annex names each question left out, with a table or a count, and the body still names every question
    local q sec
    sec=$(sed -n '/<h1 class="section" id="autres-questions">/,/<h1 class="section" id="qualite">/p' "$tmp/a.html")
    [ -n "$left" ] || { echo "the plan's first theme lists no question: nothing to leave out" >"$tmp/err"; return 1; }
    for q in $left; do
        echo "$sec" | grep -qE "<h3>$q — " || { echo "$q not in the annex" >"$tmp/err"; return 1; }
    done
    echo "$sec" | grep -qF '<th scope="col">Réponse</th>' || { echo "no share table in the annex" >"$tmp/err"; return 1; }
    questions_ok "$tmp/a.html"
}
check "... the annex « Autres questions » names each of them ($left) with its table, and every question is still named" annex_ok
# Who answered, against the database.
sq -json "$db" "SELECT coalesce(territory, '') AS t, channel AS c, lang AS l, count(*) AS n FROM counted_submissions WHERE form_id = 'resident' GROUP BY 1, 2, 3" >"$tmp/who.json"
who_ok() { # html: the channel and language tables' counts are the database's
    jq -n --rawfile h "$1" --slurpfile w "$tmp/who.json" --slurpfile t "$terr" --slurpfile rf "$xforms/resident.json" "$JQLIB"'
        ($h | html_blocks | html_tables) as $T | $t[0].territories as $terr | $w[0] as $w | $rf[0].languages as $langs
        | def count(f): [$w[] | select(f) | .n] | add // 0;
          def codes: $terr | map(.code);
        [one([$T[] | select(.cap == "Réponses par territoire et mode de recueil")]; "channel table"; . as $x
            | chk("channel table: headers"; $x.head == ["Territoire", "Téléphone", "Papier", "Total", "Objectif", "Atteint"]),
              chk("channel table: a row per territory and Ensemble"; ($x.rows | map(.[0])) == ($terr | map(.name | if type == "object" then .fr else . end)) + ["Ensemble"]),
              ($x.rows | to_entries[] | .value as $r | (if .key < ($terr | length) then [$terr[.key].code] else codes end) as $in
                | (if .key < ($terr | length) then ($terr[.key] | .targets.resident // .target) else ($terr | map(.targets.resident // .target) | add) end) as $target
                | count(.t as $c | $in | index([$c])) as $tot
                | chk("channel table \($r[0]): \($r[1:] | join(" | "))"; $r[1] == (count((.t as $c | $in | index([$c])) and .c != "paper") | frint)
                    and $r[2] == (count((.t as $c | $in | index([$c])) and .c == "paper") | frint) and $r[3] == ($tot | frint)
                    and $r[4] == ($target | frint) and value_ok($r[5]; $tot / $target; true)))),
        one([$T[] | select(.cap == "Réponses par territoire et langue du questionnaire")]; "language table"; . as $x
            | chk("language table: headers"; $x.head == ["Territoire"] + $langs + ["Total"]),
              ($x.rows | to_entries[] | .value as $r | (if .key < ($terr | length) then [$terr[.key].code] else codes end) as $in
                | chk("language table \($r[0]): \($r[1:] | join(" | "))"; $r[1:] == ([$langs[] as $l | count((.t as $c | $in | index([$c])) and .l == $l) | frint]
                    + [count(.t as $c | $in | index([$c])) | frint])))),
        one([$T[] | select(.cap | startswith("Âge et sexe des répondants"))]; "age and sex table"; . as $x
            | chk("age and sex: shares of respondents and of population each add up to 100 % (±0.5)";
                ([[1, 3], [2, 4]] | all(. as $js | ([$x.rows[][$js[]] | sub("\u202f%$"; "") | sub(","; ".") | tonumber] | add - 100 | fabs) <= 0.5))
                and ($x.rows | length) == ([$rf[0].sections[].questions[] | select(.id == $t[0].population_by[0])][0].choices | length)))
        ] | failures'
}
list_check "who answered: counts by territory and channel, by territory and language, as in the database; age × sex shares" \
    who_ok "$tmp/r.html"

# The summary's participation sentence and data quality, against the database.
paper=$(sq "$db" "SELECT count(*) FROM counted_submissions WHERE form_id = 'resident' AND channel = 'paper'")
interr=$(sq "$db" "SELECT count(*) FROM counted_submissions WHERE form_id = 'resident' AND territory IN (SELECT value FROM json_each('$(jq -c '[.territories[].code]' "$terr")'))")
asked14=$(sq "$db" "SELECT count(*) FROM counted_submissions WHERE form_id = 'resident' AND json_extract(answers, '\$.R13') = 'non'")
refus07=$(sq "$db" "SELECT count(*) FROM counted_submissions WHERE form_id = 'resident' AND json_extract(answers, '\$.R07') = 'refus'")
nsp17=$(sq "$db" "SELECT count(*) FROM counted_submissions WHERE form_id = 'resident' AND json_extract(answers, '\$.R17') = 'nsp'")
quality_ok() {
    jq -n --rawfile h "$tmp/r.html" --argjson paper "$paper" --argjson interr "$interr" --argjson a14 "$asked14" --argjson r07 "$refus07" \
        --argjson n17 "$nsp17" --slurpfile rf "$xforms/resident.json" "$JQLIB"'
        ($h | html_blocks) as $b | ($b | html_tables) as $T | [$b[] | select(.k == "p") | .t] as $ps
        | [$rf[0].sections[].questions[] | select(.type != "note")] as $qs
        | "^(?<n>[0-9\u202f]+) habitants ont répondu au questionnaire, dont (?<m>[0-9\u202f]+) dans les territoires étudiés ; (?<p>[0-9]+,[0-9]\u202f%) des réponses ont été recueillies sur papier par les médiateurs\\.$" as $re
        | [([$ps[] | select(test($re)) | capture($re)] as $m
            | if ($m | length) != 1 then chk("summary: the participation sentence"; false) else
                chk("summary: 2000 residents, \($interr) in the territories, the share on paper: \($m[0] | tostring)";
                    $m[0].n == (2000 | frint) and $m[0].m == ($interr | frint) and value_ok($m[0].p; $paper / 2000; true)) end),
          chk("summary: 50 operators"; $ps | index(["50 professionnels et partenaires de proximité ont répondu au questionnaire des opérateurs."]) != null),
          chk("quality: the paper sheets"; $ps | index(["Questionnaires papier : 24 feuilles saisies, dont 15 saisies deux fois (double saisie) ; 4 attendent leur seconde saisie."]) != null),
          chk("quality: the double-entry discrepancy rate"; $ps | index(["Taux de discordance de la double saisie : 33,3\u202f% des feuilles saisies deux fois différaient (3 réponses arbitrées) ; 3 feuilles discordantes attendent un arbitrage et ne comptent pas encore."]) != null),
          one(find($T; "qualite"; "Non-réponse par question"; null); "non-response table"; . as $t
            | chk("non-response: headers"; $t.head == ["Question", "Posée à", "Sans réponse", "Ne sait pas", "Refus"]),
              chk("non-response: a row per question, in order"; ($t.rows | map(.[0] | split(" — ")[0])) == ($qs | map(.id))),
              ([$t.rows, $qs] | transpose[] | select(.[0] != null and .[1] != null) | .[0][0] as $r | .[1] as $q
               | chk("non-response: « \($q.id) — » and the whole French wording: \($r)"; $r == "\($q.id) — \($q.label.fr)")),
              ([$t.rows[] | select(.[0] | startswith("R14 — "))][0] as $r | chk("non-response: R14 asked to the \($a14) whose R13 is non: \($r[1])"; $r[1] == ($a14 | frint))),
              ([$t.rows[] | select(.[0] | startswith("R07 — "))][0] as $r | chk("non-response: R07 asked to all, refus \($r07)/2000: \($r | join(" | "))";
                  $r[1] == (2000 | frint) and value_ok($r[2]; 0; true) and value_ok($r[4]; $r07 / 2000; true))),
              ([$t.rows[] | select(.[0] | startswith("R17 — "))][0] as $r | chk("non-response: R17 nsp \($n17)/2000: \($r | join(" | "))"; value_ok($r[3]; $n17 / 2000; true)))),
          one([$T[] | select(.id == "methodes" and (.h2 // "" | startswith("Questionnaire des habitants")))]; "residents questionnaire"; . as $t
            | chk("methods: every resident question with its exact French wording"; ($t.rows | map(.[0:2])) == ($qs | map([.id, .label.fr])))),
          chk("methods: the suppression rule with the minimum n"; any($ps[]; startswith("Secret statistique : aucun chiffre ne repose sur moins de 11 répondants"))),
          chk("methods: weighting and intervals"; any($ps[]; startswith("Pondération : ") and contains("Korn et Graubard")))
        ] | failures'
}
list_check "summary participation, data quality (sheets, double entry, non-response) and methods against the database" quality_ok
paper_share_in_quality() { # the issue puts the share of paper answers in the data-quality section
    local pct
    pct=$(jq -rn --argjson p "$paper" '$p / 2000 * 1000 | round as $t | "\($t / 10 | floor),\($t % 10)\u202f%"')
    echo "the summary gives $pct of answers on paper; the data-quality section does not" >"$tmp/err"
    sed -n '/<h1 class="section" id="qualite">/,/<h1 class="section" id="methodes">/p' "$tmp/r.html" | grep -qF "$pct"
}
check "data quality: the section gives the share of answers collected on paper" paper_share_in_quality
# jq reads invalid UTF-8 as U+FFFD: a report that has one is not valid UTF-8.
utf8_ok() { # file: no invalid UTF-8 (the lines that have some in $tmp/err)
    jq -Rn -e '[inputs | select(test("\ufffd")) | .[:160]] | if length == 0 then true else (.[] | stderr) | false end' "$1" >/dev/null 2>"$tmp/err"
}
utf8_both() { utf8_ok "$tmp/r.html" && utf8_ok "$tmp/r.md"; }
check "HTML and Markdown reports: valid UTF-8" utf8_both
# The non-response table gives each wording whole: a wording of more than 1,024 bytes whose 100th byte falls inside a
# letter (é, two bytes), with letters of two and three bytes throughout (a copy of the forms where only R04's French
# wording changes), must be there in full, in valid UTF-8, in the HTML and the Markdown.
cp -r "$forms" "$tmp/forms2"
LONGQ="$(printf 'x%.0s' $(seq 99))é à la maison ?$(printf ' Précisez : « ça », « là » — ou ailleurs ;%.0s' $(seq 30)) fin."
jq --arg l "$LONGQ" '(.sections[].questions[] | select(.id == "R04") | .label.fr) = $l' "$forms/resident.json" >"$tmp/forms2/resident.json"
produce "report with a wording of more than 1,024 bytes: status 0" "$tmp/u.html" report --db "$db" --forms "$tmp/forms2"
produce "... and in Markdown: status 0" "$tmp/u.md" report --db "$db" --forms "$tmp/forms2" --format md
utf8_u() { utf8_ok "$tmp/u.html" && utf8_ok "$tmp/u.md"; }
check "... both are valid UTF-8" utf8_u
long_wording_ok() { # the non-response row of R04 holds « R04 — » and the whole wording, in the HTML and in the Markdown
    jq -n --rawfile h "$tmp/u.html" --rawfile m "$tmp/u.md" --arg l "$LONGQ" "$JQLIB"'
        [($h | html_blocks | html_tables), ($m | md_blocks | md_tables)] | to_entries[] | (if .key == 0 then "HTML" else "Markdown" end) as $f
        | [.value[] | select(.h2 == "Non-réponse par question") | .rows[] | select(.[0] | startswith("R04 — "))] as $r
        | if ($r | length) != 1 then "\($f): \($r | length) rows for R04"
          elif $r[0][0] != "R04 — \($l)" then "\($f): R04 reads « \($r[0][0][:160])… » (\($r[0][0] | utf8bytelength) bytes, \("R04 — \($l)" | utf8bytelength) expected)"
          else empty end' | jq -s .
}
list_check "... the non-response table gives R04's whole wording after « R04 — » (HTML and Markdown)" long_wording_ok

# ---- Markdown -----------------------------------------------------------------------------------------------
check "Markdown: no HTML tag, no SVG" bash -c '! grep -qE "(^|[^\\\\])<[A-Za-z/!]" "$1" && ! grep -qi "svg" "$1"' _ "$tmp/r.md"
md_same() { # html, md: the same headings, findings and tables (every cell)
    jq -n --rawfile h "$1" --rawfile m "$2" "$JQLIB"'($h | html_blocks) as $hb | ($m | md_blocks) as $mb
        | [chk("the same headings"; ($hb | map(select(.k == "h") | {l, t})) == ($mb | map(select(.k == "h") | {l, t}))),
           chk("the same findings"; ($hb | map(select(.k == "f") | .t)) == ($mb | map(select(.k == "f") | .t))),
           (($hb | html_tables | map(del(.id, .blocks, .split_error))) as $ht | ($mb | md_tables) as $mt
            | chk("the same number of tables (\($ht | length) and \($mt | length))"; ($ht | length) == ($mt | length)),
              ([$ht, $mt] | transpose[] | select(.[0] != .[1]) | chk("table differs under \(.[0].h1) / \(.[0].h2): \(.[0].rows[0]) vs \(.[1].rows[0])"; false)))
          ] | failures'
}
list_check "Markdown: the HTML report's headings, findings and tables, cell for cell" md_same "$tmp/r.html" "$tmp/r.md"
check "Markdown: each chart replaced by its text alternative" \
    test "$(grep -c '^_Figure : ' "$tmp/r.md")" -eq "$(grep -o '<figure>' "$tmp/r.html" | wc -l)"
check "Markdown: the figures of the HTML, e.g. the summary's first finding" \
    grep -qF "$(jq -rn --rawfile h "$tmp/r.html" "$JQLIB"'[$h | html_blocks[] | select(.k == "f")][1].t | gsub("\\["; "\\[") | gsub("\\]"; "\\]")')" "$tmp/r.md"

# ---- free text ----------------------------------------------------------------------------------------------
check "without --include-text: no free-text answer in the HTML or Markdown report" \
    bash -c '! grep -qF "$1" "$2" "$3" && ! grep -q "Réponse libre de démonstration\|id=\"paroles\"" "$2" "$3"' _ "$MARK" "$tmp/r.html" "$tmp/r.md"
produce "report --include-text (HTML): status 0" "$tmp/rt.html" report --db "$db" --forms "$forms" --margins "$tmp/m.csv" --include-text
produce "report --include-text --format md: status 0" "$tmp/rt.md" report --db "$db" --forms "$forms" --margins "$tmp/m.csv" --include-text --format md
check "with --include-text: the free-text section, and the marked answer escaped as text in the HTML" \
    grep -qF "<li>$MARK &lt;b&gt;bruit&lt;/b&gt; &amp; &quot;voisins&quot;</li>" "$tmp/rt.html"
check "... under its question, in a section of its own" \
    grep -qz 'id="paroles">Paroles d.habitants (réponses libres)</h1>.*<h2>R39 — Qu.est-ce qui vous rend malade ?</h2>.*ZQX-marqueur' "$tmp/rt.html"
check "... never as markup" bash -c '! grep -qF "<b>bruit" "$1"' _ "$tmp/rt.html"
check "... and escaped in the Markdown" grep -qF -- "- $MARK \\<b\\>bruit\\</b\\> & \"voisins\"" "$tmp/rt.md"
check "with --include-text the HTML is still self-contained" selfcontained_ok "$tmp/rt.html"
# More than 300 answers to a question: a note gives their number and says that the first 300 received are reproduced;
# 300 or fewer: all of them, no note.
texts_ok() { # html, database: each long-text question's answers in the report against the database
    local q
    for q in $(jq -r '.sections[].questions[] | select(.type == "long_text") | .id' "$xforms/resident.json"); do
        sq -json "$2" "SELECT '$q' AS q, json_extract(answers, '\$.$q') AS t FROM counted_submissions
            WHERE form_id = 'resident' AND json_type(answers, '\$.$q') = 'text' ORDER BY id"
    done | jq -s 'map(. // []) | add' >"$tmp/texts.json"
    jq -Rn --slurpfile a "$tmp/texts.json" --slurpfile rf "$xforms/resident.json" "$JQLIB"'
        reduce (inputs) as $l ({on: false, cur: null, s: {}};
            if ($l | startswith("<h1")) then .on = ($l | contains("id=\"paroles\"")) | .cur = null
            elif .on and ($l | test("^<h2>.*</h2>$")) then .cur = ($l[4:-5] | unhtml) | .s[.cur] = {notes: [], items: []}
            elif .on and .cur != null and ($l | startswith("<p class=\"note\">")) then .s[.cur].notes += [$l | capture("^<p[^>]*>(?<t>.*)</p>$").t | unhtml]
            elif .on and .cur != null and ($l | test("^<li>.*</li>$")) then .s[.cur].items += [$l[4:-5] | unhtml]
            else . end) | .s as $s
        | [$rf[0].sections[].questions[] | select(.type == "long_text") | . as $q | [$a[0][] | select(.q == $q.id) | .t] as $all
           | ($all | length) as $n | $s["\($q.id) — \($q.label.fr)"] as $got
           | if $got == null then "\($q.id): no heading « \($q.id) — \($q.label.fr) » in the free-text section"
             else ([$got.notes[] | select(test("réponses ; les"))]) as $notes
               | (if $n > 300 then (if $notes != ["\($n | frint) réponses ; les 300 premières reçues sont reproduites (analyzer export --include-text les donne toutes)."]
                                    then "\($q.id) (\($n) answers): the note \($notes)" else empty end)
                  elif $notes != [] then "\($q.id) (\($n) answers): a note \($notes)" else empty end),
                 (if $got.items != $all[:300] then "\($q.id) (\($n) answers): \($got.items | length) items, the first 300 received expected (first difference at \([range(0; [($got.items | length), ($all[:300] | length)] | max) | select($got.items[.] != $all[.])][0]))" else empty end)
             end]' "$1"
}
list_check "with --include-text, more than 300 answers to R39 and R39b: the note « N réponses ; les 300 premières reçues sont reproduites », the first 300 received" \
    texts_ok "$tmp/rt.html" "$db"
check "... and the same notes in the Markdown" bash -c 'for n in $(sed -n "s/^<p class=\"note\">\([0-9 ]*\) réponses ; les 300 premières.*/\1/p" "$1"); do
        grep -qxF "_$n réponses ; les 300 premières reçues sont reproduites (analyzer export --include-text les donne toutes)._" "$2" || exit 1; done
        test "$(grep -c "réponses ; les 300 premières" "$1")" -ge 2 -a "$(grep -c "réponses ; les 300 premières" "$2")" -eq "$(grep -c "réponses ; les 300 premières" "$1")"' _ "$tmp/rt.html" "$tmp/rt.md"
# Each answer told apart by its number; R39 answered 301 times (a note, the first 300), R39b 300 times (no note, all).
tdb=$tmp/t.db
cp "$db" "$tdb"
sq "$tdb" "UPDATE submissions SET answers = json_set(answers, '\$.R39', 'R39 n° ' || id) WHERE form_id = 'resident' AND json_type(answers, '\$.R39') = 'text';
    UPDATE submissions SET answers = json_set(answers, '\$.R39b', 'R39b n° ' || id) WHERE form_id = 'resident' AND json_type(answers, '\$.R39b') = 'text';
    UPDATE submissions SET answers = json_remove(answers, '\$.R39') WHERE id IN (SELECT id FROM counted_submissions WHERE form_id = 'resident'
        AND json_type(answers, '\$.R39') = 'text' ORDER BY id LIMIT -1 OFFSET 301);
    UPDATE submissions SET answers = json_remove(answers, '\$.R39b') WHERE id IN (SELECT id FROM counted_submissions WHERE form_id = 'resident'
        AND json_type(answers, '\$.R39b') = 'text' ORDER BY id LIMIT -1 OFFSET 300)"
check "a campaign where 301 residents answered R39 and 300 R39b" \
    test "$(sq "$tdb" "SELECT count(json_extract(answers, '\$.R39')) || '/' || count(json_extract(answers, '\$.R39b')) FROM counted_submissions WHERE form_id = 'resident'")" = 301/300
produce "report --include-text (301 and 300 answers): status 0" "$tmp/t.html" report --db "$tdb" --forms "$forms" --include-text
list_check "... 301 answers: the note and the first 300 received; 300 answers: all of them and no note" texts_ok "$tmp/t.html" "$tdb"

# ---- suppression --------------------------------------------------------------------------------------------
ddb=$tmp/d.db
cp "$db" "$ddb"
sq "$ddb" "DELETE FROM submissions WHERE territory = 'QN09399D' AND id NOT IN (SELECT id FROM submissions WHERE territory = 'QN09399D' ORDER BY id LIMIT 5)"
check "a campaign where QN09399D has 5 respondents" test "$(sq "$ddb" "SELECT count(*) FROM counted_submissions WHERE territory = 'QN09399D'")" = 5
# With margins, 5 respondents leave some of the 8 age and sex categories empty: that territory falls back
# (empty age bands merged with their neighbours, or unweighted when sex is short), says so in its group's flags
# and note and in the report's methods, and every other territory is raked and estimated as before.
produce "small territory with margins: report (HTML), status 0" "$tmp/dm.html" report --db "$ddb" --forms "$forms" --margins "$tmp/m.csv"
produce "small territory with margins: indicators, status 0" "$tmp/dm.json" indicators --db "$ddb" --forms "$forms" --form resident --margins "$tmp/m.csv"
produce "the full campaign with margins: indicators" "$tmp/fm.json" indicators --db "$db" --forms "$forms" --form resident --margins "$tmp/m.csv"
check "small territory with margins: its group flags calibration_collapsed or calibration_unweighted with a note naming R02 or R03" \
    jqt '.groups[] | select(.id == "QN09399D") | (.flags | length == 1 and (.[0] == "calibration_collapsed" or .[0] == "calibration_unweighted"))
         and (.calibration_note | test("R0[23]"))' "$tmp/dm.json"
check "... no other group has a calibration flag or note" \
    jqt '[.groups[] | select(.id != "QN09399D") | select(.flags != [] or .calibration_note != null)] | length == 0' "$tmp/dm.json"
# (their intervals move a little: the beta method's df counts the rows of the whole design)
check "... the other territories' raked estimates are those of the full campaign, with an interval" \
    jq -e -n --slurpfile a "$tmp/dm.json" --slurpfile b "$tmp/fm.json" '
        ($b[0].indicators | map({key: "\(.id)|\(.category)|\(.group)", value: .}) | from_entries) as $full
        | [$a[0].indicators[] | select(.group | IN("QN09399A", "QN09399B", "QN09399C")) | select(.suppressed == false and .estimate != null)] as $own
        | ($own | length) > 50 and all($own[]; . as $c | $full["\($c.id)|\($c.category)|\($c.group)"] as $f
            | ($f.estimate - $c.estimate | fabs) <= 1e-12 * ([($f.estimate | fabs), 1] | max) and ($c.ci_low != null or $c.kind != "proportion"))'
produce "small territory with margins: export, status 0 (the same fallback gives the weights)" "$tmp/dm.csv" \
    export --db "$ddb" --forms "$forms" --form resident --margins "$tmp/m.csv"
check "... every respondent of a territory of the file has a weight, the small territory's too" \
    python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
d = [r for r in rows if r["territory"] == "QN09399D"]
sys.exit(0 if len(d) == 5 and all(r["poids"] for r in rows if r["territory"].startswith("QN") and r["R02"] and r["R03"] in ("femme", "homme")) else 1)' "$tmp/dm.csv"
check "... the report's methods name the territory and the fallback" \
    grep -qE "(Calage adapté pour Les Hauts du Moulin|Les Hauts du Moulin n'est pas calé)" "$tmp/dm.html"
produce "small territory: report (HTML), status 0" "$tmp/d.html" report --db "$ddb" --forms "$forms"
produce "small territory: report (Markdown), status 0" "$tmp/d.md" report --db "$ddb" --forms "$forms" --format md
produce "small territory: indicators (residents)" "$tmp/d.json" indicators --db "$ddb" --forms "$forms" --form resident
produce "small territory: indicators (operators)" "$tmp/do.json" indicators --db "$ddb" --forms "$forms" --form operator
check "small territory: every QN09399D cell of the JSON is suppressed" \
    jqt '[.indicators[] | select(.group == "QN09399D")] | length > 0 and all(.suppressed == "primary")' "$tmp/d.json"
compare_report "$tmp/d.html" "$tmp/d.json" "$tmp/do.json" "$tmp/dcmp.json"
list_check "small territory: every figure of the HTML equals the JSON's (suppressed cells read « secret stat. »)" \
    compared_ok "$tmp/dcmp.json" 400
d_rows() { # report file, its format: the rows of the small territory in indicator tables, and its column of per-territory tables
    jq -n --rawfile h "$1" --arg fmt "$2" --arg name "Les Hauts du Moulin" "$JQLIB"'
        (if $fmt == "html" then $h | html_blocks | html_tables else $h | md_blocks | md_tables end) as $T
        | ([$T[] | select((.h1 // "") as $h1 | ["Synthèse", "Qui a répondu", "Méthodes", "Qualité des données"] | index([$h1]) | not) | select(.cap == "") | .rows[] | select(.[0] == $name)]) as $rows
        | ([$T[] | (.head | index($name)) as $j | select($j != null and (.h3 == "Par territoire" or .head[0] == "Réponse") and .h1 != "Fiche action : indicateurs de processus") | .rows[] | .[$j]]) as $col
        | [(if ($rows | length) < 8 then "only \($rows | length) rows for the small territory" else empty end),
           (if ($col | length) < 20 then "only \($col | length) cells in its per-territory columns" else empty end),
           ($rows[] | select(.[1:] | any(test("[0-9]"))) | "a number in its row: \(join(" | "))"),
           ($rows[] | select(.[1] != "secret stat." or .[2] != "secret stat.") | "not « secret stat. »: \(join(" | "))"),
           ($col[] | select(. != "secret stat.") | "a per-territory cell: \(.)")]'
}
list_check "small territory (HTML): every indicator row and per-territory cell reads « secret stat. », no number" d_rows "$tmp/d.html" html
list_check "small territory (Markdown): the same" d_rows "$tmp/d.md" md
check "small territory: Markdown tables equal the HTML's" test "$(md_same "$tmp/d.html" "$tmp/d.md")" = "[]"
counts_hidden() { # report file, format: who answered shows no count for the small territory, and none can be recovered
    jq -n --rawfile h "$1" --arg fmt "$2" --arg name "Les Hauts du Moulin" "$JQLIB"'
        (if $fmt == "html" then $h | html_blocks | html_tables else $h | md_blocks | md_tables end) as $T
        | [$T[] | select(.cap == "Réponses par territoire et mode de recueil" or .cap == "Réponses par territoire et langue du questionnaire")] as $ct
        | [(if ($ct | length) != 2 then "\($ct | length) count tables" else empty end),
           ($ct[] | .head as $hd | (if .cap | contains("mode") then 3 else ($hd | length) - 1 end) as $nc
            | (.rows[] | select(.[0] == $name) | .[1:1 + $nc] | select(any(. != "secret stat.")) | "its counts are shown: \(join(" | "))"),
              # what subtraction recovers: a shown total minus its shown parts is the sum of the suppressed ones,
              # which must hold nobody or at least 11 respondents (the --min-n rule); every row, every column
              (([.rows[] | .[1:1 + $nc]] | ., transpose)[] | select(.[-1] != "secret stat." and (.[:-1] | any(. == "secret stat.")))
               | ((.[-1] | gsub(NNBSP; "") | tonumber) - ([.[:-1][] | select(. != "secret stat.") | gsub(NNBSP; "") | tonumber] | add // 0)) as $hidden
               | select($hidden > 0 and $hidden < 11) | "the suppressed cells of \(join(" | ")) add up to \($hidden)"))]'
}
list_check "small territory (HTML): who answered shows no count for it, and none recoverable from the totals" counts_hidden "$tmp/d.html" html
list_check "small territory (Markdown): the same" counts_hidden "$tmp/d.md" md
charts_hidden() { # every chart row of the small territory says why it has no point, and draws none
    local rows bad
    rows=$(grep -o 'text-anchor="end"[^>]*>Les Hauts du Moulin</text><[^>]*>[^<]*<' "$tmp/d.html")
    bad=$(echo "$rows" | grep -v '>secret statistique<$')
    [ "$(echo "$rows" | grep -c .)" -ge 8 ] && [ -z "$bad" ]
}
check "small territory: its row in every chart reads « secret statistique », with no point nor value" charts_hidden
list_check "small territory: hatched with its map's own « non publié » pattern (url(#hatch-K-np) of the same SVG), labelled « non publié », in every map (and the other territories as the JSON says)" maps_ok "$tmp/d.html" "$tmp/d.json"
check "small territory: the HTML is still self-contained" selfcontained_ok "$tmp/d.html"
# A territory of 20 respondents: published, but imprecise (fewer than 30 effective respondents) on the maps.
idb=$tmp/i.db
cp "$db" "$idb"
sq "$idb" "DELETE FROM submissions WHERE territory = 'QN09399D' AND id NOT IN (SELECT id FROM submissions WHERE territory = 'QN09399D' ORDER BY id LIMIT 20)"
produce "a territory of 20 respondents: report (HTML), status 0" "$tmp/i.html" report --db "$idb" --forms "$forms"
produce "a territory of 20 respondents: indicators (residents)" "$tmp/i.json" indicators --db "$idb" --forms "$forms" --form resident
imprecise_maps() { # maps_ok, and some territory of some map hatched as imprecise
    grep -qE 'fill="url\(#hatch-[0-9]+-imp\)" d=' "$tmp/i.html" || { echo '["no territory hatched as imprecise on any map"]'; return; }
    maps_ok "$tmp/i.html" "$tmp/i.json"
}
list_check "a territory of 20 respondents: its value on every map, hatched over its colour with the map's « imprécis » pattern where the JSON flags it" imprecise_maps
produce "--min-n 300 --level 0.9 without margins: report" "$tmp/n.html" report --db "$db" --forms "$forms" --min-n 300 --level 0.9
produce "--min-n 300 --level 0.9 without margins: indicators (residents)" "$tmp/n.json" indicators --db "$db" --forms "$forms" --form resident --min-n 300 --level 0.9
produce "--min-n 300 --level 0.9: indicators (operators)" "$tmp/no.json" indicators --db "$db" --forms "$forms" --form operator --min-n 300 --level 0.9
compare_report "$tmp/n.html" "$tmp/n.json" "$tmp/no.json" "$tmp/ncmp.json"
list_check "--min-n 300 --level 0.9: every figure equals the JSON's (suppression primary and complementary, wording at 10 %)" compared_ok "$tmp/ncmp.json" 400
check "--min-n 300 --level 0.9: some cells suppressed, the threshold and the 90 % level in the text" \
    bash -c 'test "$(grep -o "secret stat\." "$1" | wc -l)" -ge 20 && grep -qF "moins de 300 répondants" "$1" && grep -qF "intervalle de confiance à 90 %" "$1"' _ "$tmp/n.html"
list_check "--min-n 300: who answered leaves no suppressed count alone in a row or column (no recovery by subtraction)" counts_hidden "$tmp/n.html" html

# ---- waves --------------------------------------------------------------------------------------------------
run report --db "$db" --forms "$forms" --wave 2025
err_check "report --wave without LABEL=: status 2, message names --wave" 2 "--wave"
run report --db "$db" --forms "$forms" --wave "2025=2025-13-01..2025-12-31"
err_check "report --wave with a bad date: status 2, message names --wave" 2 "--wave"
# Two waves by date of arrival: half of the residents and a third of the operators in 2025, the others in 2026.
# The report describes the last wave: its figures are those of `analyzer indicators` on a database that holds only
# that wave (residents and operators: the operators' analysis keeps the wave's date range); the first wave's, on a
# database that holds only the first. Real changes between the waves: in 2026, half of the residents of the
# neighbourhoods say their health is very good, half of those of the rest of the town that it is bad; and a quarter
# of the latter that they know where to go (sait_ou_aller: a change established after Holm's adjustment over its
# table, not over the three tables together).
wdb=$tmp/w.db
cp "$db" "$wdb"
sq "$wdb" "UPDATE submissions SET received_at = CASE WHEN (form_id = 'resident' AND id % 2 = 0) OR (form_id = 'operator' AND id % 3 = 0)
    THEN '2025-06-15T10:00Z' ELSE '2026-06-15T10:00Z' END;
    UPDATE submissions SET answers = json_set(answers, '\$.R07', CASE WHEN territory = 'hors_qpv' THEN 'mauvais' ELSE 'tres_bon' END)
    WHERE form_id = 'resident' AND id % 4 = 1 AND (territory LIKE 'QN%' OR territory = 'hors_qpv');
    UPDATE submissions SET answers = json_set(answers, '\$.R25', 'tout_a_fait')
    WHERE form_id = 'resident' AND territory = 'hors_qpv' AND (id % 10 = 3 OR id % 40 = 1)"
cp "$wdb" "$tmp/w1.db"
cp "$wdb" "$tmp/w2.db"
sq "$tmp/w1.db" "DELETE FROM submissions WHERE received_at LIKE '2026%'"
sq "$tmp/w2.db" "DELETE FROM submissions WHERE received_at LIKE '2025%'"
ops2026=$(sq "$tmp/w2.db" "SELECT count(*) FROM counted_submissions WHERE form_id = 'operator'")
check "two waves: some operators in each wave ($ops2026 of 50 in 2026)" test "$ops2026" -gt 20 -a "$ops2026" -lt 50
produce "two waves (--wave 2025=..., --wave 2026=...): report" "$tmp/w.html" report --db "$wdb" --forms "$forms" --margins "$tmp/m.csv" \
    --wave 2025=2025-01-01..2025-12-31 --wave 2026=2026-01-01..2026-12-31
produce "the first wave alone: indicators" "$tmp/w1.json" indicators --db "$tmp/w1.db" --forms "$forms" --form resident --margins "$tmp/m.csv"
produce "the last wave alone: indicators" "$tmp/w2.json" indicators --db "$tmp/w2.db" --forms "$forms" --form resident --margins "$tmp/m.csv"
produce "the last wave alone: indicators (operators)" "$tmp/wo.json" indicators --db "$tmp/w2.db" --forms "$forms" --form operator
compare_report "$tmp/w.html" "$tmp/w2.json" "$tmp/wo.json" "$tmp/wcmp.json"
list_check "two waves: every figure of the report's tables and summary is the last wave's (operators: those of its date range)" compared_ok "$tmp/wcmp.json" 400
check "two waves: the action sheet counts the $ops2026 operators of the last wave's dates" grep -qF "<p>$ops2026 opérateurs ont répondu." "$tmp/w.html"
# The evolution tables against the two waves' JSON: both figures, the change and its interval (unadjusted), and the
# reading, « hausse » or « baisse » only when the two-sided z-test, Holm-adjusted over the rows of the table that have
# a change to test, is below 1 - level.
waves_ok() { # html
    jq -n --rawfile h "$1" --slurpfile a "$tmp/w1.json" --slurpfile b "$tmp/w2.json" "$JQLIB"'
        ctx($a[0]) as $a | ctx($b[0]) as $b | ($h | html_blocks) as $B | ($B | html_tables) as $T
        | 1.959963984540054 as $z
        | [$b.defs[] | select(.kind != "distribution" and .kind != "ratio")] as $ds
        | [chk("the report says which wave it describes"; any($B[]; .k == "p" and .t == "Ce rapport décrit la vague « 2026 » ; la section « Évolution » la compare aux précédentes.")),
           chk("the summary counts the last wave'"'"'s residents"; any($B[]; .k == "p" and (.t | startswith("\($b0[0].respondents.counted | frint) habitants ont répondu"))))] as $head
        | $head + [("ensemble_qpv", $b.rest, "commune") as $g
           | wave_changes($a; $b; $g; $ds; $z) as $ch
           | ($ch | map(.p?) | holm) as $adj
           | one(find($T; "evolution"; "\(glabel($b; $g)) — 2025 → 2026"; null); "evolution of \($g)"; . as $t
             | chk("evolution \($g): headers"; $t.head == ["Indicateur", "2025", "2026", "Évolution [IC]", "Lecture"]),
               chk("evolution \($g): a row per indicator"; ($t.rows | map(.[0])) == ($ds | map(.label))),
               (range(0; [($t.rows | length), ($ds | length)] | min) as $i | $ds[$i] as $d | $t.rows[$i] as $r
                | $a.cells["\($d.id)|null|\($g)"] as $ca | $b.cells["\($d.id)|null|\($g)"] as $cb | ($d.kind | share) as $sh | $ch[$i] as $c
                | chk("evolution \($d.id) / \($g): 2025 \($r[1])"; cell_ok($r[1]; $ca; $sh)),
                  chk("evolution \($d.id) / \($g): 2026 \($r[2])"; cell_ok($r[2]; $cb; $sh)),
                  (if $c != null then
                     (if $sh then 100 else 1 end) as $k
                     | "^(?<d>[+-]?\(NUM)) \\[(?<l>\(NUM)) ; (?<h>\(NUM))\\](?<p> pts)?$" as $re
                     | chk("evolution \($d.id) / \($g): change \($r[3])"; ($r[3] | test($re)) and ($r[3] | capture($re)) as $m
                         | (($m.p != null) == $sh) and (($m.d | startswith("+")) == ($c.d >= 0)) and num_ok($m.d | ltrimstr("+"); $k * $c.d)
                           and num_ok($m.l; $k * $c.lo) and num_ok($m.h; $k * $c.hi)),
                       chk("evolution \($d.id) / \($g): reading \($r[4]) (p \($c.p), Holm \($adj[$i]))"; $r[4] ==
                           (if $c.p == null then "" elif $adj[$i] < $b.alpha then (if $c.d > 0 then "hausse" else "baisse" end)
                            else "pas d'"'"'évolution démontrée" end))
                   else chk("evolution \($d.id) / \($g): no change without both intervals: \($r[3])";
                       $r[3] == (if $ca.suppressed != false or $cb.suppressed != false then "secret stat." else "—" end) and $r[4] == "") end)))]
        | map(select(.ok | not) | .w)' --slurpfile b0 "$tmp/w2.json"
}
list_check "two waves: the evolution tables (QPV, rest, town): both waves' figures, the change, its interval and the Holm-adjusted reading" waves_ok "$tmp/w.html"
holm_per_table() { # the data make the adjustment's scope matter: a change established within its table, not over all three
    jq -n --slurpfile a "$tmp/w1.json" --slurpfile b "$tmp/w2.json" "$JQLIB"'
        ctx($a[0]) as $a | ctx($b[0]) as $b | [$b.defs[] | select(.kind != "distribution" and .kind != "ratio")] as $ds
        | [("ensemble_qpv", $b.rest, "commune") as $g | wave_changes($a; $b; $g; $ds; 1.959963984540054) | map(.p?) as $p
           | [$p, ($p | holm)] | transpose[] | {p: .[0], adj: .[1]}] as $per_table
        | ($per_table | map(.p) | holm) as $pooled
        | [range(0; $per_table | length) | select($per_table[.].adj != null and $per_table[.].adj < $b.alpha and $pooled[.] >= $b.alpha)]
        | if length == 0 then ["no change is established within its table but not over the three tables: the scenario no longer tests the scope of the adjustment"] else [] end'
}
list_check "two waves: some change is established by Holm within its table, not over the three tables together (the scope matters)" holm_per_table
check "two waves: some indicator reads « hausse », some « baisse », some « pas d'évolution démontrée », and the HTML is self-contained" \
    bash -c "$(declare -f selfcontained selfcontained_ok); tmp=$tmp; grep -qF '<td>hausse</td>' \"\$1\" && grep -qF '<td>baisse</td>' \"\$1\" && grep -qE '<td>pas d.évolution démontrée</td>' \"\$1\" && selfcontained_ok \"\$1\"" _ "$tmp/w.html"
# The same two waves named by form version (the residents' form of 2026 is version 2, the operators' stays 1): the
# residents are those of each version, the operators all of them (a version of the residents' form says nothing of
# the operators').
# The synthetic answers are the current version's: the folder's version 1 is that version renumbered, as a
# campaign whose form did not change meaning between its waves.
cp -r "$forms" "$tmp/forms3"
rm -f "$tmp/forms3/versions/resident-2.json" # the shipped version 2: "2" is the renumbered current one here
jq '.version = "1"' "$forms/resident.json" >"$tmp/forms3/versions/resident-1.json"
jq '.version = "2"' "$forms/resident.json" >"$tmp/forms3/resident.json"
vdb=$tmp/v.db
cp "$wdb" "$vdb"
sq "$vdb" "UPDATE submissions SET form_version = CASE WHEN id % 2 = 0 THEN '1' ELSE '2' END WHERE form_id = 'resident'"
check "waves by version: version 1 for the residents of the first wave, 2 for the others, 1 for every operator" \
    test "$(sq "$vdb" "SELECT group_concat(form_id || ':' || form_version || ':' || n, ' ') FROM (SELECT form_id, form_version, count(*) AS n FROM counted_submissions GROUP BY 1, 2 ORDER BY 1, 2)")" \
        = "operator:1:50 resident:1:$(sq "$tmp/w1.db" "SELECT count(*) FROM counted_submissions WHERE form_id = 'resident'") resident:2:$(sq "$tmp/w2.db" "SELECT count(*) FROM counted_submissions WHERE form_id = 'resident'")"
produce "two waves by version (--wave 2025=1 --wave 2026=2): report" "$tmp/v.html" report --db "$vdb" --forms "$tmp/forms3" --margins "$tmp/m.csv" \
    --wave 2025=1 --wave 2026=2
compare_report "$tmp/v.html" "$tmp/w2.json" "$tmp/o.json" "$tmp/vcmp.json"
list_check "waves by version: every figure is the last wave's residents' and all 50 operators'" compared_ok "$tmp/vcmp.json" 400
check "waves by version: the action sheet counts the 50 operators" grep -qF "<p>50 opérateurs ont répondu." "$tmp/v.html"
list_check "waves by version: the evolution tables, as with the dates" waves_ok "$tmp/v.html"

# ---- export -------------------------------------------------------------------------------------------------
JQCSV='def fields: [scan("(?:^|,)(\"(?:[^\"]|\"\")*\"|[^,]*)") | .[0] | if startswith("\"") then .[1:-1] | gsub("\"\""; "\"") else . end];
# (no field of these files holds a line break; the export ends its lines with CR LF, RFC 4180)
def csv_rows: split("\n") | map(sub("\r$"; "") | select(length > 0) | if test("\"") then fields else split(",") end);'
produce "export (residents): status 0" "$tmp/e.csv" export --db "$db" --forms "$forms" --form resident
produce "export --include-text: status 0" "$tmp/et.csv" export --db "$db" --forms "$forms" --form resident --include-text
produce "export (operators): status 0" "$tmp/eo.csv" export --db "$db" --forms "$forms" --form operator
jq -Rs "$JQCSV"'csv_rows' "$tmp/e.csv" >"$tmp/e.json"
jq -Rs "$JQCSV"'csv_rows' "$tmp/et.csv" >"$tmp/et.json"
jq -Rs "$JQCSV"'csv_rows' "$tmp/eo.csv" >"$tmp/eo.json"
# The expected columns (forms/flat.h): the metadata, then one per question (a grid's row Q_ROW, a multiple choice's
# choice Q_CODE but for an exclusive nsp / refus, which has none: its answer fills the question's columns), then the
# weight poids and one score_ID per score of the indicator file. Names valid in Stata, SPSS and R: '+' is "plus",
# any other character but letters, digits and '_' is '_'.
JQNAME='def vname: gsub("\\+"; "plus") | gsub("[^A-Za-z0-9_]"; "_");
def special: .exclusive == true and (.code == "nsp" or .code == "refus");'
header_of() { # form json, include text (true/false), indicators json
    jq -c --argjson text "$2" --slurpfile t "$terr" --slurpfile i "$3" "$JQNAME"'.choice_lists as $cl
        | ["uuid", "form_version", "territory", "territory_name", "channel", "lang", "received_at", "paper_id"]
        + [.sections[].questions[] | . as $q | (if (.choices | type) == "string" then $cl[.choices] else (.choices // []) end) as $ch
           | if .type == "note" or ((.type == "text" or .type == "long_text") and ($text | not)) then empty
             elif .type == "grid" then .rows[] | "\($q.id)_\(.code)" | vname
             elif .type == "multiple" or (.type == "territory" and .multiple == true) then
                 (if .type == "territory" then $t[0].territories[].code else empty end, ($ch[] | select(special | not) | .code))
                 | "\($q.id)_\(.)" | vname
             else .id end]
        + ["poids"] + [$i[0].scores // [] | .[] | "score_\(.id)" | vname]' "$1"
}
check "export: the header is the metadata (uuid, form_version, territory, territory_name, channel, lang, received_at, paper_id), one column per question (grid Q_ROW, multiple Q_CODE), poids and score_epices, no free text" \
    jqt --argjson h "$(header_of "$xforms/resident.json" false "$xforms/resident.indicators.json")" '.[0] == $h and (.[0] | index("score_epices") and index("R23_pmi"))' "$tmp/e.json"
check "export --include-text: the text columns too (R06b, R39, R39b)" \
    jqt --argjson h "$(header_of "$xforms/resident.json" true "$xforms/resident.indicators.json")" '.[0] == $h and (.[0] | index("R39") and index("R39b") and index("R06b"))' "$tmp/et.json"
check "export (operators): the territory question one 0/1 column per territory and choice, no note" \
    jqt --argjson h "$(header_of "$xforms/operator.json" false "$xforms/operator.indicators.json")" '.[0] == $h and (.[0] | any(startswith("O02_QN")))' "$tmp/eo.json"
check "export: one row per counted respondent (respondents.counted of the JSON), every row as wide as the header" \
    jqt --slurpfile r "$tmp/r.json" '(.[1:] | length) == $r[0].respondents.counted and (.[0] | length) as $w | all(.[]; length == $w)' "$tmp/e.json"
check "export (operators): one row per operator" \
    jqt --slurpfile o "$tmp/o.json" '(.[1:] | length) == $o[0].respondents.counted' "$tmp/eo.json"
sq -json "$db" "SELECT uuid, json_extract(answers, '\$.R02') AS R02, json_extract(answers, '\$.R07') AS R07, json_extract(answers, '\$.R13') AS R13,
    json_extract(answers, '\$.R14') AS R14, json_extract(answers, '\$.R17') AS R17, json_extract(answers, '\$.R21') AS R21,
    json_extract(answers, '\$.R23.pmi') AS \"R23.pmi\", json_extract(answers, '\$.R06') AS R06, json_extract(answers, '\$.R18') AS R18,
    json_extract(answers, '\$.R39') AS R39, channel, lang, territory FROM counted_submissions WHERE form_id = 'resident'" >"$tmp/ans.json"
# Every respondent's answers as the database holds them: a question's column is its id (a grid's row Q.ROW is the
# column Q_ROW); a multiple question's columns Q_CODE are 1 for a ticked choice, 0 for the others, nsp or refus in
# every one when that exclusive answer was given, empty when the question was not answered; territory_name is the
# territory's French name.
export_vs_db() {
    jq -n --slurpfile e "$tmp/e.json" --slurpfile a "$tmp/ans.json" --slurpfile t "$terr" --arg marked "$marked" '
        $e[0][0] as $h | ($h | to_entries | map({(.value): .key}) | add) as $col
        | def cell($r; $c): if $col[$c] == null then "(no column \($c))" else $r[$col[$c]] end;
        (reduce $e[0][1:][] as $r ({}; .[$r[0]] = $r)) as $rows
        | ($t[0].territories | map({(.code): (.name | if type == "object" then .fr else . end)}) | add) as $tname
        | ["R06b", "R39", "R39b"] as $text
        | [(if ($text - $h) != $text then "free-text columns without --include-text" else empty end),
           (if ($h | map(select(startswith("R18_"))) | length) < 2 then "no R18_ columns" else empty end),
           ($a[0][] | . as $s | $rows[$s.uuid] as $r
            | if $r == null then "respondent \($s.uuid) missing from the export" else
                (["R02", "R07", "R13", "R14", "R17", "R21", "R23.pmi", "channel", "lang", "territory"][] as $q | ($q | gsub("\\."; "_")) as $c
                 | select(cell($r; $c) != ($s[$q] // "")) | "\($s.uuid) \($c): export \(cell($r; $c) | tojson), database \($s[$q] | tojson)"),
                (($tname[$s.territory] // "") as $n | select(cell($r; "territory_name") != $n) | "\($s.uuid) territory_name: export \(cell($r; "territory_name") | tojson), expected \($n | tojson)"),
                (["R06", "R18"][] as $q | ($s[$q] | if . == null then null else fromjson end) as $v
                 | $h | map(select(startswith($q + "_"))) | .[] as $c | ($c | ltrimstr($q + "_")) as $code
                 | (if $v == null then "" elif $v == ["nsp"] or $v == ["refus"] then $v[0] elif ($v | index([$code])) then "1" else "0" end) as $want
                 | select($r[$col[$c]] != $want) | "\($s.uuid) \($c): export \($r[$col[$c]] | tojson), expected \($want)")
              end)] | .[:20]'
}
list_check "export: every respondent's R02, R07, R13, R14, R17, R21, R23_pmi, 0/1 of R06 (refus in each) and R18, channel, lang, territory and its name as stored" export_vs_db
check "export without --margins: poids empty on every row, score_epices a number from 0 to 100 or empty (on most rows a number)" \
    jqt '.[0] as $h | ($h | index("poids")) as $p | ($h | index("score_epices")) as $s | .[1:] as $r
        | $p != null and $s != null and all($r[]; .[$p] == "") and all($r[]; .[$s] == "" or (.[$s] | tonumber | . >= 0 and . <= 100))
        and ([$r[] | select(.[$s] != "")] | length) * 2 > ($r | length)' "$tmp/e.json"
uuid_where() { sq "$db" "SELECT uuid FROM counted_submissions WHERE form_id = 'resident' AND $1 ORDER BY id LIMIT 1"; }
export_cell() { # uuid, column: the value in the export ("(no column)" when the export has no such column)
    jq -r --arg u "$1" --arg c "$2" '.[0] as $h | ($h | index($c)) as $j | if $j == null then "(no column)" else .[] | select(.[0] == $u) | .[$j] end' "$tmp/e.json"
}
u=$(uuid_where "json_extract(answers, '\$.R07') = 'refus'")
check "export: R07 « refus » is written refus (respondent $u)" test -n "$u" -a "$(export_cell "$u" R07)" = refus
u=$(uuid_where "json_extract(answers, '\$.R17') = 'nsp'")
check "export: R17 « nsp » is written nsp, R18 (asked only after oui) left empty (respondent $u)" \
    test -n "$u" -a "$(export_cell "$u" R17)" = nsp -a "$(export_cell "$u" R18_lunettes)" = "" -a "$(export_cell "$u" R19_cout)" = ""
u=$(uuid_where "json_extract(answers, '\$.R13') <> 'non' AND json_extract(answers, '\$.R14') IS NULL")
check "export: R14, skipped when R13 is not non, is empty (respondent $u)" test -n "$u" -a "$(export_cell "$u" R14)" = "" -a -n "$(export_cell "$u" R13)"
u=$(uuid_where "json_array_length(json_extract(answers, '\$.R18')) = 1")
one=$(sq "$db" "SELECT json_extract(answers, '\$.R18[0]') FROM counted_submissions WHERE uuid = '$u'")
check "export: a multiple answer as 0/1 columns ($u ticked R18 $one only)" \
    jqt --arg u "$u" --arg one "R18_$one" '.[0] as $h | (.[] | select(.[0] == $u)) as $r
        | [range(0; $h | length) | select($h[.] | startswith("R18_")) | {c: $h[.], v: $r[.]}] | length > 1 and all(.v == (if .c == $one then "1" else "0" end))' "$tmp/e.json"
check "export without --include-text: the marked free text is absent" bash -c '! grep -qF "$1" "$2"' _ "$MARK" "$tmp/e.csv"
check "export --include-text: the marked respondent's R39 column holds the text, quotes doubled in the CSV" \
    bash -c 'jq -e --arg u "$1" --arg t "$2" '"'"'.[0] as $h | ($h | index("R39")) as $j | any(.[]; .[0] == $u and .[$j] == $t)'"'"' "$3" >/dev/null && grep -qF "\"$4 <b>bruit</b> & \"\"voisins\"\"\"" "$5"' \
    _ "$marked" "$MARKTEXT" "$tmp/et.json" "$MARK" "$tmp/et.csv"

# ---- codebook -----------------------------------------------------------------------------------------------
produce "codebook (residents, CSV): status 0" "$tmp/cb.csv" codebook --forms "$forms" --form resident
produce "codebook (residents, HTML): status 0" "$tmp/cb.html" codebook --forms "$forms" --form resident --format html
produce "codebook (operators, CSV): status 0" "$tmp/cbo.csv" codebook --forms "$forms" --form operator
jq -Rs "$JQCSV"'csv_rows' "$tmp/cb.csv" >"$tmp/cb.json"
jq -Rs "$JQCSV"'csv_rows' "$tmp/cbo.csv" >"$tmp/cbo.json"
# The codebook's lines, in the export's order (forms/flat.h, analyzer/publish/codebook.h): a "variable" line per
# column (the metadata; a question; a grid row, with its code and paper number; a choice of a multiple question or a
# territory of a multiple territory question, with its code and paper number), each followed by its "valeur" lines
# (the choices of a single question or of a grid with their paper numbers; 0 and 1 of a 0/1 column, then the
# question's exclusive nsp / refus), then poids and the scores, then an "indicateur" line per indicator; with the
# wording in each language of the form: the question's, the row's, choice's or territory's for a column of one.
codebook_ok() { # codebook json rows, form json, indicators json
    jq -n --slurpfile c "$1" --slurpfile f "$2" --slurpfile i "$3" --slurpfile t "$terr" "$JQNAME"'
        $f[0] as $f | $f.languages as $langs | $f.choice_lists as $cl | $c[0][0] as $h | $c[0][1:] as $rows
        | def ch($q): if ($q.choices | type) == "string" then $cl[$q.choices] else ($q.choices // []) end;
          def labels($m): [$langs[] as $l | ($m // {}) | if type == "object" then .[$l] // "" elif $l == "fr" then . else "" end];
          def none: [$langs[] | ""];
          def paper: if (.paper // 0) > 0 then .paper | tostring else "" end;
          def coded($q; $n): ch($q)[] | ["valeur", $n, $q.id, .code, paper] + labels(.label);
          def binary($q; $n): ["valeur", $n, $q.id, "0", "0"] + none, ["valeur", $n, $q.id, "1", "1"] + none,
              (ch($q)[] | select(special) | ["valeur", $n, $q.id, .code, paper] + labels(.label));
        ([(["uuid", "form_version", "territory", "territory_name", "channel", "lang", "received_at", "paper_id"][] | ["variable", ., "", "", ""] + none),
          ($f.sections[].questions[] | . as $q | select(.type != "note")
           | if .type == "grid" then .rows[] | ("\($q.id)_\(.code)" | vname) as $n | (["variable", $n, $q.id, .code, paper] + labels(.label)), coded($q; $n)
             elif .type == "multiple" or (.type == "territory" and .multiple == true) then
                 (if .type == "territory" then $t[0].territories[] | ("\($q.id)_\(.code)" | vname) as $n
                      | (["variable", $n, $q.id, .code, paper] + labels(.name)), binary($q; $n) else empty end),
                 (ch($q)[] | select(special | not) | ("\($q.id)_\(.code)" | vname) as $n | (["variable", $n, $q.id, .code, paper] + labels(.label)), binary($q; $n))
             elif .type == "single" or (.type == "calculate" and .choices != null) then (["variable", .id, .id, "", ""] + labels(.label)), coded(.; .id)
             else ["variable", .id, .id, "", ""] + labels(.label) end),
          (["variable", "poids", "", "", ""] + none),
          ($i[0].scores // [] | .[] | ["variable", ("score_\(.id)" | vname), "", "", ""] + none),
          ($i[0].indicators[] | ["indicateur", .id, (.question // ""), "", ""] + labels(.label))]) as $want
        | ["nature", "variable", "question", "code", "numero_papier"] as $key
        | [$key[] as $k | $h | index($k)] as $kc | [$langs[] as $l | $h | index("texte_\($l)")] as $lc
        | def at($n): $h | index($n);
        ($rows | map([.[$kc[]]] + [.[$lc[]]])) as $got
        | [(if $h != $key + ["valeur", "valeur_stata", "libelle", "type", "section"] + ($langs | map("texte_\(.)")) + ["condition_expression", "definition", "expression"]
            then "header \($h | join(","))" else empty end),
           (if ($got | length) != ($want | length) then "\($got | length) lines, \($want | length) expected (variables, values, indicators)" else empty end),
           ([$got, $want] | transpose[] | select(.[0] != .[1]) | "line \(.[0] | tojson) expected \(.[1] | tojson)"),
           ($rows[] | select(.[at("nature")] == "variable" and (.[at("libelle")] == "" or .[at("type")] == "")) | "variable \(.[at("variable")]) without its label or type"),
           ($rows[] | select(.[at("nature")] == "valeur") | . as $r | ($r[at("code")] | if . == "nsp" then ".a" elif . == "refus" then ".b" else $r[at("numero_papier")] end) as $stata
            | select($r[at("valeur")] != $r[at("numero_papier")] or $r[at("valeur_stata")] != $stata or $r[at("libelle")] == "")
            | "value \($r[at("variable")]) = \($r[at("code")]): valeur \($r[at("valeur")] | tojson), Stata \($r[at("valeur_stata")] | tojson), label \($r[at("libelle")] | tojson)"),
           ($rows[] | select(.[at("nature")] == "indicateur" and .[at("definition")] == "") | "indicator \(.[at("variable")]) without its definition")] | .[:15]'
}
list_check "codebook CSV (residents): a line per variable (question, grid row, choice), per labelled value and per indicator, with the wording in fr, ar, en, tr and the paper numbers" \
    codebook_ok "$tmp/cb.json" "$xforms/resident.json" "$xforms/resident.indicators.json"
list_check "codebook CSV (operators): the same with its languages (fr, en) and a variable per territory of O02" \
    codebook_ok "$tmp/cbo.json" "$xforms/operator.json" "$xforms/operator.indicators.json"
check "codebook CSV: Arabic labels present (R07's wording, every column of a resident question has one)" \
    jqt --arg ar "$(jq -r '.sections[].questions[] | select(.id == "R07") | .label.ar' "$xforms/resident.json")" \
    '.[0] as $h | ($h | index("texte_ar")) as $j | ($h | index("nature")) as $k | ($h | index("variable")) as $v | ($h | index("question")) as $q
        | $j != null and any(.[]; .[$k] == "variable" and .[$v] == "R07" and .[$j] == $ar)
        and all(.[1:][] | select(.[$k] == "variable" and .[$q] != ""); .[$j] | test("[\u0600-\u06FF]"))' "$tmp/cb.json"
check "codebook CSV: R30's skip condition and the indicator sante_percue_bonne's numerator in the expression columns" \
    jqt '.[0] as $h | ($h | index("nature")) as $k | ($h | index("variable")) as $v
        | any(.[]; .[$k] == "variable" and .[$v] == "R30" and (.[$h | index("condition_expression")] | contains("${R03} = '"'femme'"'")))
        and any(.[]; .[$k] == "indicateur" and .[$v] == "sante_percue_bonne" and (.[$h | index("expression")] | contains("${R07}")))' "$tmp/cb.json"
check "codebook HTML: self-contained" selfcontained_ok "$tmp/cb.html"
# Every question id (its columns say "(question <code>ID</code>)"), every variable of the CSV codebook as a row
# heading, R07's Arabic wording marked as Arabic, the indicators.
codebook_html_ok() { # form json, codebook json, html
    local q v ar
    for q in $(jq -r '.sections[].questions[] | select(.type != "note") | .id' "$1"); do
        grep -qF "(question <code>$q</code>)" "$3" || { echo "question $q missing" >"$tmp/err"; return 1; }
    done
    for v in $(jq -r '.[0] as $h | .[1:][] | select(.[0] == "variable") | .[$h | index("variable")]' "$2"); do
        grep -qF "<th scope=\"row\"><code>$v</code></th>" "$3" || { echo "variable $v missing" >"$tmp/err"; return 1; }
    done
    ar=$(jq -r '.sections[].questions[] | select(.id == "R07") | .label.ar' "$1")
    grep -qF "<li lang=\"ar\" dir=\"rtl\">$ar</li>" "$3" || { echo "R07 in Arabic missing" >"$tmp/err"; return 1; }
    grep -qF "<h2>Indicateurs</h2>" "$3" && grep -qF "<code>sante_percue_bonne</code>" "$3" || { echo "no indicators" >"$tmp/err"; return 1; }
}
check "codebook HTML: every question id and variable, R07's Arabic wording (lang=ar, dir=rtl) and the indicators" \
    codebook_html_ok "$xforms/resident.json" "$tmp/cb.json" "$tmp/cb.html"

# ---- sanitizers ---------------------------------------------------------------------------------------------
sanitizer_runs() { # the commands whose stderr holds a sanitizer report
    local line cmd=
    while IFS= read -r line; do
        case $line in
        "== analyzer "*) cmd=${line#== } ;;
        *"runtime error"* | *Sanitizer*) echo "$cmd: $line" ;;
        esac
    done <"$tmp/allerr"
}
reports=$(sanitizer_runs)
if [ -z "$reports" ]; then ok "no sanitizer report in any run"; else not_ok "no sanitizer report in any run" "$reports"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
