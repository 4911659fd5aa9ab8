// Builds the dashboard when its build is missing or older than its sources, so that
// `npm start` on a fresh clone serves it without a separate build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { DASHBOARD_DIR } from '../api/dashboard-dir.js';

const SOURCE_DIR = join(DASHBOARD_DIR, '..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export async function ensureDashboardBuilt(logger: Logger): Promise<void> {
  const index = join(DASHBOARD_DIR, 'index.html');
  if (!existsSync(join(SOURCE_DIR, 'vite.config.ts'))) return;
  if (existsSync(index) && statSync(index).mtimeMs >= newest(SOURCE_DIR)) return;
  logger.info('building the dashboard (first start or sources changed)');
  const { build } = await import('vite');
  await build({ configFile: join(SOURCE_DIR, 'vite.config.ts'), logLevel: 'warn' });
}
