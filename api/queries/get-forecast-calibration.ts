// How far the app's stored forecasts can be trusted, over every product's latest forecast of a
// metric: the chosen models' backtest interval coverage pooled over all their held-out points,
// with a margin that counts each product as one cluster (a product's backtest points move
// together), and the share of products whose chosen model beats seasonal naive on its backtest.
import type { ClickHouseClient } from '@clickhouse/client';
import { coverageFigures } from '../../analytics/forecast/accuracy.js';
import type { Metric } from '../../schemas/events.js';
import type { ForecastCalibration } from '../schemas/forecasts.js';
import { latestForecastsSql } from './latest-forecasts.js';
import { rows } from './sql.js';

const CALIBRATION_SQL = `SELECT coverage80, coverage95, points, relativeMase FROM (${latestForecastsSql(null)}) SETTINGS join_use_nulls = 1`;

type Num = number | null;

export async function getForecastCalibration(ch: ClickHouseClient, metric: Metric): Promise<ForecastCalibration> {
  const found = await rows<{ coverage80: Num; coverage95: Num; points: number | string; relativeMase: Num }>(ch, CALIBRATION_SQL, { metric });
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
