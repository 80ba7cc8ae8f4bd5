// One lint config for every workspace; each workspace re-exports it from its own eslint.config.mjs.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/reports/**', '**/coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports (GUIDE.md).' },
      ],
    },
  },
  {
    // Config files must default-export; CLIs, tests and benchmarks talk to a terminal.
    files: ['**/eslint.config.mjs', '**/*.cjs'],
    rules: { 'no-restricted-syntax': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/test/**', '**/e2e/**', '**/*.test.ts', '**/scripts/**', '**/bench/**', '**/cli/**'],
    rules: { 'no-console': 'off' },
  },
);
