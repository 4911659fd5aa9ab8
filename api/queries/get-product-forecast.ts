// A product's forecast at its native step: the latest stored generation (the processors refresh
// active products every hour), else one computed on the spot with the statistical models and
// not stored, since a read never writes.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Metric } from '../../schemas/events.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { FORECAST_STEPS, type StoredForecast } from '../../processors/forecast-engine.js';
import type { Forecaster } from '../../processors/forecaster.js';
import { relativeMase } from '../../analytics/forecast/backtest.js';
import { LIFECYCLE_WINDOW, type Stage } from '../../analytics/lifecycle.js';
import { stepOfInterval } from '../../analytics/granularity.js';
import { rows } from './sql.js';

// The latest generation of a product's forecast (older ones linger until merges replace them).
const FORECAST_SQL = `
SELECT toUnixTimestamp64Milli(generatedAt) AS at, model, granularity, base, step, toUnixTimestamp(ts) AS t, yhat, lo80, hi80, lo95, hi95
FROM ${TABLES.forecasts}
WHERE productId = {id:String} AND metric = {metric:String}
  AND generatedAt = (SELECT max(generatedAt) FROM ${TABLES.forecasts} WHERE productId = {id:String} AND metric = {metric:String})
ORDER BY step LIMIT 1 BY step`;

const BACKTEST_SQL = `
SELECT model, mase, smape, coverage80, coverage95, margin80, margin95, points, origins
FROM ${TABLES.forecastBacktests}
WHERE productId = {id:String} AND metric = {metric:String} AND generatedAt = fromUnixTimestamp64Milli({at:Int64})
ORDER BY model LIMIT 1 BY model`;

const LIFECYCLE_SQL = `
SELECT stage, growth, toUnixTimestamp(peakAt) AS peakAt, toUnixTimestamp(peakLo) AS peakLo, toUnixTimestamp(peakHi) AS peakHi
FROM ${TABLES.productLifecycle}
WHERE productId = {id:String} AND metric = {metric:String} AND computedAt = fromUnixTimestamp64Milli({at:Int64})
LIMIT 1`;

type Nullable = number | null;

async function storedForecast(ch: ClickHouseClient, id: string, metric: Metric): Promise<StoredForecast | null> {
  const points = await rows<{ at: number; model: string; granularity: string; base: Nullable; step: number; t: number; yhat: number; lo80: number; hi80: number; lo95: number; hi95: number }>(ch, FORECAST_SQL, { id, metric });
  if (!points.length) return null;
  const at = Number(points[0].at);
  const backtest = await rows<{ model: string; mase: Nullable; smape: Nullable; coverage80: Nullable; coverage95: Nullable; margin80: Nullable; margin95: Nullable; points: number; origins: number }>(ch, BACKTEST_SQL, { id, metric, at });
  const [lc] = await rows<{ stage: Stage; growth: number; peakAt: Nullable; peakLo: Nullable; peakHi: Nullable }>(ch, LIFECYCLE_SQL, { id, metric, at });
  // ClickHouse writes an infinite or undefined figure (a flat history) as null.
  const orInf = (v: Nullable) => v ?? Infinity;
  const orNaN = (v: Nullable) => v ?? Number.NaN;
  return {
    productId: id, metric, generatedAt: at, model: points[0].model, interval: points[0].granularity, horizon: points.length, base: orNaN(points[0].base),
    points: points.map((p) => ({ step: Number(p.step), ts: Number(p.t) * 1000, yhat: p.yhat, lo80: p.lo80, hi80: p.hi80, lo95: p.lo95, hi95: p.hi95 })),
    backtest: backtest.map((b) => ({ model: b.model, mase: orInf(b.mase), smape: orNaN(b.smape), coverage80: orNaN(b.coverage80), coverage95: orNaN(b.coverage95), margin80: orNaN(b.margin80), margin95: orNaN(b.margin95), points: Number(b.points), origins: Number(b.origins) })),
    lifecycle: lc ? { stage: lc.stage, growth: lc.growth, peak: lc.peakAt === null ? null : { at: Number(lc.peakAt) * 1000, lo: Number(lc.peakLo) * 1000, hi: Number(lc.peakHi) * 1000 } } : null,
  };
}

export interface ForecastDeps { ch: ClickHouseClient; forecaster: Forecaster }

/**
 * The first `horizon` steps (default all) of the product's forecast, with every candidate's
 * backtest, best first: MASE and its ratio to seasonal naive's, sMAPE, 80/95% coverage and the held-out points they rest on.
 */
export async function getProductForecast(d: ForecastDeps, id: string, metric: Metric, horizon?: number) {
  const f = (await storedForecast(d.ch, id, metric)) ?? (await d.forecaster.forecast(id, metric));
  if (!f) return { model: null, horizon: horizon ?? FORECAST_STEPS.hour.horizon, interval: '1h', points: [], backtest: [], generatedAt: null, lifecycle: null };
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const h = Math.min(horizon ?? f.points.length, f.points.length);
  // A forecast's interval is always one of the steps' (the forecaster writes STEPS[step].interval).
  const step = stepOfInterval(f.interval)!;
  return {
    model: f.model, horizon: h, interval: f.interval,
    points: f.points.slice(0, h).map((p) => ({ ts: new Date(p.ts).toISOString(), yhat: p.yhat, lo80: p.lo80, hi80: p.hi80, lo95: p.lo95, hi95: p.hi95 })),
    backtest: f.backtest
      .map((b) => ({ model: b.model, mase: finite(b.mase), relativeMase: finite(relativeMase(b.mase, f.backtest)), smape: finite(b.smape), coverage80: finite(b.coverage80), coverage95: finite(b.coverage95), margin80: finite(b.margin80), margin95: finite(b.margin95), points: b.points, chosen: b.model === f.model }))
      .sort((a, b) => (a.mase ?? Infinity) - (b.mase ?? Infinity)),
    generatedAt: new Date(f.generatedAt).toISOString(),
    // Stage from the forecast; growth is log-growth per step (×100 ≈ % per step); peak only when the horizon reaches it.
    lifecycle: f.lifecycle && {
      stage: f.lifecycle.stage, growthPerStep: f.lifecycle.growth, windowSteps: LIFECYCLE_WINDOW[step],
      peak: f.lifecycle.peak && { at: new Date(f.lifecycle.peak.at).toISOString(), lo: new Date(f.lifecycle.peak.lo).toISOString(), hi: new Date(f.lifecycle.peak.hi).toISOString() },
    },
  };
}
