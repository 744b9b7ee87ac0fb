#!/usr/bin/env bash
# Runs every Latchkey test, unit and end-to-end, on a fresh Debian machine.
# Installs what the tests need (OpenSSH server and client, rsync, PostgreSQL, systemd-analyze, zsh,
# debootstrap and systemd-nspawn, and
# the VS Code test host: code-server, Node 24, Chromium) as root,
# installs the npm dependencies, then runs format check, lint, typecheck and all mocha suites.
# This is the README's test command, and what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# debootstrap and systemd-container (systemd-nspawn): the installer's suite boots a fresh Debian with systemd.
need=(openssh-server openssh-client rsync git postgresql passwd procps iproute2 systemd zsh debootstrap systemd-container)
missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: missing packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "scripts/test.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test.sh: the end-to-end suites create UNIX users and start sshd: run as root" >&2
  exit 1
fi

# The VS Code extension's end-to-end suite runs in a real VS Code (code-server on Node 24, Chromium):
# installed once into a cache directory outside the repository; a few minutes the first time.
bash scripts/install-vscode-test-host.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The installer's end-to-end suites boot fresh Debian hosts: Debian 11, 12 and 13 with systemd, 12 with
# SysV init and 12 with OpenRC (test/e2e/installer/host-kinds.ts). Their roots (debootstrap, from the
# machine's own mirror; about 12 minutes the first time, the four new ones side by side) and the agent
# package (Node 24 from the npm registry, node-pty built against it) are fetched here, once, and cached in
# ~/.cache/latchkey; the tests themselves download nothing. A failure here fails the run (set -e).
node --import tsx test/e2e/installer/prepare-installer-e2e.ts
# The front's post-quantum suite logs in with OpenSSH 10's client, from a Debian 13 root (debootstrap,
# cached like the installer's).
node --import tsx test/e2e/front/prepare-front-e2e.ts

npm test
