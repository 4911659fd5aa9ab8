// Opaque page cursors: the sort value and id of the last item served, as base64url JSON. A
// cursor is read back only when every value has the type the page's order needs, so a tampered
// one is the caller's mistake (400), never a query that fails.
import { ValidationError } from '../../core/errors.js';

/** count: a whole number ≥ 0 (an id, a UInt64 sum); date: an ISO 8601 time; numberOrNull: a sort value that may be missing (sorted last). */
export type CursorValue = 'string' | 'number' | 'numberOrNull' | 'count' | 'date';
type Decoded<T extends readonly CursorValue[]> = { [K in keyof T]: T[K] extends 'number' | 'count' ? number : T[K] extends 'numberOrNull' ? number | null : string };

export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

const fits = (v: unknown, type: CursorValue) =>
  type === 'number' ? typeof v === 'number' && Number.isFinite(v)
    : type === 'numberOrNull' ? v === null || (typeof v === 'number' && Number.isFinite(v))
    : type === 'count' ? Number.isSafeInteger(v) && (v as number) >= 0
    : typeof v === 'string' && !v.includes('\u0000') && (type === 'string' || Number.isFinite(Date.parse(v)));

/** The values of a cursor this API returned for a page ordered by values of `types`; null when none is given. */
export function decodeCursor<const T extends readonly CursorValue[]>(cursor: string | undefined, types: T): Decoded<T> | null {
  if (!cursor) return null;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch { /* reported below */ }
  if (Array.isArray(v) && v.length === types.length && v.every((x, i) => fits(x, types[i]))) return v as Decoded<T>;
  throw new ValidationError('invalid cursor', [{ field: 'cursor', reason: 'is not a cursor this API returned' }]);
}
