// The scorer bench's per-round memory peak: memory a piece of work held and let go before the
// watch stopped still counts, as the largest heap seen, not as the heap at the end.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { watchMemoryPeak } from '../../bench/memory-peak.js';

describe('watchMemoryPeak', () => {
  it('keeps the most heap used while watched, after it is collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const watch = watchMemoryPeak(10);
    // About 80 MiB held across a few samples, then dropped and collected.
    let held: number[][] | null = Array.from({ length: 200 }, () => new Array(50_000).fill(1.5));
    await new Promise((r) => setTimeout(r, 100));
    expect(held.length).toBe(200);
    held = null;
    gc();
    const peak = watch.stop();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(30 * 2 ** 20);
    expect(peak.heapUsedMiB * 2 ** 20 - before).toBeGreaterThan(60 * 2 ** 20);
    expect(peak.heapCommittedMiB).toBeGreaterThanOrEqual(peak.heapUsedMiB);
    expect(peak.rssMiB).toBeGreaterThan(peak.heapUsedMiB);
  });
});
