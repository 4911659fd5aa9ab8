// The WebSocket gateway against fake connections: acks, snapshots, per-channel sequence
// numbers, `since` replays, coalescing for slow clients, and errors that name the field.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { createMetrics } from '../../core/metrics.js';
import { Gateway } from '../../api/ws/gateway.js';
import type { Connection } from '../../api/ws/transport.js';

class FakeConn implements Connection {
  sent: any[] = [];
  bufferedAmount = 0;
  closedWith: number | null = null;
  private onMsg: (t: string, binary: boolean) => void = () => {};
  private onCl: () => void = () => {};
  send(text: string | Buffer) { this.sent.push(JSON.parse(text.toString())); }
  close(code = 1000) { if (this.closedWith === null) { this.closedWith = code; this.onCl(); } }
  onMessage(cb: (t: string, binary: boolean) => void) { this.onMsg = cb; }
  onClose(cb: () => void) { this.onCl = cb; }
  receive(msg: unknown) { this.onMsg(typeof msg === 'string' ? msg : JSON.stringify(msg), false); }
  receiveBinary() { this.onMsg('', true); }
  of(type: string) { return this.sent.filter((m) => m.type === type); }
}

const flush = () => new Promise((r) => setTimeout(r, 10));
let gw: Gateway;
const make = (historySize = 4) => (gw = new Gateway({ logger: createLogger('silent'), metrics: createMetrics(), historySize, slowBytes: 1000, snapshot: async (ch) => ({ snapshotOf: ch }) }));

/** A snapshot source whose computations finish only when released, counting calls and the most running at once. */
function heldSnapshots(data: (ch: string) => unknown = (ch) => ({ ch })) {
  const s = { calls: [] as string[], running: 0, maxRunning: 0, waiting: [] as (() => void)[] };
  const snapshot = async (ch: string) => {
    s.calls.push(ch);
    s.running++;
    s.maxRunning = Math.max(s.maxRunning, s.running);
    await new Promise<void>((r) => s.waiting.push(r));
    s.running--;
    return data(ch);
  };
  const releaseAll = async () => { do { s.waiting.splice(0).forEach((r) => r()); await flush(); } while (s.waiting.length || s.running); };
  return { s, snapshot, releaseAll };
}
afterEach(() => gw?.close());

describe('WebSocket gateway', () => {
  it('acks a subscription and sends a snapshot, then numbered events', async () => {
    make();
    const c = new FakeConn();
    gw.attach(c);
    c.receive({ type: 'subscribe', channels: ['overview'] });
    await flush();
    expect(c.sent[0]).toMatchObject({ v: 1, type: 'ack', data: { subscribed: ['overview'] } });
    expect(c.sent[1]).toMatchObject({ type: 'snapshot', channel: 'overview', seq: 0, data: { snapshotOf: 'overview' } });
    gw.publish('overview', { n: 1 });
    gw.publish('overview', { n: 2 });
    expect(c.of('event').map((m) => [m.seq, m.data.n])).toEqual([[1, 1], [2, 2]]);
    expect(Date.parse(c.sent[2].ts)).toBeGreaterThan(0);
  });

  it('computes one snapshot for clients subscribing together, serves it briefly with the events since, then computes afresh', async () => {
    let t = 1_000_000;
    const held = heldSnapshots();
    let n = 0;
    gw = new Gateway({ logger: createLogger('silent'), metrics: createMetrics(), historySize: 64, slowBytes: 1000, now: () => t, snapshot: async (ch) => ({ ...(await held.snapshot(ch)) as object, n: ++n }) });
    const together = Array.from({ length: 50 }, () => new FakeConn());
    for (const c of together) { gw.attach(c); c.receive({ type: 'subscribe', channels: ['product:p9'] }); }
    await held.releaseAll();
    expect(held.s.calls).toHaveLength(1);
    for (const c of together) expect(c.of('snapshot')).toMatchObject([{ seq: 0, data: { n: 1 } }]);
    // An event since: a later subscriber gets the same snapshot followed by that event.
    gw.publish('product:p9', { e: 1 });
    const later = new FakeConn();
    gw.attach(later);
    later.receive({ type: 'subscribe', channels: ['product:p9'] });
    await held.releaseAll();
    expect(held.s.calls).toHaveLength(1);
    expect(later.sent.slice(1).map((m) => [m.type, m.seq])).toEqual([['snapshot', 0], ['event', 1]]);
    // Past its time to live it is computed again, tagged with the channel's position.
    t += 2500;
    const fresh = new FakeConn();
    gw.attach(fresh);
    fresh.receive({ type: 'subscribe', channels: ['product:p9'] });
    await held.releaseAll();
    expect(held.s.calls).toHaveLength(2);
    expect(fresh.sent.slice(1).map((m) => [m.type, m.seq, m.data.n])).toEqual([['snapshot', 1, 2]]);
  });

  it('caps channels per connection even when subscriptions arrive together (the limit was checked before earlier ones applied)', async () => {
    const held = heldSnapshots();
    gw = new Gateway({ logger: createLogger('silent'), metrics: createMetrics(), snapshot: held.snapshot });
    const c = new FakeConn();
    gw.attach(c);
    // 50 messages of 100 distinct products each, sent at once: 5,000 snapshots before.
    for (let m = 0; m < 50; m++) c.receive({ type: 'subscribe', channels: Array.from({ length: 100 }, (_, i) => `product:m${m}-${i}`) });
    await held.releaseAll();
    expect(c.of('ack')).toHaveLength(1);
    expect(c.of('error').every((e) => e.data.code === 'too_many_channels' || e.data.code === 'rate_limited')).toBe(true);
    expect(held.s.calls.length).toBe(100);
    expect(held.s.maxRunning).toBeLessThanOrEqual(2);
    expect(c.of('snapshot')).toHaveLength(100);
  });

  it('applies subscribe and unsubscribe in order: an unsubscribe during a running subscribe holds', async () => {
    const held = heldSnapshots();
    gw = new Gateway({ logger: createLogger('silent'), metrics: createMetrics(), snapshot: held.snapshot });
    const c = new FakeConn();
    gw.attach(c);
    c.receive({ type: 'subscribe', channels: ['product:a', 'product:b', 'product:c'] });
    await flush();
    expect(held.s.calls).toEqual(['product:a']);
    c.receive({ type: 'unsubscribe', channels: ['product:b'] });
    c.receive({ type: 'subscribe', channels: ['product:d'] });
    c.receive({ type: 'unsubscribe', channels: ['product:d'] });
    await held.releaseAll();
    expect(held.s.calls).toEqual(['product:a', 'product:c']);
    expect(c.of('snapshot').map((m) => m.channel)).toEqual(['product:a', 'product:c']);
    for (const p of ['a', 'b', 'c', 'd']) gw.publish(`product:${p}`, { p });
    expect(c.of('event').map((m) => m.channel)).toEqual(['product:a', 'product:c']);
    expect(gw.hasSubscribers('product:b')).toBe(false);
    expect(gw.hasSubscribers('product:d')).toBe(false);
  });

  it('close waits for the snapshots computing and starts none of those queued, so none reads a store closed after it', async () => {
    const held = heldSnapshots();
    gw = new Gateway({ logger: createLogger('silent'), metrics: createMetrics(), snapshot: held.snapshot });
    const c = new FakeConn();
    gw.attach(c);
    c.receive({ type: 'subscribe', channels: ['overview', 'alerts', 'product:a', 'product:b'] });
    await flush();
    let closed = false;
    const closing = gw.close().then(() => { closed = true; });
    await flush();
    expect(closed).toBe(false);
    await held.releaseAll();
    await closing;
    expect(held.s.calls).toEqual(['overview']);
    expect(c.closedWith).toBe(1001);
  });

  it('drops queued snapshot work when the client leaves, and bounds it over all clients', async () => {
    const held = heldSnapshots();
    gw = new Gateway({ logger: createLogger('silent'), metrics: createMetrics(), snapshot: held.snapshot });
    const clients = Array.from({ length: 10 }, () => new FakeConn());
    clients.forEach((c, k) => { gw.attach(c); c.receive({ type: 'subscribe', channels: Array.from({ length: 100 }, (_, i) => `product:c${k}-${i}`) }); });
    await flush();
    expect(held.s.running).toBe(2);
    for (const c of clients) c.close();
    await held.releaseAll();
    // The two running when they left finish; none of the other 998 starts.
    expect(held.s.calls).toHaveLength(2);
    expect(gw.clientCount).toBe(0);
  });

  it('limits the message rate per connection: one error per run of refusals, and closes a flood', async () => {
    let t = 0;
    gw = new Gateway({ logger: createLogger('silent'), metrics: createMetrics(), now: () => t, messageBurst: 10, messagesPerSec: 5, snapshot: async (ch) => ({ ch }) });
    const c = new FakeConn();
    gw.attach(c);
    for (let i = 0; i < 15; i++) c.receive({ type: 'ping' });
    expect(c.of('pong')).toHaveLength(10);
    expect(c.of('error').map((e) => e.data.code)).toEqual(['rate_limited']);
    // Tokens come back with time.
    t += 1000;
    for (let i = 0; i < 6; i++) c.receive({ type: 'ping' });
    expect(c.of('pong')).toHaveLength(15);
    // Each channel of a subscription costs one.
    t += 2000;
    c.receive({ type: 'subscribe', channels: Array.from({ length: 11 }, (_, i) => `product:r${i}`) });
    expect(c.of('ack')).toHaveLength(0);
    expect(c.closedWith).toBeNull();
    for (let i = 0; i < 50; i++) c.receive({ type: 'ping' });
    expect(c.closedWith).toBe(1008);
    expect(gw.clientCount).toBe(0);
  });

  it('a flood that tokens trickle back into is one run of refusals: one error, then closed', async () => {
    let t = 0;
    gw = new Gateway({ logger: createLogger('silent'), metrics: createMetrics(), now: () => t, messageBurst: 10, messagesPerSec: 5, snapshot: async (ch) => ({ ch }) });
    const c = new FakeConn();
    gw.attach(c);
    // 100 messages a second for two seconds: every 200 ms a token is back and one gets through.
    for (let i = 0; i < 200 && c.closedWith === null; i++, t += 10) c.receive({ type: 'ping' });
    expect(c.closedWith).toBe(1008);
    expect(c.of('error').map((e) => e.data.code)).toEqual(['rate_limited']);
  });

  it('answers binary frames, unknown products and failed snapshots with error frames', async () => {
    gw = new Gateway({
      logger: createLogger('silent'), metrics: createMetrics(),
      snapshot: async (ch) => { if (ch === 'product:ghost') return null; if (ch === 'product:broken') throw new Error('store down'); return { ch }; },
    });
    const c = new FakeConn();
    gw.attach(c);
    c.receiveBinary();
    c.receive('[1,2]');
    c.receive('null');
    c.receive({ type: 'subscribe', channels: [] });
    c.receive({ type: 'subscribe', channels: ['product:ok', 'product:ghost', 'product:broken'] });
    await flush();
    expect(c.of('error').map((e) => [e.data.code, e.channel])).toEqual([
      ['bad_message', ''], ['bad_message', ''], ['bad_message', ''], ['bad_message', ''], ['not_found', 'product:ghost'], ['snapshot_failed', 'product:broken'],
    ]);
    expect(c.of('snapshot').map((m) => m.channel)).toEqual(['product:ok']);
    // Both stay subscribed: a product can appear later, and a store can come back.
    gw.publish('product:ghost', { x: 1 });
    gw.publish('product:broken', { x: 2 });
    expect(c.of('event').map((m) => m.channel)).toEqual(['product:ghost', 'product:broken']);
  });

  it('replays exactly what a reconnecting client missed, or snapshots when too old', async () => {
    make(4);
    for (let i = 1; i <= 6; i++) gw.publish('product:p1', { i });
    const recent = new FakeConn();
    gw.attach(recent);
    recent.receive({ type: 'subscribe', channels: ['product:p1'], since: { 'product:p1': 4 } });
    await flush();
    expect(recent.of('event').map((m) => m.seq)).toEqual([5, 6]);
    expect(recent.of('snapshot')).toHaveLength(0);
    const old = new FakeConn();
    gw.attach(old);
    old.receive({ type: 'subscribe', channels: ['product:p1'], since: 1 });
    await flush();
    expect(old.of('event')).toHaveLength(0);
    expect(old.of('snapshot')).toHaveLength(1);
    const current = new FakeConn();
    gw.attach(current);
    current.receive({ type: 'subscribe', channels: ['product:p1'], since: 6 });
    await flush();
    expect(current.of('event').length + current.of('snapshot').length).toBe(0);
  });

  it('holds back updates from a slow client and sends one snapshot once it drains', async () => {
    make();
    const slow = new FakeConn();
    gw.attach(slow);
    slow.receive({ type: 'subscribe', channels: ['overview'] });
    await flush();
    slow.sent = [];
    slow.bufferedAmount = 5000;
    for (let i = 0; i < 100; i++) gw.publish('overview', { i });
    expect(slow.sent).toHaveLength(0);
    slow.bufferedAmount = 0;
    await expect.poll(() => slow.sent.map((m) => m.type)).toEqual(['snapshot']);
    gw.publish('overview', { i: 100 });
    expect(slow.of('event')).toHaveLength(1);
  });

  it('answers bad messages with an error naming the field, and pings with pong', async () => {
    make();
    const c = new FakeConn();
    gw.attach(c);
    c.receive('not json');
    c.receive({ type: 'subscribe', channels: ['nope'] });
    c.receive({ type: 'dance' });
    c.receive({ type: 'subscribe', channels: ['overview'], since: 'yesterday' });
    c.receive({ type: 'ping' });
    await flush();
    expect(c.of('error').map((m) => m.data.field ?? null)).toEqual([null, 'channels', 'type', 'since']);
    expect(c.of('pong')).toHaveLength(1);
  });

  it('stops sending to a client that unsubscribed or closed', async () => {
    make();
    const c = new FakeConn();
    gw.attach(c);
    c.receive({ type: 'subscribe', channels: ['alerts', 'agent'] });
    await flush();
    c.receive({ type: 'unsubscribe', channels: ['alerts'] });
    gw.publish('alerts', {});
    gw.publish('agent', {});
    expect(c.of('event').map((m) => m.channel)).toEqual(['agent']);
    c.close();
    expect(gw.clientCount).toBe(0);
    expect(gw.hasSubscribers('agent')).toBe(false);
  });
});
