// Same data, same answer: a history streamed a few hours at a time (the scorer running after each)
// and the same history posted at once give the same score history and the same alerts, dated by
// event time. Real app, embedded stores, events through POST /events.
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/random.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { get, post, startTestApp, tempDir, type TestApp } from '../helpers/app.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 9, 1);
const HOURS = 4 * 24;
/** Hour at which `p-boom` starts to take off. */
const BOOM = 60;
const PRODUCTS = 20;
/** Hours streamed between scorer rounds: not a divisor of a day, so rounds fall at every hour of the day. */
const LIVE_STEP_HOURS = 5;

/**
 * Hourly engagement of each product: a daily cycle times noise around its own level; `p-boom`
 * grows 25% an hour for ten hours from BOOM; `p-fall` declines 3% an hour and then only 1% an
 * hour (a decline that slows, which is no breakout).
 */
function history() {
  const rand = mulberry32(7);
  const events = [];
  for (let h = 0; h < HOURS; h++) {
    const cycle = 1 + 0.5 * Math.sin((2 * Math.PI * h) / 24);
    for (let i = 0; i < PRODUCTS; i++) {
      const id = i === 0 ? 'p-boom' : i === 1 ? 'p-fall' : `p-${i}`;
      let level = 200 + 40 * i;
      if (id === 'p-boom' && h >= BOOM) level *= 1.25 ** Math.min(h - BOOM, 10);
      if (id === 'p-fall') level = 4000 * (h < BOOM ? 0.97 ** h : 0.97 ** BOOM * 0.99 ** (h - BOOM));
      const views = Math.round(level * cycle * (0.85 + 0.3 * rand()));
      events.push({
        eventId: `${id}-${h}`, ts: new Date(T0 + h * H + Math.floor(rand() * 3_000_000)).toISOString(), productId: id,
        platform: ['tiktok', 'instagram', 'youtube'][h % 3], region: ['US', 'DE', 'GB', 'FR'][(h + i) % 4],
        views, likes: Math.round(views / 20), shares: Math.round(views / 200), comments: Math.round(views / 100), orders: Math.round(views / 400), revenue: 0, searches: 0,
      });
    }
  }
  return events;
}

type Ev = ReturnType<typeof history>[number];

async function postAll(t: TestApp, events: Ev[]) {
  for (let i = 0; i < events.length; i += 1000) {
    const r = await post(t.url, 'events', events.slice(i, i + 1000));
    expect(r.status).toBeLessThan(300);
  }
  await t.app.drain();
}

/** Rounds until one scores nothing new. */
async function settle(t: TestApp) {
  while (await t.app.processors!.scorer.round() > 0);
}

async function outcome(t: TestApp) {
  const ch = t.app.runtime.clickhouse.client;
  const rs = await ch.query({
    query: `SELECT productId, toUnixTimestamp64Milli(computedAt) AS at, argMax(score, scoredAt) AS score, argMax(label, scoredAt) AS label,
              round(argMax(velocity, scoredAt), 9) AS velocity, round(argMax(momentum, scoredAt), 9) AS momentum
            FROM ${TABLES.trendScoreHistory} GROUP BY productId, computedAt ORDER BY productId, computedAt`,
    format: 'JSONEachRow',
  });
  const scores = await rs.json<Record<string, unknown>>();
  const alerts = (await t.app.runtime.postgres.db.query.alerts.findMany()).map((a) => ({ productId: a.productId, at: a.at.toISOString(), kind: a.kind, message: a.message }))
    .sort((a, b) => (a.at + a.productId).localeCompare(b.at + b.productId));
  return { scores, alerts };
}

// Rounds run when the test says; one embedded ClickHouse per process, so one app at a time.
const env = { TRENDDROP_SCORE_INTERVAL_MS: '3600000' };
let bulk: TestApp | undefined;

/** An app whose scorer runs when the test says. Forecasts are not what this checks: their first round (a minute in, neural training included) would take turns with the scorer on the store. */
async function start(name: string): Promise<TestApp> {
  const t = await startTestApp(tempDir(name), env);
  await t.app.processors!.forecaster.stop();
  return t;
}

afterAll(async () => { await bulk?.stop(); });

describe('scores and alerts follow event time', () => {
  it('a history streamed live and the same history posted at once score and alert the same', async () => {
    const events = history();
    const live = await start('live');
    let a;
    try {
      // A few hours at a time, each scored before the next arrives.
      for (let h = 0; h < HOURS; h += LIVE_STEP_HOURS) {
        await postAll(live, events.filter((e) => Date.parse(e.ts) < T0 + (h + LIVE_STEP_HOURS) * H && Date.parse(e.ts) >= T0 + h * H));
        await settle(live);
      }
      a = await outcome(live);
    } finally {
      await live.stop();
    }
    bulk = await start('bulk');
    await postAll(bulk, events);
    await settle(bulk);
    const b = await outcome(bulk);
    // Every settled hour is scored for every product; the last two (still filling with an hour of allowed lateness) are not.
    expect(a.scores.length).toBe(PRODUCTS * (HOURS - 2));
    expect(b.scores).toEqual(a.scores);
    expect(b.alerts).toEqual(a.alerts);

    // The take-off is found, dated within its first hours, named; the slowing decline is not an alert.
    const boom = a.alerts.filter((x) => x.productId === 'p-boom');
    expect(boom).toHaveLength(1);
    expect(Date.parse(boom[0].at)).toBeGreaterThanOrEqual(T0 + BOOM * H);
    expect(Date.parse(boom[0].at)).toBeLessThanOrEqual(T0 + (BOOM + 6) * H);
    expect(boom[0].message).toMatch(/^p-boom is breaking out: engagement \+[\d.]+% per hour \(doubling every [\d.]+ hours\)/);
    expect(a.alerts.filter((x) => x.productId === 'p-fall')).toEqual([]);
    const fall = a.scores.filter((s) => s.productId === 'p-fall').at(-1)!;
    expect(fall.label).toBe('declining');
    expect(Number(fall.score)).toBeLessThan(Number(a.scores.filter((s) => s.productId === 'p-boom').at(-1)!.score));

    // A day later in event time the take-off is judged: engagement after it beat the day before.
    const listed = (await get(bulk.url, 'alerts')).body.items.find((x: { productId: string }) => x.productId === 'p-boom');
    // No metadata ever arrived for p-boom, so its id stands in for the title.
    expect(listed).toMatchObject({ title: 'p-boom', at: boom[0].at, outcome: 'hit' });
    expect(listed.after).toBeGreaterThan(1.2 * listed.baseline);
    const ledger = (await get(bulk.url, 'alerts/ledger?days=30&period=day')).body;
    const o = ledger.overall;
    expect(o.judged).toBeGreaterThanOrEqual(1);
    expect(o.hits + o.falseAlarms).toBe(o.judged);
    expect(o.hitRate).toBeCloseTo(o.hits / o.judged, 12);
    // Base moments: product-days with engagement on the day before, none of them p-boom's alert days.
    expect(o.baseMoments).toBeGreaterThan(PRODUCTS);
    // Levels here are steady day to day (growth of 20% in a day is rare): no lift is claimed from a zero base.
    expect(o.lift).toBe(o.baseRate ? o.hitRate / o.baseRate : null);
    expect(ledger.categories.map((c: { key: string }) => c.key)).toEqual(['Uncategorized']);
  }, 600_000);

  it('late events re-score the buckets they change, and nothing else', async () => {
    if (!bulk) throw new Error('needs the history of the test before');
    const ch = bulk.app.runtime.clickhouse.client;
    const instants = async () => Number((await (await ch.query({ query: `SELECT uniqExact(productId, computedAt) AS n FROM ${TABLES.trendScoreHistory}`, format: 'JSONEachRow' })).json<{ n: number }>())[0].n);
    const before = await instants();
    const postedAt = Date.now();
    const at = T0 + (HOURS - 30) * H + 60_000;
    await postAll(bulk, [{ eventId: 'late-1', ts: new Date(at).toISOString(), productId: 'p-5', platform: 'tiktok', region: 'US', views: 50_000, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0 }]);
    // The event's hour ends 27 hours before the last settled instant: those 28 instants of p-5 are re-scored.
    expect(await bulk.app.processors!.scorer.round()).toBe(28);
    const rs = await ch.query({
      query: `SELECT countIf(scoredAt >= fromUnixTimestamp64Milli(${postedAt})) AS rescored, max(views24h) AS v FROM ${TABLES.trendScoreHistory} FINAL
              WHERE productId = 'p-5' AND computedAt >= fromUnixTimestamp64Milli(${at - 60_000})`,
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<{ rescored: number; v: number }>();
    expect(Number(r.rescored)).toBe(28);
    expect(Number(r.v)).toBeGreaterThan(50_000);
    // The re-scores replaced rows keyed by (product, bucket): no instant was added.
    expect(await instants()).toBe(before);
  }, 120_000);

  it('an event within the allowed lateness changes no alert; a late one re-judges the outcome it reaches and raises nothing new', async () => {
    if (!bulk) throw new Error('needs the history of the first test');
    const listed = async () => (await get(bulk!.url, 'alerts')).body.items as { alertId: number; productId: string; at: string; kind: string; message: string; outcome: string | null; baseline: number | null; after: number | null }[];
    const boomEvent = (eventId: string, ts: number) => ({ eventId, ts: new Date(ts).toISOString(), productId: 'p-boom', platform: 'tiktok', region: 'US', views: 50_000, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0 });
    const alertsBefore = await listed();
    const boom = alertsBefore.find((a) => a.productId === 'p-boom')!;
    expect(boom.outcome).toBe('hit');

    // The last hour of the history is still filling (an hour of allowed lateness): nothing scored or judged reads it.
    await postAll(bulk, [boomEvent('on-time-1', T0 + (HOURS - 1) * H + 60_000)]);
    expect(await bulk.app.processors!.scorer.round()).toBe(0);
    expect(await listed()).toEqual(alertsBefore);

    // Two hours into the day the outcome is judged over, far behind the allowed lateness: p-boom is
    // re-scored from there, and its alert's outcome judged again with the event in it.
    await postAll(bulk, [boomEvent('late-2', Date.parse(boom.at) + 2 * H + 60_000)]);
    expect(await bulk.app.processors!.scorer.round()).toBeGreaterThan(0);
    const after = await listed();
    // The alert stays as it was raised (same id, bucket and message); no alert was added or moved.
    expect(after.map(({ alertId, productId, at, kind, message }) => ({ alertId, productId, at, kind, message })))
      .toEqual(alertsBefore.map(({ alertId, productId, at, kind, message }) => ({ alertId, productId, at, kind, message })));
    const rejudged = after.find((a) => a.alertId === boom.alertId)!;
    expect(rejudged).toMatchObject({ outcome: 'hit', baseline: boom.baseline });
    expect(rejudged.after).toBe(boom.after! + 50_000);
  }, 120_000);
});
