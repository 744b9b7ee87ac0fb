#!/usr/bin/env bash
# The README's first command: a complete local Latchkey on the embedded defaults (the access server with
# SQLite and built-in accounts; a local target: a real agent whose SSH front on 127.0.0.1:2022 checks and
# records people's logins in front of a private sshd on 127.0.0.1:2222; a demo person, app and policy; an
# auditor key pair with session logging on), then how to use it. Everything it keeps is in the checkout's
# .latchkey-dev/, so any number of checkouts each have their own. Ctrl-C stops everything it started; a
# start after a crash stops what the crashed one left running. Runs as root: see
# scripts/local-latchkey/main.ts.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/up.sh: the local target's sshd and agent need root: sudo bash scripts/up.sh" >&2
  exit 1
fi

# OpenSSH (the local target's sshd and the clients) and rsync. Installing openssh-server must not start
# or change the machine's own sshd: a policy-rc.d that says "no" keeps the package scripts from
# starting services (Debian's own mechanism), and is removed again right after.
need=(openssh-server openssh-client rsync)
missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "scripts/up.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  policy=/usr/sbin/policy-rc.d
  ours=no
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    ours=yes
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ "$ours" = yes ]; then
    rm -f "$policy"
    trap - EXIT
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
exec node --conditions=latchkey-source --import tsx scripts/local-latchkey/main.ts "$@"
