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
  private onMsg: (t: string) => void = () => {};
  private onCl: () => void = () => {};
  send(text: string | Buffer) { this.sent.push(JSON.parse(text.toString())); }
  close() { this.onCl(); }
  onMessage(cb: (t: string) => void) { this.onMsg = cb; }
  onClose(cb: () => void) { this.onCl = cb; }
  receive(msg: unknown) { this.onMsg(typeof msg === 'string' ? msg : JSON.stringify(msg)); }
  of(type: string) { return this.sent.filter((m) => m.type === type); }
}

const flush = () => new Promise((r) => setTimeout(r, 10));
let gw: Gateway;
const make = (historySize = 4) => (gw = new Gateway({ logger: createLogger('silent'), metrics: createMetrics(), historySize, slowBytes: 1000, snapshot: async (ch) => ({ snapshotOf: ch }) }));
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

  it('computes one snapshot for clients subscribing together, and a new one once the channel moved on', async () => {
    let calls = 0;
    let release!: () => void;
    gw = new Gateway({
      logger: createLogger('silent'), metrics: createMetrics(), historySize: 4, slowBytes: 1000,
      snapshot: async (ch) => { const n = ++calls; await new Promise<void>((r) => { release = r; }); return { ch, n }; },
    });
    const together = Array.from({ length: 50 }, () => new FakeConn());
    for (const c of together) { gw.attach(c); c.receive({ type: 'subscribe', channels: ['product:p9'] }); }
    await flush();
    release();
    await flush();
    expect(calls).toBe(1);
    for (const c of together) expect(c.of('snapshot')).toMatchObject([{ seq: 0, data: { n: 1 } }]);
    // An event since: a later subscriber's snapshot must include it, so it is computed afresh.
    gw.publish('product:p9', { e: 1 });
    const later = new FakeConn();
    gw.attach(later);
    later.receive({ type: 'subscribe', channels: ['product:p9'] });
    await flush();
    release();
    await flush();
    expect(calls).toBe(2);
    expect(later.of('snapshot')).toMatchObject([{ seq: 1, data: { n: 2 } }]);
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
    await new Promise((r) => setTimeout(r, 400));
    expect(slow.sent.map((m) => m.type)).toEqual(['snapshot']);
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
