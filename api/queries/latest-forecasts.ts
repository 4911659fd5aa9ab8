// Each product's latest stored forecast of a metric with the chosen model's backtest row beside
// seasonal naive's: what the forecasts list and the app-wide calibration read. Only the latest
// generation counts (older ones linger until merges replace them), and nothing here is computed
// from the reader's clock or from engagement that was still arriving when the forecast was made.
import { aheadStep } from '../../processors/forecast-heads.js';
import { FORECAST_STEPS } from '../../processors/forecast-engine.js';
import { seasonalNaive } from '../../analytics/forecast/seasonal-naive.js';
import { STEPS, type Step } from '../../analytics/granularity.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { Ahead } from '../schemas/forecasts.js';

/**
 * Per native interval, the forecast step that starts `ahead` after the last complete bucket (step k
 * starts k steps after it); intervals that cannot say it in whole steps within their horizon are left out.
 */
export function stepsAhead(ahead: Ahead): Partial<Record<string, number>> {
  const out: Partial<Record<string, number>> = {};
  for (const step of Object.keys(STEPS) as Step[]) {
    const k = aheadStep(ahead, step);
    if (k !== undefined && k <= FORECAST_STEPS[step].horizon) out[STEPS[step].interval] = k;
  }
  return out;
}

/** `step` of the target bucket by the row's `granularity`, 0 (no step) where the interval cannot reach it. */
const targetStepSql = (ahead: Ahead) => `multiIf(${Object.entries(stepsAhead(ahead)).map(([interval, k]) => `granularity = '${interval}', ${k}`).join(', ')}, 0)`;

/** The chosen model's MASE over seasonal naive's, defined as analytics/forecast/backtest.ts relativeMase: null unless both finite and naive's above 0. */
export const relativeMaseSql = (mase: string, naive: string) => `if(isFinite(${naive}) AND ${naive} > 0 AND isFinite(${mase}), ${mase} / ${naive}, NULL)`;

// The latest generation of every product (step 1 always exists; with `ahead`, its target step
// too). Aliases differ from the columns: ClickHouse would read an aggregate's alias in WHERE.
const generationsSql = (ahead: Ahead | null) => {
  const target = ahead && `step = ${targetStepSql(ahead)}`;
  return `
SELECT productId, generatedAt AS g, any(model) AS fModel, any(granularity) AS fInterval, any(base) AS fBase, anyIf(ts, step = 1) AS fStart${target ? `,
  countIf(${target}) > 0 AS reaches, anyIf(ts, ${target}) AS fTarget, anyIf(yhat, ${target}) AS fYhat, anyIf(lo80, ${target}) AS fLo80, anyIf(hi80, ${target}) AS fHi80` : ''}
FROM ${TABLES.forecasts}
WHERE metric = {metric:String} AND ${target ? `(step = 1 OR ${target})` : 'step = 1'}
GROUP BY productId, generatedAt
ORDER BY productId, g DESC LIMIT 1 BY productId`;
};

const backtestRowsSql = (where: string) => `
SELECT productId, generatedAt, model, mase, coverage80, margin80, coverage95, margin95, points, origins
FROM ${TABLES.forecastBacktests} WHERE metric = {metric:String} ${where} LIMIT 1 BY productId, generatedAt, model`;

/**
 * One row per product with a stored forecast of {metric:String}: its latest generation `f`, the
 * chosen model's backtest row `b`, seasonal naive's `sn` and `relativeMase`; with `ahead`, only
 * products whose forecast reaches the target step, with its figures. Run with join_use_nulls = 1.
 */
export function latestForecastsSql(ahead: Ahead | null): string {
  return `
SELECT f.productId AS productId, f.g AS g, f.fModel AS model, f.fInterval AS granularity, f.fBase AS base, f.fStart AS start${ahead ? ', f.fTarget AS target, f.fYhat AS yhat, f.fLo80 AS lo80, f.fHi80 AS hi80' : ''},
  b.mase AS mase, b.coverage80 AS coverage80, b.margin80 AS margin80, b.coverage95 AS coverage95, b.margin95 AS margin95,
  ifNull(b.points, 0) AS points, ifNull(b.origins, 0) AS origins, ${relativeMaseSql('b.mase', 'sn.mase')} AS relativeMase
FROM (${generationsSql(ahead)}) AS f
LEFT JOIN (${backtestRowsSql('')}) AS b ON b.productId = f.productId AND b.generatedAt = f.g AND b.model = f.fModel
LEFT JOIN (${backtestRowsSql(`AND model = '${seasonalNaive.name}'`)}) AS sn ON sn.productId = f.productId AND sn.generatedAt = f.g
${ahead ? 'WHERE f.reaches' : ''}`;
}
