#!/usr/bin/env bash
# Black-box test of the console's counts, links, posters and GET / (README.md, "Progress, links, posters"):
# answers are submitted on the web, by a mediator and on paper (double entry by two mediators, one sheet agreed,
# one discrepant, one waiting), one is excluded and one received in test mode; /api/v1/progress must count
# exactly what the database holds per territory, channel, language and day, each form against its own targets,
# and each mediator's entries, second entries and disagreements. Then the links, the poster (its QR code and
# its ?lang), /qr?lang and GET / with and without a session.
# Usage: progress.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
source "$src/tests/blackbox/lib.sh"

db=$tmp/progress.db
admin=$("$bin" token add --db "$db" --role admin --name coordinatrice 2>/dev/null)
analyst=$("$bin" token add --db "$db" --role analyst --name analyste 2>/dev/null)
m1=$("$bin" token add --db "$db" --role mediator --name "Amina (médiatrice)" 2>/dev/null)  # token id 3
m2=$("$bin" token add --db "$db" --role mediator --name "Bilal" 2>/dev/null)               # token id 4
m3=$("$bin" token add --db "$db" --role mediator --name "Chloé" 2>/dev/null)               # types nothing
start_collector "$bin" "$db" "$src/forms" --public-url https://sante.example.org
[ -n "${base#http://}" ] || { not_ok "collector starts" "$(cat "$tmp/collector.err")"; finish; exit 1; }

# req METHOD PATH [curl arguments...]: st is the status, the body is in $tmp/body, the headers in $tmp/hdr.
req() {
    local m=$1 p=$2
    shift 2
    st=$(curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time 20 -X "$m" "$@" "$base$p")
}
# expect NAME STATUS [jq filter...]: the last reply had STATUS and every filter holds on its JSON body.
expect() {
    local name=$1 want=$2 f
    shift 2
    [ "$st" = "$want" ] || { not_ok "$name" "status $st, expected $want" "$(head -c 600 "$tmp/body")"; return; }
    for f in "$@"; do
        if [ "$(jq "$f" "$tmp/body" 2>&1)" != true ]; then
            not_ok "$name" "filter failed: $f" "$(head -c 1500 "$tmp/body")"
            return
        fi
    done
    ok "$name"
}
auth() { echo "Authorization: Bearer $1"; }
n=0
submit() { # FORM LANG CHANNEL ANSWERS [TOKEN]
    n=$((n + 1))
    local body
    body=$(jq -cn --arg u "$(printf '6c1e0b3a-2f4d-4a5b-8c6d-%012d' "$n")" --arg l "$2" --arg c "$3" --argjson a "$4" \
        '{uuid: $u, form_version: "1", lang: $l, channel: $c, answers: $a}')
    req POST "/api/v1/forms/$1/submissions" -H 'Content-Type: application/json' ${5:+-H "$(auth "$5")"} \
        --data-binary "$body"
    [ "$st" = 201 ] || not_ok "submission $n accepted" "status $st" "$(head -c 400 "$tmp/body")"
}
res() { jq -cn --arg t "$1" --arg v "${2:-bon}" '{R01: $t, R02: "25-39", R03: "femme", R07: $v, R17: "non"}'; }
paper() { # TOKEN PAPER_ID TERRITORY R07
    req POST /api/v1/forms/resident/paper -H "$(auth "$1")" -H 'Content-Type: application/json' \
        --data-binary "{\"paper_id\":\"$2\",\"answers\":$(res "$3" "$4")}"
    [ "$st" = 201 ] || not_ok "paper entry $2 accepted" "status $st" "$(head -c 400 "$tmp/body")"
}

# ---- the answers -----------------------------------------------------------------------------------------------
submit resident fr web "$(res QN09399A)"
submit resident fr web "$(res QN09399A)"
submit resident ar web "$(res QN09399A)"
submit resident en mediator "$(res QN09399B)" "$m1"
submit resident tr web "$(res QN09399C)"                 # excluded below
submit operator fr web '{"O01": "ccas", "O02": ["QN09399A", "QN09399B"]}'
submit operator fr web '{"O01": "association", "O02": ["QN09399A"]}'
paper "$m1" P1 QN09399D bon; paper "$m2" P1 QN09399D bon            # verified: counts once
paper "$m1" P2 QN09399D bon; paper "$m2" P2 QN09399D mauvais        # discrepant: counts nothing yet
paper "$m1" P3 hors_qpv bon                                          # waiting for its second entry: counts once
sqlite3 "$db" "UPDATE submissions SET excluded_at = '2026-01-01T00:00:00Z', excluded_reason = 'doublon'
               WHERE uuid = '6c1e0b3a-2f4d-4a5b-8c6d-000000000005'"
sqlite3 "$db" "INSERT INTO settings (key, value) VALUES ('test_mode', 'on')"
submit resident fr web "$(res QN09399A)"                 # a test answer
sqlite3 "$db" "DELETE FROM settings WHERE key = 'test_mode'"

# ---- progress ----------------------------------------------------------------------------------------------------
req GET /api/v1/progress
expect "progress without credentials: 401" 401 '.code == "unauthorized"'
req GET /api/v1/progress -H "$(auth "$m1")"
expect "progress for a mediator: 403" 403 '.code == "forbidden"'
req GET /api/v1/progress -H "$(auth "$analyst")"
expect "progress for an analyst: 200" 200 '.forms | length == 2'
req GET /api/v1/progress -H "$(auth "$admin")"
cp "$tmp/body" "$tmp/progress.json"
expect "resident: the total, the channels and the languages of what counts" 200 \
    '.forms[] | select(.id == "resident") | .total == 6' \
    '.forms[] | select(.id == "resident") | .channels == {"web": 3, "mediator": 1, "paper": 2}' \
    '.forms[] | select(.id == "resident") | .languages == {"fr": 4, "ar": 1, "en": 1, "tr": 0}' \
    '.forms[] | select(.id == "resident") | .title | length > 0'
expect "resident: each territory against the residents' target" 200 \
    '[.forms[] | select(.id == "resident") | .territories[] | [.code, .n, .target]] ==
     [["QN09399A", 3, 300], ["QN09399B", 1, 250], ["QN09399C", 0, 400], ["QN09399D", 1, 200], ["hors_qpv", 1, 400]]' \
    '.forms[] | select(.id == "resident") | .target == 1550'
expect "operator: its own targets, and organisations counted in every territory they serve" 200 \
    '.forms[] | select(.id == "operator") | .total == 2 and .target == 51 and .multiple_territories' \
    '[.forms[] | select(.id == "operator") | .territories[] | [.code, .n, .target]] ==
     [["QN09399A", 2, 12], ["QN09399B", 1, 8], ["QN09399C", 0, 15], ["QN09399D", 0, 6], ["hors_qpv", 0, 10]]'
expect "tests and exclusions apart, test mode off" 200 '.tests == 1' '.excluded == 1' '.test_mode == false'
expect "mediators: entries, second entries, disagreements from the double entries; names from the tokens" 200 \
    '[.mediators[] | [.token_id, .name, .sheets_typed, .second_entries, .disagreements, .disagreement_rate]] ==
     [[3, "Amina (médiatrice)", 3, 0, 1, 0.5], [4, "Bilal", 2, 2, 1, 0.5], [5, "Chloé", 0, 0, 0, null]]'
expect "progress holds no answer" 200 '[.. | strings | select(test("bon|mauvais|ccas|association|25-39"))] == []'

# The same counts straight from the database, grouped by territory, channel, language and day.
fromdb=$(sqlite3 -json "$db" "SELECT form_id, coalesce(territory, '') AS t, channel, lang, substr(received_at, 1, 10) AS day,
    count(*) AS n FROM counted_submissions GROUP BY 1, 2, 3, 4, 5" | jq -c '. // []')
list_check "progress equals the database by channel, language and day" jq -n --argjson db "$fromdb" \
    --slurpfile p "$tmp/progress.json" '[$p[0].forms[] as $f |
      (["channel", "channels", "channel"], ["language", "languages", "lang"]) as [$what, $key, $col] |
      ($f[$key] | to_entries[]) as $e |
      ([$db[] | select(.form_id == $f.id and .[$col] == $e.key) | .n] | add // 0) as $want |
      select($want != $e.value) | "\($f.id) \($what) \($e.key): \($e.value), database \($want)"] +
    [$p[0].forms[] as $f | ([$db[] | select(.form_id == $f.id)] | group_by(.day) |
      map({day: .[0].day, n: (map(.n) | add)})) as $days | select($days != $f.days) |
      "\($f.id) days: \($f.days), database \($days)"]'

sqlite3 "$db" "INSERT INTO settings (key, value) VALUES ('test_mode', 'on')"
req GET /api/v1/progress -H "$(auth "$admin")"
expect "test mode shown when on" 200 '.test_mode == true'
sqlite3 "$db" "DELETE FROM settings WHERE key = 'test_mode'"

# ---- stats: each form its own target ------------------------------------------------------------------------
req GET /api/v1/stats
expect "public stats: the operators' form shows its own target, never the residents'" 200 \
    '.forms[] | select(.form == "operator") | .target == 51' \
    '.forms[] | select(.form == "resident") | .target == 1550' \
    '.forms[] | select(.form == "resident") | .territories[] | select(.territory == "QN09399B") | .target == 250'

# ---- links ------------------------------------------------------------------------------------------------------
req GET /api/v1/links -H "$(auth "$m2")"
expect "links for a mediator: 403" 403 '.code == "forbidden"'
req GET /api/v1/links -H "$(auth "$analyst")"
expect "links: every form and territory, with the public URL and the poster" 200 '.links | length == 10' \
    '.links[] | select(.form == "resident" and .territory == "QN09399A") |
     .url == "https://sante.example.org/f/resident?t=QN09399A" and .poster == "/poster/resident/QN09399A" and
     .territory_name == "Les Tilleuls" and (.form_title | length > 0)' \
    '[.links[] | select(.form == "operator") | .url] | unique == ["https://sante.example.org/f/operator"]'

# ---- posters ------------------------------------------------------------------------------------------------------
req GET "/poster/resident/QN09399A?lang=fr,ar"
body=$(cat "$tmp/body")
if [ "$st" = 200 ] && grep -qi '^content-type: text/html' "$tmp/hdr" &&
    grep -q 'https://sante.example.org/f/resident?t=QN09399A&amp;lang=fr' <<<"$body" &&
    grep -q '<p class="title" lang="ar" dir="rtl">' <<<"$body" && grep -q 'لي تيول' <<<"$body" &&
    grep -q 'Les Tilleuls' <<<"$body" && grep -q 'RGPD' <<<"$body" && grep -q '<svg role="img"' <<<"$body"; then
    ok "poster fr,ar: HTML with the QR code's address (?t and ?lang), the names, Arabic right to left, the RGPD line"
else
    not_ok "poster fr,ar" "status $st" "${body:0:1500}"
fi
csp=$(tr -d '\r' <"$tmp/hdr" | sed -n 's/^Content-Security-Policy: //Ip')
hash=$(perl -0ne 'print $1 if /<style>(.*?)<\/style>/s' "$tmp/body" | openssl dgst -sha256 -binary | base64)
if [[ "$csp" == *"default-src 'none'"* && "$csp" == *"style-src 'sha256-$hash'"* && "$csp" != *script-src* ]]; then
    ok "poster: strict policy, no script, its style allowed by hash"
else
    not_ok "poster policy" "$csp" "style hash $hash"
fi
req GET "/poster/resident/QN09399A?lang=ar"
expect_html() { [ "$st" = "$1" ] && grep -q "$2" "$tmp/body"; }
if expect_html 200 '<html lang="ar" dir="rtl">' && grep -q 'lang=ar"' "$tmp/body"; then
    ok "poster ar: the page and the QR code in Arabic"
else not_ok "poster ar" "status $st" "$(head -c 600 "$tmp/body")"; fi
req GET /poster/resident/QN09399A
if expect_html 200 '<html lang="fr" dir="ltr">'; then ok "poster without ?lang: French"; else
    not_ok "poster without lang" "status $st"; fi
req GET "/poster/resident/QN09399A?lang=fr,de"
expect "poster with a language the form does not have: 400 on lang" 400 '.code == "invalid_field"' '.field == "lang"'
req GET "/poster/resident/QN09399A?lang="
expect "poster with an empty lang: 400" 400 '.field == "lang"'
req GET "/poster/resident/QN09399A?lang=fr,ar,en,tr,fr"
[ "$st" = 200 ] && ok "poster with the four languages (a repeat ignored)" || not_ok "poster four languages" "status $st"
req GET /poster/resident/QN00000X
expect "poster of an unknown territory: 404" 404 '.code == "unknown_territory"' '.field == "territory"'
req GET /poster/nope/QN09399A
expect "poster of an unknown form: 404" 404 '.field != null'

# ---- /qr honours ?lang --------------------------------------------------------------------------------------------
req GET "/qr/resident?t=QN09399B&lang=tr"
if [ "$st" = 200 ] && grep -q 'https://sante.example.org/f/resident?t=QN09399B&amp;lang=tr' "$tmp/body"; then
    ok "/qr with ?t and ?lang: the address carries both"; else not_ok "/qr lang" "status $st" "$(head -c 300 "$tmp/body")"; fi
req GET "/qr/resident?lang=xx"
expect "/qr with an unknown language: 400 on lang" 400 '.field == "lang"'

# ---- GET / ------------------------------------------------------------------------------------------------------------
req GET /
if [ "$st" = 200 ] && grep -q 'id="forms"' "$tmp/body" && grep -q 'href="/admin"' "$tmp/body"; then
    ok "GET / without a session: the residents' page with the coordination link"; else
    not_ok "GET / home" "status $st"; fi
req GET / -H "$(auth "$admin")"
[ "$st" = 200 ] && ok "GET / with a bearer token: still the page (a script is not a browser)" ||
    not_ok "GET / bearer" "status $st"
req GET / -H "Cookie: ds_session=forged-secret-0000000000000000000000000000000"
[ "$st" = 200 ] && ok "GET / with a forged cookie: the page" || not_ok "GET / forged cookie" "status $st"
session() { # TOKEN: the session cookie for TOKEN (POST /api/v1/session)
    curl -s -o /dev/null -D - -H 'Content-Type: application/json' --data-binary "{\"token\":\"$1\"}" \
        "$base/api/v1/session" | tr -d '\r' | sed -n 's/^Set-Cookie: \(ds_session=[^;]*\).*/\1/Ip'
}
for spec in "admin $admin /admin" "analyst $analyst /admin" "mediator $m1 /entry"; do
    read -r role token want <<<"$spec"
    c=$(session "$token")
    req GET / -H "Cookie: $c"
    loc=$(tr -d '\r' <"$tmp/hdr" | sed -n 's/^Location: //Ip')
    if [ -n "$c" ] && [ "$st" = 303 ] && [ "$loc" = "$want" ]; then ok "GET / with a $role session: 303 $loc"
    else not_ok "GET / with a $role session" "cookie '$c', status $st, Location '$loc'"; fi
done

# ---- behind a trusted TLS proxy, without --public-url: the links and posters say https ----
stop_collector
start_collector "$bin" "$db" "$src/forms" --trust-proxy
req GET /api/v1/links -H "$(auth "$analyst")" -H 'X-Forwarded-Proto: https' -H 'Host: sante.example.org'
expect "links behind a TLS proxy: https addresses" 200 \
    '[.links[].url | startswith("https://sante.example.org/f/")] | all'
req GET /api/v1/links -H "$(auth "$analyst")" -H 'Host: sante.example.org'
expect "links over plain http: http addresses" 200 '[.links[].url | startswith("http://sante.example.org/f/")] | all'

check "no sanitizer report" sanitizer_clean
finish
