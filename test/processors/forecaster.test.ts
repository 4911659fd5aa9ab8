// The forecaster against real chdb: series at each product's native step from the rollups, the
// still-filling bucket left out, the MLP trained across products, stored generations, the hourly
// skip and on-demand refresh.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL } from '../../analytics/forecast/backtest.js';
import { ManualClock } from '../../core/clock.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { FORECAST_STEPS, LocalForecastEngine } from '../../processors/forecast-engine.js';
import { activeProducts, Forecaster, loadSeries } from '../../processors/forecaster.js';
import { loadNativeSteps } from '../../processors/native-step.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 1);
const DAYS = 10;
/** An exactly periodic daily cycle: seasonal naive forecasts it without error. */
const cycle = (h: number) => 1000 + Math.round(400 * Math.sin((2 * Math.PI * (h % 24)) / 24));

let dir: string;
let rt: Runtime;
const clock = new ManualClock(T0 + DAYS * 24 * H + 30 * 60_000);

function event(productId: string, h: number, views: number, orders = 0) {
  return { eventId: `${productId}-${h}`, ts: T0 + h * H, productId, platform: 'tiktok', region: 'US', videoId: '', views, likes: 0, shares: 0, comments: 0, orders, revenue: 0, searches: 0, late: 0, ingestedAt: T0 + h * H };
}

async function insertHours(from: number, to: number) {
  const rows = [];
  let seed = 7;
  const noise = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 - 0.5; };
  for (let h = from; h < to; h++) {
    rows.push(event('periodic', h, cycle(h), Math.round(cycle(h) / 100)));
    for (const p of ['noisy-a', 'noisy-b']) rows.push(event(p, h, Math.max(0, Math.round(cycle(h) * (1 + h / 200) + 150 * noise()))));
  }
  await rt.clickhouse.client.insert({ table: TABLES.events, format: 'JSONEachRow', values: rows });
}

async function latest(productId: string, metric = 'views') {
  const rs = await rt.clickhouse.client.query({
    query: `SELECT toUnixTimestamp64Milli(generatedAt) AS at, model, granularity, step, toUnixTimestamp(ts) * 1000 AS ts, yhat, lo80, hi80, lo95, hi95 FROM ${TABLES.forecasts}
      WHERE productId = {id:String} AND metric = {metric:String} AND generatedAt = (SELECT max(generatedAt) FROM ${TABLES.forecasts} WHERE productId = {id:String} AND metric = {metric:String}) ORDER BY step`,
    query_params: { id: productId, metric }, format: 'JSONEachRow',
  });
  return rs.json<{ at: number; model: string; granularity: string; step: number; ts: number; yhat: number; lo80: number; hi80: number; lo95: number; hi95: number }>();
}

async function backtests(productId: string, at: number) {
  const rs = await rt.clickhouse.client.query({
    query: `SELECT model, chosen, mase, smape, coverage80, coverage95, margin80, margin95, points, origins FROM ${TABLES.forecastBacktests} WHERE productId = {id:String} AND generatedAt = fromUnixTimestamp64Milli({at:Int64}) ORDER BY model`,
    query_params: { id: productId, at }, format: 'JSONEachRow',
  });
  return rs.json<{ model: string; chosen: number; mase: number | null; smape: number | null; coverage80: number; coverage95: number; margin80: number | null; margin95: number | null; points: number; origins: number }>();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-forecaster-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir }), { logger: createLogger('silent'), clock });
  await insertHours(0, DAYS * 24);
  // Ten hours of history: too short to backtest a 24-hour horizon.
  await rt.clickhouse.client.insert({ table: TABLES.events, format: 'JSONEachRow', values: Array.from({ length: 10 }, (_, i) => event('newcomer', DAYS * 24 - 10 + i, 50)) });
  // An imported weekly series (Sundays, three years, a yearly cycle) that ended 20 days before the last live hour.
  // A daily import that reaches the last day, and a weekly one (Sundays, two years up to T0) followed by 70 live hours.
  await rt.clickhouse.client.insert({ table: TABLES.events, format: 'JSONEachRow', values: Array.from({ length: 60 }, (_, i) => event('daily-import', (i - 50) * 24, 500 + 100 * ((i % 7) === 3 ? 1 : 0) + (i % 5))) });
  await rt.clickhouse.client.insert({
    table: TABLES.events, format: 'JSONEachRow',
    values: [
      ...Array.from({ length: 160 }, (_, i) => ({ ...event('went-live', 0, Math.round(5000 + 700 * Math.sin((2 * Math.PI * i) / 52))), eventId: `went-live-w${i}`, ts: T0 - (159 - i) * 7 * 24 * H })),
      ...Array.from({ length: 70 }, (_, i) => event('went-live', 170 + i, 700)),
      // Twenty weeks imported, then live from the first hour after T0.
      ...Array.from({ length: 20 }, (_, i) => ({ ...event('live-after-import', 0, 5000), eventId: `live-after-import-w${i}`, ts: T0 - (19 - i) * 7 * 24 * H })),
      ...Array.from({ length: DAYS * 24 - 1 }, (_, i) => event('live-after-import', 1 + i, 700 + (i % 24))),
    ],
  });
  const sunday = Date.UTC(2023, 10, 5);
  await rt.clickhouse.client.insert({ table: TABLES.events, format: 'JSONEachRow', values: Array.from({ length: 156 }, (_, i) => ({ ...event('weekly', 0, 0), eventId: `weekly-${i}`, ts: sunday + i * 7 * 24 * H, searches: Math.round(100 * (1 + 0.5 * Math.sin((2 * Math.PI * i) / 52)) + (i % 7)) })) });
});

afterAll(async () => {
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

const HOURLY = FORECAST_STEPS.hour.horizon;
// Events are stamped on the hour; the last one, at hour DAYS·24 − 1, opens a bucket that is still filling.
const lastComplete = () => T0 + (DAYS * 24 - 1) * H;

describe('Forecaster', () => {
  const forecaster = () => new Forecaster({ ch: rt.clickhouse.client, clock, logger: rt.logger, allowedLatenessMs: 0, neural: true, metrics: ['views'] });
  let f: Forecaster;

  it('trains the MLP across products, leaves it out when it does not beat seasonal naive on validation, and forecasts every active product at its step without the still-filling bucket', async () => {
    f = forecaster();
    // Three products of which one repeats exactly: seasonal naive is unbeatable on validation.
    expect(await f.train()).toBe(false);
    const stats = await f.round();
    expect(stats).toMatchObject({ products: 7, refreshed: 6, skipped: 0, tooShort: 1 });

    // The periodic product: seasonal naive is exact (MASE 0), and so is every other model once
    // its forecast is rounded to whole counts: none beats another, so the forecast is their pool
    // (exact too). The forecast starts at the still-filling hour: that hour is not part of the
    // series it was fitted on.
    const points = await latest('periodic');
    expect(points).toHaveLength(HOURLY);
    expect(points.every((p) => p.model === 'pool' && p.granularity === '1h')).toBe(true);
    points.forEach((p, i) => {
      expect(p.ts).toBe(lastComplete() + i * H);
      expect(p.yhat).toBeCloseTo(cycle(DAYS * 24 - 1 + i), 6);
      expect(p.hi95 - p.lo95).toBeCloseTo(0, 6);
    });
    const bt = await backtests('periodic', points[0].at);
    expect(bt.map((b) => b.model)).toEqual(['combination', 'ets', 'pool', 'seasonal-median', 'seasonal-naive', 'stl-ets', 'theta']);
    expect(bt.find((b) => b.model === 'pool')).toMatchObject({ chosen: 1, mase: 0, coverage80: 1, coverage95: 1 });
    const naive = bt.find((b) => b.model === 'seasonal-naive')!;
    expect(naive).toMatchObject({ chosen: 0, mase: 0, coverage80: 1, coverage95: 1 });
    expect(naive.smape).toBeCloseTo(0, 9);
    expect(naive.points).toBeGreaterThan(0);

    // A noisy product: one backtest row is marked chosen, the stored model's (the pool's row when
    // several candidates are within noise of the best); bands are ordered.
    const noisy = await latest('noisy-a');
    const nbt = await backtests('noisy-a', noisy[0].at);
    expect(nbt.filter((b) => b.chosen).map((b) => b.model)).toEqual([noisy[0].model]);
    // Each coverage is stored with its margin across origins, at least the binomial one on its points.
    for (const b of nbt) {
      expect(b.margin80).toBeGreaterThan(0);
      expect(b.margin80!).toBeGreaterThanOrEqual(1.96 * Math.sqrt((b.coverage80 * (1 - b.coverage80)) / b.points) - 1e-9);
      expect(b.margin95).not.toBeNull();
    }
    for (const p of noisy) {
      expect(p.lo95).toBeLessThanOrEqual(p.lo80);
      expect(p.lo80).toBeLessThanOrEqual(p.yhat);
      expect(p.yhat).toBeLessThanOrEqual(p.hi80);
      expect(p.hi80).toBeLessThanOrEqual(p.hi95);
      expect(p.lo95).toBeGreaterThanOrEqual(0);
    }
    expect(await latest('newcomer')).toEqual([]);
  });

  it('refreshes the most viewed products first: a round at scale outlasts the hour, and the tail waits', async () => {
    // Views in the settled day: the noisy pair has grown past the periodic product; the imports
    // and the newcomer trail; the weekly import ended before the day and is not active.
    const ids = await activeProducts(rt.clickhouse.client, lastComplete() + H);
    expect(new Set(ids.slice(0, 2))).toEqual(new Set(['noisy-a', 'noisy-b']));
    expect(ids.slice(2)).toEqual(['periodic', 'live-after-import', 'went-live', 'daily-import', 'newcomer']);
  });

  it('forecasts an imported weekly series at its weekly step, from the week after its last', async () => {
    const weekly = await f.forecast('weekly', 'searches');
    expect(weekly).toMatchObject({ interval: '1w', horizon: FORECAST_STEPS.week.horizon });
    const lastWeek = Date.UTC(2023, 10, 5) + 155 * 7 * 24 * H;
    expect(weekly!.points.map((p) => p.ts)).toEqual(Array.from({ length: FORECAST_STEPS.week.horizon }, (_, i) => lastWeek + (i + 1) * 7 * 24 * H));
    // Three years hold the yearly cycle: the forecast follows it rather than staying flat.
    const yhat = weekly!.points.map((p) => p.yhat);
    expect(Math.max(...yhat) - Math.min(...yhat)).toBeGreaterThan(20);
  });

  it('an import that went live a few days ago stays at its step, its still-filling week left out; one live for longer is hourly from where its live hours start', async () => {
    const weekly = await latest('went-live');
    expect(weekly[0]).toMatchObject({ granularity: '1w', ts: T0 + 7 * 24 * H });
    const daily = await latest('daily-import');
    // The import's last day is the watermark's day: still filling, so the forecast starts there.
    expect(daily[0]).toMatchObject({ granularity: '1d', ts: T0 + 9 * 24 * H });
    // A daily series is also backtested with harmonic regression (weekday means, AR errors) and
    // exponential smoothing of the series adjusted by it.
    // (The chosen pool's own row, when the choice is one, is beside them.)
    expect((await backtests('daily-import', daily[0].at)).map((b) => b.model).filter((m) => m !== 'pool')).toEqual(['combination', 'ets', 'harmonic', 'harmonic-ets', 'seasonal-naive', 'stl-ets', 'theta']);

    const steps = await loadNativeSteps(rt.clickhouse.client, ['live-after-import']);
    const s = (await loadSeries(rt.clickhouse.client, steps, 'views', lastComplete())).get('live-after-import')!;
    expect(s).toMatchObject({ info: { step: 'hour' }, start: T0 + H, end: lastComplete() });
    expect(Math.max(...s.values)).toBeLessThan(1000);
  });

  it('skips products already forecast from where a forecast made now would start, at their own step, and refreshes them when a new bucket closes', async () => {
    const before = (await latest('noisy-b'))[0].at;
    const importBefore = (await latest('daily-import'))[0].at;
    clock.advance(10 * 60_000);
    expect(await f.round()).toMatchObject({ refreshed: 0, skipped: 6, tooShort: 1 });
    expect((await latest('noisy-b'))[0].at).toBe(before);
    expect((await latest('daily-import'))[0].at).toBe(importBefore);

    // A new hour closes the last day: the daily import is due again, the weekly one (its week still filling) is not.
    await insertHours(DAYS * 24, DAYS * 24 + 1);
    clock.advance(H);
    // Each product refreshed from its previous fits and seasons.
    expect(await f.round()).toMatchObject({ refreshed: 5, skipped: 1, warmStarted: 5 });
    expect((await latest('daily-import'))[0].ts).toBe(T0 + 10 * 24 * H);
    const after = await latest('noisy-b');
    // Only the newest generation is read, and it starts one hour later.
    expect(after).toHaveLength(HOURLY);
    expect(after[0].at).toBe(clock.now());
    expect(after[0].ts).toBe(lastComplete() + H);
    expect((await latest('periodic'))[0].yhat).toBeCloseTo(cycle(DAYS * 24), 6);
    // A cold forecast of the same data (a new forecaster, no previous fits) backtests the warm-started
    // models about as well: the warm fits are not stuck where one hour less of data left them.
    const warmBacktest = await backtests('noisy-b', after[0].at);
    const cold = await new Forecaster({ ch: rt.clickhouse.client, clock, logger: rt.logger, allowedLatenessMs: 0, metrics: ['views'] }).forecast('noisy-b');
    for (const m of ['ets', 'stl-ets']) {
      const coldMase = cold!.backtest.find((b) => b.model === m)!.mase;
      expect(warmBacktest.find((b) => b.model === m)!.mase!).toBeLessThan(coldMase * 1.05);
    }
  });

  it('refreshes once a current generation stored before its base was kept (migration 0013), then stores the series\' last value', async () => {
    // noisy-b's latest generation again, a millisecond later, as written before the column existed (nan).
    const latestOf = `productId = 'noisy-b' AND metric = 'views' AND generatedAt = (SELECT max(generatedAt) FROM ${TABLES.forecasts} WHERE productId = 'noisy-b' AND metric = 'views')`;
    await rt.clickhouse.client.command({ query: `INSERT INTO ${TABLES.forecastBacktests} (productId, metric, generatedAt, model, chosen, mase, smape, coverage80, coverage95, margin80, margin95, points, origins)
      SELECT productId, metric, addMilliseconds(generatedAt, 1), model, chosen, mase, smape, coverage80, coverage95, margin80, margin95, points, origins FROM ${TABLES.forecastBacktests} WHERE ${latestOf}` });
    await rt.clickhouse.client.command({ query: `INSERT INTO ${TABLES.forecasts} (productId, metric, generatedAt, model, granularity, horizon, base, step, ts, yhat, lo80, hi80, lo95, hi95)
      SELECT productId, metric, addMilliseconds(generatedAt, 1), model, granularity, horizon, nan, step, ts, yhat, lo80, hi80, lo95, hi95 FROM ${TABLES.forecasts} WHERE ${latestOf}` });
    clock.advance(10 * 60_000);
    expect(await f.round()).toMatchObject({ refreshed: 1, skipped: 5, tooShort: 1 });
    const rs = await rt.clickhouse.client.query({ query: `SELECT toUnixTimestamp64Milli(generatedAt) AS at, base FROM ${TABLES.forecasts} WHERE productId = 'noisy-b' AND step = 1 ORDER BY generatedAt DESC LIMIT 1`, format: 'JSONEachRow' });
    const [stored] = await rs.json<{ at: string; base: number }>();
    expect(Number(stored.at)).toBe(clock.now());
    const steps = await loadNativeSteps(rt.clickhouse.client, ['noisy-b']);
    const s = (await loadSeries(rt.clickhouse.client, steps, 'views', lastComplete() + H)).get('noisy-b')!;
    expect(stored.base).toBe(s.values[s.values.length - 1]);
    expect(await f.round()).toMatchObject({ refreshed: 0, skipped: 6 });
  });

  it('refreshes a current generation whose head was not stored (a store cut short before its last insert)', async () => {
    await rt.clickhouse.client.command({ query: `ALTER TABLE ${TABLES.forecastHeads} DELETE WHERE productId = 'noisy-b' SETTINGS mutations_sync = 1` });
    clock.advance(10 * 60_000);
    expect(await f.round()).toMatchObject({ refreshed: 1, skipped: 5, tooShort: 1 });
    const rs = await rt.clickhouse.client.query({ query: `SELECT toUnixTimestamp64Milli(generatedAt) AS at FROM ${TABLES.forecastHeads} WHERE productId = 'noisy-b'`, format: 'JSONEachRow' });
    expect((await rs.json<{ at: string }>()).map((r) => Number(r.at))).toEqual([clock.now()]);
    expect(await f.round()).toMatchObject({ refreshed: 0, skipped: 6 });
  });

  it('forecasts one product on demand, for any metric, without storing it, and says null when its history is too short', async () => {
    const orders = await f.forecast('periodic', 'orders');
    expect(orders).toMatchObject({ productId: 'periodic', metric: 'orders', generatedAt: clock.now() });
    expect(orders!.points.map((p) => p.yhat)).toEqual(Array.from({ length: HOURLY }, (_, i) => expect.closeTo(Math.round(cycle(DAYS * 24 + i) / 100), 6)));
    expect(await latest('periodic', 'orders')).toEqual([]);
    expect(await f.forecast('newcomer')).toBeNull();
    expect(await f.forecast('nobody')).toBeNull();
    await f.stop();
  });

  it('forecasts with the statistical models alone when the MLP is off (the API path)', async () => {
    const plain = new Forecaster({ ch: rt.clickhouse.client, clock, logger: rt.logger, allowedLatenessMs: 0 });
    const r = await plain.forecast('noisy-a');
    expect(r!.backtest.map((b) => b.model).filter((m) => m !== POOL).sort()).toEqual(['combination', 'ets', 'seasonal-median', 'seasonal-naive', 'stl-ets', 'theta']);
  });

  it('trains again once its engine started afresh (a forecast thread that died took the MLP with it), not only every six hours', async () => {
    const local = new LocalForecastEngine();
    const engine = Object.assign(Object.create(local) as LocalForecastEngine, { epoch: 0, trainings: 0 });
    // A training that ran and found the MLP no better: one that counts, not retried every round.
    engine.train = async () => { engine.trainings++; return { trained: false, model: null, lags: 24, ms: 0 }; };
    const again = new Forecaster({ ch: rt.clickhouse.client, clock, logger: rt.logger, allowedLatenessMs: 0, neural: true, metrics: ['views'], engine });
    await again.round();
    await again.round();
    expect(engine.trainings).toBe(1);
    engine.epoch++;
    await again.round();
    expect(engine.trainings).toBe(2);
    await again.stop();
  });
});
