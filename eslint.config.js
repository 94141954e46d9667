// ESLint flat config (CommonJS: the root package.json has no "type").
// typescript-eslint "recommended" without type information keeps lint fast; `npm run typecheck` does the types.
// Architecture rules: Nx module boundaries between projects (tags in each project.json) and a pure domain.
const { defineConfig, globalIgnores } = require('eslint/config');
const tseslint = require('typescript-eslint');
const nx = require('@nx/eslint-plugin');
const { createProjectGraphAsync } = require('@nx/devkit'); // installed with @nx/eslint-plugin, same version as nx

const SERVICES = ['gateway', 'ingestion', 'user-profile', 'segmentation', 'import', 'compliance'];

// type:app may use libs; libs never use apps; a service (scope:<service>) may use only shared libs,
// so services never import each other: they talk over NATS through @roster/contracts.
const depConstraints = [
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  ...SERVICES.map((name) => ({ sourceTag: `scope:${name}`, onlyDependOnLibsWithTags: ['scope:shared'] })),
  { sourceTag: 'scope:all-in-one', onlyDependOnLibsWithTags: ['scope:shared'] },
];

const boundaries = (allow = []) => [
  'error',
  { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, allow, depConstraints },
];

// The all-in-one host is the one place that mounts the six service modules in one process. It may import exactly
// `<service>/src/<service>.module` (relative, or an `@roster/<service>` alias) and the gateway's HTTP setup that
// its own main.ts also applies; nothing deeper (no handlers, no domain).
const serviceNames = SERVICES.join('|');
const allInOneMayImport = [
  `^(?:\\.\\./)+(${serviceNames})/src/\\1\\.module$`,
  `^@roster/(?:service-)?(${serviceNames})$`,
  '^(?:\\.\\./)+gateway/src/http/configure-http$',
];

// Domain code is pure: no framework, no driver, no I/O (style.md, brief.md "Pure deciders").
const impureInDomain = [
  { group: ['@nestjs/*', 'nestjs-*'], message: 'Domain code is framework-free: keep NestJS in handlers/modules.' },
  { group: ['@nats-io/*', 'nats', 'nats/*'], message: 'Domain code does no messaging: the application layer does.' },
  { group: ['mongodb', 'mongodb/*'], message: 'Domain code does no I/O: use a read-store port from outside the domain.' },
  { group: ['better-sqlite3', 'better-sqlite3/*'], message: 'Domain code does no I/O: use the event-store port from outside the domain.' },
  { group: ['@kurrent/*', '@eventstore/*'], message: 'Domain code does no I/O: use the event-store port from outside the domain.' },
  { group: ['pino', 'pino/*', 'pino-*'], message: 'Domain code does not log: return events or throw a domain error.' },
  { group: ['node:fs', 'node:fs/*', 'fs', 'fs/*'], message: 'Domain code does no file I/O.' },
  { group: ['node:net', 'net'], message: 'Domain code does no network I/O.' },
];

// @nx/enforce-module-boundaries only reads Nx's *cached* project graph and silently skips itself when there is none
// (a fresh clone, or plain `eslint` before any `nx` command), and a stale cache misses new projects and tags.
// So the config computes the graph first (about a second; incremental; no daemon: see nx.json) and fails loudly
// if it cannot. ESLint 9 accepts a promise of the config array.
async function freshProjectGraph() {
  try {
    await createProjectGraphAsync({ exitOnError: false });
  } catch (error) {
    throw new Error(`eslint.config.js: cannot compute the Nx project graph, so module boundaries cannot be checked: ${error.message}`);
  }
}

module.exports = freshProjectGraph().then(() => defineConfig([
  globalIgnores(['dist/', 'data/', '**/node_modules/', 'coverage/', '.nx/', 'tmp/'], 'roster/ignores'),

  {
    name: 'roster/typescript',
    files: ['**/*.{ts,mts,cts,js,cjs,mjs}'],
    extends: [tseslint.configs.recommended],
    rules: {
      // `_`-prefixed names are intentional, e.g. the `const _exhaustive: never = command` of an exhaustive switch.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  {
    // Project sources only: config files such as jest.config.js may require root files like jest.preset.js.
    name: 'roster/module-boundaries',
    files: ['libs/*/src/**', 'services/*/src/**'],
    plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': boundaries() },
  },

  {
    name: 'roster/all-in-one-host',
    files: ['services/all-in-one/src/**'],
    rules: { '@nx/enforce-module-boundaries': boundaries(allInOneMayImport) },
  },

  {
    name: 'roster/pure-domain',
    files: ['**/src/domain/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: impureInDomain }] },
  },

  {
    // End-to-end tests and benchmarks read arbitrary JSON answers over HTTP; typing each one would only restate api.md.
    name: 'roster/http-tests',
    files: ['e2e/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },

  {
    // Config files, Jest setup and scripts are CommonJS.
    name: 'roster/commonjs',
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
]));
