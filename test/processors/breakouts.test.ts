// Breakout alerts against real stores: scoring rounds (their velocities written to
// trend_score_history as the scorer writes them) → Breakouts → PGlite alerts and the updates
// topic. One alert per breakout, none again after a restart or a replay, and the detector's
// context kept across the restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from '../../core/bus/types.js';
import { ManualClock } from '../../core/clock.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { DEFAULT_BREAKOUT } from '../../analytics/breakout.js';
import type { Scored } from '../../processors/scorer.js';
import { Breakouts } from '../../processors/breakouts.js';
import { alerts } from '../../schemas/postgres/schema.js';
import type { AlertUpdate, Update } from '../../schemas/updates.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 1);
/** Hour in which `surging` breaks out, 20 minutes in; `steady` never does. */
const S = 20;
/** Scoring rounds run several times an hour; the detector samples the first of each hour. */
const MINUTES = [0, 20, 40];

/** Momentum (log-growth per hour) at a time: a small wobble around 0.012, and 0.2 once surging. */
function momentum(productId: string, h: number, m: number): number {
  if (productId === 'surging' && (h > S || (h === S && m >= 20))) return 0.2;
  return 0.01 + 0.001 * ((h * 7) % 5);
}

const result = (v: number): Scored => ({
  score: 50, label: 'steady', velocity: 0.01, acceleration: 0, momentum: v,
  components: { velocity: 0, acceleration: 0, volume: 0, breadth: 0, conversion: 0, saturation: 0 },
});

let dir: string;
let rt: Runtime;
let sub: Subscription;
const clock = new ManualClock(T0);
const published: AlertUpdate[] = [];
let markers = 0;
const rounds: { at: number; results: Map<string, Scored> }[] = [];

const breakouts = () => new Breakouts({ ch: rt.clickhouse.client, db: rt.postgres.db, bus: rt.bus, topics: rt.topics, clock, logger: rt.logger });

/** The scoring rounds of hour h as the scorer runs them: history rows written, then observe(). Resolves with the hours' alerts. */
async function hour(b: Breakouts, h: number) {
  const raised = [];
  for (const m of MINUTES) {
    clock.set(T0 + h * H + m * 60_000);
    const results = new Map(['steady', 'surging'].map((id) => [id, result(momentum(id, h, m))]));
    await rt.clickhouse.client.insert({
      table: TABLES.trendScoreHistory, format: 'JSONEachRow',
      values: [...results].map(([productId, r]) => ({ productId, computedAt: clock.now(), score: r.score, label: r.label, velocity: r.velocity, acceleration: r.acceleration, momentum: r.momentum })),
    });
    rounds.push({ at: clock.now(), results });
    raised.push(...(await b.observe(results, clock.now())));
  }
  return raised;
}

/** Feeds the recorded rounds of hours fromH…toH again. */
async function replay(b: Breakouts, fromH: number, toH: number) {
  const raised = [];
  for (const r of rounds) if (r.at >= T0 + fromH * H && r.at < T0 + (toH + 1) * H) raised.push(...(await b.observe(r.results, r.at)));
  return raised;
}

const storedAlerts = () => rt.postgres.db.select().from(alerts).orderBy(asc(alerts.createdAt));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-breakouts-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir }), { logger: createLogger('silent'), clock });
  sub = await rt.bus.subscribe({
    groupId: 'test-alerts', topics: [rt.topics.updates], ephemeral: true,
    handler: async (batch) => {
      for (const m of batch) {
        if ((m.value as Update).kind === 'alert') published.push(m.value as AlertUpdate);
        if ((m.value as { kind: string }).kind === 'test-marker') markers++;
      }
    },
  });
  await sub.ready;
});

afterAll(async () => {
  await sub?.close();
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Breakouts', () => {
  it('raises one alert when momentum breaks out, stores it and publishes it', async () => {
    const b = breakouts();
    await b.start();
    const raised: number[] = [];
    for (let h = 0; h <= S + 4; h++) if ((await hour(b, h)).length) raised.push(h);
    // The surge starts 20 minutes into hour S; the detector's sample of hour S was taken at
    // minute 0, so it sees the surge at the next hour. The next hours fall in the cooldown.
    expect(raised).toEqual([S + 1]);
    const stored = await storedAlerts();
    expect(stored).toHaveLength(1);
    const z = (0.2 - 0.012) / DEFAULT_BREAKOUT.minScale; // the wobble's MAD is below the scale floor
    expect(stored[0]).toMatchObject({
      productId: 'surging', kind: 'spike', severity: 'critical', value: 0.2,
      dedupKey: `breakout:surging:${Math.floor((T0 + (S + 1) * H) / DEFAULT_BREAKOUT.cooldownMs)}`,
      message: `Breakout: short-term growth jumped to ${z.toFixed(1)} robust SDs above its recent median; engagement now doubles every 3.5 h`,
    });
    expect(stored[0].createdAt.getTime()).toBe(T0 + (S + 1) * H);
    await expect.poll(() => published.length).toBe(1);
    expect(published[0].alert).toMatchObject({ alertId: stored[0].alertId, productId: 'surging', kind: 'spike', createdAt: new Date(T0 + (S + 1) * H).toISOString() });
  });

  it('rebuilds its state on restart: no alert again inside the cooldown, and the baseline is there when it ends', async () => {
    const restarted = breakouts();
    await restarted.start();
    // Rounds already seen come again (a scorer that crashed before committing): their slots are taken.
    expect(await replay(restarted, S - 2, S + 4)).toEqual([]);
    expect(await hour(restarted, S + 5)).toEqual([]);
    expect(await hour(restarted, S + 6)).toEqual([]);
    // Six hours after the first alert the breakout is still on: a second alert. It needs the
    // 12-sample baseline, which only the rebuilt state has.
    expect((await hour(restarted, S + 7)).map((a) => [a.productId, a.createdAt.getTime()])).toEqual([['surging', T0 + (S + 7) * H]]);
    expect(await breakouts().observe(rounds[rounds.length - 1].results, T0 + (S + 8) * H)).toEqual([]);
  });

  it('a detector that lost its state and replays everything stores and publishes nothing twice', async () => {
    const amnesiac = breakouts();
    for (let h = 0; h <= S + 7; h++) expect(await replay(amnesiac, h, h)).toEqual([]);
    expect((await storedAlerts()).map((a) => a.createdAt.getTime())).toEqual([T0 + (S + 1) * H, T0 + (S + 7) * H]);
    // A marker sent after the replay on the alerts' key (so on their partition, behind them):
    // once it arrives, whatever the replay published has arrived too.
    await rt.bus.publish(rt.topics.updates, [{ key: 'surging', value: { kind: 'test-marker' } }]);
    await expect.poll(() => markers).toBe(1);
    expect(published).toHaveLength(2);
  });
});
