#!/usr/bin/env bash
# n8n 2.41.1 in queue mode with this package: a main process (editor, API, triggers), two
# workers (they run every production execution) and a webhook processor (it takes the
# webhook calls, Wait-node resumes included, and puts them on the queue), sharing
# PostgreSQL and Redis — the ones scripts/services/netbox.sh installs for NetBox, with a
# database, a role and a Redis DB index of their own.
#
# Usage:  scripts/services/n8n-queue.sh start    install (via n8n.sh install), create the
#                                                database and role, start the 4 processes
#                                                (idempotent: restarts them when the package
#                                                changed or one of them is down); prints the
#                                                main URL, then the webhook URL.
#         scripts/services/n8n-queue.sh stop     stop the 4 processes (and their task runners).
#         scripts/services/n8n-queue.sh status   one line per process; exit 1 if any is down.
#         scripts/services/n8n-queue.sh reset    stop, then drop the database and flush the
#                                                Redis DB (a fresh n8n: no owner, no workflows).
#         scripts/services/n8n-queue.sh cli ARGS the n8n CLI on the same database.
#         scripts/services/n8n-queue.sh env      the environment the processes share (sourceable).
#
# Ports (127.0.0.1; N8N_QUEUE_PORT=5690 moves them all): main 5690, webhook processor 5691,
# worker 1 / 2 health servers 5692 / 5693; task-runner brokers 15690 (main), 15691
# (webhook), 15692 / 15693 (workers), 25690 (CLI).
# Database n8n_queue (role n8n_queue), Redis DB 8 (NetBox uses 0-1, its demo 2-3).
# State: <repo>/.cache/n8n/queue/ (N8N_USER_FOLDER): pids/*.pid, logs/*.log, the package.
# Secrets (database password, N8N_ENCRYPTION_KEY) belong to this machine's database, not to
# one clone: ${XDG_CONFIG_HOME:-~/.config}/n8n-nodes-netbox-auto/n8n-queue-secrets.env.
# Tunables: N8N_QUEUE_PORT, N8N_QUEUE_WORKER_CONCURRENCY (10), N8N_QUEUE_REDIS_DB (8),
#           N8N_START_TIMEOUT (120 s), NETBOX_AUTO_SKIP_BUILD=1 / NETBOX_AUTO_TARBALL (n8n.sh).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N8N_SH="$REPO/scripts/services/n8n.sh"
CACHE="$REPO/.cache/n8n"
NODE_BIN="$CACHE/node24/node_modules/node/bin/node"
N8N_JS="$CACHE/app/node_modules/n8n/bin/n8n"
USER_FOLDER="${N8N_QUEUE_USER_FOLDER:-$CACHE/queue}"
BASE_PORT="${N8N_QUEUE_PORT:-5690}"
MAIN_PORT="$BASE_PORT"
WEBHOOK_PORT=$((BASE_PORT + 1))
WORKER_PORTS=($((BASE_PORT + 2)) $((BASE_PORT + 3)))
CLI_BROKER_PORT=$((BASE_PORT + 20000))
CONCURRENCY="${N8N_QUEUE_WORKER_CONCURRENCY:-10}"
REDIS_PORT="${REDIS_PORT:-6379}"
REDIS_DB="${N8N_QUEUE_REDIS_DB:-8}"
DB_NAME=n8n_queue
DB_USER=n8n_queue
START_TIMEOUT="${N8N_START_TIMEOUT:-120}"
PIDS="$USER_FOLDER/pids"
LOGS="$USER_FOLDER/logs"
MAIN_URL="http://127.0.0.1:$MAIN_PORT"
WEBHOOK_URL="http://127.0.0.1:$WEBHOOK_PORT"
SECRETS="${XDG_CONFIG_HOME:-$HOME/.config}/n8n-nodes-netbox-auto/n8n-queue-secrets.env"
PROCESSES=(main worker1 worker2 webhook)

LIB_NAME=n8n-queue.sh
# shellcheck source=scripts/services/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lib_err_trap
say() { echo "$LIB_NAME: $*" >&2; }

port_taken() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
# The process name's HTTP port (health server for a worker) and task-runner broker port.
http_port() {
  case "$1" in main) echo "$MAIN_PORT" ;; webhook) echo "$WEBHOOK_PORT" ;; worker1) echo "${WORKER_PORTS[0]}" ;; worker2) echo "${WORKER_PORTS[1]}" ;; esac
}
broker_port() { echo $(($(http_port "$1") + 10000)); }
command_of() { case "$1" in main) echo start ;; webhook) echo webhook ;; worker*) echo worker ;; esac; }
# Every process we start carries N8N_QUEUE_PROCESS=<name>@<user folder> in its environment:
# a recycled pid is never taken for ours.
mark() { echo "N8N_QUEUE_PROCESS=$1@$USER_FOLDER"; }
alive() { pid_alive "$PIDS/$1.pid" "$(mark "$1")"; }
ready() { curl -fsS -m 2 "http://127.0.0.1:$(http_port "$1")/healthz/readiness" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------
# PostgreSQL and Redis: NetBox's. Start them through netbox.sh when they are down.
pg_port() { pg_lsclusters -h 2>/dev/null | awk '$4 == "online" {print $3; exit}'; }
ensure_backends() {
  local port
  port="$(pg_port || true)"
  if [ -z "$port" ] || ! pg_isready -q -h 127.0.0.1 -p "$port" ||
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" != PONG ]; then
    say "PostgreSQL or Redis is not running: starting them with scripts/services/netbox.sh"
    env -u NETBOX_URL -u NETBOX_TOKEN bash "$REPO/scripts/services/netbox.sh" >&2 ||
      die "scripts/services/netbox.sh failed: PostgreSQL and Redis are needed"
    port="$(pg_port || true)"
  fi
  [ -n "$port" ] && pg_isready -q -h 127.0.0.1 -p "$port" || die "PostgreSQL is not accepting connections (pg_lsclusters: $(pg_lsclusters -h 2>&1 | tr '\n' ' '))"
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = PONG ] || die "Redis does not answer on 127.0.0.1:$REDIS_PORT"
  PG_PORT="$port"
}

load_secrets() {
  mkdir -p "$(dirname "$SECRETS")"
  if [ ! -f "$SECRETS" ]; then
    gen() { head -c 256 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c "$1"; }
    umask 077
    { echo "DB_PASSWORD=$(gen 32)"; echo "ENCRYPTION_KEY=$(gen 48)"; } >"$SECRETS.tmp"
    mv "$SECRETS.tmp" "$SECRETS"
    umask 022
  fi
  # shellcheck disable=SC1090
  . "$SECRETS"
  [ -n "${DB_PASSWORD:-}" ] && [ -n "${ENCRYPTION_KEY:-}" ] || die "$SECRETS lacks DB_PASSWORD or ENCRYPTION_KEY"
}

psql_admin() { as_root runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qtAX "$@"; }
ensure_database() {
  if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" != 1 ]; then
    run_logged "create-role" psql_admin -c "CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD'"
  elif ! PGPASSWORD="$DB_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d postgres -qtAXc 'SELECT 1' >/dev/null 2>&1; then
    run_logged "reset-role-password" psql_admin -c "ALTER ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD'"
  fi
  if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" != 1 ]; then
    run_logged "create-database" psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
  fi
  PGPASSWORD="$DB_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" -qtAXc 'SELECT 1' >/dev/null 2>&1 ||
    die "cannot log in to database $DB_NAME as $DB_USER on 127.0.0.1:$PG_PORT"
}

# The environment every process shares (server, workers, webhook processor, CLI).
queue_env() {
  export N8N_USER_FOLDER="$USER_FOLDER"
  export N8N_LISTEN_ADDRESS=127.0.0.1
  export N8N_WORKER_SERVER_ADDRESS=127.0.0.1
  export N8N_HOST=127.0.0.1
  export N8N_PROTOCOL=http
  export N8N_EDITOR_BASE_URL="$MAIN_URL/"
  # Production webhook URLs and Wait-node resume URLs ($execution.resumeUrl) point at the
  # webhook processor; the main process serves no production webhooks.
  export N8N_WEBHOOK_URL="$WEBHOOK_URL/"
  export N8N_DISABLE_PRODUCTION_MAIN_PROCESS=true
  export EXECUTIONS_MODE=queue
  export QUEUE_BULL_REDIS_HOST=127.0.0.1
  export QUEUE_BULL_REDIS_PORT="$REDIS_PORT"
  export QUEUE_BULL_REDIS_DB="$REDIS_DB"
  export QUEUE_HEALTH_CHECK_ACTIVE=true
  export N8N_ENCRYPTION_KEY="$ENCRYPTION_KEY"
  export DB_TYPE=postgresdb
  export DB_POSTGRESDB_HOST=127.0.0.1
  export DB_POSTGRESDB_PORT="$PG_PORT"
  export DB_POSTGRESDB_DATABASE="$DB_NAME"
  export DB_POSTGRESDB_USER="$DB_USER"
  export DB_POSTGRESDB_PASSWORD="$DB_PASSWORD"
  export N8N_DIAGNOSTICS_ENABLED=false
  export N8N_PERSONALIZATION_ENABLED=false
  export N8N_VERSION_NOTIFICATIONS_ENABLED=false
  export N8N_TEMPLATES_ENABLED=false
  export N8N_HIRING_BANNER_ENABLED=false
  export N8N_SECURE_COOKIE=false
  export N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=true
  export N8N_LOG_OUTPUT=console
  export N8N_LOG_LEVEL="${N8N_LOG_LEVEL:-info}"
  export NODE_ENV=production
  export GENERIC_TIMEZONE="${GENERIC_TIMEZONE:-$(cat /etc/timezone 2>/dev/null || echo UTC)}"
  export PATH="$(dirname "$NODE_BIN"):$PATH"
  unset N8N_PORT N8N_RUNNERS_BROKER_PORT QUEUE_HEALTH_CHECK_PORT
}

prepare() {
  ensure_backends
  load_secrets
  ensure_database
  queue_env
}

# ---------------------------------------------------------------------------------------
do_install() {
  local before="" after
  [ -f "$USER_FOLDER/package.sha256" ] && before="$(cat "$USER_FOLDER/package.sha256")"
  mkdir -p "$USER_FOLDER" "$PIDS" "$LOGS"
  # Node 24, n8n and the packed package in our user folder: n8n.sh does it as for plain n8n.
  # N8N_LINE=2: always the 2.41.1 line (n8n.sh's default), whatever the caller's N8N_LINE.
  N8N_LINE=2 N8N_USER_FOLDER="$USER_FOLDER" bash "$N8N_SH" install >"$LOGS/install.log" 2>&1 ||
    die "scripts/services/n8n.sh install failed; last lines of $LOGS/install.log:
$(tail -n 30 "$LOGS/install.log")"
  after="$(cat "$USER_FOLDER/package.sha256" 2>/dev/null || true)"
  [ "$before" = "$after" ] && PACKAGE_CHANGED=0 || PACKAGE_CHANGED=1
}

stop_one() {
  local name="$1" pid
  alive "$name" || { rm -f "$PIDS/$name.pid"; return 0; }
  pid="$(cat "$PIDS/$name.pid")"
  say "stopping $name (pid $pid)"
  # The process group: n8n and its task runner child. A worker finishes its running jobs
  # first (n8n waits up to N8N_GRACEFUL_SHUTDOWN_TIMEOUT, 30 s).
  stop_pidfile "$PIDS/$name.pid" "$(mark "$name")" 40 TERM || true
}

do_stop() {
  local name
  # Webhook processor first (no new work), workers, then main.
  for name in webhook worker1 worker2 main; do stop_one "$name"; done
}

start_one() {
  local name="$1" port broker cmd log
  port="$(http_port "$name")"; broker="$(broker_port "$name")"; cmd="$(command_of "$name")"
  log="$LOGS/$name.log"
  port_taken "$port" && die "TCP port $port ($name) is taken by another process (set N8N_QUEUE_PORT)"
  port_taken "$broker" && die "TCP port $broker ($name's task-runner broker) is taken by another process (set N8N_QUEUE_PORT)"
  local args=("$cmd")
  [ "$cmd" = worker ] && args+=("--concurrency=$CONCURRENCY")
  echo "--- $(date -Is) n8n-queue.sh start $name" >>"$log"
  if [ "$cmd" = worker ]; then
    env "$(mark "$name")" QUEUE_HEALTH_CHECK_PORT="$port" N8N_PORT=$((port + 100)) N8N_RUNNERS_BROKER_PORT="$broker" \
      setsid "$NODE_BIN" "$N8N_JS" "${args[@]}" </dev/null >>"$log" 2>&1 &
  else
    env "$(mark "$name")" N8N_PORT="$port" N8N_RUNNERS_BROKER_PORT="$broker" \
      setsid "$NODE_BIN" "$N8N_JS" "${args[@]}" </dev/null >>"$log" 2>&1 &
  fi
  echo $! >"$PIDS/$name.pid"
}

wait_ready() {
  local name="$1" log="$LOGS/$1.log" deadline
  deadline=$(($(date +%s) + START_TIMEOUT))
  until ready "$name"; do
    if ! launched_alive "$PIDS/$name.pid"; then
      rm -f "$PIDS/$name.pid"
      die "$name exited during start-up; last lines of $log:
$(tail -n 40 "$log")"
    fi
    [ "$(date +%s)" -lt "$deadline" ] || die "$name did not answer http://127.0.0.1:$(http_port "$name")/healthz/readiness within ${START_TIMEOUT}s; last lines of $log:
$(tail -n 40 "$log")"
    sleep 0.5
  done
}

all_up() {
  local name
  for name in "${PROCESSES[@]}"; do alive "$name" && ready "$name" || return 1; done
}

do_start() {
  do_install
  prepare
  if all_up && [ "$PACKAGE_CHANGED" = 0 ]; then
    say "already running: main $MAIN_URL, webhook processor $WEBHOOK_URL, workers :${WORKER_PORTS[0]} :${WORKER_PORTS[1]}"
    echo "$MAIN_URL"; echo "$WEBHOOK_URL"
    return 0
  fi
  [ "$PACKAGE_CHANGED" = 1 ] && say "the package changed (or first start): (re)starting all processes"
  do_stop
  # The main process first: it runs the database migrations the others wait for.
  start_one main
  wait_ready main
  local name
  for name in worker1 worker2 webhook; do start_one "$name"; done
  for name in worker1 worker2 webhook; do wait_ready "$name"; done
  say "n8n 2.41.1 in queue mode: main $MAIN_URL (pid $(cat "$PIDS/main.pid")), webhook processor $WEBHOOK_URL (pid $(cat "$PIDS/webhook.pid")), workers pid $(cat "$PIDS/worker1.pid") :${WORKER_PORTS[0]} and pid $(cat "$PIDS/worker2.pid") :${WORKER_PORTS[1]}; logs in $LOGS"
  echo "$MAIN_URL"; echo "$WEBHOOK_URL"
}

do_status() {
  local name bad=0
  for name in "${PROCESSES[@]}"; do
    if alive "$name" && ready "$name"; then
      echo "$name: running, pid $(cat "$PIDS/$name.pid"), http://127.0.0.1:$(http_port "$name") (task-runner broker :$(broker_port "$name")), log $LOGS/$name.log"
    elif alive "$name"; then
      echo "$name: pid $(cat "$PIDS/$name.pid") alive but not ready on :$(http_port "$name")"; bad=1
    else
      echo "$name: not running"; bad=1
    fi
  done
  return "$bad"
}

do_reset() {
  do_stop
  ensure_backends
  load_secrets
  run_logged "drop-database" psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)"
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -n "$REDIS_DB" FLUSHDB 2>&1)" = OK ] ||
    die "redis FLUSHDB failed on 127.0.0.1:$REDIS_PORT db $REDIS_DB"
  rm -f "$USER_FOLDER"/netbox-auto-*.created "$USER_FOLDER"/netbox-auto-*.imported
  say "dropped database $DB_NAME and flushed Redis DB $REDIS_DB"
}

do_cli() {
  [ -x "$NODE_BIN" ] && [ -f "$N8N_JS" ] || die "n8n is not installed: run $0 start (or scripts/services/n8n.sh install) first"
  mkdir -p "$USER_FOLDER" "$LOGS"
  prepare
  export N8N_PORT=$((BASE_PORT + 200)) N8N_RUNNERS_BROKER_PORT="$CLI_BROKER_PORT"
  exec "$NODE_BIN" "$N8N_JS" "$@"
}

case "${1:-}" in
  start) do_start ;;
  stop) do_stop; say "stopped" ;;
  status) do_status || exit 1 ;;
  reset) do_reset ;;
  install) do_install; prepare; say "installed; database $DB_NAME ready" ;;
  cli) shift; do_cli "$@" ;;
  env) prepare; env | grep -E "^(N8N_|DB_|EXECUTIONS_MODE|QUEUE_|GENERIC_TIMEZONE|NODE_ENV)=" | grep -v PASSWORD | grep -v ENCRYPTION_KEY | sed 's/^/export /' ;;
  *) die "usage: $0 start|stop|status|reset|cli ARGS…|env" ;;
esac
