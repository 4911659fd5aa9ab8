// One test command for everything: server-side tests (real chdb/PGlite, each file in its own
// process, since chdb allows one data directory per process and crashes under worker threads),
// dashboard component tests, and the headless-Chromium browser tests.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'server',
          include: ['test/**/*.test.ts'],
          exclude: ['test/dashboard/**', 'test/browser/**'],
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      { extends: './dashboard/vitest.config.ts' },
      { extends: './test/browser/vitest.config.ts' },
    ],
    maxWorkers: 2,
  },
});
