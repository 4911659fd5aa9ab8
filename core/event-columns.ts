// An engagement event's columns of the events table, eventId … searches, as TabSeparated UTF-8
// bytes: written once per event where it is accepted (the in-process bus's log record, see
// core/bus/event-log.ts), and copied from there into the insert body (processors/event-rows.ts)
// instead of being formatted a second time; written the same way for events that come any other
// way (Kafka, a replayed log, the bench's ceiling).
import type { EngagementEvent } from '../schemas/events.js';
import type { Utf8Writer } from './lines.js';

const TAB = 9, DOT = 46, ZERO = 48;
/** The columns written, in the table's order. */
export const EVENT_VALUE_COLUMNS = ['eventId', 'ts', 'productId', 'platform', 'region', 'videoId', 'views', 'likes', 'shares', 'comments', 'orders', 'revenue', 'searches'] as const;

function writeCount(w: Utf8Writer, n: number | undefined): void {
  w.byte(TAB);
  w.jsonNumber(n ?? 0);
}

/** DateTime64(3) as seconds with milliseconds (tsvMillis), written without a string. */
function writeMillis(w: Utf8Writer, ms: number): void {
  const s = Math.floor(ms / 1000), r = ms - s * 1000;
  w.jsonNumber(s);
  w.byte(DOT);
  w.byte(ZERO + Math.floor(r / 100)); w.byte(ZERO + (Math.floor(r / 10) % 10)); w.byte(ZERO + (r % 10));
}

/**
 * Writes the columns of an event whose time is `tsMs` (absent metrics as 0, no video as '').
 * False when one of its strings holds a tab or a newline, which a valid event's cannot (the
 * columns are written all the same). Each field is read by name: a loop over the names would
 * read them by a variable key, several times slower (see raw-sink's addCounts).
 */
export function writeEventColumns(w: Utf8Writer, e: EngagementEvent, tsMs: number): boolean {
  let plain = w.tsvText(e.eventId); w.byte(TAB);
  writeMillis(w, tsMs); w.byte(TAB);
  plain = w.tsvText(e.productId) && plain; w.byte(TAB);
  plain = w.tsvText(e.platform) && plain; w.byte(TAB);
  plain = w.tsvText(e.region) && plain; w.byte(TAB);
  plain = w.tsvText(e.videoId ?? '') && plain;
  writeCount(w, e.views); writeCount(w, e.likes); writeCount(w, e.shares); writeCount(w, e.comments);
  writeCount(w, e.orders); writeCount(w, e.revenue); writeCount(w, e.searches);
  return plain;
}

/** TSV unescaping of what writeText wrote. */
const unescape = (s: string) => (s.includes('\\\\') ? s.replaceAll('\\\\', '\\') : s);

/** A number column as written, or an error: a log line cut short by a crash must not read as a smaller count. */
function count(s: string): number {
  const n = s === '' ? NaN : Number(s);
  if (!Number.isFinite(n)) throw new Error(`not a count: ${JSON.stringify(s)}`);
  return n;
}

/**
 * The event whose columns writeEventColumns wrote (a line's text, without its newline): the
 * same row once normalized, its time written in UTC (the instant, not the offset it was sent
 * with). Throws on anything else.
 */
export function readEventColumns(text: string): EngagementEvent {
  const c = text.split('\t');
  if (c.length !== EVENT_VALUE_COLUMNS.length) throw new Error(`expected ${EVENT_VALUE_COLUMNS.length} columns, got ${c.length}`);
  const ts = count(c[1]) * 1000;
  const e: EngagementEvent = {
    eventId: unescape(c[0]), ts: new Date(Math.round(ts)).toISOString(), productId: unescape(c[2]), platform: c[3] as EngagementEvent['platform'], region: c[4],
    views: count(c[6]), likes: count(c[7]), shares: count(c[8]), comments: count(c[9]), orders: count(c[10]), revenue: count(c[11]), searches: count(c[12]),
  };
  if (c[5] !== '') e.videoId = unescape(c[5]);
  return e;
}
