// The pipeline bench's engagement: events spread evenly over simulated products, platforms and
// regions, with ids unique to the run. The bench and its outside Kafka producer build them alike.
import { MarketSimulator } from '../ingest/simulator.js';
import type { EngagementEvent } from '../schemas/events.js';

/** Products the pipeline phase spreads its events over (and the freshness phase over the first 100). */
export const BENCH_PRODUCTS = 1000;
/** Products whose channels the freshness client follows; its events go to them. */
export const FRESH_PRODUCTS = 100;

export function benchProductIds(products: number): string[] {
  return new MarketSimulator({ seed: 7, products, ratePerSec: 1 }).catalogue().map((p) => p.productId);
}

/**
 * Events `from` … `from + n - 1` of a run: ids `${prefix}-${i}`, event times spread over the hour
 * before `now` (or all at `now`, for the freshness phase, which times live events).
 */
export function makeEvents(o: { prefix: string; from?: number; n: number; products: string[]; now: number; live?: boolean }): EngagementEvent[] {
  const out: EngagementEvent[] = new Array(o.n);
  const liveTs = new Date(o.now).toISOString();
  for (let k = 0; k < o.n; k++) {
    const i = (o.from ?? 0) + k;
    out[k] = {
      eventId: `${o.prefix}-${i}`, ts: o.live ? liveTs : new Date(o.now - 3_600_000 + (i % 3_600_000)).toISOString(), productId: o.products[i % o.products.length],
      platform: (['tiktok', 'instagram', 'youtube', 'amazon'] as const)[i % 4], region: ['US', 'DE', 'GB', 'BR', 'JP'][i % 5],
      views: 1 + (i % 97), likes: i % 7, shares: i % 3, comments: i % 5, orders: i % 50 === 0 ? 1 : 0, revenue: i % 50 === 0 ? 19.99 : 0, searches: i % 4,
    };
  }
  return out;
}
