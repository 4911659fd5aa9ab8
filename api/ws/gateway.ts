// The WebSocket gateway: channels (`overview`, `product:<id>`, `alerts`, `agent`), a sequence
// number per channel, a short history per channel so that a client reconnecting with `since`
// gets exactly what it missed (or a fresh snapshot when that is gone), and coalescing for slow
// clients: a client whose socket buffer is full gets no more queued messages, only the latest
// snapshot of each channel it missed once it has drained.
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { Connection } from './transport.js';

export interface ServerMessage { v: 1; type: 'event' | 'snapshot' | 'ack' | 'error' | 'pong'; channel: string; seq: number; ts: string; data: unknown }

export interface GatewayOptions {
  logger: Logger;
  metrics: Metrics;
  /** Current state of a channel, for `snapshot` messages; null when the channel is unknown. */
  snapshot: (channel: string) => Promise<unknown | null>;
  /** Messages kept per channel for `since` replays. */
  historySize?: number;
  /** Bytes buffered on a socket beyond which a client counts as slow. */
  slowBytes?: number;
  maxChannelsPerClient?: number;
}

interface Channel { seq: number; history: { seq: number; frame: string }[]; subscribers: Set<Client> }
interface Client { conn: Connection; channels: Set<string>; behind: Set<string> }

const CHANNEL_RE = /^(overview|alerts|agent|product:[^\s]{1,128})$/;

export class Gateway {
  private readonly channels = new Map<string, Channel>();
  private readonly clients = new Set<Client>();
  /** Snapshots being computed, per channel, with the channel's seq when each started. */
  private readonly snapshotting = new Map<string, { seq: number; data: Promise<unknown | null> }>();
  private readonly historySize: number;
  private readonly slowBytes: number;
  private readonly maxChannels: number;
  private readonly drainTimer: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(private readonly o: GatewayOptions) {
    this.historySize = o.historySize ?? 256;
    this.slowBytes = o.slowBytes ?? 1 << 20;
    this.maxChannels = o.maxChannelsPerClient ?? 100;
    this.log = o.logger.child({ component: 'ws-gateway' });
    this.drainTimer = setInterval(() => void this.catchUpSlowClients(), 250);
    this.drainTimer.unref();
  }

  get clientCount(): number { return this.clients.size; }

  /** True when somebody listens: producers skip building messages nobody will read. */
  hasSubscribers(channel: string): boolean { return (this.channels.get(channel)?.subscribers.size ?? 0) > 0; }

  private channel(name: string): Channel {
    let c = this.channels.get(name);
    if (!c) this.channels.set(name, (c = { seq: 0, history: [], subscribers: new Set() }));
    return c;
  }

  attach(conn: Connection): void {
    const client: Client = { conn, channels: new Set(), behind: new Set() };
    this.clients.add(client);
    this.o.metrics.wsClients.set(this.clients.size);
    conn.onMessage((text) => void this.onMessage(client, text));
    conn.onClose(() => {
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

  private async onMessage(client: Client, text: string): Promise<void> {
    let msg: { type?: unknown; channels?: unknown; since?: unknown };
    try { msg = JSON.parse(text); } catch { return this.send(client, this.frame('error', '', 0, { code: 'bad_message', message: 'message is not JSON' }), 'error'); }
    const error = (message: string, field?: string) => this.send(client, this.frame('error', '', 0, { code: 'bad_message', message, ...(field ? { field } : {}) }), 'error');
    if (msg.type === 'ping') return this.send(client, this.frame('pong', '', 0, {}), 'pong');
    if (msg.type !== 'subscribe' && msg.type !== 'unsubscribe') return error('type must be subscribe, unsubscribe or ping', 'type');
    if (!Array.isArray(msg.channels) || msg.channels.some((c) => typeof c !== 'string' || !CHANNEL_RE.test(c))) {
      return error('channels must be a list of overview, alerts, agent or product:<id>', 'channels');
    }
    const channels = msg.channels as string[];
    if (msg.type === 'unsubscribe') {
      for (const ch of channels) this.unsubscribe(client, ch);
      return this.send(client, this.frame('ack', '', 0, { unsubscribed: channels }), 'ack');
    }
    if (client.channels.size + channels.length > this.maxChannels) return error(`at most ${this.maxChannels} channels per connection`, 'channels');
    const since = msg.since;
    if (since !== undefined && typeof since !== 'number' && (typeof since !== 'object' || since === null)) return error('since must be a number or a map of channel to number', 'since');
    this.send(client, this.frame('ack', '', 0, { subscribed: channels }), 'ack');
    for (const name of channels) {
      const ch = this.channel(name);
      ch.subscribers.add(client);
      client.channels.add(name);
      const from = typeof since === 'number' ? since : (since as Record<string, unknown> | undefined)?.[name];
      await this.resume(client, name, ch, typeof from === 'number' ? from : undefined);
    }
  }

  /** Replays what a client missed after `since`, or sends a snapshot when that is not kept. */
  private async resume(client: Client, name: string, ch: Channel, since: number | undefined): Promise<void> {
    if (since !== undefined && since <= ch.seq) {
      const oldest = ch.history[0]?.seq ?? ch.seq + 1;
      if (since + 1 >= oldest || since === ch.seq) {
        for (const h of ch.history) if (h.seq > since) this.send(client, h.frame, 'event');
        return;
      }
    }
    await this.sendSnapshot(client, name, ch);
  }

  private async sendSnapshot(client: Client, name: string, ch: Channel): Promise<void> {
    const data = await this.snapshotOf(name, ch);
    if (data !== null && client.channels.has(name)) this.send(client, this.frame('snapshot', name, ch.seq, data), 'snapshot');
  }

  /**
   * A channel's current state. Clients that subscribe while it is being computed, with no event
   * on the channel since the computation started, share it: 10,000 dashboards (re)connecting to
   * one channel cost one snapshot, not 10,000 (bench fan-out phase: 10,000 subscribers took
   * the API process 110 s to settle, now 4 s).
   */
  private snapshotOf(name: string, ch: Channel): Promise<unknown | null> {
    const running = this.snapshotting.get(name);
    if (running?.seq === ch.seq) return running.data;
    const entry = { seq: ch.seq, data: this.o.snapshot(name).catch((err) => { this.log.warn({ err, channel: name }, 'snapshot failed'); return null; }) };
    this.snapshotting.set(name, entry);
    void entry.data.then(() => { if (this.snapshotting.get(name) === entry) this.snapshotting.delete(name); });
    return entry.data;
  }

  private unsubscribe(client: Client, name: string): void {
    client.channels.delete(name);
    client.behind.delete(name);
    const ch = this.channels.get(name);
    if (!ch) return;
    ch.subscribers.delete(client);
    // Product channels come and go with clients; keep only those someone still watches.
    if (ch.subscribers.size === 0 && name.startsWith('product:')) this.channels.delete(name);
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

  /** Slow clients that drained get one snapshot per channel they fell behind on. */
  private async catchUpSlowClients(): Promise<void> {
    for (const client of this.clients) {
      if (client.behind.size === 0 || client.conn.bufferedAmount > this.slowBytes / 4) continue;
      const names = [...client.behind];
      client.behind.clear();
      for (const name of names) await this.sendSnapshot(client, name, this.channel(name));
    }
  }

  close(): void {
    clearInterval(this.drainTimer);
    for (const c of this.clients) c.conn.close(1001, 'server shutting down');
  }
}
