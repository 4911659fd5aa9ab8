// The watermark as readers in other processes see it: the latest stored event time, except an
// event stamped more than a minute ahead of the clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { encodeEvents, insertEvents } from '../../processors/event-rows.js';
import { readWatermark } from '../../processors/watermark.js';
import type { EngagementEvent } from '../../schemas/events.js';
import { normalizeEvent } from '../../schemas/validate.js';
import { makeEvents } from '../helpers/app.js';

let dir: string;
let rt: Runtime;
const NOW = Date.UTC(2026, 10, 26, 12);

const store = (events: EngagementEvent[]) => insertEvents(rt.clickhouse.client, encodeEvents(events.map((e) => normalizeEvent(e)), () => false, NOW));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-watermark-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' }), { logger: createLogger('silent') });
});
afterAll(async () => {
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('readWatermark', () => {
  it('is 0 before any event, then the latest event time, ignoring events from the future', async () => {
    expect(await readWatermark(rt.clickhouse.client, NOW)).toBe(0);
    await store(makeEvents('p-wm', 10, NOW - 3_600_000, 60_000) as EngagementEvent[]);
    expect(await readWatermark(rt.clickhouse.client, NOW)).toBe(NOW - 3_600_000 + 9 * 60_000);
    // A clock-skewed client's event a day ahead stays out; one within the minute counts.
    await store(makeEvents('p-skew', 1, NOW + 86_400_000, 1) as EngagementEvent[]);
    expect(await readWatermark(rt.clickhouse.client, NOW)).toBe(NOW - 3_600_000 + 9 * 60_000);
    await store(makeEvents('p-near', 1, NOW + 30_000, 1) as EngagementEvent[]);
    expect(await readWatermark(rt.clickhouse.client, NOW)).toBe(NOW + 30_000);
  });
});
