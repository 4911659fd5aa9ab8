// GET trends and GET correlations.
import Type from 'typebox';
import { METRICS } from '../../schemas/events.js';
import { ID_CHARS, INTERVALS, IntervalParam, Iso, Nullable, TimeRange } from './common.js';
import { Point, SERIES_METRICS } from './products.js';

export const TRENDS = { maxProducts: 20, leaders: 10 };
const listPattern = (items: readonly string[]) => `^(${items.join('|')})(,(${items.join('|')}))*$`;

export const TrendsQuery = Type.Object({
  metrics: Type.Optional(Type.String({ pattern: listPattern(SERIES_METRICS), maxLength: 200, default: 'views', description: `Comma list of ${SERIES_METRICS.join(', ')}` })),
  interval: Type.Optional(IntervalParam),
  ...TimeRange,
  productIds: Type.Optional(Type.String({ maxLength: TRENDS.maxProducts * 129, pattern: '^[^,\\s\\x00-\\x1F\\x7F]+(,[^,\\s\\x00-\\x1F\\x7F]+)*$', description: `Comma list of at most ${TRENDS.maxProducts} products; default the whole market` })),
});
export type TrendsQuery = Type.Static<typeof TrendsQuery>;

export const Trends = Type.Object({
  interval: Type.Enum(INTERVALS),
  series: Type.Array(Type.Object({ metric: Type.Enum(SERIES_METRICS), points: Type.Array(Point) })),
  velocity: Type.Array(Type.Object({ productId: Type.String(), title: Type.String(), velocity: Type.Number(), acceleration: Type.Number(), label: Nullable(Type.String()) })),
});
export type Trends = Type.Static<typeof Trends>;

export const CorrelationsQuery = Type.Object({
  scope: Type.Optional(Type.String({ pattern: `^(all|category:.{1,100}|product:${ID_CHARS}{1,128})$`, default: 'all', description: 'all, category:<category> or product:<productId>' })),
  maxLag: Type.Optional(Type.Integer({ minimum: 0, maximum: 48, default: 6, description: 'Largest lead/lag tried, in buckets' })),
  interval: Type.Optional(IntervalParam),
  ...TimeRange,
});
export type CorrelationsQuery = Type.Static<typeof CorrelationsQuery>;

export const Correlation = Type.Object({
  a: Type.Enum(METRICS), b: Type.Enum(METRICS), r: Type.Number(), lag: Type.Integer(), n: Type.Number(), nEffective: Type.Number(),
  pValue: Type.Number(), pAdjusted: Type.Number(), significant: Type.Boolean(), products: Type.Number({ description: 'Products that contributed' }),
});
export type Correlation = Type.Static<typeof Correlation>;
export const Correlations = Type.Object({
  interval: Type.Enum(INTERVALS), maxLag: Type.Integer(), from: Iso(), to: Iso(),
  products: Type.Number({ description: 'Products in the scope with engagement in the range' }), productsUsed: Type.Number(),
  tests: Type.Number({ description: 'Pairs × lags tried, the family the adjustment covers' }), alpha: Type.Number(),
  items: Type.Array(Correlation),
});
export type Correlations = Type.Static<typeof Correlations>;
