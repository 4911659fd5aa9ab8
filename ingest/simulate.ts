// Drives the market simulator: publishes its catalogue, backfills history, and streams live
// ticks. Publishing goes through the Ingestor, the same path as any other trusted producer.
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { sleep } from '../core/retry.js';
import type { EngagementEvent } from '../schemas/events.js';
import type { Ingestor } from './accept.js';
import type { MarketSimulator } from './simulator.js';

export type PublishEvents = (events: EngagementEvent[]) => Promise<void>;

export async function publishCatalogue(sim: MarketSimulator, ingestor: Ingestor): Promise<void> {
  await ingestor.publishProducts(sim.catalogue());
  await ingestor.publishVideos(sim.videos());
}

/**
 * Publishes simulated history in [from, to); `onProgress` gets the fraction done. Stops early on
 * abort. `beforeChunk`, awaited before each chunk is published, can hold the history back so that
 * live events published meanwhile are not queued behind all of it.
 */
export async function backfill(sim: MarketSimulator, publish: PublishEvents, fromMs: number, toMs: number, o: { onProgress?: (done: number, events: number) => void; signal?: AbortSignal; stepMs?: number; beforeChunk?: () => Promise<void> } = {}): Promise<number> {
  const { onProgress, signal } = o;
  let events = 0;
  let pending: EngagementEvent[] = [];
  const flush = async () => {
    if (!pending.length) return;
    await o.beforeChunk?.();
    if (signal?.aborted) return;
    await publish(pending);
    pending = [];
  };
  for (const step of sim.backfill(fromMs, toMs, o.stepMs)) {
    if (signal?.aborted) break;
    pending.push(...step);
    events += step.length;
    if (pending.length >= 5000) {
      await flush();
      onProgress?.(Math.min(1, (Date.parse(step[0]?.ts ?? new Date(toMs).toISOString()) - fromMs) / (toMs - fromMs)), events);
    }
  }
  await flush();
  onProgress?.(1, events);
  return events;
}

/**
 * A first start's `beforeChunk` for backfill(): the history waits until the live stream's first
 * tick is stored (published, and nothing left for the sink), so that the dashboard moves within
 * one small write of the start; at most `maxWaitMs`, so that a tick that never comes does not
 * stall it. After that each chunk waits until at most `ahead` events wait for the sink, so that
 * the live ticks published meanwhile reach the charts within a chunk's write rather than after
 * the whole history.
 */
export function historyBehindLive(o: { lag: () => Promise<number>; livePublished: () => boolean; ahead: number; maxWaitMs: number; signal?: AbortSignal; pollMs?: number }): () => Promise<void> {
  let held = true;
  let heldUntil: number | null = null;
  return async () => {
    heldUntil ??= Date.now() + o.maxWaitMs;
    while (!o.signal?.aborted) {
      const lag = await o.lag();
      if (held) held = !(o.livePublished() && lag === 0) && Date.now() < heldUntil;
      if (!held && lag <= o.ahead) return;
      await sleep(o.pollMs ?? 20);
    }
  };
}

/** Streams one tick per second until stopped; a tick missed while busy is caught up, not skipped. */
export function runLive(sim: MarketSimulator, publish: PublishEvents, clock: Clock, logger: Logger): { stop(): Promise<void> } {
  let next = Math.floor(clock.now() / 1000) * 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    running = (async () => {
      // After a long stall (a suspended laptop) resume a minute back rather than replay hours.
      next = Math.max(next, Math.floor(clock.now() / 1000) * 1000 - 60_000);
      while (!stopped && next + 1000 <= clock.now()) {
        await publish(sim.tick(next));
        next += 1000;
      }
    })().catch((err) => logger.error({ err }, 'simulator tick failed; retrying next second'));
    if (!stopped) timer = setTimeout(() => void running.then(loop), Math.max(50, next + 1000 - clock.now()));
  };
  loop();
  return {
    async stop() { stopped = true; if (timer) clearTimeout(timer); await running; },
  };
}
