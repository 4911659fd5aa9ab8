// ClickHouse refuses an insert whose rows fall into more than `max_partitions_per_insert_block`
// (100) partitions (TOO_MANY_PARTS), and each partition an insert touches becomes a part of its
// own. The events and the rollups are partitioned by month (the daily rollup by year), so a
// batch spanning years of history (a 20-year Google Trends import) is cut into inserts of at
// most MAX_MONTHS_PER_INSERT months each. Live data spans one or two months: one insert, as before.

export const MAX_MONTHS_PER_INSERT = 24;

const monthOf = (ms: number) => { const d = new Date(ms); return d.getUTCFullYear() * 12 + d.getUTCMonth(); };

/** The rows in groups that each span at most `maxMonths` calendar months (UTC), months in order. */
export function splitByMonth<T>(rows: T[], msOf: (row: T) => number, maxMonths = MAX_MONTHS_PER_INSERT): T[][] {
  if (rows.length === 0) return [];
  let min = Infinity, max = -Infinity;
  for (const r of rows) { const ms = msOf(r); if (ms < min) min = ms; if (ms > max) max = ms; }
  if (monthOf(max) - monthOf(min) < maxMonths) return [rows];
  const byMonth = new Map<number, T[]>();
  for (const r of rows) {
    const m = monthOf(msOf(r));
    let list = byMonth.get(m);
    if (!list) byMonth.set(m, (list = []));
    list.push(r);
  }
  const months = [...byMonth.keys()].sort((a, b) => a - b);
  const out: T[][] = [];
  for (let i = 0; i < months.length; i += maxMonths) out.push(months.slice(i, i + maxMonths).flatMap((m) => byMonth.get(m)!));
  return out;
}
