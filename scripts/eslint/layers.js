// ESLint rule `local/layers`: the layer graph of DESIGN.md, checked (VS Code's `local/code-layering` is the
// model). Every source file belongs to one package and one layer:
//
//   <package>/src/domain/**   domain    pure: data in, data out
//   <package>/src/app/**      app       use cases; reach the world only through app/ports
//   <package>/src/adapters/** adapters  I/O behind the ports (agent/src/front and agent/src/spool count here:
//                                       they are the agent's SSH front and its spool, both doing I/O)
//   <package>/src/*           main      the composition root (main.ts, index.ts)
//   shared/src/**             shared    pure code used by every package
//
// and dependencies point inward: domain ← app ← adapters ← main. The rule reports
//   - a relative import of a higher layer of the same package, or of another package's sources
//     (only shared may be imported, and shared imports no package);
//   - in domain, app and shared: I/O modules, `os`, database drivers, and the sources of time and chance
//     (`process.env`, `Date.now()`, `new Date()` without arguments, `Date()`, `Math.random()`): take them as
//     parameters or through a port (a clock, settings read by main);
//   - in domain and app: `node:crypto` and `node:net` except their deterministic functions (PURE_EXPORTS).
// Known debts are listed in the rule's `exceptions` option (eslint.config.js), one entry per file and
// construct with the reason: that list is the to-do.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = ['shared', 'server', 'agent', 'cli', 'extension'];
const RANK = { domain: 0, app: 1, adapters: 2, main: 3 };
const ADAPTER_FOLDERS = { agent: ['front', 'spool'] };
const PURE_LAYERS = new Set(['domain', 'app', 'shared']);

const IO_MODULES = [
  'fs',
  'fs/promises',
  'child_process',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'tls',
  'worker_threads',
  'cluster',
  'os',
  'readline',
  'better-sqlite3',
  'pg',
  'kysely',
];

// Modules that mix pure functions with I/O or chance. Domain and app may import these names only (and
// types): they are deterministic, the same input gives the same output, so a hash or HMAC of data or the
// check of an address literal is pure. Randomness (randomBytes, randomUUID, generateKeyPair…) and sockets
// are not on the list. shared/ may import node:crypto whole: its certificate codec, signatures and HPKE are
// built on it (it takes randomness as a parameter where a test needs to fix it).
const PURE_EXPORTS = {
  crypto: new Set(['createHash', 'createHmac', 'timingSafeEqual', 'KeyObject']),
  net: new Set(['isIP', 'isIPv4', 'isIPv6']),
};

/** The package and layer of a repository-relative path, or undefined outside the packages' sources. */
export function layerOf(relativePath) {
  const match = /^([^/]+)\/src\/(.+)$/.exec(relativePath.split(path.sep).join('/'));
  if (!match || !PACKAGES.includes(match[1])) return undefined;
  const [, pkg, rest] = match;
  if (pkg === 'shared') return { pkg, layer: 'shared' };
  const top = rest.split('/')[0];
  if (!rest.includes('/')) return { pkg, layer: 'main' };
  if (top in RANK && top !== 'main') return { pkg, layer: top };
  if ((ADAPTER_FOLDERS[pkg] ?? []).includes(top)) return { pkg, layer: 'adapters' };
  return { pkg, layer: 'main' };
}

const bareModule = (specifier) => specifier.replace(/^node:/, '');

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Dependencies point inward: domain ← app ← adapters ← main (DESIGN.md).' },
    schema: [
      {
        type: 'object',
        properties: {
          exceptions: {
            type: 'array',
            items: {
              type: 'object',
              properties: { file: { type: 'string' }, what: { type: 'string' }, reason: { type: 'string' } },
              required: ['file', 'what', 'reason'],
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const self = layerOf(file);
    if (!self) return {};
    const excepted = new Set(
      (context.options[0]?.exceptions ?? []).filter((e) => e.file === file).map((e) => e.what),
    );
    const pure = PURE_LAYERS.has(self.layer);
    const where = `${self.pkg}/src/${self.layer === 'shared' ? '' : self.layer + '/'}`;

    function report(node, what, message) {
      if (!excepted.has(what)) context.report({ node, message: `${message} (local/layers: ${what})` });
    }

    function checkRelative(node, specifier) {
      const target = layerOf(path.relative(ROOT, path.resolve(path.dirname(context.filename), specifier)));
      if (!target) return;
      if (target.pkg !== self.pkg) {
        if (target.pkg !== 'shared' || self.pkg === 'shared') {
          report(
            node,
            `import ${specifier}`,
            `${self.pkg}/ must not import ${target.pkg}/ sources; only shared/ is common ground.`,
          );
        }
        return;
      }
      if (self.layer !== 'shared' && RANK[target.layer] > RANK[self.layer]) {
        report(
          node,
          `import ${specifier}`,
          `${where} (${self.layer}) must not import ${target.layer} code: dependencies point inward, ` +
            'domain ← app ← adapters ← main. Depend on a port in app/ports instead.',
        );
      }
    }

    function checkModule(node, specifier) {
      const name = bareModule(specifier);
      const pureNames = self.layer === 'shared' && name === 'crypto' ? undefined : PURE_EXPORTS[name];
      if (pureNames !== undefined) {
        const impure = (node.specifiers ?? []).filter(
          (s) =>
            s.type !== 'ImportSpecifier' ||
            (s.importKind !== 'type' && node.importKind !== 'type' && !pureNames.has(s.imported.name)),
        );
        if (impure.length > 0 && node.importKind !== 'type') {
          report(
            node,
            `import ${specifier}`,
            `${where} may use only ${specifier}'s deterministic functions (${[...pureNames].join(', ')}); ` +
              'take randomness and I/O through a port.',
          );
        }
      } else if (IO_MODULES.includes(name)) {
        report(
          node,
          `import ${specifier}`,
          `${where} is pure: '${specifier}' does I/O; put it in an adapter behind a port.`,
        );
      }
    }

    function checkSource(node) {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      if (source.value.startsWith('.')) checkRelative(node, source.value);
      else if (pure) checkModule(node, source.value);
    }

    const impureCall = (node, what) =>
      report(
        node,
        what,
        `${where} is pure: ${what} reads the clock, chance or environment; take it as a parameter or a port.`,
      );

    return {
      ImportDeclaration: checkSource,
      ExportNamedDeclaration: checkSource,
      ExportAllDeclaration: checkSource,
      ImportExpression: checkSource,
      MemberExpression(node) {
        if (!pure) return;
        const property = node.computed ? node.property.value : node.property.name;
        if (node.object.type === 'Identifier' && node.object.name === 'process' && property === 'env') {
          impureCall(node, 'process.env');
        }
      },
      CallExpression(node) {
        if (!pure) return;
        const callee = node.callee;
        if (callee.type === 'Identifier' && callee.name === 'Date') impureCall(node, 'Date()');
        if (callee.type !== 'MemberExpression' || callee.object.type !== 'Identifier') return;
        const call = `${callee.object.name}.${callee.property.name}()`;
        if (call === 'Date.now()' || call === 'Math.random()') impureCall(node, call);
      },
      NewExpression(node) {
        if (
          pure &&
          node.callee.type === 'Identifier' &&
          node.callee.name === 'Date' &&
          node.arguments.length === 0
        ) {
          impureCall(node, 'new Date()');
        }
      },
    };
  },
};
