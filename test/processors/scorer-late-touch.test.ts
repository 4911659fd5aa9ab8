// A write that lands while a round runs, in hours the running chunk has already read, is scored
// by the next round: the chunk's bookkeeping moves `through` past those hours as if it had seen
// the write. Same data, same answer: the product's scores then equal those of a scorer that had
// the late rows from the start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime } from '../../core/runtime.js';
import { Scorer, type ScoredBucket } from '../../processors/scorer.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { insertHourlyRollups, randomHourlyRollups } from '../helpers/rollups.js';

const H = 3600;
const T0 = Date.UTC(2026, 9, 1) / 1000;
const PRODUCTS = 12;
const HOURS = 60;
/** The hour the late rows land in: inside the round's second chunk, after its rows were read. */
const LATE_HOUR = 12;
const LATE_ROW = ['p-0', T0 + LATE_HOUR * H, 'DE', 'youtube', 90_000, 90_000, 9_000, 900, 1_800, 400, 0, 0];
const dirs: string[] = [];

afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const rollups = () => randomHourlyRollups({ seed: 11, products: PRODUCTS, hours: HOURS, t0: T0 });

type Row = { at: number; label: string; velocity: number; momentum: number };

/**
 * p-0's scores after `rounds` rounds over the rollups; with `lateDuringRound`, the late row is
 * written (and the scorer told, as the sink tells it) once the first round has written an instant
 * of its second chunk, else it is there from the start.
 */
async function scoresOfP0(lateDuringRound: boolean, rounds: number): Promise<Row[][]> {
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-scorer-late-'));
  dirs.push(dir);
  const config = loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' });
  // One embedded engine per process at a time: each run closes its store before the next opens one.
  const rt = await openRuntime(config, { logger: createLogger('silent') });
  try {
    await insertHourlyRollups(rt.clickhouse.client, lateDuringRound ? rollups() : [...rollups(), LATE_ROW]);
    let late = lateDuringRound;
    const end = (T0 + HOURS * H) * 1000 + config.allowedLatenessMs + H * 1000;
    const scorer: Scorer = new Scorer({
      ch: rt.clickhouse.client, bus: rt.bus, topics: rt.topics, clock: rt.clock, logger: rt.logger, metrics: rt.metrics, weights: config.scoreWeights,
      intervalMs: config.scoreIntervalMs, allowedLatenessMs: config.allowedLatenessMs, watermark: () => end,
      // Two instants a write, so that a chunk writes (and reports) several times.
      writeRows: 2 * PRODUCTS,
      onScored: async (batch: ScoredBucket[]) => {
        const newest = Math.max(...batch.map((s) => s.at)) / 1000;
        if (!late || newest < T0 + 3 * H || newest >= T0 + LATE_HOUR * H) return;
        late = false;
        await insertHourlyRollups(rt.clickhouse.client, [LATE_ROW]);
        scorer.touch(new Map([['p-0', (T0 + LATE_HOUR * H) * 1000]]));
      },
    });
    const after: Row[][] = [];
    for (let r = 0; r < rounds; r++) {
      await scorer.round();
      const rs = await rt.clickhouse.client.query({
        query: `SELECT toUnixTimestamp(computedAt) AS at, label, velocity, momentum FROM ${TABLES.trendScoreHistory} FINAL WHERE productId = 'p-0' ORDER BY at`,
        format: 'JSONEachRow',
      });
      after.push(await rs.json<Row>());
    }
    expect(late).toBe(false);
    return after;
  } finally {
    await rt.close();
  }
}

describe('scorer: a write during a round', () => {
  it('is re-scored by the next round, to the scores of a store that had it from the start', async () => {
    const [expected] = await scoresOfP0(false, 1);
    const [first, second] = await scoresOfP0(true, 2);
    expect(expected.length).toBeGreaterThan(HOURS - 10);
    // The first round read the late hour before the write: its scores there are stale.
    expect(first).not.toEqual(expected);
    expect(second).toEqual(expected);
  }, 300_000);
});
