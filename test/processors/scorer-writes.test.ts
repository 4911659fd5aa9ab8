// The scorer writes a chunk of hours a few whole instants at a time, oldest first: a day of hours
// over 100k products did not fit one insert body (V8's longest string). Scores split that way are
// the very scores written at once, and each write (and each breakout observation) holds whole
// instants, later than the write before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { Scorer, type ScoredBucket } from '../../processors/scorer.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { insertHourlyRollups, randomHourlyRollups } from '../helpers/rollups.js';

const H = 3600;
const T0 = Date.UTC(2026, 9, 1) / 1000;
const PRODUCTS = 12;
const HOURS = 60;
const dirs: string[] = [];

afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A store holding the same hourly rollups each time, and a scorer writing at most `writeRows` a time, reading about `chunkRows` a query. */
async function scoreAll(writeRows?: number, chunkRows?: number): Promise<{ batches: ScoredBucket[][]; history: unknown[]; queries: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-scorer-writes-'));
  dirs.push(dir);
  const config = loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' });
  // One embedded engine per process at a time: each run closes its store before the next opens one.
  const rt: Runtime = await openRuntime(config, { logger: createLogger('silent') });
  try {
    await insertHourlyRollups(rt.clickhouse.client, randomHourlyRollups({ seed: 5, products: PRODUCTS, hours: HOURS, t0: T0 }));
    const batches: ScoredBucket[][] = [];
    let queries = 0;
    const end = (T0 + HOURS * H) * 1000 + config.allowedLatenessMs + H * 1000;
    const scorer = new Scorer({
      ch: rt.clickhouse.client, bus: rt.bus, topics: rt.topics, clock: rt.clock, logger: rt.logger, metrics: rt.metrics, weights: config.scoreWeights,
      intervalMs: config.scoreIntervalMs, allowedLatenessMs: config.allowedLatenessMs, watermark: () => end, writeRows, chunkRows,
      onScored: async (s) => { batches.push(s); }, onStage: (stage) => { if (stage === 'features') queries++; },
    });
    await scorer.round();
    const rs = await rt.clickhouse.client.query({
      query: `SELECT productId, toUnixTimestamp(computedAt) AS at, score, label, velocity, momentum FROM ${TABLES.trendScoreHistory} FINAL ORDER BY productId, at`,
      format: 'JSONEachRow',
    });
    return { batches, history: await rs.json(), queries };
  } finally {
    await rt.close();
  }
}

describe('scorer writes', () => {
  it('splits a chunk into writes of whole instants, oldest first, with the scores of one write', async () => {
    const whole = await scoreAll();
    const split = await scoreAll(2 * PRODUCTS);
    expect(whole.history.length).toBeGreaterThan(2 * 24 * PRODUCTS);
    expect(split.history).toEqual(whole.history);
    // The default writes a chunk (24 hours) at once; the small limit writes two instants a time.
    expect(whole.batches.length).toBeLessThan(split.batches.length);
    let newest = -Infinity;
    for (const batch of split.batches) {
      const instants = [...new Set(batch.map((s) => s.at))].sort((a, b) => a - b);
      expect(instants.length).toBeLessThanOrEqual(2);
      expect(instants[0]).toBeGreaterThan(newest);
      // Whole instants: every product at each.
      for (const at of instants) expect(batch.filter((s) => s.at === at)).toHaveLength(PRODUCTS);
      newest = instants.at(-1)!;
    }
  }, 300_000); // two embedded stores opened one after the other: minutes on a loaded machine
});

describe('scorer chunks', () => {
  it('reads a catch-up in chunks of about chunkRows feature rows, with the same scores', async () => {
    const whole = await scoreAll();
    const bounded = await scoreAll(undefined, 3 * PRODUCTS);
    expect(bounded.history).toEqual(whole.history);
    // The first chunk is one instant (its rows tell how many products an instant holds), then by
    // default a day of instants a query, bounded three.
    const instants = new Set(whole.batches.flat().map((s) => s.at)).size;
    expect(instants).toBeGreaterThan(24);
    expect(whole.queries).toBe(1 + Math.ceil((instants - 1) / 24));
    expect(bounded.queries).toBe(1 + Math.ceil((instants - 1) / 3));
    for (const batch of bounded.batches) {
      expect(new Set(batch.map((s) => s.at)).size).toBeLessThanOrEqual(3);
      expect(batch.length).toBeLessThanOrEqual(3 * PRODUCTS);
    }
  }, 300_000);
});
