#!/usr/bin/env bash
# Bring up a throwaway "DNS host" on loopback for the Unbound DNS Push tests: a real
# Unbound (DNS + remote control) and a real OpenSSH server that lets one non-root user
# in by key, with exactly the sudo rights README.md gives (taken from README.md by
# readme-sudoers.sh). Writes <repo>/.cache/unbound.env for the tests.
#
# Usage:  scripts/services/unbound.sh          start (idempotent; a second run takes ~1 s)
#         scripts/services/unbound.sh stop     stop the daemons this script started
#
# Tunables: UNBOUND_DNS_PORT (5399), UNBOUND_CONTROL_PORT (8954), UNBOUND_SSH_PORT (2222),
#           UNBOUND_SSH_USER (dnspush).
# State lives under <repo>/.cache/unbound/ (git-ignored): unbound.conf, managed/ (the
# directory the node writes into), ssh/ (host key and the user's key pair, generated
# here, root-only), sshd_config, authorized_keys/, *.log (sudo.log: every sudo command
# the SSH user ran), *.pid.
#
# Outside the repo it touches only what a DNS host needs: the Debian packages, the
# user, /etc/sudoers.d/n8n-netbox-auto-<user>, and /run/sshd (sshd's privsep dir).
set -euo pipefail

# The daemons started here must not inherit a caller's open files, such as the lock
# of `flock FILE bash unbound.sh`: a daemon holding it would keep it for ever.
for fd in $(ls /proc/$$/fd); do
  if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

DNS_PORT="${UNBOUND_DNS_PORT:-5399}"
CONTROL_PORT="${UNBOUND_CONTROL_PORT:-8954}"
SSH_PORT="${UNBOUND_SSH_PORT:-2222}"
SSH_USER="${UNBOUND_SSH_USER:-dnspush}"
ZONE="lab.example"
APT_PACKAGES=(unbound openssh-server dnsutils sudo)
CONTROL=/usr/sbin/unbound-control
CHECKCONF=/usr/sbin/unbound-checkconf

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$REPO/.cache"
STATE="$CACHE/unbound"
CONF="$STATE/unbound.conf"
MANAGED_DIR="$STATE/managed"
MANAGED="$MANAGED_DIR/n8n-netbox-auto.conf"
KEYS="$STATE/ssh"
HOST_KEY="$KEYS/ssh_host_ed25519_key"
USER_KEY="$KEYS/id_ed25519"
AUTH_KEYS="$STATE/authorized_keys/$SSH_USER"
SSHD_CONF="$STATE/sshd_config"
UNBOUND_PID="$STATE/unbound.pid"
SSHD_PID="$STATE/sshd.pid"
UNBOUND_LOG="$STATE/unbound.log"
SSHD_LOG="$STATE/sshd.log"
SUDOERS="/etc/sudoers.d/n8n-netbox-auto-$SSH_USER"
SUDO_LOG="$STATE/sudo.log"
ENV_FILE="$CACHE/unbound.env"

say() { echo "unbound.sh: $*"; }
die() { echo "unbound.sh: $*" >&2; exit 1; }
trap 'rc=$?; echo "unbound.sh: failed (exit $rc) at line $LINENO: $BASH_COMMAND" >&2' ERR

[ "$(id -u)" = 0 ] || die "must run as root (it creates a user, a sudoers rule and starts sshd)"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop_pid() {
  alive "$1" || return 0
  kill "$(cat "$1")"
  for _ in $(seq 50); do alive "$1" || break; sleep 0.1; done
  ! alive "$1" || die "pid $(cat "$1") from $1 did not stop"
  rm -f "$1"
}
# port_taken PROTO PORT: something listens on 127.0.0.1:PORT.
port_taken() { [ -n "$(ss -Hln"$1" "sport = :$2" 2>/dev/null)" ]; }

# install_if_changed MODE OWNER FILE: replace FILE with stdin if different; returns 0 if
# it changed. Daemons restart only when their config really changed.
install_if_changed() {
  local mode="$1" owner="$2" file="$3" tmp
  tmp="$(mktemp "$(dirname "$file")/.new.XXXXXX")"
  cat >"$tmp"
  if cmp -s "$tmp" "$file" && [ "$(stat -c '%a %U' "$file")" = "${mode#0} ${owner%%:*}" ]; then
    rm -f "$tmp"; return 1
  fi
  chown "$owner" "$tmp"; chmod "$mode" "$tmp"; mv -f "$tmp" "$file"
}

if [ "${1:-}" = stop ]; then
  stop_pid "$SSHD_PID"; stop_pid "$UNBOUND_PID"; say "stopped"; exit 0
fi

# --- 1. Packages -------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  mkdir -p "$STATE"
  apt-get update >"$STATE/apt.log" 2>&1 || die "apt-get update failed: $(tail -n 20 "$STATE/apt.log")"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
    >>"$STATE/apt.log" 2>&1 || die "apt-get install ${missing[*]} failed: $(tail -n 20 "$STATE/apt.log")"
fi
for tool in "$CONTROL" "$CHECKCONF" /usr/sbin/unbound /usr/sbin/sshd /usr/bin/dig /usr/bin/sudo /usr/bin/flock; do
  [ -x "$tool" ] || die "$tool is missing after installing ${APT_PACKAGES[*]}"
done

# --- 2. The SSH user and its rights --------------------------------------------------------
if ! id -u "$SSH_USER" >/dev/null 2>&1; then
  useradd --create-home --user-group --shell /bin/bash "$SSH_USER"
fi
# useradd leaves the account locked ('!'); with UsePAM no, sshd refuses keys for it.
usermod -p '*' "$SSH_USER"

# Unbound re-reads includes as user unbound after dropping privileges, so every directory
# on the way to its config must be traversable by others.
install -d -m 755 "$CACHE" "$STATE" "$STATE/authorized_keys"
install -d -m 700 "$KEYS"
# The node writes the managed file as the SSH user: temp file, backup, lock file and the
# atomic rename all need a directory that user owns. 0755 keeps it readable by unbound.
install -d -m 755 -o "$SSH_USER" -g "$SSH_USER" "$MANAGED_DIR"
if [ ! -e "$MANAGED" ]; then
  # Unbound refuses to start when an include is missing; an empty file is "no records".
  install -m 644 -o "$SSH_USER" -g "$SSH_USER" /dev/null "$MANAGED"
fi

# sudo: exactly the lines README.md gives a DNS host ("Connect your Unbound"), with this
# host's user and config: unbound-control with -c CONF and the subcommands a push runs,
# unbound-checkconf CONF as `unbound`. Nothing else. The Defaults line grants nothing: it
# logs every command, one line each, and the tests read that log to prove which commands
# a push ran.
readme_rules="$("$REPO/scripts/services/readme-sudoers.sh" "$SSH_USER" "$CONF" "$CONTROL" "$CHECKCONF")" ||
  die "could not take the sudoers lines from $REPO/README.md (see above)"
sudoers_tmp="$(mktemp)"
cat >"$sudoers_tmp" <<EOF
# Written by $REPO/scripts/services/unbound.sh (Unbound DNS Push tests).
Defaults:$SSH_USER logfile=$SUDO_LOG, loglinelen=0
$readme_rules
EOF
visudo -cqf "$sudoers_tmp" || die "the sudoers lines from README.md do not parse: $(cat "$sudoers_tmp")"
install -m 440 "$sudoers_tmp" "$SUDOERS"
rm -f "$sudoers_tmp"

# --- 3. Keys (generated here, never committed) ------------------------------------------
[ -f "$HOST_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C "unbound-test-host" -f "$HOST_KEY"
[ -f "$USER_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C "$SSH_USER@n8n-netbox-auto-tests" -f "$USER_KEY"
install_if_changed 644 root:root "$AUTH_KEYS" <"$USER_KEY.pub" || true
FINGERPRINT="$(ssh-keygen -lf "$HOST_KEY.pub" | awk '{print $2}')"
[[ "$FINGERPRINT" == SHA256:* ]] || die "could not read the host key fingerprint of $HOST_KEY.pub"

# --- 4. Unbound ---------------------------------------------------------------------------
# No reverse zones are declared: Unbound answers local-data-ptr inside its built-in
# RFC 1918 / documentation reverse zones and inside the "." refuse zone alike.
ADMIN_INCLUDE="$STATE/admin.conf"
[ -e "$ADMIN_INCLUDE" ] || printf 'server:\n' | install -m 644 /dev/stdin "$ADMIN_INCLUDE"
unbound_changed=0
install_if_changed 644 root:root "$CONF" <<EOF && unbound_changed=1
# Written by scripts/services/unbound.sh; regenerated on every run.
server:
	interface: 127.0.0.1@$DNS_PORT
	do-ip6: no
	chroot: ""
	username: "unbound"
	directory: "$STATE"
	pidfile: "$UNBOUND_PID"
	use-syslog: no
	verbosity: 1
	# No validator: no root.key needed. "." refuse: no recursion, local data only.
	module-config: "iterator"
	local-zone: "." refuse
	local-zone: "$ZONE." static
	include: "$MANAGED"
	# The admin's own include: records this package did not write (the brownfield
	# tests put some there). Created empty below; the tests empty it again.
	include: "$ADMIN_INCLUDE"
remote-control:
	control-enable: yes
	control-interface: 127.0.0.1
	control-port: $CONTROL_PORT
	# TCP without certificates: fine on a throwaway loopback instance only.
	control-use-cert: no
EOF
check_out="$(runuser -u unbound -- "$CHECKCONF" "$CONF" 2>&1)" || die "unbound-checkconf (as unbound) rejects $CONF: $check_out"

control_ok() { "$CONTROL" -c "$CONF" status >/dev/null 2>&1; }
if alive "$UNBOUND_PID" && [ "$unbound_changed" = 1 ]; then
  say "unbound.conf changed: restarting unbound"; stop_pid "$UNBOUND_PID"
fi
if ! alive "$UNBOUND_PID" || ! control_ok; then
  stop_pid "$UNBOUND_PID"
  port_taken u "$DNS_PORT" && die "UDP port $DNS_PORT is taken by another process (set UNBOUND_DNS_PORT)"
  port_taken t "$CONTROL_PORT" && die "TCP port $CONTROL_PORT is taken by another process (set UNBOUND_CONTROL_PORT)"
  setsid /usr/sbin/unbound -d -c "$CONF" </dev/null >>"$UNBOUND_LOG" 2>&1 &
  for _ in $(seq 50); do control_ok && break; sleep 0.1; done
  control_ok || die "unbound did not come up; last lines of $UNBOUND_LOG:
$(tail -n 20 "$UNBOUND_LOG")"
  say "unbound pid $(cat "$UNBOUND_PID") on 127.0.0.1:$DNS_PORT (control :$CONTROL_PORT)"
fi

# --- 5. sshd --------------------------------------------------------------------------------
sshd_changed=0
install_if_changed 644 root:root "$SSHD_CONF" <<EOF && sshd_changed=1
# Written by scripts/services/unbound.sh; regenerated on every run.
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey $HOST_KEY
PidFile $SSHD_PID
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $SSH_USER
AuthorizedKeysFile $STATE/authorized_keys/%u
# The checkout may live under /tmp (a CI clone): sshd's ownership walk up that path
# would refuse the key file. This sshd is a loopback-only test fixture.
StrictModes no
Subsystem sftp internal-sftp
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
# Concurrent pushes open several connections at once.
MaxStartups 100:30:200
# VERBOSE logs "Accepted publickey": the tests read it to prove a refusal came first.
LogLevel VERBOSE
EOF
install -d -m 755 /run/sshd
sshd_check="$(/usr/sbin/sshd -t -f "$SSHD_CONF" 2>&1)" || die "sshd -t rejects $SSHD_CONF: $sshd_check"
if alive "$SSHD_PID" && [ "$sshd_changed" = 1 ]; then
  say "sshd_config changed: restarting sshd"; stop_pid "$SSHD_PID"
fi
if ! alive "$SSHD_PID"; then
  port_taken t "$SSH_PORT" && die "TCP port $SSH_PORT is taken by another process (set UNBOUND_SSH_PORT)"
  setsid /usr/sbin/sshd -D -e -f "$SSHD_CONF" </dev/null >>"$SSHD_LOG" 2>&1 &
  for _ in $(seq 50); do port_taken t "$SSH_PORT" && break; sleep 0.1; done
  port_taken t "$SSH_PORT" || die "sshd did not listen on $SSH_PORT; last lines of $SSHD_LOG:
$(tail -n 20 "$SSHD_LOG")"
  say "sshd pid $(cat "$SSHD_PID") on 127.0.0.1:$SSH_PORT"
fi

# --- 6. End-to-end check: the way the node will connect ------------------------------------
known_hosts="$(mktemp)"
echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$HOST_KEY.pub")" >"$known_hosts"
ssh_out="$(ssh -n -p "$SSH_PORT" -i "$USER_KEY" -o IdentitiesOnly=yes -o BatchMode=yes \
  -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$known_hosts" -o ConnectTimeout=5 \
  "$SSH_USER@127.0.0.1" \
  "sudo -n $CONTROL -c $CONF status && sudo -n -u unbound $CHECKCONF $CONF && test -w $MANAGED_DIR" 2>&1)" ||
  { rm -f "$known_hosts"; die "ssh $SSH_USER@127.0.0.1:$SSH_PORT could not run unbound-control/checkconf: $ssh_out"; }
rm -f "$known_hosts"
answer="$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 "nonexistent.$ZONE" 2>&1)" ||
  die "dig @127.0.0.1 -p $DNS_PORT got no answer: $answer"
[[ "$answer" == *"status: NXDOMAIN"* ]] || die "unexpected answer from 127.0.0.1:$DNS_PORT for nonexistent.$ZONE: $answer"

# --- 7. Env file for the tests -------------------------------------------------------------
install_if_changed 600 root:root "$ENV_FILE" <<EOF || true
UNBOUND_SSH_HOST=127.0.0.1
UNBOUND_SSH_PORT=$SSH_PORT
UNBOUND_SSH_USER=$SSH_USER
UNBOUND_SSH_KEY_FILE=$USER_KEY
UNBOUND_SSH_FINGERPRINT=$FINGERPRINT
UNBOUND_SSHD_LOG=$SSHD_LOG
UNBOUND_SUDO_LOG=$SUDO_LOG
UNBOUND_CONF=$CONF
UNBOUND_MANAGED_FILE=$MANAGED
UNBOUND_ZONE=$ZONE
UNBOUND_DNS_PORT=$DNS_PORT
UNBOUND_CONTROL=$CONTROL
UNBOUND_CHECKCONF=$CHECKCONF
EOF
say "ready; wrote $ENV_FILE"
