// Exactly-once counting on top of at-least-once delivery: before a batch is inserted, every
// eventId already stored is removed. A Bloom filter answers "certainly new" for almost all ids
// without touching ClickHouse; only its "maybe seen" answers (real duplicates and ~1% false
// positives) are checked against the events table. The filter is rebuilt from ClickHouse at
// start, so ClickHouse stays the one source of truth for what was counted, and topped up from it
// when partitions move: another processor's writes are in ClickHouse but not in this filter.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../core/logger.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

/** A plain Bloom filter over strings with double hashing (FNV-1a and a murmur-style mix). */
export class BloomFilter {
  readonly bits: Uint32Array;
  readonly m: number;
  readonly k: number;

  constructor(capacity: number, falsePositiveRate = 0.01) {
    this.m = Math.max(1024, Math.ceil((-capacity * Math.log(falsePositiveRate)) / Math.LN2 ** 2));
    this.k = Math.max(1, Math.round((this.m / capacity) * Math.LN2));
    this.bits = new Uint32Array(Math.ceil(this.m / 32));
  }

  private hashes(s: string): [number, number] {
    let h1 = 0x811c9dc5, h2 = 0x9747b28c;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    return [h1 >>> 0, (h2 >>> 0) | 1];
  }

  add(s: string): void {
    const [a, b] = this.hashes(s);
    for (let i = 0; i < this.k; i++) {
      const bit = (a + Math.imul(i, b)) >>> 0;
      const idx = bit % this.m;
      this.bits[idx >>> 5] |= 1 << (idx & 31);
    }
  }

  mightContain(s: string): boolean {
    const [a, b] = this.hashes(s);
    for (let i = 0; i < this.k; i++) {
      const idx = ((a + Math.imul(i, b)) >>> 0) % this.m;
      if ((this.bits[idx >>> 5] & (1 << (idx & 31))) === 0) return false;
    }
    return true;
  }
}

/** How far another writer's clock may lag this one's latest stamp and its ids still be read. */
export const REFRESH_MARGIN_MS = 10 * 60_000;

/** One page of ids after a (productId, ts, eventId) position: keyset paging on the sort key. */
const READ_PAGE_SQL = `
SELECT productId, toUnixTimestamp64Milli(ts), eventId FROM ${TABLES.events}
WHERE ingestedAt >= fromUnixTimestamp64Milli({since:Int64})
  AND (productId > {p:String} OR (productId = {p:String} AND (ts > fromUnixTimestamp64Milli({t:Int64})
    OR (ts = fromUnixTimestamp64Milli({t:Int64}) AND eventId > {e:String}))))
ORDER BY productId, ts, eventId
LIMIT {page:UInt32}`;

export interface DedupOptions {
  ch: ClickHouseClient;
  logger: Logger;
  /** Expected number of distinct events; past it the false-positive rate (and lookups) grows. */
  capacity?: number;
  /** Ids read per query when loading. */
  pageSize?: number;
}

export class EventDedup {
  private readonly bloom: BloomFilter;
  private readonly log: Logger;
  /** Lookups in ClickHouse caused by "maybe seen" answers, for the metrics. */
  lookups = 0;
  /** Latest `ingestedAt` (ms) the filter has read up to; refresh() reads from a margin before it. */
  private mark = 0;

  constructor(private readonly o: DedupOptions) {
    this.bloom = new BloomFilter(o.capacity ?? 20_000_000);
    this.log = o.logger.child({ component: 'dedup' });
  }

  /** Loads every stored eventId into the filter, a page at a time, so memory stays flat. */
  async load(): Promise<number> {
    const t0 = Date.now();
    const n = await this.read(0);
    this.log.info({ events: n, ms: Date.now() - t0 }, 'dedup filter loaded');
    return n;
  }

  /**
   * Adds the ids stored since the last load or refresh. Writers stamp `ingestedAt` with their own
   * clocks, so it reads from REFRESH_MARGIN_MS before the latest stamp it saw; adding an id twice
   * is harmless.
   */
  async refresh(): Promise<number> {
    const t0 = Date.now();
    const n = await this.read(this.mark - REFRESH_MARGIN_MS);
    this.log.debug({ events: n, ms: Date.now() - t0 }, 'dedup filter refreshed');
    return n;
  }

  /**
   * Reads ids ingested since `sinceMs` in pages along the table's sort key. chdb hands back a
   * whole result at once, so one query over 50M ids would hold them all in memory together.
   */
  private async read(sinceMs: number): Promise<number> {
    // Taken first: anything stored while the pages are read is at or after it.
    const top = await this.o.ch.query({ query: `SELECT toUnixTimestamp64Milli(max(ingestedAt)) AS at FROM ${TABLES.events}`, format: 'JSONEachRow' });
    const mark = Number((await top.json<{ at: string }>())[0]?.at ?? 0);
    let n = 0, after = { p: '', t: 0, e: '' };
    for (;;) {
      const rs = await this.o.ch.query({
        query: READ_PAGE_SQL,
        // Raw, not escaped: an id may hold a backslash (never a tab or newline: the schema forbids
        // whitespace), and the filter must see it as the sink does.
        query_params: { since: Math.max(0, sinceMs), ...after, page: this.o.pageSize ?? 250_000 }, format: 'TabSeparatedRaw',
      });
      const text = await rs.text();
      if (!text) break;
      let last = '';
      for (const line of text.split('\n')) {
        if (!line) continue;
        this.bloom.add(line.slice(line.lastIndexOf('\t') + 1));
        last = line;
        n++;
      }
      const [p, t, e] = last.split('\t');
      after = { p, t: Number(t), e };
    }
    this.mark = Math.max(this.mark, mark);
    return n;
  }

  /**
   * Splits items into `fresh` (eventId neither stored nor earlier in the same batch), which it
   * remembers, and `stored` (already in ClickHouse). Call only for batches whose fresh items are
   * then inserted (or the caller retries the whole batch: remembering an id twice is harmless,
   * since a "maybe" is always checked).
   */
  async filterNew<T extends { eventId: string; productId: string }>(items: T[]): Promise<{ fresh: T[]; stored: T[] }> {
    const maybe: T[] = [];
    const fresh: T[] = [];
    const stored: T[] = [];
    const inBatch = new Set<string>();
    for (const it of items) {
      if (inBatch.has(it.eventId)) continue;
      inBatch.add(it.eventId);
      (this.bloom.mightContain(it.eventId) ? maybe : fresh).push(it);
    }
    if (maybe.length) {
      this.lookups += maybe.length;
      const rs = await this.o.ch.query({
        query: `SELECT DISTINCT eventId FROM ${TABLES.events} WHERE productId IN {pids:Array(String)} AND eventId IN {ids:Array(String)}`,
        query_params: { pids: [...new Set(maybe.map((m) => m.productId))], ids: maybe.map((m) => m.eventId) },
        format: 'JSONEachRow',
      });
      const ids = new Set((await rs.json<{ eventId: string }>()).map((r) => r.eventId));
      for (const it of maybe) (ids.has(it.eventId) ? stored : fresh).push(it);
    }
    for (const it of fresh) this.bloom.add(it.eventId);
    return { fresh, stored };
  }
}
