// Writes live messages into the vue-query cache, so every view showing the data updates in place
// (and charts animate from the old values) without refetching.
import type { QueryClient } from '@tanstack/vue-query';
import type { AgentInfo, AgentRun, AgentStatus, Alert, Interval, Kpis, Overview, Page, ProductDelta, ProductDetail, Timeseries, WsMessage } from '../lib/types';
import { keys } from '../lib/queries';
import { INTERVAL_MS } from '../lib/constants';

/** Weeks are ISO weeks (Monday 00:00 UTC), four days after the unix epoch's Thursday. */
const ORIGIN_MS: Record<Interval, number> = { '1m': 0, '1h': 0, '1d': 0, '1w': 4 * 86_400_000 };

/**
 * Adds `value` to the bucket containing `bucketTs`, appending a bucket when it is newer than the
 * last; a bucket that live events just opened is still filling (partial) until the next refetch
 * says otherwise.
 */
export function addToSeries(points: Timeseries['points'], bucketTs: string, interval: Interval, value: number): Timeseries['points'] {
  const step = INTERVAL_MS[interval];
  const origin = ORIGIN_MS[interval];
  const t = Math.floor((new Date(bucketTs).getTime() - origin) / step) * step + origin;
  if (!Number.isFinite(t) || !value) return points;
  const out = points.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    const pt = new Date(out[i].ts).getTime();
    if (pt === t) { out[i] = { ...out[i], value: out[i].value + value }; return out; }
    if (pt < t) {
      // Newer than everything we hold: insert in order, then drop the oldest bucket so the window slides.
      out.splice(i + 1, 0, { ts: new Date(t).toISOString(), value, partial: true });
      if (i === out.length - 2 && out.length > 2) out.shift();
      return out;
    }
  }
  return out;
}

export interface LiveHooks {
  onAlert?: (alert: Alert) => void;
  onAgent?: (status: AgentStatus, run: AgentRun | undefined, previous: AgentStatus | undefined) => void;
}

/**
 * Returns the message handler. Parts of the Overview that the socket does not carry (timeline,
 * categories, top products) are re-fetched at most every `refreshMs` while live data flows, and
 * within `emptyRefreshMs` when they were fetched empty but the live KPIs show events (a first
 * start: the page was opened before the history was written or scored).
 */
export function createCacheWriter(qc: QueryClient, hooks: LiveHooks = {}, refreshMs = 15_000, emptyRefreshMs = 2000) {
  let lastOverviewRefresh = Date.now();

  return (msg: WsMessage) => {
    if (msg.type !== 'event' && msg.type !== 'snapshot') return;
    const channel = msg.channel ?? '';
    const data = msg.data as Record<string, unknown> | undefined;
    if (!data) return;

    if (channel === 'overview') {
      const kpis = data.kpis as (Kpis & { previous?: Kpis }) | undefined;
      let behind = false;
      qc.setQueriesData<Overview>({ queryKey: ['overview'] }, (old) => {
        if (!old) return old;
        const live = (kpis?.events24h ?? 0) > 0 || (kpis?.trending ?? 0) > 0;
        behind ||= live && (!old.topProducts?.length || old.timeline.every((p) => p.events === 0));
        return {
          ...old,
          kpis: kpis ? { ...old.kpis, ...kpis, previous: kpis.previous ?? old.kpis.previous } : old.kpis,
          agent: { ...old.agent, lastEventAt: (data.lastEventAt as string | null | undefined) ?? old.agent.lastEventAt },
        };
      });
      if (Date.now() - lastOverviewRefresh >= (behind ? emptyRefreshMs : refreshMs)) {
        lastOverviewRefresh = Date.now();
        qc.invalidateQueries({ queryKey: ['overview'], refetchType: 'active' });
      }
      return;
    }

    if (channel.startsWith('product:')) {
      const id = channel.slice('product:'.length);
      if (msg.type === 'snapshot') {
        qc.invalidateQueries({ queryKey: keys.product(id) });
        qc.invalidateQueries({ queryKey: ['timeseries', id] });
        return;
      }
      const { bucketTs, delta } = data as unknown as ProductDelta;
      if (!bucketTs || !delta) return;
      for (const q of qc.getQueryCache().findAll({ queryKey: ['timeseries', id] })) {
        const [, , metric, interval] = q.queryKey as [string, string, keyof typeof delta, Interval];
        const v = delta[metric];
        if (typeof v !== 'number') continue;
        qc.setQueryData<Timeseries>(q.queryKey, (old) => old && { ...old, points: addToSeries(old.points, bucketTs, interval, v) });
      }
      qc.setQueryData<ProductDetail>(keys.product(id), (old) => {
        if (!old) return old;
        const totals = { ...old.totals24h };
        for (const [k, v] of Object.entries(delta)) if (typeof v === 'number') totals[k as keyof typeof totals] = (totals[k as keyof typeof totals] ?? 0) + v;
        return { ...old, totals24h: totals };
      });
      return;
    }

    if (channel === 'alerts' && msg.type === 'event') {
      const alert = data as unknown as Alert;
      qc.setQueryData<Page<Alert>>(keys.alerts(), (old) => old && ({
        ...old, items: [alert, ...old.items.filter((a) => a.alertId !== alert.alertId)].slice(0, 500),
      }));
      hooks.onAlert?.(alert);
      return;
    }

    if (channel === 'agent') {
      const status = data.status as AgentStatus | undefined;
      const run = data.run as AgentRun | undefined;
      let previous: AgentStatus | undefined;
      qc.setQueriesData<Overview>({ queryKey: ['overview'] }, (old) => {
        if (!old) return old;
        previous = old.agent.status;
        const runs = run
          ? [run, ...old.agent.runs.filter((r) => !(r.source === run.source && r.startedAt === run.startedAt))].slice(0, 20)
          : old.agent.runs;
        const agent: AgentInfo = { ...old.agent, status: status ?? old.agent.status, runs };
        return { ...old, agent };
      });
      if (status && msg.type === 'event') hooks.onAgent?.(status, run, previous);
    }
  };
}
