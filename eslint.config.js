// `npm run lint`: typescript-eslint's recommended type-checked rules everywhere, and
// eslint-plugin-jest's recommended rules for the tests.
import eslint from '@eslint/js';
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'packages/*/dist/', 'test-results/', 'node_modules/', '.data/', 'coverage/', 'test/helpers/global-setup.ts', 'test/helpers/global-teardown.ts'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Interfaces that want a Promise (Apollo's plugin hooks, closers, a feed's dispose) are
      // met with plain async functions; an await they do not need would only add noise.
      '@typescript-eslint/require-await': 'off',
      // `const { hash, ...visible } = user` drops fields on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
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
    rules: {
      ...jest.configs['flat/recommended'].rules,
      // Assertion helpers are named for what they expect: expectState, expectAuthenticated, ...
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'retryAfterOf'] }],
      // A beforeAll may check its own setup; itAsRoot is `it` where the test can run.
      'jest/no-standalone-expect': ['error', { additionalTestBlockFunctions: ['beforeAll', 'itAsRoot'] }],
    },
  },
  {
    // @types/jest types asymmetric matchers (expect.any, expect.stringMatching) and spies as
    // `any`, so every `{ id: expect.any(String) }` would be an unsafe assignment. The helpers,
    // fakes and benchmarks keep the rules.
    files: ['test/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
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
