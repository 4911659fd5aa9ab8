// A partition's records held in memory by the in-process bus, in fixed-size chunks. Consumed
// records are dropped a whole chunk at a time: kept in one array, every commit copied the rest of
// it (up to maxLag records, 200k by default then) into a new one, 0.25-0.8 s of the pipeline bench's
// main thread for 1M events and a large array of garbage per commit.
import type { BusMessage } from './types.js';

const CHUNK_BITS = 12;
/** Records per chunk: a chunk's array stays small (32 KiB), and at most one consumed chunk is kept. */
const CHUNK = 1 << CHUNK_BITS;

export class RecordStore {
  /** Every chunk but the last is full. */
  private chunks: BusMessage[][] = [];
  private count = 0;
  /** Offset of the first record held; when none is, of the next one to be added. */
  private first = 0;

  get base(): number { return this.first; }
  get length(): number { return this.count; }

  /** Where an empty store starts: the offset its next record will have. */
  startAt(offset: number): void {
    if (this.count > 0) throw new Error('record store: startAt on a store that holds records');
    this.first = offset;
  }

  /** Adds the record of the next offset (base + length). */
  push(m: BusMessage): void {
    let last = this.chunks[this.chunks.length - 1];
    if (last === undefined || last.length === CHUNK) this.chunks.push((last = []));
    last.push(m);
    this.count++;
  }

  /** Up to `max` records from `offset` on (none below base or past the last). */
  slice(offset: number, max: number): BusMessage[] {
    const from = Math.max(0, offset - this.first), to = Math.min(this.count, from + max);
    const out: BusMessage[] = [];
    for (let i = from; i < to;) {
      const chunk = this.chunks[i >>> CHUNK_BITS], at = i & (CHUNK - 1);
      const take = Math.min(chunk.length - at, to - i);
      for (let k = at; k < at + take; k++) out.push(chunk[k]);
      i += take;
    }
    return out;
  }

  /** Drops the records below `offset` a whole chunk at a time: fewer than a chunk of them may stay. */
  dropBelow(offset: number): void {
    let drop = 0;
    while (drop < this.chunks.length && this.first + this.chunks[drop].length <= offset) {
      this.first += this.chunks[drop].length;
      this.count -= this.chunks[drop].length;
      drop++;
    }
    if (drop > 0) this.chunks.splice(0, drop);
  }
}
