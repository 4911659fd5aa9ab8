// The overview's score KPIs one period ago against a real chdb: the figures kept for a day of
// history are served again only while that day is unchanged; a re-score there, a new row there,
// or the window moving past a bucket gives the figures of the rows as they are now.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { migrateClickHouse, openClickHouse, type ClickHouseStore } from '../../core/stores/clickhouse.js';
import { getPreviousScoreKpis, previousScoresQuery } from '../../api/queries/get-previous-score-kpis.js';
import { rows } from '../../api/queries/sql.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { watchQueries } from '../helpers/watch-queries.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 0);
let dir: string;
let store: ClickHouseStore;
/** The store's client, counting the reads of the history's rows (the summary reads none). */
let ch: ClickHouseStore['client'];
let computations = 0;
/** Reads of the history's summary (rows and newest computation per bucket). */
let summaries = 0;

const row = (productId: string, hour: number, score: number, label: string, scoredAt: number) => ({
  productId, computedAt: T0 + hour * H, stepSec: 3600, score, label, velocity: 0, acceleration: 0, momentum: 0,
  c_velocity: 0, c_acceleration: 0, c_volume: 0, c_breadth: 0, c_conversion: 0, c_saturation: 0, views24h: 0, orders24h: 0, scoredAt,
});
const write = (values: ReturnType<typeof row>[]) => store.client.insert({ table: TABLES.trendScoreHistory, values, format: 'JSONEachRow' });
/** Unix seconds `hours` after T0. */
const at = (hours: number) => (T0 + hours * H) / 1000;
/** The same figures, computed from the rows every time. */
async function direct(prev: number) {
  const q = previousScoresQuery(prev);
  const [k] = await rows<{ trending: string | number; avgTrendScore: number | null }>(store.client, q.sql, q.params);
  return { trending: Number(k.trending), avgTrendScore: k.avgTrendScore === null ? null : Number(k.avgTrendScore) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-prev-kpis-'));
  store = await openClickHouse({ clickhouseUrl: '', dataDir: dir });
  await migrateClickHouse(store.client, createLogger('silent'));
  ch = watchQueries(store.client, (q) => {
    if (q.query.includes('argMax')) computations++;
    if (q.query.includes('max(scoredAt)')) summaries++;
  });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('previous period score KPIs', () => {
  it('follow every change to the day of history they come from', async () => {
    // a: hourly from hour 0 to 30; b: only at hour 2.
    await write([...Array.from({ length: 31 }, (_, h) => row('a', h, 10 + h, h % 2 ? 'rising' : 'steady', T0 + 40 * H)), row('b', 2, 80, 'emerging', T0 + 40 * H)]);

    // The day before hour 20.5: a's latest is hour 20 (30, steady), b's hour 2 (emerging).
    expect(await getPreviousScoreKpis(ch, at(20.5))).toEqual({ trending: 1, avgTrendScore: 55 });
    expect(await getPreviousScoreKpis(ch, at(20.5))).toEqual(await direct(at(20.5)));
    // Within the same hour the window holds the same rows: computed once.
    expect(await getPreviousScoreKpis(ch, at(20.9))).toEqual({ trending: 1, avgTrendScore: 55 });
    expect(computations).toBe(1);

    // b re-scored at hour 2 by a later computation: the newest row of that bucket counts.
    await write([row('b', 2, 40, 'steady', T0 + 41 * H)]);
    expect(await getPreviousScoreKpis(ch, at(20.5))).toEqual({ trending: 0, avgTrendScore: 35 });
    expect(computations).toBe(2);

    // A product first scored inside the window.
    await write([row('c', 10, 20, 'rising', T0 + 41 * H)]);
    expect(await getPreviousScoreKpis(ch, at(20.5))).toEqual({ trending: 1, avgTrendScore: 30 });

    // The window moves on: at 26.5 it starts at hour 2.5, so b's only bucket is left behind, and
    // a's latest is hour 26 (36, steady).
    expect(await getPreviousScoreKpis(ch, at(26.5))).toEqual({ trending: 1, avgTrendScore: 28 });
    expect(await getPreviousScoreKpis(ch, at(26.5))).toEqual(await direct(at(26.5)));
    // An earlier window asked again gives its own figures, not the later one's, kept.
    const before = computations;
    expect(await getPreviousScoreKpis(ch, at(20.5))).toEqual({ trending: 1, avgTrendScore: 30 });
    expect(computations).toBe(before);

    // After the background merges have collapsed the re-scored bucket, the same figures.
    await store.client.command({ query: `OPTIMIZE TABLE ${TABLES.trendScoreHistory} FINAL` });
    expect(await getPreviousScoreKpis(ch, at(20.5))).toEqual(await direct(at(20.5)));
    expect(await getPreviousScoreKpis(ch, at(20.5))).toEqual({ trending: 1, avgTrendScore: 30 });
  });

  it('have no average score for a day with no score in it, rather than an average of 0', async () => {
    // A first start: the history's day before the moment is not scored yet.
    expect(await getPreviousScoreKpis(ch, at(-30))).toEqual({ trending: 0, avgTrendScore: null });
    expect(await direct(at(-30))).toEqual({ trending: 0, avgTrendScore: null });
  });

  it('read the summary again only when the parts of the history around the moment change', async () => {
    const figures = async (prev: number) => {
      const before = summaries;
      const k = await getPreviousScoreKpis(ch, prev);
      expect(k).toEqual(await direct(prev));
      return { ...k, summaryRead: summaries > before };
    };
    await figures(at(20.5));
    expect(await figures(at(20.5))).toMatchObject({ summaryRead: false });
    // Later in the same day: the same summary, the window's buckets taken from it.
    expect(await figures(at(21.5))).toMatchObject({ summaryRead: false });
    // A live score past the day after the moment's: no part that can hold the summary's rows.
    await write([row('a', 50, 90, 'rising', T0 + 51 * H)]);
    expect(await figures(at(21.5))).toMatchObject({ summaryRead: false });
    // A product first scored inside the window: read again, and in the figures.
    const was = await getPreviousScoreKpis(ch, at(21.5));
    await write([row('d', 12, 99, 'emerging', T0 + 51 * H)]);
    const now = await figures(at(21.5));
    expect(now.summaryRead).toBe(true);
    expect(now.trending).toBe(was.trending + 1);
  });
});
