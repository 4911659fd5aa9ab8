// Query parameters written into the SQL text as typed literals, for the embedded engine. chdb
// binds parameters through state that its library shares between connections, so its binding
// runs parameterized queries one at a time for the whole process (chdb/index.js,
// runExclusiveParam): a raw sink's few-millisecond lookup waited behind a scorer round's or a
// forecast chunk's query on another connection (a `SELECT {x:UInt32}` took 107 s behind a long
// query; the same without a parameter, 27 ms), and the sink fell behind a 2,000 events/s soak.
// Each `{name:Type}` becomes `CAST(literal, 'Type')`, the value the engine would have bound,
// and the query runs unchained; values are escaped here, never spliced as given. A query that
// would outgrow the engine's default query size keeps the bound path (and its queue).
import { TrendDropError } from '../errors.js';

/** Bound values this project passes: strings, numbers, booleans, null and arrays of them. */
export type ParamValue = string | number | bigint | boolean | null | readonly ParamValue[];

/** A value as a ClickHouse literal (strings escaped for a single-quoted literal). */
export function sqlLiteral(v: ParamValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    // Integers beyond 1e21 would print in exponent form, a Float64 literal: written out whole.
    return Number.isInteger(v) ? BigInt(v).toString() : String(v);
  }
  if (Array.isArray(v)) return `[${v.map(sqlLiteral).join(',')}]`;
  throw new TrendDropError('unsupported_parameter', `query parameter of unsupported type ${typeof v}`, { value: String(v).slice(0, 80) });
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/y;

/**
 * `sql` with every `{name:Type}` outside string literals and quoted identifiers replaced by its
 * value from `params` as `CAST(literal, 'Type')`. A placeholder without a value is left as it is
 * (the engine then refuses it, as it would have).
 */
export function inlineParams(sql: string, params: Record<string, unknown>): string {
  let out = '', copied = 0;
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') { quote = c; continue; }
    if (c !== '{') continue;
    PLACEHOLDER.lastIndex = i;
    const m = PLACEHOLDER.exec(sql);
    if (!m || !Object.hasOwn(params, m[1]) || params[m[1]] === undefined) continue;
    out += `${sql.slice(copied, i)}CAST(${sqlLiteral(params[m[1]] as ParamValue)}, ${sqlLiteral(m[2].trim())})`;
    copied = i + m[0].length;
    i = copied - 1;
  }
  return out + sql.slice(copied);
}

/** Longest query inlined: the engine's default max_query_size (262,144 bytes). */
export const INLINE_MAX_QUERY_BYTES = 262_144;
