// The in-process bus: Kafka's semantics (topics, keyed partitions, per-key order, consumer
// groups with committed offsets, back-pressure) inside one process, so that `npm start` needs
// no broker. Durable topics are written to an append-only log under the data dir before
// publish() resolves, and committed offsets are kept beside it: a crash or restart replays
// what was accepted but not yet committed, and loses nothing.
import { appendFileSync, closeSync, fdatasync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { StoreError } from '../errors.js';
import { Utf8Writer } from '../lines.js';
import { deliver, type DeliveryObserver } from './delivery.js';
import { InHand } from './in-hand.js';
import { RecordStore } from './record-store.js';
import type { Bus, BusMessage, OutgoingMessage, PartitionOffsets, SubscribeOptions, Subscription } from './types.js';

export interface LocalBusOptions {
  /** Where durable topics keep their log; null keeps everything in memory (tests, benchmarks). */
  dir: string | null;
  partitions: number;
  logger: Logger;
  /** Topics kept in memory only (fan-out notifications that are worthless after a restart). */
  ephemeralTopics?: string[];
  /**
   * Uncommitted messages per partition before publish() waits for consumers (default
   * DEFAULT_MAX_LAG).
   */
  maxLag?: number;
  /** Records per log segment before a new one is started. */
  segmentRecords?: number;
  /**
   * A segment every group has consumed in full is deleted; the current one too (a new, empty one
   * takes its place) once it holds this many records (default a tenth of segmentRecords), so an
   * idle log keeps at most that much on disk per partition.
   */
  rollRecords?: number;
  /** Backoff for a handler that throws: first delay about baseMs, doubling up to maxMs. */
  handlerRetry?: { baseMs?: number; maxMs?: number };
  /** Default failed tries before a message is dead-lettered (SubscribeOptions.maxAttempts). */
  maxAttempts?: number;
  observer?: DeliveryObserver;
  /** How a topic's message values are written to its log (default writeJson); each must write JSON, which recovery parses. */
  logWriters?: Record<string, LogValueWriter>;
}

/** Writes a message value into a log line; a value's line must hold no newline (JSON escapes them). */
export type LogValueWriter = (w: Utf8Writer, value: unknown) => void;

/**
 * About one raw-sink write's worth a partition (its batches are up to 50k rows). Four times that
 * let a flood of ingest run far ahead of the writes it feeds: in the pipeline bench the main
 * thread was busy accepting while the engine waited for rows to insert, then idle while the sink
 * drained the backlog alone (pipeline / ceiling ratio 0.814 / 0.736 / 0.751 at 200k against 0.860 /
 * 0.967 / 0.878 at 50k, three alternating rounds on a quiet 2-core machine). Less lag also holds
 * less in memory.
 */
export const DEFAULT_MAX_LAG = 50_000;

/** Any value, as JSON.stringify writes it. */
export const writeJson: LogValueWriter = (w, value) => w.text(`${JSON.stringify(value)}`);

const TAB = 9, NEWLINE = 10;

/** FNV-1a: cheap, stable across restarts, spreads keys evenly enough for partitioning. */
export function partitionFor(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % partitions;
}

class Signal {
  private waiters = new Set<() => void>();
  wait(): Promise<void> { return new Promise((r) => this.waiters.add(r)); }
  fire(): void { const w = [...this.waiters]; this.waiters.clear(); for (const r of w) r(); }

  /**
   * Resolves true when any of the signals fires, false after ms; either way it leaves no waiter
   * behind on the others (a loop that waits on two signals would otherwise pile one up per turn).
   */
  static any(signals: Signal[], ms = Infinity): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (fired: boolean) => {
        for (const s of signals) s.waiters.delete(onFire);
        clearTimeout(timer);
        resolve(fired);
      };
      const onFire = () => settle(true);
      for (const s of signals) s.waiters.add(onFire);
      if (Number.isFinite(ms)) timer = setTimeout(() => settle(false), ms);
    });
  }
}

interface Segment { base: number; path: string }

/** A segment file is named by its first offset, zero-padded so that names sort as offsets do. */
const segmentPath = (dir: string, base: number) => join(dir, `${String(base).padStart(20, '0')}.log`);

class Partition {
  readonly records = new RecordStore();
  next = 0;
  segments: Segment[] = [];
  segmentCount = 0;
  readonly grew = new Signal();
  readonly drained = new Signal();
  constructor(readonly topic: string, readonly id: number, readonly dir: string | null) {}

  /** Offset of the first record in memory (below it, only the log has them). */
  get base(): number { return this.records.base; }
}

interface Member { id: number; options: SubscribeOptions; maxBatch: number }

/** One delivery loop per (group, topic, partition); each batch goes to the member that owns it now. */
class Group {
  members: Member[] = [];
  readonly positions = new Map<string, number>(); // `${topic}/${partition}` → next offset to deliver
  readonly committed = new Map<string, number>();
  loops = new Map<string, Promise<void>>();
  readonly membersChanged = new Signal();
  constructor(readonly id: string, readonly durable: boolean, readonly topics: Set<string>) {}
}

export class LocalBus implements Bus {
  readonly kind = 'local' as const;
  private readonly parts = new Map<string, Partition[]>();
  private readonly groups = new Map<string, Group>();
  private readonly ephemeral: Set<string>;
  private readonly maxLag: number;
  private readonly segmentRecords: number;
  private readonly rollRecords: number;
  private readonly log: Logger;
  private savedOffsets: Record<string, Record<string, number>> = {};
  private closed = false;
  private memberSeq = 0;
  private ephemeralSeq = 0;
  private dirtyFds = new Set<number>();
  private fds = new Map<string, number>();
  private syncing: Promise<void> | null = null;
  private offsetsTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: LocalBusOptions) {
    this.ephemeral = new Set(o.ephemeralTopics ?? []);
    this.maxLag = o.maxLag ?? DEFAULT_MAX_LAG;
    this.segmentRecords = o.segmentRecords ?? 500_000;
    this.rollRecords = Math.max(1, o.rollRecords ?? Math.floor(this.segmentRecords / 10));
    this.log = o.logger.child({ component: 'local-bus' });
    if (o.dir) {
      mkdirSync(o.dir, { recursive: true });
      const f = join(o.dir, 'offsets.json');
      if (existsSync(f)) this.savedOffsets = JSON.parse(readFileSync(f, 'utf8'));
    }
  }

  async ensureTopics(topics: string[]): Promise<void> {
    for (const t of topics) if (!this.parts.has(t)) this.parts.set(t, this.openTopic(t));
  }

  private durable(topic: string): boolean { return this.o.dir !== null && !this.ephemeral.has(topic); }

  private openTopic(topic: string): Partition[] {
    const out: Partition[] = [];
    for (let p = 0; p < this.o.partitions; p++) {
      const dir = this.durable(topic) ? join(this.o.dir!, topic, String(p)) : null;
      const part = new Partition(topic, p, dir);
      if (dir) this.recover(part, dir);
      out.push(part);
    }
    return out;
  }

  /** Reloads a partition's log, keeping in memory only what some known group has not committed. */
  private recover(part: Partition, dir: string): void {
    mkdirSync(dir, { recursive: true });
    const files = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    const groupsOf = Object.values(this.savedOffsets).map((g) => g[`${part.topic}/${part.id}`]).filter((v) => v !== undefined);
    const keepFrom = groupsOf.length ? Math.min(...groupsOf) : 0;
    // Offsets never go back, even when every record was consumed and its segments deleted: an
    // empty segment is named by the next offset, and no group can have committed past it.
    part.next = Math.max(0, ...groupsOf);
    for (const f of files) {
      const base = Number(f.slice(0, -4));
      part.next = Math.max(part.next, base);
      const path = join(dir, f);
      part.segments.push({ base, path });
      const text = readFileSync(path, 'utf8');
      // What a crash left of a write (its publish never resolved) is cut off: the next record
      // appended would otherwise join it on its line, and be skipped with it on the next start.
      if (text.length > 0 && !text.endsWith('\n')) truncateSync(path, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
      let count = 0;
      for (const line of text.split('\n')) {
        if (!line) continue;
        const t1 = line.indexOf('\t'), t2 = line.indexOf('\t', t1 + 1), t3 = line.indexOf('\t', t2 + 1);
        let value: unknown;
        try { value = JSON.parse(line.slice(t3 + 1)); } catch { continue; } // a torn last line from a crash mid-write
        const offset = Number(line.slice(0, t1));
        count++;
        part.next = offset + 1;
        if (offset < keepFrom) continue;
        if (part.records.length === 0) part.records.startAt(offset);
        part.records.push({ topic: part.topic, partition: part.id, offset, key: line.slice(t1 + 1, t2), timestamp: Number(line.slice(t2 + 1, t3)), value });
      }
      part.segmentCount = count;
    }
    if (part.records.length === 0) part.records.startAt(part.next);
    if (part.next > 0) this.log.info({ topic: part.topic, partition: part.id, next: part.next, replay: part.records.length }, 'recovered log');
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    const parts = this.parts.get(topic);
    if (!parts) throw new Error(`unknown topic ${topic}`);
    const byPart = new Map<Partition, OutgoingMessage[]>();
    for (const m of messages) {
      const p = parts[partitionFor(m.key, parts.length)];
      let list = byPart.get(p);
      if (!list) byPart.set(p, (list = []));
      list.push(m);
    }
    for (const p of byPart.keys()) while (this.lagOf(p) > this.maxLag && !this.closed) await p.drained.wait();
    const now = Date.now();
    const writeValue = this.o.logWriters?.[topic] ?? writeJson;
    for (const [p, list] of byPart) {
      const w = p.dir ? new Utf8Writer(list.length * 256) : null;
      for (const m of list) {
        const offset = p.next++;
        p.records.push({ topic, partition: p.id, offset, key: m.key, value: m.value, timestamp: now });
        if (!w) continue;
        // A line: offset, key, timestamp, value (recover() and readLog() read it).
        w.jsonNumber(offset); w.byte(TAB); w.text(m.key); w.byte(TAB); w.jsonNumber(now); w.byte(TAB);
        writeValue(w, m.value);
        w.byte(NEWLINE);
      }
      if (w) this.append(p, w.done(), list.length);
    }
    if (this.durable(topic)) await this.sync();
    for (const p of byPart.keys()) p.grew.fire();
  }

  private append(p: Partition, lines: Buffer, count: number): void {
    let seg = p.segments[p.segments.length - 1];
    if (!seg || p.segmentCount >= this.segmentRecords) {
      const base = p.next - count;
      seg = { base, path: segmentPath(p.dir!, base) };
      p.segments.push(seg);
      p.segmentCount = 0;
      this.closeFd(p.segments.length > 1 ? p.segments[p.segments.length - 2].path : '');
    }
    let fd = this.fds.get(seg.path);
    if (fd === undefined) this.fds.set(seg.path, (fd = openSync(seg.path, 'a')));
    appendFileSync(fd, lines);
    p.segmentCount += count;
    this.dirtyFds.add(fd);
  }

  private closeFd(path: string): void {
    const fd = this.fds.get(path);
    if (fd === undefined) return;
    this.fds.delete(path);
    this.dirtyFds.delete(fd);
    closeSync(fd);
  }

  /** Group commit: concurrent publishers share one fdatasync round. */
  private sync(): Promise<void> {
    if (this.syncing) return this.syncing.then(() => (this.dirtyFds.size ? this.sync() : undefined));
    const fds = [...this.dirtyFds];
    this.dirtyFds.clear();
    this.syncing = Promise.all(fds.map((fd) => new Promise<void>((res) => fdatasync(fd, () => res())))).then(() => { this.syncing = null; });
    return this.syncing;
  }

  private lagOf(p: Partition): number {
    let min = p.next;
    for (const g of this.groups.values()) {
      if (!g.durable || !g.topics.has(p.topic) || g.members.length === 0) continue;
      min = Math.min(min, g.committed.get(`${p.topic}/${p.id}`) ?? 0);
    }
    return p.next - min;
  }

  async subscribe(o: SubscribeOptions): Promise<Subscription> {
    await this.ensureTopics(o.topics);
    const groupId = o.ephemeral ? `${o.groupId}~${++this.ephemeralSeq}` : o.groupId;
    let g = this.groups.get(groupId);
    if (!g) {
      g = new Group(groupId, !o.ephemeral, new Set(o.topics));
      this.groups.set(groupId, g);
      for (const t of o.topics) for (const p of this.parts.get(t)!) {
        const key = `${t}/${p.id}`;
        const start = o.ephemeral ? p.next : this.savedOffsets[groupId]?.[key] ?? 0;
        g.positions.set(key, start);
        g.committed.set(key, start);
      }
    }
    const member: Member = { id: ++this.memberSeq, options: o, maxBatch: o.maxBatch ?? 10_000 };
    g.members.push(member);
    this.reassigned(g);
    for (const t of o.topics) for (const p of this.parts.get(t)!) {
      const key = `${t}/${p.id}`;
      if (!g.loops.has(key)) g.loops.set(key, this.deliver(g, p, key).finally(() => g!.loops.delete(key)));
    }
    return { ready: Promise.resolve(), close: () => this.leave(g!, member) };
  }

  /** Partitions are dealt by member count, so any join or leave may move them. */
  private reassigned(g: Group): void {
    for (const m of g.members) m.options.onAssigned?.();
    g.membersChanged.fire();
  }

  private async leave(g: Group, m: Member): Promise<void> {
    g.members = g.members.filter((x) => x !== m);
    this.reassigned(g);
    for (const t of g.topics) for (const p of this.parts.get(t) ?? []) p.grew.fire();
    if (g.members.length === 0) {
      await Promise.all(g.loops.values());
      if (!g.durable) this.groups.delete(g.id);
      this.persistOffsets();
    }
  }

  /**
   * One partition's delivery loop: hands batches to the member that owns the partition, up to
   * its `inFlight` batches' worth of messages at once, and commits up to the first batch not finished. A batch that stops
   * unfinished (its member left, or the bus closes) is delivered again, from where it started,
   * once those in hand have settled.
   */
  private async deliver(g: Group, p: Partition, key: string): Promise<void> {
    const inHand = new InHand(g.committed.get(key)!, (finished) => {
      g.committed.set(key, finished);
      this.trim(p);
      p.drained.fire();
      if (g.durable) this.scheduleOffsets();
    });
    const settled = new Signal();
    while (!this.closed && g.members.length > 0) {
      if (inHand.stopped) {
        await inHand.settled();
        g.positions.set(key, inHand.reset());
        continue;
      }
      const pos = g.positions.get(key)!;
      const owner = g.members[p.id % g.members.length];
      if (pos >= p.next || inHand.held >= Math.max(1, owner.options.inFlight ?? 1) * owner.maxBatch) {
        await Signal.any([p.grew, g.membersChanged, settled]);
        continue;
      }
      const batch = pos < p.base ? this.readLog(p, pos, owner.maxBatch) : p.records.slice(pos, owner.maxBatch);
      if (batch.length === 0) { // nothing left on disk below the memory window: skip the gap
        g.positions.set(key, p.base);
        continue;
      }
      const next = batch[batch.length - 1].offset + 1;
      inHand.add(next, batch.length, deliver(batch, {
        group: g.id, handler: owner.options.handler, deadLetterTopic: owner.options.deadLetterTopic, maxAttempts: owner.options.maxAttempts ?? this.o.maxAttempts,
        retry: this.o.handlerRetry, publish: (t, m) => this.publish(t, m), log: this.log, observer: this.o.observer,
        // A member that joins or leaves may take the partition over: the batch goes back to
        // whoever owns it then, from where it started.
        pause: (ms) => this.pause(g, ms),
      }), () => settled.fire());
      g.positions.set(key, next);
    }
    // Closing, or the group's last member left: what is in hand finishes first (close() waits for this loop).
    await inHand.settled();
    if (inHand.stopped) g.positions.set(key, inHand.finished);
  }

  /** Sleeps ms; false when the bus closes or the group's members change first. */
  private async pause(g: Group, ms: number): Promise<boolean> {
    const changed = await Signal.any([g.membersChanged], ms);
    return !changed && !this.closed && g.members.length > 0;
  }

  /** Reads records below the in-memory window back from the log (a group that is far behind). */
  private readLog(p: Partition, from: number, max: number): BusMessage[] {
    const out: BusMessage[] = [];
    for (const seg of p.segments) {
      if (seg.base > from + max) break;
      for (const line of readFileSync(seg.path, 'utf8').split('\n')) {
        if (!line) continue;
        const t1 = line.indexOf('\t');
        const offset = Number(line.slice(0, t1));
        if (offset < from || offset >= p.base) continue;
        const t2 = line.indexOf('\t', t1 + 1), t3 = line.indexOf('\t', t2 + 1);
        try {
          out.push({ topic: p.topic, partition: p.id, offset, key: line.slice(t1 + 1, t2), timestamp: Number(line.slice(t2 + 1, t3)), value: JSON.parse(line.slice(t3 + 1)) });
        } catch { continue; }
        if (out.length >= max) return out;
      }
    }
    return out;
  }

  /**
   * Drops from memory what every group has consumed, and log segments every known group
   * committed. A durable group with no member right now still counts when there is no log to
   * read its backlog from later; with a log, only active groups hold records in memory.
   */
  private trim(p: Partition): void {
    let min = p.next;
    for (const g of this.groups.values()) {
      if (!g.topics.has(p.topic)) continue;
      if (g.members.length === 0 && (p.dir || !g.durable)) continue;
      // Committed, not delivered: a batch in hand that stops unfinished is read again from here.
      min = Math.min(min, g.committed.get(`${p.topic}/${p.id}`) ?? 0);
    }
    p.records.dropBelow(min);
    if (!p.dir || p.segments.length === 0) return;
    const key = `${p.topic}/${p.id}`;
    const known = [...this.groups.values()].filter((g) => g.durable && g.topics.has(p.topic)).map((g) => g.committed.get(key) ?? 0);
    for (const [gid, offs] of Object.entries(this.savedOffsets)) if (!this.groups.has(gid) && offs[key] !== undefined) known.push(offs[key]);
    if (known.length === 0) return; // nobody has read it yet (e.g. the dead-letter topic): keep it
    const committed = Math.min(...known);
    // The current segment, consumed in full by every group: a new, empty one takes over (created
    // first, so the next offset is on disk), unless a write to it may still be syncing.
    const current = p.segments[p.segments.length - 1];
    const fd = this.fds.get(current.path);
    if (committed >= p.next && p.segmentCount >= this.rollRecords && !this.syncing && (fd === undefined || !this.dirtyFds.has(fd))) {
      const fresh = { base: p.next, path: segmentPath(p.dir, p.next) };
      writeFileSync(fresh.path, '');
      p.segments.push(fresh);
      p.segmentCount = 0;
    }
    while (p.segments.length > 1 && p.segments[1].base <= committed) {
      const old = p.segments.shift()!;
      this.closeFd(old.path);
      rmSync(old.path, { force: true });
    }
  }

  private scheduleOffsets(): void {
    if (this.offsetsTimer) return;
    this.offsetsTimer = setTimeout(() => { this.offsetsTimer = null; this.persistOffsets(); }, 100);
  }

  /** Offsets are written after the writes they cover; losing the last ones only causes a replay. */
  private persistOffsets(): void {
    if (!this.o.dir) return;
    for (const g of this.groups.values()) if (g.durable) this.savedOffsets[g.id] = Object.fromEntries(g.committed);
    const f = join(this.o.dir, 'offsets.json');
    writeFileSync(f + '.tmp', JSON.stringify(this.savedOffsets));
    renameSync(f + '.tmp', f);
  }

  /** In-process: up for as long as it is open. */
  async ping(): Promise<void> {
    if (this.closed) throw new StoreError('bus', 'bus is closed');
  }

  async lag(groupId: string, topic: string): Promise<number> {
    return (await this.offsets(groupId, topic)).reduce((n, p) => n + p.end - p.committed, 0);
  }

  async offsets(groupId: string, topic: string): Promise<PartitionOffsets[]> {
    const g = this.groups.get(groupId);
    return (this.parts.get(topic) ?? []).map((p) => {
      const key = `${topic}/${p.id}`;
      return { partition: p.id, committed: g?.committed.get(key) ?? this.savedOffsets[groupId]?.[key] ?? 0, end: p.next };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const parts of this.parts.values()) for (const p of parts) { p.grew.fire(); p.drained.fire(); }
    for (const g of this.groups.values()) g.membersChanged.fire();
    await Promise.all([...this.groups.values()].flatMap((g) => [...g.loops.values()]));
    if (this.offsetsTimer) clearTimeout(this.offsetsTimer);
    this.persistOffsets();
    await this.sync();
    for (const path of [...this.fds.keys()]) this.closeFd(path);
  }
}
