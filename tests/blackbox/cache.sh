#!/usr/bin/env bash
# Black-box test of the analyzer's derived cache (analyzer/read/colcache.h): on synthetic campaigns, every figure
# read through the cache -- cold, warm, after new rows, after a correction, an exclusion, an erasure, from a file
# truncated or damaged -- must be bit for bit the figure read from the JSON answers (--no-cache), which stay the
# record of truth. Also: the timing fields that say where the columns came from, the file's name and modes,
# rebuild-cache and the flags' errors, the report and several towns with and without the cache.
# Usage: cache.sh ANALYZER_BINARY SYNTH_BINARY COLLECTOR_BINARY SOURCE_DIR
set -u
an=$1
synth=$2
col=$3
src=$4
forms=$src/forms
source "$src/tests/blackbox/lib.sh" # $tmp, and XDG_CACHE_HOME inside it
cdir=$XDG_CACHE_HOME/sante-analyzer
t_start=$(date +%s)

# an_out FILE ARGS...: the analyzer's stdout into FILE, stderr into $tmp/err; status in $st.
an_out() {
    local out=$1
    shift
    "$an" "$@" >"$out" 2>"$tmp/err"
    st=$?
}
# same NAME A B: the two JSON outputs are identical once .timing is deleted (bit for bit: no tolerance).
same() {
    local name=$1 a=$2 b=$3
    if jq -S 'del(.timing)' "$a" >"$a.n" 2>/dev/null && jq -S 'del(.timing)' "$b" >"$b.n" 2>/dev/null &&
        cmp -s "$a.n" "$b.n"; then
        ok "$name"
    else
        not_ok "$name" "$(diff "$a.n" "$b.n" 2>&1 | head -n 12)" "stderr: $(head -c 400 "$tmp/err")"
    fi
}
# timing NAME FILE FILTER: the run succeeded and the filter holds on its .timing.
timing() {
    local name=$1 f=$2 filt=$3
    if [ "$st" -eq 0 ] && jq -e ".timing | $filt" "$f" >/dev/null 2>&1; then ok "$name"; else
        not_ok "$name" "status $st; false: $filt" "timing: $(jq -c .timing "$f" 2>&1 | head -c 300)" \
            "stderr: $(head -c 400 "$tmp/err")"
    fi
}
rows_of() { sqlite3 "$1" "SELECT count(*) FROM submissions WHERE form_id = 'resident'"; }
# The cache file of a database (the prefix is 16 hexadecimal digits of the SHA-256 of its real path).
prefix_of() { printf '%s' "$(realpath "$1")" | sha256sum | cut -c1-16; }
# cache_file DB [DIR]: the database's most recently written cache file (one per key: with or without margins...).
cache_file() { ls -t "${2:-$cdir}/$(prefix_of "$1")"-resident-*.cols 2>/dev/null | head -n 1; }
# The row count in a cache file's header (magic 8 bytes, key 72, four int64, then n), and the header's size
# (then four uint32 and the checksum), where the columns begin: the ids (int64), the statuses (a byte each,
# padded to 8), the territories (int32)...
header_n() { od -An -t d8 -j 112 -N 8 "$1" | tr -d ' '; }
HEADER=144

"$an" margins --forms "$forms" >"$tmp/m.csv"
ind=(indicators --forms "$forms" --form resident)

# ---- 1. 50,000 answers: every shipped indicator, JSON vs cold cache vs warm cache ------------------------------
# (CACHE_TEST_ANSWERS: fewer under the sanitizers, which look for memory errors, not for scale: scripts/test)
want=${CACHE_TEST_ANSWERS:-50000}
big=$tmp/big.db
"$synth" --forms "$forms" --form resident --n "$want" --seed 101 --db "$big" >/dev/null 2>"$tmp/err"
nbig=$(rows_of "$big")
check "synth writes $want residents ($nbig stored)" test "$nbig" = "$want"
for mode in raked wilson; do
    mg=()
    [ $mode = raked ] && mg=(--margins "$tmp/m.csv")
    an_out "$tmp/big-$mode-json.json" "${ind[@]}" --db "$big" "${mg[@]}" --no-cache
    timing "$want answers, $mode --no-cache: .timing.cache false, every row derived" "$tmp/big-$mode-json.json" \
        ".cache == false and .derived_rows == $nbig"
    an_out "$tmp/big-$mode-cold.json" "${ind[@]}" --db "$big" "${mg[@]}"
    timing "$want answers, $mode cold cache: .timing.cache true, derived_rows == $nbig" "$tmp/big-$mode-cold.json" \
        ".cache == true and .derived_rows == $nbig"
    an_out "$tmp/big-$mode-warm.json" "${ind[@]}" --db "$big" "${mg[@]}"
    timing "$want answers, $mode warm cache: .timing.cache true, derived_rows 0" "$tmp/big-$mode-warm.json" \
        ".cache == true and .derived_rows == 0"
    same "$want answers, $mode: cold cache == JSON, bit for bit" "$tmp/big-$mode-json.json" "$tmp/big-$mode-cold.json"
    same "$want answers, $mode: warm cache == JSON, bit for bit" "$tmp/big-$mode-json.json" "$tmp/big-$mode-warm.json"
done
check "$want answers: every shipped indicator is in the output" jq -e --slurpfile d "$forms/resident.indicators.json" \
    '[.indicators[].id] as $got | all($d[0].indicators[].id; . as $i | ($i | sub("\\{row\\}$"; "")) as $p
        | any($got[]; . == $i or (($i | endswith("{row}")) and startswith($p))))' "$tmp/big-raked-json.json"
check "$want answers, raked: the estimates are weighted (the check is not vacuous)" jq -e '.weighted == true' \
    "$tmp/big-raked-json.json"

# ---- 2. new rows: only they are derived -------------------------------------------------------------------------
db=$tmp/s.db
"$synth" --forms "$forms" --form resident --n 3000 --seed 7 --db "$db" >/dev/null 2>"$tmp/err"
an_out "$tmp/s0.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv"
timing "3,000 rows, cold: derived_rows 3000" "$tmp/s0.json" '.cache == true and .derived_rows == 3000'
"$synth" --forms "$forms" --form resident --n 250 --seed 8 --db "$db" >/dev/null 2>"$tmp/err"
check "a second synth run appends 250 rows" test "$(rows_of "$db")" = 3250
an_out "$tmp/s1.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv"
timing "after 250 new rows: only they are derived (derived_rows 250)" "$tmp/s1.json" \
    '.cache == true and .derived_rows == 250'
an_out "$tmp/s1n.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv" --no-cache
same "after new rows: cache == JSON" "$tmp/s1n.json" "$tmp/s1.json"
f=$(cache_file "$db")
check "after new rows: the file holds every row (header n = 3250)" test "$(header_n "$f")" = 3250

# ---- 3. correction, exclusion, erasure through the steward's command line: everything derived again ---------------
# steward NAME DESC COLLECTOR-ARGS...: the action, then a cached run that derives every stored row and equals the JSON.
steward() {
    local name=$1
    shift
    if ! "$col" submissions "$@" --db "$db" >"$tmp/col.out" 2>"$tmp/col.err"; then
        not_ok "$name: collector submissions $1" "$(head -c 400 "$tmp/col.err")"
        return
    fi
    local n
    n=$(rows_of "$db")
    an_out "$tmp/$name.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv"
    timing "after $name: every row derived again (derived_rows $n)" "$tmp/$name.json" \
        ".cache == true and .derived_rows == $n"
    an_out "$tmp/$name-n.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv" --no-cache
    same "after $name: cache == JSON" "$tmp/$name-n.json" "$tmp/$name.json"
    check "after $name: the cache file holds the $n stored rows" test "$(header_n "$(cache_file "$db")")" = "$n"
}
uc=$(sqlite3 "$db" "SELECT uuid FROM submissions WHERE json_extract(answers, '\$.R07') IN ('bon', 'tres_bon') ORDER BY id LIMIT 1")
steward correction correct "$uc" --set R07='"mauvais"' --reason 'relu avec la personne' --forms "$forms"
check "the correction changed a figure (so the comparison can see it)" bash -c \
    "! cmp -s <(jq -S 'del(.timing)' '$tmp/s1n.json') <(jq -S 'del(.timing)' '$tmp/correction-n.json')"
ux=$(sqlite3 "$db" "SELECT uuid FROM submissions ORDER BY id LIMIT 1 OFFSET 100")
steward exclusion exclude "$ux" --reason doublon
ue=$(sqlite3 "$db" "SELECT uuid FROM submissions ORDER BY id LIMIT 1 OFFSET 200")
ie=$(sqlite3 "$db" "SELECT id FROM submissions WHERE uuid = '$ue'")
steward erasure delete "$ue" --reason 'demande de la personne'
# The erased row's id is no longer in the file's id column (the first column after the header).
f=$(cache_file "$db")
od -An -t d8 -j $HEADER -N $((8 * $(header_n "$f"))) -v "$f" | tr -s ' ' '\n' | grep -v '^$' >"$tmp/ids"
check "after the erasure: the erased row's id ($ie) is not in the cache file" bash -c "! grep -qx '$ie' '$tmp/ids'"
check "... while its neighbour's ($((ie + 1))) is" grep -qx "$((ie + 1))" "$tmp/ids"
an_out "$tmp/steward-warm.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv"
timing "after the steward's actions, the next run is warm" "$tmp/steward-warm.json" '.derived_rows == 0'

# ---- 4. --include-excluded, --include-tests, waves: the same with and without the cache --------------------------
"$col" campaign test on --db "$db" >/dev/null 2>&1
"$synth" --forms "$forms" --form resident --n 120 --seed 9 --db "$db" >/dev/null 2>"$tmp/err"
"$col" campaign test off --db "$db" >/dev/null 2>&1
check "120 test answers stored" test "$(sqlite3 "$db" 'SELECT count(*) FROM submissions WHERE test = 1')" = 120
for flags in "--include-excluded" "--include-tests" "--include-excluded --include-tests" ""; do
    # shellcheck disable=SC2086 # the flags are words
    an_out "$tmp/inc-c.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv" $flags
    # shellcheck disable=SC2086
    an_out "$tmp/inc-n.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv" $flags --no-cache
    same "indicators ${flags:-(no flag)}: cache == JSON" "$tmp/inc-n.json" "$tmp/inc-c.json"
done
an_out "$tmp/t0.json" "${ind[@]}" --db "$db"
an_out "$tmp/t1.json" "${ind[@]}" --db "$db" --include-tests
check "--include-tests brings the 120 test answers in (so the comparison can see them)" test \
    "$(jq '.respondents.counted' "$tmp/t1.json")" = "$(($(jq '.respondents.counted' "$tmp/t0.json") + 120))"
# Waves by date of arrival: a copy whose answers arrived in 2025 and 2026 (set before any cached run of it).
wdb=$tmp/w.db
cp "$db" "$wdb"
sqlite3 "$wdb" "UPDATE submissions SET received_at = CASE WHEN id % 2 = 0 THEN '2025-06-15T10:00Z' ELSE '2026-06-15T10:00Z' END"
waves=(--wave 2025=2025-01-01..2025-12-31 --wave 2026=2026-01-01..2026-12-31)
# report_pair NAME ARGS...: the report with the cache (twice: cold and warm) and without, identical.
report_pair() {
    local name=$1
    shift
    an_out "$tmp/rc.html" report --forms "$forms" "$@"
    local s1=$st
    an_out "$tmp/rw.html" report --forms "$forms" "$@"
    local s2=$st
    an_out "$tmp/rn.html" report --forms "$forms" "$@" --no-cache
    local s3=$st
    # the report's date ("rapport établi le ...") is the same day; nothing else may differ
    if [ "$s1$s2$s3" = 000 ] && [ -s "$tmp/rn.html" ] && cmp -s "$tmp/rc.html" "$tmp/rn.html" &&
        cmp -s "$tmp/rw.html" "$tmp/rn.html"; then ok "$name"; else
        not_ok "$name" "status $s1/$s2/$s3" "$(diff "$tmp/rc.html" "$tmp/rn.html" | head -c 600)" \
            "stderr: $(head -c 400 "$tmp/err")"
    fi
}
report_pair "report --wave 2025 --wave 2026 (HTML): cold cache == warm cache == JSON" --db "$wdb" \
    --margins "$tmp/m.csv" "${waves[@]}"
report_pair "report --wave, --include-excluded --include-tests: cache == JSON" --db "$wdb" \
    --margins "$tmp/m.csv" "${waves[@]}" --include-excluded --include-tests

# ---- 5. the file: name, modes, damage ------------------------------------------------------------------------------
# The database's files go, so that the one written next is that of the runs below (with margins).
rm -f "$cdir/$(prefix_of "$db")"-*.cols
an_out "$tmp/ref-c.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv"
f=$(cache_file "$db")
check "one cache file for the database, named <sha256(realpath db):16>-resident-<key:16>.cols" bash -c \
    "[ \$(ls '$cdir' | grep -c '^$(prefix_of "$db")-') -eq 1 ] && basename '$f' | grep -Eqx '[0-9a-f]{16}-resident-[0-9a-f]{16}\\.cols'"
check "the file is 0600" test "$(stat -c %a "$f")" = 600
check "the folder is 0700" test "$(stat -c %a "$cdir")" = 700
an_out "$tmp/ref.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv" --no-cache
nrows=$(rows_of "$db")
# damaged NAME: a cached run after the damage succeeds, derives everything again and equals the JSON.
damaged() {
    an_out "$tmp/dmg.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv"
    timing "$1: the run succeeds and derives every row again" "$tmp/dmg.json" ".cache == true and .derived_rows == $nrows"
    same "$1: cache == JSON" "$tmp/ref.json" "$tmp/dmg.json"
    an_out "$tmp/dmg2.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv"
    timing "$1: the file is whole again (next run warm)" "$tmp/dmg2.json" '.derived_rows == 0'
}
size=$(stat -c %s "$f")
truncate -s $((size - 1000)) "$f"
damaged "a cache file truncated by 1000 bytes"
truncate -s 100 "$f"
damaged "a cache file truncated inside its header"
: >"$f"
damaged "an empty cache file"
printf 'XXXXXXXX' | dd of="$f" bs=1 seek=0 conv=notrunc status=none
damaged "a cache file with a bad magic"
printf '0000' | dd of="$f" bs=1 seek=8 conv=notrunc status=none
damaged "a cache file whose key was overwritten"
# Bytes changed in place, size kept: only the body's checksum can tell (without it, 4 KiB of noise moved one
# indicator's events from 327 to 316, and territory indices of 0x7f7f7f7f crashed the analyzer).
size=$(stat -c %s "$f")
head -c 4096 /dev/urandom >"$tmp/noise"
dd if="$tmp/noise" of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
damaged "4 KiB of noise in the middle of a cache file"
head -c $((4 * nrows)) /dev/zero | tr '\0' '\177' | dd of="$f" bs=1 seek=$((HEADER + 8 * nrows + (nrows + 7) / 8 * 8)) conv=notrunc status=none
damaged "a cache file whose territory column was overwritten with 0x7f"
printf '\001' | dd of="$f" bs=1 seek=$((size - 1)) conv=notrunc status=none
damaged "a cache file whose last byte was changed"

# ---- 6. rebuild-cache and the flags ---------------------------------------------------------------------------------
an_out "$tmp/rb.out" rebuild-cache --db "$db" --forms "$forms" --margins "$tmp/m.csv"
check "rebuild-cache: status 0 ($st), its line names the rows and the folder" bash -c \
    "[ $st -eq 0 ] && grep -Eq '^cache : [0-9]+ fichier\\(s\\) effacé\\(s\\) ; $nrows lignes dérivées du JSON en .* dans $cdir\$' '$tmp/rb.out'"
an_out "$tmp/rb1.json" "${ind[@]}" --db "$db" --margins "$tmp/m.csv"
timing "after rebuild-cache the next run is warm" "$tmp/rb1.json" '.cache == true and .derived_rows == 0'
same "after rebuild-cache: cache == JSON" "$tmp/ref.json" "$tmp/rb1.json"
an_out "$tmp/rb2.out" rebuild-cache --db "$db" --forms "$forms" --cache "$tmp/elsewhere"
check "rebuild-cache --cache DIR: status 0, the file in DIR" bash -c \
    "[ $st -eq 0 ] && ls '$tmp/elsewhere/$(prefix_of "$db")'-resident-*.cols >/dev/null && grep -q '$tmp/elsewhere' '$tmp/rb2.out'"
an_out "$tmp/rb3.json" "${ind[@]}" --db "$db" --cache "$tmp/elsewhere"
timing "indicators --cache DIR after rebuild-cache --cache DIR: warm" "$tmp/rb3.json" '.cache == true and .derived_rows == 0'
an_out "$tmp/rb3n.json" "${ind[@]}" --db "$db" --no-cache
same "indicators --cache DIR (wilson): cache == JSON" "$tmp/rb3n.json" "$tmp/rb3.json"
an_out "$tmp/u.out" "${ind[@]}" --db "$db" --no-cache --cache "$tmp/x"
check "--no-cache --cache X: status 2 ($st), names --no-cache, nothing on stdout" bash -c \
    "[ $st -eq 2 ] && grep -q -- '--no-cache' '$tmp/err' && [ ! -s '$tmp/u.out' ]"
an_out "$tmp/u.out" report --forms "$forms" --db "$db" --no-cache --cache "$tmp/x"
check "report --no-cache --cache X: status 2 ($st)" test "$st" = 2
an_out "$tmp/u.out" rebuild-cache --forms "$forms"
check "rebuild-cache without --db: status 2 ($st), names --db" bash -c "[ $st -eq 2 ] && grep -q -- '--db' '$tmp/err'"

# ---- 7. the report (HTML) with and without the cache --------------------------------------------------------------
report_pair "report (HTML, raked): cold cache == warm cache == JSON" --db "$db" --margins "$tmp/m.csv"
report_pair "report (HTML, no margins): cache == JSON" --db "$db"

# ---- 8. several towns ---------------------------------------------------------------------------------------------
# A second town: the forms folder with another commune, as in towns.sh.
mkdir -p "$tmp/fb"
cp "$forms"/*.json "$tmp/fb/"
[ -d "$forms/versions" ] && cp -r "$forms/versions" "$tmp/fb/"
jq '.commune = {insee: "93888", name: "Autreville"} | del(.outlines)
    | .territories |= map(select(.code != "QN09399D") | del(.outline)
        | if .code == "QN09399B" then .code = "QN09388B" elif .code == "QN09399C" then .code = "QN09388C" else . end)' \
    "$forms/territories.json" >"$tmp/fb/territories.json"
"$synth" --forms "$forms" --form resident --n 900 --seed 3 --db "$tmp/a.db" >/dev/null 2>"$tmp/err"
"$synth" --forms "$tmp/fb" --form resident --n 700 --seed 5 --db "$tmp/b.db" >/dev/null 2>>"$tmp/err"
"$an" margins --forms "$tmp/fb" >"$tmp/mb.csv"
two=(--forms "$forms" --form resident --db "$tmp/a.db" --territories "$forms/territories.json" --db "$tmp/b.db"
    --territories "$tmp/fb/territories.json")
for mg in none raked; do
    m=()
    [ $mg = raked ] && m=(--margins "$tmp/m.csv" --margins "$tmp/mb.csv")
    an_out "$tmp/t-c.json" indicators "${two[@]}" "${m[@]}"
    timing "two towns ($mg), cold: .timing says the cache, every row of both derived (1600)" "$tmp/t-c.json" \
        '.cache == true and .derived_rows == 1600'
    an_out "$tmp/t-w.json" indicators "${two[@]}" "${m[@]}"
    timing "two towns ($mg), warm: .timing says the cache, nothing derived" "$tmp/t-w.json" \
        '.cache == true and .derived_rows == 0'
    an_out "$tmp/t-n.json" indicators "${two[@]}" "${m[@]}" --no-cache
    same "two towns ($mg): cold cache == JSON" "$tmp/t-n.json" "$tmp/t-c.json"
    same "two towns ($mg): warm cache == JSON" "$tmp/t-n.json" "$tmp/t-w.json"
done
check "two towns: each database has its cache file" bash -c "[ -n \"$(cache_file "$tmp/a.db")\" ] && [ -n \"$(cache_file "$tmp/b.db")\" ]"
# report with several towns: same comparison of cold, warm and JSON
two_r=("${two[@]}")
report_pair "two towns: the comparison report (HTML): cache == JSON" "${two_r[@]:2}" --margins "$tmp/m.csv" \
    --margins "$tmp/mb.csv"

check "no sanitizer report" sanitizer_clean
finish "$(($(date +%s) - t_start)) s"
