// Turns processor updates (updates topic) into WebSocket channel messages and cache
// invalidations. Overview KPIs are recomputed at most once per `overviewEveryMs`, however fast
// updates arrive: the first change after a quiet spell at once, later ones together at the end
// of the interval. Product channels get every batch, but only when somebody listens.
import type { Bus, Subscription } from '../core/bus/types.js';
import { NotFoundError } from '../core/errors.js';
import type { Topics } from '../core/bus/topics.js';
import type { Logger } from '../core/logger.js';
import type { Update } from '../schemas/updates.js';
import type { QueryCache } from './cache.js';
import type { Services } from './context.js';
import type { OverviewKpis } from './queries/get-overview-kpis.js';
import { getProduct } from './queries/get-product.js';
import { listAlerts } from './queries/list-alerts.js';
import type { Gateway } from './ws/gateway.js';

export interface LiveDeps {
  bus: Bus; topics: Topics; gateway: Gateway; cache: QueryCache; logger: Logger; overviewEveryMs?: number;
  allowedLatenessMs: number;
  /** The overview channel's KPIs now: ClickHouse only, so the overview is live before Postgres is up. */
  overviewKpis: () => Promise<OverviewKpis>;
  /** Every service, once the stores are all up: the other channels read Postgres. */
  services: Promise<Services>;
}

export interface Live {
  /** Current state of a channel, for the gateway's snapshot messages. */
  snapshot(channel: string): Promise<unknown | null>;
  stop(): Promise<void>;
}

export async function startLive(d: LiveDeps): Promise<Live> {
  const log = d.logger.child({ component: 'live' });
  const every = d.overviewEveryMs ?? 1000;
  let lastEventAt: string | null = null;
  const kpis = d.overviewKpis;
  const snapshot = async (channel: string): Promise<unknown | null> => {
    if (channel === 'overview') return { kpis: await kpis(), lastEventAt };
    const s = await d.services;
    if (channel === 'agent') return s.agentStatus();
    if (channel === 'alerts') return { items: (await listAlerts(s.db, { limit: 20 })).items };
    const product = await getProduct({ ch: s.ch, db: s.db, now: s.clock.now(), allowedLatenessMs: d.allowedLatenessMs }, channel.slice('product:'.length)).catch((err) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    return product && { productId: product.productId, totals24h: product.totals24h, trend: product.trend };
  };
  let dirty = false;
  let computing = false;
  let lastPushAt = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  // Pushed when the interval since the last push is over: at once after a quiet spell, which a
  // fixed tick made a first start's first live update wait for (up to a whole interval).
  const push = async () => {
    timer = null;
    if (!dirty || computing || !d.gateway.hasSubscribers('overview')) return;
    dirty = false;
    computing = true;
    lastPushAt = performance.now();
    try {
      d.gateway.publish('overview', { kpis: await kpis(), lastEventAt });
    } catch (err) {
      log.warn({ err }, 'overview update failed');
    } finally {
      computing = false;
      if (dirty) schedule();
    }
  };
  const schedule = () => {
    if (timer || computing) return;
    timer = setTimeout(() => void push(), Math.max(0, lastPushAt + every - performance.now()));
    timer.unref();
  };

  const sub: Subscription = await d.bus.subscribe({
    groupId: 'trenddrop-api-live', topics: [d.topics.updates], ephemeral: true,
    handler: async (batch) => {
      for (const m of batch) {
        const u = m.value as Update;
        switch (u.kind) {
          case 'engagement':
            // New events, their write still to come: the product channels only. Reads, and
            // so the overview and the cache, change with the stored update that follows.
            for (const [productId, p] of Object.entries(u.products)) {
              const channel = `product:${productId}`;
              if (d.gateway.hasSubscribers(channel)) d.gateway.publish(channel, { productId, bucketTs: p.bucketTs, delta: p.delta, acceptedAt: new Date(u.acceptedAt).toISOString() });
            }
            continue;
          case 'engagement-stored':
            if (!lastEventAt || u.lastEventAt > lastEventAt) lastEventAt = u.lastEventAt;
            break;
          case 'alert':
            // Live alerts have the shape of GET alerts: with their product's title, which the
            // breakout processor read when it raised them (no read here: an hourly round at 100k
            // products raises thousands at once, and PGlite runs on this thread).
            d.gateway.publish('alerts', { ...u.alert, title: u.alert.title ?? u.alert.productId });
            break;
          case 'agent':
            d.gateway.publish('agent', { status: u.status, run: u.run });
            break;
        }
        dirty = true;
        schedule();
        d.cache.bump();
      }
    },
  });
  await sub.ready;
  return { snapshot, async stop() { if (timer) clearTimeout(timer); await sub.close(); } };
}
