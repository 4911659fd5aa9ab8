// The soak bench phase at a tiny scale: everything sent during the soak is stored, reads are
// answered, memory is sampled from start to end; and the trend arithmetic on known samples.
// No timing or memory figure is asserted: those come from `trenddrop bench --phases soak`.
import { constants as perf, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { formatSoakBench, memoryTrend, otherNativeMiB, runSoakBench, watchLiveHeap, type SoakSample } from '../../bench/soak.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';

const samples = (rss: (t: number) => number): SoakSample[] => Array.from({ length: 11 }, (_, i) => ({
  t: i * 360, rssMiB: rss(i * 360), heapUsedMiB: 0, heapLiveMiB: 0, externalMiB: 0, engineMiB: 0, stored: 0,
  engineCachesMiB: 0, allocatorAllocatedMiB: 0, allocatorResidentMiB: 0, heapCommittedMiB: 0, anonMiB: 0, fileMiB: 0, arrayBuffersMiB: 0, v8MallocedMiB: 0,
}));

describe('soak trend', () => {
  it('is the least-squares slope per hour after the first fifth', () => {
    // Start-up growth in the first fifth, then level: flat.
    const level = memoryTrend(samples((t) => (t < 720 ? 500 + t : 1000)), (s) => s.rssMiB);
    expect(level).toEqual({ startMiB: 500, endMiB: 1000, peakMiB: 1000, slopeMiBPerHour: 0, slopeCi95MiBPerHour: 0, flat: true });
    // 100 MiB an hour on 1 GiB is a leak, not noise.
    const leak = memoryTrend(samples((t) => 1000 + (100 * t) / 3600), (s) => s.rssMiB);
    expect(leak.slopeMiBPerHour).toBe(100);
    expect(leak.flat).toBe(false);
    // Within 5 % of the mean per hour still counts as flat.
    expect(memoryTrend(samples((t) => 1000 + (40 * t) / 3600), (s) => s.rssMiB).flat).toBe(true);
  });

  it('gives the slope a 95 % interval that widens when the swings outlast a sample', () => {
    // An hour of minute samples rising 100 MiB/h, swinging ±100 MiB: from one sample to the next,
    // or in waves of twenty minutes (a round's garbage, a merge), which carry less information.
    const hour = (swing: (i: number) => number): SoakSample[] => Array.from({ length: 61 }, (_, i) => ({ ...samples(() => 0)[0], t: i * 60, rssMiB: 1000 + (100 * i * 60) / 3600 + swing(i) }));
    const quick = memoryTrend(hour((i) => (i % 2 ? 100 : -100)), (s) => s.rssMiB);
    const slow = memoryTrend(hour((i) => 100 * Math.sin((2 * Math.PI * i) / 20)), (s) => s.rssMiB);
    for (const t of [quick, slow]) {
      expect(Math.abs(t.slopeMiBPerHour - 100)).toBeLessThanOrEqual(t.slopeCi95MiBPerHour);
      expect(t.slopeCi95MiBPerHour).toBeGreaterThan(0);
    }
    expect(slow.slopeCi95MiBPerHour).toBeGreaterThan(2 * quick.slopeCi95MiBPerHour);
    // Two samples: a line through both, and nothing left to tell its error by.
    expect(memoryTrend(samples((t) => t).slice(0, 2), (s) => s.rssMiB).slopeCi95MiBPerHour).toBeNaN();
  });
});

describe('live heap', () => {
  /**
   * Resolves once `n` collections of `kind` begun at or after `since` have been handed to the gc
   * observers, the watcher's among them. A fixed wait after `gc()` raced the notice under load (the
   * watcher, not yet told of the full collection, still held the heap from before it: "28,392 B
   * freed"). Observers are handed one batch one after another in one task, so the task after the
   * one that told this observer has told the watcher too.
   */
  const observed = (kind: number, since: number, n = 1) => new Promise<void>((resolve) => {
    let seen = 0;
    const o = new PerformanceObserver((list) => {
      seen += list.getEntries().filter((e) => e.startTime >= since && (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === kind).length;
      if (seen < n) return;
      o.disconnect();
      setImmediate(resolve);
    });
    o.observe({ entryTypes: ['gc'] });
  });

  it('is the heap as the last full collection left it, garbage not counted', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (o?: { type: 'minor' }) => void;
    const collected = async () => {
      const told = observed(perf.NODE_PERFORMANCE_GC_MAJOR, performance.now());
      gc();
      await told;
    };
    const live = watchLiveHeap();
    try {
      // About 80 MiB referenced, then the same dropped: only a collection tells them apart.
      let kept: number[][] | null = Array.from({ length: 200 }, () => new Array(50_000).fill(1.5));
      await collected();
      const holding = live.bytes();
      expect(kept.length).toBe(200);
      // As much again, kept through minor collections (so it moves to the old space), then
      // dropped: heap used counts it until a full collection, the live heap does not.
      const used = process.memoryUsage().heapUsed;
      let junk: number[][] | null = Array.from({ length: 200 }, (_, i) => new Array(50_000).fill(i));
      const minors = observed(perf.NODE_PERFORMANCE_GC_MINOR, performance.now(), 2);
      gc({ type: 'minor' });
      gc({ type: 'minor' });
      expect(junk.length).toBe(200);
      junk = null;
      await minors;
      expect(process.memoryUsage().heapUsed - used).toBeGreaterThan(60 * 2 ** 20);
      expect(live.bytes()).toBe(holding);
      kept = null;
      await collected();
      expect(holding - live.bytes()).toBeGreaterThan(60 * 2 ** 20);
    } finally {
      live.stop();
    }
  });
});

describe('soak bench phase', () => {
  it('holds the load for the given time and samples memory throughout', async () => {
    const stages: string[] = [];
    // One event hour a second: six hours pass the allowed lateness inside the soak, scored each half second.
    const r = await runSoakBench(loadConfig({ TRENDDROP_SIMULATOR: 'off', TRENDDROP_SCORE_INTERVAL_MS: '500' }), {
      products: 200, preload: 5000, durationSec: 6, ratePerSec: 200, settleEverySec: 1, sampleSec: 1, logger: createLogger('silent'), onProgress: (_f, s) => stages.push(s),
    });
    expect(r.sent).toBe(1200);
    expect(r.stored).toBe(1200);
    expect(r.eventHours).toBe(6);
    expect(r.samples.length).toBeGreaterThanOrEqual(3);
    expect(r.samples.at(-1)!.stored).toBe(1200);
    for (const s of r.samples) expect(s.rssMiB).toBeGreaterThan(s.heapUsedMiB);
    for (const s of r.samples) expect(s.heapLiveMiB).toBeGreaterThan(0);
    // The engine's own account, read alongside the stored count: it holds at least its caches and the open tables.
    expect(r.samples.at(-1)!.engineMiB).toBeGreaterThan(0);
    expect(r.engine.peakMiB).toBe(Math.max(...r.samples.map((s) => s.engineMiB)));
    expect(r.rss.peakMiB).toBe(Math.max(...r.samples.map((s) => s.rssMiB)));
    // Resident memory by owner: the kernel's split adds up to the total (the two are read a moment
    // apart), V8's committed pages hold what it uses, and the engine's allocator holds its own.
    for (const s of r.samples) {
      expect(Math.abs(s.anonMiB + s.fileMiB - s.rssMiB)).toBeLessThan(64);
      expect(s.heapCommittedMiB).toBeGreaterThanOrEqual(s.heapUsedMiB - 1);
    }
    const end = r.samples.at(-1)!;
    expect(end.allocatorAllocatedMiB).toBeGreaterThan(0);
    expect(end.allocatorResidentMiB).toBeGreaterThanOrEqual(end.allocatorAllocatedMiB);
    expect(end.anonMiB).toBeGreaterThan(end.heapCommittedMiB + end.allocatorResidentMiB);
    expect(r.otherNative.endMiB).toBe(otherNativeMiB(end));
    // Restarted on its loaded history, the scorer goes on from the stored scores: the hour or two
    // after them and the soak's hours for each product, never the preloaded week (200 × 168 scores).
    expect(r.afterRestart.scored).toBeLessThanOrEqual((2 + r.eventHours) * 200);
    // Hours settled under the load and the hourly rounds scored them (at real time a short soak settles none).
    expect(r.duringSoak.scored).toBeGreaterThanOrEqual(2 * 200);
    expect(r.afterRestart.scored).toBeGreaterThanOrEqual(r.duringSoak.scored);
    expect(r.duringSoak.alerts).toBeGreaterThanOrEqual(0);
    expect(r.reads.n).toBeGreaterThan(0);
    expect(r.reads.errors).toBe(0);
    expect(stages.at(-1)).toBe('done');
    // A first batch went through the pipeline before the clock started, and is not counted in the soak.
    expect(stages).toContain('pipeline warm-up');
    expect(stages.indexOf('pipeline warm-up')).toBeLessThan(stages.findIndex((s) => s.startsWith('soak:')));
    expect(r.warmupSec).toBeGreaterThan(0);
    const lines = formatSoakBench(r);
    expect(lines[0]).toBe('TrendDrop soak — 200 products (5,000 events stored first), 200 events/s for 6 s (embedded, every role)');
    expect(lines.join('\n')).toContain('1,200 sent, 1,200 stored');
    expect(lines.join('\n')).toContain('6 hours replayed (one every 1 s)');
    expect(lines.join('\n')).toMatch(/engine allocator resident \(jemalloc\)/);
    expect(r.eventLoop.maxMs).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/main thread held \(event-loop delay\)\s+p50 \/ p99 \/ max [\d.]+ \/ [\d.]+ \/ [\d,.]+ ms; /);
    expect(lines.join('\n')).toMatch(/at the end \(MiB\).* resident = .* file-backed \+ .* anonymous/);
  }, 420_000); // a whole process with its stores, started twice (load, then restart): PGlite alone opens in tens of seconds on a busy machine
});
