// Large bodies of short text lines (insert bodies, log records), written as UTF-8 bytes, and the
// TabSeparated forms of the values insert bodies hold.

/**
 * The lines of `items` as UTF-8 bytes, each line written into one growing buffer as it is made.
 * Concatenating the lines as strings (`s += line`, or one join of tens of thousands) keeps every
 * piece alive as a rope until the end: long enough to outlive the young generation, so the
 * collector copies and then marks them. At 50k events that cost about five times the formatting
 * itself (10 → 2 µs an event), and the bytes were then encoded from the whole string anyway.
 */
export function utf8Lines<T>(items: readonly T[], line: (item: T) => string): Buffer {
  let buf = Buffer.allocUnsafe(Math.max(1024, items.length * 256)), at = 0;
  for (const item of items) {
    const s = line(item);
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (at + 3 * s.length > buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * buf.length, at + 3 * s.length));
      buf.copy(grown, 0, 0, at);
      buf = grown;
    }
    at += buf.write(s, at);
  }
  return buf.subarray(0, at);
}

/** TSV escaping; ids cannot hold whitespace (schema), so only the backslash can occur. */
export const tsvString = (s: string) => (s.includes('\\') ? s.replaceAll('\\', '\\\\') : s);
/** Milliseconds 0 … 999 as the three digits after the point. */
const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** DateTime64(3) as seconds with milliseconds, the form ClickHouse reads in TSV. */
export const tsvMillis = (ms: number) => { const s = Math.floor(ms / 1000); return `${s}.${MILLIS[ms - s * 1000]}`; };
