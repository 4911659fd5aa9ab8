// Trend scoring: re-scores the products that received events (and, less often, every product
// active in the window, so that scores of products gone quiet decay) from the 1-minute rollups,
// with the math in analytics/trend.ts. Writes the latest score and its history to ClickHouse.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Bus } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Clock } from '../core/clock.js';
import type { ScoreWeights } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { ScoresUpdate } from '../schemas/updates.js';
import { computeTrend, type Bucket, type TrendResult } from './analytics/trend.js';

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
  onScored?: (results: Map<string, TrendResult>, now: number) => Promise<unknown>;
}

/** Seven rolling days: day-over-day growth, free of the daily cycle every market has. */
export const SCORE_WINDOW_BUCKETS = 7;
export const SCORE_BUCKET_MS = 86_400_000;
const CHUNK = 1000;

interface Row { productId: string; idx: number; views: number; likes: number; shares: number; comments: number; orders: number; revenue: number; searches: number }

// Rolling 24-hour buckets ending with the current hour, so a score moves every hour instead of
// jumping at midnight (a partial last day would read as a fall). Read from the hourly rollup.
const BUCKETS_SQL = `
SELECT productId, intDiv(toUnixTimestamp(bucket) - {start:UInt32}, {width:UInt32}) AS idx,
  sum(views) AS views, sum(likes) AS likes, sum(shares) AS shares, sum(comments) AS comments,
  sum(orders) AS orders, sum(revenue) AS revenue, sum(searches) AS searches
FROM engagement_1h
WHERE productId IN {ids:Array(String)} AND bucket >= toDateTime({start:UInt32}) AND bucket < toDateTime({end:UInt32})
GROUP BY productId, idx`;

const BREADTH_SQL = `
SELECT productId, uniqExact(region) AS regions, uniqExact(platform) AS platforms
FROM engagement_1h
WHERE productId IN {ids:Array(String)} AND bucket >= toDateTime({start:UInt32}) AND bucket < toDateTime({end:UInt32})
GROUP BY productId`;

const MARKET_SQL = `
SELECT uniqExact(region) AS regions, uniqExact(platform) AS platforms
FROM engagement_1h WHERE bucket >= toDateTime({start:UInt32})`;

// Trending products per category, for saturation: many rising rivals means a crowded niche.
const COMPETITION_SQL = `
WITH cats AS (SELECT productId, argMax(category, updatedAt) AS category FROM products GROUP BY productId),
     labels AS (SELECT productId, argMax(label, computedAt) IN ('emerging', 'rising') AS trending FROM trend_scores GROUP BY productId),
     per_category AS (SELECT category, countIf(trending) AS n FROM cats LEFT JOIN labels USING productId GROUP BY category)
SELECT c.productId AS productId, pc.n - ifNull(l.trending, 0) AS rivals
FROM cats AS c
LEFT JOIN per_category AS pc ON pc.category = c.category
LEFT JOIN labels AS l ON l.productId = c.productId
WHERE c.productId IN {ids:Array(String)}`;

const ACTIVE_SQL = `SELECT DISTINCT productId FROM engagement_1h WHERE bucket >= toDateTime({start:UInt32})`;

export class Scorer {
  private touched = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private lastFull = 0;
  private readonly log: Logger;

  constructor(private readonly d: ScorerDeps) {
    this.log = d.logger.child({ component: 'scorer' });
  }

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
    for (let i = 0; i < ids.length; i += CHUNK) await this.scoreChunk(ids.slice(i, i + CHUNK), now);
    return ids.length;
  }

  async scoreChunk(ids: string[], now: number): Promise<Map<string, TrendResult>> {
    const endSec = Math.floor(now / 3_600_000) * 3600 + 3600; // through the current hour
    const width = SCORE_BUCKET_MS / 1000;
    const start = endSec - SCORE_WINDOW_BUCKETS * width;
    const params = { ids, start, end: endSec, width };
    const q = async <T>(query: string, query_params: Record<string, unknown>) =>
      (await this.d.ch.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
    const [rows, breadth, market, competition] = await Promise.all([
      q<Row>(BUCKETS_SQL, params),
      q<{ productId: string; regions: number; platforms: number }>(BREADTH_SQL, params),
      q<{ regions: number; platforms: number }>(MARKET_SQL, { start }),
      q<{ productId: string; rivals: number }>(COMPETITION_SQL, { ids }),
    ]);
    const series = new Map<string, Bucket[]>();
    for (const id of ids) series.set(id, Array.from({ length: SCORE_WINDOW_BUCKETS }, (_, i) => ({ ts: (start + i * width) * 1000, views: 0, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0 })));
    for (const r of rows) {
      const b = series.get(r.productId)?.[Number(r.idx)];
      if (!b) continue;
      b.views = Number(r.views); b.likes = Number(r.likes); b.shares = Number(r.shares); b.comments = Number(r.comments);
      b.orders = Number(r.orders); b.revenue = Number(r.revenue); b.searches = Number(r.searches);
    }
    const br = new Map(breadth.map((b) => [b.productId, b]));
    const comp = new Map(competition.map((c) => [c.productId, Math.max(0, Number(c.rivals))]));
    const totalRegions = Math.max(1, Number(market[0]?.regions ?? 1));
    const totalPlatforms = Math.max(1, Number(market[0]?.platforms ?? 1));
    const results = new Map<string, TrendResult>();
    const latest: Record<string, unknown>[] = [];
    const history: Record<string, unknown>[] = [];
    for (const [productId, buckets] of series) {
      const b = br.get(productId);
      const t = computeTrend({ buckets, bucketMs: SCORE_BUCKET_MS, regions: Number(b?.regions ?? 0), platforms: Number(b?.platforms ?? 0), totalRegions, totalPlatforms, competitors: comp.get(productId) ?? 0 }, this.d.weights);
      results.set(productId, t);
      const c = t.components;
      latest.push({
        productId, score: t.score, label: t.label, velocity: t.velocity, acceleration: t.acceleration,
        c_velocity: c.velocity, c_acceleration: c.acceleration, c_volume: c.volume, c_breadth: c.breadth, c_conversion: c.conversion, c_saturation: c.saturation,
        views24h: buckets.reduce((a, x) => a + x.views, 0), orders24h: buckets.reduce((a, x) => a + x.orders, 0), computedAt: now,
      });
      history.push({ productId, computedAt: now, score: t.score, label: t.label, velocity: t.velocity, acceleration: t.acceleration });
    }
    if (latest.length) {
      await this.d.ch.insert({ table: 'trend_scores', values: latest, format: 'JSONEachRow' });
      await this.d.ch.insert({ table: 'trend_score_history', values: history, format: 'JSONEachRow' });
      this.d.metrics.scored.inc(latest.length);
      const update: ScoresUpdate = { kind: 'scores', items: [...results].map(([productId, t]) => ({ productId, score: t.score, label: t.label, velocity: t.velocity })) };
      await this.d.bus.publish(this.d.topics.updates, [{ key: 'scores', value: update }]);
      await this.d.onScored?.(results, now);
    }
    return results;
  }
}
