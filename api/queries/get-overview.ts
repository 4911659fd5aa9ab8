// The overview at `now`: KPI cards (with the value one period earlier), the engagement timeline
// of the range, categories, agent status and the top products; served from the rollups and the
// latest scores (the product index's, once it is loaded).
import type { ClickHouseClient } from '@clickhouse/client';
import type { EventTimeState } from '../../analytics/event-time.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { AgentStatus, Overview, Range } from '../schemas/overview.js';
import { getEngagementTimeline, engagementTimelineQuery, timelineHoursFrom } from './get-engagement-timeline.js';
import { eventsKpiFrom, getOverviewKpis, scoreKpisQuery } from './get-overview-kpis.js';
import { hourlyEventsQuery, readHourlyTotals } from './hourly-events.js';
import { previousProductsPartsQuery, previousProductsQuery } from './get-previous-products.js';
import { previousScoresPartsQuery, previousScoresSummaryQuery } from './get-previous-score-kpis.js';
import { categoryStatsQuery, hourViewsQuery, listCategoryStats, productViewsQuery } from './list-category-stats.js';
import { listTopProducts, topProductsQuery } from './list-top-products.js';
import type { BoundQuery } from './sql.js';
import type { ProductIndex } from '../product-index.js';

export const RANGES: Record<Range, { ms: number; step: number; table: string }> = {
  '1h': { ms: 3_600_000, step: 60, table: TABLES.engagement1m },
  '24h': { ms: 86_400_000, step: 900, table: TABLES.engagement1m },
  '7d': { ms: 7 * 86_400_000, step: 3600, table: TABLES.engagement1h },
  '30d': { ms: 30 * 86_400_000, step: 6 * 3600, table: TABLES.engagement1h },
};

const TOP_PRODUCTS = 10;

/** The timeline's bounds for a range at `now`: whole steps, through the current one. */
function timelineBounds(range: Range, now: number) {
  const r = RANGES[range];
  const to = Math.floor(now / 1000 / r.step) * r.step + r.step;
  return { from: to - Math.round(r.ms / 1000), to, step: r.step, table: r.table };
}

/** The first hour the overview's events per hour start at: the events KPIs' or the timeline's, the earlier. */
const hoursFrom = (range: Range, now: number) => {
  const b = timelineBounds(range, now);
  return Math.min(timelineHoursFrom(b.from, b.step), eventsKpiFrom(now));
};

/**
 * The ClickHouse queries behind the overview at `now` without the product index (while it
 * loads), so that `trenddrop bench` times exactly this SQL run directly beside the endpoint.
 */
export function overviewQueries(range: Range, now: number): Record<'hours' | 'scoreKpis' | 'previousProductsParts' | 'previousScoresParts' | 'timeline' | 'categories' | 'top', BoundQuery> {
  const b = timelineBounds(range, now);
  const prev = Math.floor((now - RANGES[range].ms) / 1000);
  return {
    hours: hourlyEventsQuery(hoursFrom(range, now)),
    scoreKpis: scoreKpisQuery,
    // The previous period's products and score KPIs are read again only when these parts change.
    previousProductsParts: previousProductsPartsQuery(prev),
    previousScoresParts: previousScoresPartsQuery(prev),
    timeline: engagementTimelineQuery(b.table, b.from, b.to, b.step),
    categories: categoryStatsQuery(b.from),
    top: topProductsQuery(TOP_PRODUCTS),
  };
}

/**
 * The ClickHouse queries the overview still runs with the product index loaded: the time windows.
 * Views per category are kept by the `hours` read each time, the current hour's views when it took events
 * (live load), and all `productViews` only when an older hour did or the range moved by an hour;
 * `previousProducts` runs only when `previousProductsParts` changes, `previousScoresSummary` when
 * `previousScoresParts` does.
 */
export function overviewIndexQueries(range: Range, now: number): Record<'hours' | 'previousProductsParts' | 'previousProducts' | 'previousScoresParts' | 'previousScoresSummary' | 'timeline' | 'viewsCurrentHour' | 'productViews', BoundQuery> {
  const { hours, previousProductsParts, previousScoresParts, timeline } = overviewQueries(range, now);
  const from = timelineBounds(range, now).from;
  const prev = Math.floor((now - RANGES[range].ms) / 1000);
  return { hours, previousProductsParts, previousProducts: previousProductsQuery(prev), previousScoresParts, previousScoresSummary: previousScoresSummaryQuery(prev), timeline, viewsCurrentHour: hourViewsQuery(Math.floor(now / 3_600_000) * 3600), productViews: productViewsQuery(from) };
}

export interface OverviewDeps { ch: ClickHouseClient; productIndex: ProductIndex | null; now: number; time: EventTimeState | Promise<EventTimeState>; agentStatus: () => Promise<AgentStatus> }

export async function getOverview(d: OverviewDeps, range: Range): Promise<Overview> {
  const b = timelineBounds(range, d.now);
  // Events and orders per hour, read once (beside the other reads) for the KPIs, and the hours the
  // views per category and the timeline's steps are kept by. Kept figures go with the index:
  // until it has loaded, every read is fresh (what tests and the bench compare kept answers with).
  const totals = readHourlyTotals(d.ch, hoursFrom(range, d.now));
  // Only with the index do the timeline and categories keep figures by hours (and await them).
  const hours = d.productIndex ? totals.then((t) => t.events) : undefined;
  // In the list too, so that a failed read of it is handled at once (the timeline awaits it last).
  const time = Promise.resolve(d.time);
  const [kpis, timeline, categories, topProducts, agent] = await Promise.all([
    getOverviewKpis(d, d.now, RANGES[range].ms, totals),
    getEngagementTimeline(d.ch, time, b.table, b.from, b.to, b.step, hours),
    listCategoryStats(d, b.from, hours),
    listTopProducts(d, TOP_PRODUCTS),
    d.agentStatus(),
    time,
  ]);
  return { range, kpis, timeline, categories, agent, topProducts, generatedAt: new Date(d.now).toISOString() };
}
