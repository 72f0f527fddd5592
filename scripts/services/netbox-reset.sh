#!/usr/bin/env bash
# Empty the data of the NetBox started by scripts/services/netbox.sh (a clean slate for a
# benchmark): TRUNCATE ... RESTART IDENTITY of the data apps' tables (dcim, ipam, circuits,
# tenancy, virtualization, vpn, wireless, extras, the change log and jobs), then flush
# NetBox's Redis cache. Users, groups, permissions, owners and API tokens are kept, as are
# rows the migrations create (dcim_moduletypeprofile) and NetBox's internal tables.
# Refuses to touch anything but the local instance.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="$REPO/.cache/netbox"
CONF="$STATE/root/conf/configuration.py"
# The secrets belong to the machine (netbox.sh keeps them there), not to one clone.
SECRETS="${XDG_CONFIG_HOME:-$HOME/.config}/n8n-nodes-netbox-auto/netbox-secrets.env"
ENV_FILE="$REPO/.cache/netbox.env"

die() { echo "netbox-reset.sh: $*" >&2; exit 1; }
T0=$(date +%s)

[ -f "$SECRETS" ] && [ -f "$CONF" ] || die "no local NetBox set up by scripts/services/netbox.sh under $STATE"
if [ -n "${NETBOX_URL:-}" ] && ! [[ "$NETBOX_URL" =~ ^http://(127\.0\.0\.1|localhost):[0-9]+/?$ ]]; then
  die "NETBOX_URL=$NETBOX_URL is not the local instance; refusing (only the NetBox started by netbox.sh can be reset)"
fi
if [ -f "$ENV_FILE" ] && ! grep -Eq '^NETBOX_URL=http://127\.0\.0\.1:[0-9]+$' "$ENV_FILE"; then
  die "$ENV_FILE points at another NetBox; refusing"
fi

# shellcheck disable=SC1090
. "$SECRETS"
# Read host/port back from the configuration netbox.sh wrote.
PG_HOST="$(sed -n "s/^ *'HOST': '\([^']*\)',$/\1/p" "$CONF" | head -n 1)"
PG_PORT="$(sed -n "s/^ *'PORT': '\([0-9]*\)',$/\1/p" "$CONF" | head -n 1)"
REDIS_PORT="$(sed -n "s/.*'caching': {'HOST': '[^']*', 'PORT': \([0-9]*\),.*/\1/p" "$CONF")"
REDIS_DB="$(sed -n "s/.*'caching': {.*'DATABASE': \([0-9]*\),.*/\1/p" "$CONF")"
[ "$PG_HOST" = 127.0.0.1 ] || die "database host in $CONF is '$PG_HOST', not 127.0.0.1; refusing"

export PGPASSWORD="$DB_PASSWORD"
psql_nb() { psql -h 127.0.0.1 -p "${PG_PORT:-5432}" -U netbox -d netbox -v ON_ERROR_STOP=1 -qtAX "$@"; }

tables="$(psql_nb -c "
  SELECT string_agg(format('%I', tablename), ', ' ORDER BY tablename)
  FROM pg_tables
  WHERE schemaname = 'public'
    AND (tablename ~ '^(dcim|ipam|circuits|tenancy|virtualization|vpn|wireless|extras|taggit)_'
         OR tablename IN ('core_objectchange', 'core_job'))
    AND tablename NOT IN ('dcim_moduletypeprofile')")" || die "listing tables failed"
[ -n "$tables" ] || die "no NetBox data tables found (migrations not run?)"

# No CASCADE: if a kept table referenced one of these, TRUNCATE fails instead of emptying it.
out="$(psql_nb -c "SET lock_timeout = '15s'; TRUNCATE $tables RESTART IDENTITY;" 2>&1)" ||
  die "truncate failed: $out"
n_tables=$(($(tr -cd ',' <<<"$tables" | wc -c) + 1))

if [ -n "$REDIS_PORT" ]; then
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -n "${REDIS_DB:-1}" FLUSHDB >/dev/null 2>&1 ||
    die "redis cache flush failed (127.0.0.1:$REDIS_PORT db ${REDIS_DB:-1})"
fi

echo "netbox-reset.sh: emptied $n_tables tables, flushed the cache; kept users and tokens ($(($(date +%s) - T0))s)"
