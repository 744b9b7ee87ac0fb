// Lint configuration. Besides typescript-eslint's recommended rules, it enforces the dependency
// directions of DESIGN.md with no-restricted-imports:
//   - shared imports no other package and does no I/O;
//   - server, agent, cli and extension never import each other;
//   - code under src/domain/ is pure (no filesystem, processes or network);
//   - only the extension's vscode adapters import `vscode`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'fs',
  'fs/promises',
  'child_process',
  'net',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'tls',
  'worker_threads',
  'cluster',
].flatMap((name) => [name, `node:${name}`]);

const PACKAGES = {
  shared: '@latchkey/shared',
  server: 'latchkey-server',
  agent: 'latchkey-agent',
  cli: 'latchkey-cli',
  extension: 'latchkey-vscode',
};

/** Import restrictions for code in package `self`: no sibling package, by name or by relative path. */
function packageBoundary(self, { allowShared = true, extraPaths = [] } = {}) {
  const forbidden = Object.entries(PACKAGES).filter(
    ([dir]) => dir !== self && !(allowShared && dir === 'shared'),
  );
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          ...forbidden.map(([dir, name]) => ({
            name,
            message: `${self}/ must not depend on ${dir}/ (DESIGN.md: dependencies point inward).`,
          })),
          { name: 'vscode', message: 'Only extension/src/adapters/vscode/ may import vscode.' },
          ...extraPaths,
        ],
        patterns: [
          {
            group: forbidden.map(([dir]) => `**/${dir}/src/**`),
            message: `${self}/ must not reach into another package's sources (DESIGN.md: dependencies point inward).`,
          },
        ],
      },
    ],
  };
}

const ioPaths = (why) => IO_MODULES.map((name) => ({ name, message: why }));

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'test-artifacts/**',
      '.latchkey-dev/**',
      'extension/out/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        structuredClone: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: packageBoundary('shared', {
      allowShared: false,
      extraPaths: ioPaths('shared/ is pure: no I/O (DESIGN.md).'),
    }),
  },
  { files: ['server/**/*.ts'], rules: packageBoundary('server') },
  { files: ['agent/**/*.ts'], rules: packageBoundary('agent') },
  { files: ['cli/**/*.ts'], rules: packageBoundary('cli') },
  { files: ['extension/**/*.ts'], rules: packageBoundary('extension') },
  {
    // Pure cores: data in, data out.
    files: [
      'server/src/domain/**/*.ts',
      'agent/src/domain/**/*.ts',
      'cli/src/domain/**/*.ts',
      'extension/src/domain/**/*.ts',
    ],
    rules: packageBoundary('domain', {
      extraPaths: ioPaths('src/domain/ is pure: move I/O into src/adapters/ (DESIGN.md).'),
    }),
  },
  {
    files: ['extension/src/adapters/vscode/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
