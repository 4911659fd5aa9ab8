// Response shapes of the TrendDrop API (/api/v1). Kept in step with the OpenAPI document.

export type RangePreset = '1h' | '24h' | '7d' | '30d';
export type Interval = '1m' | '1h' | '1d' | '1w';
export type Metric = 'views' | 'likes' | 'shares' | 'comments' | 'orders' | 'revenue' | 'searches' | 'events';
export const METRICS: Metric[] = ['views', 'likes', 'shares', 'comments', 'orders', 'revenue', 'searches', 'events'];

export interface Kpis { products: number; trending: number; avgTrendScore: number; events24h: number }
export interface TimelinePoint {
  ts: string; events: number; views: number; likes: number; shares: number;
  comments: number; orders: number; revenue: number; searches: number;
  /** The bucket can still receive on-time events: not a complete value. */
  partial: boolean;
}
export interface CategoryStat { category: string; products: number; views: number; avgScore: number }
export type AgentStatus = 'running' | 'paused' | 'idle' | 'off';
export interface AgentRun {
  source: string; startedAt: string; endedAt: string | null;
  itemsFound: number; newProducts: number; errors: number;
}
export interface AgentInfo { status: AgentStatus; runs: AgentRun[]; lastEventAt: string | null }
export interface TopProduct {
  productId: string; title: string; category: string | null; imageUrl: string | null;
  score: number; label: string | null; velocity: number;
}
export interface Overview {
  kpis: Kpis & { previous?: Kpis };
  timeline: TimelinePoint[];
  categories: CategoryStat[];
  agent: AgentInfo;
  topProducts?: TopProduct[];
  generatedAt?: string;
}

export interface ProductRow {
  productId: string; title: string; category: string | null; brand: string | null;
  price: number | null; currency: string | null; imageUrl: string | null;
  score: number | null; label: string | null; velocity: number | null; acceleration: number | null;
  views24h: number; orders24h: number; updatedAt: string;
}
export interface Page<T> { items: T[]; nextCursor: string | null }

export interface ScoreComponents {
  velocity: number; acceleration: number; volume: number; breadth: number; conversion: number; saturation: number;
}
export interface Totals {
  views: number; likes: number; shares: number; comments: number;
  orders: number; revenue: number; searches: number; events: number;
}
export interface ProductDetail {
  productId: string; title: string; category: string | null; brand: string | null;
  price: number | null; currency: string | null; imageUrl: string | null; sourceUrl: string | null;
  source: string | null; tags: string[]; createdAt: string; updatedAt: string;
  /** Plain-language summary of the product's recent numbers. */
  insight: string | null;
  trend: {
    score: number; label: string | null; velocity: number; acceleration: number;
    components: ScoreComponents; computedAt: string;
  } | null;
  totals24h: Totals;
  /** The step its engagement arrives at: 1h live; 1d, 1w or 1mo for imported histories. */
  nativeInterval: Interval | '1mo';
}
export interface Point { ts: string; value: number; partial: boolean }
/** interval is the product's native step when none was asked for (native: true); monthly imports come as 1mo. */
export interface Timeseries { productId: string; metric: Metric; interval: Interval | '1mo'; native: boolean; points: Point[] }

export interface ForecastPoint { ts: string; yhat: number; lo80: number; hi80: number; lo95: number; hi95: number }
export interface Forecast {
  /** null while a product has too little history to forecast. */
  /** The product's native step: 1h live engagement; 1d, 1w or 1mo for imported series. */
  model: string | null; horizon: number; interval: Interval | '1mo'; points: ForecastPoint[];
  /**
   * mase is null for a perfectly flat history (nothing to scale errors by); coverages are shares
   * of `points` held-out values inside the 80%/95% intervals.
   */
  backtest: { model: string; mase: number | null; smape: number | null; coverage80: number | null; coverage95: number | null; points: number; chosen: boolean }[];
  /** Stage from the forecast; growthPerStep is log-growth per step; the peak only when the horizon reaches it. */
  lifecycle: { stage: 'emerging' | 'rising' | 'peaking' | 'saturating' | 'declining'; growthPerStep: number; peak: { at: string; lo: string; hi: string } | null } | null;
}
export interface SimilarProduct { productId: string; title: string; score: number; similarity: number; reason: string }
export interface Video {
  videoId: string; platform: string; title: string; url: string; creator: string; publishedAt: string;
  durationSec: number; hashtags: string[]; views: number; likes: number; shares: number; comments: number;
  engagementRate: number;
}
export interface RegionShare { region: string; name: string; views: number; orders: number; revenue: number; share: number }
export interface RegionStat {
  region: string; name: string; views: number; orders: number; revenue: number;
  growth: number; products: number; competition: number; opportunity: number;
}
export interface Trends {
  interval: Interval;
  series: { metric: Metric; points: Point[] }[];
  velocity: { productId: string; title: string; velocity: number; acceleration: number; label: string | null }[];
}
/** One pair of metrics at its most significant lag (lag > 0: a leads b). */
export interface Correlation {
  a: string; b: string; r: number; lag: number; n: number;
  /** Independent pairs worth as much evidence as the n correlated ones. */
  nEffective: number;
  pValue: number;
  /** Benjamini–Hochberg over every pair × lag tried. */
  pAdjusted: number;
  significant: boolean;
  products: number;
}
export interface Correlations { interval: Interval; maxLag: number; from: string; to: string; products: number; productsUsed: number; tests: number; alpha: number; items: Correlation[] }
export interface VideoAnalytics {
  items: (Video & { productId?: string })[];
  byPlatform: { platform: string; videos: number; views: number; engagementRate: number }[];
  hashtags: { tag: string; videos: number; views: number }[];
  byHour: { hour: number; videos: number; avgViews: number }[];
  byDuration: { bucket: string; videos: number; avgEngagementRate: number }[];
}
export interface Alert {
  alertId: string; productId: string; title: string | null; kind: string;
  severity: 'info' | 'warning' | 'critical' | string; message: string;
  /** Momentum (log growth per hour) of the bucket that raised it. */
  value: number;
  /** Event time of that bucket, and when the alert was raised. */
  at: string; createdAt: string; stepSec: number;
  /** Track record once event time has passed its horizon; null while pending. */
  outcome: 'hit' | 'miss' | null; baseline: number | null; after: number | null; peakAt: string | null; leadTimeSec: number | null;
}
export interface LedgerFigures {
  alerts: number; judged: number; pending: number; hits: number; falseAlarms: number;
  hitRate: number | null; baseMoments: number; baseRate: number | null; lift: number | null; medianLeadTimeSec: number | null;
}
export interface AlertLedger {
  from: string; to: string; period: string;
  method: { hit: string; baseRate: string; leadTime: string };
  overall: LedgerFigures; periods: (LedgerFigures & { key: string })[]; categories: (LedgerFigures & { key: string })[];
}
export interface Watchlist { watchlistId: number; name: string; productIds: string[]; createdAt?: string }

export interface ProductFilters {
  q?: string; category?: string; region?: string; platform?: string;
  minScore?: number; maxScore?: number; minPrice?: number; maxPrice?: number; label?: string;
  sort?: string;
}

/** WebSocket envelope (README: Use it → WebSocket). */
export interface WsMessage<T = unknown> {
  v: 1; type: 'event' | 'snapshot' | 'ack' | 'error' | 'pong';
  channel?: string; seq?: number; ts?: string; data?: T;
}
export interface ProductDelta { productId: string; bucketTs: string; delta: Partial<Totals> }
