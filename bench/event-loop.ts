// How long the soak's main thread was held: its event-loop delay (perf_hooks' histogram of how
// late a fine timer fires) and the stalls, every time the loop was blocked for a second or more,
// with when they began. Reads, writes and WebSocket messages all wait behind a blocked loop, and a
// sampler on the same thread can only show it as a gap between its samples.
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface Stall {
  /** Seconds since the watch began when the stall began. */
  atSec: number;
  /** How long the loop was held. */
  ms: number;
}

export interface EventLoopReport {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Every hold of STALL_MS or more, in order. */
  stalls: Stall[];
}

export const STALL_MS = 1000;
const TICK_MS = 100;

/** Watches this thread's event loop from now until `stop()`. */
export function watchEventLoop(): { stop: () => EventLoopReport } {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  const t0 = performance.now();
  const stalls: Stall[] = [];
  let last = t0;
  const timer = setInterval(() => {
    const now = performance.now();
    const held = now - last - TICK_MS;
    if (held >= STALL_MS) stalls.push({ atSec: +((last - t0) / 1000).toFixed(1), ms: Math.round(held) });
    last = now;
  }, TICK_MS);
  return {
    stop: () => {
      clearInterval(timer);
      histogram.disable();
      const ms = (ns: number) => +(ns / 1e6).toFixed(1);
      return { p50Ms: ms(histogram.percentile(50)), p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max), stalls };
    },
  };
}
