// A key for figures kept over whole tables whose reads background merges do not change: per table
// and partition, the lowest and highest block number of its active parts and the newest mutation.
// Every insert takes a block number above all before it, a merge covers the blocks of the parts
// it replaces (so the range stays), and a mutation (ALTER UPDATE/DELETE, a lightweight delete)
// renames its parts with a new, higher version; so the key changes with every write and stays
// through merges. (parts.ts keys by part names, which merges change too: right for any read, but
// the forecaster's hourly writes set off minutes of merges, and every one would cost a recompute.)
// Only for reads that a merge leaves the same (a ReplacingMergeTree read through FINAL or by its
// newest version per key) of tables that nothing drops parts from (no TTL, no DROP PARTITION).
// Read from the engine's part list, never from the rows, so it costs the same at any size.
import type { ClickHouseClient } from '@clickhouse/client';
import { rows } from './sql.js';

// The fifth field of a part name (partition_min_max_level_mutation) is its mutation version.
const KEY_SQL = `
SELECT arrayStringConcat(arraySort(groupArray(k)), ',') AS key FROM (
  SELECT concat(table, ':', partition_id, ':', toString(min(min_block_number)), '-', toString(max(max_block_number)), '-',
    toString(max(toUInt64OrZero(splitByChar('_', name)[5])))) AS k
  FROM system.parts WHERE database = currentDatabase() AND table IN {tables:Array(String)} AND active
  GROUP BY table, partition_id)`;

/** The key of `tables`' data: changes with every insert or mutation there, not with merges. */
export async function dataKey(ch: ClickHouseClient, tables: readonly string[]): Promise<string> {
  const [{ key }] = await rows<{ key: string }>(ch, KEY_SQL, { tables });
  return key;
}
