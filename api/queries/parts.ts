// The names of a table's active parts that can hold rows in a time range, by each part's least
// and greatest time (the minmax of the partition key's time column, kept in the part's metadata):
// a key for figures kept over that range. Every write adds a part under a new name and a merge or
// mutation replaces names, so while the names are the same, so are the rows in the range. Read
// from the engine's part list, never from the rows, so it costs the same at any size.
import type { BoundQuery } from './sql.js';

/**
 * The query for `table`'s parts that can hold a time in [from, to) (unix seconds; either open).
 * The table must be partitioned by its time column, or min_time and max_time are zero.
 */
export function partsQuery(table: string, range: { from?: number; to?: number }): BoundQuery {
  const where = [
    ...(range.to === undefined ? [] : ['min_time < toDateTime({to:UInt32})']),
    ...(range.from === undefined ? [] : ['max_time >= toDateTime({from:UInt32})']),
  ];
  return {
    sql: `SELECT arrayStringConcat(arraySort(groupArray(name)), ',') AS parts FROM system.parts
WHERE database = currentDatabase() AND table = {table:String} AND active${where.map((w) => ` AND ${w}`).join('')}`,
    params: { table, ...range },
  };
}
