// Products: the explorer list, one product, its time series.
import Type from 'typebox';
import { STAGES } from '../../analytics/lifecycle.js';
import { METRICS, PLATFORMS } from '../../schemas/events.js';
import { Cursor, INTERVALS, Iso, Nullable, Page, TimeRange } from './common.js';

export const LIST_LIMIT = { default: 50, max: 500 } as const;
export const SORT_KEYS = ['score', 'velocity', 'views', 'title', 'price', 'stage'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const LABELS = ['emerging', 'rising', 'peaking', 'declining', 'steady'] as const;
/** The highest price a product can have (schemas/events.ts), so the highest a filter needs. */
const MAX_PRICE = 10_000_000;

export const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Text in title, brand or tags' })),
  category: Type.Optional(Type.String({ maxLength: 100 })),
  region: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'Only products with engagement in this region in the last 7 days' })),
  platform: Type.Optional(Type.Enum(PLATFORMS)),
  label: Type.Optional(Type.Enum(LABELS)),
  stage: Type.Optional(Type.Enum(STAGES, { description: 'Lifecycle stage from the latest forecast of views (emerging, rising, peaking, saturating, declining)' })),
  minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  maxScore: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  minPrice: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_PRICE })),
  maxPrice: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_PRICE })),
  sort: Type.Optional(Type.Enum(SORT_KEYS.flatMap((s) => [s, `-${s}` as const]), { default: '-score', description: "Field to sort by; a leading '-' sorts descending" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_LIMIT.max, default: LIST_LIMIT.default })),
  cursor: Cursor(1000),
});
export type ListQuery = Type.Static<typeof ListQuery>;
export const ExportQuery = Type.Omit(ListQuery, ['limit', 'cursor']);

export const ProductListItem = Type.Object({
  productId: Type.String(), title: Type.String(), category: Type.String(), brand: Nullable(Type.String()), price: Nullable(Type.Number()),
  currency: Nullable(Type.String()), imageUrl: Nullable(Type.String()), tags: Type.Array(Type.String()), updatedAt: Nullable(Iso()),
  score: Type.Number(), label: Nullable(Type.String()), velocity: Type.Number(), acceleration: Type.Number(), views24h: Type.Number(), orders24h: Type.Number(),
  /** Lifecycle stage from the latest forecast, and the expected peak when its horizon reaches it. */
  stage: Nullable(Type.Enum(STAGES)), peakAt: Nullable(Iso()),
});
export type ProductListItem = Type.Static<typeof ProductListItem>;
export const ProductPage = Page(ProductListItem);
export type ProductPage = Type.Static<typeof ProductPage>;

const Totals = Type.Object(Object.fromEntries(['events', ...METRICS].map((m) => [m, Type.Number()])) as Record<'events' | (typeof METRICS)[number], Type.TNumber>);

export const ScoreComponents = Type.Object({ velocity: Type.Number(), acceleration: Type.Number(), volume: Type.Number(), breadth: Type.Number(), conversion: Type.Number(), saturation: Type.Number() });

export const ProductDetail = Type.Object({
  productId: Type.String(), title: Type.String(), category: Type.String(), brand: Nullable(Type.String()), price: Nullable(Type.Number()),
  currency: Nullable(Type.String()), imageUrl: Nullable(Type.String()), sourceUrl: Nullable(Type.String()), source: Nullable(Type.String()), tags: Type.Array(Type.String()),
  /** Plain-language summary of the product's recent numbers. */
  insight: Nullable(Type.String()),
  createdAt: Nullable(Iso()), updatedAt: Nullable(Iso()),
  trend: Nullable(Type.Object({
    score: Type.Number(), label: Type.String(), velocity: Type.Number(), acceleration: Type.Number(), components: ScoreComponents, computedAt: Nullable(Iso()),
    windowSteps: Type.Integer({ description: 'Steps (at nativeInterval) of weighted engagement the label, velocity and acceleration look back over: 168 hours, 42 days, 8 weeks or 12 months. Not the lifecycle stage\'s window (forecast lifecycle.windowSteps)' }),
  })),
  totals24h: Totals,
  nativeInterval: Type.Enum([...INTERVALS, '1mo'] as const, { description: 'The step its engagement arrives at: 1h live; 1d, 1w or 1mo for imported histories' }),
});
export type ProductDetail = Type.Static<typeof ProductDetail>;

export const SERIES_METRICS = [...METRICS, 'events'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

export const SeriesQuery = Type.Object({
  metric: Type.Optional(Type.Enum(SERIES_METRICS, { default: 'views' })),
  interval: Type.Optional(Type.Enum(INTERVALS, { description: "Bucket width: 1m, 1h, 1d or 1w (ISO weeks from Monday 00:00 UTC); default the product's native step (1h for live engagement; 1d, 1w on the series' own weekday, or 1mo for imported histories)" })),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601, 1970 to 2106; default: 6 h, 7 d, 90 d, 260 weeks or 20 years before `to` for 1m, 1h, 1d, 1w, 1mo' })),
  to: TimeRange.to,
});
export type SeriesQuery = Type.Static<typeof SeriesQuery>;

export const Point = Type.Object({ ts: Iso(), value: Type.Number(), partial: Type.Boolean({ description: 'The bucket can still receive on-time events: not a complete value' }) });
export const Timeseries = Type.Object({
  productId: Type.String(), metric: Type.Enum(SERIES_METRICS), interval: Type.Enum([...INTERVALS, '1mo'] as const),
  native: Type.Boolean({ description: "Whether the interval is the product's native step" }), points: Type.Array(Point),
});
export type Timeseries = Type.Static<typeof Timeseries>;
