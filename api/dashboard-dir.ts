// Where the built dashboard is served from: a module of its own, so that the start-up check
// for a stale build (cli/dashboard-build.ts) does not load the whole server first.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), '../dashboard/dist');
