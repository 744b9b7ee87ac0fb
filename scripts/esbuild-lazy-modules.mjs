// An esbuild plugin that makes the named packages load on first use instead of at start: each import
// resolves to a stand-in whose default export is a proxy, and whose named exports are functions that
// load the module and call (or construct) the real one. esbuild still bundles the real module (the
// stand-in `require`s it, which esbuild wraps to run on first call), so nothing is needed at run time.
// A named import not listed fails the build ("No matching export"): list it.
//
//   lazyModules({ sshpk: 'default', 'node:zlib': ['crc32'] })

export function lazyModules(modules) {
  const filter = new RegExp(
    `^(${Object.keys(modules)
      .map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|')})$`,
  );
  return {
    name: 'lazy-modules',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter }, (args) =>
        args.namespace === 'lazy-module'
          ? undefined
          : { path: args.path, namespace: 'lazy-module', pluginData: { resolveDir: args.resolveDir } },
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (args) => {
        const exports = modules[args.path];
        const load = `let real; const load = () => (real ??= require(${JSON.stringify(args.path)}));\n`;
        const contents =
          exports === 'default'
            ? `${load}export default new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });\n`
            : load +
              exports
                .map(
                  (name) =>
                    `export function ${name}(...args) { const real = load().${name}; ` +
                    `return new.target ? new real(...args) : real.apply(this, args); }\n`,
                )
                .join('');
        return { contents, resolveDir: args.pluginData.resolveDir, loader: 'js' };
      });
    },
  };
}
