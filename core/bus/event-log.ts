// Engagement events as the in-process bus's log writes them: each record's value is the event's
// columns of the events table (core/event-columns.ts), the very bytes the raw sink then copies
// into its insert body (BusMessage.logged), so an accepted event is encoded once on its way to
// ClickHouse. Before, the log held the event's JSON and the sink formatted the row again: the
// two took 1.7-2.0 µs of CPU an event, the columns written once and copied 1.0-1.1 µs (500k
// bench events, load ~35). Logs written as JSON, or holding a value that is not an event, are
// still read (JSON has no raw tab, the columns do, so each line says which it is).
import { parseDateTime } from '../../schemas/validate.js';
import type { EngagementEvent } from '../../schemas/events.js';
import { readEventColumns, writeEventColumns } from '../event-columns.js';
import { jsonCodec, type LogCodec } from './local.js';

const optionalText = (v: unknown) => v === undefined || typeof v === 'string';
const optionalCount = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));

/** Whether a value has the fields of an event, of types the columns hold (a count the columns can hold: JSON would write null for NaN or an infinity). */
function hasEventFields(e: EngagementEvent): boolean {
  return typeof e === 'object' && e !== null && typeof e.eventId === 'string' && typeof e.ts === 'string' && typeof e.productId === 'string'
    && typeof e.platform === 'string' && typeof e.region === 'string' && optionalText(e.videoId) && optionalCount(e.views)
    && optionalCount(e.likes) && optionalCount(e.shares) && optionalCount(e.comments) && optionalCount(e.orders)
    && optionalCount(e.revenue) && optionalCount(e.searches);
}

/**
 * The engagement topic's log: events validated at ingest (or built typed) as their columns;
 * anything else, down to a field of another type or a time that does not parse, as JSON whole.
 * Only the columns are handed to consumers as the message's bytes.
 */
export const eventLogCodec: LogCodec = {
  write(w, value) {
    const e = value as EngagementEvent;
    const tsMs = hasEventFields(e) ? parseDateTime(e.ts) : NaN;
    const start = w.length;
    // A string with a tab or a newline would not read back (a line ends at a newline): such an event goes as JSON.
    if (Number.isFinite(tsMs) && writeEventColumns(w, e, tsMs)) return true;
    w.cut(start);
    return jsonCodec.write(w, value);
  },
  read(text) {
    return text.includes('\t') ? readEventColumns(text) : jsonCodec.read(text);
  },
};
