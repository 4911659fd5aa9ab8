// Every listed product's sort figures and filter fields, ordered in memory exactly as the
// forecasts list's SQL orders them (missing figures last, NaN before them as ClickHouse puts it,
// then productId in byte order), so that a request picks its page's products here and the store
// reads only their rows. Filters and the cursor are the SQL's conditions on the same values; the
// category is the product index's (list-forecasts.ts), attached per version of its categories.
import type { ForecastSortKey } from '../schemas/forecasts.js';
import { compareStrings } from './list-products.js';

/** The columns each sort orders by, as the list's SQL names them. */
export type RankColumn = 'change' | 'relativeMase' | 'peakInSec';
export const SORT_COLUMN: Record<ForecastSortKey, RankColumn> = { change: 'change', relativeMase: 'relativeMase', peak: 'peakInSec' };

type Num = number | null;
/** `generatedAt`: the generation the figures are from (ms), which tells a page's rows from a newer generation's. */
export interface RankRow { productId: string; generatedAt: number; stage: string | null; change: Num; relativeMase: Num; peakInSec: Num }

/** How the SQL's rows arrive: Float64 NaN and infinities quoted (output_format_json_quote_denormals), Int64 as strings. */
export type StoredRankRow = Omit<RankRow, RankColumn | 'generatedAt'> & Record<RankColumn | 'generatedAt', number | string | null>;

const DENORMALS: Record<string, number> = { nan: Number.NaN, '-nan': Number.NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity };
const num = (v: number | string | null): Num => (v === null ? null : typeof v === 'number' ? v : DENORMALS[v] ?? Number(v));

export interface Ranks {
  rows: RankRow[];
  /** Each listed product's generation, by id. */
  generations: Map<string, number>;
  /** Rows by order (`col` or `-col`), sorted when first asked for. */
  orders: Map<string, RankRow[]>;
  /** Counts the changes applied: a request that picked its page before one must pick it again. */
  version: number;
}

const rankRow = (r: StoredRankRow): RankRow => ({ ...r, generatedAt: Number(r.generatedAt), change: num(r.change), relativeMase: num(r.relativeMase), peakInSec: num(r.peakInSec) });

export function ranksOf(stored: StoredRankRow[]): Ranks {
  const rows = stored.map(rankRow);
  return { rows, generations: new Map(rows.map((r) => [r.productId, r.generatedAt])), orders: new Map(), version: 0 };
}

/**
 * Brings `r` to what ranksOf would give over every product's rows now, given the products in
 * `changed` as `stored` has them (one of `changed` missing from `stored` is no longer listed). In
 * place, with `version` counted up: copying the generations of 100k products cost 40–130 ms. The
 * orders already sorted stay sorted: the changed rows are merged in rather than every row sorted again.
 */
export function applyChanges(r: Ranks, changed: ReadonlySet<string>, stored: StoredRankRow[]): void {
  const fresh = stored.map(rankRow);
  const kept = (rows: RankRow[]) => rows.filter((x) => !changed.has(x.productId));
  for (const id of changed) r.generations.delete(id);
  for (const x of fresh) r.generations.set(x.productId, x.generatedAt);
  for (const [key, sorted] of r.orders) {
    const cmp = order(key.replace(/^-/, '') as RankColumn, key.startsWith('-'));
    r.orders.set(key, merged(kept(sorted), [...fresh].sort(cmp), cmp));
  }
  r.rows = [...kept(r.rows), ...fresh];
  r.version++;
}

function merged<T>(a: T[], b: T[], cmp: (x: T, y: T) => number): T[] {
  const out: T[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) out.push(cmp(a[i], b[j]) <= 0 ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

// ORDER BY col IS NULL, col ASC|DESC, productId ASC: ClickHouse sorts NaN after every number in
// either direction (and NULL after NaN).
const order = (col: RankColumn, desc: boolean) => (a: RankRow, b: RankRow): number => {
  const x = a[col], y = b[col];
  if ((x === null) !== (y === null)) return x === null ? 1 : -1;
  if (x !== null && y !== null) {
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
    if (x < y) return desc ? 1 : -1;
    if (x > y) return desc ? -1 : 1;
  }
  return compareStrings(a.productId, b.productId);
};

export interface RankPick {
  col: RankColumn;
  desc: boolean;
  /** Only products of this category, by their categories (null: no metadata, in no category). */
  category?: { is: string; of: ReadonlyMap<string, string | null> };
  stage?: string;
  /** The cursor: the last served row's sort value and id. */
  after: readonly [Num, string] | null;
  /** Rows wanted (the page and one more). */
  n: number;
}

/** The ids of the first `n` rows the list's SQL would return for `p`, in its order. */
export function pickIds(r: Ranks, p: RankPick): string[] {
  const key = `${p.desc ? '-' : ''}${p.col}`;
  let sorted = r.orders.get(key);
  if (!sorted) r.orders.set(key, (sorted = [...r.rows].sort(order(p.col, p.desc))));
  const out: string[] = [];
  for (const row of sorted) {
    if (out.length >= p.n) break;
    if (p.category && p.category.of.get(row.productId) !== p.category.is) continue;
    if (p.stage !== undefined && row.stage !== p.stage) continue;
    if (p.after && !follows(row, p.col, p.desc, p.after)) continue;
    out.push(row.productId);
  }
  return out;
}

// The list SQL's cursor condition (list-forecasts.ts), with SQL's comparisons: NaN compares false.
function follows(row: RankRow, col: RankColumn, desc: boolean, [value, id]: readonly [Num, string]): boolean {
  const v = row[col];
  const idAfter = compareStrings(row.productId, id) > 0;
  if (value === null) return v === null && idAfter;
  return v === null || (desc ? v < value : v > value) || (v === value && idAfter);
}
