import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueryCache } from '../../api/cache.js';

/** A computation that counts its runs and answers with the run's number. */
function counter() {
  const c = { runs: 0, compute: async () => ++c.runs };
  return c;
}

describe('QueryCache', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('recomputes a plain key on request once new data is older than minAgeMs, never in the background', async () => {
    const cache = new QueryCache({ minAgeMs: 1000 });
    const c = counter();
    expect((await cache.get('k', c.compute)).body).toBe('1');
    cache.bump();
    expect((await cache.get('k', c.compute)).body).toBe('1'); // within minAgeMs
    await vi.advanceTimersByTimeAsync(5000);
    expect(c.runs).toBe(1);
    expect((await cache.get('k', c.compute)).body).toBe('2');
  });

  it('keeps a warm key up to date after new data, so the request after it does not compute', async () => {
    const cache = new QueryCache({ minAgeMs: 1000, maxStaleMs: 5000 });
    const c = counter();
    await cache.get('k', c.compute, { warm: true });
    await vi.advanceTimersByTimeAsync(1500);
    cache.bump();
    await vi.advanceTimersByTimeAsync(10);
    expect(c.runs).toBe(2); // the refresh ran at once: the last was over minAgeMs ago
    const slow = vi.fn(c.compute);
    expect((await cache.get('k', slow, { warm: true })).body).toBe('2');
    expect(slow).not.toHaveBeenCalled();
  });

  it('refreshes a warm key at most once per minAgeMs however often data arrives', async () => {
    const cache = new QueryCache({ minAgeMs: 1000, maxStaleMs: 5000 });
    const c = counter();
    await cache.get('k', c.compute, { warm: true });
    for (let i = 0; i < 30; i++) { cache.bump(); await vi.advanceTimersByTimeAsync(100); }
    // The request's, then refreshes at 0, 1, 2 and 3 s: not one per update (30).
    expect(c.runs).toBe(5);
  });

  it('serves a warm entry while it is younger than maxStaleMs, then waits for a fresh one', async () => {
    const cache = new QueryCache({ minAgeMs: 1000, maxStaleMs: 3000 });
    // Once `hang` is set, a computation takes until released: the background refresh hangs.
    let value = 'old', hang = false;
    let release!: () => void;
    const compute = () => hang ? new Promise<string>((r) => { release = () => r(value); }) : Promise.resolve(value);
    await cache.get('k', compute, { warm: true });
    value = 'new';
    hang = true;
    cache.bump();
    await vi.advanceTimersByTimeAsync(2000);
    expect((await cache.get('k', compute, { warm: true })).body).toBe('"old"'); // 2 s old: served
    await vi.advanceTimersByTimeAsync(1500);
    const waiting = cache.get('k', compute, { warm: true }); // 3.5 s old: too stale
    let settled = false;
    void waiting.then(() => { settled = true; });
    await vi.advanceTimersByTimeAsync(10);
    expect(settled).toBe(false);
    release();
    expect((await waiting).body).toBe('"new"');
  });

  it('stops refreshing a key nobody asked for within warmForMs', async () => {
    const cache = new QueryCache({ minAgeMs: 1000, warmForMs: 10_000 });
    const c = counter();
    await cache.get('k', c.compute, { warm: true });
    for (let i = 0; i < 30; i++) { cache.bump(); await vi.advanceTimersByTimeAsync(1000); }
    // Refreshed for the first ten seconds only.
    expect(c.runs).toBeGreaterThanOrEqual(9);
    expect(c.runs).toBeLessThanOrEqual(12);
  });

  it('computes a pinned key at once and keeps it warm with nobody asking for it', async () => {
    const cache = new QueryCache({ minAgeMs: 1000, warmForMs: 10_000, maxStaleMs: 5000 });
    const c = counter();
    cache.pin('k', c.compute);
    await vi.advanceTimersByTimeAsync(10);
    expect(c.runs).toBe(1);
    for (let i = 0; i < 30; i++) { cache.bump(); await vi.advanceTimersByTimeAsync(1000); }
    // Refreshed after each second's new data for all thirty seconds, not only warmForMs's ten.
    expect(c.runs).toBeGreaterThanOrEqual(29);
    const slow = vi.fn(c.compute);
    expect((await cache.get('k', slow, { warm: true })).body).toBe(String(c.runs));
    expect(slow).not.toHaveBeenCalled();
  });

  it('pins nothing when keepWarm is off', async () => {
    const cache = new QueryCache({ minAgeMs: 1000, keepWarm: false });
    const c = counter();
    cache.pin('k', c.compute);
    cache.bump();
    await vi.advanceTimersByTimeAsync(5000);
    expect(c.runs).toBe(0);
  });

  it('keeps the entry it has when a background refresh fails, and reports the failure', async () => {
    const failures: string[] = [];
    const cache = new QueryCache({ minAgeMs: 1000, maxStaleMs: 5000, onRefreshError: (key) => failures.push(key) });
    let fail = false;
    const compute = async () => { if (fail) throw new Error('store down'); return 'ok'; };
    await cache.get('k', compute, { warm: true });
    fail = true;
    cache.bump();
    await vi.advanceTimersByTimeAsync(1100);
    expect(failures).toEqual(['k']);
    expect((await cache.get('k', compute, { warm: true })).body).toBe('"ok"');
  });

  it('treats a warm key as any other when keepWarm is off', async () => {
    const cache = new QueryCache({ minAgeMs: 1000, keepWarm: false });
    const c = counter();
    await cache.get('k', c.compute, { warm: true });
    cache.bump();
    await vi.advanceTimersByTimeAsync(1500);
    expect(c.runs).toBe(1);
    expect((await cache.get('k', c.compute, { warm: true })).body).toBe('2');
  });

  it('stops once the computations in flight have settled', async () => {
    const cache = new QueryCache({ minAgeMs: 1000 });
    let release!: () => void;
    cache.pin('k', () => new Promise((r) => { release = () => r('done'); }));
    let stopped = false;
    const stopping = cache.stop().then(() => { stopped = true; });
    await vi.advanceTimersByTimeAsync(10);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('runs nothing in the background once stopped', async () => {
    const cache = new QueryCache({ minAgeMs: 1000 });
    const c = counter();
    await cache.get('k', c.compute, { warm: true });
    await cache.stop();
    cache.bump();
    await vi.advanceTimersByTimeAsync(5000);
    expect(c.runs).toBe(1);
  });
});
