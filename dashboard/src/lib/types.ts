// Response shapes of the TrendDrop API (/api/v1), derived from the server's own schemas
// (api/schemas/, the ones that also check the handlers and write the OpenAPI document). Type-only
// imports: no server code enters the bundle, and `vue-tsc` (in `npm test`) fails when the pages
// use a field the API does not send.
import type { Static } from 'typebox';
import type { Alert as AlertSchema, AlertLedger as AlertLedgerSchema, AlertPage, LedgerFigures as LedgerFiguresSchema } from '../../../api/schemas/alerts';
import type { Forecast as ForecastSchema, ForecastPoint as ForecastPointSchema } from '../../../api/schemas/forecast';
import type { Ahead, ForecastCalibration as ForecastCalibrationSchema, ForecastListItem, ForecastSortKey } from '../../../api/schemas/forecasts';
import type { AgentRunView, AgentStatus as AgentStatusSchema, CategoryStats, OverviewKpis, Overview as OverviewSchema, Range, TimelinePoint as TimelinePointSchema, TopProduct as TopProductSchema } from '../../../api/schemas/overview';
import type { ListQuery, Point as PointSchema, ProductDetail as ProductDetailSchema, ProductListItem, ScoreComponents as ScoreComponentsSchema, SeriesMetric, Timeseries as TimeseriesSchema } from '../../../api/schemas/products';
import type { ProductRegion, RegionOpportunity } from '../../../api/schemas/regions';
import type { SimilarProduct as SimilarProductSchema } from '../../../api/schemas/similar';
import type { Correlation as CorrelationSchema, Correlations as CorrelationsSchema, Trends as TrendsSchema } from '../../../api/schemas/trends';
import type { Video as VideoSchema, VideoAnalytics as VideoAnalyticsSchema } from '../../../api/schemas/videos';
import type { Watchlist as WatchlistSchema } from '../../../api/schemas/watchlists';

export type RangePreset = Range;
export type Interval = '1m' | '1h' | '1d' | '1w';
export type Metric = SeriesMetric;
export const METRICS: Metric[] = ['views', 'likes', 'shares', 'comments', 'orders', 'revenue', 'searches', 'events'];

export type Kpis = Omit<OverviewKpis, 'previous'>;
export type TimelinePoint = TimelinePointSchema;
export type CategoryStat = CategoryStats;
export type AgentInfo = AgentStatusSchema;
export type AgentStatus = AgentInfo['status'];
export type AgentRun = AgentRunView;
export type TopProduct = TopProductSchema;
export type Overview = OverviewSchema;

export type ProductRow = ProductListItem;
export interface Page<T> { items: T[]; nextCursor: string | null }

export type ScoreComponents = Static<typeof ScoreComponentsSchema>;
export type ProductDetail = ProductDetailSchema;
export type Totals = ProductDetail['totals24h'];
export type Point = Static<typeof PointSchema>;
export type Timeseries = TimeseriesSchema;

export type ForecastPoint = Static<typeof ForecastPointSchema>;
export type Forecast = ForecastSchema;
export type ForecastRow = ForecastListItem;
export type ForecastCalibration = ForecastCalibrationSchema;
/** What the Forecasts page asks GET forecasts for (the API's query, cursor and limit aside). */
export interface ForecastFilters {
  metric: 'views' | 'orders'; ahead: Ahead; category?: string; stage?: ListQuery['stage'];
  sort: ForecastSortKey | `-${ForecastSortKey}`;
}
export type SimilarProduct = SimilarProductSchema;
export type Video = VideoSchema;
export type RegionShare = ProductRegion;
export type RegionStat = RegionOpportunity;
export type Trends = TrendsSchema;
export type Correlation = CorrelationSchema;
export type Correlations = CorrelationsSchema;
export type VideoAnalytics = VideoAnalyticsSchema;
export type Alert = AlertSchema;
export type LedgerFigures = LedgerFiguresSchema;
export type AlertLedger = AlertLedgerSchema;
export type Alerts = AlertPage;
export type Watchlist = WatchlistSchema;

export interface ProductFilters {
  q?: string; category?: string; region?: string; platform?: string;
  minScore?: number; maxScore?: number; minPrice?: number; maxPrice?: number; label?: string;
  /** Lifecycle stage from the latest forecast (the API's `stage=`). */
  stage?: ListQuery['stage'];
  sort?: string;
}

/** WebSocket envelope (README: Use it → WebSocket). */
export interface WsMessage<T = unknown> {
  v: 1; type: 'event' | 'snapshot' | 'ack' | 'error' | 'pong';
  channel?: string; seq?: number; ts?: string; data?: T;
}
export interface ProductDelta { productId: string; bucketTs: string; delta: Partial<Totals> }
