#!/usr/bin/env bash
# Black-box test of who may use which route: README.md's table "Who may do what" (between the access-table
# markers) is read here and every cell is checked, each route with every kind of credential a client may send:
# none, a malformed header, another scheme, an unknown token, a revoked one, a token in the query string or in a
# cookie, a forged session cookie, an expired session, a cross-site request (a session cookie without its CSRF
# header, or with a foreign Origin), and the three roles by bearer token and by session. The table must also name
# every route of the collector's route table (collector/server.c), so that a new route cannot go unlisted.
# Also: no reply sets a cookie but a sign-in or a sign-out, none opens CORS, and no error body echoes a secret.
# Usage: access.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
source "$src/tests/blackbox/lib.sh"

db=$tmp/c.db
readme=$src/README.md

# ---- the table -------------------------------------------------------------------------------------------------
# One line per route and method: "METHOD PATH anyone mediator analyst admin".
sed -n '/<!-- access-table: begin -->/,/<!-- access-table: end -->/p' "$readme" | grep '^| [A-Z]' |
    grep -v '^| Method' >"$tmp/table"
check "README.md has the access table" test -s "$tmp/table"
: >"$tmp/cells"
while IFS='|' read -r _ methods paths anyone med ana adm _; do
    for m in $methods; do
        for p in $(grep -o '`[^`]*`' <<<"$paths" | tr -d '`'); do
            echo "$m $p $(echo $anyone) $(echo $med) $(echo $ana) $(echo $adm)" >>"$tmp/cells"
        done
    done
done <"$tmp/table"

# Every pattern of the route table is in the README's table (parameters compared by position only).
upload=$(sed -n 's/^#define API_FORMS_UPLOAD_ROUTE "\(.*\)"/\1/p' "$src/collector/api/api.h")
grep -o '^    {"/[^"]*\|^    {API_FORMS_UPLOAD_ROUTE' "$src/collector/server.c" | sed 's/^    {"\{0,1\}//' |
    sed "s#^API_FORMS_UPLOAD_ROUTE#$upload#" | sed 's/{[a-z]*}/{}/g' | sort -u >"$tmp/routes"
awk '{print $2}' "$tmp/cells" | sed 's/{[a-z]*}/{}/g' | sort -u >"$tmp/listed"
missing=$(comm -23 "$tmp/routes" "$tmp/listed" | tr '\n' ' ')
check "every route of collector/server.c is in README's table (missing: ${missing:-none})" test -z "$missing"

# ---- credentials -----------------------------------------------------------------------------------------------
start_collector "$bin" "$db" "$src/forms"
med=$("$bin" token add --db "$db" --role mediator --name m1 2>/dev/null)
ana=$("$bin" token add --db "$db" --role analyst --name a1 2>/dev/null)
adm=$("$bin" token add --db "$db" --role admin --name d1 2>/dev/null)
old=$("$bin" token add --db "$db" --role admin --name gone 2>/dev/null)
"$bin" token revoke --db "$db" --id 4 >/dev/null 2>&1
territory=$(jq -r '.territories[0].code' "$src/forms/territories.json")

# A session of a token: prints "COOKIE CSRF". $1 token, $2 base URL (another server for the expired one).
signin() {
    curl -s -D "$tmp/sh" -o "$tmp/sb" -H 'Content-Type: application/json' -d "{\"token\":\"$1\"}" "$2/api/v1/session"
    printf '%s %s\n' "$(sed -n 's/^[Ss]et-[Cc]ookie: ds_session=\([^;]*\);.*/\1/p' "$tmp/sh")" "$(jq -r .csrf "$tmp/sb")"
}
declare -A cookie csrf
new_session() {
    local tok
    case $1 in mediator) tok=$med ;; analyst) tok=$ana ;; admin) tok=$adm ;; esac
    read -r "cookie[$1]" "csrf[$1]" < <(signin "$tok" "$base")
}
for r in mediator analyst admin; do new_session $r; done
check "sessions opened for the three roles" test -n "${cookie[mediator]}" -a -n "${cookie[analyst]}" -a -n "${cookie[admin]}"

# An expired session: opened by a second collector on the same database whose sessions last one second.
"$bin" serve --db "$db" --forms "$src/forms" --listen 127.0.0.1:0 --rate-limit 0 --quiet \
    --session-seconds 1 >"$tmp/serve2.out" 2>"$tmp/serve2.log" &
pid2=$!
for _ in $(seq 100); do grep -q listening "$tmp/serve2.out" 2>/dev/null && break; sleep 0.1; done
read -r expired _ < <(signin "$adm" "http://$(sed -n 's/listening on //p' "$tmp/serve2.out")")
kill -TERM "$pid2"
wait "$pid2" 2>/dev/null
sleep 2
check "an expired session was made" test -n "$expired"

creds=(none bad-header basic unknown revoked query cookie forged expired cross-site foreign-origin
    mediator analyst admin mediator-session analyst-session admin-session)
cred_args() {
    case $1 in
    bad-header) printf '%s\n' -H "Authorization: Bearer" ;;
    basic) printf '%s\n' -H "Authorization: Basic $(printf 'x:%s' "$adm" | base64 -w0)" ;;
    unknown) printf '%s\n' -H "Authorization: Bearer ds_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" ;;
    revoked) printf '%s\n' -H "Authorization: Bearer $old" ;;
    cookie) printf '%s\n' -H "Cookie: token=$adm; session=$adm; ds_session=$adm" ;; # a token is not a session
    forged) printf '%s\n' -H "Cookie: ds_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" ;;
    expired) printf '%s\n' -H "Cookie: ds_session=$expired" ;;
    cross-site) printf '%s\n' -H "Cookie: ds_session=${cookie[admin]}" ;; # no CSRF header
    foreign-origin) printf '%s\n' -H "Cookie: ds_session=${cookie[admin]}" -H "X-CSRF-Token: ${csrf[admin]}" \
        -H "Origin: https://evil.example" ;;
    mediator | analyst | admin)
        local tok
        case $1 in mediator) tok=$med ;; analyst) tok=$ana ;; admin) tok=$adm ;; esac
        printf '%s\n' -H "Authorization: Bearer $tok" ;;
    *-session)
        local r=${1%-session}
        printf '%s\n' -H "Cookie: ds_session=${cookie[$r]}" -H "X-CSRF-Token: ${csrf[$r]}" -H "Origin: $base" ;;
    esac
}

# The body a route needs to reach its own checks (an allowed request must not fail on its body before them).
body_of() {
    case "$1 $2" in
    "POST /api/v1/forms/{form}/submissions")
        printf '{"uuid":"00000000-0000-4000-8000-%012d","form_version":"1","lang":"fr","channel":"web","answers":{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R17":"non"}}' "$3" ;;
    "POST /api/v1/forms/{form}/paper")
        printf '{"paper_id":"S%d","form_version":"1","answers":{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R17":"non"}}' "$3" ;;
    "POST /api/v1/forms/{form}/paper/{sheet}/reconcile") echo '{"answers":{}}' ;;
    "POST /api/v1/session") echo "{\"token\":\"$med\"}" ;;
    "POST /api/v1/tokens") echo "{\"role\":\"analyst\",\"name\":\"t$3\"}" ;;
    "PATCH /api/v1/submissions/{uuid}") echo '{"answers":{},"reason":"essai"}' ;;
    "POST /api/v1/campaign/test") echo '{"on":false}' ;;
    "POST /api/v1/erasure") echo '{"receipt":"AAAAA-AAAAA"}' ;;
    "POST /api/v1/"* | "DELETE /api/v1/submissions/"*) echo '{"reason":"essai"}' ;;
    esac
}

fill() {
    sed -e "s#{form}#resident#g; s#{v}#1#g; s#{territory}#$territory#g; s#{sheet}#NOPE#g; s#{id}#999#g" \
        -e 's#{uuid}#00000000-0000-4000-8000-000000000999#g' <<<"$1"
}

# ---- the walk --------------------------------------------------------------------------------------------------
k=0
while read -r method pattern anyone m_cell a_cell d_cell; do
    path=$(fill "$pattern")
    for c in "${creds[@]}"; do
        k=$((k + 1))
        url=$base$path
        [ "$c" = query ] && url="$url?token=$adm&access_token=$adm"
        mapfile -t args < <(cred_args "$c")
        data=$(body_of "$method" "$pattern" "$k")
        if [ -n "$data" ]; then
            st=$(curl -s -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' -X "$method" "${args[@]}" \
                -H 'Content-Type: application/json' -d "$data" "$url")
        else
            st=$(curl -s -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' -X "$method" "${args[@]}" "$url")
        fi
        # the cell of this credential: its role (by token or by session), or none
        role=${c%-session}
        case $c in cross-site | foreign-origin) role=admin ;; esac
        case $role in mediator) cell=$m_cell ;; analyst) cell=$a_cell ;; admin) cell=$d_cell ;; *) cell=— ;; esac
        by_session=0
        case $c in *-session | cross-site | foreign-origin) by_session=1 ;; esac
        if [ "$anyone" = yes ]; then
            want="not 401/403"
            good=$([ "$st" != 401 ] && [ "$st" != 403 ] && [ "$st" -lt 500 ] && echo 1 || echo 0)
        elif [ "$by_session" = 1 ] && [ "$method" != GET ] && [ "$c" != "${role}-session" ] &&
            { [ "$cell" = yes ] || [ "$cell" = session ]; }; then
            want="403 csrf_failed"
            good=$([ "$st" = 403 ] && grep -q '"code":"csrf_failed"' "$tmp/b" && echo 1 || echo 0)
        elif [ "$cell" = yes ] || { [ "$cell" = session ] && [ "$by_session" = 1 ]; }; then
            want="allowed (not 401/403)"
            good=$([ "$st" != 401 ] && [ "$st" != 403 ] && [ "$st" -lt 500 ] && echo 1 || echo 0)
        elif [ "$role" = mediator ] || [ "$role" = analyst ] || [ "$role" = admin ]; then
            if [ "$cell" = session ]; then
                want="401 unauthorized (a session only)"
                good=$([ "$st" = 401 ] && grep -q '"code":"unauthorized"' "$tmp/b" && echo 1 || echo 0)
            else
                want="403 forbidden"
                good=$([ "$st" = 403 ] && grep -q '"code":"\(forbidden\|csrf_failed\)"' "$tmp/b" && echo 1 || echo 0)
            fi
        else
            want="401 unauthorized"
            good=$([ "$st" = 401 ] && grep -q '"code":"unauthorized"' "$tmp/b" && echo 1 || echo 0)
        fi
        # a sign-in sets exactly its session cookie, HttpOnly and SameSite=Strict; a sign-out clears it
        leaks=$(grep -ciE '^(set-cookie|access-control-allow-)' "$tmp/h")
        if [ "$method $pattern" = "POST /api/v1/session" ] && [ "$st" = 200 ] &&
            grep -qiE '^set-cookie: ds_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=[0-9]+' "$tmp/h"; then
            leaks=$((leaks - 1))
        fi
        if [ "$method $pattern" = "DELETE /api/v1/session" ] && [ "$st" = 200 ] &&
            grep -qiE '^set-cookie: ds_session=;.*Max-Age=0' "$tmp/h"; then
            leaks=$((leaks - 1))
        fi
        for secret in "$adm" "$old" "$med" "$ana"; do grep -qF -- "${secret:3}" "$tmp/b" && leaks=$((leaks + 1)); done
        if [ "$good" = 1 ] && [ "$leaks" -eq 0 ]; then
            ok "$method $path with $c: $want ($st)"
        else
            not_ok "$method $path with $c: $want" "got $st, $leaks cookie/CORS header(s) or echoed secret(s)" "$(head -c 300 "$tmp/b")"
        fi
        # a sign-out ended that session, and a sign-in replaces the session the browser held: open another
        if [ "$by_session" = 1 ] && [ "$st" = 200 ] &&
            { [ "$method $pattern" = "DELETE /api/v1/session" ] || [ "$method $pattern" = "POST /api/v1/session" ]; }; then
            new_session "$role"
        fi
    done
done <"$tmp/cells"
check "no sanitizer report in any run" sanitizer_clean
finish "$k requests"
