// Lint: TypeScript rules plus the package boundaries STYLE.md asks for, enforced rather than wished:
// - no package reaches into another with `../` or into its src/ or internal/;
// - plugins import nothing of ours but @evolflow/core/plugin (anyone can write one against the contracts);
// - services import only libraries (never another service or the CLI);
// - libraries import no service or plugin (the CLI, the app, may import services);
// - at most three parameters per function (max-params), else an options object.
// The order among libraries (core at the bottom), dynamic import() and cycles are checked on the
// whole import graph by dependency-cruiser (.dependency-cruiser.cjs, run by `npm run lint`).
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const NO_REACH_IN = [
  { group: ['../../*', '../../**'], message: 'Do not reach into another package with ../; import it by its package name.' },
  {
    group: ['@evolflow/*/src', '@evolflow/*/src/**', '@evolflow/*/internal/**'],
    message: "Import a package's entry (@evolflow/<name>), never its src/ or internal/.",
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '.cache/**',
      'out/**',
      'runs/**',
      'test-output/**',
      'packages/*/dist/**',
      '**/*.js',
      '!eslint.config.js',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { patterns: NO_REACH_IN }],
      // STYLE.md: at most three parameters, else an options object.
      'max-params': ['error', 3],
    },
  },
  {
    files: ['plugins/*/src/**/*.ts'],
    ignores: ['plugins/*/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...NO_REACH_IN,
            {
              regex: '^@evolflow/(?!core/plugin$)',
              message:
                'A plugin imports only the plugin entry (@evolflow/core/plugin): the contracts, defineStrategy, defineValidator and the strategy kit.',
            },
            {
              regex: '^(?!@evolflow/core/plugin$|node:|\\.{1,2}/)',
              message: 'A plugin imports only the plugin entry (@evolflow/core/plugin), node: built-ins and its own files.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...NO_REACH_IN,
            {
              regex: '^@evolflow/(stage-|strategy-|cli$)',
              message: 'A service imports only libraries (@evolflow/<library>), never another service, a plugin or the CLI.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/cli/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...NO_REACH_IN,
            { regex: '^@evolflow/(stage-|strategy-|cli$)', message: 'A library never imports a service, a plugin or the CLI.' },
          ],
        },
      ],
    },
  },
  // Layout is Prettier's (.prettierrc.json, `npm run format`; `npm run lint` checks it): no ESLint rule argues with it.
  prettier,
);
