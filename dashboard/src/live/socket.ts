// The single WebSocket connection of the app. Views subscribe to channels by reference count;
// the manager reconnects with capped, jittered exponential backoff and resumes every channel
// from the last sequence number it saw, so the server can replay (or snapshot) what was missed.
import { shallowRef } from 'vue';
import type { WsMessage } from '../lib/types';

export type LiveState = 'idle' | 'connecting' | 'open' | 'reconnecting';
type Handler = (msg: WsMessage) => void;

export interface LiveSocketOptions {
  url: string;
  /** Injected for tests. */
  WebSocketImpl?: typeof WebSocket;
  minDelayMs?: number;
  maxDelayMs?: number;
  pingMs?: number;
  random?: () => number;
}

export class LiveSocket {
  readonly state = shallowRef<LiveState>('idle');
  /** Time of the last message of any kind; drives the "live" indicator. */
  readonly lastMessageAt = shallowRef<number | null>(null);
  private ws: WebSocket | null = null;
  private readonly refs = new Map<string, number>();
  private readonly seqs = new Map<string, number>();
  private readonly handlers = new Set<Handler>();
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = true;
  private readonly o: Required<LiveSocketOptions>;

  constructor(opts: LiveSocketOptions) {
    this.o = {
      WebSocketImpl: globalThis.WebSocket, minDelayMs: 500, maxDelayMs: 30_000, pingMs: 25_000, random: Math.random, ...opts,
    };
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    this.ws?.close(1000);
    this.ws = null;
    this.state.value = 'idle';
  }

  on(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Subscribe to a channel; the returned function releases this reference. */
  subscribe(channel: string): () => void {
    const n = this.refs.get(channel) ?? 0;
    this.refs.set(channel, n + 1);
    if (n === 0) this.send({ type: 'subscribe', channels: [channel], ...this.since([channel]) });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.refs.get(channel) ?? 1) - 1;
      if (left > 0) { this.refs.set(channel, left); return; }
      this.refs.delete(channel);
      // Forget the position: views refetch on remount, so replaying from an old seq would
      // add deltas on top of data that already contains them.
      this.seqs.delete(channel);
      this.send({ type: 'unsubscribe', channels: [channel] });
    };
  }

  get channels(): string[] { return [...this.refs.keys()]; }

  /** Delay before reconnect attempt `n` (0-based): doubling from minDelay, capped, with ±50 % jitter. */
  backoff(n: number): number {
    const base = Math.min(this.o.maxDelayMs, this.o.minDelayMs * 2 ** n);
    return Math.round(base * (0.5 + this.o.random()));
  }

  private since(channels: string[]) {
    const map: Record<string, number> = {};
    for (const c of channels) { const s = this.seqs.get(c); if (s !== undefined) map[c] = s; }
    return Object.keys(map).length ? { since: map } : {};
  }

  private send(msg: object) {
    if (this.ws?.readyState === 1) this.ws.send(JSON.stringify(msg));
  }

  private open() {
    this.state.value = this.attempt === 0 ? 'connecting' : 'reconnecting';
    let ws: WebSocket;
    try {
      ws = new this.o.WebSocketImpl(this.o.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.state.value = 'open';
      const channels = this.channels;
      if (channels.length) this.send({ type: 'subscribe', channels, ...this.since(channels) });
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: 'ping' }), this.o.pingMs);
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = () => {
      clearInterval(this.pingTimer);
      if (this.ws === ws) this.ws = null;
      if (!this.stopped) this.scheduleReconnect();
    };
    // An error is always followed by close, where reconnecting happens.
    ws.onerror = () => {};
  }

  private scheduleReconnect() {
    this.state.value = 'reconnecting';
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), this.backoff(this.attempt++));
  }

  /** Reconnect now (e.g. when the browser comes back online) instead of waiting out the backoff. */
  nudge() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.reconnectTimer);
    this.open();
  }

  private receive(raw: unknown) {
    let msg: WsMessage;
    try {
      msg = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    this.lastMessageAt.value = Date.now();
    const { channel, seq } = msg;
    if (channel && typeof seq === 'number') {
      const last = this.seqs.get(channel);
      // A replay after resume can overlap what we already applied: apply each seq once. A
      // snapshot resets the channel, so it is always taken.
      if (msg.type === 'event' && last !== undefined && seq <= last) return;
      this.seqs.set(channel, seq);
    }
    for (const h of this.handlers) h(msg);
  }
}
