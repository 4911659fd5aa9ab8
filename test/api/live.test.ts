// The overview channel's live updates: computed at most once per interval however fast changes
// arrive, and the first change after a quiet spell pushed at once (a first start's first live
// update waited for the next tick of a fixed interval). A batch's counts go to its product's
// channel as soon as the raw sink announces them; the overview waits for them to be stored.
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBus } from '../../core/bus/local.js';
import { topics as topicNames } from '../../core/bus/topics.js';
import { createLogger } from '../../core/logger.js';
import { createMetrics } from '../../core/metrics.js';
import { QueryCache } from '../../api/cache.js';
import { startLive, type Live } from '../../api/live.js';
import type { OverviewKpis } from '../../api/queries/get-overview-kpis.js';
import { Gateway } from '../../api/ws/gateway.js';
import type { Connection } from '../../api/ws/transport.js';
import type { Update } from '../../schemas/updates.js';

const logger = createLogger('silent');
const topics = topicNames('test.');

/** A WebSocket client as the gateway sees it, keeping the overview events it was sent (and the products' and alerts' apart). */
class Client implements Connection {
  events: { at: number; data: { kpis: { computed: number }; lastEventAt: string | null } }[] = [];
  productEvents: { channel: string; data: { delta: { events: number } } }[] = [];
  alertEvents: { productId: string; title: string }[] = [];
  bufferedAmount = 0;
  private onMsg: (t: string, binary: boolean) => void = () => {};
  send(text: string | Buffer) {
    const m = JSON.parse(text.toString());
    if (m.type === 'event' && m.channel === 'overview') this.events.push({ at: performance.now(), data: m.data });
    if (m.type === 'event' && m.channel.startsWith('product:')) this.productEvents.push(m);
    if (m.type === 'event' && m.channel === 'alerts') this.alertEvents.push(m.data);
  }
  close() {}
  onMessage(cb: (t: string, binary: boolean) => void) { this.onMsg = cb; }
  onClose() {}
  subscribe(channels = ['overview']) { this.onMsg(JSON.stringify({ type: 'subscribe', channels }), false); }
}

let running: { live: Live; bus: LocalBus; gateway: Gateway } | null = null;
afterEach(async () => {
  await running?.live.stop();
  running?.gateway.close();
  await running?.bus.close();
  running = null;
});

/** Live updates over a real bus and gateway, with one subscribed client; KPIs count their computations. */
async function start(overviewEveryMs: number) {
  const bus = new LocalBus({ dir: null, partitions: 1, logger, ephemeralTopics: [topics.updates] });
  await bus.ensureTopics(Object.values(topics));
  let computed = 0;
  const gateway = new Gateway({ logger, metrics: createMetrics(), snapshot: async () => null });
  const live = await startLive({
    bus, topics, gateway, cache: new QueryCache(), logger, overviewEveryMs, allowedLatenessMs: 3_600_000,
    overviewKpis: async () => ({ computed: ++computed }) as unknown as OverviewKpis,
    services: new Promise(() => undefined),
  });
  running = { live, bus, gateway };
  const client = new Client();
  gateway.attach(client);
  client.subscribe();
  const change = (n: number) => bus.publish(topics.updates, [{ key: 'products', value: { kind: 'products', productIds: [`p-${n}`] } satisfies Update }]);
  const until = async (ok: () => boolean, ms: number) => {
    const end = performance.now() + ms;
    while (!ok() && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
  };
  return { client, bus, change, until, computations: () => computed };
}

describe('live overview updates', () => {
  it('pushes the first change after a quiet spell at once, not at the end of an interval', async () => {
    const { client, change, until } = await start(10_000);
    const sent = performance.now();
    await change(1);
    await until(() => client.events.length > 0, 3000);
    expect(client.events).toHaveLength(1);
    expect(client.events[0].at - sent).toBeLessThan(3000);
  });

  it('sends the changes within an interval together at its end, computed once', async () => {
    const every = 1500;
    const { client, change, until, computations } = await start(every);
    await change(1);
    await until(() => client.events.length > 0, 3000);
    const first = client.events[0].at;
    for (let n = 2; n <= 5; n++) await change(n);
    await until(() => client.events.length > 1, every + 2000);
    expect(client.events).toHaveLength(2);
    expect(client.events[1].at - first).toBeGreaterThanOrEqual(every - 20);
    expect(computations()).toBe(2);
    expect(client.events[1].data.kpis.computed).toBe(2);
  });

  it('sends a batch\'s counts to its product channel at once, and the overview only once they are stored', async () => {
    const { client, bus, until } = await start(10_000);
    client.subscribe(['product:p-1']);
    const now = Date.now();
    const lastEventAt = new Date(now).toISOString();
    const delta = { views: 5, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0, events: 2 };
    await bus.publish(topics.updates, [{ key: 'engagement', value: { kind: 'engagement', acceptedAt: now, deliveredAt: now, announcedAt: now, lastEventAt, products: { 'p-1': { delta, bucketTs: lastEventAt } } } satisfies Update }]);
    await until(() => client.productEvents.length > 0, 3000);
    expect(client.productEvents.map((e) => [e.channel, e.data.delta.events])).toEqual([['product:p-1', 2]]);
    await new Promise((r) => setTimeout(r, 300));
    expect(client.events).toHaveLength(0); // not stored yet: the overview's figures would not show it
    await bus.publish(topics.updates, [{ key: 'engagement', value: { kind: 'engagement-stored', acceptedAt: now, deliveredAt: now, startedAt: now, writtenAt: now, lastEventAt, newProducts: [] } satisfies Update }]);
    await until(() => client.events.length > 0, 3000);
    expect(client.events).toHaveLength(1);
    expect(client.events[0].data.lastEventAt).toBe(lastEventAt);
  });
});

describe('live alerts', () => {
  it('go out with the title they were raised with, without reading Postgres', async () => {
    // Postgres never comes up here: an alert waiting on it would never go out. An hourly round at
    // 100k products raises thousands at once, and a read each held the event loop 23-41 s.
    const { client, bus, until } = await start(10_000);
    client.subscribe(['alerts']);
    const n = 2500;
    await bus.publish(topics.updates, Array.from({ length: n }, (_, i) => ({
      key: `p-${i}`, value: { kind: 'alert', alert: { productId: `p-${i}`, score: 3, title: i < n - 1 ? `Product ${i}` : null } } satisfies Update,
    })));
    await until(() => client.alertEvents.length === n, 10_000);
    expect(client.alertEvents).toHaveLength(n);
    expect(client.alertEvents[0]).toMatchObject({ productId: 'p-0', title: 'Product 0' });
    expect(client.alertEvents[n - 2]).toMatchObject({ productId: `p-${n - 2}`, title: `Product ${n - 2}` });
    // A product without metadata: its id stands in, as in GET alerts.
    expect(client.alertEvents[n - 1]).toMatchObject({ productId: `p-${n - 1}`, title: `p-${n - 1}` });
  });
});
