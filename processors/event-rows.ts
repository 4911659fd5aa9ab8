// Events as rows of the ClickHouse `events` table, encoded as TabSeparated text: about a third
// cheaper than JSONEachRow to build here and to parse in ClickHouse, and the insert path is the
// hottest in the product. Used by the raw sink and by the benchmark's raw ceiling alike.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { BusMessage } from '../core/bus/types.js';
import { EVENT_VALUE_COLUMNS, writeEventColumns } from '../core/event-columns.js';
import { Utf8Writer, tsvMillis } from '../core/lines.js';
import { insertBody } from '../core/stores/clickhouse.js';
import type { NormalizedEvent } from '../schemas/events.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

export const EVENT_COLUMNS = [...EVENT_VALUE_COLUMNS, 'late', 'ingestedAt'];

/** An event to insert, with its columns' bytes where the bus log wrote them already (BusMessage.logged). */
export type RowEvent = NormalizedEvent & { logged?: BusMessage['logged'] };

const TAB = 9, NEWLINE = 10, ZERO = 48, ONE = 49;

/**
 * The insert body: each event's columns (copied from the bus log's bytes when it has them,
 * written otherwise), its late flag and the write's time.
 */
export function encodeEvents(events: readonly RowEvent[], isLate: (e: NormalizedEvent) => boolean, ingestedAtMs: number): Buffer {
  const ingestedAt = Buffer.from(tsvMillis(ingestedAtMs));
  const w = new Utf8Writer(events.length * 160);
  for (const e of events) {
    const logged = e.logged;
    if (logged) w.copy(logged.bytes, logged.start, logged.end);
    else writeEventColumns(w, e, e.tsMs);
    w.byte(TAB); w.byte(isLate(e) ? ONE : ZERO); w.byte(TAB);
    w.bytes(ingestedAt);
    w.byte(NEWLINE);
  }
  return w.done();
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
