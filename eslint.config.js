// `npm run lint`: typescript-eslint's recommended type-checked rules everywhere, and
// eslint-plugin-jest's recommended rules for the tests.
import eslint from '@eslint/js';
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'coverage/', 'test/helpers/global-setup.ts', 'test/helpers/global-teardown.ts'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Interfaces that want a Promise (Apollo's plugin hooks, closers, a feed's dispose) are
      // met with plain async functions; an await they do not need would only add noise.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Written by MikroORM's migration generator and never edited: its SQL escapes `$` in template strings.
    files: ['migrations/Migration*.ts'],
    rules: { 'no-useless-escape': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    ...jest.configs['flat/recommended'],
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
);
