// Development entry for the package bins (server, cli, agent): runs a TypeScript entry point from the
// sources, in this process, through tsx, with @latchkey/shared resolved to its sources (the
// `latchkey-source` export condition), as the tests do. Shipped bundles never come here.

import { register } from 'node:module';

/** Registers tsx and the source condition, then imports `entry` (a file URL) and answers its module. */
export async function runSources(entry) {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // Registered after tsx, so it runs first and hands the extra condition on to tsx and node.
  register(
    'data:text/javascript,' +
      encodeURIComponent(
        'export async function resolve(specifier, context, next) {' +
          " return next(specifier, { ...context, conditions: [...context.conditions, 'latchkey-source'] }); }",
      ),
  );
  return import(entry.href);
}
