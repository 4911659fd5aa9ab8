// The track record: every breakout alert is judged once event time has moved past its horizon.
// Outcome (analytics/track-record.ts): a hit when weighted engagement over the horizon after the
// alert's bucket beats the horizon before it by ≥ 20%; later, once three horizons have passed,
// the peak of engagement after the alert and the lead time to it. Written onto the alert row.
import type { ClickHouseClient } from '@clickhouse/client';
import { and, eq, inArray, isNotNull, isNull, lte, or } from 'drizzle-orm';
import type { Logger } from '../core/logger.js';
import { queryRows } from '../core/stores/clickhouse.js';
import { slices, type Db } from '../core/stores/postgres.js';
import { ENGAGEMENT_SQL } from '../analytics/trend.js';
import { isHit, outcomeHorizonMs, PEAK_HORIZONS } from '../analytics/track-record.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import { alerts } from '../schemas/postgres/schema.js';

export interface AlertOutcomesDeps {
  ch: ClickHouseClient;
  db: Db;
  logger: Logger;
  /** Event time (ms) before which every bucket is settled (watermark − allowed lateness). */
  settled: () => number;
}

// Engagement before and after the end of the alert's bucket, and (over the peak search) the
// step bucket of the peak: steps counted from the alert's bucket start.
const OUTCOME_SQL = `
SELECT sumIf(e, bucket < toDateTime({end:UInt32})) AS baseline, sumIf(e, bucket >= toDateTime({end:UInt32}) AND bucket < toDateTime({afterEnd:UInt32})) AS after
FROM (SELECT bucket, toFloat64(${ENGAGEMENT_SQL}) AS e FROM ${TABLES.engagement1h}
      WHERE productId = {productId:String} AND bucket >= toDateTime({start:UInt32}) AND bucket < toDateTime({afterEnd:UInt32}))`;

const PEAK_SQL = `
SELECT intDiv(toUnixTimestamp(bucket) - {at:UInt32}, {step:UInt32}) AS k, sum(toFloat64(${ENGAGEMENT_SQL})) AS e
FROM ${TABLES.engagement1h}
WHERE productId = {productId:String} AND bucket >= toDateTime({at:UInt32}) AND bucket < toDateTime({until:UInt32})
GROUP BY k ORDER BY e DESC, k ASC LIMIT 1`;

/** Alerts judged per pass: a backlog (an imported history) is worked off over several passes. */
const BATCH = 500;

export class AlertOutcomes {
  private readonly log: Logger;
  private running: Promise<number> | null = null;

  constructor(private readonly d: AlertOutcomesDeps) {
    this.log = d.logger.child({ component: 'alert-outcomes' });
  }

  /** Judges what event time now allows; concurrent calls share one pass. Resolves with the alerts updated. */
  evaluate(): Promise<number> {
    this.running ??= this.pass().finally(() => { this.running = null; });
    return this.running;
  }

  /**
   * Events arrived behind the allowed lateness and changed these products' stored engagement from
   * the given event times (ms) on. An outcome or peak judged over a span that reaches past such a
   * time is cleared, and judged again by the next pass on the corrected data: the track record is
   * a function of the data, like the scores. (The alert itself stays as raised: it was announced.)
   * Events within the allowed lateness never get here: they land in buckets still filling, which
   * nothing has scored or judged yet. Resolves with the alerts reopened.
   */
  async reopen(changedFrom: Map<string, number>): Promise<number> {
    const ids = [...changedFrom.keys()];
    if (!ids.length) return 0;
    const judged = [];
    for (const some of slices(ids)) {
      judged.push(...await this.d.db.select({ alertId: alerts.alertId, productId: alerts.productId, at: alerts.at, stepSec: alerts.stepSec, outcome: alerts.outcome, peakAt: alerts.peakAt })
        .from(alerts).where(and(inArray(alerts.productId, some), or(isNotNull(alerts.outcome), isNotNull(alerts.peakAt)))));
    }
    const outcome: number[] = [], peak: number[] = [];
    for (const a of judged) {
      const stepMs = a.stepSec * 1000;
      const horizon = outcomeHorizonMs(stepMs);
      const end = a.at.getTime() + stepMs;
      // The outcome reads [end − H, end + H), the peak [at, end + 3H); a change from `from` on can reach either if it starts before its end.
      const from = changedFrom.get(a.productId)!;
      if (a.outcome !== null && from < end + horizon) outcome.push(a.alertId);
      if (a.peakAt !== null && from < end + PEAK_HORIZONS * horizon) peak.push(a.alertId);
    }
    for (const some of slices(outcome)) await this.d.db.update(alerts).set({ outcome: null, baseline: null, after: null }).where(inArray(alerts.alertId, some));
    for (const some of slices(peak)) await this.d.db.update(alerts).set({ peakAt: null, leadTimeSec: null }).where(inArray(alerts.alertId, some));
    const reopened = new Set([...outcome, ...peak]).size;
    if (reopened) this.log.info({ alerts: reopened }, 'alert outcomes reopened by late events');
    return reopened;
  }

  private async pass(): Promise<number> {
    const settled = this.d.settled();
    // Only alerts whose first horizon may have passed: at + a day is the shortest.
    const due = await this.d.db.select().from(alerts)
      .where(and(or(isNull(alerts.outcome), isNull(alerts.peakAt)), lte(alerts.at, new Date(settled - outcomeHorizonMs(0)))))
      .orderBy(alerts.at).limit(BATCH);
    let updated = 0;
    for (const a of due) {
      const stepMs = a.stepSec * 1000;
      const horizon = outcomeHorizonMs(stepMs);
      const at = a.at.getTime();
      const end = at + stepMs;
      const set: Partial<typeof alerts.$inferInsert> = {};
      if (a.outcome === null && end + horizon <= settled) {
        const [r] = await this.rows<{ baseline: number; after: number }>(OUTCOME_SQL, { productId: a.productId, start: sec(end - horizon), end: sec(end), afterEnd: sec(end + horizon) });
        const baseline = Number(r?.baseline ?? 0), after = Number(r?.after ?? 0);
        Object.assign(set, { outcome: isHit(baseline, after) ? 'hit' : 'miss', baseline, after });
      }
      const until = end + PEAK_HORIZONS * horizon;
      if (a.peakAt === null && until <= settled) {
        const [p] = await this.rows<{ k: number }>(PEAK_SQL, { productId: a.productId, at: sec(at), step: Math.round(a.stepSec), until: sec(until) });
        const peakAt = at + Number(p?.k ?? 0) * stepMs;
        Object.assign(set, { peakAt: new Date(peakAt), leadTimeSec: Math.round((peakAt - at) / 1000) });
      }
      if (Object.keys(set).length === 0) continue;
      await this.d.db.update(alerts).set({ ...set, evaluatedAt: new Date() }).where(eq(alerts.alertId, a.alertId));
      updated++;
    }
    if (updated) this.log.info({ alerts: updated }, 'alert outcomes judged');
    return updated;
  }

  private rows<T>(query: string, query_params: Record<string, unknown>): Promise<T[]> {
    return queryRows<T>(this.d.ch, query, query_params);
  }
}

const sec = (ms: number) => Math.floor(ms / 1000);
