# Small helpers shared by scripts/services/*.sh. Source it; it defines functions only.
#
#   LIB_NAME=netbox-demo.sh   # prefix of messages (set before sourcing)
#   LOGS=/path/to/logs        # where run_logged writes (set before calling it)
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   lib_err_trap              # report the failing command on any error (set -e)
# shellcheck shell=bash

: "${LIB_NAME:=$(basename "$0")}"

say() { echo "$LIB_NAME: $*"; }
die() { echo "$LIB_NAME: $*" >&2; exit 1; }
lib_err_trap() {
  # shellcheck disable=SC2154
  trap 'rc=$?; echo "$LIB_NAME: failed (exit $rc) at line $LINENO: $BASH_COMMAND" >&2' ERR
}

# Timings: phase NAME ... done_phase [detail] prints "NAME Ns (detail)".
T0=$(date +%s)
PHASE_T=$T0
PHASE=""
phase() { PHASE="$1"; PHASE_T=$(date +%s); }
done_phase() { say "$PHASE $(($(date +%s) - PHASE_T))s${1:+ ($1)}"; }

# run_logged NAME CMD...: run CMD with output to $LOGS/NAME.log; on failure die with its tail.
run_logged() {
  local name="$1"; shift
  mkdir -p "$LOGS"
  if ! "$@" >"$LOGS/$name.log" 2>&1; then
    die "$name failed: $(tail -n 25 "$LOGS/$name.log")
(full log: $LOGS/$name.log)"
  fi
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# auth_header TOKEN: v2 tokens (nbt_<key>.<secret>) are Bearer tokens, v1 ones "Token".
auth_header() {
  case "$1" in
    nbt_*) printf 'Authorization: Bearer %s' "$1" ;;
    *) printf 'Authorization: Token %s' "$1" ;;
  esac
}

# status_check URL TOKEN: GET /api/status/; on HTTP 200 sets STATUS_BODY and returns 0, else
# sets STATUS_ERR and returns 1. Call it directly (not in $(...)) so the globals survive.
# The token goes to curl through a config on stdin, never on a command line.
STATUS_BODY="" STATUS_ERR=""
status_check() {
  local url="${1%/}" token="$2" out code
  out="$(mktemp)"
  code="$(printf 'header = "%s"\n' "$(auth_header "$token")" |
    curl -sS -m 15 -K - -H 'Accept: application/json' -o "$out" -w '%{http_code}' "$url/api/status/" 2>>"$out")" || code=000
  if [ "$code" = 200 ]; then STATUS_BODY="$(cat "$out")"; rm -f "$out"; return 0; fi
  STATUS_ERR="HTTP $code: $(head -c 400 "$out")"
  rm -f "$out"
  return 1
}

# api_probe URL: prints "<http code> <API-Version header>" of an unauthenticated
# GET URL/api/status/ (empty when nothing answers).
api_probe() {
  curl -s -m 5 -o /dev/null -D - "${1%/}/api/status/" 2>/dev/null |
    awk 'NR==1 {code=$2} tolower($1)=="api-version:" {v=$2} END {gsub(/\r/,"",v); print code" "v}'
}

# write_env_file FILE KEY=VALUE...: writes the file atomically with mode 600.
write_env_file() {
  local file="$1" tmp; shift
  mkdir -p "$(dirname "$file")"
  tmp="$(mktemp "$(dirname "$file")/.$(basename "$file").XXXXXX")"
  chmod 600 "$tmp"
  printf '%s\n' "$@" >"$tmp"
  mv -f "$tmp" "$file"
  chmod 600 "$file"
}

# json_field NAME: prints field NAME of the JSON object on stdin.
json_field() { "${PY:-python3}" -c 'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1],""))' "$1"; }

# pid_alive PIDFILE [MARK]: the pid in PIDFILE runs (and MARK is one of its command-line
# arguments or environment entries, e.g. NETBOX_ROOT=/path, so a recycled pid is never taken
# for ours).
pid_alive() {
  local pid
  [ -f "$1" ] || return 1
  pid="$(cat "$1" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [ -z "${2:-}" ] || cat "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null | tr '\0' '\n' | grep -qxF -- "$2"
}

# launched_alive PIDFILE: the process we have just started in the background still runs (not
# a zombie). No mark check: until the forked shell has exec'd `env MARK=… setsid …`, its
# /proc environ lacks the mark, and a start-up wait must not take that moment for an exit.
launched_alive() {
  local pid
  [ -f "$1" ] || return 1
  pid="$(cat "$1" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  ! awk '{ sub(/^.*\) /, ""); exit $1 != "Z" }' "/proc/$pid/stat" 2>/dev/null
}

# group_alive PGID: a process of that process group runs (zombies, which only wait to be
# reaped by whoever inherited them, do not count).
group_alive() { ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ {found=1} END {exit !found}'; }

# stop_pidfile PIDFILE [MARK] [GRACE_SECONDS] [SIGNAL]: stop the process group led by the pid
# in PIDFILE (a server started with setsid): SIGNAL (TERM; gunicorn: TERM graceful, QUIT
# quick), then SIGKILL after GRACE seconds (30), and wait until the whole group is gone (so the
# port and the database connections are free). Returns 0 when something was stopped, 1 when
# nothing of ours was running.
stop_pidfile() {
  local file="$1" mark="${2:-}" grace="${3:-30}" sig="${4:-TERM}" pid
  if ! pid_alive "$file" "$mark"; then rm -f "$file"; return 1; fi
  pid="$(cat "$file")"
  kill -"$sig" -- "-$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq $((grace * 10))); do group_alive "$pid" || break; sleep 0.1; done
  if group_alive "$pid"; then
    kill -KILL -- "-$pid" 2>/dev/null || true
    for _ in $(seq 50); do group_alive "$pid" || break; sleep 0.1; done
  fi
  group_alive "$pid" && die "could not stop process group $pid (from $file)"
  rm -f "$file"
  return 0
}

# wait_for_netbox URL PIDFILE TIMEOUT LOG: wait until URL/api/status/ answers with an
# API-Version header; die (with LOG's tail) if the server exits or TIMEOUT passes.
# Sets APIVER.
APIVER=""
wait_for_netbox() {
  local url="$1" pidfile="$2" timeout="$3" log="$4" deadline code
  deadline=$(($(date +%s) + timeout))
  while :; do
    read -r code APIVER < <(api_probe "$url") || true
    if [ -n "${code:-}" ]; then
      [ -n "${APIVER:-}" ] || die "server at $url answers (HTTP $code) without an API-Version header; last 40 lines of $log:
$(tail -n 40 "$log")"
      return 0
    fi
    pid_alive "$pidfile" || die "server exited; last 40 lines of $log:
$(tail -n 40 "$log")"
    [ "$(date +%s)" -lt "$deadline" ] || die "server did not answer $url/api/status/ within ${timeout}s; last 40 lines of $log:
$(tail -n 40 "$log")"
    sleep 0.5
  done
}

# netbox_configuration DB_NAME REDIS_TASKS_DB REDIS_CACHE_DB: prints a configuration.py for a
# test NetBox on this machine's PostgreSQL ($PG_PORT, role netbox, $DB_PASSWORD) and Redis
# ($REDIS_PORT), with the machine's secrets ($SECRET_KEY, $PEPPER).
netbox_configuration() {
  cat <<EOF
# Written by scripts/services/$LIB_NAME; regenerated on every run (edit the script instead).
ALLOWED_HOSTS = ['*']
DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': '$1',
        'USER': 'netbox',
        'PASSWORD': '$DB_PASSWORD',
        'HOST': '127.0.0.1',
        'PORT': '$PG_PORT',
        'CONN_MAX_AGE': 300,
    }
}
REDIS = {
    'tasks': {'HOST': '127.0.0.1', 'PORT': $REDIS_PORT, 'USERNAME': '', 'PASSWORD': '', 'DATABASE': $2, 'SSL': False},
    'caching': {'HOST': '127.0.0.1', 'PORT': $REDIS_PORT, 'USERNAME': '', 'PASSWORD': '', 'DATABASE': $3, 'SSL': False},
}
SECRET_KEY = '$SECRET_KEY'
API_TOKEN_PEPPERS = {1: '$PEPPER'}
DEBUG = False
MAX_PAGE_SIZE = 1000
RELEASE_CHECK_URL = None
CENSUS_REPORTING_ENABLED = False
TIME_ZONE = 'UTC'
EOF
}
