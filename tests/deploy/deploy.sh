#!/usr/bin/env bash
# The documented deployment, tried: collector/deploy/nginx.conf in front of a real collector (self-signed
# certificate, local ports instead of 80/443, temporary paths), and collector/deploy/collector.service checked
# by systemd-analyze. Through TLS: /healthz answers over HTTP/2, a page carries the collector's CSP and nginx's
# HSTS, a submission is acknowledged, plain HTTP redirects to HTTPS. Then the requests that make nginx write to its
# error log (measured with nginx 1.22: README.md, "Deployment"), each with a query string (?t=QN09399B): rate limit
# rejections (429), a body over the limit (413), a body buffered to a temporary file, plain HTTP and garbage on
# the TLS port, failed TLS handshakes (an old protocol, no shared cipher, a cut ClientHello, a ClientHello nginx
# logs at crit), malformed requests on both ports, client timeouts, and the collector stopped (502). No log file
# nginx wrote (the site's, and the main error and access logs of Debian's nginx.conf, here at level info) and not
# the collector's own access log (stderr) holds the client's address or the query string.
# Usage: tests/deploy/deploy.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$(realpath "$1")
src=$2
for tool in nginx openssl curl jq systemd-analyze; do
    command -v "$tool" >/dev/null || { echo "deploy.sh: $tool is missing (scripts/setup installs it)" >&2; exit 1; }
done
tmp=$(mktemp -d)
chmod 711 "$tmp" # nginx's workers (nobody) write request bodies under it, as www-data does in /var/lib/nginx
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

# The shipped site, moved to local ports and temporary paths (its logs: $tmp/sante.log, $tmp/sante-error.log). One
# more change: the client timeouts are 2 s instead of 20, so that a timeout costs the test 2 s.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
    -subj '/CN=sante.example.fr' 2>/dev/null
write_site() {
    sed -e "s#/etc/letsencrypt/live/sante.example.fr/fullchain.pem#$tmp/cert.pem#" \
        -e "s#/etc/letsencrypt/live/sante.example.fr/privkey.pem#$tmp/key.pem#" \
        -e "s#/var/log/nginx/#$tmp/#g" \
        -e "s#127.0.0.1:8080#127.0.0.1:$cport#" \
        -e "s#listen 80\( default_server\)\?;#listen 127.0.0.1:$hport\1;#" -e "/listen \[::\]:80/d" \
        -e "s#listen 443 ssl http2\( default_server\)\?;#listen 127.0.0.1:$sport ssl http2\1;#" \
        -e "/listen \[::\]:443/d" \
        -e "s#client_header_timeout 20s;#client_header_timeout 2s;#" \
        -e "s#client_body_timeout 20s;#client_body_timeout 2s;#" \
        "$src/collector/deploy/nginx.conf" >"$tmp/site.conf"
}
draw_ports() {
    hport=$(( (RANDOM % 12000) + 20000 ))
    sport=$((hport + 1))
}
draw_ports
write_site
# Debian's nginx.conf, moved: its main error log (here at info, to see anything that escapes the site's own logs)
# and its default access log (combined format: address and request line), which a server without its own
# access_log would write to.
cat >"$tmp/main.conf" <<EOC
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log info;
events { worker_connections 256; }
http {
    client_body_temp_path $tmp/body; proxy_temp_path $tmp/proxy; fastcgi_temp_path $tmp/fcgi;
    uwsgi_temp_path $tmp/uwsgi; scgi_temp_path $tmp/scgi;
    access_log $tmp/access-default.log;
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
check "the database holds no address either" test "$(sqlite3 "$tmp/c.db" "SELECT count(*) FROM submissions WHERE answers LIKE '%6.6.6%'")" = 0

# ---- what makes nginx write to its error log, each with a query string ------------------------------------------
q='t=QN09399B'
tls=(timeout 8 openssl s_client -quiet -connect "127.0.0.1:$sport" -servername sante.example.fr)
raw() { # PORT BYTES (printf format): sends them on a plain TCP connection, reads the answer for up to 2 s
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return
    # shellcheck disable=SC2059
    printf "$2" >&3
    timeout 2 cat <&3 >/dev/null
    exec 3>&-
}
# Over the rate limit (20/s, bursts of 100): 140 requests at once on one HTTP/2 connection.
urls=()
for _ in $(seq 140); do urls+=(-o /dev/null "$base/f/resident?$q"); done
"${https[@]}" -w '%{http_code}\n' "${urls[@]}" >"$tmp/burst"
check "140 requests at once: some refused by nginx's rate limit (429)" grep -q '^429$' "$tmp/burst"
sleep 5 # the bucket refills (20/s), so that what follows is not rate limited
# Client timeouts (2 s here), in the background meanwhile: headers never finished, a body never sent. They start
# once the bucket has refilled: the POST's headers are complete, so nginx applies the rate limit to it, and after
# the burst it would answer 429 instead of waiting for the body.
(printf 'GET /f/resident?%s HTTP/1.1\r\nHost: sante.example.fr\r\n' "$q"; sleep 4) | "${tls[@]}" >/dev/null 2>&1 &
slow1=$!
(printf 'POST /api/v1/forms/resident/submissions?%s HTTP/1.1\r\nHost: sante.example.fr\r\nContent-Type: %s\r\n%b' \
    "$q" application/json 'Content-Length: 100\r\n\r\n{'; sleep 4) | "${tls[@]}" >/dev/null 2>&1 &
slow2=$!
head -c 100000 /dev/zero | tr '\0' a >"$tmp/big"
head -c 400000 /dev/zero | tr '\0' a >"$tmp/huge"
post() { "${https[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$1" \
    "$base/api/v1/forms/resident/submissions?$q"; }
check "a body over client_max_body_size: 413" test "$(post "$tmp/huge")" = 413
check "a body nginx buffers to a temporary file reaches the collector" test "$(post "$tmp/big")" = 400
check "plain HTTP on the TLS port: 400" test "$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$sport/f/resident?$q")" = 400
raw "$sport" 'GARBAGE /f/resident?t=QN09399B\r\n\r\n'
timeout 5 openssl s_client -tls1_1 -connect "127.0.0.1:$sport" </dev/null >/dev/null 2>&1
timeout 5 openssl s_client -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -connect "127.0.0.1:$sport" </dev/null \
    >/dev/null 2>&1
# A ClientHello cut in the middle, then one whose server_name extension is empty: nginx 1.22 with OpenSSL 3 logs
# the second at crit ("bad extension"), with the client's address.
zeros=$(printf '%032d' 0 | sed 's/0/\\x00/g')
hello="\x16\x03\x01\x00\x35\x01\x00\x00\x31\x03\x03${zeros}" # record, handshake header, version, random
raw "$sport" "$hello"
raw "$sport" "$hello\x00\x00\x02\xc0\x2f\x01\x00\x00\x06\x00\x00\x00\x02\x00\x00" # + session, suite, compression, SNI
printf 'GET /f/resident?%s HTTP/9.9\r\nHost: sante.example.fr\r\n\r\n' "$q" | "${tls[@]}" >/dev/null 2>&1
printf 'GET /f/resident?%s HTTP/1.1\r\nHost: sante.example.fr\r\nBad header\r\n\r\n' "$q" |
    "${tls[@]}" >/dev/null 2>&1
raw "$hport" 'BLAH /f/resident?t=QN09399B\r\n\r\n'
raw "$hport" 'GET /f/resident?t=QN09399B HTTP/1.1\r\nHost: sante.example.fr\r\nBad header\r\n\r\n'
wait "$slow1" "$slow2"
check "a client that never finishes its headers or its body: 408" test "$(grep -c '" 408 ' "$tmp/sante.log")" = 2
[ "$(grep -c '" 408 ' "$tmp/sante.log")" = 2 ] || grep -o '" [0-9]\{3\} ' "$tmp/sante.log" | sort | uniq -c >&2
# The collector stopped: nginx answers 502.
kill "$srv" && wait "$srv" 2>/dev/null
srv=
check "the collector stopped: 502 for a page" \
    test "$("${https[@]}" -o /dev/null -w '%{http_code}' "$base/f/resident?$q")" = 502
check "and for a submission" test "$(post "$tmp/big")" = 502
nginx -c "$tmp/main.conf" -s stop 2>/dev/null
for _ in $(seq 50); do [ -f "$tmp/nginx.pid" ] || break; sleep 0.1; done # its logs are complete

check "nginx's access log was written" test -s "$tmp/sante.log"
for f in "$tmp"/*.log; do
    if grep -q '127\.0\.0\.1\|6\.6\.6\.6\|t=QN09399' "$f"; then
        not_ok "$(basename "$f"), written by nginx, holds no address and no query string" \
            "$(grep '127\.0\.0\.1\|6\.6\.6\.6\|t=QN09399' "$f" | sort | uniq -c | sort -rn | head -n 12 |
                cut -c 1-300)"
    else
        ok "$(basename "$f"), written by nginx, holds no address and no query string"
    fi
done
check "the collector's access log (stderr) was written" grep -q '^GET /f/{id} 200' "$tmp/collector.err"
if grep -q '127\.0\.0\.1\|6\.6\.6\.6\|QN09399' "$tmp/collector.err"; then
    not_ok "the collector's access log holds no address and no query string" "$(head -n 20 "$tmp/collector.err")"
else
    ok "the collector's access log holds no address and no query string"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
