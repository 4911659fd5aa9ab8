// Component tests for the dashboard: Vue SFC transform + happy-dom. Run on their own with
// `vitest run --config dashboard/vitest.config.ts`, or as a project of the root config.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

const repo = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: repo,
  plugins: [vue()],
  test: {
    name: 'dashboard',
    include: ['test/dashboard/**/*.test.ts'],
    environment: 'happy-dom',
  },
});
