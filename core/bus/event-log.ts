// Engagement events as the in-process bus's log writes them: each record's value is the event's
// columns of the events table (core/event-columns.ts), the very bytes the raw sink then copies
// into its insert body (BusMessage.logged), so an accepted event is encoded once on its way to
// ClickHouse. Before, the log held the event's JSON (1.0-1.5 µs of CPU an event to write) and
// the sink formatted the row again; logs written that way, or holding a value that is not an
// event, are still read (JSON has no raw tab, the columns do, so each line says which it is).
import { parseDateTime } from '../../schemas/validate.js';
import type { EngagementEvent } from '../../schemas/events.js';
import { readEventColumns, writeEventColumns } from '../event-columns.js';
import { jsonCodec, type LogCodec } from './local.js';

const optionalText = (v: unknown) => v === undefined || typeof v === 'string';
/** A count the columns can hold: JSON would write null for NaN or an infinity, which no column reads back. */
const optionalCount = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));

/** A log line holds no newline, and a column no tab: such a string is written as JSON (a valid event's ids hold no whitespace). */
const plain = (s: string) => !s.includes('\t') && !s.includes('\n');

/** Whether a value is an event the columns can hold as it is: the fields of an event, of their types, ids and time writable. */
function columnsHold(e: EngagementEvent): boolean {
  return typeof e === 'object' && e !== null && typeof e.eventId === 'string' && typeof e.ts === 'string' && typeof e.productId === 'string'
    && typeof e.platform === 'string' && typeof e.region === 'string' && optionalText(e.videoId) && optionalCount(e.views)
    && optionalCount(e.likes) && optionalCount(e.shares) && optionalCount(e.comments) && optionalCount(e.orders)
    && optionalCount(e.revenue) && optionalCount(e.searches)
    && plain(e.eventId) && plain(e.productId) && plain(e.platform) && plain(e.region) && (e.videoId === undefined || plain(e.videoId));
}

/**
 * The engagement topic's log: events validated at ingest (or built typed) as their columns;
 * anything else, down to a field of another type or a time that does not parse, as JSON whole.
 * Only the columns are handed to consumers as the message's bytes.
 */
export const eventLogCodec: LogCodec = {
  write(w, value) {
    const e = value as EngagementEvent;
    const tsMs = columnsHold(e) ? parseDateTime(e.ts) : NaN;
    if (!Number.isFinite(tsMs)) return jsonCodec.write(w, value);
    writeEventColumns(w, e, tsMs);
    return true;
  },
  read(text) {
    return text.includes('\t') ? readEventColumns(text) : jsonCodec.read(text);
  },
};
