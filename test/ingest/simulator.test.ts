// The simulator is deterministic per seed (ids included, so a re-run backfill is deduplicated),
// produces only valid events, and its history carries the same volume as its live stream.
import { describe, expect, it } from 'vitest';
import { MarketSimulator } from '../../ingest/simulator.js';
import { validateEvent, validateProduct, validateVideo } from '../../schemas/validate.js';

const T = Date.UTC(2026, 10, 26, 12);

describe('market simulator', () => {
  it('gives the same catalogue and events for the same seed, and others for another', () => {
    const a = new MarketSimulator({ seed: 1, ratePerSec: 50 }), b = new MarketSimulator({ seed: 1, ratePerSec: 50 }), c = new MarketSimulator({ seed: 2, ratePerSec: 50 });
    expect(a.catalogue()).toEqual(b.catalogue());
    expect(a.tick(T)).toEqual(b.tick(T));
    expect([...a.backfill(T - 3600e3, T)]).toEqual([...b.backfill(T - 3600e3, T)]);
    expect(c.catalogue().map((p) => p.title)).not.toEqual(a.catalogue().map((p) => p.title));
  });

  it('produces only messages that pass the public validators, with unique event ids', () => {
    const sim = new MarketSimulator({ seed: 3, ratePerSec: 200 });
    for (const p of sim.catalogue()) expect(validateProduct(p).ok).toBe(true);
    for (const v of sim.videos()) expect(validateVideo(v).ok).toBe(true);
    const events = [...Array.from({ length: 30 }, (_, i) => sim.tick(T + i * 1000)).flat(), ...[...sim.backfill(T - 86400e3, T)].flat()];
    for (const e of events) expect(validateEvent(e)).toMatchObject({ ok: true });
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('writes history with the volume the live stream has at that time of day', () => {
    const sim = new MarketSimulator({ seed: 4, ratePerSec: 50 });
    const views = (evs: { views?: number }[]) => evs.reduce((a, e) => a + (e.views ?? 0), 0);
    const live = views(Array.from({ length: 300 }, (_, i) => sim.tick(T + i * 1000)).flat());
    const history = views([...sim.backfill(T, T + 300e3)].flat());
    expect(history / live).toBeGreaterThan(0.9);
    expect(history / live).toBeLessThan(1.1);
  });

  it('joins history to the live stream without counting the step where they meet twice', () => {
    // A first start at 12:05:20 with 15-minute steps: history to 12:05:20, live from there.
    const sim = new MarketSimulator({ seed: 4, ratePerSec: 50 });
    const views = (evs: { views?: number }[]) => evs.reduce((a, e) => a + (e.views ?? 0), 0);
    const liveFrom = T + 320e3, step = 900e3;
    const steps = [...sim.backfill(liveFrom - 3600e3, liveFrom, step)];
    expect(steps.at(-1)![0].ts).toBe(new Date(T).toISOString());
    const cut = views(steps.at(-1)!), whole = views([...sim.backfill(T, T + step, step)].flat());
    expect(cut / whole).toBeGreaterThan((320 / 900) * 0.9);
    expect(cut / whole).toBeLessThan((320 / 900) * 1.1);
  });
});

describe('market simulator funnel', () => {
  it('lets orders follow popularity two hours late and searches lead it by one', () => {
    const sim = new MarketSimulator({ seed: 5, ratePerSec: 50 });
    const p = sim.products[0];
    // Around a product's peak: orders per view rise after it has passed, searches per view before.
    const peak = (Math.ceil(T / p.period) + 0.5 - p.phase) * p.period;
    const ratio = (t: number, k: 'orders' | 'searches') => {
      const evs = [...sim.backfill(t - 3600e3, t + 3600e3, 60_000)].flat().filter((e) => e.productId === p.message.productId);
      return evs.reduce((a, e) => a + (e[k] ?? 0), 0) / evs.reduce((a, e) => a + (e.views ?? 0), 0);
    };
    const w = p.period * p.width;
    expect(ratio(peak + w, 'orders')).toBeGreaterThan(ratio(peak - w, 'orders'));
    expect(ratio(peak - w, 'searches')).toBeGreaterThan(ratio(peak + w, 'searches'));
  });
});
