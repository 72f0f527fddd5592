#!/usr/bin/env bash
# The browser the editor test drives: Debian's chromium (apt, as root) and
# playwright-core (npm, into .cache/playwright; no browser download). Idempotent;
# fails loudly when either cannot be installed. scripts/screenshot.mjs uses the same.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$REPO/.cache/playwright"
PLAYWRIGHT="playwright-core@1.65.1"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
die() { echo "browser.sh: FAILED: $*" >&2; exit 1; }

if [ ! -x "$CHROMIUM" ]; then
  [ "$(id -u)" = 0 ] || die "$CHROMIUM is missing: apt-get install -y chromium (as root), or set CHROMIUM"
  apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null; } ||
    die "apt-get could not install chromium"
fi
"$CHROMIUM" --version >/dev/null 2>&1 || die "$CHROMIUM does not run"

if [ ! -f "$TOOLS/node_modules/playwright-core/package.json" ]; then
  mkdir -p "$TOOLS"
  [ -f "$TOOLS/package.json" ] || echo '{"name":"screenshot-tools","private":true}' >"$TOOLS/package.json"
  npm install --prefix "$TOOLS" --save-exact --no-audit --no-fund "$PLAYWRIGHT" >/dev/null ||
    die "npm could not install $PLAYWRIGHT into $TOOLS"
fi
echo "browser.sh: $("$CHROMIUM" --version 2>/dev/null), $PLAYWRIGHT in $TOOLS" >&2
