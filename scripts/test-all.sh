#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it, on a fresh Debian machine as root:
# installs the JS toolchain's dependencies, starts the real services (NetBox 4.7
# on PostgreSQL + Redis, Unbound + OpenSSH on loopback), builds and lints the
# package, then runs every jest project and ends with "N passed, N failed".
#
# Point it at an existing NetBox instead of a local one with
#   NETBOX_URL=https://netbox.example NETBOX_TOKEN=... npm test
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "npm dependencies"
# --ignore-scripts: n8n-workflow pulls isolated-vm, whose native build needs Node 24;
# nothing this package uses needs an install script.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --ignore-scripts --no-audit --no-fund
fi

step "services"
bash scripts/services/netbox.sh
# nginx with NetBox's contrib server block and a test CA in front of it (test/integration/netbox-proxy.test.ts).
bash scripts/services/netbox-proxy.sh
# A second, brownfield NetBox on :8766: NetBox's demo data, loaded afresh on every run
# (it reuses the local NetBox's install, so it needs one even when NETBOX_URL points elsewhere).
bash scripts/services/netbox-demo.sh
bash scripts/services/unbound.sh
# Chromium + playwright-core for the editor test (test/e2e/editor.test.ts).
bash scripts/services/browser.sh

step "build, lint, type-check"
npm run build
export NETBOX_AUTO_SKIP_BUILD=1 # the e2e test packs this build instead of building again
npm run lint
npx tsc --noEmit -p tsconfig.test.json

step "tests"
report=$(mktemp)
status=0
npx jest --ci --runInBand --json --outputFile="$report" || status=$?
node -e '
	const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	const skipped = r.numPendingTests + r.numTodoTests;
	if (r.numTotalTests === 0) { console.log("no test ran"); process.exit(1); }
	console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
	process.exit(r.numFailedTests || skipped || !r.success ? 1 : 0);
' "$report" || status=1
exit "$status"
