// typescript-eslint's recommended rules (type-unaware: the whole repository is linted in seconds) plus the few
// rules STYLE.md asks for. Generated code (imports/) and build output are not linted.
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const NO_ENV = 'Nothing under src/ reads the process environment: take the value as a prop or option, read by the entry point.';

export default defineConfig(
  globalIgnores(['imports/', 'lib/', 'build/', 'dist/', 'node_modules/', '.cdk8s.out/', '.dist.*/', 'bench-out/']),
  {
    files: ['**/*.{ts,mts,js,mjs}'],
    extends: [tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'always'],
      // `_name` marks a parameter or binding kept on purpose (a signature, a field left out of a rest copy).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // The encoders spell out the control characters they escape; a control character anywhere else is a mistake.
      'no-control-regex': 'error',
    },
  },
  {
    // The library: typed all the way, and only the entry point reads the process environment (STYLE.md, lesson 4).
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // Covers `process.env.X`, `process['env']` and `const { env } = process`; the import form is below.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: NO_ENV }],
      'no-restricted-imports': ['error', { paths: ['process', 'node:process'].map((name) => ({ name, importNames: ['env'], message: NO_ENV })) }],
    },
  },
  {
    // Tests and scripts read parsed YAML and JSON as loosely typed documents.
    files: ['test/**', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Plain CommonJS scripts node runs as they are (the build and import steps): require is how they load modules.
    files: ['scripts/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
