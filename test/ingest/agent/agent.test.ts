import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { validateEvent, validateProduct, validateVideo } from '../../../schemas/validate.js';
import { DiscoveryAgent } from '../../../ingest/agent/agent.js';
import { validateAgentConfig } from '../../../ingest/agent/config.js';
import { createAgent } from '../../../ingest/agent/index.js';
import { MemoryRunStore, MemoryStateStore } from '../../../ingest/agent/state.js';
import type { AgentNotice } from '../../../ingest/agent/agent.js';
import type { RunRecord, Source } from '../../../ingest/agent/types.js';
import { emptyResult } from '../../../ingest/agent/types.js';
import { fastHttp, logger, MemorySink } from '../../helpers/agent.js';
import { startFixtureServer, type FixtureServer } from '../../helpers/fixture-server.js';

let srv: FixtureServer;
beforeAll(async () => { srv = await startFixtureServer(); });
afterAll(() => srv.close());

const T0 = Date.parse('2026-11-26T10:00:00Z');
const SOURCES = ['store-a', 'store-b', 'pages', 'deals', 'youtube', 'trends', 'trends-geo', 'tiktok', 'store-down', 'loop', 'down', 'slow'];

function fixtureAgent() {
  const url = srv.url;
  const config = validateAgentConfig({
    currency: { base: 'USD', rates: { EUR: 1.08, GBP: 1.27 } },
    sources: [
      { type: 'shopify', name: 'store-a', store: `${url}/store-a`, pageSize: 2 },
      { type: 'shopify', name: 'store-b', store: `${url}/store-b`, currency: 'EUR' },
      { type: 'jsonld', name: 'pages', region: 'GB', urls: [`${url}/pages/neck-fan`, `${url}/pages/curler`, `${url}/pages/broken`, `${url}/private/page`] },
      { type: 'feed', name: 'deals', url: `${url}/feeds/deals.rss`, region: 'GB' },
      { type: 'feed', name: 'youtube', url: `${url}/feeds/youtube.atom`, watch: [{ productId: 'p-sunset-lamp', terms: ['sunset lamp'] }] },
      { type: 'file', name: 'trends', url: `${url}/files/multiTimeline.csv` },
      { type: 'file', name: 'trends-geo', url: `${url}/files/geoMap.csv` },
      { type: 'file', name: 'tiktok', path: join(import.meta.dirname, 'fixtures/files/tiktok-export.csv'), map: { Date: 'ts', Product: 'productId', Plays: 'views', Hearts: 'likes', Country: 'region', Platform: 'platform', Video: 'videoId' } },
      { type: 'shopify', name: 'store-down', store: `${url}/not-json` },
      { type: 'feed', name: 'loop', url: `${url}/loop/a` },
      { type: 'feed', name: 'down', url: `${url}/hostile/always-500` },
      { type: 'feed', name: 'slow', url: `${url}/hostile/slow` },
    ],
  });
  const sink = new MemorySink();
  const clock = new ManualClock(T0);
  const runs = new MemoryRunStore();
  const agent = createAgent(config, {
    sink, runs, clock, logger, state: new MemoryStateStore(),
    http: { timeoutMs: 200, retries: 1, backoffBaseMs: 5, backoffMaxMs: 20, perHostIntervalMs: 0 },
  });
  return { agent, sink, clock, runs };
}

/** One pass over every source, one after another, so feeds see the products found before them. */
async function pass(agent: DiscoveryAgent): Promise<Record<string, RunRecord>> {
  const out: Record<string, RunRecord> = {};
  for (const name of SOURCES) out[name] = (await agent.trigger(name))[0];
  return out;
}

const strip = <T extends { eventId: string }>(items: T[]) => items.map(({ eventId, ...rest }) => rest);

describe('the agent against the fixture server', () => {
  it('discovers the exact products and events, keeps going past failing sources, and repeats nothing', async () => {
    srv.reset();
    const { agent, sink, clock, runs } = fixtureAgent();
    const started = performance.now();
    const first = await pass(agent);
    const firstMs = performance.now() - started;

    // -- run records: every source ran; the broken ones failed alone.
    const summary = Object.fromEntries(Object.entries(first).map(([k, r]) => [k, [r.status, r.itemsFound, r.newProducts]]));
    expect(summary).toEqual({
      'store-a': ['ok', 3, 3], 'store-b': ['ok', 2, 1], pages: ['partial', 2, 2], deals: ['ok', 2, 0], youtube: ['ok', 4, 0],
      trends: ['ok', 18, 2], 'trends-geo': ['partial', 4, 0], tiktok: ['partial', 4, 0],
      'store-down': ['failed', 0, 0], loop: ['failed', 0, 0], down: ['failed', 0, 0], slow: ['failed', 0, 0],
    });
    expect(first['store-down'].errors).toEqual([{ message: expect.stringMatching(/^not a Shopify products.json page: not JSON \(Unexpected token/), code: 'bad_source_data', context: { url: `${srv.url}/not-json/products.json?limit=250&page=1` } }]);
    expect(first.loop.errors[0]).toMatchObject({ code: 'http_redirect_loop' });
    expect(first.down.errors[0]).toMatchObject({ code: 'http_status', context: { status: 500, attempt: 2 } });
    expect(first.slow.errors[0]).toMatchObject({ code: 'http_timeout' });
    expect(first.pages.errors.map((e) => e.code)).toEqual(['bad_jsonld', 'http_robots_disallowed']);
    expect(first['store-a'].changes).toEqual({ new: 3 });
    expect(first['trends-geo'].errors).toEqual([{ message: 'row 8: "Narnia" is not a country', context: { line: 8 } }]);
    expect(first.tiktok.errors).toEqual([{ message: 'line 5: ts "yesterday" is not a date or time', context: { line: 5, field: 'ts' } }]);

    // -- products: converted to USD, categorised, the projector from store B merged into store A's.
    const product = (title: string) => sink.productsSeen.find((p) => p.title === title)!;
    expect(sink.productsSeen.map((p) => p.title)).toEqual([
      'Galaxy Star Projector Night Light', 'Magnetic Phone Mount for Car', 'Self-Cleaning Pet Hair Remover Roller',
      'Posture Corrector Back Brace', 'Portable Neck Fan, Bladeless', 'Heatless Curling Rod Headband', 'galaxy projector', 'neck fan',
    ]);
    const galaxy = product('Galaxy Star Projector Night Light');
    expect(galaxy).toEqual({
      productId: expect.stringMatching(/^shopify-galaxy-star-projector-/), title: 'Galaxy Star Projector Night Light', source: 'shopify',
      category: 'Electronics & Gadgets', brand: 'Lumora', price: 29.99, currency: 'USD',
      imageUrl: 'https://cdn.shopify.com/s/files/1/0555/1234/products/galaxy-projector_640x.jpg?v=1696166000',
      sourceUrl: `${srv.url}/store-a/products/galaxy-star-projector`, tags: ['bedroom', 'gift', 'led', 'Night Lights'],
    });
    expect(product('Self-Cleaning Pet Hair Remover Roller')).toMatchObject({ category: 'Pet Supplies', price: 14.5, currency: 'USD' });
    expect(product('Posture Corrector Back Brace')).toMatchObject({ category: 'Health & Fitness', price: 23.76, currency: 'USD', brand: 'AlignPro' });
    const fan = product('Portable Neck Fan, Bladeless');
    expect(fan).toEqual({
      productId: expect.stringMatching(/^page-portable-neck-fan-bladeless-/), title: 'Portable Neck Fan, Bladeless', source: 'jsonld',
      sourceUrl: `${srv.url}/pages/neck-fan`,
      category: 'Electronics & Gadgets', brand: 'BreezeGo', price: 27.31, currency: 'USD',
      imageUrl: 'https://images.example-cdn.com/p/neck-fan/main_800x800.jpg', tags: ['Electronics > Fans'],
    });
    expect(product('Heatless Curling Rod Headband')).toMatchObject({ brand: 'SilkWave', price: 12.99, currency: 'USD', category: 'Beauty & Personal Care', imageUrl: 'https://images.example-cdn.com/p/curler.webp' });
    expect(product('galaxy projector')).toMatchObject({ productId: expect.stringMatching(/^q-galaxy-projector-/), source: 'google-trends', tags: ['search-term'] });

    // -- events: mentions as shares, search interest, the TikTok export.
    const trendsGalaxy = product('galaxy projector').productId;
    expect(sink.eventsSeen).toHaveLength(26);
    const mentions = strip(sink.eventsSeen.filter((e) => e.shares));
    expect(mentions).toEqual([
      { ts: '2026-11-26T08:30:00.000Z', productId: fan.productId, platform: 'web', region: 'GB', shares: 1 },
      { ts: '2026-11-26T07:10:00.000Z', productId: galaxy.productId, platform: 'web', region: 'GB', shares: 1 },
      { ts: '2026-11-24T15:00:07.000Z', productId: 'p-sunset-lamp', platform: 'youtube', region: 'ZZ', shares: 1, videoId: 'AbC123xyz00' },
      { ts: '2026-11-20T12:00:00.000Z', productId: galaxy.productId, platform: 'youtube', region: 'ZZ', shares: 1, videoId: 'Zz9988qq77W' },
    ]);
    const searches = sink.eventsSeen.filter((e) => e.platform === 'google');
    expect(searches).toHaveLength(19);
    expect(strip(searches.filter((e) => e.productId === trendsGalaxy && e.region !== 'US'))).toEqual([
      { ts: '2026-09-06T00:00:00.000Z', productId: trendsGalaxy, platform: 'google', region: 'BR', searches: 87 },
      { ts: '2026-09-06T00:00:00.000Z', productId: trendsGalaxy, platform: 'google', region: 'TR', searches: 0 },
    ]);
    expect(sink.eventsSeen.filter((e) => e.productId === 'p-sunset-lamp' && e.views).map((e) => e.views)).toEqual([12400, 30150, 4100]);
    expect(sink.videosSeen.map((v) => [v.videoId, v.productId, v.platform])).toEqual([
      ['AbC123xyz00', 'p-sunset-lamp', 'youtube'], ['Zz9988qq77W', galaxy.productId, 'youtube'], ['v-7311', 'p-sunset-lamp', 'tiktok'],
    ]);
    expect(sink.videosSeen[0]).toMatchObject({ title: 'Sunset lamp: TikTok made me buy it', creator: 'Gadget Finds', url: 'https://www.youtube.com/watch?v=AbC123xyz00', publishedAt: '2026-11-24T15:00:07.000Z' });

    // Everything that left the agent passes the contract validators.
    for (const p of sink.productsSeen) expect(validateProduct(p)).toMatchObject({ ok: true });
    for (const e of sink.eventsSeen) expect(validateEvent(e)).toMatchObject({ ok: true });
    for (const v of sink.videosSeen) expect(validateVideo(v)).toMatchObject({ ok: true });
    expect(new Set(sink.eventsSeen.map((e) => e.eventId)).size).toBe(sink.eventsSeen.length);

    // -- a day later: store A cut the projector's price and sold out a variant; the neck fan
    //    gathered ratings and reviews. Everything else answers 304 and sends nothing.
    srv.version = 2;
    clock.advance(24 * 3_600_000);
    const sent = { p: sink.productsSeen.length, e: sink.eventsSeen.length, v: sink.videosSeen.length };
    const second = await pass(agent);
    expect(second['store-a'].changes).toEqual({ price: 1, variants: 1 });
    expect(sink.productsSeen.slice(sent.p)).toEqual([{ ...galaxy, price: 24.99 }]);
    expect(strip(sink.eventsSeen.slice(sent.e))).toEqual([
      { ts: '2026-11-26T10:00:00.000Z', productId: fan.productId, platform: 'web', region: 'GB', likes: 82, comments: 28 },
    ]);
    expect(sink.videosSeen.length).toBe(sent.v);
    expect(srv.hits.filter((h) => h.path === '/feeds/deals.rss').map((h) => h.status)).toEqual([200, 304]);

    // -- and once more: nothing changed, nothing sent.
    clock.advance(24 * 3_600_000);
    const total = { p: sink.productsSeen.length, e: sink.eventsSeen.length };
    await pass(agent);
    expect([sink.productsSeen.length, sink.eventsSeen.length]).toEqual([total.p, total.e]);

    expect((await runs.recent({ limit: 100 })).length).toBe(SOURCES.length * 3);
    // The number the closing note reports.
    process.stdout.write(`agent fixture run: ${sink.productsSeen.length} products, ${sink.eventsSeen.length} events, ${sink.videosSeen.length} videos; first pass over ${SOURCES.length} sources took ${Math.round(firstMs)} ms\n`);
    await agent.stop();
  });

  it('redelivers a batch the sink refused instead of losing it', async () => {
    srv.reset();
    const { agent, sink } = fixtureAgent();
    sink.failNext = true;
    const [failed] = await agent.trigger('store-b');
    expect(failed).toMatchObject({ status: 'failed', errors: [{ message: 'bus unavailable' }] });
    const [retried] = await agent.trigger('store-b');
    expect(retried.status).toBe('ok');
    expect(srv.hits.filter((h) => h.path.startsWith('/store-b/')).map((h) => h.status)).toEqual([200, 200]);
    expect(sink.productsSeen.map((p) => p.title)).toEqual(['Galaxy Projector – Star Night Light (NEW 2026)', 'Posture Corrector Back Brace']);
    await agent.stop();
  });
});

describe('scheduling', () => {
  function fake(name: string, fail = false): Source & { calls: number } {
    return {
      name, calls: 0,
      async run() {
        this.calls++;
        if (fail) throw new Error(`${name} is down`);
        return { ...emptyResult(), products: [{ productId: `${name}-1`, title: `${name} product one` }] };
      },
    };
  }

  it('runs sources on their intervals, honours pause and resume, and reports runs live', async () => {
    const clock = new ManualClock(T0);
    const a = fake('a'), b = fake('b'), broken = fake('broken', true);
    const runs = new MemoryRunStore();
    const agent = new DiscoveryAgent({
      sources: [{ source: a, everyMs: 60_000 }, { source: b, everyMs: 300_000 }, { source: broken, everyMs: 60_000 }, { source: fake('manual'), everyMs: 60_000, enabled: false }],
      sink: new MemorySink(), http: fastHttp(), state: new MemoryStateStore(), runs, logger, clock,
    });
    const notices: AgentNotice[] = [];
    agent.subscribe((n) => notices.push(n));

    const ran = async () => (await agent.tick()).map((r) => `${r.source}:${r.status}`);
    expect(await ran()).toEqual(['a:ok', 'b:ok', 'broken:failed']);
    expect(await ran()).toEqual([]);
    clock.advance(60_000);
    expect(await ran()).toEqual(['a:ok', 'broken:failed']);
    agent.pause('a');
    clock.advance(240_000);
    expect(await ran()).toEqual(['b:ok', 'broken:failed']);
    agent.resume('a');
    agent.pause();
    clock.advance(300_000);
    expect(await ran()).toEqual([]);
    expect(agent.status()).toMatchObject({ paused: true });
    // A manual trigger works while paused.
    expect((await agent.trigger('manual')).map((r) => r.trigger)).toEqual(['manual']);
    agent.resume();
    expect(await ran()).toEqual(['a:ok', 'b:ok', 'broken:failed']);

    const status = agent.status();
    expect(status.sources.map((s) => [s.name, s.paused, s.lastRun?.status ?? null, s.nextRunAt])).toEqual([
      ['a', false, 'ok', new Date(clock.now() + 60_000).toISOString()],
      ['b', false, 'ok', new Date(clock.now() + 300_000).toISOString()],
      ['broken', false, 'failed', new Date(clock.now() + 60_000).toISOString()],
      ['manual', false, 'ok', null],
    ]);
    const last = await runs.recent({ source: 'broken', limit: 1 });
    expect(last[0]).toMatchObject({ source: 'broken', status: 'failed', errors: [{ message: 'broken is down' }], startedAt: new Date(clock.now()).toISOString() });
    expect(last[0].endedAt).not.toBeNull();
    const runNotices = notices.filter((n) => n.type === 'run');
    expect(runNotices.length).toBe(2 * 11);
    expect(notices.filter((n) => n.type === 'status')).toHaveLength(4);
    await expect(agent.trigger('nope')).rejects.toThrow(/agent source nope not found/);
    const first = (await runs.recent({ source: 'a', limit: 10 })).at(-1)!;
    expect(first).toMatchObject({ newProducts: 1, productsSent: 1, itemsFound: 1 });
  });
});
