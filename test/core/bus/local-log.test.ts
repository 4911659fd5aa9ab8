// The in-process bus's write-ahead log: what was published but not committed survives a
// restart (even with a torn last line from a crash mid-write), committed offsets are kept, and
// fully consumed segments are deleted.
import { appendFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventLogCodec } from '../../../core/bus/event-log.js';
import { LocalBus } from '../../../core/bus/local.js';
import { createLogger } from '../../../core/logger.js';
import type { BusMessage } from '../../../core/bus/types.js';
import type { EngagementEvent } from '../../../schemas/events.js';
import { tempDir } from '../../helpers/app.js';

const logger = createLogger('silent');
const bus = (dir: string, segmentRecords = 1000) => new LocalBus({ dir, partitions: 2, logger, segmentRecords });
const until = async (cond: () => boolean) => { for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10)); };

describe('in-process bus log', () => {
  it('replays uncommitted messages after a restart, in order per key, and nothing committed', async () => {
    const dir = tempDir('bus');
    const a = bus(dir);
    await a.ensureTopics(['t']);
    await a.publish('t', Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 5}`, value: { i } })));
    const first: BusMessage[] = [];
    const sub = await a.subscribe({ groupId: 'g', topics: ['t'], handler: async (b) => { first.push(...b.filter((m) => (m.value as { i: number }).i < 20)); if (b.some((m) => (m.value as { i: number }).i >= 20)) throw new Error('crash before commit'); } , maxBatch: 1 });
    await until(() => first.length >= 8);
    await sub.close();
    await a.close();
    // a crash mid-write leaves half a line at the end of a segment
    const seg = join(dir, 't', '0', readdirSync(join(dir, 't', '0'))[0]);
    appendFileSync(seg, '999\tk0\t123\t{"i":');

    const b = bus(dir);
    await b.ensureTopics(['t']);
    const replay: BusMessage[] = [];
    await b.subscribe({ groupId: 'g', topics: ['t'], handler: async (batch) => { replay.push(...batch); } });
    await until(() => replay.length + first.length >= 50);
    const seen = [...first, ...replay].map((m) => (m.value as { i: number }).i);
    expect(new Set(seen).size).toBe(50);
    expect(seen.length).toBe(50); // committed messages are not delivered again
    for (let k = 0; k < 5; k++) {
      const order = replay.filter((m) => m.key === `k${k}`).map((m) => (m.value as { i: number }).i);
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
    await b.close();
  });

  it('deletes log segments every group has committed', async () => {
    const dir = tempDir('bus-seg');
    const a = bus(dir, 10);
    await a.ensureTopics(['t']);
    let n = 0;
    await a.subscribe({ groupId: 'g', topics: ['t'], handler: async (b) => { n += b.length; } });
    for (let i = 0; i < 20; i++) await a.publish('t', Array.from({ length: 10 }, (_, j) => ({ key: `k${j}`, value: { i, j } })));
    await until(() => n === 200);
    await a.publish('t', [{ key: 'k0', value: {} }, { key: 'k1', value: {} }]); // trims after the commit
    await until(() => n === 202);
    // A handler's commit follows its return by a few ticks.
    for (let i = 0; i < 200 && (await a.lag('g', 't')) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await a.lag('g', 't')).toBe(0);
    const segments = [0, 1].map((p) => readdirSync(join(dir, 't', String(p))).length);
    expect(Math.max(...segments)).toBeLessThanOrEqual(2);
    await a.close();
  });

  it('removes the current segment too once every group consumed it, and keeps counting offsets from there after a restart', async () => {
    const dir = tempDir('bus-roll');
    const files = () => [0, 1].flatMap((p) => readdirSync(join(dir, 't', String(p))).map((f) => ({ p, f, size: statSync(join(dir, 't', String(p), f)).size })));
    const a = new LocalBus({ dir, partitions: 2, logger, segmentRecords: 1000, rollRecords: 50 });
    await a.ensureTopics(['t']);
    let n = 0;
    const sub = await a.subscribe({ groupId: 'g', topics: ['t'], handler: async (b) => { n += b.length; } });
    await a.publish('t', Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 10}`, value: { i } })));
    await until(() => n === 300);
    for (let i = 0; i < 200 && (await a.lag('g', 't')) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    // Well under segmentRecords, so never rolled by size: only consumption frees it.
    expect(files().every((f) => f.size === 0)).toBe(true);
    const before = await a.offsets('g', 't');
    await sub.close();
    await a.close();

    const b = new LocalBus({ dir, partitions: 2, logger, segmentRecords: 1000, rollRecords: 50 });
    await b.ensureTopics(['t']);
    expect((await b.offsets('g', 't')).map((o) => o.end)).toEqual(before.map((o) => o.end));
    const again: BusMessage[] = [];
    await b.subscribe({ groupId: 'g', topics: ['t'], handler: async (batch) => { again.push(...batch); } });
    await b.publish('t', [{ key: 'k0', value: { i: 300 } }, { key: 'k1', value: { i: 301 } }]);
    await until(() => again.length === 2);
    expect(again.map((m) => (m.value as { i: number }).i).sort()).toEqual([300, 301]);
    expect(again.every((m) => m.offset >= 100)).toBe(true); // offsets went on, nothing was skipped as "already committed"
    await b.close();
  });
});

describe('a crash mid-write', () => {
  const events = (from: number, n: number): EngagementEvent[] => Array.from({ length: n }, (_, k) => ({
    eventId: `e-${from + k}`, ts: '2026-11-26T12:00:00Z', productId: 'p', platform: 'web', region: 'ZZ', views: 10 + from + k, searches: 12,
  }));
  const eventBus = (dir: string) => new LocalBus({ dir, partitions: 1, logger, logCodecs: { engagement: eventLogCodec } });
  /** What a group that never read the topic gets from the log. */
  const replay = async (dir: string, groupId: string, n: number) => {
    const b = eventBus(dir);
    await b.ensureTopics(['engagement']);
    const got: BusMessage[] = [];
    await b.subscribe({ groupId, topics: ['engagement'], handler: async (batch) => { got.push(...batch); } });
    await until(() => got.length >= n);
    await new Promise((r) => setTimeout(r, 50));
    return { b, got: got.map((m) => m.value as EngagementEvent) };
  };

  it('leaves a line that is never read, not even as a smaller count, and the writes after the restart whole', async () => {
    const dir = tempDir('bus-torn');
    const a = eventBus(dir);
    await a.ensureTopics(['engagement']);
    await a.publish('engagement', events(0, 3).map((value) => ({ key: 'p', value })));
    await a.close();
    // The next record cut one digit short of its last count: its columns would read as searches 1.
    const seg = join(dir, 'engagement', '0', readdirSync(join(dir, 'engagement', '0'))[0]);
    const whole = readFileSync(seg, 'utf8').split('\n')[2];
    appendFileSync(seg, `3${whole.slice(1, -1)}`);

    const first = await replay(dir, 'g', 3);
    expect(first.got.map((e) => e.eventId)).toEqual(['e-0', 'e-1', 'e-2']);
    expect(first.got.map((e) => e.searches)).toEqual([12, 12, 12]);
    // Accepted after the restart, so after the torn line in the same segment: read whole on the next one.
    await first.b.publish('engagement', events(3, 2).map((value) => ({ key: 'p', value })));
    await first.b.close();
    const second = await replay(dir, 'h', 5);
    expect(second.got.map((e) => [e.eventId, e.views, e.searches])).toEqual([0, 1, 2, 3, 4].map((i) => [`e-${i}`, 10 + i, 12]));
    await second.b.close();
  });
});
