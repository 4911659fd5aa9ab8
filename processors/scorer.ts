// Trend scoring: re-scores the products that received events (and, less often, every product
// active in the window, so that scores of products gone quiet decay) from the hourly rollups
// (engagement_1h), with the math in analytics/trend.ts. Writes the latest score and its history
// to ClickHouse.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Bus } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Clock } from '../core/clock.js';
import type { ScoreWeights } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { ScoresUpdate } from '../schemas/updates.js';
import { sleep } from '../core/retry.js';
import { computeTrend, engagementOf, TREND_SCALES, type Bucket, type TrendResult } from '../analytics/trend.js';
import { DEFAULT_BREAKOUT, type BreakoutConfig } from '../analytics/breakout.js';
import { METRICS } from '../schemas/events.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

export interface ScorerDeps {
  ch: ClickHouseClient;
  bus: Bus;
  topics: Topics;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  weights: ScoreWeights;
  intervalMs: number;
  /** Re-score every active product this often, not only those with new events. */
  fullRefreshMs?: number;
  /** Called with each chunk's results once they are stored (breakout detection). */
  onScored?: (results: Map<string, Scored>, now: number) => Promise<unknown>;
}

/** Seven rolling days: day-over-day growth, free of the daily cycle every market has. */
export const SCORE_WINDOW_BUCKETS = 7;
export const SCORE_BUCKET_MS = 86_400_000;
/** Momentum compares the last hours with the same hours a day earlier. */
export const MOMENTUM_HOURS = 6;

/**
 * Momentum: log growth per hour of the last `MOMENTUM_HOURS` hours of engagement against the
 * same hours one day earlier. It reacts within hours (a 7-day Theil–Sen velocity is built to
 * ignore a single jump) and the daily cycle cancels out, so breakout detection watches it.
 */
export function momentum(hourly: number[]): number {
  const n = hourly.length, h = MOMENTUM_HOURS;
  if (n < 24 + h) return 0;
  let recent = 0, dayBefore = 0;
  for (let i = n - h; i < n; i++) { recent += hourly[i]; dayBefore += hourly[i - 24]; }
  return Math.log((1 + recent) / (1 + dayBefore)) / 24;
}

export type Scored = TrendResult & { momentum: number };

/**
 * Breakout detection tuned for momentum: deviations are measured against at least a doubling
 * per day, since day-over-day growth of that size is ordinary churn in a hype market. On the
 * simulator this gives about 20 alerts a day across 200 products, every viral moment among them.
 */
export const MOMENTUM_BREAKOUT: BreakoutConfig = { ...DEFAULT_BREAKOUT, minScale: TREND_SCALES.velocityPerHour };
const CHUNK = 1000;

interface Row { productId: string; idx: number; views: number; likes: number; shares: number; comments: number; orders: number; revenue: number; searches: number }

// Hourly engagement over the window, summed in code into rolling 24-hour buckets ending with the
// current hour (so a score moves every hour instead of jumping at midnight), and into momentum.
const BUCKETS_SQL = `
SELECT productId, intDiv(toUnixTimestamp(bucket) - {start:UInt32}, 3600) AS idx,
  sum(views) AS views, sum(likes) AS likes, sum(shares) AS shares, sum(comments) AS comments,
  sum(orders) AS orders, sum(revenue) AS revenue, sum(searches) AS searches
FROM ${TABLES.engagement1h}
WHERE productId IN {ids:Array(String)} AND bucket >= toDateTime({start:UInt32}) AND bucket < toDateTime({end:UInt32})
GROUP BY productId, idx`;

const BREADTH_SQL = `
SELECT productId, uniqExact(region) AS regions, uniqExact(platform) AS platforms
FROM ${TABLES.engagement1h}
WHERE productId IN {ids:Array(String)} AND bucket >= toDateTime({start:UInt32}) AND bucket < toDateTime({end:UInt32})
GROUP BY productId`;

const MARKET_SQL = `
SELECT uniqExact(region) AS regions, uniqExact(platform) AS platforms
FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({start:UInt32})`;

// Trending products per category, for saturation: many rising rivals means a crowded niche.
const COMPETITION_SQL = `
WITH cats AS (SELECT productId, argMax(category, updatedAt) AS category FROM ${TABLES.products} GROUP BY productId),
     labels AS (SELECT productId, argMax(label, computedAt) IN ('emerging', 'rising') AS trending FROM ${TABLES.trendScores} GROUP BY productId),
     per_category AS (SELECT category, countIf(trending) AS n FROM cats LEFT JOIN labels USING productId GROUP BY category)
SELECT c.productId AS productId, pc.n - ifNull(l.trending, 0) AS rivals
FROM cats AS c
LEFT JOIN per_category AS pc ON pc.category = c.category
LEFT JOIN labels AS l ON l.productId = c.productId
WHERE c.productId IN {ids:Array(String)}`;

const ACTIVE_SQL = `SELECT DISTINCT productId FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({start:UInt32})`;

export class Scorer {
  private touched = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private lastFull = 0;
  /** While history is being written and replayed, live rounds keep breakout detection out: it must see time in order. */
  private breakoutsHeld = false;
  private readonly log: Logger;

  constructor(private readonly d: ScorerDeps) {
    this.log = d.logger.child({ component: 'scorer' });
  }

  /** Live rounds stop feeding breakout detection until release(), e.g. while history is replayed. */
  holdBreakouts(): void { this.breakoutsHeld = true; }
  releaseBreakouts(): void { this.breakoutsHeld = false; }

  touch(ids: Iterable<string>): void { for (const id of ids) this.touched.add(id); }

  start(): void {
    const tick = () => {
      this.running = this.running.then(() => this.round()).catch((err) => this.log.error({ err }, 'scoring round failed'));
      this.timer = setTimeout(tick, this.d.intervalMs);
    };
    this.timer = setTimeout(tick, this.d.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One scoring round; exposed so tests and `migrate`-style commands can run it directly. */
  async round(): Promise<number> {
    const now = this.d.clock.now();
    let ids: string[];
    if (now - this.lastFull >= (this.d.fullRefreshMs ?? 600_000)) {
      this.lastFull = now;
      const rs = await this.d.ch.query({ query: ACTIVE_SQL, query_params: { start: Math.floor((now - SCORE_WINDOW_BUCKETS * SCORE_BUCKET_MS) / 1000) }, format: 'JSONEachRow' });
      ids = [...new Set([...(await rs.json<{ productId: string }>()).map((r) => r.productId), ...this.touched])];
    } else {
      ids = [...this.touched];
    }
    this.touched = new Set();
    for (let i = 0; i < ids.length; i += CHUNK) await this.scoreChunk(ids.slice(i, i + CHUNK), now, !this.breakoutsHeld);
    return ids.length;
  }

  /**
   * Scores the past every `stepMs` from `fromMs` to `toMs`, oldest first, as if the scorer had
   * been running then: after a history backfill this yields score history, breakout baselines
   * and the breakouts that history holds. Later live scores supersede these (newer computedAt).
   */
  async replay(fromMs: number, toMs: number, o: { stepMs?: number; signal?: AbortSignal; pauseMs?: number } = {}): Promise<number> {
    const stepMs = o.stepMs ?? 3_600_000;
    const rs = await this.d.ch.query({ query: ACTIVE_SQL, query_params: { start: Math.floor((fromMs - SCORE_WINDOW_BUCKETS * SCORE_BUCKET_MS) / 1000) }, format: 'JSONEachRow' });
    const ids = (await rs.json<{ productId: string }>()).map((r) => r.productId);
    let rounds = 0;
    for (let t = fromMs; t < toMs && !o.signal?.aborted; t += stepMs, rounds++) {
      for (let i = 0; i < ids.length; i += CHUNK) await this.scoreChunk(ids.slice(i, i + CHUNK), t);
      if (o.pauseMs) await sleep(o.pauseMs); // background work: leave room for live queries between rounds
    }
    this.log.info({ rounds, products: ids.length }, 'scored the backfilled history');
    return rounds;
  }

  async scoreChunk(ids: string[], now: number, notify = true): Promise<Map<string, Scored>> {
    const endSec = Math.floor(now / 3_600_000) * 3600 + 3600; // through the current hour
    const start = endSec - (SCORE_WINDOW_BUCKETS * SCORE_BUCKET_MS) / 1000;
    const params = { ids, start, end: endSec };
    const q = async <T>(query: string, query_params: Record<string, unknown>) =>
      (await this.d.ch.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
    const [rows, breadth, market, competition] = await Promise.all([
      q<Row>(BUCKETS_SQL, params),
      q<{ productId: string; regions: number; platforms: number }>(BREADTH_SQL, params),
      q<{ regions: number; platforms: number }>(MARKET_SQL, { start }),
      q<{ productId: string; rivals: number }>(COMPETITION_SQL, { ids }),
    ]);
    // Hourly engagement per product (the current, partial hour last), then summed by day.
    const hours = SCORE_WINDOW_BUCKETS * 24;
    const hourly = new Map<string, Bucket[]>();
    for (const id of ids) hourly.set(id, Array.from({ length: hours }, (_, i) => ({ ts: (start + i * 3600) * 1000, views: 0, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0 })));
    for (const r of rows) {
      const b = hourly.get(r.productId)?.[Number(r.idx)];
      if (!b) continue;
      b.views = Number(r.views); b.likes = Number(r.likes); b.shares = Number(r.shares); b.comments = Number(r.comments);
      b.orders = Number(r.orders); b.revenue = Number(r.revenue); b.searches = Number(r.searches);
    }
    const series = new Map<string, Bucket[]>();
    for (const [id, hs] of hourly) {
      const days: Bucket[] = [];
      for (let d = 0; d < SCORE_WINDOW_BUCKETS; d++) {
        const day = { ...hs[d * 24], ts: hs[d * 24].ts };
        for (let i = d * 24 + 1; i < (d + 1) * 24; i++) for (const m of METRICS) day[m] += hs[i][m];
        days.push(day);
      }
      series.set(id, days);
    }
    const br = new Map(breadth.map((b) => [b.productId, b]));
    const comp = new Map(competition.map((c) => [c.productId, Math.max(0, Number(c.rivals))]));
    const totalRegions = Math.max(1, Number(market[0]?.regions ?? 1));
    const totalPlatforms = Math.max(1, Number(market[0]?.platforms ?? 1));
    const results = new Map<string, Scored>();
    const latest: Record<string, unknown>[] = [];
    const history: Record<string, unknown>[] = [];
    for (const [productId, buckets] of series) {
      const b = br.get(productId);
      const trend = computeTrend({ buckets, bucketMs: SCORE_BUCKET_MS, regions: Number(b?.regions ?? 0), platforms: Number(b?.platforms ?? 0), totalRegions, totalPlatforms, competitors: comp.get(productId) ?? 0 }, this.d.weights);
      const t: Scored = { ...trend, momentum: momentum(hourly.get(productId)!.map(engagementOf)) };
      results.set(productId, t);
      const c = t.components;
      latest.push({
        productId, score: t.score, label: t.label, velocity: t.velocity, acceleration: t.acceleration, momentum: t.momentum,
        c_velocity: c.velocity, c_acceleration: c.acceleration, c_volume: c.volume, c_breadth: c.breadth, c_conversion: c.conversion, c_saturation: c.saturation,
        views24h: buckets.reduce((a, x) => a + x.views, 0), orders24h: buckets.reduce((a, x) => a + x.orders, 0), computedAt: now,
      });
      history.push({ productId, computedAt: now, score: t.score, label: t.label, velocity: t.velocity, acceleration: t.acceleration, momentum: t.momentum });
    }
    if (latest.length) {
      await this.d.ch.insert({ table: TABLES.trendScores, values: latest, format: 'JSONEachRow' });
      await this.d.ch.insert({ table: TABLES.trendScoreHistory, values: history, format: 'JSONEachRow' });
      this.d.metrics.scored.inc(latest.length);
      const update: ScoresUpdate = { kind: 'scores', items: [...results].map(([productId, t]) => ({ productId, score: t.score, label: t.label, velocity: t.velocity })) };
      await this.d.bus.publish(this.d.topics.updates, [{ key: 'scores', value: update }]);
      if (notify) await this.d.onScored?.(results, now);
    }
    return results;
  }
}
