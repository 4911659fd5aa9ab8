// How far the app's stored forecasts can be trusted, over every product's latest forecast of a
// metric: the chosen models' backtest interval coverage pooled over all their held-out points,
// with a margin that counts each product as one cluster (a product's backtest points move
// together), and the share of products whose chosen model beats seasonal naive on its backtest.
// Read from the rows, that is every product's latest generation (seconds at 100k products); so the
// figures come from the forecast heads (forecast-heads.ts: one narrow row per product and
// generation, which the forecaster writes with them) and are kept per data key (data-key.ts):
// they change only when the forecaster writes.
import type { ClickHouseClient } from '@clickhouse/client';
import { coverageFigures } from '../../analytics/forecast/accuracy.js';
import type { Metric } from '../../schemas/events.js';
import type { ForecastCalibration } from '../schemas/forecasts.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { dataKey } from './data-key.js';
import { keptPerStore } from './kept.js';
import { latestHeadsSql } from './forecast-heads.js';
import { latestForecastsSql } from './latest-forecasts.js';
import { rows } from './sql.js';

const FIGURES = 'coverage80, coverage95, points, relativeMase';

/** Every product's latest forecast's backtest figures from the rows (run directly by the API bench). */
export const CALIBRATION_SQL = `SELECT ${FIGURES} FROM (${latestForecastsSql(null)}) SETTINGS join_use_nulls = 1`;

/** The same from the heads. */
const HEADS_CALIBRATION_SQL = `SELECT ${FIGURES} FROM (${latestHeadsSql(null, { ids: false })})`;

type Num = number | null;

/** Per store: the figures by metric and data key. */
const kept = keptPerStore<ForecastCalibration>();

export async function getForecastCalibration(ch: ClickHouseClient, metric: Metric): Promise<ForecastCalibration> {
  // The key is read before the figures: they are never labelled with data older than theirs.
  const key = `${metric}|${await dataKey(ch, [TABLES.forecastHeads])}`;
  return kept.get(ch, key) ?? kept.set(ch, key, calibrationOf(metric, await rows<Figures>(ch, HEADS_CALIBRATION_SQL, { metric })));
}

/** The figures from the forecast and backtest rows, every time: what getForecastCalibration answers from the heads. */
export async function computeForecastCalibration(ch: ClickHouseClient, metric: Metric): Promise<ForecastCalibration> {
  return calibrationOf(metric, await rows<Figures>(ch, CALIBRATION_SQL, { metric }));
}

interface Figures { coverage80: Num; coverage95: Num; points: number | string; relativeMase: Num }

function calibrationOf(metric: Metric, found: Figures[]): ForecastCalibration {
  // A backtest row keeps shares; the points inside are share × points (whole numbers, rounded back).
  const covered = found.filter((r) => r.coverage80 !== null && r.coverage95 !== null && Number(r.points) > 0);
  const points = covered.map((r) => Number(r.points));
  const c = coverageFigures(covered.map((r, i) => Math.round(r.coverage80! * points[i])), covered.map((r, i) => Math.round(r.coverage95! * points[i])), points);
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const relative = found.filter((r) => r.relativeMase !== null);
  return {
    metric, products: found.length, points: c.points,
    coverage80: { coverage: finite(c.coverage80), margin: finite(c.margin80) },
    coverage95: { coverage: finite(c.coverage95), margin: finite(c.margin95) },
    beatsSeasonalNaive: { share: relative.length ? relative.filter((r) => r.relativeMase! < 1).length / relative.length : null, products: relative.length },
  };
}
