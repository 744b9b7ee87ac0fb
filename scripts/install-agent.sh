#!/usr/bin/env bash
# Installs the Latchkey agent on a Linux x86_64 host (systemd, OpenRC or SysV init), enrols it and starts it:
#
#   curl -fsSL https://ACCESS-SERVER/install.sh | sudo bash -s -- --token JOIN_TOKEN --sha256 PACKAGE_DIGEST
#
# The access server serves this script at /install.sh (with its own URL put in as the default --server)
# and the agent package at /downloads/: the package carries its own Node runtime, so the host needs
# nothing but curl or wget, tar, sha256sum and a service manager. Safe to run again: a rerun upgrades the package
# (an atomic swap of versioned directories), keeps the enrolment and restarts the service.
#
# What it trusts: the package whose sha256 the install line pins (--sha256, as `latchkey admin join-token
# create` prints it: the admin read it from the server over an authenticated connection). Without a pin it
# trusts the digest the server serves beside the package, and says so. The server is reached over https
# only: plain http is refused unless the server is on this host's loopback or --allow-insecure-http is
# given (for a test network), because over http anyone on the path can swap the package and its digest.
#
# Options:
#   --server URL      the access server (default: the server this script was downloaded from)
#   --token T         a join token (or LATCHKEY_JOIN_TOKEN); needed only when the host is not enrolled yet
#   --vnet NAME       register in this virtual network (default: the account's default)
#   --hostname NAME   the target's name (default: this host's name)
#   --sha256 HEX      the package's sha256: anything else is refused, whatever the server says
#   --package FILE    install this package file instead of downloading one (offline install)
#   --allow-insecure-http   allow an http:// server that is not on loopback (test networks only)
#   --uninstall       stop and remove the agent, putting sshd's files back as they were before it
#
# What it changes: /opt/latchkey-agent (releases/<version>, current -> the one in use, bin -> current/bin),
# /usr/local/bin/latchkey-agent (the command on PATH: status, break-glass),
# /etc/systemd/system/latchkey-agent.service (without systemd: /etc/init.d/latchkey-agent, logging to
# /var/log/latchkey-agent.log), /var/lib/latchkey-agent
# (0700: the credential, the front's host key and host CA, the session-log spool, backups of sshd's
# files). The agent itself then edits sshd's files (see docs/agent.md) and runs the SSH front that people
# log in through: TCP port 3022, to be opened to them in the host's firewall (sshd's port 22 need not be).
set -euo pipefail

# The access server replaces the next value with its public URL when it serves this file.
SERVED_FROM='@LATCHKEY_SERVED_FROM@'
PACKAGE_NAME=latchkey-agent-linux-x64.tar.gz
PREFIX=/opt/latchkey-agent
STATE_DIR=/var/lib/latchkey-agent
UNIT=latchkey-agent.service
UNIT_PATH=/etc/systemd/system/$UNIT
COMMAND_LINK=/usr/local/bin/latchkey-agent
WAIT_SECONDS=${LATCHKEY_INSTALL_WAIT_SECONDS:-90}

say() { printf 'latchkey-agent install: %s\n' "$*"; }
die() {
  printf 'latchkey-agent install: error: %s\n' "$*" >&2
  exit 1
}
usage() {
  cat <<'EOF'
Installs the Latchkey agent (Linux x86_64; systemd, OpenRC or SysV init), enrols it and starts it:
  curl -fsSL https://ACCESS-SERVER/install.sh | sudo bash -s -- --token JOIN_TOKEN --sha256 PACKAGE_DIGEST
Options:
  --server URL      the access server (default: the server this script was downloaded from)
  --token T         a join token (or LATCHKEY_JOIN_TOKEN); needed only when the host is not enrolled yet
  --vnet NAME       register in this virtual network (default: the account's default)
  --hostname NAME   the target's name (default: this host's name)
  --sha256 HEX      the package's sha256 (as `latchkey admin join-token create` prints it): anything
                    else is refused, whatever the server says
  --package FILE    install this package file instead of downloading one (offline install)
  --allow-insecure-http   allow an http:// server that is not on loopback (test networks only)
  --uninstall       stop and remove the agent, putting sshd's files back as they were before it
Running it again upgrades the agent and keeps its enrolment.
EOF
}

server=""
token="${LATCHKEY_JOIN_TOKEN:-}"
vnet=""
hostname_arg=""
package_file=""
pinned_sha256=""
allow_insecure_http=0
uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --server | --token | --vnet | --hostname | --package | --sha256)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
      case "$1" in
        --server) server=$2 ;;
        --token) token=$2 ;;
        --vnet) vnet=$2 ;;
        --hostname) hostname_arg=$2 ;;
        --package) package_file=$2 ;;
        --sha256) pinned_sha256=$2 ;;
      esac
      shift 2
      ;;
    --server=* | --token=* | --vnet=* | --hostname=* | --package=* | --sha256=*)
      value=${1#*=}
      [ -n "$value" ] || die "${1%%=*} needs a value"
      case "$1" in
        --server=*) server=$value ;;
        --token=*) token=$value ;;
        --vnet=*) vnet=$value ;;
        --hostname=*) hostname_arg=$value ;;
        --package=*) package_file=$value ;;
        --sha256=*) pinned_sha256=$value ;;
      esac
      shift
      ;;
    --allow-insecure-http) allow_insecure_http=1 && shift ;;
    --uninstall) uninstall=1 && shift ;;
    -h | --help) usage && exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

# The placeholder is still there when this file is run from a checkout rather than served.
if [ -z "$server" ] && [ "${SERVED_FROM#@LATCHKEY_SERVED}" = "$SERVED_FROM" ]; then
  server=$SERVED_FROM
fi
server=${server%/}

if [ -n "$pinned_sha256" ]; then
  pinned_sha256=$(printf '%s' "$pinned_sha256" | tr 'A-F' 'a-f')
  case "$pinned_sha256" in
    *[!0-9a-f]*) die "--sha256 must be 64 hex digits (the package's sha256), not $pinned_sha256" ;;
  esac
  [ ${#pinned_sha256} -eq 64 ] || die "--sha256 must be 64 hex digits (the package's sha256), not $pinned_sha256"
fi

# https only, but for the server on this host's loopback or an explicit --allow-insecure-http.
check_server_url() {
  local rest
  case "$server" in
    https://?*) rest=${server#https://} ;;
    http://?*) rest=${server#http://} ;;
    *) die "--server must be an https:// URL (got $server)" ;;
  esac
  local authority=${rest%%[/?#]*}
  [[ $authority =~ ^[A-Za-z0-9.:_-]+$|^\[[0-9A-Fa-f:.]+\](:[0-9]+)?$ ]] ||
    die "--server $server: the host part must be a plain hostname or address (no user info, no odd characters)"
  case "$server" in https://*) return 0 ;; esac
  local host
  case "$authority" in
    \[*) host=${authority%%]*}] ;;
    *) host=${authority%%:*} ;;
  esac
  [[ $host == localhost || $host == "[::1]" || $host =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] && return 0
  [ "$allow_insecure_http" -eq 1 ] ||
    die "refusing $server: over plain http anyone on the path can swap the agent package and its sha256; use the server's https:// URL (or, on a test network only, add --allow-insecure-http)"
}

[ "$(id -u)" -eq 0 ] || die "run as root (e.g. curl -fsSL SERVER/install.sh | sudo bash -s -- --token T)"
[ "$(uname -s)" = Linux ] || die "the agent runs on Linux only (this is $(uname -s))"
[ "$(uname -m)" = x86_64 ] || die "the agent package is for x86_64 only (this host is $(uname -m))"
# The service manager: systemd (a unit), else OpenRC (an openrc-run script under supervise-daemon), else
# SysV init (an LSB script in /etc/init.d run with start-stop-daemon); logs go to the journal, or to LOG_FILE.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  init=systemd
elif command -v rc-service >/dev/null 2>&1 && [ -d /run/openrc ]; then
  init=openrc
elif [ -d /etc/init.d ] && command -v start-stop-daemon >/dev/null 2>&1 && command -v update-rc.d >/dev/null 2>&1; then
  init=sysvinit
else
  die "no service manager this installer knows is running here (systemd, OpenRC, or SysV init with start-stop-daemon and update-rc.d)"
fi
INIT_SCRIPT=/etc/init.d/latchkey-agent
LOG_FILE=/var/log/latchkey-agent.log
for tool in tar gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required (apt-get install coreutils tar gzip)"
done

# ---------------------------------------------------------------------------------------------- uninstall
if [ "$uninstall" -eq 1 ]; then
  if [ "$init" = systemd ] && systemctl list-unit-files "$UNIT" >/dev/null 2>&1 && [ -f "$UNIT_PATH" ]; then
    say "stopping and disabling $UNIT"
    systemctl disable --now --quiet "$UNIT" || true
  elif [ "$init" != systemd ] && [ -f "$INIT_SCRIPT" ]; then
    say "stopping and disabling $INIT_SCRIPT"
    "$INIT_SCRIPT" stop || true
    if [ "$init" = openrc ]; then rc-update del latchkey-agent default >/dev/null 2>&1 || true; fi
  fi
  if [ -x "$PREFIX/bin/latchkey-agent" ]; then
    say "putting sshd's files back as they were before Latchkey"
    "$PREFIX/bin/latchkey-agent" uninstall ||
      die "latchkey-agent uninstall failed: sshd's files are unchanged and the agent is left installed (stopped); see the message above"
  fi
  if [ "$init" = systemd ]; then
    rm -f "$UNIT_PATH"
    systemctl daemon-reload
  else
    rm -f "$INIT_SCRIPT"
    [ "$init" != sysvinit ] || update-rc.d latchkey-agent remove >/dev/null 2>&1 || true
    rm -f "$LOG_FILE" /run/latchkey-agent.pid
    UNIT_PATH=$INIT_SCRIPT
  fi
  if [ "$(readlink "$COMMAND_LINK" 2>/dev/null || true)" = "$PREFIX/bin/latchkey-agent" ]; then
    rm -f "$COMMAND_LINK"
  fi
  rm -rf "$PREFIX" "$STATE_DIR"
  say "the agent is uninstalled (removed $PREFIX, $STATE_DIR, $UNIT_PATH, $COMMAND_LINK)"
  say "the target stays registered in the access server: delete it there if this host is gone for good"
  exit 0
fi

# ---------------------------------------------------------------------------------------------- install
enrolled=0
[ -f "$STATE_DIR/enrolment.json" ] && enrolled=1
if [ "$enrolled" -eq 0 ] && [ -z "$token" ]; then
  die "this host is not enrolled yet: give a join token with --token T (an admin creates one on the access server)"
fi
if [ "$enrolled" -eq 0 ] || [ -z "$package_file" ]; then
  [ -n "$server" ] || die "no access server: give --server https://ACCESS-SERVER"
  check_server_url
fi

fetch() { # fetch URL FILE; from an https server, never follow a redirect to anything but https
  if command -v curl >/dev/null 2>&1; then
    case "$1" in
      https://*) curl -fsSL --proto =https --proto-redir =https --retry 3 --connect-timeout 20 -o "$2" "$1" ;;
      *) curl -fsSL --retry 3 --connect-timeout 20 -o "$2" "$1" ;;
    esac
  elif command -v wget >/dev/null 2>&1; then
    case "$1" in
      https://*) wget -q --https-only --tries=3 --timeout=20 -O "$2" "$1" ;;
      *) wget -q --tries=3 --timeout=20 -O "$2" "$1" ;;
    esac
  else
    die "neither curl nor wget is installed: install one, or download $PACKAGE_NAME elsewhere and use --package FILE"
  fi
}

work=$(mktemp -d /tmp/latchkey-agent-install.XXXXXX)
staging=""
cleanup() { rm -rf "$work" ${staging:+"$staging"}; }
trap cleanup EXIT
if [ -n "$package_file" ]; then
  [ -f "$package_file" ] || die "--package $package_file: no such file"
  say "installing from $package_file"
  cp "$package_file" "$work/$PACKAGE_NAME"
else
  say "downloading the agent package from $server"
  fetch "$server/downloads/$PACKAGE_NAME.sha256" "$work/expected.sha256" ||
    die "cannot download $server/downloads/$PACKAGE_NAME.sha256: is the server reachable, and does it serve the agent package?"
  expected=$(cut -d' ' -f1 <"$work/expected.sha256")
  case "$expected" in
    [0-9a-f]*) [ ${#expected} -eq 64 ] || die "the server stated a malformed sha256: $expected" ;;
    *) die "the server stated a malformed sha256: $expected" ;;
  esac
  fetch "$server/downloads/$PACKAGE_NAME" "$work/$PACKAGE_NAME" ||
    die "cannot download $server/downloads/$PACKAGE_NAME"
  [ -z "$pinned_sha256" ] || [ "$expected" = "$pinned_sha256" ] ||
    die "the server serves a package whose sha256 is $expected, but the install line pins $pinned_sha256: not installing it (ask the admin for the current install line)"
  actual=$(sha256sum "$work/$PACKAGE_NAME" | cut -d' ' -f1)
  [ "$actual" = "$expected" ] ||
    die "the downloaded package's sha256 is $actual but the server says $expected: not installing it"
fi
actual=$(sha256sum "$work/$PACKAGE_NAME" | cut -d' ' -f1)
if [ -n "$pinned_sha256" ]; then
  [ "$actual" = "$pinned_sha256" ] ||
    die "the package's sha256 is $actual, but the install line pins $pinned_sha256: not installing it"
  say "sha256 verified against the pinned digest: $actual"
elif [ -z "$package_file" ]; then
  say "sha256 verified: $actual (as the server states it; pin it with --sha256 to trust the install line instead)"
else
  say "installing an unpinned package file (sha256 $actual)"
fi

mkdir -p "$PREFIX/releases"
staging=$(mktemp -d "$PREFIX/releases/.staging.XXXXXX")
tar -xzf "$work/$PACKAGE_NAME" -C "$staging" || die "the package is not a valid .tar.gz"
[ -f "$staging/latchkey-agent/VERSION" ] && [ -f "$staging/latchkey-agent/MANIFEST.sha256" ] ||
  die "the package has no latchkey-agent/VERSION or MANIFEST.sha256: not a Latchkey agent package"
(cd "$staging/latchkey-agent" && sha256sum --quiet -c MANIFEST.sha256) ||
  die "the package's files do not match its MANIFEST.sha256"
version=$(tr -d '\n' <"$staging/latchkey-agent/VERSION")
case "$version" in
  *[!A-Za-z0-9.+_-]* | "") die "the package states a malformed version: $version" ;;
esac
release="$PREFIX/releases/$version"
# An unpacked release is reused only if it is exactly this verified package: an earlier install (unpinned,
# or from a server since replaced) may have left another build under the same version.
release_matches() {
  cmp -s "$staging/latchkey-agent/MANIFEST.sha256" "$release/MANIFEST.sha256" &&
    (cd "$release" && sha256sum --quiet -c MANIFEST.sha256 >/dev/null 2>&1) &&
    [ "$(cd "$release" && find . ! -type d ! -name MANIFEST.sha256 | wc -l)" -eq "$(wc -l <"$release/MANIFEST.sha256")" ]
}
if [ -d "$release" ] && release_matches; then
  rm -rf "$staging"
  say "version $version is already unpacked (and matches the package)"
elif [ -d "$release" ]; then
  chmod 0755 "$staging/latchkey-agent"
  aside=$(mktemp -d "$PREFIX/releases/.replaced.XXXXXX")
  mv "$release" "$aside/latchkey-agent"
  mv "$staging/latchkey-agent" "$release"
  rm -rf "$staging" "$aside"
  say "replaced $release: what was there did not match the package"
else
  chmod 0755 "$staging/latchkey-agent"
  mv "$staging/latchkey-agent" "$release"
  rm -rf "$staging"
  say "unpacked version $version into $release"
fi
"$release/bin/latchkey-agent" --version >/dev/null ||
  die "the packaged agent does not start on this host ($release/bin/latchkey-agent --version failed)"

previous=$(readlink "$PREFIX/current" 2>/dev/null || true)
# Atomic swap: a new symlink renamed over the old one; bin points through current.
ln -sfn "releases/$version" "$PREFIX/.current.new"
mv -Tf "$PREFIX/.current.new" "$PREFIX/current"
[ -L "$PREFIX/bin" ] || ln -sfn current/bin "$PREFIX/bin"
mkdir -p "${COMMAND_LINK%/*}"
ln -sfn "$PREFIX/bin/latchkey-agent" "$COMMAND_LINK"
# Keep the release in use and the one before it (for a manual rollback); remove older ones.
for dir in "$PREFIX"/releases/*; do
  name=${dir##*/}
  [ "releases/$name" = "releases/$version" ] || [ "releases/$name" = "$previous" ] || rm -rf "$dir"
done

# Without systemd: an init script of our own (the unit's sandbox has no equivalent there).
write_init_script() {
  if [ "$init" = openrc ]; then
    cat <<EOF
#!/sbin/openrc-run
# The Latchkey agent under OpenRC (written by install-agent.sh): supervise-daemon restarts it if it dies.
description="Latchkey agent (target registration, sshd CA trust, SSH front on port 3022)"
command=$PREFIX/bin/latchkey-agent
command_args=run
supervisor=supervise-daemon
respawn_delay=5
output_log=$LOG_FILE
error_log=$LOG_FILE
umask=077
depend() {
  use net
  after ssh sshd
}
start_pre() {
  checkpath --directory --mode 0700 $STATE_DIR
}
EOF
  else
    cat <<EOF
#!/bin/sh
### BEGIN INIT INFO
# Provides:          latchkey-agent
# Required-Start:    \$remote_fs \$network
# Required-Stop:     \$remote_fs
# Should-Start:      ssh
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Latchkey agent (target registration, sshd CA trust, SSH front on port 3022)
### END INIT INFO
# The Latchkey agent under SysV init (written by install-agent.sh); it logs to $LOG_FILE.
PIDFILE=/run/latchkey-agent.pid
case "\$1" in
  start)
    umask 077
    mkdir -p -m 0700 $STATE_DIR
    start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile "\$PIDFILE" \\
      --startas /bin/sh -- -c "exec $PREFIX/bin/latchkey-agent run >>$LOG_FILE 2>&1"
    ;;
  stop)
    # The agent finishes a change of sshd's files (or its rollback) before it exits on SIGTERM.
    start-stop-daemon --stop --quiet --oknodo --pidfile "\$PIDFILE" --remove-pidfile --retry TERM/120/KILL/5
    ;;
  restart | force-reload)
    "\$0" stop && "\$0" start
    ;;
  status)
    start-stop-daemon --status --pidfile "\$PIDFILE"
    ;;
  *)
    echo "usage: \$0 {start|stop|restart|status}" >&2
    exit 3
    ;;
esac
EOF
  fi
}
if [ "$init" = systemd ]; then
  install -m 0644 "$release/systemd/$UNIT" "$UNIT_PATH.new"
  mv -f "$UNIT_PATH.new" "$UNIT_PATH"
else
  write_init_script >"$INIT_SCRIPT.new"
  chmod 0755 "$INIT_SCRIPT.new"
  mv -f "$INIT_SCRIPT.new" "$INIT_SCRIPT"
fi
# Root's alone (the unit's StateDirectoryMode says the same at each start).
mkdir -p -m 0700 "$STATE_DIR"

if [ "$enrolled" -eq 1 ]; then
  say "already enrolled (keeping $STATE_DIR/enrolment.json); --token, --vnet and --hostname are not used again"
else
  say "enrolling with $server"
  set -- --server "$server"
  [ -z "$vnet" ] || set -- "$@" --vnet "$vnet"
  [ -z "$hostname_arg" ] || set -- "$@" --hostname "$hostname_arg"
  # The token goes through the environment, not the command line (which any user can read in ps).
  LATCHKEY_JOIN_TOKEN=$token "$PREFIX/bin/latchkey-agent" enroll "$@" ||
    die "enrolment failed (see above): nothing is running yet; fix the cause and run this again"
fi

started=$(date +%s)
case "$init" in
  systemd)
    systemctl daemon-reload
    systemctl enable --quiet "$UNIT"
    systemctl restart "$UNIT"
    ;;
  openrc)
    rc-update add latchkey-agent default >/dev/null
    rc-service latchkey-agent restart >/dev/null
    UNIT=$INIT_SCRIPT
    ;;
  sysvinit)
    update-rc.d latchkey-agent defaults >/dev/null
    "$INIT_SCRIPT" restart
    UNIT=$INIT_SCRIPT
    ;;
esac
say "started $UNIT ($init); waiting until sshd trusts the agent's CA"
# The agent's log since this start: the journal, or LOG_FILE.
agent_log() {
  if [ "$init" = systemd ]; then
    journalctl -u "$UNIT" --since "@$started" -o cat --no-pager 2>/dev/null
  else
    tail -n 200 "$LOG_FILE" 2>/dev/null
  fi
}
agent_failed() {
  case "$init" in
    systemd) ! systemctl is-active --quiet "$UNIT" && [ "$(systemctl show -p ActiveState --value "$UNIT")" = failed ] ;;
    openrc) ! rc-service latchkey-agent status >/dev/null 2>&1 ;;
    sysvinit) ! "$INIT_SCRIPT" status ;;
  esac
}

# Done when the agent's last cycle, after this start, left sshd trusting the CA.
node="$release/node/bin/node"
check='let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const c=JSON.parse(s).last_cycle;
if(!c)process.exit(3);if(Date.parse(c.at)<Number(process.argv[1])*1000)process.exit(3);
if(c.sshd&&c.sshd.state==="trusted")process.exit(0);console.log(c.error??c.sshd?.message??c.sshd?.state);process.exit(4);});'
deadline=$((started + WAIT_SECONDS))
last=""
while :; do
  if agent_failed; then
    agent_log | tail -n 20 >&2 || true
    die "$UNIT failed to start (its log is above)"
  fi
  if last=$("$PREFIX/bin/latchkey-agent" status 2>/dev/null | "$node" -e "$check" "$((started - 1))"); then
    break
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    agent_log | tail -n 20 >&2 || true
    die "the agent runs but sshd does not trust the CA after ${WAIT_SECONDS}s${last:+: $last} (its log is above)"
  fi
  sleep 1
done

say "done: version $version is running, enabled at boot, and sshd trusts the agent's CA"
# Where the SSH front listens, as the agent logged it at this start.
front=$(agent_log | sed -n 's/^latchkey-agent: ssh front listening on //p' | tail -n 1 || true)
if [ -n "$front" ]; then
  say "the SSH front listens on $front: people log in there (open TCP port ${front##*:} to them in the firewall; sshd's own port can stay closed to them)"
fi
logs="journalctl -u $UNIT"
[ "$init" = systemd ] || logs=$LOG_FILE
say "status: latchkey-agent status; logs: $logs; uninstall: bash install.sh --uninstall"
