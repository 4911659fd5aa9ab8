// The alerts' track record over a span of event time: hit rate, base rate, lift, median lead time
// and false alarms, overall, per period and per category (analytics/track-record.ts).
//
// Base rate: comparable moments without an alert, judged by the same rule at the same horizon.
// For alerts on hourly and daily series the moments are product-days: every product and UTC day
// d with engagement on day d − 1 and on day d, a hit when day d's weighted engagement beats
// day d − 1's by ≥ 20%. For weekly (monthly) series, product-weeks (product-months) likewise.
// Moments of a product whose before or after period holds one of its alerts are left out.
import type { ClickHouseClient } from '@clickhouse/client';
import { and, eq, gte, lt } from 'drizzle-orm';
import type { Db } from '../../core/stores/postgres.js';
import { ENGAGEMENT_SQL } from '../../analytics/trend.js';
import { HIT_GROWTH, ledgerFigures } from '../../analytics/track-record.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { alerts, products } from '../../schemas/postgres/schema.js';
import type { AlertLedger } from '../schemas/alerts.js';
import { latestProductsSql, rows } from './sql.js';

export type LedgerPeriod = AlertLedger['period'];
export type LedgerHorizon = 'day' | 'week' | 'month';

export interface LedgerParams { from: number; to: number; period: LedgerPeriod }

/** The moment grid of a horizon, in ClickHouse: start of the period holding a day bucket. */
const START: Record<LedgerHorizon, string> = { day: 'toStartOfDay(bucket)', week: 'toStartOfWeek(bucket)', month: 'toStartOfMonth(bucket)' };
const PERIOD_START: Record<LedgerPeriod, string> = { day: 'toStartOfDay(cur.m)', week: 'toStartOfWeek(cur.m)', month: 'toStartOfMonth(cur.m)' };
const UNIT: Record<LedgerHorizon, string> = { day: 'DAY', week: 'WEEK', month: 'MONTH' };

const baseSql = (h: LedgerHorizon, period: LedgerPeriod) => `
WITH per AS (
  SELECT productId, ${START[h]} AS m, sum(toFloat64(${ENGAGEMENT_SQL})) AS e FROM ${TABLES.engagement1d}
  WHERE bucket >= toDateTime({from:UInt32}) - INTERVAL 1 ${UNIT[h]} AND bucket < toDateTime({to:UInt32})
  GROUP BY productId, m)
SELECT toUnixTimestamp(${PERIOD_START[period]}) AS period, ifNull(nullIf(c.category, ''), 'Uncategorized') AS category,
  count() AS moments, countIf(cur.e >= ${HIT_GROWTH} * prev.e) AS hits
FROM per AS cur
INNER JOIN (SELECT productId, m + INTERVAL 1 ${UNIT[h]} AS following, e FROM per) AS prev ON prev.productId = cur.productId AND prev.following = cur.m
LEFT JOIN (${latestProductsSql(['category'])}) AS c ON c.productId = cur.productId
WHERE prev.e > 0 AND cur.e > 0 AND cur.m >= toDateTime({from:UInt32}) AND cur.m + INTERVAL 1 ${UNIT[h]} <= toDateTime({to:UInt32})
  AND NOT has({exclude:Array(String)}, concat(cur.productId, '|', toString(toUnixTimestamp(cur.m))))
GROUP BY period, category`;

const horizonOf = (stepSec: number): LedgerHorizon => (stepSec >= 28 * 86_400 ? 'month' : stepSec >= 7 * 86_400 ? 'week' : 'day');

/** Period starts in JS, matching ClickHouse's toStartOfDay/Week (Sunday)/Month in UTC. */
function periodStart(ms: number, p: LedgerPeriod | LedgerHorizon): number {
  const d = new Date(ms);
  if (p === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return p === 'week' ? day - d.getUTCDay() * 86_400_000 : day;
}

function nextPeriod(start: number, p: LedgerHorizon): number {
  const d = new Date(start);
  return p === 'month' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) : start + (p === 'week' ? 7 : 1) * 86_400_000;
}

export async function getAlertLedger(ch: ClickHouseClient, db: Db, q: LedgerParams): Promise<AlertLedger> {
  const found = await db.select({ productId: alerts.productId, at: alerts.at, stepSec: alerts.stepSec, outcome: alerts.outcome, leadTimeSec: alerts.leadTimeSec, category: products.category })
    .from(alerts).leftJoin(products, eq(products.productId, alerts.productId))
    .where(and(gte(alerts.at, new Date(q.from)), lt(alerts.at, new Date(q.to))));
  const list = found.map((a) => ({ ...a, at: a.at.getTime(), category: a.category ?? 'Uncategorized', horizon: horizonOf(a.stepSec), outcome: a.outcome as 'hit' | 'miss' | null }));

  // Base moments at each horizon the alerts use (the daily one when there are none).
  const horizons = new Set<LedgerHorizon>(list.length ? list.map((a) => a.horizon) : ['day']);
  const base: { horizon: LedgerHorizon; period: number; category: string; moments: number; hits: number }[] = [];
  for (const h of horizons) {
    // An alert's moment: the start of the period after the one it fell in, and the one it fell in.
    const exclude = list.filter((a) => a.horizon === h).flatMap((a) => {
      const m = periodStart(a.at, h);
      return [`${a.productId}|${m / 1000}`, `${a.productId}|${nextPeriod(m, h) / 1000}`];
    });
    for (const r of await rows<{ period: number; category: string; moments: number; hits: number }>(ch, baseSql(h, q.period), { from: Math.floor(q.from / 1000), to: Math.floor(q.to / 1000), exclude })) {
      base.push({ horizon: h, period: Number(r.period) * 1000, category: r.category, moments: Number(r.moments), hits: Number(r.hits) });
    }
  }

  const cell = (alertsIn: typeof list, baseIn: typeof base) => ledgerFigures({
    alerts: alertsIn.map((a) => ({ outcome: a.outcome, leadTimeSec: a.leadTimeSec })),
    base: baseIn.reduce((t, b) => ({ moments: t.moments + b.moments, hits: t.hits + b.hits }), { moments: 0, hits: 0 }),
  });
  const group = <K extends string>(keyOfAlert: (a: (typeof list)[number]) => K, keyOfBase: (b: (typeof base)[number]) => K) => {
    const keys = [...new Set([...list.map(keyOfAlert), ...base.map(keyOfBase)])].sort();
    return keys.map((key) => ({ key, ...cell(list.filter((a) => keyOfAlert(a) === key), base.filter((b) => keyOfBase(b) === key)) }));
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    from: iso(q.from), to: iso(q.to), period: q.period,
    method: {
      hit: `weighted engagement over the 24 h after the alert's bucket (one step for weekly or monthly series) is at least ${HIT_GROWTH}× the same span before it`,
      baseRate: 'the same rule at every product-day (product-week, product-month for coarser series) with engagement in both periods and no alert of that product in either',
      leadTime: 'from the alert to the bucket of peak engagement within three horizons after it',
    },
    overall: cell(list, base),
    periods: group((a) => iso(periodStart(a.at, q.period)), (b) => iso(b.period)),
    categories: group((a) => a.category, (b) => b.category),
  };
}
