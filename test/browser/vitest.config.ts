// Browser tests run on their own (they start the whole app): `vitest run --config test/browser/vitest.config.ts`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { name: 'browser', include: ['test/browser/**/*.test.ts'], environment: 'node', fileParallelism: false },
});
