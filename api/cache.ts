// Server-side cache for read endpoints. Entries stay valid until new data is written (the
// gateway bumps the version on each update), but at least `minAgeMs`, so that a busy stream
// does not turn every request into a query. ETags let clients revalidate for free.
//
// A key asked for with `warm` (the dashboard's landing request) is also recomputed in the
// background after new data, at most once per `minAgeMs`, for as long as it was requested in the
// last `warmForMs`: under a live stream its answer is otherwise out of date at almost every
// request, and a cold page waited for the whole computation (0.1–2.5 s on a busy 2-core machine).
// A warm key's entry is served while it is younger than `maxStaleMs`, so its answer is never
// more than that behind the data; past that, the request waits for a fresh one as any other.
// A key `pin`ned (the dashboard's landing request, before any client asked for it) is computed at
// once and kept warm for as long as the server runs: a first visit does not wait for its computation.
import { createHash } from 'node:crypto';

/** `at`: when it was stored; `dataAt`: when its computation began, which its data is as of. */
interface Entry { version: number; at: number; dataAt: number; body: string; etag: string }

export interface QueryCacheOptions {
  minAgeMs?: number;
  /** false: `warm` is ignored, every key is as any other (the bench times the computation). */
  keepWarm?: boolean;
  maxEntries?: number;
  now?: () => number;
  /** How long after its last request a warm key is kept up to date. */
  warmForMs?: number;
  /** The oldest a warm key's entry is served (its age counts from when its computation began). */
  maxStaleMs?: number;
  /** A background computation failed (the entry before it is kept; the next request computes). */
  onRefreshError?: (key: string, err: unknown) => void;
}

export class QueryCache {
  private version = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly warm = new Map<string, { compute: () => Promise<unknown>; requestedAt: number }>();
  private readonly pinned = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private lastRefreshAt = -Infinity;
  private stopped = false;
  private readonly minAgeMs: number;
  private readonly keepWarm: boolean;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly warmForMs: number;
  private readonly maxStaleMs: number;
  private readonly onRefreshError: (key: string, err: unknown) => void;

  constructor(o: QueryCacheOptions = {}) {
    this.minAgeMs = o.minAgeMs ?? 1000;
    this.keepWarm = o.keepWarm ?? true;
    this.maxEntries = o.maxEntries ?? 2000;
    this.now = o.now ?? Date.now;
    this.warmForMs = o.warmForMs ?? 5 * 60_000;
    this.maxStaleMs = o.maxStaleMs ?? 5000;
    this.onRefreshError = o.onRefreshError ?? (() => undefined);
  }

  bump(): void {
    this.version++;
    if (this.warm.size > 0) this.scheduleRefresh();
  }

  /**
   * The cached serialized body for key, computing it when stale; concurrent misses share one
   * computation. With `warm`, the key is kept up to date in the background (see above).
   */
  async get(key: string, compute: () => Promise<unknown>, o: { warm?: boolean } = {}): Promise<{ body: string; etag: string }> {
    const e = this.entries.get(key);
    const warm = o.warm && this.keepWarm && !this.stopped;
    if (warm) this.warm.set(key, { compute, requestedAt: this.now() });
    if (e && (e.version === this.version || this.now() - e.at < this.minAgeMs)) return e;
    if (e && warm && this.now() - e.dataAt < this.maxStaleMs) {
      this.scheduleRefresh();
      return e;
    }
    return this.start(key, compute);
  }

  /** Computes key now and keeps it warm from then on, whether or not it is requested (see above). */
  pin(key: string, compute: () => Promise<unknown>): void {
    if (!this.keepWarm || this.stopped) return;
    this.pinned.add(key);
    this.warm.set(key, { compute, requestedAt: this.now() });
    this.start(key, compute).catch((err) => this.onRefreshError(key, err));
  }

  /**
   * No more background computations (the stores are about to close); resolves once those in
   * flight have settled, so that the stores do not close under one of their queries.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.warm.clear();
    this.pinned.clear();
    await Promise.allSettled(this.inflight.values());
  }

  private start(key: string, compute: () => Promise<unknown>): Promise<Entry> {
    let p = this.inflight.get(key);
    if (!p) {
      const version = this.version, dataAt = this.now();
      p = compute().then((value) => {
        const body = JSON.stringify(value);
        const entry = { version, at: this.now(), dataAt, body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(key, entry);
        return entry;
      }).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private scheduleRefresh(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => this.refresh(), Math.max(0, this.lastRefreshAt + this.minAgeMs - this.now()));
    this.timer.unref();
  }

  private refresh(): void {
    this.timer = null;
    this.lastRefreshAt = this.now();
    for (const [key, w] of this.warm) {
      if (!this.pinned.has(key) && this.lastRefreshAt - w.requestedAt > this.warmForMs) {
        this.warm.delete(key);
        continue;
      }
      if (this.entries.get(key)?.version === this.version) continue;
      this.start(key, w.compute).catch((err) => this.onRefreshError(key, err));
    }
  }
}
