#!/usr/bin/env bash
# The documented deployment, tried: collector/deploy/nginx.conf in front of a real collector (self-signed
# certificate, local ports instead of 80/443, temporary paths), and collector/deploy/collector.service checked
# by systemd-analyze. Through TLS: /healthz answers over HTTP/2, a page carries the collector's CSP and nginx's
# HSTS, a submission is acknowledged, plain HTTP redirects to HTTPS, and nginx's access log holds neither the
# client's address nor the query string.
# Usage: tests/deploy/deploy.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$(realpath "$1")
src=$2
for tool in nginx openssl curl jq systemd-analyze; do
    command -v "$tool" >/dev/null || { echo "deploy.sh: $tool is missing (scripts/setup installs it)" >&2; exit 1; }
done
tmp=$(mktemp -d)
srv=
cleanup() {
    [ -f "$tmp/nginx.pid" ] && nginx -c "$tmp/main.conf" -s stop 2>/dev/null
    [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /'; }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name"; fi; }

# The collector takes a port the kernel gives it. nginx needs fixed ports in its configuration: they are
# drawn below the kernel's ephemeral range (32768 and up), where the many client sockets of the load tests
# running beside this one live, and drawn again if one is taken anyway.
"$bin" serve --db "$tmp/c.db" --forms "$src/forms" --listen 127.0.0.1:0 --trust-proxy \
    >"$tmp/collector.out" 2>"$tmp/collector.err" &
srv=$!
cport=
for _ in $(seq 150); do # up to 15 s: the sanitizer build starts slowly
    cport=$(sed -n '1s/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$tmp/collector.out")
    [ -n "$cport" ] && break
    sleep 0.1
done
[ -n "$cport" ] || { echo "deploy.sh: the collector did not start: $(cat "$tmp/collector.err")" >&2; exit 1; }

# The shipped site, moved to local ports and temporary paths; nothing else changed.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
    -subj '/CN=sante.example.fr' 2>/dev/null
write_site() {
    sed -e "s#/etc/letsencrypt/live/sante.example.fr/fullchain.pem#$tmp/cert.pem#" \
        -e "s#/etc/letsencrypt/live/sante.example.fr/privkey.pem#$tmp/key.pem#" \
        -e "s#/var/log/nginx/sante.log#$tmp/access.log#" \
        -e "s#127.0.0.1:8080#127.0.0.1:$cport#" \
        -e "s#listen 80;#listen 127.0.0.1:$hport;#" -e "/listen \[::\]:80;/d" \
        -e "s#listen 443 ssl http2;#listen 127.0.0.1:$sport ssl http2;#" -e "/listen \[::\]:443 ssl http2;/d" \
        "$src/collector/deploy/nginx.conf" >"$tmp/site.conf"
}
draw_ports() {
    hport=$(( (RANDOM % 12000) + 20000 ))
    sport=$((hport + 1))
}
draw_ports
write_site
cat >"$tmp/main.conf" <<EOC
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 256; }
http {
    client_body_temp_path $tmp/body; proxy_temp_path $tmp/proxy; fastcgi_temp_path $tmp/fcgi;
    uwsgi_temp_path $tmp/uwsgi; scgi_temp_path $tmp/scgi;
    include $tmp/site.conf;
}
EOC
if nginx -t -c "$tmp/main.conf" >"$tmp/t.out" 2>&1; then ok "nginx accepts the shipped site"; else
    not_ok "nginx accepts the shipped site" "$(cat "$tmp/t.out")"; fi

# The unit as shipped, with the binary path pointing at this build.
sed "s#/usr/local/bin/collector#$bin#" "$src/collector/deploy/collector.service" >"$tmp/collector.service"
if systemd-analyze verify "$tmp/collector.service" >"$tmp/v.out" 2>&1 && [ ! -s "$tmp/v.out" ]; then
    ok "systemd-analyze verifies the shipped unit"
else
    not_ok "systemd-analyze verifies the shipped unit" "$(cat "$tmp/v.out")"
fi

started=
for _ in 1 2 3 4 5; do
    if nginx -c "$tmp/main.conf" 2>"$tmp/start.err"; then started=1; break; fi
    grep -q 'Address already in use' "$tmp/start.err" || break
    draw_ports
    write_site
done
if [ -n "$started" ]; then ok "nginx starts"; else not_ok "nginx starts" "$(cat "$tmp/start.err")"; fi
sleep 0.3

https=(curl -sk --resolve "sante.example.fr:$sport:127.0.0.1")
base=https://sante.example.fr:$sport
check "healthz through TLS, over HTTP/2" test "$("${https[@]}" -o /dev/null -w '%{http_code} %{http_version}' "$base/healthz")" = "200 2"
"${https[@]}" -D "$tmp/h" -o /dev/null "$base/f/resident?t=QN09399A"
check "the page carries the collector's Content-Security-Policy" grep -qi '^content-security-policy: default-src' "$tmp/h"
check "and nginx's Strict-Transport-Security" grep -qi '^strict-transport-security: max-age=' "$tmp/h"
check "and no duplicated X-Content-Type-Options" test "$(grep -ci '^x-content-type-options' "$tmp/h")" = 1
body='{"uuid":"7d0c1e2a-3b4c-4d5e-8f60-718293a4b5c6","form_version":"1","lang":"fr","answers":{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R17":"non"}}'
st=$("${https[@]}" -o "$tmp/b" -w '%{http_code}' -H 'Content-Type: application/json' -H 'X-Forwarded-For: 6.6.6.6' \
    --data-binary "$body" "$base/api/v1/forms/resident/submissions")
check "a submission through the proxy is acknowledged" test "$st" = 201
check "with a receipt" jq -e '.receipt | length == 11' "$tmp/b"
check "plain HTTP is redirected to HTTPS" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: sante.example.fr' \
    "http://127.0.0.1:$hport/f/resident")" = 301
check "nginx's access log was written" test -s "$tmp/access.log"
if grep -q '127\.0\.0\.1\|6\.6\.6\.6\|t=QN09399A' "$tmp/access.log"; then
    not_ok "nginx's access log holds no address and no query string" "$(cat "$tmp/access.log")"
else
    ok "nginx's access log holds no address and no query string"
fi
check "the database holds no address either" test "$(sqlite3 "$tmp/c.db" "SELECT count(*) FROM submissions WHERE answers LIKE '%6.6.6%'")" = 0

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
