// How the pipeline bench puts its events in: flooded (batches sent back to back, a few in
// flight, as concurrent clients would) or paced (a steady rate in 100 ms ticks, each tick's
// events stamped with the time they are sent, or with an event time derived from it). The in-process feed and the outside Kafka
// producer both send this way.
import { sleep } from '../core/retry.js';
import type { EngagementEvent } from '../schemas/events.js';
import { makeEvents } from './events.js';

export type Send = (events: EngagementEvent[]) => Promise<unknown>;

const BATCH = 10_000;
const IN_FLIGHT = 4;
const TICK_MS = 100;

/** Sends events 0 … n-1, taken from `events(from, count)`, in batches. */
export async function flood(send: Send, n: number, events: (from: number, count: number) => EngagementEvent[], onProgress: (f: number) => void = () => undefined): Promise<void> {
  const inflight = new Set<Promise<unknown>>();
  for (let i = 0; i < n; i += BATCH) {
    const p = send(events(i, Math.min(BATCH, n - i))).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
    onProgress(i / n);
  }
  await Promise.all(inflight);
}

/** Resolves with each send's time to its ack, in ms. */
export async function pace(send: Send, o: { prefix: string; ratePerSec: number; seconds: number; products: string[]; eventTime?: (nowMs: number) => number }): Promise<number[]> {
  const perTick = Math.round((o.ratePerSec * TICK_MS) / 1000);
  const acks: number[] = [];
  const t0 = Date.now();
  for (let k = 0; k < (o.seconds * 1000) / TICK_MS; k++) {
    const events = makeEvents({ prefix: o.prefix, from: k * perTick, n: perTick, products: o.products, now: o.eventTime ? o.eventTime(Date.now()) : Date.now(), live: true });
    const sentAt = performance.now();
    await send(events);
    acks.push(performance.now() - sentAt);
    const wait = t0 + (k + 1) * TICK_MS - Date.now();
    if (wait > 0) await sleep(wait);
  }
  return acks;
}
