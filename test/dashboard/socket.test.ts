import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { LiveSocket } from '../../dashboard/src/live/socket';

/** A scripted stand-in for the browser WebSocket. */
class FakeWs {
  static all: FakeWs[] = [];
  readyState = 0;
  sent: any[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) { FakeWs.all.push(this); }
  send(s: string) { this.sent.push(JSON.parse(s)); }
  close() { this.readyState = 3; this.onclose?.(); }
  open() { this.readyState = 1; this.onopen?.(); }
  msg(m: object) { this.onmessage?.({ data: JSON.stringify(m) }); }
  drop() { this.readyState = 3; this.onclose?.(); }
}
const last = () => FakeWs.all[FakeWs.all.length - 1];

describe('LiveSocket', () => {
  let s: LiveSocket;
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWs.all = [];
    s = new LiveSocket({ url: 'ws://x/ws', WebSocketImpl: FakeWs as any, random: () => 0.5, minDelayMs: 100, maxDelayMs: 1600 });
  });
  afterEach(() => { s.stop(); vi.useRealTimers(); });

  it('subscribes every referenced channel once on open, and unsubscribes when the last reference goes', () => {
    const a = s.subscribe('overview');
    const b = s.subscribe('overview');
    s.subscribe('product:p-1');
    s.start();
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', channels: ['overview', 'product:p-1'] }]);
    a();
    expect(last().sent).toHaveLength(1);
    b();
    b(); // releasing twice must not steal another holder's reference
    expect(last().sent[1]).toEqual({ type: 'unsubscribe', channels: ['overview'] });
    expect(s.channels).toEqual(['product:p-1']);
  });

  it('delivers each seq once and resumes every channel from its last seq after a drop', () => {
    const got: number[] = [];
    s.on((m) => got.push(m.seq!));
    s.subscribe('overview');
    s.subscribe('product:p-1');
    s.start();
    last().open();
    last().msg({ v: 1, type: 'event', channel: 'overview', seq: 1, data: {} });
    last().msg({ v: 1, type: 'event', channel: 'overview', seq: 2, data: {} });
    last().msg({ v: 1, type: 'event', channel: 'product:p-1', seq: 7, data: {} });
    last().drop();
    expect(s.state.value).toBe('reconnecting');
    vi.advanceTimersByTime(100);
    last().open();
    expect(last().sent[0]).toEqual({ type: 'subscribe', channels: ['overview', 'product:p-1'], since: { overview: 2, 'product:p-1': 7 } });
    // The replay overlaps what was already applied: seq 2 is dropped, 3 is new.
    last().msg({ v: 1, type: 'event', channel: 'overview', seq: 2, data: {} });
    last().msg({ v: 1, type: 'event', channel: 'overview', seq: 3, data: {} });
    expect(got).toEqual([1, 2, 7, 3]);
  });

  it('backs off exponentially with a cap, and resets after a successful open', () => {
    s.start();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = FakeWs.all.length;
      last().drop();
      let waited = 0;
      while (FakeWs.all.length === before) { vi.advanceTimersByTime(50); waited += 50; }
      delays.push(waited);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600, 1600]);
    last().open();
    const before = FakeWs.all.length;
    last().drop();
    vi.advanceTimersByTime(100);
    expect(FakeWs.all.length).toBe(before + 1);
  });

  it('jitters the delay between half and one and a half times the base', () => {
    const lo = new LiveSocket({ url: '', random: () => 0, minDelayMs: 1000 });
    const hi = new LiveSocket({ url: '', random: () => 0.999, minDelayMs: 1000 });
    expect(lo.backoff(0)).toBe(500);
    expect(hi.backoff(0)).toBe(1499);
  });

  it('ignores malformed frames and keeps going', () => {
    const got: unknown[] = [];
    s.on((m) => got.push(m));
    s.start();
    last().open();
    last().onmessage?.({ data: 'not json' });
    last().msg({ v: 1, type: 'pong' });
    expect(got).toHaveLength(1);
  });
});
