// A long loop through Turns lets other tasks run while it goes on, and gives the same results in
// the same order as the plain loop; a short one runs without a turn.
import { describe, expect, it } from 'vitest';
import { Turns } from '../../core/turns.js';

const hold = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* an item's work, on the main thread */ }
};

/** How many times a task queued beside the loop ran by each item of it. */
async function runsBeside(loop: (seen: () => number) => Promise<unknown>): Promise<{ result: unknown; seen: number[] }> {
  let runs = 0;
  let stop = false;
  const beside = () => { runs++; if (!stop) setImmediate(beside); };
  setImmediate(beside);
  const seen: number[] = [];
  const result = await loop(() => { seen.push(runs); return runs; });
  stop = true;
  return { result, seen };
}

describe('Turns', () => {
  it('maps and visits every item in order, with the plain loop\'s results', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i * 3);
    const turns = new Turns(0);
    expect(await turns.map(items, (x, i) => x + i)).toEqual(items.map((x, i) => x + i));
    const visited: [number, number][] = [];
    await turns.each(items, (x, i) => { visited.push([x, i]); });
    expect(visited).toEqual(items.map((x, i) => [x, i]));
  });

  it('gives other tasks turns during a loop that holds the thread longer than its share', async () => {
    const { seen } = await runsBeside((seen) => new Turns(10).each(Array.from({ length: 640 }, () => 0), () => { hold(0.2); seen(); }));
    // 128 ms of work in shares of 10 ms: the task beside ran several times before the last item.
    expect(seen.at(-1)!).toBeGreaterThanOrEqual(5);
    expect(seen[0]).toBe(0);
  });

  it('carries the time held from one loop to the next, and counts pass() as items', async () => {
    const turns = new Turns(10);
    const { seen } = await runsBeside(async (seen) => {
      for (let k = 0; k < 20; k++) await turns.each(Array.from({ length: 16 }, () => 0), () => { hold(0.2); seen(); });
      for (let k = 0; k < 320; k++) { hold(0.2); seen(); await turns.pass(); }
    });
    // Each each() is 3 ms alone, under the share: turns came only because the time carried over.
    expect(seen[319]).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)!).toBeGreaterThan(seen[319]);
  });

  it('runs a loop shorter than its share without a turn', async () => {
    const { seen } = await runsBeside((seen) => new Turns(10_000).each(Array.from({ length: 5000 }, () => 0), () => { seen(); }));
    expect(new Set(seen)).toEqual(new Set([0]));
  });
});
