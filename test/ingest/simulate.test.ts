// A first start's history waits for the live stream: its first tick goes to the sink alone, then
// the history follows a chunk at a time behind what the sink has taken.
import { describe, expect, it } from 'vitest';
import { historyBehindLive } from '../../ingest/simulate.js';

/** Whether `p` is still waiting after some polls (a gate that should open is simply awaited). */
const waiting = (p: Promise<void>) => Promise.race([p.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 30))]);

describe('history behind the live stream', () => {
  it('holds the first chunk until a live tick is published and stored, then only while the sink is behind', async () => {
    let lag = 0, live = false;
    const gate = historyBehindLive({ lag: async () => lag, livePublished: () => live, ahead: 100, maxWaitMs: 60_000, pollMs: 1 });
    const first = gate();
    expect(await waiting(first)).toBe(true); // nothing live yet: the sink is idle, but the history waits
    live = true; lag = 50;
    expect(await waiting(first)).toBe(true); // the tick is published, not yet stored
    lag = 0;
    await first;
    // From then on only the sink's backlog holds a chunk.
    lag = 100;
    await gate();
    lag = 101;
    const held = gate();
    expect(await waiting(held)).toBe(true);
    lag = 20;
    await held;
  });

  it('lets the history go after maxWaitMs without a live tick, and stops waiting on abort', async () => {
    const gate = historyBehindLive({ lag: async () => 0, livePublished: () => false, ahead: 100, maxWaitMs: 5, pollMs: 1 });
    await gate();
    const stop = new AbortController();
    const aborted = historyBehindLive({ lag: async () => 1000, livePublished: () => true, ahead: 100, maxWaitMs: 60_000, signal: stop.signal, pollMs: 1 })();
    stop.abort();
    await aborted;
  });
});
