// The engagement topic's log values: an event's columns of the events table, read back as the
// same row once normalized, and handed to consumers as the message's bytes; anything else
// written as JSON whole. A log written before (every value as JSON) replays the same events.
import { appendFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventLogCodec } from '../../../core/bus/event-log.js';
import { LocalBus } from '../../../core/bus/local.js';
import type { BusMessage } from '../../../core/bus/types.js';
import { Utf8Writer } from '../../../core/lines.js';
import { createLogger } from '../../../core/logger.js';
import type { EngagementEvent } from '../../../schemas/events.js';
import { normalizeEvent } from '../../../schemas/validate.js';
import { tempDir } from '../../helpers/app.js';

const logger = createLogger('silent');
const written = (value: unknown) => { const w = new Utf8Writer(); const columns = eventLogCodec.write(w, value); return { text: w.done().toString('utf8'), columns }; };
const until = async (cond: () => boolean) => { for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10)); };

const EVENTS: EngagementEvent[] = [
  { eventId: 'e-1', ts: '2026-11-26T12:00:00.000Z', productId: 'p-1', platform: 'tiktok', region: 'US', views: 3, likes: 0, shares: 1, comments: 2, orders: 1, revenue: 19.99, searches: 4 },
  { eventId: 'e"2\\x', ts: '2026-11-26T12:00:00+01:00', productId: 'pé-ü', platform: 'amazon', region: 'DE', videoId: 'v-😀\\', views: 1_000_000_000, revenue: 0.1 + 0.2 },
  { eventId: 'e-3', ts: '2026-11-26 12:00:00.123456789z', productId: 'p', platform: 'web', region: 'ZZ' },
  { eventId: 'e-4', ts: '1970-01-01T00:00:00.001Z', productId: 'p\u2028', platform: 'other', region: 'GB', orders: 0, revenue: 1e-7 },
];

describe('engagement events in the bus log', () => {
  it('are written as their columns and read back as the same row, escapes and non-ASCII characters included', () => {
    for (const e of EVENTS) {
      const { text, columns } = written(e);
      expect(columns).toBe(true);
      expect(text.split('\t')).toHaveLength(13);
      expect(normalizeEvent(eventLogCodec.read(text) as EngagementEvent)).toEqual({ ...normalizeEvent(e), ts: new Date(normalizeEvent(e).tsMs).toISOString() });
    }
  });

  it('writes what is not an event the columns hold as JSON, read back as it was, and offers no bytes for it', () => {
    const event = EVENTS[0];
    for (const v of [null, 'text', 7, [1, 2], { i: 1 }, { ...event, views: '3' }, { ...event, videoId: 5 }, { ...event, revenue: Infinity }, { ...event, views: NaN },
      { ...event, eventId: 'e\t1' }, { ...event, productId: 'p\n1' }, { ...event, ts: 'yesterday' }]) {
      const { text, columns } = written(v);
      expect(columns).toBe(false);
      expect(text).toBe(JSON.stringify(v));
      expect(eventLogCodec.read(text)).toEqual(JSON.parse(JSON.stringify(v)));
    }
  });

  it('refuses a line of columns cut short or run together', () => {
    const { text } = written(EVENTS[0]);
    for (const bad of [text.slice(0, text.lastIndexOf('\t')), `${text.slice(0, -1)}\t`, `${text}\t1\tp\t0`]) expect(() => eventLogCodec.read(bad)).toThrow();
  });

  it('hands consumers the columns as the message bytes, and replays a log written as JSON and as columns alike', async () => {
    const dir = tempDir('bus-events');
    const bus = () => new LocalBus({ dir, partitions: 1, logger, logCodecs: { engagement: eventLogCodec } });
    const a = bus();
    await a.ensureTopics(['engagement']);
    const live: BusMessage[] = [];
    const sub = await a.subscribe({ groupId: 'other', topics: ['engagement'], handler: async (batch) => { live.push(...batch); } });
    await a.publish('engagement', EVENTS.slice(0, 2).map((value) => ({ key: value.productId, value })));
    await until(() => live.length === 2);
    expect(live.map((m) => m.value)).toEqual(EVENTS.slice(0, 2));
    for (const [i, m] of live.entries()) expect(Buffer.from(m.logged!.bytes.subarray(m.logged!.start, m.logged!.end)).toString()).toBe(written(EVENTS[i]).text);
    await sub.close();
    await a.close();
    // The older version's lines, as it wrote them, after the new ones.
    const segDir = join(dir, 'engagement', '0');
    mkdirSync(segDir, { recursive: true });
    const seg = join(segDir, readdirSync(segDir)[0]);
    const old = EVENTS.slice(2).map((e, i) => `${2 + i}\t${e.productId}\t123\t${JSON.stringify(e)}\n`).join('');
    appendFileSync(seg, old);
    expect(readFileSync(seg, 'utf8').split('\n').filter(Boolean).length).toBe(EVENTS.length);

    const b = bus();
    await b.ensureTopics(['engagement']);
    const got: BusMessage[] = [];
    await b.subscribe({ groupId: 'g', topics: ['engagement'], handler: async (batch) => { got.push(...batch); } });
    await until(() => got.length >= EVENTS.length);
    expect(got.map((m) => normalizeEvent(m.value as EngagementEvent).tsMs)).toEqual(EVENTS.map((e) => normalizeEvent(e).tsMs));
    expect(got.map((m) => ({ ...normalizeEvent(m.value as EngagementEvent), ts: '' }))).toEqual(EVENTS.map((e) => ({ ...normalizeEvent(e), ts: '' })));
    expect(got.map((m) => m.key)).toEqual(EVENTS.map((e) => e.productId));
    await b.close();
  });
});
