// The scorer bench phase at a tiny scale: each round scores what it says (every product once for
// a new hour; after late rows, only the products that got them, at the instants they changed),
// and the result has its full shape, with each round's time split by the scorer's stages. No
// timing is asserted: figures come from `trenddrop bench`.
import { describe, expect, it } from 'vitest';
import { formatScorerBench, runScorerBench } from '../../bench/scorer.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';

describe('scorer bench phase', () => {
  it('scores every product for a new hour, and only the changed ones after late rows', async () => {
    const labels: string[] = [];
    const r = await runScorerBench(loadConfig({ TRENDDROP_SIMULATOR: 'off' }), { products: 300, changed: 12, logger: createLogger('silent'), onProgress: (_f, label) => labels.push(label) });
    // 1–3 region × platform rows per product and hour, over a week and two hours.
    expect(r.loaded.rollupRows).toBeGreaterThanOrEqual(300 * 170);
    expect(r.loaded.rollupRows).toBeLessThanOrEqual(3 * 300 * 170);
    for (const round of [r.cold, r.full]) expect(round).toMatchObject({ scored: 300, products: 300 });
    // Late rows in each of the last five scored hours: five instants of each changed product, and nothing else.
    expect(r.incremental).toMatchObject({ scored: 12 * 5, products: 12, instants: 5 });
    expect(labels.at(-1)).toBe('done');
    // Each round reports the stages it ran (the late products, new to this scorer, are classified
    // first), and they fit inside the round (times rounded to 10 ms).
    const ran = (round: typeof r.full) => Object.keys(round.stages).sort();
    const scoring = ['features', 'lookups', 'observe', 'score', 'write'];
    expect(ran(r.cold)).toEqual([...scoring, 'resume'].sort());
    expect(ran(r.full)).toEqual(scoring);
    expect(ran(r.incremental)).toEqual([...scoring, 'classify', 'reopen'].sort());
    for (const round of [r.cold, r.full, r.incremental]) {
      const stages = Object.values(round.stages);
      for (const s of stages) expect(s.seconds).toBeGreaterThanOrEqual(0);
      expect(stages.reduce((t, s) => t + s.seconds, 0)).toBeLessThanOrEqual(round.seconds + 0.01 * stages.length);
      expect(stages.reduce((t, s) => t + s.cpuSeconds, 0)).toBeLessThanOrEqual(round.cpuSeconds + 0.01 * stages.length);
      // The round's memory peak: the heap within its committed pages, both within the resident total.
      expect(round.peak.heapUsedMiB).toBeGreaterThan(0);
      expect(round.peak.heapCommittedMiB).toBeGreaterThanOrEqual(round.peak.heapUsedMiB);
      expect(round.peak.rssMiB).toBeGreaterThan(round.peak.heapCommittedMiB);
      // The round's longest hold of the main thread, at least its delay's 99th percentile.
      expect(round.mainThread.longestHoldMs).toBeGreaterThan(0);
      expect(round.mainThread.delayP99Ms).toBeLessThanOrEqual(round.mainThread.longestHoldMs);
    }
    const lines = formatScorerBench(r);
    expect(lines[0]).toBe('TrendDrop scorer bench — 300 products (embedded)');
    expect(lines).toHaveLength(9);
    expect(lines[4]).toMatch(/full round .* peak MiB: resident [\d,]+, V8 heap used [\d,]+, committed [\d,]+; main thread: longest hold [\d,.]+ ms, delay p99 [\d,.]+ ms$/);
    expect(lines[5]).toMatch(/by stage.*features [\d.]+ \([\d.]+\), lookups .*, score .*, write .*, observe /);
  });
});
