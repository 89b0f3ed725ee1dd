#!/usr/bin/env bash
# Black-box test of who may use which route (issue 13, "what held", kept as a regression test): every route of the
# collector, each with every kind of credential a client may send (none, a malformed header, another scheme, an
# unknown token, a revoked one, a token in the query string, a cookie, and the three roles), against the table of
# what each role may do. Also: no reply sets a cookie or opens CORS, and no error body echoes the secret.
# Usage: access.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
source "$src/tests/blackbox/lib.sh"

db=$tmp/c.db
start_collector "$bin" "$db" "$src/forms"
med=$("$bin" token add --db "$db" --role mediator --name m1 2>/dev/null)
ana=$("$bin" token add --db "$db" --role analyst --name a1 2>/dev/null)
adm=$("$bin" token add --db "$db" --role admin --name d1 2>/dev/null)
old=$("$bin" token add --db "$db" --role admin --name gone 2>/dev/null)
"$bin" token revoke --db "$db" --id 4 >/dev/null 2>&1

# Credentials: name, then the curl arguments that carry it. The last three are real roles.
creds=(none bad-header basic unknown revoked query cookie mediator analyst admin)
cred_args() {
    case $1 in
    none) ;;
    bad-header) printf '%s\n' -H "Authorization: Bearer" ;;
    basic) printf '%s\n' -H "Authorization: Basic $(printf 'x:%s' "$adm" | base64 -w0)" ;;
    unknown) printf '%s\n' -H "Authorization: Bearer ds_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" ;;
    revoked) printf '%s\n' -H "Authorization: Bearer $old" ;;
    query | cookie) ;; # the secret goes in the URL or a cookie: never accepted
    mediator) printf '%s\n' -H "Authorization: Bearer $med" ;;
    analyst) printf '%s\n' -H "Authorization: Bearer $ana" ;;
    admin) printf '%s\n' -H "Authorization: Bearer $adm" ;;
    esac
}

sub='{"uuid":"%s","form_version":"1","lang":"fr","channel":"web","answers":{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R17":"non"}}'
paper='{"paper_id":"%s","form_version":"1","answers":{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R17":"non"}}'
# Routes: method, path, body (printf format with one %s for a fresh id, or -), who may use it (public, or the
# roles). A protected route answers 401 without a valid token and 403 to another role; a public one never 401/403.
routes=(
    "GET /healthz - public"
    "GET /api/v1/forms - public"
    "GET /api/v1/forms/resident - public"
    "GET /api/v1/forms/resident/versions/1 - public"
    "GET /api/v1/territories - public"
    "GET /api/v1/stats - public"
    "POST /api/v1/forms/resident/submissions sub public"
    "GET /f/resident - public"
    "GET /qr/resident - public"
    "GET /print/resident - public"
    "GET /entry - public"
    "GET /sw.js - public"
    "GET /api/v1/stats/detail - analyst,admin"
    "GET /api/v1/forms/resident/submissions.csv - analyst,admin"
    "GET /api/v1/forms/resident/submissions.jsonl - analyst,admin"
    "POST /api/v1/forms/resident/paper paper mediator,admin"
    "GET /api/v1/forms/resident/paper/discrepancies - mediator,admin"
    "GET /api/v1/forms/resident/paper/sheets - mediator,admin"
    "POST /api/v1/forms/resident/paper/NOPE/reconcile rec mediator,admin"
)
k=0
for r in "${routes[@]}"; do
    read -r method path body who <<<"$r"
    for c in "${creds[@]}"; do
        k=$((k + 1))
        url=$base$path
        extra=()
        [ "$c" = query ] && url="$url?token=$adm&access_token=$adm"
        [ "$c" = cookie ] && extra=(-H "Cookie: token=$adm; session=$adm")
        mapfile -t args < <(cred_args "$c")
        case $body in
        sub) data=$(printf "$sub" "$(printf '00000000-0000-4000-8000-%012d' "$k")") ;;
        paper) data=$(printf "$paper" "S$k") ;;
        rec) data='{"answers":{}}' ;;
        *) data= ;;
        esac
        if [ -n "$data" ]; then
            st=$(curl -s -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' -X "$method" "${args[@]}" "${extra[@]}" \
                -H 'Content-Type: application/json' -d "$data" "$url")
        else
            st=$(curl -s -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' -X "$method" "${args[@]}" "${extra[@]}" "$url")
        fi
        role_ok=0
        case ",$who," in *",$c,"*) role_ok=1 ;; esac
        if [ "$who" = public ]; then
            want="not 401/403"
            good=$([ "$st" != 401 ] && [ "$st" != 403 ] && [ "$st" -lt 500 ] && echo 1 || echo 0)
        elif [ $role_ok -eq 1 ]; then
            want="allowed (not 401/403)"
            good=$([ "$st" != 401 ] && [ "$st" != 403 ] && [ "$st" -lt 500 ] && echo 1 || echo 0)
        elif [ "$c" = mediator ] || [ "$c" = analyst ] || [ "$c" = admin ]; then
            want="403 forbidden"
            good=$([ "$st" = 403 ] && grep -q '"code":"forbidden"' "$tmp/b" && echo 1 || echo 0)
        else
            want="401 unauthorized"
            good=$([ "$st" = 401 ] && grep -q '"code":"unauthorized"' "$tmp/b" && grep -qi '^WWW-Authenticate: Bearer' "$tmp/h" && echo 1 || echo 0)
        fi
        leaks=$(grep -ciE '^(set-cookie|access-control-allow-)' "$tmp/h")
        for secret in "$adm" "$old" "$med" "$ana"; do grep -qF -- "${secret:3}" "$tmp/b" && leaks=$((leaks + 1)); done
        if [ "$good" = 1 ] && [ "$leaks" -eq 0 ]; then
            ok "$method $path with $c: $want ($st)"
        else
            not_ok "$method $path with $c: $want" "got $st, $leaks cookie/CORS header(s) or echoed secret(s)" "$(head -c 300 "$tmp/b")"
        fi
    done
done
check "no sanitizer report in any run" sanitizer_clean
finish "$k requests"
