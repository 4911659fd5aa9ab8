// Inserts never span more months than ClickHouse takes in one insert.
import { describe, expect, it } from 'vitest';
import { MAX_MONTHS_PER_INSERT, splitByMonth } from '../../processors/partitions.js';

const month = (y: number, m: number, d = 1) => Date.UTC(y, m, d);
const monthsOf = (rows: number[]) => new Set(rows.map((ms) => new Date(ms).toISOString().slice(0, 7)));

describe('splitByMonth', () => {
  it('keeps a batch of a month or two whole, as one insert', () => {
    const rows = [month(2026, 10, 30), month(2026, 11, 1), month(2026, 10, 2)];
    expect(splitByMonth(rows, (r) => r)).toEqual([rows]);
    expect(splitByMonth([], (r: number) => r)).toEqual([]);
  });

  it('cuts 20 years of monthly rows into groups of at most 24 months, in order, losing none', () => {
    const rows: number[] = [];
    for (let y = 2004; y < 2024; y++) for (let m = 0; m < 12; m++) rows.push(month(y, m, 15), month(y, m, 1));
    rows.reverse();
    const groups = splitByMonth(rows, (r) => r);
    expect(groups).toHaveLength(10);
    for (const g of groups) expect(monthsOf(g).size).toBeLessThanOrEqual(MAX_MONTHS_PER_INSERT);
    expect(groups.flat().sort()).toEqual([...rows].sort());
    expect(groups.map((g) => Math.min(...g))).toEqual([...groups.map((g) => Math.min(...g))].sort((a, b) => a - b));
  });

  it('counts the partitions touched, not the span', () => {
    // Two months years apart touch two partitions: one insert. 25 distinct months: two.
    expect(splitByMonth([month(2004, 0, 1), month(2026, 0, 1)], (r) => r)).toHaveLength(1);
    const twentyFive = Array.from({ length: 25 }, (_, i) => month(2024, i, 28));
    expect(splitByMonth(twentyFive, (r) => r).map((g) => g.length)).toEqual([24, 1]);
  });
});
