// The in-process bus's records in memory: read back by offset across chunk boundaries, and
// consumed records dropped a whole chunk at a time, never one a reader may still ask for.
import { describe, expect, it } from 'vitest';
import { RecordStore } from '../../../core/bus/record-store.js';
import type { BusMessage } from '../../../core/bus/types.js';

const CHUNK = 4096;
const record = (offset: number): BusMessage => ({ topic: 't', partition: 0, offset, key: 'k', value: offset, timestamp: 0 });

function filled(from: number, n: number): RecordStore {
  const s = new RecordStore();
  s.startAt(from);
  for (let o = from; o < from + n; o++) s.push(record(o));
  return s;
}

const offsets = (ms: BusMessage[]) => ms.map((m) => m.offset);
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('RecordStore', () => {
  it('slices by offset across chunks, up to max and the last record', () => {
    const s = filled(1000, 3 * CHUNK + 17);
    expect(offsets(s.slice(1000, 5))).toEqual(range(1000, 5));
    expect(offsets(s.slice(1000 + CHUNK - 2, 2 * CHUNK + 4))).toEqual(range(1000 + CHUNK - 2, 2 * CHUNK + 4));
    expect(offsets(s.slice(1000 + 3 * CHUNK, 50))).toEqual(range(1000 + 3 * CHUNK, 17));
    expect(s.slice(1000 + 3 * CHUNK + 17, 10)).toEqual([]);
  });

  it('drops only whole chunks below the offset, and keeps every record from it on', () => {
    const s = filled(0, 3 * CHUNK + 10);
    s.dropBelow(CHUNK - 1);
    expect(s.base).toBe(0);
    s.dropBelow(2 * CHUNK + 5);
    expect(s.base).toBe(2 * CHUNK);
    expect(s.length).toBe(CHUNK + 10);
    expect(offsets(s.slice(2 * CHUNK + 5, 3))).toEqual(range(2 * CHUNK + 5, 3));
  });

  it('once everything is consumed it is empty and goes on at the next offset', () => {
    const s = filled(7, CHUNK + 3);
    s.dropBelow(7 + CHUNK + 3);
    expect(s.length).toBe(0);
    expect(s.base).toBe(7 + CHUNK + 3);
    s.push(record(7 + CHUNK + 3));
    expect(offsets(s.slice(7 + CHUNK + 3, 10))).toEqual([7 + CHUNK + 3]);
  });
});
