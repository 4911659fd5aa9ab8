// GET overview and the agent status it embeds.
import Type from 'typebox';
import { METRICS } from '../../schemas/events.js';
import { Iso, Nullable } from './common.js';

export const OverviewQuery = Type.Object({ range: Type.Optional(Type.Enum(['1h', '24h', '7d', '30d'] as const, { default: '24h', description: 'Period of the timeline and of the KPI comparison' })) });
export type Range = NonNullable<Type.Static<typeof OverviewQuery>['range']>;

const KpiValues = Type.Object({
  products: Type.Number(), trending: Type.Number(), events24h: Type.Number(), orders24h: Type.Number(),
  avgTrendScore: Type.Number({ description: 'Mean of the products\' latest scores; scores rank a product against the market, so this stays near 50' }),
});
export const OverviewKpis = Type.Object({
  ...KpiValues.properties,
  previous: Type.Object({ ...KpiValues.properties, avgTrendScore: Nullable(Type.Number({ description: 'null when no product had a score in that period: nothing to compare with' })) }),
});
export type OverviewKpis = Type.Static<typeof OverviewKpis>;

export const TimelinePoint = Type.Object({ ts: Iso(), partial: Type.Boolean({ description: 'The step can still receive on-time events' }), events: Type.Number(), ...Object.fromEntries(METRICS.map((m) => [m, Type.Number()])) as Record<(typeof METRICS)[number], Type.TNumber> });
export type TimelinePoint = Type.Static<typeof TimelinePoint>;

export const CategoryStats = Type.Object({ category: Type.String(), products: Type.Number(), views: Type.Number(), avgScore: Type.Number() });
export type CategoryStats = Type.Static<typeof CategoryStats>;

export const TopProduct = Type.Object({
  productId: Type.String(), title: Type.String(), category: Type.String(), imageUrl: Nullable(Type.String()),
  score: Type.Number(), label: Type.String(), velocity: Type.Number(),
});
export type TopProduct = Type.Static<typeof TopProduct>;

/** A run as the dashboard lists it: the agent's run record with its errors counted. */
export const AgentRunView = Type.Object({
  id: Type.String(), source: Type.String(), trigger: Type.String(), status: Type.String(), startedAt: Iso(), endedAt: Nullable(Iso()),
  itemsFound: Type.Number(), newProducts: Type.Number(), errors: Type.Number(), errorDetails: Type.Array(Type.Object({ message: Type.String() })),
});
export type AgentRunView = Type.Static<typeof AgentRunView>;

export const AgentStatus = Type.Object({
  status: Type.Enum(['running', 'paused', 'idle', 'off'] as const),
  /** Scheduled sources of the agent in this process, and the streaming simulator. */
  sources: Type.Array(Type.Object({
    name: Type.String(), kind: Type.Enum(['scheduled', 'stream'] as const), paused: Type.Boolean(), running: Type.Boolean(),
    everyMs: Nullable(Type.Number()), nextRunAt: Nullable(Iso()),
  })),
  runs: Type.Array(AgentRunView),
  lastEventAt: Nullable(Iso()),
  history: Type.Optional(Nullable(Type.Object({
    from: Iso(), to: Iso(),
    publishedUntil: Iso('Event time (ISO 8601 UTC) the history has been published up to; the sink stores it shortly after'),
  }, { description: "The simulator's first-start history while it is being written (until the sink has stored all of it); null or absent otherwise. The steps it covers fill in meanwhile" }))),
});
export type AgentStatus = Type.Static<typeof AgentStatus>;

export const Overview = Type.Object({
  range: Type.Enum(['1h', '24h', '7d', '30d'] as const),
  kpis: OverviewKpis,
  timeline: Type.Array(TimelinePoint),
  categories: Type.Array(CategoryStats),
  agent: AgentStatus,
  topProducts: Type.Array(TopProduct),
  generatedAt: Iso(),
});
export type Overview = Type.Static<typeof Overview>;
