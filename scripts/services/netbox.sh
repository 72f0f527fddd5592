#!/usr/bin/env bash
# Bring up a real NetBox (PyPI package `netbox`) on PostgreSQL + Redis, on 127.0.0.1,
# for the test suite, and write <repo>/.cache/netbox.env (NETBOX_URL, NETBOX_TOKEN).
#
# Usage:  scripts/services/netbox.sh          start (idempotent; a second run takes seconds)
#         scripts/services/netbox.sh stop     stop the server this script started
#
# Existing NetBox: export NETBOX_URL and NETBOX_TOKEN; the script then only checks
# GET $NETBOX_URL/api/status/ with that token and writes the env file.
#
# Tunables: NETBOX_PORT (8765), NETBOX_WORKERS (contrib/gunicorn.py's 5), NETBOX_PYTHON (python3.12 to use),
#           REDIS_PORT (6379), NETBOX_START_TIMEOUT (120 s).
# State lives under <repo>/.cache/netbox/ (git-ignored): venv/, root/ (NETBOX_ROOT with
# conf/configuration.py), server.log, server.pid, logs/.
set -euo pipefail

NETBOX_VERSION=4.7.3
GUNICORN_VERSION=26.2.0 # the version netbox 4.7.3 itself pins
PORT="${NETBOX_PORT:-8765}"
WORKERS="${NETBOX_WORKERS:-}" # empty: contrib/gunicorn.py's 5
REDIS_PORT="${REDIS_PORT:-6379}"
START_TIMEOUT="${NETBOX_START_TIMEOUT:-120}"
APT_PACKAGES=(postgresql redis-server libpq-dev build-essential libffi-dev libssl-dev zlib1g-dev)

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$REPO/.cache"
STATE="$CACHE/netbox"
VENV="$STATE/venv"
ROOT="$STATE/root"
LOGS="$STATE/logs"
# The secrets belong to this machine's PostgreSQL role and NetBox database, not to one
# clone of the repo: every clone (a CI checkout too) must use the same ones.
SECRETS="${XDG_CONFIG_HOME:-$HOME/.config}/n8n-nodes-netbox-auto/netbox-secrets.env"
PIDFILE="$STATE/server.pid"
SERVER_LOG="$STATE/server.log"
ENV_FILE="$CACHE/netbox.env"
LOCAL_URL="http://127.0.0.1:$PORT"

LIB_NAME=netbox.sh
# shellcheck source=scripts/services/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lib_err_trap

# ---------------------------------------------------------------------------------------
if [ "${1:-}" = stop ]; then
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    kill "$(cat "$PIDFILE")"; rm -f "$PIDFILE"; say "stopped server"
  else
    say "no server started by this script is running"
  fi
  exit 0
fi

# ---------------------------------------------------------------------------------------
# 1. An existing NetBox given by the user.
if [ -n "${NETBOX_URL:-}" ] && [ -n "${NETBOX_TOKEN:-}" ]; then
  phase "check existing NetBox"
  status_check "$NETBOX_URL" "$NETBOX_TOKEN" ||
    die "GET ${NETBOX_URL%/}/api/status/ with NETBOX_TOKEN failed: $STATUS_ERR"
  write_env_file "$ENV_FILE" "NETBOX_URL=${NETBOX_URL%/}" "NETBOX_TOKEN=$NETBOX_TOKEN"
  done_phase "NetBox $(printf '%s' "$STATUS_BODY" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("netbox-version","?"))')"
  say "wrote $ENV_FILE"
  exit 0
fi

mkdir -p "$STATE" "$LOGS"
chmod 700 "$STATE"
# One run at a time (parallel test jobs may all call this script).
exec 9>"$STATE/.lock"
flock -w 900 9 || die "another netbox.sh run holds $STATE/.lock"

# ---------------------------------------------------------------------------------------
# 2. Debian packages, PostgreSQL, Redis.
phase "apt packages"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  run_logged "apt-get update" as_root apt-get update
  run_logged "apt-get install" as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
fi
done_phase "${#missing[@]} installed"

phase "postgresql"
# Pick the newest installed major version's cluster (postinst creates "main" even when
# policy-rc.d keeps the service from starting).
PG_VER="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)"
[ -n "$PG_VER" ] || die "postgresql: no server under /usr/lib/postgresql"
PG_CLUSTER="$(pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VER" '$1==v {print $2; exit}')"
if [ -z "$PG_CLUSTER" ]; then
  run_logged "pg_createcluster" as_root pg_createcluster "$PG_VER" main
  PG_CLUSTER=main
fi
PG_PORT="$(pg_lsclusters -h | awk -v v="$PG_VER" -v c="$PG_CLUSTER" '$1==v && $2==c {print $3}')"
if ! pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then
  # setsid: keep the postmaster out of our caller's process group.
  # 9>&-: daemons started here must not keep this script's lock (fd 9) for as long as they run.
  run_logged "postgresql start" as_root setsid pg_ctlcluster "$PG_VER" "$PG_CLUSTER" start 9>&-
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "postgresql: $PG_VER/$PG_CLUSTER did not accept connections on port $PG_PORT"
fi

# Secrets are generated once and kept: a new SECRET_KEY or pepper would invalidate tokens.
mkdir -p "$(dirname "$SECRETS")"
[ -f "$SECRETS" ] || [ ! -f "$STATE/secrets.env" ] || cp -p "$STATE/secrets.env" "$SECRETS" # older layout
if [ ! -f "$SECRETS" ]; then
  gen() { python3 -c 'import secrets,string,sys; a=string.ascii_letters+string.digits; print("".join(secrets.choice(a) for _ in range(int(sys.argv[1]))))' "$1"; }
  umask 077
  {
    echo "DB_PASSWORD=$(gen 32)"
    echo "SECRET_KEY=$(gen 64)"
    echo "PEPPER=$(gen 64)"
    echo "ADMIN_PASSWORD=$(gen 24)"
  } >"$SECRETS.tmp"
  mv "$SECRETS.tmp" "$SECRETS"
  umask 022
fi
# shellcheck disable=SC1090
. "$SECRETS"

psql_admin() { as_root runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qtAX "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='netbox'")" != 1 ]; then
  run_logged "create db role" psql_admin -c "CREATE ROLE netbox LOGIN PASSWORD '$DB_PASSWORD'"
elif ! PGPASSWORD="$DB_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U netbox -d postgres -qtAXc 'SELECT 1' >/dev/null 2>&1; then
  run_logged "reset db role password" psql_admin -c "ALTER ROLE netbox LOGIN PASSWORD '$DB_PASSWORD'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname='netbox'")" != 1 ]; then
  run_logged "create database" psql_admin -c "CREATE DATABASE netbox OWNER netbox"
fi
done_phase "$PG_VER/$PG_CLUSTER port $PG_PORT"

phase "redis"
if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" != PONG ]; then
  run_logged "redis start" redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
    --save '' --appendonly no --dir "$STATE" --logfile "$STATE/redis.log" 9>&-
  for _ in $(seq 20); do [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = PONG ] && break; sleep 0.5; done
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = PONG ] ||
    die "redis: not answering on 127.0.0.1:$REDIS_PORT (see $STATE/redis.log)"
fi
done_phase

# ---------------------------------------------------------------------------------------
# 3. Python venv, netbox + gunicorn, configuration, migrations, superuser.
phase "pip install"
find_python() {
  local c
  for c in "${NETBOX_PYTHON:-}" "$(command -v python3.12 || true)" \
    "$(pyenv prefix 3.12 2>/dev/null || true)/bin/python3.12" \
    "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12; do
    [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys; sys.exit(sys.version_info[:2] < (3,12))' 2>/dev/null && { echo "$c"; return; }
  done
  return 1
}
PY="$VENV/bin/python"
if [ ! -x "$PY" ] || ! "$PY" -c 'import sys' 2>/dev/null; then
  BASE_PY="$(find_python)" || die "pip install failed: no Python >= 3.12 found (set NETBOX_PYTHON)"
  rm -rf "$VENV"
  run_logged "venv" "$BASE_PY" -m venv "$VENV"
fi
installed_versions() {
  "$PY" - <<'EOF' 2>/dev/null || true
from importlib.metadata import version
out = []
for p in ("netbox", "gunicorn"):
    try:
        out.append(version(p))
    except Exception:
        out.append("-")
print(" ".join(out))
EOF
}
if [ "$(installed_versions)" != "$NETBOX_VERSION $GUNICORN_VERSION" ]; then
  run_logged "pip install" "$PY" -m pip install --disable-pip-version-check \
    "netbox==$NETBOX_VERSION" "gunicorn==$GUNICORN_VERSION"
  [ "$(installed_versions)" = "$NETBOX_VERSION $GUNICORN_VERSION" ] ||
    die "pip install failed: installed versions are '$(installed_versions)'"
  done_phase "netbox $NETBOX_VERSION, gunicorn $GUNICORN_VERSION"
else
  done_phase "already installed"
fi

export NETBOX_ROOT="$ROOT"
NB=("$VENV/bin/netbox")

phase "configure"
if [ ! -f "$ROOT/conf/__init__.py" ]; then
  run_logged "netbox setup" "${NB[@]}" setup --target "$ROOT"
fi
CONF="$ROOT/conf/configuration.py"
CONF_NEW="$(mktemp)"
netbox_configuration netbox 0 1 >"$CONF_NEW"
if ! cmp -s "$CONF_NEW" "$CONF"; then
  install -m 600 "$CONF_NEW" "$CONF"
  CONF_CHANGED=1
else
  CONF_CHANGED=0
fi
rm -f "$CONF_NEW"
done_phase

phase "migrations"
STAMP="$STATE/upgraded.stamp"
STAMP_WANT="netbox $NETBOX_VERSION db $PG_VER/$PG_CLUSTER:$PG_PORT"
nbpsql() { PGPASSWORD="$DB_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U netbox -d netbox -qtAX "$@" 2>/dev/null; }
if [ "$(cat "$STAMP" 2>/dev/null || true)" = "$STAMP_WANT" ] &&
  [ "$(nbpsql -c "SELECT 1 FROM django_migrations WHERE app='users' LIMIT 1" || true)" = 1 ]; then
  done_phase "up to date"
else
  rm -f "$STAMP"
  run_logged "migrations" "${NB[@]}" upgrade --no-input
  echo "$STAMP_WANT" >"$STAMP"
  done_phase "netbox upgrade --no-input"
fi

phase "superuser"
if [ "$(nbpsql -c "SELECT 1 FROM users_user WHERE username='admin'" || true)" != 1 ]; then
  run_logged "createsuperuser" env DJANGO_SUPERUSER_PASSWORD="$ADMIN_PASSWORD" \
    "${NB[@]}" createsuperuser --no-input --username admin --email admin@example.invalid
  done_phase "created admin"
else
  # A fresh clone makes new secrets: keep the existing admin's password in step with them.
  run_logged "set admin password" "${NB[@]}" shell -c \
    "from users.models import User; u = User.objects.get(username='admin'); u.set_password('$ADMIN_PASSWORD'); u.save()"
  done_phase "admin exists (password set)"
fi

# ---------------------------------------------------------------------------------------
# 4. Server.
phase "server"
our_pid() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
read -r code apiver < <(api_probe "$LOCAL_URL") || true
if [ -n "${code:-}" ]; then
  [ -n "${apiver:-}" ] || die "server: 127.0.0.1:$PORT answers (HTTP $code) but is not NetBox (no API-Version header); set NETBOX_PORT"
  if [ "$CONF_CHANGED" = 1 ] && our_pid; then
    say "configuration changed: restarting server"
    kill "$(cat "$PIDFILE")"
    for _ in $(seq 30); do our_pid || break; sleep 0.5; done
    code=""
  else
    done_phase "reusing the NetBox already answering on :$PORT (API-Version $apiver)"
  fi
fi
# 9>&-: the server must not inherit the lock on fd 9, or it would hold it for as long as
# it runs and the next run of this script would wait for it.
start_server() { # start_server gunicorn|runserver: launch detached, pid to $PIDFILE
  if [ "$1" = gunicorn ]; then
    # NetBox's own contrib/gunicorn.py (written by `netbox setup`: 5 workers x 3 threads,
    # timeout 120, max_requests 5000), as a deployment runs it; the command line only
    # moves the address (and the workers, when NETBOX_WORKERS asks).
    setsid "$VENV/bin/gunicorn" netbox.wsgi:application -c "$ROOT/contrib/gunicorn.py" \
      --bind "127.0.0.1:$PORT" ${WORKERS:+--workers "$WORKERS"} \
      --access-logfile - --error-logfile - \
      </dev/null >>"$SERVER_LOG" 2>&1 9>&- &
  else
    setsid "${NB[@]}" runserver "127.0.0.1:$PORT" --insecure --noreload \
      </dev/null >>"$SERVER_LOG" 2>&1 9>&- &
  fi
  echo $! >"$PIDFILE"
}
if [ -z "${code:-}" ]; then
  : >"$SERVER_LOG"
  if "$PY" -c 'import gunicorn' 2>/dev/null; then MODE=gunicorn; else MODE=runserver; fi
  start_server "$MODE"
  deadline=$(($(date +%s) + START_TIMEOUT))
  while :; do
    read -r code apiver < <(api_probe "$LOCAL_URL") || true
    [ -n "${code:-}" ] && break
    if ! our_pid; then
      if [ "$MODE" = gunicorn ]; then
        # e.g. "Worker failed to boot": try Django's runserver once before giving up.
        say "gunicorn exited (last lines below); falling back to runserver --insecure --noreload"
        tail -n 15 "$SERVER_LOG" >&2
        MODE=runserver
        start_server "$MODE"
        continue
      fi
      die "server ($MODE) exited; last 40 lines of $SERVER_LOG:
$(tail -n 40 "$SERVER_LOG")"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      die "server ($MODE) did not answer /api/status/ within ${START_TIMEOUT}s; last 40 lines of $SERVER_LOG:
$(tail -n 40 "$SERVER_LOG")"
    fi
    sleep 1
  done
  [ -n "${apiver:-}" ] || die "server: 127.0.0.1:$PORT answers (HTTP $code) without an API-Version header; last 40 lines of $SERVER_LOG:
$(tail -n 40 "$SERVER_LOG")"
  done_phase "$MODE on 127.0.0.1:$PORT, pid $(cat "$PIDFILE")"
fi

# ---------------------------------------------------------------------------------------
# 5. API token for admin.
phase "token"
TOKEN=""
if [ -f "$ENV_FILE" ]; then
  old_url="$(sed -n 's/^NETBOX_URL=//p' "$ENV_FILE")"
  old_token="$(sed -n 's/^NETBOX_TOKEN=//p' "$ENV_FILE")"
  if [ "$old_url" = "$LOCAL_URL" ] && [ -n "$old_token" ] && status_check "$LOCAL_URL" "$old_token"; then
    TOKEN="$old_token"
  fi
fi
if [ -z "$TOKEN" ]; then
  resp="$(mktemp)"
  chmod 600 "$resp"
  # Credentials go in the body through stdin, not the command line.
  http="$("$PY" -c 'import json,sys; print(json.dumps({"username":"admin","password":sys.argv[1],"write_enabled":True,"description":"n8n-nodes-netbox-auto tests (scripts/services/netbox.sh)"}))' "$ADMIN_PASSWORD" |
    curl -sS -m 60 -o "$resp" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Accept: application/json' \
      --data-binary @- "$LOCAL_URL/api/users/tokens/provision/" 2>&1)" || true
  if [ "$http" = 201 ]; then
    TOKEN="$("$PY" - "$resp" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
if d.get("version") == 2 or (d.get("key") and not str(d.get("token", "")).startswith("nbt_")):
    print(f"nbt_{d['key']}.{d['token']}")
else:
    print(d["token"])
EOF
)"
    how="provisioned via /api/users/tokens/provision/"
  else
    say "token provisioning answered HTTP $http: $(head -c 300 "$resp"); falling back to netbox shell"
    out="$LOGS/token-shell.log"
    if ! "${NB[@]}" shell -c '
from users.models import Token, User
t = Token(user=User.objects.get(username="admin"), write_enabled=True,
          description="n8n-nodes-netbox-auto tests (scripts/services/netbox.sh, shell)")
t.full_clean(); t.save()
print("TOKEN=" + (t.get_auth_header_prefix().split(" ", 1)[1] + t.token if t.v2 else t.token))
' >"$out" 2>&1; then
      rm -f "$resp"; die "token failed: netbox shell: $(tail -n 20 "$out")"
    fi
    TOKEN="$(sed -n 's/^TOKEN=//p' "$out" | tail -n 1)"
    : >"$out"
    how="created via netbox shell"
  fi
  rm -f "$resp"
  [ -n "$TOKEN" ] || die "token failed: empty token"
else
  how="reused from $ENV_FILE"
fi
status_check "$LOCAL_URL" "$TOKEN" || die "token failed: GET /api/status/ with the token: $STATUS_ERR"
write_env_file "$ENV_FILE" "NETBOX_URL=$LOCAL_URL" "NETBOX_TOKEN=$TOKEN"
done_phase "$how"

say "NetBox $(printf '%s' "$STATUS_BODY" | json_field netbox-version) at $LOCAL_URL; wrote $ENV_FILE (token format: $(case "$TOKEN" in nbt_*) echo "v2, nbt_<key>.<secret>, Bearer" ;; *) echo "v1, Token" ;; esac))"
say "total $(($(date +%s) - T0))s"
