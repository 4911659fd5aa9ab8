// Events as rows of the ClickHouse `events` table, encoded as TabSeparated text: about a third
// cheaper than JSONEachRow to build here and to parse in ClickHouse, and the insert path is the
// hottest in the product. Used by the raw sink and by the benchmark's raw ceiling alike.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { insertBody } from '../core/stores/clickhouse.js';
import type { NormalizedEvent } from '../schemas/events.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import { tsvMillis as time, tsvString as esc, utf8Lines } from '../core/lines.js';

export const EVENT_COLUMNS = ['eventId', 'ts', 'productId', 'platform', 'region', 'videoId', 'views', 'likes', 'shares', 'comments', 'orders', 'revenue', 'searches', 'late', 'ingestedAt'];

export function encodeEvents(events: NormalizedEvent[], isLate: (e: NormalizedEvent) => boolean, ingestedAtMs: number): Buffer {
  const ingestedAt = time(ingestedAtMs);
  return utf8Lines(events, (e) => `${esc(e.eventId)}\t${time(e.tsMs)}\t${esc(e.productId)}\t${e.platform}\t${e.region}\t${esc(e.videoId)}\t${e.views}\t${e.likes}\t${e.shares}\t${e.comments}\t${e.orders}\t${e.revenue}\t${e.searches}\t${isLate(e) ? 1 : 0}\t${ingestedAt}\n`);
}

/**
 * Settings of every insert that feeds the rollups: the raw sink's and the rollup repair's, the
 * bench's ceiling and its bulk history loads alike. Summing- and ReplacingMergeTree merge each
 * inserted block on its own before writing it (optimize_on_insert), but no block they get here
 * holds a key twice: a rollup view's block is one GROUP BY's output, a repair's deltas are one
 * per bucket (a GROUP BY's too), and the raw table (a plain MergeTree) has nothing to merge.
 * Keys repeat only across inserts, which the reads already sum (every rollup query aggregates,
 * as background merges run whenever they like). So that merge finds nothing to collapse, yet it
 * sorted and compared every block again: half the CPU of a bulk load (a live 1,000-row write's
 * blocks hold about 100 keys each, and there it is lost in the noise). The stored rows are the
 * same either way (test/processors/insert-settings.test.ts, test/bench/api-load.test.ts). The
 * two views on the raw table run side by side (parallel_view_processing) on the engine's threads.
 */
export const ROLLUP_INSERT_SETTINGS = { optimize_on_insert: 0, parallel_view_processing: 1 } as const satisfies ClickHouseSettings;

/** `settings`: the engine's defaults when {} (a test's reference); otherwise ROLLUP_INSERT_SETTINGS. */
export function insertEvents(ch: ClickHouseClient, tsv: Buffer, settings: ClickHouseSettings = ROLLUP_INSERT_SETTINGS): Promise<void> {
  return insertBody(ch, { table: TABLES.events, columns: EVENT_COLUMNS, format: 'TabSeparated', body: tsv, settings });
}
