// The events table's insert body: one TabSeparated line per event, written as UTF-8 (core/lines.ts).
import { describe, expect, it } from 'vitest';
import { utf8Lines, utf8LinesInTurns } from '../../core/lines.js';
import { Turns } from '../../core/turns.js';
import { encodeEvents, EVENT_COLUMNS } from '../../processors/event-rows.js';
import type { NormalizedEvent } from '../../schemas/events.js';

const event = (i: number, tsMs: number): NormalizedEvent => ({
  eventId: `e\\${i}`, ts: new Date(tsMs).toISOString(), tsMs, productId: `p-${i % 3}`, platform: 'tiktok', region: 'DE', videoId: '',
  views: i, likes: 1, shares: 0, comments: 2, orders: 0, revenue: 19.99, searches: 3,
});

describe('utf8Lines and utf8LinesInTurns', () => {
  it('gives the bytes of the lines in order, growing past its first guess, multi-byte characters whole; with turns the same', async () => {
    for (const n of [0, 1, 2, 1000]) {
      const items = Array.from({ length: n }, (_, i) => i);
      const line = (i: number) => `${i}\tü€😀\t${'x'.repeat(i % 7 === 1 ? 5000 : i % 3)}\n`;
      const expected = Buffer.from(items.map(line).join(''));
      expect(utf8Lines(items, line).equals(expected)).toBe(true);
      // A turn at every check (a share of 0 ms), so the lines go out across many turns.
      expect((await utf8LinesInTurns(items, line, new Turns(0))).equals(expected)).toBe(true);
    }
  });
});

describe('encodeEvents', () => {
  it('writes every column, times as seconds with three-digit milliseconds, backslashes escaped', () => {
    const at = Date.UTC(2026, 10, 26, 12, 0, 0, 5);
    const [line, rest] = encodeEvents([event(7, at)], (e) => e.views > 5, at + 990).toString().split('\n').slice(0, 2).concat(['']);
    expect(rest).toBe('');
    const cols = line.split('\t');
    expect(cols).toHaveLength(EVENT_COLUMNS.length);
    expect(Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c, cols[i]]))).toEqual({
      eventId: 'e\\\\7', ts: `${Math.floor(at / 1000)}.005`, productId: 'p-1', platform: 'tiktok', region: 'DE', videoId: '',
      views: '7', likes: '1', shares: '0', comments: '2', orders: '0', revenue: '19.99', searches: '3', late: '1', ingestedAt: `${Math.floor(at / 1000)}.995`,
    });
  });

  it('gives one line per event, in order, for batches larger than a run', () => {
    const at = Date.UTC(2026, 10, 26, 12);
    const events = Array.from({ length: 1000 }, (_, i) => event(i, at + i * 1001));
    const lines = encodeEvents(events, () => false, at).toString().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => l.split('\t')[6])).toEqual(events.map((e) => String(e.views)));
    expect(lines[999].split('\t')[1]).toBe(`${Math.floor((at + 999 * 1001) / 1000)}.${String((999 * 1001) % 1000).padStart(3, '0')}`);
  });
});
