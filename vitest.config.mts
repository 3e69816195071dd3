import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files share a worker's module cache: the library and its generated bindings load once per worker, not
    // once per file (import time fell from 160 s to 30 s of the suite). Tests keep no module-level state.
    isolate: false,
  },
});
