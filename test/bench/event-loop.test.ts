// The soak's event-loop watch: a loop held synchronously shows as a stall of about that length,
// at about the time it began; a loop left free shows none.
import { describe, expect, it } from 'vitest';
import { STALL_MS, watchEventLoop } from '../../bench/event-loop.js';
import { sleep } from '../../core/retry.js';

const hold = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* the main thread held, as a synchronous round would */ }
};

describe('event-loop watch', () => {
  it('reports a hold of the main thread as a stall, with when it began and how long it lasted', async () => {
    const watch = watchEventLoop();
    await sleep(300);
    hold(STALL_MS + 300);
    await sleep(300);
    const r = watch.stop();
    expect(r.stalls).toHaveLength(1);
    expect(r.stalls[0].ms).toBeGreaterThanOrEqual(STALL_MS + 200);
    expect(r.stalls[0].atSec).toBeGreaterThanOrEqual(0.2);
    expect(r.stalls[0].atSec).toBeLessThan(1);
    expect(r.maxMs).toBeGreaterThanOrEqual(STALL_MS + 200);
    expect(r.p50Ms).toBeLessThan(r.maxMs);
  });

  it('reports no stall for short holds', async () => {
    const watch = watchEventLoop();
    for (let i = 0; i < 5; i++) {
      hold(50);
      await sleep(50);
    }
    const r = watch.stop();
    expect(r.stalls).toEqual([]);
    expect(r.maxMs).toBeLessThan(STALL_MS);
  });
});
