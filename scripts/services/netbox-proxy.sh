#!/usr/bin/env bash
# nginx (Debian) in front of the local test NetBoxes, as NetBox's docs deploy it: the server
# block of <netbox root>/contrib/nginx.conf, which `netbox setup` wrote (TLS,
# client_max_body_size 25m, the proxy headers, no proxy timeouts, so nginx's default 60 s
# read timeout), with a certificate signed by a CA made here. The integration tests reach
# both test NetBoxes through it, with that CA in the credential. Listeners (:8444 and :8445
# are the same block with one change each, for test/integration/netbox-proxy.test.ts):
#   :8443  contrib, unchanged but for address, certificate and upstream (the local NetBox)
#   :8444  + proxy_read_timeout 5s (a NetBox slower than its proxy)
#   :8445  + proxy_read_timeout 5s, and 30 % of writes (POST, PATCH, PUT, DELETE) cut after
#          200 ms: nginx answers 504 while NetBox goes on and commits
#   :8446  contrib, in front of the brownfield NetBox of scripts/services/netbox-demo.sh
#          (which may start after this script: nginx connects to it per request)
# Idempotent: installs nginx-light when missing (apt, as root), keeps the CA, rewrites the
# config and starts or reloads nginx. Writes .cache/netbox-proxy.env (NETBOX_PROXY_URL,
# NETBOX_PROXY_SHORT_URL, NETBOX_PROXY_CUT_URL, NETBOX_PROXY_DEMO_URL, NETBOX_PROXY_CA,
# NETBOX_PROXY_CERT, NETBOX_PROXY_KEY, NETBOX_PROXY_LOGS).
# Usage: scripts/services/netbox-proxy.sh [stop]. NETBOX_PROXY_PORT=8443 moves the four ports.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LIB_NAME=netbox-proxy.sh
# shellcheck source=scripts/services/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lib_err_trap
STATE="$REPO/.cache/netbox-proxy"
CONTRIB="$REPO/.cache/netbox/root/contrib/nginx.conf"
STATIC="$REPO/.cache/netbox/root/static"
PORT="${NETBOX_PROXY_PORT:-8443}"
UPSTREAM="127.0.0.1:${NETBOX_PORT:-8765}"
DEMO_UPSTREAM="127.0.0.1:${NETBOX_DEMO_PORT:-8766}"
PIDFILE="$STATE/nginx.pid"
ENV_FILE="$REPO/.cache/netbox-proxy.env"
LOGS="$STATE/logs"
# HTTP status of a NetBox API request without a token (403 from NetBox itself); 000: no answer.
probe() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$@" || true; }
netbox_answers() { case "$(probe "$@")" in 2* | 401 | 403) return 0 ;; *) return 1 ;; esac; }

# nginx sets its own process title ("nginx: master process … -c <conf>"), one string, so the
# config path is looked for inside it, not as an argument of its own.
running() { pid_alive "$PIDFILE" && tr '\0' ' ' <"/proc/$(cat "$PIDFILE")/cmdline" 2>/dev/null | grep -qF -- "-c $STATE/nginx.conf"; }
if [ "${1:-}" = stop ]; then
  running && { kill -QUIT "$(cat "$PIDFILE")"; for _ in $(seq 50); do running || break; sleep 0.1; done; }
  say "stopped"
  exit 0
fi

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  [ "$(id -u)" = 0 ] || die "nginx is missing: apt-get install -y nginx-light (as root)"
  run_logged "apt-get install nginx-light" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light ||
    { run_logged "apt-get update" apt-get update && run_logged "apt-get install nginx-light" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light; }
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -f "$CONTRIB" ] || die "$CONTRIB is missing: run scripts/services/netbox.sh first (netbox setup writes it)"
netbox_answers "http://$UPSTREAM/api/status/" || die "no NetBox answers at http://$UPSTREAM: run scripts/services/netbox.sh first"

mkdir -p "$STATE/logs" "$STATE/tmp"
# The CA and the server certificate (127.0.0.1 and localhost), made once.
if [ ! -f "$STATE/ca.crt" ] || [ ! -f "$STATE/server.crt" ]; then
  umask 077
  run_logged "openssl CA" openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=n8n-nodes-netbox-auto test CA" \
    -keyout "$STATE/ca.key" -out "$STATE/ca.crt"
  run_logged "openssl server key" openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$STATE/server.key" -out "$STATE/server.csr"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$STATE/server.ext"
  run_logged "openssl sign" openssl x509 -req -in "$STATE/server.csr" -CA "$STATE/ca.crt" -CAkey "$STATE/ca.key" -CAcreateserial \
    -days 825 -extfile "$STATE/server.ext" -out "$STATE/server.crt"
  umask 022
  chmod 644 "$STATE/ca.crt" "$STATE/server.crt"
fi

# contrib's first server block, pointed at this machine: address, name, certificate, static
# files, upstream. Anything else in it stays as NetBox ships it.
contrib_block() { # contrib_block PORT EXTRA-LINES-FOR-location-/ [UPSTREAM]
  awk '/^server \{/ {n++} n == 1' "$CONTRIB" | sed \
    -e "s#listen \[::\]:443 ssl ipv6only=off;#listen 127.0.0.1:$1 ssl;#" \
    -e "s#server_name netbox.example.com;#server_name 127.0.0.1 localhost;#" \
    -e "s#/etc/ssl/certs/netbox.crt#$STATE/server.crt#" \
    -e "s#/etc/ssl/private/netbox.key#$STATE/server.key#" \
    -e "s#/opt/netbox/netbox/static/#$STATIC/#" \
    -e "s#http://127.0.0.1:8001#http://${3:-$UPSTREAM}#" \
    -e "s#^\( *\)location / {#\1location / {\n\1    access_log $STATE/logs/$1.access.log timed;$2#"
}
grep -q "listen \[::\]:443 ssl ipv6only=off;" "$CONTRIB" && grep -q "proxy_pass http://127.0.0.1:8001;" "$CONTRIB" ||
  die "$CONTRIB does not look like NetBox's contrib/nginx.conf (listen/proxy_pass lines changed)"

CUT='\n        if ($netbox_cut) { rewrite ^(.*)$ /__cut$1 last; }\n        proxy_read_timeout 5s;'
{
  [ "$(id -u)" = 0 ] && echo "user root;"
  cat <<EOF
worker_processes 2;
pid $PIDFILE;
error_log $STATE/logs/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $STATE/tmp/body;
    proxy_temp_path $STATE/tmp/proxy;
    fastcgi_temp_path $STATE/tmp/fastcgi;
    uwsgi_temp_path $STATE/tmp/uwsgi;
    scgi_temp_path $STATE/tmp/scgi;
    log_format timed '\$request_method \$uri \$status \$request_time \$request_length';
    # 30 % of writes on :$((PORT + 2)) are cut after 200 ms: nginx answers 504, NetBox goes on.
    map \$request_method \$netbox_write { POST 1; PATCH 1; PUT 1; DELETE 1; default 0; }
    split_clients "\${request_id}" \$netbox_draw { 30% 1; * 0; }
    map "\$netbox_write\$netbox_draw" \$netbox_cut { 11 1; default 0; }
EOF
  contrib_block "$PORT" ""
  contrib_block $((PORT + 1)) '\n        proxy_read_timeout 5s;'
  contrib_block $((PORT + 2)) "$CUT" | sed "s#^}\$#    location /__cut/ {\n        internal;\n        access_log $STATE/logs/cut.access.log timed;\n        rewrite ^/__cut(.*)\$ \$1 break;\n        proxy_pass http://$UPSTREAM;\n        proxy_set_header X-Forwarded-Host \$http_host;\n        proxy_set_header X-Forwarded-Proto \$scheme;\n        proxy_read_timeout 200ms;\n    }\n}#"
  contrib_block $((PORT + 3)) "" "$DEMO_UPSTREAM"
  echo "}"
} >"$STATE/nginx.conf.new"
mv "$STATE/nginx.conf.new" "$STATE/nginx.conf"
run_logged "nginx -t" "$NGINX" -t -p "$STATE" -c "$STATE/nginx.conf"

if running; then
  run_logged "nginx reload" "$NGINX" -p "$STATE" -c "$STATE/nginx.conf" -s reload
else
  for p in "$PORT" $((PORT + 1)) $((PORT + 2)) $((PORT + 3)); do
    [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] || die "TCP port $p is taken by another process (set NETBOX_PROXY_PORT)"
  done
  run_logged "nginx start" "$NGINX" -p "$STATE" -c "$STATE/nginx.conf"
fi
for _ in $(seq 50); do
  netbox_answers --cacert "$STATE/ca.crt" "https://127.0.0.1:$PORT/api/status/" && break
  sleep 0.2
done
netbox_answers --cacert "$STATE/ca.crt" "https://127.0.0.1:$PORT/api/status/" ||
  die "nginx does not answer https://127.0.0.1:$PORT/api/status/ with NetBox; $STATE/logs/error.log: $(tail -n 5 "$STATE/logs/error.log" 2>/dev/null)"
cat >"$ENV_FILE" <<EOF
NETBOX_PROXY_URL=https://127.0.0.1:$PORT
NETBOX_PROXY_SHORT_URL=https://127.0.0.1:$((PORT + 1))
NETBOX_PROXY_CUT_URL=https://127.0.0.1:$((PORT + 2))
NETBOX_PROXY_DEMO_URL=https://127.0.0.1:$((PORT + 3))
NETBOX_PROXY_CA=$STATE/ca.crt
NETBOX_PROXY_CERT=$STATE/server.crt
NETBOX_PROXY_KEY=$STATE/server.key
NETBOX_PROXY_LOGS=$STATE/logs
EOF
say "nginx $("$NGINX" -v 2>&1 | sed 's#.*/##') with NetBox's contrib server block: https://127.0.0.1:$PORT (contrib), :$((PORT + 1)) (5 s read timeout), :$((PORT + 2)) (5 s, 30 % of writes cut → 504) → http://$UPSTREAM; :$((PORT + 3)) → http://$DEMO_UPSTREAM; CA $STATE/ca.crt"
