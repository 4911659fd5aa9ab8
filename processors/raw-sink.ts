// Raw sink: engagement events from the bus into ClickHouse, batched, deduplicated by eventId,
// each row flagged late or not against the event-time watermark. Materialized views turn the
// same insert into the 1-minute, 1-hour and 1-day rollups. A bus batch is acknowledged only
// after its rows are written, so a crash replays it: the dedup drops what was stored, and the
// rollup repair makes up for view writes the crash cut short. The live figures (an engagement
// update per batch) go out as soon as a batch is known new, before it waits for and goes
// through the write, which is most of an event's way to the browser; a stored update follows
// each write, for what reads the store.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { Bus, BusMessage, Subscription } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Clock } from '../core/clock.js';
import { isTransient } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { EngagementEvent, Metric, NormalizedEvent } from '../schemas/events.js';
import { settledBefore } from '../analytics/event-time.js';
import { emptyTotals, type EngagementStoredUpdate, type EngagementUpdate, type Totals, type Update } from '../schemas/updates.js';
import { normalizeEvent, validateEvent } from '../schemas/validate.js';
import { deadLetter, parseValue, type Unusable } from './dead-letter.js';
import type { EventDedup } from './dedup.js';
import { encodeEvents, insertEvents } from './event-rows.js';
import { splitByMonth } from './partitions.js';
import type { RollupRepair } from './rollup-repair.js';
import { readWatermark, WATERMARK_MAX_FUTURE_MS } from './watermark.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

export interface RawSinkDeps {
  bus: Bus;
  topics: Topics;
  ch: ClickHouseClient;
  dedup: EventDedup;
  repair: RollupRepair;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  allowedLatenessMs: number;
  /** Called after each write with the products it touched and each one's earliest event time (the scorer's work list). */
  onWritten?: (earliest: Map<string, number>) => void;
  /** Longest a row waits for an idle writer before it is written; bounds freshness at low rates. */
  flushMs?: number;
  /** Rows that trigger a write at once; bounds memory and insert size at high rates. */
  maxRows?: number;
  /** Settings of the events inserts (ROLLUP_INSERT_SETTINGS; a test's reference passes {}). */
  insertSettings?: ClickHouseSettings;
}

/**
 * A bus batch waiting for its write: `fresh` are its events the dedup has certainly not seen
 * (already announced), `maybe` the rest, resolved at the write; `events` all of them.
 */
interface Pending { events: NormalizedEvent[]; fresh: NormalizedEvent[]; maybe: NormalizedEvent[]; acceptedAt: number; deliveredAt: number; done: () => void; fail: (e: unknown) => void }

export const SINK_GROUP = 'trenddrop-raw-sink';
/**
 * A partition's messages the sink holds at once, in writes' worth (maxRows each): the running
 * write's and the next's. Kafka hands over a batch per fetch, and a partition is fetched many
 * times during one write: all of those should join the next write, so the bound is in rows, not
 * batches; handle() also keeps at most a write's worth queued across partitions.
 */
const SINK_IN_FLIGHT = 2;
/** Ids of announced events whose write failed kept at most (a redelivery normally takes them back within seconds). */
const ANNOUNCED_UNSTORED_MAX = 1_000_000;

/** Minute bucket of a timestamp, as the rollups and the API name it. */
const minuteOf = (ms: number) => new Date(ms - (ms % 60_000)).toISOString();

/** Each product's earliest event time in a batch: where its stored series changed. */
function earliestOf(events: readonly { productId: string; tsMs: number }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of events) if (e.tsMs < (m.get(e.productId) ?? Infinity)) m.set(e.productId, e.tsMs);
  return m;
}

/**
 * Adds an event's (or a delta's) counts, field by field: a loop over METRICS read each field by
 * a variable name, a megamorphic access that made the live update's sums 3-4× the rest of it.
 */
function addCounts(d: Totals, e: Record<Metric, number>): void {
  d.views += e.views; d.likes += e.likes; d.shares += e.shares; d.comments += e.comments;
  d.orders += e.orders; d.revenue += e.revenue; d.searches += e.searches;
}

/** The live update of new events: each product's added counts and the minute of its latest event. */
function liveUpdate(events: readonly NormalizedEvent[], acceptedAt: number, deliveredAt: number, announcedAt: number): EngagementUpdate {
  const byProduct = new Map<string, { delta: Totals; latest: number }>();
  let lastEvent = 0;
  for (const e of events) {
    let p = byProduct.get(e.productId);
    if (!p) byProduct.set(e.productId, (p = { delta: emptyTotals(), latest: e.tsMs }));
    addCounts(p.delta, e);
    p.delta.events++;
    if (e.tsMs > p.latest) p.latest = e.tsMs;
    if (e.tsMs > lastEvent) lastEvent = e.tsMs;
  }
  const products: EngagementUpdate['products'] = {};
  for (const [id, p] of byProduct) products[id] = { delta: p.delta, bucketTs: minuteOf(p.latest) };
  return { kind: 'engagement', acceptedAt, deliveredAt, announcedAt, lastEventAt: new Date(lastEvent).toISOString(), products };
}

/**
 * Folds `later` into `into`, both live updates not yet published: per product the counts add up
 * and the bucket is the later of the two minutes, as within one batch. The stamps are the earliest of
 * the two, so freshness is measured from the batch that waited longest.
 */
function mergeLive(into: EngagementUpdate, later: EngagementUpdate): void {
  into.acceptedAt = Math.min(into.acceptedAt, later.acceptedAt);
  into.deliveredAt = Math.min(into.deliveredAt, later.deliveredAt);
  into.announcedAt = Math.min(into.announcedAt, later.announcedAt);
  if (later.lastEventAt > into.lastEventAt) into.lastEventAt = later.lastEventAt;
  for (const [id, p] of Object.entries(later.products)) {
    const q = into.products[id];
    if (!q) { into.products[id] = p; continue; }
    addCounts(q.delta, p.delta);
    q.delta.events += p.delta.events;
    if (p.bucketTs > q.bucketTs) q.bucketTs = p.bucketTs;
  }
}

export class RawSink {
  private pending: Pending[] = [];
  private rows = 0;
  /** Handlers waiting for the queue behind the running write to have room (back-pressure). */
  private roomWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  /** Updates waiting to be published, and the publish under way (one at a time, in order). */
  private outbox: Update[] = [];
  private announcing: Promise<void> | null = null;
  /**
   * Ids of events announced live whose write then failed: the bus redelivers them, and they
   * come back as maybes (the filter has them) found new, which are announced unless listed here.
   */
  private readonly announcedUnstored = new Set<string>();
  private sub: Subscription | null = null;
  private watermark = 0;
  /** Partition (re)assignments seen, and the last one the dedup filter was refreshed for. */
  private assignments = 0;
  private refreshedFor = 0;
  private refreshing: Promise<void> | null = null;
  private readonly knownProducts = new Set<string>();
  private readonly log: Logger;
  private readonly flushMs: number;
  private readonly maxRows: number;
  /**
   * The in-process bus only carries events this process validated at ingest (or produced typed,
   * like the simulator), so they are only normalized here; anything read from Kafka may come
   * from any client and is validated again.
   */
  private readonly trusted: boolean;

  constructor(private readonly d: RawSinkDeps) {
    this.log = d.logger.child({ component: 'raw-sink' });
    this.flushMs = d.flushMs ?? 10;
    this.maxRows = d.maxRows ?? 50_000;
    this.trusted = d.bus.kind === 'local';
  }

  async start(): Promise<void> {
    const rs = await this.d.ch.query({ query: `SELECT productId FROM ${TABLES.products} GROUP BY productId`, format: 'JSONEachRow' });
    for (const r of await rs.json<{ productId: string }>()) this.knownProducts.add(r.productId);
    this.watermark = await readWatermark(this.d.ch, this.d.clock.now());
    this.sub = await this.d.bus.subscribe({
      groupId: SINK_GROUP, topics: [this.d.topics.engagement], handler: (b) => this.handle(b), maxBatch: this.maxRows, deadLetterTopic: this.d.topics.dlq,
      // A partition's next batch is taken in while the write holding its last one runs, so it
      // joins the very next write instead of waiting for this one, then a fetch. Writes are
      // idempotent by eventId and the rollups are sums, so a retried batch may land after a later one.
      inFlight: SINK_IN_FLIGHT,
      onAssigned: () => { this.assignments++; },
    });
    await this.sub.ready;
  }

  /**
   * Before the first batch of a new partition share: a partition that comes from another
   * processor may redeliver events that processor stored but did not commit, and only
   * ClickHouse knows them, so the dedup filter is topped up first (a failure fails the batch,
   * which the bus then retries).
   */
  private async refreshDedup(): Promise<void> {
    while (this.refreshedFor < this.assignments) {
      const upTo = this.assignments;
      this.refreshing ??= this.d.dedup.refresh().then(() => { this.refreshedFor = Math.max(this.refreshedFor, upTo); }).finally(() => { this.refreshing = null; });
      await this.refreshing;
    }
  }

  /** Validates a bus batch, dead-letters what is unusable, and resolves once the rest is written. */
  private async handle(batch: BusMessage[]): Promise<void> {
    const deliveredAt = this.d.clock.now();
    await this.refreshDedup();
    const events: NormalizedEvent[] = [];
    const bad: Unusable[] = [];
    let acceptedAt = Infinity;
    for (const msg of batch) {
      if (this.trusted) {
        events.push(normalizeEvent(msg.value as EngagementEvent));
        if (msg.timestamp < acceptedAt) acceptedAt = msg.timestamp;
        continue;
      }
      const parsed = parseValue(msg.value);
      if (!parsed.ok) { bad.push({ msg, code: 'not_json', reason: parsed.reason, errors: [] }); continue; }
      const v = validateEvent(parsed.value);
      if (!v.ok) { bad.push({ msg, code: 'invalid', reason: 'invalid engagement event', errors: v.errors }); continue; }
      events.push(v.value);
      if (msg.timestamp < acceptedAt) acceptedAt = msg.timestamp;
    }
    await deadLetter(this.d.bus, this.d.topics.dlq, this.d.metrics, bad);
    if (events.length === 0) return;
    // At most a write's worth waits behind the running write; beyond that the batch waits here,
    // and so the bus stops handing over more (memory stays bounded at any inFlight).
    while (this.rows >= this.maxRows) await new Promise<void>((r) => this.roomWaiters.push(r));
    // Classified and queued in one synchronous step, so batches are classified in write order: a
    // maybe is resolved only after every batch classified before it is stored or in its write.
    const { fresh, maybe } = this.d.dedup.classify(events);
    if (fresh.length) this.announce(liveUpdate(fresh, acceptedAt, deliveredAt, this.d.clock.now()));
    await new Promise<void>((done, fail) => {
      this.pending.push({ events, fresh, maybe, acceptedAt, deliveredAt, done, fail });
      this.rows += events.length;
      this.schedule();
    });
  }

  /**
   * Group commit: while a write is running, arriving batches wait and go out together as the
   * next write; when the writer is idle they go out after at most `flushMs` (gathering the
   * batches other partitions deliver meanwhile). Batches grow with load, latency stays one write.
   */
  private schedule(): void {
    if (this.writing) return; // the running write picks up what is pending when it ends
    if (this.rows >= this.maxRows) { if (this.timer) clearTimeout(this.timer); this.timer = null; this.startWrite(); return; }
    this.timer ??= setTimeout(() => { this.timer = null; this.startWrite(); }, this.flushMs);
  }

  private startWrite(): void {
    this.writing = this.flush().finally(() => {
      this.writing = null;
      if (this.pending.length) this.startWrite();
    });
  }

  /** Writes what is buffered (up to maxRows) as one insert; the handlers waiting on it resolve or retry together. */
  private async flush(): Promise<void> {
    let rows = 0, take = 0;
    while (take < this.pending.length && (take === 0 || rows + this.pending[take].events.length <= this.maxRows)) rows += this.pending[take++].events.length;
    const batch = this.pending.splice(0, take);
    if (batch.length === 0) return;
    this.rows -= rows;
    for (const wake of this.roomWaiters.splice(0)) wake();
    try {
      await this.writeOut(batch);
      for (const p of batch) p.done();
    } catch (err) {
      if (batch.length === 1 || isTransient(err)) {
        this.log.error({ err, rows }, 'sink write failed; the bus will redeliver');
        for (const p of batch) p.fail(err);
        return;
      }
      // Batches of several partitions share a write, so one bad event fails them all: each is
      // written again on its own, and only the one that holds the culprit fails (the bus then
      // narrows it down to the message and sets that aside).
      this.log.warn({ err: (err as Error).message, batches: batch.length, rows }, 'shared sink write failed; writing each batch on its own');
      for (const p of batch) {
        try {
          await this.writeOut([p], true);
          p.done();
        } catch (e) {
          this.log.error({ err: e, rows: p.events.length }, 'sink write failed; the bus will redeliver');
          p.fail(e);
        }
      }
    }
  }

  /**
   * Dedup, rollup repair and insert of one or more handlers' events, as one write. `recheck`:
   * the batch was in a write that failed, which may have stored part of it, so every event is
   * looked up again, not only the maybes.
   */
  private async writeOut(batch: Pending[], recheck = false): Promise<void> {
    const endTimer = this.d.metrics.flushSeconds.startTimer();
    const startedAt = this.d.clock.now();
    const stamps = { acceptedAt: Math.min(...batch.map((p) => p.acceptedAt)), deliveredAt: Math.min(...batch.map((p) => p.deliveredAt)), startedAt };
    const gather = (pick: (p: Pending) => NormalizedEvent[]) => (batch.length === 1 ? pick(batch[0]) : ([] as NormalizedEvent[]).concat(...batch.map(pick)));
    const certain = recheck ? [] : gather((p) => p.fresh);
    // What was announced live, to be remembered if this write fails.
    let announced = certain;
    try {
      const resolved = await this.d.dedup.resolve(recheck ? gather((p) => p.events) : gather((p) => p.maybe), certain);
      const { stored } = resolved;
      if (stored.length) {
        const corrected = await this.d.repair.repair(stored, this.d.clock.now());
        if (corrected.size) this.d.onWritten?.(earliestOf(stored.filter((e) => corrected.has(e.productId))));
      }
      if (resolved.fresh.length) {
        // Maybes found new: announced now, unless an earlier attempt announced them already.
        const unannounced = resolved.fresh.filter((e) => !this.announcedUnstored.delete(e.eventId));
        if (unannounced.length) this.announce(liveUpdate(unannounced, stamps.acceptedAt, stamps.deliveredAt, this.d.clock.now()));
        announced = certain.concat(resolved.fresh);
      }
      const fresh = announced;
      this.d.metrics.duplicates.inc(batch.reduce((n, p) => n + p.events.length, 0) - fresh.length);
      if (fresh.length) await this.write(fresh, stamps);
      this.d.metrics.flushRows.observe(fresh.length);
    } catch (err) {
      if (this.announcedUnstored.size + announced.length > ANNOUNCED_UNSTORED_MAX) {
        // Never taken back here (their partitions moved, say): a redelivery may announce these twice.
        this.log.warn({ ids: this.announcedUnstored.size }, 'forgetting announced events whose write failed');
        this.announcedUnstored.clear();
      }
      for (const e of announced) this.announcedUnstored.add(e.eventId);
      throw err;
    } finally {
      endTimer();
    }
  }

  private async write(events: NormalizedEvent[], stamps: Pick<EngagementStoredUpdate, 'acceptedAt' | 'deliveredAt' | 'startedAt'>): Promise<void> {
    const now = this.d.clock.now();
    const lateBefore = settledBefore(this.watermark, this.d.allowedLatenessMs);
    let late = 0, maxTs = this.watermark, lastEvent = 0;
    // Each product's earliest event time: where its stored series changed (the scorer's work list).
    const earliest = new Map<string, number>();
    const newProducts: string[] = [];
    for (const e of events) {
      if (e.tsMs < lateBefore) late++;
      if (e.tsMs > maxTs && e.tsMs <= now + WATERMARK_MAX_FUTURE_MS) maxTs = e.tsMs; // a clock-skewed future event must not drag the watermark
      if (e.tsMs > lastEvent) lastEvent = e.tsMs;
      const first = earliest.get(e.productId);
      if (first === undefined) {
        earliest.set(e.productId, e.tsMs);
        if (!this.knownProducts.has(e.productId)) newProducts.push(e.productId);
      } else if (e.tsMs < first) earliest.set(e.productId, e.tsMs);
    }
    if (newProducts.length) {
      // A product seen in events before its metadata gets a placeholder row (epoch version),
      // which any real product message replaces, so it is listed and counted from the start.
      await this.d.ch.insert({ table: TABLES.products, format: 'JSONEachRow', values: newProducts.map((productId) => ({ productId, title: productId, category: 'Uncategorized', brand: '', price: null, currency: '', imageUrl: '', source: 'events', tags: [], updatedAt: 0 })) });
    }
    // Years of history in one batch go out as several inserts, each within ClickHouse's partition limit.
    for (const rows of splitByMonth(events, (e) => e.tsMs)) await insertEvents(this.d.ch, encodeEvents(rows, (e) => e.tsMs < lateBefore, now), this.d.insertSettings);
    for (const id of newProducts) this.knownProducts.add(id);
    this.watermark = maxTs;
    this.d.metrics.watermark.set(maxTs / 1000);
    this.d.metrics.stored.inc(events.length);
    if (late) this.d.metrics.late.inc(late);
    this.announce({ kind: 'engagement-stored', ...stamps, writtenAt: this.d.clock.now(), lastEventAt: new Date(lastEvent).toISOString(), newProducts });
    this.d.onWritten?.(earliest);
  }

  /**
   * Publishes updates in order without holding anything up (on Kafka a publish is a broker
   * round trip): those queued meanwhile go out together in the next publish, and live updates
   * queued one after another as one. On Kafka the sink took in a batch per partition fetch, and
   * each batch's update (every product it touched) was encoded, compressed, and decoded again
   * by every reader of the updates topic. An update is a notification; one lost to a crash
   * costs a live delta on a chart, never a count.
   */
  private announce(update: Update): void {
    const last = this.outbox[this.outbox.length - 1];
    if (update.kind === 'engagement' && last?.kind === 'engagement') mergeLive(last, update);
    else this.outbox.push(update);
    this.announcing ??= (async () => {
      while (this.outbox.length) {
        const out = this.outbox.splice(0);
        await this.d.bus.publish(this.d.topics.updates, out.map((value) => ({ key: 'engagement', value })))
          .catch((err) => this.log.warn({ err, updates: out.length }, 'engagement updates not published'));
      }
      this.announcing = null;
    })();
  }

  /** Rows taken in and waiting for a write to begin. */
  get queuedRows(): number { return this.rows; }

  /** Event time up to which engagement is stored: the latest event time written (future-skewed events aside). */
  get watermarkMs(): number { return this.watermark; }

  /** Stops consuming and writes what is buffered. */
  async stop(): Promise<void> {
    const closing = this.sub?.close();
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    while (this.writing || this.pending.length) await (this.writing ?? (this.startWrite(), this.writing));
    await closing;
    while (this.announcing) await this.announcing;
  }
}
