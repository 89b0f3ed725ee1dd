#!/usr/bin/env bash
# Black-box test of several towns analysed together (issue 18): `analyzer indicators` and `analyzer report` with
# --db, --territories and --margins repeated. Two synthetic towns whose territories files share codes (the same QPV
# code QN09399A and "hors_qpv" in both): each town's territory figures in the joint analysis must be exactly those
# of its database analysed alone (no mix-up), the town comparison must exist with its interval, the flags' errors
# must name the flag, one town must give the single-database output, a third town adds the "other towns' QPV"
# groups, and on a small campaign no count is recoverable by subtraction across the new groups.
# Usage: towns.sh ANALYZER_BINARY SYNTH_BINARY COLLECTOR_BINARY SOURCE_DIR
set -u
an=$1
synth=$2
col=$3
src=$4
forms=$src/forms
source "$src/tests/blackbox/lib.sh"

# Runs the analyzer with stdout in $tmp/out and stderr in $tmp/err; status in $st.
run() { "$an" "$@" >"$tmp/out" 2>"$tmp/err"; st=$?; }
# A usage error: status 2, nothing on stdout, every fixed string given in the message.
err_check() { # name, strings...
    local name=$1 good=1 why=()
    shift
    [ "$st" -eq 2 ] || { good=0; why+=("status $st, expected 2"); }
    [ -s "$tmp/out" ] && { good=0; why+=("something on stdout"); }
    for pat in "$@"; do grep -qF -- "$pat" "$tmp/err" || { good=0; why+=("missing in message: $pat"); }; done
    if [ $good -eq 1 ]; then ok "$name"; else not_ok "$name" "${why[@]}" "stderr: $(head -c 600 "$tmp/err")"; fi
}

# A second town: a copy of the forms folder whose territories file names another commune, keeps QN09399A and
# hors_qpv (codes the first town has too), renames two QPV and drops the fourth. $1 folder, $2 INSEE, $3 name.
town_forms() {
    mkdir -p "$1"
    cp "$forms"/*.json "$1/"
    [ -d "$forms/versions" ] && cp -r "$forms/versions" "$1/"
    jq --arg insee "$2" --arg name "$3" '.commune = {insee: $insee, name: $name} | del(.outlines)
        | .territories |= map(select(.code != "QN09399D") | del(.outline)
            | if .code == "QN09399B" then .code = "QN0" + ($insee | .[0:4]) + "B"
              elif .code == "QN09399C" then .code = "QN0" + ($insee | .[0:4]) + "C" else . end)' \
        "$forms/territories.json" >"$1/territories.json"
}

# ---- data ------------------------------------------------------------------------------------------------------
town_forms "$tmp/fb" 93888 Autreville
town_forms "$tmp/fc" 93777 Troisville
ta=$forms/territories.json tb=$tmp/fb/territories.json tc=$tmp/fc/territories.json
"$synth" --forms "$forms" --form resident --n 900 --seed 3 --db "$tmp/a.db" >/dev/null 2>"$tmp/err"
"$synth" --forms "$tmp/fb" --form resident --n 700 --seed 5 --db "$tmp/b.db" >/dev/null 2>>"$tmp/err"
"$synth" --forms "$tmp/fc" --form resident --n 500 --seed 7 --db "$tmp/c.db" >/dev/null 2>>"$tmp/err"
check "synth writes three towns' campaigns (900, 700, 500)" test "$(sqlite3 "$tmp/a.db" 'SELECT count(*) FROM counted_submissions')/$(sqlite3 "$tmp/b.db" 'SELECT count(*) FROM counted_submissions')/$(sqlite3 "$tmp/c.db" 'SELECT count(*) FROM counted_submissions')" = 900/700/500
"$an" margins --forms "$forms" >"$tmp/ma.csv"
"$an" margins --forms "$tmp/fb" >"$tmp/mb.csv"
"$an" margins --forms "$tmp/fc" >"$tmp/mc.csv"
two=(--forms "$forms" --form resident --db "$tmp/a.db" --territories "$ta" --db "$tmp/b.db" --territories "$tb")

# ---- errors name the flag --------------------------------------------------------------------------------------
run indicators --forms "$forms" --form resident --db "$tmp/a.db" --db "$tmp/b.db"
err_check "two --db without --territories: status 2, names --territories" "--territories" "un fichier de territoires par base"
run indicators --forms "$forms" --form resident --db "$tmp/a.db" --territories "$ta" --db "$tmp/b.db"
err_check "two --db, one --territories: status 2, names --territories" "--territories"
run indicators "${two[@]}" --margins "$tmp/ma.csv"
err_check "two --db, one --margins: status 2, names --margins" "--margins" "un fichier de marges par base"
run indicators --forms "$forms" --form resident --db "$tmp/a.db" --territories "$ta" --db "$tmp/a.db" --territories "$ta"
err_check "the same commune twice: status 2, says it and points to --wave" "--db" "93999" "--wave"
jq 'del(.commune)' "$tb" >"$tmp/nocommune.json"
run indicators --forms "$forms" --form resident --db "$tmp/a.db" --territories "$ta" --db "$tmp/b.db" --territories "$tmp/nocommune.json"
err_check "a territories file naming no commune: status 2, names --territories and the file" "--territories" "nocommune.json" "commune"
run indicators "${two[@]}" --margins "$tmp/ma.csv" --margins "$tmp/ma.csv"
err_check "town B given town A's margins: status 2, names --margins and the file" "--margins" "ma.csv"
run report "${two[@]}" --wave a=1
err_check "report: --wave with several towns refused, names --wave" "--wave"

# ---- one town is the single-database analysis ------------------------------------------------------------------
run indicators --forms "$forms" --form resident --db "$tmp/a.db"
jq -S 'del(.timing)' "$tmp/out" >"$tmp/single.json"
run indicators --forms "$forms" --form resident --db "$tmp/a.db" --territories "$ta"
jq -S 'del(.timing)' "$tmp/out" >"$tmp/one.json"
check "one --db with its --territories: the single-database output (timing aside)" cmp -s "$tmp/single.json" "$tmp/one.json"
check "single-database output has no town field" jq -e 'all(.groups[]; has("town") | not)' "$tmp/single.json"

# ---- no mix-up: each town's territories as in its database alone ------------------------------------------------
# Every cell of a territory group of town P (id P/CODE) equals the cell CODE of the analysis of that database alone,
# in every field but the standardised ones (standardised on the region's population, not the town's).
CMP='def key: [.id, .category, .group] | tostring;
def strip: del(.std_estimate, .std_ci_low, .std_ci_high, .group, .group_label);
($m[0].indicators | map(select(.group | startswith($p))) | map(.group |= ltrimstr($p)) | map({key: key, value: strip}) | from_entries) as $M
| [.indicators[] | select(.group as $g | $terr | index($g)) | select($M[key] != strip) | key] as $bad
| [.indicators[] | select(.group as $g | $terr | index($g))] | length as $n
| if $n < 100 then ["only \($n) territory cells compared"] else $bad[:5] end'
terr_codes() { jq -c '[.territories[].code]' "$1"; }
for w in unweighted weighted; do
    ma=() mb=() mm=()
    [ $w = weighted ] && ma=(--margins "$tmp/ma.csv") mb=(--margins "$tmp/mb.csv") &&
        mm=(--db "$tmp/a.db" --territories "$ta" --margins "$tmp/ma.csv" --db "$tmp/b.db" --territories "$tb" --margins "$tmp/mb.csv")
    [ $w = unweighted ] && mm=(--db "$tmp/a.db" --territories "$ta" --db "$tmp/b.db" --territories "$tb")
    "$an" indicators --forms "$forms" --form resident "${mm[@]}" -o "$tmp/ab_$w.json" 2>"$tmp/err"
    check "$w: two towns analysed together" test -s "$tmp/ab_$w.json"
    "$an" indicators --forms "$forms" --form resident --db "$tmp/a.db" "${ma[@]}" -o "$tmp/a_$w.json" 2>>"$tmp/err"
    "$an" indicators --forms "$tmp/fb" --form resident --db "$tmp/b.db" "${mb[@]}" -o "$tmp/b_$w.json" 2>>"$tmp/err"
    if [ $w = unweighted ]; then
        list_check "$w: town 93999's territories as in a.db alone, exactly" \
            jq --slurpfile m "$tmp/ab_$w.json" --arg p 93999/ --argjson terr "$(terr_codes "$ta")" "$CMP" "$tmp/a_$w.json"
        list_check "$w: town 93888's territories (QN09399A and hors_qpv shared with 93999) as in b.db alone, exactly" \
            jq --slurpfile m "$tmp/ab_$w.json" --arg p 93888/ --argjson terr "$(terr_codes "$tb")" "$CMP" "$tmp/b_$w.json"
    else
        # Raked within each territory: the same weights, estimates, standard errors and design effects. The
        # Korn-Graubard interval's n is the design's whole n for a calibrated design (R's nrow quirk,
        # reference/statistics.md 1.2), which grows with the second town: the bounds move in the 4th digit.
        WCMP=${CMP/del(.std_estimate,/del(.ci_low, .ci_high, .std_estimate,}
        list_check "$w: town 93999's territories as in a.db alone (interval bounds aside)" \
            jq --slurpfile m "$tmp/ab_$w.json" --arg p 93999/ --argjson terr "$(terr_codes "$ta")" "$WCMP" "$tmp/a_$w.json"
        list_check "$w: town 93888's territories as in b.db alone (interval bounds aside)" \
            jq --slurpfile m "$tmp/ab_$w.json" --arg p 93888/ --argjson terr "$(terr_codes "$tb")" "$WCMP" "$tmp/b_$w.json"
    fi
    check "$w: the shared code QN09399A is two groups with each town's own respondents" jq -e \
        --slurpfile a "$tmp/a_$w.json" --slurpfile b "$tmp/b_$w.json" '
        def resp($j; $id): [$j.groups[] | select(.id == $id) | .respondents][0];
        resp(.; "93999/QN09399A") == resp($a[0]; "QN09399A") and resp(.; "93888/QN09399A") == resp($b[0]; "QN09399A")
        and resp(.; "93999/hors_qpv") == resp($a[0]; "hors_qpv") and resp(.; "93888/hors_qpv") == resp($b[0]; "hors_qpv")
        and resp(.; "93999/commune") == resp($a[0]; "commune") and resp(.; "93888/commune") == resp($b[0]; "commune")
        and resp(.; "region") == resp(.; "93999/commune") + resp(.; "93888/commune")' "$tmp/ab_$w.json"
    # The regional analyst's question: forgone care in one town's QPV against the other town's QPV.
    check "$w: forgone care, 93999's QPV against 93888's: a difference with its interval, equal to the two estimates' gap" jq -e '
        ([.indicators[] | select(.id == "renoncement_soins" and .category == null) | {key: .group, value: .estimate}] | from_entries) as $e
        | [.tests[] | select(.indicator == "renoncement_soins" and .kind == "difference" and .group == "93999/ensemble_qpv" and .versus == "93888/ensemble_qpv")]
        | length == 1 and (.[0] | .ci_low < .difference and .difference < .ci_high and .p >= 0 and .p <= 1
            and ((.difference - ($e["93999/ensemble_qpv"] - $e["93888/ensemble_qpv"])) | fabs) < 1e-12)' "$tmp/ab_$w.json"
done
check "groups: territories, each town's QPV and town, the region's QPV and the region, each with its town" jq -e '
    [.groups[] | [.id, .kind, .town]] as $g
    | ($g | index([["93999/ensemble_qpv", "qpv", "93999"]])) and ($g | index([["93888/commune", "town", "93888"]]))
    and ($g | index([["ensemble_qpv", "qpv", null]])) and ($g | index([["region", "region", null]]))
    and ($g | index([["93888/QN09399A", "territory", "93888"]]))' "$tmp/ab_unweighted.json"
"$an" indicators "${two[@]}" --format csv -o "$tmp/ab.csv" 2>"$tmp/err"
check "CSV: the group column carries the town (93888/QN09399A)" grep -q ',93888/QN09399A,' "$tmp/ab.csv"

# ---- three towns: the other towns' QPV -------------------------------------------------------------------------
"$an" indicators "${two[@]}" --db "$tmp/c.db" --territories "$tc" -o "$tmp/abc.json" 2>"$tmp/err"
check "three towns: each town's QPV against the other towns' QPV (INSEE/autres_qpv), whose respondents add up" jq -e '
    def resp($id): [.groups[] | select(.id == $id) | .respondents][0];
    resp("93999/autres_qpv") == resp("93888/ensemble_qpv") + resp("93777/ensemble_qpv")
    and resp("ensemble_qpv") == resp("93999/ensemble_qpv") + resp("93888/ensemble_qpv") + resp("93777/ensemble_qpv")
    and ([.tests[] | select(.indicator == "renoncement_soins" and .kind == "difference" and (.versus | endswith("/autres_qpv")))] | length == 3)' "$tmp/abc.json"

# ---- the report ------------------------------------------------------------------------------------------------
"$an" report "${two[@]}" --format md -o "$tmp/ab.md" 2>"$tmp/err"
check "report: a comparison between towns with intervals of the difference" grep -q '^# Comparaison entre communes' "$tmp/ab.md"
check "report: forgone care's row, both QPV estimates and the difference's interval" \
    grep -qE '^\| Exempleville \| [0-9,]+[^|]*%[^|]*\| Ensemble des quartiers prioritaires \(Autreville\) \| [0-9,]+[^|]*\| [-+][0-9,]+ pt \| \\\[[-+][0-9,]+ pt ; [-+][0-9,]+ pt\\\] \|' "$tmp/ab.md"
check "report: how many towns one machine handles, from the benchmark" grep -q 'un million de réponses représente environ' "$tmp/ab.md"
"$an" report "${two[@]}" -o "$tmp/ab.html" 2>"$tmp/err"
check "report: HTML written" grep -q 'Comparaison entre communes' "$tmp/ab.html"

# ---- disclosure across the new groups --------------------------------------------------------------------------
# A small campaign: in town B, 3 residents in a QPV of its own; every relation between published groups (a union
# group and its territories; a town and its QPV plus its rest; the region and the towns; the region's QPV and the
# towns' QPV; the other towns' QPV) attacked by subtraction.
line() { printf 'web,fr,2026-03-02T10:00Z,%s,25-39,femme,%s,non,non,mutuelle\n' "$1" "$2"; }
many() { local n=$1 i; shift; for ((i = 0; i < n; i++)); do line "$@"; done; }
load() { # db forms: CSV lines on stdin
    { echo "channel,lang,received_at,R01,R02,R03,R07,R08,R17,R21"; cat; } >"$tmp/load.csv"
    "$col" import --db "$1" --forms "$2" --form resident "$tmp/load.csv" >/dev/null 2>"$tmp/err"
}
{ many 15 QN09399A bon; many 14 hors_qpv mauvais; } | load "$tmp/sa.db" "$forms"
{ many 14 QN09399A bon; many 3 QN09388B mauvais; many 16 hors_qpv bon; } | load "$tmp/sb.db" "$tmp/fb"
"$an" indicators --forms "$forms" --form resident --db "$tmp/sa.db" --territories "$ta" --db "$tmp/sb.db" \
    --territories "$tb" -o "$tmp/small.json" 2>"$tmp/err"
check "small campaign: 93888's QPV of 3 suppressed" jq -e '[.groups[] | select(.id == "93888/QN09388B")][0].respondents == null' "$tmp/small.json"
leaks() {
    jq '
    (.groups | map({key: .id, value: .}) | from_entries) as $G
    | [.groups[] | select(.kind == "territory")] as $T
    | def terr_of($g): [$T[] | select(
          if $g.kind == "qpv" then .qpv and ($g.town == null or .town == $g.town)
          elif $g.kind == "rest" then (.qpv | not) and .town == $g.town
          elif $g.kind == "town" then .town == $g.town
          elif $g.kind == "other_qpv" then .qpv and .town != $g.town
          else true end) | .id];
      def rest_of($t): if $G[$t + "/reste_commune"] then $t + "/reste_commune" else [$T[] | select(.town == $t and (.qpv | not)) | .id][0] end;
      ([.groups[] | .town // empty] | unique) as $towns
    | ([.groups[] | select(.kind != "territory") | {total: .id, parts: terr_of(.)}]
       + [$towns[] | {total: (. + "/commune"), parts: [(. + "/ensemble_qpv"), rest_of(.)]}]
       + [{total: "region", parts: [$towns[] | . + "/commune"]}, {total: "ensemble_qpv", parts: [$towns[] | . + "/ensemble_qpv"]},
          {total: "region", parts: (["ensemble_qpv"] + [$towns[] | rest_of(.)])}]) as $rels
    | def leak($count; $what): $rels[] | select($count[.total] != null) | . as $r
          | [$r.parts[] | select($count[.] == null)] as $hidden | select($hidden | length > 0)
          | ($count[$r.total] - ([$r.parts[] | $count[.] // 0] | add)) as $d | select($d > 0 and $d < 11)
          | "\($what): \($r.total) minus its published parts gives \($hidden | join(" + ")) = \($d)";
      [(.indicators | group_by([.id, .category])[] | . as $u
        | (reduce $u[] as $c ({}; .[$c.group] = (if $c.suppressed == false then $c.n else null end))) as $n
        | leak($n; "\($u[0].id)/\($u[0].category // "")")),
       ((reduce .groups[] as $g ({}; .[$g.id] = $g.respondents)) as $n | leak($n; "respondents"))] | unique' "$1"
}
list_check "small campaign: no unit nor respondent count recoverable by subtraction across towns" leaks "$tmp/small.json"

check "no sanitizer report" sanitizer_clean
finish
