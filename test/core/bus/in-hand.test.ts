// The in-flight bookkeeping both buses commit by: the offset moves only past batches finished
// with every batch before them, whatever order they finish in.
import { describe, expect, it } from 'vitest';
import { InHand } from '../../../core/bus/in-hand.js';

/** A handler outcome the test settles by hand. */
function outcome() {
  let settle!: (done: boolean) => void;
  const promise = new Promise<boolean>((r) => { settle = r; });
  return { promise, settle };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('InHand', () => {
  it('moves the finished offset only past batches finished in order, and counts the messages held', async () => {
    const commits: number[] = [];
    const h = new InHand(100, (f) => commits.push(f));
    const a = outcome(), b = outcome(), c = outcome();
    h.add(110, 10, a.promise);
    h.add(115, 5, b.promise);
    h.add(130, 15, c.promise);
    expect(h.held).toBe(30);

    // The later ones finish first: nothing may be committed past the first one still working.
    c.settle(true);
    b.settle(true);
    await tick();
    expect(h.finished).toBe(100);
    expect(commits).toEqual([]);
    expect(h.held).toBe(30);

    // The first finishes: all three leave together, one commit up to the last.
    a.settle(true);
    await h.settled();
    expect(h.finished).toBe(130);
    expect(commits).toEqual([130]);
    expect(h.held).toBe(0);
  });

  it('calls back after each settle, once the queue has moved', async () => {
    const h = new InHand(0);
    const seen: [boolean, number, number][] = [];
    const a = outcome(), b = outcome();
    h.add(5, 5, a.promise, (done) => seen.push([done, h.finished, h.held]));
    h.add(9, 4, b.promise, (done) => seen.push([done, h.finished, h.held]));
    a.settle(true);
    await tick();
    b.settle(true);
    await h.settled();
    expect(seen).toEqual([[true, 5, 4], [true, 9, 0]]);
  });

  it('stops at a batch that stopped unfinished: later finished ones are not committed, and reset reads again from it', async () => {
    const commits: number[] = [];
    const h = new InHand(0, (f) => commits.push(f));
    const a = outcome(), b = outcome(), c = outcome();
    h.add(10, 10, a.promise);
    h.add(20, 10, b.promise);
    h.add(30, 10, c.promise);
    a.settle(true);
    b.settle(false);
    c.settle(true);
    await h.settled();
    expect(h.stopped).toBe(true);
    expect(h.finished).toBe(10);
    expect(commits).toEqual([10]);
    expect(h.held).toBe(20);

    expect(h.reset()).toBe(10);
    expect(h.stopped).toBe(false);
    expect(h.held).toBe(0);
    // The same messages handed over again finish normally.
    h.add(20, 10, Promise.resolve(true));
    await h.settled();
    expect(h.finished).toBe(20);
    expect(commits).toEqual([10, 20]);
  });

  it('oldest() waits for the head of the queue only', async () => {
    const h = new InHand(0);
    await h.oldest(); // nothing in hand: at once
    const a = outcome(), b = outcome();
    h.add(1, 1, a.promise);
    h.add(2, 1, b.promise);
    let headSettled = false;
    const head = h.oldest().then(() => { headSettled = true; });
    b.settle(true);
    await tick();
    expect(headSettled).toBe(false);
    a.settle(true);
    await head;
    expect(headSettled).toBe(true);
    expect(h.finished).toBe(2);
  });
});
