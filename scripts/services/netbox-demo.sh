#!/usr/bin/env bash
# A second, "brownfield" NetBox for the tests: NetBox's own demo data (72 devices, 108 cables,
# 180 VMs, 6 VRFs, ...; test/fixtures/netbox-demo/) served by a second NetBox process on
# 127.0.0.1:${NETBOX_DEMO_PORT:-8766}, on its own database `netbox_demo`. Writes
# <repo>/.cache/netbox-demo.env (NETBOX_DEMO_URL, NETBOX_DEMO_TOKEN).
#
# Every start is a reset: it stops the server it started before, drops and re-creates the
# database, loads the dump again and flushes its Redis DBs, so each test run gets the same
# pristine brownfield (15-20 s on 2 cores). Do not run it while a test uses the demo NetBox.
#
# Usage:  scripts/services/netbox-demo.sh          (re)start with pristine data
#         scripts/services/netbox-demo.sh stop     stop the server this script started
#
# Needs scripts/services/netbox.sh to have run first: it reuses its venv
# (.cache/netbox/venv), PostgreSQL cluster, database role `netbox`, Redis server and secrets
# (~/.config/n8n-nodes-netbox-auto/netbox-secrets.env).
#
# Tunables: NETBOX_DEMO_PORT (8766), NETBOX_DEMO_WORKERS (2), NETBOX_DEMO_START_TIMEOUT (120 s),
#           NETBOX_DEMO_DB (netbox_demo; dropped on every start, so never the main `netbox`).
# State lives under <repo>/.cache/netbox-demo/ (git-ignored): root/ (NETBOX_ROOT with
# conf/configuration.py), server.log, server.pid, logs/.
set -euo pipefail

LIB_NAME=netbox-demo.sh
# shellcheck source=scripts/services/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lib_err_trap

PORT="${NETBOX_DEMO_PORT:-8766}"
WORKERS="${NETBOX_DEMO_WORKERS:-2}"
START_TIMEOUT="${NETBOX_DEMO_START_TIMEOUT:-120}"
DB_NAME="${NETBOX_DEMO_DB:-netbox_demo}"
REDIS_TASKS_DB=2
REDIS_CACHE_DB=3

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$REPO/.cache"
MAIN_STATE="$CACHE/netbox"
VENV="$MAIN_STATE/venv"
MAIN_CONF="$MAIN_STATE/root/conf/configuration.py"
STATE="$CACHE/netbox-demo"
ROOT="$STATE/root"
LOGS="$STATE/logs"
PIDFILE="$STATE/server.pid"
SERVER_LOG="$STATE/server.log"
ENV_FILE="$CACHE/netbox-demo.env"
DUMP="$REPO/test/fixtures/netbox-demo/netbox-demo-v4.1-upgraded-4.7.3.sql.gz"
SECRETS="${XDG_CONFIG_HOME:-$HOME/.config}/n8n-nodes-netbox-auto/netbox-secrets.env"
LOCAL_URL="http://127.0.0.1:$PORT"
# What identifies our server in /proc/<pid>/environ (never stop another process, e.g. the
# main NetBox, whatever the pid file says).
SERVER_MARK="NETBOX_ROOT=$ROOT"

[[ "$DB_NAME" =~ ^[a-z_][a-z0-9_]*$ ]] && [ "$DB_NAME" != netbox ] && [ "$DB_NAME" != postgres ] ||
  die "NETBOX_DEMO_DB='$DB_NAME' is not a usable name for a database this script drops on every start"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "NETBOX_DEMO_PORT='$PORT' is not a port number"
mkdir -p "$STATE" "$LOGS"
chmod 700 "$STATE"

# ---------------------------------------------------------------------------------------
if [ "${1:-}" = stop ]; then
  rm -f "$ENV_FILE"
  if stop_pidfile "$PIDFILE" "$SERVER_MARK"; then say "stopped server"; else say "no server started by this script is running"; fi
  exit 0
fi
[ $# -eq 0 ] || die "unknown argument '$1' (usage: $0 [stop])"

# One run at a time.
exec 9>"$STATE/.lock"
flock -w 300 9 || die "another netbox-demo.sh run holds $STATE/.lock"

# ---------------------------------------------------------------------------------------
# 1. What scripts/services/netbox.sh must have set up.
phase "prerequisites"
NEED="run scripts/services/netbox.sh first (this script reuses its venv, PostgreSQL, Redis and secrets; with NETBOX_URL set it installs none: run it once without, env -u NETBOX_URL -u NETBOX_TOKEN bash scripts/services/netbox.sh)"
PY="$VENV/bin/python"
NB=("$VENV/bin/netbox")
[ -x "${NB[0]}" ] && "$PY" -c 'import netbox' 2>/dev/null || die "no NetBox venv at $VENV: $NEED"
[ -x "$VENV/bin/gunicorn" ] || die "no gunicorn in $VENV: $NEED"
[ -f "$MAIN_CONF" ] || die "no $MAIN_CONF: $NEED"
[ -f "$SECRETS" ] || die "no secrets file $SECRETS: $NEED"
[ -f "$DUMP" ] || die "the demo data dump $DUMP is missing (it is part of the repository)"
# shellcheck disable=SC1090
. "$SECRETS"
[ -n "${DB_PASSWORD:-}" ] && [ -n "${SECRET_KEY:-}" ] && [ -n "${PEPPER:-}" ] ||
  die "$SECRETS lacks DB_PASSWORD, SECRET_KEY or PEPPER: $NEED"
# PostgreSQL and Redis addresses as the main NetBox uses them (its configuration is the truth).
read -r PG_HOST PG_PORT REDIS_HOST REDIS_PORT < <("$PY" -c '
import runpy, sys
c = runpy.run_path(sys.argv[1])
d, r = c["DATABASES"]["default"], c["REDIS"]["caching"]
print(d.get("HOST") or "127.0.0.1", d.get("PORT") or 5432, r.get("HOST") or "127.0.0.1", r.get("PORT") or 6379)
' "$MAIN_CONF") || die "could not read the database and Redis addresses from $MAIN_CONF"
[ "$PG_HOST" = 127.0.0.1 ] && [ "$REDIS_HOST" = 127.0.0.1 ] ||
  die "the main NetBox's database ($PG_HOST) or Redis ($REDIS_HOST) is not on 127.0.0.1; refusing"
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL is not accepting connections on 127.0.0.1:$PG_PORT: $NEED"
[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = PONG ] ||
  die "Redis is not answering on 127.0.0.1:$REDIS_PORT: $NEED"
export PGPASSWORD="$DB_PASSWORD"
nbpsql() { psql -h 127.0.0.1 -p "$PG_PORT" -U netbox -v ON_ERROR_STOP=1 -qtAX "$@"; }
nbpsql -d postgres -c 'SELECT 1' >/dev/null 2>&1 ||
  die "cannot log in to PostgreSQL as role netbox with the password from $SECRETS: $NEED"
done_phase "PostgreSQL 127.0.0.1:$PG_PORT, Redis 127.0.0.1:$REDIS_PORT db $REDIS_TASKS_DB/$REDIS_CACHE_DB"

# ---------------------------------------------------------------------------------------
# 2. Stop the server of the previous run; the port must then be free.
phase "stop previous server"
rm -f "$ENV_FILE" # a failed start must not leave the old URL and token behind
# QUIT (gunicorn: quick shutdown; its master lingers ~3 s), SIGKILL after 1 s: the database
# is dropped next anyway.
if stop_pidfile "$PIDFILE" "$SERVER_MARK" 1 QUIT; then stopped="stopped"; else stopped="none running"; fi
read -r code apiver < <(api_probe "$LOCAL_URL") || true
[ -z "${code:-}" ] ||
  die "127.0.0.1:$PORT is in use by a server this script did not start (HTTP $code${apiver:+, API-Version $apiver}); stop it or set NETBOX_DEMO_PORT"
done_phase "$stopped"

# ---------------------------------------------------------------------------------------
# 3. NETBOX_ROOT and configuration (regenerated on every run).
phase "configure"
export NETBOX_ROOT="$ROOT"
[ -f "$ROOT/conf/__init__.py" ] || run_logged "netbox setup" "${NB[@]}" setup --target "$ROOT"
CONF_NEW="$(mktemp "$STATE/.configuration.XXXXXX")"
chmod 600 "$CONF_NEW"
netbox_configuration "$DB_NAME" "$REDIS_TASKS_DB" "$REDIS_CACHE_DB" >"$CONF_NEW"
mv -f "$CONF_NEW" "$ROOT/conf/configuration.py"
done_phase "$ROOT"

# ---------------------------------------------------------------------------------------
# 4. A pristine database: drop, create, load the dump.
phase "reset database"
psql_admin() { as_root runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qtAX "$@"; }
run_logged "drop database" psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)"
run_logged "create database" psql_admin -c "CREATE DATABASE $DB_NAME OWNER netbox"
done_phase "$DB_NAME dropped and created (owner netbox)"

phase "load dump"
# The dump is pg_dump --no-owner: the loading role (netbox, the one NetBox connects as) owns it all.
# synchronous_commit off: the dump is thousands of small statements, and a crash just means reloading.
load_dump() { gunzip -c "$DUMP" | PGOPTIONS="-c synchronous_commit=off" nbpsql -d "$DB_NAME" -o /dev/null; }
run_logged "load dump" load_dump
done_phase "$(basename "$DUMP")"

phase "check data"
counts="$(nbpsql -d "$DB_NAME" -F ' ' -c "SELECT
  (SELECT count(*) FROM django_migrations),
  (SELECT count(*) FROM django_migrations WHERE app = 'dcim'),
  (SELECT count(*) FROM dcim_device),
  (SELECT count(*) FROM users_user WHERE username = 'admin')" 2>&1)" ||
  die "the loaded database cannot be queried: $counts"
read -r n_migrations n_dcim n_devices n_admin <<<"$counts"
[ "${n_migrations:-0}" -gt 0 ] && [ "${n_dcim:-0}" -gt 0 ] ||
  die "django_migrations in $DB_NAME has ${n_migrations:-0} rows (dcim: ${n_dcim:-0}): the dump did not load as a migrated NetBox database"
[ "${n_devices:-0}" -gt 0 ] || die "the loaded database has no devices: $DUMP is not the demo data"
[ "${n_admin:-0}" = 1 ] || die "the loaded database has no user 'admin'"
done_phase "$n_migrations migrations applied, $n_devices devices"
unset PGPASSWORD # not for the server's environment (NetBox reads it from configuration.py)

phase "flush redis"
for db in "$REDIS_TASKS_DB" "$REDIS_CACHE_DB"; do
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -n "$db" FLUSHDB 2>&1)" = OK ] ||
    die "redis FLUSHDB failed on 127.0.0.1:$REDIS_PORT db $db"
done
done_phase "db $REDIS_TASKS_DB, $REDIS_CACHE_DB"

# ---------------------------------------------------------------------------------------
# 5. Server (detached: setsid keeps it out of our caller's process group; 9>&- keeps it from
#    inheriting the lock, which it would otherwise hold for its whole life). It boots while the
#    token is made below. --keep-alive 75 (nginx's default; gunicorn's own is 2 s): with 2 s, a
#    request sent on a pooled connection that idled > 2 s while the worker was busy is
#    sometimes reset unanswered, and a POST is not retried.
phase "start server"
: >"$SERVER_LOG"
setsid "$VENV/bin/gunicorn" netbox.wsgi:application \
  --bind "127.0.0.1:$PORT" --workers "$WORKERS" --threads 3 --timeout 120 --keep-alive 75 \
  --max-requests 5000 --max-requests-jitter 500 \
  --access-logfile - --error-logfile - --no-control-socket \
  </dev/null >>"$SERVER_LOG" 2>&1 9>&- &
echo $! >"$PIDFILE"
# A failed start leaves no half-started server behind.
trap 'rc=$?; [ "$rc" = 0 ] || stop_pidfile "$PIDFILE" "$SERVER_MARK" 5 QUIT || true' EXIT
done_phase "gunicorn, $WORKERS workers, pid $(cat "$PIDFILE")"

phase "token"

# No migration may be pending for the installed NetBox (the dump is at 4.7.3; a newer NetBox in
# the venv would need `netbox migrate`, which this script does not do). Then a v2 API token for
# the dump's user admin. The token only ever lives in a variable and the env file.
if ! out="$("${NB[@]}" shell -c '
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
executor = MigrationExecutor(connection)
executor.loader.check_consistent_history(connection)
plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
if plan:
    print("PENDING MIGRATIONS (%d): %s" % (len(plan), ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:10])))
    raise SystemExit(3)
from users.models import Token, User
t = Token(user=User.objects.get(username="admin"), write_enabled=True,
          description="n8n-nodes-netbox-auto brownfield tests (scripts/services/netbox-demo.sh)")
t.full_clean(); t.save()
print("TOKEN=" + (t.get_auth_header_prefix().split(" ", 1)[1] + t.token if t.v2 else t.token))
' 2>&1)"; then
  die "netbox shell (migration check + token) failed: $(tail -n 20 <<<"$out")"
fi
TOKEN="$(sed -n 's/^TOKEN=//p' <<<"$out" | tail -n 1)"
unset out
[ -n "$TOKEN" ] || die "token failed: netbox shell printed no token"
done_phase "no pending migrations; v2 token for admin"

phase "server ready"
wait_for_netbox "$LOCAL_URL" "$PIDFILE" "$START_TIMEOUT" "$SERVER_LOG"
status_check "$LOCAL_URL" "$TOKEN" || die "GET $LOCAL_URL/api/status/ with the new token failed: $STATUS_ERR"
version="$(printf '%s' "$STATUS_BODY" | json_field netbox-version)"
write_env_file "$ENV_FILE" "NETBOX_DEMO_URL=$LOCAL_URL" "NETBOX_DEMO_TOKEN=$TOKEN"
done_phase "API-Version $APIVER, token accepted"

say "NetBox $version with the demo data at $LOCAL_URL; wrote $ENV_FILE"
say "total $(($(date +%s) - T0))s"
