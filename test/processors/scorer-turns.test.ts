// The scorer's instants over many products give the event loop turns: a task queued beside a
// round runs while an instant is being scored, not only between its queries and writes (at 100k
// products one instant had held the main thread for seconds).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime } from '../../core/runtime.js';
import { TURN_MS } from '../../core/turns.js';
import { Scorer } from '../../processors/scorer.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const H = 3600;
const T0 = Date.UTC(2026, 9, 1) / 1000;
const PRODUCTS = 20_000;
/** Hours stored per product: more than a sparse (maybe coarse) series has, so every one is hourly. */
const HOURS = 20;
/** Instants the round scores. */
const INSTANTS = 3;

const ROLLUPS_SQL = `
INSERT INTO ${TABLES.engagement1h} (productId, bucket, region, platform, views, events, likes, shares, comments, orders, revenue, searches)
SELECT concat('p-', toString(intDiv(number, ${HOURS}))), toDateTime(${T0} + (number % ${HOURS}) * ${H}, 'UTC'), 'US', 'tiktok',
  toUInt64(10 + cityHash64(number) % 500) AS views, views, intDiv(views, 20), intDiv(views, 200), intDiv(views, 100), intDiv(views, 400), 0, 0
FROM numbers(${PRODUCTS * HOURS})`;

const dir = mkdtempSync(join(tmpdir(), 'trenddrop-scorer-turns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scorer turns', () => {
  it('lets a task beside it run while it scores an instant of many products', async () => {
    const config = loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' });
    const rt = await openRuntime(config, { logger: createLogger('silent') });
    try {
      await rt.clickhouse.client.command({ query: ROLLUPS_SQL });
      // The task beside: a turn of the event loop each time it runs.
      const runs: number[] = [];
      let stop = false;
      const beside = () => { runs.push(performance.now()); if (!stop) setImmediate(beside); };
      // Each score stage's span, and how many times the task ran inside it.
      const stages: { ms: number; runs: number }[] = [];
      const scorer = new Scorer({
        ch: rt.clickhouse.client, bus: rt.bus, topics: rt.topics, clock: rt.clock, logger: rt.logger, metrics: rt.metrics, weights: config.scoreWeights,
        intervalMs: config.scoreIntervalMs, allowedLatenessMs: config.allowedLatenessMs,
        watermark: () => (T0 + INSTANTS * H) * 1000 + config.allowedLatenessMs,
        onStage: (stage, cost) => {
          if (stage !== 'score') return;
          const end = performance.now();
          stages.push({ ms: cost.wallMs, runs: runs.filter((t) => t > end - cost.wallMs && t < end).length });
        },
      });
      setImmediate(beside);
      const written = await scorer.round();
      stop = true;
      expect(written).toBe(INSTANTS * PRODUCTS);
      expect(stages).toHaveLength(INSTANTS);
      // Scoring an instant takes several shares of the thread here; scored in one synchronous
      // block, the task beside could not run before it ended.
      const long = stages.filter((s) => s.ms > 3 * TURN_MS);
      expect(long.length).toBeGreaterThan(0);
      for (const s of long) expect(s.runs).toBeGreaterThan(0);
    } finally {
      await rt.close();
    }
  }, 300_000);
});
