// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Imports that cross a boundary the architecture forbids, as path patterns. */
const forbid = (/** @type {string[]} */ dirs, /** @type {string} */ why) => ({
  patterns: dirs.map((dir) => ({ regex: `(^|/)${dir}/`, message: why })),
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'data/',
      'test-results/',
      'playwright-report/',
      'bench/results/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vite.config.ts', 'eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: globals.node,
    },
  },
  // One-way dependencies: shared/ knows nothing of either side, and the sides never meet.
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        forbid(
          ['client', 'relay', 'e2e'],
          'shared/ is the protocol; it must not depend on a side.',
        ),
      ],
    },
  },
  {
    files: ['relay/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        forbid(['client'], 'The relay never imports client code.'),
      ],
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', forbid(['relay'], 'The client never imports relay code.')],
    },
  },
  // The UI renders read models it gets from the worker; storage and sockets stay in the worker.
  {
    files: ['client/ui/**/*.ts', 'client/tab/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'dexie', message: 'Only the worker touches IndexedDB.' }],
          patterns: [
            { regex: '(^|/)relay/', message: 'The client never imports relay code.' },
            { regex: '(^|/)worker/', message: 'Tabs reach the worker only through client/api.ts.' },
            {
              regex: '(^|/)shared/index\\.ts$',
              message:
                'Import the shared module you need: the index would pull Ajv into every tab.',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
