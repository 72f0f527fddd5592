#!/usr/bin/env bash
# One command for a newcomer: a real n8n 2.41.1 (on Node 24 from the npm registry) with
# this package installed and the example workflow (workflows/netbox-dns-approval.json)
# already imported, on 127.0.0.1. Prints the URL.
#
# Usage:  scripts/start.sh          start (idempotent; the first run installs n8n, ~10 min)
#         scripts/start.sh stop     stop it
#         scripts/start.sh --queue [stop]   the same in queue mode: a main process, two workers
#                                   and a webhook processor on PostgreSQL + Redis
#                                   (scripts/services/n8n-queue.sh; `npm start -- --queue`)
#
# The workflow's two credentials, "NetBox" and "Unbound SSH", are created on the first run
# (empty: fill them in n8n). Give their values here to create or update them instead:
#   NETBOX_URL, NETBOX_TOKEN                            → credential "NetBox"
#   UNBOUND_SSH_HOST, UNBOUND_SSH_PORT (22), UNBOUND_SSH_USER, UNBOUND_SSH_KEY_FILE,
#   UNBOUND_SSH_FINGERPRINT                             → credential "Unbound SSH"
# The webhooks ("Receive Hosts", "Approve by API") take header X-NetBox-Auto-Key; its secret,
# credential "Receive Hosts Key", is generated on the first run and kept in
# <user folder>/netbox-auto-webhook.key (mode 600); NETBOX_AUTO_WEBHOOK_KEY sets it instead
# (and, given later, rotates it).
# Tunables: N8N_PORT (5680), N8N_USER_FOLDER (.cache/n8n/home); see scripts/services/n8n.sh.
# The workflow is imported once; `rm <user folder>/netbox-auto-workflow.imported` re-imports
# it (replacing your edits of it).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QUEUE=0
ARGS=()
for arg in "$@"; do
  if [ "$arg" = --queue ]; then QUEUE=1; else ARGS+=("$arg"); fi
done
set -- "${ARGS[@]}"
WORKFLOW="$REPO/workflows/netbox-dns-approval.json"
if [ "$QUEUE" = 1 ]; then
  # Queue mode: its own user folder and database; the webhook processor takes the webhooks.
  N8N_SH="$REPO/scripts/services/n8n-queue.sh"
  USER_FOLDER="${N8N_QUEUE_USER_FOLDER:-$REPO/.cache/n8n/queue}"
  export N8N_QUEUE_USER_FOLDER="$USER_FOLDER"
else
  N8N_SH="$REPO/scripts/services/n8n.sh"
  # n8n.sh's own default per line (N8N_LINE=1 keeps 1.123's outside the repo, so that
  # the package loads n8n's own n8n-workflow, not the repo's 2.x copy).
  USER_FOLDER="${N8N_USER_FOLDER:-$(N8N_LINE="${N8N_LINE:-2}" bash "$N8N_SH" env | sed -n 's/^export N8N_USER_FOLDER=//p')}"
  export N8N_USER_FOLDER="$USER_FOLDER"
fi
STAMP="$USER_FOLDER/netbox-auto-workflow.imported"
CRED_STAMP="$USER_FOLDER/netbox-auto-credentials.created"

say() { echo "start.sh: $*" >&2; }
die() { echo "start.sh: FAILED: $*" >&2; exit 1; }

if [ "${1:-}" = stop ]; then exec bash "$N8N_SH" stop; fi
[ -z "${1:-}" ] || die "usage: $0 [--queue] [stop]"
[ -f "$WORKFLOW" ] || die "$WORKFLOW is missing"

bash "$N8N_SH" install

# The credential ids and names the workflow refers to; import keeps an id as given.
IFS=$'\t' read -r NB_ID NB_NAME DNS_ID DNS_NAME KEY_ID KEY_NAME < <(node -e '
	const wf = require(process.argv[1]);
	const find = (type) => wf.nodes.map((n) => n.credentials?.[type]).find(Boolean);
	const nb = find("netBoxApi"), dns = find("unboundSshApi"), key = find("httpHeaderAuth");
	if (!nb || !dns || !key) { console.error("workflow has no netBoxApi/unboundSshApi/httpHeaderAuth credential reference"); process.exit(1); }
	console.log([nb.id, JSON.stringify(nb.name), dns.id, JSON.stringify(dns.name), key.id, JSON.stringify(key.name)].join("\t"));
' "$WORKFLOW") || die "could not read the credential references of $WORKFLOW"

# The webhooks' secret: given, kept from an earlier run, or new. A new or changed one is
# (re)imported below; the file lets later runs print the curl line.
KEY_FILE="$USER_FOLDER/netbox-auto-webhook.key"
KEY_HEADER="X-NetBox-Auto-Key"
KEY_CHANGED=0
mkdir -p "$USER_FOLDER"
if [ -n "${NETBOX_AUTO_WEBHOOK_KEY:-}" ]; then
  case "$NETBOX_AUTO_WEBHOOK_KEY" in *[!A-Za-z0-9._~+/=-]*) die "NETBOX_AUTO_WEBHOOK_KEY: use letters, digits and ._~+/=- only (it goes into an HTTP header)" ;; esac
  [ "${#NETBOX_AUTO_WEBHOOK_KEY}" -ge 16 ] || die "NETBOX_AUTO_WEBHOOK_KEY: use at least 16 characters"
  [ -f "$KEY_FILE" ] && [ "$(cat "$KEY_FILE")" = "$NETBOX_AUTO_WEBHOOK_KEY" ] || KEY_CHANGED=1
  WEBHOOK_KEY="$NETBOX_AUTO_WEBHOOK_KEY"
elif [ -s "$KEY_FILE" ]; then
  WEBHOOK_KEY="$(cat "$KEY_FILE")"
else
  WEBHOOK_KEY="$(node -p 'require("crypto").randomBytes(24).toString("base64url")')"
  KEY_CHANGED=1
fi
( umask 077; printf '%s' "$WEBHOOK_KEY" >"$KEY_FILE" )

creds="$(mktemp)"
trap 'rm -f "$creds"' EXIT
# Writes the credentials to import into $creds: from the environment when given, else
# (first run only) empty ones for the user to fill in. Prints how many.
NB_ID="$NB_ID" NB_NAME="$NB_NAME" DNS_ID="$DNS_ID" DNS_NAME="$DNS_NAME" \
KEY_ID="$KEY_ID" KEY_NAME="$KEY_NAME" KEY_HEADER="$KEY_HEADER" WEBHOOK_KEY="$WEBHOOK_KEY" KEY_CHANGED="$KEY_CHANGED" FIRST_RUN="$([ -f "$CRED_STAMP" ] && echo 0 || echo 1)" \
node -e '
	const fs = require("fs");
	const e = process.env, first = e.FIRST_RUN === "1", out = [];
	if (e.NETBOX_URL || first) out.push({ id: e.NB_ID, name: JSON.parse(e.NB_NAME), type: "netBoxApi",
		data: { baseUrl: e.NETBOX_URL || "", token: e.NETBOX_TOKEN || "", allowSelfSigned: false, caBundle: "" } });
	if (e.UNBOUND_SSH_HOST || first) out.push({ id: e.DNS_ID, name: JSON.parse(e.DNS_NAME), type: "unboundSshApi",
		data: { host: e.UNBOUND_SSH_HOST || "", port: Number(e.UNBOUND_SSH_PORT || 22), username: e.UNBOUND_SSH_USER || "",
			privateKey: e.UNBOUND_SSH_KEY_FILE ? fs.readFileSync(e.UNBOUND_SSH_KEY_FILE, "utf8") : "", passphrase: "",
			hostKeyFingerprint: e.UNBOUND_SSH_FINGERPRINT || "", skipHostKeyVerification: false } });
	if (e.KEY_CHANGED === "1" || first) out.push({ id: e.KEY_ID, name: JSON.parse(e.KEY_NAME), type: "httpHeaderAuth",
		data: { name: e.KEY_HEADER, value: e.WEBHOOK_KEY } });
	fs.writeFileSync(process.argv[1], JSON.stringify(out));
	console.log(out.length);
' "$creds" >"$creds.count" || die "could not prepare the credentials (is UNBOUND_SSH_KEY_FILE readable?)"
if [ "$(cat "$creds.count")" != 0 ]; then
  say "creating/updating the workflow's credentials"
  bash "$N8N_SH" cli import:credentials --input="$creds" >"$USER_FOLDER/import-credentials.log" 2>&1 ||
    die "n8n import:credentials failed: $(tail -n 20 "$USER_FOLDER/import-credentials.log")"
  grep -q "Successfully imported" "$USER_FOLDER/import-credentials.log" ||
    die "n8n import:credentials did not import: $(tail -n 20 "$USER_FOLDER/import-credentials.log")"
  touch "$CRED_STAMP"
fi
rm -f "$creds.count"

if [ ! -f "$STAMP" ]; then
  say "importing the example workflow"
  bash "$N8N_SH" cli import:workflow --input="$WORKFLOW" >"$USER_FOLDER/import-workflow.log" 2>&1 ||
    die "n8n import:workflow failed: $(tail -n 20 "$USER_FOLDER/import-workflow.log")"
  grep -q "Successfully imported" "$USER_FOLDER/import-workflow.log" ||
    die "n8n import:workflow did not import: $(tail -n 20 "$USER_FOLDER/import-workflow.log")"
  touch "$STAMP"
fi

# n8n.sh prints the URL; n8n-queue.sh the main URL, then the webhook processor's.
{ read -r URL; read -r HOOK_URL || true; } < <(NETBOX_AUTO_SKIP_BUILD=1 bash "$N8N_SH" start) || true
[ -n "${URL:-}" ] || die "$(basename "$N8N_SH") start printed no URL"
HOOK_URL="${HOOK_URL:-$URL}"
WF_ID="$(node -p 'require(process.argv[1]).id' "$WORKFLOW")"

# What step 3 still asks of the user: only the credentials this run did not fill.
filled() { if [ -n "$1" ]; then echo "filled from $2"; else echo "fill it in n8n (Overview → Credentials)"; fi; }
NB_STATE="$(filled "${NETBOX_URL:-}" "NETBOX_URL / NETBOX_TOKEN (${NETBOX_URL:-})")"
DNS_STATE="$(filled "${UNBOUND_SSH_HOST:-}" "UNBOUND_SSH_* (${UNBOUND_SSH_USER:-?}@${UNBOUND_SSH_HOST:-}:${UNBOUND_SSH_PORT:-22})")"

# A sample host that NetBox can create: the first site, device role and device type it
# has, when this run knows the NetBox; otherwise say which values must exist there.
sample_host() {
  local hint='{"name":"web01","ipv4":"10.0.0.5/24","site":"SITE","role":"ROLE","deviceType":"DEVICE-TYPE"}'
  [ -n "${NETBOX_URL:-}" ] && [ -n "${NETBOX_TOKEN:-}" ] || { echo "$hint"; return; }
  NETBOX_URL="$NETBOX_URL" NETBOX_TOKEN="$NETBOX_TOKEN" node -e '
    const base = process.env.NETBOX_URL.replace(/\/+$/, "").replace(/\/api$/, "");
    const token = process.env.NETBOX_TOKEN;
    const auth = token.startsWith("nbt_") ? `Bearer ${token}` : `Token ${token}`;
    const first = async (path) => {
      const r = await fetch(`${base}/api/${path}?brief=1&limit=1`, { headers: { authorization: auth, accept: "application/json" }, signal: AbortSignal.timeout(5000) });
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
      const [o] = (await r.json()).results;
      if (!o) throw new Error(`${path}: none`);
      return o.slug;
    };
    Promise.all(["dcim/sites/", "dcim/device-roles/", "dcim/device-types/"].map(first))
      .then(([site, role, deviceType]) => console.log(JSON.stringify({ name: "web01", ipv4: "10.0.0.5/24", site, role, deviceType })))
      .catch(() => process.exit(1));
  ' 2>/dev/null || echo "$hint"
}
SAMPLE="$(sample_host)"
SAMPLE_NOTE="site, role and deviceType are the slugs of a site, device role and device type that exist in your NetBox"
case "$SAMPLE" in *SITE*) ;; *) SAMPLE_NOTE="site, role and deviceType are taken from your NetBox" ;; esac

MODE_NOTE=""
[ "$QUEUE" = 1 ] && MODE_NOTE="
  Queue mode: editor/API at $URL; webhooks and approve URLs at the webhook processor $HOOK_URL;
  two workers run the executions (bash scripts/services/n8n-queue.sh status)."
STOP_CMD="scripts/start.sh"; [ "$QUEUE" = 1 ] && STOP_CMD="scripts/start.sh --queue"
cat <<EOF

n8n is running: $URL$MODE_NOTE
  1. Open it; the first visit asks you to create the owner account.
  2. Open the workflow: $URL/workflow/$WF_ID
  3. Credentials: "NetBox": $NB_STATE.
                  "Unbound SSH": $DNS_STATE.
     Check the "Settings" node (DNS zone, NetBox defaults, Unbound paths), then Publish (on n8n 1.x: the Active toggle).
  4. Send hosts:  curl -X POST $HOOK_URL/webhook/netbox-auto/hosts -H 'content-type: application/json' \\
                    -H '$KEY_HEADER: $WEBHOOK_KEY' -d '{"hosts":[$SAMPLE]}'
     ($SAMPLE_NOTE.) The answer has "approvalPage": open it to read the plan and approve.
     Add "dryRun": true (plan only), "skipNetbox": true or "skipDns": true beside "hosts".
     The header's secret is credential "Receive Hosts Key", kept in $KEY_FILE;
     rotate it with NETBOX_AUTO_WEBHOOK_KEY=<new secret> $STOP_CMD (see README).
Stop it with: $STOP_CMD stop
EOF
echo "$URL"
