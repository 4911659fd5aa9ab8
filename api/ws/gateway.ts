// The WebSocket gateway: channels (`overview`, `product:<id>`, `alerts`, `agent`), a sequence
// number per channel, a short history per channel so that a client reconnecting with `since`
// gets exactly what it missed (or a fresh snapshot when that is gone), and coalescing for slow
// clients: a client whose socket buffer is full gets no more queued messages, only the latest
// snapshot of each channel it missed once it has drained.
//
// What a client can make the server do is bounded: a token bucket on its messages (each
// channel of a subscribe costs one), a cap on its channels, one snapshot in flight per client
// and a few over all clients, snapshots shared and briefly cached per channel, and queued work
// dropped when the client unsubscribes or leaves. Messages apply in the order they arrive.
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { Connection } from './transport.js';
import { TokenBucket } from './token-bucket.js';

export interface ServerMessage { v: 1; type: 'event' | 'snapshot' | 'ack' | 'error' | 'pong'; channel: string; seq: number; ts: string; data: unknown }

export interface GatewayOptions {
  logger: Logger;
  metrics: Metrics;
  /** Current state of a channel, for `snapshot` messages; null when it names nothing (an unknown product). */
  snapshot: (channel: string) => Promise<unknown | null>;
  /** Messages kept per channel for `since` replays. */
  historySize?: number;
  /** Bytes buffered on a socket beyond which a client counts as slow. */
  slowBytes?: number;
  maxChannelsPerClient?: number;
  /** Channel operations a client may send at once (a ping, or each channel of a (un)subscribe), and per second after. */
  messageBurst?: number;
  messagesPerSec?: number;
  /** How long a computed snapshot serves later subscribers, followed by the channel's events since. */
  snapshotTtlMs?: number;
  /** Snapshots computed at the same time, over all clients. */
  snapshotConcurrency?: number;
  now?: () => number;
}

export const WS_LIMITS = { maxChannelsPerClient: 100, messageBurst: 200, messagesPerSec: 20, snapshotTtlMs: 2000, snapshotConcurrency: 2 } as const;

/** Events replayed after a cached snapshot at most; a channel further ahead gets a fresh one. */
const MAX_REPLAY_AFTER_SNAPSHOT = 16;

interface Channel { seq: number; history: { seq: number; frame: string }[]; subscribers: Set<Client> }
interface Client {
  conn: Connection;
  channels: Set<string>;
  /** Channels it missed events on while slow; each gets a snapshot once it drains. */
  behind: Set<string>;
  /** Channels owed a snapshot, in the order subscribed; sent one at a time. */
  waiting: Set<string>;
  pumping: boolean;
  closed: boolean;
  bucket: TokenBucket;
  /** Messages refused for exceeding the rate since the client last kept to it for a second. */
  refused: number;
  refusedAt: number;
}
/** A channel's snapshot: being computed, or computed at `seq` (data null: no such channel). */
interface Snapshot { channel: Channel; seq: number; at: number; done: boolean; result: Promise<{ seq: number; data: unknown | null } | 'failed' | 'unwanted'> }

const CHANNEL_RE = /^(overview|alerts|agent|product:[^\s]{1,128})$/;

export class Gateway {
  private readonly channels = new Map<string, Channel>();
  private readonly clients = new Set<Client>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly historySize: number;
  private readonly slowBytes: number;
  private readonly maxChannels: number;
  private readonly burst: number;
  private readonly perSec: number;
  private readonly ttlMs: number;
  private readonly limit: LimitFunction;
  private readonly now: () => number;
  private readonly drainTimer: NodeJS.Timeout;
  /** Set by close(): queued snapshots are no longer computed. */
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly o: GatewayOptions) {
    this.historySize = o.historySize ?? 256;
    this.slowBytes = o.slowBytes ?? 1 << 20;
    this.maxChannels = o.maxChannelsPerClient ?? WS_LIMITS.maxChannelsPerClient;
    this.burst = o.messageBurst ?? WS_LIMITS.messageBurst;
    this.perSec = o.messagesPerSec ?? WS_LIMITS.messagesPerSec;
    this.ttlMs = o.snapshotTtlMs ?? WS_LIMITS.snapshotTtlMs;
    this.limit = pLimit(o.snapshotConcurrency ?? WS_LIMITS.snapshotConcurrency);
    this.now = o.now ?? Date.now;
    this.log = o.logger.child({ component: 'ws-gateway' });
    this.drainTimer = setInterval(() => {
      this.catchUpSlowClients();
      this.forgetOldSnapshots();
      o.metrics.wsSnapshotWork.set(this.snapshotWork);
    }, 250);
    this.drainTimer.unref();
  }

  get clientCount(): number { return this.clients.size; }

  /** Snapshot computations running or waiting for a turn, over all clients. */
  get snapshotWork(): number { return this.limit.activeCount + this.limit.pendingCount; }

  /** True when somebody listens: producers skip building messages nobody will read. */
  hasSubscribers(channel: string): boolean { return (this.channels.get(channel)?.subscribers.size ?? 0) > 0; }

  private channel(name: string): Channel {
    let c = this.channels.get(name);
    if (!c) this.channels.set(name, (c = { seq: 0, history: [], subscribers: new Set() }));
    return c;
  }

  attach(conn: Connection): void {
    const client: Client = { conn, channels: new Set(), behind: new Set(), waiting: new Set(), pumping: false, closed: false, bucket: new TokenBucket(this.burst, this.perSec, this.now), refused: 0, refusedAt: 0 };
    this.clients.add(client);
    this.o.metrics.wsClients.set(this.clients.size);
    conn.onMessage((text, binary) => this.onMessage(client, text, binary));
    conn.onClose(() => {
      client.closed = true;
      client.waiting.clear();
      this.clients.delete(client);
      for (const ch of client.channels) this.unsubscribe(client, ch);
      this.o.metrics.wsClients.set(this.clients.size);
    });
  }

  private frame(type: ServerMessage['type'], channel: string, seq: number, data: unknown): string {
    return JSON.stringify({ v: 1, type, channel, seq, ts: new Date().toISOString(), data } satisfies ServerMessage);
  }

  private send(client: Client, frame: string, type: ServerMessage['type']): void {
    client.conn.send(frame);
    this.o.metrics.wsSent.inc({ type });
  }

  private error(client: Client, code: string, message: string, extra: { field?: string; channel?: string } = {}): void {
    this.send(client, this.frame('error', extra.channel ?? '', 0, { code, message, ...extra }), 'error');
  }

  /** A message over the rate: one error frame per run of refusals, and the connection closed if the run goes on. */
  private refuse(client: Client): void {
    this.o.metrics.wsRefused.inc();
    client.refusedAt = this.now();
    if (++client.refused === 1) this.error(client, 'rate_limited', `too many messages: at most ${this.burst} channel operations at once and ${this.perSec} per second; this one was dropped`);
    else if (client.refused > this.burst) client.conn.close(1008, 'message rate exceeded');
  }

  /** Handles one client message completely before the next, so (un)subscriptions apply in order. */
  private onMessage(client: Client, text: string, binary: boolean): void {
    if (client.closed) return;
    if (!client.bucket.take(1)) return this.refuse(client);
    // A flood lets a message through now and then as tokens trickle back; only a second within
    // the rate ends its run of refusals.
    if (client.refused && this.now() - client.refusedAt >= 1000) client.refused = 0;
    if (binary) return this.error(client, 'bad_message', 'send JSON in text frames');
    let msg: { type?: unknown; channels?: unknown; since?: unknown };
    try { msg = JSON.parse(text); } catch { return this.error(client, 'bad_message', 'message is not JSON'); }
    if (typeof msg !== 'object' || msg === null) return this.error(client, 'bad_message', 'message must be a JSON object');
    if (msg.type === 'ping') return this.send(client, this.frame('pong', '', 0, {}), 'pong');
    if (msg.type !== 'subscribe' && msg.type !== 'unsubscribe') return this.error(client, 'bad_message', 'type must be subscribe, unsubscribe or ping', { field: 'type' });
    if (!Array.isArray(msg.channels) || msg.channels.length === 0) return this.error(client, 'bad_message', 'channels must be a non-empty list of overview, alerts, agent or product:<id>', { field: 'channels' });
    if (msg.channels.length > this.maxChannels) return this.error(client, 'too_many_channels', `at most ${this.maxChannels} channels per connection`, { field: 'channels' });
    const bad = msg.channels.findIndex((c) => typeof c !== 'string' || !CHANNEL_RE.test(c));
    if (bad >= 0) return this.error(client, 'unknown_channel', `channels[${bad}] is not overview, alerts, agent or product:<id> (id: 1 to 128 characters, no spaces)`, { field: 'channels' });
    const channels = [...new Set(msg.channels as string[])];
    if (channels.length > 1 && !client.bucket.take(channels.length - 1)) return this.refuse(client);
    if (msg.type === 'unsubscribe') {
      for (const ch of channels) this.unsubscribe(client, ch);
      return this.send(client, this.frame('ack', '', 0, { unsubscribed: channels }), 'ack');
    }
    const added = channels.filter((c) => !client.channels.has(c)).length;
    if (client.channels.size + added > this.maxChannels) return this.error(client, 'too_many_channels', `at most ${this.maxChannels} channels per connection`, { field: 'channels' });
    const since = msg.since;
    if (since !== undefined && typeof since !== 'number' && (typeof since !== 'object' || since === null || Array.isArray(since))) return this.error(client, 'bad_message', 'since must be a number or a map of channel to number', { field: 'since' });
    this.send(client, this.frame('ack', '', 0, { subscribed: channels }), 'ack');
    for (const name of channels) {
      const ch = this.channel(name);
      ch.subscribers.add(client);
      client.channels.add(name);
      const from = typeof since === 'number' ? since : (since as Record<string, unknown> | undefined)?.[name];
      if (!(typeof from === 'number' && this.replay(client, ch, from))) client.waiting.add(name);
    }
    void this.pump(client);
  }

  /** Sends what a client missed on a channel after `since`; false when that is no longer kept. */
  private replay(client: Client, ch: Channel, since: number): boolean {
    if (!Number.isFinite(since) || since > ch.seq) return false;
    const oldest = ch.history[0]?.seq ?? ch.seq + 1;
    if (since + 1 < oldest && since !== ch.seq) return false;
    for (const h of ch.history) if (h.seq > since) this.send(client, h.frame, 'event');
    return true;
  }

  /** Sends the snapshots a client is owed, one at a time, until none is left or it leaves. */
  private async pump(client: Client): Promise<void> {
    if (client.pumping) return;
    client.pumping = true;
    try {
      // A Set iterates over what is added while it runs: channels subscribed meanwhile are served too.
      for (const name of client.waiting) {
        client.waiting.delete(name);
        if (client.closed) return;
        if (client.channels.has(name)) await this.sendSnapshot(client, name);
      }
    } finally {
      client.pumping = false;
    }
  }

  private async sendSnapshot(client: Client, name: string): Promise<void> {
    const snap = await this.snapshotOf(name);
    if (client.closed || !client.channels.has(name) || snap === 'unwanted') return;
    if (snap === 'failed') return this.error(client, 'snapshot_failed', `the current state of ${name} could not be read; events still follow`, { channel: name });
    // Subscribed all the same: a product can get its first events after the subscription.
    if (snap.data === null) return this.error(client, 'not_found', `no ${name.replace(':', ' ')} yet; its events follow once there are some`, { channel: name });
    this.send(client, this.frame('snapshot', name, snap.seq, snap.data), 'snapshot');
    // Events on the channel since a cached snapshot was taken follow it.
    const ch = this.channels.get(name);
    if (ch) for (const h of ch.history) if (h.seq > snap.seq) this.send(client, h.frame, 'event');
  }

  /**
   * A channel's current state, computed at most `snapshotConcurrency` at a time. Subscribers
   * share a computation under way and, for `snapshotTtlMs`, its result followed by the events
   * since (so 10,000 dashboards (re)connecting to one channel cost one snapshot, not 10,000:
   * bench fan-out phase, 110 s to settle before sharing, 4 s after). A computation whose turn
   * comes when nobody waits for the channel any more is skipped.
   */
  private snapshotOf(name: string): Snapshot['result'] {
    const channel = this.channel(name);
    const cached = this.snapshots.get(name);
    if (cached && cached.channel === channel && (!cached.done || this.reusable(cached))) return cached.result;
    const entry: Snapshot = {
      channel, seq: 0, at: 0, done: false,
      result: this.limit(async () => {
        if (this.closed || this.channels.get(name) !== channel || channel.subscribers.size === 0) return 'unwanted' as const;
        try {
          const data = await this.o.snapshot(name);
          return { seq: channel.seq, data };
        } catch (err) {
          this.log.warn({ err, channel: name }, 'snapshot failed');
          return 'failed' as const;
        }
      }),
    };
    void entry.result.then((r) => {
      if (this.snapshots.get(name) !== entry) return;
      if (typeof r === 'string') { this.snapshots.delete(name); return; }
      Object.assign(entry, { seq: r.seq, at: this.now(), done: true });
    });
    this.snapshots.set(name, entry);
    return entry.result;
  }

  /** A computed snapshot serves while young, and while the events since it are few and kept. */
  private reusable(s: Snapshot): boolean {
    const ahead = s.channel.seq - s.seq;
    return this.now() - s.at < this.ttlMs && ahead <= MAX_REPLAY_AFTER_SNAPSHOT && (ahead === 0 || (s.channel.history[0]?.seq ?? Infinity) <= s.seq + 1);
  }

  private forgetOldSnapshots(): void {
    const t = this.now();
    for (const [name, s] of this.snapshots) if (s.done && t - s.at >= this.ttlMs) this.snapshots.delete(name);
  }

  private unsubscribe(client: Client, name: string): void {
    client.channels.delete(name);
    client.behind.delete(name);
    client.waiting.delete(name);
    const ch = this.channels.get(name);
    if (!ch) return;
    ch.subscribers.delete(client);
    // Product channels come and go with clients; keep only those someone still watches.
    if (ch.subscribers.size === 0 && name.startsWith('product:')) {
      this.channels.delete(name);
      this.snapshots.delete(name);
    }
  }

  /** Publishes an event on a channel to its subscribers, keeping it for `since` replays. */
  publish(name: string, data: unknown): void {
    const ch = this.channel(name);
    const seq = ++ch.seq;
    const frame = this.frame('event', name, seq, data);
    ch.history.push({ seq, frame });
    if (ch.history.length > this.historySize) ch.history.shift();
    // Encoded once for every subscriber: `ws` would encode a string again for each socket.
    const bytes = Buffer.from(frame);
    let sent = 0, held = 0;
    for (const client of ch.subscribers) {
      if (client.behind.size > 0 || client.conn.bufferedAmount > this.slowBytes) {
        client.behind.add(name);
        held++;
        continue;
      }
      client.conn.send(bytes);
      sent++;
    }
    if (sent) this.o.metrics.wsSent.inc({ type: 'event' }, sent);
    if (held) this.o.metrics.wsCoalesced.inc(held);
  }

  /** Slow clients that drained are owed one snapshot per channel they fell behind on. */
  private catchUpSlowClients(): void {
    for (const client of this.clients) {
      if (client.behind.size === 0 || client.conn.bufferedAmount > this.slowBytes / 4) continue;
      for (const name of client.behind) client.waiting.add(name);
      client.behind.clear();
      void this.pump(client);
    }
  }

  /** Closes every connection; resolves once the snapshots already computing are done, so none reads a store closed after. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.drainTimer);
    for (const c of this.clients) c.conn.close(1001, 'server shutting down');
    await Promise.allSettled([...this.snapshots.values()].map((s) => s.result));
  }
}
