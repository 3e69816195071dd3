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
    // Vitest's default leaves one core idle (one worker on a 2-core machine). The real-software tests (Redis failover,
    // Prometheus, PostgreSQL) mostly wait for the processes they start, so one worker more than there are cores keeps
    // the cores busy meanwhile: on a 2-core machine, 3 workers took the suite from about 60 s to 51-54 s (4 took 62 s).
    maxWorkers: Math.max(2, availableParallelism() + 1),
    // Temporary folders on a RAM-backed folder when there is one with room (see the file).
    globalSetup: ['test/global-setup.ts'],
    experimental: {
      // Transformed modules (the 16 MB of generated bindings above all) are kept on disk across runs.
      fsModuleCache: true,
    },
  },
});
