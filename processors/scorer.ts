// Trend scoring along event time. A product's score at an instant T (a step boundary) covers its
// complete buckets before T, so it is a function of the events' own timestamps: a history
// posted at once is scored bucket by bucket exactly as if it had streamed live. Each round:
//  - products whose stored series changed in buckets already scored (late events, a backfill,
//    an import) are re-scored from the first changed bucket on, reading only their own rows;
//    their writes replace the old rows, keyed by (product, bucket);
//  - the live hourly series of every product with engagement in the window is scored at every
//    hour that the sink's watermark has completed since the last round (one set-wise query per
//    chunk of hours, all products at once, so each instant is ranked against its whole market;
//    a round that settles one hour reads each stored row of the window once);
//  - daily and weekly series (imports) are scored at their own step, through their last point.
// The math is in analytics/trend.ts; breakouts see every scored bucket in event-time order.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Bus } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Clock } from '../core/clock.js';
import type { ScoreWeights } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { measured } from '../core/measure.js';
import { insertBody, queryEach, queryRows } from '../core/stores/clickhouse.js';
import { tsvMillis, tsvString, utf8LinesInTurns } from '../core/lines.js';
import { Turns } from '../core/turns.js';
import type { ScoresUpdate } from '../schemas/updates.js';
import { settledBefore } from '../analytics/event-time.js';
import { addSteps, STEPS, type Step, type StepInfo } from '../analytics/granularity.js';
import { loadNativeSteps } from './native-step.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import {
  blendScore, buildReference, ENGAGEMENT_SQL, momentum, momentumNoise, normalise, rawComponents, trendShape,
  type Reference, type TrendComponents, type TrendLabel,
} from '../analytics/trend.js';

export interface ScorerDeps {
  ch: ClickHouseClient;
  bus: Bus;
  topics: Topics;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  weights: ScoreWeights;
  intervalMs: number;
  /** Event time (ms) through which engagement is stored: the raw sink's watermark. */
  watermark: () => number;
  /** A bucket is still filling until its end falls behind watermark − allowed lateness (analytics/event-time.ts). */
  allowedLatenessMs: number;
  /** Called with each chunk's scores once stored, oldest bucket first per product (breakout detection). */
  onScored?: (scores: ScoredBucket[]) => Promise<unknown>;
  /**
   * Called before a round re-scores products whose stored buckets changed behind what was
   * already scored, with the start (ms) of each one's earliest changed hour (alert outcomes judged
   * over those buckets are judged again).
   */
  onRescore?: (changedFrom: Map<string, number>) => Promise<unknown>;
  /** Scores per insert at most, rounded up to whole instants (default WRITE_ROWS). */
  writeRows?: number;
  /** Feature rows one chunk's query may return, about (default CHUNK_ROWS): bounds a catch-up's memory. */
  chunkRows?: number;
  /** Told the wall and CPU time of each stage of a round as it ends (the bench's per-stage table). */
  onStage?: (stage: ScorerStage, cost: StageCost) => void;
}

/**
 * Where a round's time goes: finding where to resume, classifying products' steps, the features
 * query, the categories and stored references it ranks against, the scoring itself (JavaScript),
 * writing scores and references, and the breakout and outcome hooks (`onScored`, `onRescore`).
 */
export const SCORER_STAGES = ['resume', 'classify', 'features', 'lookups', 'score', 'write', 'observe', 'reopen'] as const;
export type ScorerStage = typeof SCORER_STAGES[number];
/** CPU is this process's: with the embedded engine, its query threads count too. */
export interface StageCost { wallMs: number; cpuMs: number }

/** How a series of a given step is scored: bins of one season, and momentum against one season earlier. */
export interface StepProfile {
  /** Steps per bin: one season, so the cycle cancels out of velocity. */
  binSteps: number;
  /** Bins in the window. */
  bins: number;
  /** Latest steps that momentum compares with the same steps `momentumLag` earlier. */
  momentumSteps: number;
  momentumLag: number;
}

export const HOUR_SEC = 3600;
/** Seconds per step; a month is 1/12 of a 365.25-day year (its instants follow the calendar). */
export const STEP_SEC = Object.fromEntries(Object.entries(STEPS).map(([k, v]) => [k, v.ms / 1000])) as Record<Step, number>;

/**
 * Hourly (live engagement): seven rolling days, and the last 6 hours against the same hours a
 * day earlier. Daily: six rolling weeks, the last 2 days against the same weekdays a week
 * earlier. Weekly: eight weeks, the last week against the one before. Monthly: twelve months,
 * the last month against the same month a year earlier.
 */
export const STEP_PROFILES: Record<Step, StepProfile> = {
  hour: { binSteps: 24, bins: 7, momentumSteps: 6, momentumLag: 24 },
  day: { binSteps: 7, bins: 6, momentumSteps: 2, momentumLag: 7 },
  week: { binSteps: 1, bins: 8, momentumSteps: 1, momentumLag: 1 },
  month: { binSteps: 1, bins: 12, momentumSteps: 1, momentumLag: 12 },
};

/** Scores per update message. */
const UPDATE_ITEMS = 1000;
/** Instants scored per query at most. */
const CHUNK_STEPS = 24;
/**
 * Feature rows per query, about: a chunk holds as many instants as fit (at least one). Each row
 * lives in the heap with its scores until the chunk is written; 24 instants of 100k products
 * were 2.4M rows at once, gigabytes in a catch-up after a stop.
 */
const CHUNK_ROWS = 200_000;
/** Scores written per insert, at most (rounded up to whole instants). */
const WRITE_ROWS = 200_000;
/** Fewer products than this at an instant do not make a market to rank against (nor replace a stored one). */
export const MIN_REFERENCE_PRODUCTS = 20;

export interface ScoredBucket {
  productId: string;
  /** Event time (ms): start of the last complete bucket the score covers. */
  at: number;
  step: Step;
  score: number;
  label: TrendLabel;
  velocity: number;
  acceleration: number;
  momentum: number;
  /** The momentum's counting noise (momentumNoise): breakout detection's scale floor. */
  momentumNoise: number;
  components: TrendComponents;
  views24h: number;
  orders24h: number;
}

/** A product's native step and grid, and its last stored bucket (unix s; for coarse series). */
interface Series extends StepInfo { last: number }

interface FeatureRow {
  productId: string; T: number; B: number; bins: number[]; span: number; recent: number; before: number;
  engagement: number; windowViews: number; windowOrders: number; views24h: number; orders24h: number; regions: number; platforms: number;
}

const FEATURE_FIELDS = ['productId', 'T', 'B', 'bins', 'span', 'recent', 'before', 'engagement', 'windowViews', 'windowOrders', 'views24h', 'orders24h', 'regions', 'platforms'] as const;
/** Per result's column names: each field's column. */
const featureColumns = new WeakMap<readonly string[], Record<keyof FeatureRow, number>>();

/**
 * A feature row from the query's values, every number parsed here once (64-bit integers arrive
 * as strings), made as one literal (every field in the object itself). A round over 100k
 * products held each row three times before (the parsed array, an object by name, a copy of it
 * with T parsed) and parsed each field again where it scored it.
 */
function featureRow(r: unknown[], names: readonly string[]): FeatureRow {
  let c = featureColumns.get(names);
  if (!c) featureColumns.set(names, c = Object.fromEntries(FEATURE_FIELDS.map((k) => [k, names.indexOf(k)])) as Record<keyof FeatureRow, number>);
  const n = (i: number) => Number(r[i]);
  return {
    productId: String(r[c.productId]), T: n(c.T), B: n(c.B), bins: (r[c.bins] as unknown[]).map(Number), span: n(c.span), recent: n(c.recent), before: n(c.before),
    engagement: n(c.engagement), windowViews: n(c.windowViews), windowOrders: n(c.windowOrders), views24h: n(c.views24h), orders24h: n(c.orders24h),
    regions: n(c.regions), platforms: n(c.platforms),
  };
}

// Features of every (product, instant T) of a chunk, set-wise: one query for all the products
// scored. Each hourly row joins the instants in [lo, hi] whose window holds it (T = start of its
// step + i·step, i = 1…window), computed as a range, so a round that settles one hour reads each
// row once; k = i − 1 is how many steps before T its step lies (0 = the last complete one). Two
// forms (built once per step): `all` scores every product but the excluded ones (coarse series)
// at the same instants; `only` scores the products listed, each from its own instant (`froms`) to
// its own end (`ends`, for series that end), on its own grid (`anchors`), reading only their
// rows (the table is ordered by product). Per-product values are looked up with transform(),
// which hashes the constant arrays once. The bins are one sumResample over k, not a sumIf per
// bin; distinct regions and platforms are counted by a 64-bit hash of each, computed once per
// entry of the LowCardinality column's dictionary (uniqExact of the strings hashed every row's
// string: with the bins, half the query's CPU at 20k products; the same rows, test/processors/scorer-features.test.ts).
export function featuresSql(step: Step, only: boolean, single = false): string {
  const p = STEP_PROFILES[step];
  const S = Math.round(STEP_SEC[step]);
  const window = p.bins * p.binSteps;
  const monthly = step === 'month';
  const per = (values: string, dflt: string) => `transform(productId, {ids:Array(String)}, {${values}:Array(Int64)}, toInt64(${dflt}))`;
  const from = only ? `greatest({lo:Int64}, ${per('froms', '0')})` : '{lo:Int64}';
  const to = only ? `least({hi:Int64}, ${per('ends', '9223372036854775807')})` : '{hi:Int64}';
  const base = monthly ? 'b' : only ? `b - ((b - ${per('anchors', '0')}) % ${S})` : `b - b % ${S}`;
  // Months differ in length: their instants are the window's, filtered; fixed steps compute the range.
  const instants = monthly
    ? `arrayFilter(i -> toUnixTimestamp(addMonths(toDateTime(base, 'UTC'), i)) BETWEEN ${from} AND ${to}, range(1, ${window + 1}))`
    : `range(toInt64(greatest(1, intDiv(${from} - base + ${S - 1}, ${S}))), toInt64(least(${window}, intDiv(${to} - base, ${S}))) + 1)`;
  const T = monthly ? `toInt64(toUnixTimestamp(addMonths(toDateTime(base, 'UTC'), i)))` : `base + i * ${S}`;
  const B = monthly ? `toUnixTimestamp(addMonths(toDateTime(T, 'UTC'), -1))` : `T - ${S}`;
  return `
SELECT productId, T, ${B} AS B, sumResample(0, ${window}, ${p.binSteps})(e, k) AS bins,
  max(k) + 1 AS span,
  sumIf(e, k < ${p.momentumSteps}) AS recent,
  sumIf(e, k >= ${p.momentumLag} AND k < ${p.momentumLag + p.momentumSteps}) AS before,
  sum(e) AS engagement, sum(views) AS windowViews, sum(orders) AS windowOrders,
  sumIf(views, T - b <= 86400) AS views24h, sumIf(orders, T - b <= 86400) AS orders24h,
  uniqExact(cityHash64(region)) AS regions, uniqExact(cityHash64(platform)) AS platforms
FROM (
  SELECT productId, region, platform, views, orders, toFloat64(${ENGAGEMENT_SQL}) AS e, toInt64(toUnixTimestamp(bucket)) AS b,
    ${single ? `{lo:Int64} AS T, intDiv(T - b, ${S}) - 1 AS k` : `toInt64(${base}) AS base, arrayJoin(${instants}) AS i, ${T} AS T, i - 1 AS k`}
  FROM ${TABLES.engagement1h}
  WHERE bucket >= toDateTime({lo:Int64} - ${(single ? window : window + 1) * S}) AND bucket < toDateTime({hi:Int64})
    AND ${only ? 'productId IN {ids:Array(String)}' : 'productId NOT IN {exclude:Array(String)}'}
)
GROUP BY productId, T`;
}

const FEATURES_SQL = Object.fromEntries(Object.keys(STEPS).map((step) => [step, { all: featuresSql(step as Step, false), only: featuresSql(step as Step, true) }])) as Record<Step, { all: string; only: string }>;
/** One new hour for every hourly product (a live process's round each hour): each row is in T's window once. */
const NEXT_HOUR_FEATURES_SQL = featuresSql('hour', false, true);

// Each product's category, of the products listed or of all. A chunk uses the categories of the
// products it scores only: a re-score of a few products reads theirs, not the whole catalogue (a
// fixed cost of every incremental round).
const categoriesSql = (listed: boolean) =>
  `SELECT productId, argMax(category, updatedAt) AS category FROM ${TABLES.products}${listed ? ' WHERE productId IN {ids:Array(String)}' : ''} GROUP BY productId`;

const REFERENCES_SQL = `
SELECT toUnixTimestamp(asOf) AS asOf, argMax(n, scoredAt) AS n, argMax(quantiles, scoredAt) AS quantiles, argMax(trending, scoredAt) AS trending
FROM ${TABLES.scoreReference} WHERE toUnixTimestamp(asOf) IN {ts:Array(UInt32)} GROUP BY asOf`;

const THROUGH_SQL = `
SELECT toUnixTimestamp(max(computedAt)) + ${HOUR_SEC} AS through FROM ${TABLES.trendScoreHistory} WHERE stepSec = ${HOUR_SEC}`;
// The first and last stored hour of coarse series: where their scoring starts and ends.
const SPAN_SQL = `
SELECT productId, toUnixTimestamp(min(bucket)) AS first, toUnixTimestamp(max(bucket)) AS last FROM ${TABLES.engagement1h}
WHERE productId IN {ids:Array(String)} GROUP BY productId`;
const FIRST_HOUR_SQL = `SELECT toUnixTimestamp(min(bucket)) AS first, count() AS n FROM ${TABLES.engagement1h}`;
// The first stored hour of live series from an instant on.
const NEXT_HOUR_SQL = `
SELECT toUnixTimestamp(min(bucket)) AS first, count() AS n FROM ${TABLES.engagement1h}
WHERE bucket >= toDateTime({from:UInt32}) AND productId NOT IN {exclude:Array(String)}`;
// Products with few stored hours in the window: live products have many, imports one a day or fewer.
const SPARSE_SQL = `
SELECT productId FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({from:UInt32})
GROUP BY productId HAVING uniqExact(bucket) <= 2 * ${STEP_PROFILES.hour.bins}`;

const SCORE_COLUMNS: [string, ...string[]] = [
  'productId', 'computedAt', 'stepSec', 'score', 'label', 'velocity', 'acceleration', 'momentum', 'momentumNoise',
  'c_velocity', 'c_acceleration', 'c_volume', 'c_breadth', 'c_conversion', 'c_saturation', 'views24h', 'orders24h', 'scoredAt',
];

const isTrending = (l: TrendLabel) => l === 'emerging' || l === 'rising';

export class Scorer {
  /** Instants T (unix s) through which every live hourly series is scored; null until there is data. */
  private through: number | null = null;
  /** Products whose stored series changed in buckets already scored: the first instant to re-score. */
  private dirty = new Map<string, number>();
  /** Products touched while a round runs, each with its earliest instant (see round()); null between rounds. */
  private touchedInRound: Map<string, number> | null = null;
  /** Native step of products seen; those not here are hourly until classified. */
  private readonly series = new Map<string, Series>();
  private unclassified = new Set<string>();
  /** Every product's category, read at most once per round (saturation counts trending rivals per category). */
  private categories: Promise<Map<string, string>> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly log: Logger;
  /** Most products scored at one instant by the last chunk over every product (0 before the first): sizes the next. */
  private perInstant = 0;

  constructor(private readonly d: ScorerDeps) {
    this.log = d.logger.child({ component: 'scorer' });
  }

  /** Instants a chunk holds when each has up to `products` rows (unknown, 0: one instant, which tells). */
  private chunkSteps(products: number): number {
    if (products <= 0) return 1;
    return Math.max(1, Math.min(CHUNK_STEPS, Math.floor((this.d.chunkRows ?? CHUNK_ROWS) / products)));
  }

  /** Products the sink wrote, with each one's earliest event time in the write. */
  touch(earliest: Map<string, number>): void {
    for (const [id, ms] of earliest) {
      // New products, and coarse series (whose last point may have moved), are (re)classified.
      if (this.stepOf(id) !== 'hour' || !this.series.has(id)) this.unclassified.add(id);
      // The first instant whose window holds the event: the end of its hour.
      const T = Math.floor(ms / 1000 / HOUR_SEC) * HOUR_SEC + HOUR_SEC;
      this.mark(id, T);
      if (this.touchedInRound) this.touchedInRound.set(id, Math.min(this.touchedInRound.get(id) ?? Infinity, T));
    }
  }

  /** Marks a product to be re-scored from instant T, if T is already behind what was scored (any T for a coarse series). */
  private mark(id: string, T: number): void {
    if (this.stepOf(id) !== 'hour' || T <= (this.through ?? -Infinity)) this.dirty.set(id, Math.min(this.dirty.get(id) ?? Infinity, T));
  }

  start(): void {
    const tick = () => {
      this.running = this.running.then(() => this.round()).catch((err) => this.log.error({ err }, 'scoring round failed'));
      if (!this.stopped) this.timer = setTimeout(tick, this.d.intervalMs);
    };
    this.timer = setTimeout(tick, this.d.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One scoring round: every instant completed by event time since the last. Resolves with the
   * scores written. A write that lands while the round runs may come after a chunk read its rows,
   * and the chunk's bookkeeping then moves `dirty` and `through` past it as if it had been seen:
   * what was touched during the round is marked again once it ends, so the next round re-scores it.
   */
  async round(): Promise<number> {
    this.touchedInRound = new Map();
    try {
      return await this.scoreSettled();
    } finally {
      const touched = this.touchedInRound;
      this.touchedInRound = null;
      for (const [id, T] of touched) this.mark(id, T);
    }
  }

  private async scoreSettled(): Promise<number> {
    // Instants (unix s) up to which buckets are no longer still filling.
    const settled = Math.floor(settledBefore(this.d.watermark(), this.d.allowedLatenessMs) / 1000);
    if (this.through === null && !(await this.stage('resume', () => this.init()))) return 0;
    // A stage only when there are products to classify (a steady round has none).
    if (this.unclassified.size) await this.stage('classify', () => this.classify());
    const onRescore = this.d.onRescore;
    if (this.dirty.size && onRescore) await this.stage('reopen', () => onRescore(new Map([...this.dirty].map(([id, t]) => [id, (t - HOUR_SEC) * 1000]))));
    let written = 0;
    this.categories = null;
    // Live hourly series. First the products whose stored hours changed behind `through`
    // (late events, a backfill), each re-scored from its own first changed instant, reading only
    // their rows; then every instant the watermark settled since the last round, for every
    // product with engagement in its window. Each product's buckets are scored oldest first.
    const hourLimit = Math.floor(settled / HOUR_SEC) * HOUR_SEC;
    const coarse = () => [...this.series].filter(([, x]) => x.step !== 'hour').map(([id]) => id);
    for (;;) {
      const dirty = [...this.dirty].filter(([id, t]) => this.stepOf(id) === 'hour' && t <= this.through!);
      if (!dirty.length) break;
      const lo = dirty.reduce((m, [, t]) => Math.min(m, t), Infinity);
      const hi = Math.min(this.through!, lo + (this.chunkSteps(dirty.length) - 1) * HOUR_SEC);
      written += await this.scoreChunk('hour', lo, hi, { froms: new Map(dirty) });
      // A product still behind goes on from the next chunk; one that reached `through` is current.
      for (const [id, t] of dirty) if (t <= hi) { if (hi < this.through!) this.dirty.set(id, hi + HOUR_SEC); else this.dirty.delete(id); }
    }
    while (this.through! < hourLimit) {
      const lo = this.through! + HOUR_SEC;
      const hi = Math.min(hourLimit, lo + (this.chunkSteps(this.perInstant) - 1) * HOUR_SEC);
      const n = await this.scoreChunk('hour', lo, hi, { exclude: coarse() });
      written += n;
      this.through = hi;
      // Hourly products marked from an instant this chunk scored anyway (reclassified as hourly) are current.
      for (const [id, t] of this.dirty) if (t >= lo && t <= hi && this.stepOf(id) === 'hour') this.dirty.delete(id);
      if (n === 0 && this.through < hourLimit) {
        // No hourly series in the window (before the first live data, a quiet spell, only imports):
        // go straight to the next stored hour instead of walking the empty ones.
        const [r] = await this.query<{ first: number; n: number }>(NEXT_HOUR_SQL, { from: this.through, exclude: coarse() });
        this.through = Number(r?.n) ? Math.min(Math.max(this.through, Number(r.first)), hourLimit) : hourLimit;
      }
    }
    // Daily, weekly and monthly series (imports): only where they changed, through one step past their last point.
    for (const step of ['day', 'week', 'month'] as const) {
      for (;;) {
        const dirty = [...this.dirty].filter(([id]) => this.stepOf(id) === step);
        if (!dirty.length) break;
        const ends = new Map(dirty.map(([id]) => { const x = this.series.get(id)!; return [id, Math.min(addSteps(x.last * 1000, 1, x) / 1000, settled)]; }));
        const lo = dirty.reduce((m, [, t]) => Math.min(m, t), Infinity);
        const hi = lo + this.chunkSteps(dirty.length) * STEP_SEC[step];
        written += await this.scoreChunk(step, lo, hi, { froms: new Map(dirty), ends });
        for (const [id, t] of dirty) {
          const end = ends.get(id)!;
          if (t > end || hi >= end) this.dirty.delete(id); else if (t <= hi) this.dirty.set(id, hi + 1);
        }
      }
    }
    return written;
  }

  /**
   * Where scoring resumes: after the newest hourly score stored, or before the first stored hour.
   * Products with few hours in the window may be coarse series (imports): their step is read first.
   */
  private async init(): Promise<boolean> {
    const [row] = await this.query<{ through: number }>(THROUGH_SQL, {});
    if (Number(row?.through) > HOUR_SEC) this.through = Number(row.through);
    else {
      const [first] = await this.query<{ first: number; n: number }>(FIRST_HOUR_SQL, {});
      if (!Number(first?.n)) return false;
      this.through = Number(first.first);
    }
    const sparse = await this.query<{ productId: string }>(SPARSE_SQL, { from: this.through - STEP_PROFILES.hour.bins * STEP_PROFILES.hour.binSteps * HOUR_SEC });
    for (const r of sparse) this.unclassified.add(r.productId);
    return true;
  }

  private stepOf(id: string): Step { return this.series.get(id)?.step ?? 'hour'; }

  /** Native steps (analytics/granularity.ts) of products new to this process, and of coarse series that changed. */
  private async classify(): Promise<void> {
    if (this.unclassified.size === 0) return;
    const ids = [...this.unclassified];
    this.unclassified = new Set();
    for (let i = 0; i < ids.length; i += 10_000) {
      const chunk = ids.slice(i, i + 10_000);
      const steps = await loadNativeSteps(this.d.ch, chunk);
      const coarse = chunk.filter((id) => steps.get(id)!.step !== 'hour');
      const spans = new Map((await this.query<{ productId: string; first: number; last: number }>(SPAN_SQL, { ids: coarse })).map((r) => [r.productId, r]));
      for (const id of chunk) {
        const info = steps.get(id)!;
        const known = this.series.has(id);
        const span = spans.get(id);
        this.series.set(id, { ...info, last: Number(span?.last ?? 0) });
        // A coarse series new to this process is scored from its first instant.
        if (span && !known) this.dirty.set(id, Math.min(this.dirty.get(id) ?? Infinity, Number(span.first) + 1));
      }
    }
  }

  private query<T>(query: string, query_params: Record<string, unknown>): Promise<T[]> {
    return queryRows<T>(this.d.ch, query, query_params);
  }

  /** Runs one stage of a round, telling `onStage` what it cost. */
  private async stage<T>(name: ScorerStage, work: () => T | Promise<T>): Promise<T> {
    if (!this.d.onStage) return work();
    const { value, wallMs, cpuMs } = await measured(work);
    this.d.onStage(name, { wallMs, cpuMs });
    return value;
  }

  /**
   * Scores every instant T in [lo, hi] at one step: the products in `froms` each from its own
   * instant (`ends` caps series that stop), or else every product but the `exclude`d ones.
   * Writes history, latest scores, the instants' references, and tells the breakout detector.
   */
  private async scoreChunk(step: Step, lo: number, hi: number, o: { froms: Map<string, number>; ends?: Map<string, number> } | { exclude: string[] }): Promise<number> {
    const p = STEP_PROFILES[step];
    const stepSec = STEP_SEC[step];
    const hours = stepSec / HOUR_SEC;
    const t = (n: number) => Math.floor(Math.min(Number.MAX_SAFE_INTEGER, n));
    let query: string, params: Record<string, unknown>;
    if ('froms' in o) {
      const ids = [...o.froms.keys()];
      query = FEATURES_SQL[step].only;
      params = {
        lo: t(lo), hi: t(hi), ids, froms: ids.map((id) => t(o.froms.get(id)!)), ends: ids.map((id) => t(o.ends?.get(id) ?? Number.MAX_SAFE_INTEGER)),
        // Where each product's grid falls within a step (a weekly series keeps its own weekday).
        anchors: ids.map((id) => Math.floor((this.series.get(id)?.anchor ?? 0) / 1000) % Math.round(stepSec)),
      };
    } else {
      query = step === 'hour' && lo === hi ? NEXT_HOUR_FEATURES_SQL : FEATURES_SQL[step].all;
      params = { lo: t(lo), hi: t(hi), exclude: o.exclude };
    }
    const rows = await this.stage('features', () => queryEach(this.d.ch, query, params, featureRow));
    if (rows.length === 0) return 0;

    const byT = new Map<number, FeatureRow[]>();
    for (const r of rows) { const a = byT.get(r.T); if (a) a.push(r); else byT.set(r.T, [r]); }
    if (!('froms' in o)) this.perInstant = Math.max(...[...byT.values()].map((g) => g.length));
    const { categories, stored } = await this.stage('lookups', async () => ({
      categories: await this.categoriesOf('froms' in o && !this.categories ? [...o.froms.keys()] : null),
      stored: new Map((await this.query<{ asOf: number; n: number; quantiles: Record<string, number[]>; trending: Record<string, number> }>(REFERENCES_SQL, { ts: [...byT.keys()] }))
        .map((r) => [Number(r.asOf), { n: Number(r.n), quantiles: r.quantiles as Reference['quantiles'], trending: r.trending }])),
    }));

    const scoredAt = this.d.clock.now();
    let scores: ScoredBucket[] = [];
    let references: Record<string, unknown>[] = [];
    let written = 0;
    // Written a few whole instants at a time, oldest first: a day of hours over 100k products is
    // millions of rows, more than one insert body can hold (V8's longest string) or one insert
    // block writes at once. A crash between writes leaves whole instants stored, and scoring
    // resumes after the newest one, as it does between chunks.
    const flush = async () => {
      if (!scores.length) return;
      const batch = scores;
      await this.stage('write', () => {
        batch.sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : a.at - b.at));
        return this.write(batch, references, scoredAt);
      });
      const onScored = this.d.onScored;
      if (onScored) await this.stage('observe', () => onScored(batch));
      written += scores.length;
      scores = [];
      references = [];
    };
    for (const T of [...byT.keys()].sort((a, b) => a - b)) {
      // In phases over every product of the instant, with turns of the event loop between items:
      // shapes, the trending counts, raw components, the reference over all of them, each score.
      // All it reads is this chunk's own (its rows, categories and stored references, read
      // before), so a turn changes nothing it computes; a touch() during one only marks products,
      // as it may during the chunk's queries and writes.
      await this.stage('score', async () => {
        const turns = new Turns();
        const group = byT.get(T)!;
        const shaped = await turns.map(group, (r) => {
          const covered = Math.min(p.bins, Math.ceil(r.span / p.binSteps));
          // Bins oldest → newest, from the first one the product has data in.
          const bins = r.bins.slice(0, covered).reverse();
          const shape = trendShape(bins, p.binSteps * hours);
          return { r, shape, category: categories.get(r.productId) ?? 'Uncategorized' };
        });
        const own = new Map<string, number>();
        await turns.each(shaped, (m) => { if (isTrending(m.shape.label)) own.set(m.category, (own.get(m.category) ?? 0) + 1); });
        const prior = stored.get(T);
        const defines = group.length >= MIN_REFERENCE_PRODUCTS && (!prior || group.length >= prior.n);
        const trending = defines || !prior ? own : new Map(Object.entries(prior.trending).map(([k, v]) => [k, Number(v)]));
        const raws = await turns.map(shaped, (m) => rawComponents({
          shape: m.shape, engagement: m.r.engagement, views: m.r.windowViews, orders: m.r.windowOrders,
          regions: m.r.regions, platforms: m.r.platforms,
          competitors: (trending.get(m.category) ?? 0) - (isTrending(m.shape.label) ? 1 : 0),
        }));
        const ref = defines || !prior ? buildReference(raws) : { n: prior.n, quantiles: prior.quantiles };
        if (defines) references.push({ asOf: T, n: ref.n, quantiles: ref.quantiles, trending: Object.fromEntries(own), scoredAt });
        await turns.each(shaped, (m, i) => {
          const components = normalise(raws[i], ref);
          scores.push({
            productId: m.r.productId, at: m.r.B * 1000, step,
            score: blendScore(components, this.d.weights), label: m.shape.label, velocity: m.shape.velocity, acceleration: m.shape.acceleration,
            momentum: momentum(m.r.recent, m.r.before, p.momentumLag * hours),
            momentumNoise: momentumNoise(m.r.recent, m.r.before, p.momentumLag * hours), components,
            views24h: m.r.views24h, orders24h: m.r.orders24h,
          });
        });
      });
      if (scores.length >= (this.d.writeRows ?? WRITE_ROWS)) await flush();
    }
    await flush();
    return written;
  }

  /** Categories of the products listed, or of every product (then kept for the rest of the round). */
  private categoriesOf(ids: string[] | null): Promise<Map<string, string>> {
    const load = (query: string, params: Record<string, unknown>) =>
      this.query<{ productId: string; category: string }>(query, params).then((rs) => new Map(rs.map((r) => [r.productId, r.category])));
    if (ids) return load(categoriesSql(true), { ids });
    return (this.categories ??= load(categoriesSql(false), {}));
  }

  private async write(scores: ScoredBucket[], references: Record<string, unknown>[], scoredAt: number): Promise<void> {
    // Rows as TabSeparated lines in SCORE_COLUMNS order, inserted as bytes (insertBody): a JSON
    // body cost more to build here, and the embedded engine parsed it as part of one query
    // string. The history insert also writes each product's latest score (trend_scores, by a
    // materialized view: migration 0010). Numbers print as JSON printed them (shortest exact form).
    // With turns of the event loop between lines (the batch is this write's own: nothing else
    // changes it during a turn).
    const at = tsvMillis(scoredAt);
    const turns = new Turns();
    const body = await utf8LinesInTurns(scores, (s) => {
      const c = s.components;
      return `${tsvString(s.productId)}\t${tsvMillis(s.at)}\t${Math.round(STEP_SEC[s.step])}\t${s.score}\t${s.label}\t${s.velocity}\t${s.acceleration}\t${s.momentum}\t${s.momentumNoise}\t${c.velocity}\t${c.acceleration}\t${c.volume}\t${c.breadth}\t${c.conversion}\t${c.saturation}\t${s.views24h}\t${s.orders24h}\t${at}\n`;
    }, turns);
    // Scores are sorted by product then time: the last of each product is its newest.
    const latest: ScoredBucket[] = [];
    await turns.each(scores, (s, i) => { if (scores[i + 1]?.productId !== s.productId) latest.push(s); });
    // A batch holds each (product, bucket) once: the engine's merge of the block on insert would find nothing to replace.
    await insertBody(this.d.ch, { table: TABLES.trendScoreHistory, columns: SCORE_COLUMNS, format: 'TabSeparated', body, settings: { optimize_on_insert: 0 } });
    if (references.length) await this.d.ch.insert({ table: TABLES.scoreReference, values: references, format: 'JSONEachRow' });
    this.d.metrics.scored.inc(scores.length);
    // In messages of at most UPDATE_ITEMS scores: a Kafka message is capped at a megabyte by default.
    const items = await turns.map(latest, (s) => ({ productId: s.productId, score: s.score, label: s.label, velocity: s.velocity, at: new Date(s.at).toISOString() }));
    const updates: { key: string; value: ScoresUpdate }[] = [];
    for (let i = 0; i < items.length; i += UPDATE_ITEMS) updates.push({ key: 'scores', value: { kind: 'scores', items: items.slice(i, i + UPDATE_ITEMS) } });
    await this.d.bus.publish(this.d.topics.updates, updates);
  }
}
