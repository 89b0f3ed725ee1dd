#!/usr/bin/env bash
# Black-box test of `analyzer indicators` and `analyzer margins`: runs the real binary on synthetic campaigns
# written by synth (and by `collector import`) into temporary databases, and checks exit statuses, messages, the
# JSON and CSV shapes, the intervals, disclosure control, -o and the equivalence of --no-grouping.
# Usage: analyzer_cli.sh ANALYZER_BINARY SYNTH_BINARY COLLECTOR_BINARY SOURCE_DIR
set -u
an=$1
synth=$2
col=$3
src=$4
forms=$src/forms
terr=$forms/territories.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
# Saves the last output under a name.
keep() { cp "$tmp/out" "$tmp/$1"; }
# Never NaN nor Infinity as a value, in JSON (": nan,") or CSV (",-nan,").
no_nan() { ! grep -Eiq '(^|[,:[] *)[-+]?(nan|inf|infinity)( *[],}]|$)' "$1"; }
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

# jq definitions shared by the checks below.
JQDEFS='
def fields: [scan("(?:^|,)(\"(?:[^\"]|\"\")*\"|[^,]*)") | .[0] | if startswith("\"") then .[1:-1] | gsub("\"\""; "\"") else . end];
def csv_objects: split("\n") | map(select(length > 0) | fields) | .[0] as $h | .[1:] | map([$h, .] | transpose | map({(.[0]): .[1]}) | add);
def close(a; b): (a == null and b == null) or (a != null and b != null and ((a - b) | fabs) <= 1e-12 * ([(a | fabs), (b | fabs)] | max));
def props: [.indicators[] | select((.kind == "proportion" or .kind == "distribution") and .suppressed == false and .estimate != null)];
def same_rows(a; b): (a | length) == (b | length) and ([a, b] | transpose | all(.[0].id == .[1].id and .[0].group == .[1].group and .[0].category == .[1].category));
'
ROWKEYS='["id","label","group","n","events","estimate","ci_low","ci_high","method","deff","n_eff","suppressed","flags"]'
rows_complete() { jqt --argjson k "$ROWKEYS" '(.indicators | length) > 0 and all(.indicators[]; . as $r | all($k[]; . as $x | $r | has($x)))' "$1"; }
ci_ordered() { jqt "$JQDEFS"'props | length > 0 and all(.ci_low != null and .ci_low <= .estimate and .estimate <= .ci_high and .ci_low >= 0 and .ci_high <= 1)' "$1"; }
sound() { rows_complete "$1" && ci_ordered "$1" && no_nan "$1"; }
# The last run succeeded and jq's filter (with any jq options before it) holds on the file given last.
ran_and() { [ "$st" -eq 0 ] && jqt "$@"; }

# ---- data --------------------------------------------------------------------------------------------------
db=$tmp/r.db
"$synth" --forms "$forms" --form resident --n 3000 --seed 11 --db "$db" >/dev/null 2>"$tmp/err"
check "synth writes a campaign of 3,000 residents" test "$(sqlite3 "$db" 'SELECT count(*) FROM counted_submissions')" = 3000

# ---- bad flags and bad inputs ------------------------------------------------------------------------------
"$an" margins --forms "$forms" >"$tmp/m.csv" 2>"$tmp/err"
run indicators --form resident --forms "$forms"
err_check "missing --db: status 2, message names --db" 2 "--db" "obligatoire"
run indicators --db "$db" --forms "$forms"
err_check "missing --form: status 2, message names --form" 2 "--form" "obligatoire"
run indicators --db "$db" --form visiteur --forms "$forms"
err_check "unknown form: status 2, message names --form" 2 "--form" "formulaire inconnu"
run indicators --db "$db" --form resident --forms "$forms" --frobnicate
err_check "unknown option: status 2, message names it" 2 "--frobnicate" "option inconnue"
run indicators --db "$db" --form resident --forms "$forms" --level 2
err_check "--level 2: status 2, message names --level" 2 "--level" "niveau"
run indicators --db "$db" --form resident --forms "$forms" --level abc
err_check "--level abc: status 2, message names --level" 2 "--level" "niveau"
run indicators --db "$db" --form resident --forms "$forms" --min-n 0
err_check "--min-n 0: status 2, message names --min-n" 2 "--min-n" "entier"
run indicators --db "$db" --form resident --forms "$forms" --format xml
err_check "--format xml: status 2, message names --format" 2 "--format" "json ou csv"
run indicators --db "$db" --form resident --forms "$forms" --ci beta
err_check "--ci beta without --margins: status 2, message names --ci" 2 "--ci" "sans --margins"
run indicators --db "$db" --form resident --forms "$forms" --ci wilson --margins "$tmp/m.csv"
err_check "--ci wilson with --margins: status 2, message names --ci" 2 "--ci" "avec --margins"
bad_line=$(grep -n '^QN09399B,' "$tmp/m.csv" | head -1 | cut -d: -f1)
sed 's/^QN09399B,/QN09399Z,/' "$tmp/m.csv" >"$tmp/bad_margins.csv"
run indicators --db "$db" --form resident --forms "$forms" --margins "$tmp/bad_margins.csv"
err_check "margins with an unknown territory: status 2, message names --margins, the line and the code" 2 \
    "--margins" "ligne $bad_line" "QN09399Z"
run indicators --db "$tmp/absent.db" --form resident --forms "$forms"
err_check "a database that does not exist: status 1, message names the path" 1 "$tmp/absent.db"
check "... and the missing database is not created" test ! -e "$tmp/absent.db"
echo "ceci n'est pas une base" >"$tmp/text.db"
run indicators --db "$tmp/text.db" --form resident --forms "$forms"
err_check "a text file as database: status 1, French message naming the path" 1 "$tmp/text.db" \
    "n'est pas une base du collecteur"
sqlite3 "$tmp/other.db" 'CREATE TABLE t(a)'
run indicators --db "$tmp/other.db" --form resident --forms "$forms"
err_check "an SQLite file of another program: status 1, French message naming the path" 1 "$tmp/other.db" \
    "n'est pas une base du collecteur"
sqlite3 "$tmp/old.db" "CREATE TABLE submissions(id INTEGER PRIMARY KEY, form_id TEXT); INSERT INTO submissions(form_id) VALUES ('resident')"
run indicators --db "$tmp/old.db" --form resident --forms "$forms"
err_check "a database with a submissions table but no counted_submissions view: status 1, French message" 1 \
    "$tmp/old.db" "n'est pas une base du collecteur"

# ---- analyzer margins --------------------------------------------------------------------------------------
jq -r '.population_by as $by | .territories[] | .code as $c | .population as $p
       | ($p | to_entries[] | "\($c),\($by[0]),\(.key),\(.value | add)"),
         ($p | to_entries[0].value | keys_unsorted[] as $b | "\($c),\($by[1]),\($b),\([$p[][$b]] | add)")' \
    "$terr" | sort >"$tmp/m.want"
check "margins: header territory,variable,category,population" test "$(head -1 "$tmp/m.csv")" = "territory,variable,category,population"
margins_as_expected() {
    tail -n +2 "$tmp/m.csv" | sort | cmp -s - "$tmp/m.want" && grep -q ",R02," "$tmp/m.csv" && grep -q ",R03," "$tmp/m.csv"
}
check "margins: one line per territory x R02 and R03 category, with the population's sums" \
    margins_as_expected

# ---- JSON on the synthetic campaign ------------------------------------------------------------------------
run indicators --db "$db" --form resident --forms "$forms"
keep r.json
check "indicators: status 0, JSON that parses" ran_and . "$tmp/r.json"
check "JSON has form, weighted, indicators, tests, groups, multiple_testing" \
    jqt '.form == "resident" and (.weighted | type) == "boolean" and (.indicators | type) == "array" and (.tests | type) == "array" and (.groups | type) == "array" and (.multiple_testing | type) == "object"' "$tmp/r.json"
check "every indicator row has id, label, group, n, events, estimate, ci, method, deff, n_eff, suppressed, flags" \
    rows_complete "$tmp/r.json"
check "groups: every territory of territories.json, ensemble_qpv and commune" \
    jqt --slurpfile t "$terr" '([$t[0].territories[].code] + ["ensemble_qpv", "commune"]) - [.groups[].id] == [] and ([.indicators[].group] | unique) - [.groups[].id] == []' "$tmp/r.json"
check "no NaN or Infinity in the JSON" no_nan "$tmp/r.json"
check "proportions: 0 <= ci_low <= estimate <= ci_high <= 1" ci_ordered "$tmp/r.json"
check "unweighted by default, method wilson for proportions" \
    jqt "$JQDEFS"'.weighted == false and .method == "wilson" and (props | length > 0 and all(.method == "wilson"))' "$tmp/r.json"

run indicators --db "$db" --form resident --forms "$forms" --margins "$tmp/m.csv"
keep w.json
check "with --margins (from analyzer margins): status 0, weighted, method beta" \
    jqt "$JQDEFS"'.weighted == true and .method == "beta" and (props | length > 0 and all(.method == "beta"))' "$tmp/w.json"
check "weighted: rows complete, no NaN, intervals around the estimates" sound "$tmp/w.json"
check "weighted estimates differ from unweighted ones (the weights do something)" \
    jqt -n --slurpfile a "$tmp/r.json" --slurpfile b "$tmp/w.json" '[$a[0].indicators, $b[0].indicators] | transpose | any(.[0].estimate != null and .[1].estimate != null and .[0].estimate != .[1].estimate)'

run indicators --db "$db" --form resident --forms "$forms" --ci clopper-pearson
keep cp.json
check "--ci clopper-pearson: method field, same estimates, other intervals" \
    jqt -n --slurpfile a "$tmp/r.json" --slurpfile b "$tmp/cp.json" "$JQDEFS"'$b[0] as $c | $c.method == "clopper-pearson" and ($c | props | length > 0 and all(.method == "clopper-pearson"))
        and ([$a[0].indicators, $c.indicators] | transpose | all(.[0].estimate == .[1].estimate) and any(.[0].kind == "proportion" and .[0].ci_low != .[1].ci_low))' 
check "--ci clopper-pearson: intervals around the estimates, no NaN" sound "$tmp/cp.json"

run indicators --db "$db" --form resident --forms "$forms" --margins "$tmp/m.csv" --ci logit
keep lg.json
# The logit interval comes from a logistic fit, as svyciprop's does: its estimate agrees with the weighted mean to
# the fit's tolerance only, hence 1e-6 here rather than equality.
check "--ci logit with --margins: method field, the same estimates (1e-6), other intervals" \
    jqt -n --slurpfile a "$tmp/w.json" --slurpfile b "$tmp/lg.json" "$JQDEFS"'$b[0] as $c | $c.method == "logit" and ($c | props | length > 0 and all(.method == "logit"))
        and ([$a[0].indicators, $c.indicators] | transpose | all(.[0].estimate == .[1].estimate or ((.[0].estimate - .[1].estimate) | fabs) <= 1e-6 * (.[0].estimate | fabs))
            and any(.[0].kind == "proportion" and .[0].ci_low != null and ((.[0].ci_low - .[1].ci_low) | fabs) > 1e-6))'
check "--ci logit: intervals around the estimates, no NaN" sound "$tmp/lg.json"

run indicators --db "$db" --form resident --forms "$forms" --level 0.90
keep l90.json
check "--level 0.90: level 0.9, same estimates, every interval narrower than at 0.95" \
    jqt -n --slurpfile a "$tmp/r.json" --slurpfile b "$tmp/l90.json" '$b[0].level == 0.9 and ([$a[0].indicators, $b[0].indicators] | transpose | map(select(.[0].ci_low != null))
        | length > 0 and all(.[0].estimate == .[1].estimate and (.[1].ci_high - .[1].ci_low) < (.[0].ci_high - .[0].ci_low)))'

# ---- CSV ---------------------------------------------------------------------------------------------------
csv_matches_json() { # csv, json: same rows in the same order, same estimates and statuses
    jqt -n --rawfile c "$1" --slurpfile j "$2" "$JQDEFS"'($c | csv_objects) as $csv | $j[0].indicators as $ind
        | ($csv | length) == ($ind | length) and ($csv | length) > 0
        and ([$csv, $ind] | transpose | all(.[0] as $a | .[1] as $b | $a.id == $b.id and $a.group == $b.group
            and $a.category == ($b.category // "") and $a.method == $b.method
            and $a.suppressed == (if $b.suppressed == false then "" else $b.suppressed end)
            and close(if $a.estimate == "" then null else ($a.estimate | tonumber) end; $b.estimate)
            and close(if $a.ci_low == "" then null else ($a.ci_low | tonumber) end; $b.ci_low)
            and close(if $a.ci_high == "" then null else ($a.ci_high | tonumber) end; $b.ci_high)
            and (if $a.n == "" then null else ($a.n | tonumber) end) == $b.n))'
}
run indicators --db "$db" --form resident --forms "$forms" --format csv
keep r.csv
csv_header() { [ "$st" -eq 0 ] && head -1 "$tmp/r.csv" | grep -q "^id,label,.*,group,.*,estimate,ci_low,ci_high,.*,suppressed,flags\$"; }
check "--format csv: status 0, header line" csv_header
check "CSV: the JSON's rows, in the same order, with the same estimates and intervals" csv_matches_json "$tmp/r.csv" "$tmp/r.json"
check "no NaN or Infinity in the CSV" no_nan "$tmp/r.csv"

# ---- --no-grouping -----------------------------------------------------------------------------------------
same_estimates() { # json a, json b
    jqt -n --slurpfile a "$1" --slurpfile b "$2" "$JQDEFS"'same_rows($a[0].indicators; $b[0].indicators)
        and ([$a[0].indicators, $b[0].indicators] | transpose | all(.[0].n == .[1].n and .[0].suppressed == .[1].suppressed
            and close(.[0].estimate; .[1].estimate) and close(.[0].ci_low; .[1].ci_low) and close(.[0].ci_high; .[1].ci_high)
            and close(.[0].deff; .[1].deff)))'
}
run indicators --db "$db" --form resident --forms "$forms" --no-grouping
keep ng.json
check "--no-grouping: the same estimates, intervals and design effects (12 digits), unweighted" same_estimates "$tmp/r.json" "$tmp/ng.json"
run indicators --db "$db" --form resident --forms "$forms" --margins "$tmp/m.csv" --no-grouping
keep wng.json
check "--no-grouping: the same estimates, intervals and design effects (12 digits), with --margins" same_estimates "$tmp/w.json" "$tmp/wng.json"

# ---- -o ----------------------------------------------------------------------------------------------------
run indicators --db "$db" --form resident --forms "$forms" -o "$tmp/res.json"
check "-o FILE: status 0, the file holds the result" \
    ran_and --slurpfile r "$tmp/r.json" 'del(.timing) == ($r[0] | del(.timing))' "$tmp/res.json"
check "-o FILE: nothing on stdout" test ! -s "$tmp/out"
only_result() { local f=("$tmp"/res.json*); [ ${#f[@]} -eq 1 ]; }
check "-o FILE: no temporary file left beside it" only_result
run indicators --db "$db" --form resident --forms "$forms" -o "$tmp/nodir/res.json"
err_check "-o in a missing directory: status 1, message names the path" 1 "$tmp/nodir/res.json"
check "... and no file is left behind" test ! -e "$tmp/nodir"
cp "$tmp/res.json" "$tmp/res.bak"
# The disk fills up half-way: a file size limit stands in for it (SIGXFSZ ignored, so that the write fails).
(ulimit -f 64; trap '' XFSZ; exec "$an" indicators --db "$db" --form resident --forms "$forms" --format csv \
    -o "$tmp/res.json") >"$tmp/out" 2>"$tmp/err"
st=$?
err_check "-o when the disk fills up: status 1, message names the file" 1 "$tmp/res.json"
check "... the previous good file is kept intact" cmp -s "$tmp/res.json" "$tmp/res.bak"
check "... and no temporary file is left beside it (hidden ones included)" \
    bash -c 'test "$(ls -A "$1" | grep -F res.json)" = res.json' _ "$tmp"
run indicators --db "$tmp/text.db" --form resident --forms "$forms" -o "$tmp/res.json"
failed_kept() { [ "$st" -ne 0 ] && cmp -s "$tmp/res.json" "$tmp/res.bak"; }
check "a failed analysis leaves the previous -o file intact" failed_kept

# ---- disclosure --------------------------------------------------------------------------------------------
ddb=$tmp/d.db
cp "$db" "$ddb"
sqlite3 "$ddb" "DELETE FROM submissions WHERE territory = 'QN09399D' AND id NOT IN (SELECT id FROM submissions WHERE territory = 'QN09399D' ORDER BY id LIMIT 5)"
check "a campaign where QN09399D has 5 respondents" test "$(sqlite3 "$ddb" "SELECT count(*) FROM counted_submissions WHERE territory = 'QN09399D'")" = 5
run indicators --db "$ddb" --form resident --forms "$forms"
keep d.json
check "small territory: status 0, every QN09399D cell primary with null n, events, estimate and interval" \
    ran_and '[.indicators[] | select(.group == "QN09399D")] | length > 0 and all(.suppressed == "primary" and .n == null and .events == null and .estimate == null and .ci_low == null and .ci_high == null and .deff == null and .n_eff == null)' "$tmp/d.json"
check "small territory: the group itself is suppressed (no respondent count)" \
    jqt '.groups[] | select(.id == "QN09399D") | .suppressed == "primary" and .respondents == null' "$tmp/d.json"
check "every indicator (and category) has a complementary cell beside the primary one" \
    jqt '[.indicators[]] | group_by([.id, .category]) | length > 0 and all(any(.suppressed == "complementary") and all(.suppressed != "complementary" or (.n == null and .estimate == null)))' "$tmp/d.json"
check "no suppressed cell can be recovered by subtraction (QPV = sum of QPV, town = QPV + rest)" \
    jqt --slurpfile t "$terr" '[$t[0].territories[] | select(.kind == "qpv") | .code] as $q | ([$t[0].territories[] | select(.kind != "qpv") | .code] | if length == 1 then .[0] else "reste_commune" end) as $rest
        | [.indicators[]] | group_by([.id, .category]) | all((map({(.group): .suppressed}) | add) as $s
            | ([($q[], "ensemble_qpv") as $g | $s[$g] | select(. == "primary" or . == "complementary")] | length) as $a
            | ([("commune", "ensemble_qpv", (if $s | has("reste_commune") then "reste_commune" else $rest end)) as $g | $s[$g] | select(. == "primary" or . == "complementary")] | length) as $b
            | ($a == 0 or $a >= 2) and ($b == 0 or $b >= 2))' "$tmp/d.json"
check "a difference that involves a suppressed cell is suppressed, with no number" \
    jqt '(reduce .indicators[] as $c ({}; .["\($c.id)|\($c.category)|\($c.group)"] = $c.suppressed)) as $s
        | [.tests[] | select(.kind == "difference") | . as $t | select([$s["\($t.indicator)|\($t.category)|\($t.group)"], $s["\($t.indicator)|\($t.category)|\($t.versus)"]] | any(. != false))]
        | length > 0 and all(.suppressed == true and .difference == null and .p == null and .ci_low == null and .statistic == null)' "$tmp/d.json"
check "no NaN or Infinity with suppressed cells" no_nan "$tmp/d.json"
run indicators --db "$ddb" --form resident --forms "$forms" --format csv
keep d.csv
check "CSV with suppressed cells: the JSON's rows and statuses" csv_matches_json "$tmp/d.csv" "$tmp/d.json"
check "CSV: every numeric field of a suppressed row is empty" \
    jqt -n --rawfile c "$tmp/d.csv" "$JQDEFS"'($c | csv_objects) | map(select(.suppressed != "")) as $s | ($s | length) > 0 and any($s[]; .group == "QN09399D" and .suppressed == "primary")
        and all($s[]; [.n, .events, .nsp, .refus, .estimate, .ci_low, .ci_high, .se, .deff, .n_eff, .std_estimate, .std_ci_low, .std_ci_high, .flags] | all(. == ""))'
run indicators --db "$ddb" --form resident --forms "$forms" --min-n 1
keep d1.json
check "--min-n 1 shows the small territory again" \
    jqt '(.groups[] | select(.id == "QN09399D") | .suppressed == false and .respondents == 5)
        and ([.indicators[] | select(.group == "QN09399D")] | (map(select(.suppressed == false)) | length) * 2 > length
             and any(.id == "sante_percue_bonne" and .suppressed == false and .n >= 1 and .n <= 5 and .estimate != null))' "$tmp/d1.json"
run indicators --db "$db" --form resident --forms "$forms" --min-n 1000000
keep big.json
check "--min-n above every group: status 0, every cell and group suppressed, no number" \
    ran_and '(.indicators | length) > 0 and all(.indicators[]; .suppressed != false and .n == null and .estimate == null and .ci_low == null) and all(.groups[]; .suppressed != false and .respondents == null)' "$tmp/big.json"
check "--min-n above every group: no test statistic published either" \
    jqt 'all(.tests[]; .suppressed == true or (.statistic == null and .p == null))' "$tmp/big.json"

# ---- respondents outside the territories -------------------------------------------------------------------
ntdb=$tmp/nt.db
cp "$db" "$ntdb"
printf 'paper_id,R01,R02,R03,R07,R17\nX1,autre_commune,25-39,femme,bon,non\nX2,autre_commune,40-54,homme,bon,oui\nX3,autre_commune,75+,femme,mauvais,non\n' >"$tmp/nt.csv"
"$col" import --db "$ntdb" --form resident --forms "$forms" "$tmp/nt.csv" >"$tmp/imp" 2>&1
check "collector import adds 3 residents of another town" grep -q '3 importée(s)' "$tmp/imp"
run indicators --db "$ntdb" --form resident --forms "$forms"
keep nt.json
check "R01 = autre_commune is counted in respondents.no_territory and left out of the groups" \
    jqt -n --slurpfile a "$tmp/r.json" --slurpfile b "$tmp/nt.json" '$a[0].respondents as $r | $b[0].respondents as $s
        | $s.no_territory == $r.no_territory + 3 and $s.counted == $r.counted + 3 and $s.used == $r.used
        and ([$b[0].groups[].respondents] == [$a[0].groups[].respondents])'
check "no_territory is every respondent whose R01 is not a territory of the file" \
    jqt --argjson n "$(sqlite3 "$db" "SELECT count(*) FROM counted_submissions WHERE json_extract(answers, '\$.R01') IN ('autre_commune', 'refus')")" \
    '.respondents.no_territory == $n and $n > 0' "$tmp/r.json"

# ---- the operator form -------------------------------------------------------------------------------------
odb=$tmp/op.db
"$synth" --forms "$forms" --form operator --n 300 --seed 5 --db "$odb" >/dev/null 2>"$tmp/err"
run indicators --db "$odb" --form operator --forms "$forms"
keep op.json
check "--form operator: status 0, JSON with every territory, ensemble_qpv and commune" \
    ran_and --slurpfile t "$terr" '.form == "operator" and ([$t[0].territories[].code] + ["ensemble_qpv", "commune"]) - [.groups[].id] == []' "$tmp/op.json"
check "operators: rows complete, no NaN, intervals around the estimates" sound "$tmp/op.json"
check "operators serving several territories count in each, once in the town" \
    jqt '([.groups[] | select(.kind == "territory") | .respondents] | add) > (.groups[] | select(.id == "commune") | .respondents) and (.groups[] | select(.id == "commune") | .respondents) == .respondents.counted' "$tmp/op.json"
check "operators: no test across territories" \
    jqt '.tests == [] and .multiple_testing.across_territories.tests == 0 and .multiple_testing.neighbourhood_vs_rest.tests == 0' "$tmp/op.json"

# ---- sanitizers --------------------------------------------------------------------------------------------
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
