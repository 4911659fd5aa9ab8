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

// The fifth field of a part name (partition_min_max_level_mutation) is its mutation version. A row
// per table and partition, joined into the key here: building the string in the query (a
// subquery, groupArray, arraySort, concat) cost ~1.5 of its ~10 CPU-ms.
const KEY_SQL = `
SELECT table, partition_id AS partition, min(min_block_number) AS lo, max(max_block_number) AS hi, max(toUInt64OrZero(splitByChar('_', name)[5])) AS mutation
FROM system.parts WHERE database = currentDatabase() AND table IN {tables:Array(String)} AND active
GROUP BY table, partition_id`;

interface KeyRow { table: string; partition: string; lo: string | number; hi: string | number; mutation: string | number }

/** The key of `tables`' data: changes with every insert or mutation there, not with merges. */
export async function dataKey(ch: ClickHouseClient, tables: readonly string[]): Promise<string> {
  return (await rows<KeyRow>(ch, KEY_SQL, { tables })).map((r) => `${r.table}:${r.partition}:${r.lo}-${r.hi}-${r.mutation}`).sort().join(',');
}
