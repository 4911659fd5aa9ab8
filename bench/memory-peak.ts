// The most memory a piece of work made this process hold: resident memory, the V8 heap used
// (garbage not yet collected included) and the heap pages V8 committed for it. A round's garbage
// shows in the heap used and, when the old generation grows before a full collection, in the
// committed pages and the resident total; the soak's resident peaks were that. Sampled on a
// timer and whenever a collection is reported, so a stretch of synchronous work is seen at
// least at its end.
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

export interface MemoryPeak {
  rssMiB: number;
  heapUsedMiB: number;
  heapCommittedMiB: number;
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Starts watching; `stop` ends it and gives the peaks seen since. */
export function watchMemoryPeak(everyMs = 50): { stop: () => MemoryPeak } {
  const peak: MemoryPeak = { rssMiB: 0, heapUsedMiB: 0, heapCommittedMiB: 0 };
  const sample = () => {
    const h = v8.getHeapStatistics();
    peak.rssMiB = Math.max(peak.rssMiB, mib(process.memoryUsage.rss()));
    peak.heapUsedMiB = Math.max(peak.heapUsedMiB, mib(h.used_heap_size));
    peak.heapCommittedMiB = Math.max(peak.heapCommittedMiB, mib(h.total_physical_size));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  const observer = new PerformanceObserver(sample);
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: () => {
      clearInterval(timer);
      observer.disconnect();
      sample();
      return { ...peak };
    },
  };
}
