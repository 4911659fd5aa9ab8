// Breakout alerts: after each scoring round, each product's momentum (short-term velocity, see scorer.ts) goes through the detector
// in analytics/breakout.ts (robust z + CUSUM, cooldown); detections become rows in Postgres
// `alerts` and `alert` messages on the updates topic. The detector sees one sample per product
// per sample slot, whatever the scoring cadence, so its baseline spans a fixed time. Its state
// lives in memory and is rebuilt on start by replaying trend_score_history through the same
// sampling, with the last stored alert of each product, so a restart neither re-alerts nor
// starts from an empty baseline.
import type { ClickHouseClient } from '@clickhouse/client';
import { gte, max } from 'drizzle-orm';
import type { Bus } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../core/stores/postgres.js';
import { alerts } from '../schemas/postgres/schema.js';
import type { AlertUpdate } from '../schemas/updates.js';
import { DEFAULT_BREAKOUT, initialBreakoutState, updateBreakout, type BreakoutAlert, type BreakoutConfig, type BreakoutState } from '../analytics/breakout.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

export interface BreakoutsDeps {
  ch: ClickHouseClient;
  db: Db;
  bus: Bus;
  topics: Topics;
  clock: Clock;
  logger: Logger;
  config?: BreakoutConfig;
  /** One velocity sample per product per this many ms (the scorer runs far more often). */
  sampleMs?: number;
}

/** An hour: the scorer's window moves by the hour; with the default 48 samples the baseline is two days. */
export const BREAKOUT_SAMPLE_MS = 3_600_000;

interface Tracked { state: BreakoutState; slot: number }

export type AlertRow = typeof alerts.$inferSelect;

// The first score of each product in each sample slot: what observe() would have sampled.
const REPLAY_SQL = `
SELECT productId, intDiv(toUnixTimestamp64Milli(computedAt), {sampleMs:UInt64}) AS slot,
  toUnixTimestamp64Milli(min(computedAt)) AS at, argMin(momentum, computedAt) AS velocity
FROM ${TABLES.trendScoreHistory}
WHERE computedAt >= fromUnixTimestamp64Milli({since:Int64}) AND computedAt <= fromUnixTimestamp64Milli({now:Int64})
GROUP BY productId, slot
ORDER BY productId, slot`;

/** Doubling time in hours of a log-growth rate per hour, for messages. */
const doublingHours = (v: number) => Math.LN2 / v;

export function alertMessage(a: BreakoutAlert): string {
  const growth = `engagement now doubles every ${doublingHours(a.velocity).toFixed(1)} h`;
  return a.kind === 'spike'
    ? `Breakout: short-term growth jumped to ${a.z.toFixed(1)} robust SDs above its recent median; ${growth}`
    : `Breakout: short-term growth has stayed above its recent median (CUSUM ${a.cusum.toFixed(1)}); ${growth}`;
}

export class Breakouts {
  private readonly tracked = new Map<string, Tracked>();
  private readonly config: BreakoutConfig;
  private readonly sampleMs: number;
  private readonly log: Logger;
  private lastSweep = 0;

  constructor(private readonly d: BreakoutsDeps) {
    this.config = d.config ?? DEFAULT_BREAKOUT;
    this.sampleMs = d.sampleMs ?? BREAKOUT_SAMPLE_MS;
    this.log = d.logger.child({ component: 'breakouts' });
  }

  /** Rebuilds every product's detector state from recent history (two windows, so the baseline and the CUSUM are warm). */
  async start(): Promise<void> {
    const now = this.d.clock.now();
    const since = now - 2 * this.config.window * this.sampleMs;
    const rs = await this.d.ch.query({ query: REPLAY_SQL, query_params: { sampleMs: this.sampleMs, since, now }, format: 'JSONEachRow' });
    let samples = 0;
    for await (const chunk of rs.stream<{ productId: string; slot: number; at: number; velocity: number }>()) {
      for (const row of chunk) {
        const r = row.json();
        const t = this.tracked.get(r.productId);
        this.tracked.set(r.productId, { state: updateBreakout(t?.state ?? initialBreakoutState(), Number(r.velocity), Number(r.at), this.config).state, slot: Number(r.slot) });
        samples++;
      }
    }
    // The alerts table is the record of what was raised, should the replay disagree (a failed insert, a changed config).
    const last = await this.d.db.select({ productId: alerts.productId, at: max(alerts.createdAt) }).from(alerts)
      .where(gte(alerts.createdAt, new Date(now - this.config.cooldownMs))).groupBy(alerts.productId);
    for (const { productId, at } of last) {
      const t = this.tracked.get(productId);
      if (t && at && at.getTime() > (t.state.lastAlertAt ?? -Infinity)) t.state = { ...t.state, lastAlertAt: at.getTime() };
    }
    this.log.info({ products: this.tracked.size, samples }, 'breakout state rebuilt');
  }

  /** Feeds one scoring round; resolves with the alerts it stored (replays and duplicates excluded). */
  async observe(results: Map<string, { momentum: number }>, now: number): Promise<AlertRow[]> {
    const slot = Math.floor(now / this.sampleMs);
    const found: { productId: string; alert: BreakoutAlert }[] = [];
    for (const [productId, r] of results) {
      const t = this.tracked.get(productId);
      if (t && t.slot >= slot) continue;
      const { state, alert } = updateBreakout(t?.state ?? initialBreakoutState(), r.momentum, now, this.config);
      this.tracked.set(productId, { state, slot });
      if (alert) found.push({ productId, alert });
    }
    this.sweep(slot);
    if (!found.length) return [];
    const stored = await this.d.db.insert(alerts).values(found.map(({ productId, alert: a }) => ({
      productId,
      kind: a.kind,
      severity: a.z >= 2 * this.config.zThreshold ? 'critical' : 'warning',
      message: alertMessage(a),
      value: a.velocity,
      // One alert per product and cooldown window: a replayed round finds its alert already there.
      dedupKey: `breakout:${productId}:${Math.floor(a.at / this.config.cooldownMs)}`,
      createdAt: new Date(a.at),
    }))).onConflictDoNothing({ target: alerts.dedupKey }).returning();
    if (stored.length) {
      const updates: AlertUpdate[] = stored.map((a) => ({ kind: 'alert', alert: { ...a, createdAt: a.createdAt.toISOString() } }));
      await this.d.bus.publish(this.d.topics.updates, updates.map((u) => ({ key: u.alert.productId, value: u })));
      this.log.info({ alerts: stored.length }, 'breakouts raised');
    }
    return stored;
  }

  /** Forgets products unseen for a whole window: their baseline is stale, and memory stays flat. */
  private sweep(slot: number): void {
    if (slot - this.lastSweep < this.config.window) return;
    this.lastSweep = slot;
    for (const [id, t] of this.tracked) if (slot - t.slot > this.config.window) this.tracked.delete(id);
  }
}
