// The engagement topic's log values: written field by field, byte for byte the JSON that
// JSON.stringify writes for an event in the schema's field order (so recovery reads them back
// as they were published), and anything that is not an event written by JSON.stringify whole. A
// log written before events were written so (every value by JSON.stringify) replays the same.
import { appendFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeEventJson } from '../../../core/bus/event-log.js';
import { LocalBus } from '../../../core/bus/local.js';
import type { BusMessage } from '../../../core/bus/types.js';
import { Utf8Writer } from '../../../core/lines.js';
import { createLogger } from '../../../core/logger.js';
import type { EngagementEvent } from '../../../schemas/events.js';
import { tempDir } from '../../helpers/app.js';

const logger = createLogger('silent');
const written = (value: unknown) => { const w = new Utf8Writer(); writeEventJson(w, value); return w.done().toString('utf8'); };

const EVENTS: EngagementEvent[] = [
  { eventId: 'e-1', ts: '2026-11-26T12:00:00.000Z', productId: 'p-1', platform: 'tiktok', region: 'US', views: 3, likes: 0, shares: 1, comments: 2, orders: 1, revenue: 19.99, searches: 4 },
  { eventId: 'e"2\\x', ts: '2026-11-26T12:00:00+01:00', productId: 'pé-ü', platform: 'amazon', region: 'DE', videoId: 'v-😀', views: 1_000_000_000, revenue: 0.1 + 0.2 },
  { eventId: 'e-3', ts: '2026-11-26 12:00:00.123456789z', productId: 'p', platform: 'web', region: 'ZZ' },
  { eventId: 'e\u0001\n', ts: '2026-11-26T12:00:00Z', productId: 'p\u2028', platform: 'other', region: 'GB', orders: 0, revenue: 1e-7 },
];

describe('engagement events in the bus log', () => {
  it('are the JSON JSON.stringify writes, escapes and non-ASCII characters included', () => {
    for (const e of EVENTS) expect(written(e)).toBe(JSON.stringify(e));
    // As sent, in another order: the same event, fields in the schema's order.
    const { eventId, ...rest } = EVENTS[0];
    expect(JSON.parse(written({ ...rest, eventId }))).toEqual(EVENTS[0]);
  });

  it('writes what is not an event, or an event with a field of another type, as JSON.stringify does', () => {
    for (const v of [null, 'text', 7, [1, 2], { i: 1 }, { ...EVENTS[0], views: '3' }, { ...EVENTS[0], videoId: 5 }, { ...EVENTS[0], revenue: Infinity }]) {
      expect(written(v)).toBe(JSON.stringify(v));
    }
  });

  it('a log written by JSON.stringify, and one written field by field, replay the same events', async () => {
    const dir = tempDir('bus-events');
    const bus = () => new LocalBus({ dir, partitions: 1, logger, logWriters: { engagement: writeEventJson } });
    const a = bus();
    await a.ensureTopics(['engagement']);
    await a.publish('engagement', EVENTS.slice(0, 2).map((value) => ({ key: value.productId, value })));
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
    for (let i = 0; i < 200 && got.length < EVENTS.length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got.map((m) => m.value)).toEqual(EVENTS);
    expect(got.map((m) => m.key)).toEqual(EVENTS.map((e) => e.productId));
    await b.close();
  });
});
