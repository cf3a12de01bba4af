#!/bin/sh
# tls.sh VIGIL - the web desk over HTTPS: a self-signed certificate made with
# openssl for 127.0.0.1, `vigil web` with [web] cert and key, a login whose
# session cookie is Secure, and plain HTTP refused on the TLS port.
# Exit 77 (skip) without openssl.
set -eu
VIGIL=${1:-${VIGIL:-}}
[ -n "$VIGIL" ] && [ -x "$VIGIL" ] || { echo "usage: tls.sh VIGIL" >&2; exit 2; }
command -v openssl >/dev/null 2>&1 || { echo "SKIP: no openssl"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "SKIP: no curl"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-web-tls.XXXXXX")
pid=""
trap '[ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/web.log" ] && sed 's/^/  web: /' "$tmp/web.log" >&2; exit 1; }

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null ||
	fail "openssl could not make a certificate"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/vigil.conf" <<CONF
[desk]
url = sqlite:$tmp/desk.sqlite
[store]
dir = $tmp/flows
[web]
listen = 127.0.0.1:$port
root = $tmp
cert = $tmp/cert.pem
key = $tmp/key.pem
CONF
printf 'pw-tls\n' >"$tmp/pw"
"$VIGIL" web user add tess --role analyst --password-file "$tmp/pw" -c "$tmp/vigil.conf" >/dev/null || fail "user add"
"$VIGIL" web -c "$tmp/vigil.conf" >"$tmp/web.log" 2>&1 &
pid=$!
i=0
until curl -s -o /dev/null --cacert "$tmp/cert.pem" "https://127.0.0.1:$port/api/v1/me"; do
	i=$((i + 1))
	[ $i -gt 150 ] && fail "no HTTPS answer on 127.0.0.1:$port"
	kill -0 "$pid" 2>/dev/null || { pid=""; fail "vigil web exited"; }
	sleep 0.1
done
code=$(curl -s --cacert "$tmp/cert.pem" -D "$tmp/hdr" -o "$tmp/body" -w '%{http_code}' \
	-H 'Content-Type: application/json' --data-binary '{"user":"tess","password":"pw-tls"}' \
	"https://127.0.0.1:$port/api/v1/login")
[ "$code" = 200 ] || fail "login over TLS: HTTP $code $(cat "$tmp/body")"
grep -i '^set-cookie: vigil_session=' "$tmp/hdr" | grep -qi '; Secure' || fail "cookie not Secure: $(cat "$tmp/hdr")"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/api/v1/me" || true)
case "$code" in 2*|4*) fail "plain HTTP answered $code on the TLS port";; esac
echo "ok: TLS login, Secure cookie, plain HTTP refused"
