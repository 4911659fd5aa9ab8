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

/** Per table and partition, the block numbers its active parts span and its newest mutation. */
export interface Blocks { table: string; partition: string; lo: number; hi: number; mutation: number }

/** `tables`' blocks, in the key's order. */
export async function dataBlocks(ch: ClickHouseClient, tables: readonly string[]): Promise<Blocks[]> {
  return (await rows<KeyRow>(ch, KEY_SQL, { tables }))
    .map((r) => ({ table: r.table, partition: r.partition, lo: Number(r.lo), hi: Number(r.hi), mutation: Number(r.mutation) }))
    .sort((a, b) => (a.table === b.table ? (a.partition < b.partition ? -1 : 1) : a.table < b.table ? -1 : 1));
}

/** The key of blocks read by dataBlocks. */
export const keyOf = (blocks: readonly Blocks[]): string => blocks.map((b) => `${b.table}:${b.partition}:${b.lo}-${b.hi}-${b.mutation}`).join(',');

/** The key of `tables`' data: changes with every insert or mutation there, not with merges. */
export async function dataKey(ch: ClickHouseClient, tables: readonly string[]): Promise<string> {
  return keyOf(await dataBlocks(ch, tables));
}

/**
 * Whether `now` holds every row `before` did plus only inserts: no partition gone, none of its
 * parts dropped (the lowest block kept) and no mutation since. Then the rows new since `before`
 * are those of the parts that take a block above its highest (newBlocksSql).
 */
export function onlyInsertedSince(before: readonly Blocks[], now: readonly Blocks[]): boolean {
  const at = new Map(now.map((b) => [`${b.table}\u0000${b.partition}`, b]));
  return before.every((b) => {
    const n = at.get(`${b.table}\u0000${b.partition}`);
    return n !== undefined && n.lo === b.lo && n.mutation === b.mutation && n.hi >= b.hi;
  });
}

/**
 * The condition on a table's rows that keeps those of parts holding a block above the highest of
 * their partition in {partitions:Array(String)} / {his:Array(UInt64)} (every part of a partition
 * not there): a part's name is partition_min_max_level[_mutation]. The engine applies it to the
 * part list before reading, so a read costs the new parts' rows, plus those of any part a merge
 * made of old and new blocks.
 */
export const NEW_BLOCKS_SQL = "toUInt64(splitByChar('_', _part)[3]) > arrayElement({his:Array(UInt64)}, indexOf({partitions:Array(String)}, _partition_id))";

/** The parameters of NEW_BLOCKS_SQL for `table`'s blocks in `before`. */
export function newBlocksParams(before: readonly Blocks[], table: string): { partitions: string[]; his: number[] } {
  const of = before.filter((b) => b.table === table);
  return { partitions: of.map((b) => b.partition), his: of.map((b) => b.hi) };
}
