import { defineConfig } from 'vitest/config';

// The slow end-to-end check of the npm package (pack, install into a new project, tsc, synth, cdk8s synth), run by
// `npm run test:package` and `.ci/run`, not by `npm test`.
export default defineConfig({
  test: {
    include: ['test/**/*.e2e.ts'],
    testTimeout: 900_000,
    hookTimeout: 900_000,
    pool: 'forks',
  },
});
