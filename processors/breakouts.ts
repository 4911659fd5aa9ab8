// Breakout alerts: every bucket the scorer scores goes, in event-time order per product, through
// the detector in analytics/breakout.ts (robust z + CUSUM on momentum, one alert per episode),
// and the candidates of one instant are corrected together across the products scored then
// (Benjamini–Hochberg; the family is the instant's whole market, also for a re-score of a few).
// Detections become rows in Postgres `alerts`, dated `at` by their bucket and keyed by product and
// episode start, so a history scored twice (a restart, a re-score after late events) raises
// nothing new; with a webhook configured each new alert gets an outbox row in the same
// transaction. The detector's state lives in memory; a product first seen here, or re-scored from
// an earlier bucket, gets it back by folding its stored momentum history up to that bucket, and
// the re-scored buckets are folded knowing which of them were alerted on, so a late event that
// moves a surge's first breakout bucket raises no second alert for it. A rebuild takes the stored
// alerts as the decisions of the past (the correction across products cannot be replayed for one).
import { setImmediate } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { and, gte, inArray } from 'drizzle-orm';
import type { Bus } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Logger } from '../core/logger.js';
import { queryEach } from '../core/stores/clickhouse.js';
import { slices, type Db } from '../core/stores/postgres.js';
import { Turns } from '../core/turns.js';
import { alertDeliveries, alerts, products } from '../schemas/postgres/schema.js';
import type { AlertUpdate } from '../schemas/updates.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import { BreakoutDetector, DEFAULT_BREAKOUT, feedDetector, feedDetectorsAcross, type BreakoutAlert, type BreakoutConfig, type MomentumSample } from '../analytics/breakout.js';
import { addSteps, type Step } from '../analytics/granularity.js';
import { STEP_PROFILES, STEP_SEC, type ScoredBucket } from './scorer.js';

export interface BreakoutsDeps {
  ch: ClickHouseClient;
  db: Db;
  bus: Bus;
  topics: Topics;
  logger: Logger;
  config?: BreakoutConfig;
  /** Queue every new alert for webhook delivery (an outbox row beside it). */
  outbox?: boolean;
}

/** A product's detector, and the event time of the last bucket it folded. */
interface Tracked { detector: BreakoutDetector; at: number }

export type AlertRow = typeof alerts.$inferSelect;

/** Steps of stored history folded to rebuild a product's state: enough for the baseline and an episode under way. */
export const REBUILD_SAMPLES = 3 * DEFAULT_BREAKOUT.window;

// Each product's stored momenta in the REBUILD_SAMPLES steps before a bucket (the newest row of a
// re-scored bucket), oldest first, as one row of two arrays per product (a row per sample cost
// more to send and parse than folding it). A product scored at every step has that many; bounding
// by time, not by count, lets the table's (productId, computedAt) order skip the older history
// (kept 180 days). The newest row of each bucket is the table's own FINAL (a ReplacingMergeTree
// on scoredAt, keyed by product and bucket, and every condition here is on that key): merging the
// sorted parts costs a fraction of hashing every (product, bucket) for an argMax (at 20k products,
// 0.5–1.4 against 3–6 CPU s). transform() hashes the per-product bounds once (a Map parameter is
// searched row by row).
const HISTORY_SQL = `
SELECT productId, arraySlice(arraySort(groupArray(at)), -${REBUILD_SAMPLES}) AS ats,
  arraySlice(arraySort((m, a) -> a, groupArray(momentum), groupArray(at)), -${REBUILD_SAMPLES}) AS momenta,
  arraySlice(arraySort((m, a) -> a, groupArray(momentumNoise), groupArray(at)), -${REBUILD_SAMPLES}) AS noises
FROM (
  SELECT productId, toUnixTimestamp64Milli(computedAt) AS at, momentum, momentumNoise
  FROM ${TABLES.trendScoreHistory} FINAL
  WHERE productId IN {ids:Array(String)}
    AND computedAt >= fromUnixTimestamp64Milli({from:Int64}) AND computedAt < fromUnixTimestamp64Milli({to:Int64})
    AND toUnixTimestamp64Milli(computedAt) >= transform(productId, {ids:Array(String)}, {after:Array(Int64)}, toInt64(0))
    AND toUnixTimestamp64Milli(computedAt) < transform(productId, {ids:Array(String)}, {before:Array(Int64)}, toInt64(0)))
GROUP BY productId`;

// How many products each instant was scored with (the scorer's reference for it, asOf = the end
// of the buckets scored): the family a candidate at that instant is corrected in.
const FAMILY_SQL = `
SELECT toUnixTimestamp(asOf) AS asOf, argMax(n, scoredAt) AS n
FROM ${TABLES.scoreReference} WHERE toUnixTimestamp(asOf) IN {ts:Array(UInt32)} GROUP BY asOf`;

const UNITS: [number, string][] = [[2_629_800, 'month'], [604_800, 'week'], [86_400, 'day'], [3_600, 'hour']];

/** Growth in words at the series' own step: "+12% per hour (doubling every 6.1 hours)". Only for growth. */
export function growthPhrase(momentumPerHour: number, stepSec: number): string {
  const [sec, unit] = UNITS.find(([s]) => stepSec >= s) ?? UNITS[2];
  const perUnit = momentumPerHour * (sec / 3600);
  const pct = (Math.exp(perUnit) - 1) * 100;
  const doubling = Math.LN2 / perUnit;
  return `+${pct >= 10 ? pct.toFixed(0) : pct.toFixed(1)}% per ${unit} (doubling every ${doubling.toFixed(1)} ${unit}s)`;
}

export function alertMessage(title: string, a: BreakoutAlert, stepSec: number): string {
  const how = a.kind === 'spike' ? `a jump ${a.z.toFixed(1)}× its usual variation` : 'a sustained rise above its usual growth';
  return `${title} is breaking out: engagement ${growthPhrase(a.momentum, stepSec)}, ${how}`;
}

export class Breakouts {
  private readonly tracked = new Map<string, Tracked>();
  /** Each product's series step, from its latest scores. */
  private readonly steps = new Map<string, Step>();
  private readonly config: BreakoutConfig;
  /** configFor's answer per step, made once: a detector keeps the config it was begun with, and a copy per product had been ~100k objects (with their boxed numbers). */
  private readonly configs = new Map<Step, BreakoutConfig>();
  private readonly log: Logger;
  private newest = 0;
  /** The fold under way (observe): the next waits for it. */
  private folding: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: BreakoutsDeps) {
    this.config = d.config ?? DEFAULT_BREAKOUT;
    this.log = d.logger.child({ component: 'breakouts' });
  }

  /**
   * The detector's settings for a series step. Momentum is a growth rate per hour measured over
   * one season's lag (a day for hourly series, a year for monthly ones), so its noise floor is
   * "a quarter of a doubling per lag" at every step: the configured floor is that for the hourly lag.
   * Consecutive samples share all but one of the `momentumSteps` steps each momentum sums.
   */
  private configFor(step: Step): BreakoutConfig {
    let c = this.configs.get(step);
    if (!c) {
      const lagHours = STEP_PROFILES[step].momentumLag * STEP_SEC[step] / 3600;
      this.configs.set(step, c = { ...this.config, minScale: this.config.minScale * (STEP_PROFILES.hour.momentumLag / lagHours), overlap: STEP_PROFILES[step].momentumSteps });
    }
    return c;
  }

  /**
   * Feeds scored buckets (sorted by product, then time); resolves with the alerts it stored
   * (already stored ones excluded). One call at a time: a fold gives the event loop turns between
   * products and awaits its queries, and a second fold over the same detectors meanwhile would
   * make the alerts depend on when each call came.
   */
  observe(scores: readonly ScoredBucket[]): Promise<AlertRow[]> {
    const fold = this.folding.then(() => this.fold(scores));
    this.folding = fold.catch(() => undefined);
    return fold;
  }

  private async fold(scores: readonly ScoredBucket[]): Promise<AlertRow[]> {
    const turns = new Turns();
    const firstOf = new Map<string, number>();
    await turns.each(scores, (s) => {
      if (!firstOf.has(s.productId)) firstOf.set(s.productId, s.at);
      this.steps.set(s.productId, s.step);
    });
    const rebuild = new Map([...firstOf].filter(([id, at]) => { const t = this.tracked.get(id); return !t || at <= t.at; }));
    const raised = rebuild.size ? await this.storedAlerts(rebuild) : new Map<string, Set<number>>();
    if (rebuild.size) await this.rebuild(rebuild);

    const found: { s: ScoredBucket; alert: BreakoutAlert }[] = [];
    // Each product's run of buckets (scores come sorted by product), all folded together instant by instant.
    const runs: { tracked: Tracked; run: ScoredBucket[]; samples: MomentumSample[] }[] = [];
    for (let i = 0; i < scores.length;) {
      const id = scores[i].productId;
      let j = i;
      while (j < scores.length && scores[j].productId === id) j++;
      // Every product not tracked before was rebuilt above.
      const tracked = this.tracked.get(id)!;
      let after = tracked.at;
      const run = scores.slice(i, j).filter((s) => s.at > after && ((after = s.at), true));
      i = j;
      if (!run.length) continue;
      tracked.detector.begin(this.configFor(run[run.length - 1].step), raised.get(id));
      const samples = run.map((s) => ({ momentum: s.momentum, at: s.at, noise: s.momentumNoise }));
      runs.push({ tracked, run, samples });
      await turns.pass();
    }
    const family = await this.families(runs.flatMap((r) => r.run));
    await feedDetectorsAcross(runs.map(({ tracked, samples }) => ({ detector: tracked.detector, samples })), this.config, (at) => family.get(at) ?? 0);
    await turns.each(runs, ({ tracked, run }) => {
      const last = run[run.length - 1];
      tracked.at = last.at;
      if (tracked.detector.alerts.length) {
        const byAt = new Map(run.map((s) => [s.at, s]));
        for (const alert of tracked.detector.alerts) found.push({ s: byAt.get(alert.at)!, alert });
      }
      if (last.at > this.newest) this.newest = last.at;
    });
    this.sweep();
    return found.length ? this.raise(found) : [];
  }

  /**
   * How many products were scored at each bucket's instant, by bucket time (ms): a re-score of a
   * few products is corrected as part of the market it was first scored with, so a late event
   * does not make an alert easier to raise. Instants without a stored reference (fewer products
   * than the scorer keeps one for) count the products in this call only.
   */
  private async families(scores: readonly ScoredBucket[]): Promise<Map<number, number>> {
    const ends = new Map<number, number>();
    // A bucket's end (the instant it was scored at, as the references are keyed) is one step on.
    await new Turns().each(scores, (s) => { ends.set(Math.round(addSteps(s.at, 1, { step: s.step, anchor: s.at }) / 1000), s.at); });
    if (!ends.size) return new Map();
    const rs = await this.d.ch.query({ query: FAMILY_SQL, query_params: { ts: [...ends.keys()] }, format: 'JSONEachRow' });
    const out = new Map<number, number>();
    for (const r of await rs.json<{ asOf: number | string; n: number | string }>()) out.set(ends.get(Number(r.asOf))!, Number(r.n));
    return out;
  }

  /** Bucket times of the alerts already stored for each product from the given bucket on (and before the other, if given). */
  private async storedAlerts(from: Map<string, number>, before?: Map<string, number>): Promise<Map<string, Set<number>>> {
    const out = new Map<string, Set<number>>();
    for (const some of slices([...from.keys()])) {
      const since = new Date(Math.min(...some.map((id) => from.get(id)!)));
      const rows = await this.d.db.select({ id: alerts.productId, at: alerts.at }).from(alerts).where(and(inArray(alerts.productId, some), gte(alerts.at, since)));
      // A turn of the event loop between statements, as in raise(): PGlite's settle as microtasks.
      await setImmediate();
      for (const r of rows) {
        const at = r.at.getTime();
        if (at < from.get(r.id)! || (before && at >= before.get(r.id)!)) continue;
        const set = out.get(r.id) ?? new Set<number>();
        out.set(r.id, set.add(at));
      }
    }
    return out;
  }

  /** Detector state of each product as it stood just before the given bucket, from stored history. */
  private async rebuild(before: Map<string, number>): Promise<void> {
    const ids = [...before.keys()];
    const t0 = performance.now();
    let queried = 0, samples = 0;
    for (let i = 0; i < ids.length; i += 10_000) {
      const chunk = ids.slice(i, i + 10_000);
      const q0 = performance.now();
      const to = chunk.map((id) => before.get(id)!);
      const from = chunk.map((id, j) => to[j] - REBUILD_SAMPLES * STEP_SEC[this.steps.get(id) ?? 'hour'] * 1000);
      // The chunk's overall span as constants too: the primary key's index can use those.
      const query_params = { ids: chunk, before: to, after: from.map(Math.floor), from: Math.floor(Math.min(...from)), to: Math.max(...to) };
      const rows = await queryEach(this.d.ch, HISTORY_SQL, query_params, (r) => r as [string, (string | number)[], number[], number[]]);
      queried += performance.now() - q0;
      const found = new Map(rows.map((r) => [r[0], r]));
      const stored = await this.storedAlerts(new Map(chunk.map((id, j) => [id, from[j]])), new Map(chunk.map((id, j) => [id, to[j]])));
      await new Turns().each(chunk, (id) => {
        const r = found.get(id);
        const history = r ? r[2].map((m, j) => ({ momentum: Number(m), at: Number(r[1][j]), noise: Number(r[3][j]) })) : [];
        samples += history.length;
        // The past's decisions are the alerts stored: exactly those open episodes.
        // No alert stored: no set (an empty one per product stayed in its detector until its next fold).
        const detector = new BreakoutDetector(this.configFor(this.steps.get(id) ?? 'hour'), stored.get(id));
        feedDetector(detector, history, () => false);
        this.tracked.set(id, { detector, at: history.length ? history[history.length - 1].at : -Infinity });
      });
    }
    this.log.debug({ products: ids.length, samples, queryMs: Math.round(queried), totalMs: Math.round(performance.now() - t0) }, 'breakout state rebuilt');
  }

  private async raise(found: { s: ScoredBucket; alert: BreakoutAlert }[]): Promise<AlertRow[]> {
    const ids = [...new Set(found.map((f) => f.s.productId))];
    const titles = new Map<string, string>();
    for (const some of slices(ids)) {
      for (const r of await this.d.db.select({ id: products.productId, title: products.title }).from(products).where(inArray(products.productId, some))) titles.set(r.id, r.title);
    }
    const rows = found.map(({ s, alert: a }) => ({
      productId: s.productId,
      kind: a.kind,
      severity: a.z >= 2 * this.config.zThreshold ? 'critical' : 'warning',
      message: alertMessage(titles.get(s.productId) ?? s.productId, a, STEP_SEC[s.step]),
      value: a.momentum,
      dedupKey: `breakout:${s.productId}:${new Date(a.at).toISOString()}`,
      at: new Date(a.at),
      stepSec: Math.round(STEP_SEC[s.step]),
    }));
    // Embedded PGlite runs each statement on this thread and its promises settle as microtasks,
    // so a round's thousands of alerts (statements of 2,000 rows) held the event loop 17-20 s in
    // a soak: it gets a turn between statements, for reads, WebSockets and the ingest.
    const stored = await this.d.db.transaction(async (tx) => {
      const inserted = [];
      for (const some of slices(rows)) {
        inserted.push(...await tx.insert(alerts).values(some).onConflictDoNothing({ target: alerts.dedupKey }).returning());
        await setImmediate();
      }
      if (this.d.outbox) {
        for (const some of slices(inserted)) {
          await tx.insert(alertDeliveries).values(some.map((a) => ({ alertId: a.alertId }))).onConflictDoNothing();
          await setImmediate();
        }
      }
      return inserted;
    });
    if (stored.length) {
      const updates: AlertUpdate[] = stored.map((a) => ({ kind: 'alert', alert: { ...a, title: titles.get(a.productId) ?? null, at: a.at.toISOString(), createdAt: a.createdAt.toISOString() } }));
      await this.d.bus.publish(this.d.topics.updates, updates.map((u) => ({ key: u.alert.productId, value: u })));
      this.log.info({ alerts: stored.length }, 'breakouts raised');
    }
    return stored;
  }

  /** Forgets products with no sample for `window` days: memory stays flat, and a product that returns is rebuilt from history. */
  private sweep(): void {
    if (this.tracked.size < 10_000) return;
    const horizon = this.newest - this.config.window * 3_600_000 * 24;
    for (const [id, t] of this.tracked) if (t.at < horizon) { this.tracked.delete(id); this.steps.delete(id); }
  }
}
