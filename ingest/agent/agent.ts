// The discovery agent: runs each source on its own interval (from an injected clock), on demand,
// or not at all while paused; passes what a source found through analysis (dedupe, category,
// currency) and validation to the sink; records every run. A source that fails only fails its
// own run. A run's state (HTTP validators, counters) is kept only once its items reached the sink,
// so a sink outage makes the next run fetch the same things again rather than lose them.
import { ulid } from 'ulid';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { NotFoundError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { validateEvent, validateProduct, validateVideo } from '../../schemas/validate.js';
import { Catalog, type CatalogEntry } from './catalog.js';
import { convertPrice, type CurrencyTable } from './currency.js';
import { categorize } from './taxonomy.js';
import type { HttpClient } from './http.js';
import { runError } from './sources/common.js';
import { scopedState, StagedState } from './state.js';
import type {
  AgentSink, EngagementEvent, ProductMessage, RunError, RunRecord, RunStore, Source, SourceResult, StateStore, VideoMessage,
} from './types.js';

export interface ScheduledSource {
  source: Source;
  everyMs: number;
  /** false: only runs when triggered. */
  enabled?: boolean;
}

export interface AgentOptions {
  sources: ScheduledSource[];
  sink: AgentSink;
  http: HttpClient;
  /** The agent's memory: HTTP validators, counters, the product catalogue. */
  state: StateStore;
  runs: RunStore;
  logger: Logger;
  clock?: Clock;
  /** Prices are converted to `base`; products in currencies without a rate keep their own. */
  currency?: CurrencyTable;
  /** How often start() looks for due sources. */
  tickMs?: number;
  /** Errors kept per run record. */
  maxErrorsPerRun?: number;
}

export interface SourceStatus {
  name: string;
  everyMs: number;
  enabled: boolean;
  paused: boolean;
  running: boolean;
  nextRunAt: string | null;
  lastRun: RunRecord | null;
}

export interface AgentStatus {
  started: boolean;
  paused: boolean;
  sources: SourceStatus[];
}

export type AgentNotice = { type: 'run'; run: RunRecord } | { type: 'status'; status: AgentStatus };

interface Entry extends Required<ScheduledSource> {
  paused: boolean;
  nextRunAt: number;
  running?: Promise<RunRecord>;
  lastRun?: RunRecord;
}

const CATALOG_KEY = 'agent:catalog';

export class DiscoveryAgent {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly listeners = new Set<(n: AgentNotice) => void>();
  private readonly abort = new AbortController();
  private catalog?: Catalog;
  private timer?: NodeJS.Timeout;
  private paused = false;
  /** Analysis and the sink run one batch at a time: the catalogue is shared by every source. */
  private exclusive: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: AgentOptions) {
    this.clock = o.clock ?? systemClock;
    const now = this.clock.now();
    for (const s of o.sources) {
      if (this.entries.has(s.source.name)) throw new Error(`two sources are named ${s.source.name}`);
      this.entries.set(s.source.name, { ...s, enabled: s.enabled ?? true, paused: false, nextRunAt: now });
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { void this.tick(); }, this.o.tickMs ?? 1000);
    this.timer.unref();
    void this.tick();
  }

  /** Stops scheduling, cancels runs in flight and waits for them to record their end. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort(new Error('agent stopped'));
    await Promise.allSettled([...this.entries.values()].map((e) => e.running));
    await this.o.state.flush?.();
  }

  /** Runs every source that is due, enabled and not paused; resolves with their records. */
  async tick(): Promise<RunRecord[]> {
    if (this.paused) return [];
    const now = this.clock.now();
    const due = [...this.entries.values()].filter((e) => e.enabled && !e.paused && !e.running && now >= e.nextRunAt);
    return Promise.all(due.map((e) => this.launch(e, 'schedule')));
  }

  /** Runs one source (or all) now, paused or not; a source already running is awaited, not doubled. */
  async trigger(name?: string): Promise<RunRecord[]> {
    const targets = name ? [this.entry(name)] : [...this.entries.values()];
    return Promise.all(targets.map((e) => e.running ?? this.launch(e, 'manual')));
  }

  pause(name?: string): AgentStatus {
    if (name) this.entry(name).paused = true;
    else this.paused = true;
    return this.notifyStatus();
  }

  resume(name?: string): AgentStatus {
    if (name) this.entry(name).paused = false;
    else this.paused = false;
    return this.notifyStatus();
  }

  status(): AgentStatus {
    return {
      started: !!this.timer,
      paused: this.paused,
      sources: [...this.entries.values()].map((e) => ({
        name: e.source.name, everyMs: e.everyMs, enabled: e.enabled, paused: e.paused, running: !!e.running,
        nextRunAt: e.enabled ? new Date(e.nextRunAt).toISOString() : null, lastRun: e.lastRun ?? null,
      })),
    };
  }

  recentRuns(opts?: { limit?: number; source?: string }): Promise<RunRecord[]> {
    return this.o.runs.recent(opts);
  }

  /** Run starts and ends, pauses and resumes; returns the unsubscribe function. */
  subscribe(listener: (n: AgentNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new NotFoundError('agent source', name);
    return e;
  }

  private notify(n: AgentNotice): void {
    for (const l of this.listeners) {
      try { l(n); } catch (err) { this.o.logger.error({ err }, 'agent listener failed'); }
    }
  }

  private notifyStatus(): AgentStatus {
    const status = this.status();
    this.notify({ type: 'status', status });
    return status;
  }

  private launch(e: Entry, trigger: RunRecord['trigger']): Promise<RunRecord> {
    e.nextRunAt = this.clock.now() + e.everyMs;
    const p = this.run(e, trigger).finally(() => { e.running = undefined; });
    e.running = p;
    return p;
  }

  private async run(e: Entry, trigger: RunRecord['trigger']): Promise<RunRecord> {
    const name = e.source.name;
    const log = this.o.logger.child({ source: name });
    const run: RunRecord = {
      id: ulid(this.clock.now()), source: name, trigger, startedAt: new Date(this.clock.now()).toISOString(), endedAt: null,
      status: 'running', itemsFound: 0, newProducts: 0, productsSent: 0, eventsSent: 0, videosSent: 0, changes: {}, errors: [],
    };
    await this.record(run, log);
    const staged = new StagedState(scopedState(this.o.state, `source:${name}`));
    try {
      const catalog = await this.loadCatalog();
      const result = await e.source.run({
        http: this.o.http, state: staged, logger: log, now: this.clock.now(), signal: this.abort.signal,
        knownProducts: () => catalog.known(),
      });
      run.itemsFound = result.products.length + result.events.length + result.videos.length;
      for (const c of result.changes) run.changes[c.kind] = (run.changes[c.kind] ?? 0) + 1;
      run.errors.push(...result.errors);
      await this.deliver(result, run, staged);
      run.status = run.errors.length ? 'partial' : 'ok';
    } catch (err) {
      run.errors.push(runError(err));
      run.status = 'failed';
      log.warn({ err }, 'agent source run failed');
    }
    const max = this.o.maxErrorsPerRun ?? 50;
    if (run.errors.length > max) run.errors.splice(max, Infinity, { message: `${run.errors.length - max} more errors`, code: 'more_errors' });
    run.endedAt = new Date(this.clock.now()).toISOString();
    e.lastRun = run;
    await this.record(run, log);
    log.info({ items: run.itemsFound, newProducts: run.newProducts, errors: run.errors.length, status: run.status }, 'agent run finished');
    return run;
  }

  private async record(run: RunRecord, log: Logger): Promise<void> {
    try {
      await this.o.runs.save(run);
    } catch (err) {
      // Losing a history row is better than failing the discovery it describes.
      log.error({ err, run: run.id }, 'could not save agent run');
    }
    this.notify({ type: 'run', run: structuredClone(run) });
  }

  private async loadCatalog(): Promise<Catalog> {
    this.catalog ??= new Catalog((await this.o.state.get<CatalogEntry[]>(CATALOG_KEY)) ?? []);
    return this.catalog;
  }

  private deliver(result: SourceResult, run: RunRecord, staged: StagedState): Promise<void> {
    const next = this.exclusive.then(async () => {
      const catalog = await this.loadCatalog();
      const out = this.analyse(result, run, catalog);
      try {
        if (out.products.length) await this.o.sink.products(out.products);
        if (out.videos.length) await this.o.sink.videos(out.videos);
        if (out.events.length) await this.o.sink.events(out.events);
      } catch (err) {
        // Forget this batch's catalogue changes so the next run sees its products as unsent.
        this.catalog = undefined;
        throw err;
      }
      for (const p of out.products) catalog.markSent(p);
      await staged.commit();
      await this.o.state.set(CATALOG_KEY, catalog.entries());
      await this.o.state.flush?.();
      run.productsSent = out.products.length;
      run.eventsSent = out.events.length;
      run.videosSent = out.videos.length;
    });
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  /**
   * Currency, category, dedupe and validation. Only the first listing of a product (the one
   * whose id became the product's id) describes it, so stores do not overwrite each other.
   */
  private analyse(result: SourceResult, run: RunRecord, catalog: Catalog) {
    const products: ProductMessage[] = [];
    const ids = new Map<string, string>();
    const problem = (kind: string, id: string, details: unknown) => run.errors.push({ message: `invalid ${kind} ${id} dropped`, code: 'invalid_item', context: { details } });
    for (const p of result.products) {
      const msg = { ...p };
      if (this.o.currency && msg.price !== undefined && msg.currency) {
        const converted = convertPrice(msg.price, msg.currency, this.o.currency);
        if (converted === undefined) run.errors.push({ message: `no rate for ${msg.currency}; ${msg.productId} keeps its own currency`, code: 'no_rate', context: { productId: msg.productId } });
        else { msg.price = converted; msg.currency = this.o.currency.base; }
      }
      msg.category ??= categorize({ title: msg.title, tags: msg.tags });
      const v = validateProduct(msg);
      if (!v.ok) { problem('product', p.productId, v.errors); continue; }
      // A place is a store or site: one source may cover several sites, and two stores may share a host.
      const place = `${run.source}/${msg.sourceUrl ? new URL(msg.sourceUrl).host : ''}`;
      const { id, isNew } = catalog.resolve(msg, place);
      ids.set(p.productId, id);
      if (isNew) run.newProducts++;
      if (id === p.productId && catalog.changed(msg)) products.push(msg);
    }
    const canonical = (id: string) => ids.get(id) ?? catalog.canonical(id) ?? id;
    const events: EngagementEvent[] = [];
    for (const e of result.events) {
      const msg = { ...e, productId: canonical(e.productId) };
      const v = validateEvent(msg);
      if (v.ok) events.push(msg); else problem('event', e.eventId, v.errors);
    }
    const videos: VideoMessage[] = [];
    for (const vid of result.videos) {
      const msg = { ...vid, productId: canonical(vid.productId) };
      const v = validateVideo(msg);
      if (v.ok) videos.push(msg); else problem('video', vid.videoId, v.errors);
    }
    return { products, events, videos };
  }
}
