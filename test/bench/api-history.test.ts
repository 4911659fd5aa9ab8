// The API and soak phases store a week of past scores beside their events instead of scoring
// every hour of it (minutes at 100k products). The breakout detector rebuilds each product's
// baseline from those scores' momenta, so they must be the momenta the real scorer computes from
// the same events: a history of zeros made every baseline flat at the detector's noise floor, and
// the first live round flagged a third of the products as breaking out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { insertBenchEvents, insertScoreHistory } from '../../bench/api.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime } from '../../core/runtime.js';
import { Scorer } from '../../processors/scorer.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const H = 3_600_000;
const END = Date.UTC(2026, 10, 20, 12, 0, 0);
const PRODUCTS = 60;
const dirs: string[] = [];

afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('bench score history', () => {
  it('carries the momenta the scorer computes from the loaded events', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trenddrop-bench-history-'));
    dirs.push(dir);
    const config = loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' });
    const rt = await openRuntime(config, { logger: createLogger('silent') });
    try {
      const ch = rt.clickhouse.client;
      // Enough events that every product has hours all week (none is taken for a daily import).
      await insertBenchEvents(ch, { end: END, products: PRODUCTS, offset: 0, n: 60_000 });
      const read = async () => {
        const rs = await ch.query({ query: `SELECT productId, toUnixTimestamp64Milli(computedAt) AS at, momentum FROM ${TABLES.trendScoreHistory} FINAL`, format: 'JSONEachRow' });
        const out = new Map<string, number>();
        for (const r of await rs.json<{ productId: string; at: string; momentum: number }>()) out.set(`${r.productId}@${r.at}`, r.momentum);
        return out;
      };
      // The real scorer with nothing stored scores every hour of the week for every product.
      const scorer = new Scorer({
        ch, bus: rt.bus, topics: rt.topics, clock: rt.clock, logger: rt.logger, metrics: rt.metrics, weights: config.scoreWeights,
        intervalMs: config.scoreIntervalMs, allowedLatenessMs: config.allowedLatenessMs, watermark: () => END + config.allowedLatenessMs + H,
      });
      await scorer.round();
      const scored = await read();

      await ch.command({ query: `TRUNCATE TABLE ${TABLES.trendScoreHistory}` });
      const last = Math.floor(END / H) * H - 2 * H;
      await insertScoreHistory(ch, { last, products: PRODUCTS });
      const bench = await read();
      expect(bench.size).toBe(PRODUCTS * 168);

      let compared = 0, moving = 0;
      for (const [key, m] of bench) {
        const expected = scored.get(key);
        if (expected === undefined) continue;
        expect({ key, m: +m.toFixed(9) }).toEqual({ key, m: +expected.toFixed(9) });
        compared++;
        if (Math.abs(expected) > 1e-3) moving++;
      }
      // Every product over most of the week, and momenta that are not all zero.
      expect(compared).toBeGreaterThan(PRODUCTS * 150);
      expect(moving).toBeGreaterThan(compared / 2);
    } finally {
      await rt.close();
    }
  });
});
