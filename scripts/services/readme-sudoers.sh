#!/usr/bin/env bash
# Prints the sudoers lines README.md gives a DNS host (between the lines
# "# n8n-netbox-auto sudoers: begin" and "# n8n-netbox-auto sudoers: end"), with the
# README's user and paths replaced by these. The test DNS hosts install exactly this:
# scripts/services/unbound.sh, and the fault suite's and the bench's own Unbounds.
#
# Usage:  scripts/services/readme-sudoers.sh USER CONF [CONTROL [CHECKCONF]]
#
# Fails (exit 1, with the reason) when README.md has no such block, when the block
# does not name the README's user and paths, or when a value would not be read by
# sudo as one plain word.
set -euo pipefail

README_USER=dnspush
README_CONF=/etc/unbound/unbound.conf
README_CONTROL=/usr/sbin/unbound-control
README_CHECKCONF=/usr/sbin/unbound-checkconf
BEGIN='# n8n-netbox-auto sudoers: begin'
END='# n8n-netbox-auto sudoers: end'

die() { echo "readme-sudoers.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] && [ $# -le 4 ] || die "usage: $0 USER CONF [CONTROL [CHECKCONF]]"
user="$1" conf="$2" control="${3:-$README_CONTROL}" checkconf="${4:-$README_CHECKCONF}"

# Nothing sudoers would read as more than a word: no spaces, commas, colons, =, \, quotes.
[[ "$user" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "user \"$user\" is not a Unix user name"
for path in "$conf" "$control" "$checkconf"; do
  [[ "$path" =~ ^(/[A-Za-z0-9._+-]+)+$ ]] || die "\"$path\" is not an absolute path of letters, digits and . _ + -"
done

README="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/README.md"
[ -f "$README" ] || die "$README is missing"

# The block, markers included (they are sudoers comments). Exactly one of each marker.
[ "$(grep -cxF "$BEGIN" "$README")" = 1 ] && [ "$(grep -cxF "$END" "$README")" = 1 ] ||
  die "$README must hold exactly one line \"$BEGIN\" and one \"$END\" (the sudoers block of \"Connect your Unbound\")"
block="$(awk -v b="$BEGIN" -v e="$END" '$0 == b { on = 1 } on { print } $0 == e { on = 0 }' "$README")"
[ "$(printf '%s\n' "$block" | tail -n 1)" = "$END" ] || die "in $README, \"$END\" comes before \"$BEGIN\""
rules="$(printf '%s\n' "$block" | grep -v '^#' || true)"
[ -n "$rules" ] || die "the sudoers block in $README holds no rule"

# Every rule is the README's user's, with the README's tools and config: else the
# replacement below would silently leave a path of the README's in place.
while IFS= read -r line; do
  [[ "$line" == "$README_USER "* ]] || die "sudoers line in $README is not for $README_USER: $line"
  [[ "$line" == *" $README_CONTROL "* || "$line" == *" $README_CHECKCONF "* ]] ||
    die "sudoers line in $README names neither $README_CONTROL nor $README_CHECKCONF: $line"
  [[ "$line" == *" $README_CONF" || "$line" == *" $README_CONF "* ]] ||
    die "sudoers line in $README does not name $README_CONF: $line"
done <<<"$rules"

# Literal replacements (no regex: paths hold dots), tools before the config.
printf '%s\n' "$block" | awk \
  -v ru="$README_USER" -v u="$user" \
  -v rctl="$README_CONTROL" -v ctl="$control" \
  -v rchk="$README_CHECKCONF" -v chk="$checkconf" \
  -v rconf="$README_CONF" -v conf="$conf" '
  function swap(s, from, to,   i, out) {
    out = ""
    while ((i = index(s, from)) > 0) { out = out substr(s, 1, i - 1) to; s = substr(s, i + length(from)) }
    return out s
  }
  /^#/ { print; next }
  {
    line = substr($0, length(ru) + 1)          # the user name is the first word
    line = swap(line, " " rctl " ", " " ctl " ")
    line = swap(line, " " rchk " ", " " chk " ")
    line = swap(line, " " rconf " ", " " conf " ")
    if (substr(line, length(line) - length(rconf)) == " " rconf)
      line = substr(line, 1, length(line) - length(rconf)) conf
    print u line
  }'
