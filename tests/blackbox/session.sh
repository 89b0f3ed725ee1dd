#!/usr/bin/env bash
# Black-box test of the console's sessions, their CSRF rules and the mediators' one-time sign-in links
# (README.md, "Sessions, CSRF and one-time links"), with curl against the real binary: the cookie's attributes
# over plain http and behind https, what a cookie may do and what it may not (a POST without the CSRF header, a
# foreign Origin, a forged cookie), sign-out, revocation (API and command line), expiry (the hidden
# --session-seconds), tokens created by the API with their link, a link used once, and the audit rows.
# Usage: session.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
source "$src/tests/blackbox/lib.sh"

db=$tmp/c.db
adm=$("$bin" token add --db "$db" --role admin --name chef 2>/dev/null)
med=$("$bin" token add --db "$db" --role mediator --name awa 2>/dev/null)
start_collector "$bin" "$db" "$src/forms"

# signin JSON [CURL_ARGS...]: POST /api/v1/session; headers in $tmp/h, body in $tmp/b, status printed.
signin() {
    local body=$1
    shift
    curl -s -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$body" "$@" \
        "$base/api/v1/session"
}
# The value of the ds_session cookie set by the last reply.
cookie_of() { sed -n 's/^[Ss]et-[Cc]ookie: ds_session=\([^;]*\).*/\1/p' "$tmp/h" | tr -d '\r'; }
# req METHOD PATH [CURL_ARGS...]: status of a request, body in $tmp/b, headers in $tmp/h.
req() {
    local m=$1 p=$2
    shift 2
    curl -s -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' -X "$m" "$@" "$base$p"
}
is() { [ "$1" = "$2" ] || { echo "expected $2, got $1: $(head -c 300 "$tmp/b")"; return 1; }; }
code_is() { grep -q "\"code\":\"$1\"" "$tmp/b" || { echo "no code $1 in $(head -c 300 "$tmp/b")"; return 1; }; }
# checks run their commands in `bash -c`: they see these
export -f signin cookie_of req is code_is
export tmp base

# ---- sign in with a token: the cookie and its attributes ----
st=$(signin "{\"token\":\"$adm\"}")
sc=$(grep -i '^set-cookie:' "$tmp/h" | tr -d '\r')
check "sign in with a token: 200" is "$st" 200
check "the cookie is HttpOnly, SameSite=Strict, Path=/, 12 h, not Secure over http" \
    bash -c '[[ "$1" == *"; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200" ]] && [[ "$1" != *Secure* ]]' _ "$sc"
sess=$(cookie_of)
csrf=$(jq -r .csrf "$tmp/b")
check "the cookie's secret is 43 base64url characters, the CSRF secret another" \
    bash -c '[[ "$1" =~ ^[A-Za-z0-9_-]{43}$ && "$2" =~ ^[A-Za-z0-9_-]{43}$ && "$1" != "$2" ]]' _ "$sess" "$csrf"
check "the reply names the role, the token and the expiry, never the token's secret" \
    bash -c 'jq -e ".role == \"admin\" and .name == \"chef\" and .token_id == 1 and (.expires_at | test(\"Z$\"))" "$1" >/dev/null && ! grep -qF -- "${2:3}" "$1"' _ "$tmp/b" "$adm"
check "only the hash of the cookie's secret is stored" \
    bash -c '[ "$(sqlite3 "$1" "SELECT count(*) FROM sessions WHERE length(secret_hash) = 32 AND CAST(secret_hash AS TEXT) <> '"'"'$2'"'"'")" = 1 ] && ! grep -qaF -- "$2" "$1" "$1-wal"' _ "$db" "$sess"
check "a wrong token: 401 invalid_credentials on the token field" \
    bash -c 'st=$(curl -s -o "$1" -w "%{http_code}" -X POST -H "Content-Type: application/json" -d "{\"token\":\"ds_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}" "$2/api/v1/session"); [ "$st" = 401 ] && jq -e ".code == \"invalid_credentials\" and .field == \"token\"" "$1" >/dev/null' _ "$tmp/w" "$base"
check "both a token and a link: 400" bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" -X POST -H "Content-Type: application/json" -d "{\"token\":\"x\",\"link\":\"y\"}" "$1/api/v1/session")" = 400 ]' _ "$base"

C=(-H "Cookie: ds_session=$sess")
X=(-H "X-CSRF-Token: $csrf")
# ---- what the cookie may do ----
check "GET /api/v1/session with the cookie: 200, same CSRF secret, no new cookie" \
    bash -c 'st=$(curl -s -D "$1.h" -o "$1" -w "%{http_code}" -H "Cookie: ds_session=$2" "$3/api/v1/session"); [ "$st" = 200 ] && jq -e ".csrf == \"$4\"" "$1" >/dev/null && ! grep -qi "^set-cookie" "$1.h"' _ "$tmp/g" "$sess" "$base" "$csrf"
check "the cookie works on a GET (tokens list)" is "$(req GET /api/v1/tokens "${C[@]}")" 200
check "the list never shows a secret" bash -c 'jq -e ".tokens | length == 2 and all(has(\"secret\") | not)" "$1" >/dev/null' _ "$tmp/b"
st=$(req POST /api/v1/tokens "${C[@]}" -H 'Content-Type: application/json' -d '{"role":"analyst","name":"x"}')
check "a POST with the cookie but without X-CSRF-Token: 403 csrf_failed" bash -c 'is "$@" && code_is csrf_failed && grep -q "\"field\":\"X-CSRF-Token\"" "$tmp/b"' _ "$st" 403
st=$(req POST /api/v1/tokens "${C[@]}" -H "X-CSRF-Token: ${csrf:0:42}A" -H 'Content-Type: application/json' -d '{"role":"analyst","name":"x"}')
check "a POST with a wrong X-CSRF-Token: 403 csrf_failed" bash -c 'is "$@" && code_is csrf_failed' _ "$st" 403
st=$(req POST /api/v1/tokens "${C[@]}" "${X[@]}" -H 'Origin: https://evil.example' -H 'Content-Type: application/json' -d '{"role":"analyst","name":"x"}')
check "a POST with the CSRF header from a foreign Origin: 403 csrf_failed" bash -c 'is "$@" && code_is csrf_failed && grep -q "\"field\":\"Origin\"" "$tmp/b"' _ "$st" 403
check "nothing was created by the refused POSTs" is "$(sqlite3 "$db" 'SELECT count(*) FROM tokens')" 2
origin=${base}
st=$(req POST /api/v1/tokens "${C[@]}" "${X[@]}" -H "Origin: $origin" -H 'Content-Type: application/json' -d '{"role":"mediator","name":"Binta"}')
check "a POST with cookie, CSRF header and our Origin: 201" is "$st" 201
cp "$tmp/b" "$tmp/created"
check "a new mediator gets its secret and a one-time link with its QR code" \
    bash -c 'jq -e ".id == 3 and .role == \"mediator\" and .name == \"Binta\" and (.secret | startswith(\"ds_\")) and (.link.url | test(\"^http://127\\\\.0\\\\.0\\\\.1:[0-9]+/signin#[A-Za-z0-9_-]{43}$\")) and (.link.qr_svg | startswith(\"<svg\")) and (.link.expires_at | test(\"Z$\"))" "$1" >/dev/null' _ "$tmp/created"
st=$(req POST /api/v1/tokens -H "Authorization: Bearer $adm" -H 'Content-Type: application/json' -d '{"role":"analyst","name":"Chloé"}')
check "a bearer POST needs no CSRF header; an analyst has no link" bash -c 'is "$@" && jq -e ".link == null and .role == \"analyst\"" "$tmp/b" >/dev/null' _ "$st" 201
for bad in '{"role":"boss","name":"x"}' '{"role":"mediator","name":""}' '{"role":"mediator"}' \
    "{\"role\":\"mediator\",\"name\":\"$(printf 'a%.0s' $(seq 81))\"}" '{"role":"mediator","name":"x","extra":1}'; do
    st=$(req POST /api/v1/tokens -H "Authorization: Bearer $adm" -H 'Content-Type: application/json' -d "$bad")
    check "token creation refuses $bad: 400" bash -c 'is "$@" && grep -q "\"field\":" "$tmp/b"' _ "$st" 400
done
st=$(req POST /api/v1/tokens -H "Authorization: Bearer $med" -H 'Content-Type: application/json' -d '{"role":"admin","name":"x"}')
check "a mediator cannot create tokens: 403" is "$st" 403

# ---- forged cookies ----
for forged in "${sess:0:42}$( [ "${sess:42:1}" = A ] && echo B || echo A)" "${sess}A" "$adm" "x"; do
    check "a forged cookie (${forged:0:6}…): 401 on GET /api/v1/tokens" \
        bash -c 'st=$(curl -s -o "$1" -w "%{http_code}" -H "Cookie: ds_session=$2" "$3/api/v1/tokens"); [ "$st" = 401 ] && grep -q "\"code\":\"unauthorized\"" "$1"' _ "$tmp/f" "$forged" "$base"
done

# ---- one-time links ----
url=$(jq -r .link.url "$tmp/created")
link=${url#*#}
st=$(signin "{\"link\":\"$link\"}")
check "the link signs in once: 200, a mediator session for Binta" \
    bash -c 'is "$1" 200 && jq -e ".role == \"mediator\" and .name == \"Binta\" and .token_id == 3" "$tmp/b" >/dev/null' _ "$st"
lsess=$(cookie_of)
check "the link's session works for the mediator's routes" is "$(req GET /api/v1/forms/resident/paper/sheets -H "Cookie: ds_session=$lsess")" 200
check "the link's session is a mediator's: no token list" is "$(req GET /api/v1/tokens -H "Cookie: ds_session=$lsess")" 403
st=$(signin "{\"link\":\"$link\"}")
check "a replayed link: 401 invalid_credentials on the link field" \
    bash -c 'is "$1" 401 && jq -e ".code == \"invalid_credentials\" and .field == \"link\"" "$tmp/b" >/dev/null && ! grep -qi "^set-cookie" "$tmp/h"' _ "$st"
st=$(req POST /api/v1/tokens/3/link -H "Authorization: Bearer $adm")
check "a new link for an active mediator: 201" bash -c 'is "$@" && jq -e ".url | test(\"/signin#\")" "$tmp/b" >/dev/null' _ "$st" 201
link2=$(jq -r .url "$tmp/b" | sed 's/.*#//')
check "a link for an analyst's token: 409 not_mediator" bash -c 'is "$(req POST /api/v1/tokens/4/link -H "Authorization: Bearer $1")" 409 && code_is not_mediator' _ "$adm"
check "a link for an unknown token: 404 unknown_token" bash -c 'is "$(req POST /api/v1/tokens/99/link -H "Authorization: Bearer $1")" 404 && code_is unknown_token' _ "$adm"
sqlite3 "$db" "UPDATE signin_links SET expires_at = '2000-01-01T00:00:00Z' WHERE used_at IS NULL"
check "an expired link: 401 invalid_credentials" is "$(signin "{\"link\":\"$link2\"}")" 401
cli_url=$("$bin" token link --db "$db" --id 2 --public-url https://diag.example.org/ 2>/dev/null)
check "collector token link prints a link on the public URL" bash -c '[[ "$1" =~ ^https://diag\.example\.org/signin#[A-Za-z0-9_-]{43}$ ]]' _ "$cli_url"
check "collector token link refuses an analyst's token" bash -c '! "$1" token link --db "$2" --id 4 --public-url https://x.example 2>/dev/null' _ "$bin" "$db"
check "the command line's link works once" bash -c 'is "$(signin "{\"link\":\"${1#*#}\"}")" 200 && is "$(signin "{\"link\":\"${1#*#}\"}")" 401' _ "$cli_url"

# ---- a sign-in from a browser that already holds a session replaces it: the old cookie no longer works ----
signin "{\"token\":\"$adm\"}" >/dev/null
first=$(cookie_of)
st=$(signin "{\"token\":\"$adm\"}" -H "Cookie: ds_session=$first")
second=$(cookie_of)
check "signing in again while holding a session: 200, a new cookie" \
    bash -c 'is "$1" 200 && [ -n "$2" ] && [ "$2" != "$3" ]' _ "$st" "$second" "$first"
check "the session held before is ended" is "$(req GET /api/v1/session -H "Cookie: ds_session=$first")" 401
check "the new one works" is "$(req GET /api/v1/session -H "Cookie: ds_session=$second")" 200

# ---- sign-out ----
st=$(req DELETE /api/v1/session "${C[@]}")
check "sign-out without the CSRF header: 403" is "$st" 403
st=$(req DELETE /api/v1/session "${C[@]}" "${X[@]}")
check "sign-out: 200, the cookie cleared (Max-Age=0)" \
    bash -c 'is "$1" 200 && grep -qi "^set-cookie: ds_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" "$tmp/h"' _ "$st"
check "after sign-out the cookie no longer works" is "$(req GET /api/v1/tokens "${C[@]}")" 401
check "after sign-out GET /api/v1/session: 401" is "$(req GET /api/v1/session "${C[@]}")" 401
check "GET /api/v1/session with a bearer token only: 401" is "$(req GET /api/v1/session -H "Authorization: Bearer $adm")" 401

# ---- revocation ends the token's sessions ----
signin "{\"token\":\"$med\"}" >/dev/null
msess=$(cookie_of)
check "a mediator's session works" is "$(req GET /api/v1/forms/resident/paper/sheets -H "Cookie: ds_session=$msess")" 200
st=$(req POST /api/v1/tokens/2/revoke -H "Authorization: Bearer $adm" -H 'Content-Type: application/json' -d '{"reason":"a quitté le projet"}')
check "revoke: 200 with revoked_at" bash -c 'is "$@" && jq -e ".id == 2 and (.revoked_at | length > 0)" "$tmp/b" >/dev/null' _ "$st" 200
check "the revoked token's session no longer works" is "$(req GET /api/v1/forms/resident/paper/sheets -H "Cookie: ds_session=$msess")" 401
check "its sessions are ended in the database" is "$(sqlite3 "$db" 'SELECT count(*) FROM sessions WHERE token_id = 2 AND ended_at IS NULL')" 0
check "revoking again: 409 token_revoked" bash -c 'is "$(req POST /api/v1/tokens/2/revoke -H "Authorization: Bearer $1")" 409 && code_is token_revoked' _ "$adm"
check "revoking an unknown token: 404 unknown_token" bash -c 'is "$(req POST /api/v1/tokens/77/revoke -H "Authorization: Bearer $1")" 404 && code_is unknown_token' _ "$adm"
check "a reason over 500 characters: 400" is "$(req POST /api/v1/tokens/3/revoke -H "Authorization: Bearer $adm" -H 'Content-Type: application/json' -d "{\"reason\":\"$(printf 'a%.0s' $(seq 501))\"}")" 400
signin "{\"token\":\"$(jq -r .secret "$tmp/created")\"}" >/dev/null
bsess=$(cookie_of)
"$bin" token revoke --db "$db" --id 3 >/dev/null 2>&1
check "collector token revoke ends the sessions too" is "$(req GET /api/v1/session -H "Cookie: ds_session=$bsess")" 401
check "the audit has every action, no secret" \
    bash -c 'a=$(sqlite3 "$1" "SELECT group_concat(action, \",\") FROM (SELECT DISTINCT action FROM audit ORDER BY action)"); [ "$a" = "signin,signin_link,signout,token_create,token_revoke" ] || { echo "$a"; exit 1; }; ! sqlite3 "$1" "SELECT * FROM audit" | grep -qF -- "$2"' _ "$db" "$link"
check "a sign-in is audited with how it came" is "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE action = 'signin' AND detail = '{\"via\":\"link\"}'")" 2
stop_collector

# ---- expiry (hidden --session-seconds), and Secure over https ----
start_collector "$bin" "$db" "$src/forms" --session-seconds 2 --public-url https://diag.example.org
export base
signin "{\"token\":\"$adm\"}" >/dev/null
check "behind https the cookie is Secure, with the shorter life" grep -qi '^set-cookie: ds_session=.*Max-Age=2; Secure' "$tmp/h"
esess=$(cookie_of)
ecsrf=$(jq -r .csrf "$tmp/b")
check "a fresh session works" is "$(req GET /api/v1/tokens -H "Cookie: ds_session=$esess")" 200
st=$(req POST /api/v1/tokens -H "Cookie: ds_session=$esess" -H "X-CSRF-Token: $ecsrf" -H 'Origin: http://127.0.0.1' -H 'Content-Type: application/json' -d '{"role":"analyst","name":"y"}')
check "with --public-url, the Origin must be the public one" is "$st" 403
st=$(req POST /api/v1/tokens -H "Cookie: ds_session=$esess" -H "X-CSRF-Token: $ecsrf" -H 'Origin: https://diag.example.org' -H 'Content-Type: application/json' -d '{"role":"analyst","name":"y"}')
check "the public Origin passes" is "$st" 201
st=$(req POST /api/v1/tokens -H "Cookie: ds_session=$esess" -H "X-CSRF-Token: $ecsrf" -H 'Origin: https://DIAG.example.org:443' -H 'Content-Type: application/json' -d '{"role":"analyst","name":"z"}')
check "the public Origin with its default port written out, in capitals, passes" is "$st" 201
sleep 3
check "an expired session: 401" bash -c 'is "$(req GET /api/v1/tokens -H "Cookie: ds_session=$1")" 401 && code_is unauthorized' _ "$esess"
stop_collector
check "no sanitizer report in any run" sanitizer_clean
finish
