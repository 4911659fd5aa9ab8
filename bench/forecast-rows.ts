// Stored forecasts for the API bench, as the forecaster writes them (processors/forecaster.ts
// store()): per product, metric and generation its forecast rows (a row per step), its lifecycle
// row and a backtest row per candidate model, each kind in its own insert, then its head. Made inside ClickHouse
// from numbers(): running the real forecaster over 100k products would take hours, and the reads
// measured here depend only on the rows' shape and number. Generations are an hour apart and
// inserted one after another, so the older ones linger until merges replace them, as they do live.
import type { ClickHouseClient } from '@clickhouse/client';
import { STATISTICAL_MODELS } from '../analytics/forecast/models.js';
import { seasonalNaive } from '../analytics/forecast/seasonal-naive.js';
import { FORECAST_STEPS } from '../processors/forecast-engine.js';
import { FORECAST_METRICS } from '../processors/forecaster.js';
import { forecastHeadsBackfill } from '../schemas/clickhouse/migrations.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

const HOUR_SEC = 3600;
const DAY_SEC = 86_400;
/** One product in this many is a daily import (14 daily steps) rather than a live hourly series. */
const DAILY_EVERY = 50;
const STAGES = ['emerging', 'rising', 'peaking', 'saturating', 'declining'];

// Per product of the generation: its interval, the first forecast bucket and the base (a few at 0,
// which have no relative change). `r(k)` is a deterministic uniform in [0, 1) per product, metric,
// generation and salt k.
const PRODUCTS = `
SELECT concat('p-', toString(number)) AS productId, number AS n,
  number % ${DAILY_EVERY} = 0 AS daily, if(daily, '1d', '1h') AS granularity,
  if(daily, ${FORECAST_STEPS.day.horizon}, ${FORECAST_STEPS.hour.horizon}) AS horizon,
  if(daily, intDiv({start:UInt32}, ${DAY_SEC}) * ${DAY_SEC} - ${DAY_SEC}, {start:UInt32}) AS first,
  if(cityHash64(number, {metric:String}, 1) % 20 = 0, 0, 1 + cityHash64(number, {metric:String}, 2) % 500) AS base
FROM numbers({products:UInt64})`;
const r = (k: number) => `(cityHash64(n, {metric:String}, {g:Int64}, ${k}) / 18446744073709551616.)`;

const FORECASTS_SQL = `
INSERT INTO ${TABLES.forecasts} (productId, metric, generatedAt, model, granularity, horizon, base, step, ts, yhat, lo80, hi80, lo95, hi95)
SELECT productId, {metric:String}, fromUnixTimestamp64Milli({g:Int64}, 'UTC'), {models:Array(String)}[1 + cityHash64(n, {metric:String}, {g:Int64}) % length({models:Array(String)})],
  granularity, horizon, base, step, toDateTime(first + (step - 1) * if(daily, ${DAY_SEC}, ${HOUR_SEC}), 'UTC'),
  base * (0.5 + ${r(3)} + step * (${r(4)} - 0.5) / 24) AS y, 0.8 * y, 1.25 * y, 0.6 * y, 1.6 * y
FROM (${PRODUCTS}) ARRAY JOIN range(1, horizon + 1) AS step`;

const LIFECYCLE_SQL = `
INSERT INTO ${TABLES.productLifecycle} (productId, metric, computedAt, granularity, stage, growth, peakAt, peakLo, peakHi)
SELECT productId, {metric:String}, fromUnixTimestamp64Milli({g:Int64}, 'UTC'), granularity, {stages:Array(String)}[1 + cityHash64(n, {metric:String}, {g:Int64}, 5) % 5],
  ${r(6)} - 0.5, if(${r(7)} < 0.5, toDateTime(first + toUInt32(${r(8)} * 20 * ${HOUR_SEC}), 'UTC'), NULL) AS at,
  at - toIntervalHour(2), at + toIntervalHour(3)
FROM (${PRODUCTS})`;

// Every candidate's backtest: shares of `points` held-out points covered, and a MASE that is
// sometimes infinite (a flat history), as the forecaster stores them.
const BACKTESTS_SQL = `
INSERT INTO ${TABLES.forecastBacktests} (productId, metric, generatedAt, model, chosen, mase, smape, coverage80, margin80, coverage95, margin95, points, origins)
SELECT productId, {metric:String}, fromUnixTimestamp64Milli({g:Int64}, 'UTC'), model,
  model = {models:Array(String)}[1 + cityHash64(n, {metric:String}, {g:Int64}) % length({models:Array(String)})],
  if(cityHash64(n, {metric:String}, {g:Int64}, model) % 50 = 0, inf, 0.3 + cityHash64(n, {metric:String}, {g:Int64}, model, 1) % 1000 / 700),
  20, round(points * (0.5 + cityHash64(n, {g:Int64}, model, 2) % 500 / 1000)) / points, 0.05,
  round(points * (0.7 + cityHash64(n, {g:Int64}, model, 3) % 300 / 1000)) / points, 0.03, points, 12
FROM (SELECT *, 12 * horizon AS points FROM (${PRODUCTS})) ARRAY JOIN arrayConcat({models:Array(String)}, [{naive:String}]) AS model`;

/**
 * Inserts `generations` hourly generations of every product's forecasts of each forecast metric,
 * the newest made at `last` (ms) for the hour after the last settled one.
 */
export async function insertBenchForecasts(ch: ClickHouseClient, o: { products: number; last: number; generations: number }): Promise<void> {
  const models = STATISTICAL_MODELS.map((m) => m.name);
  for (let i = o.generations - 1; i >= 0; i--) {
    const g = o.last - i * HOUR_SEC * 1000;
    const start = Math.floor(g / 1000 / HOUR_SEC) * HOUR_SEC;
    for (const metric of FORECAST_METRICS) {
      const params = { products: o.products, metric, g, start, models, stages: STAGES, naive: seasonalNaive.name };
      for (const query of [FORECASTS_SQL, LIFECYCLE_SQL, BACKTESTS_SQL]) await ch.command({ query, query_params: params });
    }
    // The forecaster writes each generation's heads with it: here the heads migration's backfill
    // makes them from the rows just written (the latest generation of every product).
    await ch.command({ query: forecastHeadsBackfill() });
  }
}
