// A product's hourly forecast: the latest stored generation (the processors refresh active
// products every hour), else one computed on the spot with the statistical models and not
// stored, since a read never writes.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Metric } from '../../schemas/events.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { Forecaster, StoredForecast } from '../../processors/forecaster.js';
import { rows } from './sql.js';

// The latest generation of a product's forecast (older ones linger until merges replace them).
const FORECAST_SQL = `
SELECT toUnixTimestamp64Milli(generatedAt) AS at, model, step, toUnixTimestamp(ts) AS t, yhat, lo80, hi80, lo95, hi95
FROM ${TABLES.forecasts}
WHERE productId = {id:String} AND metric = {metric:String}
  AND generatedAt = (SELECT max(generatedAt) FROM ${TABLES.forecasts} WHERE productId = {id:String} AND metric = {metric:String})
ORDER BY step LIMIT 1 BY step`;

const BACKTEST_SQL = `
SELECT model, mase, coverage80, coverage95
FROM ${TABLES.forecastBacktests}
WHERE productId = {id:String} AND metric = {metric:String} AND generatedAt = fromUnixTimestamp64Milli({at:Int64})
ORDER BY model LIMIT 1 BY model`;

async function storedForecast(ch: ClickHouseClient, id: string, metric: Metric): Promise<StoredForecast | null> {
  const points = await rows<{ at: number; model: string; step: number; t: number; yhat: number; lo80: number; hi80: number; lo95: number; hi95: number }>(ch, FORECAST_SQL, { id, metric });
  if (!points.length) return null;
  const at = Number(points[0].at);
  const backtest = await rows<{ model: string; mase: number | null; coverage80: number; coverage95: number }>(ch, BACKTEST_SQL, { id, metric, at });
  return {
    productId: id, metric, generatedAt: at, model: points[0].model, horizon: points.length,
    points: points.map((p) => ({ step: Number(p.step), ts: Number(p.t) * 1000, yhat: p.yhat, lo80: p.lo80, hi80: p.hi80, lo95: p.lo95, hi95: p.hi95 })),
    // ClickHouse writes an infinite MASE (a flat history) as null.
    backtest: backtest.map((b) => ({ model: b.model, mase: b.mase ?? Infinity, coverage80: b.coverage80, coverage95: b.coverage95, origins: [] })),
  };
}

export interface ForecastDeps { ch: ClickHouseClient; forecaster: Forecaster }

/** The first `horizon` hours of the product's forecast, with every candidate's backtest, best first. */
export async function getProductForecast(d: ForecastDeps, id: string, metric: Metric, horizon: number) {
  const f = (await storedForecast(d.ch, id, metric)) ?? (await d.forecaster.forecast(id, metric));
  if (!f) return { model: null, horizon, interval: '1h' as const, points: [], backtest: [], generatedAt: null };
  return {
    model: f.model, horizon, interval: '1h' as const,
    points: f.points.slice(0, horizon).map((p) => ({ ts: new Date(p.ts).toISOString(), yhat: p.yhat, lo80: p.lo80, hi80: p.hi80, lo95: p.lo95, hi95: p.hi95 })),
    backtest: f.backtest
      .map((b) => ({ model: b.model, mase: Number.isFinite(b.mase) ? b.mase : null, coverage80: b.coverage80, coverage95: b.coverage95 }))
      .sort((a, b) => (a.mase ?? Infinity) - (b.mase ?? Infinity)),
    generatedAt: new Date(f.generatedAt).toISOString(),
  };
}
