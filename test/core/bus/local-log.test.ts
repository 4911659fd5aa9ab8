// The in-process bus's write-ahead log: what was published but not committed survives a
// restart (even with a torn last line from a crash mid-write), committed offsets are kept, and
// fully consumed segments are deleted.
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalBus } from '../../../core/bus/local.js';
import { createLogger } from '../../../core/logger.js';
import type { BusMessage } from '../../../core/bus/types.js';
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
  /** What a group that never read the topic gets from the log. */
  const replay = async (dir: string, groupId: string, n: number) => {
    const b = bus(dir);
    await b.ensureTopics(['t']);
    const got: BusMessage[] = [];
    await b.subscribe({ groupId, topics: ['t'], handler: async (batch) => { got.push(...batch); } });
    await until(() => got.length >= n);
    await new Promise((r) => setTimeout(r, 50));
    return { b, got: got.map((m) => (m.value as { i: number }).i) };
  };

  it('leaves no torn line for the first record appended after the restart to join', async () => {
    const dir = tempDir('bus-torn');
    const a = bus(dir);
    await a.ensureTopics(['t']);
    await a.publish('t', [0, 1, 2].map((i) => ({ key: 'k', value: { i } })));
    await a.close();
    const partDir = readdirSync(join(dir, 't')).map((p) => join(dir, 't', p)).find((p) => readdirSync(p).length > 0)!;
    appendFileSync(join(partDir, readdirSync(partDir)[0]), '3\tk\t123\t{"i":');

    const first = await replay(dir, 'g', 3);
    expect(first.got).toEqual([0, 1, 2]);
    // Accepted after the restart, so written after the torn line in the same segment: read whole on the next start.
    await first.b.publish('t', [3, 4].map((i) => ({ key: 'k', value: { i } })));
    await first.b.close();
    const second = await replay(dir, 'h', 5);
    expect(second.got).toEqual([0, 1, 2, 3, 4]);
    await second.b.close();
  });
});
