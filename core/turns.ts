// Long loops on the main thread give the event loop a turn now and then: the scorer's instants
// and insert bodies over 100k products and the breakout detectors' updates each held it 1–3.7 s
// at an hourly round, and reads, WebSocket messages and ingest acks waited all that time. A turn
// is setImmediate's: the timers and I/O callbacks due run, then the loop goes on.
import { setImmediate } from 'node:timers/promises';

/** Main-thread time a loop keeps before a turn, about (the clock is read every CHECK_EVERY items). */
export const TURN_MS = 25;
/** Items between reads of the clock: reading it for every item cost more than the cheapest items. */
const CHECK_EVERY = 64;

/**
 * The turns of one piece of work, over one loop or several in a row: the time held carries over
 * from a loop to the next, so short loops in a row still give turns. Whatever a loop's items read
 * that another task may change during a turn is the caller's to guard.
 */
export class Turns {
  private since = performance.now();
  private items = 0;

  constructor(private readonly everyMs = TURN_MS) {}

  /** `fn` for each item, in order. */
  async each<T>(items: readonly T[], fn: (item: T, i: number) => void): Promise<void> {
    for (let i = 0; i < items.length; i++) {
      fn(items[i], i);
      if (this.due()) await this.take();
    }
  }

  /** `fn` of each item, in order. */
  async map<T, U>(items: readonly T[], fn: (item: T, i: number) => U): Promise<U[]> {
    const out: U[] = [];
    await this.each(items, (x, i) => { out.push(fn(x, i)); });
    return out;
  }

  /** For a loop that is not over one array: call once an item (a turn when one is due). */
  async pass(): Promise<void> {
    if (this.due()) await this.take();
  }

  private due(): boolean {
    return ++this.items % CHECK_EVERY === 0 && performance.now() - this.since >= this.everyMs;
  }

  private async take(): Promise<void> {
    await setImmediate();
    this.since = performance.now();
  }
}
