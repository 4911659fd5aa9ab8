// The forecaster on a fresh data dir, before any event: nothing is settled yet, so there is
// nothing to train on or forecast, and a round says so rather than failing. (A file of its own:
// chdb opens one data dir per process.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { Forecaster } from '../../processors/forecaster.js';

const H = 3_600_000;
const clock = new ManualClock(Date.UTC(2026, 10, 1));
let dir: string;
let rt: Runtime;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-forecaster-empty-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir }), { logger: createLogger('silent'), clock });
});

afterAll(async () => {
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('trains nothing and forecasts no product on a store with no events yet, without an error', async () => {
  const f = new Forecaster({ ch: rt.clickhouse.client, clock, logger: rt.logger, allowedLatenessMs: H, neural: true, metrics: ['views'] });
  expect(await f.train()).toBe(false);
  expect(await f.round()).toMatchObject({ products: 0, refreshed: 0 });
});
