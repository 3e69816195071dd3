import { availableParallelism } from 'node:os';
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
    // Vitest's default leaves one core idle (one worker on a 2-core machine); the real-software tests mostly wait, so
    // every core gets a worker.
    maxWorkers: Math.max(2, availableParallelism()),
    // Temporary folders on a RAM-backed folder when there is one with room (see the file).
    globalSetup: ['test/global-setup.ts'],
    experimental: {
      // Transformed modules (the 16 MB of generated bindings above all) are kept on disk across runs.
      fsModuleCache: true,
    },
  },
});
