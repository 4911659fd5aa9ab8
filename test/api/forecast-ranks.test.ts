// Kept forecast figures brought up to date in place give what reading every product again gives:
// the same rows, generations and every order (missing figures last, NaN before them, ties by id).
import { describe, expect, it } from 'vitest';
import { applyChanges, pickIds, ranksOf, type RankColumn, type StoredRankRow } from '../../api/queries/forecast-ranks.js';

const row = (id: string, g: number, change: number | string | null, mase: number | null = 1, peak: number | null = null): StoredRankRow =>
  ({ productId: id, generatedAt: g, stage: 'rising', change, relativeMase: mase, peakInSec: peak });

const before = [row('a', 1, 0.5), row('b', 1, 'nan'), row('c', 1, null), row('d', 1, 0.1, null, 60), row('e', 1, 0.5, 2), row('f', 1, -0.2, 0.5, 30)];
const COLUMNS: RankColumn[] = ['change', 'relativeMase', 'peakInSec'];
const everyOrder = (r: ReturnType<typeof ranksOf>) =>
  COLUMNS.flatMap((col) => [false, true].map((desc) => pickIds(r, { col, desc, after: null, n: 100 })));

describe('applyChanges', () => {
  it('gives every order, generation and row as ranksOf over the rows as they are now', () => {
    const r = ranksOf(before);
    everyOrder(r); // sorted before the change, so that the merge is what is checked
    // b gets a figure, d loses its listing, g is new, e ties a on change.
    const changed = new Set(['b', 'd', 'g', 'e']);
    const fresh = [row('b', 2, 0.3), row('g', 2, 0.5, 0.7, 10), row('e', 2, 0.5, 3)];
    applyChanges(r, changed, fresh);
    const now = [...before.filter((x) => !changed.has(x.productId)), ...fresh];
    const whole = ranksOf(now);
    expect(everyOrder(r)).toEqual(everyOrder(whole));
    expect(r.generations).toEqual(whole.generations);
    expect(new Set(r.rows.map((x) => x.productId))).toEqual(new Set(now.map((x) => x.productId)));
    expect(r.version).toBe(1);
  });
});
