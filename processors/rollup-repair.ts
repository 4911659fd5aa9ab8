// The rollups are materialized views, and ClickHouse commits a view's part after the raw part
// it comes from, not with it: a crash between the two leaves a rollup short of the stored
// events. Those events come back as redeliveries that the dedup finds already stored, so for
// their buckets the rollups are compared with the raw rows and the shortfall is written.
// Levels go finest first and each is read after the one before is repaired, because a delta
// written into the 1-minute rollup cascades into the hourly and daily ones. Both sides are read
// over the same whole buckets: the raw rows of a bucket are all of its events, not only those
// up to the latest one redelivered.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import { ROLLUP_INSERT_SETTINGS } from './event-rows.js';
import { splitByMonth } from './partitions.js';

interface Level {
  table: string;
  /** ClickHouse function that maps an event's ts to the level's bucket, as its view does. */
  bucket: 'toStartOfMinute' | 'toStartOfHour' | 'toStartOfDay';
  dims: string[];
  sums: string[];
  /** Rows of `events` the view reads. */
  where: string;
  /**
   * The table's TTL in days (migration 0001), for a level that forgets old buckets: a bucket near
   * or past it may be gone from the rollup but not from the raw rows, and a delta written there
   * would cascade into coarser levels that still hold it, so such buckets are left alone.
   */
  keepDays?: number;
}

const ENGAGEMENT = ['views', 'likes', 'shares', 'comments', 'orders', 'revenue', 'searches'];

/** Every view fed by `events`, directly or through a coarser cascade (migrations 0001, 0004). */
export const ROLLUP_LEVELS: Level[] = [
  { table: TABLES.engagement1m, bucket: 'toStartOfMinute', dims: ['region', 'platform'], sums: ENGAGEMENT, where: '1', keepDays: 90 },
  { table: TABLES.engagement1h, bucket: 'toStartOfHour', dims: ['region', 'platform'], sums: ENGAGEMENT, where: '1' },
  { table: TABLES.engagement1d, bucket: 'toStartOfDay', dims: ['region', 'platform'], sums: ENGAGEMENT, where: '1' },
  { table: TABLES.videoEngagement1h, bucket: 'toStartOfHour', dims: ['videoId', 'platform'], sums: ENGAGEMENT.filter((m) => m !== 'searches'), where: "videoId != ''" },
];

type Row = Record<string, string | number>;

/** Float sums (revenue) add up in a different order in the raw table and in a rollup. */
const differs = (a: number, b: number) => Math.abs(a - b) > 1e-6 * Math.max(1, Math.abs(a));

export class RollupRepair {
  private readonly log: Logger;

  /** `settings`: of the delta inserts (ROLLUP_INSERT_SETTINGS; a test's reference passes {}). */
  constructor(private readonly d: { ch: ClickHouseClient; logger: Logger; metrics: Metrics; settings?: ClickHouseSettings }) {
    this.log = d.logger.child({ component: 'rollup-repair' });
  }

  /**
   * Brings every rollup bucket that holds one of these stored events level with the raw rows.
   * Resolves with the products whose rollups it corrected.
   */
  async repair(stored: { productId: string; tsMs: number }[], nowMs: number): Promise<Set<string>> {
    const corrected = new Set<string>();
    for (const level of ROLLUP_LEVELS) {
      const keepFrom = level.keepDays === undefined ? -Infinity : nowMs - (level.keepDays - 1) * 86_400_000;
      let from = Infinity, last = -Infinity;
      const keys = new Set<string>(), pids = new Set<string>();
      for (const e of stored) {
        const b = bucketStart(level.bucket, e.tsMs);
        if (b < keepFrom) continue;
        if (b < from) from = b;
        if (b > last) last = b;
        keys.add(`${e.productId}|${b / 1000}`);
        pids.add(e.productId);
      }
      if (keys.size === 0) continue;
      // Whole buckets on both sides: from the first one's start to the last one's end.
      const range = { from, to: last + bucketSize(level.bucket) };
      const [raw, rolled] = await Promise.all([this.rawSums(level, [...pids], [...keys], range), this.rollupSums(level, [...pids], [...keys], range)]);
      const deltas: Row[] = [];
      for (const [k, r] of raw) {
        const have = rolled.get(k);
        const delta: Row = { productId: r.productId, bucket: Number(r.b) }; // unix seconds, as DateTime reads a number
        for (const dim of level.dims) delta[dim] = r[dim];
        let short = false, over = false;
        for (const m of ['events', ...level.sums]) {
          const want = Number(r[m]), got = Number(have?.[m] ?? 0);
          delta[m] = want - got;
          if (differs(want, got)) (want > got ? (short = true) : (over = true));
        }
        // A view part never lands before its raw part, so a rollup above the raw rows means
        // something else wrote to it; a delta cannot take rows away from a SummingMergeTree.
        if (over) this.log.error({ table: level.table, key: k, raw: r, rollup: have }, 'rollup holds more than the stored events');
        else if (short) { deltas.push(delta); corrected.add(String(r.productId)); }
      }
      if (deltas.length) {
        for (const rows of splitByMonth(deltas, (d) => Number(d.bucket) * 1000)) await this.d.ch.insert({ table: level.table, format: 'JSONEachRow', values: rows, clickhouse_settings: this.d.settings ?? ROLLUP_INSERT_SETTINGS });
        this.log.warn({ table: level.table, buckets: deltas.length }, 'rollup was short of stored events (an interrupted write); repaired');
        this.d.metrics.rollupRepairs.inc({ table: level.table }, deltas.length);
      }
    }
    return corrected;
  }

  private async rawSums(l: Level, pids: string[], keys: string[], range: { from: number; to: number }): Promise<Map<string, Row>> {
    const query = `
      SELECT productId, toUnixTimestamp(${l.bucket}(ts)) AS b, ${l.dims.join(', ')}, count() AS events,
        ${l.sums.map((m) => `sum(${m}) AS ${m}`).join(', ')}
      FROM ${TABLES.events}
      WHERE productId IN {pids:Array(String)} AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
        AND ${l.where} AND concat(productId, '|', toString(b)) IN {keys:Array(String)}
      GROUP BY productId, b, ${l.dims.join(', ')}`;
    return this.sums(l, query, pids, keys, range);
  }

  private async rollupSums(l: Level, pids: string[], keys: string[], range: { from: number; to: number }): Promise<Map<string, Row>> {
    const query = `
      SELECT productId, toUnixTimestamp(bucket) AS b, ${l.dims.join(', ')}, sum(events) AS events,
        ${l.sums.map((m) => `sum(${m}) AS ${m}`).join(', ')}
      FROM ${l.table}
      WHERE productId IN {pids:Array(String)} AND bucket >= toDateTime(intDiv({from:Int64}, 1000)) AND bucket < toDateTime(intDiv({to:Int64}, 1000))
        AND concat(productId, '|', toString(b)) IN {keys:Array(String)}
      GROUP BY productId, b, ${l.dims.join(', ')}`;
    return this.sums(l, query, pids, keys, range);
  }

  private async sums(l: Level, query: string, pids: string[], keys: string[], range: { from: number; to: number }): Promise<Map<string, Row>> {
    const rs = await this.d.ch.query({ query, format: 'JSONEachRow', query_params: { pids, keys, ...range } });
    const out = new Map<string, Row>();
    for (const r of await rs.json<Row>()) out.set([r.productId, r.b, ...l.dims.map((d) => r[d])].join('|'), r);
    return out;
  }
}

const bucketSize = (fn: Level['bucket']) => (fn === 'toStartOfMinute' ? 60_000 : fn === 'toStartOfHour' ? 3_600_000 : 86_400_000);

/** Start of the bucket holding ms, in UTC as the views compute it. */
function bucketStart(fn: Level['bucket'], ms: number): number {
  const size = bucketSize(fn);
  return ms - (((ms % size) + size) % size);
}
