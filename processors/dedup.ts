// Exactly-once counting on top of at-least-once delivery: before a batch is inserted, every
// eventId already stored is removed. A Bloom filter answers "certainly new" for almost all ids
// without touching ClickHouse; only its "maybe seen" answers (real duplicates and ~1% false
// positives) are checked against the events table. The filter is rebuilt from ClickHouse at
// start, so ClickHouse stays the one source of truth for what was counted, and topped up from it
// when partitions move: another processor's writes are in ClickHouse but not in this filter.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../core/logger.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

/** Bits of a split-block filter's 256-bit block that a key sets: one in each 32-bit word. */
const SALT = new Uint32Array([0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31]);

/** False-positive rate of a split-block filter at `bitsPerKey` (Poisson keys per block). */
function splitBlockRate(bitsPerKey: number): number {
  const lambda = 256 / bitsPerKey;
  let rate = 0, p = Math.exp(-lambda);
  for (let j = 0; j < 1000; j++) {
    if (j > 0) p *= lambda / j;
    rate += p * (1 - (1 - 1 / 32) ** j) ** 8;
  }
  return rate;
}

/** murmur3's 32-bit finalizer: every input bit moves every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The last key hashed (hashKey): where its block lies, as a fraction of a filter's blocks, and
 * the seed of its bits. Kept here, not returned, so a lookup allocates nothing, and shared by
 * every filter of a GrowingBloomFilter, so a key is hashed once however many there are.
 */
let keyAt = 0, keySeed = 0;

/** Two 32-bit hashes of the key in one pass (FNV-1a and a murmur-style mix), finalized. */
function hashKey(s: string): void {
  let h1 = 0x811c9dc5, h2 = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  keyAt = fmix(h1) / 2 ** 32;
  keySeed = fmix(h2 ^ s.length);
}

/**
 * A split-block Bloom filter over strings (Putze, Sanders & Singler 2007, in the layout of
 * Parquet's filters): a key sets 8 bits, one in each 32-bit word of a single 256-bit block, so a
 * lookup reads one cache line where a plain filter reads k scattered ones. Sized for tens of
 * millions of ids, the filter is far larger than the CPU caches, and those misses were most of
 * its cost. It needs about 11 bits a key for a 1% false-positive rate (a plain one 9.6).
 */
class BloomFilter {
  private readonly words: Uint32Array;
  private readonly blocks: number;

  constructor(readonly capacity: number, falsePositiveRate = 0.01) {
    let bitsPerKey = 4;
    while (splitBlockRate(bitsPerKey) > falsePositiveRate && bitsPerKey < 64) bitsPerKey += 0.25;
    this.blocks = Math.max(4, Math.ceil((capacity * bitsPerKey) / 256));
    this.words = new Uint32Array(this.blocks * 8);
  }

  /** Multiply-shift maps the hash onto the blocks without a modulo's bias toward low blocks. */
  private block(): number { return Math.floor(keyAt * this.blocks) * 8; }

  /** Whether the last key hashed may be in the filter. */
  hasHashed(): boolean {
    const b = this.block();
    for (let i = 0; i < 8; i++) if ((this.words[b + i] & (1 << (Math.imul(keySeed, SALT[i]) >>> 27))) === 0) return false;
    return true;
  }

  /** Adds the last key hashed. */
  addHashed(): void {
    const b = this.block();
    for (let i = 0; i < 8; i++) this.words[b + i] |= 1 << (Math.imul(keySeed, SALT[i]) >>> 27);
  }
}

/**
 * Split-block filters that grow with the ids they are given (a scalable Bloom filter, Almeida
 * et al. 2007): once the newest holds its capacity, one of twice that capacity takes the adds,
 * and a lookup asks each. A filter sized for 20M ids up front (27 MB, past the TLB's reach) cost
 * the pipeline bench about a cache miss an event (1.3 of its 15.8 s of main-thread time) while
 * holding 1M; now it grows with the ids it holds. Past `maxCapacity` in all the newest takes
 * every add and false positives grow, as a filter of that size would.
 */
export class GrowingBloomFilter {
  private readonly filters: BloomFilter[] = [];
  private newest!: BloomFilter;
  /** Adds the newest filter takes before the next one starts; ids added twice count twice. */
  private room = 0;
  private total = 0;

  /** `falsePositiveRate` is each filter's: a lookup in n full filters has about n times that. */
  constructor(private readonly initialCapacity: number, private readonly maxCapacity: number, private readonly falsePositiveRate: number) {
    this.start(Math.min(initialCapacity, maxCapacity));
  }

  private start(capacity: number): void {
    this.newest = new BloomFilter(capacity, this.falsePositiveRate);
    this.filters.push(this.newest);
    this.room = capacity;
    this.total += capacity;
  }

  /** Before the first add: one filter for `n` ids and room as much again (a store loaded at start). */
  expect(n: number): void {
    if (this.filters.length > 1 || this.room < this.newest.capacity) return;
    const capacity = Math.min(this.maxCapacity, Math.max(this.initialCapacity, 2 * n));
    if (capacity <= this.newest.capacity) return;
    this.filters.length = 0;
    this.total = 0;
    this.start(capacity);
  }

  private seen(): boolean {
    for (const f of this.filters) if (f.hasHashed()) return true;
    return false;
  }

  private put(): void {
    if (this.room === 0 && this.total < this.maxCapacity) this.start(Math.min(2 * this.newest.capacity, this.maxCapacity - this.total));
    this.newest.addHashed();
    if (this.room > 0) this.room--;
  }

  add(s: string): void { hashKey(s); this.put(); }

  mightContain(s: string): boolean { hashKey(s); return this.seen(); }

  /** mightContain, then add, hashing once. */
  testAndAdd(s: string): boolean {
    hashKey(s);
    const seen = this.seen();
    this.put();
    return seen;
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
  /** Distinct events the filter starts with room for (it grows, and load() sizes it for the store). */
  capacity?: number;
  /** Ids read per query when loading. */
  pageSize?: number;
}

/**
 * Room the filter starts with (6.8 MB), and its most (past it the false-positive rate, and
 * lookups, grow). Each "maybe" is a ClickHouse lookup on its write's path (about 20 ms a query
 * under load): a first filter of 1M answered it for 770 new ids of the pipeline bench (145
 * queries, 2.9 s); one of 4M for none of 1.15M, at half the lookup cost of the 20M one.
 */
const INITIAL_CAPACITY = 4_000_000, MAX_CAPACITY = 20_000_000;
/** Each filter's rate: a lookup in all (4M, 8M and 8M ids at the most, 34 MB) has under 1%. */
const FILTER_FALSE_POSITIVES = 0.0025;

export class EventDedup {
  private readonly bloom: GrowingBloomFilter;
  private readonly log: Logger;
  /** Lookups in ClickHouse caused by "maybe seen" answers, for the metrics. */
  lookups = 0;
  /** Latest `ingestedAt` (ms) the filter has read up to; refresh() reads from a margin before it. */
  private mark = 0;

  constructor(private readonly o: DedupOptions) {
    const initial = o.capacity ?? INITIAL_CAPACITY;
    this.bloom = new GrowingBloomFilter(initial, Math.max(initial, MAX_CAPACITY), FILTER_FALSE_POSITIVES);
    this.log = o.logger.child({ component: 'dedup' });
  }

  /** Loads every stored eventId into the filter (sized for the store first), a page at a time, so memory stays flat. */
  async load(): Promise<number> {
    const t0 = Date.now();
    const rs = await this.o.ch.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' });
    this.bloom.expect(Number((await rs.json<{ n: string }>())[0]?.n ?? 0));
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
   * A batch's first half, with no I/O: `fresh` are ids the filter has certainly not seen (so
   * neither stored nor taken in before), `maybe` the rest; every id is remembered at once. Call
   * only for batches whose new items are then inserted (or the caller retries the whole batch:
   * remembering an id twice is harmless, since a "maybe" is always checked). The maybes must go
   * through resolve() once everything classified before them is stored, or is in the same write.
   */
  classify<T extends StoredKey>(items: readonly T[]): { fresh: T[]; maybe: T[] } {
    const maybe: T[] = [];
    const fresh: T[] = [];
    for (const it of items) (this.bloom.testAndAdd(it.eventId) ? maybe : fresh).push(it);
    return { fresh, maybe };
  }

  /**
   * The second half: which maybes are new. `sameWrite`: the fresh items inserted together
   * with them; a maybe repeating one of those (or another maybe) is a repeat, neither fresh nor
   * stored. The rest are looked up in ClickHouse.
   */
  async resolve<T extends StoredKey>(maybe: readonly T[], sameWrite: readonly T[]): Promise<{ fresh: T[]; stored: T[] }> {
    const fresh: T[] = [];
    const stored: T[] = [];
    if (maybe.length === 0) return { fresh, stored };
    // An id repeated within the batch is a "maybe" from its second time on, since its first time
    // added it: the repeats are found among the few maybes, without a set of the whole batch.
    const firstMaybe = new Map<string, T>();
    for (const it of maybe) if (!firstMaybe.has(it.eventId)) firstMaybe.set(it.eventId, it);
    for (const it of sameWrite) firstMaybe.delete(it.eventId);
    if (firstMaybe.size === 0) return { fresh, stored };
    const unique = [...firstMaybe.values()];
    this.lookups += unique.length;
    const ids = await storedIds(this.o.ch, unique);
    for (const it of unique) (ids.has(it.eventId) ? stored : fresh).push(it);
    return { fresh, stored };
  }
}

/** What finds a stored event fast: its product and time lead the events table's sort key. */
export interface StoredKey { productId: string; tsMs: number; eventId: string }

/** Items closer in time than this (per batch, sorted by time) are looked up as one time range. */
const WINDOW_GAP_MS = 3_600_000;
/** A window with fewer items than this is looked up by id instead of by range. */
const MIN_RANGE_ITEMS = 64;
/** Ids per `IN` lookup: the query slows sharply past ~30,000 (41,000 ids took minutes). */
const IDS_PER_QUERY = 5000;

/**
 * The ids of the given events that are in the events table. Redeliveries (a crash, a client
 * resending a batch) come as dense runs of stored events: those are read back as whole time
 * ranges of their products along the sort key, a cost that follows the batch however large.
 * Scattered ones (the Bloom filter's false positives) are few, and looked up by id in chunks.
 */
export async function storedIds(ch: ClickHouseClient, items: StoredKey[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (items.length === 0) return found;
  const byTime = [...items].sort((a, b) => a.tsMs - b.tsMs);
  const scattered: StoredKey[] = [];
  /** Adds the ids a query returns. */
  const read = async (query: string, query_params: Record<string, unknown>): Promise<void> => {
    // Raw, not escaped: ids hold no tab or newline (schema), and must match as the sink wrote them.
    const rs = await ch.query({ query, query_params, format: 'TabSeparatedRaw' });
    for (const id of (await rs.text()).split('\n')) if (id) found.add(id);
  };
  for (let start = 0; start < byTime.length;) {
    let end = start + 1;
    while (end < byTime.length && byTime[end].tsMs - byTime[end - 1].tsMs <= WINDOW_GAP_MS) end++;
    const window = byTime.slice(start, end);
    start = end;
    if (window.length < MIN_RANGE_ITEMS) { scattered.push(...window); continue; }
    // Capped, so a range holding far more stored events than the window (a resent sample of a
    // busy history) costs no more than the window itself.
    const limit = 4 * window.length + 1000;
    await read(
      `SELECT eventId FROM ${TABLES.events} WHERE productId IN {pids:Array(String)}
        AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64}) LIMIT {limit:UInt32}`,
      { pids: [...new Set(window.map((it) => it.productId))], from: window[0].tsMs, to: window[window.length - 1].tsMs, limit },
    );
    // The eventId alone is the key: a resend may carry another ts (a client that re-stamps its
    // retries), and a range past its cap may have missed some; whatever the range did not find is
    // looked up by id (the Bloom filter's false positives among them, a few in a hundred).
    scattered.push(...window.filter((it) => !found.has(it.eventId)));
  }
  for (let i = 0; i < scattered.length; i += IDS_PER_QUERY) {
    const chunk = scattered.slice(i, i + IDS_PER_QUERY);
    await read(
      `SELECT eventId FROM ${TABLES.events} WHERE productId IN {pids:Array(String)} AND eventId IN {ids:Array(String)}`,
      { pids: [...new Set(chunk.map((it) => it.productId))], ids: chunk.map((it) => it.eventId) },
    );
  }
  // A range also returns its other stored events: keep the ones asked about.
  return new Set(items.filter((it) => found.has(it.eventId)).map((it) => it.eventId));
}
