// One partition's batches in a handler's hands, for both buses (local.ts, kafka.ts): with
// `inFlight` above 1 a later batch may finish before an earlier one, but the offset a bus may
// commit only moves past batches that finished with every batch before them, so a crash replays
// the unfinished ones and skips nothing. How the offset is committed stays with each bus.

interface Batch {
  /** The offset after the batch's last message. */
  next: number;
  count: number;
  /** Unset while the handler works; true once handled, false once stopped unfinished. */
  done: boolean | undefined;
  settled: Promise<void>;
}

export class InHand {
  private readonly batches: Batch[] = [];
  private finishedUpTo: number;
  private messages = 0;

  /**
   * `from`: the first offset not finished yet. `onFinished` is called with the new one each time
   * finished batches leave the head of the queue: what the bus may commit.
   */
  constructor(from: number, private readonly onFinished: (finished: number) => void = () => undefined) {
    this.finishedUpTo = from;
  }

  /** The first offset not finished: every message before it is handled. */
  get finished(): number { return this.finishedUpTo; }

  /** Messages in batches not yet retired (for back-pressure). */
  get held(): number { return this.messages; }

  /** True while a batch that stopped unfinished is in hand: the bus must read again from `finished`. */
  get stopped(): boolean { return this.batches.some((b) => b.done === false); }

  /**
   * Tracks a batch handed over, ending just before `next`. `handled` resolves true once every
   * message is handled (or set aside), false when the handler stopped first; it must not reject.
   * `then` runs after the queue has moved, with the outcome.
   */
  add(next: number, count: number, handled: Promise<boolean>, then?: (done: boolean) => void): void {
    const batch: Batch = { next, count, done: undefined, settled: Promise.resolve() };
    batch.settled = handled.then((done) => {
      batch.done = done;
      this.retire();
      then?.(done);
    });
    this.batches.push(batch);
    this.messages += count;
  }

  /** Resolves once the oldest batch in hand settles (at once when none is). */
  oldest(): Promise<void> { return this.batches[0]?.settled ?? Promise.resolve(); }

  /** Resolves once every batch in hand now has settled. */
  async settled(): Promise<void> { await Promise.all(this.batches.map((b) => b.settled)); }

  /**
   * Forgets every batch (call once all have settled, after one stopped) and returns where to
   * read again: the first offset not finished.
   */
  reset(): number {
    this.batches.length = 0;
    this.messages = 0;
    return this.finishedUpTo;
  }

  /** Drops the finished batches at the head; a finished batch behind an unfinished one waits. */
  private retire(): void {
    let moved = false;
    while (this.batches.length > 0 && this.batches[0].done === true) {
      const b = this.batches.shift()!;
      this.finishedUpTo = b.next;
      this.messages -= b.count;
      moved = true;
    }
    if (moved) this.onFinished(this.finishedUpTo);
  }
}
