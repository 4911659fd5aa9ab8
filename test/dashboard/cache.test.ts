import { describe, it, expect, vi } from 'vitest';
import { QueryClient } from '@tanstack/vue-query';
import { addToSeries, createCacheWriter } from '../../dashboard/src/live/cache';
import type { Overview, ProductDetail, Timeseries } from '../../dashboard/src/lib/types';

const t = (m: number) => new Date(Date.UTC(2026, 10, 26, 12, m)).toISOString();

describe('addToSeries', () => {
  const pts = [{ ts: t(0), value: 1, partial: false }, { ts: t(1), value: 2, partial: false }, { ts: t(2), value: 3, partial: true }];
  it('adds into the bucket that contains the time', () => {
    expect(addToSeries(pts, new Date(Date.parse(t(1)) + 30_000).toISOString(), '1m', 5).map((p) => p.value)).toEqual([1, 7, 3]);
  });
  it('appends a newer bucket and slides the window', () => {
    const out = addToSeries(pts, t(3), '1m', 4);
    expect(out.map((p) => p.value)).toEqual([2, 3, 4]);
    expect(out[2].ts).toBe(t(3));
    // A bucket live events just opened is still filling; the ones before keep their flag.
    expect(out.map((p) => p.partial)).toEqual([false, true, true]);
  });
  it('leaves the input untouched', () => {
    addToSeries(pts, t(1), '1m', 5);
    expect(pts[1].value).toBe(2);
  });
  it('floors to the hour for hourly series', () => {
    const hourly = [{ ts: t(0), value: 10, partial: true }];
    expect(addToSeries(hourly, t(45), '1h', 1)[0].value).toBe(11);
  });
  it('uses ISO weeks (Monday 00:00 UTC) for weekly series', () => {
    const monday = new Date(Date.UTC(2026, 10, 23)).toISOString();
    const weekly = [{ ts: monday, value: 10, partial: true }];
    expect(addToSeries(weekly, new Date(Date.UTC(2026, 10, 29, 23)).toISOString(), '1w', 2)[0].value).toBe(12);
    expect(addToSeries(weekly, new Date(Date.UTC(2026, 10, 30, 1)).toISOString(), '1w', 2).map((p) => p.ts)).toEqual([monday, new Date(Date.UTC(2026, 10, 30)).toISOString()]);
  });
});

function overview(): Overview {
  return {
    kpis: { products: 1, trending: 0, avgTrendScore: 0, events24h: 10, orders24h: 2, previous: { products: 1, trending: 0, avgTrendScore: 0, events24h: 5, orders24h: 1 } },
    timeline: [], categories: [], agent: { status: 'idle', sources: [], runs: [], lastEventAt: null },
    range: '24h', topProducts: [], generatedAt: '2026-11-26T12:00:00.000Z',
  };
}

describe('cache writer', () => {
  it('overview events replace the KPIs of every cached range and keep the previous period', () => {
    const qc = new QueryClient();
    qc.setQueryData(['overview', '24h'], overview());
    qc.setQueryData(['overview', '7d'], overview());
    const write = createCacheWriter(qc, {}, 60_000);
    write({ v: 1, type: 'event', channel: 'overview', seq: 1, data: { kpis: { products: 3, trending: 2, avgTrendScore: 40, events24h: 99 }, lastEventAt: t(5) } });
    for (const k of ['24h', '7d']) {
      const o = qc.getQueryData<Overview>(['overview', k])!;
      expect(o.kpis.events24h).toBe(99);
      expect(o.kpis.previous?.events24h).toBe(5);
      expect(o.agent.lastEventAt).toBe(t(5));
    }
  });

  it('re-fetches an Overview fetched empty as soon as live KPIs show events, and a full one only every refreshMs', () => {
    const qc = new QueryClient();
    qc.setQueryData(['overview', '24h'], overview()); // no timeline, no top products
    const refetches = vi.spyOn(qc, 'invalidateQueries');
    const write = createCacheWriter(qc, {}, 60_000, 0);
    const kpis = { kpis: { products: 3, trending: 2, avgTrendScore: 40, events24h: 99 } };
    write({ v: 1, type: 'event', channel: 'overview', seq: 1, data: kpis });
    expect(refetches).toHaveBeenCalledTimes(1);
    qc.setQueryData(['overview', '24h'], { ...overview(), timeline: [{ ts: t(0), events: 5, views: 1, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0 }], topProducts: [{ productId: 'p-1' }] } as Overview);
    write({ v: 1, type: 'event', channel: 'overview', seq: 2, data: kpis });
    expect(refetches).toHaveBeenCalledTimes(1);
  });

  it('product deltas land in the matching metric of each cached series and in the 24 h totals', () => {
    const qc = new QueryClient();
    const series = (metric: string): Timeseries => ({ productId: 'p-1', metric: metric as any, interval: '1m', native: false, points: [{ ts: t(0), value: 1, partial: true }] });
    qc.setQueryData(['timeseries', 'p-1', 'views', '1m', '1h'], series('views'));
    qc.setQueryData(['timeseries', 'p-1', 'orders', '1m', '1h'], series('orders'));
    qc.setQueryData(['timeseries', 'p-2', 'views', '1m', '1h'], { ...series('views'), productId: 'p-2' });
    qc.setQueryData(['product', 'p-1'], { totals24h: { views: 100, orders: 1 } } as unknown as ProductDetail);
    createCacheWriter(qc)({ v: 1, type: 'event', channel: 'product:p-1', seq: 1, data: { productId: 'p-1', bucketTs: t(0), delta: { views: 5, orders: 2 } } });
    expect(qc.getQueryData<Timeseries>(['timeseries', 'p-1', 'views', '1m', '1h'])!.points[0].value).toBe(6);
    expect(qc.getQueryData<Timeseries>(['timeseries', 'p-1', 'orders', '1m', '1h'])!.points[0].value).toBe(3);
    expect(qc.getQueryData<Timeseries>(['timeseries', 'p-2', 'views', '1m', '1h'])!.points[0].value).toBe(1);
    expect(qc.getQueryData<ProductDetail>(['product', 'p-1'])!.totals24h).toMatchObject({ views: 105, orders: 3 });
  });

  it('alerts are prepended once and raise the alert hook', () => {
    const qc = new QueryClient();
    qc.setQueryData(['alerts'], { items: [], nextCursor: null });
    const onAlert = vi.fn();
    const write = createCacheWriter(qc, { onAlert });
    const alert = { alertId: 'a1', productId: 'p-1', title: 'X', kind: 'breakout', severity: 'critical', message: 'm', value: 4, createdAt: t(0) };
    write({ v: 1, type: 'event', channel: 'alerts', seq: 1, data: alert });
    write({ v: 1, type: 'snapshot', channel: 'alerts', seq: 2, data: alert });
    expect(qc.getQueryData<{ items: unknown[] }>(['alerts'])!.items).toHaveLength(1);
    expect(onAlert).toHaveBeenCalledTimes(1);
  });

  it('agent events update the status and run list and report the change', () => {
    const qc = new QueryClient();
    qc.setQueryData(['overview', '24h'], overview());
    const onAgent = vi.fn();
    const run = { source: 'tiktok', startedAt: t(0), endedAt: null, itemsFound: 1, newProducts: 0, errors: 0 };
    createCacheWriter(qc, { onAgent })({ v: 1, type: 'event', channel: 'agent', seq: 1, data: { status: 'running', run } });
    const o = qc.getQueryData<Overview>(['overview', '24h'])!;
    expect(o.agent.status).toBe('running');
    expect(o.agent.runs).toEqual([run]);
    expect(onAgent).toHaveBeenCalledWith('running', run, 'idle');
  });
});
